"""Painting that a table cell's text cannot do: the watchlist sparkline and the ladder's depth bars.

Both draw the standard item background first (selection, alternate rows) through the style, so
they follow the palette in light and dark themes; the colours of their own come from the
models' :class:`~.models.MarketColors`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from .models import DEPTH_ROLE, HISTORY_ROLE, L_BID_SZ, MarketColors


def _background(delegate: QStyledItemDelegate, painter: QPainter, option: QStyleOptionViewItem,
                index) -> None:
    """The item's standard panel (selection, alternate row) without its text."""
    opt = QStyleOptionViewItem(option)
    delegate.initStyleOption(opt, index)
    opt.text = ""
    widget = option.widget
    style = widget.style() if widget is not None else QApplication.style()
    style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)


class SparklineDelegate(QStyledItemDelegate):
    """The price history as a line: green/red by the change from the previous close, with the
    previous close as a dotted line when it lies inside the range."""

    def __init__(self, colors: MarketColors, parent=None) -> None:
        super().__init__(parent)
        self.colors = colors

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        _background(self, painter, option, index)
        data = index.data(HISTORY_ROLE)
        if not data:
            return
        prices, prev_close = data
        pts = [p for p in prices if math.isfinite(p)]
        if len(pts) < 2:
            return
        r = QRectF(option.rect).adjusted(3, 3, -3, -3)
        lo, hi = min(pts), max(pts)
        if hi - lo < 1e-12:  # flat: a line through the middle, not a range made up around it
            eps = max(abs(hi) * 1e-6, 1e-9)
            lo, hi = lo - eps, hi + eps
        span = hi - lo
        n = len(pts)
        step = r.width() / (n - 1)
        poly = QPolygonF([QPointF(r.left() + i * step, r.bottom() - (p - lo) / span * r.height())
                          for i, p in enumerate(pts)])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if math.isfinite(prev_close) and lo <= prev_close <= hi:
            y = r.bottom() - (prev_close - lo) / span * r.height()
            pen = QPen(self.colors.flat, 1, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        ref = prev_close if math.isfinite(prev_close) else pts[0]
        color = self.colors.sign(pts[-1] - ref) or self.colors.flat
        painter.setPen(QPen(color, 1.4))
        painter.drawPolyline(poly)
        painter.restore()


class DepthBarDelegate(QStyledItemDelegate):
    """A size cell with a bar behind the text: bids grow from the right edge (towards the
    price column), asks from the left, width = the level's share of the largest level."""

    def __init__(self, colors: MarketColors, parent=None) -> None:
        super().__init__(parent)
        self.colors = colors

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        frac = index.data(DEPTH_ROLE)
        if not frac:
            super().paint(painter, option, index)
            return
        _background(self, painter, option, index)
        r = QRectF(option.rect).adjusted(1, 2, -1, -2)
        w = r.width() * max(0.0, min(1.0, float(frac)))
        bid = index.column() == L_BID_SZ
        bar = QRectF(r.right() - w, r.top(), w, r.height()) if bid else \
            QRectF(r.left(), r.top(), w, r.height())
        painter.fillRect(bar, self.colors.bid_bar if bid else self.colors.ask_bar)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.backgroundBrush = Qt.BrushStyle.NoBrush
        text_rect = option.rect.adjusted(4, 0, -4, 0)
        painter.save()
        painter.setPen(opt.palette.color(opt.palette.ColorRole.HighlightedText)
                       if option.state & QStyle.StateFlag.State_Selected
                       else opt.palette.color(opt.palette.ColorRole.Text))
        painter.drawText(text_rect, int(opt.displayAlignment), opt.text)
        painter.restore()
