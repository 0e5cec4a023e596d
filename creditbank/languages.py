"""Text kept in each of the site's languages.

Some messages are written once — by a worker, which speaks the default language, or during one
visitor's request — and read later by people who chose either language: a result batch's row
errors and its failure. They are rendered in every language of ``settings.LANGUAGES`` when
written (``in_each_language``) and shown in the reader's (``in_active_language``).
"""

from collections.abc import Callable

from django.conf import settings
from django.utils import translation


def formatted(message, params: dict | None = None) -> Callable[[], str]:
    """A renderer of ``message`` (lazy: ``gettext_lazy``) with its %-style ``params``, in the
    language active when it is called: what ``in_each_language`` takes."""

    def render() -> str:
        text = str(message)
        return text % params if params else text

    return render


def in_each_language(render: Callable[[], object]) -> dict[str, str]:
    """``render()`` (a message built with gettext, or a lazy one) in each language, by code."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts[language] = str(render())
    return texts


def in_active_language(texts) -> str:
    """``texts`` (as ``in_each_language`` made them) in the active language, else the default
    one; a plain text (written before the languages were kept) as it is."""
    if not isinstance(texts, dict):
        return str(texts or "")
    language = translation.get_language() or settings.LANGUAGE_CODE
    return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or ""
