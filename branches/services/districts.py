"""Writes on the service network."""

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from creditbank.audit import audit_record

from ..models import District

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@transaction.atomic
def districts_load(*, acting_user, city: str | None = None, path: str | None = None) -> int:
    """Create or update the districts of ``city`` from a GB/T 2260 CSV; returns how many.

    The city defaults to ``settings.CREDITBANK_CITY``; its file is ``data/districts-<city>.csv``
    unless ``path`` names another. Re-running it changes nothing that is already right.
    """
    city = (city or settings.CREDITBANK_CITY).lower()
    source = Path(path) if path else DATA_DIR / f"districts-{city}.csv"
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    required = {"code", "name_zh", "name_en", "kind"}
    if not rows or not required <= set(rows[0]):
        raise ValueError(f"{source} must have the columns {', '.join(sorted(required))}")
    changed = 0
    for row in rows:
        _district, created = District.objects.update_or_create(
            code=row["code"].strip(),
            defaults={
                "city": city,
                "name_zh": row["name_zh"].strip(),
                "name_en": row["name_en"].strip(),
                "kind": row["kind"].strip(),
            },
        )
        changed += created
    audit_record(
        actor=acting_user,
        action="district.load",
        object_type="branches.district",
        object_id=city,
        after={"rows": len(rows), "new": changed},
    )
    return len(rows)
