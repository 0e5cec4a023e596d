"""What the public meets when something fails: a 503 page while PostgreSQL or Redis cannot be
reached, the Chinese 403/404/500 pages with DEBUG off, and `make run` serving them through
gunicorn."""

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client
from django.urls import path, reverse

from creditbank.urls import urlpatterns as portal_urlpatterns
from tests.achievements.factories import active_account
from tests.branches.factories import BranchCentreFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def database_unreachable():
    """Requests meet a PostgreSQL that refuses connections: the default connection is swapped
    for a fresh one to a closed port (the test's own connection and transaction are kept)."""
    original = connections["default"]
    broken = original.__class__(
        {**original.settings_dict, "PORT": str(closed_port())}, alias="default"
    )
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = original


@pytest.fixture
def visitor():
    # Django's test client re-raises what a view raised; a browser gets the handler's page.
    return Client(raise_request_exception=False)


def assert_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    # In Chinese, or in English for a visitor who chose it (tests/creditbank/test_chinese_pages.py).
    assert "服务暂时不可用" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page


def test_a_public_page_answers_503_while_the_database_is_down(visitor):
    BranchCentreFactory()
    with database_unreachable():
        response = visitor.get(reverse("branches:service_points"))
    assert_503(response)


def test_a_signed_in_page_answers_503_when_the_middleware_cannot_load_the_person(visitor, people):
    # The session comes from Redis; the person behind it from PostgreSQL, first asked for by
    # the session-timeout middleware, before any view runs.
    visitor.force_login(people["learner"])
    with database_unreachable():
        response = visitor.get(reverse("home"))
    assert_503(response)


def test_a_page_answers_503_while_redis_is_down(visitor, people, settings):
    active_account(branch=BranchCentreFactory(), user=people["learner"])
    visitor.force_login(people["learner"])
    # The archive keeps its balance and statement in the cache; the session falls back to the
    # database on its own.
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    response = visitor.get(reverse("achievements:archive"))
    assert_503(response)


def test_healthz_keeps_its_json_503_while_the_database_is_down(visitor):
    with database_unreachable():
        response = visitor.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down: OperationalError"


# --- The 403/404/500 pages with DEBUG off ----------------------------------------------------


def boom(request):
    raise RuntimeError("a bug")


# The URLs of the 500 test: the portal's own and one view that fails.
urlpatterns = [path("boom/", boom), *portal_urlpatterns]
handler403 = "creditbank.views.error_403"
handler404 = "creditbank.views.error_404"
handler500 = "creditbank.views.error_500"


def assert_no_debug_page(page: str):
    assert "URLconf" not in page
    assert "urlpatterns" not in page
    assert "int:pk" not in page  # in URL patterns a technical 404 would list
    assert "Traceback" not in page


def test_the_404_page_is_chinese_and_lists_no_url_patterns(visitor, settings):
    settings.DEBUG = False
    response = visitor.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert '<html lang="zh-Hans">' in page
    assert_no_debug_page(page)


def test_the_403_page_is_chinese(visitor, people, settings):
    settings.DEBUG = False
    visitor.force_login(people["learner"])
    response = visitor.get(reverse("accounts:audit_log"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page
    assert_no_debug_page(page)


@pytest.mark.urls(__name__)
def test_the_500_page_is_chinese_and_shows_no_traceback(visitor, people, settings):
    settings.DEBUG = False
    visitor.force_login(people["learner"])
    response = visitor.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出现了问题" in page
    assert "a bug" not in page
    assert_no_debug_page(page)


# --- `make run` ---------------------------------------------------------------------------------


def load_devservices():
    spec = importlib.util.spec_from_file_location("devservices", ROOT / "scripts/devservices.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fetch(url: str):
    """(status, headers, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def make_run_web_server():
    """The web server of `make run`, with its command and environment, on the test database."""
    devservices = load_devservices()
    port = str(closed_port())
    test_db = connections["default"].settings_dict
    env = devservices.serving_env(
        {
            **os.environ,
            "DATABASE_URL": f"postgres://{test_db['USER']}@{test_db['HOST']}:{test_db['PORT']}"
            f"/{test_db['NAME']}",
            "DEBUG": "1",  # as a developer's shell might have it: `make run` turns it off
        },
        develop=False,
    )
    server = subprocess.Popen(
        devservices.web_server(port, develop=False),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert server.poll() is None, "gunicorn exited"
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGINT)  # gunicorn's quick shutdown
        server.wait(30)


# Transactional: the server writes to the test database on its own connections (the refused
# form below is an audit event, when it is the address's first refusal of the minute), and only
# a flush takes that away; kept, it turned up in a later test's audit log.
@pytest.mark.django_db(transaction=True)
def test_make_run_serves_with_gunicorn_debug_off_and_static_files(make_run_web_server):
    status, headers, page = fetch(f"{make_run_web_server}/no-such-page/")
    assert status == 404
    assert headers["Server"].startswith("gunicorn")
    assert "页面不存在" in page
    assert_no_debug_page(page)

    # A form sent without its security token: the portal's page, not Django's English one.
    refused = urllib.request.Request(f"{make_run_web_server}/accounts/login/", data=b"login=x")
    try:
        urllib.request.urlopen(refused, timeout=20)
    except urllib.error.HTTPError as error:
        status, page = error.code, error.read().decode()
    assert status == 403
    assert "表单已失效" in page
    assert "CSRF" not in page

    status, headers, css = fetch(f"{make_run_web_server}/static/css/site.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert css == (ROOT / "static/css/site.css").read_text(encoding="utf-8")

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda _: fetch(f"{make_run_web_server}/")[0], range(20)))
    assert statuses == [200] * 20
