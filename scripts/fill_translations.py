#!/usr/bin/env python3
"""Fill Chinese translations given as "msgid<TAB>msgstr" lines on standard input into the .po.

printf 'Save\t保存\n' | scripts/fill_translations.py && scripts/translations.py compile
"""

import sys

from babel.messages.pofile import write_po
from translations import PO, load_po

given = dict(line.rstrip("\n").split("\t", 1) for line in sys.stdin if "\t" in line)
catalog = load_po()
for message in catalog:
    if message.id in given:
        message.string = given.pop(message.id)
        message.flags.discard("fuzzy")
with PO.open("wb") as handle:
    write_po(handle, catalog, width=120, omit_header=False, sort_output=False, ignore_obsolete=True)
for unknown in given:
    print(f"not in the catalogue: {unknown}", file=sys.stderr)
sys.exit(1 if given else 0)
