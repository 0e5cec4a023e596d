"""The public what-if simulator (/conversion/simulate/): "I hold X and Y" at a programme, without
an account and without script; adding and removing what is held keeps the rest; htmx gets the
region; the results are said to be assumed."""

from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from tests.achievements.factories import UnitStandardFactory
from tests.conversion.factories import CertificateFactory, CourseFactory, ProgrammeFactory
from tests.conversion.simulate_world import published
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

URL = reverse("conversion:simulate_public")
HTMX = {"HX-Request": "true", "HX-Target": "simulate-region"}


@pytest.fixture
def world():
    programme = ProgrammeFactory(name="软件技术")
    institution = programme.institution
    certificate = CertificateFactory(name="全国计算机等级考试二级")
    first, second = (
        UnitStandardFactory(approved=True, code=code) for code in ("PUB-US-1", "PUB-US-2")
    )
    courses = {
        name: CourseFactory(institution=institution, programmes=[programme], code=code)
        for name, code in (("cert", "PUB-A01"), ("pair", "PUB-B02"))
    }
    published(
        programme=programme,
        source={
            "type": "all",
            "items": [{"type": "atom", "kind": "certificate", "certificate": certificate.pk}],
        },
        targets=[(courses["cert"], Decimal("4"))],
    )
    published(
        programme=programme,
        source={
            "type": "all",
            "items": [
                {"type": "atom", "kind": "standard", "code": first.code},
                {"type": "atom", "kind": "standard", "code": second.code},
            ],
        },
        targets=[(courses["pair"], None)],
    )
    return {
        "programme": programme,
        "certificate": certificate,
        "standards": (first, second),
        "courses": courses,
    }


def holds(world, *which) -> list[str]:
    values = {
        "certificate": f"certificate:{world['certificate'].pk}",
        "first": f"standard:{world['standards'][0].code}",
        "second": f"standard:{world['standards'][1].code}",
    }
    return [values[name] for name in which]


def statuses(response) -> dict:
    statuses = {row["course"].code: row["line"]["status"] for row in response.context["rows"]}
    # The misses are listed in short (course, one phrase), apart from the lines shown in full.
    return statuses | {miss["course"].code: "miss" for miss in response.context["misses"]}


def test_what_a_visitor_holds_becomes_match_partial_and_miss(client, world):
    response = client.get(
        URL, {"programme": world["programme"].pk, "hold": holds(world, "certificate", "first")}
    )
    assert response.status_code == 200
    assert statuses(response) == {"PUB-A01": "match", "PUB-B02": "partial"}
    page = response.content.decode()
    assert 'class="notice"' in page  # results and dates are assumed
    # No apply form for a visitor.
    assert reverse("conversion:application_apply") not in page
    assert 'name="course"' not in page


def test_both_standards_make_the_exemption_a_match(client, world):
    response = client.get(
        URL, {"programme": world["programme"].pk, "hold": holds(world, "first", "second")}
    )
    assert statuses(response) == {"PUB-A01": "miss", "PUB-B02": "match"}


def test_the_page_says_results_are_assumed_and_links_to_sign_in(client, world):
    response = client.get(
        URL, {"programme": world["programme"].pk, "hold": holds(world, "certificate")}
    )
    assert_chinese(response)
    page = response.content.decode()
    assert reverse("account_login") in page
    assert reverse("conversion:my_simulate") in page


def test_adding_one_more_keeps_the_others(client, world):
    response = client.get(
        URL,
        {
            "programme": world["programme"].pk,
            "hold": holds(world, "certificate"),
            "kind": "standard",
            "q": "PUB-US",
        },
    )
    options = response.context["options"]
    assert {o["holding"].value for o in options} == {"PUB-US-1", "PUB-US-2"}
    added = parse_qs(options[0]["add"])
    assert added["hold"] == [
        *holds(world, "certificate"),
        f"standard:{options[0]['holding'].value}",
    ]
    assert added["programme"] == [str(world["programme"].pk)]
    assert "q" not in added


def test_removing_one_keeps_the_others(client, world):
    response = client.get(
        URL, {"programme": world["programme"].pk, "hold": holds(world, "certificate", "first")}
    )
    held = response.context["held"]
    assert [h["value"] for h in held] == holds(world, "certificate", "first")
    removed = parse_qs(held[0]["remove"])
    assert removed["hold"] == holds(world, "first")
    page = response.content.decode()
    for value in holds(world, "certificate", "first"):
        assert f'name="hold" value="{value}"' in page


def test_unknown_and_repeated_holds_are_left_out_not_a_500(client, world):
    response = client.get(
        URL,
        {
            "programme": world["programme"].pk,
            "hold": [
                *holds(world, "certificate", "certificate"),
                "standard:NOPE",
                "x:1",
                ":",
                "",
                "certificate:99999999999999999999",
            ],
        },
    )
    assert response.status_code == 200
    assert [h["value"] for h in response.context["held"]] == holds(world, "certificate")
    assert response.context["unknown"]


def test_a_programme_without_holdings_asks_for_them(client, world):
    response = client.get(URL, {"programme": world["programme"].pk})
    assert response.status_code == 200
    assert response.context["rows"] is None
    # The institution is picked for a programme named alone.
    assert response.context["form"]["institution"].value() == str(world["programme"].institution_id)


def test_htmx_gets_the_region(client, world):
    params = {"programme": world["programme"].pk, "hold": holds(world, "certificate")}
    partial = client.get(URL, params, headers=HTMX)
    page = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in page and "PUB-A01" in page
    assert statuses(partial) == statuses(client.get(URL, params))


def test_the_lookup_and_the_programme_page_link_to_it(client, world):
    assert URL in client.get(reverse("conversion:lookup")).content.decode()
    programme_page = client.get(
        reverse("conversion:programme_public", args=[world["programme"].pk])
    )
    assert f"{URL}?programme={world['programme'].pk}" in programme_page.content.decode()
