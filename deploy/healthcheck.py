"""Health checks run inside the credit bank's containers (compose `healthcheck:`, k8s exec probes).

    python deploy/healthcheck.py web     /healthz of the gunicorn in this container answers 200
                                         (which means database, Redis and a Celery worker are up)
    python deploy/healthcheck.py worker  the Celery worker in this container answers a ping
    python deploy/healthcheck.py beat    celery beat wrote its schedule file recently

Exit status 0 means healthy. Only the standard library is imported, except by `worker`, which
asks through the project's Celery app.
"""

import glob
import os
import socket
import sys
import time
import urllib.request
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent

# Beat writes its schedule file at least every 3 minutes plus one loop interval (5 minutes at
# most), so a file older than this means the scheduler loop has stopped.
BEAT_SCHEDULE = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILE", "/var/lib/creditbank/beat/celerybeat-schedule"
)
BEAT_MAX_AGE_SECONDS = 15 * 60


def check_web():
    # Django answers only to ALLOWED_HOSTS, so ask with one of them. "/healthz" is exempt from the
    # HTTPS redirect; a leading dot (".example.org", any subdomain) still matches the bare name.
    host = os.environ.get("HEALTHCHECK_HOST") or os.environ.get("ALLOWED_HOSTS", "localhost")
    host = host.split(",")[0].strip().lstrip(".")
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (fixed URL)
            return response.status == 200
    except OSError as error:  # URLError and HTTPError (non-2xx) are OSErrors
        print(f"web: {error}", file=sys.stderr)
        return False


def check_worker():
    sys.path.insert(0, str(APP_DIR))
    from creditbank.celery import app

    node = f"celery@{socket.gethostname()}"
    try:
        replies = app.control.ping(destination=[node], timeout=5.0)
    except Exception as error:  # noqa: BLE001 - the broker unreachable, or anything else: unhealthy
        print(f"worker: {error.__class__.__name__}: {error}", file=sys.stderr)
        return False
    if not replies:
        print(f"worker: no reply from {node}", file=sys.stderr)
    return bool(replies)


def check_beat():
    files = glob.glob(BEAT_SCHEDULE + "*")  # dbm may add .db/.dat/.dir to the name
    if not files:
        print(f"beat: no schedule file {BEAT_SCHEDULE}", file=sys.stderr)
        return False
    age = time.time() - max(os.path.getmtime(name) for name in files)
    if age > BEAT_MAX_AGE_SECONDS:
        print(f"beat: schedule last written {age:.0f} s ago", file=sys.stderr)
        return False
    return True


CHECKS = {"web": check_web, "worker": check_worker, "beat": check_beat}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(CHECKS)}")
    sys.exit(0 if CHECKS[sys.argv[1]]() else 1)
