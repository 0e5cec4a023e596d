"""The review pages (conversion/views/review.py and the review panel of a rule version's page):
the queue per role, each step by POST with its message, refusals shown beside the field with
nothing written, and experts kept out of versions whose panel they are not on."""

import pytest
from django.urls import reverse

from accounts.models import InstitutionStaff
from conversion.models import RuleVersion
from conversion.services import review
from creditbank.models import AuditEvent
from tests.conftest import signed_in
from tests.conversion.review_world import ReviewWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(people):
    return ReviewWorld(people)


def detail(version):
    return reverse("conversion:rule_manage_detail", args=[version.pk])


def url(name, version):
    return reverse(f"conversion:{name}", args=[version.pk])


def status_of(version):
    return RuleVersion.objects.get(pk=version.pk).status


# --- The queue ------------------------------------------------------------------------------------


def queue(client, user, show=""):
    signed_in(client, user)
    response = client.get(reverse("conversion:review_queue"), {"show": show} if show else {})
    return response


def rows(response):
    return [version.pk for version in response.context["page"]]


def test_the_centre_sees_its_lists_with_the_count_of_opinions(client, w):
    submitted = w.version("submitted")
    in_review = w.version("in_review", experts=[w.expert, w.expert_2])
    review.rule_opinion_give(acting_user=w.expert, version=in_review, verdict="agree")
    approved = w.version("approved")
    response = queue(client, w.centre)
    assert response.status_code == 200
    assert response.context["show"] == "panel"
    assert rows(response) == [submitted.pk]
    page = queue(client, w.centre, "review")
    assert rows(page) == [in_review.pk]
    assert "1 / 2" in page.content.decode()
    assert rows(queue(client, w.centre, "decision")) == []
    review.rule_opinion_give(acting_user=w.expert_2, version=in_review, verdict="agree")
    assert rows(queue(client, w.centre, "decision")) == [in_review.pk]
    assert rows(queue(client, w.centre, "publish")) == [approved.pk]
    content = response.content.decode()
    for label in ("Waiting for a panel", "Ready for a decision", "Approved, to publish"):
        assert label in content


def test_an_author_does_not_find_their_own_rule_among_the_decisions(client, w):
    version = w.version("in_review", author=w.centre_2)
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    assert rows(queue(client, w.centre_2, "decision")) == []
    assert rows(queue(client, w.centre, "decision")) == [version.pk]


def test_an_expert_sees_only_the_versions_of_their_panels(client, w):
    mine = w.version("in_review")
    theirs = w.version("in_review", experts=[w.expert_2])
    response = queue(client, w.expert)
    assert response.context["show"] == "waiting"
    assert rows(response) == [mine.pk]
    assert theirs.rule.number not in response.content.decode()
    review.rule_opinion_give(acting_user=w.expert, version=mine, verdict="agree")
    assert rows(queue(client, w.expert, "waiting")) == []
    assert rows(queue(client, w.expert, "answered")) == [mine.pk]
    # A list that is not theirs shows their first one.
    assert queue(client, w.expert, "panel").context["show"] == "waiting"


def test_writers_see_the_drafts_returned_to_them(client, w):
    version = w.version("submitted")
    review.rule_return(acting_user=w.centre, version=version, reason="请补充依据。")
    response = queue(client, w.writer)
    assert response.context["show"] == "returned"
    assert rows(response) == [version.pk]
    assert "请补充依据。" in response.content.decode()


