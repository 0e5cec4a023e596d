"""The audit log in words: a label for every action code, the name of each object, who acted,
and the before/after summary as a two-column table (the page ``accounts:audit_log``).

``ACTIONS`` is the one registry of action codes. Every code a service writes has a label here
(tests/creditbank/test_audit_labels.py reads every ``audit_record`` call of the code to prove
it); a code without one (an event written by an older version) shows as itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .redaction import REDACTED

# (group, {code: label}): the groups are the option groups of the page's action filter.
ACTION_GROUPS: list[tuple[Any, dict[str, Any]]] = [
    (
        _("Signing in"),
        {
            "auth.login": pgettext_lazy("audit action", "Signed in"),
            "auth.logout": pgettext_lazy("audit action", "Signed out"),
            "auth.login_failed": pgettext_lazy("audit action", "Sign-in failed"),
            "auth.signed_up": pgettext_lazy("audit action", "Signed up"),
            "auth.email_confirmed": pgettext_lazy("audit action", "E-mail address confirmed"),
            "auth.password_reset": pgettext_lazy("audit action", "Password reset"),
            "auth.mfa_failed": pgettext_lazy("audit action", "Wrong second-factor code"),
            "auth.session_expired": pgettext_lazy("audit action", "Session expired"),
            "auth.account_locked": pgettext_lazy("audit action", "Log-in locked for an account"),
            "auth.address_locked": pgettext_lazy(
                "audit action", "Log-in locked for a network address"
            ),
        },
    ),
    (
        _("Refused requests"),
        {
            "access.refused": pgettext_lazy("audit action", "Access refused"),
            "access.not_found": pgettext_lazy("audit action", "Asked for something not found"),
            "access.refused_aggregate": pgettext_lazy(
                "audit action", "Access refused (further ones in a minute)"
            ),
            "access.not_found_aggregate": pgettext_lazy(
                "audit action", "Asked for something not found (further ones in a minute)"
            ),
        },
    ),
    (
        _("Roles"),
        {
            "role.grant": pgettext_lazy("audit action", "Role granted"),
            "role.revoke": pgettext_lazy("audit action", "Role revoked"),
        },
    ),
    (
        _("Learning accounts"),
        {
            "learner_account.open": pgettext_lazy("audit action", "Learning account opened"),
            "learner_account.verify": pgettext_lazy("audit action", "Learning account verified"),
            "learner_account.return": pgettext_lazy("audit action", "New ID photo asked for"),
            "learner_account.resubmit": pgettext_lazy(
                "audit action", "Learning account sent for verification again"
            ),
            "learner_account.freeze": pgettext_lazy("audit action", "Learning account frozen"),
            "learner_account.unfreeze": pgettext_lazy("audit action", "Learning account unfrozen"),
            "learner_account.close": pgettext_lazy("audit action", "Learning account closed"),
            "learner_account.reveal_id": pgettext_lazy("audit action", "Full ID number viewed"),
            "learner_account.mobile_change": pgettext_lazy("audit action", "Mobile number changed"),
        },
    ),
    (
        _("Institutions"),
        {
            "institution.apply": pgettext_lazy("audit action", "Institution applied"),
            "institution.approve": pgettext_lazy("audit action", "Institution approved"),
            "institution.reject": pgettext_lazy("audit action", "Institution rejected"),
            "institution.suspend": pgettext_lazy("audit action", "Institution suspended"),
            "institution.reinstate": pgettext_lazy("audit action", "Institution reinstated"),
            "institution.invite": pgettext_lazy("audit action", "Person invited to an institution"),
            "institution.invitation_cancel": pgettext_lazy("audit action", "Invitation cancelled"),
            "institution.invitation_accept": pgettext_lazy("audit action", "Invitation accepted"),
            "institution.staff_remove": pgettext_lazy(
                "audit action", "Person removed from an institution"
            ),
            "api_token.create": pgettext_lazy("audit action", "API token made"),
            "api_token.revoke": pgettext_lazy("audit action", "API token revoked"),
        },
    ),
    (
        _("Service network"),
        {
            "district.load": pgettext_lazy("audit action", "Districts loaded"),
            "branch.create": pgettext_lazy("audit action", "Branch centre created"),
            "branch.update": pgettext_lazy("audit action", "Branch centre changed"),
            "service_point.create": pgettext_lazy("audit action", "Service point created"),
            "service_point.update": pgettext_lazy("audit action", "Service point changed"),
            "staff_assignment.create": pgettext_lazy("audit action", "Staff member assigned"),
            "staff_assignment.remove": pgettext_lazy("audit action", "Staff member removed"),
            "membership.create": pgettext_lazy("audit action", "Alliance membership created"),
            "membership.rejoin": pgettext_lazy("audit action", "Alliance membership renewed"),
            "membership.update": pgettext_lazy("audit action", "Alliance membership changed"),
            "membership.suspend": pgettext_lazy("audit action", "Alliance membership suspended"),
            "membership.reinstate": pgettext_lazy("audit action", "Alliance membership reinstated"),
            "membership.end": pgettext_lazy("audit action", "Alliance membership ended"),
            "announcement.create": pgettext_lazy("audit action", "Announcement drafted"),
            "announcement.update": pgettext_lazy("audit action", "Announcement changed"),
            "announcement.publish": pgettext_lazy("audit action", "Announcement published"),
            "announcement.unpublish": pgettext_lazy("audit action", "Announcement withdrawn"),
            "help_page.create": pgettext_lazy("audit action", "Help page drafted"),
            "help_page.update": pgettext_lazy("audit action", "Help page changed"),
            "help_page.publish": pgettext_lazy("audit action", "Help page published"),
            "help_page.unpublish": pgettext_lazy("audit action", "Help page withdrawn"),
        },
    ),
    (
        _("Unit standards and levels"),
        {
            "unit_standard.create": pgettext_lazy("audit action", "Unit standard drafted"),
            "unit_standard.new_version": pgettext_lazy(
                "audit action", "New version of a unit standard drafted"
            ),
            "unit_standard.update": pgettext_lazy("audit action", "Unit standard changed"),
            "unit_standard.submit": pgettext_lazy(
                "audit action", "Unit standard submitted for approval"
            ),
            "unit_standard.approve": pgettext_lazy("audit action", "Unit standard approved"),
            "unit_standard.reject": pgettext_lazy("audit action", "Unit standard returned"),
            "unit_standard.retire": pgettext_lazy("audit action", "Unit standard retired"),
            "qualification_level.update": pgettext_lazy(
                "audit action", "Qualification level changed"
            ),
            "achievement_category.update": pgettext_lazy(
                "audit action", "Achievement category changed"
            ),
        },
    ),
    (
        _("Achievements"),
        {
            "achievement.deposit": pgettext_lazy("audit action", "Achievement deposited"),
            "achievement.update": pgettext_lazy("audit action", "Achievement changed"),
            "achievement.delete": pgettext_lazy("audit action", "Achievement deleted"),
            "achievement.submit": pgettext_lazy(
                "audit action", "Achievement submitted for recognition"
            ),
            "achievement.return": pgettext_lazy(
                "audit action", "Achievement returned for more evidence"
            ),
            "achievement.resubmit": pgettext_lazy("audit action", "Achievement submitted again"),
            "achievement.forward": pgettext_lazy(
                "audit action", "Achievement forwarded for decision"
            ),
            "achievement.recognise": pgettext_lazy("audit action", "Achievement recognised"),
            "achievement.reject": pgettext_lazy("audit action", "Recognition refused"),
            "achievement.confirm": pgettext_lazy("audit action", "Recognition confirmed"),
            "achievement.send_back": pgettext_lazy("audit action", "Decision sent back"),
            "achievement.appeal": pgettext_lazy("audit action", "Appeal lodged"),
            "achievement.revoke": pgettext_lazy("audit action", "Recognition revoked"),
            "achievement.expire": pgettext_lazy("audit action", "Recognition expired"),
            "achievement.import": pgettext_lazy(
                "audit action", "Achievement sent in a batch for review"
            ),
            "achievement.import_recognise": pgettext_lazy(
                "audit action", "Achievement recognised in a batch"
            ),
            "batch.upload": pgettext_lazy("audit action", "Result batch received"),
            "batch.commit": pgettext_lazy("audit action", "Result batch rows recorded"),
            "batch.finish": pgettext_lazy("audit action", "Result batch finished"),
            "batch.fail": pgettext_lazy("audit action", "Result batch failed"),
            "mandate.grant": pgettext_lazy("audit action", "Direct recognition mandate granted"),
            "mandate.end": pgettext_lazy("audit action", "Direct recognition mandate ended"),
            "evidence.add": pgettext_lazy("audit action", "Evidence added"),
            "evidence.remove": pgettext_lazy("audit action", "Evidence removed"),
        },
    ),
    (
        _("Conversion"),
        {
            "certificate.create": pgettext_lazy("audit action", "Certificate added"),
            "certificate.update": pgettext_lazy("audit action", "Certificate changed"),
            "self_study_subject.create": pgettext_lazy(
                "audit action", "Self-study exam subject added"
            ),
            "self_study_subject.update": pgettext_lazy(
                "audit action", "Self-study exam subject changed"
            ),
            "programme.create": pgettext_lazy("audit action", "Programme added"),
            "programme.update": pgettext_lazy("audit action", "Programme changed"),
            "institution.caps_update": pgettext_lazy(
                "audit action", "Conversion caps of an institution changed"
            ),
            "course.create": pgettext_lazy("audit action", "Course added"),
            "course.update": pgettext_lazy("audit action", "Course changed"),
            "course.import": pgettext_lazy("audit action", "Courses imported from a file"),
            "conversion_rule.create": pgettext_lazy("audit action", "Conversion rule drafted"),
            "conversion_rule.update": pgettext_lazy(
                "audit action", "Conversion rule draft changed"
            ),
            "conversion_rule.new_version": pgettext_lazy(
                "audit action", "New version of a conversion rule started"
            ),
            # The review of a rule version (conversion.services.review).
            "conversion_rule.submit": pgettext_lazy(
                "audit action", "Conversion rule submitted for review"
            ),
            "conversion_rule.withdraw": pgettext_lazy(
                "audit action", "Conversion rule withdrawn from review"
            ),
            "conversion_rule.panel_assign": pgettext_lazy(
                "audit action", "Expert panel of a conversion rule assigned"
            ),
            "conversion_rule.opinion": pgettext_lazy(
                "audit action", "Expert opinion on a conversion rule given"
            ),
            "conversion_rule.return": pgettext_lazy("audit action", "Conversion rule returned"),
            "conversion_rule.approve": pgettext_lazy("audit action", "Conversion rule approved"),
            "conversion_rule.publish": pgettext_lazy("audit action", "Conversion rule published"),
            "conversion_rule.retire": pgettext_lazy("audit action", "Conversion rule retired"),
            # A conversion application (conversion.services.applications).
            "conversion_application.submit": pgettext_lazy(
                "audit action", "Conversion application submitted"
            ),
            "conversion_application.accept": pgettext_lazy(
                "audit action", "Conversion application accepted"
            ),
            "conversion_application.decline": pgettext_lazy(
                "audit action", "Conversion application not accepted"
            ),
            "conversion_application.take": pgettext_lazy(
                "audit action", "Conversion application taken by the institution"
            ),
            "conversion_application.decide": pgettext_lazy(
                "audit action", "Conversion application line decided"
            ),
            "conversion_application.confirm": pgettext_lazy(
                "audit action", "Conversion application line re-reviewed and confirmed"
            ),
            "conversion_application.send_back": pgettext_lazy(
                "audit action", "Conversion application line sent back"
            ),
            "conversion_application.withdraw": pgettext_lazy(
                "audit action", "Conversion application withdrawn"
            ),
            "conversion_application.appeal": pgettext_lazy(
                "audit action", "Conversion application appealed"
            ),
            "conversion_application.remind": pgettext_lazy(
                "audit action", "Institution reminded of a conversion application"
            ),
        },
    ),
    (
        _("Proof documents and credit inquiries"),
        {
            "document.request": pgettext_lazy("audit action", "Document requested"),
            "document.render": pgettext_lazy("audit action", "Document being prepared"),
            "document.ready": pgettext_lazy("audit action", "Document issued"),
            "document.fail": pgettext_lazy("audit action", "Document could not be prepared"),
            "document.retry": pgettext_lazy("audit action", "Document requested again"),
            "document.extend": pgettext_lazy("audit action", "Document validity extended"),
            "document.reissue": pgettext_lazy(
                "audit action", "Document PDF issued again with the new expiry"
            ),
            "document.withdraw": pgettext_lazy("audit action", "Document withdrawn"),
            "document.revoke": pgettext_lazy("audit action", "Document revoked"),
            "document.suspend": pgettext_lazy("audit action", "Document suspended"),
            "document.reinstate": pgettext_lazy("audit action", "Document reinstated"),
            "document.share": pgettext_lazy("audit action", "Share link created"),
            "document.share_end": pgettext_lazy("audit action", "Share link ended"),
            "document.share_locked": pgettext_lazy(
                "audit action", "Share link ended after wrong PINs"
            ),
            "inquiry.consent": pgettext_lazy("audit action", "Inquiry consent code made"),
            "inquiry.consent_cancel": pgettext_lazy(
                "audit action", "Inquiry consent code cancelled"
            ),
            "inquiry.make": pgettext_lazy("audit action", "Learning credit inquiry made"),
        },
    ),
]
ACTIONS: dict[str, Any] = {
    code: label for _g, codes in ACTION_GROUPS for code, label in codes.items()
}

# Object types that are not models: what the refusal and log-in lock events name.
OTHER_OBJECT_TYPES: dict[str, Any] = {
    "url": _("Page address"),
    "login": _("Log-in name"),
    "address": _("Network address"),
}
# The apps whose models events name.
OBJECT_APPS = (
    "accounts",
    "branches",
    "achievements",
    "conversion",
    "quality",
    "creditbank",
    "api",
)

# Summary keys that are not fields of the object's model.
SUMMARY_KEYS: dict[str, Any] = {
    # An institution's general conversion caps (on the institution's events).
    "per_year_credits": _("Most credits converted per calendar year"),
    "per_source_credits": _("Most credits from one source institution"),
    "certificates_max": _("Most certificates counted"),
    "note": _("Note"),
    "reason": _("Reason"),
    "role": _("Role"),
    "first_admin": _("First administrator"),
    "minute": _("Minute"),
    "count": _("Count"),
    "batch": _("Batch"),
    "id_type": _("ID type"),
    "id_number": _("ID number"),
    "evidence": _("Evidence"),
    "result": _("Result"),
    "decision": pgettext_lazy("audit key", "Recognition decision"),
    "review_branch": _("Branch centre of the first check"),
    "credit_entry": _("Credit ledger entry"),
    "outcomes_chars": _("Length of the learning outcomes (characters)"),
    "body_chars": _("Length of the text (characters)"),
    "new": pgettext_lazy("audit key", "Added"),
    "rows": pgettext_lazy("audit key", "Rows read"),
    # A result batch's chunk (achievements.services.batch): the first and last of what it made.
    "achievements": _("Achievements recorded (first and last number)"),
    "recognitions": _("Recognition decisions made (first and last number)"),
    # The keys of an evidence file's summary (achievements.services.deposits).
    "name": _("File name"),
    "size": _("Size"),
    "kind": _("File type"),
    "sha256": _("Checksum"),
    "from": _("New version of"),
    "replaced_by_version": _("Replaced by version"),
    "invitation": _("Invitation"),
    "primary": _("Primary address"),
    # A course import's summary (conversion.services.course_import) and the catalogue's.
    "file_name": _("File name"),
    "created_count": _("Created"),
    "updated_count": _("Updated"),
    "description_chars": _("Length of the description (characters)"),
    # A conversion rule version's summary (conversion.services.rules).
    "number": _("Rule number"),
    "title": _("Title"),
    "targets": _("Target courses and credits"),
    "requirements": _("Number of source requirements"),
    "source_groups": _("How the requirements are combined"),
    "notes_chars": _("Length of the notes (characters)"),
    # A rule version's review (conversion.services.review): the experts put on its panel.
    "experts": _("Experts"),
    "superseded": _("Published versions it ends"),
    # A conversion application's steps (conversion.services.applications).
    "lines": _("Application lines"),
    "line": _("Application line"),
    "courses": _("Target courses"),
    "entry": _("Conversion ledger entry"),
    # Proof documents, share links and credit inquiries (achievements.services.proof).
    "days": _("Days"),
    "share": _("Share link"),
    "label": pgettext_lazy("audit key", "Shared with or for"),
    "pin": _("With a PIN"),
    "hours": _("Valid for (hours)"),
    "inquiry": _("Credit inquiry"),
    "inquirer": _("Inquirer"),
}
# Summary keys that are fields of another model than the object's (an achievement's event
# names its recognition decision's facts): (model label, field), for the field's name and, if
# it has them, its choices.
CHOICES_OF: dict[str, tuple[str, str]] = {
    "role": ("accounts.RoleGrant", "role"),
    "stage": ("achievements.Recognition", "stage"),
    "credits": ("achievements.Recognition", "credits"),
    "level": ("achievements.Recognition", "level"),
    "field": ("achievements.Recognition", "field"),
    "unit_standard": ("achievements.Recognition", "unit_standard"),
    "decided_by": ("achievements.Recognition", "decided_by"),
    "issuer": ("achievements.UnitStandard", "issuing_institution"),
    "verdict": ("conversion.RuleOpinion", "verdict"),
    "line_status": ("conversion.ApplicationLine", "status"),
    "due_on": ("conversion.ConversionApplication", "due_on"),
    "reviewer": ("conversion.ConversionApplication", "reviewer"),
}
# Summary keys whose values are the ``code`` of a row of another model (the page shows its
# name): key → model label.
CODE_OF: dict[str, str] = {
    "category": "achievements.AchievementCategory",
}
# The cities whose districts ``district.load`` loads (its object is the city).
CITY_NAMES: dict[str, Any] = {
    "chongqing": _("Chongqing"),
    "beijing": _("Beijing"),
}
# How many characters of a checksum the page shows.
CHECKSUM_SHOWN = 12


def action_label(code: str) -> str:
    """The words for ``code``; the code itself when it has no label."""
    return str(ACTIONS.get(code, code))


def action_choices() -> list:
    """The action filter's options, grouped."""
    return [
        (str(group), [(code, str(label)) for code, label in codes.items()])
        for group, codes in ACTION_GROUPS
    ]


