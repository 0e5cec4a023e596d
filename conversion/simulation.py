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
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch

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


def rules_in_force(programme: Programme, on: datetime.date) -> list[RuleVersion]:
    """The programme's published versions in force on ``on``, with their targets and atoms (three
    queries)."""
    return list(
        RuleVersion.objects.in_force_on(on)
        .filter(programme=programme)
        .select_related("rule")
        .prefetch_related(
            Prefetch("targets", queryset=RuleTarget.objects.filter(course__is_active=True)),
            Prefetch("atoms", queryset=RuleAtom.objects.order_by("path")),
        )
        .order_by("pk")
    )


def engine_rules(versions) -> tuple[engine.Rule, ...]:
    return tuple(
        engine.Rule(
            version_id=version.pk,
            number=version.rule.number,
            version=version.version,
            source=version.source,
            targets=tuple(
                engine.Target(course_id=t.course_id, outcome=t.outcome, credits=t.credits)
                for t in version.targets.all()
            ),
        )
        for version in versions
    )


@dataclass
class Named:
    """What the rules name that an achievement may stand for, read once."""

    certificates: list
    courses: list
    subjects: list

    @classmethod
    def of(cls, versions) -> "Named":
        certificate_ids, course_ids, subject_ids = set(), set(), set()
        for version in versions:
            for atom in version.atoms.all():
                if atom.kind == RuleAtom.Kind.CERTIFICATE:
                    certificate_ids.add(atom.certificate_id)
                elif atom.kind == RuleAtom.Kind.COURSE:
                    course_ids.add(atom.course_id)
                elif atom.kind == RuleAtom.Kind.SELF_STUDY:
                    subject_ids.add(atom.subject_id)
        return cls(
            certificates=list(
                Certificate.objects.filter(pk__in=certificate_ids).select_related("category")
            )
            if certificate_ids
            else [],
            courses=list(Course.objects.filter(pk__in=course_ids)) if course_ids else [],
            subjects=list(SelfStudySubject.objects.filter(pk__in=subject_ids))
            if subject_ids
            else [],
        )

    def certificates_of(self, achievement: Achievement) -> frozenset[int]:
        title = _squash(achievement.title)
        return frozenset(
            c.pk
            for c in self.certificates
            if c.category_id == achievement.category_id
            and _squash(c.name) in title
            and (not c.grade or _squash(c.grade) in title)
        )

    def courses_of(self, achievement: Achievement) -> frozenset[int]:
        if achievement.issuer_institution_id is None:
            return frozenset()
        title = _squash(achievement.title)
        return frozenset(
            c.pk
            for c in self.courses
            if c.institution_id == achievement.issuer_institution_id
            and (_squash(c.code) in title or _squash(c.name) in title)
        )

    def subjects_of(self, achievement: Achievement) -> frozenset[str]:
        if achievement.category.code != SELF_STUDY_CATEGORY:
            return frozenset()
        title = _squash(achievement.title)
        return frozenset(
            s.code for s in self.subjects if _squash(s.code) in title or _squash(s.name) in title
        )


# --- The holdings ------------------------------------------------------------------------------


def recognised_achievements(account):
    """The account's recognised achievements with what the engine reads (one query)."""
    return (
        Achievement.objects.filter(account=account, status=Achievement.Status.RECOGNISED)
        .select_related(
            "category", "issuer_institution", "recognition__level", "recognition__unit_standard"
        )
        .order_by("pk")
    )


def achievement_holding(achievement: Achievement, named: Named) -> engine.Holding:
    recognition = achievement.recognition
    certificates = named.certificates_of(achievement)
    return engine.Holding(
        id=holding_id(achievement.pk),
        title=achievement.title,
        category=achievement.category.code,
        level=recognition.level.number if recognition and recognition.level_id else None,
        result_kind=achievement.result_kind,
        result_value=achievement.result_value,
        obtained_on=achievement.obtained_on,
        credits=(recognition.credits if recognition else None) or Decimal("0"),
        issuer=(
            f"i{achievement.issuer_institution_id}"
            if achievement.issuer_institution_id
            else f"n{(achievement.issuer_name or '').strip().lower()}"
        ),
        standard=(
            recognition.unit_standard.code if recognition and recognition.unit_standard_id else ""
        ),
        certificates=certificates,
        courses=named.courses_of(achievement),
        subjects=named.subjects_of(achievement),
        is_certificate=bool(certificates) or achievement.category.code in CERTIFICATE_CATEGORIES,
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
    account, programme: Programme, *, exclude_application=None
) -> tuple[engine.Prior, ...]:
    """The learner's conversions (ledger entries) and open application lines, anywhere, as
    ``engine.Prior`` rows (two queries)."""
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


def programme_courses(programme: Programme) -> tuple[engine.Course, ...]:
    return tuple(
        engine.Course(id=c.pk, code=c.code, name=c.name, credits=c.credits)
        for c in programme.courses.filter(is_active=True).order_by("code", "pk")
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
    versions = rules_in_force(programme, on)
    if account is not None:
        named = Named.of(versions)
        holdings = tuple(
            achievement_holding(achievement, named)
            for achievement in recognised_achievements(account)
        )
        prior = prior_of(account, programme, exclude_application=exclude_application)
    else:
        holdings, prior = visitor_holdings(visitor), ()
    return engine.Situation(
        on=on,
        institution_id=programme.institution_id,
        programme_id=programme.pk,
        graduation_credits=programme.graduation_credits,
        courses=programme_courses(programme),
        rules=engine_rules(versions),
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
