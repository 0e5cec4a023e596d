"""Drafting conversion rules (转换规则): a new rule with its first version, changing a draft, and
starting version n+1 of a published one. Review, approval, publishing and retiring are in
``conversion.services.review``.

Who drafts: the administrators and clerks of the rule's (target) institution, while it is
approved. Only drafts change. Changing a published version makes version n+1 as a draft (the
published one stays in force until the new one is published); a version in review or approved
waits for its decision (it can be returned to a draft by the centre), and a retired one is
closed. At most one version of a rule is open (draft, submitted, in review, approved) at a time;
the database's ``rule_one_open_version`` backs it.

Every write checks everything first — title, programme, targets, the source tree
(``conversion.source.source_check``), validity (``conversion.validity.validity_check``), notes —
and writes nothing when one is wrong (``InvalidInput`` names the field: ``title``, ``programme``,
``targets`` or ``target-<row>`` (0-based), ``source`` or ``source-<path>``, ``valid_from``,
``valid_until``, ``notes_zh``, ``notes_en``).
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Institution
from achievements.credits import credit_check
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.text import clean_text

from ..access import writer_institutions
from ..models import ConversionRule, Course, Programme, RuleAtom, RuleTarget, RuleVersion
from ..source import atoms_rows, iter_atoms, source_check
from ..validity import validity_check

Status = RuleVersion.Status
TITLE_MAX = ConversionRule._meta.get_field("title").max_length
NOTES_MAX = RuleVersion._meta.get_field("notes_zh").max_length
OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED)
NUMBER_PREFIX = "ZH"


# --- Checks ------------------------------------------------------------------------------------


def _require_writer(acting_user, institution_id: int) -> None:
    if not writer_institutions(acting_user).filter(pk=institution_id).exists():
        raise NotAllowed(
            _(
                "Only the administrators and clerks of an approved institution may draft its "
                "conversion rules."
            ),
            field="institution",
            code="not_allowed",
        )


def _check_programme(programme, institution_id: int) -> Programme:
    if (
        not isinstance(programme, Programme)
        or programme.institution_id != institution_id
        or not programme.is_active
    ):
        raise InvalidInput(
            _("Choose an active programme of the rule's institution."),
            field="programme",
            code="programme",
        )
    return programme


def targets_check(targets, *, programme: Programme) -> list[tuple[Course, Decimal | None]]:
    """``targets`` (``(course or pk, credits or None)`` pairs; None: an exemption) checked
    against ``programme``: at least one; each an offered course of the programme (and so of its
    institution), named once; credits from 0.01 up to the course's own credits. One query."""
    targets = list(targets or [])
    if not targets:
        raise InvalidInput(
            _("Add at least one target course."), field="targets", code="targets_required"
        )
    ids = [getattr(course, "pk", course) for course, _credits in targets]
    courses = Course.objects.filter(
        pk__in=[pk for pk in ids if pk is not None], programmes=programme
    ).in_bulk()
    checked: list[tuple[Course, Decimal | None]] = []
    seen: set[int] = set()
    for index, ((_given, credits), pk) in enumerate(zip(targets, ids, strict=True)):
        field = f"target-{index}"
        course = courses.get(pk)
        if course is None or course.institution_id != programme.institution_id:
            raise InvalidInput(
                _("Row %(row)d: choose a course of the programme %(programme)s.")
                % {"row": index + 1, "programme": programme.name},
                field=field,
                code="target_course",
            )
        if not course.is_active:
            raise InvalidInput(
                _("%(course)s is no longer offered.") % {"course": course},
                field=field,
                code="target_inactive",
            )
        if course.pk in seen:
            raise InvalidInput(
                _("%(course)s is named twice.") % {"course": course},
                field=field,
                code="target_duplicate",
            )
        seen.add(course.pk)
        if credits is not None and credits != "":
            credits = credit_check(credits, field=field)
            if credits > course.credits:
                raise InvalidInput(
                    _("%(course)s carries %(max)s credits; no more can be granted for it.")
                    % {"course": course, "max": course.credits},
                    field=field,
                    code="target_credits_above_course",
                )
        else:
            credits = None
        checked.append((course, credits))
    return checked


def _check_content(
    *,
    institution_id,
    title,
    programme,
    source,
    targets,
    valid_from,
    valid_until,
    notes_zh,
    notes_en,
    rule=None,
    exclude=None,
) -> dict:
    content = {
        "title": clean_text(title, field="title", max_length=TITLE_MAX),
        "programme": _check_programme(programme, institution_id),
    }
    content["targets"] = targets_check(targets, programme=content["programme"])
    content["source"] = source_check(source)
    validity_check(rule=rule, valid_from=valid_from, valid_until=valid_until, exclude=exclude)
    content["valid_from"] = valid_from
    content["valid_until"] = valid_until
    for name, value in (("notes_zh", notes_zh), ("notes_en", notes_en)):
        content[name] = clean_text(
            value, field=name, max_length=NOTES_MAX, required=False, multiline=True
        )
    return content


