"""One context of an endpoint as a card: state pill and actions, handshake, heartbeats, and a
body per kind (quote / trade, in their own modules).

Only state and handshake events (rare) refresh a card; the figures that move are re-read from
the :class:`~opendeck.core.session.ContextHandle`'s public properties by the window's 1 Hz tick.
A context the core stopped for good (``ConnState.FAILED`` with a permanent error: retrying cannot
fix it) shows an error box with the reason, the fix in OpenDeck's terms and a button that opens
the endpoint's settings at the field to change.

(A few lines past ~500: the handshake block says each transport in its own words, TCP's
InitConnect and AES against WebSocket's InitWebSocket, TLS and pings, and belongs with the card.)
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from opendeck.core import codes
from opendeck.core.errors import NeedsKey, OpenDeckError
from opendeck.core.events import (
    ConnState,
    ContextKind,
    ContextStatus,
    ErrorRaised,
    Event,
    HandshakeDone,
    Heartbeat,
    StateChanged,
    Transport,
)
from opendeck.core.session import ContextHandle
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from ..keyprompt import KeyDialog
from ..widgets import RttChart, SecretField, StatePill, async_slot, fmt_ago, fmt_clock, fmt_ms, spawn
from .ui import DASH, LineMessage, bold, compact_form, section, value_label

if TYPE_CHECKING:
    from .panel import EndpointPanel

_HANDLE_HAS_SENT = hasattr(ContextHandle, "last_beat_sent")

#: what to change for a failure retrying cannot fix, by ``PermanentHandshakeError.field``
FIXES = {
    "rsa_key": ("Edit encryption\u2026", ("Open Edit (F2) \u203a Encryption: pick the RSA private key "
                "file OpenD uses (its rsa_private_key), or choose None if OpenD runs without one.")),
    "websocket_key": ("Enter the key\u2026", ("Enter the key set in OpenD's websocket_key (it is kept "
                      "in memory or the OS keyring, never in the profile), or name a key file in "
                      "Edit (F2) \u203a WebSocket key.")),
    "": ("Edit endpoint\u2026", ("Open Edit (F2) and check the endpoint's settings against OpenD's; "
         "OpenDeck will not retry until you connect again.")),
}


def fix_for(error) -> tuple[str, str, str]:
    """(button text, advice, field) for a permanent error."""
    field = getattr(error, "field", "") or ""
    button, advice = FIXES.get(field, FIXES[""])
    return button, advice, field


class ErrorBox(QFrame):
    """Stopped for good: the reason, the fix, and a button to the field to change."""

    def __init__(self, card: ContextCard) -> None:
        super().__init__()
        self.setObjectName("errorBox")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(3)
        self.title = bold(QLabel("Stopped: retrying cannot fix this"))
        self.title.setObjectName("errorBoxTitle")
        lay.addWidget(self.title)
        self.reason = QLabel()
        self.reason.setObjectName("errorBoxReason")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.reason)
        row = QHBoxLayout()
        self.advice = QLabel()
        self.advice.setObjectName("errorBoxAdvice")
        self.advice.setWordWrap(True)
        row.addWidget(self.advice, 1)
        self.fix_btn = QPushButton()
        self.fix_btn.setObjectName("fixButton")
        self.fix_btn.clicked.connect(lambda: self._fix(card))
        row.addWidget(self.fix_btn, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(row)
        self.field = ""
        theme.notifier().changed.connect(self._style)
        self._style()

    def _fix(self, card: ContextCard) -> None:
        if self.field == "websocket_key":  # a refused key: ask for it again, then connect
            card.ask_key()
        else:
            card.panel.edit_requested.emit(card.endpoint_id, self.field)

    def show_error(self, error) -> None:
        button, advice, field = fix_for(error)
        self.field = field
        self.reason.setText(str(error))
        self.advice.setText(advice)
        self.fix_btn.setText(button)

    def _style(self, *_: object) -> None:
        c = theme.colors()
        self.setStyleSheet(f"QFrame#errorBox {{ border: 1px solid {c.error_text}; border-radius: 4px; }}"
                           f" QLabel#errorBoxTitle, QLabel#errorBoxReason {{ color: {c.error_text}; }}")


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
        self.title = bold(QLabel(ContextKind(key).label), 1.1)
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
        # the card's message line takes the summary's place in the header (same row, same
        # height): an error appearing or going never re-lays the card out
        self.message = LineMessage("cardMessage")
        self.key_dialog: KeyDialog | None = None  # the WebSocket key prompt while it is open
        self.message.setVisible(False)
        self._reason_shown = ""
        head.insertWidget(head.indexOf(self.summary) + 1, self.message, 1)
        outer.addLayout(head)
        self.error_box = ErrorBox(self)
        self.error_box.setVisible(False)
        outer.addWidget(self.error_box)
        self.missed_in_row = 0  # from Heartbeat events (missed beats in a row; 0 on an answer)

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
        hs.addWidget(section("Handshake"))
        form = compact_form()
        self.hs: dict[str, QLabel] = {}
        for field, label in (("transport", "Transport"), ("server_ver", "Server version"),
                             ("login_user_id", "Login user id"),
                             ("conn_id", "Connection id"), ("keepalive", "Keepalive"),
                             ("encryption", "Encryption"), ("user_attribution", "User attribution"),
                             ("timing", "Connect / handshake")):
            self.hs[field] = value_label(f"hs_{field}")
            form.addRow(label + ":", self.hs[field])
        self.aes = SecretField()
        self.aes.setObjectName("aesKey")
        form.addRow("AES key:", self.aes)
        self._hs_form = form
        hs.addLayout(form)
        hs.addStretch(1)

        hb = QVBoxLayout(self.hb_box)
        hb.setContentsMargins(0, 0, 0, 0)
        hb.setSpacing(4)
        hb.addWidget(section("Heartbeats"))
        hform = compact_form()
        self.hb: dict[str, QLabel] = {}
        sent_label = "Last sent / ack" if _HANDLE_HAS_SENT else "Last answered"
        for field, label in (("sent", sent_label), ("rtt", "RTT last / avg"),
                             ("missed", "Missed beats"), ("received", "Last received"),
                             ("pushes", "Pushes")):
            self.hb[field] = value_label(f"hb_{field}")
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
        folded = panel.folds.get(self.fold_key)
        if folded:
            self.fold.setChecked(False)  # as the user left it (window.ini, cards/folded)
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

    @property
    def fold_key(self) -> str:
        return f"{self.endpoint_id}/{self.key}"

    def _folded(self, expanded: bool) -> None:
        self.fold.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.panel.set_folded(self.fold_key, not expanded)
        self.refresh_state()

    # -------------------------------------------------------------- data access
    @property
    def handle(self):
        return self.session.handle(self.endpoint_id, self.key)

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.show_text(text, error)
        self.message.setVisible(bool(text))
        self.summary.setVisible(not text)

    # -------------------------------------------------------------- actions
    @async_slot()
    async def on_connect(self) -> None:
        await self.connect_context()

    async def connect_context(self, remember: bool = True) -> None:
        if remember:
            self.panel.remember_connected(self.key, True)
        self.show_message("")
        try:
            await self.session.open(self.endpoint_id, self.key)
        except NeedsKey as exc:
            self.show_message(str(exc), error=True)
            self.ask_key()
        except OpenDeckError as exc:
            self.show_message(str(exc), error=True)
        self.refresh_state()

    def ask_key(self) -> KeyDialog:
        """The WebSocket key, asked (non-modal); given, the context connects again."""
        ep = self.session.endpoints.get(self.endpoint_id)
        keys = self.session.keys
        dlg = KeyDialog(self, ep.name if ep else self.endpoint_id, keys.keyring_available,
                        lambda key, remember: self._key_given(key, remember))
        self.key_dialog = dlg
        dlg.open()
        return dlg

    def _key_given(self, key: str, remember: bool) -> None:
        self.session.keys.put(self.endpoint_id, key, remember=remember)
        del key
        spawn(self.connect_context(remember=False), name="connect-with-key")

    @async_slot()
    async def on_disconnect(self) -> None:
        await self.disconnect_context()

    async def disconnect_context(self) -> None:
        self.panel.remember_connected(self.key, False)
        self.disconnect_btn.setEnabled(False)
        try:
            await self.session.close(self.endpoint_id, self.key)
        finally:
            self.refresh_state()

    def retry_now(self) -> None:
        h = self.handle
        if h is not None:
            h.reconnect_now()

    # -------------------------------------------------------------- refresh
    def on_event(self, ev: Event) -> None:
        match ev:
            case Heartbeat(rtt_ms=None, missed=missed):
                self.missed_in_row = missed
            case Heartbeat():
                self.missed_in_row = 0
            case HandshakeDone():
                self.refresh_state()
                self.refresh_handshake()
            case ErrorRaised():
                self.refresh_state()
                if not ev.permanent:  # a permanent one gets the error box (refresh_state)
                    self.show_message(ev.message, error=True)
            case StateChanged(new=ConnState.READY):
                self.refresh_state()
                if self.message.error:
                    self.show_message("")
                self.missed_in_row = 0
                self.on_ready()
            case StateChanged():
                self.refresh_state()

    def on_ready(self) -> None:
        """Hook for subclasses: the context just became ready (first time or after reconnect)."""

    def refresh_state(self) -> None:
        status, text, tip = self.panel.book.context_pill(self.endpoint_id, self.key)
        self.pill.set_state(status, text, tip)
        h = self.handle
        st = h.state if h is not None else ConnState.CLOSED
        active = h is not None and st not in (ConnState.CLOSED, ConnState.FAILED)
        self.connect_btn.setEnabled(not active)
        # a failed context can be dismissed (Disconnect) or tried again with new settings
        self.disconnect_btn.setEnabled(h is not None and st not in (ConnState.CLOSED, ConnState.CLOSING))
        self.retry.setVisible(st is ConnState.RECONNECTING)
        permanent = self.panel.book.permanent_error(self.endpoint_id, self.key)
        if permanent is not None:
            self.error_box.show_error(permanent)
            if self.message.error:
                self.show_message("")
            self._reason_shown = ""
        else:
            self._show_reason(status)
        self.error_box.setVisible(permanent is not None)
        if h is not None and self.chart is None:
            self.chart = RttChart()
            self.chart_box.layout().addWidget(self.chart)
        # a context stopped before it ever connected has nothing to show but the error box
        self.body.setVisible(h is not None and self.fold.isChecked()
                             and not (permanent is not None and h.handshake is None))
        self.fold.setEnabled(h is not None)
        self.update_controls(st is ConnState.READY)

    def _show_reason(self, status: ContextStatus) -> None:
        """A failed or reconnecting context says why, also when the card was built after the
        failure (the endpoint selected later); the reason goes once the state moves on."""
        reason = self.panel.book.reason(self.endpoint_id, self.key) \
            if status in (ContextStatus.ERROR, ContextStatus.RECONNECTING) else ""
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
        tcp = info.transport is Transport.TCP
        self.hs["transport"].setText(
            "TCP (InitConnect)" if tcp else
            f"WebSocket{' over TLS' if info.transport is Transport.WSS else ''} (InitWebSocket, "
            f"server time {fmt_clock(info.server_time, ms=False) if info.server_time else DASH})")
        self.hs["server_ver"].setText(str(info.server_ver) if info.server_ver else
                                      "not told (InitWebSocket has no version)")
        self.hs["login_user_id"].setText(str(info.login_user_id))
        self.hs["conn_id"].setText(str(info.conn_id))
        self.hs["keepalive"].setText(
            f"{info.keepalive_interval} s (KeepAlive every {info.keepalive_interval / 2:g} s)" if tcp
            else f"WebSocket ping every {info.keepalive_interval} s")
        self.hs["keepalive"].setToolTip(info.keepalive_note)
        self._hs_form.setRowVisible(self.aes, tcp)  # WebSocket has no AES key: TLS or nothing
        self.hs["encryption"].setText(
            {"none": "none (plain)", "aes-cbc": "AES-CBC (RSA handshake)",
             "aes-ecb": "AES-ECB (RSA handshake)"}.get(info.encryption, info.encryption)
            if info.encryption != "tls" else f"{info.tls_version or 'TLS'} \u00b7 {info.peer_subject}")
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
        rtts = h.rtts
        sent = getattr(h, "last_beat_sent", None)  # not every core build has it
        self.hb["sent"].setText(f"{fmt_clock(sent, ms=False)} / {fmt_clock(h.last_beat_ack, ms=False)}"
                                if sent is not None else fmt_clock(h.last_beat_ack, ms=False))
        if rtts:
            last = rtts[-1][1]
            recent = [r for _t, r in list(rtts)[-60:]]
            self.hb["rtt"].setText(f"{fmt_ms(last)} / {fmt_ms(sum(recent) / len(recent))}")
        else:
            self.hb["rtt"].setText(DASH)
        self.hb["missed"].setText(f"{self.missed_in_row} in a row, {h.heartbeats_missed_total} total")
        received = h.last_received  # wall time
        if received is not None:
            ago = fmt_ago(max(0.0, time.time() - received))
            self.hb["received"].setText(ago if h.ready else ago + " (not connected)")
        else:
            self.hb["received"].setText(DASH)
        self.hb["pushes"].setText(f"{h.pushes:,}")
        if self.chart is not None:
            self.chart.set_points(rtts)
        if not self.fold.isChecked() and h.ready:
            last = fmt_ms(rtts[-1][1]) if rtts else DASH
            self.summary.setText(f"RTT {last} \u00b7 {h.pushes:,} pushes")
        else:
            self.summary.setText("")
