"""The middle panel: the selected endpoint's contexts, one card each.

A card shows the context's state pill with connect / disconnect / retry-now, the InitConnect
result (AES key masked, with reveal and copy), the heartbeats (last sent / acknowledged, missed,
"last received N s ago", an RTT chart) and what the context does: subscriptions for quote,
accounts / unlock / account pushes / a simulated order for trade.

Nothing here refreshes per event except state and handshake changes (rare); the figures that
move are re-read from the core by the window's single 1 Hz timer through :meth:`EndpointPanel.tick`.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QFrame, QGridLayout, QHBoxLayout, QHeaderView, QInputDialog,
                               QLabel, QLineEdit, QPushButton, QScrollArea, QSizePolicy,
                               QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout,
                               QWidget)

from opendeck.core import codes
from opendeck.core.client.connection import State
from opendeck.core.errors import OpenDeckError
from opendeck.core.session import CONTEXT_LABELS

from . import theme
from .endpoints import describe
from .widgets import (RttChart, SecretField, StateBook, StatePill, async_slot, fmt_ago, fmt_clock,
                      fmt_ms, spawn)

QUOTE_SUBTYPES = ["basic", "ticker", "orderbook", "kl_1m", "rt", "broker"]
DEFAULT_SUBTYPES = {"basic", "ticker", "orderbook"}
DASH = "\u2014"
GLOBAL_MARKETS = [("marketHK", "HK"), ("marketUS", "US"), ("marketSH", "SH"), ("marketSZ", "SZ"),
                  ("marketHKFuture", "HK fut"), ("marketUSFuture", "US fut"),
                  ("marketSGFuture", "SG fut"), ("marketJPFuture", "JP fut")]


def _bold(label: QLabel, scale: float = 1.0) -> QLabel:
    f = label.font()
    f.setBold(True)
    if scale != 1.0:
        f.setPointSizeF(f.pointSizeF() * scale)
    label.setFont(f)
    return label


def _value_label(name: str) -> QLabel:
    lab = QLabel(DASH)
    lab.setObjectName(name)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


def _section(title: str) -> QLabel:
    lab = QLabel(title)
    _bold(lab)
    return lab


def _compact_form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(3)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class Message(QLabel):
    """An inline status line: muted for information, red for problems."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = False
        theme.notifier().changed.connect(self._style)

    def show_text(self, text: str, error: bool = False) -> None:
        self.error = error
        self.setText(text)
        self.setToolTip(text if len(text) > 80 else "")
        self._style()

    def _style(self, *_: Any) -> None:
        c = theme.colors()
        self.setStyleSheet(f"color: {c.error_text if self.error else c.muted};")


# ------------------------------------------------------------------------------ cards

