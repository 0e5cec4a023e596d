"""The lifecycle of a conversion rule version (conversion.services.review): every step refused
from every status it may not start from and by every person who may not take it, with nothing
written; the rows, audit events, notices, panel permissions and announcements of the steps."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import InstitutionStaff, Notice
from branches.models import Announcement
from conversion.access import on_panel, panel_of, rule_version_actions
from conversion.models import RuleOpinion, RuleVersion
from conversion.services import review
from conversion.services.review import RULE_TRANSITIONS
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, RoleGrantFactory, UserFactory
from tests.conversion.factories import CourseFactory, ProgrammeFactory
from tests.conversion.review_world import STATUSES, ReviewWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(people):
    return ReviewWorld(people)


def events(version, action=None):
    found = AuditEvent.objects.filter(object_type="conversion.ruleversion", object_id=version.pk)
    return found.filter(action=action) if action else found


def snapshot(version):
    """What a refused step must leave as it was: the row, its audit events, its opinions and
    panel, the notices and announcements."""
    row = RuleVersion.objects.filter(pk=version.pk).values().get()
    row.pop("updated_at")
    return (
        row,
        events(version).count(),
        RuleOpinion.objects.filter(version=version).count(),
        sorted(panel_of(version).values_list("pk", flat=True)),
        Notice.objects.count(),
        Announcement.objects.count(),
    )


def step(w, action, version):
    """Take ``action`` on ``version`` as the person who may, with input that would pass."""
    calls = {
        "submit": lambda: review.rule_submit(acting_user=w.writer, version=version),
        "withdraw": lambda: review.rule_withdraw(acting_user=w.writer, version=version),
        "panel_assign": lambda: review.rule_panel_assign(
            acting_user=w.centre, version=version, experts=[w.expert_2]
        ),
        "opinion": lambda: review.rule_opinion_give(
            acting_user=w.expert, version=version, verdict="agree", comment="同意"
        ),
        "return": lambda: review.rule_return(acting_user=w.centre, version=version, reason="补充"),
        "approve": lambda: review.rule_approve(acting_user=w.centre, version=version),
        "publish": lambda: review.rule_publish(acting_user=w.centre, version=version),
        "retire": lambda: review.rule_retire(acting_user=w.centre, version=version, reason="到期"),
    }
    return calls[action]()


# --- The table of transitions ---------------------------------------------------------------------


@pytest.mark.parametrize("action", list(RULE_TRANSITIONS))
def test_every_step_is_refused_from_every_status_it_may_not_start_from(w, action):
    sources = RULE_TRANSITIONS[action][0]
    refused = [status for status in STATUSES if status not in sources]
    assert refused
    for status in refused:
        version = w.version(status)
        before = snapshot(version)
        with pytest.raises(IllegalTransition):
            step(w, action, version)
        assert snapshot(version) == before, (action, status)


def test_the_transitions_are_the_lifecycle_of_the_design():
    assert {a: (sorted(s), t) for a, (s, t) in RULE_TRANSITIONS.items()} == {
        "submit": (["draft"], "submitted"),
        "withdraw": (["in_review", "submitted"], "draft"),
        "panel_assign": (["in_review", "submitted"], "in_review"),
        "opinion": (["in_review"], "in_review"),
        "return": (["in_review", "submitted"], "draft"),
        "approve": (["in_review"], "approved"),
        "publish": (["approved"], "published"),
        "retire": (["published"], "retired"),
    }


def test_a_version_goes_the_whole_way_and_each_step_writes_its_audit_event(w):
    version = w.version("retired")
    assert version.status == "retired"
    assert list(events(version).order_by("pk").values_list("action", flat=True)) == [
        "conversion_rule.submit",
        "conversion_rule.panel_assign",
        "conversion_rule.opinion",
        "conversion_rule.approve",
        "conversion_rule.publish",
        "conversion_rule.retire",
    ]
    assert version.approved_by == w.centre
    assert version.published_by == w.centre
    assert version.retired_by == w.centre
    assert version.retired_reason == "政策调整"


# --- Submit and withdraw --------------------------------------------------------------------------


def test_a_writer_submits_a_draft(w):
    version = review.rule_submit(acting_user=w.writer, version=w.draft())
    version.refresh_from_db()
    assert version.status == "submitted"
    assert version.submitted_at is not None
    event = events(version, "conversion_rule.submit").get()
    assert event.actor == w.writer
    assert event.summary == {"before": {"status": "draft"}, "after": {"status": "submitted"}}


@pytest.mark.parametrize("role", ["institution_reviewer", "centre_admin", "expert", "outsider"])
def test_only_the_institutions_writers_submit(w, role):
    version = w.draft()
    before = snapshot(version)
    with pytest.raises(NotAllowed):
        review.rule_submit(acting_user=w[role], version=version)
    assert snapshot(version) == before


def test_a_writer_of_another_institution_may_not_submit(w):
    other = InstitutionFactory()
    clerk = UserFactory()
    InstitutionStaff.objects.create(institution=other, user=clerk, role="clerk")
    version = w.draft()
    with pytest.raises(NotAllowed):
        review.rule_submit(acting_user=clerk, version=version)


def test_a_suspended_institution_cannot_submit(w):
    version = w.draft()
    type(w.institution).objects.filter(pk=w.institution.pk).update(status="suspended")
    with pytest.raises(IllegalTransition):
        review.rule_submit(acting_user=w.writer, version=version)
    version.refresh_from_db()
    assert version.status == "draft"


def test_a_draft_whose_source_is_incomplete_is_not_submitted(w):
    version = w.draft(source={"type": "all", "items": []})
    before = snapshot(version)
    with pytest.raises(InvalidInput):
        review.rule_submit(acting_user=w.writer, version=version)
    assert snapshot(version) == before


def test_a_draft_that_would_overlap_a_later_published_version_is_not_submitted(w):
    published = w.version("published", valid_from=datetime.date(2026, 9, 1))
    earlier = w.draft(
        rule=published.rule,
        programme=published.programme,
        version=2,
        previous_version=published,
        valid_from=datetime.date(2026, 3, 1),
    )
    with pytest.raises(InvalidInput) as refused:
        review.rule_submit(acting_user=w.writer, version=earlier)
    assert refused.value.field == "valid_from"


def test_withdrawing_takes_the_panel_off_and_keeps_the_opinions(w):
    version = w.version("in_review", experts=[w.expert, w.expert_2])
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    review.rule_withdraw(acting_user=w.writer, version=version)
    version.refresh_from_db()
    assert version.status == "draft"
    assert not panel_of(version).exists()
    assert not on_panel(w.expert_2, version)
    assert version.opinions.count() == 1
    assert events(version, "conversion_rule.withdraw").count() == 1


def test_the_centre_may_not_withdraw_for_the_institution(w):
    version = w.version("submitted")
    with pytest.raises(NotAllowed):
        review.rule_withdraw(acting_user=w.centre, version=version)


# --- The panel ------------------------------------------------------------------------------------


def test_assigning_a_panel_starts_a_round_gives_the_permission_and_tells_the_experts(w):
    version = w.version("submitted")
    review.rule_panel_assign(acting_user=w.centre, version=version, experts=[w.expert, w.expert_2])
    version.refresh_from_db()
    assert version.status == "in_review"
    assert version.review_round == 1
    assert version.review_started_at is not None
    assert w.expert.has_perm("conversion.review_ruleversion", version)
    assert on_panel(w.expert_2, version)
    assert list(panel_of(version)) == sorted([w.expert, w.expert_2], key=lambda u: u.username)
    assert Notice.objects.filter(user__in=[w.expert, w.expert_2]).count() == 2
    event = events(version, "conversion_rule.panel_assign").get()
    assert event.summary["after"] == {
        "status": "in_review",
        "review_round": 1,
        "experts": [w.expert.pk, w.expert_2.pk],
    }


def test_an_expert_may_be_added_later_in_the_same_round(w):
    version = w.version("in_review")
    review.rule_panel_assign(acting_user=w.centre, version=version, experts=[w.expert_2])
    version.refresh_from_db()
    assert version.review_round == 1
    assert set(panel_of(version)) == {w.expert, w.expert_2}
    # Nobody new: refused.
    with pytest.raises(InvalidInput):
        review.rule_panel_assign(acting_user=w.centre, version=version, experts=[w.expert])


@pytest.mark.parametrize("role", ["expert", "institution_admin", "institution_clerk", "learner"])
def test_only_a_centre_administrator_assigns_a_panel(w, role):
    version = w.version("submitted")
    before = snapshot(version)
    with pytest.raises(NotAllowed):
        review.rule_panel_assign(acting_user=w[role], version=version, experts=[w.expert])
    assert snapshot(version) == before


def test_the_panel_refuses_nobody_a_non_expert_an_author_and_the_institutions_staff(w):
    author_expert = RoleGrantFactory(user=UserFactory(), role="expert").user
    version = w.version("submitted")
    version.authors.add(author_expert)
    RoleGrantFactory(user=w["institution_reviewer"], role="expert")
    before = snapshot(version)
    for experts, code in (
        ([], "experts_required"),
        ([w["learner"]], "not_expert"),
        ([w.expert, author_expert], "expert_is_author"),
        ([w["institution_reviewer"]], "expert_is_staff"),
    ):
        with pytest.raises(InvalidInput) as refused:
            review.rule_panel_assign(acting_user=w.centre, version=version, experts=experts)
        assert (refused.value.code, refused.value.field) == (code, "experts")
    assert snapshot(version) == before


# --- Opinions -------------------------------------------------------------------------------------


def test_an_expert_on_the_panel_gives_one_opinion_a_round(w):
    version = w.version("in_review")
    opinion = review.rule_opinion_give(
        acting_user=w.expert, version=version, verdict="disagree", comment="学分偏高。"
    )
    assert (opinion.round, opinion.verdict, opinion.comment) == (1, "disagree", "学分偏高。")
    assert events(version, "conversion_rule.opinion").get().summary["after"] == {
        "review_round": 1,
        "verdict": "disagree",
    }
    with pytest.raises(IllegalTransition):
        review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    assert version.opinions.count() == 1
    assert "opinion" not in rule_version_actions(w.expert, version)


def test_an_expert_not_on_the_panel_and_a_non_expert_give_no_opinion(w):
    version = w.version("in_review")
    before = snapshot(version)
    with pytest.raises(NotAllowed):
        review.rule_opinion_give(acting_user=w.expert_2, version=version, verdict="agree")
    with pytest.raises(NotAllowed):
        review.rule_opinion_give(acting_user=w.centre, version=version, verdict="agree")
    assert snapshot(version) == before


def test_a_disagreement_needs_a_comment(w):
    version = w.version("in_review")
    with pytest.raises(InvalidInput) as refused:
        review.rule_opinion_give(acting_user=w.expert, version=version, verdict="disagree")
    assert refused.value.field == "comment"
    with pytest.raises(InvalidInput):
        review.rule_opinion_give(acting_user=w.expert, version=version, verdict="maybe")
    assert not version.opinions.exists()


def test_after_a_return_a_new_round_asks_the_panel_again(w):
    version = w.version("in_review")
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    review.rule_return(acting_user=w.centre, version=version, reason="请补充说明。")
    version.refresh_from_db()
    assert (version.status, version.returned_reason) == ("draft", "请补充说明。")
    assert not panel_of(version).exists()
    writers = {w.writer, w["institution_admin"]}
    assert {n.user for n in Notice.objects.filter(title__contains=version.rule.number)} >= writers
    version = w.advance(version, "in_review")
    assert version.review_round == 2
    assert version.returned_reason == ""  # cleared on submitting again
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    assert list(version.opinions.values_list("round", flat=True).order_by("round")) == [1, 2]


def test_a_return_needs_a_reason_and_a_centre_administrator(w):
    version = w.version("submitted")
    before = snapshot(version)
    with pytest.raises(InvalidInput) as refused:
        review.rule_return(acting_user=w.centre, version=version, reason="  ")
    assert refused.value.field == "reason"
    with pytest.raises(NotAllowed):
        review.rule_return(acting_user=w.writer, version=version, reason="x")
    assert snapshot(version) == before


# --- Approval -------------------------------------------------------------------------------------


def test_approval_waits_for_every_expert_of_the_round(w):
    version = w.version("in_review", experts=[w.expert, w.expert_2])
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    assert "approve" not in rule_version_actions(w.centre, version)
    before = snapshot(version)
    with pytest.raises(IllegalTransition) as refused:
        review.rule_approve(acting_user=w.centre, version=version)
    assert refused.value.code == "opinions_missing"
    assert snapshot(version) == before
    review.rule_opinion_give(acting_user=w.expert_2, version=version, verdict="agree")
    assert "approve" in rule_version_actions(w.centre, version)
    review.rule_approve(acting_user=w.centre, version=version)
    version.refresh_from_db()
    assert version.status == "approved"
    assert version.approved_by == w.centre
    assert not panel_of(version).exists()
    # The experts still read what they answered; they may no longer act on it.
    assert rule_version_actions(w.expert, version) == []


def test_an_author_never_approves_even_as_a_centre_administrator(w):
    version = w.version("in_review", author=w.centre_2)
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    before = snapshot(version)
    with pytest.raises(NotAllowed) as refused:
        review.rule_approve(acting_user=w.centre_2, version=version)
    assert refused.value.code == "own_rule"
    assert snapshot(version) == before
    assert "approve" not in rule_version_actions(w.centre_2, version)
    with pytest.raises(NotAllowed):
        review.rule_publish(
            acting_user=w.centre_2, version=w.version("approved", author=w.centre_2)
        )


def test_a_centre_administrator_on_the_institutions_staff_does_not_approve(w):
    InstitutionStaff.objects.create(institution=w.institution, user=w.centre_2, role="reviewer")
    version = w.version("in_review")
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    with pytest.raises(NotAllowed) as refused:
        review.rule_approve(acting_user=w.centre_2, version=version)
    assert refused.value.code == "own_institution"


@pytest.mark.parametrize("role", ["institution_admin", "institution_clerk", "expert"])
def test_institution_staff_and_experts_do_not_approve(w, role):
    version = w.version("in_review")
    review.rule_opinion_give(acting_user=w.expert, version=version, verdict="agree")
    with pytest.raises(NotAllowed):
        review.rule_approve(acting_user=w[role], version=version)


def test_approving_over_a_disagreement_needs_a_note(w):
    version = w.version("in_review")
    review.rule_opinion_give(
        acting_user=w.expert, version=version, verdict="disagree", comment="来源过宽。"
    )
    with pytest.raises(InvalidInput) as refused:
        review.rule_approve(acting_user=w.centre, version=version)
    assert refused.value.field == "note"
    review.rule_approve(acting_user=w.centre, version=version, note="已与机构核实，范围合理。")
    event = events(version, "conversion_rule.approve").get()
    assert event.summary["note"] == "已与机构核实，范围合理。"


# --- Publishing and retiring ----------------------------------------------------------------------


def test_publishing_announces_the_rule_in_the_sites_language(w, settings):
    programme = ProgrammeFactory(institution=w.institution, name="计算机应用技术")
    credit_course = CourseFactory(institution=w.institution, name="计算机应用基础", code="JS101")
    exempt_course = CourseFactory(institution=w.institution, name="大学英语", code="YY101")
    version = w.version(
        "approved",
        programme=programme,
        targets=[(credit_course, Decimal("3.50")), (exempt_course, None)],
        valid_until=datetime.date(2028, 8, 31),
    )
    with translation.override("en"):
        review.rule_publish(acting_user=w.centre, version=version)
    version.refresh_from_db()
    assert version.status == "published"
    assert version.published_at is not None
    announcement = version.announcement
    assert announcement.status == "published"
    assert announcement.kind == "notice"
    assert version.rule.number in announcement.title
    assert "转换规则" in announcement.title
    body = announcement.body
    for text in (
        version.rule.title,
        w.institution.name,
        "计算机应用技术",
        "JS101 计算机应用基础：3.5 学分",
        "YY101 大学英语：免考/免修",
        "2026-09-01",
        "2028-08-31",
    ):
        assert text in body, text
    assert f"{settings.CREDITBANK_SITE_URL}/conversion/rules/{version.pk}/" in body
    assert {n.user for n in Notice.objects.filter(title__contains="发布")} >= {w.writer}
    assert events(version, "conversion_rule.publish").count() == 1


def test_publishing_a_later_version_ends_the_earlier_one_the_day_before(w):
    first = w.version("published", valid_from=datetime.date(2026, 9, 1))
    second = w.draft(
        rule=first.rule,
        programme=first.programme,
        version=2,
        previous_version=first,
        valid_from=datetime.date(2027, 9, 1),
    )
    w.advance(second, "published")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.ends_on == datetime.date(2027, 8, 31)
    assert first.status == "published"
    assert second.status == "published"
    assert events(second, "conversion_rule.publish").get().summary["after"] == {
        "status": "published",
        "superseded": [1],
        "ends_on": "2027-08-31",
    }


def test_a_rule_of_a_suspended_institution_is_neither_approved_nor_published(w):
    in_review = w.version("in_review")
    review.rule_opinion_give(acting_user=w.expert, version=in_review, verdict="agree")
    approved = w.version("approved")
    type(w.institution).objects.filter(pk=w.institution.pk).update(status="suspended")
    for version, step in ((in_review, review.rule_approve), (approved, review.rule_publish)):
        before = snapshot(version)
        with pytest.raises(IllegalTransition) as refused:
            step(acting_user=w.centre, version=version)
        assert refused.value.code == "institution_not_approved"
        assert snapshot(version) == before


def test_publishing_is_refused_to_non_centre_people(w):
    version = w.version("approved")
    before = snapshot(version)
    for role in ("institution_admin", "expert", "learner"):
        with pytest.raises(NotAllowed):
            review.rule_publish(acting_user=w[role], version=version)
    assert snapshot(version) == before


def test_retiring_needs_a_reason_and_tells_the_writers(w):
    version = w.version("published")
    before = snapshot(version)
    with pytest.raises(InvalidInput):
        review.rule_retire(acting_user=w.centre, version=version, reason="")
    with pytest.raises(NotAllowed):
        review.rule_retire(acting_user=w.writer, version=version, reason="x")
    assert snapshot(version) == before
    review.rule_retire(acting_user=w.centre, version=version, reason="专业停招")
    version.refresh_from_db()
    assert (version.status, version.retired_reason) == ("retired", "专业停招")
    assert Notice.objects.filter(user=w.writer, body__contains="专业停招").exists()


# --- The buttons ----------------------------------------------------------------------------------


def test_the_actions_offered_match_what_the_services_allow(w):
    draft = w.draft()
    assert rule_version_actions(w.writer, draft) == ["edit", "submit"]
    assert rule_version_actions(w["institution_reviewer"], draft) == []
    assert rule_version_actions(w.centre, draft) == []
    submitted = w.advance(draft, "submitted")
    assert rule_version_actions(w.writer, submitted) == ["withdraw"]
    assert rule_version_actions(w.centre, submitted) == ["panel_assign", "return"]
    in_review = w.advance(submitted, "in_review")
    assert rule_version_actions(w.expert, in_review) == ["opinion"]
    assert rule_version_actions(w.expert_2, in_review) == []
    assert rule_version_actions(w.centre, in_review) == ["panel_assign", "return"]
    approved = w.advance(in_review, "approved")
    assert rule_version_actions(w.centre, approved) == ["publish"]
    assert rule_version_actions(w.writer, approved) == []  # an open version: no new one yet
    published = w.advance(approved, "published")
    assert rule_version_actions(w.centre, published) == ["retire"]
    assert rule_version_actions(w.writer, published) == ["new_version"]
    assert rule_version_actions(w["learner"], published) == []
