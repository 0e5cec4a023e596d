"""Schemathesis against the API's OpenAPI schema on a live test server, with a real token and
data: no answer is a server error (5xx), and every answer — status code, content type, headers
and body — is what the schema says. ``st run`` as a subprocess, in both modes (valid requests
of every shape the schema allows, and invalid ones), with a bounded number of examples per
operation and a new Idempotency-Key per POST (schemathesis_hooks.py).

A request with a control character in its path or query string (what the negative mode sends)
is answered by the portal's input guard (creditbank.inputguard) before the API sees it, with the
API's own 400 problem, which the schema lists for every operation."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from achievements.services.batch import batch_push
from tests.achievements.factories import UnitStandardFactory
from tests.conversion.factories import CourseFactory, published_rule_version

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).parent / "st"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
]
# Examples per operation and phase: enough to reach every branch of the small API, and the run
# stays well under two minutes.
MAX_EXAMPLES = 40

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_answer_matches_the_schema_and_none_is_a_server_error(
    reference_data, world, live_server, settings, tmp_path
):
    settings.CREDITBANK_API_PER_MINUTE = 1_000_000
    world.mandate()
    published_rule_version()
    CourseFactory()
    UnitStandardFactory(approved=True)
    batch_push(
        acting_user=world["institution_admin"],
        institution=world.institution,
        category=world.category,
        mode="valid",
        rows=[world.row("R-1"), world.row("R-2", id_number="bad")],
        client="schemathesis",
    )
    secret = world.token("push_results", "read_rules")
    command = [
        str(ST),
        "run",
        f"{live_server.url}/api/v1/schema/",
        "--checks",
        ",".join(CHECKS),
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "15",
        "--workers",
        "1",
        "--header",
        f"Authorization: Bearer {secret}",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
        "--output-truncate",
        "false",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
        "SCHEMATHESIS_STATUS_LOG": str(tmp_path / "statuses.txt"),
    }
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-20000:]
    assert "No issues found" in output, output[-5000:]
    # The successes were reached, not only the refusals.
    seen = set((tmp_path / "statuses.txt").read_text().splitlines())
    for path in ("categories", "rules", "courses", "standards", "results/{reference}"):
        assert f"GET /api/v1/{path} 200" in seen, sorted(seen)
    assert "POST /api/v1/results 201" in seen, sorted(seen)
