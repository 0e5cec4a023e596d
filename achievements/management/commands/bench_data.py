"""``python manage.py bench_data``: the scale data set that ``manage.py bench`` measures.

It writes ``--learners`` learners (default 100 000) with ``--per-learner`` achievements each
(default 20) into the configured database, which must be a bench database (its name contains
``bench``; ``make bench`` uses ``creditbank_bench``). Running it again *extends* the data set up
to the number asked for (10 000 learners first, then 90 000 more for 100 000), so the benchmark
can measure at two sizes without regenerating; asking for no more than there are does nothing.
``--reset`` empties the bench database first (TRUNCATE, keeping the reference data the
migrations seed; the audit log too, so its chain starts again; superusers only, as the audit log
and the ledger refuse TRUNCATE otherwise).

Every row is written by set-based SQL (``INSERT … SELECT`` over ``generate_series``), a chunk of
learners per transaction (a progress line each), with ids reserved from each table's sequence
up front so that achievements, decisions and ledger entries can cite each other without a
second pass. Nothing in the schema is dropped or changed: as a superuser it skips the
row-by-row foreign key triggers for the chunk's transaction and checks the same constraints
set-based before committing (otherwise the deferred triggers check them); the ledger's
append-only trigger is irrelevant, as rows are only inserted. Afterwards the tables are vacuumed
and analysed, since a bulk load leaves the planner no statistics.

The mix is deterministic (a hash of each achievement's ordinal) and follows the review
workflow: of a thousand achievements, 800 recognised (80 of them after a centre re-review) with
their decision in force and its deposit on the ledger, 70 rejected, 30 deposited drafts, 80
on their way (35 under review at the learner's home branch, 10 returned to the learner, 15
forwarded, 10 awaiting the centre's re-review, 10 appealed), 15 revoked and 5 expired with the
entry that cancels their deposit. Each has the history (2–5 steps) its status implies, and each
step its audit event, as the services write it (``achievement.recognise`` citing the decision,
``achievement.revoke`` citing the reversing entry, …): appended to the audit chain in the order
the steps happened, signed in Python (the chain is sequential) and copied in batches, under the
chain's advisory lock, so that ``verify_audit_chain`` holds as well.
Learners are spread over 20 bench branch centres, each with one member of branch staff (TOTP
on, as staff must have it). ``manage.py check_ledger`` holds on the result.
"""

import json
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from accounts.models import Institution, RoleGrant, User
from accounts.roles import BRANCH_STAFF, CENTRE_ADMIN, EXPERT, LEARNER
from achievements.models import AchievementCategory, QualificationLevel
from branches.models import BranchCentre, Centre, District, StaffAssignment
from branches.services import districts_load
from creditbank.audit import _ADVISORY_LOCK_KEY as AUDIT_CHAIN_LOCK
from creditbank.audit import GENESIS_HASH, compute_hash, signing_key
from creditbank.pii import encrypt

LEARNER_PREFIX = "bench-learner-"
BRANCH_COUNT = 20
CENTRE_NAME = "学分银行基准测试中心 (bench)"
BENCH_DOMAIN = "bench.creditbank.example"

FIELDS = [
    "信息技术",
    "机械制造",
    "财务会计",
    "护理",
    "学前教育",
    "电子商务",
    "旅游管理",
    "建筑工程",
    "商务英语",
    "艺术设计",
]
TOPICS = [
    "Python 程序设计",
    "数据库应用基础",
    "计算机网络技术",
    "数控车床操作",
    "电工基础",
    "基础会计",
    "成本会计",
    "急救护理",
    "幼儿心理学",
    "网店运营",
    "导游业务",
    "工程制图",
    "建筑施工技术",
    "商务英语写作",
    "平面设计",
    "市场营销",
    "办公自动化",
    "社区志愿服务",
    "创新创业实践",
    "企业实习",
]
ISSUER_NAMES = [
    "重庆市职业技能鉴定中心",
    "重庆市人力资源和社会保障局",
    "中国大学MOOC",
    "学堂在线",
    "重庆市志愿服务联合会",
    "重庆市总工会",
    "重庆市教育考试院",
    "重庆市科学技术协会",
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
    "文静",
    "志强",
    "海燕",
    "婷婷",
    "子涵",
    "浩然",
]
EDUCATIONS = ["senior_secondary", "secondary_vocational", "junior_college", "bachelor", "master"]
GRADES = ["优秀", "良好", "中等", "合格"]
# Credits of a recognition: those above the re-review threshold (10 by default) need a centre
# re-review before they count.
CREDIT_VALUES = [Decimal(v).scaleb(-2) for v in (100, 150, 200, 250, 300, 400, 500, 600, 800, 1000)]
CREDIT_VALUES += [Decimal(v).scaleb(-2) for v in (1200, 1500, 1600, 2000)]
# One made-up resident ID number (valid check digit), encrypted once and shared by every bench
# account: pages that decrypt it work, and generating it costs nothing per row.
BENCH_ID_NUMBER = "500103199003071239"

