"""Trade protos on the demo ledger: placing (2202), modifying and cancelling (2205), funds
(2101), positions (2102), today's and history orders and fills (2201, 2211, 2221, 2222),
max quantities (2111), cash flow (2226) and order fees (2225); and the order / fill pushes
that follow every change, from a request or from a market step.

The book is bound to the market on first use (:func:`bound`): from then on it matches
resting orders on every market step and reports each change through
``pushes.to_acc_subscribers``.
"""

from __future__ import annotations

import asyncio
import datetime as _dt

from .. import catalog
from ..pb import Trd_UpdateOrder_pb2, Trd_UpdateOrderFill_pb2
from . import pushes
from .dispatch import Reject, handles
from .ledger import FLOW_IN, FLOW_OUT, convert
from .market import local_time
from .trading import ACC_MARGIN, OPEN_STATUSES, Book, Order, OrderRejected
from .universe import FUTURE

def bound(gw) -> Book:
    book = gw.book
    if book.market is not gw.market:
        book.bind(gw.market, lambda kind, order, fill=None: _emit(gw, kind, order, fill))
    return book


def _emit(gw, kind: str, order: Order, fill) -> None:
    if kind == "fill":
        resp = Trd_UpdateOrderFill_pb2.Response(retType=0)
        order.header(resp.s2c.header)
        fill.to_pb(resp.s2c.orderFill)
        pushes.to_acc_subscribers(gw, order.acc_id, catalog.TRD_UPDATE_ORDER_FILL, resp)
    else:
        resp = Trd_UpdateOrder_pb2.Response(retType=0)
        order.header(resp.s2c.header)
        order.to_pb(resp.s2c.order)
        pushes.to_acc_subscribers(gw, order.acc_id, catalog.TRD_UPDATE_ORDER, resp)


def _account(gw, hdr, proto: str):
    book = bound(gw)
    try:
        return book, book.account_for(hdr)
    except OrderRejected as exc:
        raise Reject(f"{proto}: {exc}") from None


# -- orders ----------------------------------------------------------------------------------

@handles(catalog.TRD_PLACE_ORDER)
def place_order(gw, c, c2s, resp):
    book = bound(gw)
    try:
        order = book.place(c2s, gw.market)
    except OrderRejected as exc:
        raise Reject(str(exc)) from None
    resp.s2c.header.CopyFrom(c2s.header)
    resp.s2c.orderID = order.order_id
    resp.s2c.orderIDEx = order.order_id_ex

    def after() -> None:
        _emit(gw, "order", order, None)
        delay = getattr(gw, "fill_delay", 0.0)
        if delay > 0:
            timers = getattr(gw, "fill_timers", {})
            loop = asyncio.get_running_loop()
            timers[order.order_id] = loop.call_later(delay, _match_later, gw, order)
        else:
            book.match(order)
    return after


def _match_later(gw, order: Order) -> None:
    getattr(gw, "fill_timers", {}).pop(order.order_id, None)
    gw.book.match(order)


@handles(catalog.TRD_MODIFY_ORDER)
def modify_order(gw, c, c2s, resp):
    book = bound(gw)
    try:
        changed = book.modify(c2s)
    except OrderRejected as exc:
        raise Reject(f"Trd_ModifyOrder: {exc}") from None
    resp.s2c.header.CopyFrom(c2s.header)
    resp.s2c.orderID = c2s.orderID
    if c2s.HasField("orderIDEx"):
        resp.s2c.orderIDEx = c2s.orderIDEx
    elif c2s.orderID:
        resp.s2c.orderIDEx = str(c2s.orderID)

    def after() -> None:
        for order in changed:
            _emit(gw, "order", order, None)
            if order.is_open:
                book.match(order)  # a new price may be marketable
    return after


def _filter(book: Book, acc_id: int, cond, statuses, *, today: bool, history: bool):
    codes = set(cond.codeList) if cond is not None else set()
    ids = set(cond.idList) if cond is not None else set()
    ids |= {int(x) for x in (cond.orderIDExList if cond is not None else ()) if x.isdigit()}
    t0 = t1 = None
    if history:
        t0, t1 = _range(book, cond)
    out = []
    for o in book.account_orders(acc_id):
        if codes and o.code not in codes:
            continue
        if ids and o.order_id not in ids:
            continue
        if statuses and o.status not in statuses:
            continue
        if today and not book.is_today(o):
            continue
        if history and not _within(o.key, o.created, t0, t1):
            continue
        if cond is not None and cond.HasField("filterMarket") and cond.filterMarket and \
                o.sec_market != cond.filterMarket:
            continue
        out.append(o)
    return sorted(out, key=lambda o: o.created)