def _model_of(object_type: str) -> type[Model] | None:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return None
    return model if model._meta.app_label in OBJECT_APPS else None


def object_type_label(object_type: str) -> str:
    model = _model_of(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return str(OTHER_OBJECT_TYPES.get(object_type, object_type))


def object_type_choices() -> list[tuple[str, str]]:
    """The object filter's options: every model of the portal's apps, and the other types."""
    models = [
        (model._meta.label_lower, str(model._meta.verbose_name))
        for app in OBJECT_APPS
        if apps.is_installed(app)
        for model in apps.get_app_config(app).get_models()
    ]
    others = [(code, str(label)) for code, label in OTHER_OBJECT_TYPES.items()]
    return sorted(models + others, key=lambda choice: choice[1])


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class EventRow:
    """One event as the page shows it."""

    event: Any
    action: str
    object_type: str
    object_name: str
    actor: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""


def _field(model: type[Model] | None, key: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _choices_field(model: type[Model] | None, key: str):
    """The field ``key`` stands for: the object's own, else the one ``CHOICES_OF`` names."""
    own = _field(model, key)
    if (own is None or not hasattr(own, "verbose_name")) and key in CHOICES_OF:
        label, name = CHOICES_OF[key]
        return _field(_model_of(label.lower()), name)
    return own


def _key_label(model: type[Model] | None, key: str) -> str:
    model_field = _field(model, key)
    if model_field is None and key not in SUMMARY_KEYS:
        model_field = _choices_field(None, key)
    if model_field is not None and hasattr(model_field, "verbose_name"):
        return str(model_field.verbose_name)
    return str(SUMMARY_KEYS.get(key, key))


def _result(value: str) -> str:
    """An achievement's result as its summary writes it, ``kind:value`` (``grade:良好``): the
    kind's name and the value in words (等级：良好)."""
    from achievements.models import Achievement

    kind, _sep, raw = value.partition(":")
    kinds = dict(Achievement.ResultKind.choices)
    if kind not in kinds:
        return value
    values = {
        Achievement.ResultKind.GRADE: dict(Achievement.Grade.choices),
        Achievement.ResultKind.PASS: dict(Achievement.PassResult.choices),
    }.get(kind, {})
    return f"{kinds[kind]}：{values.get(raw, raw) or '—'}"


def _file(item: dict) -> str:
    """An evidence file's summary: its name and size (证书.pdf（124.0 KB）), the start of its
    checksum when it has no name."""
    name = str(item.get("name") or "")
    if not name and item.get("sha256"):
        name = f"{_('Checksum')} {str(item['sha256'])[:CHECKSUM_SHOWN]}…"
    size = item.get("size")
    if isinstance(size, int) and not isinstance(size, bool):
        return f"{name}（{filesizeformat(size)}）"
    return name


def _value(model: type[Model] | None, key: str, value: Any, named: dict | None = None) -> str:
    """``value`` in words; ``named`` maps ``(key, code)`` to the name of a ``CODE_OF`` row."""
    if value is None or value == "":
        return "—"
    if value == REDACTED:
        return str(_("(not recorded)"))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if named and isinstance(value, str) and (key, value) in named:
        return named[(key, value)]
    if key == "result" and isinstance(value, str):
        return _result(value)
    if key == "size" and isinstance(value, int):
        return str(filesizeformat(value))
    if key == "sha256" and isinstance(value, str):
        return f"{value[:CHECKSUM_SHOWN]}…"
    choices_field = _choices_field(model, key)
    choices = dict(getattr(choices_field, "flatchoices", None) or ())
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if isinstance(value, list):
        return "、".join(_value(model, key, item) for item in value) or "—"
    if isinstance(value, dict):
        if "name" in value and "size" in value:
            return _file(value)
        return "，".join(
            f"{_key_label(None, k)}：{_value(None, k, v)}"
            for k, v in value.items()
            if k != "achievement"  # an evidence file's achievement: the event's object
        )
    return str(value)


def _coded(events) -> dict[tuple[str, str], str]:
    """The names of the ``CODE_OF`` rows the summaries of ``events`` name: one query a key."""
    wanted: dict[str, set] = defaultdict(set)
    for event in events:
        summary = event.summary if isinstance(event.summary, dict) else {}
        for side in ("before", "after"):
            values = summary.get(side)
            if isinstance(values, dict):
                for key in CODE_OF.keys() & values.keys():
                    if isinstance(values[key], str):
                        wanted[key].add(values[key])
    named = {}
    for key, codes in wanted.items():
        model = _model_of(CODE_OF[key].lower())
        for row in model._base_manager.filter(code__in=codes):
            named[(key, row.code)] = str(row)
    return named


def _changes(model: type[Model] | None, summary: dict, named: dict | None = None) -> list[Change]:
    before = summary.get("before") or {}
    after = summary.get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(
            label=_key_label(model, key),
            before=_value(model, key, before.get(key), named) if key in before else "",
            after=_value(model, key, after.get(key), named) if key in after else "",
        )
        for key in keys
    ]


def _objects(events) -> dict[tuple[str, str], str]:
    """The names of the objects ``events`` name: one query per model among them."""
    wanted: dict[str, set] = defaultdict(set)
    for event in events:
        model = _model_of(event.object_type)
        if model is not None and event.object_id:
            try:
                wanted[event.object_type].add(model._meta.pk.to_python(event.object_id))
            except ValidationError:
                continue  # not a key of that table (an event of an older version)
    names = {}
    for object_type, ids in wanted.items():
        model = _model_of(object_type)
        # Following the foreign keys: most names (__str__) are made of the related rows'.
        for pk, obj in model._base_manager.select_related().in_bulk(ids).items():
            names[(object_type, str(pk))] = str(obj)
    return names


def event_rows(events) -> list[EventRow]:
    """``events`` (with ``actor`` selected) in words, for the audit log page."""
    events = list(events)
    names = _objects(events)
    named = _coded(events)
    rows = []
    for event in events:
        model = _model_of(event.object_type)
        summary = event.summary if isinstance(event.summary, dict) else {}
        actor = event.actor
        who = event.actor_label or ""
        if actor is not None and actor.get_full_name():
            who = f"{actor.get_full_name()} ({who})"
        name = names.get((event.object_type, event.object_id), "")
        if event.object_type == "branches.district" and event.object_id in CITY_NAMES:
            name = str(CITY_NAMES[event.object_id])  # districts_load: the city's
        elif event.object_id and not name:
            name = f"#{event.object_id}" if model is not None else event.object_id
        elif name and model is not None:
            name = f"{name} (#{event.object_id})"
        rows.append(
            EventRow(
                event=event,
                action=action_label(event.action),
                object_type=object_type_label(event.object_type) if event.object_type else "",
                object_name=name,
                actor=who,
                changes=_changes(model, summary, named),
                note=str(summary.get("note", "")),
            )
        )
    return rows
