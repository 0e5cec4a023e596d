"""Demo conversion data (转换): programmes and courses of the four demo institutions, the
certificates and self-study exam subjects rules name, and 40 conversion rules in every state of
their lifecycle.

Everything goes through the services, by the people who would do it — the institutions' clerks
write programmes, courses and rules, the centre administrator keeps the certificate and subject
lists, assigns the two demo experts (``expert`` and ``expert2``) to a panel, approves and
publishes — so the audit log and the announcements page tell the same story as real use. Most
rules are published; some wait (submitted, or in expert review with one opinion given), one
draft came back with a reason, one is retired and one has two published versions (the second,
granting more credits, ended the first).

The demo learner then holds six certificates those rules name (deposited, checked by the
branch and recognised by the expert through the achievements services) and makes six conversion
applications through ``services.applications``, accepted and decided by the people who would:
one approved, one partly approved (a line refused with a reason), one rejected, one refused and
appealed (waiting for a second reviewer of the institution, who took no part), one with the
institution and one waiting to be accepted.

Idempotent: a programme, course, certificate or subject that exists is left alone, a rule
is made only while its institution has no rule of that title, and the applications only while
the demo learner has none.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model

from accounts.demo import DEMO_PASSWORD, demo_totp_secret, demo_user
from accounts.models import Institution, InstitutionStaff
from accounts.roles import BRANCH_STAFF, CENTRE_ADMIN, EXPERT
from accounts.services import role_grant
from achievements.models import AchievementCategory, UnitStandard

from .models import Certificate, ConversionRule, Course, Programme, RuleVersion, SelfStudySubject
from .source import iter_atoms

# The demo institutions (accounts.demo.INSTITUTIONS), by a short key.
INSTITUTIONS = {
    "OU": "12500000450400286J",  # 重庆开放大学 (its clerk: inst_clerk)
    "CV": "12500000MB1583012D",  # 重庆城市职业学院
    "ZK": "11500000009285107P",  # 重庆市教育考试院自学考试办公室
    "XH": "52500000MJP5062136",  # 重庆市职业技能培训协会
}
# Who writes each institution's programmes, courses and rules.
CLERKS = {"OU": "inst_clerk", "CV": "cqcvc_clerk", "ZK": "zikao_clerk", "XH": "skills_clerk"}
EXPERT2 = "expert2"

# seed_demo prints these log-ins with the demo password and TOTP secret (as accounts.demo's).
__all__ = ["DEMO_PASSWORD", "DEMO_PEOPLE", "demo_totp_secret", "seed"]
DEMO_PEOPLE = [
    ("second expert", EXPERT2),
    ("institution clerk (重庆城市职业学院)", "cqcvc_clerk"),
    ("institution clerk (自学考试办公室)", "zikao_clerk"),
    ("institution clerk (职业技能培训协会)", "skills_clerk"),
]

JC, BA, ND = "junior_college", "bachelor", "non_degree"

# (institution, code, name, level, field, graduation credits, largest share from conversion %);
# degree programmes by their national codes (本科 and 高职专科 catalogues).
PROGRAMMES = [
    ("OU", "080901", "计算机科学与技术（本科，开放教育）", BA, "信息技术", "80", 50),
    ("OU", "120402", "行政管理（本科）", BA, "公共管理", "80", 30),
    ("OU", "570102K", "学前教育（专科）", JC, "学前教育", "76", 50),
    ("OU", "530302", "大数据与会计（专科）", JC, "财务会计", "76", 50),
    ("CV", "510201", "计算机应用技术（专科）", JC, "信息技术", "120", 50),
    ("CV", "530701", "电子商务（专科）", JC, "电子商务", "120", 50),
    ("CV", "510203", "软件技术（专科）", JC, "软件", "120", 40),
    ("ZK", "080901", "计算机科学与技术（本科，自学考试）", BA, "信息技术", "70", 50),
    ("XH", "PX2026-01", "电子商务师职业技能培训（非学历）", ND, "电子商务", "20", 50),
    ("XH", "PX2026-02", "育婴员职业技能培训（非学历）", ND, "学前教育", "16", 50),
]

R, E = "required", "elective"
F2F, ONLINE, BLENDED = "face_to_face", "online", "blended"

# (institution, code, name, credits, hours, level, field, kind, mode, public, programme codes)
# fmt: off
COURSES = [
    ("OU", "OU-1001", "计算机应用基础", "4", 72, JC, "信息技术", R, ONLINE, True, ["570102K", "530302"]),
    ("OU", "OU-1002", "大学英语（一）", "4", 72, JC, "外语", R, BLENDED, True, ["570102K", "530302"]),
    ("OU", "OU-1003", "大学英语（二）", "4", 72, JC, "外语", R, BLENDED, True, ["570102K", "530302"]),
    ("OU", "OU-1004", "思想道德与法治", "3", 54, JC, "思想政治", R, ONLINE, True, ["570102K", "530302"]),
    ("OU", "OU-1005", "习近平新时代中国特色社会主义思想概论", "3", 54, BA, "思想政治", R, ONLINE, True, ["080901", "120402"]),
    ("OU", "OU-1006", "高等数学（本）", "4", 72, BA, "数学", R, BLENDED, True, ["080901"]),
    ("OU", "OU-2002", "数据结构（本）", "4", 72, BA, "信息技术", R, BLENDED, True, ["080901"]),
    ("OU", "OU-2003", "操作系统（本）", "4", 72, BA, "信息技术", R, BLENDED, True, ["080901"]),
    ("OU", "OU-2004", "计算机网络（本）", "4", 72, BA, "信息技术", R, BLENDED, True, ["080901"]),
    ("OU", "OU-2005", "Java语言程序设计", "4", 72, BA, "信息技术", R, BLENDED, True, ["080901"]),
    ("OU", "OU-2006", "数据库应用技术", "4", 72, BA, "信息技术", R, BLENDED, True, ["080901"]),
    ("OU", "OU-2007", "Python程序设计", "3", 54, BA, "信息技术", E, ONLINE, True, ["080901"]),
    ("OU", "OU-2008", "网页设计与制作", "3", 54, BA, "信息技术", E, ONLINE, True, ["080901"]),
    ("OU", "OU-2009", "人工智能导论", "2", 36, BA, "信息技术", E, ONLINE, True, ["080901"]),
    ("OU", "OU-3001", "管理学基础", "4", 72, BA, "公共管理", R, BLENDED, True, ["120402"]),
    ("OU", "OU-3002", "公共行政学", "4", 72, BA, "公共管理", R, BLENDED, True, ["120402"]),
    ("OU", "OU-3003", "公文写作", "3", 54, BA, "公共管理", R, ONLINE, True, ["120402"]),
    ("OU", "OU-3004", "社会调查研究与方法", "3", 54, BA, "公共管理", E, ONLINE, True, ["120402"]),
    ("OU", "OU-3005", "中国近现代史纲要", "3", 54, BA, "思想政治", R, ONLINE, True, ["080901", "120402"]),
    ("OU", "OU-3006", "马克思主义基本原理", "3", 54, BA, "思想政治", R, ONLINE, True, ["080901", "120402"]),
    ("OU", "OU-4001", "学前儿童发展心理学", "4", 72, JC, "学前教育", R, BLENDED, True, ["570102K"]),
    ("OU", "OU-4002", "学前儿童卫生与保健", "3", 54, JC, "学前教育", R, BLENDED, True, ["570102K"]),
    ("OU", "OU-4003", "幼儿园课程论", "3", 54, JC, "学前教育", R, F2F, True, ["570102K"]),
    ("OU", "OU-4004", "婴幼儿照护", "2", 36, JC, "学前教育", E, BLENDED, True, ["570102K"]),
    ("OU", "OU-4005", "教师口语", "2", 36, JC, "学前教育", E, F2F, True, ["570102K"]),
    ("OU", "OU-5001", "基础会计", "4", 72, JC, "财务会计", R, BLENDED, True, ["530302"]),
    ("OU", "OU-5002", "财务会计", "4", 72, JC, "财务会计", R, BLENDED, True, ["530302"]),
    ("OU", "OU-5003", "经济数学基础", "4", 72, JC, "数学", R, ONLINE, True, ["530302"]),
    ("OU", "OU-5004", "智能财税实务", "3", 54, JC, "财务会计", E, BLENDED, True, ["530302"]),
    ("OU", "OU-5005", "大数据财务分析", "3", 54, JC, "财务会计", E, ONLINE, True, ["530302"]),
    ("OU", "OU-9001", "开放教育入学指南", "1", 18, JC, "通识", R, ONLINE, False, ["570102K", "530302"]),
    ("CV", "CV-1001", "计算机应用基础", "4", 64, JC, "信息技术", R, F2F, True, ["510201", "530701", "510203"]),
    ("CV", "CV-1002", "大学英语", "4", 64, JC, "外语", R, F2F, True, ["510201", "530701", "510203"]),
    ("CV", "CV-1003", "高等数学", "4", 64, JC, "数学", R, F2F, True, ["510201", "510203"]),
    ("CV", "CV-1004", "思想道德与法治", "3", 48, JC, "思想政治", R, F2F, True, ["510201", "530701", "510203"]),
    ("CV", "CV-2001", "C语言程序设计", "4", 64, JC, "信息技术", R, F2F, True, ["510201", "510203"]),
    ("CV", "CV-2002", "网页设计与制作", "4", 64, JC, "信息技术", R, BLENDED, True, ["510201", "510203"]),
    ("CV", "CV-2003", "Web前端开发", "4", 64, JC, "信息技术", R, BLENDED, True, ["510201", "510203"]),
    ("CV", "CV-2004", "数据库应用技术", "4", 64, JC, "信息技术", R, F2F, True, ["510201", "510203"]),
    ("CV", "CV-2005", "Python程序设计", "4", 64, JC, "信息技术", R, BLENDED, True, ["510201", "510203"]),
    ("CV", "CV-2006", "云计算技术与应用", "3", 48, JC, "信息技术", E, BLENDED, True, ["510201"]),
    ("CV", "CV-2007", "大数据分析基础", "3", 48, JC, "信息技术", E, ONLINE, True, ["510201"]),
    ("CV", "CV-3001", "电子商务基础", "3", 48, JC, "电子商务", R, F2F, True, ["530701"]),
    ("CV", "CV-3002", "网店运营推广", "4", 64, JC, "电子商务", R, BLENDED, True, ["530701"]),
    ("CV", "CV-3003", "电子商务数据分析", "4", 64, JC, "电子商务", R, BLENDED, True, ["530701"]),
    ("CV", "CV-3004", "网络营销", "3", 48, JC, "电子商务", R, ONLINE, True, ["530701"]),
    ("CV", "CV-3005", "直播电商实务", "2", 32, JC, "电子商务", E, ONLINE, True, ["530701"]),
    ("CV", "CV-9001", "劳动教育", "1", 16, JC, "通识", R, F2F, False, ["510201", "530701", "510203"]),
    ("CV", "CV-9002", "创新创业基础", "2", 32, JC, "通识", E, ONLINE, True, ["510201", "530701", "510203"]),
    ("ZK", "00018", "计算机应用基础", "2", 36, BA, "信息技术", R, F2F, True, ["080901"]),
    ("ZK", "00015", "英语（二）", "14", 252, BA, "外语", R, F2F, True, ["080901"]),
    ("ZK", "02331", "数据结构", "3", 54, BA, "信息技术", R, F2F, True, ["080901"]),
    ("ZK", "04747", "Java语言程序设计（一）", "3", 54, BA, "信息技术", R, F2F, True, ["080901"]),
    ("ZK", "02326", "操作系统", "4", 72, BA, "信息技术", R, F2F, True, ["080901"]),
    ("ZK", "04741", "计算机网络原理", "4", 72, BA, "信息技术", R, F2F, True, ["080901"]),
    ("XH", "XH-101", "网店开设与装修", "2", 32, ND, "电子商务", R, F2F, True, ["PX2026-01"]),
    ("XH", "XH-102", "网络客服实务", "2", 32, ND, "电子商务", R, BLENDED, True, ["PX2026-01"]),
    ("XH", "XH-103", "电商视觉设计", "2", 32, ND, "电子商务", E, BLENDED, True, ["PX2026-01"]),
    ("XH", "XH-201", "婴幼儿生活照料", "2", 32, ND, "学前教育", R, F2F, True, ["PX2026-02"]),
    ("XH", "XH-202", "婴幼儿保健与护理", "2", 32, ND, "学前教育", R, F2F, True, ["PX2026-02"]),
    ("XH", "XH-203", "婴幼儿早期教育", "2", 32, ND, "学前教育", E, BLENDED, False, ["PX2026-02"]),
]
# fmt: on

EXAMS = "vocational_qualification_certificate"
SKILLS = "vocational_skill_certificate"
NEEA = "教育部教育考试院"
# (name, grade, issuer, achievement category code)
CERTIFICATES = [
    ("全国计算机等级考试一级", "", NEEA, EXAMS),
    ("全国计算机等级考试二级", "", NEEA, EXAMS),
    ("全国计算机等级考试三级", "", NEEA, EXAMS),
    ("大学英语四级", "", NEEA, EXAMS),
    ("大学英语六级", "", NEEA, EXAMS),
    ("全国英语等级考试三级（PETS-3）", "", NEEA, EXAMS),
    ("普通话水平测试", "二级甲等", "国家语言文字工作委员会", EXAMS),
    ("Web前端开发职业技能等级证书", "初级", "工业和信息化部教育与考试中心", SKILLS),
    ("Web前端开发职业技能等级证书", "中级", "工业和信息化部教育与考试中心", SKILLS),
    ("Web前端开发职业技能等级证书", "高级", "工业和信息化部教育与考试中心", SKILLS),
    ("大数据分析与应用职业技能等级证书", "初级", "新华三技术有限公司", SKILLS),
    ("大数据分析与应用职业技能等级证书", "中级", "新华三技术有限公司", SKILLS),
    ("智能财税职业技能等级证书", "初级", "中联集团教育科技有限公司", SKILLS),
    ("智能财税职业技能等级证书", "中级", "中联集团教育科技有限公司", SKILLS),
    ("电子商务数据分析职业技能等级证书", "初级", "北京博导前程信息技术股份有限公司", SKILLS),
    ("电子商务数据分析职业技能等级证书", "中级", "北京博导前程信息技术股份有限公司", SKILLS),
    ("云计算平台运维与开发职业技能等级证书", "初级", "北京新大陆时代教育科技有限公司", SKILLS),
    ("云计算平台运维与开发职业技能等级证书", "中级", "北京新大陆时代教育科技有限公司", SKILLS),
    ("网店运营推广职业技能等级证书", "中级", "中教畅享（北京）科技有限公司", SKILLS),
    ("幼儿照护职业技能等级证书", "初级", "湖南金职伟业母婴护理有限公司", SKILLS),
    ("幼儿照护职业技能等级证书", "中级", "湖南金职伟业母婴护理有限公司", SKILLS),
]

# Subjects of the higher education self-study examinations, by their national codes.
SUBJECTS = [
    ("00012", "英语（一）", "7"),
    ("00015", "英语（二）", "14"),
    ("00018", "计算机应用基础", "2"),
    ("00020", "高等数学（一）", "6"),
    ("00023", "高等数学（工本）", "10"),
    ("00041", "基础会计学", "5"),
    ("00144", "企业管理概论", "5"),
    ("00341", "公文写作与处理", "4"),
    ("02326", "操作系统", "4"),
    ("02331", "数据结构", "3"),
    ("03708", "中国近现代史纲要", "2"),
    ("03709", "马克思主义基本原理概论", "4"),
    ("04741", "计算机网络原理", "4"),
    ("04747", "Java语言程序设计（一）", "3"),
]


# --- Sources, written with names instead of primary keys ------------------------------------------


def cert(name: str, grade: str = "", *, within: int | None = None) -> dict:
    return {"type": "atom", "kind": "certificate", "ref": (name, grade), "within_years": within}


def subject(code: str) -> dict:
    return {"type": "atom", "kind": "self_study", "subject": code, "min_result": {"kind": "pass"}}


def course(institution: str, code: str, *, grade: str = "", score: int | None = None) -> dict:
    result = (
        {"kind": "score", "value": score}
        if score is not None
        else {"kind": "grade", "value": grade}
        if grade
        else {"kind": "pass"}
    )
    return {"type": "atom", "kind": "course", "ref": (institution, code), "min_result": result}


def online(min_level: int) -> dict:
    return {
        "type": "atom",
        "kind": "category",
        "category": "online_course",
        "min_level": min_level,
        "min_result": {"kind": "pass"},
        "within_years": 3,
    }


def standard(code: str) -> dict:
    return {"type": "atom", "kind": "standard", "code": code}


def all_of(*items) -> dict:
    return {"type": "all", "items": list(items)}


def any_of(*items) -> dict:
    return {"type": "any", "items": list(items)}


def n_of(n: int, *items) -> dict:
    return {"type": "n_of", "n": n, "items": list(items)}


NCRE1, NCRE2, NCRE3 = (f"全国计算机等级考试{level}级" for level in "一二三")
CET4, CET6, PETS3 = "大学英语四级", "大学英语六级", "全国英语等级考试三级（PETS-3）"
WEB, BIGDATA, TAX = (
    "Web前端开发职业技能等级证书",
    "大数据分析与应用职业技能等级证书",
    "智能财税职业技能等级证书",
)
ECDATA, CLOUD = "电子商务数据分析职业技能等级证书", "云计算平台运维与开发职业技能等级证书"
SHOP, CARE = "网店运营推广职业技能等级证书", "幼儿照护职业技能等级证书"

PUBLISHED, SUBMITTED, IN_REVIEW, RETURNED, RETIRED, TWO_VERSIONS = (
    "published",
    "submitted",
    "in_review",
    "returned",
    "retired",
    "two_versions",
)
AUTUMN_2025, SPRING_2026, AUTUMN_2026 = (
    datetime.date(2025, 9, 1),
    datetime.date(2026, 3, 1),
    datetime.date(2026, 9, 1),
)


@dataclass(frozen=True)
class DemoRule:
    institution: str
    title: str
    programme: str
    source: dict
    # (course code, credits as text, or None for an exemption)
    targets: list
    state: str = PUBLISHED
    valid_from: datetime.date = AUTUMN_2026
    valid_until: datetime.date | None = None
    notes_zh: str = ""
    notes_en: str = ""
    # What the second version changes (TWO_VERSIONS): its targets, its start, its notes.
    second: dict = field(default_factory=dict)


RULES = [
    DemoRule(
        "OU",
        "全国计算机等级考试二级转换计算机应用基础",
        "530302",
        all_of(cert(NCRE2, within=5)),
        [("OU-1001", "4")],
        notes_zh="证书须为近五年内取得。",
        notes_en="The certificate must be at most five years old.",
    ),
    DemoRule(
        "OU",
        "全国计算机等级考试一级转换计算机应用基础（学前教育）",
        "570102K",
        all_of(cert(NCRE1)),
        [("OU-1001", "2")],
    ),
    DemoRule(
        "OU",
        "大学英语四级或PETS-3免修大学英语（一）",
        "530302",
        all_of(any_of(cert(CET4), cert(PETS3))),
        [("OU-1002", None)],
        notes_zh="持大学英语四级或全国英语等级考试三级证书者，免修大学英语（一）。",
        notes_en="Holders of CET-4 or PETS-3 are exempt from College English I.",
    ),
    DemoRule(
        "OU",
        "大学英语六级免修大学英语（一）（二）",
        "570102K",
        all_of(cert(CET6)),
        [("OU-1002", None), ("OU-1003", None)],
    ),
    DemoRule(
        "OU",
        "自考中国近现代史纲要转换",
        "120402",
        all_of(subject("03708")),
        [("OU-3005", "3")],
        valid_from=AUTUMN_2025,
    ),
    DemoRule(
        "OU",
        "自考马克思主义基本原理概论转换",
        "120402",
        all_of(subject("03709")),
        [("OU-3006", "3")],
        valid_from=AUTUMN_2025,
    ),
    DemoRule(
        "OU",
        "自考数据结构转换数据结构（本）",
        "080901",
        all_of(subject("02331")),
        [("OU-2002", "4")],
    ),
    DemoRule(
        "OU",
        "自考Java语言程序设计（一）转换",
        "080901",
        all_of(subject("04747")),
        [("OU-2005", "3")],
    ),
    DemoRule(
        "OU",
        "在线课程学分转换人工智能导论（选修）",
        "080901",
        all_of(online(3)),
        [("OU-2009", "2")],
        notes_zh="资历框架第三级及以上、近三年内完成的在线课程。",
        notes_en="An online course at framework level 3 or above, completed within three years.",
    ),
    DemoRule(
        "OU",
        "1+X智能财税（中级）转换智能财税实务",
        "530302",
        all_of(cert(TAX, "中级")),
        [("OU-5004", "3")],
        valid_from=SPRING_2026,
    ),
    DemoRule(
        "OU",
        "1+X大数据分析与应用（初级）转换大数据财务分析",
        "530302",
        all_of(cert(BIGDATA, "初级")),
        [("OU-5005", "3")],
    ),
    DemoRule(
        "OU",
        "1+X幼儿照护（中级）转换婴幼儿照护",
        "570102K",
        all_of(cert(CARE, "中级")),
        [("OU-4004", "2")],
    ),
    DemoRule(
        "OU",
        "城市职业学院数据库应用技术转换",
        "080901",
        all_of(course("CV", "CV-2004", grade="良好")),
        [("OU-2006", "4")],
        notes_zh="重庆城市职业学院课程成绩须达良好及以上。",
    ),
    DemoRule(
        "OU",
        "城市职业学院Python程序设计转换",
        "080901",
        all_of(course("CV", "CV-2005", score=75)),
        [("OU-2007", "3")],
    ),
    DemoRule(
        "OU",
        "网页设计三选二转换网页设计与制作",
        "080901",
        n_of(2, cert(WEB, "初级"), course("CV", "CV-2002"), course("CV", "CV-2003")),
        [("OU-2008", "3")],
        notes_zh="以下三项满足任意两项。",
        notes_en="Any two of the three.",
    ),
    DemoRule(
        "OU",
        "自考英语（一）和英语（二）转换大学英语",
        "530302",
        all_of(subject("00012"), subject("00015")),
        [("OU-1002", "4"), ("OU-1003", "4")],
    ),
    DemoRule(
        "OU",
        "能力单元计算机应用基础转换",
        "570102K",
        all_of(standard("CQOU-IT-0001")),
        [("OU-1001", "4")],
    ),
    DemoRule(
        "OU",
        "普通话二级甲等免修教师口语",
        "570102K",
        all_of(cert("普通话水平测试", "二级甲等")),
        [("OU-4005", None)],
    ),
    DemoRule(
        "OU",
        "自考公文写作与处理转换公文写作",
        "120402",
        all_of(subject("00341")),
        [("OU-3003", "3")],
        state=IN_REVIEW,
    ),
    DemoRule(
        "OU",
        "自考企业管理概论转换管理学基础",
        "120402",
        all_of(subject("00144")),
        [("OU-3001", "4")],
        state=SUBMITTED,
    ),
    DemoRule(
        "OU",
        "自考基础会计学转换基础会计",
        "530302",
        all_of(subject("00041")),
        [("OU-5001", "3")],
        state=TWO_VERSIONS,
        valid_from=AUTUMN_2025,
        second={
            "targets": [("OU-5001", "4")],
            "valid_from": AUTUMN_2026,
            "notes_zh": "自2026年秋季学期起，转换学分由3学分调整为4学分。",
            "notes_en": "From autumn 2026 the credits granted rise from 3 to 4.",
        },
    ),
    DemoRule(
        "OU",
        "全国计算机等级考试三级转换计算机网络（本）",
        "080901",
        all_of(cert(NCRE3)),
        [("OU-2004", "2")],
        state=RETIRED,
        valid_from=AUTUMN_2025,
    ),
    DemoRule(
        "OU",
        "1+X云计算平台运维与开发（中级）转换操作系统（本）",
        "080901",
        all_of(cert(CLOUD, "中级")),
        [("OU-2003", "2")],
        state=RETURNED,
    ),
    DemoRule(
        "CV",
        "全国计算机等级考试二级转换计算机应用基础",
        "510201",
        all_of(cert(NCRE2)),
        [("CV-1001", "4")],
    ),
    DemoRule(
        "CV",
        "大学英语四级或PETS-3免修大学英语",
        "530701",
        all_of(any_of(cert(CET4), cert(PETS3))),
        [("CV-1002", None)],
    ),
    DemoRule(
        "CV",
        "1+X Web前端开发（中级）转换前端课程",
        "510201",
        all_of(cert(WEB, "中级")),
        [("CV-2003", "4"), ("CV-2002", "4")],
    ),
    DemoRule(
        "CV",
        "1+X电子商务数据分析（初级）转换电子商务数据分析",
        "530701",
        all_of(cert(ECDATA, "初级")),
        [("CV-3003", "4")],
    ),
    DemoRule(
        "CV",
        "1+X网店运营推广（中级）转换网店运营推广",
        "530701",
        all_of(cert(SHOP, "中级")),
        [("CV-3002", "4")],
    ),
    DemoRule(
        "CV",
        "1+X云计算平台运维与开发（初级）转换云计算技术与应用",
        "510201",
        all_of(cert(CLOUD, "初级")),
        [("CV-2006", "3")],
    ),
    DemoRule(
        "CV",
        "1+X大数据分析与应用（中级）转换大数据分析基础",
        "510201",
        all_of(cert(BIGDATA, "中级")),
        [("CV-2007", "3")],
    ),
    DemoRule(
        "CV", "在线课程转换创新创业基础（选修）", "530701", all_of(online(2)), [("CV-9002", "2")]
    ),
    DemoRule(
        "CV",
        "协会电商培训课程转换直播电商实务",
        "530701",
        all_of(course("XH", "XH-101"), course("XH", "XH-102")),
        [("CV-3005", "2")],
    ),
    DemoRule(
        "CV",
        "自考高等数学（一）转换高等数学",
        "510203",
        all_of(subject("00020")),
        [("CV-1003", "4")],
        state=SUBMITTED,
    ),
    DemoRule(
        "CV",
        "开放大学数据库应用技术转换",
        "510203",
        all_of(course("OU", "OU-2006", score=70)),
        [("CV-2004", "4")],
    ),
    DemoRule(
        "ZK",
        "全国计算机等级考试二级免考计算机应用基础",
        "080901",
        all_of(cert(NCRE2)),
        [("00018", None)],
        valid_from=AUTUMN_2025,
        notes_zh="按自学考试免考办法办理。",
    ),
    DemoRule(
        "ZK",
        "大学英语四级免考英语（二）",
        "080901",
        all_of(cert(CET4)),
        [("00015", None)],
        valid_from=AUTUMN_2025,
    ),
    DemoRule(
        "ZK",
        "开放大学数据结构（本）免考数据结构",
        "080901",
        all_of(course("OU", "OU-2002", score=60)),
        [("02331", None)],
    ),
    DemoRule(
        "XH",
        "城市职业学院网店运营推广免修网店开设与装修",
        "PX2026-01",
        all_of(course("CV", "CV-3002")),
        [("XH-101", None)],
    ),
    DemoRule(
        "XH",
        "1+X幼儿照护（初级）免修婴幼儿照护课程",
        "PX2026-02",
        all_of(cert(CARE, "初级")),
        [("XH-201", None), ("XH-202", None)],
    ),
    DemoRule(
        "XH",
        "1+X电子商务数据分析（初级）转换电商视觉设计",
        "PX2026-01",
        all_of(cert(ECDATA, "初级")),
        [("XH-103", "1")],
        state=IN_REVIEW,
    ),
]

RETURN_REASON = "请补充证书考核内容与课程教学目标的对照说明，并核实转换学分。"
RETIRE_REASON = "全国计算机等级考试三级科目调整，本规则停止执行。"


# --- Seeding ------------------------------------------------------------------------------------


def _people(institutions: dict) -> dict:
    """The clerks of the other demo institutions and the second expert (set-up, not a person:
    the accounts demo does the same)."""
    people = {}
    for key, username in CLERKS.items():
        user = demo_user(username)
        InstitutionStaff.objects.get_or_create(
            institution=institutions[key], user=user, role=InstitutionStaff.Role.CLERK
        )
        people[key] = user
    expert2 = demo_user(EXPERT2, first_name="李四")
    if not expert2.role_grants.filter(role=EXPERT).exists():
        role_grant(acting_user=None, user=expert2, role=EXPERT)
    users = get_user_model().objects
    people[CENTRE_ADMIN] = users.get(username=CENTRE_ADMIN)
    people[EXPERT] = users.get(username=EXPERT)
    people[EXPERT2] = expert2
    return people


def _reference_lists(centre_admin) -> tuple[dict, int]:
    """The certificates and self-study subjects the rules name, through the centre's services."""
    from .services.reference import certificate_create, self_study_subject_create

    categories = {c.code: c for c in AchievementCategory.objects.all()}
    added = 0
    certificates = {}
    for name, grade, issuer, category in CERTIFICATES:
        found = Certificate.objects.filter(name=name, grade=grade).first()
        if found is None:
            found = certificate_create(
                acting_user=centre_admin,
                name=name,
                grade=grade,
                issuer=issuer,
                category=categories[category],
            )
            added += 1
        certificates[(name, grade)] = found
    for code, name, credits in SUBJECTS:
        if not SelfStudySubject.objects.filter(code=code).exists():
            self_study_subject_create(
                acting_user=centre_admin, code=code, name=name, credits=Decimal(credits)
            )
            added += 1
    return certificates, added