class ContextCard(QFrame):
    """One context of the endpoint: state, handshake, heartbeats, and a body per kind."""

    def __init__(self, panel: EndpointPanel, key: str) -> None:
        super().__init__()
        self.panel = panel
        self.session = panel.session
        self.endpoint_id = panel.endpoint_id
        self.key = key
        self.setObjectName(f"card_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 10)
        outer.setSpacing(6)

        # header: title, pill, message, buttons
        head = self.head_layout = QHBoxLayout()
        head.setSpacing(8)
        self.fold = QToolButton()
        self.fold.setObjectName("foldButton")
        self.fold.setAutoRaise(True)
        self.fold.setCheckable(True)
        self.fold.setChecked(True)
        self.fold.setArrowType(Qt.ArrowType.DownArrow)
        self.fold.setToolTip("Show or hide the details of this context")
        self.fold.toggled.connect(self._folded)
        head.addWidget(self.fold)
        self.title = _bold(QLabel(CONTEXT_LABELS.get(key, key)), 1.1)
        head.addWidget(self.title)
        self.pill = StatePill()
        head.addWidget(self.pill)
        # (the pill itself counts down "reconnecting N s": no second countdown label)
        self.summary = QLabel()
        self.summary.setObjectName("cardSummary")
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # the summary may be clipped, never the buttons: it gives up its width first
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setMinimumWidth(0)
        head.addWidget(self.summary, 1)
        self.retry = QPushButton("Retry now")
        self.retry.setObjectName("retryButton")
        self.retry.setToolTip("Skip the rest of the reconnect countdown")
        self.retry.clicked.connect(self.retry_now)
        head.addWidget(self.retry)
        self.connect_btn = QPushButton("Connect")
        self.connect_btn.setObjectName("connectButton")
        self.connect_btn.clicked.connect(self.on_connect)
        head.addWidget(self.connect_btn)
        self.disconnect_btn = QPushButton("Disconnect")
        self.disconnect_btn.setObjectName("disconnectButton")
        self.disconnect_btn.clicked.connect(self.on_disconnect)
        head.addWidget(self.disconnect_btn)
        outer.addLayout(head)
        self.message = Message("cardMessage")
        self.message.setVisible(False)
        self._reason_shown = ""
        outer.addWidget(self.message)

        # body: handshake | heartbeats | kind-specific, in a grid that reflows when the
        # panel is narrow (see set_columns: 3 columns, 2 + 1 below, or 1)
        self.body = QWidget()
        self.body_grid = QGridLayout(self.body)
        self.body_grid.setContentsMargins(0, 0, 0, 0)
        self.body_grid.setHorizontalSpacing(16)
        self.body_grid.setVerticalSpacing(10)
        self.hs_box = QWidget()
        self.hs_box.setObjectName("handshakeBox")
        self.hb_box = QWidget()
        self.hb_box.setObjectName("heartbeatBox")
        self.extra_box = QWidget()
        self.extra_box.setObjectName("extraBox")

        hs = QVBoxLayout(self.hs_box)
        hs.setContentsMargins(0, 0, 0, 0)
        hs.setSpacing(4)
        hs.addWidget(_section("Handshake"))
        form = _compact_form()
        self.hs: dict[str, QLabel] = {}
        for field, label in (("server_ver", "Server version"), ("login_user_id", "Login user id"),
                             ("conn_id", "Connection id"), ("keepalive", "Keepalive"),
                             ("encryption", "Encryption"), ("user_attribution", "User attribution"),
                             ("timing", "Connect / handshake")):
            self.hs[field] = _value_label(f"hs_{field}")
            form.addRow(label + ":", self.hs[field])
        self.aes = SecretField()
        self.aes.setObjectName("aesKey")
        form.addRow("AES key:", self.aes)
        hs.addLayout(form)
        hs.addStretch(1)

        hb = QVBoxLayout(self.hb_box)
        hb.setContentsMargins(0, 0, 0, 0)
        hb.setSpacing(4)
        hb.addWidget(_section("Heartbeats"))
        hform = _compact_form()
        self.hb: dict[str, QLabel] = {}
        for field, label in (("sent", "Last sent / ack"), ("rtt", "RTT last / avg"),
                             ("missed", "Missed beats"), ("received", "Last received"),
                             ("pushes", "Pushes")):
            self.hb[field] = _value_label(f"hb_{field}")
            hform.addRow(label + ":", self.hb[field])
        hb.addLayout(hform)
        # the chart (pyqtgraph) is built when the context first connects: a window whose
        # contexts are all closed opens without importing it
        self.chart: RttChart | None = None
        self.chart_box = QWidget()
        self.chart_box.setObjectName("rttChartBox")
        QVBoxLayout(self.chart_box).setContentsMargins(0, 0, 0, 0)
        self.chart_box.setMinimumWidth(180)
        self.chart_box.setFixedHeight(108)
        hb.addWidget(self.chart_box)
        hb.addStretch(1)

        self.extra = QVBoxLayout(self.extra_box)
        self.extra.setContentsMargins(0, 0, 0, 0)
        self.extra.setSpacing(4)
        self.columns = 0
        self.set_columns(3)
        outer.addWidget(self.body)
        self._last_state: tuple = ()
        self._hs_at: float | None = None
        self.refresh_state()

    def set_columns(self, n: int) -> None:
        """Lay the body out in ``n`` columns: 3 side by side; 2 with the context's own section
        below them; 1 stacked. The panel picks ``n`` from the width it has."""
        n = max(1, min(3, n))
        if n == self.columns:
            return
        self.columns = n
        grid = self.body_grid
        for w in (self.hs_box, self.hb_box, self.extra_box):
            grid.removeWidget(w)
        for c in range(3):
            grid.setColumnStretch(c, 0)
        if n == 3:
            grid.addWidget(self.hs_box, 0, 0)
            grid.addWidget(self.hb_box, 0, 1)
            grid.addWidget(self.extra_box, 0, 2)
            for c, stretch in enumerate((4, 4, 5)):
                grid.setColumnStretch(c, stretch)
        elif n == 2:
            grid.addWidget(self.hs_box, 0, 0)
            grid.addWidget(self.hb_box, 0, 1)
            grid.addWidget(self.extra_box, 1, 0, 1, 2)
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(1, 1)
        else:
            grid.addWidget(self.hs_box, 0, 0)
            grid.addWidget(self.hb_box, 1, 0)
            grid.addWidget(self.extra_box, 2, 0)
            grid.setColumnStretch(0, 1)

    def needed_width(self) -> int:
        """The narrowest this card can be with its current columns (hidden body included)."""
        m = self.layout().contentsMargins()
        inner = max(self.head_layout.minimumSize().width(), self.body_grid.minimumSize().width())
        return inner + m.left() + m.right() + 2 * self.frameWidth()

    def _folded(self, expanded: bool) -> None:
        self.fold.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.refresh_state()

    # -------------------------------------------------------------- data access
    @property
    def handle(self):
        return self.session.handle(self.endpoint_id, self.key)

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.show_text(text, error)
        self.message.setVisible(bool(text))

    # -------------------------------------------------------------- actions
    @async_slot()
    async def on_connect(self) -> None:
        await self.connect_context()

    async def connect_context(self) -> None:
        self.show_message("")
        try:
            await self.session.open(self.endpoint_id, self.key)
        except OpenDeckError as exc:
            self.show_message(str(exc), error=True)
        self.refresh_state()

    @async_slot()
    async def on_disconnect(self) -> None:
        await self.disconnect_context()

    async def disconnect_context(self) -> None:
        self.disconnect_btn.setEnabled(False)
        try:
            await self.session.close(self.endpoint_id, self.key)
        finally:
            self.refresh_state()

    def retry_now(self) -> None:
        h = self.handle
        if h is not None:
            h.conn.reconnect_now()

    # -------------------------------------------------------------- refresh
    def on_event(self, ev) -> None:
        if ev.kind in ("state", "handshake", "error"):
            self.refresh_state()
        if ev.kind == "handshake":
            self.refresh_handshake()
        if ev.kind == "error":
            self.show_message(ev.message, error=True)
        if ev.kind == "state" and ev.data.get("new") == "ready":
            if self.message.error:
                self.show_message("")
            self.on_ready()

    def on_ready(self) -> None:
        """Hook for subclasses: the context just became ready (first time or after reconnect)."""

    def refresh_state(self) -> None:
        state, text, tip = self.panel.book.context_pill(self.endpoint_id, self.key)
        self.pill.set_state(state, text, tip)
        h = self.handle
        st = h.state if h is not None else State.CLOSED
        active = st not in (State.CLOSED, State.IDLE) or (h is not None and st is State.IDLE)
        self.connect_btn.setEnabled(not active)
        self.disconnect_btn.setEnabled(active and st is not State.CLOSING)
        self.retry.setVisible(st is State.RECONNECTING)
        self._show_reason(state)
        if h is not None and self.chart is None:
            self.chart = RttChart()
            self.chart_box.layout().addWidget(self.chart)
        self.body.setVisible(h is not None and self.fold.isChecked())
        self.fold.setEnabled(h is not None)
        self.update_controls(st is State.READY)

    def _show_reason(self, state: str) -> None:
        """A failed or reconnecting context says why, also when the card was built after the
        failure (the endpoint selected later); the reason goes once the state moves on."""
        reason = self.panel.book.reason(self.endpoint_id, self.key) \
            if state in ("error", "reconnecting") else ""
        if reason:
            if self.message.text() != reason or not self.message.error:
                self.show_message(reason, error=True)
            self._reason_shown = reason
        elif self._reason_shown:
            if self.message.text() == self._reason_shown:
                self.show_message("")
            self._reason_shown = ""

    def update_controls(self, ready: bool) -> None:
        """Enable what needs a ready context (subclasses)."""

    def refresh_handshake(self) -> None:
        h = self.handle
        info = h.handshake if h is not None else None
        if info is None:
            for lab in self.hs.values():
                lab.setText(DASH)
            self.aes.set_secret("")
            return
        if info.at == self._hs_at:
            return
        self._hs_at = info.at
        self.hs["server_ver"].setText(str(info.server_ver))
        self.hs["login_user_id"].setText(str(info.login_user_id))
        self.hs["conn_id"].setText(str(info.conn_id))
        self.hs["keepalive"].setText(f"{info.keepalive_interval} s (beat every "
                                     f"{max(0.2, info.keepalive_interval * 0.8):g} s)")
        self.hs["encryption"].setText({"none": "none (plain)", "aes-cbc": "AES-CBC (RSA handshake)",
                                       "aes-ecb": "AES-ECB (RSA handshake)"}.get(info.encryption,
                                                                                 info.encryption))
        self.hs["user_attribution"].setText(
            f"{codes.USER_ATTRIBUTION.get(info.user_attribution, '?')} ({info.user_attribution})")
        self.hs["timing"].setText(f"{info.connect_ms:.1f} ms / {info.handshake_ms:.1f} ms")
        self.aes.set_secret(info.aes_key)
        self.aes.setToolTip("" if info.encryption != "none" else
                            "OpenD sends a key even when the connection is not encrypted; "
                            "it is not used")

    def tick(self) -> None:
        """1 Hz: heartbeats, last received, countdown, chart."""
        self.refresh_state()
        h = self.handle
        if h is None:
            return
        self.refresh_handshake()
        conn = h.conn
        self.hb["sent"].setText(f"{fmt_clock(conn.last_beat_sent, ms=False)} / "
                                f"{fmt_clock(conn.last_beat_ack, ms=False)}")
        if conn.rtts:
            last = conn.rtts[-1][1]
            recent = [r for _t, r in list(conn.rtts)[-60:]]
            self.hb["rtt"].setText(f"{fmt_ms(last)} / {fmt_ms(sum(recent) / len(recent))}")
        else:
            self.hb["rtt"].setText(DASH)
        self.hb["missed"].setText(f"{conn.missed_beats} in a row, {conn.missed_total} total")
        if conn.last_received is not None and conn.state is State.READY:
            self.hb["received"].setText(fmt_ago(time.monotonic() - conn.last_received))
        elif conn.last_received is not None:
            self.hb["received"].setText(fmt_ago(time.monotonic() - conn.last_received) + " (not connected)")
        else:
            self.hb["received"].setText(DASH)
        self.hb["pushes"].setText(f"{h.pushes:,}")
        if self.chart is not None:
            self.chart.set_points(conn.rtts)
        if not self.fold.isChecked() and conn.state is State.READY:
            last = fmt_ms(conn.rtts[-1][1]) if conn.rtts else DASH
            self.summary.setText(f"RTT {last} · {h.pushes:,} pushes")
        else:
            self.summary.setText("")


class QuoteCard(ContextCard):
    def __init__(self, panel: EndpointPanel, key: str = "quote") -> None:
        self._busy = False
        super().__init__(panel, key)
        ex = self.extra
        ex.addWidget(_section("Subscriptions"))
        row = QHBoxLayout()
        row.setSpacing(4)
        self.codes = QLineEdit("HK.00700, US.AAPL")
        self.codes.setObjectName("codesEdit")
        self.codes.setPlaceholderText("HK.00700, US.AAPL")
        self.codes.setToolTip("Security codes, market dot code, separated by commas")
        self.codes.returnPressed.connect(self.on_subscribe)
        row.addWidget(self.codes, 1)
        self.sub_btn = QPushButton("Subscribe")
        self.sub_btn.setObjectName("subscribeButton")
        self.sub_btn.setDefault(False)
        self.sub_btn.clicked.connect(self.on_subscribe)
        row.addWidget(self.sub_btn)
        ex.addLayout(row)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(0)
        self.subtype_boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(QUOTE_SUBTYPES):
            cb = QCheckBox(name)
            cb.setObjectName(f"sub_{name}")
            cb.setChecked(name in DEFAULT_SUBTYPES)
            self.subtype_boxes[name] = cb
            grid.addWidget(cb, i // 3, i % 3)
        ex.addLayout(grid)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.unsub_btn = QPushButton("Unsubscribe")
        self.unsub_btn.setObjectName("unsubscribeButton")
        self.unsub_btn.clicked.connect(self.on_unsubscribe)
        buttons.addWidget(self.unsub_btn)
        self.unsub_all_btn = QPushButton("Unsubscribe all")
        self.unsub_all_btn.setToolTip("Cancel every subscription of this context")
        self.unsub_all_btn.setObjectName("unsubscribeAllButton")
        self.unsub_all_btn.clicked.connect(self.on_unsubscribe_all)
        buttons.addWidget(self.unsub_all_btn)
        buttons.addStretch(1)
        self.quota = Message("quotaLabel")
        self.quota.setWordWrap(False)
        buttons.addWidget(self.quota)
        ex.addLayout(buttons)
        self.subs = QTableWidget(0, 2)
        self.subs.setObjectName("subscriptionsTable")
        self.subs.setHorizontalHeaderLabels(["Security", "Sub types"])
        self.subs.verticalHeader().setVisible(False)
        self.subs.verticalHeader().setDefaultSectionSize(20)
        self.subs.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.subs.horizontalHeader().setStretchLastSection(True)
        self.subs.setColumnWidth(0, 90)
        self.subs.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.subs.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.subs.itemSelectionChanged.connect(self._pick_selected)
        self.subs.setMinimumHeight(64)
        self.subs.setMaximumHeight(96)
        ex.addWidget(self.subs)
        ex.addStretch(1)
        self._subs_sig: tuple = ()
        self.refresh_state()

    def selected_subtypes(self) -> list[str]:
        return [n for n, cb in self.subtype_boxes.items() if cb.isChecked()]

    def _pick_selected(self) -> None:
        rows = sorted({i.row() for i in self.subs.selectedItems()})
        if rows:
            self.codes.setText(", ".join(self.subs.item(r, 0).text() for r in rows))

    def _parse(self) -> tuple[str, list[str]] | None:
        text = self.codes.text().strip()
        types = self.selected_subtypes()
        try:
            if not codes.parse_codes(text):
                raise OpenDeckError("type one or more codes, e.g. HK.00700, US.AAPL")
            if not types:
                raise OpenDeckError("tick at least one sub type")
        except OpenDeckError as exc:
            self.show_message(str(exc), error=True)
            return None
        return text, types

    @async_slot()
    async def on_subscribe(self) -> None:
        parsed = self._parse()
        if parsed:
            await self.subscribe(*parsed)

    @async_slot()
    async def on_unsubscribe(self) -> None:
        parsed = self._parse()
        if parsed:
            await self._run("unsubscribe", lambda ctx: ctx.unsubscribe(*parsed))

    @async_slot()
    async def on_unsubscribe_all(self) -> None:
        await self._run("unsubscribe all", lambda ctx: ctx.unsubscribe_all())

    async def subscribe(self, code_text: str, types: list[str]) -> bool:
        return await self._run("subscribe", lambda ctx: ctx.subscribe(code_text, types))

    async def _run(self, what: str, op) -> bool:
        h = self.handle
        if h is None or h.state is not State.READY:
            self.show_message(f"connect the quote context before you {what}", error=True)
            return False
        self._set_busy(True)
        try:
            await op(h.ctx)
        except OpenDeckError as exc:
            self.show_message(f"{what} failed: {exc}", error=True)
            return False
        finally:
            self._set_busy(False)
        self.show_message("")
        self.refresh_subscriptions(force=True)
        await self.refresh_quota()
        return True

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for b in (self.sub_btn, self.unsub_btn, self.unsub_all_btn):
            b.setEnabled(not busy)

    async def refresh_quota(self) -> None:
        h = self.handle
        if h is None or h.state is not State.READY:
            return
        try:
            info = await h.ctx.get_sub_info()
        except OpenDeckError as exc:
            self.quota.show_text(f"quota unknown: {exc}", error=True)
            return
        self.quota.show_text(f"quota {info.get('totalUsedQuota', '?')} used, "
                             f"{info.get('remainQuota', '?')} left")

    def refresh_subscriptions(self, force: bool = False) -> None:
        h = self.handle
        subs = dict(h.ctx.subscriptions) if h is not None else {}
        sig = tuple(sorted((k, tuple(sorted(v))) for k, v in subs.items()))
        if sig == self._subs_sig and not force:
            return
        self._subs_sig = sig
        self.subs.setRowCount(len(sig))
        for row, (code, types) in enumerate(sig):
            self.subs.setItem(row, 0, QTableWidgetItem(code))
            names = ", ".join(codes.SUBTYPE_NAMES.get(t, str(t)) for t in types)
            self.subs.setItem(row, 1, QTableWidgetItem(names))

    def on_ready(self) -> None:
        spawn(self.refresh_quota(), name="quota")

    def update_controls(self, ready: bool) -> None:
        if hasattr(self, "unsub_all_btn") and not self._busy:
            for b in (self.sub_btn, self.unsub_btn, self.unsub_all_btn):
                b.setEnabled(ready)

    def tick(self) -> None:
        super().tick()
        self.refresh_subscriptions()


class TradeCard(ContextCard):
    def __init__(self, panel: EndpointPanel, key: str) -> None:
        super().__init__(panel, key)
        ex = self.extra
        ex.addWidget(_section("Accounts"))
        self.accounts = QTableWidget(0, 4)
        self.accounts.setObjectName("accountsTable")
        self.accounts.setHorizontalHeaderLabels(["Account", "Env", "Markets", "Type"])
        self.accounts.verticalHeader().setVisible(False)
        self.accounts.verticalHeader().setDefaultSectionSize(20)
        hh = self.accounts.horizontalHeader()
        hh.setStretchLastSection(True)
        fm = self.accounts.fontMetrics()
        self.accounts.setColumnWidth(0, fm.horizontalAdvance("281756478396547001") + 14)
        self.accounts.setColumnWidth(1, fm.horizontalAdvance("REAL") + 16)
        self.accounts.setColumnWidth(2, fm.horizontalAdvance("HK, US, HKCC") + 14)
        self.accounts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.accounts.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.accounts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.accounts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.accounts.setMinimumHeight(64)
        self.accounts.setMaximumHeight(96)
        ex.addWidget(self.accounts)
        row = QHBoxLayout()
        self.refresh_btn = QPushButton("Refresh")
        self.refresh_btn.setObjectName("refreshAccountsButton")
        self.refresh_btn.clicked.connect(self.on_refresh_accounts)
        row.addWidget(self.refresh_btn)
        self.unlock_btn = QPushButton("Unlock\u2026")
        self.unlock_btn.setObjectName("unlockButton")
        self.unlock_btn.setToolTip("Unlock trading; the password is asked for and never stored")
        self.unlock_btn.clicked.connect(self.ask_password)
        row.addWidget(self.unlock_btn)
        self.lock_btn = QPushButton("Lock")
        self.lock_btn.setObjectName("lockButton")
        self.lock_btn.clicked.connect(self.on_lock)
        row.addWidget(self.lock_btn)
        self.push_btn = QPushButton("Subscribe pushes")
        self.push_btn.setObjectName("accPushButton")
        self.push_btn.setToolTip("Receive order and fill pushes for the selected accounts (all if none selected)")
        self.push_btn.clicked.connect(self.on_sub_acc_push)
        row.addWidget(self.push_btn)
        row.addStretch(1)
        ex.addLayout(row)
        self.status = Message("tradeStatus")
        ex.addWidget(self.status)

        order = QHBoxLayout()
        order.setSpacing(4)
        order2 = QHBoxLayout()
        order2.setSpacing(4)
        self.order_acc = QComboBox()
        self.order_acc.setObjectName("orderAccount")
        self.order_acc.setToolTip("Simulated accounts only")
        self.order_acc.setMinimumContentsLength(8)
        self.order_acc.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        order.addWidget(self.order_acc, 2)
        self.order_code = QLineEdit("HK.00700" if key == "trade-sec" else "HK.HSImain")
        self.order_code.setObjectName("orderCode")
        self.order_code.setMinimumWidth(70)
        order.addWidget(self.order_code, 2)
        self.order_side = QComboBox()
        self.order_side.setObjectName("orderSide")
        self.order_side.addItems(["BUY", "SELL"])
        order2.addWidget(self.order_side)
        self.order_qty = QDoubleSpinBox()
        self.order_qty.setObjectName("orderQty")
        self.order_qty.setDecimals(0)
        self.order_qty.setRange(1, 1_000_000)
        self.order_qty.setValue(100 if key == "trade-sec" else 1)
        self.order_qty.setToolTip("Quantity")
        order2.addWidget(self.order_qty, 1)
        self.order_price = QLineEdit()
        self.order_price.setObjectName("orderPrice")
        self.order_price.setPlaceholderText("price")
        self.order_price.setToolTip("Limit price; leave empty for the current price")
        self.order_price.setMaximumWidth(90)
        order2.addWidget(self.order_price, 1)
        self.order_btn = QPushButton("Place")
        self.order_btn.setObjectName("placeOrderButton")
        self.order_btn.setToolTip("Place a simulated order (paper account)")
        self.order_btn.clicked.connect(self.on_place_order)
        order2.addWidget(self.order_btn)
        ex.addWidget(_section("Simulated order"))
        ex.addLayout(order)
        order2.addStretch(0)
        ex.addLayout(order2)
        ex.addStretch(1)
        self.password_dialog: QInputDialog | None = None
        self._acc_sig: tuple = ()
        self.refresh_state()

    # ----------------------------------------------------------------- helpers
    def _ctx(self):
        h = self.handle
        if h is None or h.state is not State.READY:
            self.status.show_text("connect this context first", error=True)
            return None
        return h.ctx

    def selected_acc_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.accounts.selectedItems()})
        out = []
        for r in rows:
            item = self.accounts.item(r, 0)
            if item is not None:
                out.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def refresh_accounts_table(self, force: bool = False) -> None:
        h = self.handle
        accs = list(h.ctx.accounts) if h is not None else []
        sig = tuple(a["accID"] for a in accs)
        if sig == self._acc_sig and not force:
            return
        self._acc_sig = sig
        selected = set(self.selected_acc_ids())
        self.accounts.setRowCount(len(accs))
        current = self.order_acc.currentData()
        self.order_acc.clear()
        for row, a in enumerate(accs):
            env = codes.TRD_ENVS.get(int(a.get("trdEnv", 0)), "?")
            item = QTableWidgetItem(str(a["accID"]))
            item.setData(Qt.ItemDataRole.UserRole, a["accID"])
            self.accounts.setItem(row, 0, item)
            env_item = QTableWidgetItem("SIM" if env == "SIMULATE" else env)
            env_item.setToolTip("simulated (paper) account" if env == "SIMULATE" else "real account")
            self.accounts.setItem(row, 1, env_item)
            mk = ", ".join(codes.TRD_MARKET_NAMES.get(int(m), str(m))
                           for m in a.get("trdMarketAuthList", []))
            self.accounts.setItem(row, 2, QTableWidgetItem(mk))
            kind = {1: "cash", 2: "margin"}.get(int(a.get("accType", 0)), "?")
            firm = codes.SECURITY_FIRM_NAMES.get(int(a.get("securityFirm", 0) or 0), "")
            type_item = QTableWidgetItem(kind)
            type_item.setToolTip(f"{kind} account" + (f", {firm}" if firm else "")
                                 + (f", card {a['cardNum']}" if a.get("cardNum") else ""))
            self.accounts.setItem(row, 3, type_item)
            if a["accID"] in selected:
                self.accounts.selectRow(row)
            if env == "SIMULATE":
                self.order_acc.addItem(f"{a['accID']} ({mk})", a["accID"])
        if current is not None:
            self.order_acc.setCurrentIndex(max(0, self.order_acc.findData(current)))
        self.update_controls(h is not None and h.state is State.READY)

    def refresh_status(self) -> None:
        h = self.handle
        if h is None:
            return
        ctx = h.ctx
        parts = ["unlocked" if ctx.unlocked else "locked"]
        if ctx.push_acc_ids:
            parts.append(f"pushes for {len(ctx.push_acc_ids)} account(s)")
        if ctx.market or ctx.security_firm:
            parts.append("filter " + " / ".join(x for x in (ctx.market, ctx.security_firm) if x))
        if not self.status.error:
            self.status.show_text(", ".join(parts))

    # ----------------------------------------------------------------- actions
    async def load_accounts(self) -> bool:
        ctx = self._ctx()
        if ctx is None:
            return False
        try:
            await ctx.get_acc_list()
        except OpenDeckError as exc:
            self.status.show_text(f"account list failed: {exc}", error=True)
            return False
        self.status.error = False
        self.refresh_accounts_table(force=True)
        self.refresh_status()
        return True

    @async_slot()
    async def on_refresh_accounts(self) -> None:
        await self.load_accounts()

    def ask_password(self) -> None:
        """Ask for the trade password (non-modal open(); never stored or logged)."""
        if self._ctx() is None:
            return
        dlg = QInputDialog(self)
        dlg.setObjectName("passwordDialog")
        dlg.setWindowTitle("Unlock trading")
        ep = self.session.endpoints.get(self.endpoint_id)
        dlg.setLabelText(f"Trade password for {ep.name if ep else 'this endpoint'}:")
        dlg.setTextEchoMode(QLineEdit.EchoMode.Password)
        dlg.setInputMode(QInputDialog.InputMode.TextInput)
        dlg.textValueSelected.connect(self._password_given)
        # QInputDialog emits finished *before* textValueSelected: forget it only afterwards
        dlg.finished.connect(lambda r: self._forget_dialog(dlg, r))
        self.password_dialog = dlg
        dlg.open()

    def _forget_dialog(self, dlg: QInputDialog, result: int) -> None:
        if not result:
            dlg.setTextValue("")
        if self.password_dialog is dlg:
            self.password_dialog = None
        dlg.deleteLater()

    def _password_given(self, password: str) -> None:
        dlg = self.sender()
        if isinstance(dlg, QInputDialog):
            dlg.setTextValue("")  # no copy left in the widget
        spawn(self.unlock(password), name="unlock")

    async def unlock(self, password: str) -> bool:
        ctx = self._ctx()
        if ctx is None:
            return False
        try:
            await ctx.unlock(password)
        except OpenDeckError as exc:
            self.status.show_text(f"unlock failed: {exc}", error=True)
            return False
        finally:
            password = ""  # noqa: F841 - drop our reference at once
        self.status.error = False
        self.refresh_status()
        return True

    @async_slot()
    async def on_lock(self) -> None:
        ctx = self._ctx()
        if ctx is None:
            return
        try:
            await ctx.lock()
        except OpenDeckError as exc:
            self.status.show_text(f"lock failed: {exc}", error=True)
            return
        self.status.error = False
        self.refresh_status()

    @async_slot()
    async def on_sub_acc_push(self) -> None:
        await self.sub_acc_push(self.selected_acc_ids() or None)

    async def sub_acc_push(self, acc_ids: list[int] | None = None) -> bool:
        ctx = self._ctx()
        if ctx is None:
            return False
        try:
            ids = await ctx.sub_acc_push(acc_ids)
        except OpenDeckError as exc:
            self.status.show_text(f"account push subscription failed: {exc}", error=True)
            return False
        self.status.error = False
        self.refresh_accounts_table()
        self.refresh_status()
        return bool(ids)

    @async_slot()
    async def on_place_order(self) -> None:
        ctx = self._ctx()
        if ctx is None:
            return
        acc = self.order_acc.currentData()
        if acc is None:
            self.status.show_text("no simulated account: refresh the account list", error=True)
            return
        price_text = self.order_price.text().strip()
        try:
            price = float(price_text) if price_text else None
        except ValueError:
            self.status.show_text(f"price {price_text!r} is not a number", error=True)
            return
        self.order_btn.setEnabled(False)
        try:
            res = await ctx.place_order(int(acc), self.order_code.text().strip(),
                                        self.order_side.currentText(), self.order_qty.value(),
                                        price, order_type="NORMAL" if price else "MARKET")
        except OpenDeckError as exc:
            self.status.show_text(f"order failed: {exc}", error=True)
            return
        finally:
            self.order_btn.setEnabled(True)
        self.status.show_text(f"order {res['order_id']} placed on {acc}; watch the push log "
                              "for Trd_UpdateOrder / fills" if ctx.push_acc_ids else
                              f"order {res['order_id']} placed on {acc}; subscribe pushes to see "
                              "its updates")

    def on_ready(self) -> None:
        h = self.handle
        if h is not None and not h.ctx.accounts:
            spawn(self.load_accounts(), name="accounts")

    def update_controls(self, ready: bool) -> None:
        if not hasattr(self, "order_btn"):
            return
        for b in (self.refresh_btn, self.unlock_btn, self.lock_btn, self.push_btn):
            b.setEnabled(ready)
        self.order_btn.setEnabled(ready and self.order_acc.count() > 0)

    def tick(self) -> None:
        super().tick()
        self.refresh_accounts_table()
        self.refresh_status()


