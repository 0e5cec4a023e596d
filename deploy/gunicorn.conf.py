"""Gunicorn settings for the credit bank's web processes.

Used by every production layout in deploy/ (the container image, the systemd unit and the
Kubernetes web Deployment):

    gunicorn --config deploy/gunicorn.conf.py creditbank.wsgi:application

`make run` uses it too (scripts/devservices.py), with --bind, --workers and --threads given on
its command line, which take precedence over the values below.

Everything that differs between hosts comes from the environment, so one file serves all of them:

    GUNICORN_BIND         address(es) to listen on, comma-separated (default 127.0.0.1:8000;
                          the container image sets 0.0.0.0:8000)
    GUNICORN_WORKERS      worker processes (default 2 x CPUs + 1 -- set it explicitly in
                          containers, where the CPU count is the host's, not the quota's)
    GUNICORN_THREADS      threads per worker (default 1: plain sync workers)
    GUNICORN_TIMEOUT      seconds before a silent worker is killed and replaced (default 30)
    FORWARDED_ALLOW_IPS   proxies trusted to set X-Forwarded-Proto (default 127.0.0.1,::1)
    LOG_LEVEL             the project's log level, reused for gunicorn's error log

Web processes keep no state of their own: sessions and cache are in Redis/PostgreSQL and files
in MEDIA_ROOT (shared storage), so any number of them can run side by side.
"""

import os


def _env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "creditbank.wsgi:application"

bind = [
    address.strip()
    for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]

# Sync workers are enough: nginx (and ingress-nginx) buffer whole request bodies, including the
# 10 MB evidence uploads, before passing them on, so a slow client never ties up a worker.
# PDF rendering and batch imports run in Celery, not in a web request.
workers = _env_int("GUNICORN_WORKERS", 2 * _cpus() + 1)
threads = _env_int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

timeout = _env_int("GUNICORN_TIMEOUT", 30)
# Time a worker gets to finish its request after SIGTERM (rolling deploys, systemctl stop).
graceful_timeout = 25
# Only used by gthread workers; sync workers close the connection after each response.
keepalive = 5

# Replace each worker after a while so slow memory growth never accumulates.
max_requests = 1000
max_requests_jitter = 100

# The heartbeat file of each worker: keep it in memory when possible (a slow or read-only disk
# would make gunicorn think its workers hang).
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"

# Only these peers may tell gunicorn that the original request was HTTPS. Django itself trusts
# X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER), so the web processes must be reachable only
# through the proxy: bound to 127.0.0.1, or not published outside the container network.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# --- Logging -----------------------------------------------------------------------------------
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# The access log never contains query strings or the Referer header (which carries the previous
# page's query string): full ID numbers must never reach a log. %(U)s is the path without the
# query string; the default format's %(r)s (request line) and %(f)s (referer) are left out on
# purpose. %({x-forwarded-for}i)s is the client address as the proxy saw it.
access_log_format = (
    '%(h)s client=%({x-forwarded-for}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
)
