"""An institution's API tokens, for its administrators: the list, making one (its secret shown
once, on the list it redirects to) and revoking one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from creditbank.errors import ServiceError
from creditbank.pages import paginate, refuse

from .access import api_token_for, may_make_tokens, token_institution_for
from .forms import ApiTokenForm
from .services import api_token_create, api_token_revoke

# The session key of a new token's secret, kept for the one page that shows it.
SHOWN_ONCE = "api_token_shown_once"


@login_required
@never_cache
@require_GET
def token_list(request, pk):
    """The institution's tokens, newest first; a token just made is shown once, here."""
    institution = token_institution_for(request.user, pk)
    shown = request.session.get(SHOWN_ONCE)
    if shown and shown.get("institution") == institution.pk:
        del request.session[SHOWN_ONCE]
    else:
        shown = None
    tokens = (
        institution.api_tokens.with_maker_standing()
        .select_related("created_by", "revoked_by")
        .order_by("revoked_at", "-created_at", "-pk")
    )
    context = {
        "institution": institution,
        "page": paginate(request, tokens),
        "shown": shown,
        "may_make": may_make_tokens(request.user, institution),
    }
    return render(request, "api/token_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def token_create(request, pk):
    institution = token_institution_for(request.user, pk)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(
                acting_user=request.user,
                institution=institution,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            request.session[SHOWN_ONCE] = {
                "institution": institution.pk,
                "token": token.pk,
                "name": token.name,
                "secret": secret,
            }
            messages.success(request, _("The token was made."))
            return redirect("api:token_list", pk=institution.pk)
    context = {"institution": institution, "form": form}
    return render(request, "api/token_create.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk, token_pk):
    """The confirmation (GET) and the revocation (POST)."""
    token = api_token_for(request.user, pk, token_pk)
    problem = None
    if request.method == "POST":
        try:
            api_token_revoke(acting_user=request.user, token=token)
        except ServiceError as exc:
            problem = exc.message
        else:
            messages.success(
                request,
                _("The token %(name)s was revoked; requests made with it are refused from now on.")
                % {"name": token.name},
            )
            return redirect("api:token_list", pk=pk)
    context = {"institution": token.institution, "token": token, "problem": problem}
    return render(request, "api/token_revoke.html", context)
