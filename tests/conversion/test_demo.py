"""The conversion demo data (conversion/demo.py), seeded through the services by seed_demo."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import LEARNER
from branches.models import Announcement
from conversion import demo
from conversion.models import (
    ApplicationLine,
    Certificate,
    ConversionApplication,
    ConversionEntry,
    ConversionRule,
    Course,
    Programme,
    RuleAtom,
    RuleOpinion,
    RuleTarget,
    RuleVersion,
    SelfStudySubject,
)
from conversion.source import iter_atoms
from creditbank.audit import verify_chain
from creditbank.models import AuditEvent

pytestmark = pytest.mark.django_db

MODELS = (
    Programme,
    Course,
    Certificate,
    SelfStudySubject,
    ConversionRule,
    RuleVersion,
    RuleTarget,
    RuleAtom,
    RuleOpinion,
    Announcement,
)


def counts() -> list[int]:
    return [model.objects.count() for model in MODELS]


def test_the_demo_is_idempotent_and_has_rules_in_every_state(django_user_model):
    call_command("seed_demo")
    first = counts()
    events = AuditEvent.objects.filter(action__startswith="conversion_rule.").count()
    call_command("seed_demo")
    assert counts() == first
    assert AuditEvent.objects.filter(action__startswith="conversion_rule.").count() == events

    assert ConversionRule.objects.count() == len(demo.RULES) >= 30
    assert Course.objects.count() >= 40
    assert Course.objects.filter(is_public=False).exists()
    assert Programme.objects.filter(conversion_share__lt=50).exists()
    assert set(ConversionRule.objects.values_list("institution__credit_code", flat=True)) == set(
        demo.INSTITUTIONS.values()
    )
    statuses = list(RuleVersion.objects.values_list("status", flat=True))
    assert statuses.count("published") >= 30
    assert statuses.count("retired") == 1
    assert statuses.count("submitted") >= 1
    assert statuses.count("in_review") >= 1

    returned = RuleVersion.objects.get(status="draft")
    assert returned.returned_reason == demo.RETURN_REASON
    for version in RuleVersion.objects.filter(status="in_review"):
        assert version.opinions.filter(reviewer__username="expert", verdict="agree").count() == 1
        assert not version.opinions.filter(reviewer__username="expert2").exists()
    retired = RuleVersion.objects.get(status="retired")
    assert retired.retired_reason == demo.RETIRE_REASON

    # One rule with two published versions: the second ended the first and grants more.
    (rule,) = ConversionRule.objects.filter(versions__version=2)
    first_version, second_version = rule.versions.order_by("version")
    assert first_version.status == second_version.status == "published"
    assert second_version.previous_version == first_version
    assert first_version.ends_on == second_version.valid_from - datetime.timedelta(days=1)
    assert first_version.targets.get().credits < second_version.targets.get().credits

    # Every kind of source atom and both outcomes occur; atoms match the stored sources.
    assert set(RuleAtom.objects.values_list("kind", flat=True)) == {
        "standard",
        "category",
        "certificate",
        "course",
        "self_study",
    }
    assert set(RuleTarget.objects.values_list("outcome", flat=True)) == {"credits", "exemption"}
    for version in RuleVersion.objects.prefetch_related("atoms"):
        assert [p for p, _atom in iter_atoms(version.source)] == [
            a.path for a in version.atoms.all()
        ]
    # Written by the people who would: the clerks, and the centre that approved.
    expert2 = django_user_model.objects.get(username="expert2")
    assert RuleOpinion.objects.filter(reviewer=expert2).exists()
    assert (
        not RuleVersion.objects.filter(status="published", approved_by__username="centre_admin")
        .filter(authors__username="centre_admin")
        .exists()
    )
    assert verify_chain().intact


def test_the_announcements_page_lists_the_published_rules(client):
    call_command("seed_demo")
    published = RuleVersion.objects.filter(status="published", announcement__isnull=False)
    assert published.count() >= 30
    latest = published.select_related("rule").order_by("-published_at", "-pk").first()
    page = client.get(reverse("branches:announcement_list"))
    assert page.status_code == 200
    assert latest.rule.number in page.content.decode()
    assert latest.rule.title in page.content.decode()


def test_a_certificate_held_finds_the_demo_rules_in_the_lookup(client):
    call_command("seed_demo")
    ncre2 = Certificate.objects.get(name="全国计算机等级考试二级")
    page = client.get(reverse("conversion:lookup"), {"kind": "certificate", "item": ncre2.pk})
    text = page.content.decode()
    assert page.status_code == 200
    assert "重庆开放大学" in text and "重庆城市职业学院" in text


def test_the_demo_learner_has_applications_in_every_state_and_the_ledgers_hold(capsys):
    call_command("seed_demo")
    applications = ConversionApplication.objects.filter(account__user__username=LEARNER)
    steps = AuditEvent.objects.filter(action__startswith="conversion_application.").count()
    entries = ConversionEntry.objects.count()
    call_command("seed_demo")  # idempotent: nothing is applied for or decided twice
    assert applications.count() == len(demo.APPLICATIONS)
    assert AuditEvent.objects.filter(action__startswith="conversion_application.").count() == steps
    assert ConversionEntry.objects.count() == entries

    assert sorted(applications.values_list("status", flat=True)) == sorted(
        ["approved", "partly_approved", "rejected", "submitted", "with_institution", "appealed"]
    )
    approved = applications.get(status="approved")
    assert set(approved.lines.values_list("status", flat=True)) == {"approved"}
    partly = applications.get(status="partly_approved")
    assert sorted(partly.lines.values_list("status", flat=True)) == ["approved", "refused"]
    assert partly.lines.get(status="refused").reason == demo.REFUSE_CET4
    rejected = applications.get(status="rejected")
    assert rejected.lines.get().reason == demo.REFUSE_NCRE2
    appealed = applications.get(status="appealed")
    assert appealed.appeal_reason == demo.APPEAL_REASON
    assert appealed.lines.get().status == "appealed"
    # The appeal waits for the second reviewer, who took no part in the first decision.
    assert appealed.lines.get().decided_by.username == demo.REVIEWERS["OU"]
    with_institution = applications.get(status="with_institution")
    assert with_institution.reviewer.username == demo.REVIEWERS["OU"]
    assert applications.get(status="submitted").accepted_by is None
    # Every approved line has its entry on the ledger, citing the line and the rule version.
    approved_lines = ApplicationLine.objects.filter(application__in=applications, status="approved")
    assert approved_lines.count() == 3
    for line in approved_lines:
        assert line.entry.rule_version_id == line.rule_version_id
        assert line.entry.course_id == line.course_id
    assert ConversionEntry.objects.filter(line__application__in=applications).count() == 3
    # Every step is audited; both checks hold.
    for action in ("submit", "accept", "take", "decide", "appeal"):
        assert AuditEvent.objects.filter(action=f"conversion_application.{action}").exists()
    capsys.readouterr()
    call_command("check_ledger")
    call_command("verify_audit_chain")
    out = capsys.readouterr()
    assert "The credit ledger holds" in out.out
    assert "Audit chain intact" in out.out
    assert "VIOLATION" not in out.err
