"""From the database to the engine: a learner's (or a visitor's) holdings, a programme's rules in
force, its caps and the conversions already made, as ``conversion.engine`` data; then the
engine's ``Outcome``. The what-if simulator (模拟转换), the public "I hold X and Y" and the
applications (which pin the outcome at submission) all come through here.

What an achievement stands for (the engine only compares ids and codes):

- it is a holding only while ``recognised``; its unit standard and level are its recognition's;
- a **certificate** (``Certificate``) when it is of the certificate's category and its title
  contains the certificate's name (spaces and case ignored) and, for a certificate with a grade,
  the grade;
- a **course of another institution** when it was issued by that course's institution and its
  title contains the course's code or its name;
- a **self-study exam subject** when it is of the self-study category and its title contains the
  subject's five-digit code or its name;
- a *certificate holding* (for the certificate cap) when it stands for a certificate or is of a
  certificate category (``CERTIFICATE_CATEGORIES``).

Only the certificates, courses and subjects the rules name are looked up. A fixed number of
queries, whatever the number of achievements and rules.
"""

import datetime
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache

from achievements.models import Achievement

from . import engine
from .models import (
    ApplicationLine,
    Certificate,
    ConversionEntry,
    ConversionPolicy,
    Course,
    LineHolding,
    Programme,
    RuleAtom,
    RuleTarget,
    RuleVersion,
    SelfStudySubject,
)

CERTIFICATE_CATEGORIES = frozenset(
    {"vocational_skill_certificate", "vocational_qualification_certificate"}
)
SELF_STUDY_CATEGORY = "self_study_exam"


def holding_id(achievement_id: int) -> str:
    return f"a{achievement_id}"


def achievement_id(holding_id_: str) -> int | None:
    """The achievement pk of an "a<pk>" holding id (None for a visitor's hypothetical one)."""
    return (
        int(holding_id_[1:]) if holding_id_.startswith("a") and holding_id_[1:].isdigit() else None
    )


def _squash(text: str) -> str:
    return "".join((text or "").split()).lower()


# --- The rules ---------------------------------------------------------------------------------


NAMED_KINDS = (RuleAtom.Kind.CERTIFICATE, RuleAtom.Kind.COURSE, RuleAtom.Kind.SELF_STUDY)


@dataclass(frozen=True)
class RulesInForce:
    """A programme's published rule versions in force on a day, as the engine reads them
    (``rules``), and the ids of what their atoms name (certificates, courses of other
    institutions, self-study subjects) for ``Named``."""

    rules: tuple[engine.Rule, ...]
    certificate_ids: frozenset[int]
    course_ids: frozenset[int]
    subject_ids: frozenset[int]


RULES_CACHE_SECONDS = 24 * 3600