def _catalogue(institutions: dict, people: dict) -> tuple[dict, dict, int]:
    from .services.catalogue import course_create, programme_create

    added = 0
    programmes = {}
    for key, code, name, level, field_, credits, share in PROGRAMMES:
        institution = institutions[key]
        found = Programme.objects.filter(institution=institution, code=code).first()
        if found is None:
            found = programme_create(
                acting_user=people[key],
                institution=institution,
                code=code,
                name=name,
                level=level,
                field=field_,
                graduation_credits=Decimal(credits),
                conversion_share=share,
            )
            added += 1
        programmes[(key, code)] = found
    courses = {}
    for (
        key,
        code,
        name,
        credits,
        hours,
        level,
        field_,
        kind,
        mode,
        public,
        in_programmes,
    ) in COURSES:
        institution = institutions[key]
        found = Course.objects.filter(institution=institution, code=code).first()
        if found is None:
            found = course_create(
                acting_user=people[key],
                institution=institution,
                code=code,
                name=name,
                credits=Decimal(credits),
                hours=hours,
                level=level,
                field=field_,
                kind=kind,
                mode=mode,
                is_public=public,
                programmes=[programmes[(key, p)] for p in in_programmes],
            )
            added += 1
        courses[(key, code)] = found
    return programmes, courses, added


