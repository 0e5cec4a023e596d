"""The token pages of an institution's administrators: the list (name, prefix, scopes, made,
last used, revoked), making a token (its secret shown once) and revoking one; every other role
is refused, and the services write one audit event each."""

import pytest
from django.urls import reverse

from accounts.models import Institution
from api.models import ApiToken, token_hash
from api.services import api_token_create
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def list_url(institution):
    return reverse("api:token_list", kwargs={"pk": institution.pk})


def create_url(institution):
    return reverse("api:token_create", kwargs={"pk": institution.pk})


def revoke_url(token):
    return reverse("api:token_revoke", kwargs={"pk": token.institution_id, "token_pk": token.pk})


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("institution_admin", 200),
        ("institution_clerk", 403),
        ("institution_reviewer", 403),
        ("centre_admin", 403),
        ("branch_staff", 404),
        ("learner", 404),
        ("outsider", 404),
    ],
)
def test_only_the_institutions_administrators_open_its_token_pages(world, client_for, role, status):
    client = client_for(role)
    assert client.get(list_url(world.institution)).status_code == status
    assert client.get(create_url(world.institution)).status_code == status
    before = ApiToken.objects.count()
    response = client.post(create_url(world.institution), {"name": "x", "scopes": "read_rules"})
    assert response.status_code == (302 if status == 200 else status)
    if status != 200:
        assert ApiToken.objects.count() == before


def test_an_anonymous_visitor_is_sent_to_log_in(world, client):
    response = client.get(list_url(world.institution))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_another_institutions_tokens_are_not_found(world, client_for):
    other = InstitutionFactory()
    from accounts.models import InstitutionStaff

    admin = InstitutionStaff.objects.create(
        institution=other, user=world["institution_clerk"], role=InstitutionStaff.Role.ADMIN
    ).user
    token, _secret = api_token_create(
        acting_user=admin, institution=other, name="别人的", scopes=["read_rules"]
    )
    client = client_for("institution_admin")
    assert client.get(list_url(other)).status_code == 404
    # Its token through this institution's URL: 404 as well.
    url = reverse("api:token_revoke", kwargs={"pk": world.institution.pk, "token_pk": token.pk})
    assert client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_new_token_is_shown_once_and_stored_hashed(world, client_for):
    client = client_for("institution_admin")
    response = client.post(
        create_url(world.institution),
        {"name": "教务系统", "scopes": ["push_results", "read_rules"]},
    )
    assert response.status_code == 302 and response.url == list_url(world.institution)
    token = ApiToken.objects.get()
    assert (token.name, token.scopes) == ("教务系统", ["push_results", "read_rules"])
    assert token.created_by == world["institution_admin"]
    page = client.get(list_url(world.institution)).content.decode()
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("cbk_") and len(secret) == 47
    assert token.token_hash == token_hash(secret) and secret not in str(token.__dict__)
    assert token.prefix == secret[:12] and token.prefix in page
    again = client.get(list_url(world.institution)).content.decode()
    assert secret not in again and token.prefix in again
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor == world["institution_admin"]
    assert secret not in str(event.summary) and event.object_id == str(token.pk)


def test_the_list_shows_scopes_use_and_revocation(world, client_for):
    token, _secret = api_token_create(
        acting_user=world["institution_admin"],
        institution=world.institution,
        name="成绩推送",
        scopes=["push_results"],
    )
    page = client_for("institution_admin").get(list_url(world.institution)).content.decode()
    assert "成绩推送" in page and "Push results" in page and "Never" in page
    assert reverse("api-v1:openapi-view") in page  # the documentation is linked
    assert revoke_url(token) in page


