"""The PDF of a proof document: a transcript (成绩单) or a proof of learning outcomes
(学习成果证明).

The PDF shows ``document.content`` — the snapshot frozen at the request — in the document's
language, with what lets a reader check it without trusting the learner: the verification code
in groups, a QR code of the verification page, the expiry the learner chose, and on every page
the code and "第 x 页 共 y 页" (a page cannot be swapped in from another document unnoticed,
and the signature covers them all).

The plumbing is ``creditbank/pdf.py``'s (read its docstring: the font is set on ``html`` in
``templates/pdf/base.html``, which the template extends), but WeasyPrint is called here directly
for two reasons: the page count comes from the laid-out document (``render()`` once, then
``write_pdf()`` on the same layout: no second rendering, no parsing of the PDF afterwards), and
the URL fetcher refuses every URL and stops the rendering — a document must come out the same
on a machine without network, and nothing in it may point WeasyPrint at a file. The QR code is
therefore inline SVG drawn by segno, not an image to fetch.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import segno
import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint.urls import URLFetcher

TEMPLATE = "achievements/pdf/document.html"


def render_document_pdf(document, *, verify_url: str) -> tuple[bytes, int]:
    """The unsigned PDF of ``document`` and its number of pages. ``verify_url`` is the
    absolute address of the document's verification page (``verify:document``), drawn as the
    QR code and printed beside it."""
    html = document_html(document, verify_url=verify_url)
    laid_out = weasyprint.HTML(string=html, url_fetcher=no_fetching()).render()
    return laid_out.write_pdf(), len(laid_out.pages)


def document_html(document, *, verify_url: str) -> str:
    """The HTML the PDF is rendered from (the benchmark renders it with WeasyPrint alone)."""
    with translation.override(document.language):
        return render_to_string(TEMPLATE, document_context(document, verify_url=verify_url))


def no_fetching() -> URLFetcher:
    """A URL fetcher that allows no scheme at all and stops the rendering on any attempt."""
    return URLFetcher(allowed_protocols=(), fail_on_errors=True)


# --- What the template shows -------------------------------------------------------------------


@dataclass
class Line:
    number: int
    title: str
    issuer: str
    category: str
    obtained_on: datetime.date
    recognised_on: datetime.date | None
    result: str
    credits: str
    unit_standard: dict | None
    valid_until: datetime.date | None


@dataclass
class Group:
    level: str
    field: str
    credits: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class Conversion:
    institution: str
    programme: str
    course: str
    course_code: str
    credits: str | None
    exemption: bool
    decided_on: datetime.date | None
    based_on: str


def document_context(document, *, verify_url: str) -> dict:
    """The template's context, in the active language (``document_html`` sets it)."""
    content = document.content
    english = translation.get_language() == "en"
    numbered = {
        item["id"]: (number, item)
        for number, item in enumerate(content.get("achievements", []), start=1)
    }
    issued = timezone.localtime(document.issued_at or timezone.now())
    expires = document.expires_at or (issued + datetime.timedelta(days=document.valid_days))
    holder = content.get("holder", {})
    bank = bank_name(english=english)
    return {
        "document": document,
        "content": content,
        "is_transcript": content.get("kind", document.kind) == "transcript",
        "bank_name": bank,
        "holder": holder,
        "issued_on": issued.date(),
        "expires_on": timezone.localtime(expires).date(),
        "code": document.code_display,
        "verify_url": verify_url,
        "verify_form_url": verify_form_url(verify_url),
        "qr_svg": qr_svg(verify_url),
        "groups": _groups(content, numbered, english=english),
        "conversions": _conversions(content, numbered),
        "totals": content.get("totals", {}),
        "running": {
            "top_left": css_string(bank),
            "top_right": css_string(
                f"{holder.get('name', '')} · {holder.get('account_number', '')}"
            ),
            "bottom_left": css_string(f"{_('Verification code')} {document.code_display}"),
            "bottom_right": page_counter_css(),
        },
        "lang": "en" if english else "zh-Hans",
    }


def bank_name(*, english: bool) -> str:
    """The issuer as printed: the city's name before the bank's, in the active language."""
    if english:
        return f"{settings.CREDITBANK_CITY_NAME_EN} {settings.CREDITBANK_SITE_NAME}"
    return f"{settings.CREDITBANK_CITY_NAME}{settings.CREDITBANK_SITE_NAME}"


def verify_form_url(verify_url: str) -> str:
    """Where a reader types the code: ``…/verify/`` of the same site as ``verify_url``."""
    head, found, _tail = verify_url.partition("/verify/")
    if found:
        return f"{head}/verify/"
    return f"{settings.CREDITBANK_SITE_URL}/verify/"


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` (sized by CSS: no width and height),
    error correction M: readable when printed small or a little smudged."""
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None
    )


def page_counter_css() -> str:
    """The footer's CSS ``content`` value for "第 x 页 共 y 页" / "Page x of y", built from the
    translated sentence so that the word order follows the language."""
    sentence = _("Page {page} of {pages}")
    parts: list[str] = []
    rest = sentence
    while rest:
        before, brace, after = rest.partition("{")
        if before:
            parts.append(css_string(before))
        if not brace:
            break
        name, _close, rest = after.partition("}")
        parts.append(f"counter({'pages' if name == 'pages' else 'page'})")
    return " ".join(parts)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that is safe inside ``<style>``: quotes, backslashes,
    line breaks and the characters of HTML markup as CSS hex escapes."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>&\n\r' else c for c in text)
    return f'"{escaped}"'


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _line(number: int, item: dict, *, english: bool) -> Line:
    return Line(
        number=number,
        title=item["title"],
        issuer=item.get("issuer", ""),
        category=item.get("category_en" if english else "category_zh", ""),
        obtained_on=_date(item.get("obtained_on")),
        recognised_on=_date(item.get("recognised_on")),
        result=item.get("result", ""),
        credits=item.get("credits", ""),
        unit_standard=item.get("unit_standard"),
        valid_until=_date(item.get("valid_until")),
    )


def level_name(level: dict | None, *, english: bool) -> str:
    if not level:
        return _("No level")
    return level["name_en"] if english else level["name_zh"]


def _groups(content: dict, numbered: dict, *, english: bool) -> list[Group]:
    """The lines by level and field, as the snapshot grouped them (or one group of all)."""
    groups = content.get("groups") or [
        {"level": None, "field": "", "credits": content.get("totals", {}).get("credits", ""),
         "achievement_ids": list(numbered)}
    ]  # fmt: skip
    result = []
    for group in groups:
        shown = Group(
            level=level_name(group.get("level"), english=english),
            field=group.get("field", ""),
            credits=group.get("credits", ""),
        )
        for pk in group.get("achievement_ids", []):
            if pk in numbered:
                number, item = numbered[pk]
                shown.lines.append(_line(number, item, english=english))
        result.append(shown)
    return result


def _conversions(content: dict, numbered: dict) -> list[Conversion]:
    return [
        Conversion(
            institution=item.get("institution", ""),
            programme=item.get("programme", ""),
            course=item.get("course", ""),
            course_code=item.get("course_code", ""),
            credits=item.get("credits"),
            exemption=bool(item.get("exemption")),
            decided_on=_date(item.get("decided_on")),
            based_on=", ".join(
                str(numbered[pk][0]) for pk in item.get("achievement_ids", []) if pk in numbered
            ),
        )
        for item in content.get("conversions", [])
    ]
