"""``python manage.py bench_proof`` (``make bench-proof``, and last in ``make bench``): what a
transcript's PDF costs — rendered, page-counted and signed — beside WeasyPrint rendering the same
HTML alone (the floor), for transcripts of 1, 5 and 20 pages; and the verification page's p95
beside the archive's.

Rendering. Per size, a transcript snapshot (``transcript_content``: realistic Chinese lines over
levels and fields, with conversions) is rendered through the document's path — the template,
``render_document_pdf`` (WeasyPrint's layout once, its page count, its PDF) and ``sign_pdf`` — and
the floor renders the same HTML with ``weasyprint.HTML(string=html).write_pdf()`` and nothing
else, in alternating order, ``--runs`` times after a warm-up; medians are reported. The number of
lines for each size is calibrated during the warm-up until the transcript has that many pages.

Memory. The peak of each size is the high-water mark of the resident set (``VmHWM`` in
``/proc/self/status``) of a fresh child process (this command with ``--memory-child``) that
renders and signs one document of that size: what a Celery worker process that starts, loads
Django and renders one document holds at most. Its resident set before rendering (Django,
WeasyPrint and pyHanko imported) is reported beside it.

The verification page. ``verify:document`` (anonymous, as a reader with the code opens it) and
the archive of the bench learner in the middle of the bench learners (the page ``bench``
measures), in interleaved rounds with the test client, DEBUG off, the per-address lookup limit
raised for the run; the document is that learner's transcript, requested and rendered through
the services (``document_request``, the render task run in-process). Skipped, saying why, when
the page or the services are not there.

Only on a bench database (its name contains ``bench``).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime

import django
import weasyprint
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from achievements.models import ProofDocument
from achievements.proof.content import snapshot
from achievements.proof.pdf import document_html, render_document_pdf
from achievements.proof.signing import sign_pdf

from .bench import cpu_model, postgres_version
from .bench_data import bench_learner_count, bench_learner_username, require_bench_database

# The goals (issue 14).
FLOOR_RATIO = 1.3
PEAK_MB_20_PAGES = 150
SIZES = (1, 5, 20)
# Lines per page of transcript_content, the calibration's first guess.
LINES_PER_PAGE = 17
VERIFY_URL = "https://creditbank.example.gov.cn/verify/{code}/"
CODE = "7K3M9QX2TV8WRZ4HJ6NP"


# --- The transcript ----------------------------------------------------------------------------

TITLES = [
    (
        "养老护理员（四级/中级工）职业技能等级证书",
        "重庆市职业技能鉴定指导中心",
        "vocational_certificate",
    ),
    ("计算机应用基础（课程代码 00018）", "重庆市教育考试院", "self_study_exam"),
    ("Python 程序设计在线课程", "国家开放大学", "online_course"),
    ("社区老年人照护服务专项培训", "重庆市民政培训中心", "training"),
    ("全国计算机等级考试二级 MS Office 高级应用", "教育部教育考试院", "vocational_certificate"),
    ("大学英语（二）", "重庆开放大学", "academic_course"),
    ("数据库应用技术（MySQL）", "重庆城市职业学院", "academic_course"),
    ("中式面点师（五级/初级工）", "重庆市职业技能鉴定指导中心", "vocational_certificate"),
]
CATEGORIES = {
    "vocational_certificate": ("职业技能等级证书", "Vocational skills certificate"),
    "self_study_exam": ("高等教育自学考试", "Self-study examination"),
    "online_course": ("在线课程", "Online course"),
    "training": ("培训", "Training"),
    "academic_course": ("学历教育课程", "Academic course"),
}
FIELDS = ["信息技术", "养老服务", "财务会计", "公共管理", "学前教育"]
RESULTS = ["合格", "良好", "优秀", "82 分", "通过"]


def transcript_content(lines: int, conversions: int | None = None) -> dict:
    """A transcript snapshot in ``achievements/proof/content.py``'s format with ``lines``
    recognised achievements over five levels and five fields, and a conversion for every
    eighth line."""
    items = []
    for n in range(lines):
        title, issuer, category = TITLES[n % len(TITLES)]
        # Eight lines to a level and field, as a learner's achievements cluster.
        level, field_name = 2 + (n // 8) % 5, FIELDS[(n // 40) % len(FIELDS)]
        item = {
            "id": 10_000 + n,
            "title": title if n < len(TITLES) else f"{title}（{n // len(TITLES) + 1}）",
            "issuer": issuer,
            "category_zh": CATEGORIES[category][0],
            "category_en": CATEGORIES[category][1],
            "obtained_on": f"20{18 + n % 7}-0{1 + n % 9}-1{n % 10}",
            "recognised_on": f"20{19 + n % 6}-0{1 + n % 9}-2{n % 8}",
            "result": RESULTS[n % len(RESULTS)],
            "level": {"number": level, "name_zh": f"第{level}级", "name_en": f"Level {level}"},
            "field": field_name,
            "credits": f"{1 + n % 6}.{'50' if n % 2 else '00'}",
            "unit_standard": (
                {"code": f"CQ-{n:04d}", "title": "老年人基础照护"} if n % 4 == 0 else None
            ),
            "valid_until": None,
        }
        items.append(item)
    items.sort(key=lambda item: (item["level"]["number"], item["field"], item["obtained_on"]))
    count = lines // 8 if conversions is None else conversions
    convs = [
        {
            "institution": "重庆开放大学",
            "programme": "老年保健与管理（专科）",
            "course": f"老年照护实务（{c + 1}）",
            "course_code": f"LB{c + 1:03d}",
            "credits": None if c % 3 == 2 else "3.00",
            "exemption": c % 3 == 2,
            "decided_on": "2025-03-01",
            "achievement_ids": [10_000 + c],
        }
        for c in range(count)
    ]
    return snapshot(
        holder={"name": "欧阳𠮷祥", "account_number": "CB20250000018"},
        kind="transcript",
        lines=items,
        conversions=convs,
    )


def sample_document(lines: int) -> ProofDocument:
    """An unsaved transcript of ``lines`` lines (rendering reads no database)."""
    return ProofDocument(
        kind="transcript",
        language="zh-hans",
        code=CODE,
        content=transcript_content(lines),
        valid_days=90,
        status_index=0,
    )


def render_and_sign(document) -> tuple[bytes, int, float, float]:
    """The document's path: PDF, pages, seconds rendering (template included), seconds signing."""
    began = time.perf_counter()
    pdf, pages = render_document_pdf(document, verify_url=VERIFY_URL.format(code=document.code))
    rendered = time.perf_counter()
    signed = sign_pdf(pdf)
    return signed, pages, rendered - began, time.perf_counter() - rendered


