"""The conversion rule engine, table by table: every rule shape of the source format, the result
and age comparisons, rules competing for an achievement, prior conversions and every cap. Pure:
no database."""

import datetime
import json
from decimal import Decimal

import pytest

from conversion import engine
from conversion.engine import CONVERTED, MATCH, MISS, PARTIAL, Caps, evaluate
from tests.conversion.engine_data import (
    ON,
    OTHER_INSTITUTION,
    all_of,
    any_of,
    cat,
    cert,
    codes,
    course_atom,
    holding,
    n_of,
    prior,
    reasons,
    rule,
    situation,
    std,
    subject,
    target,
)

D = Decimal


def one_line(holdings, source, *, course=1, credits="4", **kw):
    outcome = evaluate(situation(holdings, [rule(10, source, target(course, credits))], **kw))
    return outcome.line_for(course)


# --- Groups -------------------------------------------------------------------------------------


def test_an_all_group_is_met_by_one_holding_per_atom():
    line = one_line(
        [holding("a1", standard="S-1"), holding("a2", category="online")],
        all_of(std("S-1"), cat("online")),
    )
    assert line.status == MATCH
    assert line.credits == D("4") and line.full_credits == D("4")
    assert line.holding_ids == ("a1", "a2")
    assert line.applicable
    assert codes(line) == ["rule_met", "atom_met", "atom_met"]
    assert [r["holding"] for r in reasons(line, "atom_met")] == ["a1", "a2"]


def test_an_all_group_missing_an_atom_is_partial_and_says_which():
    line = one_line([holding("a1", standard="S-1")], all_of(std("S-1"), cat("online")))
    assert line.status == PARTIAL
    assert line.missing == ("1",)
    assert line.holding_ids == () and line.credits is None and not line.applicable
    assert reasons(line, "atom_met")[0]["holding"] == "a1"
    assert reasons(line, "atom_missing") == [{"path": "1", "atom": cat("online")}]
    assert reasons(line, "group_short") == []  # the missing atom says it


def test_nothing_met_is_a_miss():
    line = one_line([holding("a1")], all_of(std("S-1")))
    assert line.status == MISS
    assert line.missing == ("0",)
    assert line.version_id == 10 and line.outcome == engine.CREDITS


def test_an_any_group_uses_only_the_first_item_met():
    line = one_line(
        [holding("a1", standard="S-2"), holding("a2", standard="S-3")],
        any_of(std("S-1"), std("S-2"), std("S-3")),
    )
    assert line.status == MATCH
    assert line.holding_ids == ("a1",)


def test_n_of_uses_exactly_n_holdings():
    holdings = [holding(f"a{k}", standard=f"S-{k}") for k in (1, 2, 3)]
    line = one_line(holdings, n_of(2, std("S-1"), std("S-2"), std("S-3")))
    assert line.status == MATCH
    assert line.holding_ids == ("a1", "a2")


def test_n_of_short_says_how_many_are_met():
    line = one_line([holding("a2", standard="S-2")], n_of(2, std("S-1"), std("S-2"), std("S-3")))
    assert line.status == PARTIAL
    assert len(line.missing) == 1
    assert reasons(line, "group_short") == [
        {"path": "", "type": "n_of", "n": 2, "met": 1, "needed": 2}
    ]


def test_nested_groups():
    source = all_of(
        any_of(std("S-1"), cert(5)),
        n_of(2, subject("00012"), subject("00015"), course_atom(9)),
    )
    holdings = [
        holding("a1", certificates={5}, is_certificate=True),
        holding("a2", subjects={"00015"}),
        holding("a3", courses={9}),
    ]
    line = one_line(holdings, source)
    assert line.status == MATCH
    assert line.holding_ids == ("a1", "a2", "a3")
    assert [(r["path"], r["holding"]) for r in reasons(line, "atom_met")] == [
        ("0.1", "a1"),
        ("1.1", "a2"),
        ("1.2", "a3"),
    ]
    short = one_line(holdings[:2], source)
    assert short.status == PARTIAL
    assert short.missing == ("1.0",) or short.missing == ("1.2",)
    assert {"path": "1", "type": "n_of", "n": 2, "met": 1, "needed": 2} in reasons(
        short, "group_short"
    )


