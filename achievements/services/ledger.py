"""The credit ledger (积累): credits move only as immutable entries, and every balance is a sum.

``ledger_deposit`` and ``ledger_cancel`` are called by the recognition services inside their
transaction (never on their own), so a ledger entry exists exactly when the step that caused it
does. ``ledger_problems`` proves the invariants over the whole database for ``check_ledger``.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..models import Achievement, CreditEntry, QualificationLevel, Recognition

Kind = CreditEntry.Kind
ZERO = Decimal("0.00")


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


# --- Balances ---------------------------------------------------------------------------------


@dataclass
class Balance:
    """A learner's credits: in total, by qualification level and by field (each non-zero)."""

    total: Decimal = ZERO
    by_level: list[tuple[QualificationLevel, Decimal]] = field(default_factory=list)
    by_field: list[tuple[str, Decimal]] = field(default_factory=list)


def balance_of(account) -> Balance:
    """Summed from the ledger in one query (grouped by level and field), so it cannot drift."""
    rows = (
        CreditEntry.objects.for_account(account)
        .values("level", "field")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_level: dict[int, Decimal] = {}
    by_field: dict[str, Decimal] = {}
    total = ZERO
    for row in rows:
        total += row["total"]
        by_level[row["level"]] = by_level.get(row["level"], ZERO) + row["total"]
        by_field[row["field"]] = by_field.get(row["field"], ZERO) + row["total"]
    levels = QualificationLevel.objects.in_bulk([pk for pk, v in by_level.items() if v])
    return Balance(
        total=total,
        by_level=sorted(
            ((levels[pk], amount) for pk, amount in by_level.items() if amount),
            key=lambda item: item[0].number,
        ),
        by_field=sorted((name, amount) for name, amount in by_field.items() if amount),
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
      points at a recognition of its own that is in force.
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