# The history of each path through the review workflow: (path, step, action, status after the
# step, who acts, note). Who: learner, branch (staff of the learner's home branch), expert,
# centre (a centre administrator) or system (the daily expiry job).
PATH_STEPS = """
WITH steps (path, n, action, status, who, note) AS (VALUES
    ('deposited', 1, 'deposit', 'deposited', 'learner', ''),
    ('deposited', 2, 'update', 'deposited', 'learner', ''),
    ('under_review', 1, 'deposit', 'deposited', 'learner', ''),
    ('under_review', 2, 'submit', 'under_review', 'learner', ''),
    ('resubmitted', 1, 'deposit', 'deposited', 'learner', ''),
    ('resubmitted', 2, 'submit', 'under_review', 'learner', ''),
    ('resubmitted', 3, 'return', 'returned', 'branch', '请补充成绩单原件扫描件。'),
    ('resubmitted', 4, 'resubmit', 'under_review', 'learner', '已补充成绩单扫描件。'),
    ('returned', 1, 'deposit', 'deposited', 'learner', ''),
    ('returned', 2, 'submit', 'under_review', 'learner', ''),
    ('returned', 3, 'return', 'returned', 'branch', '证书编号无法核验，请补充证书照片。'),
    ('forwarded', 1, 'deposit', 'deposited', 'learner', ''),
    ('forwarded', 2, 'submit', 'under_review', 'learner', ''),
    ('forwarded', 3, 'forward', 'forwarded', 'branch', ''),
    ('confirming', 1, 'deposit', 'deposited', 'learner', ''),
    ('confirming', 2, 'submit', 'under_review', 'learner', ''),
    ('confirming', 3, 'forward', 'forwarded', 'branch', ''),
    ('confirming', 4, 'recognise', 'confirming', 'expert', ''),
    ('appealed', 1, 'deposit', 'deposited', 'learner', ''),
    ('appealed', 2, 'submit', 'under_review', 'learner', ''),
    ('appealed', 3, 'forward', 'forwarded', 'branch', ''),
    ('appealed', 4, 'reject', 'rejected', 'expert', '学习时长不足认定要求。'),
    ('appealed', 5, 'appeal', 'appealed', 'learner', '另有 40 学时的线下学习记录，请复核。'),
    ('rejected', 1, 'deposit', 'deposited', 'learner', ''),
    ('rejected', 2, 'submit', 'under_review', 'learner', ''),
    ('rejected', 3, 'forward', 'forwarded', 'branch', ''),
    ('rejected', 4, 'reject', 'rejected', 'expert', '学习时长不足认定要求。'),
    ('recognised', 1, 'deposit', 'deposited', 'learner', ''),
    ('recognised', 2, 'submit', 'under_review', 'learner', ''),
    ('recognised', 3, 'forward', 'forwarded', 'branch', ''),
    ('recognised', 4, 'recognise', 'recognised', 'expert', ''),
    ('re_reviewed', 1, 'deposit', 'deposited', 'learner', ''),
    ('re_reviewed', 2, 'submit', 'under_review', 'learner', ''),
    ('re_reviewed', 3, 'forward', 'forwarded', 'branch', ''),
    ('re_reviewed', 4, 'recognise', 'confirming', 'expert', ''),
    ('re_reviewed', 5, 'confirm', 'recognised', 'centre', ''),
    ('revoked', 1, 'deposit', 'deposited', 'learner', ''),
    ('revoked', 2, 'submit', 'under_review', 'learner', ''),
    ('revoked', 3, 'forward', 'forwarded', 'branch', ''),
    ('revoked', 4, 'recognise', 'recognised', 'expert', ''),
    ('revoked', 5, 'revoke', 'revoked', 'centre', '经核查证书系伪造。'),
    ('expired', 1, 'deposit', 'deposited', 'learner', ''),
    ('expired', 2, 'submit', 'under_review', 'learner', ''),
    ('expired', 3, 'forward', 'forwarded', 'branch', ''),
    ('expired', 4, 'recognise', 'recognised', 'expert', ''),
    ('expired', 5, 'expire', 'expired', 'system', '')
)
"""

USERS_SQL = """
INSERT INTO accounts_user (id, password, last_login, is_superuser, username, first_name,
                           last_name, email, is_staff, is_active, date_joined)
SELECT %(user_base)s + (i - %(lo)s), '!bench-no-password', NULL, false,
       %(prefix)s || lpad(i::text, 7, '0'), '', '',
       %(prefix)s || lpad(i::text, 7, '0') || '@' || %(domain)s, false, true,
       now() - interval '6 years' + make_interval(days => mod(i, 100)::int)
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
"""

ACCOUNTS_SQL = """
INSERT INTO accounts_learneraccount (
    id, user_id, account_number, real_name, id_type, id_number_encrypted, id_number_hash,
    id_number_masked, birth_date, mobile, education, work_unit, status, status_reason,
    status_changed_at, channel, id_image, verified_by_id, verified_at, created_at)
SELECT %(account_base)s + (i - %(lo)s), %(user_base)s + (i - %(lo)s),
       'BN' || lpad(i::text, 14, '0'),
       (%(surnames)s::text[])[1 + mod(i, cardinality(%(surnames)s::text[]))]
           || (%(given)s::text[])[1 + mod(i / 31, cardinality(%(given)s::text[]))],
       'resident_id', %(token)s,
       encode(sha256(convert_to('bench-identity:' || i, 'UTF8')), 'hex'),
       '5001**********' || lpad(mod(i, 1000)::text, 3, '0') || 'X',
       date '1960-01-01' + mod(i * 7919, 14000)::int,
       '13' || lpad(mod(i, 1000000000)::text, 9, '0'),
       (%(educations)s::text[])[1 + mod(i, cardinality(%(educations)s::text[]))],
       '', 'active', '', joined + interval '1 day', 'online', '',
       (%(staff)s::bigint[])[1 + mod(i, cardinality(%(staff)s::bigint[]))],
       joined + interval '1 day', joined
FROM (SELECT i, now() - interval '6 years' + make_interval(days => mod(i, 100)::int) AS joined
      FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i) AS learners
"""

HOMES_SQL = """
INSERT INTO branches_accounthome (account_id, branch_id, service_point_id, opened_by_id)
SELECT %(account_base)s + (i - %(lo)s),
       (%(branches)s::bigint[])[1 + mod(i, cardinality(%(branches)s::bigint[]))], NULL, NULL
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
"""

