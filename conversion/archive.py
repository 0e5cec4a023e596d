"""Conversion's part of the learner's archive (``achievements.archive``): what was converted
where — per target institution the credits converted and the exemptions, each citing its
application and the rule version it was decided under. One query, whatever the number."""

from decimal import Decimal

from achievements.archive import ArchiveSection

from .models import ConversionEntry


def conversions_of(account) -> dict | None:
    """The learner's conversion ledger entries grouped by target institution (by name), each
    with its credits total and number of exemptions; ``None`` when there are none."""
    entries = (
        ConversionEntry.objects.filter(account=account)
        .select_related(
            "institution", "programme", "course", "line__application", "rule_version__rule"
        )
        .order_by("institution__name", "institution_id", "created_at", "id")
    )
    institutions: dict[int, dict] = {}
    for entry in entries:
        group = institutions.setdefault(
            entry.institution_id,
            {
                "institution": entry.institution,
                "credits": Decimal("0.00"),
                "exemptions": 0,
                "entries": [],
            },
        )
        if entry.kind == ConversionEntry.Kind.CREDITS:
            group["credits"] += entry.credits
        else:
            group["exemptions"] += 1
        group["entries"].append(entry)
    if not institutions:
        return None
    return {"institutions": list(institutions.values())}


archive_conversions = ArchiveSection(
    "conversions", "conversion/_archive_conversions.html", conversions_of, order=10
)
