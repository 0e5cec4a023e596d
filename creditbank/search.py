"""The public search (站内搜索) over what anyone may read: each app offers its kinds of result.

An installed app that has public pages offers ``<app>/search.py`` with ``SEARCH_KINDS``, a list
of ``SearchKind``; they are found the way ``seed_demo`` finds ``demo.py`` (lower apps first), so
this package never imports an app by name. A kind's ``find(text)`` returns the public rows that
contain ``text`` (``icontains``: a substring, Chinese included, of any length; the apps' GIN
trigram indexes on ``UPPER(column)`` serve substrings of three or more characters), and
``hit(row, text)`` what a result shows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django import forms
from django.apps import apps
from django.db.models import Model, QuerySet
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .fields import SearchField
from .pages import filter_query, paginate

QUERY_MAX = 60
PREVIEW = 5  # results of each kind on the page of all kinds
PER_PAGE = 20  # results on the page of one kind
EXCERPT = 40  # characters either side of the match in an excerpt


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class SearchKind:
    key: str
    label: str
    order: int
    find: Callable[[str], QuerySet]
    hit: Callable[[Model, str], Hit]


@cache
def search_kinds() -> tuple[SearchKind, ...]:
    """Every app's kinds of result, in their ``order``."""
    kinds = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "search"):
            kinds += getattr(import_module(f"{config.name}.search"), "SEARCH_KINDS", [])
    return tuple(sorted(kinds, key=lambda kind: (kind.order, kind.key)))


def excerpt(text: str, query: str) -> str:
    """A line of ``text`` around the first place ``query`` occurs in it (case-insensitive), or
    its beginning; "…" where it was cut."""
    text = " ".join(text.split())
    at = text.casefold().find(query.casefold())
    if at < 0:
        at = 0
    start = max(0, at - EXCERPT)
    end = min(len(text), at + len(query) + EXCERPT)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


class _KindField(forms.ChoiceField):
    def validate(self, value):
        """An unknown kind of result means every kind: a stale link is not an error."""


class SearchForm(forms.Form):
    q = SearchField(label=_("Search for"), max_length=QUERY_MAX)
    kind = _KindField(label=_("Search in"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            ("", _("Everything")),
            *((kind.key, kind.label) for kind in search_kinds()),
        ]

    def clean_kind(self):
        value = self.cleaned_data["kind"]
        return value if value in {kind.key for kind in search_kinds()} else ""


@require_GET
def search_page(request):
    """The results page: every kind of result with its count and first few hits, or one kind
    (``?kind=``) page by page. No text, or text the box refuses, asks for text; nothing is
    searched then."""
    form = SearchForm(request.GET or None)
    groups, query, chosen = [], "", ""
    if form.is_bound and form.is_valid():
        query, chosen = form.cleaned_data["q"], form.cleaned_data["kind"]
    if query:
        for kind in search_kinds():
            if chosen and kind.key != chosen:
                continue
            rows = kind.find(query)
            group = {"kind": kind, "page": None}
            if chosen:
                group["page"] = paginate(request, rows, per_page=PER_PAGE)
                group["count"] = group["page"].paginator.count
                shown = group["page"]
            else:
                group["count"] = rows.count()
                shown = rows[:PREVIEW] if group["count"] else []
                group["all_url"] = "?" + urlencode({"q": query, "kind": kind.key})
            group["hits"] = [kind.hit(row, query) for row in shown]
            groups.append(group)
    context = {
        "form": form,
        "query": query,
        "groups": groups,
        "total": sum(group["count"] for group in groups),
        "filter_query": filter_query(request),
        "all_kinds_url": "?" + urlencode({"q": query}),
    }
    return render(request, "creditbank/search.html", context)
