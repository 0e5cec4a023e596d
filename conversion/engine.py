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
An exemption grants no credits, so only the certificate cap can stop it. A line cut to zero
credits is a Miss whose reason names the cap.

Availability of a holding
-------------------------
A holding already converted (or in an open application) at the institution — or anywhere, with
``Caps.once_anywhere`` — is not available: its ``Prior`` rows say so. A target course the learner
already has a conversion for (``Prior.course_id``) is ``converted`` and nothing is granted again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
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
    "holding_converted": "path, atom, holding (converted or applied for at the institution, "
    "or anywhere: anywhere=True)",
    "certificate_cap": "path, atom, holding, limit",
    "group_short": "path, type, n, met (how many items met), needed",
    "rule_met": "version_id, number, version",
    "cap_cut": "cap ('share' | 'per_year' | 'per_source'), limit, left, cut, issuer (per_source)",
    "already_converted": "course_id",
    "granted_by_other_rule": "version_id, number",
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

    @property
    def applicable(self) -> bool:
        """May the learner apply for it: a match, or a partial one a cap cut but still grants."""
        return self.status in (MATCH, PARTIAL) and bool(self.holding_ids) and not self.missing


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

    def line_for(self, course_id: int) -> Line | None:
        return next((line for line in self.lines if line.course_id == course_id), None)

    def trace(self) -> dict:
        """The whole outcome as JSON-safe data (Decimals and dates as strings), for pinning."""
        raise NotImplementedError


def evaluate(situation: Situation) -> Outcome:
    raise NotImplementedError
