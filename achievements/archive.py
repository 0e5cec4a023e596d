"""Parts of the learner's archive (终身学习档案) that higher apps add — conversion shows what was
converted where. Each registers, from its ``AppConfig.ready``, a partial template and a function
of the learning account that gives its context (``None``: nothing to show); the archive renders
them after the credit balance. A lower app asks them; it never imports them."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ArchiveSection:
    key: str
    template: str
    context: Callable[..., dict | None]
    order: int = 100


_sections: dict[str, ArchiveSection] = {}


def archive_section_register(section: ArchiveSection) -> None:
    """Add ``section`` to every learner's archive (registering a key again replaces it, so that
    ``ready()`` may run twice)."""
    _sections[section.key] = section


def archive_sections(account) -> list[tuple[ArchiveSection, dict]]:
    """The registered sections with something to show for ``account``, in order, each with its
    context. Each section reads a fixed number of queries, whatever the data."""
    found = []
    for section in sorted(_sections.values(), key=lambda item: (item.order, item.key)):
        context = section.context(account)
        if context is not None:
            found.append((section, context))
    return found