def test_the_search_backtracks_so_one_holding_never_meets_two_atoms():
    # a1 meets both atoms, a2 only the first: taking a1 for the first would leave nothing for
    # the second.
    holdings = [
        holding("a1", category="online", certificates={5}),
        holding("a2", category="online"),
    ]
    line = one_line(holdings, all_of(cat("online"), cert(5)))
    assert line.status == MATCH
    assert [(r["path"], r["holding"]) for r in reasons(line, "atom_met")] == [
        ("0", "a2"),
        ("1", "a1"),
    ]


def test_an_n_of_group_backtracks_over_its_items():
    holdings = [holding("a1", standard="S-1", subjects={"00012"})]
    source = all_of(any_of(std("S-1"), subject("00012")), std("S-1"))
    line = one_line(holdings, source)
    assert line.status == PARTIAL  # one holding cannot meet two atoms
    two = one_line([*holdings, holding("a2", subjects={"00012"})], source)
    assert two.status == MATCH
    assert set(two.holding_ids) == {"a1", "a2"}


def test_the_search_is_bounded():
    # 30 atoms of one category over 29 holdings of it: a pigeonhole that an unbounded search
    # would take forever to refute (this test would not end). How fast the engine is, is
    # measured by ``make bench`` (bench_simulate), not here.
    holdings = [holding(f"a{k:02d}", category="online") for k in range(29)]
    source = all_of(*[cat("online") for _ in range(30)])
    line = one_line(holdings, source)
    assert line.status == PARTIAL
    assert len(line.missing) == 1
    fits = one_line([*holdings, holding("a99", category="online")], source)
    assert fits.status == MATCH and len(fits.holding_ids) == 30


# --- Atom kinds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "meets", "misses"),
    [
        (std("S-1"), {"standard": "S-1"}, {"standard": "S-2"}),
        (cat("online"), {"category": "online"}, {"category": "mooc"}),
        (cat("online", min_level=4), {"category": "online", "level": 4}, {"category": "online"}),
        (cat("online", min_level=4), {"category": "online", "level": 5}, {"level": 3}),
        (cert(5), {"certificates": {5, 6}}, {"certificates": {6}}),
        (course_atom(9), {"courses": {9}}, {"courses": {8}}),
        (subject("00015"), {"subjects": {"00015"}}, {"subjects": {"00012"}}),
    ],
)
def test_each_atom_kind(node, meets, misses):
    assert one_line([holding("a1", **meets)], all_of(node)).status == MATCH
    assert one_line([holding("a1", **misses)], all_of(node)).status == MISS


def test_a_level_below_the_minimum_does_not_meet_a_category_atom():
    line = one_line([holding("a1", category="online", level=3)], all_of(cat("online", min_level=4)))
    assert line.status == MISS
    assert codes(line) == ["atom_missing"]


# --- Results ------------------------------------------------------------------------------------

SCORE = "score"
GRADE = "grade"
PASS = "pass"

