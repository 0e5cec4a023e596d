"""The people and rule versions of the review tests (services, views, desk, frozen rows): the
fixture institution's clerk writes; a second centre administrator and a second expert; a helper
that takes a version through the lifecycle by the services, to any status."""

from accounts.models import InstitutionStaff
from conversion.models import RuleVersion
from conversion.services import review
from tests.conftest import grant_centre_roles, new_people
from tests.conversion.factories import rule_version

STATUSES = ("draft", "submitted", "in_review", "approved", "published", "retired")


class ReviewWorld:
    def __init__(self, people):
        self.people = people
        self.institution = InstitutionStaff.objects.get(
            user=people["institution_clerk"]
        ).institution
        self.writer = people["institution_clerk"]
        self.centre = people["centre_admin"]
        self.expert = people["expert"]
        more = new_people("centre_admin_2", "expert_2")  # staff: with TOTP, as the fixture's
        grant_centre_roles(more, {"centre_admin_2": "centre_admin", "expert_2": "expert"})
        self.centre_2, self.expert_2 = more["centre_admin_2"], more["expert_2"]

    def __getitem__(self, role):
        return self.people[role]

    def draft(self, **kwargs) -> RuleVersion:
        kwargs.setdefault("institution", self.institution)
        kwargs.setdefault("author", self.writer)
        return rule_version(**kwargs)

    def version(self, status: str, *, experts=None, **kwargs) -> RuleVersion:
        """A version taken to ``status`` by the services (the panel: ``experts``, by default
        the fixture expert; all agree)."""
        version = self.draft(**kwargs)
        return self.advance(version, status, experts=experts)

    def advance(self, version, status: str, *, experts=None) -> RuleVersion:
        experts = experts or [self.expert]
        steps = STATUSES[STATUSES.index(version.status) + 1 : STATUSES.index(status) + 1]
        for step in steps:
            if step == "submitted":
                version = review.rule_submit(acting_user=self.writer, version=version)
            elif step == "in_review":
                version = review.rule_panel_assign(
                    acting_user=self.centre, version=version, experts=experts
                )
            elif step == "approved":
                for expert in experts:
                    review.rule_opinion_give(
                        acting_user=expert, version=version, verdict="agree", comment=""
                    )
                version = review.rule_approve(acting_user=self.centre, version=version)
            elif step == "published":
                version = review.rule_publish(acting_user=self.centre, version=version)
            elif step == "retired":
                version = review.rule_retire(
                    acting_user=self.centre, version=version, reason="政策调整"
                )
        version.refresh_from_db()
        return version
