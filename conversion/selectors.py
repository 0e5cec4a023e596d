"""The public reads of conversion (转换): the lookup "I hold X → what accepts it", the reverse
lookup "this course or programme ← what converts into it", and the course catalogue (课程超市).

Only published versions still valid today or later are looked up
(``RuleVersion.objects.current_or_coming``), of approved institutions; a version not yet in
force is marked with the day it starts. Every read is a fixed number of queries whatever the
number of rules or courses: the lookup is one query for the page of targets (joined through
``RuleAtom``, whose matching paths come along as an array) plus its count.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from achievements.models import UnitStandard

from .models import (
    Certificate,
    Course,
    Programme,
    RuleAtom,
    RuleTarget,
    RuleVersion,
    SelfStudySubject,
)
from .source import atoms_prefetch, iter_atoms

OPTIONS_MAX = 20  # suggestions shown for what was typed

# What a visitor may say they hold, in the order the page offers them.
HOLDING_KINDS = {
    "certificate": _("A certificate"),
    "standard": _("A unit standard"),
    "course": _("A course of an institution"),
    "self_study": _("A self-study exam subject"),
}


@dataclass(frozen=True)
class Holding:
    """What the visitor holds: its kind, the value that names it in a URL (a pk or a code) and
    the row itself."""

    kind: str
    value: str
    item: object

    @property
    def label(self) -> str:
        return holding_label(self.kind, self.item)


def holding_label(kind: str, item) -> str:
    if kind == "course":
        return f"{item.code} {item.name} · {item.institution.name}"
    if kind == "standard":
        return f"{item.code} {item.name}"
    return str(item)


def today() -> datetime.date:
    return timezone.localdate()


# --- What the visitor holds: the picker's options and the chosen one -----------------------------


def _holding_rows(kind: str):
    """The rows of ``kind`` a visitor may pick, and the name of the field a URL names them by."""
    if kind == "certificate":
        return Certificate.objects.active(), "pk"
    if kind == "standard":
        return UnitStandard.objects.filter(status=UnitStandard.Status.APPROVED), "code"
    if kind == "course":
        return Course.objects.public().select_related("institution"), "pk"
    if kind == "self_study":
        return SelfStudySubject.objects.filter(is_active=True), "code"
    raise ValueError(kind)


def holding_options(kind: str, text: str, *, limit: int = OPTIONS_MAX) -> list[Holding]:
    """What of ``kind`` matches ``text`` (code or name, any case, a substring): the picker's
    suggestions, codes and names that start with the text first. One query."""
    rows, key = _holding_rows(kind)
    if kind == "certificate":
        match = Q(name__icontains=text) | Q(grade__icontains=text)
        starts = Q(name__istartswith=text)
        order = ("name", "grade")
    elif kind == "course":
        match = Q(name__icontains=text) | Q(code__icontains=text)
        match |= Q(institution__name__icontains=text)
        starts = Q(code__istartswith=text) | Q(name__istartswith=text)
        order = ("name", "institution__name", "code")
    else:
        match = Q(name__icontains=text) | Q(code__icontains=text)
        starts = Q(code__istartswith=text) | Q(name__istartswith=text)
        order = ("code",)
    first = Case(When(starts, then=0), default=1, output_field=IntegerField())
    found = rows.filter(match).order_by(first, *order, "pk")[:limit]
    return [Holding(kind, str(getattr(row, key)), row) for row in found]


def holding_find(kind: str, value: str) -> Holding | None:
    """The row of ``kind`` named ``value`` in a URL (a pk, or a code for unit standards and
    self-study subjects) if a visitor may pick it; else None. One query."""
    rows, key = _holding_rows(kind)
    value = (value or "").strip()
    if key == "pk" and not value.isdigit():
        return None
    row = rows.filter(**{key: value}).first() if value and len(value) <= 32 else None
    return Holding(kind, value, row) if row is not None else None


def _atoms_naming(holding: Holding):
    kind, item = holding.kind, holding.item
    if kind == "certificate":
        return RuleAtom.objects.filter(kind="certificate", certificate=item)
    if kind == "standard":
        return RuleAtom.objects.filter(kind="standard", standard_code=item.code)
    if kind == "course":
        return RuleAtom.objects.filter(kind="course", course=item)
    return RuleAtom.objects.filter(kind="self_study", subject=item)


# --- The lookup --------------------------------------------------------------------------------


def public_versions(day: datetime.date | None = None):
    """Published versions valid on ``day`` (today) or later, of approved institutions, for
    programmes open for conversion."""
    return RuleVersion.objects.current_or_coming(day or today()).filter(
        rule__institution__status=Institution.Status.APPROVED, programme__is_active=True
    )


def _targets(versions):
    return (
        RuleTarget.objects.filter(version__in=versions, course__is_active=True)
        .select_related(
            "course",
            "version",
            "version__rule",
            "version__rule__institution",
            "version__programme",
        )
        .order_by(
            "version__rule__institution__name",
            "version__programme__name",
            "course__code",
            "version__rule__number",
            "pk",
        )
    )


def accepting_targets(holding: Holding, day: datetime.date | None = None):
    """Every target that accepts what ``holding`` names, as ``RuleTarget`` rows with their
    version, rule, institution, programme and course (``target_facts(…, holding=…)`` finds the
    atoms that name it in the version's source). The matching versions are read at once (one
    query); the page of targets is one query more, its count another."""
    # The versions first, then their targets: one query joining the atoms, targets, courses,
    # versions, rules, institutions and programmes at once is more relations than PostgreSQL's
    # join_collapse_limit, so it kept the written order and hash-joined every target with every
    # course before the atoms picked the few versions wanted (hundreds of ms at 10 000 rules;
    # README Performance). Two short queries each take an index, whatever the size.
    naming = _atoms_naming(holding)
    version_ids = list(
        public_versions(day)
        .filter(Exists(naming.filter(version=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    return _targets(version_ids)


def _names(atom: dict, holding: Holding) -> bool:
    """Whether a source atom (as stored in ``RuleVersion.source``) names what ``holding`` is."""
    item = holding.item
    if atom.get("kind") != holding.kind:
        return False
    if holding.kind == "standard":
        return atom.get("code") == item.code
    if holding.kind == "self_study":
        return atom.get("subject") == item.code
    return atom.get(holding.kind) == item.pk


def alone_suffices(source: dict, path: str) -> bool:
    """Whether the atom at ``path`` meets ``source`` by itself: no group on the way to it asks
    for more than one of its items (an "all" of more than one, or an "n_of" with n > 1)."""
    node = source
    try:
        for index in path.split("."):
            items = node.get("items", [])
            if node.get("type") == "all" and len(items) > 1:
                return False
            if node.get("type") == "n_of" and int(node.get("n") or 1) > 1:
                return False
            node = items[int(index)]
    except (AttributeError, IndexError, TypeError, ValueError):
        return False
    return True


def _node_at(source: dict, path: str) -> dict:
    node = source
    try:
        for index in path.split("."):
            node = node["items"][int(index)]
    except (KeyError, IndexError, TypeError, ValueError):
        return {}
    return node if isinstance(node, dict) else {}


def atom_conditions(atom: dict) -> list[str]:
    """What the rule asks of the thing held beyond holding it: a minimum result, a recent
    date."""
    found = []
    result = atom.get("min_result") or {}
    if result.get("kind") == "score":
        found.append(gettext("a score of at least %(score)s") % {"score": result.get("value")})
    elif result.get("kind") == "grade":
        found.append(gettext("a grade of %(grade)s or better") % {"grade": result.get("value")})
    elif result.get("kind") == "pass":
        found.append(gettext("a pass"))
    if atom.get("within_years"):
        found.append(
            gettext("obtained within the last %(years)s years") % {"years": atom["within_years"]}
        )
    return found


def _url_for(name: str):
    """``pk → the URL of conversion:<name>``, resolved once: a page of 20 results links each
    to its course, programme and rule, and 60 ``reverse`` calls cost more than the page's SQL."""
    marker = "2147483647"
    pattern = reverse(f"conversion:{name}", args=[marker])
    return lambda pk: pattern.replace(marker, str(pk))


