"""Plain helpers (not fixtures) for the network tests: the fixture's branch and another one."""

from django.utils import translation

from branches.models import BranchCentre
from creditbank.models import AuditEvent
from tests.branches.factories import (
    BranchCentreFactory,
    OtherDistrictFactory,
    ServicePointFactory,
)

# Roles of tests.conftest.people that are neither centre administrator nor posted to a branch.
OUTSIDE_ROLES = [
    "learner",
    "outsider",
    "institution_admin",
    "institution_clerk",
    "institution_reviewer",
    "expert",
    "quality_auditor",
    "committee_member",
    "system_admin",
    "security_admin",
    "audit_admin",
]


def own_branch(people) -> BranchCentre:
    """The branch centre the fixture's branch manager and branch staff are posted to."""
    return people["branch_manager"].branch_assignments.get().branch


def other_branch() -> BranchCentre:
    return BranchCentreFactory(name="另一分中心", district=OtherDistrictFactory())


def point_of(branch, **kwargs):
    return ServicePointFactory(branch=branch, district=branch.district, **kwargs)


def audit_count(prefix: str) -> int:
    return AuditEvent.objects.filter(action__startswith=prefix).count()


def english(client) -> None:
    """Show pages in English, so that tests can read the messages whatever the catalogue: the
    pages by the cookie, the messages the test reads afterwards (form errors, lazy strings) by
    the test's own language (undone after each test by conftest's _language_restored)."""
    client.cookies["creditbank_language"] = "en"
    translation.activate("en")
