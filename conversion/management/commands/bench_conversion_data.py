"""``manage.py bench_conversion_data``: the conversion data set that ``bench_conversion`` measures.

It writes ``--institutions`` bench institutions (default 1 000), each with 5 programmes,
``--courses`` courses in all (default 100 000, spread evenly, each in one programme) and
``--rules`` published conversion rules in all (default 10 000, one version each, with their
targets, source atoms and author), plus the reference lists the rules' sources name: 200
certificates and 100 self-study exam subjects. Only on a bench database (its name contains
``bench``). Running it again *extends* the data set up to the number of institutions asked for
(100 first, then 900 more for 1 000), so the benchmark can measure at a tenth and at the full
size without regenerating; asking for no more than there are does nothing. ``--reset`` deletes
the conversion bench data first (superusers only: the published versions refuse DELETE by
trigger, so the trigger is switched off for that transaction).

Every row is written by set-based SQL (``INSERT … SELECT`` over ``generate_series``), a chunk of
institutions per transaction, with ids reserved from each table's sequence up front. The sources
are JSON trees in the format of ``conversion.source`` — six shapes, from one certificate to
``all[any[certificate, certificate], course of another institution with a minimum score]`` —
and the ``RuleAtom`` rows are derived from those stored trees by SQL walking them (so they are
the tree's atoms by construction; the tests compare them with ``iter_atoms``). A version is
inserted as a draft, gets its targets and atoms, and is then published by one UPDATE, so that
the freezing triggers and the exclusion constraint on published versions see what they see in
production. Afterwards the tables are vacuumed and analysed.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from accounts.models import Institution, User
from achievements.management.commands.bench_data import RESERVE_SQL, require_bench_database
from achievements.models import AchievementCategory, QualificationLevel

from ...models import Certificate, Course, SelfStudySubject

INSTITUTION_CODE_PREFIX = "BENCHCV"
PROGRAMMES_PER_INSTITUTION = 5
CERTIFICATE_POOL = 200
SUBJECT_POOL = 100
BENCH_USERNAME = "bench-conversion-clerk"
BENCH_DOMAIN = "bench.creditbank.example"

PROGRAMME_NAMES = [
    "计算机应用技术",
    "大数据与会计",
    "电子商务",
    "行政管理",
    "学前教育",
    "软件技术",
    "护理",
    "工程造价",
    "市场营销",
    "机电一体化技术",
]
FIELDS = [
    "信息技术",
    "财务会计",
    "电子商务",
    "公共管理",
    "学前教育",
    "软件",
    "护理",
    "建筑",
    "营销",
    "机电",
]
COURSE_NAMES = [
    "计算机应用基础",
    "大学英语",
    "高等数学",
    "数据库应用技术",
    "Python程序设计",
    "网页设计与制作",
    "财务会计",
    "电子商务基础",
    "管理学基础",
    "思想道德与法治",
    "基础会计",
    "成本会计",
    "网络营销",
    "学前儿童心理学",
    "护理学基础",
    "工程制图",
    "C语言程序设计",
    "Java程序设计",
    "数据结构",
    "市场营销学",
]
# National certificates and 1+X skills the bench certificates are named after.
CERTIFICATE_NAMES = [
    "全国计算机等级考试",
    "大学英语等级考试",
    "Web前端开发",
    "大数据分析与应用",
    "智能财税",
    "电子商务数据分析",
    "云计算平台运维与开发",
    "网店运营推广",
    "幼儿照护",
    "老年照护",
]
CERTIFICATE_GRADES = ["初级", "中级", "高级", "一级", "二级"]

INSTITUTIONS_SQL = """
INSERT INTO accounts_institution (id, name, credit_code, kind, status, address, contact_name,
                                  contact_phone, contact_email, status_reason, applied_by_id,
                                  decided_by_id, decided_at, created_at)
SELECT %(institution_base)s + (i - %(lo)s), '基准测试院校 ' || lpad(i::text, 5, '0'),
       %(code_prefix)s || lpad(i::text, 11, '0'),
       (ARRAY['university', 'higher_vocational', 'open_university', 'training_body'])[
           1 + mod(i, 4)],
       'approved', '重庆市', '', '', '', '', NULL, NULL, now(), now()
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
"""

PROGRAMMES_SQL = """
INSERT INTO conversion_programme (id, institution_id, code, name, level, field,
                                  graduation_credits, conversion_share, description, is_active,
                                  created_by_id, created_at, updated_at)
