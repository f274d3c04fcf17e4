"""Qt's ICU data cut down to what the program uses (the Linux build; packaging/xinjie-desktop.spec).

PySide6's Linux wheels ship ICU 73 with its whole data, 32 MB linked into ``libicudata.so.73`` as the one
symbol ``icudt73_dat`` (an ICU "common data" package: a table of contents and 3,900 items).  Qt calls ICU
from QtCore alone, for four things, and each needs only some of the items:

- collation (``ucol_*``: QCollator, and QFileSystemModel's sorting in the file dialogs): ``coll/ucadata.icu``,
  ``coll/root.res`` and the tailorings of Chinese (pinyin, the default for zh) and English;
- time zones (``ucal_*``: QTimeZone's canonical ids and display names): ``zoneinfo64.res``, the zone
  metadata and the zone names of root, Chinese and English;
- case mapping (``u_strToUpper/Lower``): built into libicuuc, no data;
- converters (``ucnv_*``: QStringConverter for encodings Qt has no codec of its own for): the alias table
  and the simplified-Chinese tables (GB18030, GBK, GB 2312) are kept; the program reads and writes UTF-8
  (as the spec leaves out Python's Japanese, Korean and traditional Chinese codecs).

Left out: break iteration (``brkitr/``, its dictionaries), transliteration, display names of units,
currencies, languages and regions, number spell-out, Unicode character names, the locale data of languages
other than Chinese and English (ICU falls back to root for them) and the other converters: 28 MB.
``tests/test_frozen_build.py`` compares Chinese and English collation, time-zone names and GB18030 in the
built program's ICU with the full data's.

The cut-down package is linked back into a library of the same name and soname with the assembler and linker
of binutils (which PyInstaller's ``strip`` needs on Linux anyway).
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

# Whole trees of ICU data that nothing Qt calls reads.
UNUSED_TREES = {"brkitr", "translit", "unit", "curr", "lang", "region", "rbnf"}
UNUSED_FILES = {"unames.icu"}
# Trees whose items are per locale: only root's, Chinese and English are kept.
LOCALE_TREES = {"", "coll", "zone"}
LANGUAGES = {"zh", "en"}
# Converter tables kept: GB18030, GBK (Windows code page 936 and IBM's), EUC-CN / GB 2312, ISO-IR-165.
CONVERTERS = {
    "gb18030",
    "windows-936-2000",
    "ibm-1386_P100-2001",
    "ibm-1383_P110-1999",
    "ibm-5478_P100-1995",
    "iso-ir-165",
}
_LOCALE_ITEM = re.compile(r"^(?P<language>[a-z]{2,3})(_[A-Za-z0-9]+)*\.res$")
_NOT_LOCALES = {"root.res", "pool.res", "res_index.res"}


def wanted(name: str) -> bool:
    """Whether the item ``name`` (as in the table of contents: ``icudt73l/coll/zh.res``) is kept."""
    parts = name.split("/")[1:]
    tree, item = "/".join(parts[:-1]), parts[-1]
    if tree in UNUSED_TREES or (not tree and item in UNUSED_FILES):
        return False
    if item.endswith(".cnv"):
        return item[: -len(".cnv")] in CONVERTERS
    match = _LOCALE_ITEM.match(item)
    if tree in LOCALE_TREES and match and item not in _NOT_LOCALES:
        return match["language"] in LANGUAGES
    return True


def split(package: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(name, data)]) of an ICU common data package (little-endian, "CmnD" format)."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", package, 0)
    if (magic1, magic2) != (0xDA, 0x27) or package[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    toc = package[header_size:]
    (count,) = struct.unpack_from("<I", toc, 0)
    entries = [struct.unpack_from("<II", toc, 4 + 8 * index) for index in range(count)]
    items = []
    for index, (name_offset, data_offset) in enumerate(entries):
        name = toc[name_offset : toc.index(b"\0", name_offset)].decode("ascii")
        end = entries[index + 1][1] if index + 1 < count else len(toc)
        items.append((name, toc[data_offset:end]))
    return package[:header_size], items


def join(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The package of ``items`` (in the given order: ICU finds them by binary search on their names), each
    aligned to 16 bytes as ICU's pkgdata lays them out."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _data in items)
    table_size = 4 + 8 * len(items)
    offset = _aligned(len(header) + table_size + len(names)) - len(header)
    name_offset = table_size
    entries, body = [], bytearray()
    for name, data in items:
        entries.append(struct.pack("<II", name_offset, offset + len(body)))
        name_offset += len(name) + 1
        body += data + b"\0" * (_aligned(len(data)) - len(data))
    toc = struct.pack("<I", len(items)) + b"".join(entries) + names
    padding = b"\xaa" * (offset - len(toc))  # as pkgdata pads the names
    return header + toc + padding + bytes(body)


def _aligned(size: int) -> int:
    return (size + 15) // 16 * 16


def symbol(library: Path) -> str:
    """``icudt73_dat`` for ``libicudata.so.73``."""
    match = re.match(r"libicudata\.so\.(\d+)", library.name)
    if not match:
        raise ValueError(f"{library.name} is not ICU's data library")
    return f"icudt{match[1]}_dat"


def read_symbol(library: Path, name: str) -> bytes:
    """The bytes of the dynamic symbol ``name`` of a 64-bit little-endian ELF shared library."""
    elf = library.read_bytes()
    if elf[:6] != b"\x7fELF\x02\x01":
        raise ValueError(f"{library} is not a 64-bit little-endian ELF file")
    phoff, shoff = struct.unpack_from("<QQ", elf, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", elf, 0x36)
    segments = []
    for index in range(phnum):
        kind, _flags, offset, vaddr, _paddr, filesz = struct.unpack_from("<IIQQQQ", elf, phoff + index * phentsize)
        if kind == 1:  # PT_LOAD
            segments.append((vaddr, offset, filesz))
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + index * shentsize) for index in range(shnum)]
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind != 11:  # SHT_DYNSYM
            continue
        strings = sections[link]
        for start in range(offset, offset + size, entsize):
            st_name, _info, _other, _shndx, value, length = struct.unpack_from("<IBBHQQ", elf, start)
            text = elf[strings[4] + st_name : elf.index(b"\0", strings[4] + st_name)].decode("ascii")
            if text != name:
                continue
            for vaddr, file_offset, filesz in segments:
                if vaddr <= value and value + length <= vaddr + filesz:
                    return elf[file_offset + value - vaddr : file_offset + value - vaddr + length]
    raise ValueError(f"{library} has no symbol {name}")


def build(library: Path, out: Path) -> Path:
    """``out``: a library like ``library`` (ICU's data library) holding only the wanted items."""
    name = symbol(library)
    header, items = split(read_symbol(library, name))
    kept = [(item, data) for item, data in items if wanted(item)]
    out.parent.mkdir(parents=True, exist_ok=True)
    package = out.with_suffix(".dat")
    package.write_bytes(join(header, kept))
    source = out.with_suffix(".s")
    source.write_text(
        "\t.section .rodata\n"
        "\t.balign 16\n"
        f"\t.globl {name}\n"
        f"\t.type {name}, @object\n"
        f"{name}:\n"
        f'\t.incbin "{package}"\n'
        f"\t.size {name}, . - {name}\n"
        '\t.section .note.GNU-stack,"",@progbits\n',
        encoding="ascii",
    )
    objects = out.with_suffix(".o")
    for command in (
        ["as", "--64", "-o", str(objects), str(source)],
        ["ld", "-shared", "-soname", library.name, "-z", "noexecstack", "-o", str(out), str(objects)],
    ):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip()} (binutils is needed)")
    if split(read_symbol(out, name))[1] != kept:
        raise RuntimeError(f"{out}: the data read back differs from what was written")
    return out
