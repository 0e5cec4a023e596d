"""The centre's direct recognition mandates (直接认定授权): granting and ending them (centre
administrators only, one active per institution and category, every refusal beside its field
with nothing written) and their pages."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Institution, InstitutionStaff
from achievements.models import AchievementCategory, QualificationLevel, RecognitionMandate
from achievements.services import batch as batch_service
from achievements.services import mandates as service
from branches.models import AllianceMembership, StaffAssignment
from creditbank.audit import verify_chain
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory
from tests.branches.factories import AllianceMembershipFactory
from tests.conftest import ALL_ROLES, signed_in
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

LIST = reverse("achievements:mandate_list")
GRANT = reverse("achievements:mandate_grant")
NOT_ADMINS = [role for role in ALL_ROLES if role != "centre_admin"]


def end_url(mandate) -> str:
    return reverse("achievements:mandate_end", args=[mandate.pk])


@pytest.fixture
def world(people):
    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    member = InstitutionStaff.objects.get(user=people["institution_clerk"]).institution
    AllianceMembershipFactory(institution=member, branch=branch)
    return {
        "admin": people["centre_admin"],
        "member": member,
        "branch": branch,
        "category": AchievementCategory.objects.get(code="academic_course"),
        "other_category": AchievementCategory.objects.get(code="training"),
        "level": QualificationLevel.objects.get(number=4),
    }


def grant(world, **overrides):
    values = {
        "acting_user": world["admin"],
        "institution": world["member"],
        "category": world["category"],
        "level": world["level"],
        "field": "信息技术",
    }
    return service.mandate_grant(**(values | overrides))


def written() -> tuple:
    """What a refusal leaves as it was: the mandates and the audit log."""
    return (
        list(RecognitionMandate.objects.order_by("pk").values_list("pk", "ended_at")),
        AuditEvent.objects.exclude(action__startswith="access.").count(),
    )


# --- Granting --------------------------------------------------------------------------------


def test_a_centre_administrator_grants_a_mandate_that_batches_then_use(world):
    assert batch_service.mandate_for(world["member"], world["category"]) is None
    mandate = grant(world, field="  信息技术\u200b ")
    assert (mandate.institution, mandate.category, mandate.level) == (
        world["member"],
        world["category"],
        world["level"],
    )
    assert (mandate.field, mandate.granted_by, mandate.is_active) == (
        "信息技术",
        world["admin"],
        True,
    )
    assert batch_service.mandate_for(world["member"], world["category"]) == mandate
    event = AuditEvent.objects.get(action="mandate.grant")
    assert (event.actor, event.object_type, event.object_id) == (
        world["admin"],
        "achievements.recognitionmandate",
        str(mandate.pk),
    )
    assert event.summary["after"] == {
        "institution": world["member"].pk,
        "category": "academic_course",
        "level": 4,
        "field": "信息技术",
    }
    assert verify_chain().intact


def _suspend_membership(world):
    AllianceMembership.objects.filter(institution=world["member"]).update(status="suspended")


def _suspend_institution(world):
    Institution.objects.filter(pk=world["member"].pk).update(status="suspended")
    world["member"].refresh_from_db()


def _outsider(world):
    world["member"] = InstitutionFactory()  # approved, never joined the alliance


def _category_retired(world):
    AchievementCategory.objects.filter(pk=world["category"].pk).update(is_active=False)
    world["category"].refresh_from_db()


def _level_retired(world):
    QualificationLevel.objects.filter(pk=world["level"].pk).update(is_active=False)
    world["level"].refresh_from_db()


@pytest.mark.parametrize(
    ("change", "overrides", "field", "code"),
    [
        (_outsider, {}, "institution", "not_member"),
        (_suspend_membership, {}, "institution", "not_member"),
        (_suspend_institution, {}, "institution", "not_member"),
        (_category_retired, {}, "category", "category"),
        (_level_retired, {}, "level", "level"),
        (None, {"category": None}, "category", "category"),
        (None, {"field": "   "}, "field", "required"),
        (None, {"field": "信" * 61}, "field", "max_length"),
        (None, {"field": "<b>信息</b>"}, "field", "markup"),
        (None, {"field": "信息\x00技术"}, "field", "control"),
    ],
)
def test_a_grant_with_bad_input_names_the_field_and_writes_nothing(
    world, change, overrides, field, code
):
    if change:
        change(world)
    before = written()
    with pytest.raises(InvalidInput) as refused:
        grant(world, **overrides)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert written() == before


def test_a_field_of_sixty_characters_is_taken(world):
    assert grant(world, field="信" * 60).field == "信" * 60


def test_one_active_mandate_per_institution_and_category(world):
    first = grant(world)
    before = written()
    with pytest.raises(InvalidInput) as refused:
        grant(world, field="教育学", level=QualificationLevel.objects.get(number=3))
    assert (refused.value.field, refused.value.code) == ("category", "mandate_exists")
    assert world["member"].name in refused.value.message
    assert written() == before
    # Another category is another mandate; after the end, the category may be granted again.
    grant(world, category=world["other_category"])
    service.mandate_end(acting_user=world["admin"], mandate=first)
    again = grant(world, field="教育学")
    assert again.pk != first.pk
    assert RecognitionMandate.objects.filter(institution=world["member"]).count() == 3
    assert RecognitionMandate.objects.filter(ended_at__isnull=True).count() == 2


def test_two_grants_that_race_are_settled_by_the_constraint(world, monkeypatch):
    """The second grant passed its check before the first committed: the partial unique index
    refuses it, and the service says so beside the category, with nothing written."""
    first = grant(world)
    monkeypatch.setattr(service, "_active", lambda institution, category: None)
    before = written()
    with pytest.raises(InvalidInput) as refused:
        grant(world, field="教育学")
    assert (refused.value.field, refused.value.code) == ("category", "mandate_exists")
    assert written() == before
    assert list(RecognitionMandate.objects.values_list("pk", flat=True)) == [first.pk]


def test_the_database_holds_one_active_mandate_per_category_whatever_writes_it(world):
    grant(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionMandate.objects.create(
            institution=world["member"],
            category=world["category"],
            level=world["level"],
            field="教育学",
            granted_by=world["admin"],
        )


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_a_centre_administrator_grants_or_ends_a_mandate(world, people, role):
    mandate = grant(world)
    before = written()
    with pytest.raises(NotAllowed):
        grant(world, acting_user=people[role], category=world["other_category"])
    with pytest.raises(NotAllowed):
        service.mandate_end(acting_user=people[role], mandate=mandate, reason="无")
    assert written() == before


# --- Ending ----------------------------------------------------------------------------------


def test_ending_keeps_the_row_with_who_and_when_and_batches_go_to_review(world):
    mandate = grant(world)
    ended = service.mandate_end(acting_user=world["admin"], mandate=mandate, reason=" 到期 ")
    mandate.refresh_from_db()
    assert (mandate.ended_by, mandate.is_active) == (world["admin"], False)
    assert timezone.now() - mandate.ended_at < timedelta(minutes=1)
    assert ended.pk == mandate.pk
    assert batch_service.mandate_for(world["member"], world["category"]) is None
    event = AuditEvent.objects.get(action="mandate.end")
    assert event.object_id == str(mandate.pk)
    assert event.summary["after"]["reason"] == "到期"
    assert event.summary["after"]["category"] == "academic_course"
    assert verify_chain().intact


def test_a_mandate_ended_already_is_not_ended_again(world):
    mandate = grant(world)
    service.mandate_end(acting_user=world["admin"], mandate=mandate)
    before = written()
    with pytest.raises(IllegalTransition):
        service.mandate_end(acting_user=world["admin"], mandate=mandate, reason="再次")
    assert written() == before


def test_an_end_with_a_bad_reason_names_the_field_and_writes_nothing(world):
    mandate = grant(world)
    before = written()
    for reason, code in (("理" * 301, "max_length"), ("到期\x00", "control")):
        with pytest.raises(InvalidInput) as refused:
            service.mandate_end(acting_user=world["admin"], mandate=mandate, reason=reason)
        assert (refused.value.field, refused.value.code) == ("reason", code)
    assert written() == before
    mandate.refresh_from_db()
    assert mandate.is_active


# --- The pages -------------------------------------------------------------------------------


def _form_data(world, **overrides):
    return {
        "institution": world["member"].pk,
        "category": world["category"].pk,
        "level": world["level"].pk,
        "field": "信息技术",
    } | overrides


def test_the_list_shows_the_active_mandates_first_with_who_granted_and_ended(client, world):
    ended = grant(world, category=world["other_category"], field="养老服务")
    service.mandate_end(acting_user=world["admin"], mandate=ended)
    active = grant(world)
    signed_in(client, world["admin"])
    response = client.get(LIST)
    assert list(response.context["page"]) == [active, ended]
    page = response.text
    assert world["member"].name in page and "信息技术" in page and "养老服务" in page
    assert page.index("信息技术") < page.index("养老服务")
    assert f'href="{end_url(active)}"' in page and f'href="{end_url(ended)}"' not in page
    assert "Ended" in page and world["admin"].get_username() in page
    assert f'href="{GRANT}"' in page


def test_the_pages_are_chinese(client, world):
    mandate = grant(world)
    ended = grant(world, category=world["other_category"])
    service.mandate_end(acting_user=world["admin"], mandate=ended)
    client.force_login(world["admin"])
    assert_chinese(client.get(LIST))
    assert_chinese(client.get(GRANT))
    assert_chinese(client.get(end_url(mandate)))
    assert_chinese(client.get(end_url(ended)))
    assert_chinese(client.post(GRANT, _form_data(world, field="")))


def test_the_list_reads_a_constant_number_of_queries(
    client, world, people, django_assert_max_num_queries
):
    grant(world)
    signed_in(client, world["admin"])
    client.get(LIST)  # the session and the cached navigation state, once
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    for _ in range(4):
        other = InstitutionFactory()
        AllianceMembershipFactory(institution=other, branch=world["branch"])
        grant(world, institution=other)
    with django_assert_max_num_queries(len(few)):
        client.get(LIST)


def test_the_list_is_paginated(client, world):
    for _ in range(21):
        other = InstitutionFactory()
        AllianceMembershipFactory(institution=other, branch=world["branch"])
        grant(world, institution=other)
    signed_in(client, world["admin"])
    assert len(client.get(LIST).context["page"]) == 20
    assert len(client.get(LIST, {"page": 2}).context["page"]) == 1


def test_the_grant_form_grants_and_goes_back_to_the_list(client, world):
    signed_in(client, world["admin"])
    form = client.get(GRANT).text
    assert world["member"].name in form
    response = client.post(GRANT, _form_data(world))
    assert response.status_code == 302 and response["Location"] == LIST
    mandate = RecognitionMandate.objects.get()
    assert (mandate.institution, mandate.field, mandate.granted_by) == (
        world["member"],
        "信息技术",
        world["admin"],
    )
    assert "now recognises its own results" in client.get(LIST).text


def test_the_grant_form_shows_a_suspended_member_with_its_status(client, world):
    _suspend_membership(world)
    signed_in(client, world["admin"])
    assert f"{world['member'].name} (Suspended)" in client.get(GRANT).text


@pytest.mark.parametrize(
    ("change", "data", "field", "message"),
    [
        (None, {"field": ""}, "field", "This field is required."),
        (None, {"field": "信" * 61}, "field", "at most 60 characters"),
        (None, {"level": "999999"}, "level", "Select a valid choice"),
        (_suspend_membership, {}, "institution", "active member of the alliance"),
        (_suspend_institution, {}, "institution", "active member of the alliance"),
    ],
)
def test_a_refused_grant_is_told_beside_its_field_and_writes_nothing(
    client, world, change, data, field, message
):
    if change:
        change(world)
    signed_in(client, world["admin"])
    before = written()
    response = client.post(GRANT, _form_data(world, **data))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field])
    assert f'id="id_{field}_error"' in response.text or 'aria-invalid="true"' in response.text
    assert written() == before


def test_a_second_mandate_for_the_category_is_refused_beside_the_category(client, world):
    grant(world)
    signed_in(client, world["admin"])
    before = written()
    response = client.post(GRANT, _form_data(world, field="教育学"))
    assert response.status_code == 200
    assert "already holds an active mandate" in " ".join(
        response.context["form"].errors["category"]
    )
    assert written() == before


def test_the_end_page_asks_then_ends_the_mandate(client, world):
    mandate = grant(world)
    signed_in(client, world["admin"])
    page = client.get(end_url(mandate)).text
    assert world["member"].name in page and "End the mandate" in page
    response = client.post(end_url(mandate), {"end-reason": "试点结束"})
    assert response.status_code == 302 and response["Location"] == LIST
    mandate.refresh_from_db()
    assert (mandate.is_active, mandate.ended_by) == (False, world["admin"])
    assert AuditEvent.objects.get(action="mandate.end").summary["after"]["reason"] == "试点结束"
    assert "The mandate was ended" in client.get(LIST).text


def test_ending_an_ended_mandate_is_refused_on_the_page_and_writes_nothing(client, world):
    mandate = grant(world)
    service.mandate_end(acting_user=world["admin"], mandate=mandate)
    signed_in(client, world["admin"])
    page = client.get(end_url(mandate)).text
    assert "This mandate has ended" in page and 'name="end-reason"' not in page
    before = written()
    response = client.post(end_url(mandate), {"end-reason": "再次"})
    assert response.status_code == 200 and "has already ended" in response.text
    assert written() == before


def test_a_too_long_reason_is_told_beside_the_field(client, world):
    mandate = grant(world)
    signed_in(client, world["admin"])
    before = written()
    response = client.post(end_url(mandate), {"end-reason": "理" * 301})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reason"]
    assert written() == before
    mandate.refresh_from_db()
    assert mandate.is_active


def test_the_end_action_takes_get_and_post_only(client, world):
    mandate = grant(world)
    signed_in(client, world["admin"])
    assert client.put(end_url(mandate)).status_code == 405
    assert client.put(LIST).status_code == 405


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_every_other_role_is_refused_and_nothing_is_written(client, world, people, role):
    mandate = grant(world)
    signed_in(client, people[role])
    before = written()
    assert client.get(LIST).status_code == 403
    assert client.get(GRANT).status_code == 403
    assert (
        client.post(GRANT, _form_data(world, category=world["other_category"].pk)).status_code
        == 403
    )
    assert client.get(end_url(mandate)).status_code == 404
    assert client.post(end_url(mandate), {"end-reason": "无"}).status_code == 404
    assert written() == before


def test_the_anonymous_are_sent_to_sign_in(client, world):
    mandate = grant(world)
    for response in (
        client.get(LIST),
        client.get(GRANT),
        client.post(GRANT, _form_data(world)),
        client.post(end_url(mandate)),
    ):
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    mandate.refresh_from_db()
    assert mandate.is_active


def test_the_centre_administrators_navigation_links_the_list(client, people):
    signed_in(client, people["centre_admin"])
    assert f'href="{LIST}"' in client.get(reverse("accounts:desk")).text
    signed_in(client, people["institution_clerk"])
    assert f'href="{LIST}"' not in client.get(reverse("accounts:desk")).text


# --- The demo --------------------------------------------------------------------------------


def test_the_demo_has_an_active_mandate_and_a_finished_batch_made_once(settings, tmp_path):
    """seed_demo (twice): the demo institution's mandate, granted by the demo centre
    administrator, and its clerk's batch worked by the real service — recognised rows under the
    mandate, a failed result for review, refused rows that say why; the ledger and the audit
    chain hold."""
    from io import StringIO

    from django.core.management import call_command

    from achievements import demo
    from achievements.models import Achievement, CreditEntry, ImportBatch, ImportRow
    from achievements.services.ledger import ledger_problems

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    mandate = RecognitionMandate.objects.get()
    assert mandate.is_active and mandate.institution.credit_code == demo.ISSUER_CREDIT_CODE
    assert (mandate.category.code, mandate.level.number, mandate.field) == (
        demo.MANDATE_CATEGORY,
        demo.MANDATE_LEVEL,
        demo.MANDATE_FIELD,
    )
    assert mandate.granted_by.username == "centre_admin"
    batch = ImportBatch.objects.get()
    assert batch.institution == mandate.institution and batch.mandate == mandate
    assert batch.created_by.username == "inst_clerk"
    assert (batch.status, batch.file_name, batch.mode) == ("done", demo.BATCH_FILE_NAME, "valid")
    assert (batch.rows_read, batch.rows_valid, batch.rows_refused) == (9, 5, 4)
    assert (batch.recognised, batch.deposited) == (4, 1)
    refused = ImportRow.objects.filter(batch=batch, outcome="refused")
    codes = {row.external_id: {error[0] for error in row.errors} for row in refused}
    assert codes == {
        "CQOU-2025S-0006": {"id_number"},
        "CQOU-2025S-0007": {"obtained_on"},
        "CQOU-2025S-0008": {"name"},
        "CQOU-2025S-0009": {"result"},
    }
    made = Achievement.objects.filter(batch=batch)
    assert sorted(made.values_list("status", flat=True)) == [
        "recognised",
        "recognised",
        "recognised",
        "recognised",
        "under_review",
    ]
    assert CreditEntry.objects.filter(achievement__batch=batch).count() == 4
    assert list(ledger_problems()) == []
    assert AuditEvent.objects.filter(action="mandate.grant").count() == 1
    assert verify_chain().intact
