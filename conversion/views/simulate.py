"""The what-if simulator (模拟转换): what a learner's recognised achievements — or, for a visitor,
what they say they hold — would convert into at a programme today, course by course, and why.
Nothing is saved; the learner may then apply for the lines that may be applied for.

With htmx, changing a choice re-renders the simulator's region (the pickers and the result) and
the view answers with that partial; without script the same forms submit and the whole page
comes back.
"""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.models import LearnerAccount
from accounts.roles import LEARNER, learning_account_of
from creditbank.errors import ServiceError

from .. import selectors
from ..forms.simulate import ApplyForm, SimulateForm, VisitorSimulateForm, visitor_holdings
from ..services.applications import application_submit
from ..simulation import achievement_id, simulate

REGION = "simulate-region"


def _partial(request) -> bool:
    return bool(request.htmx) and request.htmx.target == REGION


def outcome_rows(trace: dict, courses: dict, *, applicable: set | None = None) -> list[dict]:
    """Each line of an outcome's ``trace`` with what ``conversion/_outcome_line.html`` shows:
    the course row (``courses``: course id → anything with ``code``, ``name``, ``credits``),
    the reasons and what is missing as sentences, and whether it may be applied for."""
    from .. import trace as trace_text

    names = trace_text.names_for([trace])
    holdings = trace.get("holdings") or {}
    return [
        {
            "line": line,
            "course": courses.get(line["course_id"]),
            "sentences": trace_text.line_sentences(line, names, holdings=holdings),
            "missing": trace_text.missing_sentences(line, names),
            "applicable": line["course_id"] in (applicable or set()),
        }
        for line in trace["lines"]
    ]


def _unused(trace: dict) -> list[dict]:
    """The holdings no line uses: their titles and, for an achievement, its page."""
    holdings = trace.get("holdings") or {}
    found = []
    for holding in trace.get("unused") or []:
        facts = holdings.get(holding) or {}
        found.append({"title": facts.get("title", ""), "achievement": achievement_id(holding)})
    return found


def _result(programme, *, account=None, visitor=(), chosen=()) -> dict:
    situation, outcome = simulate(
        programme, selectors.today(), **({"account": account} if account else {"visitor": visitor})
    )
    trace = outcome.trace()
    courses = {course.id: course for course in situation.courses}
    applicable = {line.course_id for line in outcome.lines if line.applicable}
    rows = outcome_rows(trace, courses, applicable=applicable)
    for row in rows:
        row["checked"] = row["applicable"] and row["line"]["course_id"] in set(chosen)
    return {
        "programme": programme,
        "rows": rows,
        "headroom": trace["headroom"],
        "unused": _unused(trace),
        "any_applicable": bool(applicable),
    }


def _active_account(user) -> LearnerAccount | None:
    account = learning_account_of(user)
    return account if account is not None and account.status == account.Status.ACTIVE else None


def _learner_page(request, params, *, account, refused=None, chosen=(), status=200):
    form = SimulateForm(params or None, day=selectors.today())
    context = {
        "form": form,
        "account": learning_account_of(request.user),
        "refused": refused,
        "rows": None,
    }
    if account is not None and form.is_bound and form.is_valid() and form.cleaned_data["programme"]:
        context.update(_result(form.cleaned_data["programme"], account=account, chosen=chosen))
    template = "conversion/_simulate_region.html" if _partial(request) else None
    return render(
        request, template or "conversion/simulate.html", context | {"own": True}, status=status
    )


@role_required(LEARNER)
@require_GET
def my_simulate(request):
    """The learner's simulator: an institution, a programme, and what the learner's recognised
    achievements would convert into there today. Learners without an active learning account
    are told how to get one (as the archive does)."""
    return _learner_page(request, request.GET, account=_active_account(request.user))


@role_required(LEARNER)
@require_POST
def application_apply(request):
    """Apply for the chosen lines of the simulation (``application_submit``): the application's
    page on success; the simulator again with the refusal (400) when the service refuses or
    nothing was chosen. A learner without an active account gets the simulator's notice."""
    account = _active_account(request.user)
    params = QueryDict(mutable=True)
    params["programme"] = request.POST.get("programme", "")
    if account is None:
        return _learner_page(request, params, account=None)
    form = ApplyForm(request.POST, day=selectors.today())
    if not form.is_valid():
        refused = [error for errors in form.errors.values() for error in errors]
        chosen = [int(v) for v in request.POST.getlist("course") if v.isdigit() and len(v) < 10]
        return _learner_page(
            request, params, account=account, refused=refused, chosen=chosen, status=400
        )
    try:
        application = application_submit(
            acting_user=request.user,
            programme=form.cleaned_data["programme"],
            course_ids=form.cleaned_data["course"],
        )
    except ServiceError as exc:
        return _learner_page(
            request,
            params,
            account=account,
            refused=[exc.message],
            chosen=form.cleaned_data["course"],
            status=400,
        )
    messages.success(
        request,
        _("Your conversion application %(number)s was submitted.") % {"number": application.number},
    )
    return redirect("conversion:my_application", pk=application.pk)


@require_GET
def simulate_public(request):
    """The public simulator: "I hold X and Y" (repeated ``hold=kind:value``) at a programme, the
    results and dates assumed. Adding or removing one keeps the others (each link carries the
    rest of the query)."""
    held, unknown = visitor_holdings(request.GET.getlist("hold"))
    form = VisitorSimulateForm(request.GET or None, day=selectors.today())
    context = {
        "form": form,
        "held": _held_links(request, held),
        "unknown": unknown,
        "rows": None,
    }
    if form.is_bound and form.is_valid():
        context["options"] = _option_links(request, form.cleaned_data["options"], held)
        context["programme_chosen"] = bool(form.cleaned_data["programme"])
        if form.cleaned_data["programme"] and held:
            context.update(_result(form.cleaned_data["programme"], visitor=held))
    if _partial(request):
        return render(request, "conversion/_simulate_region.html", context)
    return render(request, "conversion/simulate_public.html", context)


def _query(request, *, holds: list[str]) -> str:
    params = request.GET.copy()
    for name in ("hold", "q"):
        params.pop(name, None)
    params.setlist("hold", holds)
    return params.urlencode()


def _held_links(request, held) -> list[dict]:
    """Each thing held, with the query that removes it and keeps the rest."""
    values = [f"{h.kind}:{h.value}" for h in held]
    return [
        {
            "holding": h,
            "value": value,
            "remove": _query(request, holds=[v for v in values if v != value]),
        }
        for h, value in zip(held, values, strict=True)
    ]


def _option_links(request, options, held) -> list[dict]:
    """Each option found for the typed text, with the query that adds it to what is held."""
    values = [f"{h.kind}:{h.value}" for h in held]
    return [
        {
            "holding": option,
            "add": _query(request, holds=[*values, f"{option.kind}:{option.value}"]),
            "held": f"{option.kind}:{option.value}" in values,
        }
        for option in options
    ]
