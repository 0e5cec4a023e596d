"""The demo learner's achievements: six deposits with a PDF each, taken through the review by
the demo staff, made once; the ledger and the audit chain hold on the demo data."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from achievements import demo, services
from achievements.access import allowed_actions
from achievements.models import Achievement, CreditEntry, Evidence
from conversion import demo as conversion_demo
from creditbank.audit import verify_chain

pytestmark = pytest.mark.django_db


def test_the_demo_learner_holds_reviewed_deposits_with_a_pdf_each(settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    call_command("seed_demo")
    # The six of this demo (conversion's demo adds the certificates its rules name).
    achievements = Achievement.objects.filter(
        account__user__username="learner", title__in=[row[1] for row in demo.DEPOSITS]
    )
    assert achievements.count() == 6
    assert sorted(achievements.values_list("status", flat=True)) == sorted(
        ["recognised", "recognised", "returned", "rejected", "confirming", "under_review"]
    )
    for achievement in achievements:
        evidence = achievement.evidence.get()
        assert evidence.kind == Evidence.Kind.PDF
        assert evidence.file.open("rb").read(5) == b"%PDF-"
    conversion_deposits = conversion_demo.CONVERSION_DEPOSITS
    # The evidence files (the demo transcript's PDF is under documents/).
    assert len(list((tmp_path / "evidence").rglob("*.pdf"))) == 6 + len(conversion_deposits)
    # Two recognitions on the ledger: 4 credits by unit standard, 6 stated by an expert (and
    # those of the certificates conversion's demo adds).
    account = achievements.first().account
    added = sum(Decimal(row[-1]) for row in conversion_deposits)
    assert services.balance_of(account).total == Decimal("10.00") + added
    # Besides, the demo batch's recognitions of other learners (test_mandates.py).
    batch_entries = CreditEntry.objects.filter(achievement__batch__isnull=False).count()
    assert CreditEntry.objects.count() == 2 + len(conversion_deposits) + batch_entries
    # Each desk has something on it, and the demo centre administrator may re-review.
    confirming = achievements.get(status="confirming")
    centre_admin = get_user_model().objects.get(username="centre_admin")
    assert "confirm" in allowed_actions(centre_admin, confirming)

    capsys.readouterr()
    call_command("check_ledger")
    checked = 2 + len(conversion_deposits) + batch_entries
    assert f"{checked} entries checked" in capsys.readouterr().out
    call_command("verify_audit_chain")
    assert verify_chain().intact
