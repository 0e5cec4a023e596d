"""Demo unit standards: a few approved ones from the demo open university, and one submitted
one waiting for the centre administrator. Written through the services, so the audit chain
records them as a real review would (the clerk drafts, the centre administrator decides).
The demo learner also holds six achievements, each with a small PDF as evidence, taken through
the recognition services by the demo staff so that every desk has something on it: two
recognised (credits on the ledger), one returned for more, one rejected (open to appeal), one
above the re-review threshold waiting for the centre, one waiting for the branch's first check."""

import hashlib
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Institution, LearnerAccount
from accounts.roles import BRANCH_STAFF, CENTRE_ADMIN, EXPERT, LEARNER
from creditbank.pdf import render_pdf

from . import services
from .models import AchievementCategory, QualificationLevel, UnitStandard

# The demo institution where inst_admin, inst_clerk and inst_reviewer work (accounts.demo).
ISSUER_CREDIT_CODE = "12500000450400286J"

# (code, name, field, level number, credits, outcomes, approved?)
STANDARDS = [
    (
        "CQOU-IT-0001",
        "计算机应用基础",
        "信息技术",
        2,
        Decimal("4.00"),
        "能使用操作系统管理文件，使用文字处理、电子表格和演示文稿软件完成常见办公任务，"
        "安全地使用互联网检索信息和收发电子邮件。\n\n考核：上机操作考试，成绩合格。",
        True,
    ),
    (
        "CQOU-EE-0201",
        "电工（中级）",
        "电气设备安装与维修",
        3,
        Decimal("6.00"),
        "能识读电气原理图和接线图，按规范安装、调试和维修常用低压电气设备与照明线路，"
        "能排查常见电气故障并遵守安全用电规程。\n\n考核：理论知识考试与技能操作考核均合格，"
        "对应电工四级（中级工）职业技能等级。",
        True,
    ),
    (
        "CQOU-EC-0401",
        "养老护理员（四级）",
        "养老服务",
        3,
        Decimal("5.50"),
        "能为老年人提供生活照料、基础护理和康复服务，观察并记录老年人身体状况的变化，"
        "在突发情况下采取初步应急处置。\n\n考核：理论知识考试与技能操作考核均合格。",
        True,
    ),
    (
        "CQOU-ED-0105",
        "学前儿童卫生与保健",
        "学前教育",
        4,
        Decimal("3.00"),
        "能说明学前儿童生长发育的规律与卫生保健要求，制定托幼机构一日生活的卫生保健安排，"
        "识别常见疾病和意外伤害并作出正确处理。\n\n考核：课程考试成绩合格。",
        False,
    ),
]


def seed(out) -> None:
    issuer = Institution.objects.filter(credit_code=ISSUER_CREDIT_CODE).first()
    users = get_user_model().objects
    clerk = users.filter(username="inst_clerk").first()
    centre_admin = users.filter(username=CENTRE_ADMIN).first()
    if issuer is None or clerk is None or centre_admin is None:
        out.write("achievements: the demo institution and people are missing; skipped")
        return
    created = 0
    for code, name, field, level, credits, outcomes, approved in STANDARDS:
        if UnitStandard.objects.filter(code=code).exists():
            continue
        standard = services.unit_standard_create(
            acting_user=clerk,
            institution=issuer,
            code=code,
            name=name,
            field=field,
            level=QualificationLevel.objects.get(number=level),
            credit_value=credits,
            outcomes=outcomes,
        )
        services.unit_standard_submit(acting_user=clerk, standard=standard)
        if approved:
            services.unit_standard_approve(acting_user=centre_admin, standard=standard)
        created += 1
    out.write(f"achievements: {created} unit standards added ({len(STANDARDS)} in the demo)")
    _seed_deposits(out, issuer)


