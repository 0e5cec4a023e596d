"""What a document certifies, frozen when it is requested (``ProofDocument.content``).

The snapshot is plain JSON — names, dates and credits as strings — so that the PDF, the
verifiable credentials and the verification page read one source and agree, and so that a
document says tomorrow what it said today. Lines are the achievements recognised now (a
transcript: all of them; a proof: the chosen ones), ordered by level, field and date, with
subtotals per level and field; a transcript also lists what was converted or exempted at member
institutions. Conversion lives in a higher app, so it registers its lines here
(``transcript_section_register``) instead of being imported.
"""

from collections.abc import Callable
from decimal import Decimal

from ..models import Achievement

# key -> function(account) -> list of conversion lines (see contract in the module docstring)
_conversion_sources: dict[str, Callable] = {}


def transcript_section_register(key: str, lines: Callable) -> None:
    """Add conversion lines to every transcript: ``lines(account)`` gives dicts with
    institution, programme, course, course_code, credits (str or None), exemption (bool),
    decided_on (ISO date) and achievement_ids. Registering a key again replaces it."""
    _conversion_sources[key] = lines


def recognised_achievements(account, ids=None):
    """The account's achievements recognised now, with what the snapshot reads, in order."""
    queryset = Achievement.objects.filter(
        account=account, status=Achievement.Status.RECOGNISED, recognition__isnull=False
    ).select_related(
        "category",
        "issuer_institution",
        "recognition__level",
        "recognition__unit_standard",
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.order_by(
        "recognition__level__number", "recognition__field", "obtained_on", "pk"
    )


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def _line(achievement: Achievement) -> dict:
    decision = achievement.recognition
    level = decision.level
    standard = decision.unit_standard
    return {
        "id": achievement.pk,
        "title": achievement.title,
        "issuer": achievement.issuer,
        "category_zh": achievement.category.name_zh,
        "category_en": achievement.category.name_en,
        "obtained_on": achievement.obtained_on.isoformat(),
        "recognised_on": decision.decided_at.date().isoformat(),
        "result": achievement.result_display,
        "level": (
            {"number": level.number, "name_zh": level.name_zh, "name_en": level.name_en}
            if level is not None
            else None
        ),
        "field": decision.field,
        "credits": _money(decision.credits),
        "unit_standard": (
            {"code": standard.code, "title": standard.name} if standard is not None else None
        ),
        "valid_until": achievement.valid_until.isoformat() if achievement.valid_until else None,
    }


def _groups(lines: list[dict]) -> list[dict]:
    groups: dict[tuple, dict] = {}
    for line in lines:
        level = line["level"]
        key = (level["number"] if level else None, line["field"])
        group = groups.setdefault(
            key, {"level": level, "field": line["field"], "credits": Decimal(0), "ids": []}
        )
        group["credits"] += Decimal(line["credits"])
        group["ids"].append(line["id"])
    return [
        {
            "level": group["level"],
            "field": group["field"],
            "credits": _money(group["credits"]),
            "achievement_ids": group["ids"],
        }
        for group in groups.values()
    ]


def snapshot(*, holder: dict, kind: str, lines: list[dict], conversions: list[dict]) -> dict:
    """The snapshot of ``lines`` (achievement lines in order, as ``_line`` makes them) and
    ``conversions`` for ``holder`` (name and account number): with the groups by level and
    field and the totals. The benchmark and the tests build theirs with it too."""
    converted = sum(
        (Decimal(item["credits"]) for item in conversions if item["credits"]), Decimal(0)
    )
    return {
        "holder": holder,
        "kind": kind,
        "achievements": lines,
        "groups": _groups(lines),
        "conversions": conversions,
        "totals": {
            "achievements": len(lines),
            "credits": _money(sum((Decimal(line["credits"]) for line in lines), Decimal(0))),
            "converted_credits": _money(converted),
            "exemptions": sum(1 for item in conversions if item["exemption"]),
        },
    }


def document_content(account, *, kind: str, achievements) -> dict:
    """The snapshot of ``achievements`` (already loaded by ``recognised_achievements``) for a
    document of ``kind`` about ``account``."""
    conversions: list[dict] = []
    if kind == "transcript":
        for key in sorted(_conversion_sources):
            conversions.extend(_conversion_sources[key](account))
    return snapshot(
        holder={"name": account.real_name, "account_number": account.account_number},
        kind=kind,
        lines=[_line(achievement) for achievement in achievements],
        conversions=conversions,
    )
