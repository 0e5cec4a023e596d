"""Programme and course services: who writes, every check with its field, audit events."""

from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import Institution, InstitutionStaff
from conversion.models import Course, Programme
from conversion.services import catalogue as services
from creditbank.errors import InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory
from tests.conversion.factories import CourseFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def own_institution(people):
    return InstitutionStaff.objects.get(user=people["institution_clerk"]).institution


def events(prefix):
    return list(
        AuditEvent.objects.filter(action__startswith=prefix)
        .order_by("id")
        .values_list("action", flat=True)
    )


def programme_values(**overrides):
    values = {
        "code": " jsj yy ",
        "name": "计算机应用技术",
        "level": "junior_college",
        "field": "信息技术",
        "graduation_credits": Decimal("120"),
        "conversion_share": 40,
        "description": "",
        "is_active": True,
    }
    return values | overrides


def course_values(**overrides):
    values = {
        "code": "cs 101",
        "name": "计算机应用基础",
        "credits": Decimal("4"),
        "hours": 64,
        "level": "junior_college",
        "field": "信息技术",
        "kind": "required",
        "mode": "blended",
        "is_public": True,
        "description": "",
        "programmes": [],
        "is_active": True,
    }
    return values | overrides


def make_programme(people, **overrides):
    return services.programme_create(
        acting_user=people["institution_clerk"],
        institution=own_institution(people),
        **programme_values(**overrides),
    )


def make_course(people, **overrides):
    return services.course_create(
        acting_user=people["institution_clerk"],
        institution=own_institution(people),
        **course_values(**overrides),
    )


def test_a_clerk_adds_a_programme_with_its_code_normalised(people):
    programme = make_programme(people)
    assert (programme.code, programme.conversion_share) == ("JSJYY", 40)
    assert programme.institution == own_institution(people)
    assert programme.created_by == people["institution_clerk"]
    event = AuditEvent.objects.get(action="programme.create")
    assert event.object_id == str(programme.pk)
    assert event.summary["after"]["code"] == "JSJYY"


def test_the_share_from_conversion_is_fifty_percent_by_default(people):
    values = programme_values()
    del values["conversion_share"]
    programme = services.programme_create(
        acting_user=people["institution_admin"], institution=own_institution(people), **values
    )
    assert programme.conversion_share == 50


