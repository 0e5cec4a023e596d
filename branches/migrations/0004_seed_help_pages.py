"""The help pages a fresh portal publishes (办事指南), in Chinese; the centre edits them later.

Numbers that settings decide are written as placeholders (``{appeal_days}``, …) and filled in
when the page is shown (``branches.selectors.help_page_text``), so the pages keep telling the
truth when a deployment changes its settings. Running the migration again, or after the centre
changed a page, keeps the centre's version: a page is only added when its address is free.
"""

from django.db import migrations
from django.utils import timezone

PAGES = [
    (
        "open-account",
        10,
        "如何开立个人学习账户（开户）",
        "先注册登录账号，再在线开户或到服务网点开户，经实名核验后即可使用。",
        """在{city}终身学习学分银行，“注册”和“开户”是两件事：注册是建立登录本网站的账号；开户是以本人实名身份开立个人学习账户（终身学习档案），学习成果都存在这个账户里。一人只能开立一个学习账户。

第一步：注册登录账号。点击页面上方的“注册”，填写电子邮箱和密码，打开我们发送的邮件完成邮箱验证。

第二步：在线开户。登录后进入“开立学习账户”，填写真实姓名、证件类型和号码、手机号码、学历、工作单位，选择为您核验身份的分中心，并可上传身份证件照片（JPEG、PNG 或 PDF）。提交后账户处于“待核验”状态。

第三步：实名核验。分中心工作人员根据您上传的证件照片或您到服务网点出示的证件原件进行核验，一般在 {verification_working_days} 个工作日内完成。照片看不清时，工作人员会请您重新上传。核验通过后，账户即为“正常”状态，您会收到站内通知和邮件。

也可以直接到任一服务网点，携带本人身份证件当场开户：工作人员核验后账户立即可用，并向您的邮箱发送设置密码的链接。

开户后，您可以存储学习成果、申请认定，并随时查看自己的学分和档案。""",
    ),
    (
        "deposit",
        20,
        "存储学习成果需要哪些证明材料",
        "十二类学习成果分别需要的证明材料、文件格式和大小要求。",
        """账户状态为“正常”后，可在“我的学习成果”中存储学习成果：选择成果类别，填写名称、颁发机构、取得日期和成绩，并上传证明材料。证明材料须为 PDF、JPEG 或 PNG 文件，每个文件不超过 {max_file_mb} MB，每位学习者合计不超过 {max_total_mb} MB。请上传清晰、完整的扫描件或照片，材料上的姓名应与您的实名信息一致。

各类学习成果需要的证明材料：

学历教育课程学分：院校出具并盖章的成绩单或课程合格证明，注明课程名称、学时或学分、成绩及修读时间。
自学考试课程：自学考试机构出具的单科合格证明或成绩通知单，注明课程代码、课程名称和考试时间。
职业技能等级证书：证书原件扫描件，注明职业（工种）、等级、证书编号和发证机构，可在发证机构或国家查询平台核验。
职业资格证书：证书原件扫描件，注明资格名称、级别、证书编号、发证机关和有效期（如有）。
培训：培训机构出具的结业或培训证明，注明培训项目、学时、考核结果和培训起止日期。认定后有效期 5 年。
工作经历：用人单位出具并盖章的工作证明，注明岗位、主要职责和起止时间；可附劳动合同或社保缴费记录。认定后有效期 10 年。
在线课程：在线学习平台出具的课程完成或成绩证明，注明课程名称、学时、成绩和完成日期。认定后有效期 5 年。
实习实践：实习单位出具的实习鉴定或证明，注明实习岗位、内容、时长和考核意见。认定后有效期 5 年。
志愿服务：志愿服务组织出具的服务证明或全国志愿服务信息系统记录，注明服务项目和服务时长。认定后有效期 3 年。
创新创业：项目立项、结题或获奖证明，或营业执照等创业证明，注明本人承担的角色。认定后有效期 5 年。
科学研究：已发表论文、专利证书或科研项目结题证明，注明本人署名或排序。
竞赛获奖：主办单位颁发的获奖证书，注明竞赛名称、级别（国家、省、市）、奖项和获奖时间。

各类别的最新要求以“标准指南”中的“成果类别”页面为准。""",
    ),
    (
        "timeline",
        30,
        "各环节办理时限",
        "开户核验、初审、认定、复核和申诉各需要多长时间。",
        """以下时限均按工作日计算（不含法定节假日，调休上班日计入）。

开户实名核验：分中心在您提交开户申请后 {verification_working_days} 个工作日内完成核验。

学习成果认定：提交认定后，先由分中心或颁发机构进行初审（受理），再由成员机构审核人员或专家作出认定。每个审核环节一般在 {review_working_days} 个工作日内完成；材料不全时会退回请您补正，补正期间不计时。

中心复核：一次认定超过 {review_threshold} 学分的，还需由中心管理员复核后才记入学分，复核同样在 {review_working_days} 个工作日内完成。

申诉：认定结果为“不予认定”的，您可在作出决定之日起 {appeal_days} 日内申诉一次，由未参与此前审核的专家在 {review_working_days} 个工作日内作出决定。

每一步办理完成后，您都会收到站内通知和邮件；在“我的学习成果”中可以随时查看当前环节。""",
    ),
    (
        "appeal",
        40,
        "对认定结果有异议怎么办（申诉）",
        "不予认定的决定可在规定期限内申诉一次，由未参与审核的专家重新决定。",
        """如果您的学习成果被“不予认定”，决定中会写明理由。您对决定有异议的，可以申诉：

1. 在“我的学习成果”中打开该成果，点击“申诉”。
2. 写明您不同意的理由，可补充说明材料的情况。
3. 申诉须在作出决定之日起 {appeal_days} 日内提出，每项成果只能申诉一次；对申诉后作出的决定不能再次申诉。

申诉由一位未参与此前审核的专家决定，一般在 {review_working_days} 个工作日内完成，结果会通过站内通知和邮件告知您。

如果被退回补正（不是不予认定），请按退回说明补充材料后重新提交，不需要申诉。

对办理过程有意见或建议的，可拨打服务热线 {hotline}，或发送邮件至 {email}。""",
    ),
    (
        "contact",
        50,
        "联系我们",
        "服务热线、电子邮箱、办公地址和各分中心的联系方式。",
        """{city}终身学习学分银行管理中心

办公地址：{address}
服务热线：{hotline}（工作日 9:00–12:00，14:00–17:30）
电子邮箱：{email}

开户核验、材料补正等需要当面办理的事项，请就近前往服务网点；各分中心的地址和电话见下方。""",
    ),
]


def seed(apps, schema_editor):
    HelpPage = apps.get_model("branches", "HelpPage")
    now = timezone.now()
    for slug, order, title, summary, body in PAGES:
        HelpPage.objects.get_or_create(
            slug=slug,
            defaults={
                "order": order,
                "title": title,
                "summary": summary,
                "body": body,
                "status": "published",
                "published_at": now,
            },
        )


def unseed(apps, schema_editor):
    HelpPage = apps.get_model("branches", "HelpPage")
    HelpPage.objects.filter(slug__in=[page[0] for page in PAGES], created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0003_help_pages_and_trigram_search")]

    operations = [migrations.RunPython(seed, unseed)]