# One row per achievement of the chunk with everything the inserts below need. ``g`` is the
# achievement's ordinal in the whole data set (stable across chunks and re-runs), ``ord`` its
# ordinal in the chunk (its offset from the reserved ids). Paths per thousand: 30 deposited,
# 25 under review, 10 resubmitted after a return, 10 returned, 15 forwarded, 10 awaiting the
# centre re-review, 10 appealed, 70 rejected, 15 revoked, 5 expired, 80 recognised after a
# centre re-review, 720 recognised at once.
PLAN_SQL = """
CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
WITH raw AS (
    SELECT i, i - %(lo)s AS k, j, (i - 1) * %(per)s + j AS g, (i - %(lo)s) * %(per)s + j AS ord,
           1 + mod(i, cardinality(%(branches)s::bigint[]))::int AS b
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
    CROSS JOIN generate_series(0, %(per)s - 1) AS j
), rnd AS (
    SELECT raw.*,
           hashint8extended(g, 1) & 2147483647 AS r1, hashint8extended(g, 2) & 2147483647 AS r2,
           hashint8extended(g, 3) & 2147483647 AS r3, hashint8extended(g, 4) & 2147483647 AS r4,
           hashint8extended(g, 5) & 2147483647 AS r5, hashint8extended(g, 6) & 2147483647 AS r6,
           hashint8extended(g, 7) & 2147483647 AS r7, hashint8extended(g, 8) & 2147483647 AS r8
    FROM raw
), pathed AS MATERIALIZED (
    SELECT rnd.*,
           CASE WHEN mod(r1, 1000) < 30 THEN 'deposited'
                WHEN mod(r1, 1000) < 55 THEN 'under_review'
                WHEN mod(r1, 1000) < 65 THEN 'resubmitted'
                WHEN mod(r1, 1000) < 75 THEN 'returned'
                WHEN mod(r1, 1000) < 90 THEN 'forwarded'
                WHEN mod(r1, 1000) < 100 THEN 'confirming'
                WHEN mod(r1, 1000) < 110 THEN 'appealed'
                WHEN mod(r1, 1000) < 180 THEN 'rejected'
                WHEN mod(r1, 1000) < 195 THEN 'revoked'
                WHEN mod(r1, 1000) < 200 THEN 'expired'
                WHEN mod(r1, 1000) < 280 THEN 're_reviewed'
                ELSE 'recognised' END AS path
    FROM rnd
), facts AS MATERIALIZED (
    SELECT pathed.*,
           -- Only a category with a validity can expire; the short ones keep the dates recent.
           CASE WHEN path = 'expired'
                THEN (%(expiring)s::bigint[])[1 + mod(r2, cardinality(%(expiring)s::bigint[]))]
                ELSE (%(categories)s::bigint[])[1 + mod(r2, cardinality(%(categories)s::bigint[]))]
           END AS category_id,
           path IN ('under_review', 'resubmitted', 'returned', 'forwarded', 'confirming',
                    'appealed') AS waiting,
           CASE path WHEN 'deposited' THEN 2 WHEN 'under_review' THEN 2 WHEN 'returned' THEN 3
                     WHEN 'forwarded' THEN 3 WHEN 'resubmitted' THEN 4 WHEN 'confirming' THEN 4
                     WHEN 'rejected' THEN 4 WHEN 'recognised' THEN 4 ELSE 5 END AS steps,
           CASE WHEN path IN ('re_reviewed', 'confirming')
                THEN (%(credits_high)s::numeric[])[
                         1 + mod(r7, cardinality(%(credits_high)s::numeric[]))]
                WHEN path IN ('recognised', 'revoked', 'expired')
                THEN (%(credits_low)s::numeric[])[
                         1 + mod(r7, cardinality(%(credits_low)s::numeric[]))]
           END AS credits,
           (%(levels)s::bigint[])[1 + mod(r8, cardinality(%(levels)s::bigint[]))] AS level_id,
           (%(fields)s::text[])[1 + mod(r8 / 7, cardinality(%(fields)s::text[]))] AS field,
           CASE WHEN mod(r6 / 3, 10) < 3
                THEN (%(institutions)s::bigint[])[
                         1 + mod(r6 / 31, cardinality(%(institutions)s::bigint[]))]
           END AS issuer_institution_id
    FROM pathed
), validity AS (
    SELECT facts.*, c.validity_years, c.name_zh AS category_name,
           -- An expired one was obtained its validity ago, expiring 1–180 days before today.
           CASE WHEN path = 'expired'
                THEN (current_date - (1 + mod(r3, 180))::int
                      - make_interval(years => c.validity_years))::date
           END AS expired_obtained_on,
           -- Waiting ones are recent (14–73 days) and move in 1–3 days a step so that none is
           -- in the future; the others started 30–629 days ago, 1–7 days a step.
           make_interval(days => 1 + mod(r5, CASE WHEN waiting THEN 2 ELSE 6 END)::int,
                         hours => mod(r5 / 7, 20)::int) AS step
    FROM facts JOIN achievements_achievementcategory AS c ON c.id = facts.category_id
), timed AS MATERIALIZED (
    SELECT validity.*,
           CASE WHEN path = 'expired'
                THEN expired_obtained_on + interval '20 days'
                WHEN waiting THEN now() - make_interval(days => 14 + mod(r3, 60)::int)
                ELSE now() - make_interval(days => 30 + mod(r3, 600)::int)
           END - make_interval(secs => mod(r4, 36000)) AS t0
    FROM validity
), dated AS (
    SELECT timed.*,
           coalesce(expired_obtained_on, (t0 - make_interval(days => mod(r6, 300)::int))::date)
               AS obtained_on
    FROM timed
)
SELECT ord, g, i, path, steps, waiting, step, t0, obtained_on, category_id, category_name,
       credits, level_id, field, issuer_institution_id, r2,
       %(achievement_base)s + ord AS achievement_id,
       %(recognition_base)s + ord AS recognition_id,
       %(entry_base)s + 2 * ord AS deposit_entry_id,
       %(entry_base)s + 2 * ord + 1 AS cancel_entry_id,
       %(account_base)s + k AS account_id,
       %(user_base)s + k AS user_id,
       (%(branches)s::bigint[])[b] AS branch_id,
       (%(branch_names)s::text[])[b] AS branch_name,
       (%(staff)s::bigint[])[b] AS staff_id,
       CASE WHEN path IN ('recognised', 're_reviewed', 'revoked', 'expired')
                 AND validity_years IS NOT NULL
            THEN (obtained_on + make_interval(years => validity_years))::date
       END AS valid_until,
       CASE WHEN path = 'expired'
            THEN (obtained_on + make_interval(years => validity_years))::date
                 + interval '1 day'
            ELSE t0 + (steps - 1) * step
       END AS status_changed_at
FROM dated
"""