def target_facts(
    targets, day: datetime.date | None = None, *, holding: Holding | None = None
) -> list:
    """The page's targets, each given ``alone`` (what ``holding`` meets the source by itself),
    ``conditions`` (what the rule asks of it: a minimum result, a recent date), ``starts_on``
    (the day a version not yet in force starts, else None) and the URLs the row links to."""
    day = day or today()
    rows = list(targets)
    course_url, programme_url, rule_url = (
        _url_for(name) for name in ("course_public", "programme_public", "rule_public")
    )
    for target in rows:
        course = target.course
        target.course_url = course_url(course.pk) if course.is_public and course.is_active else ""
        target.programme_url = programme_url(target.version.programme_id)
        target.rule_url = rule_url(target.version_id)
        version = target.version
        paths = (
            [path for path, atom in iter_atoms(version.source) if _names(atom, holding)]
            if holding is not None
            else []
        )
        alone = [path for path in paths if alone_suffices(version.source, path)]
        target.alone = bool(alone)
        shown = (alone or paths or [None])[0]
        target.conditions = atom_conditions(_node_at(version.source, shown)) if shown else []
        target.starts_on = version.valid_from if version.valid_from > day else None
    return rows


# --- The reverse lookup ------------------------------------------------------------------------


def converting_versions(*, course: Course | None = None, programme: Programme | None = None):
    """The public versions with a target on ``course``, or of ``programme`` (its rules), with
    their targets and source atoms: what converts into it. Three queries for a page of them."""
    versions = public_versions()
    if course is not None:
        versions = versions.filter(
            Exists(RuleTarget.objects.filter(version=OuterRef("pk"), course=course))
        )
    if programme is not None:
        versions = versions.filter(programme=programme)
    targets = RuleTarget.objects.select_related("course").order_by("course__code", "pk")
    return (
        versions.select_related("rule", "rule__institution", "programme")
        .prefetch_related(Prefetch("targets", queryset=targets), atoms_prefetch())
        .order_by("rule__number", "-version")
    )


