"""A real Celery worker process, on the real Redis broker, runs a real task against the test
database; with it up, /healthz reports everything healthy."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from creditbank.celery import app as celery_app
from creditbank.models import AuditCheckpoint
from creditbank.tasks import audit_chain_checkpoint

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"))
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def worker(tmp_path):
    """Start ``celery worker`` on a queue of its own; yield the queue name."""
    celery_app.conf.task_always_eager = False
    queue = f"test-{uuid.uuid4().hex[:12]}"
    node = f"{queue}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CREDITBANK_AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints.jsonl"),
        # The files the worker writes go where the test's settings look (tests/conftest.py).
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "creditbank", "worker", "--pool", "solo",
         "-Q", queue, "-n", node, "-l", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[node], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{process.stdout.read()}")
        yield queue
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_and_it_is_safe_to_run_twice(worker, client):
    first = audit_chain_checkpoint.apply_async(queue=worker).get(timeout=60)
    second = audit_chain_checkpoint.apply_async(queue=worker).get(timeout=60)
    assert first["intact"] and second["intact"]
    assert (
        AuditCheckpoint.objects.filter(pk__in=[first["checkpoint"], second["checkpoint"]]).count()
        == 2
    )

    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "celery": "ok"}


def test_the_app_is_configured_for_safe_redelivery():
    conf = celery_app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
