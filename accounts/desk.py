"""The desk (工作台): what waits for a person, gathered from every app through one registry.

Each app registers its to-dos from its ``AppConfig.ready`` (as ``branches`` registers its role
provider in ``accounts.roles``): a key, a label, the roles that may act on it, a count function
and the URL of its queue. A later queue joins every desk by one ``todo_register`` call; the
desk's template only loops. Sections that are not counts — the learner's account and
applications, what the quality roles can do today — register the same way (``section_register``)
with a partial template and a function that gives its context.

A count function takes the user and returns ``tally(queryset, since_field, due_working_days)``:
the items its queue shows to that user (the same scoping: a count equals the rows of the queue)
and the field and deadline that make one overdue (``None``: nothing has a deadline). It reads
nothing itself: ``desk_rows`` counts every to-do of the desk in one query, whatever their number
and the data (a count function may also return a ready ``Tally(count, overdue)``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from creditbank.workdays import overdue_before

from .cache import desk_total_key, user_state
from .roles import roles_of


@dataclass(frozen=True)
class Tally:
    count: int
    overdue: int | None = None


@dataclass(frozen=True)
class Todo:
    """One kind of to-do. ``roles``: the role names that may act on it (``None``: anyone
    signed in — the count function then says whether there is anything); ``url_name`` (and
    ``query``, e.g. ``"status=submitted"``): its queue; ``order``: its place on the desk."""

    key: str
    label: str | Promise
    roles: frozenset[str] | None
    count: Callable[..., "Waiting | Tally"]
    url_name: str
    query: str = ""
    order: int = 100
    hint: str | Promise = ""

    @property
    def url(self) -> str:
        url = reverse(self.url_name)
        return f"{url}?{self.query}" if self.query else url


@dataclass(frozen=True)
class Section:
    """A part of the desk that is not a count: ``template`` rendered with ``context(user)``
    (``None``: nothing to show for this user)."""

    key: str
    template: str
    roles: frozenset[str] | None
    context: Callable[..., dict | None]
    order: int = 100


_todos: dict[str, Todo] = {}
_sections: dict[str, Section] = {}


def todo_register(todo: Todo) -> None:
    """Add ``todo`` to every desk of those who may act on it (registering a key again
    replaces it, so that ``ready()`` may run twice)."""
    _todos[todo.key] = todo


def section_register(section: Section) -> None:
    _sections[section.key] = section


def _mine(items, user):
    roles = roles_of(user)
    return sorted(
        (item for item in items if item.roles is None or item.roles & roles),
        key=lambda item: (item.order, item.key),
    )


def todos_of(user) -> list[Todo]:
    """The to-dos ``user`` may act on (by role), in desk order."""
    return _mine(_todos.values(), user) if user.is_authenticated else []


@dataclass(frozen=True)
class DeskRow:
    todo: Todo
    tally: Tally


def desk_rows(user) -> list[DeskRow]:
    """Each of ``user``'s to-dos with its count; a to-do open to everyone (``roles=None``)
    appears only when something waits. Stores the total for the header (``todo_total``)."""
    todos = todos_of(user)
    tallies = tallies_read([todo.count(user) for todo in todos])
    rows = [
        DeskRow(todo, found)
        for todo, found in zip(todos, tallies, strict=True)
        if todo.roles is not None or found.count
    ]
    total = sum(row.tally.count for row in rows)
    cache.set(desk_total_key(user.pk), total, settings.CREDITBANK_DESK_TOTAL_SECONDS)
    user._cb_desk_total = total
    return rows


def todo_total(user) -> int:
    """The number of items waiting for ``user``, for the header: cached for
    ``CREDITBANK_DESK_TOTAL_SECONDS`` (and refreshed whenever the desk is shown), since it
    sums every queue's count; read with the person's other cached state (``accounts.cache``)."""
    if not user.is_authenticated:
        return 0
    user_state(user)
    total = getattr(user, "_cb_desk_total", None)
    if total is None:
        total = sum(row.tally.count for row in desk_rows(user))
        user._cb_desk_total = total
    return total


def sections_of(user) -> list[tuple[Section, dict]]:
    """The desk's other sections for ``user``, each with its context."""
    if not user.is_authenticated:
        return []
    found = []
    for section in _mine(_sections.values(), user):
        context = section.context(user)
        if context is not None:
            found.append((section, context))
    return found


# --- Helpers for count functions -------------------------------------------------------------


def overdue_since(due_working_days: int) -> datetime:
    """The moment before which an item that arrived has waited more than ``due_working_days``
    working days today (``creditbank.workdays``): start of that day, in the portal's zone."""
    day = overdue_before(timezone.localdate(), due_working_days)
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Waiting:
    """A count not read yet (``tally``): the items, and what makes one overdue."""

    queryset: QuerySet
    since_field: str
    due_working_days: int | None