def floor(html: str) -> float:
    began = time.perf_counter()
    weasyprint.HTML(string=html).write_pdf()
    return time.perf_counter() - began


def memory_kb() -> dict[str, int]:
    """This process's resident set now and its high-water mark, in kB."""
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                found[name] = int(value.split()[0])
    return {"rss": found["VmRSS"], "hwm": found["VmHWM"]}


# --- Measuring ---------------------------------------------------------------------------------


@dataclass
class Size:
    target: int
    lines: int = 0
    pages: int = 0
    pdf_kb: int = 0
    full: list[float] = field(default_factory=list)
    render: list[float] = field(default_factory=list)
    sign: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    memory: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.full)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor)

    @property
    def ratio(self) -> float:
        """The median of each run's time over the floor's of the same run: pairs measured
        back to back, so that a machine busy with something else slows both alike."""
        return statistics.median(f / w for f, w in zip(self.full, self.floor, strict=True))


@dataclass
class PageTiming:
    label: str
    path: str = ""
    times: list[float] = field(default_factory=list)
    failure: str = ""

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=20, method="inclusive")[18]

    def cell(self) -> str:
        if self.failure:
            return f"— ({self.failure})"
        p50 = statistics.median(self.times)
        return f"{p50:.1f} / {self.p95:.1f} / {max(self.times):.1f}"


