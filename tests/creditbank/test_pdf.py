"""The PDF plumbing renders Chinese with real glyphs from an embedded Noto Sans CJK SC.

Extracted text alone proves nothing: a PDF keeps the Unicode text even where it draws empty
``.notdef`` boxes. So these tests also fail on WeasyPrint's missing-glyph warning (and prove that
check fires) and read the font table with ``pdffonts``. They need no database.
"""

import logging
import re
import shutil
import subprocess

import pytest

from creditbank.pdf import render_pdf

# 𠮷 (U+20BB7) is outside the BMP, as some names are; Noto Sans CJK SC has it.
TITLE = "学习成果证明"
BODY = "终身学习学分银行 学习成果证明 张三 重庆市 𠮷"
WATCHED_LOGGERS = ("weasyprint", "fontTools")
# What WeasyPrint 70 logs when no font has a character, for example:
#   .notdef glyph rendered for Unicode string unsupported by fonts: "ሀ" (U+1200)
#   Too many glyphs missing from "Noto Sans CJK SC", expect text selection problems
MISSING_GLYPH = re.compile(r"notdef|glyphs? missing", re.IGNORECASE)


def run_poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool; fail (never skip) when it is not installed."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"`{tool}` not found: install the OS package poppler-utils to run PDF tests")
    return subprocess.run([path, *args], capture_output=True, text=True, check=True).stdout


def missing_glyph_messages(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if MISSING_GLYPH.search(r.getMessage())]


def render_logged(caplog, template_name: str, context: dict) -> tuple[bytes, list]:
    """Render while capturing everything the font stack logs, DEBUG and up."""
    for name in WATCHED_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.clear()
    pdf = render_pdf(template_name, context)
    records = [r for r in caplog.records if r.name.split(".")[0] in WATCHED_LOGGERS]
    return pdf, records


@pytest.fixture
def sample_pdf(tmp_path, caplog):
    pdf, records = render_logged(caplog, "pdf/sample.html", {"title": TITLE, "body": BODY})
    path = tmp_path / "sample.pdf"
    path.write_bytes(pdf)
    return path, records


def pdf_fonts(path) -> list[dict[str, str]]:
    """Parse `pdffonts` output by the columns its dashed header line marks out."""
    lines = run_poppler("pdffonts", str(path)).splitlines()
    spans = [m.span() for m in re.finditer(r"-+", lines[1])]
    header = [lines[0][a:b].strip() for a, b in spans[:-1]] + [lines[0][spans[-1][0] :].strip()]
    return [
        dict(zip(header, [line[a:b].strip() for a, b in spans], strict=True))
        for line in lines[2:]
        if line.strip()
    ]


def is_noto_sans_cjk_sc(font_name: str) -> bool:
    # "TSPJMR+Noto-Sans-CJK-SC": a subset tag, then the family with its separators.
    return re.sub(r"[^a-z]", "", font_name.split("+")[-1].lower()).startswith("notosanscjksc")


def test_it_renders_chinese_without_missing_glyph_warnings(sample_pdf):
    path, records = sample_pdf
    assert path.read_bytes().startswith(b"%PDF-")
    assert missing_glyph_messages(records) == []
    warnings = [r.getMessage() for r in records if r.levelno >= logging.WARNING]
    assert warnings == []


def test_the_missing_glyph_check_fires_on_a_character_no_font_has(caplog):
    # Ethiopic ሀ (U+1200): no font on the OS image has it, so WeasyPrint draws .notdef.
    _, records = render_logged(caplog, "pdf/sample.html", {"title": TITLE, "body": "学分 ሀ"})
    messages = missing_glyph_messages(records)
    assert any(".notdef glyph rendered" in m and "U+1200" in m for m in messages), messages


def test_it_embeds_noto_sans_cjk_sc_and_no_other_font(sample_pdf):
    path, _ = sample_pdf
    fonts = pdf_fonts(path)
    assert any(is_noto_sans_cjk_sc(f["name"]) and f["emb"] == "yes" for f in fonts), fonts
    assert [f for f in fonts if f["emb"] != "yes"] == []
    # A fallback font (DejaVu for the footer digits, Noto Sans CJK JP for hanzi) means a box
    # missed the font, as margin boxes do when the font is set on body instead of html.
    assert [f["name"] for f in fonts if not is_noto_sans_cjk_sc(f["name"])] == []


def test_its_text_layer_holds_the_chinese_text(sample_pdf):
    # Necessary, not sufficient: the text layer survives even where .notdef boxes are drawn,
    # which is why the warning and pdffonts checks above exist.
    path, _ = sample_pdf
    text = run_poppler("pdftotext", "-enc", "UTF-8", str(path), "-")
    assert TITLE in text
    assert BODY in text


def test_its_footer_margin_box_shows_the_page_counter(sample_pdf):
    path, _ = sample_pdf
    text = run_poppler("pdftotext", "-enc", "UTF-8", str(path), "-")
    # pdftotext drops the spaces of "1 / 1" by its own layout rules.
    assert re.search(r"^\s*1\s*/\s*1\s*$", text, re.MULTILINE), text


def test_font_subsetting_uses_harfbuzz_not_the_slow_fonttools_fallback():
    # Without libharfbuzz-subset0 a one-page Chinese PDF took 6.7 s instead of 0.09 s.
    from weasyprint.text.ffi import harfbuzz_subset

    assert harfbuzz_subset is not None, "install the OS package libharfbuzz-subset0"
