"""The recognition pages: the learner's archive and steps, the staff's queues and review page,
maker-checker and illegal steps through the pages, a constant number of queries, concurrent
decisions, and ``check_ledger``."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from achievements import services
from achievements.access import REVIEW_QUEUES
from achievements.models import (
    ACHIEVEMENT_TRANSITIONS,
    Achievement,
    AchievementEvent,
    CreditEntry,
    Recognition,
)
from achievements.views.review import QUEUE_HELP, QUEUE_SLUGS, QUEUE_TITLES
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import RoleGrantFactory
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

Status = Achievement.Status


def page_text(response) -> str:
    return response.content.decode()


# --- The learner's archive --------------------------------------------------------------------


def test_the_archive_shows_the_balance_by_level_and_field_and_the_statement(client, review):
    recognised = review.recognised(title="计算机应用基础")
    review.deposit(title="养老护理员培训")
    signed_in(client, review["learner"])
    response = client.get(reverse("achievements:archive"))
    assert response.status_code == 200
    text = page_text(response)
    assert "计算机应用基础" in text and "养老护理员培训" in text
    assert "Recognised" in text and "Deposited" in text
    # The balance: 3 credits at level 3 in 信息技术, in total and by level and field.
    assert response.context["balance"].total == Decimal("3.00")
    assert "信息技术" in text
    assert "Level 3" in text
    # The statement: the deposit on recognition, citing its achievement.
    statement = list(response.context["statement"])
    assert [(e.kind, e.amount, e.achievement_id) for e in statement] == [
        ("deposit", Decimal("3.00"), recognised.pk)
    ]
    assert "Deposit on recognition" in text


def test_the_archive_filters_by_category_status_and_year(client, review):
    from achievements.models import AchievementCategory

    review.recognised(title="已认定的成果")
    review.deposit(title="二〇二〇年的培训", obtained_on=timezone.localdate().replace(year=2020))
    signed_in(client, review["learner"])

    def titles(**params):
        response = client.get(reverse("achievements:archive"), params)
        assert response.status_code == 200
        shown = [row.pk for row in response.context["page"]]
        return set(Achievement.objects.filter(pk__in=shown).values_list("title", flat=True))

    assert titles(status="recognised") == {"已认定的成果"}
    assert titles(year="2020") == {"二〇二〇年的培训"}
    online = AchievementCategory.objects.get(code="online_course")
    assert titles(category=online.pk) == set()
    assert titles(year="nonsense") == {
        "已认定的成果",
        "二〇二〇年的培训",
    }  # a bad filter is ignored


def test_the_achievement_page_shows_its_timeline_of_who_did_what(client, review):
    achievement = review.recognised(title="计算机应用基础")
    signed_in(client, review["learner"])
    response = client.get(reverse("achievements:achievement_detail", args=[achievement.pk]))
    text = page_text(response)
    for label in (
        "Applied for recognition",
        "Passed the first check; forwarded for a decision",
        "Recognised",
    ):
        assert label in text
    actions = [e.action for e in response.context["events"]]
    assert actions == ["deposit", "submit", "forward", "recognise"]


def test_the_learner_applies_and_a_missing_answer_is_refused_beside_the_field(client, review):
    achievement = review.deposit()
    signed_in(client, review["learner"])
    response = client.post(reverse("achievements:achievement_submit", args=[achievement.pk]))
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == Status.UNDER_REVIEW
    services.achievement_return(
        acting_user=review["branch_staff"], achievement=achievement, message="请补充成绩单。"
    )
    events = AchievementEvent.objects.count()
    response = client.post(
        reverse("achievements:achievement_resubmit", args=[achievement.pk]), {"answer": ""}
    )
    assert response.status_code == 200
    assert response.context["steps"]["resubmit"].errors["answer"]
    achievement.refresh_from_db()
    assert achievement.status == Status.RETURNED
    assert AchievementEvent.objects.count() == events


# --- The staff's queues and review page -------------------------------------------------------


def test_the_check_queue_is_oldest_first_with_an_overdue_mark(client, review):
    recent = review.submitted(title="新近的申请")
    old = review.submitted(title="久等的申请")
    Achievement.objects.filter(pk=old.pk).update(
        status_changed_at=timezone.now() - timedelta(days=40)
    )
    signed_in(client, review["branch_staff"])
    response = client.get(reverse("achievements:review_check_queue"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["achievement"].pk for row in rows] == [old.pk, recent.pk]
    assert rows[0]["overdue"] and rows[0]["age"] > 15
    assert not rows[1]["overdue"] and rows[1]["age"] == 0
    assert page_text(response).count('class="badge overdue"') == 1


def test_the_first_check_forwards_from_the_review_page_and_the_learner_is_told(client, review):
    achievement = review.submitted()
    signed_in(client, review["branch_staff"])
    response = client.get(reverse("achievements:review_detail", args=[achievement.pk]))
    assert [step["action"] for step in response.context["steps"]] == ["forward", "return"]
    response = client.post(
        reverse("achievements:review_forward", args=[achievement.pk]),
        {"forward-note": "材料齐全。"},
    )
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == Status.FORWARDED
    assert achievement.events.latest("created_at").note == "材料齐全。"
    assert AuditEvent.objects.filter(
        action="achievement.forward", object_id=str(achievement.pk)
    ).exists()
    # In the learner's language, not in that of the staff member's page.
    assert review["learner"].notices.filter(title="您的学习成果已通过初审").exists()


def test_a_recognition_needs_a_known_approved_standard_or_all_the_facts(client, review):
    achievement = review.forwarded()
    signed_in(client, review["expert"])
    url = reverse("achievements:review_recognise", args=[achievement.pk])
    response = client.post(url, {"recognise-unit_standard": "NO-SUCH-CODE"})
    assert response.status_code == 200
    form = next(s["form"] for s in response.context["steps"] if s["action"] == "recognise")
    assert form.errors["unit_standard"]
    response = client.post(url, {"recognise-credits": "2"})
    assert response.status_code == 200
    achievement.refresh_from_db()
    assert achievement.status == Status.FORWARDED
    assert not Recognition.objects.exists()
    assert not CreditEntry.objects.exists()
    response = client.post(url, {"recognise-unit_standard": review.standard.code})
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == Status.RECOGNISED
    assert CreditEntry.objects.get().amount == Decimal("3.00")


# --- Maker-checker through the pages ----------------------------------------------------------


def test_the_maker_of_a_decision_is_refused_its_re_review_with_403_and_nothing_changes(
    client, review
):
    maker = review["centre_admin"]
    RoleGrantFactory(user=maker, role="expert")  # an expert who is also a centre administrator
    achievement = review.forwarded()
    signed_in(client, maker)
    response = client.post(
        reverse("achievements:review_recognise", args=[achievement.pk]),
        {"recognise-unit_standard": review.big_standard.code},
    )
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == Status.CONFIRMING

    page = client.get(reverse("achievements:review_detail", args=[achievement.pk]))
    assert not {"confirm", "send_back"} & {s["action"] for s in page.context["steps"]}
    queue = client.get(reverse("achievements:review_confirm_queue"))
    assert achievement.pk not in [row["achievement"].pk for row in queue.context["rows"]]

    events, audits = AchievementEvent.objects.count(), AuditEvent.objects.count()
    for name, data in (
        ("achievements:review_confirm", {}),
        ("achievements:review_send_back", {"send_back-reason": "x"}),
    ):
        response = client.post(reverse(name, args=[achievement.pk]), data)
        assert response.status_code == 403
        assert AuditEvent.objects.latest("id").action == "access.refused"
    achievement.refresh_from_db()
    assert achievement.status == Status.CONFIRMING
    assert Recognition.objects.get().status == Recognition.Status.PENDING
    assert Recognition.objects.get().re_reviewed_by is None
    assert not CreditEntry.objects.exists()
    assert AchievementEvent.objects.count() == events
    assert AuditEvent.objects.count() == audits + 2  # the two refusals, nothing else

    signed_in(client, review["centre_admin_2"])
    queue = client.get(reverse("achievements:review_confirm_queue"))
    assert achievement.pk in [row["achievement"].pk for row in queue.context["rows"]]
    response = client.post(reverse("achievements:review_confirm", args=[achievement.pk]))
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == Status.RECOGNISED
    decision = Recognition.objects.get()
    assert (decision.decided_by, decision.re_reviewed_by) == (maker, review["centre_admin_2"])
    assert CreditEntry.objects.get().amount == Decimal("12.00")


def test_an_expert_who_took_part_is_refused_the_appeal(client, review):
    achievement = review.rejected()  # rejected by review["expert"]
    services.achievement_appeal(
        acting_user=review["learner"], achievement=achievement, statement="证书可在官网核验。"
    )
    signed_in(client, review["expert"])
    queue = client.get(reverse("achievements:review_appeals_queue"))
    assert achievement.pk not in [row["achievement"].pk for row in queue.context["rows"]]
    response = client.post(
        reverse("achievements:review_recognise", args=[achievement.pk]),
        {"recognise-unit_standard": review.standard.code},
    )
    assert response.status_code == 403
    achievement.refresh_from_db()
    assert achievement.status == Status.APPEALED

    signed_in(client, review["expert_2"])
    queue = client.get(reverse("achievements:review_appeals_queue"))
    assert achievement.pk in [row["achievement"].pk for row in queue.context["rows"]]
    response = client.post(
        reverse("achievements:review_recognise", args=[achievement.pk]),
        {"recognise-unit_standard": review.standard.code},
    )
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == Status.RECOGNISED
    assert achievement.recognition.stage == Recognition.Stage.APPEAL


# --- Illegal steps are refused, whoever asks ---------------------------------------------------

STEP_CALLS = {
    "submit": ("learner", services.achievement_submit, {}),
    "resubmit": ("learner", services.achievement_resubmit, {"answer": "已补充。"}),
    "appeal": ("learner", services.achievement_appeal, {"statement": "请复核。"}),
    "forward": ("branch_staff", services.achievement_forward, {}),
    "return": ("branch_staff", services.achievement_return, {"message": "请补充。"}),
    "recognise": ("expert_2", services.achievement_recognise, {"unit_standard": "standard"}),
    "reject": ("expert_2", services.achievement_reject, {"reason": "不符合。"}),
    "confirm": ("centre_admin_2", services.recognition_confirm, {}),
    "send_back": ("centre_admin_2", services.recognition_send_back, {"reason": "偏高。"}),
    "revoke": ("centre_admin_2", services.achievement_revoke, {"reason": "造假。"}),
}
ILLEGAL = [
    (action, status)
    for action in STEP_CALLS
    for status in Status.values
    if status not in ACHIEVEMENT_TRANSITIONS[action][0]
]


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_every_illegal_step_is_refused_and_writes_nothing(review, action, status):
    achievement = review.deposit()
    Achievement.objects.filter(pk=achievement.pk).update(status=status)
    achievement.refresh_from_db()
    who, step, kwargs = STEP_CALLS[action]
    kwargs = {k: review.standard if v == "standard" else v for k, v in kwargs.items()}
    counts = (
        AchievementEvent.objects.count(),
        AuditEvent.objects.count(),
        Recognition.objects.count(),
        CreditEntry.objects.count(),
        review["learner"].notices.count(),
    )
    with pytest.raises(ServiceError) as refused:
        step(acting_user=review[who], achievement=achievement, **kwargs)
    assert refused.value.code == "illegal_transition"
    achievement.refresh_from_db()
    assert achievement.status == status
    assert counts == (
        AchievementEvent.objects.count(),
        AuditEvent.objects.count(),
        Recognition.objects.count(),
        CreditEntry.objects.count(),
        review["learner"].notices.count(),
    )


def test_an_illegal_step_through_the_page_is_told_and_changes_nothing(client, review):
    achievement = review.forwarded()
    signed_in(client, review["branch_staff"])
    events = AchievementEvent.objects.count()
    response = client.post(
        reverse("achievements:review_forward", args=[achievement.pk]), follow=True
    )
    assert response.status_code == 200
    assert "cannot be changed this way" in page_text(response)
    achievement.refresh_from_db()
    assert achievement.status == Status.FORWARDED
    assert AchievementEvent.objects.count() == events


# --- A constant number of queries -------------------------------------------------------------


def _queries(client, url, django_assert_num_queries, expected=None):
    """The number of queries ``url`` takes (asserting ``expected`` when given)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    if expected is not None:
        with django_assert_num_queries(expected):
            client.get(url)
    return len(captured.captured_queries)


