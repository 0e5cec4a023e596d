"""Demo unit standards: a few approved ones from the demo open university, and one submitted
one waiting for the centre administrator. Written through the services, so the audit chain
records them as a real review would (the clerk drafts, the centre administrator decides).
The demo learner also holds three deposited achievements, each with a small PDF as evidence."""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Institution, LearnerAccount
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
    centre_admin = users.filter(username="centre_admin").first()
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
]


def _seed_deposits(out, issuer) -> None:
    """Idempotent: the deposits are made only while the demo learner holds none."""
    account = LearnerAccount.objects.filter(user__username="learner", status="active").first()
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
        services.achievement_deposit(
            acting_user=account.user,
            account=account,
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
            files=[SimpleUploadedFile("证书.pdf", pdf, content_type="application/pdf")],
        )
    out.write(f"achievements: {len(DEPOSITS)} achievements deposited for the demo learner")
