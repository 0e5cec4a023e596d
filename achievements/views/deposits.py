"""Pages of deposits (存储): a learner's achievements and their evidence, and institutions'
clerks depositing for learners."""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import role_required
from accounts.models import LearnerAccount
from accounts.roles import learning_account_of
from creditbank.errors import ServiceError

from .. import services
from ..access import (
    achievement_for,
    allowed_actions,
    appeal_deadline,
    clerk_institutions,
    evidence_for,
)
from ..forms.deposits import (
    AccountLookupForm,
    AchievementFilterForm,
    AchievementForm,
    ClerkDepositForm,
    DepositForm,
    EvidenceForm,
)
from ..forms.review import AnswerForm, AppealForm
from ..forms.standards import ConfirmForm
from ..models import Achievement, AchievementEvent, CreditEntry

LEARNER = "learner"
CLERK = "institution_clerk"


def _refuse(form, exc: ServiceError) -> None:
    field = form.field_for(exc.field) if hasattr(form, "field_for") else exc.field
    if field not in form.fields:
        field = None
    form.add_error(field, ValidationError(exc.message, code=exc.code))


def _page(request, items):
    return Paginator(items, 20).get_page(request.GET.get("page"))


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def masked_name(name: str) -> str:
    """张三 → 张*, 买买提·艾力 → 买*****: enough for a clerk to confirm, no more."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


# What the archive shows of each achievement, of each step of its history (the learner's view
# names the capacity a step was taken in, never the person) and of each ledger entry.
ARCHIVE_CARD_FIELDS = (
    "title",
    "status",
    "obtained_on",
    "issuer_name",
    "category__name_zh",
    "category__name_en",
    "issuer_institution__name",
    "recognition__credits",
)
ARCHIVE_EVENT_FIELDS = (
    "achievement",
    "action",
    "status",
    "actor_role",
    "actor_unit",
    "note",
    "created_at",
)
# A card is valid for as long as its key says nothing changed; the day bounds the cache's size.
ARCHIVE_CARD_SECONDS = 24 * 60 * 60
# What a card key is read from: everything on a card that can change without the
# achievement's updated_at (the names the centre may correct).
ARCHIVE_CARD_KEY_FIELDS = (
    "pk",
    "updated_at",
    "category__name_zh",
    "category__name_en",
    "issuer_institution__name",
)
STATEMENT_FIELDS = (
    "created_at",
    "kind",
    "amount",
    "field",
    "achievement__title",
    "level__number",
)


@functools.cache
def card_render_version() -> str:
    """A digest of what turns an achievement into its card — the card's templates, the
    translations, and the code that names statuses, steps and roles — so that a release that
    changes any of them never serves a card cached by the one before."""
    from accounts import roles

    from .. import models

    sources = [
        Path(get_template(name).origin.name)
        for name in ("achievements/_archive_card.html", "achievements/_history.html")
    ]
    sources += sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.mo"))
    sources += [Path(models.__file__), Path(roles.__file__)]
    digest = hashlib.blake2b(digest_size=6)
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def archive_cards(rows) -> list[str]:
    """The archive's card of each achievement in ``rows`` (``ARCHIVE_CARD_KEY_FIELDS``),
    history included, as HTML: from the cache where it holds the card of the achievement as
    it is now, else rendered and cached — those achievements and their history read in two
    queries for all of them.

    The key holds all a card depends on: every change of an achievement — each step of its
    history included — moves its ``updated_at``; the category's and the issuing
    institution's names, which the centre may correct, go in as a digest; and so do the
    language, the time zone and ``card_render_version()``.
    """
    language, zone = translation.get_language(), timezone.get_current_timezone_name()
    suffix = f"{language}:{zone}:{card_render_version()}"
    keys = {}
    for row in rows:
        names = "\x1f".join(
            (row.category__name_zh, row.category__name_en, row.issuer_institution__name or "")
        )
        digest = hashlib.blake2b(names.encode(), digest_size=8).hexdigest()
        keys[row.pk] = f"archive-card:{row.pk}:{row.updated_at.timestamp()}:{digest}:{suffix}"
    cards = cache.get_many(keys.values())
    missing = [pk for pk, key in keys.items() if key not in cards]
    if missing:
        # The timeline's order, without the people behind the steps (not shown to learners).
        events = (
            AchievementEvent.objects.timeline().select_related(None).only(*ARCHIVE_EVENT_FIELDS)
        )
        achievements = (
            Achievement.objects.filter(pk__in=missing)
            .select_related("category", "issuer_institution", "recognition")
            .only(*ARCHIVE_CARD_FIELDS)
            .prefetch_related(Prefetch("events", queryset=events))
        )
        rendered = {
            keys[a.pk]: render_to_string("achievements/_archive_card.html", {"achievement": a})
            for a in achievements
        }
        cache.set_many(rendered, ARCHIVE_CARD_SECONDS)
        cards |= rendered
    return [cards[key] for key in keys.values()]


# --- The learner ------------------------------------------------------------------------------


@role_required(LEARNER)
@require_GET
def archive(request):
    """The lifelong learning archive (终身学习档案): the credit balance by level and field,
    every achievement with its status and history (filtered by category, status and year),
    and the statement of ledger entries — each list paginated, in a fixed number of queries."""
    account = learning_account_of(request.user)
    form = AchievementFilterForm(request.GET or None)
    context = {"account": account, "form": form, "query": _query(request)}
    if account is not None:
        # The page of achievements is read as keys; their cards come from the cache.
        achievements = Achievement.objects.for_account(account).values_list(
            *ARCHIVE_CARD_KEY_FIELDS, named=True
        )
        if form.is_valid():
            achievements = form.filter(achievements)
        # The ledger only grows (the database refuses UPDATE and DELETE on it), so its number
        # of entries and its last entry name its state: the balance and the statement are
        # cached under them (archive.html) and computed only when they are not there.
        ledger = CreditEntry.objects.for_account(account).aggregate(
            entries=Count("pk"), last=Max("pk")
        )
        statement = CreditEntry.objects.for_account(account).statement().only(*STATEMENT_FIELDS)
        entries = Paginator(statement.order_by("-created_at", "-id"), 20)
        entries.count = ledger["entries"]  # known: no second count
        params = request.GET.copy()
        params.pop("entries", None)
        page = _page(request, achievements)
        context.update(
            page=page,
            cards=archive_cards(page),
            ledger_state=f"{ledger['entries']}.{ledger['last']}",
            balance=SimpleLazyObject(lambda: services.balance_of(account)),
            statement=entries.get_page(request.GET.get("entries")),
            statement_query=params.urlencode(),
        )
    return render(request, "achievements/archive.html", context)


@role_required(LEARNER)
@require_http_methods(["GET", "POST"])
def achievement_deposit(request):
    account = LearnerAccount.objects.filter(user=request.user).first()
    form = DepositForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and account is not None and form.is_valid():
        try:
            achievement = services.achievement_deposit(
                acting_user=request.user,
                account=account,
                files=form.cleaned_data["files"],
                **form.facts(),
            )
        except ServiceError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("The achievement was deposited in your learning account."))
            return redirect("achievement_detail", pk=achievement.pk)
    context = {"form": form, "account": account}
    return render(request, "achievements/achievement_deposit.html", context)


def _detail(request, achievement, *, evidence_form=None, refused=None, bound=None, status=200):
    owner = achievement.account.user_id == request.user.pk
    allowed = allowed_actions(request.user, achievement) if owner else set()
    deadline = appeal_deadline(achievement) if owner else None
    steps = {
        action: (bound or {}).get(action) or LEARNER_STEP_FORMS[action]()
        for action in LEARNER_STEP_FORMS
        if action in allowed
    }
    context = {
        "achievement": achievement,
        "evidence": list(achievement.evidence.select_related("uploaded_by")),
        "events": list(achievement.events.timeline()),
        "decision": _last_decision(achievement),
        "owner": owner,
        "can_edit": owner and achievement.status == Achievement.Status.DEPOSITED,
        "can_change_evidence": owner and achievement.status in services.EVIDENCE_OPEN,
        "evidence_form": evidence_form or EvidenceForm(),
        "refused": refused,
        "steps": steps,
        "appeal_deadline": deadline,
    }
    return render(request, "achievements/achievement_detail.html", context, status=status)


def _last_decision(achievement):
    return (
        achievement.decisions.select_related("unit_standard", "level")
        .order_by("-decided_at", "-pk")
        .first()
    )


LEARNER_STEP_FORMS = {"submit": ConfirmForm, "resubmit": AnswerForm, "appeal": AppealForm}
LEARNER_STEP_SERVICES = {
    "submit": services.achievement_submit,
    "resubmit": services.achievement_resubmit,
    "appeal": services.achievement_appeal,
}
LEARNER_STEP_DONE = {
    "submit": gettext_lazy("Your application for recognition was sent to the branch centre."),
    "resubmit": gettext_lazy("Your answer was sent; the branch centre checks it again."),
    "appeal": gettext_lazy("Your appeal was sent; an expert will decide."),
}


@login_required
@require_POST
def achievement_step(request, pk, action: str):
    """The learner applies for recognition, answers a return or appeals a rejection."""
    achievement = achievement_for(request.user, pk, write=True)
    form = LEARNER_STEP_FORMS[action](request.POST)
    if form.is_valid():
        try:
            LEARNER_STEP_SERVICES[action](
                acting_user=request.user, achievement=achievement, **form.cleaned_data
            )
        except ServiceError as exc:
            if exc.field in form.fields:
                _refuse(form, exc)
                return _detail(request, achievement, bound={action: form})
            return _detail(request, achievement, bound={action: form}, refused=_refused(exc))
        messages.success(request, str(LEARNER_STEP_DONE[action]))
        return redirect("achievement_detail", pk=achievement.pk)
    return _detail(request, achievement, bound={action: form})


@login_required
@require_GET
def achievement_detail(request, pk):
    return _detail(request, achievement_for(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def achievement_edit(request, pk):
    achievement = achievement_for(request.user, pk, write=True)
    initial = {
        "category": achievement.category_id,
        "title": achievement.title,
        "issuer_institution": achievement.issuer_institution_id,
        "issuer_name": achievement.issuer_name,
        "obtained_on": achievement.obtained_on,
        "result_kind": achievement.result_kind,
        AchievementForm.RESULT_FIELDS[achievement.result_kind]: achievement.result_value,
        "hours": achievement.hours,
        "original_credits": achievement.original_credits,
        "certificate_number": achievement.certificate_number,
    }
    form = AchievementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.achievement_update(
                acting_user=request.user, achievement=achievement, **form.facts()
            )
        except ServiceError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("The achievement was saved."))
            return redirect("achievement_detail", pk=achievement.pk)
    context = {"form": form, "achievement": achievement}
    return render(request, "achievements/achievement_edit.html", context)


def _refused(exc: ServiceError) -> ConfirmForm:
    form = ConfirmForm({})
    form.is_valid()
    form.add_error(None, ValidationError(exc.message, code=exc.code))
    return form


@login_required
@require_POST
def achievement_delete(request, pk):
    achievement = achievement_for(request.user, pk, write=True)
    try:
        services.achievement_delete(acting_user=request.user, achievement=achievement)
    except ServiceError as exc:
        return _detail(request, achievement, refused=_refused(exc))
    messages.success(request, _("The deposit was deleted with its evidence."))
    return redirect("archive")


@login_required
@require_POST
def evidence_add(request, pk):
    achievement = achievement_for(request.user, pk, write=True)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                acting_user=request.user, achievement=achievement, files=form.cleaned_data["files"]
            )
        except ServiceError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("The evidence was added."))
            return redirect("achievement_detail", pk=achievement.pk)
    return _detail(request, achievement, evidence_form=form)


@login_required
@require_POST
def evidence_remove(request, pk):
    evidence = evidence_for(request.user, pk, write=True)
    try:
        services.evidence_remove(acting_user=request.user, evidence=evidence)
    except ServiceError as exc:
        return _detail(request, evidence.achievement, refused=_refused(exc))
    messages.success(request, _("The evidence file was removed."))
    return redirect("achievement_detail", pk=evidence.achievement_id)


@login_required
@require_GET
def evidence_download(request, pk):
    """An evidence file, as a download that is never cached, sniffed or rendered inline."""
    evidence = evidence_for(request.user, pk)
    extension = evidence.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=f"evidence-{evidence.pk}.{extension}",
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Institutions' clerks ---------------------------------------------------------------------


@role_required(CLERK)
@require_GET
def achievement_clerk_list(request):
    """The deposits this clerk made for learners, newest first."""
    achievements = (
        Achievement.objects.filter(deposited_by=request.user)
        .exclude(account__user=request.user)
        .select_related("category", "issuer_institution", "account")
        .order_by("-created_at", "-pk")
    )
    context = {"page": _page(request, achievements), "query": ""}
    return render(request, "achievements/clerk_list.html", context)


@role_required(CLERK)
@require_http_methods(["GET", "POST"])
def achievement_clerk_deposit(request):
    """Find the learner by account number (the masked name shows once it matches), then
    deposit for them an achievement issued by the clerk's institution."""
    institutions = clerk_institutions(request.user).order_by("name")
    lookup = AccountLookupForm(request.POST or request.GET or None)
    account = None
    if lookup.is_bound and lookup.is_valid():
        account = LearnerAccount.objects.filter(
            account_number=lookup.cleaned_data["account_number"]
        ).first()
        if account is None:
            lookup.add_error("account_number", _("No learning account has this number."))
    form = None
    if account is not None:
        initial = {"account_number": account.account_number}
        if request.method == "POST":
            form = ClerkDepositForm(request.POST, request.FILES, institutions=institutions)
        else:
            form = ClerkDepositForm(initial=initial, institutions=institutions)
        if request.method == "POST" and form.is_valid():
            try:
                achievement = services.achievement_deposit(
                    acting_user=request.user,
                    account=account,
                    files=form.cleaned_data["files"],
                    **form.facts(),
                )
            except ServiceError as exc:
                _refuse(form, exc)
            else:
                messages.success(
                    request, _("The achievement was deposited; the learner has been told.")
                )
                return redirect("achievement_detail", pk=achievement.pk)
    context = {
        "lookup": lookup,
        "account": account,
        "masked_name": masked_name(account.real_name) if account else "",
        "form": form,
        "has_institution": institutions.exists(),
    }
    return render(request, "achievements/clerk_deposit.html", context)
