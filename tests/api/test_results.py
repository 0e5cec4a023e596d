"""POST /api/v1/results: the rows go through the batch service; the answer gives the batch and
each row's outcome, refused rows with their errors; GET /api/v1/results/{reference} gives it
again."""

import pytest

from achievements.models import Achievement, CreditEntry, ImportBatch
from achievements.services.ledger import ledger_problems
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory
from tests.api.conftest import new_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/results"


def push(world, api_client, rows, *, mode="valid", secret=None, **headers):
    client = api_client(secret or world.token("push_results"))
    body = {"category": world.category.code, "mode": mode, "results": rows}
    return client.post(URL, body, **headers)


def test_mandated_results_are_recognised_and_the_answer_says_so(world, api_client):
    world.mandate()
    other = world.row("R-2", result="不及格", credits="2", title="程序设计")
    response = push(world, api_client, [world.row("R-1"), other])
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    batch = ImportBatch.objects.get(pk=int(body["reference"][1:]))
    assert (batch.source, batch.status, batch.client) == ("api", "done", batch.client)
    assert batch.created_by == world["institution_admin"]
    assert body["status"] == "done" and body["mode"] == "valid"
    assert body["category"] == world.category.code
    assert body["counts"] == {
        "rows_read": 2,
        "rows_valid": 2,
        "rows_refused": 0,
        "rows_committed": 2,
        "recognised": 1,
        "deposited": 1,
        "unchanged": 0,
    }
    assert [(r["row"], r["external_id"], r["outcome"], r["errors"]) for r in body["rows"]] == [
        (1, "R-1", "recognised", []),
        (2, "R-2", "deposited", []),
    ]
    recognised = Achievement.objects.get(issuer_institution=world.institution, external_id="R-1")
    assert recognised.status == Achievement.Status.RECOGNISED and recognised.batch == batch
    assert CreditEntry.objects.filter(achievement=recognised).count() == 1
    assert list(ledger_problems()) == []
    assert AuditEvent.objects.filter(
        action="batch.upload", object_id=str(batch.pk), actor=world["institution_admin"]
    ).exists()


def test_refused_rows_come_back_with_their_errors_and_valid_rows_go_on(world, api_client):
    rows = [
        world.row("R-1"),
        world.row("R-2", id_number="5.00101E+17"),
        world.row("R-3", name="王五", obtained_on="2024/13/40"),
        world.row("R-1", title="重复"),
    ]
    body = push(world, api_client, rows).json()
    assert body["status"] == "done"
    assert (body["counts"]["rows_refused"], body["counts"]["deposited"]) == (3, 1)
    refused = {r["row"]: r for r in body["rows"] if r["outcome"] == "refused"}
    assert {n: [(e["field"], e["code"]) for e in r["errors"]] for n, r in refused.items()} == {
        2: [("id_number", "excel_rounded")],
        3: [("obtained_on", "date_impossible"), ("name", "name_mismatch")],
        4: [("external_id", "external_id_repeated")],
    }
    # In Chinese unless the request asks for English; never repeating the ID number.
    message = refused[2]["errors"][0]["message"]
    assert "文本格式" in message
    assert world.id_number not in response_text(body)
    assert Achievement.objects.filter(issuer_institution=world.institution).count() == 1


def response_text(body) -> str:
    import json

    return json.dumps(body, ensure_ascii=False)


def test_errors_speak_english_when_asked(world, api_client):
    rows = [world.row("R-1", obtained_on="2099-01-01")]
    response = push(world, api_client, rows, **{"Accept-Language": "en"})
    (row,) = response.json()["rows"]
    assert row["errors"][0]["code"] == "date_future"
    assert row["errors"][0]["message"] == "The date obtained cannot be in the future."
    assert response["Content-Language"] == "en"


def test_a_batchs_errors_are_read_in_the_readers_language_not_the_senders(world, api_client):
    secret = world.token("push_results")
    rows = [world.row("R-1", obtained_on="2099-01-01")]
    sent = push(world, api_client, rows, secret=secret)  # in Chinese, the default
    assert sent.json()["rows"][0]["errors"][0]["message"] == "取得日期不能晚于今天。"
    read = api_client(secret, **{"Accept-Language": "en"}).get(
        f"/api/v1/results/{sent.json()['reference']}"
    )
    assert read.json()["rows"][0]["errors"][0]["message"] == (
        "The date obtained cannot be in the future."
    )


