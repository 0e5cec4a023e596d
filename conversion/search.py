"""Conversion in the public search (creditbank.search): the course catalogue's courses and the
rule versions the public lookup shows (published, valid today or later)."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditbank.search import Hit, SearchKind

from .models import Course
from .selectors import public_versions


def _courses(text):
    return (
        Course.objects.public()
        .filter(Q(name__icontains=text) | Q(code__icontains=text))
        .select_related("institution")
        .order_by("name", "institution__name", "pk")
    )


def _course_hit(course, text):
    detail = _("%(code)s · %(institution)s · %(credits)s credits") % {
        "code": course.code,
        "institution": course.institution.name,
        "credits": course.credits,
    }
    return Hit(course.name, reverse("conversion:course_public", args=[course.pk]), detail)


def _rules(text):
    return (
        public_versions()
        .filter(Q(rule__title__icontains=text) | Q(rule__number__icontains=text))
        .select_related("rule", "rule__institution", "programme")
        .order_by("rule__number", "-version")
    )


def _rule_hit(version, text):
    detail = _("%(number)s version %(version)s · %(institution)s · %(programme)s") % {
        "number": version.rule.number,
        "version": version.version,
        "institution": version.rule.institution.name,
        "programme": version.programme.name,
    }
    return Hit(version.rule.title, reverse("conversion:rule_public", args=[version.pk]), detail)


SEARCH_KINDS = [
    SearchKind("courses", gettext_lazy("Courses (课程超市)"), 60, _courses, _course_hit),
    SearchKind("rules", gettext_lazy("Conversion rules"), 70, _rules, _rule_hit),
]
