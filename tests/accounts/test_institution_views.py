"""Institution pages through the test client: applying, the centre's list and decisions, and who
may open which institution page."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Institution, InstitutionStaff
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, InstitutionStaffFactory, UserFactory
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

Status = Institution.Status
ROLES = [*ALL_ROLES, "outsider"]
INSTITUTION_STAFF = {"institution_admin", "institution_clerk", "institution_reviewer"}
GOOD = {
    "name": "重庆新桥职业培训学校",
    "credit_code": "12500000MB1583012D",
    "kind": Institution.Kind.TRAINING_BODY,
    "address": "重庆市沙坪坝区新桥正街1号",
    "contact_name": "王芳",
    "contact_phone": "023-65432100",
    "contact_email": "wangfang@example.com",
}


@pytest.fixture
def english(client):
    """Pages in English, so that tests read the msgids whatever the Chinese catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def own_institution(people) -> Institution:
    return people["institution_admin"].institution_roles.get().institution


# --- applying ---------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in_before_applying(client):
    response = client.get(reverse("accounts:institution_apply"))
    assert response.status_code == 302
    assert (
        response.url == f"{reverse('account_login')}?next={reverse('accounts:institution_apply')}"
    )


def test_a_signed_in_person_applies_and_sees_the_application(english, people):
    client = english
    client.force_login(people["learner"])
    assert client.get(reverse("accounts:institution_apply")).status_code == 200
    response = client.post(reverse("accounts:institution_apply"), GOOD, follow=True)
    institution = Institution.objects.get(applied_by__isnull=False)
    assert response.redirect_chain == [
        (reverse("accounts:institution_detail", args=[institution.pk]), 302)
    ]
    assert (institution.status, institution.applied_by) == (Status.APPLIED, people["learner"])
    page = response.content.decode()
    assert "Your application has been received" in page
    assert "重庆新桥职业培训学校" in page and "12500000MB1583012D" in page
    assert AuditEvent.objects.filter(action="institution.apply", actor=people["learner"]).exists()
    mine = client.get(reverse("accounts:institution_mine")).content.decode()
    assert reverse("accounts:institution_detail", args=[institution.pk]) in mine


def test_the_form_normalises_code_phone_and_address(client, people):
    client.force_login(people["learner"])
    data = GOOD | {
        "credit_code": " １２５０００００ｍｂ１５８３ ０１２ｄ ",
        "contact_phone": "（023）6543 2100",
        "contact_email": "WangFang@Example.COM",
        "address": "  重庆市沙坪坝区\n新桥正街1号  ",
    }
    assert client.post(reverse("accounts:institution_apply"), data).status_code == 302
    institution = Institution.objects.get(applied_by__isnull=False)
    assert institution.credit_code == "12500000MB1583012D"
    assert institution.contact_phone == "02365432100"
    assert institution.contact_email == "wangfang@example.com"
    assert institution.address == "重庆市沙坪坝区 新桥正街1号"


@pytest.mark.parametrize(
    "name", ["买买提·艾力职业培训中心", "𠮷野家烹饪培训学校", "Chongqing O'Neil & Co. Academy"]
)
def test_chinese_and_other_names_are_kept_as_typed(client, people, name):
    client.force_login(people["learner"])
    assert (
        client.post(reverse("accounts:institution_apply"), GOOD | {"name": name}).status_code == 302
    )
    assert Institution.objects.get(applied_by__isnull=False).name == name


BAD_INPUT = [
    ("credit_code", "12500000MB1583012A", "checksum"),
    ("credit_code", "12500000MB158301", "length"),
    ("credit_code", "1250000OMB1583012D", "format"),
    ("credit_code", "", "required"),
    ("credit_code", "   ", "required"),
    ("name", "学" * 121, "max_length"),
    ("name", "<script>alert(1)</script>", "markup"),
    ("name", "", "required"),
    ("name", " \t ", "required"),
    ("kind", "", "required"),
    ("kind", "castle", "invalid_choice"),
    ("address", "   ", "required"),
    ("address", "x" * 201, "max_length"),
    ("contact_name", "", "required"),
    ("contact_name", "<b>王芳</b>", "markup"),
    ("contact_phone", "12345", "phone"),
    ("contact_phone", "   ", "required"),
    ("contact_email", "not-an-address", "invalid"),
    ("contact_email", "", "required"),
]