def test_the_list_is_in_chinese_by_default(world, client):
    client.force_login(world["institution_admin"])
    api_token_create(
        acting_user=world["institution_admin"],
        institution=world.institution,
        name="成绩推送",
        scopes=["push_results"],
    )
    page = client.get(list_url(world.institution)).content.decode()
    assert "接口令牌" in page and "推送成绩" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "scopes": ["read_rules"]}, "name", "This field is required."),
        ({"name": "系统"}, "scopes", "Choose what the token may do."),
        ({"name": "系统", "scopes": ["everything"]}, "scopes", "Select a valid choice."),
        ({"name": "已有", "scopes": ["read_rules"]}, "name", "already has this name"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_made(
    world, client_for, data, field, message
):
    api_token_create(
        acting_user=world["institution_admin"],
        institution=world.institution,
        name="已有",
        scopes=["read_rules"],
    )
    response = client_for("institution_admin").post(create_url(world.institution), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert ApiToken.objects.count() == 1


def test_a_revoked_tokens_name_may_be_used_again(world, client_for):
    client = client_for("institution_admin")
    client.post(create_url(world.institution), {"name": "系统", "scopes": ["read_rules"]})
    token = ApiToken.objects.get()
    client.post(revoke_url(token))
    response = client.post(create_url(world.institution), {"name": "系统", "scopes": "read_rules"})
    assert response.status_code == 302
    assert ApiToken.objects.filter(name="系统").count() == 2


def test_no_token_is_made_for_an_institution_that_is_not_approved(world, client_for):
    Institution.objects.filter(pk=world.institution.pk).update(status="suspended")
    client = client_for("institution_admin")
    page = client.get(list_url(world.institution)).content.decode()
    assert "Tokens can only be made while the institution is approved." in page
    response = client.post(create_url(world.institution), {"name": "系统", "scopes": "read_rules"})
    assert response.status_code == 200
    assert "only be made while the institution is approved" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_revokes_once(world, client_for, api_client):
    token, secret = api_token_create(
        acting_user=world["institution_admin"],
        institution=world.institution,
        name="旧系统",
        scopes=["read_rules"],
    )
    client = client_for("institution_admin")
    confirm = client.get(revoke_url(token))
    assert confirm.status_code == 200 and "Revoke the token" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(revoke_url(token))
    assert response.status_code == 302 and response.url == list_url(world.institution)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world["institution_admin"]
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).exists()
    assert api_client(secret).get("/api/v1/rules").status_code == 401
    again = client.post(revoke_url(token))
    assert again.status_code == 200 and "revoked already" in again.content.decode()
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1
    page = client.get(list_url(world.institution)).content.decode()
    assert "Revoked" in page


def test_the_institution_page_links_its_administrators_to_the_tokens(world, client_for):
    url = reverse("accounts:institution_detail", kwargs={"pk": world.institution.pk})
    assert list_url(world.institution) in client_for("institution_admin").get(url).content.decode()
    clerk_page = client_for("institution_clerk").get(url).content.decode()
    assert list_url(world.institution) not in clerk_page


def test_the_list_costs_the_same_queries_for_one_token_or_many(
    world, client_for, django_assert_max_num_queries
):
    client = client_for("institution_admin")
    url = list_url(world.institution)

    def make(n):
        for i in range(n):
            api_token_create(
                acting_user=world["institution_admin"],
                institution=world.institution,
                name=f"系统{n}-{i}",
                scopes=["read_rules"],
            )

    make(1)
    client.get(url)  # the person's cached state
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    make(8)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_list_says_a_token_stopped_when_its_maker_left(world, client_for):
    from accounts.models import InstitutionStaff, User

    maker = User.objects.create_user(username="left-admin", password="x-long-password-1")
    InstitutionStaff.objects.create(
        institution=world.institution, user=maker, role=InstitutionStaff.Role.ADMIN
    )
    token, _secret = api_token_create(
        acting_user=maker, institution=world.institution, name="旧系统", scopes=["read_rules"]
    )
    page = client_for("institution_admin").get(list_url(world.institution)).content.decode()
    assert "Stopped" not in page
    InstitutionStaff.objects.filter(user=maker).delete()
    page = client_for("institution_admin").get(list_url(world.institution)).content.decode()
    assert "Stopped" in page and "no longer administers the institution" in page
    assert revoke_url(token) in page  # it can still be revoked