# --- Writing -----------------------------------------------------------------------------------


def _targets_summary(pairs) -> str:
    return "; ".join(
        f"{course.code} {credits if credits is not None else '—'}" for course, credits in pairs
    )


def summary(version: RuleVersion) -> dict:
    """What the audit log keeps of a version's content."""
    targets = [(t.course, t.credits) for t in version.targets.select_related("course")]
    return {
        "number": version.rule.number,
        "version": version.version,
        "title": version.rule.title,
        "programme": version.programme_id,
        "valid_from": str(version.valid_from),
        "valid_until": str(version.valid_until) if version.valid_until else "",
        "targets": _targets_summary(targets),
        "requirements": sum(1 for _ in iter_atoms(version.source or {})),
        "source_groups": _source_groups(version.source or {}),
        "notes_chars": len(version.notes_zh) + len(version.notes_en),
        "status": version.status,
    }


def _source_groups(node) -> str:
    """The shape of a source in short, in symbols that read alike in every language: ∧ for
    "all", ∨ for "any", ≥N for "N of", 1 for a requirement, e.g. ``∧(∨(1,1),1)``: enough for
    the log to show that the combination changed."""
    if node.get("type") == "atom":
        return "1"
    inner = ",".join(_source_groups(i) for i in node.get("items", ()))
    kind = node.get("type")
    name = f"≥{node.get('n', '')}" if kind == "n_of" else {"all": "∧", "any": "∨"}.get(kind, "?")
    return f"{name}({inner})"


def _write_parts(version: RuleVersion, targets) -> None:
    """Replace ``version``'s targets and atoms by ``targets`` and its (checked) source."""
    RuleTarget.objects.filter(version=version).delete()
    RuleAtom.objects.filter(version=version).delete()
    RuleTarget.objects.bulk_create(
        RuleTarget(
            version=version,
            course=course,
            outcome=RuleTarget.Outcome.EXEMPTION if credits is None else RuleTarget.Outcome.CREDITS,
            credits=credits,
        )
        for course, credits in targets
    )
    RuleAtom.objects.bulk_create(atoms_rows(version))


def _next_number() -> str:
    year = timezone.localdate().year
    prefix = f"{NUMBER_PREFIX}-{year}-"
    numbers = ConversionRule.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    )
    last = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


