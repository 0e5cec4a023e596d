"""Refused requests in the audit log: a signed-in person's refusals are recorded one by one; an
anonymous flood writes a bounded number of events whose counts still add up; sign-up and e-mail
confirmation are recorded too."""

import time
from types import SimpleNamespace

import psycopg
import pytest
import redis.exceptions
from django.db import connection
from django.test import Client
from django.urls import reverse

from creditbank import refusals
from creditbank.models import AuditEvent
from creditbank.tasks import refusal_counts_flush
from tests.accounts.test_sign_up_and_reset import _link
from tests.achievements.factories import active_account, deposit
from tests.branches.factories import BranchCentreFactory

pytestmark = pytest.mark.django_db
ADDRESS = "203.0.113.7"


@pytest.fixture
def clock(monkeypatch):
    """The refusal counter's clock, stopped at the start of the current minute."""
    now = [time.time() // 60 * 60 + 1]
    monkeypatch.setattr(refusals, "time", SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture
def anonymous():
    return Client(enforce_csrf_checks=True)


def events(action_prefix="access."):
    return AuditEvent.objects.filter(action__startswith=action_prefix).order_by("id")


def recorded_total(action="access.refused") -> int:
    """Refusals the log accounts for: one per event, the count of each aggregate event."""
    single = events().filter(action=action).count()
    counted = sum(
        e.summary["after"]["count"] for e in events().filter(action=f"{action}_aggregate")
    )
    return single + counted


@pytest.fixture
def flush(django_capture_on_commit_callbacks):
    """Run the beat job as beat does, with what it does once its transaction commits."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return refusal_counts_flush.delay().get()

    return run


@pytest.fixture
def flush_after_the_minute(clock, flush):
    def run() -> int:
        clock[0] += 60
        return flush()

    return run


def test_a_flood_from_one_address_writes_two_events_that_count_every_refusal(
    anonymous, flush_after_the_minute
):
    for _ in range(200):
        response = anonymous.post("/", {"x": "1"}, REMOTE_ADDR=ADDRESS)
        assert response.status_code == 403

    first = events().get()
    assert (first.action, first.actor_id, first.ip) == ("access.refused", None, ADDRESS)
    assert first.summary["note"].startswith("POST /")

    assert flush_after_the_minute() == 1
    aggregate = events().last()
    assert (aggregate.action, aggregate.object_type, aggregate.object_id, aggregate.ip) == (
        "access.refused_aggregate",
        "address",
        ADDRESS,
        ADDRESS,
    )
    assert aggregate.summary["after"]["count"] == 199
    assert events().count() == 2
    assert recorded_total() == 200


def test_a_flood_from_many_addresses_is_bounded_by_the_limit_and_still_adds_up(
    anonymous, settings, flush_after_the_minute
):
    settings.CREDITBANK_ANON_REFUSAL_EVENTS_PER_MINUTE = 5
    for i in range(20):
        for _ in range(6):
            anonymous.post("/", REMOTE_ADDR=f"198.51.100.{i + 1}")

    assert events().count() == 5  # the first refusal of the first five addresses
    flush_after_the_minute()
    aggregates = {e.object_id: e.summary["after"]["count"] for e in events()[5:]}
    assert len(aggregates) == 6  # one per recorded address, one tally for all the others
    assert aggregates.pop(refusals.FOLDED) == 15 * 6
    assert set(aggregates.values()) == {5}
    assert recorded_total() == 120


def test_each_minute_is_counted_on_its_own(anonymous, clock, flush_after_the_minute, flush):
    for _ in range(3):
        anonymous.post("/", REMOTE_ADDR=ADDRESS)
    clock[0] += 60
    for _ in range(4):
        anonymous.post("/", REMOTE_ADDR=ADDRESS)

    assert flush() == 1  # only the minute that is over
    flush_after_the_minute()
    assert [e.action for e in events()] == [
        "access.refused",
        "access.refused",
        "access.refused_aggregate",
        "access.refused_aggregate",
    ]
    assert [e.summary["after"]["count"] for e in events()[2:]] == [2, 3]


def test_flushing_twice_writes_the_counts_once(anonymous, flush_after_the_minute, flush):
    for _ in range(10):
        anonymous.post("/", REMOTE_ADDR=ADDRESS)
    flush_after_the_minute()
    assert not refusals._redis().exists(refusals._key("claims"))  # forgotten once written
    assert flush() == 0
    assert events().count() == 2
    assert recorded_total() == 10


def test_a_flush_that_fails_loses_nothing_and_the_next_one_writes_it(
    anonymous, monkeypatch, flush_after_the_minute, flush
):
    for address in (ADDRESS, "203.0.113.8"):
        for _ in range(5):
            anonymous.post("/", REMOTE_ADDR=address)
    writes = []

    def fail_on_the_second(**kwargs):
        writes.append(kwargs)
        if len(writes) == 2:
            raise RuntimeError("the database went away")
        return real_record(**kwargs)

    real_record = refusals.audit_record
    monkeypatch.setattr(refusals, "audit_record", fail_on_the_second)
    with pytest.raises(RuntimeError):
        flush_after_the_minute()
    assert not events("access.refused_aggregate").exists()

    monkeypatch.setattr(refusals, "audit_record", real_record)
    assert flush() == 2
    assert recorded_total() == 10


def test_a_flush_that_stops_after_writing_does_not_write_again(
    anonymous, monkeypatch, flush_after_the_minute, flush
):
    for _ in range(5):
        anonymous.post("/", REMOTE_ADDR=ADDRESS)
    # The events are committed but the counts are not forgotten (the worker died in between).
    forget = refusals._claims_forget
    monkeypatch.setattr(refusals, "_claims_forget", lambda claims, claim: None)
    assert flush_after_the_minute() == 1
    monkeypatch.setattr(refusals, "_claims_forget", forget)
    assert flush() == 0
    assert recorded_total() == 5
    assert flush() == 0


def test_a_flush_waits_its_turn_while_another_runs(anonymous, flush_after_the_minute, flush):
    for _ in range(5):
        anonymous.post("/", REMOTE_ADDR=ADDRESS)
    db = connection.settings_dict
    other = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [refusals._FLUSH_LOCK_KEY])
        assert flush_after_the_minute() == 0
        assert not events("access.refused_aggregate").exists()
    finally:
        # Let go of the lock before the next flush: on close it is let go only once the other
        # server process has ended, which may be after the flush has tried it (a flaky test).
        other.execute("SELECT pg_advisory_unlock(%s)", [refusals._FLUSH_LOCK_KEY])
        other.close()
    assert flush() == 1
    assert recorded_total() == 5


def test_without_redis_every_anonymous_refusal_is_recorded(anonymous, monkeypatch):
    def down(**kwargs):
        raise redis.exceptions.ConnectionError("Redis is down")

    monkeypatch.setattr("creditbank.middleware.anonymous_refusal_count", down)
    for _ in range(3):
        assert anonymous.post("/", REMOTE_ADDR=ADDRESS).status_code == 403
    assert events().count() == 3


def test_a_signed_in_persons_refusals_are_each_recorded(client, people, flush_after_the_minute):
    client.force_login(people["learner"])
    for _ in range(3):
        assert client.get(reverse("accounts:audit_log")).status_code == 403
    csrf_checking = Client(enforce_csrf_checks=True)
    csrf_checking.force_login(people["learner"])
    for _ in range(3):
        assert csrf_checking.post("/", REMOTE_ADDR=ADDRESS).status_code == 403

    refused = events().filter(action="access.refused")
    assert refused.count() == 6
    assert set(refused.values_list("actor_id", flat=True)) == {people["learner"].pk}
    assert flush_after_the_minute() == 0


@pytest.fixture
def someone_elses_achievement(people):
    account = active_account(branch=BranchCentreFactory(), user=people["learner"])
    return deposit(account=account)


def test_a_signed_in_persons_probes_of_objects_not_theirs_are_each_recorded(
    client, people, someone_elses_achievement, flush_after_the_minute
):
    client.force_login(people["outsider"])
    url = reverse("achievements:achievement_detail", args=[someone_elses_achievement.pk])
    for _ in range(3):
        assert client.get(url).status_code == 404
    assert client.get("/nothing-here/").status_code == 404  # not a probe of someone's object

    probes = events()
    assert [(e.action, e.actor_id, e.object_id) for e in probes] == [
        ("access.not_found", people["outsider"].pk, url)
    ] * 3
    assert flush_after_the_minute() == 0


def test_anonymous_probes_are_counted_like_refusals(anonymous, flush_after_the_minute):
    for _ in range(50):
        assert anonymous.get("/my/achievements/x/", REMOTE_ADDR=ADDRESS).status_code == 404
    assert anonymous.get("/nothing-here/", REMOTE_ADDR=ADDRESS).status_code == 404

    assert [e.action for e in events()] == ["access.not_found"]
    flush_after_the_minute()
    assert events().last().action == "access.not_found_aggregate"
    assert recorded_total("access.not_found") == 50


def test_sign_up_and_e_mail_confirmation_are_recorded_without_the_address(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # allauth's mail goes by a task
        response = client.post(
            reverse("account_signup"),
            {
                "username": "lisi",
                "email": "lisi@example.com",
                "password1": "Quiet-River-2026",
                "password2": "Quiet-River-2026",
            },
        )
    assert response.status_code == 302
    signed_up = AuditEvent.objects.get(action="auth.signed_up")
    user = signed_up.actor
    assert (user.username, signed_up.object_id) == ("lisi", str(user.pk))
    assert not AuditEvent.objects.filter(action="auth.email_confirmed").exists()

    client.post(_link(mailoutbox[0]))
    confirmed = AuditEvent.objects.get(action="auth.email_confirmed")
    address = user.emailaddress_set.get()
    assert address.verified
    assert (confirmed.actor, confirmed.object_type, confirmed.object_id) == (
        user,
        "account.emailaddress",
        str(address.pk),
    )
    logged = " ".join(
        f"{e.object_id} {e.summary} {e.actor_label}" for e in AuditEvent.objects.all()
    )
    assert "lisi@example.com" not in logged
