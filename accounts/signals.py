"""A password set through an e-mailed link proves the person holds that address."""

from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from django.dispatch import receiver

from creditbank.audit import audit_record


@receiver(password_reset, dispatch_uid="accounts_password_reset")
def _password_reset(sender, request, user, **kwargs):
    EmailAddress.objects.filter(user=user, primary=True, verified=False).update(verified=True)
    audit_record(actor=user, action="auth.password_reset", target=user)
