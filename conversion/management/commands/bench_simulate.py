"""``python manage.py bench_simulate`` (run by ``make bench`` after ``bench_conversion``): the
what-if simulator (模拟转换, issue 13) for a learner with 50 recognised achievements at a programme
with 200 applicable rules, beside the learner's archive in the same run, and the rule engine
alone.

Data. In the conversion data set of issue 12 (``bench_conversion_data``, generated at the sizes
given if there is none) and beside the bench learners (``bench_data``, generated if there are
none), it adds once (idempotent, ``prepare``): one bench institution with one programme of 200
courses and 200 published rules in force (one version each, targets, atoms, published as the
generator publishes), and two bench learners with 10 and 50 recognised achievements (the 10 are
the first 10 of the 50). Seven rules in eight name something the 50-achievement learner holds —
a certificate of the bench list, a unit standard, a self-study exam subject, a course of another
bench institution, an online course at a level — alone, as one of two (any), beside something
not held (all: a partial match) or as two of three (n_of); the eighth names only certificates
not held (a miss). Holdings are fewer than rules, so the engine also chooses between rules that
want the same achievement, and the programme's share cap (50% of 120 credits) cuts.

Measured, in interleaved rounds so that a busy machine slows both alike: the simulator page
(``conversion:my_simulate?programme=<pk>``, signed in as the 50-achievement learner) and the
archive of the bench learner in the middle of the bench learners (the page ``bench`` and
``bench_conversion`` measure); p50, p95 and maximum of each, the simulator's p95 as a ratio to
the archive's (target: within 2×), the SQL queries of one simulator request for the 10- and the
50-achievement learner (target: the same), and ``conversion.engine.evaluate`` alone on the
prepared ``Situation`` (no database; target: p95 under 5 ms).

Times are in-process (``django.test.Client``: middleware, view and template, no network), DEBUG
off, the cache and sessions as configured, one database connection kept. Only on a bench
database (its name contains ``bench``).
"""

import datetime
import gc
import hashlib
import os
import platform
import statistics
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC
from datetime import datetime as dt
from decimal import Decimal

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Institution, LearnerAccount, RoleGrant, User
from accounts.roles import EXPERT
from achievements.management.commands.bench import cpu_model, postgres_version
from achievements.management.commands.bench_data import (
    bench_learner_count,
    bench_learner_username,
    require_bench_database,
)
from achievements.models import (
    Achievement,
    AchievementCategory,
    QualificationLevel,
    Recognition,
    UnitStandard,
)
from branches.models import AccountHome

from ... import engine
from ...models import (
    Certificate,
    ConversionRule,
    Course,
    Programme,
    RuleAtom,
    RuleTarget,
    RuleVersion,
    SelfStudySubject,
)
from ...simulation import situation_for
from ...source import atoms_rows
from .bench_conversion_data import (
    BENCH_USERNAME,
    INSTITUTION_CODE_PREFIX,
    bench_institution_count,
)

# The goals (issue 13).
ARCHIVE_RATIO = 2.0
ENGINE_MS = 5.0

INSTITUTION_CODE = "BENCHSM00000000001"
PROGRAMME_CODE = "BSIM01"
LEARNER_PREFIX = "bench-simulate-"
STANDARD_PREFIX = "BSIM-STD-"
ARCHIVE, SIMULATOR = "archive", "simulator"


def simulate_learner_username(achievements: int) -> str:
    return f"{LEARNER_PREFIX}{achievements:03d}"


@dataclass
class Catalogue:
    """What the bench learner may hold, by kind, in the order the learner's holdings are made."""

    certificates: list  # Certificate
    standards: list  # UnitStandard
    subjects: list  # SelfStudySubject
    courses: list  # Course of other bench institutions
    online_levels: list  # level numbers of the online courses
    not_held: list = field(default_factory=list)  # Certificates the learner lacks


# Of the 50 holdings: 15 certificates, 10 unit standards, 10 subjects, 10 courses, 5 online
# courses. The 10-achievement learner holds 3, 2, 2, 2 and 1 of them.
HELD = {"certificates": 15, "standards": 10, "subjects": 10, "courses": 10, "online": 5}
HELD_SMALL = {"certificates": 3, "standards": 2, "subjects": 2, "courses": 2, "online": 1}


# --- The data --------------------------------------------------------------------------------


def _pick(items: list, r: int, step: int) -> object:
    return items[(r * step) % len(items)]


