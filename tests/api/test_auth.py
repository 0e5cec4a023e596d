"""Who may call the API: a token in use (401 otherwise, with WWW-Authenticate: Bearer), with
the endpoint's scope and of an approved alliance member (403 otherwise); tokens are counted per
minute (429 with Retry-After); last use is recorded at most once a minute."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Institution
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke
from branches.models import AllianceMembership
from creditbank.models import AuditEvent

pytestmark = pytest.mark.django_db

READS = ["/api/v1/rules", "/api/v1/courses", "/api/v1/standards"]


def test_no_token_is_401_with_a_bearer_challenge(world, api_client):
    for path in [*READS, "/api/v1/categories", "/api/v1/results/P000001"]:
        response = api_client(None).get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == 'Bearer realm="creditbank"'
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "unauthenticated"
    response = api_client(None).post("/api/v1/results", {})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "authorization", ["Bearer cbk_not-a-token", "Basic dXNlcjpwYXNz", "Bearer", "cbk_x"]
)
def test_an_unknown_token_is_401(world, api_client, authorization):
    client = api_client(None, Authorization=authorization)
    response = client.get("/api/v1/rules")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="creditbank"')


def test_a_revoked_token_is_401_from_the_moment_it_is_revoked(world, api_client):
    secret = world.token("read_rules")
    client = api_client(secret)
    assert client.get("/api/v1/rules").status_code == 200
    token = ApiToken.objects.get(prefix=secret[:12])
    api_token_revoke(acting_user=world["institution_admin"], token=token)
    response = client.get("/api/v1/rules")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="creditbank", error="invalid_token"'
    assert (
        "revoked"
        in api_client(secret, **{"Accept-Language": "en"}).get("/api/v1/rules").json()["detail"]
    )


def test_a_token_without_the_scope_is_403(world, api_client):
    reader = api_client(world.token("read_rules"))
    response = reader.post("/api/v1/results", {"category": "x", "mode": "valid", "results": []})
    assert response.status_code == 403
    assert response.json()["code"] == "scope"
    assert reader.get("/api/v1/results/P000001").status_code == 403
    pusher = api_client(world.token("push_results"))
    for path in READS:
        assert pusher.get(path).status_code == 403, path
        assert pusher.get(path).json()["code"] == "scope"
    # The categories are for every token: a batch names one.
    assert pusher.get("/api/v1/categories").status_code == 200
    # A refused request is in the audit log, as every refused access is (an anonymous
    # caller's first one a minute at once, the others counted: creditbank.refusals).
    assert AuditEvent.objects.filter(action="access.refused", object_id="/api/v1/results").exists()


@pytest.mark.parametrize("change", ["institution_suspended", "membership_ended"])
def test_a_token_of_an_institution_no_longer_a_member_is_403(world, api_client, change):
    client = api_client(world.token("read_rules"))
    if change == "institution_suspended":
        Institution.objects.filter(pk=world.institution.pk).update(status="suspended")
    else:
        AllianceMembership.objects.filter(institution=world.institution).update(status="ended")
    response = client.get("/api/v1/rules")
    assert response.status_code == 403
    assert response.json()["code"] == "institution_not_member"


def test_last_use_is_recorded_at_most_once_a_minute(world, api_client, django_assert_num_queries):
    secret = world.token("read_rules")
    token = ApiToken.objects.get(prefix=secret[:12])
    assert token.last_used_at is None
    client = api_client(secret)
    client.get("/api/v1/categories")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/categories")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/categories")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)
    assert token.last_used_at <= timezone.now()


def test_a_token_over_its_requests_per_minute_gets_429_with_retry_after(
    world, api_client, settings
):
    settings.CREDITBANK_API_PER_MINUTE = 3
    client = api_client(world.token("read_rules"))
    assert [client.get("/api/v1/categories").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/categories")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # POSTs are counted too, before their key is looked at; another token has its own count.
    assert client.post("/api/v1/results", {}, key=None).status_code == 429
    assert api_client(world.token("read_rules")).get("/api/v1/categories").status_code == 200


def test_the_api_needs_no_csrf_token_and_ignores_a_session(world, api_client):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["institution_admin"])
    assert browser.get("/api/v1/rules").status_code == 401  # a session is no token
    secret = world.token("push_results")
    response = browser.post(
        "/api/v1/results",
        {"category": world.category.code, "mode": "valid", "results": [world.row()]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": '"csrf-1"'},
    )
    assert response.status_code == 201


def test_control_characters_get_the_input_guards_400_as_a_problem(world, api_client):
    response = api_client(None).get("/api/v1/rules", {"page": "1\x00"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid"
    page = api_client(None).get("/standards/", {"q": "x\x01"})  # the pages keep their 400 page
    assert page.status_code == 400
    assert "problem" not in page["Content-Type"]


@pytest.mark.parametrize("change", ["role_removed", "account_disabled"])
def test_a_token_stops_when_its_maker_no_longer_administers_the_institution(
    world, api_client, change
):
    from accounts.models import InstitutionStaff, User
    from accounts.services.institutions import institution_staff_remove

    maker = User.objects.create_user(username="second-admin", password="x-long-password-1")
    staff = InstitutionStaff.objects.create(
        institution=world.institution, user=maker, role=InstitutionStaff.Role.ADMIN
    )
    token, secret = api_token_create(
        acting_user=maker, institution=world.institution, name="旧系统", scopes=["read_rules"]
    )
    others = api_client(world.token("read_rules"))  # made by the administrator who stays
    client = api_client(secret, **{"Accept-Language": "en"})
    assert client.get("/api/v1/rules").status_code == 200
    if change == "role_removed":
        institution_staff_remove(acting_user=world["institution_admin"], staff=staff)
    else:
        User.objects.filter(pk=maker.pk).update(is_active=False)
    response = client.get("/api/v1/rules")
    assert response.status_code == 403
    assert response.json()["code"] == "token_maker_left"
    assert "no longer administers" in response.json()["detail"]
    assert others.get("/api/v1/rules").status_code == 200
    # The refusal is recorded under the token's maker, naming the token, not as anonymous.
    refused = AuditEvent.objects.get(action="access.refused", object_id="/api/v1/rules")
    assert refused.actor_id == maker.pk
    assert f"API token {token.prefix}…" in refused.summary["note"]
