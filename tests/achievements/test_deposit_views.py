"""The deposit pages: the learner's, the clerk's, evidence downloads, and who may open them."""

import pytest
from django.urls import reverse

from accounts.models import InstitutionStaff, Notice
from achievements.models import Achievement, Evidence
from branches.models import StaffAssignment
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, UserFactory
from tests.achievements.factories import (
    PDF_BYTES,
    PNG_BYTES,
    active_account,
    deposit,
    deposit_form_data,
    upload,
)
from tests.branches.factories import (
    BranchCentreFactory,
    OtherDistrictFactory,
    StaffAssignmentFactory,
)
from tests.conftest import signed_in, with_totp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def scene(people):
    """The fixture learner's account at the fixture branch, with an achievement issued by the
    fixture institution; plus staff of another branch and another institution."""
    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    institution = InstitutionStaff.objects.get(user=people["institution_clerk"]).institution
    account = active_account(branch=branch, user=people["learner"])
    achievement = deposit(account=account, issuer_institution=institution, issuer_name="")
    other_branch = BranchCentreFactory(district=OtherDistrictFactory())
    other_staff = StaffAssignmentFactory(branch=other_branch).user
    other_clerk = InstitutionStaff.objects.create(
        institution=InstitutionFactory(), user=UserFactory(), role=InstitutionStaff.Role.CLERK
    ).user
    for user in (other_staff, other_clerk):
        with_totp(user)
    active_account(branch=other_branch, user=people["outsider"])
    people = {**people, "other_branch_staff": other_staff, "other_clerk": other_clerk}
    return {"account": account, "achievement": achievement, "people": people}


READERS = {
    "learner": 200,
    "branch_staff": 200,
    "branch_manager": 200,
    "institution_clerk": 200,
    "institution_reviewer": 200,
    "institution_admin": 200,
    "outsider": 404,
    "other_branch_staff": 404,
    "other_clerk": 404,
    "centre_admin": 404,
    "expert": 404,
}


@pytest.mark.parametrize(("role", "status"), READERS.items())
def test_who_reads_an_achievement_and_its_evidence(client, scene, role, status):
    achievement = scene["achievement"]
    signed_in(client, scene["people"][role])
    response = client.get(reverse("achievements:achievement_detail", args=[achievement.pk]))
    assert response.status_code == status
    if status == 200:
        assert achievement.title in response.content.decode()
    evidence = achievement.evidence.get()
    download = client.get(reverse("achievements:evidence_download", args=[evidence.pk]))
    assert download.status_code == status


@pytest.mark.parametrize(("role", "status"), READERS.items())
def test_only_the_owner_writes(client, scene, role, status):
    achievement = scene["achievement"]
    signed_in(client, scene["people"][role])
    response = client.get(reverse("achievements:achievement_edit", args=[achievement.pk]))
    assert response.status_code == (200 if role == "learner" else 403 if status == 200 else 404)
    if role != "learner":
        evidence = achievement.evidence.get()
        client.post(reverse("achievements:evidence_remove", args=[evidence.pk]))
        client.post(reverse("achievements:achievement_delete", args=[achievement.pk]))
        assert Evidence.objects.filter(pk=evidence.pk).exists()
        assert Achievement.objects.filter(pk=achievement.pk).exists()


