"""The conversion ledger's invariants, for ``check_ledger`` (registered in
``achievements.services.ledger.ledger_checks`` by ``conversion.apps``).

``conversion_problems()`` yields one line per violation:

- an entry whose line is not approved, or that differs from its line in credits, kind, course or
  rule version, or from the line's application in account, institution or programme;
- an approved line without its entry (the one-to-one field allows at most one);
- an achievement converted twice at an institution (two entries whose lines held it) — or
  anywhere, with ``CREDITBANK_CONVERSION_ONCE_ANYWHERE``;
- a programme's caps exceeded for a learner, recomputed from the entries in the order they were
  written (``conversion.simulation.caps_of``): the share of graduation credits, the credits per
  calendar year at the institution, the credits from one source institution, the certificates
  counted (a year is the entry's own, in the site's time zone);
- an approved line above ``CREDITBANK_RECOGNITION_REVIEW_THRESHOLD`` credits without a
  confirmation by someone other than its decider;
- an entry without the audit event of the step that wrote it (``conversion_application.decide``
  or ``.confirm`` on its application, citing the entry).
"""

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.db.models import BigIntegerField, CharField, Exists, F, OuterRef, Q
from django.db.models.fields.json import KT, KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from creditbank.models import AuditEvent

from ..models import ApplicationLine, ConversionApplication, ConversionEntry, LineHolding, Programme
from ..simulation import CERTIFICATE_CATEGORIES, achievement_id, caps_of

LineStatus = ApplicationLine.Status
APPLICATION_TYPE = ConversionApplication._meta.label_lower
ZERO = Decimal("0.00")


def _entry_rows():
    return ConversionEntry.objects.order_by("created_at", "pk").values_list(
        "pk",
        "account_id",
        "institution_id",
        "programme_id",
        "course_id",
        "rule_version_id",
        "kind",
        "credits",
        "created_at",
        "line_id",
        "line__status",
        "line__outcome",
        "line__credits",
        "line__course_id",
        "line__rule_version_id",
        "line__application__account_id",
        "line__application__institution_id",
        "line__application__programme_id",
    )


def _entry_problems(rows) -> Iterator[str]:
    for row in rows:
        (pk, account, institution, programme, course, version, kind, credits, _at, line) = row[:10]
        (status, outcome, line_credits, line_course, line_version) = row[10:15]
        (app_account, app_institution, app_programme) = row[15:]
        if status != LineStatus.APPROVED:
            yield f"conversion entry #{pk}: its line #{line} is {status}, not approved"
        for name, mine, theirs in (
            ("kind", kind, outcome),
            ("credits", credits, line_credits),
            ("course", course, line_course),
            ("rule version", version, line_version),
            ("account", account, app_account),
            ("institution", institution, app_institution),
            ("programme", programme, app_programme),
        ):
            if mine != theirs:
                yield (
                    f"conversion entry #{pk}: its {name} ({mine}) is not its line #{line}'s "
                    f"({theirs})"
                )


def _holdings_by_line() -> dict[int, list[tuple[int, str, str, int | None, str]]]:
    """The achievements each converted line held: (achievement, category code, issuer key)."""
    found = defaultdict(list)
    rows = LineHolding.objects.filter(line__entry__isnull=False).values_list(
        "line_id",
        "achievement_id",
        "achievement__category__code",
        "achievement__issuer_institution_id",
        "achievement__issuer_name",
    )
    for line_id, achievement, category, issuer_id, issuer_name in rows.iterator(chunk_size=2000):
        issuer = f"i{issuer_id}" if issuer_id else f"n{(issuer_name or '').strip().lower()}"
        found[line_id].append((achievement, category, issuer))
    return found


def _certificate_holdings(line_ids) -> set[tuple[int, int]]:
    """(line, achievement) pairs where the line's pinned trace shows the achievement meeting a
    certificate atom."""
    found = set()
    traces = ApplicationLine.objects.filter(pk__in=line_ids).values_list("pk", "trace")
    for line_id, trace in traces.iterator(chunk_size=2000):
        for reason in (trace or {}).get("reasons", ()):
            atom = reason.get("atom") or {}
            held = achievement_id(str(reason.get("holding") or ""))
            if reason.get("code") == "atom_met" and atom.get("kind") == "certificate" and held:
                found.add((line_id, held))
    return found


def _twice_problems(holdings) -> Iterator[str]:
    once_anywhere = settings.CREDITBANK_CONVERSION_ONCE_ANYWHERE
    places = defaultdict(set)
    institution_of = dict(
        ConversionEntry.objects.values_list("line_id", "institution_id").iterator(chunk_size=2000)
    )
    for line_id, held in holdings.items():
        for achievement, _category, _issuer in held:
            key = (achievement,) if once_anywhere else (achievement, institution_of.get(line_id))
            places[key].add(line_id)
    for key, lines in sorted(places.items(), key=lambda item: item[0]):
        if len(lines) > 1:
            where = "anywhere" if once_anywhere else f"at institution #{key[1]}"
            yield (
                f"achievement #{key[0]} was converted more than once {where}: by lines "
                f"{', '.join(f'#{n}' for n in sorted(lines))}"
            )