def tally(queryset, since_field: str, due_working_days: int | None) -> Waiting:
    """The items of ``queryset`` and, with a deadline, those whose ``since_field`` is overdue;
    read with the desk's other counts (``tallies_read``)."""
    return Waiting(queryset, since_field, due_working_days)


def tallies_read(found: list) -> list[Tally]:
    """``Tally`` for each ``Waiting`` of ``found`` (a ``Tally`` stays as it is), all in one
    query: each count is a one-row aggregate over its queryset's own SQL, and the rows are
    joined side by side (an aggregate without GROUP BY always gives exactly one row)."""
    found, parts, params = list(found), [], []
    for number, item in enumerate(found):
        if not isinstance(item, Waiting):
            continue
        inner = item.queryset.order_by().values(waiting_since=F(item.since_field))
        try:
            sql, inner_params = inner.query.sql_with_params()
        except EmptyResultSet:  # e.g. ``.none()``, or ``__in`` an empty list
            found[number] = Tally(0, None if item.due_working_days is None else 0)
            continue
        if item.due_working_days is None:
            overdue, overdue_params = "NULL::bigint", []
        else:
            overdue = "COUNT(*) FILTER (WHERE s.waiting_since < %s)"
            overdue_params = [overdue_since(item.due_working_days)]
        # Only Django's compiled SQL and fixed text: every value travels as a parameter.
        parts.append(f"(SELECT COUNT(*), {overdue} FROM ({sql}) s) t{number}")  # noqa: S608
        params += [*overdue_params, *inner_params]
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM " + " CROSS JOIN ".join(parts), params)  # noqa: S608
        row = iter(cursor.fetchone())
    return [Tally(next(row), next(row)) if isinstance(item, Waiting) else item for item in found]


# --- The accounts app's own to-dos and sections (registered by AccountsConfig.ready) ---------


def institution_applications(user) -> Waiting:
    """Applications a centre administrator may decide: all that wait, but those they applied
    for or work for (``access.institution_actions``)."""
    from .models import Institution

    waiting = (
        Institution.objects.filter(status=Institution.Status.APPLIED)
        .exclude(applied_by=user)
        .exclude(pk__in=user.institution_roles.values("institution_id"))
    )
    return tally(waiting, "created_at", settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS)


def invitations_waiting(user):
    """Invitations sent to one of the person's verified e-mail addresses that they may still
    accept (``services.institutions.invitation_check``), oldest first: on their "my
    institutions" page and counted on the desk."""
    from allauth.account.models import EmailAddress
    from django.db.models import Exists, OuterRef

    from .models import Institution, InstitutionInvitation
    from .services.institutions import INVITATION_VALID_FOR

    addresses = EmailAddress.objects.filter(
        user_id=user.pk, verified=True, email__iexact=OuterRef("email")
    )
    return InstitutionInvitation.objects.filter(
        Exists(addresses),
        accepted_at__isnull=True,
        token_hash__isnull=False,
        created_at__gt=timezone.now() - INVITATION_VALID_FOR,
        institution__status=Institution.Status.APPROVED,
    ).order_by("created_at", "pk")


def invitations_to_accept(user) -> Waiting:
    """No deadline of the bank's: an invitation expires instead."""
    return tally(invitations_waiting(user), "created_at", None)


def quality_roles_today(user) -> dict:
    from .roles import COMMITTEE_MEMBER, QUALITY_AUDITOR

    roles = roles_of(user)
    return {"auditor": QUALITY_AUDITOR in roles, "committee": COMMITTEE_MEMBER in roles}


def register_accounts_desk() -> None:
    from django.utils.translation import gettext_lazy as _

    from .roles import CENTRE_ADMIN, COMMITTEE_MEMBER, QUALITY_AUDITOR

    todo_register(
        Todo(
            "institution_applications",
            _("Institution applications"),
            frozenset({CENTRE_ADMIN}),
            institution_applications,
            "accounts:institution_list",
            query="status=applied",
            order=60,
        )
    )
    todo_register(
        Todo(
            "invitations",
            _("Invitations to accept"),
            None,
            invitations_to_accept,
            "accounts:institution_mine",
            order=90,
            hint=_("Open the link in the invitation e-mail to accept."),
        )
    )
    section_register(
        Section(
            "quality_today",
            "accounts/_desk_quality.html",
            frozenset({QUALITY_AUDITOR, COMMITTEE_MEMBER}),
            quality_roles_today,
            order=50,
        )
    )
