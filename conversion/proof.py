"""Conversion's lines on a transcript (``achievements.proof.content``): every credit converted
and every exemption granted at a member institution, from the conversion ledger, each naming the
achievements the application line used. Two queries, whatever the number."""

from django.utils import timezone

from .models import ConversionEntry, LineHolding


def transcript_conversions(account) -> list[dict]:
    entries = list(
        ConversionEntry.objects.filter(account=account)
        .select_related("institution", "programme", "course")
        .order_by("institution__name", "institution_id", "created_at", "id")
    )
    used: dict[int, list[int]] = {}
    for line_id, achievement_id in (
        LineHolding.objects.filter(line_id__in=[entry.line_id for entry in entries])
        .order_by("achievement_id")
        .values_list("line_id", "achievement_id")
    ):
        used.setdefault(line_id, []).append(achievement_id)
    return [
        {
            "institution": entry.institution.name,
            "programme": entry.programme.name,
            "course": entry.course.name,
            "course_code": entry.course.code,
            "credits": str(entry.credits) if entry.credits is not None else None,
            "exemption": entry.kind == ConversionEntry.Kind.EXEMPTION,
            "decided_on": timezone.localdate(entry.created_at).isoformat(),
            "achievement_ids": used.get(entry.line_id, []),
        }
        for entry in entries
    ]