def _fresh_cache(settings):
    """A new, empty cache namespace: what the archive finds after a restart or an eviction."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }


def _archive_queries(client, url, settings, django_assert_num_queries, expected=None):
    """The queries of the archive with an empty cache, then with its cards, balance and
    statement cached: ``(cold, warm)``, asserting ``expected`` when given."""
    _fresh_cache(settings)
    if expected is None:
        cold = _queries(client, url, django_assert_num_queries)
        return cold, _queries(client, url, django_assert_num_queries)
    with django_assert_num_queries(expected[0]):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(expected[1]):
        assert client.get(url).status_code == 200
    return expected


def test_the_archive_takes_the_same_number_of_queries_for_2_or_30_achievements(
    client, review, django_assert_num_queries, settings
):
    review.recognised()
    review.deposit()
    signed_in(client, review["learner"])
    url = reverse("achievements:archive")
    # Filtered, the filter form is rendered afresh (its categories read); unfiltered, from the
    # cache: each is pinned on its own.
    filtered = f"{url}?page=2&entries=1&status=recognised"
    few = _archive_queries(client, url, settings, django_assert_num_queries)
    few_filtered = _archive_queries(client, filtered, settings, django_assert_num_queries)
    cold, warm = few
    # Cached, the cards skip their history and the ledger its balance and statement.
    assert warm < cold
    for _ in range(8):
        review.recognised()
        review.rejected()
        review.submitted()
    review.deposit()
    revoked = review.recognised()
    services.achievement_revoke(
        acting_user=review["centre_admin"], achievement=revoked, reason="造假。"
    )
    assert Achievement.objects.filter(account=review.account).count() > 25
    _archive_queries(client, url, settings, django_assert_num_queries, expected=few)
    _archive_queries(client, filtered, settings, django_assert_num_queries, expected=few_filtered)


def test_the_cached_archive_shows_each_new_step_and_credit_at_once(client, review):
    """The archive caches its cards and its ledger sections; a step on an achievement, and
    the credits it brings or takes, show on the very next view."""
    achievement = review.forwarded()
    signed_in(client, review["learner"])
    url = reverse("achievements:archive")
    before = page_text(client.get(url))
    assert "Forwarded for a decision" in before
    assert "History (3 steps)" in before
    assert "No credits yet" in before
    main = before[before.index("<main") : before.index("</main>")]
    again = page_text(client.get(url))
    assert again[again.index("<main") : again.index("</main>")] == main  # now from the cache

    services.achievement_recognise(
        acting_user=review["institution_reviewer"],
        achievement=achievement,
        unit_standard=review.standard,
    )
    after = page_text(client.get(url))
    assert "History (4 steps)" in after
    assert "3.00 credits" in after
    assert "+3.00" in after
    assert "No credits yet" not in after

    services.achievement_revoke(
        acting_user=review["centre_admin"], achievement=achievement, reason="证书系伪造。"
    )
    revoked = page_text(client.get(url))
    assert "History (5 steps)" in revoked
    assert "Recognition revoked" in revoked
    assert "-3.00" in revoked
    assert "No credits yet" in revoked  # the balance is back to nothing


def test_a_renamed_category_or_institution_shows_on_the_cached_archive_at_once(client, review):
    achievement = review.recognised()
    signed_in(client, review["learner"])
    url = reverse("achievements:archive")
    category, institution = achievement.category, achievement.issuer_institution
    before = page_text(client.get(url))
    assert category.name_en in before
    assert institution.name in before
    type(category).objects.filter(pk=category.pk).update(name_en="Renamed category")
    type(institution).objects.filter(pk=institution.pk).update(name="更名后的学院")
    after = page_text(client.get(url))
    assert "Renamed category" in after
    assert "更名后的学院" in after


def test_the_archive_speaks_the_language_of_the_reader_from_the_cache(client, review):
    review.recognised()
    signed_in(client, review["learner"])
    url = reverse("achievements:archive")
    assert "History (" in page_text(client.get(url))
    client.cookies["creditbank_language"] = "zh-hans"
    chinese = page_text(client.get(url))
    assert "处理记录" in chinese
    assert "History (" not in chinese


@pytest.mark.parametrize(
    ("queue", "who", "make"),
    [
        ("check", "branch_staff", "submitted"),
        ("check", "institution_clerk", "submitted"),
        ("decide", "expert", "forwarded"),
        ("decide", "institution_reviewer", "forwarded"),
        ("confirm", "centre_admin", "confirming"),
        ("appeals", "expert_2", "appealed"),
    ],
)
def test_each_queue_takes_the_same_number_of_queries_for_1_or_25_items(
    client, review, django_assert_num_queries, queue, who, make
):
    def one():
        if make == "appealed":
            achievement = review.rejected()
            return services.achievement_appeal(
                acting_user=review["learner"], achievement=achievement, statement="请复核。"
            )
        return getattr(review, make)()

    one()
    signed_in(client, review[who])
    url = reverse(f"achievements:review_{queue}_queue")
    client.get(url)  # the person's cached state (accounts.cache) and the header's to-do total
    few = _queries(client, url, django_assert_num_queries)
    for _ in range(24):
        one()
    response = client.get(url)
    assert response.context["page"].paginator.count == 25
    _queries(client, url, django_assert_num_queries, expected=few)


def test_the_queues_named_by_their_steps_keep_their_published_addresses(client, review):
    assert set(QUEUE_SLUGS) == set(REVIEW_QUEUES) == set(QUEUE_TITLES) == set(QUEUE_HELP)
    addresses = {
        queue: reverse(f"achievements:review_{slug}_queue") for queue, slug in QUEUE_SLUGS.items()
    }
    assert addresses == {
        "first_check": "/review/check/",
        "decision": "/review/decide/",
        "re_review": "/review/confirm/",
        "appeals": "/review/appeals/",
    }
    signed_in(client, review["centre_admin"])
    response = client.get("/review/confirm/")
    assert response.context["queue"] == "re_review"
    assert response.context["title"] == "Centre re-review"
    assert [(q["name"], q["url_name"]) for q in response.context["queues"]] == [
        ("re_review", "achievements:review_confirm_queue")
    ]


# --- Concurrent decisions: exactly one wins -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_decisions_exactly_one_wins(reference_data, review):
    achievement = review.forwarded()
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(name, step, kwargs):
        try:
            barrier.wait()
            step(acting_user=review[name], achievement=achievement, **kwargs)
            outcomes[name] = "won"
        except ServiceError as exc:
            outcomes[name] = exc.code
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=decide,
            args=("expert", services.achievement_recognise, {"unit_standard": review.standard}),
        ),
        threading.Thread(
            target=decide, args=("expert_2", services.achievement_reject, {"reason": "不符合。"})
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["illegal_transition", "won"]
    achievement.refresh_from_db()
    assert Recognition.objects.filter(achievement=achievement).count() == 1
    decision = Recognition.objects.get(achievement=achievement)
    winner = "expert" if outcomes["expert"] == "won" else "expert_2"
    assert decision.decided_by == review[winner]
    assert achievement.status == (Status.RECOGNISED if winner == "expert" else Status.REJECTED)
    assert CreditEntry.objects.count() == (1 if winner == "expert" else 0)
    assert achievement.events.filter(action__in=["recognise", "reject"]).count() == 1
    assert list(services.ledger_problems()) == []


# --- check_ledger -----------------------------------------------------------------------------


def test_check_ledger_passes_on_a_sound_ledger(review, capsys):
    review.recognised()
    revoked = review.recognised()
    services.achievement_revoke(
        acting_user=review["centre_admin"], achievement=revoked, reason="造假。"
    )
    call_command("check_ledger")
    assert "3 entries checked" in capsys.readouterr().out


def test_check_ledger_names_each_violation_and_exits_non_zero(review, capsys):
    sound = review.recognised()
    drifted = review.recognised()
    # An achievement whose status no longer matches its credits, and an expiry that cancels
    # more than its deposit (the ledger itself refuses updates and deletes, not bad inserts).
    Achievement.objects.filter(pk=drifted.pk).update(status=Status.REJECTED)
    deposit = CreditEntry.objects.get(achievement=sound)
    bad = CreditEntry.objects.create(
        account=review.account,
        achievement=sound,
        recognition=deposit.recognition,
        kind=CreditEntry.Kind.EXPIRY,
        amount=Decimal("-7.00"),
        level=deposit.level,
        field=deposit.field,
        reverses=deposit,
    )
    with pytest.raises(CommandError) as failed:
        call_command("check_ledger")
    errors = capsys.readouterr().err
    assert f"achievement #{drifted.pk} (rejected) has 3.00 credits" in errors
    assert f"credit entry #{bad.pk} (expiry) does not cancel entry #{deposit.pk} exactly" in errors
    assert f"credit entry #{bad.pk} (expiry) belongs to an achievement that is recognised" in errors
    assert "negative balance of -1.00" in errors
    assert str(failed.value).startswith(f"The credit ledger has {errors.count('VIOLATION:')} ")
