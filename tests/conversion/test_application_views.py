"""The pages of conversion applications (转换申请): the learner's list, one application with its
steps and pinned trace, withdrawal and appeal; the staff's queues with age and overdue marks,
the review page and its steps; the desks, the archive's conversions and the navigation. Steps
taken through the pages change the rows and write audit events; bad input is refused beside the
field (400) and writes nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversion.models import (
    ApplicationEvent,
    ApplicationLine,
    ConversionApplication,
    ConversionEntry,
    LineHolding,
)
from creditbank.models import AuditEvent
from creditbank.workdays import add_working_days
from tests.conftest import signed_in
from tests.conversion.application_world import REFUSAL, ApplicationWorld

pytestmark = pytest.mark.django_db

Status = ConversionApplication.Status
LineStatus = ApplicationLine.Status


@pytest.fixture
def world(people):
    return ApplicationWorld(people)


def text(response) -> str:
    return response.content.decode()


def audit_count(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def rows_written() -> tuple:
    """What a refused step must leave as it was."""
    return (
        list(ConversionApplication.objects.order_by("pk").values_list("status", "closing_reason")),
        list(ApplicationLine.objects.order_by("pk").values_list("status", "reason")),
        ApplicationEvent.objects.count(),
        ConversionEntry.objects.count(),
        AuditEvent.objects.filter(action__startswith="conversion_application.").count(),
    )


def age(application, **delta) -> None:
    """Move the application's clock back: submitted, accepted (with its due date) by ``delta``."""
    moved = timezone.now() - timedelta(**delta)
    fields = {"submitted_at": moved, "status_changed_at": moved}
    if application.accepted_at is not None:
        fields["accepted_at"] = moved
        fields["due_on"] = add_working_days(timezone.localdate(moved), 15)
    ConversionApplication.objects.filter(pk=application.pk).update(**fields)


# --- The learner's pages ----------------------------------------------------------------------


def test_the_learner_lists_their_applications_with_the_expected_decision_date(client, world):
    submitted = world.application("submitted")
    accepted = world.application("accepted")
    signed_in(client, world.learner)
    response = client.get(reverse("conversion:my_applications"))
    assert response.status_code == 200
    page = text(response)
    for application in (submitted, accepted):
        assert application.number in page
        assert reverse("conversion:my_application", args=[application.pk]) in page
    assert world.programme.name in page
    assert world.institution.name in page
    assert str(Status.SUBMITTED.label) in page
    assert str(Status.ACCEPTED.label) in page
    assert f"{accepted.due_on:%Y-%m-%d}" in page
    estimate = add_working_days(timezone.localdate(submitted.submitted_at), 15)
    assert f"{estimate:%Y-%m-%d}" in page
    # Nobody else's: the outsider has none.
    signed_in(client, world["outsider"])
    page = text(client.get(reverse("conversion:my_applications")))
    assert submitted.number not in page
    assert "You have no conversion applications yet." in page


def test_the_learner_reads_the_steps_the_lines_their_reasons_and_the_rule_versions(client, world):
    application = world.application("partly_approved")
    approved, refused = application.lines.order_by("pk")
    signed_in(client, world.learner)
    response = client.get(reverse("conversion:my_application", args=[application.pk]))
    assert response.status_code == 200
    page = text(response)
    for label in ("Application submitted", "Accepted (受理)", "Taken up by the institution"):
        assert label in page
    assert "Line decided" in page
    for line in (approved, refused):
        assert line.course.code in page
        assert reverse("conversion:rule_public", args=[line.rule_version_id]) in page
        assert line.rule_version.rule.number in page
    assert "4.00 credits" in page
    assert REFUSAL in page
    assert str(LineStatus.APPROVED.label) in page
    assert str(LineStatus.REFUSED.label) in page
    # The pinned trace, read as sentences (conversion.trace) in B's partial.
    assert "outcome-line" in page
    assert response.context["lines"][0]["sentences"]
    # The appeal is open until the deadline; the learner's view never names the staff.
    deadline = timezone.localdate(application.decided_at) + timedelta(days=14)
    assert f"You may appeal the refused lines until {deadline:%Y-%m-%d}" in page
    assert world.reviewer.username not in page
    assert "Withdraw my application" not in page