def _range(book: Book, cond) -> tuple[_dt.datetime, _dt.datetime]:
    """The filter's [begin, end] as naive times, read in each order's own market time (as
    OpenD shows createTime); the last 90 days when not given."""
    now = _dt.datetime.fromtimestamp(book.market.now())
    t0, t1 = now - _dt.timedelta(days=91), now + _dt.timedelta(days=1)
    if cond is not None:
        if cond.beginTime:
            t0 = _naive(cond.beginTime)
        if cond.endTime:
            t1 = _naive(cond.endTime, end=True)
    return t0, t1


def _naive(text: str, end: bool = False) -> _dt.datetime:
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d"):
        try:
            d = _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return d.replace(hour=23, minute=59, second=59) if fmt == "%Y-%m-%d" and end else d
    raise Reject(f"time {text!r} is not YYYY-MM-DD[ HH:MM:SS]")


def _within(key, ts: float, t0: _dt.datetime, t1: _dt.datetime) -> bool:
    return t0 <= local_time(key[0], ts).replace(tzinfo=None) <= t1


@handles(catalog.TRD_GET_ORDER_LIST)
def get_order_list(gw, c, c2s, resp):
    book, acc = _account(gw, c2s.header, "Trd_GetOrderList")
    resp.s2c.header.CopyFrom(c2s.header)
    cond = c2s.filterConditions if c2s.HasField("filterConditions") else None
    for o in _filter(book, acc.acc_id, cond, set(c2s.filterStatusList), today=True,
                     history=False):
        o.to_pb(resp.s2c.orderList.add())


@handles(catalog.TRD_GET_HISTORY_ORDER_LIST)
def get_history_order_list(gw, c, c2s, resp):
    book, acc = _account(gw, c2s.header, "Trd_GetHistoryOrderList")
    resp.s2c.header.CopyFrom(c2s.header)
    for o in _filter(book, acc.acc_id, c2s.filterConditions, set(c2s.filterStatusList),
                     today=False, history=True):
        if o.status not in OPEN_STATUSES or not book.is_today(o):
            o.to_pb(resp.s2c.orderList.add())


def _fills(book: Book, acc_id: int, cond, *, today: bool):
    out = []
    codes = set(cond.codeList) if cond is not None else set()
    ids = set(cond.idList) if cond is not None else set()
    t0, t1 = _range(book, cond) if not today else (None, None)
    for o in book.account_orders(acc_id):
        if codes and o.code not in codes:
            continue
        for f in o.fills:
            if ids and f.fill_id not in ids:
                continue
            if today and not book.is_today(o, f.created):
                continue
            if not today and not _within(o.key, f.created, t0, t1):
                continue
            out.append(f)
    return sorted(out, key=lambda f: f.created)


@handles(catalog.TRD_GET_ORDER_FILL_LIST)
def get_order_fill_list(gw, c, c2s, resp):
    book, acc = _account(gw, c2s.header, "Trd_GetOrderFillList")
    resp.s2c.header.CopyFrom(c2s.header)
    cond = c2s.filterConditions if c2s.HasField("filterConditions") else None
    for f in _fills(book, acc.acc_id, cond, today=True):
        f.to_pb(resp.s2c.orderFillList.add())


@handles(catalog.TRD_GET_HISTORY_ORDER_FILL_LIST)
def get_history_order_fill_list(gw, c, c2s, resp):
    book, acc = _account(gw, c2s.header, "Trd_GetHistoryOrderFillList")
    resp.s2c.header.CopyFrom(c2s.header)
    for f in _fills(book, acc.acc_id, c2s.filterConditions, today=False):
        f.to_pb(resp.s2c.orderFillList.add())


