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


# The command line's own words, which Python's argparse (3.11) asks gettext for: "usage: ", "options",
# "show this help message and exit", its errors.  translate_argparse() has argparse ask our catalogue instead.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("subcommands"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("%(prog)s: error: %(message)s\n"),
)


def translate_argparse() -> None:
    """argparse's help and errors in the language in force (it looks up ``_`` and ``ngettext`` in its own
    module each time it speaks)."""
    import argparse

    def argparse_ngettext(singular: str, plural: str, n: int) -> str:
        return _(singular if n == 1 else plural)  # both are in the catalogue as plain messages

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = argparse_ngettext  # type: ignore[attr-defined]


try:
    set_language(DEFAULT_LANGUAGE)
except OSError:  # catalogue not compiled yet: message ids (English) are shown
    pass