# (category code, title, issuer is the demo institution?, issuer name, date, result kind, result,
#  hours, original credits, certificate number)
DEPOSITS = [
    (
        "vocational_skill_certificate",
        "电工（四级/中级工）职业技能等级证书",
        False,
        "重庆市职业技能鉴定指导中心",
        date(2023, 11, 20),
        "pass",
        "pass",
        Decimal("120.0"),
        None,
        "DEMO-S000023112001",
    ),
    (
        "academic_course",
        "计算机应用基础",
        True,
        "",
        date(2024, 1, 12),
        "score",
        "86.5",
        Decimal("72.0"),
        Decimal("4.00"),
        "DEMO-CQOU-2024-0001",
    ),
    (
        "training",
        "养老护理员岗位培训",
        False,
        "重庆市渝中区社区学院",
        date(2024, 6, 28),
        "grade",
        "良好",
        Decimal("40.0"),
        None,
        "",
    ),
    (
        "online_course",
        "老年人智能手机应用",
        False,
        "国家老年大学",
        date(2025, 3, 15),
        "pass",
        "pass",
        Decimal("16.0"),
        None,
        "",
    ),
    (
        "vocational_qualification_certificate",
        "育婴员（四级）职业资格证书",
        False,
        "重庆市人力资源和社会保障局",
        date(2022, 9, 1),
        "pass",
        "pass",
        Decimal("180.0"),
        None,
        "DEMO-YY-2022-0901",
    ),
    (
        "volunteer_service",
        "社区助老志愿服务",
        False,
        "渝中区志愿者协会",
        date(2025, 12, 31),
        "pass",
        "pass",
        Decimal("60.0"),
        None,
        "",
    ),
]


def _seed_deposits(out, issuer) -> None:
    """Idempotent: the deposits are made only while the demo learner holds none."""
    account = LearnerAccount.objects.filter(user__username=LEARNER, status="active").first()
    if account is None:
        out.write("achievements: the demo learner's active account is missing; no deposits")
        return
    if account.achievements.exists():
        return
    categories = {c.code: c for c in AchievementCategory.objects.all()}
    for row in DEPOSITS:
        code, title, by_issuer, name, obtained, kind, value, hours, credits, number = row
        category = categories.get(code) or categories["training"]
        pdf = render_pdf(
            "pdf/sample.html",
            {"title": title, "body": f"{name or issuer.name} · {obtained:%Y-%m-%d} · {number}"},
        )
        facts = services.AchievementFacts(
            category=category,
            title=title,
            issuer_institution=issuer if by_issuer else None,
            issuer_name="" if by_issuer else name,
            obtained_on=obtained,
            result_kind=kind,
            result_value=value,
            hours=hours,
            original_credits=credits,
            certificate_number=number,
        )
        services.achievement_deposit(
            acting_user=account.user,
            account=account,
            facts=facts,
            files=[SimpleUploadedFile("证书.pdf", pdf, content_type="application/pdf")],
        )
    out.write(f"achievements: {len(DEPOSITS)} achievements deposited for the demo learner")
    _seed_reviews(out, account)


