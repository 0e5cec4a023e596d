"""The recognition form: the unit standard picked by searching its code or name (htmx, with
the typed code as the fallback), the level and field from lists, and the credit hint and the
credits an achievement's hours suggest from ``CREDITBANK_HOURS_PER_CREDIT``."""

from decimal import Decimal

import pytest
from django.urls import reverse

from achievements.credits import credits_from_hours
from achievements.forms.standards import UnitStandardForm
from achievements.models import Achievement, QualificationLevel, Recognition
from tests.achievements.factories import UnitStandardFactory
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def _recognise_form(response):
    return next(s["form"] for s in response.context["steps"] if s["action"] == "recognise")


def test_the_standard_is_searched_by_code_or_name_among_approved_ones(client, review):
    achievement = review.forwarded()
    UnitStandardFactory(approved=True, code="CQ-YL-0101", name="老年人照护沟通")
    UnitStandardFactory(code="CQ-YL-0102", name="老年人照护实务")  # a draft
    signed_in(client, review["expert"])
    url = reverse("achievements:review_standards", args=[achievement.pk])

    by_name = client.get(url, {"recognise-unit_standard": "照护"}, HTTP_HX_REQUEST="true")
    assert by_name.status_code == 200
    html = by_name.content.decode()
    assert '<option value="CQ-YL-0101">' in html and "老年人照护沟通" in html
    assert "CQ-YL-0102" not in html  # not approved

    by_code = client.get(url, {"recognise-unit_standard": "cq-yl"}).content.decode()
    assert '<option value="CQ-YL-0101">' in by_code
    assert "<option" not in client.get(url, {"recognise-unit_standard": " "}).content.decode()


def test_only_those_who_may_recognise_search_the_standards(client, review):
    achievement = review.forwarded()
    url = reverse("achievements:review_standards", args=[achievement.pk])
    signed_in(client, review["centre_admin"])  # reads the review page, may not decide
    assert client.get(url, {"q": "CQ"}).status_code == 403
    signed_in(client, review["outsider"])
    assert client.get(url, {"q": "CQ"}).status_code == 404
    signed_in(client, review["learner"])  # the owner
    assert client.get(url, {"q": "CQ"}).status_code == 403


def test_the_review_page_wires_the_search_and_offers_lists(client, review):
    achievement = review.forwarded()
    signed_in(client, review["expert"])
    response = client.get(reverse("achievements:review_detail", args=[achievement.pk]))
    html = response.content.decode()
    search = reverse("achievements:review_standards", args=[achievement.pk])
    assert f'hx-get="{search}"' in html
    assert 'list="recognise-standards"' in html and '<datalist id="recognise-standards">' in html
    assert "htmx" in html  # the script, from our own static files
    form = _recognise_form(response)
    # The fields are those the approved standards name (the fixture's two).
    assert [value for value, _label in form.fields["field"].choices][1:] == ["信息技术", "养老服务"]
    assert '<select name="recognise-level"' in html and '<select name="recognise-field"' in html


def test_a_field_outside_the_list_is_refused_beside_it(client, review):
    achievement = review.forwarded()
    signed_in(client, review["expert"])
    url = reverse("achievements:review_recognise", args=[achievement.pk])
    stated = {
        "recognise-credits": "2",
        "recognise-level": QualificationLevel.objects.get(number=3).pk,
        "recognise-field": "随便写的领域",
    }
    response = client.post(url, stated)
    assert response.status_code == 200
    assert _recognise_form(response).errors["field"]
    assert not Recognition.objects.exists()
    response = client.post(url, {**stated, "recognise-field": "养老服务"})
    assert response.status_code == 302
    assert Recognition.objects.get().field == "养老服务"
    achievement.refresh_from_db()
    assert achievement.status == Achievement.Status.RECOGNISED


def test_the_credit_hint_and_the_suggested_credits_follow_the_setting(client, review, settings):
    settings.CREDITBANK_HOURS_PER_CREDIT = 16
    achievement = review.forwarded(hours=Decimal("40"))
    signed_in(client, review["expert"])
    html = client.get(reverse("achievements:review_detail", args=[achievement.pk]))
    html = html.content.decode()
    assert "1 credit = 16 notional learning hours." in html
    assert "The achievement states 40.0 learning hours: about 2.50 credits." in html
    levels = client.get(reverse("achievements:level_list")).content.decode()
    assert "One credit stands for 16 notional learning hours." in levels
    guide = client.get(reverse("achievements:standard_guide")).content.decode()
    assert "One credit stands for 16 notional learning hours:" in guide
    hint = str(UnitStandardForm.base_fields["credit_value"].help_text)
    assert hint == "1 credit = 16 notional learning hours. At most two decimal places."


def test_credits_from_hours_round_to_hundredths(settings):
    settings.CREDITBANK_HOURS_PER_CREDIT = 10
    assert credits_from_hours(Decimal("40")) == Decimal("4.00")
    assert credits_from_hours(Decimal("0.5")) == Decimal("0.05")
    assert credits_from_hours(None) is None
    settings.CREDITBANK_HOURS_PER_CREDIT = 3
    assert credits_from_hours(Decimal("10")) == Decimal("3.33")
    assert credits_from_hours(Decimal("0.05")) == Decimal("0.02")  # half up
