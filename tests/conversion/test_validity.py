"""Validity of rule versions: the checks drafting refuses with, and what publishing cuts short."""

import datetime

import pytest
from django.utils import translation

from conversion.validity import superseded_versions, validity_check
from creditbank.errors import InvalidInput
from tests.conversion.factories import ConversionRuleFactory, published_rule_version, rule_version

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def published():
    """Version 1 of a rule, published for 2026-09-01 … 2027-08-31."""
    return published_rule_version(valid_from=D(2026, 9, 1), valid_until=D(2027, 8, 31))


def test_an_end_before_the_start_is_refused_on_valid_until():
    with pytest.raises(InvalidInput) as caught:
        validity_check(rule=None, valid_from=D(2026, 9, 1), valid_until=D(2026, 8, 31))
    assert (caught.value.field, caught.value.code) == ("valid_until", "validity_order")


def test_a_start_is_required():
    with pytest.raises(InvalidInput) as caught:
        validity_check(rule=None, valid_from=None, valid_until=None)
    assert caught.value.field == "valid_from"


def test_a_one_day_validity_and_an_open_end_are_fine(published):
    validity_check(rule=None, valid_from=D(2026, 9, 1), valid_until=D(2026, 9, 1))
    validity_check(rule=published.rule, valid_from=D(2027, 1, 1), valid_until=None)


def test_a_version_reaching_a_later_published_one_is_refused(published):
    with pytest.raises(InvalidInput) as caught:
        validity_check(rule=published.rule, valid_from=D(2026, 1, 1), valid_until=D(2026, 9, 1))
    assert (caught.value.field, caught.value.code) == ("valid_from", "validity_overlap")
    assert "2026-09-01" in caught.value.message
    with pytest.raises(InvalidInput):
        validity_check(rule=published.rule, valid_from=D(2026, 9, 1), valid_until=None)


def test_ending_before_the_later_published_one_starts_is_fine(published):
    validity_check(rule=published.rule, valid_from=D(2026, 1, 1), valid_until=D(2026, 8, 31))


def test_the_version_itself_and_other_rules_are_not_compared(published):
    validity_check(
        rule=published.rule, valid_from=D(2026, 9, 1), valid_until=None, exclude=published
    )
    validity_check(rule=ConversionRuleFactory(), valid_from=D(2026, 9, 1), valid_until=None)


def test_drafts_and_retired_versions_do_not_clash(published):
    rule_version(rule=published.rule, version=2, valid_from=D(2028, 1, 1))
    validity_check(rule=published.rule, valid_from=D(2027, 9, 1), valid_until=None)


def test_a_later_version_supersedes_the_published_one_from_the_day_before(published):
    draft = rule_version(rule=published.rule, version=2, valid_from=D(2027, 3, 1))
    assert superseded_versions(draft) == [(published, D(2027, 2, 28))]


def test_a_version_starting_after_the_published_one_ended_supersedes_nothing(published):
    draft = rule_version(rule=published.rule, version=2, valid_from=D(2027, 9, 1))
    assert superseded_versions(draft) == []


def test_an_early_end_already_set_counts(published):
    from conversion.models import RuleVersion

    RuleVersion.objects.filter(pk=published.pk).update(ends_on=D(2026, 12, 31))
    draft = rule_version(rule=published.rule, version=2, valid_from=D(2027, 3, 1))
    assert superseded_versions(draft) == []
