"""One translation mechanism for core and Qt code: gettext with English message ids.

The catalogue lives in ``resources/translations/<lang>/LC_MESSAGES/xinjie_desktop.mo``
(compiled from the ``.po`` beside it).  Simplified Chinese is the default
language; English is the message ids themselves.  Code marks a string with
``_()`` where it is shown, or with ``N_()`` where it is defined at import time
and translated later with ``_()``.
"""

from __future__ import annotations

import gettext as _gettext

from xinjie_desktop.resources import translations_dir

DOMAIN = "xinjie_desktop"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")

_current: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def set_language(language: str | None) -> str:
    """Switch every later ``_()`` call to ``language``; returns the language in force."""
    global _current, _language
    language = (language or DEFAULT_LANGUAGE).replace("-", "_")
    if language.startswith("en"):
        _current, _language = _gettext.NullTranslations(), "en"
        return _language
    _current = _gettext.translation(DOMAIN, localedir=str(translations_dir()), languages=[language])
    _language = language
    return _language


def language() -> str:
    return _language


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def join(parts: list[str]) -> str:
    """Join clauses into one sentence with the language's own semicolon."""
    return _("; ").join(parts)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


try:
    set_language(DEFAULT_LANGUAGE)
except OSError:  # catalogue not compiled yet: message ids (English) are shown
    pass
