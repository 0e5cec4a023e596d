"""What ``conversion/_outcome_line.html`` needs beside a line's trace: its status in words."""

from django import template

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """Match 可转换 / Partial 部分满足 / Miss 不满足 / Converted 已转换, in the active language."""
    from ..trace import status_label as label

    return label(status)