ACHIEVEMENTS_SQL = """
INSERT INTO achievements_achievement (
    id, account_id, category_id, title, issuer_institution_id, issuer_name, obtained_on,
    result_kind, result_value, hours, original_credits, certificate_number, status,
    deposited_by_id, created_at, updated_at, status_changed_at, first_check_branch_id,
    recognition_id, valid_until)
SELECT achievement_id, account_id, category_id,
       (%(topics)s::text[])[1 + mod(r2 / 11, cardinality(%(topics)s::text[]))]
           || '（' || category_name || '）',
       issuer_institution_id,
       CASE WHEN issuer_institution_id IS NULL
            THEN (%(issuers)s::text[])[1 + mod(r2 / 17, cardinality(%(issuers)s::text[]))]
            ELSE '' END,
       obtained_on,
       (ARRAY['score', 'grade', 'pass'])[1 + mod(r2 / 3, 3)],
       CASE mod(r2 / 3, 3)
            WHEN 0 THEN (60 + mod(r2 / 5, 41))::text
            WHEN 1 THEN (%(grades)s::text[])[1 + mod(r2 / 5, cardinality(%(grades)s::text[]))]
            ELSE 'pass' END,
       (8 + mod(r2 / 13, 120))::numeric(7, 1),
       CASE WHEN mod(r2 / 19, 4) = 0 THEN (1 + mod(r2 / 23, 6))::numeric(6, 2) END,
       'BN' || lpad(g::text, 12, '0'),
       CASE path WHEN 'resubmitted' THEN 'under_review' WHEN 're_reviewed' THEN 'recognised'
                 ELSE path END,
       user_id, t0, status_changed_at, status_changed_at,
       CASE WHEN path <> 'deposited' THEN branch_id END,
       CASE WHEN path IN ('recognised', 're_reviewed', 'revoked', 'expired')
            THEN recognition_id END,
       valid_until
FROM bench_plan
"""

RECOGNITIONS_SQL = """
INSERT INTO achievements_recognition (
    id, achievement_id, stage, outcome, status, unit_standard_id, credits, level_id, field,
    reason, decided_by_id, decided_as, decided_at, re_reviewed_by_id, re_reviewed_at,
    re_review_note)
SELECT recognition_id, achievement_id, 'first',
       CASE WHEN credits IS NULL THEN 'rejected' ELSE 'recognised' END,
       CASE WHEN path = 'confirming' THEN 'pending' ELSE 'in_force' END,
       NULL, credits,
       CASE WHEN credits IS NOT NULL THEN level_id END,
       CASE WHEN credits IS NOT NULL THEN field ELSE '' END,
       CASE WHEN credits IS NULL THEN '学习时长不足认定要求。' ELSE '' END,
       %(expert_id)s, %(expert_role)s, t0 + 3 * step,
       CASE WHEN path = 're_reviewed' THEN %(centre_admin_id)s::bigint END,
       CASE WHEN path = 're_reviewed' THEN t0 + 4 * step END,
       ''
FROM bench_plan
WHERE path IN ('recognised', 're_reviewed', 'revoked', 'expired', 'confirming', 'rejected',
               'appealed')
"""

DEPOSITS_SQL = """
INSERT INTO achievements_creditentry (
    id, account_id, achievement_id, recognition_id, kind, amount, level_id, field, reverses_id,
    note, created_by_id, created_at)
SELECT deposit_entry_id, account_id, achievement_id, recognition_id, 'deposit', credits,
       level_id, field, NULL, '',
       CASE WHEN path = 're_reviewed' THEN %(centre_admin_id)s::bigint
            ELSE %(expert_id)s::bigint END,
       t0 + CASE WHEN path = 're_reviewed' THEN 4 ELSE 3 END * step
FROM bench_plan
WHERE path IN ('recognised', 're_reviewed', 'revoked', 'expired')
"""

CANCELS_SQL = """
INSERT INTO achievements_creditentry (
    id, account_id, achievement_id, recognition_id, kind, amount, level_id, field, reverses_id,
    note, created_by_id, created_at)
SELECT cancel_entry_id, account_id, achievement_id, recognition_id,
       CASE path WHEN 'revoked' THEN 'reversal' ELSE 'expiry' END, -credits, level_id, field,
       deposit_entry_id,
       CASE path WHEN 'revoked' THEN '经核查证书系伪造。'
                 ELSE 'Validity ended on ' || (status_changed_at - interval '1 day')::date END,
       CASE path WHEN 'revoked' THEN %(centre_admin_id)s::bigint END,
       status_changed_at
FROM bench_plan
WHERE path IN ('revoked', 'expired')
"""

