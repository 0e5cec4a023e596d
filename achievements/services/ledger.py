"""The credit ledger (积累): credits move only as immutable entries, and every balance is a sum.

``ledger_deposit`` and ``ledger_cancel`` are called by the recognition services inside their
transaction (never on their own), so a ledger entry exists exactly when the step that caused it
does. ``ledger_problems`` proves the invariants over the whole database for ``check_ledger``.
"""

import functools
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    CharField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from creditbank.models import AuditEvent

from ..models import Achievement, AchievementEvent, CreditEntry, ImportBatch, Recognition

Kind = CreditEntry.Kind
ZERO = Decimal("0.00")

# The checks of higher apps' ledgers (conversion's), each a function yielding one line per
# violation; the apps register them at start-up (``AppConfig.ready``) so that ``check_ledger``
# runs them without achievements importing those apps.
ledger_checks: list[Callable[[], Iterator[str]]] = []


def ledger_check_register(check: Callable[[], Iterator[str]]) -> None:
    """Run ``check`` in ``check_ledger`` too (once, however often it is registered)."""
    if check not in ledger_checks:
        ledger_checks.append(check)


def all_ledger_problems() -> Iterator[str]:
    """``ledger_problems`` and then every registered check's problems."""
    yield from ledger_problems()
    for check in ledger_checks:
        yield from check()


def ledger_deposit(*, recognition: Recognition, acting_user) -> CreditEntry:
    """Credit the recognised value to the learner, citing the decision (once per decision)."""
    achievement = recognition.achievement
    return CreditEntry.objects.create(
        account_id=achievement.account_id,
        achievement=achievement,
        recognition=recognition,
        kind=Kind.DEPOSIT,
        amount=recognition.credits,
        level_id=recognition.level_id,
        field=recognition.field,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )


def ledger_cancel(*, achievement: Achievement, kind: str, acting_user, note: str) -> CreditEntry:
    """Take the credits of the achievement's recognition off the ledger with an entry that
    cancels its deposit (a reversal on revocation, an expiry when its validity ends)."""
    original = CreditEntry.objects.get(
        achievement=achievement, recognition_id=achievement.recognition_id, kind=Kind.DEPOSIT
    )
    return CreditEntry.objects.create(
        account_id=original.account_id,
        achievement_id=original.achievement_id,
        recognition_id=original.recognition_id,
        kind=kind,
        amount=-original.amount,
        level_id=original.level_id,
        field=original.field,
        reverses=original,
        note=note[:300],
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )


# --- The invariants ---------------------------------------------------------------------------


