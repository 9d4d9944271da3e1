"""A trade context's card (securities or futures): accounts, unlock / lock, account pushes and a
simulated order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opendeck.core import catalog, codes
from opendeck.core.enums import enum_name
from opendeck.core.errors import OpenDeckError
from opendeck.core.summary import decode_push
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
)

from ..widgets import async_slot, spawn
from .card import ContextCard
from .ui import Message, section

if TYPE_CHECKING:
    from .panel import EndpointPanel


class TradeCard(ContextCard):
    def __init__(self, panel: EndpointPanel, key: str) -> None:
        super().__init__(panel, key)
        ex = self.extra
        ex.addWidget(section("Accounts"))
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
        ex.addWidget(section("Simulated order"))
        ex.addLayout(order)
        order2.addStretch(0)
        ex.addLayout(order2)
        # the confirmation lives under the form: the order id, then its status as pushes arrive
        # (its two lines are always there, so placing an order moves nothing below it)
        self.confirm = Message("orderConfirm")
        self.confirm.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # fixed: a word-wrapped label's size hint grows with its text, and the whole column of
        # cards would be laid out again (the scroll position with it)
        self.confirm.setFixedHeight(2 * self.confirm.fontMetrics().lineSpacing() + 4)
        self.confirm.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        ex.addWidget(self.confirm)
        self._placing = False
        self.order_watch = OrderWatch()
        ex.addStretch(1)
        self.password_dialog: QInputDialog | None = None
        self._acc_sig: tuple = ()
        self.refresh_state()

    # ----------------------------------------------------------------- helpers
    def _ctx(self):
        h = self.handle
        if h is None or not h.ready:
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
            kind = enum_name("TrdAccType", int(a.get("accType", 0))).lower()
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
        self.update_controls(h is not None and h.ready)

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
        text = f"Trade password for {ep.name if ep else 'this endpoint'}:"
        if ep is not None and ep.plaintext_remote:
            text = (f"\u26a0 {ep.host} is another machine and this connection is not encrypted: the "
                    "password's MD5 would cross the network in the clear. Cancel and use an RSA key "
                    "(TCP) or wss:// (Edit, F2) unless you trust that network.\n\n" + text)
        dlg.setLabelText(text)
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
            password = ""
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
        if self._placing:
            return
        # not setEnabled(False): a focused button that is disabled hands the focus to the next
        # widget, and the scroll area jumps to it (maybe a card further down)
        self._placing = True
        self.order_btn.setText("Placing\u2026")
        seq0 = self.session.pushes.last_seq  # its pushes may arrive before the reply does
        try:
            res = await ctx.place_order(int(acc), self.order_code.text().strip(),
                                        self.order_side.currentText(), self.order_qty.value(),
                                        price, order_type="NORMAL" if price else "MARKET")
        except OpenDeckError as exc:
            self.show_confirm(f"order not placed: {exc}", error=True)
            return
        finally:
            self._placing = False
            self.order_btn.setText("Place")
        self.order_watch.start(res["order_id"], seq0)
        side, qty, code = self.order_side.currentText(), self.order_qty.value(), self.order_code.text()
        what = f"{side} {qty:g} {code.strip()}" + (f" @ {price:g}" if price else " at market")
        self.order_watch.what = what_text = f"{what} on {acc}"
        self.show_confirm(f"order {res['order_id']} placed: {what_text}"
                          + ("; waiting for its status\u2026" if ctx.push_acc_ids else
                             "; subscribe pushes to see its status"))
        self.refresh_order()  # pushes that came before the reply

    def show_confirm(self, text: str, error: bool = False) -> None:
        self.confirm.show_text(text, error)
        if text:
            self._keep_confirm_in_view()

    def _keep_confirm_in_view(self) -> None:
        """Scroll the panel only as far as it takes to bring the confirmation into view (if
        it is out of view at all): never a jump to somewhere else."""
        scroll = getattr(self.panel, "scroll", None)
        if scroll is None or not self.confirm.isVisible():
            return
        port = scroll.viewport()
        top = self.confirm.mapTo(port, QPoint(0, 0)).y()
        bottom = top + self.confirm.height()
        bar = scroll.verticalScrollBar()
        if bottom > port.height():
            bar.setValue(bar.value() + bottom - port.height())
        elif top < 0:
            bar.setValue(bar.value() + top)

    def refresh_order(self) -> None:
        """1 Hz: the placed order's latest Trd_UpdateOrder push, if any arrived."""
        update = self.order_watch.poll(self.session.pushes, self.endpoint_id, self.key)
        if update is not None:
            self.show_confirm(update, error="fail" in update.lower() or "cancel" in update.lower())

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
        self.refresh_order()
        self.refresh_accounts_table()
        self.refresh_status()


class OrderWatch:
    """Follows one placed order through the ring's Trd_UpdateOrder pushes (Qt-free; polled at
    1 Hz, and only while an order is watched)."""

    def __init__(self) -> None:
        self.order_id: int | None = None
        self.seq = 0
        self.status = ""
        self.what = ""  # "BUY 100 HK.00700 @ 320 on <account>"

    def start(self, order_id: int, seq: int) -> None:
        self.order_id, self.seq, self.status = int(order_id), seq, ""

    def poll(self, pushes, endpoint_id: str, context: str) -> str | None:
        """A new line for the confirmation, or None when nothing changed."""
        if self.order_id is None:
            return None
        rows = pushes.rows_since(self.seq)
        if not rows:
            return None
        self.seq = rows[-1][0]
        line = None
        for r in rows:
            if r[4] != catalog.TRD_UPDATE_ORDER or r[2] != endpoint_id or r[3] != context:
                continue
            try:
                order = decode_push(r[4], r[5], r[7], labels=False).get("order", {})
            except OpenDeckError:
                continue
            if int(order.get("orderID", 0) or 0) != self.order_id:
                continue
            status = codes.ORDER_STATUS.get(int(order.get("orderStatus", 0) or 0), "?")
            filled = float(order.get("fillQty", 0) or 0)
            line = (f"order {self.order_id}: {status}" + (f", filled {filled:g}" if filled else "")
                    + (f" at {float(order['fillAvgPrice']):g}" if filled and order.get("fillAvgPrice") else "")
                    + (f" \u2014 {order['lastErrMsg']}" if order.get("lastErrMsg") else "")
                    + (f" ({self.what})" if self.what else ""))
            self.status = status
        return line