class Command(BaseCommand):
    help = (
        "Benchmark transcripts' PDFs of 1, 5 and 20 pages (rendered and signed) beside "
        "WeasyPrint alone, with peak memory, and the verification page beside the archive; "
        "print a Markdown table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7, help="timed runs per size (default 7)")
        parser.add_argument("--warmup", type=int, default=2, help="untimed runs per size")
        parser.add_argument(
            "--requests", type=int, default=200, help="timed rounds of the two pages (default 200)"
        )
        parser.add_argument(
            "--learners",
            type=int,
            default=2_000,
            help="bench learners to generate for the archive if there are none (default 2000)",
        )
        parser.add_argument(
            "--sizes",
            default=",".join(map(str, SIZES)),
            help="pages of the transcripts to render, comma-separated (default 1,5,20)",
        )
        parser.add_argument("--memory-child", type=int, help=("internal: lines to render once"))
        parser.add_argument("--floor-only", action="store_true", help="internal")

    def handle(self, *args, **options):
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        if options["memory_child"]:
            return self._memory_child(options["memory_child"], floor_only=options["floor_only"])
        started = time.monotonic()
        require_bench_database()
        if options["runs"] < 2 or options["requests"] < 2:
            raise CommandError("Use --runs and --requests of 2 or more.")
        self.options = options
        try:
            targets = [int(pages) for pages in options["sizes"].split(",")]
        except ValueError:
            raise CommandError("--sizes: page counts, comma-separated, e.g. 1,5,20.") from None
        sizes = [self._measure_size(target) for target in targets]
        pages = self._measure_pages()
        self.stdout.write("")
        self.stdout.write(self._report(sizes, pages, time.monotonic() - started))

    def _say(self, message: str) -> None:
        self.stdout.write(f"bench_proof: {message}")
        self.stdout.flush()

    # --- Rendering --------------------------------------------------------------------------

    def _measure_size(self, target: int) -> Size:
        size = Size(target=target, lines=self._calibrate(target))
        document = sample_document(size.lines)
        html = document_html(document, verify_url=VERIFY_URL.format(code=document.code))
        for _ in range(self.options["warmup"]):
            render_and_sign(document)
            floor(html)
        for run in range(self.options["runs"]):
            gc.collect()
            if run % 2:
                size.floor.append(floor(html))
                gc.collect()
            signed, size.pages, render, sign = render_and_sign(document)
            size.render.append(render)
            size.sign.append(sign)
            size.full.append(render + sign)
            if not run % 2:
                gc.collect()
                size.floor.append(floor(html))
        size.pdf_kb = len(signed) // 1024
        size.memory = {
            "document": self._child_memory(size.lines, floor_only=False),
            "floor": self._child_memory(size.lines, floor_only=True),
        }
        self._say(
            f"{size.pages} page(s), {size.lines} lines: {size.median:.3f} s per document "
            f"(floor {size.floor_median:.3f} s), peak "
            f"{size.memory['document'].get('hwm', 0) / 1024:.0f} MB"
        )
        return size

    def _calibrate(self, target: int) -> int:
        """Lines giving ``target`` pages: a guess, corrected by rendering (a few tries)."""
        lines = 6 if target == 1 else LINES_PER_PAGE * target
        for _ in range(6):
            _pdf, pages = render_document_pdf(
                sample_document(lines), verify_url=VERIFY_URL.format(code=CODE)
            )
            if pages == target:
                return lines
            # Lines per page so far, times the pages wanted (less a part of the last page).
            lines = max(1, round(lines / pages * (target - 0.4)))
        return lines

    def _child_memory(self, lines: int, *, floor_only: bool) -> dict:
        """The memory of a fresh process rendering (and signing) one document of ``lines``."""
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_proof"]
        command += ["--memory-child", str(lines)] + ["--floor-only"] * floor_only
        result = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 — our own
        try:
            return json.loads(result.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            self._say(f"the memory child failed: {result.stderr[-500:]}")
            return {}

    def _memory_child(self, lines: int, *, floor_only: bool) -> None:
        document = sample_document(lines)
        html = document_html(document, verify_url=VERIFY_URL.format(code=document.code))
        before = memory_kb()
        if floor_only:
            floor(html)
        else:
            render_and_sign(document)
        self.stdout.write(json.dumps({"before": before["rss"], "hwm": memory_kb()["hwm"]}))

    # --- The verification page beside the archive --------------------------------------------

    def _measure_pages(self) -> list[PageTiming]:
        """The verification page and the archive, or why they could not be measured."""
        verify = PageTiming("Verification page (anonymous, the learner's transcript)")
        archive = PageTiming("Archive (bench learner)", reverse("achievements:archive"))
        if bench_learner_count() == 0:
            self._say(f"no bench learners: generating {self.options['learners']:,}")
            call_command("bench_data", learners=self.options["learners"], audit_steps="ledger")
        learner = User.objects.get(
            username=bench_learner_username(max(1, bench_learner_count() // 2))
        )
        try:
            document = self._bench_document(learner)
            verify.path = reverse("verify:document", args=[document.code])
        except NoReverseMatch:
            verify.failure = "no URL verify:document yet"
        except Exception as exc:  # services under construction: say so, keep going
            verify.failure = f"no document: {type(exc).__name__}: {exc}"[:120]
        self._time_pages([verify, archive], learner)
        return [verify, archive]

    def _bench_document(self, learner) -> ProofDocument:
        """The learner's ready transcript, requested and rendered once through the services."""
        from creditbank.celery import app as celery_app

        from ...services.proof import document_request

        existing = ProofDocument.objects.filter(
            account__user=learner, status=ProofDocument.Status.READY, kind="transcript"
        ).first()
        if existing is not None:
            return existing
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True  # the render task runs here, not in a worker
        try:
            document = document_request(
                acting_user=learner, kind="transcript", language="zh-hans", valid_days=180
            )
        finally:
            celery_app.conf.task_always_eager = eager
        document.refresh_from_db()
        if document.status != ProofDocument.Status.READY:
            raise RuntimeError(f"the transcript is {document.status}: {document.failure}")
        return document

    def _time_pages(self, pages: list[PageTiming], learner) -> None:
        clients = {}
        with override_settings(
            DEBUG=False,
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            CREDITBANK_VERIFY_PER_MINUTE=10**9,
        ):
            live = []
            for page in pages:
                if page.failure:
                    continue
                client = clients[page.label] = Client()
                if page.path.startswith(reverse("achievements:archive")):
                    client.force_login(learner)
                try:
                    status = client.get(page.path).status_code
                except Exception as exc:  # a page under construction may fail: say so
                    page.failure = f"raised {type(exc).__name__}"
                    continue
                if status != 200:
                    page.failure = f"HTTP {status}"
                    continue
                live.append((page, client))
            rounds = self.options["requests"]
            self._say(f"{rounds} interleaved rounds of {len(live)} page(s)…")
            for _ in range(20):
                for page, client in live:
                    client.get(page.path)
            gc.collect()
            for _ in range(rounds):
                for page, client in live:
                    began = time.perf_counter()
                    client.get(page.path)
                    page.times.append((time.perf_counter() - began) * 1000)

    # --- The report ---------------------------------------------------------------------------

    def _report(self, sizes: list[Size], pages: list[PageTiming], total: float) -> str:
        lines = [
            "| Transcript | s per document (median) | pages/s | WeasyPrint alone (floor, s) "
            "| against the floor | signing's share | peak RSS, MB (rendering's own) "
            "| floor's peak RSS, MB (own) | PDF (kB) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for s in sizes:
            lines.append(
                f"| {s.pages} page(s), {s.lines} lines | {s.median:.3f} | "
                f"{s.pages / s.median:.1f} | {s.floor_median:.3f} | "
                f"×{s.ratio:.2f} | "
                f"{statistics.median(s.sign) / s.median:.1%} | "
                f"{_memory(s.memory.get('document'))} | {_memory(s.memory.get('floor'))} | "
                f"{s.pdf_kb:,} |"
            )
        lines += ["", "| Page | p50 / p95 / max (ms) |", "| --- | ---: |"]
        for page in pages:
            path = page.path or "—"
            lines.append(f"| {page.label} `{path}` | {page.cell()} |")
        verify, archive = pages
        ratio = None
        if not verify.failure and not archive.failure:
            ratio = verify.p95 / archive.p95
            lines.append(f"| Verification page p95 against the archive's p95 | ×{ratio:.2f} |")
        worst = max(s.ratio for s in sizes)
        twenty = next((s for s in sizes if s.target == 20), sizes[-1])
        child = twenty.memory.get("document") or {"hwm": 0, "before": 0}
        peak, own = child["hwm"] / 1024, (child["hwm"] - child["before"]) / 1024
        notes = [
            "",
            f"Per size {self.options['runs']} timed runs after {self.options['warmup']} "
            "warm-up, the document's path (template, WeasyPrint layout and PDF, page count, "
            "PAdES signature) and the floor (WeasyPrint rendering the same HTML alone) "
            "alternating; medians; against the floor: the median of each run's ratio to the "
            "floor's run beside it. Peak RSS: the high-water mark (VmHWM) of a fresh child "
            "process that imports everything and renders and signs one document (the floor's: "
            "renders it with WeasyPrint alone); the rendering's own: that peak less the "
            "process's resident set just before rendering. Pages: the archive and the "
            "verification page "
            f"in {self.options['requests']} interleaved rounds, in-process (django.test.Client), "
            "DEBUG off.",
            f"Machine: {cpu_model()}, {os.cpu_count()} cores; PostgreSQL {postgres_version()}; "
            f"Python {platform.python_version()}; Django {django.get_version()}; WeasyPrint "
            f"{weasyprint.__version__}.",
            f"Against the floor: at most ×{worst:.2f} (goal ≤ ×{FLOOR_RATIO}) "
            f"{'met' if worst <= FLOOR_RATIO else 'MISSED'}.",
            f"{twenty.pages}-page transcript: the rendering's own peak {own:.0f} MB (goal < "
            f"{PEAK_MB_20_PAGES} MB) {'met' if 0 < own < PEAK_MB_20_PAGES else 'MISSED'}; the "
            f"whole process peaks at {peak:.0f} MB, {child['before'] / 1024:.0f} MB of which "
            "it held before rendering (Django with every app, WeasyPrint, pyHanko).",
        ]
        if ratio is None:
            notes.append(f"Verification page: not measured ({verify.failure or archive.failure}).")
        notes.append(
            f"Total run time {total / 60:,.1f} min ({datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} "
            "UTC)."
        )
        return "\n".join(lines + notes)


def _memory(child: dict | None) -> str:
    if not child:
        return "—"
    return f"{child['hwm'] / 1024:.0f} ({(child['hwm'] - child['before']) / 1024:.0f})"
