"""The learner's own account pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from creditbank.errors import IllegalTransition, ServiceError
from creditbank.pages import refuse

from ..forms.learners import IdImageForm, MobileChangeForm
from ..models import LearnerAccount
from ..services import learner_account_resubmit, learner_mobile_change


def _own_account(user) -> LearnerAccount | None:
    return LearnerAccount.objects.select_related("home__branch").filter(user=user).first()


@login_required
def my_account(request):
    """Profile, status with its reason, the account number, and what can be changed."""
    account = _own_account(request.user)
    if account is None:
        return redirect("branches:account_open")
    return _my_account_page(request, account)


def _my_account_page(request, account, *, id_image_form=None, status=200):
    context = {"account": account}
    if account.status == LearnerAccount.Status.RETURNED:
        context["id_image_form"] = id_image_form or IdImageForm()
    return render(request, "accounts/my_account.html", context, status=status)


@login_required
@require_POST
def my_account_id_image(request):
    """The learner uploads the new photo of the ID that verification asked for; the account
    waits for verification again."""
    account = _own_account(request.user)
    if account is None:
        return redirect("branches:account_open")
    form = IdImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            learner_account_resubmit(
                acting_user=request.user, account=account, id_image=form.cleaned_data["id_image"]
            )
        except IllegalTransition as exc:
            messages.error(request, exc.message)
            return redirect("accounts:my_account")
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("Thank you. Your new ID photo was sent; the branch centre verifies it again."),
            )
            return redirect("accounts:my_account")
    return _my_account_page(request, account, id_image_form=form)


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
