"""The deposit services: who may deposit, the status rules, duplicates, the evidence quota."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Institution, InstitutionStaff, LearnerAccount, Notice
from achievements import services
from achievements.models import ACHIEVEMENT_TRANSITIONS, Achievement, Evidence
from achievements.services import deposits
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory
from tests.accounts.learner_factories import open_account
from tests.achievements.factories import PDF_BYTES, active_account, deposit, deposit_facts, upload
from tests.branches.factories import BranchCentreFactory

pytestmark = pytest.mark.django_db

Status = Achievement.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def account(people):
    return active_account(branch=BranchCentreFactory(), user=people["learner"])


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def clerk_institution(people):
    return InstitutionStaff.objects.get(user=people["institution_clerk"]).institution


def test_a_learner_deposits_an_achievement_with_evidence(account, media):
    achievement = deposit(
        account=account, files=[upload(), upload("scan.png", b"\x89PNG\r\n\x1a\nx")]
    )
    assert achievement.status == Status.DEPOSITED
    assert achievement.deposited_by == account.user
    kinds = sorted(achievement.evidence.values_list("kind", flat=True))
    assert kinds == ["pdf", "png"]
    for evidence in achievement.evidence.all():
        assert evidence.file.name.startswith(f"evidence/{account.pk}/")
        assert evidence.file.name.rsplit(".", 1)[1] in {"pdf", "png"}
        assert "scan" not in evidence.file.name and "certificate" not in evidence.file.name
    assert len(stored_files(media)) == 2
    event = AuditEvent.objects.get(action="achievement.deposit")
    assert event.object_id == str(achievement.pk)
    assert event.summary["after"]["status"] == "deposited"
    assert len(event.summary["after"]["evidence"]) == 2


@pytest.mark.parametrize("status", ["pending_verification", "frozen", "closed"])
def test_an_account_that_is_not_active_cannot_deposit(account, media, status):
    LearnerAccount.objects.filter(pk=account.pk).update(status=status)
    with pytest.raises(ServiceError) as refused:
        deposit(account=account)
    assert refused.value.code == "account_not_active"
    assert not Achievement.objects.exists()
    assert stored_files(media) == []


def test_a_freshly_opened_account_is_told_to_wait_for_verification(people, media):
    account = open_account(branch=BranchCentreFactory(), user=people["learner"])
    with pytest.raises(ServiceError, match="实名核验"):
        deposit(account=account)


def test_at_least_one_evidence_file_is_needed(account):
    with pytest.raises(ServiceError) as refused:
        deposit(account=account, files=[])
    assert refused.value.field == "files"


def test_the_same_certificate_from_the_same_institution_is_refused(account, people, media):
    issuer = clerk_institution(people)
    deposit(account=account, issuer_institution=issuer, issuer_name="", certificate_number="A-1")
    other = active_account(branch=BranchCentreFactory())
    with pytest.raises(ServiceError) as refused:
        deposit(account=other, issuer_institution=issuer, issuer_name="", certificate_number="A-1")
    assert refused.value.field == "certificate_number"
    assert "证书编号" in refused.value.message
    assert Achievement.objects.count() == 1
    assert len(stored_files(media)) == 1
    # Another institution may use the same number.
    deposit(
        account=account,
        issuer_institution=InstitutionFactory(status=Institution.Status.APPROVED),
        issuer_name="",
        certificate_number="A-1",
    )


def test_a_free_text_issuer_is_compared_ignoring_case(account):
    deposit(account=account, issuer_name="Cisco Academy", certificate_number="N-9")
    with pytest.raises(ServiceError) as refused:
        deposit(account=account, issuer_name="cisco academy", certificate_number="N-9")
    assert refused.value.code == "duplicate_certificate"


def test_a_concurrent_duplicate_caught_by_the_database_leaves_nothing(account, media, monkeypatch):
    deposit(account=account, issuer_name="Cisco Academy", certificate_number="N-9")
    monkeypatch.setattr(deposits, "_check_duplicate", lambda facts, exclude_pk=None: None)
    with pytest.raises(ServiceError) as refused:
        deposit(account=account, issuer_name="CISCO ACADEMY", certificate_number="N-9")
    assert refused.value.field == "certificate_number"
    assert Achievement.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_the_database_refuses_a_duplicate_certificate(account):
    first = deposit(account=account, issuer_name="Cisco Academy", certificate_number="N-9")
    copy = Achievement(
        account=account,
        category=first.category,
        title="copy",
        issuer_name="CISCO academy",
        obtained_on=first.obtained_on,
        result_kind="pass",
        result_value="pass",
        certificate_number="N-9",
        deposited_by=account.user,
    )
    with pytest.raises(IntegrityError):
        copy.save()


def test_the_evidence_total_per_learner_is_limited(account, settings, media):
    settings.CREDITBANK_EVIDENCE_MAX_TOTAL = len(PDF_BYTES) * 2 + 5
    deposit(account=account, files=[upload(), upload()])
    with pytest.raises(ServiceError) as refused, translation.override("en"):
        deposit(account=account, files=[upload()])
    assert refused.value.field == "files"
    assert "5\xa0bytes is left" in refused.value.message
    assert Achievement.objects.count() == 1
    assert len(stored_files(media)) == 2


def test_a_clerk_deposits_for_a_learner_who_is_told(account, people):
    issuer = clerk_institution(people)
    achievement = deposit(
        account=account,
        acting_user=people["institution_clerk"],
        issuer_institution=issuer,
        issuer_name="",
    )
    assert achievement.deposited_by == people["institution_clerk"]
    notice = Notice.objects.get(user=account.user, link__startswith="/my/achievements/")
    assert notice.title == f"{issuer.name} 为您存储了一项学习成果"  # the learner's language
    assert notice.link == reverse("achievements:achievement_detail", args=[achievement.pk])


def test_a_clerk_deposits_only_what_their_institution_issued(account, people):
    other = InstitutionFactory(status=Institution.Status.APPROVED)
    for issuer in (other, None):
        with pytest.raises(ServiceError) as refused:
            deposit(
                account=account,
                acting_user=people["institution_clerk"],
                issuer_institution=issuer,
                issuer_name="" if issuer else "某培训机构",
            )
        assert refused.value.code == "not_allowed"
    with pytest.raises(ServiceError):
        deposit(account=account, acting_user=people["outsider"])
    assert not Achievement.objects.exists()
    assert not Notice.objects.filter(link__startswith="/my/achievements/").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"obtained_on": timezone.localdate() + timedelta(days=1)}, "obtained_on"),
        ({"obtained_on": date(1980, 1, 1)}, "obtained_on"),  # before the birth date
        ({"result_kind": "score", "result_value": "101"}, "result_value"),
        ({"result_kind": "grade", "result_value": "A+"}, "result_value"),
        ({"original_credits": -1}, "original_credits"),
        ({"title": "   "}, "title"),
        ({"title": "<script>x</script>"}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"issuer_name": ""}, "issuer_name"),
    ],
)
def test_bad_facts_are_refused_naming_the_field(account, overrides, field):
    with pytest.raises(ServiceError) as refused:
        deposit(account=account, **overrides)
    assert refused.value.field == field
    assert not Achievement.objects.exists()


def test_the_learner_edits_a_deposit_while_it_is_deposited(account):
    achievement = deposit(account=account)
    services.achievement_update(
        acting_user=account.user,
        achievement=achievement,
        facts=deposit_facts(
            title="养老护理员（四级）培训", result_kind="score", result_value="88.5"
        ),
    )
    achievement.refresh_from_db()
    assert achievement.title == "养老护理员（四级）培训"
    assert achievement.result_value == "88.50"
    event = AuditEvent.objects.get(action="achievement.update")
    assert set(event.summary["after"]) == {"title", "result"}


@pytest.mark.parametrize("status", [s for s in Status.values if s != "deposited"])
def test_edit_and_delete_are_refused_once_review_has_begun(account, media, status):
    achievement = deposit(account=account)
    Achievement.objects.filter(pk=achievement.pk).update(status=status)
    with pytest.raises(ServiceError) as refused:
        services.achievement_update(
            acting_user=account.user, achievement=achievement, facts=deposit_facts(title="changed")
        )
    assert refused.value.code == "illegal_transition"
    with pytest.raises(ServiceError):
        services.achievement_delete(acting_user=account.user, achievement=achievement)
    achievement.refresh_from_db()
    assert achievement.title != "changed"
    assert len(stored_files(media)) == 1


def test_only_the_owner_changes_an_achievement(account, people):
    achievement = deposit(account=account)
    with pytest.raises(ServiceError) as refused:
        services.achievement_delete(acting_user=people["outsider"], achievement=achievement)
    assert refused.value.code == "not_allowed"
    assert Achievement.objects.filter(pk=achievement.pk).exists()


def test_deleting_a_deposit_removes_its_evidence_files(
    account, media, django_capture_on_commit_callbacks
):
    achievement = deposit(account=account)
    with django_capture_on_commit_callbacks(execute=True):
        services.achievement_delete(acting_user=account.user, achievement=achievement)
    assert not Achievement.objects.exists()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.filter(action="achievement.delete").count() == 1


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(s, s in ("deposited", "returned")) for s in Status.values],
)
def test_evidence_changes_only_while_deposited_or_returned(account, status, allowed):
    achievement = deposit(account=account)
    Achievement.objects.filter(pk=achievement.pk).update(status=status)
    if allowed:
        added = services.evidence_add(
            acting_user=account.user, achievement=achievement, files=[upload()]
        )
        services.evidence_remove(acting_user=account.user, evidence=added[0])
        assert achievement.evidence.count() == 1
        assert AuditEvent.objects.filter(action__startswith="evidence.").count() == 2
    else:
        with pytest.raises(ServiceError):
            services.evidence_add(
                acting_user=account.user, achievement=achievement, files=[upload()]
            )
        with pytest.raises(ServiceError):
            services.evidence_remove(acting_user=account.user, evidence=achievement.evidence.get())
        assert achievement.evidence.count() == 1


def test_the_last_evidence_file_stays(account):
    achievement = deposit(account=account)
    with pytest.raises(ServiceError) as refused:
        services.evidence_remove(acting_user=account.user, evidence=achievement.evidence.get())
    assert refused.value.code == "last_evidence"


def test_the_transition_table_names_every_status():
    reached = {target for _from, target in ACHIEVEMENT_TRANSITIONS.values() if target}
    started = set().union(*(f for f, _to in ACHIEVEMENT_TRANSITIONS.values()))
    assert reached | started == set(Status.values)