def test_all_or_nothing_records_nothing_when_a_row_is_refused(world, api_client):
    rows = [world.row("R-1"), world.row("R-2", result="很好")]
    secret = world.token("push_results")
    response = push(world, api_client, rows, mode="all", secret=secret)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "failed" and body["failure"].startswith("2 行中有 1 行被拒收")
    read = api_client(secret, **{"Accept-Language": "en"}).get(
        f"/api/v1/results/{body['reference']}"
    )
    assert read.json()["failure"].startswith("1 of 2 rows were refused, so nothing was recorded")
    assert [r["outcome"] for r in body["rows"]] == ["valid", "refused"]
    assert not Achievement.objects.filter(issuer_institution=world.institution).exists()


def test_a_resent_row_changes_nothing(world, api_client):
    secret = world.token("push_results")
    push(world, api_client, [world.row("R-1")], secret=secret)
    again = push(world, api_client, [world.row("R-1")], secret=secret).json()
    assert [r["outcome"] for r in again["rows"]] == ["unchanged"]
    assert Achievement.objects.filter(issuer_institution=world.institution).count() == 1


def test_an_unknown_category_is_refused_beside_the_field(world, api_client):
    client = api_client(world.token("push_results"))
    body = {"category": "no-such-thing", "mode": "valid", "results": [world.row()]}
    response = client.post(URL, body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("category", "unknown_category")
    ]
    assert not ImportBatch.objects.exists()


def test_a_body_that_does_not_match_the_schema_is_refused_field_by_field(world, api_client):
    client = api_client(world.token("push_results"))
    row = world.row()
    del row["name"]
    body = {"category": world.category.code, "mode": "some", "results": [row | {"x": 1}]}
    response = client.post(URL, body)
    assert response.status_code == 422
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        ("mode", "literal_error"),
        ("results.0.name", "missing"),
        ("results.0.x", "extra_forbidden"),
    }
    assert response.json()["errors"][0]["message"]  # in Chinese, from our catalogue
    assert not ImportBatch.objects.exists()


def test_a_body_that_is_not_json_is_400(world, api_client):
    response = api_client(world.token("push_results")).post(URL, "{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"


def test_a_body_larger_than_the_portal_accepts_is_413(world, api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = push(world, api_client, [world.row(f"R-{n}") for n in range(20)])
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not ImportBatch.objects.exists()


def test_too_many_rows_are_refused(world, api_client, settings):
    settings.CREDITBANK_BATCH_API_ROWS = 2
    response = push(world, api_client, [world.row(f"R-{n}") for n in range(3)])
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["results"]
    assert not ImportBatch.objects.exists()


def test_a_batch_is_read_again_by_its_reference_by_its_institution_only(world, api_client):
    secret = world.token("push_results")
    sent = push(world, api_client, [world.row("R-1")], secret=secret).json()
    client = api_client(secret)
    again = client.get(f"{URL}/{sent['reference']}")
    assert again.status_code == 200
    assert again.json() == sent
    missing = client.get(f"{URL}/P999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert client.get(f"{URL}/123").status_code == 422
    # Another member institution's token does not see it.
    other = InstitutionFactory()
    from accounts.models import InstitutionStaff
    from tests.branches.factories import AllianceMembershipFactory

    InstitutionStaff.objects.create(
        institution=other, user=world["institution_admin"], role=InstitutionStaff.Role.ADMIN
    )
    AllianceMembershipFactory(institution=other, branch=world.branch)
    stranger = api_client(world.token("push_results", institution=other))
    assert stranger.get(f"{URL}/{sent['reference']}").status_code == 404


def test_a_suspended_institution_cannot_send(world, api_client):
    from accounts.models import Institution

    secret = world.token("push_results")
    Institution.objects.filter(pk=world.institution.pk).update(status="suspended")
    response = push(world, api_client, [world.row()], secret=secret, key=new_key())
    assert response.status_code == 403
    assert response.json()["code"] == "institution_not_member"
    assert not ImportBatch.objects.exists()
