"""The centre's direct recognition mandates (直接认定授权).

A mandate lets a member institution recognise its own results of one category directly when it
sends them in a batch (``achievements.services.batch``): at the mandate's level, in its field,
at the credits each row states. Without one, its batch rows are deposited for review.

Only centre administrators grant and end mandates. An institution holds at most one active
mandate per category — the service checks it, and the partial unique constraint
``mandate_one_active_per_category`` settles two grants that race. Ending a mandate keeps the row
(who ended it and when) for the batches and the audit log that name it; a batch already sent
under it goes on under it.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import require_centre_admin
from accounts.models import Institution
from branches.selectors import is_alliance_member
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput
from creditbank.text import clean_text

from ..models import AchievementCategory, QualificationLevel, RecognitionMandate

FIELD_MAX = RecognitionMandate._meta.get_field("field").max_length
REASON_MAX = 300


def _summary(mandate: RecognitionMandate) -> dict:
    return {
        "institution": mandate.institution_id,
        "category": mandate.category.code,
        "level": mandate.level.number,
        "field": mandate.field,
    }


def _active(institution: Institution, category: AchievementCategory):
    return (
        RecognitionMandate.objects.filter(
            institution=institution, category=category, ended_at__isnull=True
        )
        .select_related("institution", "category")
        .first()
    )


def _already_held(mandate: RecognitionMandate | None, institution, category) -> InvalidInput:
    if mandate is None:
        message = _(
            "%(institution)s already holds an active mandate for “%(category)s”. End it first "
            "to grant another."
        ) % {"institution": institution.name, "category": category.name}
    else:
        message = _(
            "%(institution)s already holds an active mandate for “%(category)s”, granted on "
            "%(date)s. End it first to grant another."
        ) % {
            "institution": institution.name,
            "category": category.name,
            "date": timezone.localtime(mandate.granted_at).strftime("%Y-%m-%d"),
        }
    return InvalidInput(message, field="category", code="mandate_exists")


@transaction.atomic
def mandate_grant(
    *,
    acting_user,
    institution: Institution,
    category: AchievementCategory,
    level: QualificationLevel,
    field: str,
) -> RecognitionMandate:
    """A centre administrator authorises ``institution`` to recognise its own results of
    ``category`` directly, at ``level`` in ``field``. The institution must be an approved member
    of the alliance in good standing, the category and the level in use, the field given (at
    most 60 characters) and the institution may hold no active mandate for the category yet.
    Every refusal names its field; nothing is written then."""
    require_centre_admin(acting_user)
    if not isinstance(institution, Institution) or not is_alliance_member(institution):
        raise InvalidInput(
            _(
                "Choose an approved institution that is an active member of the alliance: only "
                "members may recognise their own results."
            ),
            field="institution",
            code="not_member",
        )
    if not isinstance(category, AchievementCategory) or not category.is_active:
        raise InvalidInput(
            _("Choose a category that is in use."), field="category", code="category"
        )
    if not isinstance(level, QualificationLevel) or not level.is_active:
        raise InvalidInput(_("Choose a level that is in use."), field="level", code="level")
    field = clean_text(field, field="field", max_length=FIELD_MAX)
    held = _active(institution, category)
    if held is not None:
        raise _already_held(held, institution, category)
    try:
        with transaction.atomic():  # a grant that raced this one holds the constraint
            mandate = RecognitionMandate.objects.create(
                institution=institution,
                category=category,
                level=level,
                field=field,
                granted_by=acting_user,
            )
    except IntegrityError as exc:
        raise _already_held(_active(institution, category), institution, category) from exc
    audit_record(actor=acting_user, action="mandate.grant", target=mandate, after=_summary(mandate))
    return mandate


@transaction.atomic
def mandate_end(
    *, acting_user, mandate: RecognitionMandate, reason: str = ""
) -> RecognitionMandate:
    """A centre administrator ends an active mandate, with an optional reason (at most 300
    characters, kept in the audit log). The row stays, with who ended it and when; the
    institution's next batches of the category are deposited for review, and so are the rows a
    batch being worked has not yet recorded (its chunk in progress is waited for: it reads the
    mandate ``FOR SHARE``, ``services.batch._mandate_in_force``). A mandate that has
    ended already is refused (``IllegalTransition``: someone else ended it first)."""
    require_centre_admin(acting_user)
    locked = (
        RecognitionMandate.objects.select_for_update(of=("self",))
        .select_related("institution", "category", "level")
        .get(pk=mandate.pk)
    )
    if locked.ended_at is not None:
        raise IllegalTransition(
            _("This mandate has already ended (on %(date)s).")
            % {"date": timezone.localtime(locked.ended_at).strftime("%Y-%m-%d")},
            code="mandate_ended",
        )
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, required=False)
    locked.ended_by, locked.ended_at = acting_user, timezone.now()
    locked.save(update_fields=["ended_by", "ended_at"])
    audit_record(
        actor=acting_user,
        action="mandate.end",
        target=locked,
        after={**_summary(locked), "reason": reason},
    )
    return locked
