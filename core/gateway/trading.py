"""Demo trading accounts, orders, fills and the ledger behind them (no I/O).

The account list covers what futu-api's contexts look for (shared/protocol.md §5.5): a real
and simulated securities account with HK/US authority, a real futures account and simulated
futures accounts (TrdMarket Futures_Simulate_*). The model:

* **Orders rest and fill against the walk.** A market order fills at the touch (buy at the
  ask, sell at the bid); a limit order fills at once at the touch when it is marketable, and
  otherwise rests until the touch crosses its limit, then fills there (never worse than the
  limit). One match
  takes at most :data:`TOUCH_LOTS` lots, so a large order fills in parts over several ticks.
  Modify (price / qty), cancel and cancel-all act on what is still open.
* **The ledger follows the fills.** Cash per currency moves by qty x price plus fees on a
  buy and minus fees on a sell (futures: by fees and realised P&L, with initial margin held
  against buying power); positions keep qty, average cost, today's buys and sells and
  realised P&L; every fill and fee is a cash-flow entry.
* **History.** Each account starts with a few filled orders on past demo days (the walk's
  close of that day), so its positions, cash, history lists and cash flow agree from the
  first request.

The Book is told about the market at :meth:`Book.bind` (the trade handlers do it on first
use): it then matches on every market step and reports order / fill events to ``emit``.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
from dataclasses import dataclass, field

from ..pb import Trd_Common_pb2
from .accounts import (ACC_CASH, ACC_MARGIN, Account, CATEGORY_FUTURE, CATEGORY_SECURITY,
                       CURRENCY_HKD, CURRENCY_OF_SEC, DEFAULT_ACCOUNTS, ENV_REAL, LIMIT_LIKE,
                       OPEN_STATUSES, ORDER_LIMIT, ORDER_MARKET, QOT_TO_SEC, SEC_CN_SH,
                       SEC_CN_SZ, SEC_HK, SEC_TO_QOT, SEC_US, SEED_HISTORY, SIDE_BUY,
                       SIDE_BUY_BACK, SIDE_SELL, SIDE_SELL_SHORT, START_CASH,
                       STATUS_CANCELLED_ALL, STATUS_CANCELLED_PART, STATUS_FILLED_ALL,
                       STATUS_FILLED_PART, STATUS_SUBMITTED, TOUCH_LOTS, TRD_TO_SEC,
                       _MARKET_AUTH)
from .ledger import (FUTURES_MARGIN_RATE, Ledger, Position, convert, fees, multiplier)
from .market import HK, Market, fmt_time, local_time
from .universe import FUTURE, INDEX, PLATE

@dataclass
class Order:
    order_id: int
    acc_id: int
    env: int
    trd_market: int
    sec_market: int
    side: int
    order_type: int
    code: str
    name: str
    qty: float
    price: float
    created: float
    remark: str = ""
    time_in_force: int = 0
    session: int = 0
    status: int = STATUS_SUBMITTED
    fill_qty: float = 0.0
    fill_price: float = 0.0
    updated: float = 0.0
    fills: list = field(default_factory=list)
    last_err: str = ""

    @property
    def order_id_ex(self) -> str:
        return str(self.order_id)

    @property
    def key(self) -> tuple[int, str]:
        return (SEC_TO_QOT.get(self.sec_market, HK), self.code)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> float:
        return self.qty - self.fill_qty

    @property
    def is_buy(self) -> bool:
        return self.side in (SIDE_BUY, SIDE_BUY_BACK)

    @property
    def fee(self) -> float:
        return sum(f.fee for f in self.fills)

    def header(self, msg) -> None:
        msg.trdEnv = self.env
        msg.accID = self.acc_id
        msg.trdMarket = self.trd_market

    def _stamp(self, ts: float) -> str:
        return fmt_time(local_time(SEC_TO_QOT.get(self.sec_market, HK), ts), ms=True)

    def to_pb(self, msg=None):
        o = msg if msg is not None else Trd_Common_pb2.Order()
        o.trdSide = self.side
        o.orderType = self.order_type
        o.orderStatus = self.status
        o.orderID = self.order_id
        o.orderIDEx = self.order_id_ex
        o.code = self.code
        o.name = self.name
        o.qty = self.qty
        o.price = self.price
        o.createTime = self._stamp(self.created)
        o.updateTime = self._stamp(self.updated or self.created)
        o.fillQty = self.fill_qty
        o.fillAvgPrice = round(self.fill_price, 6)
        o.lastErrMsg = self.last_err
        o.secMarket = self.sec_market
        o.createTimestamp = self.created
        o.updateTimestamp = self.updated or self.created
        o.remark = self.remark
        o.timeInForce = self.time_in_force
        o.fillOutsideRTH = False
        o.currency = CURRENCY_OF_SEC.get(self.sec_market, CURRENCY_HKD)
        o.trdMarket = self.trd_market
        o.session = self.session
        return o


@dataclass
class Fill:
    fill_id: int
    order: Order
    qty: float
    price: float
    created: float
    fee: float = 0.0
    items: list = field(default_factory=list)  # (fee title, amount)

    def to_pb(self, msg=None):
        f = msg if msg is not None else Trd_Common_pb2.OrderFill()
        o = self.order
        f.trdSide = o.side
        f.fillID = self.fill_id
        f.fillIDEx = str(self.fill_id)
        f.orderID = o.order_id
        f.orderIDEx = o.order_id_ex
        f.code = o.code
        f.name = o.name
        f.qty = self.qty
        f.price = self.price
        f.createTime = o._stamp(self.created)
        f.counterBrokerID = 0
        f.counterBrokerName = ""
        f.secMarket = o.sec_market
        f.createTimestamp = self.created
        f.updateTimestamp = self.created
        f.status = 0  # OK
        f.trdMarket = o.trd_market
        return f


class OrderRejected(Exception):
    """A request the demo broker refuses (the message goes to retMsg)."""


class Book:
    """Accounts, the unlock state, every order and fill, and each account's ledger."""

    def __init__(self, accounts=DEFAULT_ACCOUNTS, *, first_order_id: int | None = None) -> None:
        self.accounts: dict[int, Account] = {a.acc_id: a for a in accounts}
        self.orders: dict[int, Order] = {}
        self.unlocked = False
        self.market: Market | None = None
        self.ledgers: dict[int, Ledger] = {}
        #: called as emit(kind, order, fill) with kind "order" or "fill"
        self.emit = lambda kind, order, fill=None: None
        self._first_order_id = first_order_id
        self._order_ids = None
        self._fill_ids = None
        self._packet_ids: set[tuple[int, int]] = set()

    def accounts_for(self, category: int = 0) -> list[Account]:
        if category in (CATEGORY_SECURITY, CATEGORY_FUTURE):
            return [a for a in self.accounts.values() if a.category == category]
        return list(self.accounts.values())

    # -- binding to the market -------------------------------------------------------------

    def bind(self, market: Market, emit=None) -> None:
        """Attach to the market (once): seed the accounts' history, match on every step."""
        if emit is not None:
            self.emit = emit
        if self.market is market:
            return
        self.market = market
        day = market.anchor
        base = self._first_order_id if self._first_order_id is not None else \
            int(day.strftime("%y%m%d")) * 10_000_000
        self._order_ids = itertools.count(base + 1)
        self._fill_ids = itertools.count(base * 10 + 1)
        for acc in self.accounts.values():
            cash = dict(START_CASH.get(acc.acc_id, {CURRENCY_HKD: 1_000_000.0}))
            base_cur = next(iter(cash))
            self.ledgers[acc.acc_id] = Ledger(cash, base_cur)
        for acc_id, rows in SEED_HISTORY.items():
            if acc_id in self.accounts:
                for market_id, code, days_ago, qty in rows:
                    self._seed(self.accounts[acc_id], (market_id, code), day, days_ago, qty)
        market.on_step.append(self._on_step)

    def _seed(self, acc: Account, key, anchor: _dt.date, days_ago: int, qty: int) -> None:
        path = self.market.path(key)
        if path is None:
            return
        day = anchor - _dt.timedelta(days=days_ago)
        ts = _dt.datetime.combine(day, _dt.time(10, 30), path.tz).timestamp()
        price = path.price_at(ts)
        trd_market = acc.markets[0]
        order = Order(next(self._order_ids), acc.acc_id, acc.env, trd_market,
                      QOT_TO_SEC.get(key[0], SEC_HK), SIDE_BUY, ORDER_LIMIT, key[1],
                      path.spec.name, float(qty), price, ts, remark="demo history")
        self.orders[order.order_id] = order
        self._fill(order, float(qty), price, ts, quiet=True)

    def _on_step(self, market: Market, now: float) -> None:
        open_orders = [o for o in self.orders.values() if o.is_open]
        for order in open_orders:
            self.match(order, now)
        # the market steps these on every tick even when nobody subscribes them
        market.watched = {o.key for o in open_orders if o.is_open}

    # -- placing -----------------------------------------------------------------------------

    def account_for(self, hdr) -> Account:
        acc = self.accounts.get(hdr.accID)
        if acc is None:
            raise OrderRejected(f"unknown accID {hdr.accID}: call Trd_GetAccList for the "
                                "accounts of this gateway")
        if hdr.trdEnv != acc.env:
            raise OrderRejected(f"accID {acc.acc_id} is a "
                                f"{'real' if acc.env == ENV_REAL else 'simulated'} account, "
                                f"but the header says trdEnv={hdr.trdEnv}")
        return acc

    def resolve(self, acc: Account, code: str, sec_market: int, trd_market: int):
        """(spec, sec_market) of a code an account may trade, or OrderRejected."""
        if not sec_market:
            sec_market = TRD_TO_SEC.get(trd_market) or (SEC_HK if code[:1].isdigit() else SEC_US)
        if sec_market in (SEC_CN_SH, SEC_CN_SZ) and code[:1] in "03":
            sec_market = SEC_CN_SZ
        key = (SEC_TO_QOT.get(sec_market, HK), code)
        spec = self.market.spec(key) if self.market is not None else None
        if spec is None:
            raise OrderRejected(f"unknown stock {code} in market {sec_market}: it is not in "
                                "the demo gateway's universe")
        if spec.sec_type in (INDEX, PLATE):
            raise OrderRejected(f"{code} is an index or plate and cannot be traded")
        is_future = spec.sec_type == FUTURE
        if is_future != (acc.category == CATEGORY_FUTURE):
            raise OrderRejected(f"{code} is {'a future' if is_future else 'not a future'}: "
                                f"accID {acc.acc_id} is a "
                                f"{'futures' if acc.category == CATEGORY_FUTURE else 'securities'}"
                                " account")
        if not set(_MARKET_AUTH.get(key[0], ())) & set(acc.markets):
            raise OrderRejected(f"accID {acc.acc_id} has no authority to trade {code} "
                                f"(markets {list(acc.markets)})")
        return spec, sec_market

    def place(self, c2s, market: Market, now: float | None = None) -> Order:
        """Validate and accept an order (status Submitted). Raises :class:`OrderRejected`.
        The caller then runs :meth:`match` (at once, or after the gateway's fill delay)."""
        if self.market is None:
            self.bind(market)
        hdr = c2s.header
        acc = self.account_for(hdr)
        if acc.env == ENV_REAL and not self.unlocked:
            raise OrderRejected("trade is locked: call Trd_UnlockTrade with the trade password "
                                "before placing real orders")
        pid = (c2s.packetID.connID, c2s.packetID.serialNo)
        if pid in self._packet_ids:
            raise OrderRejected(f"duplicate packetID {pid}: the order was already placed")
        if not c2s.code:
            raise OrderRejected("code is empty")
        if not c2s.qty > 0:
            raise OrderRejected(f"qty must be positive, got {c2s.qty}")
        if c2s.orderType not in LIMIT_LIKE and c2s.orderType != ORDER_MARKET:
            raise OrderRejected(f"Trd_PlaceOrder: orderType {c2s.orderType} is not modelled; "
                                "supported: 1 limit (Normal), 2 market, 5 absolute limit, "
                                "8 special limit")
        if c2s.trdSide not in (SIDE_BUY, SIDE_SELL, SIDE_SELL_SHORT, SIDE_BUY_BACK):
            raise OrderRejected(f"trdSide {c2s.trdSide} is not 1 buy, 2 sell, 3 sell short, "
                                "4 buy back")
        spec, sec_market = self.resolve(acc, c2s.code, c2s.secMarket if c2s.HasField(
            "secMarket") else 0, hdr.trdMarket)
        if spec.market == HK and spec.sec_type != FUTURE and c2s.qty % spec.lot:
            raise OrderRejected(f"{spec.text} trades in lots of {spec.lot}; qty {c2s.qty:g} "
                                "is not a multiple")
        price = c2s.price if c2s.HasField("price") else 0.0
        inst = market.current(spec.key)
        if c2s.orderType == ORDER_MARKET:
            price = inst.price
        elif price <= 0:
            raise OrderRejected("a limit order needs a positive price")
        # a marketable limit fills at the touch now: buying power is checked at that price
        buy = c2s.trdSide in (SIDE_BUY, SIDE_BUY_BACK)
        check = min(price, inst.ask) if buy else price
        self._check_funds(acc, spec, c2s.trdSide, c2s.qty, check)
        self._packet_ids.add(pid)
        t = market.now() if now is None else now
        order = Order(next(self._order_ids), acc.acc_id, acc.env, hdr.trdMarket, sec_market,
                      c2s.trdSide, c2s.orderType, c2s.code, spec.name, c2s.qty, price, t,
                      remark=c2s.remark, time_in_force=c2s.timeInForce, session=c2s.session)
        self.orders[order.order_id] = order
        market.watched.add(spec.key)
        return order

    def _check_funds(self, acc: Account, spec, side: int, qty: float, price: float) -> None:
        q = self.max_qtys(acc, spec, price)
        if side in (SIDE_BUY, SIDE_BUY_BACK):
            limit = q["maxCashAndMarginBuy"] if acc.acc_type == ACC_MARGIN else q["maxCashBuy"]
            if side == SIDE_BUY_BACK:
                limit = q["maxBuyBack"]
            if qty > limit:
                raise OrderRejected(f"insufficient buying power: at most {limit:g} of "
                                    f"{spec.text} at {price:g}")
        else:
            limit = q["maxPositionSell"] if side == SIDE_SELL and acc.acc_type == ACC_CASH \
                else q["maxPositionSell"] + q["maxSellShort"]
            if qty > limit:
                raise OrderRejected(f"not enough to sell: at most {limit:g} of {spec.text} "
                                    "(position not yet committed to open sell orders"
                                    f"{'' if acc.acc_type == ACC_CASH else ' plus short quota'})")

    # -- matching ----------------------------------------------------------------------------

    def match(self, order: Order, now: float | None = None) -> list[Fill]:
        """Fill what the market allows now: at the touch (never worse than the limit) once
        the touch reaches the limit; at most TOUCH_LOTS lots per call."""
        if not order.is_open or self.market is None:
            return []
        inst = self.market.current(order.key)
        t = self.market.now() if now is None else now
        buy = order.is_buy
        touch = inst.ask if buy else inst.bid
        if order.order_type == ORDER_MARKET:
            price = touch
        elif (buy and touch <= order.price) or (not buy and touch >= order.price):
            price = touch  # the limit is at or through the touch: fill there
        else:
            return []
        lot = 1 if inst.spec.sec_type == FUTURE else inst.lot
        qty = min(order.remaining, TOUCH_LOTS * lot)
        return [self._fill(order, qty, price, t)]

    def _fill(self, order: Order, qty: float, price: float, ts: float,
              quiet: bool = False) -> Fill:
        spec = self.market.spec(order.key)
        is_future = spec.sec_type == FUTURE
        cur = CURRENCY_OF_SEC.get(order.sec_market, CURRENCY_HKD)
        items = fees(cur, is_future, order.is_buy, qty, price)
        fee = round(sum(v for _t, v in items), 2)
        f = Fill(next(self._fill_ids), order, qty, price, ts, fee, items)
        done = order.fill_qty + qty
        order.fill_price = (order.fill_price * order.fill_qty + price * qty) / done
        order.fill_qty = done
        order.status = STATUS_FILLED_ALL if done >= order.qty else STATUS_FILLED_PART
        order.updated = ts
        order.fills.append(f)
        ledger = self.ledgers[order.acc_id]
        pos = ledger.positions.get(order.key)
        if pos is None:
            pos = ledger.positions[order.key] = Position(
                order.key, order.code, order.name, order.sec_market, cur,
                multiplier(order.code, is_future), is_future)
        day = self._day(order.key, ts)
        ledger.apply_fill(pos, order.is_buy, qty, price, fee, ts, day.isoformat(),
                          day == self._day(order.key, self.market.now()),
                          f"{order.code} {'buy' if order.is_buy else 'sell'} {qty:g}@{price:g}")
        if not quiet:
            self.emit("fill", order, f)
            self.emit("order", order, None)
        return f

    def _day(self, key, ts: float) -> _dt.date:
        return local_time(key[0], ts).date()

    def fill(self, order: Order, now: float | None = None) -> Fill:
        """Fill the rest of an order at its price at once (kept for callers that want it)."""
        t = self.market.now() if now is None else now
        return self._fill(order, order.remaining, order.price, t)

    # -- modify / cancel ---------------------------------------------------------------------

    def modify(self, c2s, now: float | None = None) -> list[Order]:
        """Trd_ModifyOrder: change, cancel or cancel all; returns the orders it changed."""
        acc = self.account_for(c2s.header)
        if acc.env == ENV_REAL and not self.unlocked:
            raise OrderRejected("trade is locked: call Trd_UnlockTrade before modifying real "
                                "orders")
        t = self.market.now() if now is None else now
        op = c2s.modifyOrderOp
        if c2s.forAll:
            if op != 2:
                raise OrderRejected("forAll is only for cancel (modifyOrderOp 2)")
            targets = [o for o in self.orders.values() if o.acc_id == acc.acc_id and o.is_open
                       and (not c2s.trdMarket or o.trd_market == c2s.trdMarket)]
            for o in targets:
                self._cancel(o, t)
            return targets
        order = self.orders.get(c2s.orderID)
        if order is None and c2s.orderIDEx:
            order = self.orders.get(int(c2s.orderIDEx)) if c2s.orderIDEx.isdigit() else None
        if order is None or order.acc_id != acc.acc_id:
            raise OrderRejected(f"unknown orderID {c2s.orderID} in accID {acc.acc_id}")
        if op not in (1, 2):
            raise OrderRejected(f"Trd_ModifyOrder: modifyOrderOp {op} is not modelled; "
                                "supported: 1 normal (price / qty), 2 cancel")
        if not order.is_open:
            raise OrderRejected(f"order {order.order_id} is no longer open (status "
                                f"{order.status})")
        if op == 2:
            self._cancel(order, t)
            return [order]
        qty = c2s.qty if c2s.HasField("qty") else order.qty
        price = c2s.price if c2s.HasField("price") else order.price
        if qty < order.fill_qty or qty <= 0:
            raise OrderRejected(f"qty {qty:g} is below what is already filled "
                                f"({order.fill_qty:g})")
        if order.order_type != ORDER_MARKET and price <= 0:
            raise OrderRejected("price must be positive")
        order.qty, order.price, order.updated = qty, price, t
        if order.fill_qty >= qty:
            order.status = STATUS_FILLED_ALL
        return [order]

    @staticmethod
    def _cancel(order: Order, ts: float) -> None:
        order.status = STATUS_CANCELLED_PART if order.fill_qty else STATUS_CANCELLED_ALL
        order.updated = ts

    # -- views -------------------------------------------------------------------------------

    def account_orders(self, acc_id: int) -> list[Order]:
        return [o for o in self.orders.values() if o.acc_id == acc_id]

    def is_today(self, order: Order, ts: float | None = None) -> bool:
        return self._day(order.key, order.created if ts is None else ts) == \
            self._day(order.key, self.market.now())

    def frozen(self, acc_id: int, currency: int) -> float:
        total = 0.0
        for o in self.account_orders(acc_id):
            if o.is_open and o.is_buy and CURRENCY_OF_SEC.get(o.sec_market) == currency:
                spec = self.market.spec(o.key)
                if spec.sec_type == FUTURE:
                    total += o.remaining * o.price * multiplier(o.code, True) * \
                        FUTURES_MARGIN_RATE
                else:
                    total += o.remaining * o.price
        return total

    def committed_sell(self, acc_id: int, key) -> float:
        return sum(o.remaining for o in self.account_orders(acc_id)
                   if o.is_open and not o.is_buy and o.key == key)

    def max_qtys(self, acc: Account, spec, price: float) -> dict[str, float]:
        ledger = self.ledgers[acc.acc_id]
        cur = CURRENCY_OF_SEC.get(QOT_TO_SEC.get(spec.market, SEC_HK), CURRENCY_HKD)
        is_future = spec.sec_type == FUTURE
        cash = sum(convert(v, c, cur) for c, v in ledger.cash.items())
        free = cash - sum(convert(self.frozen(acc.acc_id, c), c, cur) for c in ledger.cash)
        pos = ledger.positions.get(spec.key)
        held = pos.qty if pos is not None else 0.0
        lot = 1 if is_future else spec.lot
        if is_future:
            margin_used = sum(abs(p.qty) * self.market.current(p.key).price * p.multiplier *
                              FUTURES_MARGIN_RATE for p in ledger.positions.values() if p.qty)
            per = price * multiplier(spec.code, True) * FUTURES_MARGIN_RATE
            n = math.floor(max(0.0, free - margin_used) / per) if per > 0 else 0
            return {"maxCashBuy": n, "maxCashAndMarginBuy": n, "maxPositionSell": max(0.0, held),
                    "maxSellShort": n, "maxBuyBack": max(0.0, -held)}
        unit = price * 1.002
        cash_buy = math.floor(max(0.0, free) / unit / lot) * lot if unit > 0 else 0
        long_val = sum(convert(p.market_value(self.market.current(p.key).price), p.currency,
                               cur) for p in ledger.positions.values() if p.qty > 0)
        margin = acc.acc_type == ACC_MARGIN
        power = max(0.0, free + 0.5 * long_val) if margin else max(0.0, free)
        margin_buy = math.floor(power / unit / lot) * lot if unit > 0 else 0
        can_sell = max(0.0, held - self.committed_sell(acc.acc_id, spec.key))
        return {"maxCashBuy": cash_buy, "maxCashAndMarginBuy": margin_buy,
                "maxPositionSell": can_sell, "maxSellShort": margin_buy if margin else 0.0,
                "maxBuyBack": max(0.0, -held)}
