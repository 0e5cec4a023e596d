"""Short before/after summaries of rows for the audit log."""

from django.db.models import Model


def snapshot(obj: Model, fields: tuple[str, ...]) -> dict:
    """The named fields of ``obj``; a foreign key is given by its key, not loaded."""
    summary = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        summary[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return summary


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the entries that differ, as a (before, after) pair."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