def _resolve(node: dict, certificates: dict, courses: dict) -> dict:
    """A demo source with the certificates and courses named by their primary keys."""
    if node["type"] != "atom":
        return {**node, "items": [_resolve(item, certificates, courses) for item in node["items"]]}
    atom = {key: value for key, value in node.items() if key != "ref"}
    if node["kind"] == "certificate":
        atom["certificate"] = certificates[node["ref"]].pk
    elif node["kind"] == "course":
        atom["course"] = courses[node["ref"]].pk
    return atom


def _targets(rule: DemoRule, targets, courses: dict) -> list:
    return [
        (courses[(rule.institution, code)], None if credits is None else Decimal(credits))
        for code, credits in targets
    ]


def _review_and_publish(version, people: dict, *, comment: str = ""):
    from .services import review

    review.rule_submit(acting_user=people["author"], version=version)
    review.rule_panel_assign(
        acting_user=people[CENTRE_ADMIN], version=version, experts=[people[EXPERT], people[EXPERT2]]
    )
    review.rule_opinion_give(
        acting_user=people[EXPERT], version=version, verdict="agree", comment=comment
    )
    review.rule_opinion_give(acting_user=people[EXPERT2], version=version, verdict="agree")
    review.rule_approve(acting_user=people[CENTRE_ADMIN], version=version)
    return review.rule_publish(acting_user=people[CENTRE_ADMIN], version=version)


