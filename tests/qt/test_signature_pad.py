"""The signature pad: strokes from the mouse (and a pen or a finger), a PNG for the PDF, Clear."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from xinjie_desktop.qt.shell.signature_pad import SignaturePad


def dark(image: QImage, x: int, y: int, radius: int = 3) -> bool:
    """Some pixel near (x, y) is dark ink."""
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            px, py = x + dx, y + dy
            if 0 <= px < image.width() and 0 <= py < image.height():
                colour = image.pixelColor(px, py)
                if colour.alpha() > 128 and colour.lightness() < 100:
                    return True
    return False


def make_pad(qtbot) -> SignaturePad:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 160)
    pad.show()
    qtbot.waitExposed(pad)
    return pad


def test_a_new_pad_is_empty_and_its_png_is_white(qtbot, prepared_app):
    pad = make_pad(qtbot)
    assert pad.is_empty()
    image = QImage.fromData(pad.to_png(trim=False))
    assert not image.isNull()
    assert not any(dark(image, x, y, 0) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9))


def test_mouse_strokes_are_captured_and_stamped_where_they_went(qtbot, prepared_app, draw_on_pad):
    pad = make_pad(qtbot)
    with qtbot.waitSignals([pad.changed, pad.changed], timeout=1000):
        draw_on_pad(pad, [[(40, 40), (120, 100), (200, 40)], [(260, 120), (360, 120)]])
    assert not pad.is_empty()
    strokes = pad.strokes()
    assert len(strokes) == 2
    assert len(strokes[0]) > 3  # the moves between press and release are kept, not just the ends
    assert (strokes[0][0].x, strokes[0][0].y) == (40, 40)

    # The whole pad at twice its resolution: ink at the stroke's points, white far from them.
    image = QImage.fromData(pad.to_png(trim=False))
    assert (image.width(), image.height()) == (800, 320)
    for x, y in ((40, 40), (80, 70), (160, 70), (200, 40), (300, 120), (360, 120)):
        assert dark(image, 2 * x, 2 * y), (x, y)
    assert dark(image, 2 * 120, 2 * 100, 10)  # the smoothed curve rounds the corner a little
    for x, y in ((40, 140), (200, 140), (380, 20), (300, 40)):
        assert not dark(image, 2 * x, 2 * y, 2), (x, y)
    assert image.pixelColor(2, 2).name() == "#ffffff"  # a white background: it prints on paper as is

    # Trimmed (the default, for the PDF): just the signature and a small margin.
    trimmed = QImage.fromData(pad.to_png())
    assert not trimmed.isNull()
    assert trimmed.width() < image.width() and trimmed.height() < image.height()
    assert trimmed.width() > 2 * (360 - 40) and trimmed.height() > 2 * (120 - 40)

    # Transparent and a fixed size, for stamping over a signature line.
    stamp = QImage.fromData(pad.to_png(transparent=True, size=QSize(300, 100)))
    assert (stamp.width(), stamp.height()) == (300, 100)
    assert stamp.hasAlphaChannel() and stamp.pixelColor(0, 0).alpha() == 0
    assert any(dark(stamp, x, y, 0) for x in range(0, 300, 3) for y in range(0, 100, 3))


def test_clear_empties_the_pad(qtbot, prepared_app, draw_on_pad):
    pad = make_pad(qtbot)
    draw_on_pad(pad)
    assert not pad.is_empty()
    with qtbot.waitSignal(pad.changed, timeout=1000):
        pad.clear()
    assert pad.is_empty()
    assert pad.strokes() == []
    image = QImage.fromData(pad.to_png(trim=False))
    assert not any(dark(image, x, y, 0) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7))


def test_undo_removes_the_last_stroke(qtbot, prepared_app, draw_on_pad):
    pad = make_pad(qtbot)
    draw_on_pad(pad, [[(40, 40), (100, 40)], [(40, 100), (100, 100)]])
    pad.undo()
    assert len(pad.strokes()) == 1
    assert pad.strokes()[0][0].y == 40


def test_moving_without_the_button_held_draws_nothing(qtbot, prepared_app):
    pad = make_pad(qtbot)
    qtbot.mouseMove(pad, pad.rect().center())
    assert pad.is_empty()
    qtbot.mouseClick(pad, Qt.MouseButton.RightButton)
    assert pad.is_empty()


def test_a_finger_draws_too(qtbot, prepared_app):
    pad = make_pad(qtbot)
    device = QTest.createTouchDevice()
    QTest.touchEvent(pad, device).press(0, QPoint(50, 50), pad).commit()
    QTest.touchEvent(pad, device).move(0, QPoint(120, 80), pad).commit()
    QTest.touchEvent(pad, device).move(0, QPoint(200, 60), pad).commit()
    QTest.touchEvent(pad, device).release(0, QPoint(220, 60), pad).commit()
    qtbot.wait(10)
    strokes = pad.strokes()
    assert len(strokes) == 1
    assert [(p.x, p.y) for p in strokes[0]] == [(50, 50), (120, 80), (200, 60), (220, 60)]
