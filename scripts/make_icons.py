#!/usr/bin/env python3
"""Render the application icon from its SVG: a 256 px PNG and a multi-size Windows ICO.

    .venv/bin/python scripts/make_icons.py

resources/icons/xinjie-desktop.svg   the drawing (edit this)
resources/icons/xinjie-desktop.png   256 × 256, the window icon (qt/shell/app.py) and the About dialog's
resources/icons/xinjie-desktop.ico   16 to 256 px, the Windows executable's icon (packaging/xinjie-desktop.spec)

Each size is rendered from the SVG (not scaled down from the 256 px picture), with Qt's SVG
renderer on the offscreen platform; the ICO holds PNG-compressed images (Windows Vista and later).
Run it again after changing the SVG and commit the three files.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "xinjie-desktop.svg"
PNG = ICONS / "xinjie-desktop.png"
ICO = ICONS / "xinjie-desktop.ico"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit("Qt could not write a PNG")
    buffer.close()
    return bytes(data)


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (ICONDIR, ICONDIRENTRY × n, then the PNGs)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, payload = b"", b""
    for size, data in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset + len(payload))
        payload += data
    return header + entries + payload


def main() -> int:
    # Held until the icons are written: fonts and painting need the application.
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG} is not a valid SVG")
    PNG.write_bytes(png_bytes(render(renderer, 256)))
    ICO.write_bytes(ico_bytes({size: png_bytes(render(renderer, size)) for size in ICO_SIZES}))
    for path in (PNG, ICO):
        print(f"{path.relative_to(ICONS.parent.parent)}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