def _rule(rule: DemoRule, institutions, programmes, courses, certificates, people) -> None:
    from .services import review
    from .services.rules import rule_create, rule_new_version, rule_version_update

    people = {**people, "author": people[rule.institution]}
    version = rule_create(
        acting_user=people["author"],
        institution=institutions[rule.institution],
        title=rule.title,
        programme=programmes[(rule.institution, rule.programme)],
        source=_resolve(rule.source, certificates, courses),
        targets=_targets(rule, rule.targets, courses),
        valid_from=rule.valid_from,
        valid_until=rule.valid_until,
        notes_zh=rule.notes_zh,
        notes_en=rule.notes_en,
    )
    centre_admin = people[CENTRE_ADMIN]
    if rule.state == SUBMITTED:
        review.rule_submit(acting_user=people["author"], version=version)
    elif rule.state == IN_REVIEW:
        review.rule_submit(acting_user=people["author"], version=version)
        review.rule_panel_assign(
            acting_user=centre_admin, version=version, experts=[people[EXPERT], people[EXPERT2]]
        )
        review.rule_opinion_give(
            acting_user=people[EXPERT],
            version=version,
            verdict="agree",
            comment="转换依据充分，学分合理，同意。",
        )
    elif rule.state == RETURNED:
        review.rule_submit(acting_user=people["author"], version=version)
        review.rule_return(acting_user=centre_admin, version=version, reason=RETURN_REASON)
    else:
        version = _review_and_publish(
            version, people, comment="证书考核内容覆盖课程主要目标，同意。"
        )
    if rule.state == RETIRED:
        review.rule_retire(acting_user=centre_admin, version=version, reason=RETIRE_REASON)
    elif rule.state == TWO_VERSIONS:
        draft = rule_new_version(acting_user=people["author"], version=version)
        second = rule.second
        draft = rule_version_update(
            acting_user=people["author"],
            version=draft,
            title=rule.title,
            programme=programmes[(rule.institution, rule.programme)],
            source=draft.source,
            targets=_targets(rule, second["targets"], courses),
            valid_from=second["valid_from"],
            valid_until=None,
            notes_zh=second["notes_zh"],
            notes_en=second["notes_en"],
        )
        _review_and_publish(draft, people, comment="学分调整与课程学分一致，同意。")


