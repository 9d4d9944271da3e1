"""The main window: endpoints on the left, the selected endpoint in the middle, logs docked below.

The window observes the core through ``session.subscribe`` (state, handshake, heartbeat, error,
log and endpoint events; low rate) and reads everything that moves (heartbeats, countdowns,
totals) from one 1 Hz ``QTimer``. Pushes are the push log dock's business (its own flush timer).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from opendeck.core import config
from opendeck.core.events import (
    ConnState,
    EndpointsChanged,
    ErrorRaised,
    Event,
    HandshakeDone,
    Notice,
    ObserverFailed,
    StateChanged,
)
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QSplitter, QStackedWidget

from . import about, errors, menus, paths, theme
from .connlog import ConnectionLogDock
from .endpoint_actions import EndpointActions
from .endpoint_panel import EndpointPanel
from .endpoints import EndpointListModel, EndpointListPanel
from .notify import DropNotifier
from .pushlog import PushLogDock
from .statebook import StateBook
from .widgets import async_slot, running_tasks, spawn

STATE_VERSION = 4  # bump when the dock set changes, so an old saved layout is ignored
LOG_SHARE = 0.5  # the push log dock's default share of the window's height (the cards fold)
LOG_MIN_HEIGHT = 240


class MainWindow(EndpointActions, QMainWindow):
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
            settings = QSettings(str(paths.window_settings_path()), QSettings.Format.IniFormat)
        self.settings = settings
        self.notifier = DropNotifier(self, enabled=_truthy(settings.value("notifyDrops", True)),
                                     demo=_truthy(settings.value("notifyDemo", False)))
        self.book = StateBook(session)
        folded = settings.value("foldedCards", []) or []
        self.folds: dict[str, bool] = {k: True for k in ([folded] if isinstance(folded, str) else folded)}
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
        self.market_dock = self._make_market_dock()
        self.pushlog.raise_()
        self._log_height: int | None = None  # the dock height we last applied (see _apply_log_height)
        self.resizeDocks([self.pushlog], [self.default_log_height()], Qt.Orientation.Vertical)
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

    def _make_market_dock(self) -> QDockWidget | None:
        """The watchlist / ladder / tape (gui/market), tabbed with the logs. Its widget is built
        the first time the tab is shown and then flushed on the push log's timer
        (``flush_hooks``: no signal per push)."""
        try:
            from . import market  # noqa: F401 - is it there at all?
        except ImportError:
            return None
        self.market = None
        dock = QDockWidget("Watchlist", self)
        dock.setObjectName("watchlistDock")
        hint = QLabel("The watchlist starts when you first open this tab.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        dock.setWidget(hint)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.tabifyDockWidget(self.connlog, dock)
        dock.visibilityChanged.connect(self._market_shown)
        return dock

    def show_watchlist(self) -> bool:
        """Raise the Watchlist tab (building its view now); False if there is none."""
        if self.market_dock is None:
            return False
        self.market_dock.show()
        self.market_dock.raise_()
        self._market_shown(True)
        return self.market is not None

    def _market_shown(self, visible: bool) -> None:
        if not visible or self.market is not None or self.shut_down:
            return
        try:
            from .market import MarketDock
            self.market = MarketDock(self.session)
        except Exception as exc:  # noqa: BLE001 - the window works without it; say why
            self.market_dock.widget().setText(f"The watchlist is not available: "
                                              f"{type(exc).__name__}: {exc}")
            return
        self.market_dock.setWidget(self.market)
        self.pushlog.flush_hooks.append(self._flush_market)

    def _flush_market(self) -> None:
        try:
            self.market.poll()
        except Exception as exc:  # one report, then the push log goes on without it
            self.pushlog.flush_hooks.remove(self._flush_market)
            errors.report(exc, "in the watchlist's flush (stopped; the push log goes on)")

    def _set_notify(self, on: bool) -> None:
        self.notifier.enabled = bool(on)
        self.settings.setValue("notifyDrops", bool(on))

    def _theme_changed(self, *_: Any) -> None:
        self.update()

    # ======================================================================== actions
    def _make_actions(self) -> None:
        menus.make_actions(self)

    def _make_menus(self) -> None:
        menus.make_menus(self)

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
        saved = str(self.settings.value("pushLogHeight", "") or "")
        self._user_log_height = int(saved) if saved.isdigit() and int(saved) > 0 else None
        hb = self.settings.value("logHeartbeats", False)
        self.connlog.heartbeats.setChecked(str(hb).lower() in ("true", "1"))

    def save_layout(self) -> None:
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState(STATE_VERSION))
        s.setValue("endpointsWidth", self.splitter.sizes()[0])
        h = self.log_height()
        if h is not None and self._log_height is not None and abs(h - self._log_height) > 4:
            s.setValue("pushLogHeight", h)  # the user dragged it: theirs from now on
        s.setValue("selected", self.current_id() or "")
        s.setValue("logHeartbeats", self.connlog.heartbeats.isChecked())
        s.setValue("rateChart", self.pushlog.rate_button.isChecked())
        s.setValue("notifyDrops", self.notifier.enabled)
        s.setValue("foldedCards", sorted(self.folds))
        s.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, STATE_VERSION)
        self.pushlog.show()
        self.connlog.show()
        if self.market_dock is not None:
            self.market_dock.show()
        self.splitter.setSizes([250, max(400, self.width() - 250)])
        self.settings.remove("pushLogHeight")
        self._user_log_height = None
        self._apply_log_height()

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
            panel = EndpointPanel(self.session, self.book, endpoint_id, folds=self.folds)
            panel.edit_requested.connect(self._edit_field)
            panel.profile_changed.connect(lambda _id: self.save_profiles())
            self.panels[endpoint_id] = panel
            self.stack.addWidget(panel)
        return panel

    def _edit_field(self, endpoint_id: str, field: str) -> None:
        self.select(endpoint_id)
        self.edit_endpoint(field)

    def current_panel(self) -> EndpointPanel | None:
        w = self.stack.currentWidget()
        return w if isinstance(w, EndpointPanel) else None

    # ======================================================================== events
    def _on_event(self, ev: Event) -> None:
        """Session listener: cheap, synchronous. Heartbeats only touch the log and their card."""
        if self.shut_down:
            return
        try:
            ep = self.session.endpoints.get(ev.endpoint)
            name = ep.name if ep is not None else (ev.endpoint or "OpenDeck")
            self.connlog.add(ev, name)
            if isinstance(ev, EndpointsChanged):
                self._endpoints_changed(ev)
                return
            if isinstance(ev, StateChanged | ErrorRaised | Notice | ObserverFailed):
                self.model.refresh_states()
            panel = self.panels.get(ev.endpoint)
            if panel is not None:
                panel.on_event(ev)
            if isinstance(ev, StateChanged | HandshakeDone):
                self._update_status()
            if isinstance(ev, StateChanged):
                self.notifier.on_state(ev, name)
        except Exception as exc:  # a bug here must be seen, not swallowed by the session
            errors.report(exc, f"while handling the {ev.name} event {ev.message!r}")

    def _endpoints_changed(self, ev: EndpointsChanged) -> None:
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
        hs = s.all_handles()
        ready = sum(1 for h in hs if h.ready)
        opened = sum(1 for h in hs if h.state is not ConnState.CLOSED)
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
            if hasattr(card, "load_accounts") and card.handle is not None and card.handle.ready:
                await card.load_accounts()

    def focus_filter(self) -> None:
        self.pushlog.show()
        self.pushlog.raise_()
        self.pushlog.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.pushlog.text_edit.selectAll()

    def toggle_pause(self) -> None:
        self.pushlog.toggle_pause()

    # ======================================================================== help
    def about(self) -> QMessageBox:
        return about.about(self)

    def show_journal(self) -> None:
        about.show_journal(self)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_shown_once", False):  # sizes only make sense once laid out
            self._shown_once = True
            QTimer.singleShot(0, self._apply_left_width)
            QTimer.singleShot(0, self._apply_log_height)

    # the push log's height: a share of the window until the user drags it, then theirs
    def default_log_height(self) -> int:
        return max(LOG_MIN_HEIGHT, int(self.height() * LOG_SHARE))

    def log_height(self) -> int | None:
        """The bottom dock area's height (the push log's tab), None if it is not docked."""
        d = self.pushlog
        if d.isFloating() or not d.isVisible():
            return None
        return d.height()

    def _apply_log_height(self) -> None:
        if self.shut_down:
            return
        if self._user_log_height:  # the restored windowState holds the user's own height
            self._log_height = self.log_height() or self._user_log_height
            return
        want = min(self.default_log_height(), max(LOG_MIN_HEIGHT, self.height() - 200))
        self.resizeDocks([self.pushlog], [want], Qt.Orientation.Vertical)
        self._log_height = self.log_height() or want

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
        self.notifier.close()
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


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")
