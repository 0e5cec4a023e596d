"""``python manage.py bench`` (``make bench``): how the learner's archive, a staff queue page and
the desk scale with the size of the data set, and what each costs beside the floor.

It generates the bench data set (``bench_data``) at a tenth of ``--learners``, measures, extends
it to ``--learners`` and measures again, then prints one Markdown table with both sizes side by
side: p50, p95 and maximum server time of each page over many requests, the SQL queries a
request makes, the row counts and the machine. A page whose time grows with the table size is
missing an index or fetching more than it shows.

The floor is the cheapest signed-in page — the home page, which does no work of its own, so its
time is what every page pays before its own work (session, user, roles, unread notices, the
header's to-do total, navigation) — measured for the learner and for the member of staff; each
page's p50 is printed as a ratio to the floor of the same person. "person not cached" pages
measure the floor and the desk with ``CREDITBANK_USER_STATE_SECONDS = 0``: what every page paid
before ``accounts.cache`` kept the person's roles, account and unread notices, side by side.

Afterwards ``check_ledger`` checks that the generated ledger agrees with its decisions, history
and audit events; with ``--verify-audit-chain``, ``verify_audit_chain`` also walks the generated
audit chain (one event per history step, about 80 a learner: minutes at 100 000 learners).

Times are measured in-process — the wall time of ``django.test.Client.get``, which runs the
whole middleware stack, the view and the template, but no network or WSGI server — with DEBUG
off, the Redis cache and the cached-database sessions as configured, and one database
connection kept across requests (the test client never closes it, as production's CONN_MAX_AGE
keeps it). The queries of a request, and the time spent in the database, are measured in
separate passes, so that observing them does not slow the timed requests.

Only on a bench database (its name contains ``bench``): ``make bench`` derives one from
DATABASE_URL. A data set already larger than a tenth of ``--learners`` is emptied first, since
the smaller size cannot be measured on it. ``--measure-only`` measures the data set as it is
(after changing a page, say), without generating anything.
"""

import contextlib
import gc
import os
import platform
import statistics
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from accounts.roles import LEARNER
from achievements.models import Achievement, AchievementEvent, CreditEntry
from branches.models import StaffAssignment
from creditbank.models import AuditEvent

from .bench_data import (
    bench_learner_count,
    bench_learner_username,
    bench_staff_username,
    require_bench_database,
)

# The per-request target for the archive of a learner with 20 achievements (in-process).
TARGET_MS = 20.0


@dataclass(frozen=True)
class Page:
    """A page to measure: its URL name, who opens it (``learner`` or ``staff``), and whether
    each request finds the cache empty (``cold``: the archive's first view after a change,
    a restart or an eviction, rather than a second look)."""

    url_name: str
    label: str
    who: str
    cold: bool = False
    # The person's state (accounts.cache) read from the database on every request.
    uncached_person: bool = False

    @property
    def key(self) -> str:
        return ":".join(
            [self.url_name, self.who]
            + ["cold"] * self.cold
            + ["uncached-person"] * self.uncached_person
        )

    @property
    def is_floor(self) -> bool:
        return self.url_name == FLOOR and not self.cold and not self.uncached_person


# The cheapest signed-in page: the home page does nothing of its own.
FLOOR = "home"
# The desk's goal: within this ratio of the floor (issue 11).
DESK_RATIO = 1.5

PAGES = [
    Page(FLOOR, "Floor: home page, learner", LEARNER),
    Page(FLOOR, "Floor: home page, staff", "staff"),
    Page(FLOOR, "Floor, person not cached, learner", LEARNER, uncached_person=True),
    Page(FLOOR, "Floor, person not cached, staff", "staff", uncached_person=True),
    Page("accounts:desk", "Desk, learner", LEARNER),
    Page("accounts:desk", "Desk, staff", "staff"),
    Page("accounts:desk", "Desk, person not cached, staff", "staff", uncached_person=True),
    Page("achievements:archive", "Archive", LEARNER),
    Page("achievements:archive", "Archive, nothing cached", LEARNER, cold=True),
    Page("achievements:review_check_queue", "First-check queue", "staff"),
]


def floor_of(page: Page) -> Page:
    return next(p for p in PAGES if p.is_floor and p.who == page.who)


def empty_cache():
    """A fresh, empty cache namespace (the sessions fall back to the database with it)."""
    caches = {**settings.CACHES}
    caches["default"] = {
        **caches["default"],
        "KEY_PREFIX": f"{caches['default'].get('KEY_PREFIX', '')}-cold-{uuid.uuid4().hex}",
    }
    return override_settings(CACHES=caches)