def test_staff_are_sent_to_the_review_page_and_others_get_404(client, world):
    application = world.application("submitted")
    url = reverse("conversion:my_application", args=[application.pk])
    signed_in(client, world.accepter)
    assert client.get(url).url == reverse("conversion:application_review", args=[application.pk])
    signed_in(client, world["outsider"])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("conversion:application_review", args=[application.pk])).status_code
        == 404
    )
    # The learner is sent from the staff's page to their own.
    signed_in(client, world.learner)
    response = client.get(reverse("conversion:application_review", args=[application.pk]))
    assert response.url == url


def test_the_learner_withdraws_through_the_page(client, world):
    application = world.application("accepted")
    signed_in(client, world.learner)
    url = reverse("conversion:my_application", args=[application.pk])
    assert "Withdraw my application" in text(client.get(url))
    before = audit_count("conversion_application.withdraw")
    response = client.post(
        reverse("conversion:application_withdraw", args=[application.pk]),
        {"withdraw-reason": "已在其他学校就读"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url
    assert "Your application was withdrawn." in text(response)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert application.closing_reason == "已在其他学校就读"
    assert application.events.filter(action="withdraw").exists()
    assert audit_count("conversion_application.withdraw") == before + 1
    assert not LineHolding.objects.filter(line__application=application, active=True).exists()


def test_a_decided_application_cannot_be_withdrawn_and_nothing_is_written(client, world):
    application = world.application("rejected")
    signed_in(client, world.learner)
    before = rows_written()
    response = client.post(
        reverse("conversion:application_withdraw", args=[application.pk]),
        {"withdraw-reason": "x"},
    )
    assert response.status_code == 409
    assert 'class="messages"' in text(response)
    assert rows_written() == before
    # Someone else's application: 404, as if it did not exist.
    signed_in(client, world["outsider"])
    response = client.post(reverse("conversion:application_withdraw", args=[application.pk]))
    assert response.status_code == 404
    assert rows_written() == before


def test_the_appeal_page_shows_the_deadline_and_the_refused_lines_then_appeals(client, world):
    application = world.application("rejected")
    refused = application.lines.get()
    url = reverse("conversion:application_appeal", args=[application.pk])
    signed_in(client, world.learner)
    page = text(client.get(url))
    deadline = timezone.localdate(application.decided_at) + timedelta(days=14)
    assert f"You may appeal until {deadline:%Y-%m-%d}" in page
    assert refused.course.code in page
    assert REFUSAL in page
    # No grounds: refused beside the field, nothing written.
    before = rows_written()
    response = client.post(url, {"appeal-reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert rows_written() == before
    response = client.post(url, {"appeal-reason": "证书与课程内容一致。"})
    assert response.url == reverse("conversion:my_application", args=[application.pk])
    application.refresh_from_db()
    assert application.status == Status.APPEALED
    assert application.appeal_reason == "证书与课程内容一致。"
    assert application.events.filter(action="appeal").exists()
    assert audit_count("conversion_application.appeal") == 1
    # Once appealed, the page says it cannot be appealed again.
    assert "it cannot be appealed now" in text(client.get(url))


def test_an_application_still_waiting_offers_no_appeal(client, world):
    application = world.application("with_institution")
    signed_in(client, world.learner)
    response = client.get(reverse("conversion:application_appeal", args=[application.pk]))
    assert response.status_code == 200
    assert "it cannot be appealed now" in text(response)
    assert 'name="appeal-reason"' not in text(response)


# --- The staff's queues -------------------------------------------------------------------------


def queue(client, user, name):
    signed_in(client, user)
    return client.get(reverse("conversion:application_queue", args=[name]))


def test_each_queue_shows_its_items_oldest_first_with_age_and_overdue_marks(client, world):
    fresh = world.application("submitted")
    old = world.application("submitted")
    age(old, days=60)
    response = queue(client, world.accepter, "accept")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["application"].pk for row in rows] == [old.pk, fresh.pk]
    assert rows[0]["overdue"] and not rows[1]["overdue"]
    assert rows[0]["age"] > 15
    page = text(response)
    assert page.count('class="overdue"') == 1
    assert "Overdue" in page
    assert old.number in page and fresh.number in page
    assert world.account.real_name[0] + "*" in page  # the learner's name, masked
    # The clerk of the target member institution sees the same queue.
    assert queue(client, world.clerk, "accept").context["page"].paginator.count == 2


def test_the_decision_queue_marks_an_application_overdue_past_its_due_date(client, world):
    due = world.application("with_institution")
    late = world.application("accepted")
    age(late, days=40)
    late.refresh_from_db()
    assert late.due_on < timezone.localdate()
    response = queue(client, world.reviewer, "decide")
    rows = {row["application"].pk: row for row in response.context["rows"]}
    assert set(rows) == {due.pk, late.pk}
    assert rows[late.pk]["overdue"]
    assert rows[late.pk]["due_by"] == late.due_on
    assert not rows[due.pk]["overdue"]
    assert rows[due.pk]["due_by"] == due.due_on
    assert list(rows)[0] == late.pk  # the longest-waiting first


def test_the_re_review_queue_lists_approvals_above_the_threshold_for_the_centre(client, world):
    application = world.application("confirming")
    response = queue(client, world.centre, "confirm")
    assert [row["application"].pk for row in response.context["rows"]] == [application.pk]


@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        ("learner", "accept", 403),
        ("institution_reviewer", "accept", 403),
        ("branch_staff", "decide", 403),
        ("institution_clerk", "confirm", 403),
        ("centre_admin", "nonsense", 404),
    ],
)
def test_a_queue_that_is_not_theirs_is_refused(client, world, role, name, status):
    assert queue(client, world[role], name).status_code == status


# --- The review page and its steps --------------------------------------------------------------


def test_the_review_page_shows_the_learner_masked_the_evidence_the_trace_and_the_steps(
    client, world
):
    application = world.application("submitted")
    line = world.line(application)
    achievement = line.holdings.get().achievement
    signed_in(client, world.accepter)
    response = client.get(reverse("conversion:application_review", args=[application.pk]))
    assert response.status_code == 200
    page = text(response)
    account = world.account
    assert account.real_name in page
    assert account.id_number_masked in page
    assert account.account_number in page
    assert reverse("achievements:achievement_detail", args=[achievement.pk]) in page
    assert achievement.title in page
    assert line.course.code in page
    assert "outcome-line" in page
    # Accepting is theirs; deciding is not.
    assert reverse("conversion:application_accept", args=[application.pk]) in page
    assert reverse("conversion:application_decline", args=[application.pk]) in page
    assert reverse("conversion:line_decide", args=[line.pk]) not in page


def test_the_target_institution_reads_the_evidence_of_the_achievements_used(client, world):
    application = world.application("accepted")
    achievement = world.line(application).holdings.get().achievement
    unrelated = world.achievement()
    evidence = achievement.evidence.first()
    signed_in(client, world.reviewer)
    assert (
        client.get(reverse("achievements:achievement_detail", args=[achievement.pk])).status_code
        == 200
    )
    if evidence is not None:
        download = reverse("achievements:evidence_download", args=[evidence.pk])
        assert client.get(download).status_code == 200
    # Not any achievement of the learner: only those an application to them uses.
    assert (
        client.get(reverse("achievements:achievement_detail", args=[unrelated.pk])).status_code
        == 404
    )
    # Reading is all: no step on the achievement.
    assert (
        client.post(reverse("achievements:achievement_delete", args=[achievement.pk])).status_code
        == 403
    )


def test_accepting_and_declining_through_the_page(client, world):
    application = world.application("submitted")
    other = world.application("submitted")
    signed_in(client, world.accepter)
    response = client.post(
        reverse("conversion:application_accept", args=[application.pk]), follow=True
    )
    assert "The application was accepted" in text(response)
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert application.accepted_by == world.accepter
    assert audit_count("conversion_application.accept") == 1
    # A decline needs its reason: refused beside the field, nothing written.
    before = rows_written()
    response = client.post(
        reverse("conversion:application_decline", args=[other.pk]), {"decline-reason": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert rows_written() == before
    client.post(
        reverse("conversion:application_decline", args=[other.pk]),
        {"decline-reason": "身份证件不清晰"},
    )
    other.refresh_from_db()
    assert other.status == Status.NOT_ACCEPTED
    assert other.closing_reason == "身份证件不清晰"
    assert audit_count("conversion_application.decline") == 1
    # Accepting again: the state no longer allows it (409), nothing written.
    before = rows_written()
    response = client.post(reverse("conversion:application_accept", args=[application.pk]))
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]]  # told above the page
    assert rows_written() == before


def test_the_reviewer_takes_and_decides_each_line_and_the_ledger_gets_the_approval(client, world):
    application = world.application("accepted", courses=[world.course(), world.course()])
    first, second = application.lines.order_by("pk")
    signed_in(client, world.reviewer)
    client.post(reverse("conversion:application_take", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == Status.WITH_INSTITUTION
    page = text(client.get(reverse("conversion:application_review", args=[application.pk])))
    assert reverse("conversion:line_decide", args=[first.pk]) in page
    assert f'id="line{first.pk}-decide-decision_0"' in page  # each line's form has ids of its own
    # Refusing without a reason: beside the field, nothing written.
    before = rows_written()
    response = client.post(
        reverse("conversion:line_decide", args=[first.pk]),
        {"decide-decision": "refuse", "decide-reason": ""},
    )
    assert response.status_code == 400
    assert "Give the reason for refusing this line." in text(response)
    assert rows_written() == before
    response = client.post(
        reverse("conversion:line_decide", args=[first.pk]),
        {"decide-decision": "approve"},
        follow=True,
    )
    assert "The line was approved." in text(response)
    first.refresh_from_db()
    assert first.status == LineStatus.APPROVED
    assert ConversionEntry.objects.get(line=first).credits == first.credits
    client.post(
        reverse("conversion:line_decide", args=[second.pk]),
        {"decide-decision": "refuse", "decide-reason": REFUSAL},
    )
    second.refresh_from_db()
    assert (second.status, second.reason) == (LineStatus.REFUSED, REFUSAL)
    application.refresh_from_db()
    assert application.status == Status.PARTLY_APPROVED
    assert audit_count("conversion_application.decide") == 2


def test_a_bad_decision_value_is_refused_beside_the_field(client, world):
    application = world.application("with_institution")
    line = world.line(application)
    signed_in(client, world.reviewer)
    before = rows_written()
    response = client.post(
        reverse("conversion:line_decide", args=[line.pk]), {"decide-decision": "maybe"}
    )
    assert response.status_code == 400
    assert "Select a valid choice." in text(response)
    assert rows_written() == before


def test_the_centre_sends_back_and_confirms_an_approval_above_the_threshold(client, world):
    application = world.application("confirming")
    line = world.line(application)
    signed_in(client, world.centre)
    before = rows_written()
    response = client.post(
        reverse("conversion:line_send_back", args=[line.pk]), {"send_back-note": ""}
    )
    assert response.status_code == 400
    assert rows_written() == before
    client.post(
        reverse("conversion:line_send_back", args=[line.pk]), {"send_back-note": "学分核算有误"}
    )
    line.refresh_from_db()
    assert line.status == LineStatus.PENDING
    assert audit_count("conversion_application.send_back") == 1
    again = world.line(world.application("confirming"))
    client.post(reverse("conversion:line_confirm", args=[again.pk]))
    again.refresh_from_db()
    assert again.status == LineStatus.APPROVED
    assert ConversionEntry.objects.filter(line=again).exists()
    assert audit_count("conversion_application.confirm") == 1


def test_the_decider_may_not_re_review_and_others_are_refused(client, world):
    application = world.application("confirming")
    line = world.line(application)
    before = rows_written()
    # The reviewer who decided is no centre administrator: 403; the learner 403; an outsider 404.
    for role, status in (("institution_reviewer", 403), ("learner", 403), ("outsider", 404)):
        signed_in(client, world[role])
        response = client.post(reverse("conversion:line_confirm", args=[line.pk]))
        assert response.status_code == status, role
    assert rows_written() == before


# --- The desks ----------------------------------------------------------------------------------


def desk_rows(client, user) -> dict:
    signed_in(client, user)
    response = client.get(reverse("accounts:desk"))
    assert response.status_code == 200
    return {
        row.todo.key: (row.tally.count, row.tally.overdue, row.todo.url)
        for row in response.context["todos"]
        if row.todo.key.startswith("applications_to_")
    }


def test_the_desks_count_what_the_queues_show_with_the_overdue_ones(client, world):
    world.application("submitted")
    age(world.application("submitted"), days=60)
    world.application("with_institution")
    world.application("confirming")
    expected = {
        "branch_staff": {"applications_to_accept": (2, 1)},
        "institution_clerk": {"applications_to_accept": (2, 1)},
        "institution_reviewer": {"applications_to_decide": (2, 0)},
        "centre_admin": {"applications_to_confirm": (1, 0)},
        "learner": {},
        "expert": {},
    }
    for role, counts in expected.items():
        found = desk_rows(client, world[role])
        assert {key: value[:2] for key, value in found.items()} == counts, role
        for count, _overdue, url in found.values():
            assert client.get(url).context["page"].paginator.count == count


def test_the_learner_desk_shows_the_open_applications_with_the_expected_date(client, world):
    accepted = world.application("accepted")
    closed = world.application("withdrawn")
    signed_in(client, world.learner)
    page = text(client.get(reverse("accounts:desk")))
    assert "My conversion applications" in page
    assert accepted.number in page
    assert f"Decision expected by {accepted.due_on:%Y-%m-%d}" in page
    assert closed.number not in page


# --- The archive and the navigation -------------------------------------------------------------


def archive_queries(client) -> int:
    url = reverse("achievements:archive")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_archive_shows_what_was_converted_where_in_a_constant_number_of_queries(client, world):
    signed_in(client, world.learner)
    assert "Converted at institutions" not in text(client.get(reverse("achievements:archive")))
    approved = world.application("approved")
    line = world.line(approved)
    page = text(client.get(reverse("achievements:archive")))
    assert "Converted at institutions" in page
    assert world.institution.name in page
    assert "4.00 credits converted" in page
    assert approved.number in page
    assert reverse("conversion:my_application", args=[approved.pk]) in page
    assert reverse("conversion:rule_public", args=[line.rule_version_id]) in page
    few = archive_queries(client)
    world.application("approved")
    world.application("partly_approved")
    exemption = world.application("approved", courses=[world.course(exemption=True)])
    assert archive_queries(client) == few
    page = text(client.get(reverse("achievements:archive")))
    assert "12.00 credits converted" in page
    assert "1 exemption" in page
    assert exemption.number in page


def test_the_navigation_leads_each_role_to_its_pages(client, world):
    def links(role) -> set[str]:
        signed_in(client, world[role])
        return {item["url"] for item in client.get("/").context["nav_items"]}

    mine = reverse("conversion:my_applications")
    assert mine in links("learner")
    assert mine not in links("centre_admin")
    accept = reverse("conversion:application_queue", args=["accept"])
    assert accept in links("branch_staff")
    assert accept in links("institution_clerk")
    assert reverse("conversion:application_queue", args=["decide"]) in links("institution_reviewer")
    assert reverse("conversion:application_queue", args=["confirm"]) in links("centre_admin")
    assert accept not in links("learner")


# --- A constant number of queries ---------------------------------------------------------------


def page_queries(client, url) -> int:
    client.get(url)  # warms the person's cached state
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_pages_take_the_same_number_of_queries_for_1_or_3_lines(client, world):
    few = world.application("with_institution")
    many = world.application(
        "with_institution", courses=[world.course(), world.course(), world.course()]
    )
    for user, name in (
        (world.reviewer, "conversion:application_review"),
        (world.learner, "conversion:my_application"),
    ):
        signed_in(client, user)
        counts = [page_queries(client, reverse(name, args=[a.pk])) for a in (few, many)]
        assert counts[0] == counts[1], (name, counts)
    for user, queue_name, state in (
        (world.reviewer, "decide", "with_institution"),
        (world.accepter, "accept", "submitted"),
    ):
        world.application(state)
        signed_in(client, user)
        url = reverse("conversion:application_queue", args=[queue_name])
        before = page_queries(client, url)
        world.application(state)
        world.application(state)
        assert page_queries(client, url) == before, queue_name
    signed_in(client, world.learner)
    url = reverse("conversion:my_applications")
    before = page_queries(client, url)
    world.application("submitted")
    assert page_queries(client, url) == before


def test_the_learner_desk_takes_the_same_number_of_queries_for_1_or_3_open_applications(
    client, world
):
    world.application("submitted")
    signed_in(client, world.learner)
    url = reverse("accounts:desk")
    before = page_queries(client, url)
    world.application("accepted")
    world.application("appealed")
    assert page_queries(client, url) == before


def test_an_appeal_is_decided_by_a_reviewer_who_took_no_part(client, world):
    application = world.application("appealed")
    line = world.line(application)
    url = reverse("conversion:application_review", args=[application.pk])
    decide = reverse("conversion:line_decide", args=[line.pk])
    signed_in(client, world.reviewer)
    assert decide not in text(client.get(url))
    assert application.pk not in {
        row["application"].pk for row in queue(client, world.reviewer, "decide").context["rows"]
    }
    response = queue(client, world.reviewer_2, "decide")
    assert [row["application"].pk for row in response.context["rows"]] == [application.pk]
    assert decide in text(client.get(url))
    client.post(decide, {"decide-decision": "approve"})
    line.refresh_from_db()
    assert (line.status, line.stage) == (LineStatus.APPROVED, "appeal")
    signed_in(client, world.learner)
    page = text(client.get(reverse("conversion:my_application", args=[application.pk])))
    assert "Decision on appeal" in page
    assert str(Status.APPROVED.label) in page