EVENTS_SQL = (
    PATH_STEPS
    + """
INSERT INTO achievements_achievementevent (
    achievement_id, action, status, actor_id, actor_role, actor_unit, note, created_at)
SELECT p.achievement_id, s.action, s.status,
       CASE s.who WHEN 'learner' THEN p.user_id WHEN 'branch' THEN p.staff_id
                  WHEN 'expert' THEN %(expert_id)s::bigint
                  WHEN 'centre' THEN %(centre_admin_id)s::bigint END,
       CASE s.who WHEN 'learner' THEN %(learner_role)s WHEN 'branch' THEN %(branch_staff_role)s
                  WHEN 'expert' THEN %(expert_role)s WHEN 'centre' THEN %(centre_admin_role)s
                  ELSE '' END,
       CASE WHEN s.who = 'branch' THEN p.branch_name ELSE '' END,
       CASE WHEN s.action = 'expire'
            THEN 'Validity ended on ' || (p.status_changed_at - interval '1 day')::date
            ELSE s.note END,
       CASE WHEN s.action = 'expire' THEN p.status_changed_at
            ELSE p.t0 + (s.n - 1) * p.step END
FROM bench_plan AS p
JOIN steps AS s ON s.path = p.path
ORDER BY p.achievement_id, s.n
"""
)

# The audit event of each history step of the chunk, in the order they happened (the chain is
# appended in that order): the step as the history has it, the status before it (the path's
# previous step), and what the services put in the event's summary (achievements/services/
# workflow.py ``record_step``, deposits.py ``achievement_deposit``/``achievement_update``).
AUDIT_SOURCE_SQL = (
    PATH_STEPS  # noqa: S608 (two constants)
    + """, path_steps AS (
    SELECT path, action, lag(status) OVER (PARTITION BY path ORDER BY n) AS before FROM steps
)
SELECT e.created_at, e.actor_id, coalesce(u.username, ''), e.action, e.achievement_id,
       s.before, e.status, e.note, p.path, p.recognition_id, p.cancel_entry_id, p.credits::text,
       (-p.credits)::text, p.branch_id, lv.number, p.field,
       CASE WHEN e.action IN ('deposit', 'update')
            THEN json_build_array(a.account_id, c.code, a.title, a.issuer_institution_id,
                                  a.issuer_name, a.obtained_on,
                                  a.result_kind || ':' || a.result_value, a.hours::text,
                                  a.original_credits::text, a.certificate_number)::text
       END
FROM achievements_achievementevent AS e
JOIN bench_plan AS p ON p.achievement_id = e.achievement_id
JOIN path_steps AS s ON s.path = p.path AND s.action = e.action
JOIN achievements_achievement AS a ON a.id = e.achievement_id
JOIN achievements_achievementcategory AS c ON c.id = a.category_id
LEFT JOIN achievements_qualificationlevel AS lv ON lv.id = p.level_id
LEFT JOIN accounts_user AS u ON u.id = e.actor_id
-- The chunk's achievements (the join says so; the range lets the planner use the index).
WHERE e.achievement_id BETWEEN %(first)s AND %(last)s
  AND (%(every_step)s OR e.action = ANY(%(ledger_steps)s))
ORDER BY e.created_at, e.id
"""
)

AUDIT_COPY_SQL = """
COPY creditbank_auditevent (created_at, actor_id, actor_label, action, object_type, object_id,
                            summary, ip, user_agent, prev_hash, hash, key_id) FROM STDIN
"""

RESERVE_SQL = """
SELECT setval(pg_get_serial_sequence(%(table)s, 'id'),
              nextval(pg_get_serial_sequence(%(table)s, 'id')) + %(count)s - 1)
"""

# What the data set fills: ANALYZEd (and vacuumed, which also sets the visibility map that
# index-only scans rely on) after each run, since a bulk load leaves no statistics behind.
TABLES = [
    "accounts_user",
    "accounts_learneraccount",
    "branches_accounthome",
    "achievements_achievement",
    "achievements_recognition",
    "achievements_creditentry",
    "achievements_achievementevent",
    "creditbank_auditevent",
]

# The single-column foreign keys of some tables: (name, table, column, referenced table, key).
FOREIGN_KEYS_SQL = """
SELECT con.conname, child.relname, ca.attname, parent.relname, pa.attname
FROM pg_constraint AS con
JOIN pg_class AS child ON child.oid = con.conrelid
JOIN pg_class AS parent ON parent.oid = con.confrelid
JOIN pg_attribute AS ca ON ca.attrelid = con.conrelid AND ca.attnum = con.conkey[1]
JOIN pg_attribute AS pa ON pa.attrelid = con.confrelid AND pa.attnum = con.confkey[1]
WHERE con.contype = 'f' AND cardinality(con.conkey) = 1 AND child.relname = ANY(%(tables)s)
ORDER BY child.relname, con.conname
"""

# The audit log goes too (its events name the users): the chain starts again from its genesis,
# and the checkpoints of the old chain with it, since they name events that are gone.
RESET_SQL = """
TRUNCATE accounts_user, accounts_institution, branches_centre, django_session,
         creditbank_auditevent, creditbank_auditcheckpoint CASCADE
"""

CHAIN_HEAD_SQL = "SELECT id, hash FROM creditbank_auditevent ORDER BY id DESC LIMIT 1"
# The steps whose audit events check_ledger cross-checks with the ledger entries they wrote.
LEDGER_STEPS = ["recognise", "confirm", "revoke", "expire"]
# The audit events signed and copied at a time (one FETCH, one COPY).
AUDIT_BATCH = 20_000
ACHIEVEMENT_TYPE = "achievements.achievement"  # Achievement._meta.label_lower


@dataclass(slots=True)
class ChainedEvent:
    """The fields of an audit event that ``creditbank.audit.compute_hash`` signs, without a
    model instance for each of the millions of events signed here."""

    created_at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    summary: dict
    ip: None
    user_agent: str
    prev_hash: str
    key_id: str


