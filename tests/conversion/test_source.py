"""The source tree of a rule version: checking and normalising it, its atom rows, and the
sentences the pages show."""

import pytest

from achievements.models import AchievementCategory, UnitStandard
from conversion.models import RuleVersion
from conversion.source import atoms_prefetch, atoms_rows, source_check, source_tree
from creditbank.errors import InvalidInput
from tests.accounts.factories import InstitutionFactory
from tests.achievements.factories import UnitStandardFactory
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    SelfStudySubjectFactory,
    rule_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, to read them (one test reads the Chinese sentences)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def atom(kind, **fields):
    return {"type": "atom", "kind": kind, **fields}


def group(kind, *items, n=None):
    node = {"type": kind, "items": list(items)}
    if n is not None:
        node["n"] = n
    return node


@pytest.fixture
def refs():
    certificate = CertificateFactory(name="全国计算机等级考试二级")
    institution = InstitutionFactory(name="重庆城市职业学院")
    course = CourseFactory(institution=institution, code="C001", name="程序设计基础")
    subject = SelfStudySubjectFactory(code="00015", name="英语（二）")
    standard = UnitStandardFactory(
        code="CQOU-IT-0001", name="计算机应用基础", status=UnitStandard.Status.APPROVED
    )
    return {
        "certificate": certificate,
        "course": course,
        "subject": subject,
        "standard": standard,
    }


def refused(tree) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        source_check(tree)
    return caught.value


# --- Normalising -----------------------------------------------------------------------------


def test_a_tree_is_normalised_with_unknown_keys_dropped_and_numbers_as_ints(refs):
    tree = group(
        "n_of",
        atom(
            "certificate",
            certificate=str(refs["certificate"].pk),
            colour="red",
            within_years="5",
            min_result={"kind": "score", "value": "60", "x": 1},
        ),
        atom("standard", code=" cqou-it-0001 ", min_result={"kind": "pass"}),
        atom("self_study", subject="00015", min_result={"kind": "grade", "value": "良好"}),
        atom("category", category="online_course", min_level="3", within_years=""),
        n="2",
    ) | {"note": "dropped"}
    checked = source_check(tree)
    assert checked == {
        "type": "n_of",
        "n": 2,
        "items": [
            {
                "type": "atom",
                "kind": "certificate",
                "certificate": refs["certificate"].pk,
                "min_result": {"kind": "score", "value": 60},
                "within_years": 5,
            },
            {"type": "atom", "kind": "standard", "code": "CQOU-IT-0001", "within_years": None},
            {
                "type": "atom",
                "kind": "self_study",
                "subject": "00015",
                "min_result": {"kind": "grade", "value": "良好"},
                "within_years": None,
            },
            {
                "type": "atom",
                "kind": "category",
                "category": "online_course",
                "min_level": 3,
                "min_result": None,
                "within_years": None,
            },
        ],
    }


def test_the_n_is_dropped_from_groups_that_are_not_n_of(refs):
    checked = source_check(
        group("any", atom("certificate", certificate=refs["certificate"].pk), n=1)
    )
    assert "n" not in checked


def test_references_are_looked_up_in_a_constant_number_of_queries(
    refs, django_assert_max_num_queries
):
    items = [atom("certificate", certificate=refs["certificate"].pk) for _ in range(10)]
    items += [atom("course", course=refs["course"].pk) for _ in range(10)]
    items += [atom("self_study", subject="00015"), atom("standard", code="CQOU-IT-0001")]
    items += [atom("category", category="online_course", min_level=2)]
    with django_assert_max_num_queries(6):
        source_check(group("any", *items))


# --- Refusals ----------------------------------------------------------------------------------


def test_the_root_must_be_a_group(refs):
    error = refused(atom("certificate", certificate=refs["certificate"].pk))
    assert (error.field, error.code) == ("source", "root_not_group")


def test_an_empty_group_is_refused_beside_it(refs):
    error = refused(
        group("all", atom("certificate", certificate=refs["certificate"].pk), group("any"))
    )
    assert (error.field, error.code) == ("source-1", "empty_group")
    assert "Group 2" in error.message