# ------------------------------------------------------------------------------ panel

class EndpointPanel(QWidget):
    """Everything about one endpoint. The window keeps one per endpoint in a stack."""

    changed = Signal()

    def __init__(self, session, book: StateBook, endpoint_id: str, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.book = book
        self.endpoint_id = endpoint_id
        self.setObjectName(f"panel_{endpoint_id}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 6, 4)
        outer.setSpacing(6)

        head = QHBoxLayout()
        head.setSpacing(8)
        self.name = _bold(QLabel(), 1.35)
        self.name.setObjectName("endpointName")
        head.addWidget(self.name)
        self.pill = StatePill()
        head.addWidget(self.pill)
        head.addStretch(1)
        self.demo_btn = QPushButton()
        self.demo_btn.setObjectName("demoGatewayButton")
        self.demo_btn.clicked.connect(self.on_toggle_demo)
        head.addWidget(self.demo_btn)
        self.connect_all_btn = QPushButton("Connect all")
        self.connect_all_btn.setObjectName("connectAllButton")
        self.connect_all_btn.setToolTip("Open every context of this endpoint (Ctrl+Return)")
        self.connect_all_btn.clicked.connect(self.on_connect_all)
        head.addWidget(self.connect_all_btn)
        self.disconnect_all_btn = QPushButton("Disconnect all")
        self.disconnect_all_btn.setObjectName("disconnectAllButton")
        self.disconnect_all_btn.setToolTip("Close every context of this endpoint (Ctrl+Shift+Return)")
        self.disconnect_all_btn.clicked.connect(self.on_disconnect_all)
        head.addWidget(self.disconnect_all_btn)
        outer.addLayout(head)
        self.where = QLabel()
        self.where.setObjectName("endpointWhere")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.where)

        # global state strip
        gs = QFrame()
        gs.setObjectName("globalState")
        gs.setFrameShape(QFrame.Shape.StyledPanel)
        gl = QHBoxLayout(gs)
        gl.setContentsMargins(10, 4, 6, 4)
        gl.setSpacing(10)
        gl.addWidget(_section("Global state"))
        self.global_label = QLabel("not fetched yet")
        self.global_label.setObjectName("globalStateText")
        self.global_label.setWordWrap(True)
        self.global_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        gl.addWidget(self.global_label, 1)
        self.global_btn = QPushButton("Refresh")
        self.global_btn.setObjectName("refreshGlobalButton")
        self.global_btn.setToolTip("Ask the gateway for its global state (F5)")
        self.global_btn.clicked.connect(self.on_refresh_global)
        gl.addWidget(self.global_btn)
        outer.addWidget(gs)

        self.scroll = QScrollArea()
        self.scroll.setObjectName("cardsScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        # cards reflow to the width (see _reflow); a scroll bar only below what even one
        # column needs, so nothing is ever cut off out of reach
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll.viewport().installEventFilter(self)
        self.cards_host = QWidget()
        self.cards_layout = QVBoxLayout(self.cards_host)
        self.cards_layout.setContentsMargins(0, 0, 2, 0)
        self.cards_layout.setSpacing(8)
        self.scroll.setWidget(self.cards_host)
        outer.addWidget(self.scroll, 1)
        self.cards: dict[str, ContextCard] = {}
        self._reflowing = False
        self._global_fetched = False
        self.rebuild()

    # --------------------------------------------------------------------- build
    @property
    def endpoint(self):
        return self.session.endpoints.get(self.endpoint_id)

    def rebuild(self) -> None:
        """(Re)create the cards for the endpoint's contexts, plus any that are still open."""
        ep = self.endpoint
        if ep is None:
            return
        self.name.setText(ep.name)
        keys = list(ep.contexts) + [k for (e, k) in self.session.handles
                                    if e == self.endpoint_id and k not in ep.contexts]
        for key in list(self.cards):
            if key not in keys:
                card = self.cards.pop(key)
                card.setParent(None)
                card.deleteLater()
        for i, key in enumerate(keys):
            if key not in self.cards:
                card = QuoteCard(self) if key == "quote" else TradeCard(self, key)
                self.cards[key] = card
            self.cards_layout.insertWidget(i, self.cards[key])
        if self.cards_layout.count() == len(self.cards):
            self.cards_layout.addStretch(1)
        self._reflow()
        self.refresh_header()

    def _reflow(self) -> None:
        """The most columns (3, 2, 1) with which every card fits the visible width."""
        if self._reflowing or not self.cards:
            return
        self._reflowing = True
        try:
            m = self.cards_layout.contentsMargins()
            avail = self.scroll.viewport().width() - m.left() - m.right()
            for n in (3, 2, 1):
                for card in self.cards.values():
                    card.set_columns(n)
                if max(card.needed_width() for card in self.cards.values()) <= avail:
                    break
        finally:
            self._reflowing = False

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize and obj is self.scroll.viewport():
            self._reflow()
        return super().eventFilter(obj, event)

    def refresh_header(self) -> None:
        ep = self.endpoint
        if ep is None:
            return
        self.name.setText(ep.name)
        state, text, tip = self.book.endpoint_pill(self.endpoint_id)
        self.pill.set_state(state, text, tip)
        where = describe(ep)
        if ep.demo:
            gw = self.session.demo_gateway(self.endpoint_id)
            where = (f"in-process demo gateway on {gw.host}:{gw.port}" if gw is not None
                     else "in-process demo gateway (stopped)") + where.split("gateway", 1)[1]
            self.demo_btn.setText("Stop gateway" if gw is not None else "Start gateway")
            self.demo_btn.setToolTip("Stop or start the built-in demo gateway (to watch a "
                                     "reconnect)")
        self.demo_btn.setVisible(ep.demo)
        self.where.setText(where)
        any_open = any(e == self.endpoint_id and h.state is not State.CLOSED
                       for (e, _k), h in self.session.handles.items())
        self.disconnect_all_btn.setEnabled(any_open)
        self.global_btn.setEnabled(self._ready_handle() is not None)

    # --------------------------------------------------------------------- events
    def on_event(self, ev) -> None:
        if ev.kind == "endpoints":
            self.rebuild()
            return
        card = self.cards.get(ev.context)
        if card is None and ev.context and ev.kind == "state":
            self.rebuild()
            card = self.cards.get(ev.context)
        if card is not None:
            card.on_event(ev)
        if ev.kind in ("state", "log"):
            self.refresh_header()
        if ev.kind == "state" and ev.data.get("new") == "ready" and (
                ev.context == "quote" or not self._global_fetched):
            self._global_fetched = True
            spawn(self.refresh_global(quiet=True), name="global-state")

    def tick(self) -> None:
        self.refresh_header()
        for card in self.cards.values():
            card.tick()

    # --------------------------------------------------------------------- actions
    @async_slot()
    async def on_connect_all(self) -> None:
        await self.connect_all()

    async def connect_all(self) -> None:
        ep = self.endpoint
        if ep is None:
            return
        for key in ep.contexts:
            card = self.cards.get(key)
            if card is not None:
                await card.connect_context()
        self.refresh_header()

    @async_slot()
    async def on_disconnect_all(self) -> None:
        await self.disconnect_all()

    async def disconnect_all(self) -> None:
        self.disconnect_all_btn.setEnabled(False)
        try:
            await self.session.close_endpoint(self.endpoint_id)
        finally:
            for card in self.cards.values():
                card.refresh_state()
            self.refresh_header()

    @async_slot()
    async def on_toggle_demo(self) -> None:
        self.demo_btn.setEnabled(False)
        try:
            if self.session.demo_gateway(self.endpoint_id) is None:
                await self.session.start_demo(self.endpoint_id)
                for card in self.cards.values():
                    card.retry_now()
            else:
                await self.session.stop_demo(self.endpoint_id)
        finally:
            self.demo_btn.setEnabled(True)
            self.refresh_header()

    def _ready_handle(self):
        hs = [self.session.handle(self.endpoint_id, k) for k in ("quote", "trade-sec", "trade-future")]
        for h in hs:
            if h is not None and h.state is State.READY:
                return h
        return None

    @async_slot()
    async def on_refresh_global(self) -> None:
        await self.refresh_global()

    async def refresh_global(self, quiet: bool = False) -> bool:
        h = self._ready_handle()
        if h is None:
            if not quiet:
                self.global_label.setText("connect a context first")
            return False
        self.global_btn.setEnabled(False)
        try:
            gs = await h.ctx.get_global_state()
        except OpenDeckError as exc:
            self.global_label.setText(f"failed: {exc}")
            return False
        finally:
            self.global_btn.setEnabled(True)
        h.global_state = gs
        self.global_label.setText(format_global_state(gs))
        self.global_label.setToolTip("\n".join(f"{k}: {v}" for k, v in gs.items()))
        return True


def format_global_state(gs: dict[str, Any]) -> str:
    def yes(v: Any) -> str:
        return "\u2713" if v else "\u2717"

    markets = " \u00b7 ".join(f"{label} {codes.QOT_MARKET_STATES.get(int(gs[k]), gs[k])}"
                              for k, label in GLOBAL_MARKETS if k in gs)
    prog = gs.get("programStatus", {})
    ptype = str(prog.get("type", "")).replace("ProgramStatusType_", "") if isinstance(prog, dict) else ""
    at = gs.get("localTime")
    when = fmt_clock(float(at), ms=False) if at else ""
    return (f"{markets}\nquote logged in {yes(gs.get('qotLogined'))} \u00b7 trade logged in "
            f"{yes(gs.get('trdLogined'))} \u00b7 server {gs.get('serverVer', '?')} build "
            f"{gs.get('serverBuildNo', '?')}" + (f" \u00b7 {ptype}" if ptype else "")
            + (f" \u00b7 at {when}" if when else ""))