SELECT %(programme_base)s + (i - %(lo)s) * %(programmes)s + p, %(institution_base)s + (i - %(lo)s),
       'BP' || lpad(p::text, 2, '0'),
       (%(programme_names)s::text[])[1 + mod(i + p, cardinality(%(programme_names)s::text[]))]
           || CASE WHEN mod(p, 2) = 0 THEN '（专科）' ELSE '（本科）' END,
       CASE WHEN mod(p, 2) = 0 THEN 'junior_college' ELSE 'bachelor' END,
       (%(fields)s::text[])[1 + mod(i + p, cardinality(%(fields)s::text[]))],
       CASE WHEN mod(p, 2) = 0 THEN 120 ELSE 80 END, CASE WHEN p = 4 THEN 30 ELSE 50 END, '',
       true, %(user_id)s, now(), now()
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
CROSS JOIN generate_series(0, %(programmes)s - 1) AS p
"""

# Course c of an institution belongs to its programme c mod 5.
COURSES_SQL = """
INSERT INTO conversion_course (id, institution_id, code, name, credits, hours, level, field,
                               kind, mode, is_public, description, is_active, created_by_id,
                               created_at, updated_at)
SELECT %(course_base)s + (i - %(lo)s) * %(per_institution)s + c,
       %(institution_base)s + (i - %(lo)s), 'BC' || lpad(c::text, 4, '0'),
       (%(course_names)s::text[])[1 + mod(c, cardinality(%(course_names)s::text[]))]
           || '（' || (c / cardinality(%(course_names)s::text[]) + 1) || '）',
       (2 + mod(c, 4))::numeric(6, 2), 16 * (2 + mod(c, 4)),
       CASE WHEN mod(mod(c, 5), 2) = 0 THEN 'junior_college' ELSE 'bachelor' END,
       (%(fields)s::text[])[1 + mod(i + mod(c, 5), cardinality(%(fields)s::text[]))],
       CASE WHEN mod(c, 3) = 0 THEN 'elective' ELSE 'required' END,
       (ARRAY['face_to_face', 'online', 'blended'])[1 + mod(c / 3, 3)],
       mod(c, 10) <> 9, '', true, %(user_id)s, now(), now()
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
CROSS JOIN generate_series(0, %(per_institution)s - 1) AS c
"""

COURSE_PROGRAMMES_SQL = """
INSERT INTO conversion_course_programmes (course_id, programme_id)
SELECT %(course_base)s + (i - %(lo)s) * %(per_institution)s + c,
       %(programme_base)s + (i - %(lo)s) * %(programmes)s + mod(c, %(programmes)s)
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
CROSS JOIN generate_series(0, %(per_institution)s - 1) AS c
"""

# One row per rule of the chunk: what its version cites. ``r`` is the rule's number within its
# institution, ``g`` its ordinal in the whole data set (stable across chunks and re-runs). The
# course of another institution is one of the same chunk (the next institution), which exists;
# in a chunk of one institution, a course of an earlier one.
RULE_PLAN_SQL = """
CREATE TEMP TABLE bench_rule_plan ON COMMIT DROP AS
WITH raw AS (
    SELECT i, i - %(lo)s AS k, r, (i - 1) * %(rules_per)s + r AS g
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
    CROSS JOIN generate_series(0, %(rules_per)s - 1) AS r
), rnd AS (
    SELECT raw.*,
           hashint8extended(g, 11) & 2147483647 AS r1, hashint8extended(g, 12) & 2147483647 AS r2,
           hashint8extended(g, 13) & 2147483647 AS r3, hashint8extended(g, 14) & 2147483647 AS r4
    FROM raw
)
SELECT rnd.*, mod(r1, 6)::int AS shape, mod(r, %(programmes)s)::int AS p,
       %(rule_base)s + k * %(rules_per)s + r AS rule_id,
       %(version_base)s + k * %(rules_per)s + r AS version_id,
       %(institution_base)s + k AS institution_id,
       %(programme_base)s + k * %(programmes)s + mod(r, %(programmes)s) AS programme_id,
       (%(certificates)s::bigint[])[1 + mod(r2, cardinality(%(certificates)s::bigint[]))] AS cert_a,
       (%(certificates)s::bigint[])[
           1 + mod(mod(r2, cardinality(%(certificates)s::bigint[])) + 1
                   + mod(r2 / 7, cardinality(%(certificates)s::bigint[]) - 1),
                   cardinality(%(certificates)s::bigint[]))] AS cert_b,
       (%(subjects)s::text[])[1 + mod(r3, cardinality(%(subjects)s::text[]))] AS subject,
       CASE WHEN %(chunk_size)s > 1
            THEN %(course_base)s + mod(k + 1, %(chunk_size)s) * %(per_institution)s
                 + mod(r3 / 5, %(per_institution)s)
            ELSE %(earlier_course)s::bigint END AS other_course,
       -- Two distinct courses of the target programme (course c is in programme c mod 5).
       mod(r, %(programmes)s) + %(programmes)s * mod(2 * (r / %(programmes)s) + r4,
                                                  %(per_institution)s / %(programmes)s)
           AS course_a,
       mod(r, %(programmes)s) + %(programmes)s * mod(2 * (r / %(programmes)s) + r4 + 1,
                                                  %(per_institution)s / %(programmes)s)
           AS course_b,
       CASE WHEN mod(r4, 20) = 0 THEN current_date - 1000
            ELSE current_date - mod(r4, 700)::int END AS valid_from,
       CASE WHEN mod(r4, 20) = 0 THEN current_date - 30
            WHEN mod(r4, 3) = 0 THEN current_date + 365 + mod(r4, 700)::int END AS valid_until