def _cert_atom(certificate, *, within=None) -> dict:
    return {
        "type": "atom",
        "kind": "certificate",
        "certificate": certificate.pk,
        "within_years": within,
        "min_result": None,
    }


def _source(r: int, cat: Catalogue) -> dict:
    """Rule ``r``'s source: seven shapes naming what the learner holds, one naming nothing."""
    held_cert = _cert_atom(_pick(cat.certificates, r, 7), within=5 if r % 3 == 0 else None)
    lacking = _cert_atom(_pick(cat.not_held, r, 3))
    standard = {
        "type": "atom",
        "kind": "standard",
        "code": _pick(cat.standards, r // 8, 1).code,
        "within_years": None,
        "min_result": None,
    }
    subject = {
        "type": "atom",
        "kind": "self_study",
        "subject": _pick(cat.subjects, r // 8 + r % 2, 1).code,
        "within_years": None,
        "min_result": {"kind": "pass"},
    }
    course = {
        "type": "atom",
        "kind": "course",
        "course": _pick(cat.courses, r // 8, 1).pk,
        "within_years": None,
        "min_result": {"kind": "score", "value": 60 + 10 * (r % 3)},
    }
    online = {
        "type": "atom",
        "kind": "category",
        "category": "online_course",
        "min_level": 3,
        "within_years": 3,
        "min_result": {"kind": "pass"},
    }
    shape = r % 8
    if shape == 0:
        items = [held_cert]
    elif shape == 1:
        return {"type": "any", "items": [lacking, held_cert]}
    elif shape == 2:
        items = [standard]
    elif shape == 3:
        items = [subject]
    elif shape == 4:
        items = [course]
    elif shape == 5:
        return {"type": "n_of", "n": 2, "items": [held_cert, subject, online]}
    elif shape == 6:
        items = [held_cert, lacking]
    else:
        items = [lacking, _cert_atom(_pick(cat.not_held, r + 1, 5))]
    return {"type": "all", "items": items}


def _catalogue(institution, user) -> Catalogue:
    """The certificates, subjects and courses of the conversion data set the learner holds, and
    ten approved unit standards of the bench institution (made once)."""
    certificates = list(Certificate.objects.filter(issuer="基准测试发证机构").order_by("pk"))
    subjects = list(SelfStudySubject.objects.filter(code__startswith="9").order_by("code"))
    courses = list(
        Course.objects.filter(institution__credit_code__startswith=INSTITUTION_CODE_PREFIX)
        .order_by("institution_id", "pk")
        .distinct("institution_id")[: HELD["courses"]]
    )
    if len(certificates) < 40 or len(subjects) < HELD["subjects"] or len(courses) < 10:
        raise CommandError("The conversion bench data set is too small: run bench_conversion_data.")
    level = QualificationLevel.objects.get(number=3)
    standards = []
    for n in range(HELD["standards"]):
        standard = UnitStandard.objects.filter(code=f"{STANDARD_PREFIX}{n:03d}").first()
        if standard is None:
            standard = UnitStandard.objects.create(
                code=f"{STANDARD_PREFIX}{n:03d}",
                name=f"基准认证单元 {n:03d}",
                field="信息技术",
                level=level,
                credit_value=Decimal("3.00"),
                outcomes="基准测试数据。",
                issuing_institution=institution,
                status=UnitStandard.Status.APPROVED,
                created_by=user,
                submitted_at=timezone.now(),
                decided_at=timezone.now(),
            )
            standard.authors.add(user)
        standards.append(standard)
    return Catalogue(
        certificates=certificates[: HELD["certificates"]],
        standards=standards,
        subjects=subjects[: HELD["subjects"]],
        courses=courses,
        online_levels=[3, 4, 3, 5, 2],
        not_held=certificates[HELD["certificates"] : 40],
    )


def _programme(user) -> tuple[Programme, bool]:
    """The bench institution and its programme of 200 courses (made once)."""
    institution, _created = Institution.objects.get_or_create(
        credit_code=INSTITUTION_CODE,
        defaults={
            "name": "模拟转换基准院校",
            "kind": "higher_vocational",
            "status": "approved",
            "address": "重庆市",
        },
    )
    programme = Programme.objects.filter(institution=institution, code=PROGRAMME_CODE).first()
    if programme is not None:
        return programme, False
    programme = Programme.objects.create(
        institution=institution,
        code=PROGRAMME_CODE,
        name="计算机应用技术（专科，模拟转换基准）",
        level="junior_college",
        field="信息技术",
        graduation_credits=Decimal("120"),
        conversion_share=50,
        created_by=user,
    )
    return programme, True


def _courses(programme, user, count: int) -> list[Course]:
    names = ["计算机应用基础", "大学英语", "高等数学", "数据库应用技术", "Python程序设计"]
    courses = Course.objects.bulk_create(
        Course(
            institution_id=programme.institution_id,
            code=f"BS{c:04d}",
            name=f"{names[c % len(names)]}（{c // len(names) + 1}）",
            credits=Decimal(2 + c % 4),
            hours=16 * (2 + c % 4),
            level="junior_college",
            field="信息技术",
            kind="required" if c % 3 else "elective",
            mode="blended",
            is_public=True,
            created_by=user,
        )
        for c in range(count)
    )
    Course.programmes.through.objects.bulk_create(
        Course.programmes.through(course_id=c.pk, programme_id=programme.pk) for c in courses
    )
    return courses


def _rules(programme, courses, cat: Catalogue, user, count: int) -> None:
    """``count`` published rules in force, each targeting its course (credits, or an exemption
    for one in seven) and every fifth also the next course."""
    today = timezone.localdate()
    for r in range(count):
        rule = ConversionRule.objects.create(
            institution_id=programme.institution_id,
            number=f"BS-{r:05d}",
            title=f"模拟转换基准规则 {r:03d}",
            created_by=user,
        )
        version = RuleVersion.objects.create(
            rule=rule,
            programme=programme,
            source=_source(r, cat),
            valid_from=today - datetime.timedelta(days=400),
            notes_zh="基准测试数据。",
            notes_en="Bench data.",
            created_by=user,
        )
        version.authors.add(user)
        targets = [courses[r % len(courses)]]
        if r % 5 == 4:
            targets.append(courses[(r + 1) % len(courses)])
        RuleTarget.objects.bulk_create(
            RuleTarget(
                version=version,
                course=course,
                outcome="exemption" if r % 7 == 6 else "credits",
                credits=None if r % 7 == 6 else min(Decimal("2.00"), course.credits),
            )
            for course in targets
        )
        RuleAtom.objects.bulk_create(atoms_rows(version))
    # Published as bench_conversion_data publishes: one UPDATE, so the triggers see it whole.
    now = timezone.now()
    RuleVersion.objects.filter(programme=programme, status=RuleVersion.Status.DRAFT).update(
        status=RuleVersion.Status.PUBLISHED,
        submitted_at=now,
        review_started_at=now,
        review_round=1,
        approved_by=user,
        approved_at=now,
        published_by=user,
        published_at=now,
    )


def _holdings(cat: Catalogue, share: dict) -> list[dict]:
    """The achievements (as model field values) for ``share`` items of each kind."""
    categories = {c.code: c for c in AchievementCategory.objects.all()}
    levels = {level.number: level for level in QualificationLevel.objects.all()}
    today = timezone.localdate()
    rows = []
    for n, certificate in enumerate(cat.certificates[: share["certificates"]]):
        rows.append(
            {
                "category": certificate.category,
                "title": f"{certificate.name}{certificate.grade}证书",
                "issuer_name": certificate.issuer,
                "obtained_on": today - datetime.timedelta(days=200 + 97 * n),
                "result_kind": "pass",
                "result_value": "pass",
                "credits": Decimal("3.00"),
                "level": levels[3],
            }
        )
    for n, standard in enumerate(cat.standards[: share["standards"]]):
        rows.append(
            {
                "category": categories["training"],
                "title": f"{standard.name}培训",
                "issuer_name": "重庆市职业技能培训协会",
                "obtained_on": today - datetime.timedelta(days=150 + 61 * n),
                "result_kind": "pass",
                "result_value": "pass",
                "credits": standard.credit_value,
                "level": standard.level,
                "unit_standard": standard,
            }
        )
    for n, subject in enumerate(cat.subjects[: share["subjects"]]):
        rows.append(
            {
                "category": categories["self_study_exam"],
                "title": f"{subject.name}（{subject.code}）",
                "issuer_name": "重庆市教育考试院",
                "obtained_on": today - datetime.timedelta(days=300 + 53 * n),
                "result_kind": "score",
                "result_value": str(62 + 3 * n),
                "credits": subject.credits,
                "level": levels[4],
            }
        )
    for n, course in enumerate(cat.courses[: share["courses"]]):
        rows.append(
            {
                "category": categories["academic_course"],
                "title": f"{course.name}（{course.code}）",
                "issuer_institution": course.institution,
                "obtained_on": today - datetime.timedelta(days=250 + 71 * n),
                "result_kind": "score",
                "result_value": str(65 + 3 * n),
                "credits": course.credits,
                "level": levels[4],
            }
        )
    for n, level in enumerate(cat.online_levels[: share["online"]]):
        rows.append(
            {
                "category": categories["online_course"],
                "title": f"在线课程：数据分析入门（{n + 1}）",
                "issuer_name": "国家开放大学",
                "obtained_on": today - datetime.timedelta(days=100 + 180 * n),
                "result_kind": "pass",
                "result_value": "pass",
                "credits": Decimal("1.00"),
                "level": levels[level],
            }
        )
    return rows


def _learner(username: str, rows: list[dict], decider) -> User:
    """A bench learner (account and home copied from the first bench learner's) with ``rows``
    as recognised achievements, each with its decision in force."""
    template = LearnerAccount.objects.select_related("user").get(
        user__username=bench_learner_username(1)
    )
    user = User(username=username, email=f"{username}@bench.creditbank.example")
    user.set_unusable_password()
    user.save()
    RoleGrant.objects.bulk_create(
        RoleGrant(user=user, role=grant.role) for grant in template.user.role_grants.all()
    )
    home = AccountHome.objects.filter(account=template).first()
    account = template
    account.pk = None
    account.user = user
    account.account_number = "BS" + hashlib.sha256(username.encode()).hexdigest()[:14].upper()
    account.id_number_hash = hashlib.sha256(f"bench-simulate:{username}".encode()).hexdigest()
    account.save(force_insert=True)
    if home is not None:
        home.pk = None
        home.account = account
        home.save(force_insert=True)
    now = timezone.now()
    for row in rows:
        facts = {k: v for k, v in row.items() if k not in {"credits", "level", "unit_standard"}}
        achievement = Achievement.objects.create(
            account=account,
            deposited_by=user,
            status=Achievement.Status.RECOGNISED,
            status_changed_at=now,
            **facts,
        )
        recognition = Recognition.objects.create(
            achievement=achievement,
            stage=Recognition.Stage.FIRST,
            outcome=Recognition.Outcome.RECOGNISED,
            status=Recognition.Status.IN_FORCE,
            unit_standard=row.get("unit_standard"),
            credits=row["credits"],
            level=row["level"],
            field="信息技术",
            decided_by=decider,
            decided_as=EXPERT,
        )
        achievement.recognition = recognition
        achievement.save(update_fields=["recognition"])
    return user


@transaction.atomic
def prepare(*, rules: int = 200, courses: int = 200) -> Programme:
    """The bench programme, its rules and the two bench learners (made once; idempotent)."""
    user = User.objects.get(username=BENCH_USERNAME)
    programme, created = _programme(user)
    cat = _catalogue(programme.institution, user)
    if created:
        made = _courses(programme, user, courses)
        _rules(programme, made, cat, user, rules)
    decider = User.objects.filter(role_grants__role=EXPERT).order_by("pk").first() or user
    for share in (HELD_SMALL, HELD):
        username = simulate_learner_username(sum(share.values()))
        if not User.objects.filter(username=username).exists():
            _learner(username, _holdings(cat, share), decider)
    return programme


# --- Measuring -------------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


@dataclass
class Timing:
    label: str
    path: str
    times: list[float] = field(default_factory=list)
    failure: str = ""

    def cell(self) -> str:
        if self.failure:
            return f"— ({self.failure})"
        return (
            f"{statistics.median(self.times):.1f} / {_p95(self.times):.1f} / {max(self.times):.1f}"
        )


class Command(BaseCommand):
    help = (
        "Benchmark the what-if simulator for a learner with 50 recognised achievements at a "
        "programme with 200 rules, beside the archive, and the rule engine alone; print a "
        "Markdown table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rules", type=int, default=200, help="rules of the programme")
        parser.add_argument(
            "--institutions",
            type=int,
            default=1_000,
            help="conversion data set (issue 12) to generate if there is none (default 1000)",
        )
        parser.add_argument("--courses", type=int, default=100_000)
        parser.add_argument("--conversion-rules", type=int, default=10_000)
        parser.add_argument(
            "--learners",
            type=int,
            default=2_000,
            help="bench learners for the archive, generated if there are none (default 2000)",
        )
        parser.add_argument("--rounds", type=int, default=200, help="timed rounds (default 200)")
        parser.add_argument("--warmup", type=int, default=20, help="untimed rounds (default 20)")
        parser.add_argument(
            "--engine-rounds", type=int, default=500, help="timed engine runs (default 500)"
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        require_bench_database()
        if options["rounds"] < 2 or options["engine_rounds"] < 2 or options["rules"] < 8:
            raise CommandError("Use --rounds and --engine-rounds of 2 or more, --rules 8 or more.")
        self.options = options
        if bench_learner_count() == 0:
            self._say(f"no bench learners: generating {options['learners']:,} for the archive")
            call_command("bench_data", learners=options["learners"], audit_steps="ledger")
        if bench_institution_count() == 0:
            self._say("no conversion data set (issue 12): generating it")
            call_command(
                "bench_conversion_data",
                institutions=options["institutions"],
                courses=options["courses"],
                rules=options["conversion_rules"],
                stdout=self.stdout,
            )
        programme = prepare(rules=options["rules"], courses=options["rules"])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self._say(f"the bench programme {programme.code} (pk {programme.pk}) is ready")
        report = self._measure(programme)
        self.stdout.write("")
        self.stdout.write(self._report(programme, report, time.monotonic() - started))

    def _say(self, message: str) -> None:
        self.stdout.write(f"bench_simulate: {message}")
        self.stdout.flush()

    def _measure(self, programme) -> dict:
        rules = RuleVersion.objects.in_force_on(timezone.localdate()).filter(programme=programme)
        rules = rules.count()
        big = User.objects.get(username=simulate_learner_username(sum(HELD.values())))
        small = User.objects.get(username=simulate_learner_username(sum(HELD_SMALL.values())))
        archive_learner = User.objects.get(
            username=bench_learner_username(max(1, bench_learner_count() // 2))
        )
        report: dict = {"queries": {}}
        try:
            simulate_path = f"{reverse('conversion:my_simulate')}?programme={programme.pk}"
        except NoReverseMatch:
            simulate_path = ""
        pages = [
            (Timing("Archive (bench learner, 20 achievements)", reverse("achievements:archive")),
             archive_learner),
            (Timing(f"Simulator ({sum(HELD.values())} achievements, {rules} rules)",
                    simulate_path), big),
        ]  # fmt: skip
        clients = {}
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            live = []
            for timing, user in pages:
                client = clients.setdefault(user.pk, Client())
                client.force_login(user)
                if not timing.path:
                    timing.failure = "no URL conversion:my_simulate yet"
                    continue
                try:
                    response = client.get(timing.path)
                except Exception as exc:  # a page under construction may fail: say so
                    timing.failure = f"raised {type(exc).__name__}"
                    self._say(f"{timing.label} ({timing.path}) raised {exc!r}")
                    continue
                if response.status_code != 200:
                    timing.failure = f"HTTP {response.status_code}"
                    continue
                live.append((timing, client))
            rounds, warmup = self.options["rounds"], self.options["warmup"]
            self._say(f"{warmup} warm-up and {rounds} timed rounds of {len(live)} pages…")
            for _ in range(warmup):
                for timing, client in live:
                    client.get(timing.path)
            gc.collect()
            for _ in range(rounds):
                for timing, client in live:
                    began = time.perf_counter()
                    client.get(timing.path)
                    timing.times.append((time.perf_counter() - began) * 1000)
            for timing, client in live:
                with CaptureQueriesContext(connection) as captured:
                    client.get(timing.path)
                report["queries"][timing.label] = len(captured)
            if simulate_path and not pages[1][0].failure:
                small_client = Client()
                small_client.force_login(small)
                small_client.get(simulate_path)
                with CaptureQueriesContext(connection) as captured:
                    small_client.get(simulate_path)
                report["queries_small"] = len(captured)
        report["pages"] = [timing for timing, _user in pages]
        report["engine"] = self._engine(programme, big)
        report["data_set_courses"] = Course.objects.count()
        return report

    def _engine(self, programme, user) -> dict:
        """``engine.evaluate`` alone on the prepared situation, and what it found."""
        account = LearnerAccount.objects.get(user=user)
        on = timezone.localdate()
        situation = situation_for(programme, on, account=account)
        found = {
            "rules": len(situation.rules),
            "holdings": len(situation.holdings),
            "courses": len(situation.courses),
        }
        try:
            outcome = engine.evaluate(situation)
        except NotImplementedError:
            return {**found, "failure": "engine.evaluate is not implemented yet"}
        statuses = [line.status for line in outcome.lines]
        found["lines"] = {status: statuses.count(status) for status in engine.STATUSES}
        found["used"] = len(situation.holdings) - len(outcome.unused)
        found["headroom"] = outcome.headroom.share_left
        for _ in range(min(20, self.options["engine_rounds"])):
            engine.evaluate(situation)
        gc.collect()
        times = []
        for _ in range(self.options["engine_rounds"]):
            began = time.perf_counter()
            engine.evaluate(situation)
            times.append((time.perf_counter() - began) * 1000)
        found["times"] = times
        began = time.perf_counter()
        for _ in range(20):
            outcome.trace()
        found["trace_ms"] = (time.perf_counter() - began) * 1000 / 20
        return found

    def _report(self, programme, report: dict, total: float) -> str:
        lines = ["| | p50 / p95 / max (ms) | SQL queries |", "| --- | ---: | ---: |"]
        pages = report["pages"]
        for timing in pages:
            path = timing.path.split("?")[0] + ("?programme=…" if "?" in timing.path else "")
            queries = report["queries"].get(timing.label, "—")
            lines.append(f"| {timing.label} `{path}` | {timing.cell()} | {queries} |")
        archive, simulator = pages
        ratio = None
        if not archive.failure and not simulator.failure:
            ratio = _p95(simulator.times) / _p95(archive.times)
            lines.append(f"| Simulator p95 against the archive's p95 | ×{ratio:.2f} | |")
        if "queries_small" in report:
            lines.append(
                f"| Simulator SQL queries, 10 → 50 achievements | | "
                f"{report['queries_small']} → {report['queries'][simulator.label]} |"
            )
        eng = report["engine"]
        if "times" in eng:
            times = eng["times"]
            lines.append(
                f"| `engine.evaluate` alone ({eng['holdings']} holdings, {eng['rules']} rules, "
                f"{eng['courses']} courses) | {statistics.median(times):.2f} / "
                f"{_p95(times):.2f} / {max(times):.2f} | 0 |"
            )
            counts = ", ".join(f"{n} {status}" for status, n in eng["lines"].items())
            lines.append(f"| Engine outcome | {counts}; {eng['used']} holdings used | |")
        else:
            lines.append(f"| `engine.evaluate` alone | — ({eng.get('failure', '')}) | |")
        notes = [
            "",
            f"{self.options['rounds']} interleaved rounds of both pages after "
            f"{self.options['warmup']} warm-up rounds, in-process (django.test.Client), DEBUG "
            f"off; the engine {self.options['engine_rounds']} times on the prepared Situation. "
            f"Programme {programme.code}: {eng['rules']} rules in force, "
            f"{report['data_set_courses']:,} courses in the conversion data set.",
            f"Machine: {cpu_model()}, {os.cpu_count()} cores; PostgreSQL {postgres_version()}; "
            f"Python {platform.python_version()}; Django {django.get_version()}.",
        ]
        if ratio is not None:
            met = "met" if ratio <= ARCHIVE_RATIO else "MISSED"
            notes.append(
                f"Simulator: p95 ×{ratio:.2f} the archive's p95 (goal ≤ ×{ARCHIVE_RATIO}) {met}."
            )
        else:
            notes.append(f"Simulator: not measured ({simulator.failure}).")
        if "queries_small" in report:
            same = report["queries_small"] == report["queries"][simulator.label]
            notes.append(
                f"Simulator queries: {report['queries_small']} at 10 achievements, "
                f"{report['queries'][simulator.label]} at 50 "
                f"({'constant' if same else 'NOT constant'})."
            )
        if "times" in eng:
            p95 = _p95(eng["times"])
            met = "met" if p95 < ENGINE_MS else "MISSED"
            notes.append(f"Engine alone: p95 {p95:.2f} ms (goal < {ENGINE_MS:.0f} ms) {met}.")
        notes.append(
            f"Total run time {total / 60:,.1f} min ({dt.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC)."
        )
        return "\n".join(lines + notes)
