"""The main window: endpoints on the left, the selected endpoint in the middle, logs docked below.

The window observes the core through ``session.subscribe`` (state, handshake, heartbeat, error,
log and endpoint events; low rate) and reads everything that moves (heartbeats, countdowns,
totals) from one 1 Hz ``QTimer``. Pushes are the push log dock's business (its own flush timer).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import platform
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (QAction, QColor, QGuiApplication, QKeySequence, QShortcut,
                           QTextCharFormat, QTextCursor)
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDockWidget, QFileDialog, QHBoxLayout,
                               QLabel, QLineEdit, QMainWindow, QMessageBox, QPlainTextEdit,
                               QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from opendeck.core import __version__, config
from opendeck.core.config import Endpoint
from opendeck.core.errors import ConfigError, OpenDeckError
from opendeck.core.session import CONTEXT_LABELS

from . import errors, theme
from .connections import EndpointPanel
from .endpoints import EndpointDialog, EndpointListModel, EndpointListPanel
from .pushlog import PushLogDock
from .widgets import StateBook, async_slot, fixed_font, running_tasks, spawn

STATE_VERSION = 3  # bump when the dock set changes, so an old saved layout is ignored
DEFAULT_CODES = "HK.00700, US.AAPL"
DEFAULT_SUBTYPES = ["basic", "ticker", "orderbook"]


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
        self.pending: dict[tuple[str, str], tuple[Any, str, float]] = {}
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
    def add(self, ev, endpoint_name: str) -> None:
        if ev.kind == "heartbeat" and ev.data.get("rtt_ms") is not None and not self.heartbeats.isChecked():
            return
        key = (ev.endpoint, ev.context)
        held = self.pending.pop(key, None)
        if held is not None:
            err, err_name, _deadline = held
            folded = self._fold(err, ev)
            if folded is not None:
                kind, text = folded
                where = self._where(err_name, ev.context)
                self._write(ev.endpoint, f"{self._stamp(err.time)}  {kind:<9} {where}: {text}",
                            theme.colors().error_text)
                return
            self._write_event(err, err_name)
        if ev.kind == "error" and ev.context:
            self.pending[key] = (ev, endpoint_name, time.monotonic() + self.FOLD_WAIT_MS / 1000)
            if not self.fold_timer.isActive():
                self.fold_timer.start(self.FOLD_WAIT_MS)
            return
        self._write_event(ev, endpoint_name)

    @staticmethod
    def _fold(err, ev) -> tuple[str, str] | None:
        """(kind, text) of the one line for ``err`` followed by the state change ``ev``, or None
        if they are not about the same failure."""
        if ev.kind != "state" or ev.data.get("new") not in ("reconnecting", "closed"):
            return None
        reason = str(ev.data.get("reason") or "")
        if not err.message or err.message not in reason:
            return None
        if ev.data["new"] == "closed":
            return "closed", reason
        retry = ev.data.get("retry_in")
        if retry is not None:
            # the core says "retry in 1.0 s: <error>": keep one countdown, the precise one
            prefix, sep, rest = reason.partition(": ")
            if sep and prefix.startswith("retry in ") and prefix.endswith(" s"):
                reason = rest
            return "reconnect", f"retry in {retry:.1f} s: {reason}"
        return "reconnect", reason

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
    def _where(endpoint_name: str, context: str, sep: str = " / ") -> str:
        return endpoint_name + (f"{sep}{CONTEXT_LABELS.get(context, context)}" if context else "")

    def _write_event(self, ev, endpoint_name: str) -> None:
        kind = ev.kind
        if kind == "state" and ev.data.get("new") == "reconnecting":
            kind = "reconnect"
        line = f"{self._stamp(ev.time)}  {kind:<9} {self._where(endpoint_name, ev.context)}: {ev.message}"
        colour = None
        c = theme.colors()
        if ev.kind == "error" or (ev.kind == "heartbeat" and ev.data.get("rtt_ms") is None):
            colour = c.error_text
        elif kind == "reconnect":
            colour = theme.pill_colors("reconnecting")[0]
        elif ev.kind == "handshake":
            colour = theme.pill_colors("ready")[0] if not c.dark else "#81c784"
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


class MainWindow(QMainWindow):
    """``MainWindow(session, profiles_path=..., settings=...)``; ``await window.shutdown()`` ends it."""

    closed = Signal()

    def __init__(self, session, *, profiles_path: Path | str | None = None,
                 settings: QSettings | None = None, save_profiles: bool = True,
                 journal_path: Path | str | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.session = session
        self.profiles_path = Path(profiles_path) if profiles_path else config.default_profiles_path()
        self.save_enabled = save_profiles
        self.journal_path = journal_path
        if settings is None:  # the app's own file (OPENDECK_CONFIG_DIR honoured)
            from .app import config_dir
            settings = QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)
        self.settings = settings
        self.book = StateBook(session)
        self.panels: dict[str, EndpointPanel] = {}
        self._dialogs: list[Any] = []
        self._shutdown_task: asyncio.Task | None = None
        self._closed_future: asyncio.Future | None = None
        self.shut_down = False
        self.setWindowTitle("OpenDeck")
        self.resize(1280, 800)

        self._make_actions()
        self.model = EndpointListModel(session, self.book, self)
        self.endpoint_panel = EndpointListPanel(self.model, self.actions_by_key, self)
        self.endpoint_list = self.endpoint_panel.view
        self.stack = QStackedWidget()
        self.stack.setObjectName("endpointStack")
        self.empty = QLabel("No endpoint selected.\n\nAdd one with Endpoint \u203a New (Ctrl+N).")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.endpoint_panel)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 1030])
        self.splitter.setChildrenCollapsible(False)
        self.endpoint_panel.setMinimumWidth(200)
        self.setCentralWidget(self.splitter)

        # the rate chart starts folded (800 px is not much height); its toggle is remembered
        self.pushlog = PushLogDock(session, self, rate_chart=False)
        self.pushlog.setObjectName("pushLogDock")
        self.connlog = ConnectionLogDock(session, self)
        self.setDockNestingEnabled(True)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.pushlog)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.connlog)
        # the push log needs the full width (filter bar, table, detail pane): tab the
        # connection log next to it; both can be dragged apart and the layout is remembered
        self.tabifyDockWidget(self.pushlog, self.connlog)
        self.pushlog.raise_()
        self.resizeDocks([self.pushlog], [270], Qt.Orientation.Vertical)
        self._make_menus()
        self._make_status_bar()

        self.endpoint_list.selectionModel().currentChanged.connect(self._on_current_changed)
        del_sc = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.endpoint_list)
        del_sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        del_sc.activated.connect(self.remove_endpoint)
        self.endpoint_list.doubleClicked.connect(lambda _i: self.edit_endpoint())

        self._default_state = self.saveState(STATE_VERSION)
        self._default_geometry = self.saveGeometry()
        self.restore_layout()

        self.connlog.set_endpoints(session.endpoints)
        self._unsubscribe = session.subscribe(self._on_event)
        self.timer = QTimer(self)
        self.timer.setObjectName("uiTick")
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

        self.model.reload()
        wanted = str(self.settings.value("selected", "") or "")
        ids = self.model.ids()
        if ids:
            self.select(wanted if wanted in ids else ids[0])
        self._update_actions()
        theme.notifier().changed.connect(self._theme_changed)

    def _theme_changed(self, *_: Any) -> None:
        self.update()

    # ======================================================================== actions
    def _action(self, key: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        a.setObjectName(f"action_{key}")
        if shortcut is not None:
            if isinstance(shortcut, list):
                a.setShortcuts(shortcut)
            else:
                a.setShortcut(shortcut)
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.actions_by_key[key] = a
        self.addAction(a)
        return a

    def _make_actions(self) -> None:
        self.actions_by_key: dict[str, QAction] = {}
        A, K, SK = self._action, QKeySequence, QKeySequence.StandardKey
        A("new", "&New\u2026", self.new_endpoint, K(SK.New), "Add an endpoint (Ctrl+N)")
        A("edit", "&Edit\u2026", self.edit_endpoint, K("F2"), "Edit the selected endpoint (F2)")
        A("duplicate", "D&uplicate", self.duplicate_endpoint, K("Ctrl+D"),
          "Copy the selected endpoint (Ctrl+D)")
        A("remove", "&Remove\u2026", self.remove_endpoint, None,
          "Remove the selected endpoint (Delete in the list)")
        A("import", "&Import\u2026", self.import_profiles, K("Ctrl+O"),
          "Add endpoints from a TOML profile file (Ctrl+O)")
        A("export", "E&xport\u2026", self.export_profiles, K("Ctrl+Shift+S"),
          "Save every endpoint to a TOML profile file (Ctrl+Shift+S)")
        A("connect_all", "&Connect all", self.connect_all,
          [K("Ctrl+Return"), K("Ctrl+Enter")], "Open every context of the selected endpoint (Ctrl+Enter)")
        A("disconnect_all", "&Disconnect all", self.disconnect_all,
          [K("Ctrl+Shift+Return"), K("Ctrl+Shift+Enter")],
          "Close every context of the selected endpoint (Ctrl+Shift+Enter)")
        A("refresh", "&Refresh", self.refresh, K("F5"),
          "Refresh global state, quota and accounts of the selected endpoint (F5)")
        A("quit", "&Quit", self.close, K("Ctrl+Q"), "Close every connection and quit (Ctrl+Q)")
        A("find", "&Filter pushes", self.focus_filter, K(SK.Find), "Focus the push log filter (Ctrl+F)")
        A("pause", "&Pause / resume push log", self.toggle_pause, K("Ctrl+P"),
          "Pause or resume the push log view (Ctrl+P; Space in the log table)")
        A("clear", "C&lear push log", lambda: self.pushlog.clear(), K("Ctrl+L"),
          "Clear the push log view; the journal keeps everything (Ctrl+L)")
        A("reset_layout", "Reset &layout", self.reset_layout, None, "Put the docks back where they started")
        A("about", "&About OpenDeck", self.about, None, "Versions of OpenDeck and its libraries")
        A("journal", "Show &journal location", self.show_journal, None)

    def _make_menus(self) -> None:
        a = self.actions_by_key
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([a["import"], a["export"]])
        m.addSeparator()
        m.addAction(a["journal"])
        m.addSeparator()
        m.addAction(a["quit"])
        m = mb.addMenu("&Endpoint")
        m.addActions([a["new"], a["edit"], a["duplicate"], a["remove"]])
        m.addSeparator()
        m.addActions([a["connect_all"], a["disconnect_all"], a["refresh"]])
        m = mb.addMenu("&View")
        m.addActions([a["find"], a["pause"], a["clear"]])
        m.addSeparator()
        m.addAction(self.pushlog.toggleViewAction())
        m.addAction(self.connlog.toggleViewAction())
        m.addAction(a["reset_layout"])
        m = mb.addMenu("&Help")
        m.addAction(a["about"])

    def _make_status_bar(self) -> None:
        sb = self.statusBar()
        sb.setObjectName("statusBar")
        self.status_conn = QLabel()
        self.status_conn.setObjectName("statusConnections")
        self.status_rate = QLabel()
        self.status_rate.setObjectName("statusRate")
        self.status_total = QLabel()
        self.status_total.setObjectName("statusTotal")
        self.status_journal = QLabel()
        self.status_journal.setObjectName("statusJournal")
        for w in (self.status_conn, self.status_rate, self.status_total, self.status_journal):
            sb.addPermanentWidget(w)
        self._update_status()

    def _update_actions(self) -> None:
        has = self.current_id() is not None
        for key in ("edit", "duplicate", "remove", "connect_all", "disconnect_all", "refresh"):
            self.actions_by_key[key].setEnabled(has)

    # ======================================================================== layout
    def restore_layout(self) -> None:
        geo = self.settings.value("geometry")
        if isinstance(geo, QByteArray | bytes) and geo:
            self.restoreGeometry(QByteArray(geo))
        state = self.settings.value("windowState")
        if isinstance(state, QByteArray | bytes) and state:
            self.restoreState(QByteArray(state), STATE_VERSION)
        left = self.settings.value("endpointsWidth")
        self._left_width = int(left) if str(left or "").isdigit() else 250
        if str(self.settings.value("rateChart", False)).lower() in ("true", "1"):
            self.pushlog.rate_button.setChecked(True)
        hb = self.settings.value("logHeartbeats", False)
        self.connlog.heartbeats.setChecked(str(hb).lower() in ("true", "1"))

    def save_layout(self) -> None:
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState(STATE_VERSION))
        s.setValue("endpointsWidth", self.splitter.sizes()[0])
        s.setValue("selected", self.current_id() or "")
        s.setValue("logHeartbeats", self.connlog.heartbeats.isChecked())
        s.setValue("rateChart", self.pushlog.rate_button.isChecked())
        s.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, STATE_VERSION)
        self.pushlog.show()
        self.connlog.show()
        self.splitter.setSizes([250, max(400, self.width() - 250)])

    # ======================================================================== selection
    def current_id(self) -> str | None:
        ix = self.endpoint_list.currentIndex()
        if not ix.isValid():
            return None
        return ix.data(Qt.ItemDataRole.UserRole + 1)

    def select(self, endpoint_id: str) -> None:
        row = self.model.row_of(endpoint_id)
        if row >= 0:
            self.endpoint_list.setCurrentIndex(self.model.index(row))

    def _on_current_changed(self, current, _previous) -> None:
        ep_id = current.data(Qt.ItemDataRole.UserRole + 1) if current.isValid() else None
        if ep_id is None or ep_id not in self.session.endpoints:
            self.stack.setCurrentWidget(self.empty)
            self.setWindowTitle("OpenDeck")
        else:
            panel = self.panel_for(ep_id)
            self.stack.setCurrentWidget(panel)
            panel.tick()
            self.setWindowTitle(f"OpenDeck \u2014 {self.session.endpoints[ep_id].name}")
        self._update_actions()

    def panel_for(self, endpoint_id: str) -> EndpointPanel:
        panel = self.panels.get(endpoint_id)
        if panel is None:
            panel = EndpointPanel(self.session, self.book, endpoint_id)
            self.panels[endpoint_id] = panel
            self.stack.addWidget(panel)
        return panel

    def current_panel(self) -> EndpointPanel | None:
        w = self.stack.currentWidget()
        return w if isinstance(w, EndpointPanel) else None

    # ======================================================================== events
    def _on_event(self, ev) -> None:
        """Session listener: cheap, synchronous. Heartbeats only touch the log."""
        if self.shut_down:
            return
        try:
            ep = self.session.endpoints.get(ev.endpoint)
            name = ep.name if ep is not None else (ev.endpoint or "OpenDeck")
            self.connlog.add(ev, name)
            if ev.kind == "heartbeat":
                return
            if ev.kind == "endpoints":
                self.connlog.set_endpoints(self.session.endpoints)
                current = self.current_id()
                self.model.reload()  # a reset loses the current row: put it back
                if current in self.session.endpoints and self.current_id() != current:
                    self.select(current)
                elif self.current_id() is None and self.model.ids():
                    self.select(self.model.ids()[0])
                if ev.endpoint in self.panels:
                    if ev.endpoint in self.session.endpoints:
                        self.panels[ev.endpoint].on_event(ev)
                    else:
                        self._drop_panel(ev.endpoint)
                self._on_current_changed(self.endpoint_list.currentIndex(), None)
                return
            if ev.kind in ("state", "error", "log"):
                self.model.refresh_states()
            panel = self.panels.get(ev.endpoint)
            if panel is not None:
                panel.on_event(ev)
            if ev.kind in ("state", "handshake"):
                self._update_status()
        except Exception as exc:  # a bug here must be seen, not swallowed by the session
            errors.report(exc, f"while handling the {ev.kind} event {ev.message!r}")

    def _drop_panel(self, endpoint_id: str) -> None:
        panel = self.panels.pop(endpoint_id, None)
        if panel is not None:
            self.stack.removeWidget(panel)
            panel.deleteLater()

    def tick(self) -> None:
        """The one 1 Hz refresh: pills with countdowns, the visible panel, the status bar."""
        try:
            self.model.refresh_states()
            panel = self.current_panel()
            if panel is not None:
                panel.tick()
            self._update_status()
        except Exception as exc:
            self.timer.stop()  # one dialog, not one per second
            errors.report(exc, "in the 1 Hz refresh (stopped; restart OpenDeck)")

    def _update_status(self) -> None:
        s = self.session
        total = s.pushes.last_seq
        ready = sum(1 for h in s.handles.values() if h.state.value == "ready")
        opened = sum(1 for h in s.handles.values() if h.state.value != "closed")
        self.status_conn.setText(f"{ready}/{opened} contexts ready")
        # read only: the push log's 1 Hz tick is the one sampler of session.rates
        self.status_rate.setText(f"{s.rates.total:,.1f} pushes/s")
        self.status_total.setText(f"{total:,} pushes")
        j = s.journal
        if j is not None:
            err = f" \u2014 journal error: {j.error}" if getattr(j, "error", None) else ""
            self.status_journal.setText(f"journal backlog {j.backlog:,}{err}")
            self.status_journal.setToolTip(f"Every push and event is written to {j.path}")
        else:
            self.status_journal.setText("no journal")

    # ======================================================================== endpoint actions
    def _keep(self, dlg) -> None:
        self._dialogs.append(dlg)
        dlg.finished.connect(lambda _r: self._dialogs.remove(dlg) if dlg in self._dialogs else None)

    def new_endpoint(self) -> EndpointDialog:
        base = "Local OpenD"
        name, n = base, 2
        while self.session.name_taken(name):
            name, n = f"{base} {n}", n + 1
        dlg = EndpointDialog(Endpoint(name=name, contexts=["quote", "trade-sec"]), "New endpoint",
                             self, self.session.name_taken)
        dlg.accepted.connect(lambda: self._added(dlg.endpoint()))
        self._keep(dlg)
        dlg.open()
        return dlg

    def _added(self, ep: Endpoint) -> None:
        try:
            self.session.add_endpoint(ep)
        except ConfigError as exc:
            errors.show_problem(self, "Cannot add the endpoint", str(exc))
            return
        self.save_profiles()
        self.select(ep.id)

    def edit_endpoint(self) -> EndpointDialog | None:
        ep_id = self.current_id()
        if ep_id is None:
            return None
        ep = self.session.endpoints[ep_id]
        dlg = EndpointDialog(ep.copy(contexts=list(ep.contexts)), f"Edit {ep.name}", self,
                             lambda name: self.session.name_taken(name, except_id=ep_id))
        dlg.accepted.connect(lambda: self._edited(dlg.endpoint()))
        self._keep(dlg)
        dlg.open()
        return dlg

    def _edited(self, ep: Endpoint) -> None:
        try:
            self.session.update_endpoint(ep)
        except ConfigError as exc:
            errors.show_problem(self, "Cannot save the endpoint", str(exc))
            return
        self.save_profiles()
        if any(e == ep.id and h.state.value != "closed" for (e, _k), h in self.session.handles.items()):
            self.statusBar().showMessage("Saved. Open contexts keep their settings until you "
                                         "disconnect and connect them again.", 8000)

    def duplicate_endpoint(self) -> None:
        ep_id = self.current_id()
        if ep_id is None:
            return
        ep = self.session.endpoints[ep_id].duplicate()
        n = 2
        while self.session.name_taken(ep.name):
            ep.name = f"{self.session.endpoints[ep_id].name} (copy {n})"
            n += 1
        self._added(ep)

    def remove_endpoint(self) -> QMessageBox | None:
        ep_id = self.current_id()
        if ep_id is None:
            return None
        ep = self.session.endpoints[ep_id]
        box = QMessageBox(QMessageBox.Icon.Question, "Remove endpoint",
                          f"Remove {ep.name!r}? Its open connections are closed.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("removeBox")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: spawn(self._remove(ep_id), name="remove-endpoint"))
        self._keep(box)
        box.open()
        return box

    async def _remove(self, ep_id: str) -> None:
        if ep_id not in self.session.endpoints:
            return
        await self.session.remove_endpoint(ep_id)
        self._drop_panel(ep_id)
        self.save_profiles()
        ids = self.model.ids()
        if ids:
            self.select(ids[0])

    def import_profiles(self) -> QFileDialog:
        dlg = QFileDialog(self, "Import endpoint profiles")
        dlg.setObjectName("importDialog")
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.setNameFilters(["OpenDeck profiles (*.toml)", "All files (*)"])
        dlg.fileSelected.connect(self.import_file)
        self._keep(dlg)
        dlg.open()
        return dlg

    def import_file(self, path: str) -> int:
        try:
            text = Path(path).read_text(encoding="utf-8")
            eps = config.loads(text, path)
        except (OSError, ConfigError) as exc:
            errors.show_problem(self, "Import failed", str(exc))
            return 0
        added = 0
        for ep in eps:
            if ep.id in self.session.endpoints:
                ep = ep.copy(id=Endpoint(name="x").id)
            base, n = ep.name, 2
            while self.session.name_taken(ep.name):
                ep.name = f"{base} ({n})"
                n += 1
            try:
                self.session.add_endpoint(ep)
            except ConfigError as exc:
                errors.show_problem(self, "Import: endpoint skipped", str(exc))
                continue
            added += 1
        self.save_profiles()
        self.statusBar().showMessage(f"Imported {added} endpoint(s) from {path}", 8000)
        return added

    def export_profiles(self) -> QFileDialog:
        dlg = QFileDialog(self, "Export endpoint profiles")
        dlg.setObjectName("exportDialog")
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setNameFilter("OpenDeck profiles (*.toml)")
        dlg.setDefaultSuffix("toml")
        dlg.selectFile("opendeck-endpoints.toml")
        dlg.fileSelected.connect(self.export_file)
        self._keep(dlg)
        dlg.open()
        return dlg

    def export_file(self, path: str) -> bool:
        try:
            config.save(list(self.session.endpoints.values()), path)
        except OSError as exc:
            errors.show_problem(self, "Export failed", f"cannot write {path}: {exc.strerror or exc}")
            return False
        self.statusBar().showMessage(f"Exported {len(self.session.endpoints)} endpoint(s) to {path}", 8000)
        return True

    def save_profiles(self) -> None:
        if not self.save_enabled:
            return
        try:
            config.save(list(self.session.endpoints.values()), self.profiles_path)
        except OSError as exc:
            errors.show_problem(self, "Cannot save the endpoints",
                                f"cannot write {self.profiles_path}: {exc.strerror or exc}")

    # ======================================================================== connection actions
    @async_slot()
    async def connect_all(self) -> None:
        panel = self.current_panel()
        if panel is not None:
            await panel.connect_all()

    @async_slot()
    async def disconnect_all(self) -> None:
        panel = self.current_panel()
        if panel is not None:
            await panel.disconnect_all()

    @async_slot()
    async def refresh(self) -> None:
        panel = self.current_panel()
        if panel is None:
            return
        await panel.refresh_global()
        for card in list(panel.cards.values()):
            if hasattr(card, "refresh_quota"):
                await card.refresh_quota()
            if hasattr(card, "load_accounts") and card.handle is not None \
                    and card.handle.state.value == "ready":
                await card.load_accounts()

    async def autostart(self, endpoint_id: str, codes: str = DEFAULT_CODES,
                        subtypes: list[str] | None = None, timeout: float = 15.0) -> None:
        """Connect every context of an endpoint, subscribe a few securities and account pushes
        (first start on the demo gateway, and the self-test)."""
        panel = self.panel_for(endpoint_id)
        self.select(endpoint_id)
        await panel.connect_all()
        quote = panel.cards.get("quote")
        if quote is not None and quote.handle is not None:
            with contextlib.suppress(OpenDeckError):
                await quote.handle.conn.wait_ready(timeout)
                await quote.subscribe(codes, subtypes or DEFAULT_SUBTYPES)
        for key in ("trade-sec", "trade-future"):
            card = panel.cards.get(key)
            if card is not None and card.handle is not None:
                with contextlib.suppress(OpenDeckError):
                    await card.handle.conn.wait_ready(timeout)
                    if await card.load_accounts():
                        await card.sub_acc_push(None)

    def focus_filter(self) -> None:
        self.pushlog.show()
        self.pushlog.raise_()
        self.pushlog.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.pushlog.text_edit.selectAll()

    def toggle_pause(self) -> None:
        self.pushlog.toggle_pause()

    # ======================================================================== help
    def about(self) -> QMessageBox:
        box = QMessageBox(self)
        box.setObjectName("aboutBox")
        box.setWindowTitle("About OpenDeck")
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        info = versions()
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>&nbsp;{html.escape(v)}</td></tr>"
                       for k, v in info.items())
        journal = str(self.session.journal.path) if self.session.journal else "off for this run"
        paths = "".join(f"<li>{html.escape(k)}: <code>{html.escape(v)}</code></li>" for k, v in (
            ("Profiles", str(self.profiles_path)), ("Window settings", self.settings.fileName()),
            ("Journal", journal)))
        box.setText(f"<h3>OpenDeck {html.escape(__version__)}</h3>"
                    "<p>Connection manager and live push monitor for Futu / moomoo OpenD gateways.</p>"
                    f"<table>{rows}</table><p><b>Files</b></p><ul>{paths}</ul>")
        copy = box.addButton("Copy versions", QMessageBox.ButtonRole.ActionRole)
        copy.setObjectName("copyVersionsButton")
        box.addButton(QMessageBox.StandardButton.Ok)
        text = "\n".join(f"{k}: {v}" for k, v in info.items())
        text += f"\nProfiles: {self.profiles_path}\nJournal: {journal}"
        copy.setToolTip("Copy the versions and paths (for a bug report) and close")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(text))
        self._keep(box)
        box.open()
        return box

    def show_journal(self) -> None:
        j = self.session.journal
        text = (f"This run's pushes and events are written to\n{j.path}\n\nExport them from the push "
                "log (Export JSONL / CSV).") if j else "The journal is off for this run."
        box = QMessageBox(QMessageBox.Icon.Information, "Journal", text, QMessageBox.StandardButton.Ok, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._keep(box)
        box.open()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_shown_once", False):  # sizes only make sense once laid out
            self._shown_once = True
            QTimer.singleShot(0, self._apply_left_width)

    def _apply_left_width(self) -> None:
        total = self.splitter.width()
        left = min(self._left_width, max(200, total - 400))
        self.splitter.setSizes([left, max(1, total - left)])

    # ======================================================================== shutdown
    def closeEvent(self, event) -> None:
        if self.shut_down:
            event.accept()
            return
        event.ignore()
        self.start_shutdown()

    def start_shutdown(self) -> asyncio.Task | None:
        if self._shutdown_task is None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # no running loop (e.g. torn down by a test harness): just close
                self.shut_down = True
                self._unsubscribe()
                self.connlog.flush_all()
                self.close()
                return None
            self._shutdown_task = spawn(self.shutdown(), name="shutdown")
        return self._shutdown_task

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Save the layout, close every connection (bounded), then close the window."""
        if self.shut_down:
            return
        self.save_layout()
        self.timer.stop()
        self.statusBar().showMessage("Closing connections\u2026")
        self.centralWidget().setEnabled(False)
        me = asyncio.current_task()
        others = [t for t in running_tasks() if t is not me]
        for t in others:
            t.cancel()
        if others:
            await asyncio.wait(others, timeout=1.0)
        try:
            await asyncio.wait_for(self.session.aclose(), timeout)
        except TimeoutError:
            print(f"opendeck: connections did not close within {timeout:g} s; quitting anyway",
                  file=sys.stderr)
        self.shut_down = True
        self._unsubscribe()
        self.connlog.flush_all()
        self.pushlog.timer.stop()
        self.close()
        self.closed.emit()
        if self._closed_future is not None and not self._closed_future.done():
            self._closed_future.set_result(None)

    async def wait_closed(self) -> None:
        if self.shut_down:
            return
        if self._closed_future is None:
            self._closed_future = asyncio.get_running_loop().create_future()
        await self._closed_future


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    try:
        qasync_version = version("qasync")  # qasync has no __version__ attribute
    except PackageNotFoundError:  # pragma: no cover - a frozen build without metadata
        qasync_version = "?"
    out = {"OpenDeck": __version__, "Python": platform.python_version(),
           "Qt": qVersion(), "PySide6": pyside_version, "qasync": qasync_version}
    try:
        from google.protobuf import __version__ as pb_version
        out["protobuf"] = pb_version
    except ImportError:  # pragma: no cover
        out["protobuf"] = "missing"
    try:
        import pyqtgraph
        out["pyqtgraph"] = pyqtgraph.__version__
    except ImportError:  # pragma: no cover
        out["pyqtgraph"] = "missing"
    out["Platform"] = f"{platform.system()} {platform.release()} ({platform.machine()})"
    return out