def test_an_empty_root_is_refused():
    assert refused(group("all")).code == "empty_group"


def test_n_larger_than_the_group_is_refused_naming_both_numbers(refs):
    c = atom("certificate", certificate=refs["certificate"].pk)
    error = refused(group("all", group("n_of", c, dict(c), n=3)))
    assert (error.field, error.code) == ("source-0", "n_too_large")
    assert "(3)" in error.message and "(2)" in error.message and "Group 2" in error.message


@pytest.mark.parametrize("n", [0, -1, "x", None])
def test_n_below_one_is_refused(refs, n):
    c = atom("certificate", certificate=refs["certificate"].pk)
    assert refused(group("n_of", c, n=n)).code == "n_too_small"


def test_an_unknown_group_type_or_atom_kind_is_refused(refs):
    assert refused({"type": "most", "items": [atom("standard", code="X")]}).code == "group_type"
    assert refused(group("all", atom("diploma"))).code == "atom_kind"
    assert refused(group("all", "text")).code == "malformed"


def test_nesting_deeper_than_four_groups_is_refused(refs):
    c = atom("certificate", certificate=refs["certificate"].pk)
    source_check(group("all", group("all", group("all", group("all", c)))))
    error = refused(group("all", group("all", group("all", group("all", group("all", c))))))
    assert (error.field, error.code) == ("source-0.0.0.0", "too_deep")


def test_more_than_thirty_atoms_are_refused(refs):
    c = atom("certificate", certificate=refs["certificate"].pk)
    source_check(group("any", *[dict(c) for _ in range(30)]))
    assert refused(group("any", *[dict(c) for _ in range(31)])).code == "too_many_atoms"


@pytest.mark.parametrize(
    ("node", "code"),
    [
        (atom("standard", code="NOPE-1"), "unknown_standard"),
        (atom("category", category="nope"), "unknown_category"),
        (atom("category", category="online_course", min_level=99), "unknown_level"),
        (atom("certificate", certificate=999999), "unknown_certificate"),
        (atom("course", course=999999), "unknown_course"),
        (atom("self_study", subject="99999"), "unknown_subject"),
        (atom("standard"), "standard_required"),
        (atom("certificate"), "certificate_required"),
        (atom("course", course=""), "course_required"),
    ],
)
def test_unknown_references_are_refused_beside_the_atom(refs, node, code):
    error = refused(group("all", atom("certificate", certificate=refs["certificate"].pk), node))
    assert (error.field, error.code) == ("source-1", code)
    assert error.message.startswith("Requirement 2")


def test_a_unit_standard_without_an_approved_version_is_unknown(refs):
    UnitStandardFactory(code="DRAFT-1")
    assert refused(group("all", atom("standard", code="DRAFT-1"))).code == "unknown_standard"


@pytest.mark.parametrize(
    ("result", "code"),
    [
        ({"kind": "score", "value": 101}, "min_score"),
        ({"kind": "score", "value": -1}, "min_score"),
        ({"kind": "grade", "value": "不合格"}, "min_grade"),
        ({"kind": "rank", "value": 1}, "min_result"),
    ],
)
def test_a_minimum_result_out_of_range_is_refused(refs, result, code):
    node = atom("certificate", certificate=refs["certificate"].pk, min_result=result)
    assert refused(group("all", node)).code == code


@pytest.mark.parametrize("years", [0, 51, "many"])
def test_within_years_must_be_one_to_fifty(refs, years):
    node = atom("certificate", certificate=refs["certificate"].pk, within_years=years)
    assert refused(group("all", node)).code == "within_years"


def test_a_withdrawn_course_in_an_all_group_is_refused_on_the_atom(refs):
    refs["course"].is_active = False
    refs["course"].save(update_fields=["is_active"])
    tree = group(
        "all",
        atom("certificate", certificate=refs["certificate"].pk),
        group("all", atom("course", course=refs["course"].pk)),
    )
    error = refused(tree)
    assert (error.field, error.code) == ("source-1.0", "never_met")


