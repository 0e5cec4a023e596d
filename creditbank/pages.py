"""What every app's pages do the same way: a service's refusal onto a form, the status a
refusal answers, pagination with its filter query, and the one form page."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.shortcuts import render

from .errors import IllegalTransition, InvalidInput, NotAllowed, ServiceError

# The HTTP status of each kind of refusal; a class not named here answers as its nearest parent.
STATUSES = {NotAllowed: 403, IllegalTransition: 409, InvalidInput: 400, ServiceError: 400}


def status_for(exc: ServiceError) -> int:
    """The HTTP status a refusal answers: 403 not allowed, 409 illegal transition, 400 invalid
    input. The one place a page decides a status from a service error."""
    return next(STATUSES[cls] for cls in type(exc).__mro__ if cls in STATUSES)


def refuse(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's refusal beside the field it names, or above the form when the form has
    no such field. A form whose field names differ from the service's maps them in
    ``field_for(name)``."""
    field = form.field_for(exc.field) if hasattr(form, "field_for") else exc.field
    form.add_error(
        field if field in form.fields else None, ValidationError(exc.message, code=exc.code)
    )


class Refusal(forms.Form):
    """A form with no fields: it carries a refusal that has no form left to sit in."""


def refusal(exc: ServiceError) -> Refusal:
    """A bound, fieldless form whose only error is ``exc`` (shown with ``non_field_errors``)."""
    form = Refusal({})
    form.is_valid()
    refuse(form, exc)
    return form


def paginate(
    request, items, *, per_page: int = 20, param: str = "page", count: int | None = None
) -> Page:
    """The page of ``items`` named by the ``param`` query parameter. A page number that is not
    a number gives the first page, one past the end the last. ``count``, when the caller knows
    it, saves the paginator's COUNT query."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get(param))


def filter_query(request, *, param: str = "page") -> str:
    """The list's query string without its page number, for ``_pagination.html`` to add the
    page to (``param`` names the page parameter of a second list on the same page)."""
    params = request.GET.copy()
    params.pop(param, None)
    return params.urlencode()


def form_page(
    request,
    form,
    *,
    title,
    submit,
    cancel: str,
    intro="",
    back: tuple[str, str] | None = None,
    status: int = 200,
):
    """The page of one form: a title, an optional introduction, the fields, a submit button and
    a cancel link (``cancel`` is the URL to go back to). ``back`` is an optional ``(url, label)``
    link above the title, to the section the page belongs to."""
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "cancel": cancel,
        "intro": intro,
        "back": back,
    }
    return render(request, "creditbank/form_page.html", context, status=status)
