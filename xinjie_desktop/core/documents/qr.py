"""QR codes (byte mode, level M, mask pattern 0) fast enough to put one on every page of a batch.

reportlab's encoder recomputes the Reed-Solomon generator polynomials and walks every module in
Python for each code: about 3 ms a code, more than the rest of an agreement page.  Here everything
that depends only on the version is computed once and cached — the function patterns (finders,
timing, alignment, format and version information), the order of the data modules with mask 0
applied, and the error-correction codewords as tables (Reed-Solomon is linear: the parity of a
block is the XOR of each data byte's own parity, looked up) — so a code costs a few table
look-ups and one pass over its modules.  The modules are exactly the ones reportlab's
``QRCode.makeImpl(False, 0)`` produces for the same byte-mode data (tests/core/test_qr.py).
"""

from __future__ import annotations

import re
from functools import cache

_DARK_RUNS = re.compile(rb"1+")


@cache
def _encoder():
    """reportlab's QR encoder, loaded at the first code: its package registers every kind of barcode it has (a tenth
    of a second), which opening the household list does not wait for."""
    from reportlab.graphics.barcode import qrencoder

    return qrencoder


def _level():
    return _encoder().QRErrorCorrectLevel.M


@cache
def _blocks(version: int) -> tuple[tuple[int, int], ...]:
    """(data codewords, error-correction codewords) of each block."""
    return tuple(
        (block.dataCount, block.totalCount - block.dataCount)
        for block in _encoder().QRRSBlock.getRSBlocks(version, _level())
    )


def _version(length: int) -> int:
    for version in range(1, 41):
        header = 4 + (8 if version < 10 else 16)
        if header + 8 * length <= 8 * sum(data for data, _ec in _blocks(version)):
            return version
    raise ValueError("too much data for a QR code")


@cache
def _parity_tables(data_count: int, ec_count: int) -> tuple[tuple[int, ...], ...]:
    """For each data position, the parity (as one big integer) of every byte value there."""
    encoder = _encoder()
    poly = encoder.QRUtil.getErrorCorrectPolynomial(ec_count)

    def parity(position: int, value: int) -> int:
        message = [0] * data_count
        message[position] = value
        remainder = encoder.QRPolynomial(message, poly.getLength() - 1).mod(poly)
        offset = remainder.getLength() - ec_count
        return int.from_bytes(
            bytes(remainder.get(i + offset) if i + offset >= 0 else 0 for i in range(ec_count)), "big"
        )

    tables = []
    for position in range(data_count):
        bits = [parity(position, 1 << bit) for bit in range(8)]
        table = [0] * 256
        for value in range(1, 256):
            low = value & -value
            table[value] = table[value ^ low] ^ bits[low.bit_length() - 1]
        tables.append(tuple(table))
    return tuple(tables)


@cache
def _layout(version: int) -> tuple[int, bytes, tuple[int, ...], int]:
    """(modules a side, the function patterns as b"0"/b"1" row after row, the data modules' flat
    indices in placement order, mask 0 over those modules as one integer)."""
    code = _encoder().QRCode(version, _level())
    code.moduleCount = count = version * 4 + 17
    code.modules = [[False] * count for _row in range(count)]
    code.setupPositionProbePattern(0, 0)
    code.setupPositionProbePattern(count - 7, 0)
    code.setupPositionProbePattern(0, count - 7)
    code.setupPositionAdjustPattern()
    code.setupTimingPattern()
    code.setupTypeInfo(False, 0)
    if version >= 7:
        code.setupTypeNumber(False)
    template = b"".join(b"1" if dark else b"0" for row in code.modules for dark in row)
    positions = list(code._dataPosIterator())
    indices = tuple(row * count + column for column, row in positions)
    mask = int("".join("1" if (row + column) % 2 == 0 else "0" for column, row in positions), 2)
    return count, template, indices, mask


def modules(payload: str) -> tuple[int, bytes]:
    """(modules a side, the modules as b"0"/b"1" row after row) of ``payload`` in byte mode."""
    data = payload.encode("utf-8")
    version = _version(len(data))
    blocks = _blocks(version)
    capacity = sum(count for count, _ec in blocks)
    length_bits = 8 if version < 10 else 16
    bits = (0b0100 << length_bits | len(data)) << 8 * len(data) | int.from_bytes(data, "big")
    used = 4 + length_bits + 8 * len(data)
    terminator = min(4, 8 * capacity - used)
    bits <<= terminator
    used += terminator
    bits <<= -used % 8
    used += -used % 8
    stream = bytearray(bits.to_bytes(used // 8, "big"))
    pad = 0
    while len(stream) < capacity:
        stream.append((0xEC, 0x11)[pad])
        pad ^= 1
    data_blocks, ec_blocks, offset = [], [], 0
    for data_count, ec_count in blocks:
        block = stream[offset : offset + data_count]
        offset += data_count
        tables = _parity_tables(data_count, ec_count)
        parity = 0
        for table, value in zip(tables, block, strict=True):  # a table for each data position
            parity ^= table[value]
        data_blocks.append(block)
        ec_blocks.append(parity.to_bytes(ec_count, "big"))
    final = bytearray()
    for group in (data_blocks, ec_blocks):
        for index in range(max(len(block) for block in group)):
            final.extend(block[index] for block in group if index < len(block))
    count, template, indices, mask = _layout(version)
    total = len(indices)
    value = int.from_bytes(final, "big") << (total - 8 * len(final)) if total >= 8 * len(final) else 0
    dark = format(value ^ mask, f"0{total}b").encode()
    flat = bytearray(template)
    for index, bit in zip(indices, dark, strict=True):  # a bit for each module, padded to their count
        flat[index] = bit
    return count, bytes(flat)


def dark_runs(payload: str) -> tuple[int, list[tuple[int, int, int]]]:
    """(modules a side, [(row, first column, length)] of every horizontal run of dark modules)."""
    count, flat = modules(payload)
    runs = []
    for row in range(count):
        for match in _DARK_RUNS.finditer(flat, row * count, (row + 1) * count):
            runs.append((row, match.start() - row * count, match.end() - match.start()))
    return count, runs
