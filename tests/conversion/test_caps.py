"""Conversion caps as data: a programme's own, else its institution's general caps
(``ConversionPolicy``), as the engine receives them; the pages and services that set them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import InstitutionStaff
from conversion.models import ConversionPolicy, Programme
from conversion.simulation import caps_of
from creditbank.models import AuditEvent
from tests.conversion.factories import ProgrammeFactory
from tests.conversion.test_catalogue_views import programme_data

pytestmark = pytest.mark.django_db


def own_institution(people):
    return InstitutionStaff.objects.get(user=people["institution_clerk"]).institution


def test_a_programme_without_caps_takes_its_institutions_and_its_own_override(people):
    institution = own_institution(people)
    programme = ProgrammeFactory(institution=institution, conversion_share=40)
    assert caps_of(programme).per_year is None
    ConversionPolicy.objects.create(
        institution=institution,
        per_year_credits=Decimal("30.00"),
        per_source_credits=Decimal("20.00"),
        certificates_max=3,
    )
    caps = caps_of(programme)
    assert (caps.share_percent, caps.per_year, caps.per_source, caps.certificates) == (
        40,
        Decimal("30.00"),
        Decimal("20.00"),
        3,
    )
    programme.per_year_credits = Decimal("12.00")
    programme.certificates_max = 0
    caps = caps_of(programme)
    assert (caps.per_year, caps.per_source, caps.certificates) == (
        Decimal("12.00"),
        Decimal("20.00"),
        0,
    )


def test_once_anywhere_follows_the_setting(people, settings):
    programme = ProgrammeFactory(institution=own_institution(people))
    assert caps_of(programme).once_anywhere is False
    settings.CREDITBANK_CONVERSION_ONCE_ANYWHERE = True
    assert caps_of(programme).once_anywhere is True


def test_a_clerk_sets_the_institutions_caps_and_they_are_audited(client, client_for, people):
    institution = own_institution(people)
    client_for("institution_clerk")
    url = reverse("conversion:caps_edit", args=[institution.pk])
    assert "Conversion caps of" in client.get(url).content.decode()
    response = client.post(
        url, {"per_year_credits": "30", "per_source_credits": "", "certificates_max": "2"}
    )
    assert response.url == reverse("conversion:programme_manage")
    policy = ConversionPolicy.objects.get(institution=institution)
    assert (policy.per_year_credits, policy.per_source_credits, policy.certificates_max) == (
        Decimal("30.00"),
        None,
        2,
    )
    event = AuditEvent.objects.get(action="institution.caps_update")
    assert event.summary["after"] == {"per_year_credits": "30.00", "certificates_max": 2}
    # The same again writes nothing.
    client.post(url, {"per_year_credits": "30", "per_source_credits": "", "certificates_max": "2"})
    assert AuditEvent.objects.filter(action="institution.caps_update").count() == 1
    page = client.get(reverse("conversion:programme_manage")).content.decode()
    assert url in page


def test_bad_caps_are_refused_beside_the_field_and_nothing_is_written(client, client_for, people):
    institution = own_institution(people)
    client_for("institution_admin")
    response = client.post(
        reverse("conversion:caps_edit", args=[institution.pk]),
        {"per_year_credits": "-3", "certificates_max": "500"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"per_year_credits", "certificates_max"}
    assert not ConversionPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="institution.caps_update").exists()


def test_a_reviewer_reads_nothing_to_write_and_others_do_not_find_it(client, client_for, people):
    institution = own_institution(people)
    url = reverse("conversion:caps_edit", args=[institution.pk])
    client_for("institution_reviewer")
    assert client.post(url, {"certificates_max": "1"}).status_code == 403
    client_for("branch_staff")
    assert client.get(url).status_code == 404
    assert not ConversionPolicy.objects.exists()


def test_the_programme_form_keeps_its_own_caps(client, client_for, people):
    institution = own_institution(people)
    client_for("institution_clerk")
    client.post(
        reverse("conversion:programme_create"),
        programme_data(
            institution=institution.pk,
            per_year_credits="25",
            per_source_credits="10.5",
            certificates_max="1",
        ),
    )
    programme = Programme.objects.get()
    assert (programme.per_year_credits, programme.per_source_credits) == (
        Decimal("25.00"),
        Decimal("10.50"),
    )
    assert programme.certificates_max == 1
    response = client.post(
        reverse("conversion:programme_edit", args=[programme.pk]),
        programme_data(certificates_max="abc"),
    )
    assert "certificates_max" in response.context["form"].errors
    programme.refresh_from_db()
    assert programme.certificates_max == 1