def seed(out) -> None:
    institutions = {
        key: Institution.objects.filter(credit_code=code).first()
        for key, code in INSTITUTIONS.items()
    }
    users = get_user_model().objects
    if None in institutions.values() or not users.filter(username=CENTRE_ADMIN).exists():
        out.write("conversion: the demo institutions and people are missing; skipped")
        return
    people = _people(institutions)
    certificates, listed = _reference_lists(people[CENTRE_ADMIN])
    programmes, courses, catalogued = _catalogue(institutions, people)
    approved = set(
        UnitStandard.objects.filter(status=UnitStandard.Status.APPROVED).values_list(
            "code", flat=True
        )
    )
    made = 0
    for rule in RULES:
        institution = institutions[rule.institution]
        if ConversionRule.objects.filter(institution=institution, title=rule.title).exists():
            continue
        standards = {a["code"] for _p, a in iter_atoms(rule.source) if a["kind"] == "standard"}
        if standards - approved:  # the achievements demo approves them; without it, no rule
            out.write(f"conversion: {rule.title} skipped (no approved unit standard)")
            continue
        _rule(rule, institutions, programmes, courses, certificates, people)
        made += 1
    published = RuleVersion.objects.published().count()
    out.write(
        f"conversion: {catalogued} programmes and courses, {listed} certificates and subjects "
        f"and {made} rules added ({len(RULES)} rules in the demo, {published} versions published)"
    )
    _seed_applications(out, institutions, programmes, courses)


