"""The shipped font (resources/fonts/wqy-microhei.ttc) registered once for reportlab.

WenQuanYi Micro Hei has TrueType outlines, Chinese and Latin, so one embedded font serves every
document in either language and a computer without Chinese fonts still shows the text.  It has
no bold or italic face: the family maps all four to the one face, so ``<b>`` in a Paragraph
never falls back to an unembedded Helvetica.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from reportlab.lib.fonts import addMapping
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from xinjie_desktop.i18n import language
from xinjie_desktop.resources import font_path

FONT_NAME = "WenQuanYiMicroHei"

_lock = threading.Lock()
_registered = False


def document_font() -> str:
    """Register the shipped font with reportlab (once) and return the name styles use."""
    global _registered
    with _lock:
        if not _registered:
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            _registered = True
    return FONT_NAME


def style_maker(font: str, size: float, leading: float = 1.35) -> Callable[..., ParagraphStyle]:
    """``style(name, scale=1.0, **extra)``: a paragraph style in ``font`` at ``size × scale`` points, lines
    ``leading`` times as high; in Chinese lines break anywhere (CJK), otherwise at spaces, unless
    ``extra`` says otherwise."""
    wrap = "CJK" if language().startswith("zh") else None

    def style(name: str, scale: float = 1.0, **extra) -> ParagraphStyle:
        extra.setdefault("wordWrap", wrap)
        return ParagraphStyle(name, fontName=font, fontSize=size * scale, leading=size * scale * leading, **extra)

    return style