FROM rnd
"""

ATOM = (
    "jsonb_build_object('type', 'atom', 'kind', %s, %s, %s, 'within_years', %s, 'min_result', %s)"
)


def _atom(kind: str, key: str, value: str, within: str = "NULL", result: str = "NULL") -> str:
    return ATOM % (f"'{kind}'", f"'{key}'", value, within, result)


_CERT_A = _atom("certificate", "certificate", "cert_a", "CASE WHEN mod(r1, 4) = 0 THEN 5 END")
_CERT_B = _atom("certificate", "certificate", "cert_b")
_SUBJECT = _atom("self_study", "subject", "subject", result="jsonb_build_object('kind', 'pass')")
_COURSE_GRADE = _atom(
    "course",
    "course",
    "other_course",
    result="jsonb_build_object('kind', 'grade', 'value', '良好')",
)
_COURSE_SCORE = _atom(
    "course", "course", "other_course", result="jsonb_build_object('kind', 'score', 'value', 70)"
)
_ONLINE = (
    "jsonb_build_object('type', 'atom', 'kind', 'category', 'category', 'online_course', "
    "'min_level', %(min_level)s::int, 'within_years', 3, 'min_result', NULL)"
)


def _group(kind: str, *items: str, n: int | None = None) -> str:
    count = f", 'n', {n}" if n else ""
    listed = ", ".join(items)
    return f"jsonb_build_object('type', '{kind}'{count}, 'items', jsonb_build_array({listed}))"


# The six shapes of a source (``bench_rule_plan.shape``).
SOURCE_SQL = f"""CASE shape
    WHEN 0 THEN {_group("all", _CERT_A)}
    WHEN 1 THEN {_group("any", _CERT_A, _CERT_B)}
    WHEN 2 THEN {_group("all", _CERT_A, _COURSE_GRADE)}
    WHEN 3 THEN {_group("n_of", _CERT_A, _SUBJECT, _ONLINE, n=2)}
    WHEN 4 THEN {_group("all", _SUBJECT)}
    ELSE {_group("all", _group("any", _CERT_A, _CERT_B), _COURSE_SCORE)}
END"""

RULES_SQL = """
INSERT INTO conversion_conversionrule (id, institution_id, number, title, created_by_id,
                                       created_at)