def step_summary(row: tuple, expert: int) -> dict:
    """The summary the service of a history step writes in its audit event (``AUDIT_SOURCE_SQL``
    row): ``record_step``'s status before and after, the step's facts and its note; the
    deposit's facts of the achievement (no evidence files in the bench data set). The bench's
    ``update`` step is the learner adding the certificate number, so a draft's deposit has none.
    """
    (_at, _actor, _label, action, _pk, before, status, note, path) = row[:9]
    (recognition, cancel_entry, credits, cancelled, branch, level, field, facts) = row[9:]
    if action in ("deposit", "update"):
        (account, category, title, institution, issuer, obtained_on, result, hours, original,
         certificate) = json.loads(facts)  # fmt: skip
        if action == "update":
            return {
                "before": {"certificate_number": ""},
                "after": {"certificate_number": certificate},
            }
        return {
            "after": {
                "account": account,
                "category": category,
                "title": title,
                "issuer_institution": institution,
                "issuer_name": issuer,
                "obtained_on": obtained_on,
                "result": result,
                "hours": hours,
                "original_credits": original,
                "certificate_number": "" if path == "deposited" else certificate,
                "status": status,
                "evidence": [],
            }
        }
    after = {"status": status}
    if action == "submit":
        after["review_branch"] = branch
    elif action == "recognise":
        after |= {
            "decision": recognition,
            "unit_standard": None,
            "credits": credits,
            "level": level,
            "field": field,
        }
    elif action == "reject":
        after |= {"decision": recognition, "stage": "first"}
    elif action == "confirm":
        after |= {"decision": recognition, "decided_by": expert}
    elif action in ("revoke", "expire"):
        after |= {"credit_entry": cancel_entry, "credits": cancelled}
    summary = {"before": {"status": before}, "after": after}
    if note:
        summary["note"] = note[:500]
    return summary


def require_bench_database() -> str:
    """The database's name, refusing any that is not a bench database: the data set is large
    and ``--reset`` empties the database."""
    name = connection.settings_dict["NAME"] or ""
    if "bench" not in name:
        raise CommandError(
            f"The database {name!r} is not a bench database (its name must contain 'bench'). "
            "Run `make bench`, or set DATABASE_URL to e.g. .../creditbank_bench."
        )
    return name


def bench_learner_count() -> int:
    """How many bench learners exist (always 1…n: chunks commit whole and in order)."""
    return User.objects.filter(username__startswith=LEARNER_PREFIX).count()


def bench_learner_username(index: int) -> str:
    return f"{LEARNER_PREFIX}{index:07d}"


def bench_staff_username(branch_number: int) -> str:
    return f"bench-staff-{branch_number:02d}"