@pytest.mark.parametrize("share", [51, -1, "abc", 12.5])
def test_a_share_above_fifty_percent_is_refused_on_its_field(people, share):
    with pytest.raises(InvalidInput) as caught:
        make_programme(people, conversion_share=share)
    assert caught.value.field == "conversion_share"
    assert "at most 50%" in caught.value.message
    assert not Programme.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "代码"}, "code"),
        ({"code": "  "}, "code"),
        ({"name": ""}, "name"),
        ({"name": "<b>x</b>"}, "name"),
        ({"field": "x" * 61}, "field"),
        ({"level": "doctorate"}, "level"),
        ({"graduation_credits": Decimal("0")}, "graduation_credits"),
        ({"graduation_credits": Decimal("-3")}, "graduation_credits"),
        ({"graduation_credits": Decimal("1.234")}, "graduation_credits"),
    ],
)
def test_bad_programme_input_is_refused_beside_its_field(people, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        make_programme(people, **overrides)
    assert caught.value.field == field
    assert not Programme.objects.exists()
    assert events("programme.") == []


def test_a_programme_code_is_unique_within_the_institution_only(people):
    make_programme(people)
    with pytest.raises(InvalidInput) as caught:
        make_programme(people, code="JSJYY")
    assert caught.value.code == "code_taken"
    ProgrammeFactory(code="JSJYY")  # another institution may use it
    assert Programme.objects.filter(code="JSJYY").count() == 2


@pytest.mark.parametrize(
    "role", ["institution_reviewer", "centre_admin", "learner", "outsider", "expert"]
)
def test_only_writers_of_the_institution_add_programmes(people, role):
    with pytest.raises(NotAllowed):
        services.programme_create(
            acting_user=people[role], institution=own_institution(people), **programme_values()
        )
    assert not Programme.objects.exists()


def test_a_clerk_cannot_write_for_another_institution(people):
    with pytest.raises(NotAllowed):
        services.programme_create(
            acting_user=people["institution_clerk"],
            institution=InstitutionFactory(),
            **programme_values(),
        )


def test_nobody_writes_while_the_institution_is_not_approved(people):
    institution = own_institution(people)
    Institution.objects.filter(pk=institution.pk).update(status=Institution.Status.SUSPENDED)
    with pytest.raises(NotAllowed):
        make_programme(people)


def test_a_programme_is_changed_and_closed_through_the_update(people):
    programme = make_programme(people)
    changed = services.programme_update(
        acting_user=people["institution_admin"],
        programme=programme,
        **programme_values(name="计算机应用技术（新）", is_active=False),
    )
    assert (changed.name, changed.is_active) == ("计算机应用技术（新）", False)
    event = AuditEvent.objects.get(action="programme.update")
    assert event.summary["before"] == {"name": "计算机应用技术", "is_active": True}
    assert event.summary["after"] == {"name": "计算机应用技术（新）", "is_active": False}


def test_an_update_that_changes_nothing_writes_nothing(people):
    programme = make_programme(people)
    services.programme_update(
        acting_user=people["institution_clerk"], programme=programme, **programme_values()
    )
    assert events("programme.") == ["programme.create"]


def test_a_reviewer_may_not_change_a_programme(people):
    programme = make_programme(people)
    with pytest.raises(NotAllowed):
        services.programme_update(
            acting_user=people["institution_reviewer"],
            programme=programme,
            **programme_values(name="改"),
        )
    programme.refresh_from_db()
    assert programme.name == "计算机应用技术"


def test_a_programme_cannot_take_a_code_its_institution_uses(people):
    make_programme(people)
    other = make_programme(people, code="KJ")
    with pytest.raises(InvalidInput) as caught:
        services.programme_update(
            acting_user=people["institution_clerk"],
            programme=other,
            **programme_values(code="jsjyy"),
        )
    assert caught.value.field == "code"


# --- Courses ------------------------------------------------------------------------------------


def test_a_clerk_adds_a_course_in_programmes_of_the_institution(people):
    programme = make_programme(people)
    course = make_course(people, programmes=[programme])
    assert (course.code, course.credits, course.hours) == ("CS101", Decimal("4.00"), 64)
    assert list(course.programmes.all()) == [programme]
    event = AuditEvent.objects.get(action="course.create")
    assert event.summary["after"]["programmes"] == ["JSJYY"]


def test_a_course_cannot_belong_to_another_institutions_programme(people):
    elsewhere = ProgrammeFactory()
    with pytest.raises(InvalidInput) as caught:
        make_course(people, programmes=[elsewhere])
    assert caught.value.field == "programmes"
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credits": Decimal("0")}, "credits"),
        ({"credits": Decimal("-1")}, "credits"),
        ({"credits": "4.125"}, "credits"),
        ({"credits": Decimal("10000")}, "credits"),
        ({"hours": 0}, "hours"),
        ({"hours": 10001}, "hours"),
        ({"hours": "6.5"}, "hours"),
        ({"kind": "core"}, "kind"),
        ({"mode": "radio"}, "mode"),
        ({"level": ""}, "level"),
        ({"code": "C" * 33}, "code"),
    ],
)
def test_bad_course_input_is_refused_beside_its_field(people, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        make_course(people, **overrides)
    assert caught.value.field == field
    assert not Course.objects.exists()


def test_a_course_code_is_unique_within_the_institution(people):
    make_course(people)
    with pytest.raises(InvalidInput) as caught:
        make_course(people, code="CS101")
    assert caught.value.code == "code_taken"


def test_a_course_is_withdrawn_and_moved_between_programmes_through_the_update(people):
    first = make_programme(people)
    second = make_programme(people, code="KJ", name="会计")
    course = make_course(people, programmes=[first])
    services.course_update(
        acting_user=people["institution_admin"],
        course=course,
        **course_values(programmes=[second], is_active=False),
    )
    course.refresh_from_db()
    assert course.is_active is False
    assert list(course.programmes.all()) == [second]
    event = AuditEvent.objects.get(action="course.update")
    assert event.summary["before"] == {"is_active": True, "programmes": ["JSJYY"]}
    assert event.summary["after"] == {"is_active": False, "programmes": ["KJ"]}


def test_the_centre_administrator_reads_courses_but_never_changes_them(people):
    course = CourseFactory(institution=own_institution(people))
    with pytest.raises(NotAllowed):
        services.course_update(acting_user=people["centre_admin"], course=course, **course_values())
    assert events("course.") == []


@pytest.mark.parametrize("status", ["approved", "published"])
def test_a_course_cannot_be_worth_less_than_a_rule_in_force_grants(people, status):
    from tests.conversion.factories import publish_directly, rule_version

    course = make_course(people)
    version = rule_version(
        institution=course.institution, targets=[(course, Decimal("3"))], author=people["outsider"]
    )
    if status == "published":
        publish_directly(version)
    else:
        type(version).objects.filter(pk=version.pk).update(status=status)
    with pytest.raises(InvalidInput) as caught:
        services.course_update(
            acting_user=people["institution_admin"], course=course, **course_values(credits="2")
        )
    assert caught.value.field == "credits"
    course.refresh_from_db()
    assert course.credits == Decimal("4")
    assert events("course.update") == []
    # Down to what the rule grants is fine.
    services.course_update(
        acting_user=people["institution_admin"], course=course, **course_values(credits="3")
    )
    course.refresh_from_db()
    assert course.credits == Decimal("3")


def test_a_draft_rule_does_not_hold_a_courses_credits(people):
    from tests.conversion.factories import rule_version

    course = make_course(people)
    rule_version(institution=course.institution, targets=[(course, Decimal("4"))])
    services.course_update(
        acting_user=people["institution_admin"], course=course, **course_values(credits="1")
    )
    course.refresh_from_db()
    assert course.credits == Decimal("1")