def test_the_queue_takes_as_many_queries_for_one_version_as_for_three(client, w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(user, show) -> int:
        signed_in(client, user)
        address = reverse("conversion:review_queue") + f"?show={show}"
        client.get(address)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        return len(captured.captured_queries)

    def fill():
        w.version("submitted")
        w.version("in_review")
        w.version("approved")

    lists = [(w.centre, s) for s in ("panel", "review", "decision", "publish")]
    lists += [(w.expert, "waiting"), (w.expert, "answered")]
    fill()
    before = [queries(user, show) for user, show in lists]
    fill()
    fill()
    assert [queries(user, show) for user, show in lists] == before


@pytest.mark.parametrize("role", ["institution_reviewer", "learner", "branch_staff"])
def test_the_queue_is_refused_to_other_roles(client, w, role):
    assert queue(client, w[role]).status_code == 403


def test_the_queue_asks_the_anonymous_to_sign_in(client):
    assert client.get(reverse("conversion:review_queue")).status_code == 302


# --- An expert not on the panel -------------------------------------------------------------------


def test_an_expert_not_on_the_panel_finds_nothing(client, w):
    version = w.version("in_review")
    signed_in(client, w.expert_2)
    assert client.get(detail(version)).status_code == 404
    response = client.post(url("rule_opinion", version), {"opinion-verdict": "agree"})
    assert response.status_code == 404
    assert not version.opinions.exists()
    # On the panel: the page and the form.
    signed_in(client, w.expert)
    page = client.get(detail(version))
    assert page.status_code == 200
    assert 'name="opinion-verdict"' in page.content.decode()


# --- The steps ------------------------------------------------------------------------------------


def test_a_writer_submits_from_the_page_and_is_told(client, w):
    version = w.draft()
    signed_in(client, w.writer)
    page = client.get(detail(version)).content.decode()
    assert url("rule_submit", version) in page
    response = client.post(url("rule_submit", version), follow=True)
    assert response.redirect_chain == [(detail(version), 302)]
    assert "submitted to the centre for expert review" in response.content.decode()
    assert status_of(version) == "submitted"
    response = client.post(url("rule_withdraw", version), follow=True)
    assert "withdrawn from review" in response.content.decode()
    assert status_of(version) == "draft"


def test_a_submission_refused_shows_why_and_writes_nothing(client, w):
    version = w.draft(source={"type": "all", "items": []})
    signed_in(client, w.writer)
    response = client.post(url("rule_submit", version))
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert status_of(version) == "draft"


def test_the_centre_assigns_a_panel_from_the_page(client, w):
    version = w.version("submitted")
    signed_in(client, w.centre)
    page = client.get(detail(version)).content.decode()
    assert 'name="panel-experts"' in page
    assert f'value="{w.expert.username}"' in page
    assert w.writer.username not in page.split("panel-experts", 1)[1].split("</form>")[0]
    response = client.post(
        url("rule_panel_assign", version),
        {"panel-experts": [w.expert.username, w.expert_2.username]},
        follow=True,
    )
    assert "put on the panel" in response.content.decode()
    assert status_of(version) == "in_review"
    page = client.get(detail(version)).content.decode()
    assert "opinion awaited" in page
    assert "Approval waits for 2 more expert opinions." in page


def test_a_panel_of_nobody_is_refused_beside_the_field(client, w):
    version = w.version("submitted")
    signed_in(client, w.centre)
    response = client.post(url("rule_panel_assign", version), {})
    assert response.status_code == 400
    assert 'name="panel-experts"' in response.content.decode()
    assert status_of(version) == "submitted"


def test_an_expert_gives_an_opinion_and_a_disagreement_needs_a_comment(client, w):
    version = w.version("in_review")
    signed_in(client, w.expert)
    response = client.post(url("rule_opinion", version), {"opinion-verdict": "disagree"})
    assert response.status_code == 400
    assert "Say why you disagree" in response.content.decode()
    assert not version.opinions.exists()
    response = client.post(
        url("rule_opinion", version),
        {"opinion-verdict": "disagree", "opinion-comment": "学分偏高。"},
        follow=True,
    )
    assert "Your opinion was recorded" in response.content.decode()
    assert version.opinions.get().comment == "学分偏高。"
    # A second one: refused (409), nothing written.
    response = client.post(url("rule_opinion", version), {"opinion-verdict": "agree"})
    assert response.status_code == 409
    assert version.opinions.count() == 1


def test_the_institution_reads_the_opinions_only_after_the_decision(client, w):
    version = w.version("in_review")
    review.rule_opinion_give(
        acting_user=w.expert, version=version, verdict="disagree", comment="范围过宽。"
    )
    signed_in(client, w.writer)
    page = client.get(detail(version)).content.decode()
    assert "范围过宽。" not in page
    assert "once the centre has decided" in page
    assert "<h3>Expert panel</h3>" not in page  # who reviews is not the institution's to know yet
    signed_in(client, w.centre)
    assert "范围过宽。" in client.get(detail(version)).content.decode()
    review.rule_approve(acting_user=w.centre, version=version, note="已核实。")
    signed_in(client, w.writer)
    page = client.get(detail(version)).content.decode()
    assert "范围过宽。" in page
    assert "已核实。" in page  # the approval's note, in the history


def test_approving_over_a_disagreement_without_a_note_is_refused_beside_the_note(client, w):
    version = w.version("in_review")
    review.rule_opinion_give(
        acting_user=w.expert, version=version, verdict="disagree", comment="否"
    )
    signed_in(client, w.centre)
    response = client.post(url("rule_approve", version), {"approve-note": ""})
    assert response.status_code == 400
    assert "say why the rule is approved all the same" in response.content.decode()
    assert status_of(version) == "in_review"
    response = client.post(url("rule_approve", version), {"approve-note": "已核实。"}, follow=True)
    assert "was approved" in response.content.decode()
    assert status_of(version) == "approved"


def test_an_author_approving_is_refused_with_403_and_an_audit_event(client, w):
    version = w.version("in_review", author=w.centre_2)
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    signed_in(client, w.centre_2)
    assert 'name="approve-note"' not in client.get(detail(version)).content.decode()
    response = client.post(url("rule_approve", version), {"approve-note": ""})
    assert response.status_code == 403
    assert "another centre administrator" in response.content.decode()
    assert status_of(version) == "in_review"
    assert AuditEvent.objects.filter(action="access.refused").exists()


def test_institution_staff_cannot_take_the_centres_steps(client, w):
    version = w.version("submitted")
    signed_in(client, w.writer)
    for name, data in (
        ("rule_panel_assign", {"panel-experts": [w.expert.username]}),
        ("rule_return", {"return-reason": "x"}),
    ):
        assert client.post(url(name, version), data).status_code == 403
    assert status_of(version) == "submitted"


def test_the_centre_returns_and_the_writers_see_the_reason(client, w):
    version = w.version("in_review")
    signed_in(client, w.centre)
    response = client.post(url("rule_return", version), {"return-reason": ""})
    assert response.status_code == 400
    assert status_of(version) == "in_review"
    response = client.post(
        url("rule_return", version), {"return-reason": "请补充依据。"}, follow=True
    )
    assert "returned to its institution" in response.content.decode()
    signed_in(client, w.writer)
    page = client.get(detail(version)).content.decode()
    assert "Returned by the centre" in page
    assert "请补充依据。" in page


def test_the_centre_publishes_and_retires_from_the_page(client, w):
    version = w.version("approved")
    signed_in(client, w.centre)
    page = client.get(detail(version)).content.decode()
    assert "No published version of this rule ends because of it." in page
    response = client.post(url("rule_publish", version), follow=True)
    assert "published and announced" in response.content.decode()
    version.refresh_from_db()
    assert version.status == "published"
    page = client.get(detail(version)).content.decode()
    assert reverse("branches:announcement_detail", args=[version.announcement_id]) in page
    response = client.post(url("rule_retire", version), {"retire-reason": ""})
    assert response.status_code == 400
    response = client.post(url("rule_retire", version), {"retire-reason": "专业停招"}, follow=True)
    assert "was retired" in response.content.decode()
    assert status_of(version) == "retired"


def test_the_publish_step_says_which_version_it_ends(client, w):
    import datetime

    first = w.version("published", valid_from=datetime.date(2026, 9, 1))
    second = w.draft(
        rule=first.rule,
        programme=first.programme,
        version=2,
        previous_version=first,
        valid_from=datetime.date(2027, 9, 1),
    )
    second = w.advance(second, "approved")
    signed_in(client, w.centre)
    page = client.get(detail(second)).content.decode()
    assert "Version 1, published now, will end on 2027-08-31." in page


def test_a_step_from_the_wrong_status_is_refused_with_409(client, w):
    version = w.version("submitted")
    signed_in(client, w.centre)
    assert client.post(url("rule_publish", version)).status_code == 409
    assert status_of(version) == "submitted"


def test_a_step_is_post_only(client, w):
    version = w.version("submitted")
    signed_in(client, w.centre)
    assert client.get(url("rule_return", version)).status_code == 405


def test_a_reviewer_of_the_institution_reads_but_may_not_submit(client, w):
    version = w.draft()
    reviewer = w["institution_reviewer"]
    assert InstitutionStaff.objects.filter(user=reviewer, institution=w.institution).exists()
    signed_in(client, reviewer)
    assert client.get(detail(version)).status_code == 200
    assert client.post(url("rule_submit", version)).status_code == 403
    assert status_of(version) == "draft"


# --- In Chinese -----------------------------------------------------------------------------------


def test_the_review_pages_are_chinese(client, w):
    from tests.creditbank.test_chinese_pages import english_words

    in_review = w.version("in_review", experts=[w.expert, w.expert_2])
    review.rule_opinion_give(
        acting_user=w.expert, version=in_review, verdict="disagree", comment="学分偏高。"
    )
    approved = w.version("approved")
    returned = w.version("submitted")
    review.rule_return(acting_user=w.centre, version=returned, reason="请补充。")
    pages = [
        (w.centre, reverse("conversion:review_queue"), 200),
        (w.centre, reverse("conversion:review_queue") + "?show=review", 200),
        (w.centre, detail(in_review), 200),
        (w.centre, detail(approved), 200),
        (w.expert_2, detail(in_review), 200),
        (w.expert, reverse("conversion:review_queue") + "?show=answered", 200),
        (w.writer, detail(returned), 200),
        (w.writer, reverse("conversion:review_queue"), 200),
    ]
    for user, address, status in pages:
        client.force_login(user)
        response = client.get(address)
        assert response.status_code == status, address
        assert english_words(response.content.decode()) == [], address
    client.force_login(w.centre)
    refused = client.post(url("rule_return", in_review), {"return-reason": ""})
    assert refused.status_code == 400
    assert english_words(refused.content.decode()) == []
    assert "请填写理由" in refused.content.decode() or "必填" in refused.content.decode()


def test_the_audit_log_tells_the_review_in_chinese(client, w):
    from tests.creditbank.test_chinese_pages import english_words

    first = w.version("published")
    second = w.draft(
        rule=first.rule,
        programme=first.programme,
        version=2,
        previous_version=first,
        valid_from=first.valid_from.replace(year=first.valid_from.year + 1),
    )
    second = w.advance(second, "in_review", experts=[w.expert, w.expert_2])
    review.rule_opinion_give(acting_user=w.expert, version=second, verdict="disagree", comment="否")
    review.rule_opinion_give(acting_user=w.expert_2, version=second, verdict="agree")
    review.rule_approve(acting_user=w.centre, version=second, note="已核实。")
    second.refresh_from_db()
    w.advance(second, "retired")
    client.force_login(w["audit_admin"])
    response = client.get(reverse("accounts:audit_log"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "发布转换规则" in page
    assert english_words(page) == []