def version_marks(versions, day: datetime.date | None = None) -> list:
    """The page's versions, each given ``starts_on`` as ``target_facts`` does."""
    day = day or today()
    rows = list(versions)
    for version in rows:
        version.starts_on = version.valid_from if version.valid_from > day else None
    return rows


def public_programmes():
    """Programmes the public may see: open for conversion, of approved institutions."""
    return Programme.objects.active().filter(institution__status=Institution.Status.APPROVED)


def targets_matching(text: str, *, limit: int = OPTIONS_MAX) -> tuple[list, list]:
    """Public courses and programmes whose name or code contains ``text``: the reverse lookup's
    choices. Two queries."""
    match = Q(name__icontains=text) | Q(code__icontains=text)
    courses = (
        Course.objects.public()
        .filter(match | Q(institution__name__icontains=text))
        .select_related("institution")
        .order_by("name", "institution__name", "pk")[:limit]
    )
    programmes = (
        public_programmes()
        .filter(match | Q(institution__name__icontains=text))
        .select_related("institution")
        .order_by("name", "institution__name", "pk")[:limit]
    )
    return list(courses), list(programmes)


# --- The course catalogue (课程超市) -----------------------------------------------------------


def catalogue_courses():
    """Public courses with their institution and how many public versions convert into each
    (one query for a page of them)."""
    # A correlated subquery rather than a join and GROUP BY over the whole catalogue: with a
    # LIMIT, PostgreSQL evaluates it for the page's rows only (after the sort).
    converting = (
        RuleTarget.objects.filter(course=OuterRef("pk"), version__in=public_versions())
        .order_by()
        .values("course")
        .annotate(n=Count("version", distinct=True))
        .values("n")
    )
    return (
        Course.objects.public()
        .select_related("institution")
        .annotate(rule_count=Coalesce(Subquery(converting, output_field=IntegerField()), 0))
        .order_by("institution__name", "code", "pk")
    )


def catalogue_institutions():
    """Approved institutions with at least one public course (the catalogue's filter)."""
    return Institution.objects.filter(
        Exists(Course.objects.public().filter(institution=OuterRef("pk")))
    ).order_by("name")


def catalogue_fields() -> list[str]:
    return list(
        Course.objects.public().order_by("field").values_list("field", flat=True).distinct()
    )


def rule_versions_public(version: RuleVersion) -> list[RuleVersion]:
    """The public versions (published or retired) of ``version``'s rule, newest first."""
    return list(
        RuleVersion.objects.filter(
            rule_id=version.rule_id,
            status__in=(RuleVersion.Status.PUBLISHED, RuleVersion.Status.RETIRED),
        )
        .order_by("-version")
        .only("pk", "version", "status", "valid_from", "valid_until", "ends_on", "rule_id")
    )


# --- Sources in words, for many versions at once -----------------------------------------------


def source_trees(versions) -> None:
    """Give each of ``versions`` ``tree``: its source as ``conversion.source.source_tree`` puts
    it (for ``_source_tree.html``). The versions' atoms must be prefetched with
    ``atoms_prefetch()``; the unit standards' names are read once for all of them."""
    from .source import iter_atoms, source_tree, standard_names

    versions = list(versions)
    standards = standard_names(
        atom.get("code")
        for version in versions
        for _path, atom in iter_atoms(version.source or {})
        if atom.get("kind") == "standard"
    )
    for version in versions:
        version.tree = source_tree(version, standards=standards)