RESULT_TABLE = [
    # (holding kind, value, minimum, met)
    (SCORE, "60", {"kind": "pass"}, True),
    (SCORE, "59", {"kind": "pass"}, False),
    (SCORE, "59.5", {"kind": "pass"}, False),
    (GRADE, "合格", {"kind": "pass"}, True),
    (GRADE, "优秀", {"kind": "pass"}, True),
    (GRADE, "不合格", {"kind": "pass"}, False),
    (PASS, "pass", {"kind": "pass"}, True),
    (PASS, "fail", {"kind": "pass"}, False),
    (SCORE, "75", {"kind": "score", "value": 75}, True),
    (SCORE, "74", {"kind": "score", "value": 75}, False),
    (GRADE, "良好", {"kind": "score", "value": 80}, True),
    (GRADE, "良好", {"kind": "score", "value": 81}, False),
    (GRADE, "中等", {"kind": "score", "value": 70}, True),
    (GRADE, "不合格", {"kind": "score", "value": 0}, True),
    (PASS, "pass", {"kind": "score", "value": 60}, True),
    (PASS, "pass", {"kind": "score", "value": 61}, False),
    (PASS, "fail", {"kind": "score", "value": 0}, False),
    (GRADE, "良好", {"kind": "grade", "value": "良好"}, True),
    (GRADE, "中等", {"kind": "grade", "value": "良好"}, False),
    (GRADE, "优秀", {"kind": "grade", "value": "良好"}, True),
    (SCORE, "80", {"kind": "grade", "value": "良好"}, True),
    (SCORE, "79", {"kind": "grade", "value": "良好"}, False),
    (SCORE, "90", {"kind": "grade", "value": "优秀"}, True),
    (SCORE, "60", {"kind": "grade", "value": "合格"}, True),
    (PASS, "pass", {"kind": "grade", "value": "合格"}, True),
    (PASS, "pass", {"kind": "grade", "value": "中等"}, False),
    (SCORE, "abc", {"kind": "pass"}, False),
]


@pytest.mark.parametrize(("kind", "value", "minimum", "met"), RESULT_TABLE)
def test_the_result_comparison_table(kind, value, minimum, met):
    assert engine.result_meets(kind, value, minimum) is met
    assert engine.meets_minimum(engine.result_standing(kind, value), minimum) is met
    line = one_line(
        [holding("a1", certificates={5}, result_kind=kind, result_value=value)],
        all_of(cert(5, min_result=minimum)),
    )
    assert line.status == (MATCH if met else MISS)
    if not met:
        assert reasons(line, "atom_result_low") == [
            {
                "path": "0",
                "atom": cert(5, min_result=minimum),
                "holding": "a1",
                "result": {"kind": kind, "value": value},
                "min_result": minimum,
            }
        ]


def test_a_unit_standard_atom_ignores_results():
    line = one_line(
        [holding("a1", standard="S-1", result_kind=SCORE, result_value="10")], std("S-1")
    )
    assert line.status == MATCH


# --- Age ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "obtained", "years", "met", "earliest"),
    [
        (datetime.date(2026, 12, 4), datetime.date(2023, 12, 4), 3, True, "2023-12-04"),
        (datetime.date(2026, 12, 4), datetime.date(2023, 12, 3), 3, False, "2023-12-04"),
        (datetime.date(2028, 2, 29), datetime.date(2027, 2, 28), 1, True, "2027-02-28"),
        (datetime.date(2028, 2, 29), datetime.date(2027, 2, 27), 1, False, "2027-02-28"),
        (datetime.date(2028, 2, 29), datetime.date(2024, 2, 29), 4, True, "2024-02-29"),
        (datetime.date(2027, 3, 1), datetime.date(2024, 2, 29), 3, False, "2024-03-01"),
    ],
)
def test_within_years(on, obtained, years, met, earliest):
    line = one_line(
        [holding("a1", standard="S-1", obtained_on=obtained)],
        all_of(std("S-1", within_years=years)),
        on=on,
    )
    assert line.status == (MATCH if met else MISS)
    if not met:
        assert reasons(line, "atom_too_old") == [
            {
                "path": "0",
                "atom": std("S-1", within_years=years),
                "holding": "a1",
                "obtained_on": obtained.isoformat(),
                "within_years": years,
                "earliest": earliest,
            }
        ]
    assert engine.years_before(on, years).isoformat() == earliest


def test_an_unknown_date_and_result_are_assumed_and_the_reason_says_so():
    visitor = holding("hcertificate:5", certificates={5}, obtained_on=None)
    line = one_line(
        [visitor], all_of(cert(5, within_years=2, min_result={"kind": "score", "value": 90}))
    )
    assert line.status == MATCH
    assert reasons(line, "atom_met")[0]["assumed"] == ["date", "result"]
    plain = one_line([visitor], all_of(cert(5)))
    assert reasons(plain, "atom_met")[0]["assumed"] == []


