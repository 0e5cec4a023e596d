"""The deposit forms mark their required fields and name their result inputs for the static
script that shows only the chosen one; without the script every input is there and the
server checks the result as before."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from achievements.forms.deposits import AchievementForm
from branches.models import StaffAssignment
from tests.achievements.factories import active_account, deposit_form_data
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

SCRIPT = static("js/deposit-form.js")


@pytest.fixture
def account(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    return active_account(branch=branch, user=people["learner"])


def _wrapper_classes(html: str, name: str) -> str:
    """The classes of the ``div.field`` that holds the input named ``name``."""
    fields = re.findall(r'<div class="(field[^"]*)">(.*?)(?=<div class="field|</form>)', html, re.S)
    return next(classes for classes, body in fields if f'name="{name}"' in body)


def test_the_learners_form_marks_required_fields_and_names_its_result_inputs(client, account):
    html = signed_in(client, account.user).get(reverse("achievements:achievement_deposit"))
    html = html.content.decode()
    assert f'<script src="{SCRIPT}" defer></script>' in html
    attribute = re.search(r'data-result-fields="([^"]+)"', html).group(1)
    assert json.loads(attribute.replace("&quot;", '"')) == AchievementForm.RESULT_FIELDS
    assert "Fields marked * are required." in html
    for required in ("title", "category", "obtained_on", "result_kind", "files"):
        assert "required" in _wrapper_classes(html, required).split(), required
    # Without the script every result input is on the page, none required by the browser.
    for optional in ("score", "grade", "pass_result", "hours", "issuer_name"):
        assert "required" not in _wrapper_classes(html, optional).split(), optional
    assert " hidden" not in html.split("<form method=")[-1]


def test_the_clerks_form_loads_the_same_script(client, people, account):
    signed_in(client, people["institution_clerk"])
    html = client.get(
        reverse("achievements:achievement_clerk_deposit"),
        {"account_number": account.account_number},
    ).content.decode()
    assert f'<script src="{SCRIPT}" defer></script>' in html
    assert "data-result-fields=" in html
    assert "required" in _wrapper_classes(html, "issuer_institution").split()


def test_the_script_is_a_static_file_that_reads_the_forms_attribute():
    path = finders.find("js/deposit-form.js")
    assert path is not None
    with open(path, encoding="utf-8") as file:
        script = file.read()
    assert "data-result-fields" in script and 'name="result_kind"' in script


def test_without_the_script_the_server_still_asks_for_the_chosen_result(client, account):
    signed_in(client, account.user)
    data = deposit_form_data(result_kind="score", score="")
    response = client.post(reverse("achievements:achievement_deposit"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["score"] == ["Give the result."]
    assert "grade" not in response.context["form"].errors
