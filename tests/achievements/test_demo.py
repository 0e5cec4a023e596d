import pytest
from django.core.management import call_command

from achievements.models import UnitStandard
from creditbank.audit import verify_chain

pytestmark = pytest.mark.django_db


def test_the_demo_has_approved_standards_and_one_waiting_and_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")
    statuses = dict(UnitStandard.objects.values_list("name", "status"))
    assert statuses["计算机应用基础"] == "approved"
    assert statuses["电工（中级）"] == "approved"
    assert statuses["养老护理员（四级）"] == "approved"
    assert list(statuses.values()).count("submitted") == 1
    assert UnitStandard.objects.count() == 4
    assert verify_chain().intact
