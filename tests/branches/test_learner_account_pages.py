"""Learning accounts through the browser's eyes (test client): opening online and in person,
the branch staff's desk, and bad input."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from accounts.models import LearnerAccount
from branches.models import StaffAssignment
from branches.tasks import account_opened_email
from creditbank.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.accounts.learner_factories import open_account, resident_id
from tests.branches.factories import BranchCentreFactory, ServicePointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def my_branch(people):
    return StaffAssignment.objects.get(user=people["branch_staff"]).branch


def online_data(branch, **overrides):
    data = {
        "real_name": "王芳",
        "id_type": "resident_id",
        "id_number": resident_id(21),
        "mobile": "13912345678",
        "education": "junior_college",
        "work_unit": "",
        "branch": branch.pk,
    }
    data.update(overrides)
    return data


def test_a_learner_opens_an_account_online(client, my_branch):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("branches:account_open"), online_data(my_branch))
    assert response.status_code == 302, response.context["form"].errors
    account = LearnerAccount.objects.get(user=user)
    assert account.status == "pending_verification"
    page = client.get(reverse("accounts:my_account")).content.decode()
    assert account.account_number in page
    assert "待核验" in page or "Pending" in page
    # the account number is on every page of the learner
    assert account.account_number in client.get("/").content.decode()


def test_an_id_image_is_checked_by_content_and_renamed(client, my_branch):
    client.force_login(UserFactory())
    fake = SimpleUploadedFile("id.png", b"<html><script>alert(1)</script>", "image/png")
    response = client.post(
        reverse("branches:account_open"), {**online_data(my_branch), "id_image": fake}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_image"]
    assert not LearnerAccount.objects.exists()

    png = SimpleUploadedFile("../../etc/passwd.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    response = client.post(
        reverse("branches:account_open"), {**online_data(my_branch), "id_image": png}
    )
    assert response.status_code == 302
    name = LearnerAccount.objects.get().id_image.name
    assert name.startswith("id-images/") and name.endswith(".png") and "passwd" not in name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "500103199003070211"),  # wrong check digit
        ("id_number", "50010319900307021"),  # too short
        ("id_number", "   "),
        ("real_name", ""),
        ("real_name", "   "),
        ("real_name", "<script>alert(1)</script>"),
        ("real_name", "张" * 51),
        ("real_name", "Robert'); DROP TABLE--"),
        ("mobile", "12345"),
        ("work_unit", "单位" * 60),
        ("work_unit", "<b>x</b>"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_writes_nothing(
    client, my_branch, field, value
):
    client.force_login(UserFactory())
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("branches:account_open"), online_data(my_branch, **{field: value})
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not LearnerAccount.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "name", ["买买提·艾力", "买买提•艾力", "张𠮷", "Anna Maria O'Neil", "欧阳 娜娜"]
)
def test_chinese_and_other_names_are_accepted(client, my_branch, name):
    client.force_login(UserFactory())
    response = client.post(reverse("branches:account_open"), online_data(my_branch, real_name=name))
    assert response.status_code == 302
    stored = LearnerAccount.objects.get().real_name
    assert stored == name.replace("•", "·")


def test_full_width_and_lower_case_id_numbers_are_normalised(client, my_branch):
    number = resident_id(22)
    typed = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    client.force_login(UserFactory())
    client.post(reverse("branches:account_open"), online_data(my_branch, id_number=f" {typed} "))
    account = LearnerAccount.objects.get()
    assert account.id_number_masked == number[:4] + "*" * 10 + number[-4:]


def test_a_duplicate_identity_is_refused_with_the_way_forward(client, my_branch):
    number = resident_id(23)
    open_account(branch=my_branch, id_number=number)
    client.force_login(UserFactory())
    response = client.post(
        reverse("branches:account_open"), online_data(my_branch, id_number=number)
    )
    assert response.status_code == 200
    error = " ".join(response.context["form"].errors["id_number"])
    assert "登录" in error and "服务网点" in error
    assert LearnerAccount.objects.count() == 1


def test_branch_staff_verify_a_pending_account(client, people, my_branch):
    account = open_account(branch=my_branch)
    client.force_login(people["branch_staff"])
    assert account.account_number in client.get(reverse("branches:desk_accounts")).content.decode()
    response = client.post(
        reverse("branches:desk_account_verify", args=[account.pk]), {"method": "in_person"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == "active"


def test_freeze_needs_a_reason_and_the_learner_sees_it(client, people, my_branch):
    account = open_account(branch=my_branch)
    LearnerAccount.objects.filter(pk=account.pk).update(status="active")
    client.force_login(people["branch_staff"])
    response = client.post(
        reverse("branches:desk_account_freeze", args=[account.pk]), {"reason": "  "}
    )
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.status == "active"
    client.post(
        reverse("branches:desk_account_freeze", args=[account.pk]), {"reason": "证件涉嫌冒用"}
    )
    account.refresh_from_db()
    assert account.status == "frozen"
    client.force_login(account.user)
    page = client.get(reverse("accounts:my_account")).content.decode()
    assert "证件涉嫌冒用" in page


def test_staff_of_another_branch_get_404_and_nothing_changes(client, people):
    other = open_account(branch=BranchCentreFactory())
    client.force_login(people["branch_staff"])
    assert client.get(reverse("branches:desk_account", args=[other.pk])).status_code == 404
    response = client.post(
        reverse("branches:desk_account_freeze", args=[other.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "pending_verification"
    assert (
        other.account_number not in client.get(reverse("branches:desk_accounts")).content.decode()
    )


def test_the_owner_may_not_use_the_staff_desk(client, my_branch):
    account = open_account(branch=my_branch)
    client.force_login(account.user)
    response = client.post(
        reverse("branches:desk_account_verify", args=[account.pk]), {"method": "in_person"}
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.status == "pending_verification"
    assert AuditEvent.objects.filter(action="access.refused", actor=account.user).exists()


def test_revealing_the_full_id_is_a_recorded_click(client, people, my_branch):
    number = resident_id(24)
    account = open_account(branch=my_branch, id_number=number)
    client.force_login(people["branch_staff"])
    assert (
        number
        not in client.get(reverse("branches:desk_account", args=[account.pk])).content.decode()
    )
    page = client.post(reverse("branches:desk_account_reveal", args=[account.pk]))
    assert number in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    assert AuditEvent.objects.filter(
        action="learner_account.reveal_id", actor=people["branch_staff"]
    ).exists()
    assert client.get(reverse("branches:desk_account_reveal", args=[account.pk])).status_code == 405


def test_staff_open_an_account_in_person_and_the_person_sets_a_password(
    client, people, my_branch, mailoutbox, django_capture_on_commit_callbacks
):
    point = ServicePointFactory(branch=my_branch)
    client.force_login(people["branch_staff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the desk works in English
    data = {
        **online_data(my_branch, id_number=resident_id(25)),
        "email": "Chen.Jing@Example.com",
        "service_point": point.pk,
        "seen_id": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("branches:desk_account_new"), data)
    assert response.status_code == 302, response.context["form"].errors
    account = LearnerAccount.objects.get()
    assert account.status == "active" and account.channel == "in_person"
    assert account.home.service_point == point and account.home.opened_by == people["branch_staff"]
    assert account.user.username == account.account_number
    assert not account.user.has_usable_password()

    assert len(mailoutbox) == 1
    assert account.account_number in mailoutbox[0].subject
    assert "您的学习账户" in mailoutbox[0].subject  # in the site's language, not the desk's
    link = next(w for w in mailoutbox[0].body.split() if "/password/reset/key/" in w)
    assert link.startswith(settings.CREDITBANK_SITE_URL + "/")
    client.logout()
    form_url = client.get(link.removeprefix(settings.CREDITBANK_SITE_URL)).url
    client.post(form_url, {"password1": "Spring-Rain-2026", "password2": "Spring-Rain-2026"})
    account.user.refresh_from_db()
    assert account.user.check_password("Spring-Rain-2026")
    assert account.user.emailaddress_set.get().verified


def _open_in_person(client, people, branch, number=27):
    point = ServicePointFactory(branch=branch)
    client.force_login(people["branch_staff"])
    data = {
        **online_data(branch, id_number=resident_id(number)),
        "email": "he.ping@example.com",
        "service_point": point.pk,
        "seen_id": "on",
    }
    return client.post(reverse("branches:desk_account_new"), data)


def test_the_set_password_mail_is_a_task_given_the_account_id_and_sent_while_needed(
    client, people, my_branch, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(account_opened_email, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        assert _open_in_person(client, people, my_branch).status_code == 302
    account = LearnerAccount.objects.get()
    assert queued == [(account.pk,)]  # only the id: the link's key is made by the task
    assert mailoutbox == []
    assert account_opened_email(account.pk) is True
    assert mailoutbox[0].to == ["he.ping@example.com"]
    account.user.set_password("Spring-Rain-2026")
    account.user.save(update_fields=["password"])
    assert account_opened_email(account.pk) is False  # the person has chosen a password
    assert len(mailoutbox) == 1


def test_nothing_is_mailed_when_the_opening_rolls_back(
    client, people, my_branch, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        assert _open_in_person(client, people, my_branch).status_code == 302
        transaction.set_rollback(True)
    assert callbacks == []
    assert mailoutbox == []
    assert not LearnerAccount.objects.exists()


def test_staff_open_in_person_only_at_their_branch(client, people):
    foreign_point = ServicePointFactory()
    client.force_login(people["branch_staff"])
    data = {
        **online_data(foreign_point.branch, id_number=resident_id(26)),
        "email": "x@example.com",
        "service_point": foreign_point.pk,
        "seen_id": "on",
    }
    response = client.post(reverse("branches:desk_account_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["service_point"]
    assert not LearnerAccount.objects.exists()


def test_the_mobile_number_changes_only_with_the_password(client, my_branch):
    account = open_account(branch=my_branch)
    client.force_login(account.user)
    url = reverse("accounts:my_account_mobile")
    response = client.post(url, {"mobile": "13700001111", "password": "wrong"})
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.mobile == "13800138000"
    client.post(url, {"mobile": "137 0000 1111", "password": "Correct-Horse-42"})
    account.refresh_from_db()
    assert account.mobile == "13700001111"
    assert AuditEvent.objects.filter(action="learner_account.mobile_change").exists()


BAD_INPUT = [
    ("id_number", "500103199003070211"),
    ("id_number", "   "),
    ("id_number", "<script>alert(1)</script>"),
    ("real_name", "   "),
    ("real_name", "<script>alert(1)</script>"),
    ("real_name", "张" * 51),
    ("mobile", ""),
    ("email", "not-an-address"),
    ("email", "a" * 250 + "@example.com"),
]


@pytest.mark.parametrize(("field", "value"), BAD_INPUT)
def test_the_in_person_form_refuses_bad_input_beside_the_field(
    client, people, my_branch, field, value
):
    point = ServicePointFactory(branch=my_branch)
    client.force_login(people["branch_staff"])
    data = {
        **online_data(my_branch, id_number=resident_id(27)),
        "email": "ok@example.com",
        "service_point": point.pk,
        "seen_id": "on",
        field: value,
    }
    events = AuditEvent.objects.count()
    response = client.post(reverse("branches:desk_account_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not LearnerAccount.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_in_person_form_refuses_a_duplicate_identity(client, people, my_branch):
    number = resident_id(28)
    open_account(branch=my_branch, id_number=number)
    point = ServicePointFactory(branch=my_branch)
    client.force_login(people["branch_staff"])
    data = {
        **online_data(my_branch, id_number=number),
        "email": "dup@example.com",
        "service_point": point.pk,
        "seen_id": "on",
    }
    response = client.post(reverse("branches:desk_account_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert LearnerAccount.objects.count() == 1
    assert not UserFactory._meta.model.objects.filter(email="dup@example.com").exists()


def test_the_account_desk_lists_in_a_constant_number_of_queries(
    client, people, my_branch, django_assert_max_num_queries
):
    for _ in range(30):
        open_account(branch=my_branch)
    client.force_login(people["branch_staff"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("branches:desk_accounts"))
    assert len(response.context["page"]) == 25