def test_an_any_group_none_of_whose_items_can_be_met_is_refused_on_the_group(refs):
    refs["certificate"].is_active = False
    refs["certificate"].save(update_fields=["is_active"])
    SelfStudySubjectFactory(code="00015").__class__.objects.filter(code="00015").update(
        is_active=False
    )
    tree = group(
        "all",
        atom("standard", code="CQOU-IT-0001"),
        group(
            "any",
            atom("certificate", certificate=refs["certificate"].pk),
            atom("self_study", subject="00015"),
        ),
    )
    error = refused(tree)
    assert (error.field, error.code) == ("source-1", "never_met")
    assert "Group 2" in error.message


def test_an_n_of_group_with_too_few_meetable_items_is_refused_on_the_group(refs):
    AchievementCategory.objects.filter(code="online_course").update(is_active=False)
    tree = group(
        "n_of",
        atom("standard", code="CQOU-IT-0001"),
        atom("category", category="online_course"),
        n=2,
    )
    error = refused(tree)
    assert (error.field, error.code) == ("source", "never_met")
    assert "1" in error.message and "2" in error.message


def test_a_reference_no_longer_in_use_is_refused_even_where_others_could_be_met(refs):
    refs["certificate"].is_active = False
    refs["certificate"].save(update_fields=["is_active"])
    tree = group(
        "any",
        atom("standard", code="CQOU-IT-0001"),
        atom("certificate", certificate=refs["certificate"].pk),
    )
    error = refused(tree)
    assert (error.field, error.code) == ("source-1", "never_met")


# --- Atom rows and sentences -------------------------------------------------------------------


def full_tree(refs):
    return source_check(
        group(
            "all",
            atom("certificate", certificate=refs["certificate"].pk, within_years=5),
            group(
                "any",
                atom("standard", code="CQOU-IT-0001"),
                atom("self_study", subject="00015", min_result={"kind": "score", "value": 60}),
                atom(
                    "course",
                    course=refs["course"].pk,
                    min_result={"kind": "grade", "value": "良好"},
                ),
            ),
            group("n_of", atom("category", category="online_course", min_level=3), n=1),
        )
    )


def test_atom_rows_name_each_reference_with_its_path(refs):
    version = rule_version(source=full_tree(refs))
    rows = {row.path: row for row in version.atoms.all()}
    assert set(rows) == {"0", "1.0", "1.1", "1.2", "2.0"}
    assert rows["0"].certificate == refs["certificate"]
    assert rows["1.0"].standard_code == "CQOU-IT-0001"
    assert rows["1.1"].subject == refs["subject"]
    assert rows["1.2"].course == refs["course"]
    assert rows["2.0"].category.code == "online_course"
    assert len(atoms_rows(version)) == 5


def test_the_tree_reads_as_sentences_in_chinese(refs, settings):
    from django.utils import translation

    version = rule_version(source=full_tree(refs))
    version = RuleVersion.objects.prefetch_related(atoms_prefetch()).get(pk=version.pk)
    with translation.override("zh-hans"):
        node = source_tree(version)
    assert node["group"] and node["rule"] == "全部满足"
    certificate, any_group, n_group = node["items"]
    assert certificate["sentence"] == "持有证书：全国计算机等级考试二级（近5年内取得）"
    assert any_group["rule"] == "满足其一"
    assert [item["sentence"] for item in any_group["items"]] == [
        "认证单元 CQOU-IT-0001 计算机应用基础",
        "自考课程 00015 英语（二），成绩不低于60分",
        "重庆城市职业学院课程 C001 程序设计基础，成绩不低于良好",
    ]
    assert n_group["rule"] == "满足其中 1 项"
    assert n_group["items"][0]["sentence"] == "学习成果类别：在线课程，资历框架第3级及以上"


def test_the_tree_costs_no_query_per_atom(refs, django_assert_max_num_queries):
    version = rule_version(source=full_tree(refs))
    version = RuleVersion.objects.prefetch_related(atoms_prefetch()).get(pk=version.pk)
    with django_assert_max_num_queries(1):  # the unit standards' names
        source_tree(version)
    with django_assert_max_num_queries(0):
        source_tree(version, standards={"CQOU-IT-0001": "计算机应用基础"})
