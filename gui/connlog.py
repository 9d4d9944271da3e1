"""The connection log dock: state changes, handshakes, errors, reconnects, notices, observer
failures, with timestamps (answered heartbeats optional). Events are dispatched on their type."""

from __future__ import annotations

import html
import time
from collections import deque

from opendeck.core.events import (
    ConnState,
    ContextKind,
    ContextStatus,
    ErrorRaised,
    Event,
    HandshakeDone,
    Heartbeat,
    ObserverFailed,
    StateChanged,
)
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from . import theme
from .statebook import context_label
from .widgets import fixed_font

#: the state changes an error may fold into, and the word their line starts with
FOLD_INTO = {ConnState.RECONNECTING: "reconnect", ConnState.CLOSED: "closed",
             ConnState.FAILED: "failed"}


class ConnectionLogDock(QDockWidget):
    """State changes, handshakes, errors, reconnects, with timestamps (heartbeats optional).

    A failure that ends in a reconnect (or a close) is one line: the error event is held for a
    moment and folded into the state change that follows it on the same context when that
    change's reason repeats the error. Every line is also kept (with its endpoint id) in a
    capped deque, so the endpoint and text filters can rebuild the view at any time.
    """

    MAX_LINES = 5000
    FOLD_WAIT_MS = 1000  # how long an error waits for the state change it may fold into

    def __init__(self, session, parent=None) -> None:
        super().__init__("Connection log", parent)
        self.setObjectName("connectionLogDock")
        self.session = session
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        self.endpoint_filter = QComboBox()
        self.endpoint_filter.setObjectName("logEndpointFilter")
        self.endpoint_filter.setToolTip("Only lines of this endpoint")
        self.endpoint_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.endpoint_filter.addItem("All endpoints", None)
        bar.addWidget(self.endpoint_filter)
        self.text_filter = QLineEdit()
        self.text_filter.setObjectName("logTextFilter")
        self.text_filter.setPlaceholderText("Filter lines (text, any case)")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.setMaximumWidth(320)
        bar.addWidget(self.text_filter, 1)
        self.heartbeats = QCheckBox("Heartbeats")
        self.heartbeats.setObjectName("logHeartbeats")
        self.heartbeats.setToolTip("Also log every KeepAlive round trip (missed beats are always logged)")
        bar.addWidget(self.heartbeats)
        self.shown_label = QLabel()
        self.shown_label.setObjectName("logShown")
        bar.addWidget(self.shown_label)
        bar.addStretch(1)
        self.clear_btn = QPushButton("Clear")
        self.clear_btn.setObjectName("connectionLogClear")
        bar.addWidget(self.clear_btn)
        layout.addLayout(bar)
        self.text = QPlainTextEdit()
        self.text.setObjectName("connectionLog")
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(self.MAX_LINES)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(fixed_font())
        self.text.setCenterOnScroll(False)
        layout.addWidget(self.text, 1)
        self.clear_btn.clicked.connect(self.clear)
        self.endpoint_filter.currentIndexChanged.connect(lambda _i: self.rebuild())
        self.text_filter.textChanged.connect(lambda _t: self.rebuild())
        self.setWidget(body)
        self.lines = 0
        # (endpoint id, line, colour) of the last MAX_LINES lines, filtered or not
        self.entries: deque[tuple[str, str, str | None]] = deque(maxlen=self.MAX_LINES)
        # (endpoint, context) -> (error event, endpoint name, deadline): errors waiting to fold
        self.pending: dict[tuple[str, ContextKind | None], tuple[ErrorRaised, str, float]] = {}
        self.fold_timer = QTimer(self)
        self.fold_timer.setObjectName("logFoldTimer")
        self.fold_timer.setSingleShot(True)
        self.fold_timer.timeout.connect(self.flush_pending)
        self._update_shown()

    # ------------------------------------------------------------------ endpoints
    def set_endpoints(self, endpoints: dict) -> None:
        """Keep the endpoint combo in step with the session's endpoints (kept by id)."""
        combo = self.endpoint_filter
        wanted = [(ep_id, ep.name) for ep_id, ep in endpoints.items()]
        have = [(combo.itemData(i), combo.itemText(i)) for i in range(1, combo.count())]
        if wanted == have:
            return
        current = combo.currentData()
        combo.blockSignals(True)
        try:
            while combo.count() > 1:
                combo.removeItem(1)
            for ep_id, name in wanted:
                combo.addItem(name, ep_id)
            ix = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(0, ix))
        finally:
            combo.blockSignals(False)
        if current is not None and combo.currentData() != current:
            self.rebuild()  # the filtered endpoint is gone: back to every line

    # ------------------------------------------------------------------ events
    def add(self, ev: Event, endpoint_name: str) -> None:
        if isinstance(ev, Heartbeat) and ev.rtt_ms is not None and not self.heartbeats.isChecked():
            return
        key = (ev.endpoint, ev.context)
        held = self.pending.pop(key, None)
        if held is not None:
            err, err_name, _deadline = held
            folded = self._fold(err, ev)
            if folded is not None:
                word, text = folded
                where = self._where(err_name, ev.context)
                self._write(ev.endpoint, f"{self._stamp(err.ts)}  {word:<9} {where}: {text}",
                            theme.colors().error_text)
                return
            self._write_event(err, err_name)
        if isinstance(ev, ErrorRaised) and ev.context is not None:
            self.pending[key] = (ev, endpoint_name, time.monotonic() + self.FOLD_WAIT_MS / 1000)
            if not self.fold_timer.isActive():
                self.fold_timer.start(self.FOLD_WAIT_MS)
            return
        self._write_event(ev, endpoint_name)

    @staticmethod
    def _fold(err: ErrorRaised, ev: Event) -> tuple[str, str] | None:
        """(word, text) of the one line for ``err`` followed by the state change ``ev``, or
        None if they are not about the same failure."""
        if not isinstance(ev, StateChanged) or ev.new not in FOLD_INTO:
            return None
        reason = ev.reason or ""
        if not err.text or err.text not in reason:
            return None
        if err.count > 1:
            reason += f" (x{err.count})"
        word = FOLD_INTO[ev.new]
        if ev.new is not ConnState.RECONNECTING:
            return word, reason
        if ev.retry_in is not None:
            # the core says "retry in 1.0 s: <error>": keep one countdown, the precise one
            prefix, sep, rest = reason.partition(": ")
            if sep and prefix.startswith("retry in ") and prefix.endswith(" s"):
                reason = rest
            return word, f"retry in {ev.retry_in:.1f} s: {reason}"
        return word, reason

    def flush_pending(self) -> None:
        """Write the errors whose wait is over (all of them if the window is going)."""
        now = time.monotonic()
        for key, (err, name, deadline) in list(self.pending.items()):
            if deadline <= now:
                del self.pending[key]
                self._write_event(err, name)
        if self.pending:
            left = min(d for _e, _n, d in self.pending.values()) - now
            self.fold_timer.start(max(1, int(left * 1000) + 1))

    def flush_all(self) -> None:
        for err, name, _deadline in list(self.pending.values()):
            self._write_event(err, name)
        self.pending.clear()
        self.fold_timer.stop()

    @staticmethod
    def _stamp(t: float) -> str:
        return time.strftime("%H:%M:%S", time.localtime(t)) + f".{int((t % 1) * 1000):03d}"

    @staticmethod
    def _where(endpoint_name: str, context: ContextKind | None, sep: str = " / ") -> str:
        return endpoint_name + (f"{sep}{context_label(context)}" if context is not None else "")

    @staticmethod
    def _word(ev: Event) -> str:
        """The line's second column: what happened."""
        match ev:
            case StateChanged(new=ConnState.RECONNECTING):
                return "reconnect"
            case StateChanged(new=ConnState.FAILED):
                return "failed"
            case ObserverFailed():
                return "bug"
            case _:
                return ev.name

    def _write_event(self, ev: Event, endpoint_name: str) -> None:
        word = self._word(ev)
        line = f"{self._stamp(ev.ts)}  {word:<9} {self._where(endpoint_name, ev.context)}: {ev.message}"
        colour = None
        c = theme.colors()
        match ev:
            case ErrorRaised() | ObserverFailed() | Heartbeat(rtt_ms=None) | StateChanged(new=ConnState.FAILED):
                colour = c.error_text
            case StateChanged(new=ConnState.RECONNECTING):
                colour = theme.pill_colors(ContextStatus.RECONNECTING)[0]
            case HandshakeDone():
                colour = theme.pill_colors(ContextStatus.READY)[0] if not c.dark else "#81c784"
        self._write(ev.endpoint, line, colour)

    def _write(self, endpoint_id: str, line: str, colour: str | None) -> None:
        self.entries.append((endpoint_id, line, colour))
        self.lines += 1
        if self._matches(endpoint_id, line):
            bar = self.text.verticalScrollBar()
            at_bottom = bar.value() >= bar.maximum() - 2
            self._append(line, colour)
            if at_bottom:
                bar.setValue(bar.maximum())
                self.text.horizontalScrollBar().setValue(0)
        self._update_shown()

    def _append(self, line: str, colour: str | None) -> None:
        style = "white-space:pre;" + (f"color:{colour};" if colour else "")
        self.text.appendHtml(f'<span style="{style}">{html.escape(line)}</span>')

    # ------------------------------------------------------------------ filters
    def filtering(self) -> bool:
        return self.endpoint_filter.currentData() is not None or bool(self.text_filter.text())

    def _matches(self, endpoint_id: str, line: str) -> bool:
        want = self.endpoint_filter.currentData()
        if want is not None and endpoint_id != want:
            return False
        needle = self.text_filter.text().casefold()
        return not needle or needle in line.casefold()

    def rebuild(self) -> None:
        """Show the kept lines that pass the filters (low rate: a rebuild is cheap)."""
        self.text.setUpdatesEnabled(False)
        try:
            self.text.clear()
            cursor = QTextCursor(self.text.document())  # 5x faster than appendHtml per line
            cursor.beginEditBlock()
            first = True
            for endpoint_id, line, colour in self.entries:
                if self._matches(endpoint_id, line):
                    if not first:
                        cursor.insertBlock()
                    first = False
                    fmt = QTextCharFormat()
                    if colour:
                        fmt.setForeground(QColor(colour))
                    cursor.insertText(line, fmt)
            cursor.endEditBlock()
        finally:
            self.text.setUpdatesEnabled(True)
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())
        self.text.horizontalScrollBar().setValue(0)
        self._update_shown()

    def _update_shown(self) -> None:
        if self.filtering():
            shown = sum(1 for e, line, _c in self.entries if self._matches(e, line))
            self.shown_label.setText(f"{shown:,} of {len(self.entries):,} lines")
        else:
            self.shown_label.setText("")

    def clear(self) -> None:
        self.flush_all()
        self.entries.clear()
        self.text.clear()
        self._update_shown()

    def visible_lines(self) -> list[str]:
        text = self.text.toPlainText()
        return text.split("\n") if text else []

    def plain_text(self) -> str:
        return self.text.toPlainText()