@pytest.mark.parametrize(("field", "value", "code"), BAD_INPUT)
def test_bad_input_gets_a_message_beside_the_field_and_writes_nothing(
    client, people, field, value, code
):
    client.force_login(people["learner"])
    audit_before = AuditEvent.objects.count()
    response = client.post(reverse("accounts:institution_apply"), GOOD | {field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error(field, code), form.errors.as_data()
    assert 'aria-invalid="true"' in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Institution.objects.filter(applied_by__isnull=False).exists()
    assert AuditEvent.objects.count() == audit_before


def test_a_duplicate_code_is_refused_beside_the_field(english, people):
    client = english
    InstitutionFactory(credit_code=GOOD["credit_code"], name="已有机构")
    client.force_login(people["learner"])
    response = client.post(
        reverse("accounts:institution_apply"), GOOD | {"credit_code": "12500000mb1583012d"}
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("credit_code", "duplicate")
    assert "ask its administrator to invite you" in response.content.decode()
    assert not Institution.objects.filter(applied_by__isnull=False).exists()


def test_a_name_with_markup_from_elsewhere_is_shown_escaped(client, people):
    institution = own_institution(people)
    Institution.objects.filter(pk=institution.pk).update(name="<b>粗体</b>学院")
    client.force_login(people["institution_clerk"])
    page = client.get(
        reverse("accounts:institution_detail", args=[institution.pk])
    ).content.decode()
    assert "&lt;b&gt;粗体&lt;/b&gt;学院" in page
    assert "<b>粗体</b>" not in page


# --- who opens which page ---------------------------------------------------------------------


def _expected_detail(role, own):
    if role == "centre_admin" or (own and role in INSTITUTION_STAFF):
        return 200
    return 404


@pytest.mark.parametrize("own", [True, False], ids=["own", "someone_elses"])
@pytest.mark.parametrize("role", ROLES)
def test_who_opens_an_institution_page(client, people, role, own):
    institution = own_institution(people) if own else InstitutionFactory()
    client.force_login(people[role])
    response = client.get(reverse("accounts:institution_detail", args=[institution.pk]))
    assert response.status_code == _expected_detail(role, own)
    if response.status_code == 200:
        assert institution.name in response.content.decode()
        assert institution.credit_code in response.content.decode()


def _expected_invite(role, own):
    if own and role == "institution_admin":
        return 200
    if role == "centre_admin" or (own and role in INSTITUTION_STAFF):
        return 403
    return 404


@pytest.mark.parametrize("own", [True, False], ids=["own", "someone_elses"])
@pytest.mark.parametrize("role", ROLES)
def test_who_opens_the_invitation_form(client, people, role, own):
    institution = own_institution(people) if own else InstitutionFactory()
    client.force_login(people[role])
    response = client.get(reverse("accounts:institution_invite", args=[institution.pk]))
    assert response.status_code == _expected_invite(role, own)


@pytest.mark.parametrize("own", [True, False], ids=["own", "someone_elses"])
@pytest.mark.parametrize("role", ROLES)
def test_who_removes_a_member_of_staff(client, people, role, own):
    if own:
        target = people["institution_clerk"].institution_roles.get()
    else:
        other = InstitutionFactory()
        InstitutionStaffFactory(institution=other, role=InstitutionStaff.Role.ADMIN)
        target = InstitutionStaffFactory(institution=other)
    client.force_login(people[role])
    url = reverse("accounts:institution_staff_remove", args=[target.institution_id, target.pk])
    response = client.post(url)
    expected = _expected_invite(role, own)
    if expected == 200:
        assert response.status_code == 302
        assert not InstitutionStaff.objects.filter(pk=target.pk).exists()
        event = AuditEvent.objects.get(action="institution.staff_remove")
        assert event.actor == people[role]
        assert event.summary["before"] == {"user": target.user.username, "role": "clerk"}
    else:
        assert response.status_code == expected
        assert InstitutionStaff.objects.filter(pk=target.pk).exists()
        assert not AuditEvent.objects.filter(action="institution.staff_remove").exists()
        if expected == 403:
            assert AuditEvent.objects.filter(action="access.refused", actor=people[role]).exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_a_centre_administrator_opens_the_applications_list(client, people, role):
    client.force_login(people[role])
    response = client.get(reverse("accounts:institution_list"))
    assert response.status_code == (200 if role == "centre_admin" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_may_apply_and_see_their_institutions(client, people, role):
    client.force_login(people[role])
    assert client.get(reverse("accounts:institution_apply")).status_code == 200
    page = client.get(reverse("accounts:institution_mine"))
    assert page.status_code == 200
    own = own_institution(people)
    listed = reverse("accounts:institution_detail", args=[own.pk]) in page.content.decode()
    assert listed == (role in INSTITUTION_STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_only_a_centre_administrator_decides_through_the_page(client, people, role):
    institution = InstitutionFactory(status=Status.APPLIED, applied_by=UserFactory())
    client.force_login(people[role])
    response = client.post(
        reverse("accounts:institution_decide", args=[institution.pk]), {"decision": "approve"}
    )
    institution.refresh_from_db()
    if role == "centre_admin":
        assert response.status_code == 302
        assert institution.status == Status.APPROVED
    else:
        assert response.status_code == 403
        assert institution.status == Status.APPLIED
        assert not institution.staff.exists()
        refused = AuditEvent.objects.get(action="access.refused")
        assert refused.actor == people[role]


def test_the_applicant_sees_the_outcome_and_the_reason(english, people):
    client = english
    applicant = UserFactory()
    institution = InstitutionFactory(
        status=Status.REJECTED, status_reason="营业执照照片不清晰", applied_by=applicant
    )
    client.force_login(applicant)
    page = client.get(
        reverse("accounts:institution_detail", args=[institution.pk])
    ).content.decode()
    assert "Rejected" in page and "营业执照照片不清晰" in page
    assert 'action="/institutions/' not in page  # no decision form, no staff actions


# --- the centre's list and decisions ----------------------------------------------------------


def test_the_list_shows_pending_applications_oldest_first_and_filters(client, people):
    first = InstitutionFactory(status=Status.APPLIED, name="甲")
    second = InstitutionFactory(status=Status.APPLIED, name="乙")
    InstitutionFactory(status=Status.REJECTED, name="丙")
    client.force_login(people["centre_admin"])
    page = client.get(reverse("accounts:institution_list")).context["page"]
    assert list(page) == [first, second]
    rejected = client.get(reverse("accounts:institution_list"), {"status": "rejected"}).context[
        "page"
    ]
    assert [i.name for i in rejected] == ["丙"]
    everything = client.get(reverse("accounts:institution_list"), {"status": ""}).context["page"]
    assert len(everything) == Institution.objects.count()


def test_the_list_pages_in_a_constant_number_of_queries(
    client, people, django_assert_max_num_queries
):
    for _ in range(45):
        InstitutionFactory(status=Status.APPLIED, applied_by=UserFactory())
    client.force_login(people["centre_admin"])
    # A first page reads what accounts.cache keeps of the person (and the header's to-do total).
    client.get(reverse("accounts:institution_list"))
    with django_assert_max_num_queries(10):
        response = client.get(
            reverse("accounts:institution_list"), {"status": "applied", "page": 2}
        )
    assert len(response.context["page"]) == 20
    assert 'href="?status=applied&amp;page=3"' in response.content.decode()


def test_the_institution_page_keeps_a_constant_number_of_queries(
    client, people, django_assert_max_num_queries
):
    institution = own_institution(people)
    for _ in range(15):
        InstitutionStaffFactory(institution=institution)
    client.force_login(people["institution_admin"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:institution_detail", args=[institution.pk]))
    assert len(response.context["staff"]) == 18


def test_a_centre_administrator_approves_through_the_page(english, people):
    client = english
    applicant = UserFactory()
    institution = InstitutionFactory(status=Status.APPLIED, applied_by=applicant)
    client.force_login(people["centre_admin"])
    page = client.get(reverse("accounts:institution_detail", args=[institution.pk]))
    assert [c[0] for c in page.context["decision_form"].fields["decision"].choices] == [
        "approve",
        "reject",
    ]
    response = client.post(
        reverse("accounts:institution_decide", args=[institution.pk]),
        {"decision": "approve", "reason": ""},
        follow=True,
    )
    assert "The institution has been approved." in response.content.decode()
    institution.refresh_from_db()
    assert institution.status == Status.APPROVED
    assert institution.staff.get().user == applicant


def test_a_rejection_without_a_reason_is_refused_beside_the_field(english, people):
    client = english
    institution = InstitutionFactory(status=Status.APPLIED, applied_by=UserFactory())
    client.force_login(people["centre_admin"])
    response = client.post(
        reverse("accounts:institution_decide", args=[institution.pk]),
        {"decision": "reject", "reason": " "},
    )
    assert response.status_code == 200
    assert response.context["decision_form"].has_error("reason", "reason_required")
    assert "Please give the reason" in response.content.decode()
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED


def test_a_decision_the_status_does_not_allow_is_refused_on_the_page(english, people):
    client = english
    institution = InstitutionFactory(status=Status.APPROVED, applied_by=UserFactory())
    client.force_login(people["centre_admin"])
    response = client.post(
        reverse("accounts:institution_decide", args=[institution.pk]), {"decision": "approve"}
    )
    assert response.status_code == 200
    assert response.context["decision_form"].has_error("decision", "illegal_transition")
    institution.refresh_from_db()
    assert (institution.status, institution.decided_by) == (Status.APPROVED, None)


def test_a_centre_administrator_cannot_decide_their_own_application(english, people):
    client = english
    me = people["centre_admin"]
    client.force_login(me)
    client.post(reverse("accounts:institution_apply"), GOOD)
    institution = Institution.objects.get(applied_by__isnull=False)
    page = client.get(reverse("accounts:institution_detail", args=[institution.pk]))
    assert page.context["decision_form"] is None
    response = client.post(
        reverse("accounts:institution_decide", args=[institution.pk]), {"decision": "approve"}
    )
    assert response.status_code == 200
    assert response.context["decision_form"].has_error("decision", "own_institution")
    assert "applied for or work for" in response.content.decode()
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
    assert not institution.staff.exists()


def test_the_last_administrator_cannot_be_removed(english, people):
    client = english
    admin_role = people["institution_admin"].institution_roles.get()
    client.force_login(people["institution_admin"])
    response = client.post(
        reverse(
            "accounts:institution_staff_remove", args=[admin_role.institution_id, admin_role.pk]
        ),
        follow=True,
    )
    assert "must keep at least one administrator" in response.content.decode()
    assert InstitutionStaff.objects.filter(pk=admin_role.pk).exists()
