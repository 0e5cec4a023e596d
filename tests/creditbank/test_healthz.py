import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_part_as_json(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert set(body) == {"status", "database", "redis", "celery"}
    assert response.status_code == (200 if body["celery"] == "ok" else 503)


def test_healthz_is_503_when_redis_is_down(client, settings):
    with socket_closed_port() as port:
        settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["redis"].startswith("down")
    assert body["celery"] == "down: broker unavailable"


class socket_closed_port:
    """A local port nothing listens on."""

    def __enter__(self):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def __exit__(self, *exc):
        return False