# --- Conversion applications (转换申请) of the demo learner ----------------------------------------

# The demo learner's achievements that the demo rules accept, deposited by the learner, checked
# by the branch and recognised by the expert through the services (as achievements.demo does):
# (category code, title, issuer, date obtained, certificate number, credits recognised).
CONVERSION_DEPOSITS = [
    (EXAMS, "全国计算机等级考试二级证书", NEEA, datetime.date(2024, 3, 20), "DEMO-NCRE2-240320", "4.00"),
    (EXAMS, "大学英语四级证书", NEEA, datetime.date(2023, 6, 15), "DEMO-CET4-230615", "4.00"),
    (EXAMS, "普通话水平测试二级甲等证书", "国家语言文字工作委员会", datetime.date(2022, 5, 8),
     "DEMO-PSC-220508", "2.00"),
    (SKILLS, "网店运营推广职业技能等级证书（中级）", "中教畅享（北京）科技有限公司",
     datetime.date(2025, 6, 30), "DEMO-SHOP-250630", "4.00"),
    (SKILLS, "电子商务数据分析职业技能等级证书（初级）", "北京博导前程信息技术股份有限公司",
     datetime.date(2025, 1, 10), "DEMO-ECDA-250110", "3.00"),
    (SKILLS, "大数据分析与应用职业技能等级证书（初级）", "新华三技术有限公司",
     datetime.date(2025, 11, 20), "DEMO-BDA-251120", "3.00"),
]  # fmt: skip

