"""The page helpers every app shares (creditbank.pages): a refusal onto a form and the status
it answers, pagination and its filter query, the one form page; and htmx only where asked for."""

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import QueryDict
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from achievements.models import QualificationLevel
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed, ServiceError
from creditbank.pages import filter_query, form_page, paginate, refusal, refuse, status_for
from tests.accounts.factories import UserFactory


def get(path="/", **params):
    request = RequestFactory().get(path, params)
    request.user = AnonymousUser()
    return request


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)


def valid_form(form_class=NameForm):
    form = form_class({"name": "李华"})
    assert form.is_valid()
    return form


# --- Refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status"),
    [(NotAllowed, 403), (IllegalTransition, 409), (InvalidInput, 400), (ServiceError, 400)],
)
def test_each_kind_of_refusal_answers_its_own_status(kind, status):
    assert status_for(kind("No.")) == status


def test_a_narrower_refusal_answers_as_the_kind_it_belongs_to():
    class OwnDecision(NotAllowed):
        pass

    assert status_for(OwnDecision("You wrote it.")) == 403


def test_a_refusal_keeps_the_code_it_is_given_and_otherwise_names_its_kind():
    assert NotAllowed("No.", code="own_standard").code == "own_standard"
    assert [kind("No.").code for kind in (NotAllowed, IllegalTransition, InvalidInput)] == [
        "not_allowed",
        "illegal_transition",
        "invalid",
    ]
    assert ServiceError("No.", field="name").field == "name"


def test_a_refusal_naming_a_field_of_the_form_lands_beside_it():
    form = valid_form()
    refuse(form, InvalidInput("This name is taken.", field="name", code="duplicate"))
    assert form.errors == {"name": ["This name is taken."]}
    assert form.has_error("name", code="duplicate")


@pytest.mark.parametrize("field", [None, "email"])
def test_a_refusal_naming_no_field_of_the_form_lands_above_it(field):
    form = valid_form()
    refuse(form, IllegalTransition("Someone acted first.", field=field))
    assert form.errors == {NON_FIELD_ERRORS: ["Someone acted first."]}
    assert form.has_error(NON_FIELD_ERRORS, code="illegal_transition")


def test_a_form_whose_fields_are_named_otherwise_maps_the_service_s_names():
    class TitleForm(NameForm):
        def field_for(self, name):
            return {"title": "name"}.get(name, name)

    form = valid_form(TitleForm)
    refuse(form, InvalidInput("Too long.", field="title"))
    assert form.errors == {"name": ["Too long."]}


def test_a_refusal_with_no_form_left_to_sit_in_is_a_fieldless_form_holding_it():
    form = refusal(NotAllowed("Only the learner may change it."))
    assert form.is_bound and not form.fields
    assert form.non_field_errors() == ["Only the learner may change it."]
    assert form.has_error(NON_FIELD_ERRORS, code="not_allowed")


# --- Pagination and the filter query -----------------------------------------------------------

ITEMS = list(range(45))  # three pages of 20


@pytest.mark.parametrize(
    ("asked", "number"),
    [(None, 1), ("2", 2), ("3", 3), ("abc", 1), ("", 1), ("999", 3), ("0", 3), ("-1", 3)],
)
def test_a_bad_page_number_gives_the_first_page_or_past_either_end_the_last(asked, number):
    request = get() if asked is None else get(page=asked)
    page = paginate(request, ITEMS)
    assert page.number == number
    assert list(page) == ITEMS[(number - 1) * 20 : number * 20]


@pytest.mark.parametrize(("per_page", "pages"), [(20, 3), (25, 2), (50, 1)])
def test_each_list_keeps_its_own_page_size(per_page, pages):
    page = paginate(get(), ITEMS, per_page=per_page)
    assert (len(page), page.paginator.num_pages) == (min(per_page, 45), pages)


def test_a_second_list_on_the_page_reads_its_own_page_parameter():
    request = get(page="1", entries="2")
    assert paginate(request, ITEMS).number == 1
    assert paginate(request, ITEMS, param="entries").number == 2