def rules_key(programme: Programme, on: datetime.date) -> tuple[str, list[int]]:
    """The cache key of the programme's rules in force on ``on``, and their version ids (two
    small queries). A published version is frozen (its source, targets and atoms never change),
    so what the engine reads of the rules is fixed by which versions are in force — a version
    published, retired, ended or starting changes that set — and by which of the institution's
    courses are withdrawn (a target on a withdrawn course is left out). The key is made of both
    sets, so any such change gives a new key at once, however the rows were changed."""
    versions = list(
        RuleVersion.objects.in_force_on(on)
        .filter(programme=programme)
        .order_by("pk")
        .values_list("pk", "published_at")
    )
    ids = [pk for pk, _published in versions]
    # Targets are courses of the programme's institution (``services.rules.targets_check``).
    withdrawn = list(
        Course.objects.filter(institution_id=programme.institution_id, is_active=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # With the moment each was published: a version id reused (a database restored or
    # recreated, the cache kept) never finds another version's rules.
    stamps = [(pk, published.isoformat() if published else "") for pk, published in versions]
    digest = hashlib.sha256(f"{stamps}|{withdrawn}".encode()).hexdigest()[:32]
    return f"conversion:rules:{programme.pk}:{digest}", ids


def rules_in_force(programme: Programme, on: datetime.date) -> RulesInForce:
    """The programme's rules in force on ``on`` (``read_rules_in_force``), kept under
    ``rules_key`` in this process and in Django's cache (shared by the processes)."""
    key, ids = rules_key(programme, on)
    with _RULES_LOCK:
        found = _RULES_HERE.get(key)
        if found is not None:
            _RULES_HERE.move_to_end(key)
            return found
    found = cache.get(key)
    if found is None:
        found = read_rules_in_force(programme, on, ids=ids)
        cache.set(key, found, RULES_CACHE_SECONDS)
    with _RULES_LOCK:
        _RULES_HERE[key] = found
        while len(_RULES_HERE) > RULES_HERE_MAX:
            _RULES_HERE.popitem(last=False)
    return found


# The rules most recently used in this process, by ``rules_key`` (the key is read from the
# database on every call, so a change elsewhere is seen at once): no unpickling of a couple of
# thousand small objects per request, which would also wake the garbage collector's full runs.
RULES_HERE_MAX = 64
_RULES_HERE: "OrderedDict[str, RulesInForce]" = OrderedDict()
_RULES_LOCK = threading.Lock()


def read_rules_in_force(
    programme: Programme, on: datetime.date, *, ids: list[int] | None = None
) -> RulesInForce:
    """The programme's published versions in force on ``on`` (or the versions ``ids``, found
    so), their targets (active courses) and what their atoms name: three ``values_list``
    queries, no model instances."""
    versions = (
        (
            RuleVersion.objects.in_force_on(on).filter(programme=programme)
            if ids is None
            else RuleVersion.objects.filter(pk__in=ids)
        )
        .order_by("pk")
        .values_list("pk", "rule__number", "version", "source")
    )
    rows = list(versions)
    pks = [row[0] for row in rows]
    targets: dict[int, list[engine.Target]] = {}
    for version_id, course_id, outcome, credits in (
        RuleTarget.objects.filter(version_id__in=pks, course__is_active=True)
        .order_by("version_id", "pk")
        .values_list("version_id", "course_id", "outcome", "credits")
    ):
        targets.setdefault(version_id, []).append(
            engine.Target(course_id=course_id, outcome=outcome, credits=credits)
        )
    certificate_ids, course_ids, subject_ids = set(), set(), set()
    for kind, certificate_id, course_id, subject_id in (
        RuleAtom.objects.filter(version_id__in=pks)
        .filter(kind__in=NAMED_KINDS)
        .order_by()
        .values_list("kind", "certificate_id", "course_id", "subject_id")
        .distinct()
    ):
        if kind == RuleAtom.Kind.CERTIFICATE:
            certificate_ids.add(certificate_id)
        elif kind == RuleAtom.Kind.COURSE:
            course_ids.add(course_id)
        elif kind == RuleAtom.Kind.SELF_STUDY:
            subject_ids.add(subject_id)
    rules = tuple(
        engine.Rule(
            version_id=pk,
            number=number,
            version=version,
            source=source,
            targets=tuple(targets.get(pk, ())),
        )
        for pk, number, version, source in rows
    )
    return RulesInForce(
        rules=rules,
        certificate_ids=frozenset(certificate_ids - {None}),
        course_ids=frozenset(course_ids - {None}),
        subject_ids=frozenset(subject_ids - {None}),
    )


@dataclass
class Named:
    """What the rules name that an achievement may stand for, read once (``values_list``, the
    names squashed once): ``certificates`` (pk, category id, name, grade), ``courses`` (pk,
    institution id, code, name) and ``subjects`` (code, squashed code, name)."""

    certificates: list[tuple[int, int, str, str]]
    courses: list[tuple[int, int, str, str]]
    subjects: list[tuple[str, str, str]]

    @classmethod
    def of(cls, found: RulesInForce) -> "Named":
        certificates = (
            Certificate.objects.filter(pk__in=found.certificate_ids).values_list(
                "pk", "category_id", "name", "grade"
            )
            if found.certificate_ids
            else []
        )
        courses = (
            Course.objects.filter(pk__in=found.course_ids).values_list(
                "pk", "institution_id", "code", "name"
            )
            if found.course_ids
            else []
        )
        subjects = (
            SelfStudySubject.objects.filter(pk__in=found.subject_ids).values_list("code", "name")
            if found.subject_ids
            else []
        )
        return cls(
            certificates=[
                (pk, category, _squash(name), _squash(grade))
                for pk, category, name, grade in certificates
            ],
            courses=[
                (pk, institution, _squash(code), _squash(name))
                for pk, institution, code, name in courses
            ],
            subjects=[(code, _squash(code), _squash(name)) for code, name in subjects],
        )

    def certificates_of(self, achievement: "AchievementFacts") -> frozenset[int]:
        title = _squash(achievement.title)
        return frozenset(
            pk
            for pk, category, name, grade in self.certificates
            if category == achievement.category_id
            and name in title
            and (not grade or grade in title)
        )

    def courses_of(self, achievement: "AchievementFacts") -> frozenset[int]:
        if achievement.issuer_institution_id is None:
            return frozenset()
        title = _squash(achievement.title)
        return frozenset(
            pk
            for pk, institution, code, name in self.courses
            if institution == achievement.issuer_institution_id and (code in title or name in title)
        )

    def subjects_of(self, achievement: "AchievementFacts") -> frozenset[str]:
        if achievement.category_code != SELF_STUDY_CATEGORY:
            return frozenset()
        title = _squash(achievement.title)
        return frozenset(
            code for code, squashed, name in self.subjects if squashed in title or name in title
        )


# --- The holdings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AchievementFacts:
    """What the engine reads of a recognised achievement (one row, no model instances)."""

    pk: int
    title: str
    category_id: int
    category_code: str
    issuer_institution_id: int | None
    issuer_name: str
    result_kind: str
    result_value: str
    obtained_on: datetime.date | None
    credits: Decimal | None
    level: int | None
    standard: str | None


def recognised_achievements(account) -> list[AchievementFacts]:
    """The account's recognised achievements with what the engine reads (one query)."""
    rows = (
        Achievement.objects.filter(account=account, status=Achievement.Status.RECOGNISED)
        .order_by("pk")
        .values_list(
            "pk",
            "title",
            "category_id",
            "category__code",
            "issuer_institution_id",
            "issuer_name",
            "result_kind",
            "result_value",
            "obtained_on",
            "recognition__credits",
            "recognition__level__number",
            "recognition__unit_standard__code",
        )
    )
    return [AchievementFacts(*row) for row in rows]


def achievement_holding(achievement: AchievementFacts, named: Named) -> engine.Holding:
    certificates = named.certificates_of(achievement)
    return engine.Holding(
        id=holding_id(achievement.pk),
        title=achievement.title,
        category=achievement.category_code,
        level=achievement.level,
        result_kind=achievement.result_kind,
        result_value=achievement.result_value,
        obtained_on=achievement.obtained_on,
        credits=achievement.credits or Decimal("0"),
        issuer=(
            f"i{achievement.issuer_institution_id}"
            if achievement.issuer_institution_id
            else f"n{(achievement.issuer_name or '').strip().lower()}"
        ),
        standard=achievement.standard or "",
        certificates=certificates,
        courses=named.courses_of(achievement),
        subjects=named.subjects_of(achievement),
        is_certificate=bool(certificates) or achievement.category_code in CERTIFICATE_CATEGORIES,
    )


def visitor_holdings(holdings) -> tuple[engine.Holding, ...]:
    """A visitor's "I hold X and Y" (``conversion.selectors.Holding``s) as hypothetical holdings:
    result and date unknown (the engine assumes them met and says so)."""
    found = []
    for held in holdings:
        item = held.item
        common = {"id": f"h{held.kind}:{held.value}", "title": held.label}
        if held.kind == "certificate":
            found.append(
                engine.Holding(
                    **common,
                    category=item.category.code,
                    certificates=frozenset({item.pk}),
                    is_certificate=True,
                )
            )
        elif held.kind == "standard":
            found.append(
                engine.Holding(
                    **common,
                    standard=item.code,
                    level=item.level.number if item.level_id else None,
                    credits=item.credit_value or Decimal("0"),
                )
            )
        elif held.kind == "course":
            found.append(
                engine.Holding(
                    **common,
                    courses=frozenset({item.pk}),
                    issuer=f"i{item.institution_id}",
                    credits=item.credits,
                )
            )
        else:
            found.append(
                engine.Holding(
                    **common,
                    category=SELF_STUDY_CATEGORY,
                    subjects=frozenset({item.code}),
                    credits=item.credits,
                )
            )
    return tuple(found)


# --- Caps and what was converted before --------------------------------------------------------


def caps_of(programme: Programme) -> engine.Caps:
    """The programme's caps, each falling back to its institution's ``ConversionPolicy``."""
    policy = ConversionPolicy.objects.filter(institution_id=programme.institution_id).first()

    def pick(name):
        value = getattr(programme, name)
        return value if value is not None else getattr(policy, name, None)

    return engine.Caps(
        share_percent=programme.conversion_share,
        per_year=pick("per_year_credits"),
        per_source=pick("per_source_credits"),
        certificates=pick("certificates_max"),
        once_anywhere=settings.CREDITBANK_CONVERSION_ONCE_ANYWHERE,
    )


OPEN_LINE_STATUSES = (
    ApplicationLine.Status.PENDING,
    ApplicationLine.Status.CONFIRMING,
    ApplicationLine.Status.APPEALED,
)


def prior_of(
    account, programme: Programme, *, exclude_application=None, course_ids=None
) -> tuple[engine.Prior, ...]:
    """The learner's conversions (ledger entries) and open application lines, anywhere, as
    ``engine.Prior`` rows (two queries; three without ``course_ids``, the programme's
    courses)."""
    if course_ids is None:
        course_ids = set(programme.courses.values_list("pk", flat=True))
    prior = []
    entries = ConversionEntry.objects.filter(account=account).values_list(
        "line_id", "institution_id", "course_id", "programme_id", "credits", "created_at"
    )
    entry_rows = list(entries)
    uses = LineHolding.objects.filter(line__application__account=account, active=True)
    if exclude_application is not None:
        uses = uses.exclude(line__application=exclude_application)
    by_line: dict[int, list[str]] = {}
    line_facts = {}
    for (
        line_id,
        achievement,
        institution,
        course,
        programme_id,
        credits,
        status,
        submitted,
    ) in uses.values_list(
        "line_id",
        "achievement_id",
        "institution_id",
        "line__course_id",
        "line__application__programme_id",
        "line__credits",
        "line__status",
        "line__application__submitted_at",
    ).order_by("line_id", "achievement_id"):
        by_line.setdefault(line_id, []).append(holding_id(achievement))
        line_facts[line_id] = (institution, course, programme_id, credits, status, submitted)
    for line_id, institution, course, programme_id, credits, created in entry_rows:
        ids = by_line.pop(line_id, [])
        prior.append(
            engine.Prior(
                holding_ids=tuple(ids),
                institution_id=institution,
                course_id=course if course in course_ids else None,
                in_programme=programme_id == programme.pk,
                credits=credits or Decimal("0"),
                on=created.date(),
            )
        )
    for line_id, ids in sorted(by_line.items()):
        institution, course, programme_id, credits, status, submitted = line_facts[line_id]
        prior.append(
            engine.Prior(
                holding_ids=tuple(ids),
                institution_id=institution,
                course_id=course if course in course_ids else None,
                in_programme=programme_id == programme.pk,
                credits=credits or Decimal("0"),
                on=submitted.date(),
                is_open=status in OPEN_LINE_STATUSES,
            )
        )
    return tuple(prior)


# --- The situation and its outcome -------------------------------------------------------------


def programme_courses(programme: Programme) -> tuple[tuple[engine.Course, ...], set[int]]:
    """The programme's open courses for the engine, and the ids of all its courses (open or
    withdrawn, for ``prior_of``): one query."""
    rows = programme.courses.order_by("code", "pk").values_list(
        "pk", "code", "name", "credits", "is_active"
    )
    rows = list(rows)
    return (
        tuple(
            engine.Course(id=pk, code=code, name=name, credits=credits)
            for pk, code, name, credits, active in rows
            if active
        ),
        {row[0] for row in rows},
    )


def situation_for(
    programme: Programme,
    on: datetime.date,
    *,
    account=None,
    visitor=(),
    exclude_application=None,
) -> engine.Situation:
    """The engine's input for ``account``'s recognised achievements (or a visitor's holdings) at
    ``programme`` on ``on``."""
    found = rules_in_force(programme, on)
    courses, course_ids = programme_courses(programme)
    if account is not None:
        named = Named.of(found)
        holdings = tuple(
            achievement_holding(achievement, named)
            for achievement in recognised_achievements(account)
        )
        prior = prior_of(
            account, programme, exclude_application=exclude_application, course_ids=course_ids
        )
    else:
        holdings, prior = visitor_holdings(visitor), ()
    return engine.Situation(
        on=on,
        institution_id=programme.institution_id,
        programme_id=programme.pk,
        graduation_credits=programme.graduation_credits,
        courses=courses,
        rules=found.rules,
        holdings=holdings,
        caps=caps_of(programme),
        prior=prior,
    )


def simulate(
    programme: Programme, on: datetime.date, **kwargs
) -> tuple[engine.Situation, engine.Outcome]:
    """The situation (``situation_for``) and what the engine makes of it."""
    situation = situation_for(programme, on, **kwargs)
    return situation, engine.evaluate(situation)