def _cap_problems(rows, holdings) -> Iterator[str]:
    programmes = {p.pk: p for p in Programme.objects.filter(pk__in={row[3] for row in rows})}
    caps = {pk: caps_of(programme) for pk, programme in programmes.items()}
    certificate_pairs = _certificate_holdings({row[9] for row in rows})
    share = defaultdict(lambda: ZERO)
    per_year = defaultdict(lambda: ZERO)
    per_source = defaultdict(lambda: ZERO)
    certificates = defaultdict(set)
    for row in rows:
        pk, account, institution, programme_id, *_rest = row
        credits, created_at, line_id = row[7] or ZERO, row[8], row[9]
        programme, cap = programmes[programme_id], caps[programme_id]
        share[(account, programme_id)] += credits
        limit = programme.graduation_credits * cap.share_percent / 100
        if share[(account, programme_id)] > limit:
            yield (
                f"conversion entry #{pk}: learner account #{account} has "
                f"{share[(account, programme_id)]} credits converted into programme "
                f"#{programme_id}, above its share limit of {limit:.2f}"
            )
        year = timezone.localtime(created_at).year
        per_year[(account, institution, year)] += credits
        if cap.per_year is not None and per_year[(account, institution, year)] > cap.per_year:
            yield (
                f"conversion entry #{pk}: learner account #{account} has "
                f"{per_year[(account, institution, year)]} credits converted at institution "
                f"#{institution} in {year}, above the yearly cap of {cap.per_year}"
            )
        for issuer in sorted({issuer for _a, _c, issuer in holdings.get(line_id, ())}):
            per_source[(account, institution, issuer)] += credits
            total = per_source[(account, institution, issuer)]
            if cap.per_source is not None and total > cap.per_source:
                yield (
                    f"conversion entry #{pk}: learner account #{account} has {total} credits "
                    f"from source {issuer} at institution #{institution}, above the cap of "
                    f"{cap.per_source}"
                )
        for achievement, category, _issuer in holdings.get(line_id, ()):
            if category in CERTIFICATE_CATEGORIES or (line_id, achievement) in certificate_pairs:
                certificates[(account, institution)].add(achievement)
        counted = len(certificates[(account, institution)])
        if cap.certificates is not None and counted > cap.certificates:
            yield (
                f"conversion entry #{pk}: learner account #{account} has {counted} certificates "
                f"counted at institution #{institution}, above the cap of {cap.certificates}"
            )


def _line_problems() -> Iterator[str]:
    no_entry = (
        ApplicationLine.objects.filter(status=LineStatus.APPROVED, entry__isnull=True)
        .order_by("pk")
        .values_list("pk", "application_id")
    )
    for pk, application in no_entry.iterator(chunk_size=2000):
        yield f"application line #{pk} (application #{application}) is approved but has no entry"
    threshold = settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD
    confirmed = Q(
        confirmed_by__isnull=False, confirmed_at__isnull=False, decided_by__isnull=False
    ) & ~Q(confirmed_by=F("decided_by"))
    unconfirmed = (
        ApplicationLine.objects.filter(status=LineStatus.APPROVED, credits__gt=threshold)
        .exclude(confirmed)
        .order_by("pk")
        .values_list("pk", "credits", "decided_by_id", "confirmed_by_id")
    )
    for pk, credits, decider, confirmer in unconfirmed.iterator(chunk_size=2000):
        yield (
            f"application line #{pk} of {credits} credits is above the re-review threshold "
            f"({threshold}) but was not confirmed by someone other than its decider (decided by "
            f"{_user(decider)}, confirmed by {_user(confirmer)})"
        )


def _companion_problems() -> Iterator[str]:
    """An entry converts achievements: its line holds them, or it is granted together with
    another course of the same rule (``granted_with`` in its trace) whose line holds them and is
    approved too."""
    anchor_approved = ApplicationLine.objects.filter(
        application_id=OuterRef("line__application_id"),
        course_id=OuterRef("anchor_course"),
        status=LineStatus.APPROVED,
        holdings__isnull=False,
    )
    entries = (
        ConversionEntry.objects.filter(~Exists(LineHolding.objects.filter(line=OuterRef("line"))))
        .annotate(
            anchor_course=Cast(
                KeyTextTransform("granted_with", "line__trace"), output_field=BigIntegerField()
            )
        )
        .order_by("pk")
    )
    for pk, line, anchor in (
        entries.annotate(anchored=Exists(anchor_approved))
        .filter(Q(anchor_course__isnull=True) | Q(anchored=False))
        .values_list("pk", "line_id", "anchor_course")
        .iterator(chunk_size=2000)
    ):
        if anchor is None:
            yield f"conversion entry #{pk} (line #{line}) converts no achievement"
        else:
            yield (
                f"conversion entry #{pk} (line #{line}) is granted together with course "
                f"#{anchor}, whose line in the same application is not approved"
            )


def _user(pk) -> str:
    return f"user #{pk}" if pk is not None else "nobody"


def _audit_problems() -> Iterator[str]:
    audited = AuditEvent.objects.annotate(cited=KT("summary__after__entry")).filter(
        object_type=APPLICATION_TYPE,
        object_id=Cast(OuterRef("line__application_id"), CharField()),
        action__in=["conversion_application.decide", "conversion_application.confirm"],
        cited=Cast(OuterRef("pk"), CharField()),
    )
    missing = (
        ConversionEntry.objects.filter(~Exists(audited))
        .order_by("pk")
        .values_list("pk", "line_id", "line__application_id")
    )
    for pk, line, application in missing.iterator(chunk_size=2000):
        yield (
            f"conversion entry #{pk} (line #{line}, application #{application}) has no audit "
            f"event of the step that wrote it (conversion_application.decide or .confirm "
            f"citing the entry)"
        )


def conversion_problems() -> Iterator[str]:
    """Every violation of the conversion ledger's invariants, one line each (module
    docstring)."""
    rows = list(_entry_rows())
    yield from _entry_problems(rows)
    yield from _line_problems()
    yield from _companion_problems()
    holdings = _holdings_by_line()
    yield from _twice_problems(holdings)
    yield from _cap_problems(rows, holdings)
    yield from _audit_problems()


__all__ = ["conversion_problems"]
