"""What every page reads of the signed-in person — their role names, their learning account's
number and status, the count of unread notices, whether they set up two-factor authentication —
kept in the cache, so that a page pays one cache read for it instead of five queries; and the
header's to-do total (``accounts.desk``) read in the same round trip.

The entry is dropped whenever what it holds changes: a role granted or revoked, an
institution's staff or a branch's postings changed, a learning account opened or its status
changed, a notice sent or read, an authenticator added or removed. The rows of those tables are
written with ``save()`` and ``delete()`` (by services, allauth, the demo and the bench data), so
receivers of their ``post_save``/``post_delete`` drop the person's entry
(``watch``; a higher app watches its own model, as ``branches`` does for
``StaffAssignment``). A write that bypasses them — ``QuerySet.update()``, as
``notices_mark_read`` does — calls ``user_changed`` itself. The entry is dropped at once and
again after the transaction commits, so that a page that read the old rows while the transaction
was open cannot cache them for longer. It also expires after ``CREDITBANK_USER_STATE_SECONDS``
whatever happens (0: nothing is cached).
"""

import zlib
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def state_key(user_id: int) -> str:
    # The fields of UserState are in the key: an entry cached by a release with other fields
    # is never read by this one.
    return f"user-state:{_STATE_VERSION}:{user_id}"


def desk_total_key(user_id: int) -> str:
    return f"desk-total:{user_id}"


@dataclass(frozen=True)
class AccountSummary:
    """What the header shows of a learning account (not the account row: its ID number and the
    rest stay in the database)."""

    pk: int
    account_number: str
    status: str

    def get_status_display(self) -> str:
        from .models import LearnerAccount

        return str(LearnerAccount.Status(self.status).label)


@dataclass(frozen=True)
class UserState:
    role_names: frozenset[str]  # as stored (accounts.roles adds ``learner`` and superusers')
    account: AccountSummary | None
    unread: int
    totp: bool  # two-factor authentication set up (staff must have it: StaffMfaMiddleware)

    @property
    def has_learning_account(self) -> bool:
        return self.account is not None


_STATE_VERSION = zlib.crc32(
    " ".join(f.name for f in fields(UserState) + fields(AccountSummary)).encode()
)


def _read(user) -> UserState:
    from allauth.mfa.models import Authenticator

    from .models import LearnerAccount, Notice
    from .roles import stored_role_names

    row = (
        LearnerAccount.objects.filter(user=user)
        .values_list("pk", "account_number", "status")
        .first()
    )
    return UserState(
        role_names=stored_role_names(user),
        account=AccountSummary(*row) if row else None,
        unread=Notice.objects.filter(user=user).unread().count(),
        totp=Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
    )


def user_state(user, *, fresh: bool = False) -> UserState:
    """The person's ``UserState``: read once per request (kept on the user object; ``fresh``
    reads again), from the cache where it is, else from the database and then cached. The
    header's to-do total comes in the same cache read (``accounts.desk.todo_total``)."""
    if not fresh:
        memo = getattr(user, "_cb_state", None)
        if memo is not None:
            return memo
    key, total_key = state_key(user.pk), desk_total_key(user.pk)
    seconds = settings.CREDITBANK_USER_STATE_SECONDS
    # 0: the person is not cached at all (``make bench`` compares the two).
    wanted = [key, total_key] if seconds > 0 else [total_key]
    found = cache.get_many(wanted)
    state = found.get(key)
    if state is None:
        state = _read(user)
        if seconds > 0:
            cache.set(key, state, seconds)
    user._cb_state = state
    user._cb_desk_total = found.get(total_key)
    return state


def user_changed(user_id: int) -> None:
    """Forget what is cached of user ``user_id`` (roles, learning account, unread notices, the
    to-do total): now, and again when the current transaction commits. Call it after a write
    that changes any of these without ``save()`` or ``delete()`` on the model (``update()``)."""
    users_changed([user_id])


# Keys dropped per round trip when many people changed at once (a result batch's notices).
FORGET_BATCH = 1000


def users_changed(user_ids) -> None:
    """``user_changed`` for many people (a set-based write, e.g. one notice to each learner of
    a result batch), ``FORGET_BATCH`` keys a round trip."""
    keys = [key for pk in user_ids for key in (state_key(pk), desk_total_key(pk))]

    def forget():
        for start in range(0, len(keys), FORGET_BATCH):
            cache.delete_many(keys[start : start + FORGET_BATCH])

    forget()
    transaction.on_commit(forget, robust=True)


def _row_changed(sender, instance, **kwargs):
    user_id = getattr(instance, "user_id", None)
    if user_id is not None:
        user_changed(user_id)


def watch(model) -> None:
    """Drop the entry of a row's person whenever a row of ``model`` (with a ``user`` foreign
    key) is saved or deleted."""
    uid = f"accounts.cache:{model._meta.label}"
    post_save.connect(_row_changed, sender=model, dispatch_uid=f"{uid}:save", weak=False)
    post_delete.connect(_row_changed, sender=model, dispatch_uid=f"{uid}:delete", weak=False)


def connect_invalidation() -> None:
    from allauth.mfa.models import Authenticator

    from .models import InstitutionStaff, LearnerAccount, Notice, RoleGrant

    for model in (RoleGrant, InstitutionStaff, LearnerAccount, Notice, Authenticator):
        watch(model)
