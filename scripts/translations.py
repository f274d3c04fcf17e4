#!/usr/bin/env python3
"""Keep the gettext catalogue in step with the code.

  scripts/translations.py update    extract message ids from xinjie_desktop/ and merge them
                                    into resources/translations/zh_CN/LC_MESSAGES/xinjie_desktop.po
  scripts/translations.py compile   compile the .po into the .mo the application loads
  scripts/translations.py missing   list message ids without a Chinese translation

Uses Babel (a test dependency); message ids are English.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "xinjie_desktop"
PO = ROOT / "resources/translations/zh_CN/LC_MESSAGES/xinjie_desktop.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    catalog = Catalog(project="xinjie-desktop", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, [(f"xinjie_desktop/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def load_po() -> Catalog:
    if not PO.exists():
        return Catalog(locale="zh_CN", project="xinjie-desktop", charset="utf-8")
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def update() -> None:
    catalog = load_po()
    catalog.update(extract(), no_fuzzy_matching=True)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=120, omit_header=False, sort_output=False, ignore_obsolete=True)


def compile_mo() -> None:
    catalog = load_po()
    with MO.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)


def missing() -> list[str]:
    catalog = load_po()
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "update"
    if action == "update":
        update()
        print(f"{PO.relative_to(ROOT)}: {len(missing())} message(s) without a translation")
    elif action == "compile":
        compile_mo()
    elif action == "missing":
        for message in missing():
            print(message if isinstance(message, str) else message[0])
    else:
        sys.exit(__doc__)
