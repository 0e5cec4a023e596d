"""The programme and course management pages and the bulk entry page, per role: own
institution against another one."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import InstitutionStaff
from conversion.models import Course, Programme
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionStaffFactory
from tests.conftest import signed_in, with_totp
from tests.conversion.factories import CourseFactory, ProgrammeFactory
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db


def own_institution(people):
    return InstitutionStaff.objects.get(user=people["institution_clerk"]).institution


def programme_data(**overrides):
    data = {
        "code": "jsjyy",
        "name": "计算机应用技术",
        "level": "junior_college",
        "field": "信息技术",
        "graduation_credits": "120",
        "conversion_share": "50",
        "description": "",
        "is_active": "on",
    }
    return data | overrides


def course_data(**overrides):
    data = {
        "code": "cs101",
        "name": "计算机应用基础",
        "credits": "4",
        "hours": "64",
        "level": "junior_college",
        "field": "信息技术",
        "kind": "required",
        "mode": "online",
        "is_public": "on",
        "description": "",
        "is_active": "on",
    }
    return data | overrides


def csv_upload(rows, name="courses.csv"):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), "text/csv")


HEADINGS = ["课程代码", "课程名称", "学分", "学时", "层次", "学科领域", "课程性质", "授课方式"]


# --- Programmes -------------------------------------------------------------------------------


def test_a_clerk_adds_a_programme_and_finds_it_in_the_list(client, client_for, people):
    institution = own_institution(people)
    client_for("institution_clerk")
    response = client.post(
        reverse("conversion:programme_create"),
        programme_data(institution=institution.pk, conversion_share="40"),
    )
    assert response.url == reverse("conversion:programme_manage")
    programme = Programme.objects.get()
    assert (programme.code, programme.conversion_share) == ("JSJYY", 40)
    assert AuditEvent.objects.filter(action="programme.create").count() == 1
    page = client.get(reverse("conversion:programme_manage")).content.decode()
    assert "计算机应用技术" in page
    assert reverse("conversion:programme_edit", args=[programme.pk]) in page


def test_a_share_above_fifty_percent_is_refused_beside_the_field(client, client_for, people):
    client_for("institution_admin")
    response = client.post(
        reverse("conversion:programme_create"),
        programme_data(institution=own_institution(people).pk, conversion_share="60"),
    )
    assert response.status_code == 200
    assert "at most 50%" in response.context["form"].errors["conversion_share"][0]
    assert not Programme.objects.exists()


def test_a_bad_code_gets_the_services_message_beside_the_field(client, client_for, people):
    client_for("institution_clerk")
    response = client.post(
        reverse("conversion:programme_create"),
        programme_data(institution=own_institution(people).pk, code="专业代码"),
    )
    assert "capital letters" in response.context["form"].errors["code"][0]
    assert not Programme.objects.exists()


def test_a_clerk_closes_a_programme(client, client_for, people):
    programme = ProgrammeFactory(institution=own_institution(people), code="JSJYY")
    client_for("institution_clerk")
    url = reverse("conversion:programme_edit", args=[programme.pk])
    assert "计算机应用" in client.get(url).content.decode()
    data = programme_data(name=programme.name)
    del data["is_active"]
    response = client.post(url, data)
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.is_active is False
    assert (
        "Closed to conversion"
        in client.get(reverse("conversion:programme_manage")).content.decode()
    )


def test_the_list_shows_own_programmes_only_and_searches_them(client, client_for, people):
    ProgrammeFactory(institution=own_institution(people), code="KJ", name="会计")
    ProgrammeFactory(institution=own_institution(people), code="JSJ", name="计算机")
    ProgrammeFactory(name="别处的专业")
    client_for("institution_reviewer")
    page = client.get(reverse("conversion:programme_manage")).content.decode()
    assert "会计" in page and "计算机" in page and "别处的专业" not in page
    found = client.get(reverse("conversion:programme_manage"), {"q": "kj"}).context["page"]
    assert [p.code for p in found] == ["KJ"]


def test_a_reviewer_reads_the_list_without_edit_links_and_may_not_write(client, client_for, people):
    programme = ProgrammeFactory(institution=own_institution(people))
    client_for("institution_reviewer")
    page = client.get(reverse("conversion:programme_manage")).content.decode()
    assert programme.name in page
    assert reverse("conversion:programme_edit", args=[programme.pk]) not in page
    assert reverse("conversion:programme_create") not in page
    url = reverse("conversion:programme_edit", args=[programme.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, programme_data()).status_code == 403
    assert client.get(reverse("conversion:programme_create")).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="programme.").exists()


def test_the_centre_reads_every_institution_and_narrows_by_one(client, client_for, people):
    mine = ProgrammeFactory(institution=own_institution(people), name="本机构")
    other = ProgrammeFactory(name="别处")
    client_for("centre_admin")
    response = client.get(reverse("conversion:programme_manage"))
    assert {p.pk for p in response.context["page"]} == {mine.pk, other.pk}
    narrowed = client.get(
        reverse("conversion:programme_manage"), {"institution": other.institution_id}
    )
    assert [p.pk for p in narrowed.context["page"]] == [other.pk]
    url = reverse("conversion:programme_edit", args=[mine.pk])
    assert client.post(url, programme_data()).status_code == 403


def test_another_institutions_clerk_gets_404(client, people):
    programme = ProgrammeFactory(institution=own_institution(people))
    course = CourseFactory(institution=programme.institution)
    stranger = InstitutionStaffFactory().user
    with_totp(stranger)
    signed_in(client, stranger)
    for url in (
        reverse("conversion:programme_edit", args=[programme.pk]),
        reverse("conversion:course_edit", args=[course.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404


def test_the_anonymous_are_sent_to_log_in(client, people):
    programme = ProgrammeFactory(institution=own_institution(people))
    for url in (
        reverse("conversion:programme_manage"),
        reverse("conversion:programme_edit", args=[programme.pk]),
        reverse("conversion:course_import"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_the_list_is_paginated_by_twenty_five(client, client_for, people):
    for n in range(26):
        ProgrammeFactory(institution=own_institution(people), code=f"P{n:02d}")
    client_for("institution_clerk")
    page = client.get(reverse("conversion:programme_manage")).context["page"]
    assert len(page) == 25 and page.paginator.num_pages == 2


# --- Courses ----------------------------------------------------------------------------------


def test_a_clerk_adds_a_course_in_a_programme(client, client_for, people):
    institution = own_institution(people)
    programme = ProgrammeFactory(institution=institution)
    ProgrammeFactory()  # another institution's: not offered
    client_for("institution_clerk")
    form = client.get(reverse("conversion:course_create")).context["form"]
    assert list(form.fields["programmes"].queryset) == [programme]
    response = client.post(
        reverse("conversion:course_create"),
        course_data(institution=institution.pk, programmes=[programme.pk]),
    )
    assert response.status_code == 302
    course = Course.objects.get()
    assert (course.code, course.credits, course.mode) == ("CS101", Decimal("4.00"), "online")
    assert list(course.programmes.all()) == [programme]


def test_credits_of_zero_are_refused_beside_the_field(client, client_for, people):
    client_for("institution_clerk")
    response = client.post(
        reverse("conversion:course_create"),
        course_data(institution=own_institution(people).pk, credits="0"),
    )
    assert response.context["form"].errors["credits"]
    assert not Course.objects.exists()


def test_a_clerk_withdraws_a_course(client, client_for, people):
    course = CourseFactory(institution=own_institution(people), code="CS101")
    client_for("institution_clerk")
    data = course_data(name=course.name)
    del data["is_active"]
    response = client.post(reverse("conversion:course_edit", args=[course.pk]), data)
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.is_active is False
    assert AuditEvent.objects.get(action="course.update").summary["after"]["is_active"] is False


def test_the_course_list_filters_by_programme_and_links_public_courses(client, client_for, people):
    institution = own_institution(people)
    programme = ProgrammeFactory(institution=institution)
    public = CourseFactory(institution=institution, programmes=[programme], name="公开课")
    hidden = CourseFactory(institution=institution, is_public=False, name="内部课")
    client_for("institution_clerk")
    response = client.get(reverse("conversion:course_manage"))
    page = response.content.decode()
    assert {c.pk for c in response.context["page"]} == {public.pk, hidden.pk}
    assert reverse("conversion:course_edit", args=[hidden.pk]) in page
    assert reverse("conversion:course_public", args=[public.pk]) in page
    assert reverse("conversion:course_public", args=[hidden.pk]) not in page
    narrowed = client.get(reverse("conversion:course_manage"), {"programme": programme.pk})
    assert [c.pk for c in narrowed.context["page"]] == [public.pk]


def test_the_course_list_takes_the_same_queries_for_more_courses(
    client, client_for, people, django_assert_max_num_queries
):
    institution = own_institution(people)
    for _n in range(3):
        CourseFactory(institution=institution)
    client_for("institution_clerk")
    client.get(reverse("conversion:course_manage"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("conversion:course_manage"))
    for _n in range(20):
        CourseFactory(institution=institution)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("conversion:course_manage"))


def test_a_reviewer_may_not_change_a_course(client, client_for, people):
    course = CourseFactory(institution=own_institution(people))
    client_for("institution_reviewer")
    url = reverse("conversion:course_edit", args=[course.pk])
    assert client.post(url, course_data()).status_code == 403
    assert client.get(reverse("conversion:course_import")).status_code == 403


# --- Bulk entry -------------------------------------------------------------------------------


def test_an_import_creates_the_courses_and_says_how_many(client, client_for, people):
    client_for("institution_clerk")
    rows = [
        HEADINGS,
        ["CS101", "计算机应用基础", "4", "64", "专科", "信息技术", "必修", "面授"],
        ["CS102", "程序设计", "3", "48", "专科", "信息技术", "选修", "线上"],
    ]
    response = client.post(
        reverse("conversion:course_import"),
        {"institution": own_institution(people).pk, "file": csv_upload(rows)},
    )
    assert response.status_code == 200
    assert "2 created, 0 updated." in response.content.decode()
    assert Course.objects.count() == 2
    assert AuditEvent.objects.filter(action="course.import").count() == 1


def test_a_bad_file_lists_every_problem_and_writes_nothing(client, client_for, people):
    client_for("institution_admin")
    rows = [
        HEADINGS,
        ["CS101", "计算机应用基础", "0", "64", "专科", "信息技术", "必修", "面授"],
        ["CS101", "程序设计", "3", "48", "博士", "信息技术", "选修", "线上"],
    ]
    response = client.post(
        reverse("conversion:course_import"),
        {"institution": own_institution(people).pk, "file": csv_upload(rows)},
    )
    page = response.content.decode()
    assert "Nothing was imported" in page
    problems = response.context["problems"]
    assert [(p.row, p.column) for p in problems] == [
        (2, "Credits"),
        (3, "Level"),
        (3, "Course code"),
    ]
    assert 'data-label="Row"' in page
    assert not Course.objects.exists()
    assert not AuditEvent.objects.filter(action="course.import").exists()


def test_a_file_of_another_type_is_refused_beside_the_field(client, client_for, people):
    client_for("institution_clerk")
    upload = SimpleUploadedFile("courses.pdf", b"%PDF-1.4", "application/pdf")
    response = client.post(
        reverse("conversion:course_import"),
        {"institution": own_institution(people).pk, "file": upload},
    )
    assert ".xlsx or .csv" in response.context["form"].errors["file"][0]


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("csv", "text/csv; charset=utf-8", b"\xef\xbb\xbf"),
    ],
)
def test_the_template_downloads(client, client_for, fmt, content_type, start):
    client_for("institution_clerk")
    response = client.get(reverse("conversion:course_import_template", args=[fmt]))
    assert response["Content-Type"] == content_type
    assert response.content.startswith(start)
    assert "attachment" in response["Content-Disposition"]


def test_a_template_of_another_format_does_not_exist(client, client_for):
    client_for("institution_clerk")
    url = reverse("conversion:course_import_template", args=["pdf"])
    assert client.get(url).status_code == 404


def test_the_pages_are_in_chinese_by_default(client, people):
    programme = ProgrammeFactory(institution=own_institution(people))
    course = CourseFactory(institution=programme.institution, programmes=[programme])
    client.force_login(people["institution_clerk"])
    for url in (
        reverse("conversion:programme_manage"),
        reverse("conversion:programme_create"),
        reverse("conversion:programme_edit", args=[programme.pk]),
        reverse("conversion:course_manage"),
        reverse("conversion:course_create"),
        reverse("conversion:course_edit", args=[course.pk]),
        reverse("conversion:course_import"),
    ):
        assert_chinese(client.get(url))
    rows = [HEADINGS, ["CS1", "x", "0", "64", "博士", "x", "必修", "面授"]]
    response = client.post(
        reverse("conversion:course_import"),
        {"institution": programme.institution_id, "file": csv_upload(rows)},
    )
    assert "学分" in response.content.decode()
    assert_chinese(response)
    rows = [HEADINGS, ["CS1", "计算机", "2", "64", "本科", "信息技术", "必修", "面授"]]
    response = client.post(
        reverse("conversion:course_import"),
        {"institution": programme.institution_id, "file": csv_upload(rows)},
    )
    assert "新建 1 门，更新 0 门。" in response.content.decode()
    assert_chinese(response)