class Command(BaseCommand):
    help = (
        "Generate (or extend) the benchmark data set in SQL: learners with achievements, "
        "decisions, ledger entries and history. Only on a database whose name contains 'bench'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--learners", type=int, default=100_000, help="learners in all (default 100000)"
        )
        parser.add_argument(
            "--per-learner",
            type=int,
            default=20,
            help="achievements of each new learner (default 20)",
        )
        parser.add_argument(
            "--chunk",
            type=int,
            default=10_000,
            help="learners per transaction (default 10000)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="empty the bench database first (TRUNCATE)"
        )
        parser.add_argument(
            "--audit-steps",
            choices=["all", "ledger"],
            default="all",
            help="the steps that get their audit event: all (default) or only those that "
            "check_ledger cross-checks (recognise, confirm, revoke, expire; faster)",
        )

    def handle(self, *args, learners, per_learner, chunk, reset, audit_steps, **options):
        self.verbosity = options["verbosity"]
        self.audit_steps = audit_steps
        if learners < 1 or per_learner < 1 or chunk < 1:
            raise CommandError("--learners, --per-learner and --chunk must be positive.")
        database = require_bench_database()
        started = time.monotonic()
        if reset:
            self._reset()
            self.stdout.write(f"bench_data: emptied the bench database {database!r}")
        existing = bench_learner_count()
        if existing >= learners:
            self.stdout.write(
                f"bench_data: {existing:,} bench learners already exist (asked for "
                f"{learners:,}); nothing to add"
            )
            return
        self.stdout.write(
            f"bench_data: {existing:,} → {learners:,} learners, {per_learner} achievements "
            f"each, in {database!r}"
        )
        refs = self._reference_data()
        done = existing
        while done < learners:
            lo, hi = done + 1, min(done + chunk, learners)
            chunk_started = time.monotonic()
            with transaction.atomic():
                self._generate(refs, lo=lo, hi=hi, per=per_learner)
            done = hi
            elapsed = time.monotonic() - started
            rate = (hi - lo + 1) / max(time.monotonic() - chunk_started, 1e-6)
            self.stdout.write(
                f"bench_data: learners {done:,}/{learners:,} "
                f"({(hi - lo + 1) * per_learner:,} achievements in this chunk, "
                f"{rate:,.0f} learners/s, {elapsed:,.0f} s so far)"
            )
        self._analyze()
        self.stdout.write(
            f"bench_data: done in {time.monotonic() - started:,.0f} s "
            f"({learners:,} learners, tables vacuumed and analysed)"
        )

    @staticmethod
    @transaction.atomic
    def _reset() -> None:
        """Empty the bench database. The audit log and the ledger refuse TRUNCATE by trigger;
        as the project's ``flush`` does, a superuser switches ordinary triggers off for this
        transaction (no other role may)."""
        with connection.cursor() as cursor:
            try:
                cursor.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError as error:
                raise CommandError(
                    "Only a superuser can empty the bench database (--reset): the audit log "
                    f"and the credit ledger refuse TRUNCATE ({error})."
                ) from error
            cursor.execute(RESET_SQL)

    # --- The reference data: a small network of branches, its staff and a few institutions ----

    def _reference_data(self) -> dict:
        """The bench network (written through the ORM, a few dozen rows, idempotent) and the
        arrays of ids the SQL picks from."""
        if not District.objects.exists():
            districts_load(acting_user=None)
        districts = list(District.objects.order_by("code")[:BRANCH_COUNT])
        if not districts:
            raise CommandError("No districts to put the bench branches in.")
        centre, _created = Centre.objects.get_or_create(name=CENTRE_NAME)
        branches, staff = [], []
        for number in range(1, BRANCH_COUNT + 1):
            district = districts[(number - 1) % len(districts)]
            branch, _created = BranchCentre.objects.get_or_create(
                name=f"基准分中心 {number:02d}（{district.name_zh}）",
                defaults={"centre": centre, "district": district},
            )
            user = self._staff_user(bench_staff_username(number))
            StaffAssignment.objects.get_or_create(
                user=user, branch=branch, role=StaffAssignment.Role.STAFF
            )
            branches.append(branch)
            staff.append(user.pk)
        expert = self._staff_user("bench-expert")
        RoleGrant.objects.get_or_create(user=expert, role=EXPERT)
        centre_admin = self._staff_user("bench-centre-admin")
        RoleGrant.objects.get_or_create(user=centre_admin, role=CENTRE_ADMIN)
        institutions = []
        for number in range(1, 5):
            institution, _created = Institution.objects.get_or_create(
                credit_code=f"BENCH{number:013d}",
                defaults={
                    "name": f"基准测试职业培训学校 {number}",
                    "kind": Institution.Kind.TRAINING_BODY,
                    "status": Institution.Status.APPROVED,
                },
            )
            institutions.append(institution.pk)
        categories = list(AchievementCategory.objects.active().order_by("pk"))
        # Expiring ones need a validity short enough to have ended after the account opened.
        expiring = [c.pk for c in categories if c.validity_years and c.validity_years <= 5]
        levels = list(
            QualificationLevel.objects.active()
            .filter(number__range=(2, 6))
            .values_list("pk", flat=True)
        ) or list(QualificationLevel.objects.values_list("pk", flat=True))
        if not categories or not expiring or not levels:
            raise CommandError("The seeded levels and categories are missing: run migrate.")
        threshold = settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD
        return {
            "branches": [b.pk for b in branches],
            "branch_names": [b.name for b in branches],
            "staff": staff,
            "expert_id": expert.pk,
            "centre_admin_id": centre_admin.pk,
            # The role names the history records for each kind of actor (``who`` above).
            "learner_role": LEARNER,
            "branch_staff_role": BRANCH_STAFF,
            "expert_role": EXPERT,
            "centre_admin_role": CENTRE_ADMIN,
            "institutions": institutions,
            "categories": [c.pk for c in categories],
            "expiring": expiring,
            "levels": levels,
            "fields": FIELDS,
            # Up to the threshold a recognition is in force at once; above it, it waits for
            # (or has had) the centre re-review.
            "credits_low": [v for v in CREDIT_VALUES if v <= threshold] or [Decimal("0.50")],
            "credits_high": [v for v in CREDIT_VALUES if v > threshold] or [threshold + 1],
            "topics": TOPICS,
            "issuers": ISSUER_NAMES,
            "grades": GRADES,
            "surnames": SURNAMES,
            "given": GIVEN_NAMES,
            "educations": EDUCATIONS,
            "token": encrypt(BENCH_ID_NUMBER),
            "prefix": LEARNER_PREFIX,
            "domain": BENCH_DOMAIN,
        }

    def _staff_user(self, username: str) -> User:
        """A member of staff with TOTP switched on, as the staff MFA middleware requires."""
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@{BENCH_DOMAIN}", "password": "!bench-no-password"},
        )
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
        return user

    # --- The learners of one chunk, in one transaction ------------------------------------------

    def _generate(self, refs: dict, *, lo: int, hi: int, per: int) -> None:
        learners = hi - lo + 1
        achievements = learners * per
        with connection.cursor() as cursor:
            # Bulk work: no need to wait for the WAL flush of each statement, room to sort, and
            # no JIT (compiling these simple statements costs more than it saves).
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            fast = cursor.fetchone()[0]
            if fast:
                # Row-by-row foreign key triggers would take half the time (millions of
                # single-row look-ups); a superuser may skip them for this transaction, and
                # _verify_foreign_keys checks the same constraints set-based before commit.
                cursor.execute("SET LOCAL session_replication_role = replica")
            params = {
                **refs,
                "lo": lo,
                "hi": hi,
                "per": per,
                "user_base": self._reserve(cursor, "accounts_user", learners),
                "account_base": self._reserve(cursor, "accounts_learneraccount", learners),
                "achievement_base": self._reserve(cursor, "achievements_achievement", achievements),
                "recognition_base": self._reserve(cursor, "achievements_recognition", achievements),
                "entry_base": self._reserve(cursor, "achievements_creditentry", 2 * achievements),
            }
            for label, sql in (
                ("users", USERS_SQL),
                ("learning accounts", ACCOUNTS_SQL),
                ("account homes", HOMES_SQL),
                ("plan", PLAN_SQL),
                ("achievements", ACHIEVEMENTS_SQL),
                ("decisions", RECOGNITIONS_SQL),
                ("ledger deposits", DEPOSITS_SQL),
                ("ledger cancellations", CANCELS_SQL),
                ("history", EVENTS_SQL),
            ):
                step_started = time.monotonic()
                cursor.execute(sql, params)
                self._detail(f"{label}: {max(cursor.rowcount, 0):,} rows", step_started)
            step_started = time.monotonic()
            params["audit_after"], written = self._audit_events(cursor, params, achievements)
            self._detail(f"audit events: {written:,} rows, signed and chained", step_started)
            step_started = time.monotonic()
            if fast:
                cursor.execute("SET LOCAL session_replication_role = origin")
                self._verify_foreign_keys(cursor, params, learners, achievements)
            else:
                # The deferred foreign keys are checked now rather than at COMMIT.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self._detail("foreign keys checked", step_started)

    def _detail(self, what: str, since: float) -> None:
        if self.verbosity >= 2:
            self.stdout.write(f"  {what} in {time.monotonic() - since:.1f} s")

    @staticmethod
    def _verify_foreign_keys(cursor, params: dict, learners: int, achievements: int) -> None:
        """Every foreign key of the rows this chunk wrote points at a row that exists: the
        check the skipped triggers would have made, one anti-join per constraint (read from
        the catalogue, so that a constraint added later is checked too)."""
        account, achievement = params["account_base"], params["achievement_base"]
        recognition, entry = params["recognition_base"], params["entry_base"]
        # The rows of this chunk in each table: (column, first, last).
        chunk = {
            "accounts_learneraccount": ("id", account, account + learners - 1),
            "branches_accounthome": ("account_id", account, account + learners - 1),
            "achievements_achievement": ("id", achievement, achievement + achievements - 1),
            "achievements_recognition": ("id", recognition, recognition + achievements - 1),
            "achievements_creditentry": ("id", entry, entry + 2 * achievements - 1),
            "achievements_achievementevent": (
                "achievement_id",
                achievement,
                achievement + achievements - 1,
            ),
            "creditbank_auditevent": ("id", params["audit_after"] + 1, 2**63 - 1),
        }
        cursor.execute(FOREIGN_KEYS_SQL, {"tables": list(chunk)})
        quote = connection.ops.quote_name
        for name, child, column, parent, key in cursor.fetchall():
            by, first, last = chunk[child]
            # Identifiers from the catalogue, not from input; values are parameters.
            sql = (
                f"SELECT count(*) FROM {quote(child)} AS c "  # noqa: S608
                f"WHERE c.{quote(by)} BETWEEN %s AND %s AND c.{quote(column)} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {quote(parent)} AS p "
                f"WHERE p.{quote(key)} = c.{quote(column)})"
            )
            cursor.execute(sql, [first, last])
            orphans = cursor.fetchone()[0]
            if orphans:
                raise CommandError(f"{orphans} rows of {child} break the foreign key {name}")

    def _audit_events(self, cursor, params: dict, achievements: int) -> tuple[int, int]:
        """The audit event of each of the chunk's history steps (with ``--audit-steps ledger``
        only of those that ``check_ledger`` cross-checks), appended to the audit chain as
        ``audit_record`` appends it. Returns the id of the chain's head before them and how
        many were written.

        The chain is sequential, so the HMACs are computed here in Python, in the order the
        steps happened: a server-side cursor streams the steps (``AUDIT_SOURCE_SQL``), each
        batch is signed with ``compute_hash`` as it is written by one COPY. The chain's
        advisory lock is taken first and held until the chunk commits, as ``audit_record``
        holds it, so that no other event can chain onto the same head or take an id between
        the ones the COPY draws, in order, from the sequence.
        """
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])
        cursor.execute(CHAIN_HEAD_SQL)
        head_id, prev_hash = cursor.fetchone() or (0, GENESIS_HASH)
        key_id, key = signing_key()
        keys = {key_id: key}
        expert = params["expert_id"]
        first_achievement = params["achievement_base"]
        last_achievement = first_achievement + achievements - 1
        raw = connection.connection
        written = 0
        # The cursor reads every row: plan for all of them, not for a fast first few.
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        with raw.cursor(name="bench_audit_steps", binary=True) as source:
            source.execute(
                AUDIT_SOURCE_SQL,
                {
                    "first": first_achievement,
                    "last": last_achievement,
                    "every_step": self.audit_steps == "all",
                    "ledger_steps": LEDGER_STEPS,
                },
            )
            while rows := source.fetchmany(AUDIT_BATCH):
                # Signed as they are copied, so that the server stores one row while the next
                # is signed.
                with raw.cursor() as target, target.copy(AUDIT_COPY_SQL) as copy:
                    for row in rows:
                        created_at, actor_id, label, action, achievement_id = row[:5]
                        event = ChainedEvent(
                            created_at=created_at,
                            actor_id=actor_id,
                            actor_label=label,
                            action=f"achievement.{action}",
                            object_type=ACHIEVEMENT_TYPE,
                            object_id=str(achievement_id),
                            summary=step_summary(row, expert),
                            ip=None,
                            user_agent="",
                            prev_hash=prev_hash,
                            key_id=key_id,
                        )
                        prev_hash = compute_hash(event, keys)
                        copy.write_row(
                            (
                                created_at,
                                actor_id,
                                label,
                                event.action,
                                ACHIEVEMENT_TYPE,
                                event.object_id,
                                json.dumps(event.summary, ensure_ascii=False),
                                None,
                                "",
                                event.prev_hash,
                                prev_hash,
                                key_id,
                            )
                        )
                        written += 1
        return head_id, written

    @staticmethod
    def _reserve(cursor, table: str, count: int) -> int:
        """Take ``count`` consecutive ids from ``table``'s identity sequence; return the first.
        Nothing else writes the bench database while this runs."""
        cursor.execute(RESERVE_SQL, {"table": table, "count": count})
        return cursor.fetchone()[0] - count + 1

    def _analyze(self) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute("VACUUM (ANALYZE) " + connection.ops.quote_name(table))
        self.stdout.write(
            f"bench_data: VACUUM (ANALYZE) of {len(TABLES)} tables in "
            f"{time.monotonic() - started:,.0f} s"
        )
