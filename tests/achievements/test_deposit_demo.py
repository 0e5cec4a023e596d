"""The demo learner's deposits: three achievements, each with a generated PDF, made once."""

import pytest
from django.core.management import call_command

from achievements.models import Achievement, Evidence
from creditbank.audit import verify_chain

pytestmark = pytest.mark.django_db


def test_the_demo_learner_holds_three_deposits_with_a_pdf_each(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    call_command("seed_demo")
    achievements = Achievement.objects.filter(account__user__username="learner")
    assert achievements.count() == 3
    assert set(achievements.values_list("status", flat=True)) == {"deposited"}
    for achievement in achievements:
        evidence = achievement.evidence.get()
        assert evidence.kind == Evidence.Kind.PDF
        assert evidence.file.open("rb").read(5) == b"%PDF-"
    assert len([p for p in tmp_path.rglob("*.pdf")]) == 3
    assert verify_chain().intact
