"""The city is configuration: districts come from reference data."""

import pytest
from django.core.management import CommandError, call_command

from branches.models import District
from creditbank.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_chongqing_is_the_default_city(settings):
    settings.CREDITBANK_CITY = "chongqing"
    call_command("load_districts")
    assert District.objects.filter(city="chongqing").count() == 38
    assert District.objects.get(code="500103").name_zh == "渝中区"
    assert AuditEvent.objects.filter(action="district.load", object_id="chongqing").exists()


def test_beijing_loads_instead_and_reloading_changes_nothing():
    call_command("load_districts", city="beijing")
    call_command("load_districts", city="beijing")
    assert District.objects.filter(city="beijing").count() == 16
    assert District.objects.get(code="110105").name_en == "Chaoyang District"


def test_a_file_without_the_columns_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="columns"):
        call_command("load_districts", file=str(bad))
    assert not District.objects.exists()


def test_an_unknown_city_is_a_clear_error():
    with pytest.raises(CommandError):
        call_command("load_districts", city="atlantis")
