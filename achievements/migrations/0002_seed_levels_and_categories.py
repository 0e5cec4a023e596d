"""Seed the default qualification framework scale and the twelve achievement categories.

Levels: seven, in the manner of the Hong Kong Qualifications Framework (HKQF), with descriptors
written for this bank. Credits are counted in notional learning hours: **1 credit = 10 notional
learning hours** (teaching, self-study, practice and assessment together); level 1 says so.

Categories and the default validity chosen for each (empty = a recognition never expires):

* never expires — what records a lasting, externally certified fact: academic course credit,
  self-study examination course (a passed course counts for good, as in the national
  self-study examination), vocational skill level certificate and vocational qualification
  certificate (a certificate that itself expires is checked against its own dates at
  recognition), research, competition award;
* 10 years — work experience;
* 5 years — training, online course, internship/practice, innovation/entrepreneurship
  (learning whose currency fades);
* 3 years — volunteer service.

A centre administrator may change names, descriptors, evidence, validity and whether an entry
is in use on the management pages; codes stay fixed because other records refer to them.
"""

from django.db import migrations

LEVELS = [
    (
        1,
        "第一级 · 入门",
        "Level 1 · Entry",
        "能在明确指导下完成简单、常规的学习或工作任务；掌握日常生活和工作所需的基本知识与技能；"
        "能理解并使用简单的书面和口头信息；在严格监督下对自己的行为负责。\n\n"
        "本框架以名义学习时数计算学分：1 学分 = 10 名义学习小时，包括授课、自学、练习和考核"
        "所需的全部时间。",
        "Carries out simple, routine learning or work tasks under clear direction; has the basic "
        "knowledge and skills needed in daily life and work; understands and uses simple written "
        "and spoken information; takes responsibility for own actions under close supervision.\n\n"
        "Credits in this framework count notional learning hours: 1 credit = 10 notional learning "
        "hours, covering all the time that teaching, self-study, practice and assessment take.",
    ),
    (
        2,
        "第二级 · 基础",
        "Level 2 · Foundation",
        "在一定指导下完成范围明确的常规任务，能从几种既定做法中作出选择；掌握某一领域的基础知识"
        "与操作技能；能与他人合作并清楚表达简单意见；对自己的工作质量负有限责任。",
        "Carries out defined, routine tasks with some guidance and chooses among a few "
        "established ways of doing them; has foundation knowledge and practical skills in a "
        "field; works with others and states simple views clearly; takes limited responsibility "
        "for the quality of own work.",
    ),
    (
        3,
        "第三级 · 中级",
        "Level 3 · Intermediate",
        "在熟悉的情境中独立完成较复杂的任务，能运用一定的理论知识解释做法并解决常见问题；"
        "能收集、整理和表达信息；在既定规范内自主安排工作，并对他人的常规工作给予指导。"
        "大致相当于高中、中等职业教育或中级技能水平。",
        "Completes fairly complex tasks independently in familiar settings, using some theory to "
        "explain methods and solve common problems; gathers, organises and presents information; "
        "plans own work within set rules and guides others in routine work. Broadly comparable "
        "to upper secondary or secondary vocational education, or an intermediate skill level.",
    ),
    (
        4,
        "第四级 · 高级",
        "Level 4 · Advanced",
        "掌握某一专业领域较宽的理论与实践知识，能在变化的情境中分析问题、选择并调整方法；"
        "能向专业与非专业对象清楚表达观点；对工作成果负责，并承担一定的督导或管理职责。"
        "大致相当于高等职业教育（专科）或高级技能水平。",
        "Has broad theoretical and practical knowledge of a specialist field; analyses problems "
        "in changing situations and chooses and adapts methods; communicates clearly with "
        "specialists and non-specialists; is accountable for results and takes on some "
        "supervision or management. Broadly comparable to higher vocational education "
        "(associate degree) or an advanced skill level.",
    ),
    (
        5,
        "第五级 · 本科",
        "Level 5 · Bachelor's",
        "系统掌握某一学科或专业的核心理论，了解其前沿；能批判性地评价信息和论据，独立解决"
        "复杂、不可预见的问题；能就专业问题进行论证与沟通；在广泛的自主范围内工作并对团队"
        "成果负责。大致相当于本科教育或技师水平。",
        "Has systematic command of the core theory of a discipline or profession and knows its "
        "frontiers; evaluates information and arguments critically and solves complex, "
        "unforeseen problems independently; argues and communicates on specialist matters; "
        "works with wide autonomy and is accountable for team results. Broadly comparable to a "
        "bachelor's degree or a technician (技师) level.",
    ),
    (
        6,
        "第六级 · 硕士",
        "Level 6 · Master's",
        "在某一领域具有深入、专门的知识，能综合多种来源进行创新性应用或研究；能在不完整信息下"
        "作出有依据的判断；能向各类对象清晰阐述复杂问题；对战略性工作和他人的专业发展负责。"
        "大致相当于硕士研究生教育或高级技师水平。",
        "Has deep, specialised knowledge of a field and applies or researches it originally, "
        "drawing on many sources; makes sound judgements on incomplete information; explains "
        "complex matters clearly to any audience; is responsible for strategic work and for "
        "others' professional development. Broadly comparable to a master's degree or a senior "
        "technician (高级技师) level.",
    ),
    (
        7,
        "第七级 · 博士",
        "Level 7 · Doctoral",
        "处于某一领域知识的最前沿，能开展原创性研究并产生新的知识、方法或实践；能解决高度复杂、"
        "跨领域的问题；在学术或专业共同体中发挥引领作用，并对重大决策的后果负责。"
        "大致相当于博士研究生教育。",
        "Works at the forefront of knowledge in a field, conducts original research and creates "
        "new knowledge, methods or practice; solves highly complex problems across fields; leads "
        "in the academic or professional community and is accountable for the consequences of "
        "major decisions. Broadly comparable to a doctoral degree.",
    ),
]