# The institutions' reviewers: 重庆城市职业学院's, and a second one of 重庆开放大学 who took no
# part in its first decisions (an appeal goes to such a reviewer).
REVIEWERS = {"CV": "cqcvc_reviewer", "OU": "inst_reviewer", "OU2": "inst_reviewer2"}
DEMO_PEOPLE += [
    ("institution reviewer (重庆城市职业学院)", REVIEWERS["CV"]),
    ("second institution reviewer (重庆开放大学)", REVIEWERS["OU2"]),
]

APPROVED, PARTLY_APPROVED, REJECTED, WAITING, WITH_INSTITUTION, APPEALED = (
    "approved",
    "partly_approved",
    "rejected",
    "submitted",
    "with_institution",
    "appealed",
)
REFUSE_CET4 = "大学英语四级证书的成绩报告单未上传，无法核实成绩，本课程不予免修。"
REFUSE_NCRE2 = "证书编号在发证机构查询系统中无法核验，请核实后重新申请。"
REFUSE_PSC = "教师口语课程要求普通话二级甲等且近三年内取得，证书已超过三年。"
APPEAL_REASON = "本专业培养方案并未规定普通话证书的取得年限，转换规则也没有年限要求，请求重新审核。"


@dataclass(frozen=True)
class DemoApplication:
    """One application of the demo learner: the programme, the courses (each with the decision
    its line gets: True approve, False refuse with the reason, None not decided) and how far it
    goes (the final state)."""

    state: str
    institution: str
    programme: str
    lines: list  # (course code, approve?, reason)
    accepted_by: str = ""
    reviewer: str = ""


