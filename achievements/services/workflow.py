"""The achievement state machine, written once, and the one way a step is recorded. Its table
(``ACHIEVEMENT_TRANSITIONS``) lives in ``achievements.models`` beside the statuses, where
``achievements.access`` also reads it to tell which steps are open now; this module is the only one
that changes the status.

::

    (new) ──deposit──→ deposited ──submit──→ under_review ──forward──→ forwarded
                                                 │  └──return──→ returned ──resubmit──→ under_review
       forwarded ──recognise──→ recognised           (at most the re-review threshold)
                 ──recognise──→ confirming ──confirm──→ recognised     (above it: maker-checker)
                                           └─send_back─→ forwarded (or appealed, for an appeal)
                 ──reject────→ rejected ──appeal──→ appealed ──recognise / reject──→ …
       recognised ──revoke──→ revoked      recognised ──expire──→ expired

``deposited`` is the learner's own draft: they edit it, change its evidence or delete it.
``returned`` waits for the learner's answer (they may add evidence). Every step writes an
``AchievementEvent`` (the history the learner reads), an audit event and a notice.
"""

from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services.notices import notice_language, notice_send
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition

from ..models import ACHIEVEMENT_TRANSITIONS, Achievement, AchievementEvent

Status = Achievement.Status

# Statuses in which the learner may add or remove evidence.
EVIDENCE_OPEN = frozenset({Status.DEPOSITED, Status.RETURNED})


def require_status(achievement: Achievement, action: str | frozenset[str]) -> None:
    """Refuse ``action`` (or anything but the statuses given) unless the achievement is in a
    status it may start from."""
    allowed = ACHIEVEMENT_TRANSITIONS[action][0] if isinstance(action, str) else action
    if achievement.status not in allowed:
        raise IllegalTransition(
            _("An achievement that is “%(status)s” cannot be changed this way.")
            % {"status": achievement.get_status_display()},
            code="illegal_transition",
        )


def lock(achievement: Achievement) -> Achievement:
    """The achievement's row, locked until the transaction ends: of two concurrent steps on
    one achievement, the second sees the status the first left and is refused."""
    return (
        Achievement.objects.select_for_update(of=("self",))
        .select_related("account__user", "category", "issuer_institution", "recognition")
        .get(pk=achievement.pk)
    )


def record_step(
    achievement: Achievement,
    *,
    action: str,
    actor,
    role: str = "",
    unit: str = "",
    note: str = "",
    status: str | None = None,
    fields: tuple[str, ...] = (),
    audit: dict | None = None,
    notice: Callable[[], tuple[str, str]] | None = None,
) -> AchievementEvent:
    """Move ``achievement`` (locked by the caller) to ``status`` (default: where ``action``
    leads), save it with ``fields``, and write the history entry, the audit event and the
    learner's notice, all in the caller's transaction (the e-mail goes after commit).

    ``notice`` makes the notice's title and body; it is called in the learner's language
    (``notice_language``), not in that of the member of staff whose page took the step."""
    before = achievement.status
    after = status or ACHIEVEMENT_TRANSITIONS[action][1]
    now = timezone.now()
    achievement.status = after
    achievement.status_changed_at = now
    achievement.save(update_fields=[*fields, "status", "status_changed_at", "updated_at"])
    event = history_add(achievement, action=action, actor=actor, role=role, unit=unit, note=note)
    audit_record(
        actor=actor,
        action=f"achievement.{action}",
        target=achievement,
        before={"status": before},
        after={"status": after, **(audit or {})},
        note=note[:500],
    )
    if notice is not None:
        with notice_language():
            title, body = notice()
        notice_send(
            user=achievement.account.user,
            title=title,
            body=body,
            link=reverse("achievements:achievement_detail", args=[achievement.pk]),
        )
    return event


def history_add(
    achievement: Achievement, *, action: str, actor, role: str = "", unit: str = "", note: str = ""
) -> AchievementEvent:
    """One entry in the achievement's history, stamped with its current status."""
    return AchievementEvent.objects.create(
        achievement=achievement,
        action=action,
        status=achievement.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=role,
        actor_unit=unit[:120],
        note=note,
        created_at=achievement.status_changed_at,
    )
