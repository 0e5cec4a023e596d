"""The learner's what-if simulator (/my/conversion/simulate/) and applying from it
(/my/conversion/apply/): real published rules, recognised achievements, htmx and no script,
the refusals, and a query count that does not grow with the rules and achievements."""

import datetime
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
    match, partial = (rows[world.courses[n].pk] for n in ("match", "partial"))
    (miss,) = response.context["misses"]
    assert miss["course_id"] == world.courses["miss"].pk and miss["phrase"]
    assert match["line"]["status"] == "match"
    assert match["line"]["credits"] == "4.00"
    assert match["applicable"] and match["sentences"]
    assert partial["line"]["status"] == "partial"
    assert partial["missing"] and not partial["applicable"]
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


def test_with_a_programme_chosen_the_institution_picker_offers_it_alone(learner, world):
    InstitutionFactory(name="另一所学院")
    other = ProgrammeFactory(name="另一所学院的专业")
    published(programme=other)
    institution = world.programme.institution
    response = learner.get(URL, {"institution": institution.pk, "programme": world.programme.pk})
    choices = [
        str(label) for _value, label in response.context["form"].fields["institution"].choices
    ]
    assert choices == ["Choose another institution", institution.name]
    assert response.context["rows"] is not None
    # "Choose another institution" (the institution sent empty) brings the whole list back and
    # drops the programme, even though the programme alone would name its institution.
    response = learner.get(URL, {"institution": "", "programme": world.programme.pk})
    assert response.context["rows"] is None
    choices = {
        str(label) for _value, label in response.context["form"].fields["institution"].choices
    }
    assert {institution.name, other.institution.name} <= choices


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
    learner.get(URL, {"programme": world.programme.pk})  # warm the session, roles and rules
    few = _queries(learner, world)
    _grow(world, 20)
    cold = _queries(learner, world)  # the rules changed: read again (versions, targets, atoms)
    many = _queries(learner, world)  # then from the cache
    assert many == few, (few, many)
    assert cold == few + 3, (few, cold)
    assert few <= 30


# --- Misses in short, and the rules read once -----------------------------------------------------


def test_misses_are_listed_compactly_with_a_link_to_their_reasons(learner, world):
    miss = world.courses["miss"]
    response = simulate(learner, world)
    assert miss.pk not in rows_by_course(response)
    page = response.content.decode()
    listed = page[page.index("<details") : page.index("</details>")]
    assert miss.code in listed and miss.name in listed
    assert "nothing you hold meets it" in listed  # one short phrase, no sentences
    why = f"?programme={world.programme.pk}&amp;course={miss.pk}#outcome-{miss.pk}"
    assert why in listed
    # The link shows that line in full: its reasons as sentences (not on the first page).
    asked = learner.get(URL, {"programme": world.programme.pk, "course": miss.pk})
    row = rows_by_course(asked)[miss.pk]
    assert row["line"]["status"] == "miss" and row["sentences"] and not row["applicable"]
    assert asked.context["misses"] == []
    for sentence in row["sentences"]:
        assert str(sentence) in asked.content.decode()
        assert str(sentence) not in page
    # A course number that is not a miss, or no number at all, changes nothing.
    for value in ("x", str(world.courses["match"].pk), "99999999999"):
        other = learner.get(URL, {"programme": world.programme.pk, "course": value})
        assert other.status_code == 200
        assert [m["course_id"] for m in other.context["misses"]] == [miss.pk]


def test_the_rules_are_read_once_and_a_retired_or_published_rule_counts_at_once(
    learner, world, people, monkeypatch
):
    from conversion import simulation
    from conversion.services.review import rule_retire

    def status(course) -> str:
        response = simulate(learner, world)
        if course.pk in rows_by_course(response):
            return rows_by_course(response)[course.pk]["line"]["status"]
        return "miss" if course.pk in {m["course_id"] for m in response.context["misses"]} else ""

    reads = []
    read = simulation.read_rules_in_force
    monkeypatch.setattr(
        simulation, "read_rules_in_force", lambda *a, **k: reads.append(1) or read(*a, **k)
    )
    assert status(world.courses["match"]) == "match"
    assert status(world.courses["match"]) == "match"
    assert len(reads) == 1  # the second time from the cache
    # Retired through the service: no rule grants the course any more, at once.
    rule_retire(
        acting_user=people["centre_admin"],
        version=world.versions["match"],
        reason="该规则依据的培训标准已废止。",
    )
    assert status(world.courses["match"]) == ""
    # Published (even by a direct UPDATE): it counts at once.
    published(
        programme=world.programme,
        source={
            "type": "all",
            "items": [{"type": "atom", "kind": "category", "category": "work_experience"}],
        },
        targets=[(world.courses["miss"], Decimal("2"))],
    )
    assert status(world.courses["miss"]) == "match"
    # A target course withdrawn (even by a direct UPDATE): its line goes at once.
    type(world.courses["miss"]).objects.filter(pk=world.courses["miss"].pk).update(is_active=False)
    assert status(world.courses["miss"]) == ""
    assert len(reads) == 4


def test_the_adapter_reads_what_each_achievement_stands_for(world):
    """A certificate (with its grade), a course of another institution and a self-study
    subject named by the rules are found in the titles of the learner's achievements."""
    from conversion import simulation
    from tests.conversion.factories import CertificateFactory, SelfStudySubjectFactory

    certificate = CertificateFactory(name="电工 证书", grade="中级")
    other = CourseFactory(code="EXT-101", name="电路基础")
    subject = SelfStudySubjectFactory(code="03708", name="中国近现代史纲要")
    items = [
        {"type": "atom", "kind": "certificate", "certificate": certificate.pk},
        {"type": "atom", "kind": "course", "course": other.pk},
        {"type": "atom", "kind": "self_study", "subject": subject.code},
    ]
    published(
        programme=world.programme,
        source={"type": "any", "items": items},
        targets=[(world.courses["miss"], Decimal("2"))],
    )
    cases = {
        "cert": recognised_achievement(
            world.account,
            title="电工证书（中级）",
            category="vocational_qualification_certificate",
        ),
        "cert_other_grade": recognised_achievement(
            world.account,
            title="电工证书（高级）",
            category="vocational_qualification_certificate",
        ),
        "course": recognised_achievement(
            world.account, title="课程 ext-101 成绩单", issuer=other.institution
        ),
        "course_elsewhere": recognised_achievement(world.account, title="EXT-101 成绩单"),
        "subject": recognised_achievement(
            world.account, title="自考 中国近现代史纲要", category="self_study_exam"
        ),
    }
    situation = simulation.situation_for(
        world.programme, datetime.date.today(), account=world.account
    )
    holdings = {h.id: h for h in situation.holdings}

    def of(name):
        return holdings[simulation.holding_id(cases[name].pk)]

    assert of("cert").certificates == {certificate.pk} and of("cert").is_certificate
    assert of("cert_other_grade").certificates == frozenset()
    assert of("course").courses == {other.pk}
    assert of("course_elsewhere").courses == frozenset()
    assert of("subject").subjects == {subject.code}
    assert of("cert").level == 3 and of("cert").credits == Decimal("3.00")