@pytest.mark.django_db
def test_a_count_the_caller_knows_saves_the_count_query(django_assert_num_queries):
    UserFactory.create_batch(3)
    users = get_user_model().objects.order_by("pk")
    with django_assert_num_queries(1):  # the page's rows, no COUNT
        page = paginate(get(page="2"), users, per_page=2, count=3)
        assert len(list(page)) == 1
    assert page.paginator.num_pages == 2


def test_the_filter_query_keeps_the_filters_and_drops_the_page_number():
    request = get(status="applied", q="李", kind=["news", "policy"], page="3")
    query = QueryDict(filter_query(request))
    assert "page" not in query
    assert (query["status"], query["q"], query.getlist("kind")) == (
        "applied",
        "李",
        ["news", "policy"],
    )


def test_the_filter_query_of_a_second_list_drops_only_that_list_s_page():
    query = QueryDict(filter_query(get(page="2", entries="3"), param="entries"))
    assert dict(query) == {"page": ["2"]}


def test_a_list_without_filters_has_an_empty_filter_query():
    assert filter_query(get(page="2")) == ""


# --- The form page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_page_shows_its_form_errors_buttons_and_way_back():
    form = NameForm({"name": ""})
    form.is_valid()
    with translation.override("en"):
        response = form_page(
            get(),
            form,
            title="Edit the name",
            submit="Save the name",
            cancel="/names/",
            intro="Names are public.",
            back=("/guide/", "The guide"),
            status=400,
        )
    page = response.content.decode()
    assert response.status_code == 400
    back = page.index('<p><a href="/guide/">The guide</a></p>')
    assert back < page.index("<h1>Edit the name</h1>")
    assert '<p class="muted">Names are public.</p>' in page
    assert 'name="name"' in page and "This field is required." in page
    assert '<button type="submit">Save the name</button>' in page
    assert '<a class="button secondary" href="/names/">Cancel</a>' in page
    assert "csrfmiddlewaretoken" in page


@pytest.mark.django_db
def test_a_form_page_without_a_way_back_or_intro_starts_with_its_title():
    response = form_page(get(), NameForm(), title="New name", submit="Save", cancel="/names/")
    page = response.content.decode()
    main = page[page.index('<main id="main"') : page.index("<h1>New name</h1>")]
    assert response.status_code == 200
    assert "<a " not in main and 'class="muted"' not in page


@pytest.mark.django_db
def test_the_standards_form_pages_link_back_to_the_guidance(client_for):
    client = client_for("centre_admin")
    level = QualificationLevel.objects.first()
    page = client.get(reverse("achievements:level_edit", args=[level.pk])).content.decode()
    assert (
        f'<p><a href="{reverse("achievements:standard_guide")}">Standards guidance</a></p>' in page
    )
    assert f'href="{reverse("achievements:level_detail", args=[level.pk])}">Cancel</a>' in page


# --- htmx only where a page asks for it --------------------------------------------------------


@pytest.mark.django_db
def test_pages_built_on_base_html_do_not_load_htmx(client, client_for):
    pages = [client.get("/"), client.get(reverse("achievements:standard_list"))]
    client_for("centre_admin")
    pages += [
        client.get(reverse("achievements:standard_manage")),
        client.get(reverse("branches:network_branch_create")),  # the one form page
    ]
    for response in pages:
        assert response.status_code == 200
        assert "htmx" not in response.content.decode()


@pytest.mark.django_db
def test_a_page_that_opts_in_loads_htmx_from_our_own_static_files(client):
    page = (
        engines["django"]
        .from_string(
            '{% extends "base.html" %}{% block scripts %}{% include "_htmx.html" %}{% endblock %}'
        )
        .render({}, get())
    )
    head = page[: page.index("</head>")]
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in head
    # No inline script or style: the Content-Security-Policy allows our own files only.
    assert "<script>" not in page and "<style" not in page
    # No indicator styles (an inline style); no settle delay (swapped-in content is live at once).
    assert """content='{"includeIndicatorStyles": false, "defaultSettleDelay": 0}'""" in head
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