SELECT rule_id, institution_id, 'BR-' || lpad(i::text, 5, '0') || '-' || lpad(r::text, 3, '0'),
       '基准转换规则 ' || lpad(i::text, 5, '0') || '-' || lpad(r::text, 3, '0'), %(user_id)s,
       now() - make_interval(days => mod(r4, 700)::int)
FROM bench_rule_plan
"""

VERSIONS_SQL = (
    """
INSERT INTO conversion_ruleversion (
    id, rule_id, version, previous_version_id, status, programme_id, source, valid_from,
    valid_until, notes_zh, notes_en, created_by_id, created_at, updated_at, submitted_at,
    review_started_at, review_round, returned_reason, approved_by_id, approved_at,
    published_by_id, published_at, announcement_id, ends_on, retired_by_id, retired_at,
    retired_reason)
SELECT version_id, rule_id, 1, NULL, 'draft', programme_id, """
    + SOURCE_SQL
    + """, valid_from, valid_until, '基准测试数据。', 'Bench data.', %(user_id)s,
       now() - make_interval(days => mod(r4, 700)::int + 30), now(), NULL, NULL, 0, '',
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ''
FROM bench_rule_plan
"""
)

AUTHORS_SQL = """
INSERT INTO conversion_ruleversion_authors (ruleversion_id, user_id)
SELECT version_id, %(user_id)s FROM bench_rule_plan
"""

# Credits (at most the course's, which are 2–5) or, for one rule in seven and every
# "any of two certificates" rule, an exemption; every other rule has a second target.
TARGETS_SQL = """
INSERT INTO conversion_ruletarget (version_id, course_id, outcome, credits)
SELECT version_id, %(course_base)s + k * %(per_institution)s + course,
       CASE WHEN shape = 1 OR mod(r1, 7) = 0 THEN 'exemption' ELSE 'credits' END,
       CASE WHEN shape = 1 OR mod(r1, 7) = 0 THEN NULL ELSE 2.00 END
FROM bench_rule_plan
CROSS JOIN LATERAL (VALUES (course_a), (course_b)) AS t(course)
WHERE course = course_a OR mod(r, 2) = 0
"""

# The atoms of the chunk's stored sources, by walking the trees (two levels deep at most, as the
# shapes above are): the path of a node is its indices from the root, as ``iter_atoms`` says.
ATOMS_SQL = """
WITH top AS (
    SELECT v.id, (e.ord - 1)::text AS path, e.item
    FROM conversion_ruleversion AS v
    CROSS JOIN LATERAL jsonb_array_elements(v.source -> 'items') WITH ORDINALITY AS e(item, ord)
    WHERE v.id BETWEEN %(first_version)s AND %(last_version)s
), nodes AS (
    SELECT id, path, item FROM top WHERE item ->> 'type' = 'atom'
    UNION ALL
    SELECT top.id, top.path || '.' || (e.ord - 1), e.item
    FROM top
    CROSS JOIN LATERAL jsonb_array_elements(top.item -> 'items') WITH ORDINALITY AS e(item, ord)
    WHERE top.item ->> 'type' <> 'atom'
)
INSERT INTO conversion_ruleatom (version_id, path, kind, standard_code, category_id,
                                 certificate_id, course_id, subject_id)
SELECT nodes.id, nodes.path, nodes.item ->> 'kind',
       CASE WHEN nodes.item ->> 'kind' = 'standard' THEN nodes.item ->> 'code' ELSE '' END,
       category.id, (nodes.item ->> 'certificate')::bigint, (nodes.item ->> 'course')::bigint,
       subject.id
FROM nodes
LEFT JOIN achievements_achievementcategory AS category
       ON nodes.item ->> 'kind' = 'category' AND category.code = nodes.item ->> 'category'
LEFT JOIN conversion_selfstudysubject AS subject
       ON nodes.item ->> 'kind' = 'self_study' AND subject.code = nodes.item ->> 'subject'
"""

PUBLISH_SQL = """
UPDATE conversion_ruleversion AS v
SET status = 'published', submitted_at = v.created_at + interval '1 day',
    review_started_at = v.created_at + interval '2 days', review_round = 1,
    approved_by_id = %(user_id)s, approved_at = v.created_at + interval '10 days',
    published_by_id = %(user_id)s, published_at = v.created_at + interval '11 days'
