"""The conversion rule engine (转换引擎): what a learner's holdings convert into at a programme.

A pure module: plain data in, plain data out. No database, no Django, no clock (the application
date is an input). ``evaluate(situation)`` takes a ``Situation`` — the learner's ``Holding``s,
the programme's published ``Rule``s in force on the date, its ``Caps`` and the conversions the
learner already has (``Prior``) — and returns an ``Outcome``: one ``Line`` per target course
(Match / Partial / Miss / Converted, the credits or the exemption, the holdings used and the
``Reason``s), the cap headroom left and the holdings left unused. ``Outcome.trace()`` is the
JSON the applications pin; ``conversion.trace`` puts reasons into sentences (Chinese, English).

Deterministic: the output is the same, byte for byte, whatever the order of the holdings, the
rules, their targets or the prior conversions (everything is sorted by its id first).

How a holding meets an atom (``RuleVersion.source``, format in ``conversion.source``)
--------------------------------------------------------------------------------------
- ``standard``: ``holding.standard == atom["code"]``.
- ``category``: ``holding.category == atom["category"]`` and, with ``min_level``, the holding's
  ``level`` is at least that number.
- ``certificate`` / ``course`` / ``self_study``: the atom's pk or code is in the holding's
  ``certificates`` / ``courses`` / ``subjects`` (the adapter, ``conversion.simulation``, decides
  which certificates, courses and subjects an achievement stands for).
- ``within_years``: obtained on or after the application date less that many calendar years
  (29 February counts back to 28 February). A holding whose date is unknown (a visitor's
  "I hold X") is assumed recent enough, and the reason says so.
- ``min_result`` (grades order 优秀 > 良好 > 中等 > 合格 > 不合格; a score maps to a grade:
  ≥90 优秀, ≥80 良好, ≥70 中等, ≥60 合格, else 不合格; a grade stands for the lowest score of
  its band: 优秀 90, 良好 80, 中等 70, 合格 60, 不合格 0):
  ``pass`` is met by a score ≥ 60, any grade but 不合格, or a pass; ``score n`` by a score ≥ n or
  a grade whose lowest score is ≥ n (a bare pass meets it only when n ≤ 60); ``grade g`` by a
  grade ≥ g or a score whose grade is ≥ g (a bare pass meets it only when g is 合格). A holding
  whose result is unknown (``result_kind == ""``) is assumed to meet it, and the reason says so.

Choosing among rules (documented choice)
----------------------------------------
Rules are taken one at a time, the one granting the most credits first (the sum of its open
targets' credits), then the one with more exemptions, then by rule number and version id. Each
rule takes the holdings its source needs from those not yet used, an exhaustive (bounded) search
for an assignment in which no holding meets two atoms, preferring, for each atom, the holdings
in the order of their ids. A holding used by one rule is never used by another; a target course
granted by one rule is not granted again by a later rule (that rule grants its other targets
only). So an achievement never counts twice, and where two rules want it, the richer rule wins.

The search is depth-first — items of a group in order, for each atom the free holdings in id order,
an "any" / "N of" group taking the first items that can be met together — with backtracking, so
it is exact; a cheap test first (could the tree be met if holdings could be shared?) skips most
rules without searching. It stops after ``SEARCH_BUDGET`` placements (the pigeonhole of 30 atoms
over 50 holdings of one category would otherwise take forever); then the greedy assignment of
``partial`` is used if it meets the rule, and the rule is not met otherwise. (For speed, each
atom's holdings are judged once per run, for every rule naming the same atom, and a source that
is one group of atoms is searched by a shortcut making the same placements in the same order.)

A rule granting several courses grants them all from one set of holdings. A holding is used by
one line only (the database holds an achievement to one active use per institution), so the
holdings go on the first of the rule's granted lines (course code, then id); the rule's other
lines name that course in ``Line.granted_with`` (reason ``granted_with``) and are applied for
together with it (``Outcome.companions_missing``).

A course no rule grants gets the line of the rule that comes closest: the fewest missing atoms
(by a greedy assignment from the holdings still free, taking in an "any" / "N of" group the items
missing least), then the more credits, then the lower version id. Partial when some atom is met,
Miss when none is; ``missing`` lists the atoms to add and the reasons say, atom by atom, which
holding met it, or which holdings stand for it but are too old, have too low a result, are used
by another line, were converted already, or are over the certificate cap.

Caps (``Caps``)
---------------
Applied in that same order, line by line, each cutting the line's credits to what is left:
- ``share``: conversions into the programme may supply at most ``share_percent`` % of its
  ``graduation_credits`` (prior conversions into the programme count);
- ``per_year``: at most that many credits converted at the institution in the calendar year of
  the application date (prior conversions at the institution that year count);
- ``per_source``: at most that many credits from holdings issued by one source institution; a
  line counts in full against every issuer of the holdings it uses (prior conversions count);
- ``certificates``: at most that many certificate holdings (``Holding.is_certificate``) used in
  conversions at the institution (prior ones count); beyond it a certificate holding is not
  available, and the reason says so.
Every ``Prior`` row counts, converted or still open (an open line holds its credits until it is
decided). A holding's issuer unknown ("" or "n"): the per-source cap does not apply to it. A
prior holding the situation does not list counts for no issuer and as no certificate.
An exemption grants no credits, so only the certificate cap can stop it. A line cut to zero
credits is a Miss whose reason names the cap; a rule none of whose lines grants anything uses no
holding (they stay free for other rules).

Availability of a holding
-------------------------
A holding already converted (or in an open application) at the institution — or anywhere, with
``Caps.once_anywhere`` — is not available: its ``Prior`` rows say so. A target course the learner
already has a conversion for (``Prior.course_id``) is ``converted`` and nothing is granted again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal

MATCH = "match"
PARTIAL = "partial"
MISS = "miss"
CONVERTED = "converted"
STATUSES = (MATCH, PARTIAL, MISS, CONVERTED)

CREDITS = "credits"
EXEMPTION = "exemption"


@dataclass(frozen=True)
class Holding:
    """One thing the learner holds: a recognised achievement (``id`` "a<pk>"), or for a visitor a
    hypothetical "I hold X" (``id`` "h<kind>:<value>", result and date unknown)."""

    id: str
    title: str = ""
    category: str = ""  # achievement category code
    level: int | None = None  # qualification framework level number of its recognition
    result_kind: str = ""  # "score" | "grade" | "pass" | "" (unknown)
    result_value: str = ""  # "86", "良好", "pass" / "fail"
    obtained_on: datetime.date | None = None  # None: unknown
    credits: Decimal = Decimal("0")  # recognised credits
    issuer: str = ""  # "i<institution pk>" or "n<issuer name, lower case>"
    standard: str = ""  # unit standard code of its recognition, or ""
    certificates: frozenset[int] = frozenset()
    courses: frozenset[int] = frozenset()
    subjects: frozenset[str] = frozenset()
    is_certificate: bool = False


@dataclass(frozen=True)
class Target:
    course_id: int
    outcome: str  # CREDITS | EXEMPTION
    credits: Decimal | None  # None for an exemption


@dataclass(frozen=True)
class Rule:
    """A published rule version in force on the date."""

    version_id: int
    number: str  # ZH-2026-0001
    version: int
    source: dict
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Course:
    id: int
    code: str
    name: str
    credits: Decimal


@dataclass(frozen=True)
class Caps:
    share_percent: int = 50
    per_year: Decimal | None = None
    per_source: Decimal | None = None
    certificates: int | None = None
    once_anywhere: bool = False


@dataclass(frozen=True)
class Prior:
    """A conversion the learner already has, or a line of an open application: which holdings
    it used, at which institution, into which course (``None`` when not into one of this
    programme's courses) and programme, for how many credits, on what day."""

    holding_ids: tuple[str, ...]
    institution_id: int
    course_id: int | None
    in_programme: bool
    credits: Decimal
    on: datetime.date
    is_open: bool = False  # an application line still waiting for its decision


@dataclass(frozen=True)
class Situation:
    on: datetime.date
    institution_id: int
    programme_id: int
    graduation_credits: Decimal
    courses: tuple[Course, ...]  # the programme's courses
    rules: tuple[Rule, ...]
    holdings: tuple[Holding, ...]
    caps: Caps = field(default_factory=Caps)
    prior: tuple[Prior, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One reason, as data: ``code`` says what kind (the list is ``REASON_CODES``), ``facts``
    the values the sentence needs (JSON-safe: str, int, list, dict, None)."""

    code: str
    facts: dict


# The reason codes and their facts (conversion.trace has a sentence for each):
REASON_CODES = {
    "atom_met": "path, atom, holding (id), assumed (list: 'date', 'result')",
    "atom_missing": "path, atom",
    "atom_too_old": "path, atom, holding, obtained_on (ISO), within_years, earliest (ISO)",
    "atom_result_low": "path, atom, holding, result {kind, value}, min_result",
    "holding_used_elsewhere": "path, atom, holding, by (rule number), version_id",
    "holding_converted": "path, atom, holding, open (applied for, not yet decided), anywhere "
    "(converted or applied for at another institution, with once_anywhere)",
    "certificate_cap": "path, atom, holding, limit",
    "group_short": "path, type, n, met (how many items met), needed",
    "rule_met": "version_id, number, version",
    "cap_cut": "cap ('share' | 'per_year' | 'per_source'), limit, left, cut, issuer (per_source)",
    "already_converted": "course_id, open (an application line still waiting)",
    "granted_by_other_rule": "version_id, number (another rule also met, granting this course "
    "once only)",
    "granted_with": "course_id, version_id (granted by the same rule as that course's line, "
    "which uses the holdings)",
    "no_rule": "",
}


@dataclass(frozen=True)
class Line:
    """The decision for one target course of the programme."""

    course_id: int
    status: str  # MATCH | PARTIAL | MISS | CONVERTED
    outcome: str | None  # CREDITS | EXEMPTION (of the rule that grants or comes closest)
    credits: Decimal | None  # granted after caps (None for an exemption or a miss)
    full_credits: Decimal | None  # what the rule grants before caps
    version_id: int | None  # the rule version that grants it (or comes closest)
    holding_ids: tuple[str, ...]  # used by this line (MATCH/PARTIAL-with-credits only)
    missing: tuple[str, ...]  # paths of the atoms still missing (PARTIAL)
    reasons: tuple[Reason, ...]
    # A rule granting several courses: its holdings are used by the first of its granted lines
    # (course code, then id); the others name that course here and use no holding themselves.
    granted_with: int | None = None

    @property
    def applicable(self) -> bool:
        """May the learner apply for it: a match, or a partial one a cap cut but still grants.
        A line granted with another (``granted_with``) is applied for together with it
        (``Outcome.companions_missing``)."""
        return (
            self.status in (MATCH, PARTIAL)
            and (bool(self.holding_ids) or self.granted_with is not None)
            and not self.missing
        )

    def trace(self) -> dict:
        """This line as JSON-safe data (one element of ``Outcome.trace()["lines"]``)."""
        data = {
            "course_id": self.course_id,
            "status": self.status,
            "outcome": self.outcome,
            "credits": _money(self.credits),
            "full_credits": _money(self.full_credits),
            "version_id": self.version_id,
            "holding_ids": list(self.holding_ids),
            "missing": list(self.missing),
            "reasons": [{"code": r.code, **r.facts} for r in self.reasons],
        }
        if self.granted_with is not None:
            data["granted_with"] = self.granted_with
        return data


@dataclass(frozen=True)
class Headroom:
    share_limit: Decimal
    share_left: Decimal
    per_year_left: Decimal | None
    certificates_left: int | None


@dataclass(frozen=True)
class Outcome:
    lines: tuple[Line, ...]  # by course code, then course id
    headroom: Headroom  # after the lines of this outcome
    unused: tuple[str, ...]  # holding ids no line uses, sorted
    on: datetime.date | None = None
    institution_id: int | None = None
    programme_id: int | None = None
    # (id, title, credits, obtained_on) of every holding of the situation, by id
    holdings: tuple[tuple[str, str, Decimal, datetime.date | None], ...] = ()

    def line_for(self, course_id: int) -> Line | None:
        return next((line for line in self.lines if line.course_id == course_id), None)

    def companions_missing(self, course_ids) -> list[int]:
        """Of ``course_ids`` (chosen to apply for), the courses granted with another course
        (``Line.granted_with``) that is not chosen too: the holdings are on that other line, so
        an application must ask for both."""
        chosen = set(course_ids)
        return sorted(
            line.course_id
            for line in self.lines
            if line.course_id in chosen
            and line.granted_with is not None
            and line.granted_with not in chosen
        )

    def trace(self) -> dict:
        """The whole outcome as JSON-safe data (Decimals and dates as strings), for pinning."""
        return {
            "engine": ENGINE_VERSION,
            "on": self.on.isoformat() if self.on else None,
            "institution_id": self.institution_id,
            "programme_id": self.programme_id,
            "lines": [line.trace() for line in self.lines],
            "headroom": {
                "share_limit": _money(self.headroom.share_limit),
                "share_left": _money(self.headroom.share_left),
                "per_year_left": _money(self.headroom.per_year_left),
                "certificates_left": self.headroom.certificates_left,
            },
            "unused": list(self.unused),
            "holdings": {
                hid: {
                    "title": title,
                    "credits": _money(credits),
                    "obtained_on": obtained.isoformat() if obtained else None,
                }
                for hid, title, credits, obtained in self.holdings
            },
        }


# === The evaluation =============================================================================

ENGINE_VERSION = 1
CENT = Decimal("0.01")
ZERO = Decimal("0")
ZERO_TEXT = "0.00"  # _money(ZERO)
# The assignment search tries at most this many (atom, holding) placements per rule. A rule of
# realistic size (a few atoms, a few candidates each) needs a few dozen; the worst the source
# format allows (30 atoms × 50 holdings all meeting one category, a pigeonhole) would need
# astronomically many, so past the budget the search stops and the first assignment the
# greedy pass found (if any) is used — exact below the budget, bounded above it.
SEARCH_BUDGET = 5000
MAX_HOLDINGS_PER_REASON = 5  # failing holdings explained per missing atom

GRADE_ORDER = {"不合格": 0, "合格": 1, "中等": 2, "良好": 3, "优秀": 4}
GRADE_LOW_SCORE = {"优秀": 90, "良好": 80, "中等": 70, "合格": 60, "不合格": 0}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT))


def years_before(on: datetime.date, years: int) -> datetime.date:
    """``on`` less ``years`` calendar years; 29 February counts back to 28 February."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def score_grade(score: Decimal) -> str:
    for grade, low in GRADE_LOW_SCORE.items():
        if score >= low:
            return grade
    return "不合格"


def _score(value: str) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def result_meets(kind: str, value: str, minimum: dict) -> bool:
    """Whether a holding's result (``kind``, ``value``) meets ``minimum`` (see the module's
    docstring for the comparison table). Callers handle the unknown result (``kind == ""``)."""
    wanted = minimum.get("kind")
    if kind == "score":
        score = _score(value)
        if score is None:
            return False
        if wanted == "pass":
            return score >= 60
        if wanted == "score":
            return score >= Decimal(minimum["value"])
        return GRADE_ORDER[score_grade(score)] >= GRADE_ORDER.get(minimum["value"], 99)
    if kind == "grade":
        if value not in GRADE_ORDER:
            return False
        if wanted == "pass":
            return value != "不合格"
        if wanted == "score":
            return GRADE_LOW_SCORE[value] >= Decimal(minimum["value"])
        return GRADE_ORDER[value] >= GRADE_ORDER.get(minimum["value"], 99)
    if kind == "pass":
        if value != "pass":
            return False
        if wanted == "pass":
            return True
        if wanted == "score":
            return Decimal(minimum["value"]) <= 60
        return minimum["value"] == "合格"
    return False


def result_standing(kind: str, value: str) -> tuple[Decimal, int, bool] | None:
    """A holding's result as (level, rank, passed), computed once per holding, so that
    ``meets_minimum`` is a comparison: *level* the score (a grade: the lowest score of its band;
    a pass: 60), *rank* the grade (a score: its band's grade; a pass: 合格), *passed* whether it
    is a pass. A failed or unreadable result is (-1, -1, False); an unknown one (``kind ==
    ""``) is None. The same table as ``result_meets``."""
    if kind == "score":
        score = _score(value)
        if score is None:
            return Decimal(-1), -1, False
        return score, GRADE_ORDER[score_grade(score)], score >= 60
    if kind == "grade":
        if value not in GRADE_ORDER:
            return Decimal(-1), -1, False
        return Decimal(GRADE_LOW_SCORE[value]), GRADE_ORDER[value], value != "不合格"
    if kind == "pass":
        return (
            (Decimal(60), GRADE_ORDER["合格"], True)
            if value == "pass"
            else (Decimal(-1), -1, False)
        )
    return None


def meets_minimum(standing: tuple[Decimal, int, bool], minimum: dict) -> bool:
    wanted = minimum.get("kind")
    if wanted == "pass":
        return standing[2]
    if wanted == "score":
        return standing[0] >= Decimal(minimum["value"])
    return standing[1] >= GRADE_ORDER.get(minimum.get("value"), 99)


class _Exhausted(Exception):
    pass


class _AtomInfo:
    """What the holdings make of one atom, judged once per evaluation and shared by every atom
    of every rule with the same ``_atom_key`` (many rules name the same certificate or course):
    ``judged`` every referenced holding (index, in id order) with the code of the reason it fails
    the atom's age or result (``None``: it meets them) and what was assumed; ``qualified`` the
    indexes of those meeting it."""

    __slots__ = ("judged", "qualified", "_assumed")

    def __init__(self, judged: list):
        self.judged = judged
        self.qualified = [i for i, fault, _a in judged if fault is None]
        self._assumed = None

    def assumed(self, i: int) -> tuple[str, ...]:
        """What was assumed for holding ``i`` (one of ``qualified``)."""
        found = self._assumed
        if found is None:
            found = self._assumed = {}
            for j, _fault, assumed in self.judged:
                found.setdefault(j, assumed)
        return found[i]


_NOTHING = _AtomInfo([])  # an atom no holding stands for


class _Compiled:
    """A rule's source compiled once per evaluation: ``atoms`` its atom nodes by path, in reading
    order (which is also the order of their paths), and ``tree`` the root ``_Node``."""

    __slots__ = ("atoms", "tree")

    def __init__(self, atoms: dict, tree: _Node | _Leaf):
        self.atoms, self.tree = atoms, tree


class _Evaluation:
    """One run of ``evaluate``: the sorted inputs, the indexes and the running state."""

    def __init__(self, situation: Situation):
        self.s = situation
        self.on = situation.on
        self.inst = situation.institution_id
        self.caps = situation.caps
        # Holdings sorted by id (duplicates of an id: the first in that order counts).
        seen: dict[str, Holding] = {}
        for holding in sorted(situation.holdings, key=_holding_key):
            seen.setdefault(holding.id, holding)
        self.holdings = list(seen.values())
        self.is_cert = [h.is_certificate for h in self.holdings]
        self.by_id = {h.id: i for i, h in enumerate(self.holdings)}
        self.standings = [result_standing(h.result_kind, h.result_value) for h in self.holdings]
        self.courses = {c.id: c for c in situation.courses}
        self.course_order = {
            c.id: n for n, c in enumerate(sorted(situation.courses, key=lambda c: (c.code, c.id)))
        }
        self.prior = sorted(situation.prior, key=_prior_key)
        self._index()
        self._prior_state()
        self.consumed: dict[int, Rule] = {}  # holding index → the rule whose line uses it
        # The holdings not available now: blocked by a prior conversion or consumed by a line.
        self.taken: set[int] = set(self.blocked)
        self.qualified_cache: dict[tuple, _AtomInfo] = {}
        self.limit_texts: dict[str, str] = {}  # cap → its limit as _money
        self.compiled_rules: dict[int, _Compiled] = {}

    # --- Indexes ------------------------------------------------------------------------------

    def _index(self):
        self.by_standard: dict[str, list[int]] = {}
        self.by_category: dict[str, list[int]] = {}
        self.by_certificate: dict[int, list[int]] = {}
        self.by_course: dict[int, list[int]] = {}
        self.by_subject: dict[str, list[int]] = {}
        for i, h in enumerate(self.holdings):
            if h.standard:
                self.by_standard.setdefault(h.standard, []).append(i)
            if h.category:
                self.by_category.setdefault(h.category, []).append(i)
            for pk in h.certificates:
                self.by_certificate.setdefault(pk, []).append(i)
            for pk in h.courses:
                self.by_course.setdefault(pk, []).append(i)
            for code in h.subjects:
                self.by_subject.setdefault(code, []).append(i)

    def referenced(self, atom: dict) -> list[int]:
        """The holdings (indexes, in id order) that stand for what ``atom`` names."""
        kind = atom.get("kind")
        if kind == "certificate":
            return self.by_certificate.get(atom.get("certificate"), [])
        if kind == "course":
            return self.by_course.get(atom.get("course"), [])
        if kind == "standard":
            return self.by_standard.get(atom.get("code"), [])
        if kind == "self_study":
            return self.by_subject.get(atom.get("subject"), [])
        if kind == "category":
            found = self.by_category.get(atom.get("category"), [])
            level = atom.get("min_level")
            if level:
                found = [
                    i
                    for i in found
                    if self.holdings[i].level is not None and self.holdings[i].level >= level
                ]
            return found
        return []

    def atom_info(self, atom: dict) -> _AtomInfo:
        """The referenced holdings judged against ``atom``; once per ``_atom_key``."""
        get = atom.get
        kind = get("kind")
        # ``referenced``, inline (it runs for every atom of every rule).
        if kind == "certificate":
            referenced = self.by_certificate.get(get("certificate"))
        elif kind == "course":
            referenced = self.by_course.get(get("course"))
        elif kind == "standard":
            referenced = self.by_standard.get(get("code"))
        elif kind == "self_study":
            referenced = self.by_subject.get(get("subject"))
        else:
            referenced = self.referenced(atom)
        if not referenced:
            return _NOTHING
        # ``_atom_key``, inline.
        result = get("min_result") or {}
        key = (
            kind,
            get("code"),
            get("category"),
            get("min_level"),
            get("certificate"),
            get("course"),
            get("subject"),
            get("within_years"),
            result.get("kind"),
            str(result.get("value")),
        )
        info = self.qualified_cache.get(key)
        if info is None:
            info = self.qualified_cache[key] = _AtomInfo(self.judged(atom, referenced))
        return info

    def judged(self, atom: dict, referenced: list[int]) -> list[tuple[int, str | None, tuple]]:
        """Every referenced holding with the code of the reason it fails the atom's age or
        result (``None``: it meets them) and what was assumed."""
        found = []
        years = atom.get("within_years")
        earliest = years_before(self.on, years) if years else None
        minimum = atom.get("min_result") if atom.get("kind") != "standard" else None
        if earliest is None and not minimum:
            return [(i, None, ()) for i in referenced]
        holdings, standings = self.holdings, self.standings
        for i in referenced:
            assumed, fault = (), None
            if earliest is not None:
                obtained = holdings[i].obtained_on
                if obtained is None:
                    assumed = ("date",)
                elif obtained < earliest:
                    fault = "atom_too_old"
            if fault is None and minimum:
                standing = standings[i]
                if standing is None:
                    assumed = (*assumed, "result")
                elif not meets_minimum(standing, minimum):
                    fault = "atom_result_low"
            found.append((i, fault, assumed))
        return found

    def fault_facts(self, code: str, atom: dict, h: Holding) -> dict:
        if code == "atom_too_old":
            years = atom["within_years"]
            return {
                "obtained_on": h.obtained_on.isoformat(),
                "within_years": years,
                "earliest": years_before(self.on, years).isoformat(),
            }
        return {
            "result": {"kind": h.result_kind, "value": h.result_value},
            "min_result": atom.get("min_result"),
        }

    # --- What was converted before -------------------------------------------------------------

    def _prior_state(self):
        caps, inst = self.caps, self.inst
        self.blocked: dict[int, Prior] = {}
        self.converted: dict[int, Prior] = {}
        share_used = year_used = ZERO
        source_used: dict[str, Decimal] = {}
        certificates: set[int] = set()
        for prior in self.prior:
            here = prior.institution_id == inst
            indexes = [self.by_id[h] for h in sorted(set(prior.holding_ids)) if h in self.by_id]
            if here or caps.once_anywhere:
                for i in indexes:
                    current = self.blocked.get(i)
                    # Prefer naming a conversion at the institution over one elsewhere.
                    if current is None or (here and current.institution_id != inst):
                        self.blocked[i] = prior
            if here and prior.course_id is not None and prior.course_id in self.courses:
                self.converted.setdefault(prior.course_id, prior)
            credits = prior.credits or ZERO
            if prior.in_programme:
                share_used += credits
            if here:
                if prior.on.year == self.on.year:
                    year_used += credits
                for issuer in sorted({self.holdings[i].issuer for i in indexes} - {"", "n"}):
                    source_used[issuer] = source_used.get(issuer, ZERO) + credits
                certificates.update(i for i in indexes if self.holdings[i].is_certificate)
        self.share_limit = (
            Decimal(self.s.graduation_credits) * Decimal(caps.share_percent) / 100
        ).quantize(CENT)
        self.share_left = max(ZERO, self.share_limit - share_used)
        self.year_left = None if caps.per_year is None else max(ZERO, caps.per_year - year_used)
        self.source_used = source_used
        self.certificates_left = (
            None if caps.certificates is None else max(0, caps.certificates - len(certificates))
        )

    def source_left(self, issuer: str) -> Decimal:
        return max(ZERO, self.caps.per_source - self.source_used.get(issuer, ZERO))

    # --- Availability --------------------------------------------------------------------------

    def consume(self, i: int, rule: Rule):
        self.consumed[i] = rule
        self.taken.add(i)

    def compiled(self, rule: Rule) -> _Compiled:
        """``rule``'s source as ``_Node``s, each atom with its judged holdings; once per rule."""
        found = self.compiled_rules.get(rule.version_id)
        if found is None:
            atoms: dict[str, _Leaf] = {}
            tree = self._compile(rule.source or {}, "", atoms)
            found = self.compiled_rules[rule.version_id] = _Compiled(atoms, tree)
        return found

    def _compile(self, node: dict, path: str, atoms: dict) -> _Node | _Leaf:
        """``node`` as ``_Node``s and ``_Leaf``s; its atoms go into ``atoms`` by path, in
        reading order."""
        if node.get("type") == "atom":
            leaf = atoms[path] = _Leaf(path, node, self.atom_info(node))
            return leaf
        items = []
        flat = True
        met = 0  # items that could be met from all the holdings
        for k, item in enumerate(node.get("items", ())):
            child = f"{path}.{k}" if path else (_INDEXES[k] if k < len(_INDEXES) else str(k))
            if item.get("type") == "atom":
                leaf = atoms[child] = _Leaf(child, item, self.atom_info(item))
                items.append(leaf)
                met += bool(leaf.info.qualified)
            else:
                group = self._compile(item, child, atoms)
                items.append(group)
                met += group.possible
                flat = False
        # ``_needed``, inline.
        kind = node.get("type")
        count = len(node.get("items", ()))
        if kind == "all":
            needed = count
        elif kind == "any":
            needed = min(1, count)
        else:
            needed = max(0, min(int(node.get("n") or 1), count))
        # ``feasible`` with nothing taken (an "all" group needs all its items: met == needed).
        possible = met >= needed
        return _Node(path, kind, node.get("n"), needed, tuple(items), flat, possible)

    # --- The assignment search -----------------------------------------------------------------

    def search(self, rule: Rule) -> dict[str, int] | None:
        """An assignment path → holding meeting the rule's source, no holding twice, at most
        ``certificates_left`` certificate holdings; the first in depth-first order (items in
        order, holdings by id), or None."""
        tree = self.compiled(rule).tree
        if tree.items is None:
            return self._search_atom(tree)
        # The cheap test: could the tree be met if the free holdings could be shared? (Never,
        # when it could not be met even from all the holdings.)
        if not tree.possible:
            return None
        taken = self.taken
        if taken and not tree.feasible(taken):
            return None
        try:
            if tree.flat:
                return self._search_flat(tree)
            return self._search_tree(tree)
        except _Exhausted:
            partial = self.partial(rule)
            return partial["assign"] if not partial["missing"] else None

    def _search_atom(self, leaf: _Leaf) -> dict[str, int] | None:
        """A source that is one atom: its first free holding (within the certificate cap)."""
        taken, is_cert, cert_left = self.taken, self.is_cert, self.certificates_left
        for i in leaf.info.qualified:
            if i in taken or (is_cert[i] and cert_left is not None and cert_left <= 0):
                continue
            return {leaf.path: i}
        return None

    def _search_flat(self, group: _Node) -> dict[str, int] | None:
        """A group of atoms only: the search of ``_search_tree`` without its continuations (the
        same placements in the same order, so the budget runs out at the same point)."""
        taken, is_cert, cert_left = self.taken, self.is_cert, self.certificates_left
        items, needed = group.items, group.needed
        count_items = len(items)
        lists = [leaf.info.qualified for leaf in items]
        paths = [leaf.path for leaf in items]
        assign: dict[str, int] = {}
        used: set[int] = set()
        steps = certs = 0

        def pick(k, count):
            nonlocal steps, certs
            if count >= needed:
                return True
            if count_items - k < needed - count:
                return False
            path = paths[k]
            for i in lists[k]:
                if i in used or i in taken:
                    continue
                cert = is_cert[i]
                if cert and cert_left is not None and certs >= cert_left:
                    continue
                steps += 1
                if steps > SEARCH_BUDGET:
                    raise _Exhausted
                used.add(i)
                certs += cert
                assign[path] = i
                if pick(k + 1, count + 1):
                    return True
                del assign[path]
                certs -= cert
                used.discard(i)
            # An "all" group needs every item: skipping one leaves too few (the test above).
            return pick(k + 1, count)

        return assign if pick(0, 0) else None

    def _search_tree(self, tree: _Node) -> dict[str, int] | None:
        """The depth-first search with backtracking over any tree (continuation passing)."""
        taken, is_cert, cert_left = self.taken, self.is_cert, self.certificates_left
        assign: dict[str, int] = {}
        used: set[int] = set()
        steps = [0]
        certs = [0]

        def sat(node: _Node, cont):
            if node.items is None:
                path = node.path
                for i in node.info.qualified:
                    if i in used or i in taken:
                        continue
                    cert = is_cert[i]
                    if cert and cert_left is not None and certs[0] >= cert_left:
                        continue
                    steps[0] += 1
                    if steps[0] > SEARCH_BUDGET:
                        raise _Exhausted
                    used.add(i)
                    certs[0] += cert
                    assign[path] = i
                    if cont():
                        return True
                    del assign[path]
                    certs[0] -= cert
                    used.discard(i)
                return False
            items, needed = node.items, node.needed
            if node.type == "all":

                def chain(k):
                    if k == len(items):
                        return cont()
                    return sat(items[k], lambda: chain(k + 1))

                return chain(0)

            def pick(k, count):
                if count >= needed:
                    return cont()
                if len(items) - k < needed - count:
                    return False
                if sat(items[k], lambda: pick(k + 1, count + 1)):
                    return True
                return pick(k + 1, count)

            return pick(0, 0)

        return dict(assign) if sat(tree, lambda: True) else None

    # --- The closest partial assignment ---------------------------------------------------------

    def partial(self, rule: Rule) -> dict:
        """A greedy assignment meeting as much of the rule's source as it can, from the free
        holdings: {"assign": path → holding, "missing": [path], "short": [group facts]}. In an
        "any" or "N of" group the items with the fewest missing atoms are taken."""
        tree = self.compiled(rule).tree
        if tree.items is None or tree.flat:
            return self._partial_flat(tree)
        return self._partial_tree(tree)

    def _partial_tree(self, tree: _Node | _Leaf) -> dict:
        """``partial`` for any tree (the recursive walk)."""
        taken, is_cert, cert_left = self.taken, self.is_cert, self.certificates_left

        def first(leaf: _Leaf, used: set, certs: int):
            """The first free holding meeting the atom, or None."""
            for i in leaf.info.qualified:
                if i in used or i in taken:
                    continue
                if is_cert[i] and cert_left is not None and certs >= cert_left:
                    continue
                return i
            return None

        def walk(node: _Node, used: set, certs: int):
            """→ (assign, missing, short, certs); ``used`` is not changed."""
            if node.items is None:
                i = first(node, used, certs)
                if i is None:
                    return {}, [node.path], [], certs
                return {node.path: i}, [], [], certs + is_cert[i]
            items, needed = node.items, node.needed
            if node.type == "all":
                chosen = range(len(items))
            else:
                trials = sorted(
                    (
                        (first(item, used, certs) is None)
                        if item.items is None
                        else len(walk(item, used, certs)[1]),
                        k,
                    )
                    for k, item in enumerate(items)
                )
                chosen = sorted(k for _m, k in trials[:needed])
            assign, missing, short = {}, [], []
            met = 0
            used = set(used)
            for k in chosen:
                a, m, s, certs = walk(items[k], used, certs)
                assign.update(a)
                used.update(a.values())
                missing.extend(m)
                short.extend(s)
                met += not m
            if met < needed and node.type != "all":  # an "all" group: its atoms say it
                short.append(
                    {
                        "path": node.path,
                        "type": node.type,
                        "n": node.n,
                        "met": met,
                        "needed": needed,
                    }
                )
            return assign, missing, short, certs

        assign, missing, short, _c = walk(tree, set(), 0)
        return {"assign": assign, "missing": missing, "short": short}

    def _partial_flat(self, tree: _Node | _Leaf) -> dict:
        """``partial`` for a source that is one atom or a group of atoms (the same choices as
        its ``walk``, without the recursion)."""
        taken, is_cert, cert_left = self.taken, self.is_cert, self.certificates_left
        assign: dict[str, int] = {}
        missing: list[str] = []
        short: list[dict] = []
        if tree.items is None:
            chosen: tuple | list = (tree,)
        elif tree.type == "all":
            chosen = tree.items
        else:
            # The items that could be met from the free holdings first (in order), then the
            # others; the first ``needed`` of them, in order.
            needed = tree.needed
            if needed <= 0:
                chosen = ()
            else:
                met_first, others = [], []
                for leaf in tree.items:
                    for i in leaf.info.qualified:
                        if i in taken or (is_cert[i] and cert_left is not None and cert_left <= 0):
                            continue
                        met_first.append(leaf)
                        break
                    else:
                        others.append(leaf)
                chosen = (met_first + others)[:needed]
                if len(chosen) > 1 and others and met_first:
                    index = {id(leaf): k for k, leaf in enumerate(tree.items)}
                    chosen.sort(key=lambda leaf: index[id(leaf)])
        used: set[int] = set()
        certs = met = 0
        for leaf in chosen:
            for i in leaf.info.qualified:
                if i in used or i in taken:
                    continue
                if is_cert[i] and cert_left is not None and certs >= cert_left:
                    continue
                assign[leaf.path] = i
                used.add(i)
                certs += is_cert[i]
                met += 1
                break
            else:
                missing.append(leaf.path)
        if tree.items is not None and met < tree.needed and tree.type != "all":
            short.append(
                {
                    "path": tree.path,
                    "type": tree.type,
                    "n": tree.n,
                    "met": met,
                    "needed": tree.needed,
                }
            )
        return {"assign": assign, "missing": missing, "short": short}


class _Leaf:
    """An atom of a rule's source, compiled once: its ``path``, its source ``atom`` and ``info``
    its judged holdings (``items`` is None: it is no group)."""

    __slots__ = ("path", "atom", "info")
    items = None

    def __init__(self, path: str, atom: dict, info: _AtomInfo):
        self.path, self.atom, self.info = path, atom, info

    def feasible(self, taken: set) -> bool:
        """Whether a holding meeting it is free."""
        return not taken.issuperset(self.info.qualified)


class _Node:
    """A group of a rule's source, compiled once (``flat``: its items are all ``_Leaf``s;
    ``possible``: it is ``feasible`` when no holding is taken)."""

    __slots__ = ("path", "type", "n", "needed", "items", "flat", "possible")

    def __init__(self, path, type_, n, needed, items, flat, possible):
        self.path, self.type, self.n, self.needed = path, type_, n, needed
        self.items, self.flat, self.possible = items, flat, possible

    def feasible(self, taken: set) -> bool:
        """Whether it could be met if the holdings not ``taken`` could be shared (a cheap test
        first)."""
        needed = self.needed
        if needed == 0:
            return True
        met = 0
        for item in self.items:
            if item.feasible(taken):
                met += 1
                if met >= needed:
                    return True
            elif self.type == "all":
                return False
        return False


_INDEXES = tuple(str(k) for k in range(64))  # the paths of the top level's items


def _holding_key(h: Holding):
    return (h.id, h.title, h.obtained_on or datetime.date.min, str(h.credits))


def _prior_key(p: Prior):
    return (
        p.institution_id,
        -1 if p.course_id is None else p.course_id,
        p.in_programme,
        p.on,
        str(p.credits),
        p.is_open,
        tuple(sorted(p.holding_ids)),
    )


def _atom_key(atom: dict) -> tuple:
    result = atom.get("min_result") or {}
    return (
        atom.get("kind"),
        atom.get("code"),
        atom.get("category"),
        atom.get("min_level"),
        atom.get("certificate"),
        atom.get("course"),
        atom.get("subject"),
        atom.get("within_years"),
        result.get("kind"),
        str(result.get("value")),
    )


def _child(path: str, index: int) -> str:
    return f"{path}.{index}" if path else str(index)


def _needed(node: dict) -> int:
    kind = node.get("type")
    count = len(node.get("items", ()))
    if kind == "all":
        return count
    if kind == "any":
        return min(1, count)
    return max(0, min(int(node.get("n") or 1), count))


def evaluate(situation: Situation) -> Outcome:
    """What ``situation``'s holdings convert into (see the module's docstring)."""
    ev = _Evaluation(situation)
    courses, course_order = ev.courses, ev.course_order
    rules = sorted(situation.rules, key=_version_id)
    targets_of: dict[int, list[Target]] = {}
    targeted: dict[int, list[tuple[Rule, Target]]] = {}  # course → (rule, target) by version
    for rule in rules:
        targets = rule.targets
        if len(targets) == 1:  # the usual case
            own = [targets[0]] if targets[0].course_id in courses else []
        else:
            seen_courses = set()
            own = []
            for target in sorted(targets, key=_target_key):
                if target.course_id in courses and target.course_id not in seen_courses:
                    seen_courses.add(target.course_id)
                    own.append(target)
            own.sort(key=lambda t: course_order[t.course_id])
        targets_of[rule.version_id] = own
        for target in own:
            found = targeted.get(target.course_id)
            if found is None:
                targeted[target.course_id] = [(rule, target)]
            else:
                found.append((rule, target))

    lines: dict[int, Line] = {}
    extra: dict[int, list[Reason]] = {}  # more reasons for granted lines
    # course → (rule, target, assignment, cap reasons) of the rules met but cut to nothing
    cut_to_zero: dict[int, list[tuple[Rule, Target, dict, list[Reason]]]] = {}

    # Converted already.
    converted = ev.converted
    for course_id, prior in converted.items():
        if course_id in targeted:
            lines[course_id] = _line(
                course_id=course_id,
                status=CONVERTED,
                outcome=None,
                credits=None,
                full_credits=None,
                version_id=None,
                holding_ids=(),
                missing=(),
                reasons=(
                    _reason("already_converted", {"course_id": course_id, "open": prior.is_open}),
                ),
            )

    if converted:
        open_of = {
            rule.version_id: [
                t for t in targets_of[rule.version_id] if t.course_id not in converted
            ]
            for rule in rules
        }
    else:
        open_of = targets_of

    def order_key(rule):
        """Richest first: the credits of its open targets, its exemptions, number, version."""
        open_targets = open_of[rule.version_id]
        if len(open_targets) == 1:  # the usual case: the same key, sooner
            target = open_targets[0]
            if target.outcome == CREDITS:
                return (-(ZERO + (target.credits or ZERO)), 0, rule.number, rule.version_id)
            if target.outcome == EXEMPTION:
                return (-ZERO, -1, rule.number, rule.version_id)
        credits, exemptions = ZERO, 0
        for target in open_targets:
            if target.outcome == CREDITS:
                credits += target.credits or ZERO
            elif target.outcome == EXEMPTION:
                exemptions += 1
        return (-credits, -exemptions, rule.number, rule.version_id)

    order = sorted((rule for rule in rules if open_of[rule.version_id]), key=order_key)
    holdings, caps = ev.holdings, ev.caps
    for rule in order:
        open_targets = open_of[rule.version_id]
        todo = [t for t in open_targets if t.course_id not in lines]
        if not todo:
            continue
        assign = ev.search(rule)
        if assign is None:
            continue
        if len(todo) != len(open_targets):
            for target in open_targets:
                granted = lines.get(target.course_id)
                if granted is not None and granted.status != CONVERTED and target not in todo:
                    extra.setdefault(target.course_id, []).append(
                        _reason(
                            "granted_by_other_rule",
                            {"version_id": rule.version_id, "number": rule.number},
                        )
                    )
        used = sorted(set(assign.values()))
        issuers = sorted({holdings[i].issuer for i in used} - {"", "n"})
        granted_lines = []
        for target in todo:
            cuts: list[Reason] = []
            if target.outcome == EXEMPTION:
                credits = None
            else:
                credits = target.credits or ZERO
                credits = _cut(ev, credits, "share", ev.share_limit, ev.share_left, cuts)
                if ev.year_left is not None:
                    credits = _cut(ev, credits, "per_year", caps.per_year, ev.year_left, cuts)
                if caps.per_source is not None:
                    for issuer in issuers:
                        credits = _cut(
                            ev,
                            credits,
                            "per_source",
                            caps.per_source,
                            ev.source_left(issuer),
                            cuts,
                            issuer=issuer,
                        )
                if credits <= 0:
                    # The reasons (atoms met, then the cuts) are put together if this is the
                    # line the course gets.
                    cut_to_zero.setdefault(target.course_id, []).append(
                        (rule, target, assign, cuts)
                    )
                    continue
                ev.share_left -= credits
                if ev.year_left is not None:
                    ev.year_left -= credits
                for issuer in issuers:
                    ev.source_used[issuer] = ev.source_used.get(issuer, ZERO) + credits
            granted_lines.append((target, credits, cuts))
        if not granted_lines:
            continue  # caps left nothing: the holdings stay free for other rules
        met = _met_reasons(ev, rule, assign)
        first = granted_lines[0][0].course_id
        for i in used:
            ev.consume(i, rule)
        if ev.certificates_left is not None:
            ev.certificates_left -= sum(1 for i in used if holdings[i].is_certificate)
        rule_met = _reason(
            "rule_met",
            {"version_id": rule.version_id, "number": rule.number, "version": rule.version},
        )
        for target, credits, cuts in granted_lines:
            is_first = target.course_id == first
            companion = (
                ()
                if is_first
                else (
                    _reason(
                        "granted_with",
                        {"course_id": first, "version_id": rule.version_id},
                    ),
                )
            )
            lines[target.course_id] = _line(
                course_id=target.course_id,
                status=PARTIAL if cuts else MATCH,
                outcome=target.outcome,
                credits=credits,
                full_credits=target.credits if target.outcome == CREDITS else None,
                version_id=rule.version_id,
                holding_ids=tuple(holdings[i].id for i in used) if is_first else (),
                missing=(),
                reasons=(rule_met, *met, *cuts, *companion),
                granted_with=None if is_first else first,
            )

    # Lines not granted: the rule that comes closest.
    partial_cache: dict[int, dict] = {}
    for course_id, pairs in targeted.items():
        if course_id in lines:
            continue
        if course_id in cut_to_zero:
            rule, target, assign, cuts = cut_to_zero[course_id][0]
            lines[course_id] = _line(
                course_id=course_id,
                status=MISS,
                outcome=target.outcome,
                credits=None,
                full_credits=target.credits,
                version_id=rule.version_id,
                holding_ids=(),
                missing=(),
                reasons=(
                    _reason(
                        "rule_met",
                        {
                            "version_id": rule.version_id,
                            "number": rule.number,
                            "version": rule.version,
                        },
                    ),
                    *_met_reasons(ev, rule, assign),
                    *cuts,
                ),
            )
            continue
        best = None
        for rule, target in pairs:
            found = partial_cache.get(rule.version_id)
            if found is None:
                found = partial_cache[rule.version_id] = ev.partial(rule)
                if not found["missing"]:  # only when the bounded search gave up
                    found["missing"] = [""]
            key = (
                len(found["missing"]),
                -(target.credits or ZERO),
                rule.version_id,
            )
            if best is None or key < best[0]:
                best = (key, rule, target, found)
        if best is None:
            continue
        _key, rule, target, found = best
        lines[course_id] = _line(
            course_id=course_id,
            status=PARTIAL if found["assign"] else MISS,
            outcome=target.outcome,
            credits=None,
            full_credits=target.credits,
            version_id=rule.version_id,
            holding_ids=(),
            missing=tuple(found["missing"]),
            reasons=tuple(_partial_reasons(ev, rule, found)),
        )

    for course_id, reasons in extra.items():
        line = lines[course_id]
        lines[course_id] = replace(line, reasons=(*line.reasons, *reasons))

    ordered = tuple(lines[c] for c in sorted(lines, key=course_order.__getitem__))
    used_ids = {hid for line in ordered for hid in line.holding_ids}
    return Outcome(
        lines=ordered,
        headroom=Headroom(
            share_limit=ev.share_limit,
            share_left=ev.share_left,
            per_year_left=ev.year_left,
            certificates_left=ev.certificates_left,
        ),
        unused=tuple(h.id for h in holdings if h.id not in used_ids),
        on=situation.on,
        institution_id=situation.institution_id,
        programme_id=situation.programme_id,
        holdings=tuple((h.id, h.title, h.credits, h.obtained_on) for h in holdings),
    )


def _version_id(rule: Rule) -> int:
    return rule.version_id


def _target_key(target: Target):
    return (target.course_id, target.outcome)


_new_object = object.__new__


def _line(
    course_id,
    status,
    outcome,
    credits,
    full_credits,
    version_id,
    holding_ids,
    missing,
    reasons,
    granted_with=None,
) -> Line:
    """``Line(...)``, built without the frozen dataclass's ``__init__`` (which sets the fields
    one at a time through ``object.__setattr__``, about three times slower): the engine builds a
    line per course, hundreds per run. The result is an ordinary ``Line`` with the same
    ``__dict__`` (equal, same repr, still frozen); tests/conversion/test_engine.py checks that
    the fields match ``Line``'s."""
    line = _new_object(Line)
    fields = line.__dict__
    fields["course_id"] = course_id
    fields["status"] = status
    fields["outcome"] = outcome
    fields["credits"] = credits
    fields["full_credits"] = full_credits
    fields["version_id"] = version_id
    fields["holding_ids"] = holding_ids
    fields["missing"] = missing
    fields["reasons"] = reasons
    fields["granted_with"] = granted_with
    return line


def _reason(code: str, facts: dict) -> Reason:
    """``Reason(code, facts)``, built the way ``_line`` is (the engine gives hundreds)."""
    reason = _new_object(Reason)
    fields = reason.__dict__
    fields["code"] = code
    fields["facts"] = facts
    return reason


def _cut(ev, credits, cap, limit, left, cuts, *, issuer=None) -> Decimal:
    """``credits`` cut to what ``left`` allows of the ``cap``; a cut adds a reason to ``cuts``."""
    if credits <= left:
        return credits
    kept = max(ZERO, left)
    limit_text = ev.limit_texts.get(cap)  # a cap's limit is the same all through a run
    if limit_text is None:
        limit_text = ev.limit_texts[cap] = _money(limit)
    facts = {
        "cap": cap,
        "limit": limit_text,
        "left": ZERO_TEXT if kept is ZERO else _money(kept),
        "cut": _money(credits - kept),
    }
    if issuer is not None:
        facts["issuer"] = issuer
    cuts.append(_reason("cap_cut", facts))
    return kept


def _met_reasons(ev: _Evaluation, rule: Rule, assign: dict[str, int]) -> list[Reason]:
    reasons = []
    holdings = ev.holdings
    # The atoms in reading order, which is the order of their paths (``_path_key``).
    for path, leaf in ev.compiled(rule).atoms.items():
        i = assign.get(path)
        if i is None:
            continue
        reasons.append(
            _reason(
                "atom_met",
                {
                    "path": path,
                    "atom": leaf.atom,
                    "holding": holdings[i].id,
                    "assumed": list(leaf.info.assumed(i)),
                },
            )
        )
    return reasons


def _path_key(path: str):
    return tuple(int(p) for p in path.split(".")) if path else ()


def _partial_reasons(ev: _Evaluation, rule: Rule, found: dict) -> list[Reason]:
    atoms = ev.compiled(rule).atoms
    assign = found["assign"]
    reasons = _met_reasons(ev, rule, assign) if assign else []
    taken = set(assign.values())
    cap_reached = ev.certificates_left is not None and ev.certificates_left <= sum(
        1 for i in taken if ev.holdings[i].is_certificate
    )
    missing = [p for p in found["missing"] if p in atoms]
    if len(missing) > 1:
        missing.sort(key=_path_key)
    for path in missing:
        leaf = atoms[path]
        atom = leaf.atom
        explained = []
        for i, fault, _assumed in leaf.info.judged:
            if len(explained) >= MAX_HOLDINGS_PER_REASON:
                break
            h = ev.holdings[i]
            base = {"path": path, "atom": atom, "holding": h.id}
            if fault is not None:
                explained.append(_reason(fault, {**base, **ev.fault_facts(fault, atom, h)}))
            elif i in ev.blocked:
                prior = ev.blocked[i]
                explained.append(
                    _reason(
                        "holding_converted",
                        {
                            **base,
                            "anywhere": prior.institution_id != ev.inst,
                            "open": prior.is_open,
                        },
                    )
                )
            elif i in ev.consumed:
                other = ev.consumed[i]
                explained.append(
                    _reason(
                        "holding_used_elsewhere",
                        {**base, "by": other.number, "version_id": other.version_id},
                    )
                )
            elif i in taken:
                continue  # it meets another atom of this rule
            elif h.is_certificate and ev.certificates_left is not None and cap_reached:
                explained.append(
                    _reason("certificate_cap", {**base, "limit": ev.caps.certificates})
                )
        if not explained:
            explained.append(_reason("atom_missing", {"path": path, "atom": atom}))
        reasons.extend(explained)
    shorts = found["short"]
    if len(shorts) > 1:
        shorts = sorted(shorts, key=lambda s: _path_key(s["path"]))
    for short in shorts:
        reasons.append(_reason("group_short", dict(short)))
    return reasons
