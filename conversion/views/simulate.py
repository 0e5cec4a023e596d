"""The what-if simulator (模拟转换): what a learner's recognised achievements — or, for a visitor,
what they say they hold — would convert into at a programme today, course by course, and why.
Nothing is saved; the learner may then apply for the lines that may be applied for.

With htmx, changing a choice re-renders the simulator's region (the pickers and the result) and
the view answers with that partial; without script the same forms submit and the whole page
comes back.
"""

import dataclasses

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.models import LearnerAccount
from accounts.roles import LEARNER, learning_account_of
from creditbank.errors import ServiceError

from .. import engine, selectors
from ..forms.simulate import ApplyForm, SimulateForm, VisitorSimulateForm, visitor_holdings
from ..services.applications import application_submit
from ..simulation import achievement_id, simulate
from ..source import iter_atoms

REGION = "simulate-region"


def _partial(request) -> bool:
    return bool(request.htmx) and request.htmx.target == REGION


def known_names(trace: dict, situation):
    """``conversion.trace.names_for`` for ``trace``, without reading again what ``situation``
    (the engine's input) already holds: the programme's course codes and names, the rule
    versions in force (number, version, source) and the holdings' titles. Only what the
    atoms name (and anything not in the situation) is read."""
    from .. import trace as trace_text

    courses = {course.id: (course.code, course.name) for course in situation.courses}
    versions = {
        rule.version_id: (rule.number, rule.version, rule.source) for rule in situation.rules
    }
    holdings = trace.get("holdings") or {}
    bare = []
    for line in trace["lines"]:
        reasons = []
        for reason in line.get("reasons") or ():
            reason = dict(reason)
            if reason.get("course_id") in courses:
                del reason["course_id"]
            if reason.get("version_id") in versions:
                del reason["version_id"]
            if reason.get("holding") in holdings:
                del reason["holding"]
            reasons.append(reason)
        version = versions.get(line.get("version_id"))
        if version is not None:
            # What names_for would read from the version's source: its atoms.
            reasons.extend({"atom": atom} for _path, atom in iter_atoms(version[2]))
        bare.append(
            {
                "course_id": None if line.get("course_id") in courses else line.get("course_id"),
                "version_id": None if version is not None else line.get("version_id"),
                "holding_ids": [h for h in line.get("holding_ids") or () if h not in holdings],
                "reasons": reasons,
            }
        )
    names = trace_text.names_for([{"lines": bare}])
    names.courses = {**courses, **names.courses}
    names.versions = {**versions, **names.versions}
    return names


def outcome_rows(
    trace: dict, courses: dict, *, applicable: set | None = None, names=None
) -> list[dict]:
    """Each line of an outcome's ``trace`` with what ``conversion/_outcome_line.html`` shows:
    the course row (``courses``: course id → anything with ``code``, ``name``, ``credits``),
    the reasons and what is missing as sentences, and whether it may be applied for. ``names``:
    what the sentences name, if already read (else ``names_for`` reads it)."""
    from .. import trace as trace_text

    names = names if names is not None else trace_text.names_for([trace])
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


# A miss in the compact list: one short phrase from its reasons (the first that applies), no
# names read. The full sentences are one link away (``?course=<pk>``).
MISS_PHRASES = (
    ("no_rule", _lazy("no rule grants it")),
    ("holding_converted", _lazy("already converted or applied for")),
    ("holding_used_elsewhere", _lazy("what you hold is used by another rule")),
    ("certificate_cap", _lazy("the certificate cap is reached")),
    ("atom_too_old", _lazy("an achievement is too old")),
    ("atom_result_low", _lazy("a result is too low")),
)


def miss_phrase(codes) -> str:
    """The short phrase for a miss whose reasons have the codes ``codes``."""
    for code, phrase in MISS_PHRASES:
        if code in codes:
            return str(phrase)
    return _("nothing you hold meets it")


def result_rows(
    outcome, situation, *, chosen=(), why: int | None = None
) -> tuple[dict, list[dict], list[dict]]:
    """The engine's ``outcome`` for the page: its trace with only the lines shown in full
    (match, partial, converted, and the miss asked about with ``why``), those lines with their
    sentences (the names read once for them), and the other misses in short: course, one
    phrase. The misses are never turned into trace data or sentences."""
    courses = {course.id: course for course in situation.courses}
    full_lines, misses = [], []
    for line in outcome.lines:
        if line.status == engine.MISS and line.course_id != why:
            misses.append(
                {
                    "course_id": line.course_id,
                    "course": courses.get(line.course_id),
                    "phrase": miss_phrase({reason.code for reason in line.reasons}),
                }
            )
        else:
            full_lines.append(line)
    trace = dataclasses.replace(outcome, lines=tuple(full_lines)).trace()
    applicable = {line.course_id for line in full_lines if line.applicable}
    rows = outcome_rows(trace, courses, applicable=applicable, names=known_names(trace, situation))
    chosen = set(chosen)
    for row in rows:
        row["checked"] = row["applicable"] and row["line"]["course_id"] in chosen
    return trace, rows, misses


def _unused(trace: dict) -> list[dict]:
    """The holdings no line uses: their titles and, for an achievement, its page."""
    holdings = trace.get("holdings") or {}
    marker = "2147483647"  # reverse once, not once per achievement
    pattern = reverse("achievements:achievement_detail", args=[marker])
    found = []
    for holding in trace.get("unused") or []:
        facts = holdings.get(holding) or {}
        pk = achievement_id(holding)
        found.append(
            {
                "title": facts.get("title", ""),
                "achievement": pk,
                "url": pattern.replace(marker, str(pk)) if pk is not None else "",
            }
        )
    return found


def _why(params) -> int | None:
    """The miss whose reasons were asked for (``course=<pk>``)."""
    value = (params.get("course") or "").strip() if params else ""
    return int(value) if value.isdigit() and len(value) < 10 else None


def _why_links(context: dict, params) -> None:
    """Each miss's "why" link: this page's query with ``course=<its pk>``, at its line."""
    params = params.copy() if params else QueryDict(mutable=True)
    params.pop("course", None)
    query = f"?{params.urlencode()}&course=" if params else "?course="
    for miss in context.get("misses") or ():
        pk = str(miss["course_id"])
        miss["href"] = f"{query}{pk}#outcome-{pk}"


def _result(programme, *, account=None, visitor=(), chosen=(), why=None) -> dict:
    situation, outcome = simulate(
        programme, selectors.today(), **({"account": account} if account else {"visitor": visitor})
    )
    trace, rows, misses = result_rows(outcome, situation, chosen=chosen, why=why)
    return {
        "programme": programme,
        "rows": rows,
        "misses": misses,
        "why": why,
        "headroom": trace["headroom"],
        "unused": _unused(trace),
        "any_applicable": any(row["applicable"] for row in rows),
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
        context.update(
            _result(
                form.cleaned_data["programme"], account=account, chosen=chosen, why=_why(params)
            )
        )
    _why_links(context, params)
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
            context.update(
                _result(form.cleaned_data["programme"], visitor=held, why=_why(request.GET))
            )
    _why_links(context, request.GET)
    if _partial(request):
        return render(request, "conversion/_simulate_region.html", context)
    return render(request, "conversion/simulate_public.html", context)


def _query(request, *, holds: list[str]) -> str:
    params = request.GET.copy()
    for name in ("hold", "q", "course"):
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