APPLICATIONS = [
    # Both lines approved by the college's reviewer: 8 credits on the ledger.
    DemoApplication(
        APPROVED,
        "CV",
        "530701",
        [("CV-3002", True, ""), ("CV-3003", True, "")],
        accepted_by="cqcvc_clerk",
        reviewer=REVIEWERS["CV"],
    ),
    # One line approved (4 credits), one refused with a reason.
    DemoApplication(
        PARTLY_APPROVED,
        "OU",
        "530302",
        [("OU-1001", True, ""), ("OU-1002", False, REFUSE_CET4)],
        accepted_by=BRANCH_STAFF,
        reviewer=REVIEWERS["OU"],
    ),
    # Its only line refused: rejected (the certificate is free again at the college).
    DemoApplication(
        REJECTED,
        "CV",
        "510201",
        [("CV-1001", False, REFUSE_NCRE2)],
        accepted_by=BRANCH_STAFF,
        reviewer=REVIEWERS["CV"],
    ),
    # Refused, then appealed by the learner: waits for the second reviewer.
    DemoApplication(
        APPEALED,
        "OU",
        "570102K",
        [("OU-4005", False, REFUSE_PSC)],
        accepted_by="inst_clerk",
        reviewer=REVIEWERS["OU"],
    ),
    # Accepted and taken by the reviewer: the decision is due.
    DemoApplication(
        WITH_INSTITUTION,
        "OU",
        "530302",
        [("OU-5005", None, "")],
        accepted_by=BRANCH_STAFF,
        reviewer=REVIEWERS["OU"],
    ),
    # Just submitted: waits for the branch or the office's clerk to accept it.
    DemoApplication(WAITING, "ZK", "080901", [("00018", None, ""), ("00015", None, "")]),
]


def _reviewers(institutions: dict) -> dict:
    """The institutions' reviewers (set-up, as the accounts demo makes inst_reviewer)."""
    from accounts.demo import demo_user

    found = {}
    for key, username in REVIEWERS.items():
        user = demo_user(username)
        InstitutionStaff.objects.get_or_create(
            institution=institutions[key[:2]], user=user, role=InstitutionStaff.Role.REVIEWER
        )
        found[username] = user
    return found


def _learner_holdings(account, people: dict) -> None:
    """The demo learner's certificates the demo rules name, deposited and recognised through the
    achievements services; each only while the learner has no achievement of that title."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from achievements import services as achievement_services
    from achievements.models import QualificationLevel
    from creditbank.pdf import render_pdf

    categories = {c.code: c for c in AchievementCategory.objects.all()}
    level = QualificationLevel.objects.get(number=3)
    titles = set(account.achievements.values_list("title", flat=True))
    learner = account.user
    for code, title, issuer, obtained, number, credits in CONVERSION_DEPOSITS:
        if title in titles:
            continue
        pdf = render_pdf(
            "pdf/sample.html",
            {"title": title, "body": f"{issuer} · {obtained:%Y-%m-%d} · {number}"},
        )
        achievement = achievement_services.achievement_deposit(
            acting_user=learner,
            account=account,
            facts=achievement_services.AchievementFacts(
                category=categories[code],
                title=title,
                issuer_institution=None,
                issuer_name=issuer,
                obtained_on=obtained,
                result_kind="pass",
                result_value="pass",
                hours=None,
                original_credits=None,
                certificate_number=number,
            ),
            files=[SimpleUploadedFile("证书.pdf", pdf, content_type="application/pdf")],
        )
        achievement = achievement_services.achievement_submit(
            acting_user=learner, achievement=achievement
        )
        achievement = achievement_services.achievement_forward(
            acting_user=people[BRANCH_STAFF], achievement=achievement
        )
        achievement_services.achievement_recognise(
            acting_user=people[EXPERT],
            achievement=achievement,
            credits=Decimal(credits),
            level=level,
            field="职业技能" if code == SKILLS else "通用能力",
        )


def _seed_applications(out, institutions: dict, programmes: dict, courses: dict) -> None:
    """The demo learner's conversion applications, one in each state a visitor should see,
    made and decided through the application services by the people who would. Idempotent:
    only while the demo learner has no application."""
    from accounts.models import LearnerAccount
    from accounts.roles import LEARNER

    from .models import ConversionApplication
    from .services import applications as services

    account = LearnerAccount.objects.filter(user__username=LEARNER, status="active").first()
    users = get_user_model().objects
    staff = {
        u.username: u
        for u in users.filter(username__in=[BRANCH_STAFF, EXPERT, "inst_clerk", "cqcvc_clerk"])
    }
    if account is None or len(staff) < 4:
        out.write("conversion: the demo learner or staff are missing; no applications")
        return
    if ConversionApplication.objects.filter(account=account).exists():
        return
    people = {**staff, **_reviewers(institutions)}
    _learner_holdings(account, people)
    learner = account.user
    made = []
    for plan in APPLICATIONS:
        programme = programmes[(plan.institution, plan.programme)]
        lines = {code: courses[(plan.institution, code)] for code, _ok, _why in plan.lines}
        application = services.application_submit(
            acting_user=learner,
            programme=programme,
            course_ids=[course.pk for course in lines.values()],
        )
        made.append(plan.state)
        if plan.state == WAITING:
            continue
        application = services.application_accept(
            acting_user=people[plan.accepted_by], application=application
        )
        reviewer = people[plan.reviewer]
        application = services.application_take(acting_user=reviewer, application=application)
        if plan.state == WITH_INSTITUTION:
            continue
        by_course = {line.course_id: line for line in application.lines.all()}
        for code, approve, reason in plan.lines:
            services.line_decide(
                acting_user=reviewer,
                line=by_course[lines[code].pk],
                approve=approve,
                reason=reason,
            )
        if plan.state == APPEALED:
            application.refresh_from_db()
            services.application_appeal(
                acting_user=learner, application=application, reason=APPEAL_REASON
            )
    out.write(f"conversion: {len(made)} applications of the demo learner ({', '.join(made)})")
