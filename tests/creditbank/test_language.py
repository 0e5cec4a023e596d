"""Simplified Chinese by default, English on request, every page string translated."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db
PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_the_home_page_speaks_chinese_whatever_the_browser_asks(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "终身学习学分银行" in page
    assert response["Content-Language"] == "zh-hans"


def test_english_is_one_click_away_and_sticks(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Lifelong Learning Credit Bank" in page
    assert "终身学习学分银行" not in page


def test_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies["creditbank_language"] = "xx"
    assert "终身学习学分银行" in client.get("/").content.decode()


def test_the_chinese_catalogue_has_no_untranslated_or_fuzzy_entry():
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt not found: install the OS package gettext"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_the_catalogue_covers_every_string_in_the_code(tmp_path):
    """makemessages, run afresh on a copy of the code, finds no msgid the catalogue lacks."""
    root = PO.parents[3]
    skip = {".venv", "var", ".git", "tests", "deploy", "node_modules", "locale"}
    for entry in root.iterdir():
        if entry.name not in skip and not entry.name.startswith("."):
            copy = shutil.copytree if entry.is_dir() else shutil.copy2
            copy(entry, tmp_path / entry.name)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans"],
        cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    fresh = _msgids((tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po").read_text("utf-8"))
    committed = _msgids(PO.read_text(encoding="utf-8"))
    assert fresh - committed == set(), "run `make messages` and translate the new entries"


def _msgids(text: str) -> set[str]:
    ids, current, in_id = set(), [], False
    for line in text.splitlines():
        if line.startswith("msgid "):
            current, in_id = [line[6:].strip('"')], True
        elif in_id and line.startswith('"'):
            current.append(line.strip('"'))
        else:
            if in_id and "".join(current):
                ids.add("".join(current))
            in_id = False
    return ids


def test_switching_language_after_a_refused_post_goes_back_to_the_form_page(client, people):
    """The language form on a page re-rendered by a POST-only URL must not send the person
    to a GET of that URL (405)."""
    from accounts.models import LearnerAccount
    from branches.models import StaffAssignment
    from tests.accounts.learner_factories import open_account

    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    account = open_account(branch=branch)
    LearnerAccount.objects.filter(pk=account.pk).update(status="active")
    client.force_login(people["branch_staff"])
    form_page = reverse("branches:desk_account", args=[account.pk])
    page = client.post(
        reverse("branches:desk_account_close", args=[account.pk]),
        {"reason": ""},
        HTTP_REFERER=f"http://testserver{form_page}",
    ).content.decode()
    assert f'name="next" value="http://testserver{form_page}"' in page


def test_a_request_in_english_leaves_the_threads_language_as_it_was(client):
    # The language a visitor chose is active for their request only: code that runs after it
    # on the same thread (the next test, a task run eagerly) speaks what it spoke before.
    client.cookies["creditbank_language"] = "en"
    with translation.override("zh-hans"):
        page = client.get("/").content.decode()
        assert '<html lang="en">' in page
        assert translation.get_language() == "zh-hans"
