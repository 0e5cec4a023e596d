"""What changed between two versions of a conversion rule, in words, for the rule's pages
(``templates/conversion/_changes.html``)."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .source import source_sentences


def _day(value) -> str:
    return date_format(value, "Y-m-d") if value else _("open-ended")


def _validity(version) -> str:
    return _("%(start)s to %(end)s") % {
        "start": _day(version.valid_from),
        "end": _day(version.valid_until),
    }


def _outcome(target) -> str:
    if target.credits is None:
        return _("exemption")
    return _("%(credits)s credits") % {"credits": target.credits}


def version_changes(previous, version) -> list[dict]:
    """What changed from ``previous`` to ``version`` (``previous`` None: nothing, a first
    version). Each change is ``{"field", "text", "previous_version"}``; fields: ``title``,
    ``programme``, ``validity``, ``notes``, ``target_added``, ``target_removed``,
    ``target_changed``, ``source_added``, ``source_removed``, ``source_type``.

    Targets are compared by course; the source by the sentences of its requirements (so a
    requirement moved to another group is not a change, a different grade or age is). Reads
    both versions' targets and atoms; prefetch them (``targets__course``, ``atoms_prefetch()``)
    when comparing many.
    """
    if previous is None:
        return []
    changes: list[dict] = []

    def add(field, text):
        changes.append({"field": field, "text": text, "previous_version": previous.version})

    if previous.programme_id != version.programme_id:
        add(
            "programme",
            _("Target programme: %(old)s → %(new)s")
            % {"old": previous.programme, "new": version.programme},
        )
    if (previous.valid_from, previous.valid_until) != (version.valid_from, version.valid_until):
        add(
            "validity",
            _("Valid: %(old)s → %(new)s") % {"old": _validity(previous), "new": _validity(version)},
        )
    if (previous.notes_zh, previous.notes_en) != (version.notes_zh, version.notes_en):
        add("notes", _("The notes were changed."))

    old_targets = {t.course_id: t for t in previous.targets.all()}
    new_targets = {t.course_id: t for t in version.targets.all()}
    for course_id, target in new_targets.items():
        if course_id not in old_targets:
            add(
                "target_added",
                _("Target added: %(course)s, %(outcome)s")
                % {"course": target.course, "outcome": _outcome(target)},
            )
        elif (old_targets[course_id].outcome, old_targets[course_id].credits) != (
            target.outcome,
            target.credits,
        ):
            add(
                "target_changed",
                _("Target %(course)s: %(old)s → %(new)s")
                % {
                    "course": target.course,
                    "old": _outcome(old_targets[course_id]),
                    "new": _outcome(target),
                },
            )
    for course_id, target in old_targets.items():
        if course_id not in new_targets:
            add("target_removed", _("Target removed: %(course)s") % {"course": target.course})

    old_sentences = source_sentences(previous)
    new_sentences = source_sentences(version)
    for sentence in new_sentences:
        if sentence not in old_sentences:
            add("source_added", _("Requirement added: %(text)s") % {"text": sentence})
    for sentence in old_sentences:
        if sentence not in new_sentences:
            add("source_removed", _("Requirement removed: %(text)s") % {"text": sentence})
    if _shape(previous.source) != _shape(version.source) and not any(
        c["field"].startswith("source") for c in changes
    ):
        add("source_type", _("The way the requirements are combined was changed."))
    return changes


def _shape(node):
    """The groups of a source without what their atoms name (how they are combined)."""
    if not isinstance(node, dict) or node.get("type") == "atom":
        return "atom"
    return (node.get("type"), node.get("n"), tuple(_shape(i) for i in node.get("items", ())))
