"""The learner's what-if simulator (/my/conversion/simulate/) and applying from it
(/my/conversion/apply/): real published rules, recognised achievements, htmx and no script,
the refusals, and a query count that does not grow with the rules and achievements."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversion.models import ApplicationLine, ConversionApplication
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory
from tests.accounts.learner_factories import open_account
from tests.branches.factories import BranchCentreFactory
from tests.conftest import signed_in
from tests.conversion.application_world import ApplicationWorld
from tests.conversion.factories import CourseFactory, ProgrammeFactory
from tests.conversion.simulate_world import published, recognised_achievement, simulate_world
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

URL = reverse("conversion:my_simulate")
APPLY = reverse("conversion:application_apply")
HTMX = {"HX-Request": "true", "HX-Target": "simulate-region"}


@pytest.fixture
def world(people):
    return simulate_world(user=people["learner"])


@pytest.fixture
def learner(client, people, world):
    return signed_in(client, people["learner"])


def simulate(client, world, **headers):
    response = client.get(URL, {"programme": world.programme.pk}, headers=headers)
    assert response.status_code == 200
    return response


def rows_by_course(response) -> dict:
    return {row["line"]["course_id"]: row for row in response.context["rows"]}


def test_it_shows_match_partial_and_miss_with_credits_reasons_and_what_is_missing(learner, world):
    response = simulate(learner, world)
    rows = rows_by_course(response)
    match, partial, miss = (rows[world.courses[n].pk] for n in ("match", "partial", "miss"))
    assert match["line"]["status"] == "match"
    assert match["line"]["credits"] == "4.00"
    assert match["applicable"] and match["sentences"]
    assert partial["line"]["status"] == "partial"
    assert partial["missing"] and not partial["applicable"]
    assert miss["line"]["status"] == "miss" and not miss["applicable"]
    page = response.content.decode()
    for label in ("Match", "Partial", "Miss"):
        assert f">{label}<" in page
    for course in world.courses.values():
        assert course.code in page
    for sentence in (*match["sentences"], *partial["missing"]):
        assert str(sentence) in page
    # Only the applicable line gets a checkbox for the apply form.
    assert f'name="course" value="{world.courses["match"].pk}"' in page
    assert f'name="course" value="{world.courses["partial"].pk}"' not in page
    assert f'action="{APPLY}"' in page


def test_it_shows_the_headroom_and_the_unused_achievements_linked_to_their_pages(learner, world):
    response = simulate(learner, world)
    assert response.context["headroom"]["share_limit"] == "60.00"
    assert response.context["headroom"]["share_left"] == "56.00"
    page = response.content.decode()
    assert "56.00 of 60.00 credits still open" in page
    unused = world.achievements["unused"]
    detail = reverse("achievements:achievement_detail", args=[unused.pk])
    assert f'href="{detail}">{unused.title}</a>' in page
    # The achievement the match used is not listed as unused.
    used = reverse("achievements:achievement_detail", args=[world.achievements["training"].pk])
    assert used not in page


def test_a_cap_cut_shows_what_the_rule_grants_and_the_year_left(learner, world):
    type(world.programme).objects.filter(pk=world.programme.pk).update(
        per_year_credits=Decimal("3.00"), certificates_max=2
    )
    response = simulate(learner, world)
    match = rows_by_course(response)[world.courses["match"].pk]
    assert (match["line"]["credits"], match["line"]["full_credits"]) == ("3.00", "4.00")
    assert match["applicable"]
    assert response.context["headroom"]["per_year_left"] == "0.00"
    page = response.content.decode()
    assert "the rule grants 4.00; a cap cuts the rest" in page
    assert "0.00 credits still open" in page
    assert "Certificates that may still count" in page


def test_nothing_is_saved(learner, world):
    before = (ConversionApplication.objects.count(), AuditEvent.objects.count())
    simulate(learner, world)
    assert (ConversionApplication.objects.count(), AuditEvent.objects.count()) == before


def test_without_script_it_is_a_whole_page_with_a_submit_button(learner, world):
    page = simulate(learner, world).content.decode()
    assert "<html" in page and 'id="simulate-region"' in page
    assert 'method="get"' in page and 'type="submit"' in page


def test_htmx_gets_the_region_only_with_the_same_result(learner, world):
    full = simulate(learner, world)
    partial = simulate(learner, world, **HTMX)
    page = partial.content.decode()
    assert "<html" not in page and 'id="simulate-region"' not in page
    assert world.courses["match"].code in page
    assert rows_by_course(partial).keys() == rows_by_course(full).keys()
    assert 'hx-target="#simulate-region"' in full.content.decode()


def test_the_page_is_chinese(client, people, world):
    client.force_login(people["learner"])
    assert_chinese(client.get(URL, {"programme": world.programme.pk}))


def test_an_institution_lists_its_programmes_with_rules_in_force(learner, world):
    ProgrammeFactory(institution=world.programme.institution, name="没有规则的专业")
    response = learner.get(URL, {"institution": world.programme.institution.pk})
    page = response.content.decode()
    assert world.programme.name in page and "没有规则的专业" not in page
    assert response.context["rows"] is None


def test_an_institution_without_rules_in_force_gets_a_kind_message(learner, world):
    bare = InstitutionFactory(name="尚无规则学院")
    ProgrammeFactory(institution=bare)
    response = learner.get(URL, {"institution": bare.pk})
    assert response.status_code == 200
    assert "尚无规则学院" in response.content.decode()
    assert "no programme with conversion rules in force yet" in response.content.decode()


def test_changing_the_institution_drops_the_programme_of_the_other(learner, world):
    other = ProgrammeFactory(name="别校专业")
    CourseFactory(institution=other.institution, programmes=[other])
    published(programme=other)
    response = learner.get(
        URL, {"institution": other.institution.pk, "programme": world.programme.pk}
    )
    assert response.status_code == 200
    assert response.context["rows"] is None
    assert "别校专业" in response.content.decode()


def test_odd_values_get_a_message_not_a_500(learner, world):
    for params in (
        {"institution": "x"},
        {"programme": "999999999999"},
        {"institution": "0"},
        {"institution": "99999999999999999999", "programme": "1"},
    ):
        assert learner.get(URL, params).status_code == 200


def test_a_learner_whose_account_is_not_active_is_told_so(client, people, world):
    pending = open_account(branch=BranchCentreFactory(), user=people["outsider"])
    assert pending.status == "pending_verification"
    response = signed_in(client, people["outsider"]).get(URL, {"programme": world.programme.pk})
    assert response.status_code == 200
    assert response.context["rows"] is None
    assert "not active yet" in response.content.decode()


def test_a_person_without_an_account_is_sent_to_open_one(client, people, world):
    response = signed_in(client, people["outsider"]).get(URL)
    assert response.status_code == 200
    assert reverse("accounts:my_account") in response.content.decode()


@pytest.mark.parametrize("role", ["institution_clerk", "branch_staff", "centre_admin"])
def test_staff_without_a_learning_account_are_refused(client, people, role):
    assert signed_in(client, people[role]).get(URL).status_code == 403
    assert signed_in(client, people[role]).post(APPLY, {}).status_code == 403


def test_the_anonymous_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302
    assert client.post(APPLY, {}).status_code == 302


def test_a_course_already_converted_shows_converted_without_a_checkbox(client, people):
    app_world = ApplicationWorld(people)
    course = app_world.course()
    app_world.application("approved", courses=[course])
    response = signed_in(client, people["learner"]).get(URL, {"programme": app_world.programme.pk})
    row = rows_by_course(response)[course.pk]
    assert row["line"]["status"] == "converted" and not row["applicable"]
    page = response.content.decode()
    assert ">Converted<" in page
    assert f'name="course" value="{course.pk}"' not in page
    headroom = response.context["headroom"]
    assert Decimal(headroom["share_left"]) == Decimal(headroom["share_limit"]) - Decimal("4")


# --- Applying -----------------------------------------------------------------------------------


def test_applying_for_a_matching_line_submits_an_application(learner, world):
    response = learner.post(
        APPLY, {"programme": world.programme.pk, "course": [world.courses["match"].pk]}
    )
    application = ConversionApplication.objects.get(account=world.account)
    assert response.status_code == 302
    assert response.url == reverse("conversion:my_application", args=[application.pk])
    assert list(application.lines.values_list("course_id", flat=True)) == [
        world.courses["match"].pk
    ]
    followed = learner.get(response.url)
    assert application.number in followed.content.decode()


def test_applying_for_a_line_that_is_not_applicable_is_refused_and_writes_nothing(learner, world):
    before = (ConversionApplication.objects.count(), ApplicationLine.objects.count())
    response = learner.post(
        APPLY, {"programme": world.programme.pk, "course": [world.courses["partial"].pk]}
    )
    assert response.status_code == 400
    assert response.context["refused"]
    assert response.context["rows"] is not None  # the simulator again
    assert f'action="{URL}"' in response.content.decode()  # its form goes back to the page
    assert (ConversionApplication.objects.count(), ApplicationLine.objects.count()) == before


def test_applying_for_an_unknown_course_is_refused_and_writes_nothing(learner, world):
    before = ConversionApplication.objects.count()
    for course in ("999999", "abc"):
        response = learner.post(APPLY, {"programme": world.programme.pk, "course": [course]})
        assert response.status_code == 400
        assert response.context["refused"]
    assert ConversionApplication.objects.count() == before


def test_applying_for_nothing_asks_for_a_course(learner, world):
    response = learner.post(APPLY, {"programme": world.programme.pk})
    assert response.status_code == 400
    assert "Choose at least one course to apply for." in response.content.decode()
    assert not ConversionApplication.objects.exists()


def test_applying_to_an_unknown_programme_is_refused(learner, world):
    for programme in ("999999", "99999999999999999999", "x"):
        response = learner.post(
            APPLY, {"programme": programme, "course": [world.courses["match"].pk]}
        )
        assert response.status_code == 400
    assert not ConversionApplication.objects.exists()


def test_applying_without_an_active_account_shows_the_notice_and_writes_nothing(
    client, people, world
):
    open_account(branch=BranchCentreFactory(), user=people["outsider"])
    response = signed_in(client, people["outsider"]).post(
        APPLY, {"programme": world.programme.pk, "course": [world.courses["match"].pk]}
    )
    assert response.status_code == 200
    assert "not active yet" in response.content.decode()
    assert not ConversionApplication.objects.exists()


# --- Queries ------------------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    """``n`` more rules (each a course of its own) and ``n`` more recognised achievements."""
    for index in range(n):
        course = CourseFactory(
            institution=world.programme.institution, programmes=[world.programme]
        )
        published(
            programme=world.programme,
            source={
                "type": "all",
                "items": [{"type": "atom", "kind": "category", "category": "online_course"}],
            },
            targets=[(course, Decimal("1"))],
        )
        recognised_achievement(world.account, title=f"在线课程{index}", category="online_course")


def _queries(client, world) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"programme": world.programme.pk})
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_rules_and_achievements(learner, world):
    _grow(world, 5)
    learner.get(URL, {"programme": world.programme.pk})  # warm the session and role caches
    few = _queries(learner, world)
    _grow(world, 20)
    many = _queries(learner, world)
    assert many == few, (few, many)
    assert few <= 30
