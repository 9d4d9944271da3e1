"""The middle panel: the selected endpoint's contexts, one card each, under its header and the
global-state strip. Cards reflow (3, 2 or 1 columns) to the width they get."""

from __future__ import annotations

from opendeck.core import codes
from opendeck.core.config import Subscription
from opendeck.core.errors import OpenDeckError
from opendeck.core.events import ConnState, ContextKind, EndpointsChanged, Event, Notice, StateChanged
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from ..endpoints import describe
from ..statebook import StateBook
from ..widgets import StatePill, async_slot, spawn
from .card import ContextCard
from .global_state import GlobalStateBar
from .quote import QuoteCard
from .trade import TradeCard
from .ui import bold


class EndpointPanel(QWidget):
    """Everything about one endpoint. The window keeps one per endpoint in a stack."""

    changed = Signal()
    edit_requested = Signal(str, str)  # endpoint id, field to open (a card's Fix button)
    profile_changed = Signal(str)  # endpoint id: its saved state changed (save the profiles)

    def __init__(self, session, book: StateBook, endpoint_id: str, parent=None, *,
                 folds: dict[str, bool] | None = None) -> None:
        super().__init__(parent)
        #: "endpoint/context" -> folded; shared with the window, which saves it in window.ini
        self.folds: dict[str, bool] = folds if folds is not None else {}
        self.session = session
        self.book = book
        self.endpoint_id = endpoint_id
        self.setObjectName(f"panel_{endpoint_id}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 6, 4)
        outer.setSpacing(6)

        head = QHBoxLayout()
        head.setSpacing(8)
        self.name = bold(QLabel(), 1.35)
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

        self.global_bar = GlobalStateBar()
        self.global_label = self.global_bar.label
        self.global_btn = self.global_bar.button
        self.global_btn.clicked.connect(self.on_refresh_global)
        outer.addWidget(self.global_bar)

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
        keys = list(ep.contexts) + [h.key for h in self.session.handles_of(self.endpoint_id)
                                    if h.key not in ep.contexts]
        for key in list(self.cards):
            if key not in keys:
                card = self.cards.pop(key)
                card.setParent(None)
                card.deleteLater()
        for i, key in enumerate(keys):
            if key not in self.cards:
                card = QuoteCard(self) if key == ContextKind.QUOTE else TradeCard(self, key)
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
        any_open = any(h.state is not ConnState.CLOSED for h in self.session.handles_of(self.endpoint_id))
        self.disconnect_all_btn.setEnabled(any_open)
        self.global_btn.setEnabled(self._ready_handle() is not None)
        self._mark_global()

    # ------------------------------------------------------------------ saved state
    def set_folded(self, key: str, folded: bool) -> None:
        if folded:
            self.folds[key] = True
        else:
            self.folds.pop(key, None)

    def remember_connected(self, key: str, connected: bool) -> None:
        """The user connected / disconnected a context: it is (not) connected at next launch."""
        ep = self.endpoint
        if ep is None or key not in ep.contexts:
            return
        want = [k for k in ep.contexts if (k == key and connected)
                or (k != key and k in ep.connect_on_start)]
        if want != ep.connect_on_start:
            ep.connect_on_start = want
            self.profile_changed.emit(self.endpoint_id)

    def remember_subscriptions(self, subscriptions: dict[str, set[int]]) -> None:
        """The quote context's subscriptions as the endpoint's saved ones (grouped by types)."""
        ep = self.endpoint
        if ep is None:
            return
        saved = subscriptions_of(subscriptions)
        if [(x.codes, x.types) for x in saved] != [(x.codes, list(x.types)) for x in ep.subscriptions]:
            ep.subscriptions = saved
            self.profile_changed.emit(self.endpoint_id)

    def _mark_global(self) -> None:
        bar = self.global_bar
        if bar.state is not None:
            bar.set_source_status(self.session.context_status(self.endpoint_id, bar.source_key))

    # --------------------------------------------------------------------- events
    def on_event(self, ev: Event) -> None:
        if isinstance(ev, EndpointsChanged):
            self.rebuild()
            return
        key = str(ev.context) if ev.context is not None else ""
        card = self.cards.get(key)
        if card is None and key and isinstance(ev, StateChanged):
            self.rebuild()
            card = self.cards.get(key)
        if card is not None:
            card.on_event(ev)
        if isinstance(ev, StateChanged | Notice):
            self.refresh_header()
        if isinstance(ev, StateChanged) and ev.new is ConnState.READY and (
                ev.context is ContextKind.QUOTE or not self._global_fetched
                or self.global_bar.stale):
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

    async def connect_all(self, keys: list[str] | None = None, remember: bool = True) -> None:
        ep = self.endpoint
        if ep is None:
            return
        for key in ep.contexts if keys is None else keys:
            card = self.cards.get(key)
            if card is not None:
                await card.connect_context(remember=remember)
        self.refresh_header()

    @async_slot()
    async def on_disconnect_all(self) -> None:
        await self.disconnect_all()

    async def disconnect_all(self) -> None:
        self.disconnect_all_btn.setEnabled(False)
        ep = self.endpoint
        if ep is not None and ep.connect_on_start:
            ep.connect_on_start = []
            self.profile_changed.emit(self.endpoint_id)
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
        for kind in ContextKind:
            h = self.session.handle(self.endpoint_id, kind)
            if h is not None and h.ready:
                return h
        return None

    @async_slot()
    async def on_refresh_global(self) -> None:
        await self.refresh_global()

    async def refresh_global(self, quiet: bool = False) -> bool:
        h = self._ready_handle()
        if h is None:
            if not quiet:
                self.global_bar.show_text("connect a context first")
            return False
        self.global_btn.setEnabled(False)
        try:
            gs = await h.ctx.get_global_state()
        except OpenDeckError as exc:
            self.global_bar.show_text(f"failed: {exc}")
            return False
        finally:
            self.global_btn.setEnabled(True)
        h.global_state = gs
        self.global_bar.show_state(gs, h.key)
        self._mark_global()
        return True


def subscriptions_of(subs: dict[str, set[int]]) -> list[Subscription]:
    """``{"HK.00700": {1, 4}, ...}`` -> one Subscription per distinct set of sub types."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for code, types in sorted(subs.items()):
        if types:
            groups.setdefault(tuple(sorted(types)), []).append(code)
    return [Subscription(codes=", ".join(cs), types=[codes.SUBTYPE_NAMES.get(t, str(t)) for t in ts])
            for ts, cs in groups.items()]
