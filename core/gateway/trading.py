"""Demo trading accounts and orders for the gateway (no I/O).

The account list covers what futu-api's contexts look for (shared/protocol.md §5.5): a real
and simulated securities account with HK/US authority, a real futures account and simulated
futures accounts (TrdMarket Futures_Simulate_*). Orders placed on them are accepted, then
filled in full at the limit price (or the market price for market orders).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import time
from dataclasses import dataclass, field

from ..pb import Trd_Common_pb2
from .market import CNSH, CNSZ, HK, US, Market, fmt_time, local_time

# Trd_Common enums used here
ENV_SIMULATE = 0
ENV_REAL = 1
CATEGORY_SECURITY = 1
CATEGORY_FUTURE = 2
TRD_HK, TRD_US, TRD_CN, TRD_HKCC, TRD_FUTURES = 1, 2, 3, 4, 5
TRD_FUT_SIM_HK, TRD_FUT_SIM_US = 10, 11
SEC_HK, SEC_US, SEC_CN_SH, SEC_CN_SZ = 1, 2, 31, 32
FIRM_FUTU_SECURITIES = 1
ACC_CASH, ACC_MARGIN = 1, 2
SIM_STOCK, SIM_FUTURES = 1, 3
STATUS_SUBMITTED = 5
STATUS_FILLED_ALL = 11
ORDER_MARKET = 2
CURRENCY_HKD, CURRENCY_USD, CURRENCY_CNH = 1, 2, 3

#: TrdSecMarket -> QotMarket
SEC_TO_QOT = {SEC_HK: HK, SEC_US: US, SEC_CN_SH: CNSH, SEC_CN_SZ: CNSZ}
#: TrdMarket -> TrdSecMarket (the usual one)
TRD_TO_SEC = {TRD_HK: SEC_HK, TRD_US: SEC_US, TRD_HKCC: SEC_CN_SH, TRD_CN: SEC_CN_SH,
              TRD_FUT_SIM_HK: SEC_HK, TRD_FUT_SIM_US: SEC_US}
CURRENCY_OF_SEC = {SEC_HK: CURRENCY_HKD, SEC_US: CURRENCY_USD, SEC_CN_SH: CURRENCY_CNH,
                   SEC_CN_SZ: CURRENCY_CNH}


@dataclass(frozen=True)
class Account:
    acc_id: int
    env: int
    category: int
    markets: tuple[int, ...]
    acc_type: int
    card_num: str
    sim_acc_type: int = 0
    firm: int = FIRM_FUTU_SECURITIES
    status: int = 0  # Active

    def fill(self, msg) -> None:
        msg.trdEnv = self.env
        msg.accID = self.acc_id
        msg.trdMarketAuthList.extend(self.markets)
        msg.accType = self.acc_type
        msg.cardNum = self.card_num
        msg.uniCardNum = self.card_num
        msg.securityFirm = self.firm
        if self.sim_acc_type:
            msg.simAccType = self.sim_acc_type
        msg.accStatus = self.status
        msg.accRole = 1  # Normal


DEFAULT_ACCOUNTS: tuple[Account, ...] = (
    Account(281756478396547001, ENV_REAL, CATEGORY_SECURITY, (TRD_HK, TRD_US, TRD_HKCC),
            ACC_MARGIN, "1001289417402813"),
    Account(8036275, ENV_SIMULATE, CATEGORY_SECURITY, (TRD_HK,), ACC_CASH, "",
            sim_acc_type=SIM_STOCK),
    Account(8036276, ENV_SIMULATE, CATEGORY_SECURITY, (TRD_US,), ACC_MARGIN, "",
            sim_acc_type=SIM_STOCK),
    Account(281756478396547002, ENV_REAL, CATEGORY_FUTURE, (TRD_FUTURES,), ACC_MARGIN,
            "1001289417402899"),
    Account(9036277, ENV_SIMULATE, CATEGORY_FUTURE, (TRD_FUT_SIM_HK,), ACC_MARGIN, "",
            sim_acc_type=SIM_FUTURES),
    Account(9036278, ENV_SIMULATE, CATEGORY_FUTURE, (TRD_FUT_SIM_US,), ACC_MARGIN, "",
            sim_acc_type=SIM_FUTURES),
)


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

    @property
    def order_id_ex(self) -> str:
        return str(self.order_id)

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
        o.fillAvgPrice = self.fill_price
        o.lastErrMsg = ""
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
    """A place-order request the demo broker refuses (message goes to retMsg)."""


class Book:
    """Accounts, the unlock state and every order placed on this gateway."""

    def __init__(self, accounts=DEFAULT_ACCOUNTS, *, first_order_id: int | None = None) -> None:
        self.accounts: dict[int, Account] = {a.acc_id: a for a in accounts}
        self.orders: dict[int, Order] = {}
        self.unlocked = False
        base = first_order_id if first_order_id is not None else \
            int(_dt.date.today().strftime("%y%m%d")) * 10_000_000
        self._order_ids = itertools.count(base + 1)
        self._fill_ids = itertools.count(base * 10 + 1)
        self._packet_ids: set[tuple[int, int]] = set()

    def accounts_for(self, category: int = 0) -> list[Account]:
        if category in (CATEGORY_SECURITY, CATEGORY_FUTURE):
            return [a for a in self.accounts.values() if a.category == category]
        return list(self.accounts.values())

    def place(self, c2s, market: Market, now: float | None = None) -> Order:
        """Validate and accept an order (status Submitted). Raises :class:`OrderRejected`."""
        hdr = c2s.header
        acc = self.accounts.get(hdr.accID)
        if acc is None:
            raise OrderRejected(f"unknown accID {hdr.accID}: call Trd_GetAccList for the "
                                "accounts of this gateway")
        if hdr.trdEnv != acc.env:
            raise OrderRejected(f"accID {acc.acc_id} is a "
                                f"{'real' if acc.env == ENV_REAL else 'simulated'} account, "
                                f"but the header says trdEnv={hdr.trdEnv}")
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
        if c2s.HasField("secMarket") and c2s.secMarket:
            sec_market = c2s.secMarket
        else:
            sec_market = TRD_TO_SEC.get(hdr.trdMarket) or (
                SEC_HK if c2s.code.isdigit() else SEC_US)
        inst = market.ensure((SEC_TO_QOT.get(sec_market, HK), c2s.code))
        price = c2s.price if c2s.HasField("price") else 0.0
        if c2s.orderType == ORDER_MARKET or price <= 0:
            if inst is None:
                raise OrderRejected(f"no price for {c2s.code}: give a limit price")
            price = price if price > 0 else inst.price
        self._packet_ids.add(pid)
        t = time.time() if now is None else now
        order = Order(next(self._order_ids), acc.acc_id, acc.env, hdr.trdMarket, sec_market,
                      c2s.trdSide, c2s.orderType, c2s.code,
                      inst.name if inst is not None else c2s.code, c2s.qty, price, t,
                      remark=c2s.remark, time_in_force=c2s.timeInForce, session=c2s.session)
        self.orders[order.order_id] = order
        return order

    def fill(self, order: Order, now: float | None = None) -> Fill:
        """Fill the rest of an order at its price."""
        t = time.time() if now is None else now
        qty = order.qty - order.fill_qty
        f = Fill(next(self._fill_ids), order, qty, order.price, t)
        order.fills.append(f)
        order.fill_qty = order.qty
        order.fill_price = order.price
        order.status = STATUS_FILLED_ALL
        order.updated = t
        return f
