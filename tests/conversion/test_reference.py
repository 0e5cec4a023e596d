"""The reference lists a rule's source names: certificates and self-study exam subjects."""

from decimal import Decimal

import pytest
from django.urls import reverse

from achievements.models import AchievementCategory
from conversion.models import Certificate, SelfStudySubject
from conversion.services.reference import (
    certificate_create,
    certificate_update,
    self_study_subject_create,
    self_study_subject_update,
)
from creditbank.errors import InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.conversion.factories import CertificateFactory, SelfStudySubjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return AchievementCategory.objects.get(code="vocational_skill_certificate")


def _certificate(people, category, **overrides):
    facts = {
        "name": "全国计算机等级考试二级",
        "grade": "",
        "issuer": "教育部教育考试院",
        "category": category,
    }
    return certificate_create(acting_user=people["centre_admin"], **{**facts, **overrides})


def test_a_centre_administrator_adds_a_certificate_with_an_audit_event(people, category):
    certificate = _certificate(people, category, grade=" 中级 ")
    assert certificate.grade == "中级"
    event = AuditEvent.objects.get(action="certificate.create")
    assert event.summary["after"]["name"] == "全国计算机等级考试二级"
    assert event.summary["after"]["category"] == "vocational_skill_certificate"


@pytest.mark.parametrize("role", ["institution_admin", "expert", "quality_auditor", "learner"])
def test_only_a_centre_administrator_keeps_the_list(people, category, role):
    with pytest.raises(NotAllowed):
        _certificate({"centre_admin": people[role]}, category)
    assert not Certificate.objects.exists()


def test_the_same_name_and_grade_is_refused_on_the_name(people, category):
    _certificate(people, category)
    with pytest.raises(InvalidInput) as caught:
        _certificate(people, category)
    assert caught.value.field == "name"
    assert Certificate.objects.count() == 1


def test_a_category_out_of_use_is_refused(people, category):
    category.is_active = False
    category.save(update_fields=["is_active"])
    with pytest.raises(InvalidInput) as caught:
        _certificate(people, category)
    assert caught.value.field == "category"
    assert not AuditEvent.objects.filter(action="certificate.create").exists()


def test_an_update_audits_only_what_changed(people, category):
    certificate = _certificate(people, category)
    certificate_update(
        acting_user=people["centre_admin"],
        certificate=certificate,
        name=certificate.name,
        grade="",
        issuer=certificate.issuer,
        category=category,
        is_active=False,
    )
    event = AuditEvent.objects.get(action="certificate.update")
    assert event.summary["before"] == {"is_active": True}
    assert event.summary["after"] == {"is_active": False}


def test_a_subject_code_is_five_digits_and_normalised(people):
    subject = self_study_subject_create(
        acting_user=people["centre_admin"], code="０００１５", name="英语（二）", credits="14"
    )
    assert subject.code == "00015"
    assert subject.credits == Decimal("14")
    for code in ("1234", "ABCDE", "000150"):
        with pytest.raises(InvalidInput) as caught:
            self_study_subject_create(
                acting_user=people["centre_admin"], code=code, name="x", credits="4"
            )
        assert caught.value.field == "code"
    with pytest.raises(InvalidInput) as caught:
        self_study_subject_create(
            acting_user=people["centre_admin"], code="00015", name="x", credits="4"
        )
    assert caught.value.code == "subject_taken"
    assert SelfStudySubject.objects.count() == 1


def test_subject_credits_must_be_positive(people):
    with pytest.raises(InvalidInput) as caught:
        self_study_subject_create(
            acting_user=people["centre_admin"], code="00018", name="计算机应用基础", credits="0"
        )
    assert caught.value.field == "credits"
    assert not SelfStudySubject.objects.exists()


def test_a_subject_update_keeps_its_code(people):
    subject = SelfStudySubjectFactory(code="00020", name="高等数学（一）")
    self_study_subject_update(
        acting_user=people["centre_admin"],
        subject=subject,
        name="高等数学（一）",
        credits="6",
        is_active=True,
    )
    subject.refresh_from_db()
    assert (subject.code, subject.credits) == ("00020", Decimal("6"))
    assert AuditEvent.objects.get(action="self_study_subject.update").summary["after"] == {
        "credits": "6"
    }


def test_the_public_list_shows_only_certificates_in_use(client):
    CertificateFactory(name="大学英语四级")
    CertificateFactory(name="旧证书", is_active=False)
    page = client.get(reverse("conversion:certificate_list")).content.decode()
    assert "大学英语四级" in page
    assert "旧证书" not in page
    found = client.get(reverse("conversion:certificate_list"), {"q": "英语"}).content.decode()
    assert "大学英语四级" in found


def test_the_centre_sees_every_certificate_and_edits_one(client_for, category):
    certificate = CertificateFactory(name="旧证书", is_active=False, category=category)
    client = client_for("centre_admin")
    assert "旧证书" in client.get(reverse("conversion:certificate_list")).content.decode()
    response = client.post(
        reverse("conversion:certificate_edit", args=[certificate.pk]),
        {
            "name": "旧证书",
            "grade": "",
            "issuer": "某考试机构",
            "category": category.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_active and certificate.issuer == "某考试机构"


def test_a_bad_subject_shows_the_message_beside_the_field_and_writes_nothing(client_for):
    response = client_for("centre_admin").post(
        reverse("conversion:subject_create"), {"code": "12", "name": "x", "credits": "4"}
    )
    assert response.status_code == 200
    assert "five digits" in response.content.decode()
    assert not SelfStudySubject.objects.exists()


@pytest.mark.parametrize("role", ["institution_admin", "expert", "learner"])
def test_others_may_not_write(client_for, role):
    certificate = CertificateFactory()
    client = client_for(role)
    assert client.get(reverse("conversion:certificate_create")).status_code == 403
    edit = reverse("conversion:certificate_edit", args=[certificate.pk])
    assert client.post(edit, {"name": "x"}).status_code == 403
    hidden = CertificateFactory(name="旧证书", is_active=False)
    assert client.get(reverse("conversion:certificate_edit", args=[hidden.pk])).status_code == 404
