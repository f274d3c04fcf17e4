"""A signature pad: a handwritten signature captured with a mouse, a pen (tablet) or a finger (touch).

The pad keeps the signature as vector strokes (lists of points in the pad's own coordinates, with
the pen pressure where the device reports one), draws them as smooth curves, and turns them into a
PNG for stamping into an agreement's PDF (``to_png``).  Nothing here knows what the signature is
for: the sign dialog gives the picture to the core.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from xinjie_desktop.i18n import _

INK = QColor("#10204a")  # a dark blue-black, like a ballpoint pen
PEN_WIDTH = 2.6  # in pad pixels, at normal pressure
PNG_SCALE = 2.0  # the PNG is drawn at twice the pad's resolution, for a sharp print
PNG_MARGIN = 8.0  # pad pixels of white kept around a trimmed signature
MIN_DISTANCE = 0.8  # points closer than this to the previous one are dropped (jitter)


@dataclass(frozen=True)
class StrokePoint:
    x: float
    y: float
    pressure: float = 1.0  # 0..1 from a pen; a mouse or a finger is always 1


Stroke = list[StrokePoint]


def _stroke_path(stroke: Stroke, scale: float = 1.0, offset: QPointF | None = None) -> QPainterPath:
    """A smooth curve through the points: quadratic segments between the midpoints of the samples."""
    offset = offset if offset is not None else QPointF(0, 0)
    points = [QPointF((p.x - offset.x()) * scale, (p.y - offset.y()) * scale) for p in stroke]
    path = QPainterPath(points[0])
    if len(points) == 1:
        return path
    if len(points) == 2:
        path.lineTo(points[1])
        return path
    for index in range(1, len(points) - 1):
        middle = (points[index] + points[index + 1]) / 2
        path.quadTo(points[index], middle)
    path.lineTo(points[-1])
    return path


def _pen(stroke: Stroke, scale: float) -> QPen:
    pressure = sum(p.pressure for p in stroke) / len(stroke)
    width = PEN_WIDTH * scale * (0.6 + 0.6 * min(max(pressure, 0.0), 1.0))  # 1.2 × at full pressure
    pen = QPen(INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    return pen


def paint_strokes(painter: QPainter, strokes: list[Stroke], scale: float = 1.0, offset: QPointF | None = None) -> None:
    offset = offset if offset is not None else QPointF(0, 0)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for stroke in strokes:
        if not stroke:
            continue
        painter.setPen(_pen(stroke, scale))
        if len(stroke) == 1:  # a dot
            point = QPointF((stroke[0].x - offset.x()) * scale, (stroke[0].y - offset.y()) * scale)
            painter.drawPoint(point)
        else:
            painter.drawPath(_stroke_path(stroke, scale, offset))


class SignaturePad(QWidget):
    """Draw a signature with the left mouse button, a pen or one finger.

    ``changed`` is emitted when a stroke ends and when the pad is cleared.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, placeholder: str | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[Stroke] = []
        self._current: Stroke | None = None
        self._placeholder = placeholder if placeholder is not None else _("Sign here")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 110)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(_("Signature pad"))

    def sizeHint(self) -> QSize:
        return QSize(360, 140)

    # --- the signature ------------------------------------------------------------------------
    def strokes(self) -> list[Stroke]:
        """The finished strokes (a copy)."""
        return [list(stroke) for stroke in self._strokes]

    def is_empty(self) -> bool:
        return not any(self._strokes)

    def clear(self) -> None:
        had = bool(self._strokes) or self._current is not None
        self._strokes = []
        self._current = None
        self.update()
        if had:
            self.changed.emit()

    def undo(self) -> None:
        """Remove the last stroke."""
        if self._strokes:
            self._strokes.pop()
            self.update()
            self.changed.emit()

    def bounding_rect(self) -> QRectF:
        """The strokes' extent in pad coordinates (empty when nothing is drawn)."""
        points = [p for stroke in self._strokes for p in stroke]
        if not points:
            return QRectF()
        xs = [p.x for p in points]
        ys = [p.y for p in points]
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    def to_image(self, *, trim: bool = True, transparent: bool = False, size: QSize | None = None) -> QImage:
        """The signature as an image.

        ``trim``: only the strokes and a small margin (else the whole pad); ``size``: scaled to fit
        that size, centred (else ``PNG_SCALE`` times the pad's pixels); ``transparent``: no white
        background (for stamping over a line in a PDF).
        """
        if trim and not self.is_empty():
            margin = PNG_MARGIN + PEN_WIDTH
            source = self.bounding_rect().adjusted(-margin, -margin, margin, margin)
        else:
            source = QRectF(0, 0, self.width(), self.height())
        if size is None:
            scale = PNG_SCALE
            target = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
            offset_x = offset_y = 0.0
        else:
            scale = min(size.width() / max(source.width(), 1), size.height() / max(source.height(), 1))
            target = QSize(size)
            offset_x = (size.width() - source.width() * scale) / 2
            offset_y = (size.height() - source.height() * scale) / 2
        image = QImage(target, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent if transparent else Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.translate(offset_x, offset_y)
        paint_strokes(painter, self._strokes, scale, source.topLeft())
        painter.end()
        return image

    def to_png(self, *, trim: bool = True, transparent: bool = False, size: QSize | None = None) -> bytes:
        """The signature as PNG bytes (see ``to_image``); white background and trimmed by default."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.to_image(trim=trim, transparent=transparent, size=size).save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    # --- capturing strokes --------------------------------------------------------------------
    def _begin(self, position: QPointF, pressure: float = 1.0) -> None:
        self._current = [StrokePoint(position.x(), position.y(), pressure)]
        self._strokes.append(self._current)
        self.update()

    def _extend(self, position: QPointF, pressure: float = 1.0) -> None:
        if self._current is None:
            return
        last = self._current[-1]
        if abs(position.x() - last.x) + abs(position.y() - last.y) < MIN_DISTANCE:
            return
        self._current.append(StrokePoint(position.x(), position.y(), pressure))
        self.update()

    def _end(self, position: QPointF | None = None, pressure: float = 1.0) -> None:
        if self._current is None:
            return
        if position is not None:
            self._extend(position, pressure)
        self._current = None
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._current is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position())
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self._end(event.position())
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event) -> None:
        """A pen: pressure shapes the line; accepted, so Qt makes no mouse events of it."""
        kind = event.type()
        pressure = event.pressure() if event.pressure() > 0 else 1.0
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), pressure)
        elif kind == QEvent.Type.TabletMove:
            if self._current is not None and event.pressure() > 0:
                self._extend(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._end(event.position(), pressure)
        event.accept()

    def event(self, event) -> bool:
        """A finger: the first touch point draws; accepted, so Qt makes no mouse events of it."""
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            points = event.points()
            if kind == QEvent.Type.TouchCancel:
                if self._current is not None:
                    self._end()
            elif points:
                position = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(position)
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(position)
                else:
                    self._end(position)
            event.accept()
            return True
        return super().event(event)

    # --- drawing ------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        baseline_y = self.height() * 0.72
        painter.setPen(QPen(QColor("#b8c0cc"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(16, baseline_y), QPointF(self.width() - 16, baseline_y))
        if self.is_empty() and self._current is None:
            painter.setPen(QColor("#9aa3ad"))
            painter.drawText(
                QRectF(0, 0, self.width(), baseline_y - 6),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                self._placeholder,
            )
        paint_strokes(painter, self._strokes)
        frame = QColor("#1a73e8") if self.hasFocus() else QColor("#9aa3ad")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(frame, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()
