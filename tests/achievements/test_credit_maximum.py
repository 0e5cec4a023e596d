"""One credit maximum (achievements.credits): the database columns hold it, and everywhere a
credit value is entered — a deposit's original credits, a unit standard, a recognition — the
maximum itself is taken and one hundredth more is refused beside the field, on the page and by
the service, with the same message."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import InstitutionStaff
from achievements import services
from achievements.credits import (
    CREDIT_DIGITS,
    CREDIT_MAX,
    CREDIT_PLACES,
    credit_check,
    credit_range_message,
)
from achievements.models import (
    Achievement,
    QualificationLevel,
    Recognition,
    UnitStandard,
)
from creditbank.errors import ServiceError
from tests.achievements.factories import deposit_form_data, upload
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

OVER = CREDIT_MAX + Decimal("0.01")
MESSAGE = "Give a credit value from 0.01 to 9999.99, with at most two decimal places."
ORIGINAL_MESSAGE = "Give a credit value from 0 to 9999.99, with at most two decimal places."


def refused_beside(response, form, field, message):
    assert response.status_code == 200
    assert form.errors[field] == [message]
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_maximum_is_what_every_credit_column_holds():
    assert Decimal("9999.99") == CREDIT_MAX
    columns = [
        UnitStandard._meta.get_field("credit_value"),
        Achievement._meta.get_field("original_credits"),
        Recognition._meta.get_field("credits"),
    ]
    for column in columns:
        assert (column.max_digits, column.decimal_places) == (CREDIT_DIGITS, CREDIT_PLACES)
        largest = Decimal(10) ** (column.max_digits - column.decimal_places) - Decimal("0.01")
        assert largest == CREDIT_MAX, column


@pytest.mark.parametrize(
    ("value", "minimum", "taken"),
    [
        (CREDIT_MAX, Decimal("0.01"), True),
        ("9999.99", Decimal("0.01"), True),
        (OVER, Decimal("0.01"), False),
        (Decimal("0.01"), Decimal("0.01"), True),
        (Decimal("0"), Decimal("0.01"), False),
        (Decimal("0"), Decimal("0"), True),
        (Decimal("-0.01"), Decimal("0"), False),
        (Decimal("1.005"), Decimal("0.01"), False),
        (Decimal("Infinity"), Decimal("0.01"), False),
        ("abc", Decimal("0.01"), False),
    ],
)
def test_the_one_check(value, minimum, taken):
    if taken:
        assert credit_check(value, field="credits", minimum=minimum) == Decimal(str(value))
    else:
        with pytest.raises(ServiceError) as refused:
            credit_check(value, field="credits", minimum=minimum)
        assert (refused.value.field, refused.value.code) == ("credits", "credit_value")
        assert refused.value.message == credit_range_message(minimum)


# --- A deposit's original credits -------------------------------------------------------------


def test_a_deposit_takes_the_maximum_and_refuses_a_hundredth_more(client, review):
    signed_in(client, review["learner"])
    url = reverse("achievements:achievement_deposit")
    over = deposit_form_data(original_credits=str(OVER)) | {"files": [upload()]}
    response = client.post(url, over)
    refused_beside(response, response.context["form"], "original_credits", ORIGINAL_MESSAGE)
    assert not Achievement.objects.exists()
    at_most = deposit_form_data(original_credits="9999.99") | {"files": [upload()]}
    assert client.post(url, at_most).status_code == 302
    assert Achievement.objects.get().original_credits == CREDIT_MAX


def test_the_deposit_service_refuses_a_hundredth_more(review):
    with pytest.raises(ServiceError) as refused:
        review.deposit(original_credits=OVER)
    assert refused.value.field == "original_credits"
    assert review.deposit(original_credits=CREDIT_MAX).original_credits == CREDIT_MAX


# --- A unit standard --------------------------------------------------------------------------


def _standard_data(institution, credit_value):
    return {
        "issuer": institution.pk,
        "code": "CQOU-IT-0001",
        "name": "计算机应用基础",
        "field": "信息技术",
        "level": QualificationLevel.objects.get(number=2).pk,
        "credit_value": credit_value,
        "outcomes": "",
    }


def test_a_standard_takes_the_maximum_and_refuses_a_hundredth_more(client, people):
    institution = InstitutionStaff.objects.get(user=people["institution_clerk"]).institution
    signed_in(client, people["institution_clerk"])
    url = reverse("achievements:standard_create")
    response = client.post(url, _standard_data(institution, str(OVER)))
    refused_beside(response, response.context["form"], "credit_value", MESSAGE)
    assert not UnitStandard.objects.exists()
    assert client.post(url, _standard_data(institution, "9999.99")).status_code == 302
    assert UnitStandard.objects.get().credit_value == CREDIT_MAX


def test_the_standard_service_refuses_a_hundredth_more(people):
    institution = InstitutionStaff.objects.get(user=people["institution_clerk"]).institution
    content = {
        "code": "CQOU-IT-0001",
        "name": "计算机应用基础",
        "field": "信息技术",
        "level": QualificationLevel.objects.get(number=2),
        "outcomes": "",
    }
    with pytest.raises(ServiceError) as refused:
        services.unit_standard_create(
            acting_user=people["institution_clerk"],
            institution=institution,
            credit_value=OVER,
            **content,
        )
    assert refused.value.field == "credit_value"
    standard = services.unit_standard_create(
        acting_user=people["institution_clerk"],
        institution=institution,
        credit_value=CREDIT_MAX,
        **content,
    )
    assert standard.credit_value == CREDIT_MAX


# --- A recognition ----------------------------------------------------------------------------


def _stated(credits):
    return {
        "recognise-credits": credits,
        "recognise-level": QualificationLevel.objects.get(number=3).pk,
        "recognise-field": "信息技术",
    }


def test_a_recognition_takes_the_maximum_and_refuses_a_hundredth_more(client, review):
    achievement = review.forwarded()
    signed_in(client, review["expert"])
    url = reverse("achievements:review_recognise", args=[achievement.pk])
    response = client.post(url, _stated(str(OVER)))
    form = next(s["form"] for s in response.context["steps"] if s["action"] == "recognise")
    refused_beside(response, form, "credits", MESSAGE)
    assert not Recognition.objects.exists()
    assert client.post(url, _stated("9999.99")).status_code == 302
    # Above the re-review threshold: it waits for a centre administrator, at the maximum.
    assert Recognition.objects.get().credits == CREDIT_MAX


def test_the_recognition_service_takes_what_it_once_refused_and_refuses_a_hundredth_more(review):
    """The recognition service's maximum was 999.99 while the standards' was 9999.99."""
    stated = {"level": QualificationLevel.objects.get(number=3), "field": "信息技术"}
    achievement = review.forwarded()
    with pytest.raises(ServiceError) as refused:
        services.achievement_recognise(
            acting_user=review["expert"], achievement=achievement, credits=OVER, **stated
        )
    assert refused.value.field == "credits"
    assert not Recognition.objects.exists()
    decision = services.achievement_recognise(
        acting_user=review["expert"], achievement=achievement, credits=Decimal("1000.00"), **stated
    )
    assert decision.credits == Decimal("1000.00")
