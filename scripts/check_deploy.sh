#!/usr/bin/env bash
# `manage.py check --deploy` in production mode, with throwaway production-like values, failing
# on any warning.
set -euo pipefail
cd "$(dirname "$0")/.."
export CREDITBANK_PRODUCTION=1
export SECRET_KEY="${SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-creditbank.example.gov.cn}"
export DATABASE_URL="${DATABASE_URL:-postgres://creditbank@127.0.0.1:5432/creditbank}"
export CREDITBANK_PII_KEYS="${CREDITBANK_PII_KEYS:-$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')}"
export CREDITBANK_PII_HASH_KEY="${CREDITBANK_PII_HASH_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"
export CREDITBANK_AUDIT_KEY="${CREDITBANK_AUDIT_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"
export CREDITBANK_SITE_URL="${CREDITBANK_SITE_URL:-https://creditbank.example.gov.cn}"
# The signing keys are files read when a document or credential is signed, never at start or
# by the checks: paths that do not exist show that nothing here signs.
export CREDITBANK_PROOF_SIGNING_KEY="${CREDITBANK_PROOF_SIGNING_KEY:-/nonexistent/check-only-signing-key.pem}"
export CREDITBANK_PROOF_SIGNING_CERT="${CREDITBANK_PROOF_SIGNING_CERT:-/nonexistent/check-only-signing-cert.pem}"
export CREDITBANK_CREDENTIAL_KEY="${CREDITBANK_CREDENTIAL_KEY:-/nonexistent/check-only-credential-key.pem}"
exec .venv/bin/python manage.py check --deploy --fail-level WARNING
