"""Schemathesis hooks for tests/api/test_schemathesis.py (loaded by ``st`` through
SCHEMATHESIS_HOOKS): every POST carries a new Idempotency-Key, as a well-behaved client's new
request does, so that each generated body is worked on rather than refused as a reused key; and
each answer's status is noted (SCHEMATHESIS_STATUS_LOG), so that the test can tell the
endpoints' successes were reached, not only their refusals."""

import os
import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.method.upper() == "POST":
        case.headers = {**(case.headers or {}), "Idempotency-Key": f'"{uuid.uuid4()}"'}


@schemathesis.hook
def after_call(context, case, response):
    log = os.environ.get("SCHEMATHESIS_STATUS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{case.method.upper()} {case.operation.path} {response.status_code}\n")