# (code, Chinese name, English name, evidence zh, evidence en, validity in years or None)
CATEGORIES = [
    (
        "academic_course",
        "学历教育课程学分",
        "Academic course credit",
        "院校出具并盖章的成绩单或课程合格证明，注明课程名称、学时或学分、成绩及修读时间。",
        "A transcript or course certificate issued and sealed by the institution, naming the "
        "course, its hours or credits, the result and when it was taken.",
        None,
    ),
    (
        "self_study_exam",
        "自学考试课程",
        "Self-study examination course",
        "自学考试机构出具的单科合格证明或成绩通知单，注明课程代码、课程名称和考试时间。",
        "The self-study examination office's certificate or result notice for the course, with "
        "the course code, course name and examination date.",
        None,
    ),
    (
        "vocational_skill_certificate",
        "职业技能等级证书",
        "Vocational skill level certificate",
        "职业技能等级证书原件扫描件，注明职业（工种）、等级、证书编号和发证机构，"
        "可在发证机构或国家查询平台核验。",
        "A scan of the vocational skill level certificate with the occupation, level, "
        "certificate number and issuing body, verifiable with the issuer or the national "
        "look-up service.",
        None,
    ),
    (
        "vocational_qualification_certificate",
        "职业资格证书",
        "Vocational qualification certificate",
        "职业资格证书原件扫描件，注明资格名称、级别、证书编号、发证机关和有效期（如有）。",
        "A scan of the vocational qualification certificate with the qualification, level, "
        "certificate number, issuing authority and expiry date, if any.",
        None,
    ),
    (
        "training",
        "培训",
        "Training",
        "培训机构出具的结业或培训证明，注明培训项目、学时、考核结果和培训起止日期。",
        "A completion certificate from the training provider stating the programme, hours, "
        "assessment result and the dates of the training.",
        5,
    ),
    (
        "work_experience",
        "工作经历",
        "Work experience",
        "用人单位出具并盖章的工作证明，注明岗位、主要职责和起止时间；可附劳动合同或社保缴费记录。",
        "A sealed statement from the employer giving the position, main duties and dates; an "
        "employment contract or social insurance record may be added.",
        10,
    ),
    (
        "online_course",
        "在线课程",
        "Online course",
        "在线学习平台出具的课程完成或成绩证明，注明课程名称、学时、成绩和完成日期，可在线核验。",
        "A completion or result certificate from the online learning platform with the course, "
        "hours, result and completion date, verifiable online.",
        5,
    ),
    (
        "internship",
        "实习实践",
        "Internship or practice",
        "实习单位出具的实习鉴定或证明，注明实习岗位、内容、时长和考核意见。",
        "An appraisal or statement from the host organisation giving the placement, what was "
        "done, its length and an assessment.",
        5,
    ),
    (
        "volunteer_service",
        "志愿服务",
        "Volunteer service",
        "志愿服务组织出具的服务证明或全国志愿服务信息系统记录，注明服务项目和服务时长。",
        "A statement from the volunteer organisation, or the national volunteer service system's "
        "record, giving the activities and the hours served.",
        3,
    ),
    (
        "innovation",
        "创新创业",
        "Innovation and entrepreneurship",
        "创新创业项目立项、结题或获奖证明，或营业执照等创业证明，注明本人承担的角色。",
        "Evidence of the innovation or start-up project (approval, completion or award, or a "
        "business licence), stating the applicant's own role.",
        5,
    ),
    (
        "research",
        "科学研究",
        "Research",
        "已发表论文、专利证书或科研项目结题证明，注明本人署名或排序。",
        "Published papers, patent certificates or research project completion documents, showing "
        "the applicant's authorship or place in the list.",
        None,
    ),
    (
        "competition_award",
        "竞赛获奖",
        "Competition award",
        "主办单位颁发的获奖证书，注明竞赛名称、级别（国家、省、市）、奖项和获奖时间。",
        "The award certificate from the organiser giving the competition, its level (national, "
        "provincial, municipal), the prize and the date.",
        None,
    ),
]


def seed(apps, schema_editor):
    QualificationLevel = apps.get_model("achievements", "QualificationLevel")
    AchievementCategory = apps.get_model("achievements", "AchievementCategory")
    for number, name_zh, name_en, descriptor_zh, descriptor_en in LEVELS:
        QualificationLevel.objects.get_or_create(
            code=f"level-{number}",
            defaults={
                "number": number,
                "name_zh": name_zh,
                "name_en": name_en,
                "descriptor_zh": descriptor_zh,
                "descriptor_en": descriptor_en,
            },
        )
    for position, (code, name_zh, name_en, evidence_zh, evidence_en, years) in enumerate(
        CATEGORIES, start=1
    ):
        AchievementCategory.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "evidence_zh": evidence_zh,
                "evidence_en": evidence_en,
                "validity_years": years,
                "ordering": position * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("achievements", "AchievementCategory").objects.filter(
        code__in=[c[0] for c in CATEGORIES]
    ).delete()
    apps.get_model("achievements", "QualificationLevel").objects.filter(
        code__in=[f"level-{n[0]}" for n in LEVELS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("achievements", "0001_standards_levels_categories_units")]

    operations = [migrations.RunPython(seed, unseed)]