@handles(catalog.TRD_GET_ORDER_FEE)
def get_order_fee(gw, c, c2s, resp):
    book, acc = _account(gw, c2s.header, "Trd_GetOrderFee")
    resp.s2c.header.CopyFrom(c2s.header)
    for ex in c2s.orderIdExList:
        order = book.orders.get(int(ex)) if ex.isdigit() else None
        if order is None or order.acc_id != acc.acc_id:
            raise Reject(f"Trd_GetOrderFee: unknown order {ex} in accID {acc.acc_id}")
        fee = resp.s2c.orderFeeList.add()
        fee.orderIDEx = ex
        totals: dict[str, float] = {}
        for f in order.fills:
            for title, value in f.items:
                totals[title] = totals.get(title, 0.0) + value
        fee.feeAmount = round(order.fee, 2)
        for title, value in totals.items():
            item = fee.feeList.add()
            item.title = title
            item.value = round(value, 2)


# -- money -----------------------------------------------------------------------------------

def _currency(c2s, acc, ledger) -> int:
    if c2s.HasField("currency") and c2s.currency:
        return c2s.currency
    return ledger.base


@handles(catalog.TRD_GET_FUNDS)
def get_funds(gw, c, c2s, resp):
    book, acc = _account(gw, c2s.header, "Trd_GetFunds")
    ledger = book.ledgers[acc.acc_id]
    cur = _currency(c2s, acc, ledger)
    m = gw.market
    cash = sum(convert(v, k, cur) for k, v in ledger.cash.items())
    frozen = sum(convert(book.frozen(acc.acc_id, k), k, cur) for k in ledger.cash)
    market_val = unreal = real = long_mv = short_mv = 0.0
    margin = 0.0
    for p in ledger.positions.values():
        price = m.current(p.key).price
        real += convert(p.realized, p.currency, cur)
        if not p.qty:
            continue
        unreal += convert(p.unrealized(price), p.currency, cur)
        if p.is_future:
            margin += convert(abs(p.qty) * price * p.multiplier * 0.12, p.currency, cur)
            continue
        mv = convert(p.market_value(price), p.currency, cur)
        market_val += mv
        long_mv += max(0.0, mv)
        short_mv += min(0.0, mv)
    f = resp.s2c.funds
    resp.s2c.header.CopyFrom(c2s.header)
    is_future = acc.category == 2
    total = cash + unreal if is_future else cash + market_val
    power = cash - frozen - margin + (0.5 * long_mv if acc.acc_type == ACC_MARGIN and
                                      not is_future else 0.0)
    f.power = round(max(0.0, power), 2)
    f.totalAssets = round(total, 2)
    f.cash = round(cash, 2)
    f.marketVal = round(market_val, 2)
    f.frozenCash = round(frozen, 2)
    f.debtCash = round(max(0.0, -cash), 2)
    f.avlWithdrawalCash = round(max(0.0, cash - frozen - margin), 2)
    f.currency = cur
    f.availableFunds = f.avlWithdrawalCash
    f.unrealizedPL = round(unreal, 2)
    f.realizedPL = round(real, 2)
    f.riskLevel = 0
    f.initialMargin = round(margin, 2)
    f.maintenanceMargin = round(margin * 0.8, 2)
    f.maxPowerShort = f.power if acc.acc_type == ACC_MARGIN else 0.0
    f.netCashPower = round(max(0.0, cash - frozen), 2)
    f.longMv = round(long_mv, 2)
    f.shortMv = round(short_mv, 2)
    f.pendingAsset = 0.0
    f.maxWithdrawal = f.avlWithdrawalCash
    f.riskStatus = 1
    f.securitiesAssets = round(total, 2)
    f.fundAssets = f.bondAssets = 0.0
    for k, v in sorted(ledger.cash.items()):
        ci = f.cashInfoList.add()
        ci.currency = k
        ci.cash = round(v, 2)
        ci.availableBalance = round(v - book.frozen(acc.acc_id, k), 2)
        ci.netCashPower = round(max(0.0, v - book.frozen(acc.acc_id, k)), 2)


