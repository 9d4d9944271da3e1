"""Small shared pieces: state pills, the RTT chart, a masked secret field, task helpers."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

import qasync
from opendeck.core.events import ContextStatus, mask
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QGuiApplication, QPainter
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStackedLayout,
    QToolButton,
    QWidget,
)

from . import errors, theme

# --------------------------------------------------------------------------- tasks

_tasks: set[asyncio.Task] = set()


def _done(task: asyncio.Task) -> None:
    _tasks.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        errors.report(exc, f"in task {task.get_name()}")


def spawn(coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task:
    """Run ``coro`` on the loop, keep a strong reference, and report what it raises."""
    task = asyncio.get_running_loop().create_task(coro, name=name)
    _tasks.add(task)
    task.add_done_callback(_done)
    return task


def running_tasks() -> set[asyncio.Task]:
    return set(_tasks)


async def cancel_all_tasks(timeout: float = 2.0) -> None:
    pending = [t for t in _tasks if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.wait(pending, timeout=timeout)


def async_slot(*types: type) -> Callable:
    """``qasync.asyncSlot`` for bound methods that also keeps a strong reference to the task.

    (qasync 0.28.0 keeps none, and fails for free functions called without arguments.)"""

    def deco(fn: Callable) -> Callable:
        inner = qasync.asyncSlot(*types)(fn)

        @functools.wraps(inner)
        def wrapper(*args: Any, **kwargs: Any) -> asyncio.Task:
            task = inner(*args, **kwargs)
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)
            return task

        return wrapper

    return deco


# --------------------------------------------------------------------------- formatting

def fmt_clock(wall: float | None, ms: bool = True) -> str:
    if not wall:
        return "\u2014"
    lt = time.localtime(wall)
    s = time.strftime("%H:%M:%S", lt)
    return f"{s}.{int((wall % 1) * 1000):03d}" if ms else s


def fmt_ago(seconds: float | None) -> str:
    if seconds is None:
        return "\u2014"
    if seconds < 1:
        return "just now"
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "\u2014"
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


# --------------------------------------------------------------------------- pills

def pill_status(state: ContextStatus | str) -> ContextStatus:
    """A ContextStatus from a status (or its value: the endpoint list stores pills in roles)."""
    try:
        return ContextStatus(str(state))
    except ValueError:
        return ContextStatus.DISCONNECTED


class StatePill(QLabel):
    """A rounded coloured label: ready / connecting / reconnecting 3 s / error / disconnected."""

    def __init__(self, state: ContextStatus = ContextStatus.DISCONNECTED,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statePill")
        self.state: ContextStatus | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        theme.notifier().changed.connect(self._restyle)
        self.set_state(state)

    def set_state(self, state: ContextStatus, text: str | None = None, tooltip: str = "") -> None:
        key = pill_status(state)
        label = text or str(key)
        changed = key != self.state
        self.state = key
        if self.text() != label:
            self.setText(label)
        if self.toolTip() != tooltip:
            self.setToolTip(tooltip)
        if changed:
            self._restyle()

    def _restyle(self, *_: Any) -> None:
        bg, fg = theme.pill_colors(self.state)
        self.setStyleSheet(f"QLabel#statePill {{ background: {bg}; color: {fg}; border-radius: 9px;"
                           " padding: 1px 9px; font-weight: 600; }")

    def sizeHint(self) -> QSize:
        s = super().sizeHint()
        return QSize(max(s.width(), 64), max(s.height(), 20))


def paint_pill(painter: QPainter, rect: QRectF, state: ContextStatus | str, text: str,
               font: QFont) -> float:
    """Paint a pill right-aligned in ``rect``; returns its width (for item delegates)."""
    bg, fg = theme.pill_colors(pill_status(state))
    f = QFont(font)
    f.setBold(True)
    f.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    fm = QFontMetrics(f)
    w = fm.horizontalAdvance(text) + 16
    h = fm.height() + 4
    r = QRectF(rect.right() - w, rect.center().y() - h / 2, w, h)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(bg))
    painter.drawRoundedRect(r, h / 2, h / 2)
    painter.setPen(QColor(fg))
    painter.setFont(f)
    painter.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
    return w


# --------------------------------------------------------------------------- secret field

class SecretField(QWidget):
    """A masked value with Reveal and Copy; the clear text is only in the widget's memory."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._secret = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.edit = QLineEdit()
        self.edit.setReadOnly(True)
        self.edit.setFrame(False)
        self.edit.setFont(fixed_font())
        self.edit.setMinimumWidth(90)
        self.edit.setStyleSheet("QLineEdit { background: transparent; padding: 0; }")
        layout.addWidget(self.edit, 1)
        self.reveal = QToolButton()
        self.reveal.setText("Reveal")
        self.reveal.setCheckable(True)
        self.reveal.setAutoRaise(True)
        self.reveal.setToolTip("Show the AES key in clear text")
        self.reveal.toggled.connect(self._update)
        layout.addWidget(self.reveal)
        self.copy = QToolButton()
        self.copy.setText("Copy")
        self.copy.setAutoRaise(True)
        self.copy.setToolTip("Copy the AES key to the clipboard")
        self.copy.clicked.connect(self._copy)
        layout.addWidget(self.copy)
        self._update()

    def set_secret(self, secret: str) -> None:
        if secret != self._secret:
            self._secret = secret
            self._update()

    def _update(self, *_: Any) -> None:
        has = bool(self._secret)
        self.reveal.setEnabled(has)
        self.copy.setEnabled(has)
        self.reveal.setText("Hide" if self.reveal.isChecked() else "Reveal")
        if not has:
            self.edit.setText("\u2014")
        else:
            self.edit.setText(self._secret if self.reveal.isChecked() else mask(self._secret))
            self.edit.setCursorPosition(0)  # show the start, not the scrolled-to end

    def _copy(self) -> None:
        if self._secret:
            QGuiApplication.clipboard().setText(self._secret)


