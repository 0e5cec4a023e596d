"""Production mode refuses to start half-configured and passes `check --deploy` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "CREDITBANK_PRODUCTION": "1",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "creditbank.example.gov.cn",
    "DATABASE_URL": "postgres://creditbank@127.0.0.1:5432/creditbank",
    "CREDITBANK_PII_KEYS": "x3NqvQ8m0FZ9T8Y3dJ6m1pZbqkRk1oS2e7JmQd0vXcU=",
    "CREDITBANK_PII_HASH_KEY": "a-separate-random-hash-key-for-identity-lookups",
    "CREDITBANK_AUDIT_KEY": "the-audit-chain-hmac-key-kept-outside-the-database-0123",
    "CREDITBANK_SITE_URL": "https://creditbank.example.gov.cn",
    # Files read when something is signed, not at start: the paths need not exist here.
    "CREDITBANK_PROOF_SIGNING_KEY": "/etc/creditbank/keys/document-signer-key.pem",
    "CREDITBANK_PROOF_SIGNING_CERT": "/etc/creditbank/keys/document-signer.pem",
    "CREDITBANK_CREDENTIAL_KEY": "/etc/creditbank/keys/credential-key.pem",
}


def _manage(*args, **env):
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a production check.
    drop = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("missing", list(PRODUCTION)[1:])
def test_production_mode_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_mode_refuses_a_short_audit_key():
    result = _manage("check", **{**PRODUCTION, "CREDITBANK_AUDIT_KEY": "too-short"})
    assert result.returncode != 0
    assert "CREDITBANK_AUDIT_KEY must be at least 32 characters" in result.stderr


def test_production_mode_refuses_a_site_address_without_https():
    result = _manage("check", **{**PRODUCTION, "CREDITBANK_SITE_URL": "http://127.0.0.1:8000"})
    assert result.returncode != 0
    assert "CREDITBANK_SITE_URL must be the portal's https:// address" in result.stderr


@pytest.mark.parametrize(
    ("port", "expected"), [("8123", "http://127.0.0.1:8123"), (None, "http://127.0.0.1:8000")]
)
def test_e_mail_links_lead_to_the_port_the_portal_is_served_on(port, expected):
    """Outside production the site's address follows ``PORT`` (``PORT=8123 make run``)."""
    clean = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "PORT"}}
    result = subprocess.run(
        [sys.executable, "-c", "import creditbank.settings as s; print(s.CREDITBANK_SITE_URL)"],
        cwd=ROOT, env={**clean, **({"PORT": port} if port else {})},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == expected


def test_check_deploy_has_zero_warnings_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_settings(monkeypatch):
    for key, value in PRODUCTION.items():
        monkeypatch.setenv(key, value)
    result = subprocess.run(
        [sys.executable, "-c",
         "import creditbank.settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_NAME, "
         "s.CSRF_COOKIE_SECURE, s.DEBUG, s.PASSWORD_HASHERS[0])"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    hsts, cookie, csrf_secure, debug, hasher = result.stdout.split()
    assert int(hsts) >= 365 * 24 * 3600
    assert cookie.startswith("__Host-")
    assert (csrf_secure, debug) == ("True", "False")
    assert hasher.endswith("Argon2PasswordHasher")


def test_sqlite_is_refused():
    result = _manage("check", DATABASE_URL="sqlite:///var/db.sqlite3")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_no_asset_comes_from_another_host(client):
    page = client.get("/").content.decode()
    for marker in ('src="http', 'src="//', 'href="http', 'href="//'):
        assert marker not in page