# --- Rules competing ----------------------------------------------------------------------------


def test_the_richer_rule_wins_a_holding_two_rules_want():
    holdings = [holding("a1", standard="S-1")]
    poor = rule(1, std("S-1"), target(1, "2"))
    rich = rule(2, std("S-1"), target(2, "4"))
    outcome = evaluate(situation(holdings, [poor, rich]))
    assert outcome.line_for(2).status == MATCH
    assert outcome.line_for(2).holding_ids == ("a1",)
    lost = outcome.line_for(1)
    assert lost.status == MISS
    assert reasons(lost, "holding_used_elsewhere") == [
        {"path": "0", "atom": std("S-1"), "holding": "a1", "by": "ZH-2026-0002", "version_id": 2}
    ]


def test_equal_credits_go_to_more_exemptions_then_the_lower_rule_number():
    holdings = [holding("a1", standard="S-1")]
    exempting = rule(5, std("S-1"), target(1, "4"), target(3, None), number="ZH-2026-0009")
    plain = rule(4, std("S-1"), target(2, "4"), number="ZH-2026-0001")
    outcome = evaluate(situation(holdings, [plain, exempting]))
    assert outcome.line_for(1).holding_ids == ("a1",)
    assert outcome.line_for(2).status == MISS
    first = rule(7, std("S-1"), target(1, "4"), number="ZH-2026-0001")
    second = rule(6, std("S-1"), target(2, "4"), number="ZH-2026-0002")
    outcome = evaluate(situation(holdings, [second, first]))
    assert outcome.line_for(1).status == MATCH
    assert outcome.line_for(2).status == MISS


def test_a_course_granted_by_two_rules_is_granted_once():
    holdings = [holding("a1", standard="S-1"), holding("a2", standard="S-2")]
    first = rule(1, std("S-1"), target(1, "4"))
    second = rule(2, std("S-2"), target(1, "4"))
    outcome = evaluate(situation(holdings, [first, second]))
    assert [line.course_id for line in outcome.lines] == [1]
    assert outcome.line_for(1).holding_ids == ("a1",)
    assert outcome.unused == ("a2",)  # the second rule had nothing left to grant


def test_a_rule_also_met_for_a_granted_course_grants_its_other_courses_and_says_so():
    holdings = [holding("a1", standard="S-1"), holding("a2", standard="S-2")]
    first = rule(1, std("S-1"), target(1, "6"))
    second = rule(2, std("S-2"), target(1, "4"), target(2, "1"))
    outcome = evaluate(situation(holdings, [first, second]))
    assert outcome.line_for(1).version_id == 1
    assert reasons(outcome.line_for(1), "granted_by_other_rule") == [
        {"version_id": 2, "number": "ZH-2026-0002"}
    ]
    assert outcome.line_for(2).status == MATCH
    assert outcome.line_for(2).holding_ids == ("a2",)


def test_a_rule_granting_two_courses_puts_its_holdings_on_the_first():
    holdings = [holding("a1", subjects={"00012"}), holding("a2", subjects={"00015"})]
    both = rule(1, all_of(subject("00012"), subject("00015")), target(3, "4"), target(2, "4"))
    outcome = evaluate(situation(holdings, [both]))
    first, second = outcome.line_for(2), outcome.line_for(3)
    assert first.holding_ids == ("a1", "a2") and first.granted_with is None
    assert second.holding_ids == () and second.granted_with == 2
    assert second.status == MATCH and second.applicable and first.applicable
    assert reasons(second, "granted_with") == [{"course_id": 2, "version_id": 1}]
    assert outcome.companions_missing([3]) == [3]
    assert outcome.companions_missing([2, 3]) == []
    assert outcome.headroom.share_left == D("100") - D("8")


def test_the_closest_rule_explains_a_course_no_rule_grants():
    holdings = [holding("a1", standard="S-1")]
    far = rule(1, all_of(std("S-7"), std("S-8")), target(1, "9"))
    near = rule(2, all_of(std("S-1"), std("S-2")), target(1, "2"))
    line = evaluate(situation(holdings, [far, near])).line_for(1)
    assert line.version_id == 2
    assert line.status == PARTIAL
    assert line.missing == ("1",)
    assert line.full_credits == D("2")


