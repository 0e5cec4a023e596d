"""The demo data: the demo institutions are alliance members; announcements are published."""

import pytest
from django.core.management import call_command

from accounts.models import Institution
from branches.models import AllianceMembership, Announcement
from branches.selectors import is_alliance_member
from creditbank.audit import verify_chain

pytestmark = pytest.mark.django_db


def test_the_demo_alliance_and_announcements_are_seeded_once():
    call_command("seed_demo")
    counts = (AllianceMembership.objects.count(), Announcement.objects.count())
    call_command("seed_demo")
    assert (AllianceMembership.objects.count(), Announcement.objects.count()) == counts
    assert counts[0] >= 4
    assert all(is_alliance_member(i) for i in Institution.objects.all())
    published = Announcement.objects.published()
    assert published.filter(kind=Announcement.Kind.NOTICE).count() >= 3
    assert published.filter(kind=Announcement.Kind.POLICY).count() >= 1
    assert AllianceMembership.objects.exclude(pilot_batch="").exists()
    assert verify_chain().intact
