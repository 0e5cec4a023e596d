"""Index helpers the apps' models share."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models.functions import Upper


def trigram_index(prefix: str, field: str) -> GinIndex:
    """A GIN trigram index (pg_trgm) on ``UPPER(field)``: what ``field__icontains`` compares
    (``UPPER(field::text) LIKE UPPER('%…%')``), so the public search finds a substring of three
    or more characters without reading the whole table. Shorter ones still match, by a scan."""
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=f"{prefix}_{field}_trgm")
