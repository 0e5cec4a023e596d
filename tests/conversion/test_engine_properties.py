"""The engine's invariants for any holdings, rules, caps and prior conversions, in any order
(hypothesis): caps never exceeded, no holding used twice or after it was converted, credits never
above what the rule grants, statuses consistent, and the same JSON whatever the order."""

import datetime
import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversion import engine
from conversion.engine import CONVERTED, CREDITS, EXEMPTION, MATCH, MISS, PARTIAL, evaluate
from tests.conversion.engine_data import COURSES, INSTITUTION, ON, OTHER_INSTITUTION

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOLDING_IDS = [f"a{k}" for k in range(1, 9)]
PROGRAMME_COURSES = COURSES[:5]  # course 6 is outside the programme
CERTS, OTHER_COURSES, SUBJECTS = [1, 2, 3], [1, 2], ["s1", "s2"]
STANDARDS, CATEGORIES = ["S1", "S2", "S3"], ["c1", "c2"]
GRADES = ["优秀", "良好", "中等", "合格", "不合格"]
credits_ = st.integers(0, 12).map(Decimal)
dates = st.dates(datetime.date(2018, 1, 1), datetime.date(2027, 1, 1))


RESULTS = st.one_of(
    st.just(("", "")),
    st.tuples(st.just("score"), st.integers(0, 100).map(str)),
    st.tuples(st.just("grade"), st.sampled_from(GRADES)),
    st.tuples(st.just("pass"), st.sampled_from(["pass", "fail"])),
)


def _holding(hid, result, **fields):
    return engine.Holding(
        id=hid, title=hid, result_kind=result[0], result_value=result[1], **fields
    )


HOLDING = st.builds(
    _holding,
    hid=st.sampled_from(HOLDING_IDS),
    result=RESULTS,
    category=st.sampled_from(["", *CATEGORIES]),
    level=st.none() | st.integers(1, 5),
    obtained_on=st.none() | dates,
    credits=credits_,
    issuer=st.sampled_from(["", "n", "i1", "i2", "nschool"]),
    standard=st.sampled_from(["", *STANDARDS]),
    certificates=st.frozensets(st.sampled_from(CERTS)),
    courses=st.frozensets(st.sampled_from(OTHER_COURSES)),
    subjects=st.frozensets(st.sampled_from(SUBJECTS)),
    is_certificate=st.booleans(),
)
HOLDINGS = st.lists(HOLDING, max_size=8, unique_by=lambda h: h.id)

MIN_RESULT = (
    st.none()
    | st.just({"kind": "pass"})
    | st.integers(0, 100).map(lambda v: {"kind": "score", "value": v})
    | st.sampled_from(GRADES[:4]).map(lambda g: {"kind": "grade", "value": g})
)
WITHIN = st.none() | st.integers(1, 5)


def _atom(kind, **fields):
    return {"type": "atom", "kind": kind, **fields}


ATOM = st.one_of(
    st.builds(_atom, st.just("standard"), code=st.sampled_from(STANDARDS), within_years=WITHIN),
    st.builds(
        _atom,
        st.just("category"),
        category=st.sampled_from(CATEGORIES),
        min_level=st.none() | st.integers(1, 5),
        within_years=WITHIN,
        min_result=MIN_RESULT,
    ),
    st.builds(
        _atom,
        st.just("certificate"),
        certificate=st.sampled_from(CERTS),
        within_years=WITHIN,
        min_result=MIN_RESULT,
    ),
    st.builds(
        _atom,
        st.just("course"),
        course=st.sampled_from(OTHER_COURSES),
        within_years=WITHIN,
        min_result=MIN_RESULT,
    ),
    st.builds(
        _atom,
        st.just("self_study"),
        subject=st.sampled_from(SUBJECTS),
        within_years=WITHIN,
        min_result=MIN_RESULT,
    ),
)


def _group(kind, items, n):
    node = {"type": kind, "items": items}
    if kind == "n_of":
        node["n"] = min(n, len(items))
    return node


def groups_of(child):
    return st.builds(
        _group,
        st.sampled_from(["all", "any", "n_of"]),
        st.lists(child, min_size=1, max_size=4),
        st.integers(1, 4),
    )


GROUP = groups_of(ATOM | groups_of(ATOM | groups_of(ATOM)))  # three levels deep at most

TARGET = st.builds(
    lambda course, credits: (
        engine.Target(course, CREDITS, credits)
        if credits
        else engine.Target(course, EXEMPTION, None)
    ),
    st.integers(1, 6),
    st.integers(0, 8).map(Decimal),
)
RULE = st.builds(
    lambda version_id, number, source, targets: engine.Rule(
        version_id=version_id,
        number=f"ZH-2026-{number:04d}",
        version=1,
        source=source,
        targets=tuple(targets),
    ),
    st.integers(1, 60),
    st.integers(1, 9),
    GROUP,
    st.lists(TARGET, min_size=1, max_size=3, unique_by=lambda t: t.course_id),
)
RULES = st.lists(RULE, max_size=6, unique_by=lambda r: r.version_id)
PRIOR = st.builds(
    engine.Prior,
    holding_ids=st.lists(st.sampled_from([*HOLDING_IDS, "a99"]), unique=True, max_size=3).map(
        tuple
    ),
    institution_id=st.sampled_from([INSTITUTION, OTHER_INSTITUTION]),
    course_id=st.none() | st.integers(1, 6),
    in_programme=st.booleans(),
    credits=credits_,
    on=st.dates(datetime.date(2025, 6, 1), ON),
    is_open=st.booleans(),
)


