"""The PDF of a proof document shows what the document certifies and how to check it, in the
document's language, with real glyphs, and breaks long transcripts cleanly across numbered pages.

The document row is made here directly, with a hand-made snapshot in the format of
``achievements/proof/content.py``, so that these tests depend on nothing but the model.
"""

import logging
import re
import secrets
from datetime import timedelta

import pytest
import weasyprint
from django.db import connection
from django.utils import timezone
from weasyprint.urls import FatalURLFetchingError

from achievements.models import ProofDocument
from achievements.proof.content import snapshot as snapshot_of
from achievements.proof.pdf import css_string, document_html, no_fetching, render_document_pdf
from tests.accounts.learner_factories import open_account
from tests.branches.factories import BranchCentreFactory
from tests.creditbank.test_pdf import (
    WATCHED_LOGGERS,
    is_noto_sans_cjk_sc,
    missing_glyph_messages,
    pdf_fonts,
    run_poppler,
)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERIFY = "https://creditbank.example.gov.cn/verify/{code}/"
LEVELS = [
    {"number": 3, "name_zh": "第三级", "name_en": "Level 3"},
    {"number": 4, "name_zh": "第四级", "name_en": "Level 4"},
]
FIELDS = ["信息技术", "养老服务"]


def snapshot(
    *, kind="transcript", achievements=4, conversions=2, name="张𠮷", number="CB00000000018"
):
    """A content snapshot: ``achievements`` lines spread over two levels and two fields (grouped
    and subtotalled as content.py does), and ``conversions`` conversion lines (every other one an
    exemption)."""
    lines = []
    for n in range(achievements):
        level, field = LEVELS[n % 2], FIELDS[(n // 2) % 2]
        line = {
            "id": 500 + n,
            "title": f"养老护理员职业技能培训第{n + 1}单元",
            "issuer": "重庆市职业技能鉴定中心",
            "category_zh": "培训",
            "category_en": "Training",
            "obtained_on": "2024-06-01",
            "recognised_on": "2024-07-15",
            "result": "良好",
            "level": level,
            "field": field,
            "credits": "2.50",
            "unit_standard": {"code": f"YL-{n:03d}", "title": "基础照护"} if n % 3 == 0 else None,
            "valid_until": None,
        }
        lines.append(line)
    lines.sort(key=lambda line: (line["level"]["number"], line["field"]))
    convs = [
        {
            "institution": "重庆开放大学",
            "programme": "老年服务与管理（专科）",
            "course": f"老年照护实务{c + 1}",
            "course_code": f"LN{c + 1:03d}",
            "credits": None if c % 2 else "3.00",
            "exemption": bool(c % 2),
            "decided_on": "2025-03-01",
            "achievement_ids": [500 + c],
        }
        for c in range(conversions if kind == "transcript" else 0)
    ]
    return snapshot_of(
        holder={"name": name, "account_number": number}, kind=kind, lines=lines, conversions=convs
    )


@pytest.fixture
def make_document(db):
    account = open_account(branch=BranchCentreFactory(), real_name="张𠮷")

    def make(*, language="zh-hans", kind="transcript", **content):
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('achievements_document_status_index')")
            (index,) = cursor.fetchone()
        now = timezone.now()
        return ProofDocument.objects.create(
            account=account,
            kind=kind,
            language=language,
            status=ProofDocument.Status.RENDERING,
            code="".join(secrets.choice(CROCKFORD) for _ in range(20)),
            content=snapshot(kind=kind, number=account.account_number, **content),
            valid_days=90,
            expires_at=now + timedelta(days=90),
            requested_by=account.user,
            status_index=index,
        )

    return make


def rendered(document, tmp_path, caplog=None):
    """Render ``document``; the PDF's path, its page count and the font stack's log records."""
    if caplog is not None:
        for name in WATCHED_LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name)
        caplog.clear()
    data, pages = render_document_pdf(document, verify_url=VERIFY.format(code=document.code))
    path = tmp_path / f"{document.code}.pdf"
    path.write_bytes(data)
    records = [] if caplog is None else list(caplog.records)
    return path, pages, [r for r in records if r.name.split(".")[0] in WATCHED_LOGGERS]


def text_of(path, *args) -> str:
    return run_poppler("pdftotext", "-enc", "UTF-8", *args, str(path), "-")


def pdf_pages(path) -> int:
    info = run_poppler("pdfinfo", str(path))
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def compact(text: str) -> str:
    """``text`` without white space: pdftotext drops or adds spaces by its layout rules."""
    return re.sub(r"\s+", "", text)


def test_a_chinese_transcript_shows_the_learner_the_code_the_lines_and_the_totals(
    make_document, tmp_path
):
    document = make_document()
    path, pages, _ = rendered(document, tmp_path)
    text = compact(text_of(path))
    learner = document.content["holder"]
    assert "成绩单" in text
    assert "重庆市终身学习学分银行" in text
    assert learner["name"] in text
    assert learner["account_number"] in text
    assert document.code_display in text  # in groups of four, with dashes
    assert re.fullmatch(r"(?:[0-9A-Z]{4}-){4}[0-9A-Z]{4}", document.code_display)
    assert f"第1页共{pages}页" in text
    for line in document.content["achievements"]:
        assert line["title"] in text
    # Subtotals per level and field, then the totals.
    assert "第三级·信息技术" in text and "第四级·养老服务" in text
    assert text.count("小计") == len(document.content["groups"])
    assert "学分转换与课程免修" in text and "老年照护实务1" in text and "免修" in text
    assert "已认定学分10.00" in text
    # The expiry the learner chose and the issue date, in Chinese.
    expires = timezone.localtime(document.expires_at).date()
    assert f"验证有效期至{expires.year}年{expires.month}月{expires.day}日" in text


def test_it_says_how_to_verify_and_prints_the_qr_codes_address_beside_it(make_document, tmp_path):
    document = make_document()
    path, _pages, _ = rendered(document, tmp_path)
    text = compact(text_of(path))
    # The QR code's address is printed beside it, and the sentence names /verify/ and the code.
    assert VERIFY.format(code=document.code) in text
    assert (
        f"打开https://creditbank.example.gov.cn/verify/并输入验证码{document.code_display}" in text
    )
    # The QR code is vector drawing (inline SVG), not an image fetched or embedded.
    images = run_poppler("pdfimages", "-list", str(path)).splitlines()[2:]
    assert images == []
    assert "<svg" in document_html(document, verify_url=VERIFY.format(code=document.code))


def test_an_english_proof_shows_english_headings_and_page_x_of_y(make_document, tmp_path):
    document = make_document(language="en", kind="proof", achievements=2)
    path, pages, _ = rendered(document, tmp_path)
    text = text_of(path)
    assert "Proof of learning outcomes" in text
    assert "Chongqing Lifelong Learning Credit Bank" in text
    assert re.search(rf"Page\s+1\s+of\s+{pages}", text)
    assert "Verification code" in text
    # A proof lists no conversions section.
    assert "Conversions and exemptions" not in text
    assert "成绩单" not in text and "第三级" not in text
    assert "Level 3" in text
    # The document says which language it is in (screen readers, text extraction).
    assert '<html lang="en">' in document_html(document, verify_url="https://example.org/v/")
    chinese = make_document(language="zh-hans", kind="proof", achievements=1)
    assert '<html lang="zh-Hans">' in document_html(chinese, verify_url="https://example.org/v/")


def test_it_embeds_noto_sans_cjk_sc_and_draws_no_missing_glyph(make_document, tmp_path, caplog):
    document = make_document()
    path, _pages, records = rendered(document, tmp_path, caplog)
    assert missing_glyph_messages(records) == []
    assert [r.getMessage() for r in records if r.levelno >= logging.WARNING] == []
    fonts = pdf_fonts(path)
    assert any(is_noto_sans_cjk_sc(f["name"]) and f["emb"] == "yes" for f in fonts), fonts
    assert [f["name"] for f in fonts if not is_noto_sans_cjk_sc(f["name"])] == []


def test_a_twenty_page_transcript_numbers_every_page_and_repeats_the_table_head(
    make_document, tmp_path
):
    document = make_document(achievements=340, conversions=30)
    path, pages, _ = rendered(document, tmp_path)
    assert 18 <= pages <= 24
    assert pdf_pages(path) == pages
    for page in range(1, pages + 1):
        text = compact(text_of(path, "-f", str(page), "-l", str(page)))
        assert f"第{page}页共{pages}页" in text, page
        assert document.code_display in text, page  # the footer carries the code
        if page > 1:
            assert document.content["holder"]["name"] in text, page  # the running head
    # Every line is printed whole, once: no row was split across pages or dropped.
    full = compact(text_of(path))
    for line in document.content["achievements"]:
        assert len(re.findall(re.escape(line["title"]) + r"(?!\d)", full)) == 1, line["title"]
    # The column heads repeat on the pages a group's table continues onto.
    middle = compact(text_of(path, "-f", "2", "-l", str(pages - 1)))
    assert middle.count("取得日期") >= pages - 2


def test_user_text_is_escaped_and_nothing_is_fetched(make_document, tmp_path):
    name = '王"</style><img src="file:///etc/hostname">'
    document = make_document(name=name)
    path, _pages, _ = rendered(document, tmp_path)
    assert compact(name) in compact(text_of(path))


def test_the_renderer_refuses_to_fetch_any_url():
    html = '<p>x</p><img src="file:///etc/hostname">'
    with pytest.raises(FatalURLFetchingError):
        weasyprint.HTML(string=html, url_fetcher=no_fetching()).render()


def test_css_strings_escape_quotes_and_markup():
    assert css_string('a"b\\c</style>') == '"a\\22 b\\5c c\\3c /style\\3e "'
