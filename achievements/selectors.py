"""The reads of achievements that pages are built from: the learner's archive (its cards, the
ledger's state, the statement and the balance), the staff's queues and the clerk's list.

Views ask here instead of building querysets; who may see what is decided by ``access`` (the
queues come from ``access.review_queue_for``) before a selector narrows what is read.
"""

import functools
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Max, Prefetch, Q, Sum, When
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from .access import review_queue_for
from .models import Achievement, AchievementEvent, CreditEntry, QualificationLevel, UnitStandard

__all__ = [
    "Balance",
    "LedgerState",
    "archive_cards",
    "archive_keys",
    "balance_of",
    "card_render_version",
    "clerk_deposits",
    "ledger_state",
    "masked_name",
    "review_queue_rows",
    "standards_matching",
    "statement",
]


# --- The archive ----------------------------------------------------------------------------


def masked_name(name: str) -> str:
    """张三 → 张*, 买买提·艾力 → 买*****: enough for a clerk to confirm, no more."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


# What the archive shows of each achievement, of each step of its history (the learner's view
# names the capacity a step was taken in, never the person) and of each ledger entry.
ARCHIVE_CARD_FIELDS = (
    "title",
    "status",
    "obtained_on",
    "issuer_name",
    "category__name_zh",
    "category__name_en",
    "issuer_institution__name",
    "recognition__credits",
)
ARCHIVE_EVENT_FIELDS = (
    "achievement",
    "action",
    "status",
    "actor_role",
    "actor_unit",
    "note",
    "created_at",
)
# A card is valid for as long as its key says nothing changed; the day bounds the cache's size.
ARCHIVE_CARD_SECONDS = 24 * 60 * 60
# What a card key is read from: everything on a card that can change without the
# achievement's updated_at (the names the centre may correct).
ARCHIVE_CARD_KEY_FIELDS = (
    "pk",
    "updated_at",
    "category__name_zh",
    "category__name_en",
    "issuer_institution__name",
)
STATEMENT_FIELDS = (
    "created_at",
    "kind",
    "amount",
    "field",
    "achievement__title",
    "level__number",
)


@functools.cache
def card_render_version() -> str:
    """A digest of what turns an achievement into its card — the card's templates, the
    translations, and the code that names statuses, steps and roles — so that a release that
    changes any of them never serves a card cached by the one before."""
    from accounts import roles

    from . import models

    sources = [
        Path(get_template(name).origin.name)
        for name in ("achievements/_archive_card.html", "achievements/_history.html")
    ]
    sources += sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.mo"))
    # The models are a package: every module of it (statuses, event labels, roles' names).
    sources += sorted(Path(models.__file__).parent.glob("*.py")) + [Path(roles.__file__)]
    digest = hashlib.blake2b(digest_size=6)
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def archive_cards(rows) -> list[str]:
    """The archive's card of each achievement in ``rows`` (``ARCHIVE_CARD_KEY_FIELDS``),
    history included, as HTML: from the cache where it holds the card of the achievement as
    it is now, else rendered and cached — those achievements and their history read in two
    queries for all of them.

    The key holds all a card depends on: every change of an achievement — each step of its
    history included — moves its ``updated_at``; the category's and the issuing
    institution's names, which the centre may correct, go in as a digest; and so do the
    language, the time zone and ``card_render_version()``.
    """
    language, zone = translation.get_language(), timezone.get_current_timezone_name()
    suffix = f"{language}:{zone}:{card_render_version()}"
    keys = {}
    for row in rows:
        names = "\x1f".join(
            (row.category__name_zh, row.category__name_en, row.issuer_institution__name or "")
        )
        digest = hashlib.blake2b(names.encode(), digest_size=8).hexdigest()
        keys[row.pk] = f"archive-card:{row.pk}:{row.updated_at.timestamp()}:{digest}:{suffix}"
    cards = cache.get_many(keys.values())
    missing = [pk for pk, key in keys.items() if key not in cards]
    if missing:
        # The timeline's order, without the people behind the steps (not shown to learners).
        events = (
            AchievementEvent.objects.timeline().select_related(None).only(*ARCHIVE_EVENT_FIELDS)
        )
        achievements = (
            Achievement.objects.filter(pk__in=missing)
            .select_related("category", "issuer_institution", "recognition")
            .only(*ARCHIVE_CARD_FIELDS)
            .prefetch_related(Prefetch("events", queryset=events))
        )
        rendered = {
            keys[a.pk]: render_to_string("achievements/_archive_card.html", {"achievement": a})
            for a in achievements
        }
        cache.set_many(rendered, ARCHIVE_CARD_SECONDS)
        cards |= rendered
    return [cards[key] for key in keys.values()]


# --- The learner ------------------------------------------------------------------------------


def archive_keys(account):
    """The learner's achievements, newest first, as the keys their cards are cached under."""
    return Achievement.objects.for_account(account).values_list(
        *ARCHIVE_CARD_KEY_FIELDS, named=True
    )


@dataclass(frozen=True)
class LedgerState:
    """The number of a learner's ledger entries and the last one's id. The ledger only grows
    (the database refuses UPDATE and DELETE on it), so the two name its state: the balance and
    the statement are cached under ``key`` (archive.html) and computed only when not there."""

    entries: int
    last: int | None

    @property
    def key(self) -> str:
        return f"{self.entries}.{self.last}"


def ledger_state(account) -> LedgerState:
    state = CreditEntry.objects.for_account(account).aggregate(entries=Count("pk"), last=Max("pk"))
    return LedgerState(**state)


def statement(account):
    """The learner's ledger entries, newest first, reading only what the statement shows."""
    return (
        CreditEntry.objects.for_account(account)
        .statement()
        .only(*STATEMENT_FIELDS)
        .order_by("-created_at", "-id")
    )


# --- The balance ---------------------------------------------------------------------------

ZERO = Decimal("0.00")


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


# --- The staff's queues and the clerk's list ---------------------------------------------------


# What a queue shows of each achievement: only these columns are read (the learner's account
# row holds much more, such as the encrypted ID number).
QUEUE_FIELDS = (
    "title",
    "issuer_name",
    "status_changed_at",
    "account__account_number",
    "account__real_name",
    "category__name_zh",
    "category__name_en",
    "issuer_institution__name",
)


def review_queue_rows(user, queue: str):
    """The achievements in ``queue`` that ``user`` may act on (``access.review_queue_for``),
    oldest first, reading only the columns a queue shows."""
    return (
        review_queue_for(user, queue)
        .select_related("account", "category", "issuer_institution")
        .only(*QUEUE_FIELDS)
    )


def clerk_deposits(user):
    """The deposits ``user`` made as an institution's clerk for learners, newest first."""
    return (
        Achievement.objects.filter(deposited_by=user)
        .exclude(account__user=user)
        .select_related("category", "issuer_institution", "account")
        .order_by("-created_at", "-pk")
    )


def standards_matching(query: str, *, limit: int = 20):
    """Approved unit standards whose code or name contains ``query`` (any case), codes that
    start with it first, then by code: the choices of a recognition's standard."""
    starts = Case(When(code__istartswith=query, then=0), default=1, output_field=IntegerField())
    return list(
        UnitStandard.objects.filter(status=UnitStandard.Status.APPROVED)
        .filter(Q(code__icontains=query) | Q(name__icontains=query))
        .select_related("level")
        .order_by(starts, "code")[:limit]
    )