def ledger_problems() -> Iterator[str]:
    """Every violation of the ledger's invariants in the whole database, one line each:

    - no entry without its cause: a deposit cites a recognition in force, of its achievement,
      for the same amount, level and field, on the achievement's own account;
    - no cancelling entry without its original: a reversal or expiry cancels a deposit of the
      same account, achievement, recognition, level and field, for exactly its amount, and its
      achievement is revoked (reversal) or expired (expiry);
    - no negative balance, per account and per level and field;
    - the sums agree: an achievement's entries add up to its recognised credits while it is
      recognised and to zero otherwise, and a recognised, revoked or expired achievement
      points at a recognition of its own that is in force;
    - and what ``ledger_cross_problems`` checks against the decisions, the achievements'
      history and the audit log.
    """
    Status = Achievement.Status
    deposits = CreditEntry.objects.filter(kind=Kind.DEPOSIT).exclude(
        recognition__outcome=Recognition.Outcome.RECOGNISED,
        recognition__status=Recognition.Status.IN_FORCE,
        recognition__achievement=F("achievement"),
        recognition__credits=F("amount"),
        recognition__level=F("level"),
        recognition__field=F("field"),
        achievement__account=F("account"),
    )
    for pk, achievement_id in deposits.values_list("pk", "achievement_id").order_by("pk"):
        yield (
            f"credit entry #{pk} (deposit, achievement #{achievement_id}) does not match a "
            "recognition in force of its achievement (amount, level, field or account differ)"
        )

    orphans = CreditEntry.objects.exclude(kind=Kind.DEPOSIT).filter(reverses__isnull=True)
    for pk, kind in orphans.values_list("pk", "kind").order_by("pk"):
        yield f"credit entry #{pk} ({kind}) cancels nothing: it has no original entry"

    cancels = (
        CreditEntry.objects.exclude(kind=Kind.DEPOSIT)
        .filter(reverses__isnull=False)
        .exclude(
            reverses__kind=Kind.DEPOSIT,
            reverses__account=F("account"),
            reverses__achievement=F("achievement"),
            reverses__recognition=F("recognition"),
            reverses__level=F("level"),
            reverses__field=F("field"),
            reverses__amount=-F("amount"),
        )
    )
    for pk, kind, original in cancels.values_list("pk", "kind", "reverses_id").order_by("pk"):
        yield (
            f"credit entry #{pk} ({kind}) does not cancel entry #{original} exactly "
            "(not a deposit, or another account, achievement, level, field or amount)"
        )
    wrong_status = CreditEntry.objects.filter(
        Q(kind=Kind.REVERSAL) & ~Q(achievement__status=Status.REVOKED)
        | Q(kind=Kind.EXPIRY) & ~Q(achievement__status=Status.EXPIRED)
    )
    for pk, kind, status in wrong_status.values_list("pk", "kind", "achievement__status"):
        yield f"credit entry #{pk} ({kind}) belongs to an achievement that is {status}"

    negative = (
        CreditEntry.objects.values("account", "level__number", "field")
        .annotate(total=Sum("amount"))
        .filter(total__lt=0)
        .order_by("account", "level__number", "field")
    )
    for row in negative:
        yield (
            f"learning account #{row['account']} has a negative balance of {row['total']} at "
            f"level {row['level__number']} in {row['field']!r}"
        )

    entries_sum = Subquery(
        CreditEntry.objects.filter(achievement=OuterRef("pk"))
        .values("achievement")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )
    zero = Value(ZERO, output_field=DecimalField(max_digits=10, decimal_places=2))
    sums = (
        Achievement.objects.annotate(on_ledger=Coalesce(entries_sum, zero))
        .filter(
            Q(status=Status.RECOGNISED)
            & (Q(recognition__isnull=True) | ~Q(on_ledger=F("recognition__credits")))
            | ~Q(status=Status.RECOGNISED) & ~Q(on_ledger=0)
        )
        .order_by("pk")
    )
    for pk, status, on_ledger in sums.values_list("pk", "status", "on_ledger"):
        yield (
            f"achievement #{pk} ({status}) has {on_ledger} credits on the ledger, which is not "
            "what its recognition grants"
        )

    pointers = (
        Achievement.objects.filter(status__in=[Status.RECOGNISED, Status.REVOKED, Status.EXPIRED])
        .exclude(
            recognition__achievement=F("pk"),
            recognition__outcome=Recognition.Outcome.RECOGNISED,
            recognition__status=Recognition.Status.IN_FORCE,
        )
        .order_by("pk")
    )
    for pk, status in pointers.values_list("pk", "status"):
        yield f"achievement #{pk} is {status} without a recognition in force of its own"
    yield from ledger_cross_problems()


# --- Cross-checks with the decisions, the history and the audit log ----------------------------

# The step that writes each kind of entry: its history action (the audit action is
# ``achievement.<action>``), the status it leaves the achievement in, and what its audit event
# cites under ``after``: a deposit's decision, or the cancelling entry itself.
LEDGER_STEPS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    Kind.DEPOSIT: (
        ("recognise", "confirm"),
        Achievement.Status.RECOGNISED,
        "decision",
        "recognition_id",
    ),
    Kind.REVERSAL: (("revoke",), Achievement.Status.REVOKED, "credit_entry", "pk"),
    Kind.EXPIRY: (("expire",), Achievement.Status.EXPIRED, "credit_entry", "pk"),
}
# A batch (services.batch) writes deposits with the history step ``import_recognise`` and one
# audit event a chunk (``_batch_commits``), not one an achievement.
BATCH_STEPS: dict[str, tuple[str, ...]] = {Kind.DEPOSIT: ("import_recognise",)}
# A step writes its entry, then its history and its audit event, in one transaction; the audit
# event may wait for the chain's lock while other transactions commit. What ties an event to an
# entry is the decision or entry it cites; the window (before, after the entry) only keeps a
# step of another time from vouching for it.
STEP_WINDOW = (timedelta(seconds=1), timedelta(seconds=30))
ACHIEVEMENT_TYPE = Achievement._meta.label_lower
BATCH_TYPE = ImportBatch._meta.label_lower


