"""Idempotency-Key on every POST (draft-ietf-httpapi-idempotency-key-header): missing → 400,
the same key while the first request is in flight → 409, the same key with another body → 422,
the same key and body → the first answer again; keys are kept for 24 hours."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from achievements.models import Achievement, ImportBatch
from api import idempotency
from api.models import IdempotencyRecord
from api.tasks import idempotency_records_purge
from tests.api.conftest import new_key

URL = "/api/v1/results"


def body(world, *rows):
    return {"category": world.category.code, "mode": "valid", "results": list(rows)}


@pytest.mark.django_db
def test_a_post_without_a_key_is_400_and_does_nothing(world, api_client):
    client = api_client(world.token("push_results"))
    for key in (None, '""', "two words", '"' + "k" * 256 + '"'):
        response = client.post(URL, body(world, world.row()), key=key)
        assert response.status_code == 400, key
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["code"] == "idempotency_key_missing"
        assert problem["type"].endswith("/api/v1/docs/#problem-idempotency_key_missing")
        assert "Idempotency-Key" in problem["detail"]
    assert not ImportBatch.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_the_same_key_and_body_get_the_first_answer_again(world, api_client):
    client = api_client(world.token("push_results"))
    key = new_key()
    first = client.post(URL, body(world, world.row("R-1")), key=key)
    again = client.post(URL, body(world, world.row("R-1")), key=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert ImportBatch.objects.count() == 1
    assert Achievement.objects.filter(issuer_institution=world.institution).count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.state, record.status_code) == (key.strip('"'), "done", 201)


@pytest.mark.django_db
def test_a_key_is_the_same_quoted_or_bare(world, api_client):
    client = api_client(world.token("push_results"))
    client.post(URL, body(world, world.row()), key='"abc-123"')
    again = client.post(URL, body(world, world.row()), key="abc-123")
    assert again["Idempotent-Replayed"] == "true"
    assert ImportBatch.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(world, api_client):
    client = api_client(world.token("push_results"))
    key = new_key()
    client.post(URL, body(world, world.row("R-1")), key=key)
    response = client.post(URL, body(world, world.row("R-2")), key=key)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert ImportBatch.objects.count() == 1
    assert not Achievement.objects.filter(external_id="R-2").exists()


@pytest.mark.django_db
def test_keys_are_per_token(world, api_client):
    key = new_key()
    first = api_client(world.token("push_results")).post(URL, body(world, world.row()), key=key)
    second = api_client(world.token("push_results")).post(URL, body(world, world.row()), key=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert ImportBatch.objects.count() == 2


@pytest.mark.django_db
def test_a_refusal_is_kept_and_answered_again(world, api_client):
    client = api_client(world.token("push_results"))
    key = new_key()
    refused = {"category": "no-such-thing", "mode": "valid", "results": [world.row()]}
    first = client.post(URL, refused, key=key)
    again = client.post(URL, refused, key=key)
    assert (first.status_code, again.status_code) == (422, 422)
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/problem+json"
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_request_that_fails_unexpectedly_frees_its_key(world, api_client, monkeypatch):
    client = api_client(world.token("push_results"))
    client.client.raise_request_exception = True
    key = new_key()

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("api.v1.batch_push", broken)
    with pytest.raises(RuntimeError):
        client.post(URL, body(world, world.row()), key=key)
    assert not IdempotencyRecord.objects.exists()
    monkeypatch.undo()
    assert client.post(URL, body(world, world.row()), key=key).status_code == 201


@pytest.mark.django_db
def test_an_expired_key_is_not_replayed_and_the_daily_task_forgets_it(world, api_client):
    client = api_client(world.token("push_results"))
    key = new_key()
    client.post(URL, body(world, world.row()), key=key)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = client.post(URL, body(world, world.row()), key=key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["rows"][0]["outcome"] == "unchanged"  # the row itself is idempotent
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    client.post(URL, body(world, world.row("R-9")), key=new_key())
    assert idempotency_records_purge.delay().get() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_a_record_left_in_flight_by_a_dead_process_is_taken_over(world, api_client):
    client = api_client(world.token("push_results"))
    key = new_key()
    request_body = body(world, world.row())
    stale = client.post(URL, request_body, key=key)  # answered; pretend it never was
    IdempotencyRecord.objects.update(
        state="in_flight", status_code=None, body=None, created_at=timezone.now()
    )
    assert client.post(URL, request_body, key=key).status_code == 409
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - idempotency.IN_FLIGHT_TAKEOVER - timedelta(seconds=1)
    )
    taken_over = client.post(URL, request_body, key=key)
    assert taken_over.status_code == 201 and stale.status_code == 201
    assert IdempotencyRecord.objects.get().state == "done"


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ("8e03978e", "8e03978e"),
        (r'"a \"quoted\" key"', 'a "quoted" key'),
        ('"with space"', "with space"),
        (None, None),
        ("", None),
        ('""', None),
        ("two words", None),
        ('"unclosed', None),
        ('"é"', None),
        ('"' + "k" * 255 + '"', "k" * 255),
        ('"' + "k" * 256 + '"', None),
    ],
)
def test_the_header_is_a_structured_field_string_or_a_bare_token(header, key):
    assert idempotency.parse_key(header) == key


# --- Two requests at once: a real commit, two connections ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_key_while_the_first_request_is_in_flight_is_409(
    reference_data, world, api_client, monkeypatch
):
    """The first request holds the batch service until the second has been answered: its
    in-flight record was committed before the work started, so the second one sees it."""
    from api import v1

    started, release = threading.Event(), threading.Event()
    real_push = v1.batch_push

    def slow_push(**kwargs):
        started.set()
        assert release.wait(timeout=30)
        return real_push(**kwargs)

    monkeypatch.setattr(v1, "batch_push", slow_push)
    secret = world.token("push_results")
    key = new_key()
    request_body = body(world, world.row())
    answers = {}

    def first():
        try:
            answers["first"] = api_client(secret).post(URL, request_body, key=key)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert started.wait(timeout=30)
        second = api_client(secret).post(URL, request_body, key=key)
    finally:
        release.set()
        thread.join(timeout=60)
    assert second.status_code == 409
    assert second.json()["code"] == "idempotency_key_in_use"
    assert answers["first"].status_code == 201
    third = api_client(secret).post(URL, request_body, key=key)
    assert third.status_code == 201 and third["Idempotent-Replayed"] == "true"
    assert third.json() == answers["first"].json()
    assert ImportBatch.objects.count() == 1