def test_no_line_for_a_course_no_rule_targets_or_outside_the_programme():
    outcome = evaluate(situation([], [rule(1, std("S-1"), target(1), target(99))]))
    assert [line.course_id for line in outcome.lines] == [1]


# --- Prior conversions --------------------------------------------------------------------------


def test_a_converted_course_is_converted():
    holdings = [holding("a1", standard="S-1")]
    outcome = evaluate(
        situation(holdings, [rule(1, std("S-1"), target(1))], prior=[prior(course=1, credits="4")])
    )
    line = outcome.line_for(1)
    assert line.status == CONVERTED
    assert line.reasons == (engine.Reason("already_converted", {"course_id": 1, "open": False}),)
    assert line.holding_ids == () and outcome.unused == ("a1",)


def test_a_holding_converted_at_the_institution_is_not_available():
    holdings = [holding("a1", standard="S-1")]
    rules = [rule(1, std("S-1"), target(1))]
    line = evaluate(situation(holdings, rules, prior=[prior("a1", credits="3")])).line_for(1)
    assert line.status == MISS
    assert reasons(line, "holding_converted") == [
        {"path": "0", "atom": std("S-1"), "holding": "a1", "anywhere": False, "open": False}
    ]
    waiting = evaluate(
        situation(holdings, rules, prior=[prior("a1", credits="3", is_open=True)])
    ).line_for(1)
    assert reasons(waiting, "holding_converted")[0]["open"] is True


def test_a_holding_converted_elsewhere_counts_only_once_anywhere():
    holdings = [holding("a1", standard="S-1")]
    rules = [rule(1, std("S-1"), target(1))]
    elsewhere = [prior("a1", credits="3", institution=OTHER_INSTITUTION)]
    assert evaluate(situation(holdings, rules, prior=elsewhere)).line_for(1).status == MATCH
    line = evaluate(
        situation(holdings, rules, prior=elsewhere, caps=Caps(once_anywhere=True))
    ).line_for(1)
    assert line.status == MISS
    assert reasons(line, "holding_converted")[0]["anywhere"] is True


# --- Caps ---------------------------------------------------------------------------------------


def test_the_share_cap_cuts_and_counts_prior_conversions_into_the_programme():
    holdings = [holding("a1", standard="S-1"), holding("a2", standard="S-2")]
    rules = [rule(1, std("S-1"), target(1, "8")), rule(2, std("S-2"), target(2, "6"))]
    # 40 graduation credits × 50% = 20; 9 converted before → 11 left: 8, then 3 of 6.
    outcome = evaluate(
        situation(holdings, rules, graduation="40", prior=[prior("a9", credits="9")])
    )
    assert outcome.line_for(1).status == MATCH
    cut = outcome.line_for(2)
    assert cut.status == PARTIAL and cut.credits == D("3") and cut.full_credits == D("6")
    assert cut.applicable and cut.holding_ids == ("a2",)
    assert reasons(cut, "cap_cut") == [
        {"cap": "share", "limit": "20.00", "left": "3.00", "cut": "3.00"}
    ]
    assert outcome.headroom.share_limit == D("20.00") and outcome.headroom.share_left == 0
    elsewhere = prior("a9", credits="9", institution=OTHER_INSTITUTION)
    roomy = evaluate(situation(holdings, rules, graduation="40", prior=[elsewhere]))
    assert roomy.line_for(2).credits == D("6")


def test_a_line_cut_to_nothing_is_a_miss_naming_the_cap_and_uses_no_holding():
    holdings = [holding("a1", standard="S-1")]
    rules = [rule(1, std("S-1"), target(1, "4"))]
    outcome = evaluate(situation(holdings, rules, graduation="20", prior=[prior(credits="10")]))
    line = outcome.line_for(1)
    assert line.status == MISS and line.credits is None and line.holding_ids == ()
    assert codes(line) == ["rule_met", "atom_met", "cap_cut"]
    assert reasons(line, "cap_cut")[0] == {
        "cap": "share",
        "limit": "10.00",
        "left": "0.00",
        "cut": "4.00",
    }
    assert outcome.unused == ("a1",)