def _seed_reviews(out, account) -> None:
    """The demo staff review the demo learner's deposits through the services, each step with
    its history, audit event and notice, as if done on the pages."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=REVIEWERS)}
    if set(users) != set(REVIEWERS):
        out.write("achievements: the demo staff are missing; the deposits stay unreviewed")
        return
    learner = account.user
    levels = {level.number: level for level in QualificationLevel.objects.all()}
    mine = {a.title: a for a in account.achievements.all()}

    def submitted(title):
        return services.achievement_submit(acting_user=learner, achievement=mine[title])

    def forwarded(title, by=BRANCH_STAFF):
        return services.achievement_forward(acting_user=users[by], achievement=submitted(title))

    # A course of the demo member institution: its clerk makes the first check, its reviewer
    # matches the unit standard.
    services.achievement_recognise(
        acting_user=users["inst_reviewer"],
        achievement=forwarded("计算机应用基础", by="inst_clerk"),
        unit_standard=UnitStandard.objects.get(code="CQOU-IT-0001"),
        note="与认证单元 CQOU-IT-0001 的学习成果一致。",
    )
    # An outside certificate: the branch makes the first check, an expert states credits,
    # level and field.
    services.achievement_recognise(
        acting_user=users[EXPERT],
        achievement=forwarded("电工（四级/中级工）职业技能等级证书"),
        credits=Decimal("6.00"),
        level=levels[3],
        field="电气设备安装与维修",
    )
    services.achievement_return(
        acting_user=users[BRANCH_STAFF],
        achievement=submitted("养老护理员岗位培训"),
        message="请补充培训机构盖章的考勤记录或结业证书。",
    )
    services.achievement_reject(
        acting_user=users[EXPERT],
        achievement=forwarded("老年人智能手机应用"),
        reason="学习时长不足认证单元要求的 24 学时。",
    )
    # Above the re-review threshold: waits for centre_admin (who did not decide it).
    services.achievement_recognise(
        acting_user=users[EXPERT],
        achievement=forwarded("育婴员（四级）职业资格证书"),
        credits=Decimal("12.00"),
        level=levels[3],
        field="婴幼儿照护",
    )
    submitted("社区助老志愿服务")
    out.write("achievements: the demo learner's deposits were reviewed")


# Usernames: the demo people who hold one role are called by its name (accounts.demo).
REVIEWERS = (BRANCH_STAFF, "inst_clerk", "inst_reviewer", EXPERT)


# The demo learner's transcript verifies under this code at /verify/<code>/ (README, "Demo
# log-ins"). A real code is 20 random characters of Crockford's base32 (100 bits); this one is
# fixed, for the demo only, so that the README can print it: CB14-DEM0-TRAN-SCR1-PT00 (a zero,
# not the letter O, which the alphabet leaves out). It is written into the document between
# the request and the rendering, so that the PDF, its QR code and the credentials carry it.
DEMO_TRANSCRIPT_CODE = "CB14DEM0TRANSCR1PT00"
# Its share link, with a PIN, likewise fixed for the README (a real token is random and shown
# once): /verify/s/<DEMO_SHARE_TOKEN>/, PIN DEMO_SHARE_PIN.
DEMO_SHARE_TOKEN = "demo-transcript-share"
DEMO_SHARE_PIN = "2468"


def seed_late(out) -> None:
    """After every app's seed: the transcript lists what the conversion app seeded; the centre's
    mandate and a finished result batch of the demo institution (batch recognition)."""
    _seed_transcript(out)
    _seed_batch(out)


def _seed_transcript(out) -> None:
    """The demo learner's Chinese transcript, requested and rendered (the real PDF, signature
    and credentials) through the services, with the fixed code; and a share link with a PIN.
    Idempotent: nothing is made while a document with the code exists (a failed one is tried
    again)."""
    from django.db import transaction

    from .models import DocumentShare, ProofDocument
    from .services import proof

    account = LearnerAccount.objects.filter(user__username=LEARNER, status="active").first()
    if account is None:
        out.write("achievements: the demo learner's active account is missing; no transcript")
        return
    learner = account.user
    document = ProofDocument.objects.filter(code=DEMO_TRANSCRIPT_CODE).first()
    if document is None:
        document = proof.document_request(
            acting_user=learner,
            kind=ProofDocument.Kind.TRANSCRIPT,
            language=ProofDocument.Language.ZH_HANS,
            valid_days=180,
        )
        # Demo only: the fixed code instead of the random one, before anything prints it.
        ProofDocument.objects.filter(pk=document.pk).update(code=DEMO_TRANSCRIPT_CODE)
    elif document.status == ProofDocument.Status.FAILED:
        document = proof.document_retry(acting_user=learner, document=document)
    if document.status in (ProofDocument.Status.REQUESTED, ProofDocument.Status.FAILED):
        try:
            with transaction.atomic():
                document = proof.document_render(document_id=document.pk)
        except Exception as error:  # noqa: BLE001 — the demo goes on; seed_demo again retries
            out.write(f"achievements: the demo transcript could not be rendered: {error}")
            return
    if document.status != ProofDocument.Status.READY:
        return
    if not document.shares.exists():
        share, _token = proof.share_create(
            acting_user=learner,
            document=document,
            label="示例：用人单位",
            pin=DEMO_SHARE_PIN,
            valid_days=proof.SHARE_DAYS_MAX,
        )
        # Demo only: the fixed token instead of the random one, so that the README can print it.
        DocumentShare.objects.filter(pk=share.pk).update(
            token_hash=hashlib.sha256(DEMO_SHARE_TOKEN.encode()).hexdigest()
        )
    out.write(
        f"achievements: the demo learner's transcript verifies at /verify/{document.code_display}/"
    )


# --- Batch recognition (批量认定) --------------------------------------------------------------
# The centre's mandate for the demo institution (inst_clerk's): its academic course results are
# recognised directly at level 4 in information technology when it sends them in a batch.
MANDATE_CATEGORY = "academic_course"
MANDATE_LEVEL = 4
MANDATE_FIELD = "信息技术"
# Learners of the demo batch, opened at the demo branch's service point by its staff (made-up
# identities with valid check digits): (name, ID number, date of birth, mobile, e-mail).
BATCH_LEARNERS = [
    (
        "李娜",
        "500103199204154321",
        date(1992, 4, 15),
        "13800138001",
        "lina@demo.creditbank.example",
    ),
    (
        "王磊",
        "500107199508221613",
        date(1995, 8, 22),
        "13800138002",
        "wanglei@demo.creditbank.example",
    ),
    (
        "陈静",
        "500106198803092868",
        date(1988, 3, 9),
        "13800138003",
        "chenjing@demo.creditbank.example",
    ),
]
# A valid ID number that no learning account has: its row is refused.
UNKNOWN_ID_NUMBER = "500101199001019995"
BATCH_FILE_NAME = "2025年春季学期课程成绩.csv"
# The file's columns, under the template's Chinese headings (achievements.batch.reader).
BATCH_COLUMNS = (
    "external_id",
    "id_number",
    "account_number",
    "name",
    "title",
    "obtained_on",
    "result",
    "credits",
)


def _batch_rows(accounts: dict) -> list[list[str]]:
    """The demo file's rows, as a clerk's export has them: five good ones (a failed result among
    them, which goes to the review), and four that are refused, each for a reason the refused
    rows file names."""
    lina, wang, chen = (accounts[row[0]] for row in BATCH_LEARNERS)
    return [
        ["CQOU-2025S-0001", lina[1], "", "李娜", "计算机网络基础", "2025-01-10", "优秀", "4"],
        ["CQOU-2025S-0002", "", lina[2], "李娜", "数据库应用", "2025/1/12", "86", "3"],
        ["CQOU-2025S-0003", wang[1], "", "王磊", "Python程序设计", "2025年1月15日", "良好", "4"],
        ["CQOU-2025S-0004", wang[1], "", "王磊", "办公软件高级应用", "20250120", "８５", "2"],
        ["CQOU-2025S-0005", chen[1], "", "陈静", "网页设计与制作", "2025-01-16", "不及格", "3"],
        # Refused: no learning account has the ID number; a date that is not one; the name is
        # not the account's; no result.
        [
            "CQOU-2025S-0006",
            UNKNOWN_ID_NUMBER,
            "",
            "赵强",
            "计算机网络基础",
            "2025-01-10",
            "良好",
            "4",
        ],
        ["CQOU-2025S-0007", lina[1], "", "李娜", "操作系统", "2025-13-01", "良好", "3"],
        ["CQOU-2025S-0008", wang[1], "", "王雷", "数据结构", "2025-01-18", "中等", "4"],
        ["CQOU-2025S-0009", chen[1], "", "陈静", "多媒体技术", "2025-01-19", "", "2"],
    ]


def _batch_learners(out) -> dict | None:
    """``{name: (account, ID number, account number)}`` of the demo batch's learners, opened
    at the demo branch's service point by its staff when missing."""
    from accounts.identity import IdType
    from accounts.services import Identity
    from accounts.services.learners import identity_hash
    from branches.models import StaffAssignment
    from branches.services.accounts import account_open_in_person

    posting = (
        StaffAssignment.objects.filter(user__username=BRANCH_STAFF, service_point__isnull=False)
        .select_related("service_point", "user")
        .first()
    )
    if posting is None:
        out.write("achievements: the demo branch staff are missing; no demo batch")
        return None
    found = {}
    for name, number, born, mobile, email in BATCH_LEARNERS:
        account = LearnerAccount.objects.filter(
            id_number_hash=identity_hash(IdType.RESIDENT_ID, number)
        ).first()
        if account is None:
            account = account_open_in_person(
                acting_user=posting.user,
                service_point=posting.service_point,
                identity=Identity(
                    real_name=name,
                    id_type=IdType.RESIDENT_ID,
                    id_number=number,
                    birth_date=born,
                    mobile=mobile,
                    education=LearnerAccount.Education.JUNIOR_COLLEGE,
                ),
                email=email,
            )
        found[name] = (account, number, account.account_number)
    return found