WHERE v.id BETWEEN %(first_version)s AND %(last_version)s AND v.status = 'draft'
"""

# What the data set fills: analysed (and vacuumed) after each run.
TABLES = [
    "accounts_institution",
    "conversion_programme",
    "conversion_course",
    "conversion_course_programmes",
    "conversion_conversionrule",
    "conversion_ruleversion",
    "conversion_ruleversion_authors",
    "conversion_ruletarget",
    "conversion_ruleatom",
    "conversion_certificate",
    "conversion_selfstudysubject",
]

RESET_SQL = """
DELETE FROM conversion_ruleatom;
DELETE FROM conversion_ruletarget;
DELETE FROM conversion_ruleopinion;
DELETE FROM conversion_ruleversion_authors;
DELETE FROM conversion_ruleversion;
DELETE FROM conversion_conversionrule;
DELETE FROM conversion_course_programmes;
DELETE FROM conversion_course;
DELETE FROM conversion_programme;
DELETE FROM accounts_institution WHERE credit_code LIKE 'BENCHCV%%';
"""


def bench_institution_count() -> int:
    """How many conversion bench institutions exist (always 1…n: chunks commit whole)."""
    return Institution.objects.filter(credit_code__startswith=INSTITUTION_CODE_PREFIX).count()


def bench_institution_code(index: int) -> str:
    return f"{INSTITUTION_CODE_PREFIX}{index:011d}"


class Command(BaseCommand):
    help = (
        "Generate (or extend) the conversion benchmark data set in SQL: institutions, "
        "programmes, courses and published conversion rules with their targets and source "
        "atoms. Only on a database whose name contains 'bench'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--institutions", type=int, default=1_000, help="institutions in all (default 1000)"
        )
        parser.add_argument(
            "--courses",
            type=int,
            default=100_000,
            help="courses in all at that many institutions (default 100000)",
        )
        parser.add_argument(
            "--rules",
            type=int,
            default=10_000,
            help="published rules in all at that many institutions (default 10000)",
        )
        parser.add_argument(
            "--chunk", type=int, default=100, help="institutions per transaction (default 100)"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the conversion bench data first"
        )

    def handle(self, *args, institutions, courses, rules, chunk, reset, **options):
        if institutions < 2 or chunk < 2:
            raise CommandError("Use --institutions and --chunk of 2 or more.")
        per_institution = courses // institutions
        rules_per = rules // institutions
        if per_institution < 2 * PROGRAMMES_PER_INSTITUTION or rules_per < 1:
            raise CommandError(
                "Each institution needs at least 10 courses and 1 rule: raise --courses or "
                "--rules, or lower --institutions."
            )
        database = require_bench_database()
        started = time.monotonic()
        if reset:
            self._reset()
            self.stdout.write(
                f"bench_conversion_data: emptied the conversion tables of {database!r}"
            )
        existing = bench_institution_count()
        if existing >= institutions:
            self.stdout.write(
                f"bench_conversion_data: {existing:,} bench institutions already exist (asked "
                f"for {institutions:,}); nothing to add"
            )
            return
        self.stdout.write(
            f"bench_conversion_data: {existing:,} → {institutions:,} institutions, "
            f"{per_institution} courses and {rules_per} rules each, in {database!r}"
        )
        refs = self._reference_data()
        done = existing
        while done < institutions:
            lo, hi = done + 1, min(done + chunk, institutions)
            chunk_started = time.monotonic()
            with transaction.atomic():
                self._generate(
                    refs, lo=lo, hi=hi, per_institution=per_institution, rules_per=rules_per
                )
            done = hi
            self.stdout.write(
                f"bench_conversion_data: institutions {done:,}/{institutions:,} "
                f"({(hi - lo + 1) * rules_per:,} rules in {time.monotonic() - chunk_started:,.1f} "
                f"s, {time.monotonic() - started:,.0f} s so far)"
            )
        self._analyze()
        self.stdout.write(
            f"bench_conversion_data: done in {time.monotonic() - started:,.0f} s "
            f"({institutions:,} institutions, tables vacuumed and analysed)"
        )

    @staticmethod
    @transaction.atomic
    def _reset() -> None:
        with connection.cursor() as cursor:
            try:
                cursor.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError as error:
                raise CommandError(
                    "Only a superuser can empty the conversion bench data (--reset): published "
                    f"rule versions refuse DELETE ({error})."
                ) from error
            cursor.execute(RESET_SQL)

    def _reference_data(self) -> dict:
        """The bench author, the certificates and subjects the sources name (written through
        the ORM, a few hundred rows, idempotent) and the arrays the SQL picks from."""
        user, _created = User.objects.get_or_create(
            username=BENCH_USERNAME,
            defaults={
                "email": f"{BENCH_USERNAME}@{BENCH_DOMAIN}",
                "password": "!bench-no-password",
            },
        )
        category = AchievementCategory.objects.filter(code="vocational_skill_certificate").first()
        online = AchievementCategory.objects.filter(code="online_course").first()
        level = QualificationLevel.objects.filter(number=3).first()
        if category is None or online is None or level is None:
            raise CommandError("The seeded levels and categories are missing: run migrate.")
        certificates = []
        for n in range(CERTIFICATE_POOL):
            certificate, _created = Certificate.objects.get_or_create(
                name=f"{CERTIFICATE_NAMES[n % len(CERTIFICATE_NAMES)]}（基准 {n // 5 + 1:02d}）",
                grade=CERTIFICATE_GRADES[n % len(CERTIFICATE_GRADES)],
                defaults={"issuer": "基准测试发证机构", "category": category},
            )
            certificates.append(certificate.pk)
        subjects = []
        for n in range(SUBJECT_POOL):
            subject, _created = SelfStudySubject.objects.get_or_create(
                code=f"9{n:04d}", defaults={"name": f"基准自考课程 {n:03d}", "credits": 4}
            )
            subjects.append(subject.code)
        return {
            "user_id": user.pk,
            "certificates": certificates,
            "subjects": subjects,
            "min_level": level.number,
            "code_prefix": INSTITUTION_CODE_PREFIX,
            "programmes": PROGRAMMES_PER_INSTITUTION,
            "programme_names": PROGRAMME_NAMES,
            "fields": FIELDS,
            "course_names": COURSE_NAMES,
        }

    def _generate(self, refs: dict, *, lo: int, hi: int, per_institution: int, rules_per: int):
        count = hi - lo + 1
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute("SET LOCAL jit = off")
            params = {
                **refs,
                "lo": lo,
                "hi": hi,
                "chunk_size": count,
                "per_institution": per_institution,
                "rules_per": rules_per,
                "institution_base": self._reserve(cursor, "accounts_institution", count),
                "programme_base": self._reserve(
                    cursor, "conversion_programme", count * PROGRAMMES_PER_INSTITUTION
                ),
                "course_base": self._reserve(cursor, "conversion_course", count * per_institution),
                "rule_base": self._reserve(cursor, "conversion_conversionrule", count * rules_per),
                "version_base": self._reserve(cursor, "conversion_ruleversion", count * rules_per),
            }
            params["earlier_course"] = (
                Course.objects.filter(institution__credit_code__startswith=INSTITUTION_CODE_PREFIX)
                .values_list("pk", flat=True)
                .first()
            )
            params["first_version"] = params["version_base"]
            params["last_version"] = params["version_base"] + count * rules_per - 1
            for sql in (
                INSTITUTIONS_SQL,
                PROGRAMMES_SQL,
                COURSES_SQL,
                COURSE_PROGRAMMES_SQL,
                RULE_PLAN_SQL,
                RULES_SQL,
                VERSIONS_SQL,
                AUTHORS_SQL,
                TARGETS_SQL,
                ATOMS_SQL,
                PUBLISH_SQL,
            ):
                cursor.execute(sql, params)
            # The deferred foreign keys are checked now rather than at COMMIT.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    @staticmethod
    def _reserve(cursor, table: str, count: int) -> int:
        cursor.execute(RESERVE_SQL, {"table": table, "count": count})
        return cursor.fetchone()[0] - count + 1

    def _analyze(self) -> None:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute("VACUUM (ANALYZE) " + connection.ops.quote_name(table))
