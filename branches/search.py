"""The network's kinds of result in the public search (creditbank.search): help pages,
service points, alliance members and announcements — only what the public pages show."""

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from creditbank.search import Hit, SearchKind, excerpt

from .selectors import (
    help_page_text,
    help_pages_containing,
    open_service_points,
    public_members,
    published_announcements,
)


def _help_hit(page, text):
    return Hit(
        page.title,
        reverse("branches:help_detail", args=[page.slug]),
        excerpt(help_page_text(page.body), text)
        if text.casefold() not in (page.title + page.summary).casefold()
        else page.summary,
    )


def _service_points(text):
    return open_service_points().filter(
        Q(name__icontains=text)
        | Q(address__icontains=text)
        | Q(host_institution__name__icontains=text)
    )


def _service_point_hit(point, text):
    url = reverse("branches:service_points") + "?" + urlencode({"q": point.name})
    return Hit(point.name, url, f"{point.district.name} · {point.address}")


def _members(text):
    return public_members().filter(institution__name__icontains=text)


def _member_hit(membership, text):
    name = membership.institution.name
    url = reverse("branches:membership_directory") + "?" + urlencode({"q": name})
    return Hit(name, url, membership.branch.name)


def _announcements(text):
    return published_announcements().filter(Q(title__icontains=text) | Q(body__icontains=text))


def _announcement_hit(announcement, text):
    detail = date_format(announcement.published_at, "Y-m-d")
    if text.casefold() not in announcement.title.casefold():
        detail += " · " + excerpt(announcement.body, text)
    return Hit(
        announcement.title,
        reverse("branches:announcement_detail", args=[announcement.pk]),
        detail,
    )


SEARCH_KINDS = [
    SearchKind("help", _("Help pages"), 10, help_pages_containing, _help_hit),
    SearchKind("service_points", _("Service points"), 30, _service_points, _service_point_hit),
    SearchKind("members", _("Member institutions"), 40, _members, _member_hit),
    SearchKind("announcements", _("Announcements"), 50, _announcements, _announcement_hit),
]