def _at_entry_time() -> Q:
    """``created_at`` within ``STEP_WINDOW`` of the outer entry's."""
    before, after = STEP_WINDOW
    return Q(
        created_at__gte=OuterRef("created_at") - before,
        created_at__lte=OuterRef("created_at") + after,
    )


def _audit_steps(actions: tuple[str, ...], status: str, cites_key: str, cites: OuterRef):
    """Audit events of the outer entry's achievement: one of ``actions``, leaving it in
    ``status`` and citing ``cites`` as ``after[cites_key]``."""
    return AuditEvent.objects.annotate(
        status_after=KT("summary__after__status"), cited=KT(f"summary__after__{cites_key}")
    ).filter(
        object_type=ACHIEVEMENT_TYPE,
        object_id=Cast(OuterRef("achievement_id"), CharField()),
        action__in=[f"achievement.{action}" for action in actions],
        status_after=status,
        cited=Cast(cites, CharField()),
    )


def _batch_commits():
    """Audit events of the batch chunk that wrote the outer deposit: a batch's ``batch.commit``
    citing a range of recognitions that holds the entry's (services.batch writes one event a
    chunk, not one an achievement)."""
    bound = functools.partial(Cast, output_field=BigIntegerField())
    return AuditEvent.objects.annotate(
        low=bound(KT("summary__after__recognitions__0")),
        high=bound(KT("summary__after__recognitions__1")),
    ).filter(
        object_type=BATCH_TYPE,
        object_id=Cast(OuterRef("achievement__batch_id"), CharField()),
        action="batch.commit",
        low__lte=OuterRef("recognition_id"),
        high__gte=OuterRef("recognition_id"),
    )


def _user(pk: int | None) -> str:
    return f"user #{pk}" if pk is not None else "nobody"


