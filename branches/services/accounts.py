"""Opening learning accounts within the service network: online (pending verification at a
chosen branch) or at a service point by branch staff (active at once)."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import LearnerAccount
from accounts.services import Identity, learner_account_create
from creditbank.errors import InvalidInput

from ..models import AccountHome, BranchCentre, ServicePoint, StaffAssignment


@transaction.atomic
def account_open_online(
    *, acting_user, branch: BranchCentre, identity: Identity, id_image=None
) -> LearnerAccount:
    """The signed-in person opens their own account; it waits for verification at ``branch``."""
    account = learner_account_create(
        acting_user=acting_user,
        user=acting_user,
        identity=identity,
        channel=LearnerAccount.Channel.ONLINE,
        verified=False,
        id_image=id_image,
    )
    AccountHome.objects.create(account=account, branch=branch)
    return account


@transaction.atomic
def account_open_in_person(
    *, acting_user, service_point: ServicePoint, identity: Identity, email: str
) -> LearnerAccount:
    """Branch staff open an account for a person whose ID they have seen; it is active at once.

    A user is made for the person with no password (the username is the account number); after
    commit a Celery task e-mails them a link to choose one (``account_opened_email_send``).
    Staff can act only at service points of the branches they are posted to.
    """
    if not StaffAssignment.objects.filter(
        user=acting_user, branch_id=service_point.branch_id
    ).exists():
        raise InvalidInput(
            _("You can open accounts only at service points of your own branch."),
            field="service_point",
        )
    if EmailAddress.objects.filter(email__iexact=email).exists():
        raise InvalidInput(
            _(
                "This e-mail address already belongs to an account: the person can sign in "
                "with it and open the learning account online."
            ),
            field="email",
        )
    user = get_user_model().objects.create_user(
        username=f"pending-{email.lower()}"[:150], email=email, password=None
    )
    account = learner_account_create(
        acting_user=acting_user,
        user=user,
        identity=identity,
        channel=LearnerAccount.Channel.IN_PERSON,
        verified=True,
    )
    user.username = account.account_number
    user.save(update_fields=["username"])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    AccountHome.objects.create(
        account=account,
        branch_id=service_point.branch_id,
        service_point=service_point,
        opened_by=acting_user,
    )
    from ..tasks import account_opened_email

    transaction.on_commit(lambda: account_opened_email.delay(account.pk))
    return account


def account_opened_email_send(*, account_id: int) -> bool:
    """E-mail the person whose account was opened in person a link to choose a password, in the
    site's language, under ``CREDITBANK_SITE_URL``; ``False`` once they have chosen one (or the
    account is gone), so the task may run twice without sending a link that is no longer needed.

    The link's key is made here from the user's row (allauth's password-reset token, which
    stops working once the password is set), so it never passes through the broker.
    """
    account = (
        LearnerAccount.objects.select_related("user", "home__service_point")
        .filter(pk=account_id, home__service_point__isnull=False)
        .first()
    )
    if account is None or account.user.has_usable_password() or not account.user.email:
        return False
    user = account.user
    link = settings.CREDITBANK_SITE_URL.rstrip("/") + reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    context = {"account": account, "link": link, "service_point": account.home.service_point}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("branches/email/account_opened_subject.txt", context).strip()
        body = render_to_string("branches/email/account_opened_message.txt", context)
    send_mail(subject, body, None, [user.email])
    return True
