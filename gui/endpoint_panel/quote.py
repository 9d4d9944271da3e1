"""The quote context's card: subscriptions (codes and sub types), quota, what is subscribed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QGridLayout, QHBoxLayout, QHeaderView,
                               QLineEdit, QMenu, QPushButton, QTableWidget, QTableWidgetItem,
                               QToolButton)

from opendeck.core import codes
from opendeck.core.errors import OpenDeckError

from ..widgets import async_slot, spawn
from .card import ContextCard
from .ui import Message, section

if TYPE_CHECKING:
    from .panel import EndpointPanel

#: every sub type the wire has, in two groups: the quote feeds as boxes, the K-lines in a menu
QUOTE_SUBTYPES = [n for n in codes.SUBTYPE_NAMES.values() if not n.startswith("kl_")]
KLINE_SUBTYPES = [n for n in codes.SUBTYPE_NAMES.values() if n.startswith("kl_")]
_PERIODS = {"day": 1440, "week": 10080, "month": 43200, "quarter": 129600, "year": 525600}


def _kline_order(name: str) -> int:
    """kl_1m, kl_3m, ... kl_240m, kl_day, kl_week, ... kl_year."""
    p = name.removeprefix("kl_")
    return _PERIODS.get(p) or int(p.rstrip("m") or 0)
DEFAULT_SUBTYPES = {"basic", "ticker", "orderbook"}


class QuoteCard(ContextCard):
    def __init__(self, panel: EndpointPanel, key: str = "quote") -> None:
        self._busy = False
        super().__init__(panel, key)
        ex = self.extra
        ex.addWidget(section("Subscriptions"))
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
        self.kline_button = QToolButton()
        self.kline_button.setObjectName("klineSubtypes")
        self.kline_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.kline_button.setToolTip("K-line sub types (one per period)")
        menu = QMenu(self.kline_button)
        self.kline_actions: dict[str, QAction] = {}
        for name in sorted(KLINE_SUBTYPES, key=_kline_order):
            act = menu.addAction(name)
            act.setCheckable(True)
            act.setObjectName(f"sub_{name}")
            act.toggled.connect(lambda _on: self._kline_label())
            self.kline_actions[name] = act
        self.kline_button.setMenu(menu)
        self._kline_label()
        grid.addWidget(self.kline_button, 2, 0, 1, 3, Qt.AlignmentFlag.AlignLeft)
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
        return ([n for n, cb in self.subtype_boxes.items() if cb.isChecked()]
                + [n for n, a in self.kline_actions.items() if a.isChecked()])

    def _kline_label(self) -> None:
        on = [n.removeprefix("kl_") for n, a in self.kline_actions.items() if a.isChecked()]
        self.kline_button.setText("K-lines: " + (", ".join(on) if on else "none") + " \u25be")

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

    async def subscribe(self, code_text: str, types: list[str], remember: bool = True) -> bool:
        return await self._run("subscribe", lambda ctx: ctx.subscribe(code_text, types), remember)

    async def _run(self, what: str, op, remember: bool = True) -> bool:
        h = self.handle
        if h is None or not h.ready:
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
        if remember:
            self.panel.remember_subscriptions(h.ctx.subscriptions)
        await self.refresh_quota()
        return True

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for b in (self.sub_btn, self.unsub_btn, self.unsub_all_btn):
            b.setEnabled(not busy)

    async def refresh_quota(self) -> None:
        h = self.handle
        if h is None or not h.ready:
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