@handles(catalog.TRD_GET_POSITION_LIST)
def get_position_list(gw, c, c2s, resp):
    book, acc = _account(gw, c2s.header, "Trd_GetPositionList")
    ledger = book.ledgers[acc.acc_id]
    resp.s2c.header.CopyFrom(c2s.header)
    cond = c2s.filterConditions if c2s.HasField("filterConditions") else None
    codes = set(cond.codeList) if cond is not None else set()
    m = gw.market
    for p in ledger.positions.values():
        p.roll(gw.market.path(p.key).local_day(gw.market.now()).isoformat())
        if not p.qty and not p.td_sell_qty:
            continue
        if codes and p.code not in codes:
            continue
        price = m.current(p.key).price
        cost_val = p.avg_cost * abs(p.qty) * p.multiplier
        pl = p.unrealized(price)
        ratio = pl / cost_val if cost_val else 0.0  # a fraction on the wire (futu shows %)
        if c2s.HasField("filterPLRatioMin") and ratio < c2s.filterPLRatioMin:
            continue
        if c2s.HasField("filterPLRatioMax") and ratio > c2s.filterPLRatioMax:
            continue
        x = resp.s2c.positionList.add()
        x.positionID = p.position_id
        x.positionSide = 0 if p.qty >= 0 else 1  # Long / Short
        x.code, x.name = p.code, p.name
        x.qty = p.qty
        x.canSellQty = max(0.0, p.qty - book.committed_sell(acc.acc_id, p.key))
        x.price = price
        x.costPrice = x.averageCostPrice = x.dilutedCostPrice = round(p.avg_cost, 6)
        x.val = round(p.market_value(price), 2)
        x.plVal = round(pl, 2)
        x.plRatio = x.averagePlRatio = round(ratio, 4)
        x.secMarket = p.sec_market
        x.td_buyQty, x.td_buyVal = p.td_buy_qty, round(p.td_buy_val, 2)
        x.td_sellQty, x.td_sellVal = p.td_sell_qty, round(p.td_sell_val, 2)
        x.td_trdVal = round(p.td_buy_val + p.td_sell_val, 2)
        x.td_plVal = round(pl + p.realized, 2)
        x.unrealizedPL = round(pl, 2)
        x.realizedPL = round(p.realized, 2)
        x.currency = p.currency
        x.trdMarket = c2s.header.trdMarket


@handles(catalog.TRD_GET_MAX_TRD_QTYS)
def get_max_trd_qtys(gw, c, c2s, resp):
    proto = "Trd_GetMaxTrdQtys"
    book, acc = _account(gw, c2s.header, proto)
    try:
        spec, _sec = book.resolve(acc, c2s.code, c2s.secMarket if c2s.HasField("secMarket")
                                  else 0, c2s.header.trdMarket)
    except OrderRejected as exc:
        raise Reject(f"{proto}: {exc}") from None
    price = c2s.price if c2s.price > 0 else gw.market.current(spec.key).price
    q = book.max_qtys(acc, spec, price)
    resp.s2c.header.CopyFrom(c2s.header)
    mq = resp.s2c.maxTrdQtys
    for name, value in q.items():
        setattr(mq, name, float(value))
    if spec.sec_type == FUTURE:
        per = price * 0.12 * (50 if spec.code.startswith("HSI") else 10)
        mq.longRequiredIM = mq.shortRequiredIM = round(per, 2)


@handles(catalog.TRD_FLOW_SUMMARY)
def flow_summary(gw, c, c2s, resp):
    proto = "Trd_FlowSummary"
    book, acc = _account(gw, c2s.header, proto)
    day = c2s.clearingDate.strip()[:10]
    try:
        _dt.date.fromisoformat(day)
    except ValueError:
        raise Reject(f"{proto}: clearingDate {c2s.clearingDate!r} is not YYYY-MM-DD") from None
    direction = c2s.cashFlowDirection if c2s.HasField("cashFlowDirection") else 0
    if direction not in (0, FLOW_IN, FLOW_OUT):
        raise Reject(f"{proto}: cashFlowDirection {direction} is not 0 all, 1 in, 2 out")
    resp.s2c.header.CopyFrom(c2s.header)
    for fl in book.ledgers[acc.acc_id].flows:
        if fl.day != day or (direction and fl.direction != direction):
            continue
        x = resp.s2c.flowSummaryInfoList.add()
        x.clearingDate = fl.day
        settle = _dt.date.fromisoformat(fl.day) + _dt.timedelta(days=2)
        x.settlementDate = settle.isoformat()
        x.currency = fl.currency
        x.cashFlowType = fl.kind
        x.cashFlowDirection = fl.direction
        x.cashFlowAmount = fl.amount
        x.cashFlowRemark = fl.remark
        x.cashFlowID = fl.flow_id
        x.createTime = local_time(1, fl.ts).strftime("%Y-%m-%d %H:%M:%S")

