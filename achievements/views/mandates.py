"""The centre's pages of direct recognition mandates (直接认定授权): the list, granting one, and
ending one (a page that asks, then a POST). Centre administrators only: the list and the grant
form are 403 for everyone else, a mandate 404 (``access.mandate_for``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import role_required
from accounts.roles import CENTRE_ADMIN
from creditbank.errors import ServiceError
from creditbank.pages import form_page, paginate, refuse

from ..access import mandate_for, mandates_for
from ..forms.mandates import MandateEndForm, MandateGrantForm
from ..services.mandates import mandate_end, mandate_grant

LIST = (reverse_lazy("achievements:mandate_list"), gettext_lazy("Direct recognition mandates"))


@role_required(CENTRE_ADMIN)
@require_GET
def mandate_list(request):
    """Every mandate, the active ones first."""
    page = paginate(request, mandates_for(request.user))
    return render(request, "achievements/mandates/mandate_list.html", {"page": page})


@role_required(CENTRE_ADMIN)
@require_http_methods(["GET", "POST"])
def mandate_grant_view(request):
    form = MandateGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = mandate_grant(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(institution)s now recognises its own results of “%(category)s” directly "
                    "when it sends them in a batch."
                )
                % {"institution": mandate.institution.name, "category": mandate.category.name},
            )
            return redirect("achievements:mandate_list")
    return form_page(
        request,
        form,
        back=LIST,
        title=gettext_lazy("Grant a direct recognition mandate"),
        submit=gettext_lazy("Grant the mandate"),
        cancel=reverse("achievements:mandate_list"),
        intro=gettext_lazy(
            "A member institution with a mandate recognises its own results of the category "
            "when it sends them in a batch: each passed result with credits up to the re-review "
            "threshold is recognised at the level and in the field below, with the credits its "
            "row states. The others, and every batch without a mandate, go to the review."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mandate_end_view(request, pk):
    """Ask, then end the mandate (POST)."""
    mandate = mandate_for(request.user, pk)
    form = MandateEndForm(request.POST if request.method == "POST" else None, prefix="end")
    if request.method == "POST" and form.is_valid():
        try:
            mandate_end(
                acting_user=request.user, mandate=mandate, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            refuse(form, exc)
            mandate.refresh_from_db()
        else:
            messages.success(
                request,
                _(
                    "The mandate was ended. The next batches of %(institution)s of “%(category)s” "
                    "go to the review."
                )
                % {"institution": mandate.institution.name, "category": mandate.category.name},
            )
            return redirect("achievements:mandate_list")
    context = {"mandate": mandate, "form": form, "back": LIST}
    return render(request, "achievements/mandates/mandate_end.html", context)