def test_an_exemption_is_not_cut_by_credit_caps():
    holdings = [holding("a1", standard="S-1")]
    outcome = evaluate(situation(holdings, [rule(1, std("S-1"), target(1, None))], graduation="0"))
    line = outcome.line_for(1)
    assert line.status == MATCH and line.outcome == engine.EXEMPTION and line.credits is None


def test_the_per_year_cap_counts_this_years_conversions_at_the_institution():
    holdings = [holding("a1", standard="S-1")]
    rules = [rule(1, std("S-1"), target(1, "6"))]
    caps = Caps(per_year=D("10"))
    this_year = prior("a9", credits="7", on=datetime.date(2026, 1, 2))
    last_year = prior("a8", credits="7", on=datetime.date(2025, 12, 31))
    line = evaluate(situation(holdings, rules, caps=caps, prior=[this_year, last_year])).line_for(1)
    assert line.credits == D("3")
    assert reasons(line, "cap_cut") == [
        {"cap": "per_year", "limit": "10.00", "left": "3.00", "cut": "3.00"}
    ]
    outcome = evaluate(situation(holdings, rules, caps=caps, prior=[last_year]))
    assert outcome.line_for(1).credits == D("6")
    assert outcome.headroom.per_year_left == D("4")


def test_the_per_source_cap_counts_each_issuer():
    holdings = [
        holding("a1", standard="S-1", issuer="i5"),
        holding("a2", standard="S-2", issuer="i5"),
        holding("a3", standard="S-3", issuer="i6"),
        holding("a4", standard="S-4", issuer="i5"),
    ]
    rules = [
        rule(1, std("S-1"), target(1, "4")),
        rule(2, std("S-2"), target(2, "3")),
        rule(3, std("S-3"), target(3, "2")),
        rule(4, std("S-4"), target(4, "1")),
    ]
    caps = Caps(per_source=D("6"))
    earlier = prior("a1x", credits="1")  # no holding the situation knows: no issuer
    outcome = evaluate(situation(holdings, rules, caps=caps, prior=[earlier]))
    assert outcome.line_for(1).credits == D("4")
    second = outcome.line_for(2)
    assert second.credits == D("2")
    assert reasons(second, "cap_cut") == [
        {"cap": "per_source", "limit": "6.00", "left": "2.00", "cut": "1.00", "issuer": "i5"}
    ]
    assert outcome.line_for(3).credits == D("2")  # another issuer
    assert outcome.line_for(4).status == MISS  # i5 has nothing left
    assert reasons(outcome.line_for(4), "cap_cut")[0]["left"] == "0.00"


def test_the_per_source_cap_counts_prior_conversions_at_the_institution():
    holdings = [holding("a1", standard="S-1", issuer="i5"), holding("a9", issuer="i5")]
    rules = [rule(1, std("S-1"), target(1, "4"))]
    caps = Caps(per_source=D("5"))
    line = evaluate(situation(holdings, rules, caps=caps, prior=[prior("a9", credits="3")]))
    assert line.line_for(1).credits == D("2")


def test_the_certificate_cap_counts_prior_certificates():
    holdings = [
        holding("a1", certificates={5}, is_certificate=True),
        holding("a2", certificates={6}, is_certificate=True),
        holding("a3", is_certificate=True),
    ]
    rules = [rule(1, cert(5), target(1, "4")), rule(2, cert(6), target(2, "3"))]
    outcome = evaluate(situation(holdings, rules, caps=Caps(certificates=2), prior=[prior("a3")]))
    assert outcome.line_for(1).status == MATCH
    blocked = outcome.line_for(2)
    assert blocked.status == MISS
    assert reasons(blocked, "certificate_cap") == [
        {"path": "0", "atom": cert(6), "holding": "a2", "limit": 2}
    ]
    assert outcome.headroom.certificates_left == 0
    roomy = evaluate(situation(holdings, rules, caps=Caps(certificates=3), prior=[prior("a3")]))
    assert roomy.line_for(2).status == MATCH
    assert roomy.headroom.certificates_left == 0


