"""Liveness of the parts the portal needs: PostgreSQL, Redis and at least one Celery worker."""

import redis
from django.conf import settings
from django.db import connection

from .celery import app as celery_app


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return f"down: {exc.__class__.__name__}"
    return "ok"


def check_redis() -> str:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return f"down: {exc.__class__.__name__}"
    return "ok"


def check_celery() -> str:
    try:
        replies = celery_app.control.ping(timeout=1.0)
    except Exception as exc:  # noqa: BLE001
        return f"down: {exc.__class__.__name__}"
    return "ok" if replies else "down: no worker answered"


def health() -> dict[str, str]:
    checks = {"database": check_database(), "redis": check_redis()}
    # Asking the workers goes through the broker; with Redis down it could only time out.
    checks["celery"] = check_celery() if checks["redis"] == "ok" else "down: broker unavailable"
    return checks
