"""Management pages of unit standards, per role: own institution against another one."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import InstitutionStaff
from achievements.models import QualificationLevel, UnitStandard
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, UserFactory
from tests.achievements.factories import UnitStandardFactory

pytestmark = pytest.mark.django_db

Status = UnitStandard.Status
CREDIT_RANGE = "Give a credit value from 0.01 to 9999.99, with at most two decimal places."


def own_institution(people):
    return InstitutionStaff.objects.get(user=people["institution_clerk"]).institution


def form_data(**overrides):
    data = {
        "code": "CQOU-IT-0001",
        "name": "计算机应用基础",
        "field": "信息技术",
        "level": QualificationLevel.objects.get(number=2).pk,
        "credit_value": "4",
        "outcomes": "能完成常见办公任务。",
    }
    return data | overrides


def standard_events() -> int:
    return AuditEvent.objects.filter(action__startswith="unit_standard.").count()


def test_a_clerk_drafts_and_submits_and_the_centre_approves(client, client_for, people):
    institution = own_institution(people)
    client_for("institution_clerk")
    response = client.post(
        reverse("achievements:standard_create"),
        form_data(issuer=institution.pk, code=" cqou-it-0001 "),
    )
    standard = UnitStandard.objects.get()
    assert response.url == reverse("achievements:standard_manage_detail", args=[standard.pk])
    assert (standard.code, standard.credit_value) == ("CQOU-IT-0001", Decimal("4.00"))
    assert standard.issuing_institution == institution
    response = client.post(reverse("achievements:standard_submit", args=[standard.pk]))
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED
    client_for("centre_admin")
    page = client.get(reverse("achievements:standard_manage")).content.decode()
    assert "计算机应用基础" in page
    url = reverse("achievements:standard_decide", args=[standard.pk])
    assert "Record the decision" in client.get(url).content.decode()
    response = client.post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.status == Status.APPROVED
    client.logout()
    assert "计算机应用基础" in client.get(reverse("achievements:standard_list")).content.decode()


def test_the_centre_sees_what_waits_for_a_decision_first(client, client_for, people):
    UnitStandardFactory(approved=True, name="已批准")
    UnitStandardFactory(submitted=True, name="待决定")
    UnitStandardFactory(name="草稿")
    client_for("centre_admin")
    page = client.get(reverse("achievements:standard_manage")).context["page"]
    assert [s.name for s in page][0] == "待决定"
    only = client.get(reverse("achievements:standard_manage"), {"status": "approved"}).context[
        "page"
    ]
    assert [s.name for s in only] == ["已批准"]


def test_institution_staff_see_only_their_own_institutions_standards(client, client_for, people):
    UnitStandardFactory(issuing_institution=own_institution(people), name="本校标准")
    UnitStandardFactory(issuing_institution=InstitutionFactory(), name="他校标准")
    UnitStandardFactory(issuing_institution=None, name="中心标准")
    for role in ("institution_admin", "institution_clerk", "institution_reviewer"):
        client_for(role)
        names = [
            s.name for s in client.get(reverse("achievements:standard_manage")).context["page"]
        ]
        assert names == ["本校标准"], role


@pytest.mark.parametrize(
    "role", ["learner", "branch_staff", "branch_manager", "expert", "quality_auditor"]
)
def test_others_cannot_open_the_management_pages(client, client_for, people, role):
    standard = UnitStandardFactory(issuing_institution=own_institution(people))
    client_for(role)
    assert client.get(reverse("achievements:standard_manage")).status_code == 403
    assert client.get(reverse("achievements:standard_create")).status_code == 403
    assert (
        client.get(reverse("achievements:standard_manage_detail", args=[standard.pk])).status_code
        == 404
    )
    assert client.get(reverse("achievements:standard_edit", args=[standard.pk])).status_code == 404


def test_a_reviewer_reads_but_does_not_write(client, client_for, people):
    standard = UnitStandardFactory(issuing_institution=own_institution(people))
    client_for("institution_reviewer")
    assert (
        client.get(reverse("achievements:standard_manage_detail", args=[standard.pk])).status_code
        == 200
    )
    assert client.get(reverse("achievements:standard_edit", args=[standard.pk])).status_code == 403
    assert (
        client.post(reverse("achievements:standard_submit", args=[standard.pk])).status_code == 403
    )
    assert client.get(reverse("achievements:standard_create")).status_code == 403
    standard.refresh_from_db()
    assert standard.status == Status.DRAFT and standard_events() == 0


@pytest.mark.parametrize("role", ["institution_admin", "institution_clerk"])
def test_staff_of_another_institution_get_404(client, client_for, people, role):
    standard = UnitStandardFactory(issuing_institution=InstitutionFactory())
    client_for(role)
    for name in ("achievements:standard_manage_detail", "achievements:standard_edit"):
        assert client.get(reverse(name, args=[standard.pk])).status_code == 404
    assert (
        client.post(reverse("achievements:standard_submit", args=[standard.pk])).status_code == 404
    )
    standard.refresh_from_db()
    assert standard.status == Status.DRAFT and standard_events() == 0


def test_the_centre_reads_an_institutions_draft_but_does_not_edit_it(client, client_for, people):
    standard = UnitStandardFactory(issuing_institution=own_institution(people))
    client_for("centre_admin")
    assert (
        client.get(reverse("achievements:standard_manage_detail", args=[standard.pk])).status_code
        == 200
    )
    assert client.get(reverse("achievements:standard_edit", args=[standard.pk])).status_code == 403
    assert (
        client.post(reverse("achievements:standard_submit", args=[standard.pk])).status_code == 403
    )


def test_the_author_sees_why_they_may_not_decide_and_a_post_is_refused(client, client_for, people):
    client_for("centre_admin")
    client.post(reverse("achievements:standard_create"), form_data(issuer="centre"))
    standard = UnitStandard.objects.get()
    client.post(reverse("achievements:standard_submit", args=[standard.pk]))
    url = reverse("achievements:standard_decide", args=[standard.pk])
    page = client.get(url).content.decode()
    assert "another centre administrator must decide" in page
    assert "Record the decision" not in page
    events = AuditEvent.objects.count()
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 403
    assert "another centre administrator must decide" in response.content.decode()
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED
    # Only the refusal is recorded.
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.latest("id").action == "access.refused"


def test_returning_a_standard_needs_a_reason_beside_the_field(client, client_for, people):
    standard = UnitStandardFactory(submitted=True)
    client_for("centre_admin")
    response = client.post(
        reverse("achievements:standard_decide", args=[standard.pk]),
        {"decision": "reject", "reason": "  "},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "reason": ["Please give the reason; the issuer will see it."]
    }
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED and standard_events() == 0


def test_a_decision_on_a_draft_is_refused_with_a_message(client, client_for, people):
    standard = UnitStandardFactory()
    client_for("centre_admin")
    response = client.post(
        reverse("achievements:standard_decide", args=[standard.pk]), {"decision": "approve"}
    )
    assert response.status_code == 200
    assert "cannot be changed this way" in response.content.decode()
    standard.refresh_from_db()
    assert standard.status == Status.DRAFT and standard_events() == 0


@pytest.mark.parametrize("role", ["institution_admin", "expert", "learner"])
def test_only_the_centre_opens_the_decision_page(client, client_for, people, role):
    standard = UnitStandardFactory(submitted=True, issuing_institution=own_institution(people))
    client_for(role)
    url = reverse("achievements:standard_decide", args=[standard.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "approve"}).status_code == 403
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED


def test_editing_an_approved_standard_makes_a_new_version_and_the_centre_compares(
    client, client_for, people
):
    approved = UnitStandardFactory(
        approved=True, issuing_institution=own_institution(people), code="CQOU-EE-0201"
    )
    client_for("institution_admin")
    url = reverse("achievements:standard_edit", args=[approved.pk])
    assert "Saving makes version 2 as a draft" in client.get(url).content.decode()
    response = client.post(url, form_data(code="IGNORED", name="电工（中级）", credit_value="6.5"))
    draft = UnitStandard.objects.get(version=2)
    assert response.url == reverse("achievements:standard_manage_detail", args=[draft.pk])
    assert (draft.code, draft.name, draft.credit_value) == (
        "CQOU-EE-0201",
        "电工（中级）",
        Decimal("6.50"),
    )
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    client.post(reverse("achievements:standard_submit", args=[draft.pk]))
    client_for("centre_admin")
    page = client.get(reverse("achievements:standard_decide", args=[draft.pk])).content.decode()
    assert "Changes since version 1" in page and "电工（中级）" in page
    client.post(reverse("achievements:standard_decide", args=[draft.pk]), {"decision": "approve"})
    approved.refresh_from_db()
    assert approved.status == Status.RETIRED


def test_starting_a_new_version_opens_its_edit_page(client, client_for, people):
    approved = UnitStandardFactory(approved=True, issuing_institution=own_institution(people))
    client_for("institution_clerk")
    response = client.post(reverse("achievements:standard_new_version", args=[approved.pk]))
    draft = UnitStandard.objects.get(version=2)
    assert response.url == reverse("achievements:standard_edit", args=[draft.pk])
    response = client.post(reverse("achievements:standard_new_version", args=[approved.pk]))
    assert response.status_code == 200
    assert "already being drafted or reviewed" in response.content.decode()
    assert UnitStandard.objects.count() == 2


def test_the_centre_retires_with_a_reason(client, client_for, people):
    standard = UnitStandardFactory(approved=True)
    client_for("centre_admin")
    url = reverse("achievements:standard_retire", args=[standard.pk])
    response = client.post(url, {"retire-reason": ""})
    assert response.status_code == 200
    assert response.context["retire_form"].errors == {"reason": ["This field is required."]}
    standard.refresh_from_db()
    assert standard.status == Status.APPROVED
    response = client.post(url, {"retire-reason": "已由新标准替代"})
    assert response.status_code == 302
    standard.refresh_from_db()
    assert (standard.status, standard.decision_reason) == (Status.RETIRED, "已由新标准替代")
    response = client.post(url, {"retire-reason": "再次停用"})
    assert "cannot be changed this way" in response.content.decode()


def test_a_submitted_standard_cannot_be_edited(client, client_for, people):
    standard = UnitStandardFactory(submitted=True, issuing_institution=own_institution(people))
    client_for("institution_clerk")
    url = reverse("achievements:standard_edit", args=[standard.pk])
    assert "cannot be edited" in client.get(url).content.decode()
    response = client.post(url, form_data(code=standard.code, name="改名"))
    assert response.status_code == 200
    standard.refresh_from_db()
    assert standard.name != "改名" and standard_events() == 0


def test_a_clerk_may_only_choose_their_own_institution_as_issuer(client, client_for, people):
    other = InstitutionFactory()
    client_for("institution_clerk")
    form = client.get(reverse("achievements:standard_create")).context["form"]
    assert [c for c, _label in form.fields["issuer"].choices] == [str(own_institution(people).pk)]
    response = client.post(reverse("achievements:standard_create"), form_data(issuer=other.pk))
    assert "issuer" in response.context["form"].errors
    response = client.post(reverse("achievements:standard_create"), form_data(issuer="centre"))
    assert "issuer" in response.context["form"].errors
    assert not UnitStandard.objects.exists()


LONG = "长" * 121


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": LONG}, "name", "Ensure this value has at most 120 characters (it has 121)."),
        (
            {"name": "<script>alert(1)</script>"},
            "name",
            "The characters < and > are not allowed here.",
        ),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "\u3000"}, "name", "This field is required."),
        ({"field": ""}, "field", "This field is required."),
        ({"field": "x" * 61}, "field", "Ensure this value has at most 60 characters (it has 61)."),
        ({"code": "代码"}, "code", None),
        ({"code": "<script>"}, "code", "The characters < and > are not allowed here."),
        ({"code": "A" * 33}, "code", None),
        ({"credit_value": "0"}, "credit_value", CREDIT_RANGE),
        ({"credit_value": "-2"}, "credit_value", CREDIT_RANGE),
        ({"credit_value": "abc"}, "credit_value", "Enter a number."),
        ({"credit_value": ""}, "credit_value", "This field is required."),
        ({"credit_value": "1.234"}, "credit_value", CREDIT_RANGE),
        ({"credit_value": "123456"}, "credit_value", CREDIT_RANGE),
        ({"credit_value": "10000.00"}, "credit_value", CREDIT_RANGE),
        ({"credit_value": "NaN"}, "credit_value", "Enter a number."),
        (
            {"outcomes": "x" * 4001},
            "outcomes",
            "Ensure this value has at most 4000 characters (it has 4001).",
        ),
        (
            {"level": "999"},
            "level",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(
    client, client_for, people, overrides, field, message
):
    client_for("institution_clerk")
    data = form_data(issuer=own_institution(people).pk, **overrides)
    response = client.post(reverse("achievements:standard_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert not UnitStandard.objects.exists() and standard_events() == 0
    assert 'aria-invalid="true"' in response.content.decode()


def test_names_with_a_middle_dot_and_astral_characters_are_saved(client, client_for, people):
    client_for("institution_clerk")
    client.post(
        reverse("achievements:standard_create"),
        form_data(
            issuer=own_institution(people).pk, name="买买提·艾力 𠮷 单元", credit_value="１．５"
        ),
    )
    standard = UnitStandard.objects.get()
    assert (standard.name, standard.credit_value) == ("买买提·艾力 𠮷 单元", Decimal("1.50"))


def test_a_duplicate_code_is_shown_beside_the_code(client, client_for, people):
    UnitStandardFactory(code="CQOU-IT-0001")
    client_for("institution_clerk")
    response = client.post(
        reverse("achievements:standard_create"), form_data(issuer=own_institution(people).pk)
    )
    assert response.context["form"].errors == {
        "code": ["This code is already used by another unit standard."]
    }
    assert UnitStandard.objects.count() == 1


def test_the_management_list_keeps_a_constant_number_of_queries(
    client, client_for, people, django_assert_max_num_queries
):
    client_for("centre_admin")
    UnitStandardFactory(submitted=True)
    client.get(reverse("achievements:standard_manage"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("achievements:standard_manage"))
    for _ in range(25):
        UnitStandardFactory(submitted=True, created_by=UserFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("achievements:standard_manage"))