def fixed_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


# --------------------------------------------------------------------------- RTT chart

class RttChart(QFrame):
    """KeepAlive round-trip times over the last minutes of wall-clock time (pyqtgraph,
    redrawn at most at 1 Hz)."""

    WINDOW_S = 300.0
    MIN_WINDOW_S = 30.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyqtgraph as pg  # imported here: only windows with a chart pay for it

        self._pg = pg
        # two pages of one size: the plot, or (no heartbeat answered yet) a plain sentence
        # instead of an empty plot's made-up axis ("00.250 00.500 ...")
        layout = QStackedLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.empty_label = QLabel("no heartbeats yet", self)
        self.empty_label.setObjectName("rttChartEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setForegroundRole(self.empty_label.palette().ColorRole.PlaceholderText)
        self.empty_label.setMinimumHeight(80)
        axis = pg.DateAxisItem(orientation="bottom")
        self.plot = pg.PlotWidget(axisItems={"bottom": axis})
        self.plot.setObjectName("rttChart")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setLabel("left", "RTT", units="")
        pi = self.plot.getPlotItem()
        pi.getAxis("left").setWidth(38)
        pi.setContentsMargins(2, 4, 6, 2)
        self.curve = self.plot.plot([], [], symbol="o", symbolSize=4)
        self.plot.setMinimumHeight(80)
        layout.addWidget(self.plot)
        layout.addWidget(self.empty_label)
        layout.setCurrentWidget(self.empty_label)
        # the wheel scrolls the page; it reaches the chart only once the chart has focus
        self.plot.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.plot.viewport().installEventFilter(self)
        self.wheel_passed = 0
        self._sig: tuple = ()
        self.points = 0
        theme.notifier().changed.connect(self._restyle)
        self._restyle()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Wheel and not self.plot.hasFocus():
            area = self.parentWidget()
            while area is not None and not isinstance(area, QAbstractScrollArea):
                area = area.parentWidget()
            if area is not None:
                self.wheel_passed += 1
                QApplication.sendEvent(area.verticalScrollBar(), event)
                return True
        return super().eventFilter(obj, event)

    def _restyle(self, *_: Any) -> None:
        c = theme.colors()
        pg = self._pg
        self.plot.setBackground(c.chart_bg)
        pen = pg.mkPen(c.rtt, width=1.5)
        self.curve.setPen(pen)
        self.curve.setSymbolPen(pen)
        self.curve.setSymbolBrush(pg.mkBrush(c.rtt))
        for name in ("left", "bottom"):
            ax = self.plot.getAxis(name)
            ax.setPen(pg.mkPen(c.chart_fg))
            ax.setTextPen(pg.mkPen(c.chart_fg))
        self.plot.setLabel("left", "ms", color=c.chart_fg)

    def set_points(self, rtts: Iterable[tuple[float, float]]) -> None:
        pts = list(rtts)
        sig = (len(pts), pts[-1] if pts else None)
        if sig == self._sig:
            return
        self._sig = sig
        self.points = len(pts)
        if pts:
            end = pts[-1][0]
            pts = [p for p in pts if p[0] >= end - self.WINDOW_S]
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            self.curve.setData(xs, ys)
            # a trailing window of wall-clock time (HH:MM:SS ticks), never a sub-second zoom;
            # it grows with the data up to WINDOW_S so the first minute is not a sliver
            span = min(self.WINDOW_S, max(self.MIN_WINDOW_S, end - xs[0]))
            self.plot.setXRange(end - span, end, padding=0)
            self.plot.setYRange(0, max(1.0, max(ys) * 1.25), padding=0)
            self.layout().setCurrentWidget(self.plot)
        else:
            self.curve.setData([], [])
            self.layout().setCurrentWidget(self.empty_label)

    @property
    def empty(self) -> bool:
        """True while the chart shows "no heartbeats yet" instead of a plot."""
        return self.layout().currentWidget() is self.empty_label


def hline() -> QFrame:
    f = QFrame()
    f.setFrameShape(QFrame.Shape.HLine)
    f.setFrameShadow(QFrame.Shadow.Sunken)
    return f


def muted_label(text: str = "") -> QLabel:
    lab = QLabel(text)
    lab.setObjectName("muted")
    pal = lab.palette()
    lab.setForegroundRole(pal.ColorRole.PlaceholderText)
    return lab
