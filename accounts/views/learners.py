"""The learner's own account pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from creditbank.errors import ServiceError
from creditbank.pages import refuse

from ..forms.learners import MobileChangeForm
from ..models import LearnerAccount
from ..services import learner_mobile_change


def _own_account(user) -> LearnerAccount | None:
    return LearnerAccount.objects.select_related("home__branch").filter(user=user).first()


@login_required
def my_account(request):
    """Profile, status with its reason, the account number, and what can be changed."""
    account = _own_account(request.user)
    if account is None:
        return redirect("branches:account_open")
    return render(request, "accounts/my_account.html", {"account": account})


@login_required
@require_http_methods(["GET", "POST"])
def my_account_mobile(request):
    account = _own_account(request.user)
    if account is None:
        return redirect("branches:account_open")
    form = MobileChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            learner_mobile_change(
                acting_user=request.user, account=account, mobile=form.cleaned_data["mobile"]
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Your mobile number has been changed."))
            return redirect("accounts:my_account")
    return render(request, "accounts/my_account_mobile.html", {"form": form, "account": account})