def test_the_download_is_an_attachment_that_is_never_cached_or_sniffed(client, scene):
    evidence = scene["achievement"].evidence.get()
    response = signed_in(client, scene["people"]["learner"]).get(
        reverse("achievements:evidence_download", args=[evidence.pk])
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f'filename="evidence-{evidence.pk}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_learner_deposits_through_the_form(client, scene):
    signed_in(client, scene["people"]["learner"])
    files = [upload("a.pdf"), upload("b.pdf", PNG_BYTES)]
    response = client.post(
        reverse("achievements:achievement_deposit"), deposit_form_data() | {"files": files}
    )
    achievement = Achievement.objects.exclude(pk=scene["achievement"].pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("achievements:achievement_detail", args=[achievement.pk])
    assert sorted(achievement.evidence.values_list("kind", flat=True)) == ["pdf", "png"]
    page = client.get(reverse("achievements:archive"))
    assert achievement.title in page.content.decode()
    assert (
        'enctype="multipart/form-data"'
        in client.get(reverse("achievements:achievement_deposit")).content.decode()
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"obtained_on": "2999-01-01"}, "obtained_on", "cannot be in the future"),
        ({"original_credits": "-1"}, "original_credits", "from 0 to 9999.99"),
        ({"original_credits": "10000.00"}, "original_credits", "from 0 to 9999.99"),
        ({"result_kind": "score", "score": "101"}, "score", "less than or equal to 100"),
        ({"title": "<script>alert(1)</script>"}, "title", "&lt; and &gt; are not allowed"),
        ({"title": "   "}, "title", "This field is required"),
        ({"title": "长" * 201}, "title", "at most 200 characters"),
        ({"issuer_name": ""}, "issuer_name", "type its name"),
        ({"files": []}, "files", "This field is required"),
        ({"files": [upload("x.pdf", b"<html></html>")]}, "files", "not a PDF, JPEG or PNG"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_written(
    client, scene, media, overrides, field, message
):
    signed_in(client, scene["people"]["learner"])
    before = sorted(p.name for p in media.rglob("*") if p.is_file())
    data = deposit_form_data() | {"files": [upload()]} | overrides
    response = client.post(reverse("achievements:achievement_deposit"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in response.content.decode()
    assert Achievement.objects.count() == 1
    assert sorted(p.name for p in media.rglob("*") if p.is_file()) == before


@pytest.mark.parametrize("name", ["买买提·艾力职业培训学校", "𠮷野家培训中心"])
def test_issuer_names_in_any_script_are_kept(client, scene, name):
    signed_in(client, scene["people"]["learner"])
    client.post(
        reverse("achievements:achievement_deposit"),
        deposit_form_data(issuer_name=name) | {"files": upload()},
    )
    assert Achievement.objects.get(issuer_name=name)


def test_the_owner_edits_adds_and_removes_evidence_and_deletes(client, scene):
    achievement = scene["achievement"]
    signed_in(client, scene["people"]["learner"])
    response = client.post(
        reverse("achievements:achievement_edit", args=[achievement.pk]),
        deposit_form_data(
            title="新的名称", issuer_institution=achievement.issuer_institution_id, issuer_name=""
        ),
    )
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.title == "新的名称"
    client.post(
        reverse("achievements:evidence_add", args=[achievement.pk]), {"files": [upload("more.pdf")]}
    )
    assert achievement.evidence.count() == 2
    first = achievement.evidence.first()
    client.post(reverse("achievements:evidence_remove", args=[first.pk]))
    assert achievement.evidence.count() == 1
    response = client.post(reverse("achievements:achievement_delete", args=[achievement.pk]))
    assert response.status_code == 302
    assert not Achievement.objects.filter(pk=achievement.pk).exists()


def test_a_refused_delete_says_why(client, scene):
    achievement = scene["achievement"]
    Achievement.objects.filter(pk=achievement.pk).update(status="under_review")
    response = signed_in(client, scene["people"]["learner"]).post(
        reverse("achievements:achievement_delete", args=[achievement.pk])
    )
    assert response.status_code == 200
    assert "cannot be changed this way" in response.content.decode()
    assert Achievement.objects.filter(pk=achievement.pk).exists()


def test_a_clerk_finds_the_learner_and_deposits_for_them(client, scene):
    people = scene["people"]
    account = scene["account"]
    signed_in(client, people["institution_clerk"])
    url = reverse("achievements:achievement_clerk_deposit")
    wrong = account.account_number[:-1] + str((int(account.account_number[-1]) + 1) % 10)
    response = client.get(url, {"account_number": wrong})
    assert "not a valid account number" in response.content.decode()
    assert response.context["form"] is None
    response = client.get(url, {"account_number": account.account_number.lower()})
    page = response.content.decode()
    assert "张*" in page and "张三" not in page
    institution = InstitutionStaff.objects.get(user=people["institution_clerk"]).institution
    data = deposit_form_data(
        account_number=account.account_number,
        issuer_institution=institution.pk,
        certificate_number="C-2024-1",
    )
    response = client.post(url, data | {"files": upload()})
    achievement = Achievement.objects.get(certificate_number="C-2024-1")
    assert response.status_code == 302
    assert achievement.account == account
    told = Notice.objects.filter(user=account.user, link__startswith="/my/achievements/")
    assert told.count() == 1  # (the account's verification left one notice before)
    listing = client.get(reverse("achievements:achievement_clerk_list")).content.decode()
    assert "C-2024-1" not in listing and achievement.title in listing
    assert AuditEvent.objects.filter(action="achievement.deposit").count() == 2


def test_a_clerk_cannot_deposit_for_another_institution(client, scene):
    people = scene["people"]
    signed_in(client, people["institution_clerk"])
    other = InstitutionFactory()
    data = deposit_form_data(
        account_number=scene["account"].account_number, issuer_institution=other.pk
    )
    response = client.post(
        reverse("achievements:achievement_clerk_deposit"), data | {"files": upload()}
    )
    assert response.status_code == 200
    assert "issuer_institution" in response.context["form"].errors
    assert Achievement.objects.count() == 1