caps = st.builds(
    engine.Caps,
    share_percent=st.integers(0, 100),
    per_year=st.none() | credits_,
    per_source=st.none() | credits_,
    certificates=st.none() | st.integers(0, 3),
    once_anywhere=st.booleans(),
)


def situations():
    return st.builds(
        engine.Situation,
        on=st.sampled_from([ON, datetime.date(2028, 2, 29)]),
        institution_id=st.just(INSTITUTION),
        programme_id=st.just(7),
        graduation_credits=st.integers(0, 60).map(Decimal),
        courses=st.just(PROGRAMME_COURSES),
        rules=RULES.map(tuple),
        holdings=HOLDINGS.map(tuple),
        caps=caps,
        prior=st.lists(PRIOR, max_size=4).map(tuple),
    )


def rule_holdings(outcome) -> dict[int, tuple[str, ...]]:
    """For every line, the holdings its rule uses (a companion line's are on its first line)."""
    by_course = {line.course_id: line for line in outcome.lines}
    return {
        line.course_id: (
            by_course[line.granted_with].holding_ids
            if line.granted_with is not None
            else line.holding_ids
        )
        for line in outcome.lines
    }


def granting(outcome):
    return [
        line
        for line in outcome.lines
        if line.status in (MATCH, PARTIAL) and line.credits is not None and not line.missing
    ]


@SETTINGS
@given(situations())
def test_caps_are_never_exceeded(situation):
    outcome = evaluate(situation)
    caps, here = situation.caps, situation.institution_id
    known = {h.id: h for h in situation.holdings}
    new = sum((line.credits for line in granting(outcome)), Decimal("0"))
    share_limit = (situation.graduation_credits * caps.share_percent / 100).quantize(
        Decimal("0.01")
    )
    share_prior = sum((p.credits for p in situation.prior if p.in_programme), Decimal("0"))
    assert new <= max(Decimal("0"), share_limit - share_prior)
    at_institution = [p for p in situation.prior if p.institution_id == here]
    if caps.per_year is not None:
        year_prior = sum(
            (p.credits for p in at_institution if p.on.year == situation.on.year), Decimal("0")
        )
        assert new <= max(Decimal("0"), caps.per_year - year_prior)
    if caps.per_source is not None:
        uses = rule_holdings(outcome)
        issuers = {h.issuer for h in situation.holdings} - {"", "n"}
        for issuer in issuers:
            before = sum(
                (
                    p.credits
                    for p in at_institution
                    if issuer in {known[h].issuer for h in set(p.holding_ids) if h in known}
                ),
                Decimal("0"),
            )
            now = sum(
                (
                    line.credits
                    for line in granting(outcome)
                    if issuer in {known[h].issuer for h in uses[line.course_id]}
                ),
                Decimal("0"),
            )
            assert now <= max(Decimal("0"), caps.per_source - before)
    if caps.certificates is not None:
        before = {
            h
            for p in at_institution
            for h in p.holding_ids
            if h in known and known[h].is_certificate
        }
        used = {h for line in outcome.lines for h in line.holding_ids if known[h].is_certificate}
        assert len(used) <= max(0, caps.certificates - len(before))
        assert outcome.headroom.certificates_left == max(0, caps.certificates - len(before)) - len(
            used
        )


@SETTINGS
@given(situations())
def test_no_holding_is_used_twice_or_after_it_was_converted(situation):
    outcome = evaluate(situation)
    used = [h for line in outcome.lines for h in line.holding_ids]
    assert len(used) == len(set(used))
    blocked = {
        h
        for p in situation.prior
        if p.institution_id == situation.institution_id or situation.caps.once_anywhere
        for h in p.holding_ids
    }
    assert not set(used) & blocked
    assert set(used) <= {h.id for h in situation.holdings}
    assert list(outcome.unused) == sorted(h.id for h in situation.holdings if h.id not in used)