def test_the_certificate_cap_stops_an_exemption():
    holdings = [holding("a1", certificates={5}, is_certificate=True)]
    line = evaluate(
        situation(holdings, [rule(1, cert(5), target(1, None))], caps=Caps(certificates=0))
    ).line_for(1)
    assert line.status == MISS
    assert codes(line) == ["certificate_cap"]


# --- The trace ----------------------------------------------------------------------------------


def test_the_trace_is_json_with_decimals_and_dates_as_strings():
    holdings = [holding("a1", standard="S-1", title="计算机应用基础", credits=D("3"))]
    outcome = evaluate(situation(holdings, [rule(55, std("S-1"), target(1, "4"))]))
    trace = json.loads(json.dumps(outcome.trace()))
    assert trace == {
        "engine": 1,
        "on": ON.isoformat(),
        "institution_id": 1,
        "programme_id": 7,
        "lines": [
            {
                "course_id": 1,
                "status": "match",
                "outcome": "credits",
                "credits": "4.00",
                "full_credits": "4.00",
                "version_id": 55,
                "holding_ids": ["a1"],
                "missing": [],
                "reasons": [
                    {"code": "rule_met", "version_id": 55, "number": "ZH-2026-0055", "version": 1},
                    {
                        "code": "atom_met",
                        "path": "0",
                        "atom": std("S-1"),
                        "holding": "a1",
                        "assumed": [],
                    },
                ],
            }
        ],
        "headroom": {
            "share_limit": "100.00",
            "share_left": "96.00",
            "per_year_left": None,
            "certificates_left": None,
        },
        "unused": [],
        "holdings": {
            "a1": {"title": "计算机应用基础", "credits": "3.00", "obtained_on": "2025-06-01"}
        },
    }


def test_every_reason_code_the_engine_gives_is_listed():
    assert set(engine.REASON_CODES) >= {
        "atom_met",
        "atom_missing",
        "atom_too_old",
        "atom_result_low",
        "holding_used_elsewhere",
        "holding_converted",
        "certificate_cap",
        "group_short",
        "rule_met",
        "cap_cut",
        "already_converted",
        "granted_by_other_rule",
        "granted_with",
        "no_rule",
    }


def test_the_fast_line_and_reason_builders_make_the_dataclasses():
    """The engine builds its lines and reasons without the frozen dataclasses' ``__init__``
    (``engine._line``, ``engine._reason``): the same fields, equal, frozen."""
    import dataclasses

    fields = {
        "course_id": 3,
        "status": PARTIAL,
        "outcome": engine.CREDITS,
        "credits": D("2.00"),
        "full_credits": D("4.00"),
        "version_id": 10,
        "holding_ids": ("a1",),
        "missing": (),
        "reasons": (engine.Reason("rule_met", {"version_id": 10}),),
        "granted_with": 2,
    }
    assert list(fields) == [f.name for f in dataclasses.fields(engine.Line)]
    fast = engine._line(**fields)
    assert fast == engine.Line(**fields)
    assert fast.__dict__ == engine.Line(**fields).__dict__
    assert list(fast.__dict__) == list(fields)
    assert repr(fast) == repr(engine.Line(**fields))
    assert engine._line(**{**fields, "granted_with": None}) == engine.Line(
        **{**fields, "granted_with": None}
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.status = MATCH
    assert [f.name for f in dataclasses.fields(engine.Reason)] == ["code", "facts"]
    reason = engine._reason("atom_missing", {"path": "0"})
    assert reason == engine.Reason("atom_missing", {"path": "0"})
    assert reason.__dict__ == engine.Reason("atom_missing", {"path": "0"}).__dict__
    with pytest.raises(dataclasses.FrozenInstanceError):
        reason.code = "no_rule"
