"""The API's world: the fixture institution as an approved alliance member with its
administrator, a learner with an active learning account at the member's branch, tokens, and a
client that calls the API with a token."""

import itertools
import json
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import InstitutionStaff
from achievements.models import AchievementCategory, QualificationLevel, RecognitionMandate
from api.services import api_token_create
from branches.models import StaffAssignment
from creditbank import pii
from tests.achievements.factories import active_account
from tests.branches.factories import AllianceMembershipFactory

_keys = itertools.count(1)


def new_key() -> str:
    return f'"test-key-{next(_keys)}"'


@dataclass
class World:
    people: dict
    institution: object
    branch: object
    learner: object  # an active learning account
    id_number: str
    category: object

    def __getitem__(self, name):
        return self.people[name]

    def token(self, *scopes: str, name: str | None = None, institution=None) -> str:
        """A new token's secret (made by the institution's administrator through the service)."""
        _token, secret = api_token_create(
            acting_user=self["institution_admin"],
            institution=institution or self.institution,
            name=name or f"系统{next(_keys)}",
            scopes=list(scopes or ("push_results", "read_rules")),
        )
        return secret

    def mandate(self, field: str = "信息技术"):
        return RecognitionMandate.objects.create(
            institution=self.institution,
            category=self.category,
            level=QualificationLevel.objects.get(number=4),
            field=field,
            granted_by=self["centre_admin"],
        )

    def row(self, external_id: str = "R-1", **overrides) -> dict:
        row = {
            "external_id": external_id,
            "id_number": self.id_number,
            "name": self.learner.real_name,
            "title": "数据结构",
            "obtained_on": "2024-06-30",
            "result": "良好",
            "credits": "3",
        }
        return {**row, **overrides}


@pytest.fixture
def world(people, settings):
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = 10
    settings.CREDITBANK_API_PER_MINUTE = 1000
    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    institution = InstitutionStaff.objects.get(user=people["institution_admin"]).institution
    AllianceMembershipFactory(institution=institution, branch=branch)
    learner = active_account(branch=branch)
    return World(
        people=people,
        institution=institution,
        branch=branch,
        learner=learner,
        id_number=pii.decrypt(learner.id_number_encrypted),
        category=AchievementCategory.objects.active().first(),
    )


class ApiClient:
    """The test client with a token: ``get(path)``, ``post(path, body, key=…)``."""

    def __init__(self, secret: str | None, **headers):
        self.client = Client()
        self.headers = dict(headers)
        if secret is not None:
            self.headers["Authorization"] = f"Bearer {secret}"

    def get(self, path: str, data=None, **headers):
        return self.client.get(path, data, headers={**self.headers, **headers})

    def post(self, path: str, body, *, key: str | None = "new", **headers):
        sent = {**self.headers, **headers}
        if key == "new":
            key = new_key()
        if key is not None:
            sent["Idempotency-Key"] = key
        raw = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
        return self.client.post(path, raw, content_type="application/json", headers=sent)


@pytest.fixture
def api_client():
    return ApiClient