@SETTINGS
@given(situations())
def test_lines_and_statuses_are_consistent(situation):
    outcome = evaluate(situation)
    codes = [c.code for c in PROGRAMME_COURSES]
    programme = {c.id for c in PROGRAMME_COURSES}
    targeted = {t.course_id for r in situation.rules for t in r.targets} & programme
    converted = {
        p.course_id
        for p in situation.prior
        if p.institution_id == situation.institution_id and p.course_id is not None
    }
    assert [line.course_id for line in outcome.lines] == sorted(
        targeted, key=lambda pk: codes[pk - 1]
    )
    by_course = {line.course_id: line for line in outcome.lines}
    for line in outcome.lines:
        reason_codes = [r.code for r in line.reasons]
        assert set(reason_codes) <= set(engine.REASON_CODES)
        json.dumps([r.facts for r in line.reasons])
        if line.course_id in converted:
            assert line.status == CONVERTED
            assert reason_codes[0] == "already_converted"
        if line.status == CONVERTED:
            assert line.course_id in converted
            assert (line.credits, line.version_id, line.holding_ids) == (None, None, ())
            continue
        rule = next(r for r in situation.rules if r.version_id == line.version_id)
        target = next(t for t in rule.targets if t.course_id == line.course_id)
        assert line.outcome == target.outcome and line.full_credits == target.credits
        if line.status == MATCH:
            assert not line.missing and line.applicable
            assert line.credits == target.credits
            assert "rule_met" in reason_codes and "cap_cut" not in reason_codes
        elif line.status == PARTIAL and not line.missing:  # a cap cut it
            assert line.outcome == CREDITS and line.applicable
            assert Decimal("0") < line.credits < line.full_credits
            assert "cap_cut" in reason_codes
        elif line.status == PARTIAL:
            assert line.holding_ids == () and line.credits is None and not line.applicable
            assert "atom_met" in reason_codes
        else:
            assert line.status == MISS
            assert line.holding_ids == () and line.credits is None and not line.applicable
            assert line.missing or "cap_cut" in reason_codes
        if line.applicable:
            assert bool(line.holding_ids) != (line.granted_with is not None)
        if line.granted_with is not None:
            first = by_course[line.granted_with]
            assert first.version_id == line.version_id and first.holding_ids
        if line.credits is not None:
            assert Decimal("0") < line.credits <= line.full_credits


@SETTINGS
@given(situations(), st.randoms(use_true_random=False))
def test_the_order_of_the_inputs_changes_nothing(situation, rnd):
    def shuffled(items):
        items = list(items)
        rnd.shuffle(items)
        return tuple(items)

    other = engine.Situation(
        on=situation.on,
        institution_id=situation.institution_id,
        programme_id=situation.programme_id,
        graduation_credits=situation.graduation_credits,
        courses=shuffled(situation.courses),
        rules=shuffled(
            engine.Rule(**{**r.__dict__, "targets": shuffled(r.targets)}) for r in situation.rules
        ),
        holdings=shuffled(situation.holdings),
        caps=situation.caps,
        prior=shuffled(
            engine.Prior(**{**p.__dict__, "holding_ids": shuffled(p.holding_ids)})
            for p in situation.prior
        ),
    )
    first = json.dumps(evaluate(situation).trace(), sort_keys=True, ensure_ascii=False)
    assert json.dumps(evaluate(other).trace(), sort_keys=True, ensure_ascii=False) == first


@SETTINGS
@given(RESULTS, MIN_RESULT.filter(bool))
def test_the_fast_result_comparison_agrees_with_the_table(result, minimum):
    kind, value = result
    standing = engine.result_standing(kind, value)
    if not kind:
        assert standing is None
        return
    assert engine.meets_minimum(standing, minimum) is engine.result_meets(kind, value, minimum)


FLAT_SOURCE = st.builds(
    _group,
    st.sampled_from(["all", "any", "n_of"]),
    st.lists(ATOM, min_size=0, max_size=5),
    st.integers(1, 5),
)


@SETTINGS
@given(situations(), FLAT_SOURCE, st.data())
def test_the_flat_search_is_the_general_search(situation, source, data):
    """A source that is one group of atoms takes the shortcuts ``_search_flat`` and
    ``_partial_flat``: the same assignment (and the same budget) as the general search and
    walk, whatever is taken already."""
    ev = engine._Evaluation(situation)
    ev.certificates_left = data.draw(st.none() | st.integers(0, 3))
    for i in data.draw(st.sets(st.integers(0, max(0, len(ev.holdings) - 1)))):
        ev.taken.add(i)
    rule = engine.Rule(version_id=1, number="ZH-2026-0001", version=1, source=source, targets=())
    tree = ev.compiled(rule).tree
    assert tree.flat
    assert _searched(ev._search_flat, tree) == _searched(ev._search_tree, tree)
    assert ev._partial_flat(tree) == ev._partial_tree(tree)
    assert tree.possible == tree.feasible(set())


@SETTINGS
@given(situations(), ATOM, ATOM)
def test_atoms_share_their_judged_holdings_exactly_when_their_keys_are_equal(situation, a, b):
    """``_Evaluation.atom_info`` builds the key of ``_atom_key`` inline."""
    ev = engine._Evaluation(situation)
    first, second = ev.atom_info(a), ev.atom_info(b)
    if first.judged and second.judged:
        assert (first is second) == (engine._atom_key(a) == engine._atom_key(b))


def _searched(search, tree):
    """The search's assignment, or "exhausted" when it ran out of ``SEARCH_BUDGET``."""
    try:
        return search(tree)
    except engine._Exhausted:
        return "exhausted"
