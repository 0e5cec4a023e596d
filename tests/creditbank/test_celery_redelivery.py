"""A task whose worker dies mid-way runs again within minutes, not after kombu's default hour.

The end-to-end test starts real worker processes (tests/creditbank/redelivery_worker.py) with a
time limit of 5 s, so a visibility timeout of 6 s, kills the first one with SIGKILL while the task
runs, starts a second one and sees the task finish exactly once.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings

from creditbank.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
TEST_TIME_LIMIT = 5
# How long the test waits for the task to start, and then to be delivered again. A worker sweeps
# every 10 s for messages older than the visibility timeout; with kombu's default hour (or its
# 100 s sweep) the second run does not come within this bound.
DEADLINE = 45


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _wait_for(condition: Callable[[], bool], seconds: float, log: Path, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s; worker log:\n{log.read_text()}")
        time.sleep(0.1)


@pytest.mark.worker
def test_a_task_of_a_killed_worker_runs_once_more_on_the_next_worker(tmp_path):
    queue = f"test-redelivery-{uuid.uuid4().hex[:12]}"
    prefix = f"{queue}:"
    log = tmp_path / "workers.log"
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_TIME_LIMIT": str(TEST_TIME_LIMIT),
        "REDELIVERY_KEY_PREFIX": prefix,
    }
    workers: list[subprocess.Popen] = []

    def start_worker(name: str) -> subprocess.Popen:
        # A session of its own, so that SIGKILL reaches the pool's child process too.
        with log.open("a") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tests.creditbank.redelivery_worker",
                 "worker", "--pool", "prefork", "--concurrency", "1", "-Q", queue,
                 "-n", f"{name}-{queue}@{socket.gethostname()}", "-l", "INFO",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        workers.append(process)
        return process

    celery_app.conf.task_always_eager = False  # the autouse fixture turns it on again
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    (tmp_path / "hold").touch()
    try:
        with celery_app.connection_for_write(
            transport_options={"global_keyprefix": prefix}
        ) as conn:
            celery_app.send_task(
                "tests.redelivery.hold", args=[str(tmp_path)], queue=queue, connection=conn
            )

        first = start_worker("first")
        _wait_for(lambda: _lines(tmp_path / "started"), DEADLINE, log, "the task did not start")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        (tmp_path / "hold").unlink()
        assert _lines(tmp_path / "finished") == []

        start_worker("second")
        _wait_for(
            lambda: _lines(tmp_path / "finished"), DEADLINE, log, "the task was not delivered again"
        )
        # Acknowledged: nothing is left on the queue or aside for a later delivery.
        _wait_for(
            lambda: not broker.exists(f"{prefix}unacked", f"{prefix}{queue}"),
            10,
            log,
            "the message was not acknowledged",
        )
        assert len(_lines(tmp_path / "started")) == 2
        assert len(_lines(tmp_path / "finished")) == 1
    finally:
        for process in workers:  # the whole session: a pool child may outlive its parent
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        keys = list(broker.scan_iter(match=f"{prefix}*"))
        if keys:
            broker.delete(*keys)


def test_a_lost_task_waits_minutes_and_never_less_than_the_time_limit():
    conf = celery_app.conf
    options = conf.broker_transport_options
    assert conf.task_soft_time_limit < conf.task_time_limit < options["visibility_timeout"]
    assert options["visibility_timeout"] <= 10 * 60
    # The sweep for messages past the visibility timeout runs every 10 s, not every 100 s.
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 10


def _settings_with_time_limit(time_limit: str) -> subprocess.CompletedProcess:
    code = (
        "from django.conf import settings as s; print(s.CELERY_TASK_TIME_LIMIT, "
        "s.CELERY_TASK_SOFT_TIME_LIMIT, s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "creditbank.settings",
        "CELERY_TASK_TIME_LIMIT": time_limit,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_time_limits_and_the_visibility_timeout_follow_one_setting():
    assert _settings_with_time_limit("600").stdout.split() == ["600", "480", "720"]
    assert _settings_with_time_limit("5").stdout.split() == ["5", "4", "6"]


def test_it_refuses_a_time_limit_too_short_to_leave_a_margin():
    result = _settings_with_time_limit("4")
    assert result.returncode != 0
    assert "CELERY_TASK_TIME_LIMIT must be at least 5 seconds" in result.stderr
