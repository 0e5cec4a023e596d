"""The engine's reasons as sentences: every reason code reads in Chinese and in English, a Chinese
sentence has no English words (codes and titles aside), and the names come from a fixed number
of queries."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from conversion import engine
from conversion.engine import evaluate
from conversion.trace import line_sentences, missing_sentences, names_for, status_label
from tests.accounts.factories import InstitutionFactory
from tests.conversion.engine_data import (
    all_of,
    cert,
    course_atom,
    holding,
    n_of,
    prior,
    rule,
    situation,
    std,
    subject,
    target,
)
from tests.conversion.factories import CertificateFactory, CourseFactory, SelfStudySubjectFactory

pytestmark = pytest.mark.django_db

ATOM = {"type": "atom", "kind": "self_study", "subject": "00015", "within_years": 3}
ATOM["min_result"] = {"kind": "score", "value": 60}

# One example of every reason code, with the facts the engine gives.
EXAMPLES = {
    "atom_met": {"path": "0", "atom": ATOM, "holding": "hx:1", "assumed": ["date", "result"]},
    "atom_missing": {"path": "0", "atom": ATOM},
    "atom_too_old": {
        "path": "0",
        "atom": ATOM,
        "holding": "hx:1",
        "obtained_on": "2019-05-01",
        "within_years": 3,
        "earliest": "2023-12-04",
    },
    "atom_result_low": {
        "path": "0",
        "atom": ATOM,
        "holding": "hx:1",
        "result": {"kind": "grade", "value": "合格"},
        "min_result": {"kind": "grade", "value": "良好"},
    },
    "holding_used_elsewhere": {
        "path": "0",
        "atom": ATOM,
        "holding": "hx:1",
        "by": "ZH-2026-0001",
        "version_id": 1,
    },
    "holding_converted": {
        "path": "0",
        "atom": ATOM,
        "holding": "hx:1",
        "anywhere": False,
        "open": False,
    },
    "certificate_cap": {"path": "0", "atom": ATOM, "holding": "hx:1", "limit": 2},
    "group_short": {"path": "", "type": "n_of", "n": 2, "met": 1, "needed": 2},
    "rule_met": {"version_id": 1, "number": "ZH-2026-0001", "version": 2},
    "cap_cut": {"cap": "share", "limit": "40.00", "left": "1.00", "cut": "3.00"},
    "already_converted": {"course_id": 1, "open": False},
    "granted_by_other_rule": {"version_id": 1, "number": "ZH-2026-0001"},
    "granted_with": {"course_id": 1, "version_id": 1},
    "no_rule": {},
}
VARIANTS = [
    ("holding_converted", {"anywhere": True}),
    ("holding_converted", {"open": True}),
    ("cap_cut", {"cap": "per_year"}),
    ("cap_cut", {"cap": "per_source", "issuer": "nexam board"}),
    ("already_converted", {"open": True}),
    ("atom_result_low", {"result": {"kind": "score", "value": "55"}}),
    ("atom_result_low", {"result": {"kind": "pass", "value": "fail"}}),
]
CASES = [(code, facts) for code, facts in EXAMPLES.items()] + [
    (code, {**EXAMPLES[code], **more}) for code, more in VARIANTS
]
TITLES = ("Python", "ZH-2026-0001", "OU-1001", "hx:1", "1")


def test_every_reason_code_has_an_example():
    assert set(EXAMPLES) == set(engine.REASON_CODES)


def sentence(code, facts, names):
    line = {"course_id": 1, "version_id": None, "reasons": [{"code": code, **facts}]}
    return line_sentences(line, names, holdings={"hx:1": {"title": "Python程序设计"}})


@pytest.fixture
def names():
    SelfStudySubjectFactory(code="00015", name="英语（二）")
    reasons = [{"code": code, **facts} for code, facts in CASES]
    return names_for([{"lines": [{"course_id": 1, "version_id": None, "reasons": reasons}]}])


@pytest.mark.parametrize(("code", "facts"), CASES)
def test_every_reason_reads_in_english(code, facts, names):
    with translation.override("en"):
        [text] = sentence(code, facts, names)
    assert text and text != code
    assert "%(" not in text


@pytest.mark.parametrize(("code", "facts"), CASES)
def test_every_reason_reads_in_chinese_without_english_words(code, facts, names):
    with translation.override("zh-hans"):
        [text] = sentence(code, facts, names)
    assert text and "%(" not in text
    stripped = text
    for title in (*TITLES, "nexam board", "exam board"):
        stripped = stripped.replace(title, "")
    assert not re.search(r"[A-Za-z]", stripped), text


def test_status_labels():
    with translation.override("zh-hans"):
        labels = [status_label(s) for s in engine.STATUSES]
    assert labels == ["可转换", "部分满足", "不满足", "已转换"]
    with translation.override("en"):
        assert status_label(engine.MATCH) == "Match"


def test_sentences_of_an_outcome_name_the_database_rows(django_assert_max_num_queries):
    """A real outcome whose reasons cite certificates, courses, a subject and unit standards:
    the names come from a fixed number of queries."""
    issuer = InstitutionFactory(name="重庆城市职业学院")
    certificate = CertificateFactory(name="全国计算机等级考试", grade="二级")
    other = CourseFactory(institution=issuer, code="CV-2005", name="程序设计基础")
    target_course = CourseFactory(code="OU-1001", name="计算机应用基础")
    SelfStudySubjectFactory(code="00012", name="英语（一）")
    course_id = target_course.pk
    holdings = [
        holding("a1", certificates={certificate.pk}, title="全国计算机等级考试二级"),
        holding("a2", subjects={"00012"}, title="英语（一）"),
    ]
    rules = [
        rule(
            1,
            all_of(
                cert(certificate.pk),
                n_of(2, subject("00012"), course_atom(other.pk), std("NOPE-1")),
            ),
            target(course_id, "4"),
        )
    ]
    courses = (
        engine.Course(id=course_id, code="OU-1001", name="计算机应用基础", credits=Decimal(4)),
    )
    outcome = evaluate(situation(holdings, rules, courses=courses, prior=[prior()]))
    trace = outcome.trace()
    with django_assert_max_num_queries(10):
        names = names_for([trace])
    with translation.override("zh-hans"):
        line = trace["lines"][0]
        texts = line_sentences(line, names, holdings=trace["holdings"])
        missing = missing_sentences(line, names)
    assert line["status"] == "partial"
    assert any("全国计算机等级考试（二级）" in text and "满足" in text for text in texts)
    assert any("须满足2项，已满足1项" in text for text in texts)
    assert missing == ["重庆城市职业学院课程 CV-2005 程序设计基础"] or "CV-2005" in missing[0]
    assert names.course(course_id) == "OU-1001 计算机应用基础"