def _seed_batch(out) -> None:
    """The centre administrator grants the demo institution a mandate for academic course
    results, and its clerk sends a small file of results in valid-rows-only mode, worked at once
    by the real service: the batch pages show a finished batch with recognised, deposited and
    refused rows, and the mandate pages an active mandate. Idempotent: a mandate is granted
    while the institution has none for the category (active or ended), the file sent while no
    batch of it exists."""
    import csv
    import io

    from .batch.reader import HEADINGS
    from .models import ImportBatch, RecognitionMandate
    from .services import batch as batches
    from .services.mandates import mandate_grant

    institution = Institution.objects.filter(credit_code=ISSUER_CREDIT_CODE).first()
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=("inst_clerk", CENTRE_ADMIN))
    }
    if institution is None or len(users) != 2:
        out.write("achievements: the demo institution and people are missing; no demo batch")
        return
    category = AchievementCategory.objects.get(code=MANDATE_CATEGORY)
    if not RecognitionMandate.objects.filter(institution=institution, category=category).exists():
        mandate_grant(
            acting_user=users[CENTRE_ADMIN],
            institution=institution,
            category=category,
            level=QualificationLevel.objects.get(number=MANDATE_LEVEL),
            field=MANDATE_FIELD,
        )
        out.write(f"achievements: {institution.name} holds a direct recognition mandate")
    if ImportBatch.objects.filter(institution=institution, file_name=BATCH_FILE_NAME).exists():
        return
    accounts = _batch_learners(out)
    if accounts is None:
        return
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([HEADINGS[key] for key in BATCH_COLUMNS])
    writer.writerows(_batch_rows(accounts))
    batch = batches.batch_upload(
        acting_user=users["inst_clerk"],
        institution=institution,
        category=category,
        mode=ImportBatch.Mode.VALID_ROWS,
        upload=SimpleUploadedFile(
            BATCH_FILE_NAME, text.getvalue().encode("utf-8-sig"), content_type="text/csv"
        ),
    )
    # Worked here, not by a worker: the demo is complete when seed_demo ends (the task queued
    # on commit finds the batch finished).
    while batches.batch_run(batch.pk) is False:
        pass
    batch.refresh_from_db()
    out.write(
        f"achievements: demo batch {batch.reference}: {batch.recognised} recognised, "
        f"{batch.deposited} for review, {batch.rows_refused} refused"
    )