def ledger_cross_problems() -> Iterator[str]:
    """Every disagreement of the ledger with the decisions, the history and the audit log, one
    line each naming the entry and its achievement:

    - each entry has the audit event of the step that wrote it, written with it and citing it:
      a deposit ``achievement.recognise`` or ``achievement.confirm`` leaving the achievement
      recognised and citing its decision; a reversal ``achievement.revoke`` and an expiry
      ``achievement.expire`` citing the entry;
    - each entry has that step, at that time, in the achievement's history (a rejected
      achievement forged into a recognised one with a matching deposit has no such step);
    - an achievement on the ledger is in the status its history last left it in (one revoked
      or expired and forged back into recognised is not);
    - a deposit above ``CREDITBANK_RECOGNITION_REVIEW_THRESHOLD`` credits (as it is now) has a
      centre re-review by someone other than its decider, in the decision's row and in the
      audit log: the decision by the row's decider, the confirmation by its re-reviewer.

    Whoever owns the database can rewrite rows and the history, but not the audit log without
    breaking its chain (``verify_audit_chain``). Each check is one set-based query, streamed.
    """
    Status = Achievement.Status
    for kind, (actions, status, cites_key, cites) in LEDGER_STEPS.items():
        entries = CreditEntry.objects.filter(kind=kind).order_by("pk")
        audited = _audit_steps(actions, status, cites_key, OuterRef(cites)).filter(_at_entry_time())
        if kind == Kind.DEPOSIT:
            audited = Exists(audited) | Exists(_batch_commits().filter(_at_entry_time()))
        else:
            audited = Exists(audited)
        steps = " or ".join(f"achievement.{action}" for action in actions)
        unaudited = entries.filter(~audited).values_list("pk", "achievement_id", "recognition_id")
        for pk, achievement_id, recognition_id in unaudited.iterator(chunk_size=2000):
            cited = f"recognition #{recognition_id}" if kind == Kind.DEPOSIT else "the entry"
            yield (
                f"credit entry #{pk} ({kind}, achievement #{achievement_id}) has no audit event "
                f"of the step that wrote it ({steps} citing {cited}, at that time)"
            )
        in_history = AchievementEvent.objects.filter(
            _at_entry_time(),
            achievement_id=OuterRef("achievement_id"),
            action__in=(*actions, *BATCH_STEPS.get(kind, ())),
            status=status,
        )
        unrecorded = entries.filter(~Exists(in_history)).values_list("pk", "achievement_id")
        for pk, achievement_id in unrecorded.iterator(chunk_size=2000):
            yield (
                f"credit entry #{pk} ({kind}, achievement #{achievement_id}): the achievement's "
                f"history shows no {' or '.join(actions)} step leaving it {status} at that time"
            )

    last_step = (
        AchievementEvent.objects.filter(achievement=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("status")[:1]
    )
    drifted = (
        Achievement.objects.filter(Exists(CreditEntry.objects.filter(achievement=OuterRef("pk"))))
        # One probe per achievement: no history at all reads as "" and never matches.
        .annotate(last_status=Coalesce(Subquery(last_step), Value("")))
        .exclude(status=F("last_status"))
        .order_by("pk")
        .values_list("pk", "status", "last_status")
    )
    for pk, status, last_status in drifted.iterator(chunk_size=2000):
        yield (
            f"achievement #{pk} is {status} with credits on the ledger, but its history last "
            f"left it {last_status or 'nowhere (it has no history)'}"
        )

    threshold = settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD
    above = CreditEntry.objects.filter(
        kind=Kind.DEPOSIT, recognition__credits__gt=threshold
    ).order_by("pk")
    fields = (
        "pk",
        "achievement_id",
        "recognition_id",
        "recognition__credits",
        "recognition__decided_by",
        "recognition__re_reviewed_by",
    )
    re_reviewed = Q(
        recognition__re_reviewed_by__isnull=False, recognition__re_reviewed_at__isnull=False
    ) & ~Q(recognition__re_reviewed_by=F("recognition__decided_by"))
    for pk, achievement_id, rid, credits, decider, re_reviewer in (
        above.filter(~re_reviewed).values_list(*fields).iterator(chunk_size=2000)
    ):
        yield (
            f"credit entry #{pk} (deposit, achievement #{achievement_id}): recognition #{rid} of "
            f"{credits} credits is above the re-review threshold ({threshold}) but was not "
            f"re-reviewed by someone other than its decider (decided by {_user(decider)}, "
            f"re-reviewed by {_user(re_reviewer)})"
        )

    decided = _audit_steps(
        ("recognise",), Status.CONFIRMING, "decision", OuterRef("recognition_id")
    )
    confirmed = _audit_steps(
        ("confirm",), Status.RECOGNISED, "decision", OuterRef("recognition_id")
    )
    logged = (
        above.filter(
            ~Exists(decided.filter(actor_id=OuterRef("recognition__decided_by")))
            | ~Exists(
                confirmed.filter(
                    actor__isnull=False, actor_id=OuterRef("recognition__re_reviewed_by")
                ).exclude(actor_id=OuterRef("recognition__decided_by"))
            )
        )
        .annotate(
            logged_decider=Subquery(decided.order_by("pk").values("actor_id")[:1]),
            logged_re_reviewer=Subquery(confirmed.order_by("pk").values("actor_id")[:1]),
        )
        .values_list(*fields, "logged_decider", "logged_re_reviewer")
    )
    for (
        pk,
        achievement_id,
        rid,
        _credits,
        decider,
        re_reviewer,
        log_decider,
        log_re_reviewer,
    ) in logged.iterator(chunk_size=2000):
        yield (
            f"credit entry #{pk} (deposit, achievement #{achievement_id}): the audit log does "
            f"not show recognition #{rid} decided by {_user(decider)} and re-reviewed by "
            f"another person, {_user(re_reviewer)}; it shows the decision by "
            f"{_user(log_decider)} and the confirmation by {_user(log_re_reviewer)}"
        )
