"""Small pieces the network's views share."""

from django.core.paginator import Paginator
from django.shortcuts import render

from creditbank.errors import ServiceError


def add_service_error(form, exc: ServiceError) -> None:
    """Put a service's refusal beside the field it names (or above the form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def paginate(request, items, per_page: int = 20):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def filter_query(request) -> str:
    """The list's filter parameters, without the page number, for ``_pagination.html``."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def form_page(request, form, *, title, submit, cancel: str, intro=""):
    """The one form page of the network's pages; ``cancel`` is the URL to go back to."""
    context = {"form": form, "title": title, "submit": submit, "cancel": cancel, "intro": intro}
    return render(request, "branches/form.html", context)