@transaction.atomic
def rule_create(
    *,
    acting_user,
    institution: Institution,
    title: str,
    programme: Programme,
    source: dict,
    targets,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    notes_zh: str = "",
    notes_en: str = "",
) -> RuleVersion:
    """A new conversion rule of ``institution`` (numbered ``ZH-<year>-<nnnn>``) with version 1
    as a draft, its targets and atoms. Writers of an approved institution only; the programme
    is an active one of that institution. Nothing is written when anything is refused."""
    _require_writer(acting_user, institution.pk)
    content = _check_content(
        institution_id=institution.pk,
        title=title,
        programme=programme,
        source=source,
        targets=targets,
        valid_from=valid_from,
        valid_until=valid_until,
        notes_zh=notes_zh,
        notes_en=notes_en,
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():  # a concurrent draft may take the same number
                rule = ConversionRule.objects.create(
                    institution=institution,
                    number=_next_number(),
                    title=content["title"],
                    created_by=acting_user,
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five collisions in a row
        raise IllegalTransition(_("Please try again."), code="number_taken")
    version = RuleVersion.objects.create(
        rule=rule,
        version=1,
        status=Status.DRAFT,
        programme=content["programme"],
        source=content["source"],
        valid_from=content["valid_from"],
        valid_until=content["valid_until"],
        notes_zh=content["notes_zh"],
        notes_en=content["notes_en"],
        created_by=acting_user,
    )
    version.authors.add(acting_user)
    _write_parts(version, content["targets"])
    audit_record(
        actor=acting_user, action="conversion_rule.create", target=version, after=summary(version)
    )
    return version


def version_lock(version: RuleVersion) -> RuleVersion:
    """``version`` read again and locked for the rest of the transaction (every step of drafting
    and review starts here)."""
    return (
        RuleVersion.objects.select_for_update(of=("self",))
        .select_related("rule", "rule__institution", "programme")
        .get(pk=version.pk)
    )


def _open_version_error() -> IllegalTransition:
    return IllegalTransition(
        _("Another version of this rule is already being drafted or reviewed."),
        code="open_version_exists",
    )


def _new_version_of(acting_user, published: RuleVersion) -> RuleVersion:
    """A draft copy of the locked ``published`` as version n+1 (see ``rule_new_version``)."""
    if published.status == Status.APPROVED:
        raise IllegalTransition(
            _(
                "This version is approved and waits to be published; a new version can be "
                "drafted once it is published."
            ),
            code="approved_not_published",
        )
    if published.status != Status.PUBLISHED:
        raise IllegalTransition(
            _("A new version can only be made from a published version."),
            code="illegal_transition",
        )
    if RuleVersion.objects.filter(rule_id=published.rule_id, status__in=OPEN_STATUSES).exists():
        raise _open_version_error()
    latest = RuleVersion.objects.filter(rule_id=published.rule_id).aggregate(n=Max("version"))["n"]
    # The copy takes over from today (or the day after the published one starts, if later):
    # a version starting with the published one could never be published.
    starts = max(timezone.localdate(), published.valid_from + datetime.timedelta(days=1))
    until = (
        published.valid_until if published.valid_until and published.valid_until >= starts else None
    )
    try:
        with transaction.atomic():
            draft = RuleVersion.objects.create(
                rule_id=published.rule_id,
                version=latest + 1,
                previous_version=published,
                status=Status.DRAFT,
                programme=published.programme,
                source=published.source,
                valid_from=starts,
                valid_until=until,
                notes_zh=published.notes_zh,
                notes_en=published.notes_en,
                created_by=acting_user,
            )
    except IntegrityError as exc:
        raise _open_version_error() from exc
    draft.authors.add(acting_user)
    _write_parts(draft, [(t.course, t.credits) for t in published.targets.select_related("course")])
    audit_record(
        actor=acting_user,
        action="conversion_rule.new_version",
        target=draft,
        before={"from": published.pk, "version": published.version},
        after=summary(draft),
    )
    return draft


@transaction.atomic
def rule_new_version(*, acting_user, version: RuleVersion) -> RuleVersion:
    """Start version n+1 of a published rule version as a draft copy (its institution's
    writers only). The published one stays in force until the new one is published; only one
    version of a rule may be open at a time."""
    locked = version_lock(version)
    _require_writer(acting_user, locked.rule.institution_id)
    return _new_version_of(acting_user, locked)


@transaction.atomic
def rule_version_update(
    *,
    acting_user,
    version: RuleVersion,
    title: str,
    programme: Programme,
    source: dict,
    targets,
    valid_from: datetime.date,
    valid_until: datetime.date | None,
    notes_zh: str = "",
    notes_en: str = "",
) -> RuleVersion:
    """Change a draft and return it. On a published version the change goes into a new draft,
    version n+1 (``rule_new_version``), which is returned. Submitted, in review and approved
    versions wait for their decision; retired ones are closed: refused. Targets and atoms are
    replaced; ``acting_user`` becomes one of the version's authors. The title is the rule's,
    shared by all its versions."""
    locked = version_lock(version)
    _require_writer(acting_user, locked.rule.institution_id)
    if locked.status in (Status.PUBLISHED, Status.APPROVED):
        # The change goes into version n+1 (refused while an approved one waits to be published).
        locked = version_lock(_new_version_of(acting_user, locked))
    elif locked.status in (Status.SUBMITTED, Status.IN_REVIEW):
        raise IllegalTransition(
            _("This version is with the centre; it can be changed once it is returned to a draft."),
            code="not_editable",
        )
    elif locked.status != Status.DRAFT:
        raise IllegalTransition(
            _("A version that is “%(status)s” cannot be edited.")
            % {"status": locked.get_status_display()},
            code="not_editable",
        )
    content = _check_content(
        institution_id=locked.rule.institution_id,
        title=title,
        programme=programme,
        source=source,
        targets=targets,
        valid_from=valid_from,
        valid_until=valid_until,
        notes_zh=notes_zh,
        notes_en=notes_en,
        rule=locked.rule,
        exclude=locked,
    )
    before = summary(locked)
    if content["title"] != locked.rule.title:
        locked.rule.title = content["title"]
        locked.rule.save(update_fields=["title"])
    fields = ("programme", "source", "valid_from", "valid_until", "notes_zh", "notes_en")
    for name in fields:
        setattr(locked, name, content[name])
    locked.save(update_fields=[*fields, "updated_at"])
    _write_parts(locked, content["targets"])
    locked.authors.add(acting_user)
    after = summary(locked)
    changed = [key for key in after if before[key] != after[key]]
    if changed:
        audit_record(
            actor=acting_user,
            action="conversion_rule.update",
            target=locked,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return locked
