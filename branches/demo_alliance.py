"""Demo alliance members and published announcements, written through the services so that the
audit log tells the same story as the tables. Called from ``branches.demo.seed``; idempotent."""

import datetime

from accounts.demo import demo_user
from accounts.models import Institution
from accounts.roles import CENTRE_ADMIN

from .models import AllianceMembership, Announcement, BranchCentre
from .services import announcement_create, announcement_publish, membership_create

# (credit code of a demo institution, branch centre, join date, pilot batch)
MEMBERSHIPS = [
    ("12500000450400286J", "九龙坡区分中心", datetime.date(2019, 3, 1), "第一批试点单位（2019年）"),
    ("12500000MB1583012D", "沙坪坝区分中心", datetime.date(2019, 3, 1), "第一批试点单位（2019年）"),
    ("11500000009285107P", "渝中区分中心", datetime.date(2019, 9, 1), "第二批试点单位（2019年）"),
    ("52500000MJP5062136", "渝中区分中心", datetime.date(2020, 6, 15), ""),
]

POLICY = (
    Announcement.Kind.POLICY,
    "重庆市教育委员会关于加快建设终身学习学分银行及服务体系的意见（渝教发〔2018〕9号）",
    """各区县（自治县）教委（教育局），各高等学校，有关单位：

为畅通终身学习通道，着力构建全民终身学习体系和学习型社会，现就加快建设终身学习学分银行及服务体系提出如下意见（摘要）。

一、工作目标
到2022年，重庆学分银行基本建成，基础性制度体系基本形成，初步具备学分认定、积累与转换等功能，提供标准指导、信息公告、资源推荐等延伸服务。到2035年，学分银行服务体系和制度体系全面建成，终身学习通道全面形成。

二、健全管理体制
成立重庆市学分银行管理委员会，负责学分银行建设与运行中重大问题的决策。设立重庆市学分银行中心，负责学分银行日常运维，制定学分银行各项运行制度，具体负责学分银行业务运行、提供政策咨询等工作。

三、建立学分银行服务系统
在重庆市学分银行中心之下，设立市内各区县、高校等学分银行受理点，逐渐形成覆盖面广、延伸线长、对接性强、服务高效的两级学分银行服务网络，面向全体市民提供开户建档、学习成果认定、积累与转换等服务。

四、组建并依托学分银行联盟
鼓励各级各类教育机构合作制定规则，商议学分转换标准，持续深化学分互认，方便学习者自由选择学习场所。

五、严守信用关口
建立健全质量保障体系，研制学分银行基础能力、质量保障和服务水平的评估指标体系，定期开展评估并发布评估报告，接受社会监督。

全文以重庆市教育委员会印发的文件为准。""",
)

NOTICES = [
    (
        "关于在各区县分中心和受理点办理开户建档业务的通知",
        """广大市民：

即日起，各区县学分银行分中心和受理点面向全体市民办理个人学习账户开户建档业务。

一、办理方式
1. 网上开户：登录本平台，填写实名信息后提交，经分中心或受理点工作人员核验身份后账户生效。
2. 现场开户：携带本人有效身份证件到就近的受理点办理，当场开通。
有效身份证件包括居民身份证、港澳台居民居住证和护照。

二、办理时间
周一至周五 9:00–12:00，14:00–17:30（法定节假日除外）。

三、咨询方式
各受理点的地址和电话可在本平台“服务网点”页面查询。""",
    ),
    (
        "关于公布第一批学分银行联盟成员单位（试点单位）名单的通知",
        """各有关单位：

根据《重庆市教育委员会关于加快建设终身学习学分银行及服务体系的意见》（渝教发〔2018〕9号）“组建并依托学分银行联盟”的要求，经申报、审核，以下单位成为重庆市终身学习学分银行联盟第一批成员单位（试点单位）：

重庆开放大学
重庆城市职业学院

联盟成员单位将在学分银行中心指导下，合作制定学分认定与转换规则，开展学历教育与非学历教育之间学分认定和转换试点。

完整名单可在本平台“联盟成员单位”页面查询。""",
    ),
    (
        "重庆市终身学习学分银行服务平台试运行公告",
        """重庆市终身学习学分银行服务平台现已开通试运行。

市民可通过本平台申请个人学习账户，存储学习成果，申请学习成果认定与学分转换，查询学分和学习档案，下载学习成果证明。

试运行期间，如在使用中遇到问题，请联系所在区县分中心或就近受理点。感谢您对学分银行建设的关心和支持。""",
    ),
]


def seed(out) -> None:
    """The demo institutions join the alliance; one policy document and three notices are
    published (the newest last, so the list shows it first)."""
    admin = demo_user(CENTRE_ADMIN)
    joined = 0
    for code, branch_name, joined_on, batch in MEMBERSHIPS:
        institution = Institution.objects.filter(credit_code=code).first()
        branch = BranchCentre.objects.filter(name=branch_name).first()
        if institution is None or branch is None:
            continue
        if AllianceMembership.objects.filter(institution=institution).exists():
            continue
        membership_create(
            acting_user=admin,
            institution=institution,
            branch=branch,
            joined_on=joined_on,
            pilot_batch=batch,
        )
        joined += 1
    published = 0
    for kind, title, body in [POLICY, *((Announcement.Kind.NOTICE, t, b) for t, b in NOTICES)]:
        if Announcement.objects.filter(title=title).exists():
            continue
        draft = announcement_create(acting_user=admin, kind=kind, title=title, body=body)
        announcement_publish(acting_user=admin, announcement=draft)
        published += 1
    out.write(f"branches: {joined} new alliance members, {published} new announcements")
