"""Who may see and who may act in conversion: loading programmes, courses and rule versions for
a user, and the ``*_actions()`` helpers the pages and services share.

Contract (as in STYLE.md): an object the user may not even know of is a 404; one they may see
but not change, asked for with ``write=True``, is a 403. The public reads courses and published
rules through ``public_course`` / ``public_rule_version``, never through the staff helpers.

Who is who here:
- an institution's administrators and clerks (*writers*) keep its programmes, courses and rules,
  while the institution is approved; its reviewers read them;
- centre administrators read every programme, course and rule version, assign expert panels,
  approve (never a version they wrote, nor one of an institution they work for) and publish;
- an expert reads a rule version only while they are on its panel (a django-guardian object
  permission ``conversion.review_ruleversion`` on the version) or after they gave an opinion.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from guardian.shortcuts import get_perms

from accounts.access import institution_roles
from accounts.models import Institution, InstitutionStaff
from accounts.roles import CENTRE_ADMIN, EXPERT, has_role

from .models import Course, Programme, RuleVersion

WRITER_ROLES = frozenset({InstitutionStaff.Role.ADMIN, InstitutionStaff.Role.CLERK})
REVIEW_PERMISSION = "review_ruleversion"
PUBLIC_RULE_STATUSES = (RuleVersion.Status.PUBLISHED, RuleVersion.Status.RETIRED)


def is_centre_admin(user) -> bool:
    return user.is_authenticated and has_role(user, CENTRE_ADMIN)


def is_expert(user) -> bool:
    return user.is_authenticated and has_role(user, EXPERT)


def writer_institutions(user):
    """The approved institutions whose programmes, courses and rules ``user`` may write
    (administrator or clerk there)."""
    if not getattr(user, "is_authenticated", False):
        return Institution.objects.none()
    return Institution.objects.filter(
        status=Institution.Status.APPROVED,
        staff__user=user,
        staff__role__in=WRITER_ROLES,
    ).distinct()


def staff_institution_ids(user) -> set[int]:
    """The institutions ``user`` works for, in any role."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(institution_roles(user))


def _institution_reader(user, institution_id: int, *, write: bool) -> None:
    """Raise unless ``user`` may read (``write``: and write) what ``institution_id`` keeps."""
    roles = institution_roles(user).get(institution_id, set()) if user.is_authenticated else set()
    if roles & WRITER_ROLES:
        return
    if roles or is_centre_admin(user):
        if write:
            raise PermissionDenied
        return
    raise Http404


def programme_for(user, pk, *, write: bool = False) -> Programme:
    """A programme, for its institution's staff (writers write) and centre administrators
    (read only); 404 for anyone else."""
    programme = get_object_or_404(Programme.objects.select_related("institution"), pk=pk)
    _institution_reader(user, programme.institution_id, write=write)
    return programme


def course_for(user, pk, *, write: bool = False) -> Course:
    """A course as its keepers see it (any state, public or not): the same rule as
    ``programme_for``."""
    course = get_object_or_404(Course.objects.select_related("institution"), pk=pk)
    _institution_reader(user, course.institution_id, write=write)
    return course


def public_course(pk) -> Course:
    """A course as the catalogue shows it: public, offered, of an approved institution."""
    return get_object_or_404(Course.objects.public().select_related("institution"), pk=pk)


def on_panel(user, version: RuleVersion) -> bool:
    """True if ``user`` is an expert assigned to review ``version`` (the guardian object
    permission)."""
    return (
        user.is_authenticated and is_expert(user) and REVIEW_PERMISSION in get_perms(user, version)
    )


def rule_version_for(user, pk, *, write: bool = False) -> RuleVersion:
    """A rule version, any status, for the people who work on it.

    The target institution's staff read it and its writers write it; centre administrators read
    every version (their steps go through ``rule_version_actions``); an expert reads a version
    while on its panel or once they gave an opinion on it. A reader asking with ``write=True``
    gets 403; anyone else 404, as for a version that does not exist.
    """
    version = get_object_or_404(
        RuleVersion.objects.select_related(
            "rule", "rule__institution", "programme", "previous_version", "created_by"
        ),
        pk=pk,
    )
    if (
        not write
        and is_expert(user)
        and (on_panel(user, version) or version.opinions.filter(expert=user).exists())
    ):
        return version
    _institution_reader(user, version.rule.institution_id, write=write)
    return version


def public_rule_version(pk) -> RuleVersion:
    """A rule version as the public sees it: published, or retired (marked so)."""
    return get_object_or_404(
        RuleVersion.objects.select_related("rule", "rule__institution", "programme"),
        pk=pk,
        status__in=PUBLIC_RULE_STATUSES,
    )


def rule_version_actions(user, version: RuleVersion) -> list[str]:
    """The steps open to ``user`` on ``version`` now, for the pages' buttons (the services ask
    the same questions). Filled in by the review part of the app."""
    return []