@dataclass
class Timing:
    """One page at one size: times in ms, or why it could not be measured."""

    path: str = ""
    times: list[float] | None = None
    queries: int | None = None
    sql_ms: float | None = None
    failure: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=20, method="inclusive")[18]

    @property
    def worst(self) -> float:
        return max(self.times)

    def cell(self) -> str:
        if self.failure:
            return "—"
        return f"{self.p50:.1f} / {self.p95:.1f} / {self.worst:.1f}"


class SqlTimer:
    """A database execute wrapper adding up the wall time of the queries it sees."""

    def __init__(self) -> None:
        self.total = 0.0

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.total += time.perf_counter() - began


@dataclass
class Measurement:
    """Everything measured at one size of the data set."""

    learners: int
    rows: dict[str, int]
    learner: str
    learner_achievements: int
    staff: str
    branch: str
    waiting: int
    pages: dict[str, Timing]
    # p50 of each page over rounds that request every page once in turn: a busy machine slows
    # them alike, so their ratios to the floor hold better than those of separate passes.
    interleaved: dict[str, float] = field(default_factory=dict)


class Command(BaseCommand):
    help = (
        "Benchmark the floor (the home page signed in), the desk, the archive and the "
        "first-check queue at a tenth of --learners and at --learners (generating the bench "
        "data set), and print a Markdown table with each page's ratio to the floor."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--learners", type=int, default=100_000, help="the larger size (default 100000)"
        )
        parser.add_argument(
            "--per-learner", type=int, default=20, help="achievements per learner (default 20)"
        )
        parser.add_argument(
            "--requests", type=int, default=300, help="timed requests per page (default 300)"
        )
        parser.add_argument(
            "--warmup", type=int, default=30, help="untimed requests first (default 30)"
        )
        parser.add_argument(
            "--measure-only",
            action="store_true",
            help="measure the bench data set as it is, without generating anything",
        )
        parser.add_argument(
            "--no-check-ledger",
            action="store_true",
            help="skip check_ledger on the full data set",
        )
        parser.add_argument(
            "--audit-steps",
            choices=["all", "ledger"],
            default="all",
            help="bench_data's --audit-steps: an audit event for every history step (default) "
            "or only for those check_ledger cross-checks (faster)",
        )
        parser.add_argument(
            "--verify-audit-chain",
            action="store_true",
            help="also run verify_audit_chain on the full data set (slow: every event's HMAC)",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        # WhiteNoise warns once that STATIC_ROOT was never collected; beside the point here.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        require_bench_database()
        learners, per = options["learners"], options["per_learner"]
        if learners < 10 or per < 1 or options["requests"] < 2:
            raise CommandError("Use --learners 10 or more, --per-learner and --requests ≥ 2.")
        self.options = options
        existing = bench_learner_count()
        self._say(f"the bench database holds {existing:,} bench learners")
        results, generation = [], []
        if options["measure_only"]:
            if not existing:
                raise CommandError("There is no bench data set to measure: run bench_data.")
            self._settle()
            results.append(self._measure(existing))
        else:
            sizes = [learners // 10, learners]
            reset = existing > sizes[0]
            if reset:
                self._say(
                    f"that is more than {sizes[0]:,}, the smaller size to measure: starting "
                    "again from an empty bench database"
                )
            for size in sizes:
                generated = time.monotonic()
                call_command(
                    "bench_data",
                    learners=size,
                    per_learner=per,
                    reset=reset,
                    audit_steps=options["audit_steps"],
                )
                reset = False
                generation.append(time.monotonic() - generated)
                self._settle()
                self._say(f"measuring at {size:,} learners…")
                results.append(self._measure(size))
        checks = []
        if not options["no_check_ledger"]:
            checks.append(self._check("check_ledger", "the ledger holds"))
        if options["verify_audit_chain"]:
            checks.append(self._check("verify_audit_chain", "the audit chain is intact"))
        total = time.monotonic() - started
        self.stdout.write("")
        self.stdout.write(self._report(results, generation, checks, total))
        if any("FAILED" in check for check in checks):
            raise CommandError(
                "The bench data set breaks the ledger's invariants or the audit chain (see above)."
            )

    def _settle(self) -> None:
        """Flush what the generation wrote (a checkpoint, where the role may ask for one) so
        that the server's background writes do not run during the timed requests."""
        try:
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
        except DatabaseError:
            self._say("(no CHECKPOINT: the database role may not ask for one)")

    def _say(self, message: str) -> None:
        self.stdout.write(f"bench: {message}", ending="\n")
        self.stdout.flush()

    # --- Measuring --------------------------------------------------------------------------

    def _measure(self, size: int) -> Measurement:
        learner = User.objects.get(username=bench_learner_username(max(1, size // 2)))
        staff = User.objects.get(username=bench_staff_username(1))
        posting = StaffAssignment.objects.select_related("branch").get(user=staff)
        pages = {}
        for page in PAGES:
            pages[page.key] = self._time_page(page, learner if page.who == LEARNER else staff)
        interleaved = self._interleaved(
            [p for p in PAGES if not pages[p.key].failure], learner, staff
        )
        return Measurement(
            learners=size,
            rows=self._row_counts(),
            learner=learner.username,
            learner_achievements=Achievement.objects.filter(account__user=learner).count(),
            staff=staff.username,
            branch=posting.branch.name,
            waiting=Achievement.objects.filter(
                first_check_branch=posting.branch, status=Achievement.Status.UNDER_REVIEW
            ).count(),
            pages=pages,
            interleaved=interleaved,
        )

    def _interleaved(self, pages: list[Page], learner, staff) -> dict[str, float]:
        """The p50 of each page over rounds in which every page is requested once, in turn."""
        rounds = max(2, self.options["requests"] // 3)
        self._say(f"interleaved: {rounds} rounds of {len(pages)} pages…")
        clients = {}
        for page in pages:
            clients[page.key] = client = Client()
            client.force_login(learner if page.who == LEARNER else staff)
        times: dict[str, list[float]] = {page.key: [] for page in pages}
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for page in pages:  # warm each client (session, the person's cached state)
                clients[page.key].get(reverse(page.url_name))
            gc.collect()
            for _ in range(rounds):
                for page in pages:
                    path = reverse(page.url_name)
                    person = {"CREDITBANK_USER_STATE_SECONDS": 0} if page.uncached_person else {}
                    with (
                        empty_cache() if page.cold else contextlib.nullcontext(),
                        override_settings(**person),
                    ):
                        began = time.perf_counter()
                        clients[page.key].get(path)
                        times[page.key].append((time.perf_counter() - began) * 1000)
        return {key: statistics.median(values) for key, values in times.items()}

    def _time_page(self, page: Page, user) -> Timing:
        try:
            path = reverse(page.url_name)
        except NoReverseMatch:
            self._say(f"{page.label}: the URL name {page.url_name!r} does not exist (yet)")
            return Timing(failure=f"URL name {page.url_name!r} not defined")
        # As in production: no DEBUG (no query log, no debug context). "testserver" is the
        # test client's host name.
        person = {"CREDITBANK_USER_STATE_SECONDS": 0} if page.uncached_person else {}
        with override_settings(
            DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], **person
        ):
            return self._time_requests(page, path, user)

    def _time_requests(self, page: Page, path: str, user) -> Timing:
        options = self.options
        client = Client()
        client.force_login(user)
        try:
            response = client.get(path)
        except Exception as exc:  # a page under construction may fail: say so, keep going
            self._say(f"{page.label} ({path}) raised {exc!r}")
            return Timing(path=path, failure=f"raised {type(exc).__name__}")
        if response.status_code != 200:
            where = response.get("Location", "")
            self._say(f"{page.label} ({path}) answered {response.status_code} {where}")
            return Timing(path=path, failure=f"HTTP {response.status_code} {where}".strip())
        for _ in range(options["warmup"]):
            client.get(path)
        gc.collect()  # start the timed requests with no garbage left by the warm-up
        times, refused = [], 0
        for _ in range(options["requests"]):
            with empty_cache() if page.cold else contextlib.nullcontext():
                began = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
            refused += response.status_code != 200
        if refused:
            self._say(f"{page.label}: {refused} of {len(times)} timed requests were not 200")
        # Separate passes, so that neither the query log nor the wrapper slows the timing:
        # the queries of one request, then the time spent in the database per request.
        with (
            empty_cache() if page.cold else contextlib.nullcontext(),
            CaptureQueriesContext(connection) as captured,
        ):
            client.get(path)
        # Counted now: the capture reads the connection's query log, which the next request
        # empties.
        queries = len(captured)
        sql = SqlTimer()
        sql_times = []
        with connection.execute_wrapper(sql):
            for _ in range(min(options["requests"], 50)):
                sql.total = 0.0
                with empty_cache() if page.cold else contextlib.nullcontext():
                    client.get(path)
                sql_times.append(sql.total * 1000)
        timing = Timing(
            path=path, times=times, queries=queries, sql_ms=statistics.median(sql_times)
        )
        self._say(
            f"{page.label} ({path}) as {user.username}: p50 {timing.p50:.1f} ms, "
            f"p95 {timing.p95:.1f} ms, max {timing.worst:.1f} ms; {timing.queries} queries "
            f"taking {timing.sql_ms:.1f} ms (median)"
        )
        return timing

    @staticmethod
    def _row_counts() -> dict[str, int]:
        return {
            "achievements": Achievement.objects.count(),
            "ledger entries": CreditEntry.objects.count(),
            "history events": AchievementEvent.objects.count(),
            "audit events": AuditEvent.objects.count(),
        }

    def _check(self, command: str, verdict: str) -> str:
        """Run a checking command over the full data set; one line for the report."""
        self._say(f"{command} on the full data set…")
        began = time.monotonic()
        try:
            call_command(command, stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            return f"{command} FAILED: {exc}"
        return f"{command}: {verdict} ({time.monotonic() - began:,.0f} s)"

    # --- The report -------------------------------------------------------------------------

    def _report(
        self, results: list[Measurement], generation: list[float], checks: list[str], total
    ) -> str:
        options = self.options
        head = "| | " + " | ".join(f"{m.learners:,} learners" for m in results) + " |"
        lines = [head, "| --- |" + " ---: |" * len(results)]

        def row(label: str, cells) -> None:
            lines.append(f"| {label} | " + " | ".join(cells) + " |")

        for name in results[0].rows:
            row(name, [f"{m.rows[name]:,}" for m in results])
        for page in PAGES:
            timings = [m.pages[page.key] for m in results]
            path = next((t.path for t in timings if t.path), page.url_name)
            row(f"{page.label} `{path}` p50 / p95 / max (ms)", [t.cell() for t in timings])
            row(
                f"{page.label}: SQL queries per request (time in the database, median ms)",
                ["—" if t.queries is None else f"{t.queries} ({t.sql_ms:.1f})" for t in timings],
            )
            if not page.is_floor:
                floor = floor_of(page)
                row(
                    f"{page.label}: p50 against the floor ({floor.label}), interleaved",
                    [interleaved_ratio(m, page, floor) for m in results],
                )
        row(
            f"under review at {results[0].staff}'s branch (first-check queue length)",
            [f"{m.waiting:,}" for m in results],
        )
        if generation:
            row("data generation (s)", [f"{seconds:,.0f}" for seconds in generation])

        large = results[-1]
        learners = ", ".join(m.learner for m in results)
        notes = [
            "",
            f"Archive of the learner in the middle of the data set ({learners}; "
            f"{large.learner_achievements} achievements each); queue of {large.staff} (branch "
            f"staff with TOTP) at {large.branch}. {options['requests']} timed requests per "
            f"page after {options['warmup']} warm-up, in-process (django.test.Client), DEBUG "
            "off, Redis cache, cached_db sessions, one database connection kept across "
            "requests (as with production's CONN_MAX_AGE). The archive caches each "
            'achievement\'s card and its ledger sections; "nothing cached" gives every '
            "request an empty cache namespace (the archive's first view after a change; the "
            "session is then read from the database too).",
            f"Machine: {cpu_model()}, {os.cpu_count()} cores; PostgreSQL {postgres_version()}; "
            f"Python {platform.python_version()}; Django {django.get_version()}.",
        ]
        notes += self._verdict(results)
        notes += [check + "." for check in checks]
        notes.append(
            f"Total run time {total / 60:,.1f} min "
            f"({datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC)."
        )
        return "\n".join(lines + notes)

    @staticmethod
    def _verdict(results: list[Measurement]) -> list[str]:
        """Per page: p95 at the largest size, the archive against its target, and the growth
        against the smaller size when there is one."""
        verdict = []
        large = results[-1]
        for page in PAGES:
            timings = [m.pages[page.key] for m in results]
            failed = next((t.failure for t in timings if t.failure), "")
            if failed:
                verdict.append(f"{page.label}: not measured ({failed}).")
                continue
            text = f"{page.label}: p95 {timings[-1].p95:.1f} ms at {large.learners:,} learners"
            if page.url_name == "accounts:desk" and not page.uncached_person:
                shown = interleaved_ratio(large, page, floor_of(page))
                if shown != "—":
                    met = float(shown[1:]) <= DESK_RATIO
                    text += (
                        f" — p50 {shown} the floor (interleaved), goal ≤ ×{DESK_RATIO} "
                        f"{'met' if met else 'MISSED'}"
                    )
            if page.url_name == "achievements:archive" and not page.cold:
                met = max(t.p95 for t in timings) <= TARGET_MS
                text += f" — target p95 ≤ {TARGET_MS:.0f} ms {'met' if met else 'MISSED'}"
            if len(timings) > 1:
                growth = timings[-1].p95 / timings[0].p95
                smaller = results[0].learners
                text += f"; ×{growth:.2f} against {smaller:,} learners"
            verdict.append(text + ".")
        return verdict


def interleaved_ratio(measurement: Measurement, page: Page, floor: Page) -> str:
    """``page``'s p50 over the floor's, both from the interleaved rounds."""
    times = measurement.interleaved
    if page.key not in times or floor.key not in times:
        return "—"
    return f"×{times[page.key] / times[floor.key]:.2f}"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def postgres_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]
