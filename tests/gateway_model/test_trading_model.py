"""The trading model without sockets: resting orders fill when the walk crosses, partial fills,
modify / cancel / cancel-all, and a ledger that follows every fill."""

from __future__ import annotations

import pytest

from opendeck.core.gateway import market as mk
from opendeck.core.gateway.market import Market
from opendeck.core.gateway.pricepath import ManualClock
from opendeck.core.gateway.trading import (STATUS_CANCELLED_ALL, STATUS_CANCELLED_PART,
                                           STATUS_FILLED_ALL, STATUS_FILLED_PART,
                                           STATUS_SUBMITTED, TOUCH_LOTS, Book, OrderRejected)
from opendeck.core.pb import Trd_ModifyOrder_pb2, Trd_PlaceOrder_pb2

T0 = 1_796_000_000.0
SIM_HK = 8036275
SIM_US = 8036276
REAL = 281756478396547001
TENCENT = (mk.HK, "00700")


class Events(list):
    def __call__(self, kind, order, fill=None):
        self.append((kind, order.order_id, order.status, fill.qty if fill else None))


def setup(seed: int = 7):
    clock = ManualClock(T0)
    m = Market(seed, clock=clock)
    book = Book()
    events = Events()
    book.bind(m, events)
    return m, clock, book, events


_serial = iter(range(1, 10_000))


def order(acc=SIM_HK, code="00700", side=1, qty=100, price=None, otype=1, env=0, trd=1,
          sec=1):
    req = Trd_PlaceOrder_pb2.Request()
    c = req.c2s
    c.packetID.connID, c.packetID.serialNo = 1, next(_serial)
    c.header.trdEnv, c.header.accID, c.header.trdMarket = env, acc, trd
    c.trdSide, c.orderType, c.code, c.qty, c.secMarket = side, otype, code, qty, sec
    if price is not None:
        c.price = price
    return c


def modify(acc, order_id, op, qty=None, price=None, for_all=False, env=0):
    req = Trd_ModifyOrder_pb2.Request()
    c = req.c2s
    c.packetID.connID, c.packetID.serialNo = 1, next(_serial)
    c.header.trdEnv, c.header.accID, c.header.trdMarket = env, acc, 1
    c.orderID, c.modifyOrderOp, c.forAll = order_id, op, for_all
    if qty is not None:
        c.qty = qty
    if price is not None:
        c.price = price
    return c


def test_seeded_history_matches_positions_and_cash():
    m, _, book, _ = setup()
    ledger = book.ledgers[SIM_HK]
    pos = ledger.positions[TENCENT]
    seeded = [o for o in book.account_orders(SIM_HK) if o.code == "00700"]
    assert pos.qty == sum(o.fill_qty for o in seeded) == 200
    spent = sum(f.qty * f.price + f.fee for o in book.account_orders(SIM_HK) for f in o.fills)
    assert ledger.cash[1] == pytest.approx(1_000_000 - spent)


def test_marketable_buy_fills_at_the_ask_and_moves_cash_by_value_plus_fees():
    m, _, book, events = setup()
    inst = m.current(TENCENT)
    cash0 = book.ledgers[SIM_HK].cash[1]
    o = book.place(order(price=inst.price * 1.1), m)
    assert o.status == STATUS_SUBMITTED
    [fill] = book.match(o)
    assert fill.price == inst.ask <= o.price and o.status == STATUS_FILLED_ALL
    assert book.ledgers[SIM_HK].cash[1] == pytest.approx(cash0 - 100 * fill.price - fill.fee)
    assert book.ledgers[SIM_HK].positions[TENCENT].qty == 300
    assert [e[0] for e in events] == ["fill", "order"]


def test_resting_limit_fills_when_the_walk_crosses():
    m, clock, book, events = setup()
    inst = m.current(TENCENT)
    # a buy one tick under the bid: walk forward until the ask comes down to it
    limit = round(inst.price - 2 * inst.spread, 3)
    o = book.place(order(price=limit), m)
    assert book.match(o) == []
    crossed = None
    for _ in range(20_000):
        clock.advance(5)
        m.step([])
        if o.status != STATUS_SUBMITTED:
            crossed = m.current(TENCENT)
            break
    assert crossed is not None, "the walk never reached the limit"
    fill = o.fills[0]
    assert fill.price <= limit and crossed.ask <= limit
    assert ("fill", o.order_id, o.status, 100) in [(k, i, s, q) for k, i, s, q in events]


def test_large_orders_fill_in_parts_over_steps():
    m, clock, book, _ = setup()
    o = book.place(order(acc=SIM_US, code="AAPL", qty=TOUCH_LOTS + 30, otype=2, trd=2, sec=2),
                   m)
    book.match(o)
    assert o.status == STATUS_FILLED_PART and o.fill_qty == TOUCH_LOTS
    clock.advance(1)
    m.step([])
    assert o.status == STATUS_FILLED_ALL and [f.qty for f in o.fills] == [TOUCH_LOTS, 30]


def test_modify_cancel_and_cancel_all():
    m, _, book, _ = setup()
    inst = m.current(TENCENT)
    low = round(inst.price * 0.8, 1)
    a = book.place(order(price=low), m)
    b = book.place(order(price=low), m)
    book.modify(modify(SIM_HK, a.order_id, 1, qty=200, price=round(inst.price * 0.81, 1)))
    assert a.qty == 200 and a.price > low and a.is_open
    book.modify(modify(SIM_HK, a.order_id, 2))
    assert a.status == STATUS_CANCELLED_ALL
    with pytest.raises(OrderRejected, match="no longer open"):
        book.modify(modify(SIM_HK, a.order_id, 2))
    book.modify(modify(SIM_HK, 0, 2, for_all=True))
    assert b.status == STATUS_CANCELLED_ALL
    with pytest.raises(OrderRejected, match="not modelled"):
        book.modify(modify(SIM_HK, b.order_id, 5))


def test_partial_then_cancel_keeps_the_filled_part():
    m, _, book, _ = setup()
    o = book.place(order(acc=SIM_US, code="AAPL", qty=TOUCH_LOTS + 10, otype=2, trd=2, sec=2),
                   m)
    book.match(o)
    book.modify(modify(SIM_US, o.order_id, 2))
    assert o.status == STATUS_CANCELLED_PART and o.fill_qty == TOUCH_LOTS


def test_refusals_name_what_is_wrong():
    m, _, book, _ = setup()
    with pytest.raises(OrderRejected, match="unknown stock"):
        book.place(order(code="99999"), m)
    with pytest.raises(OrderRejected, match="lots of 100"):
        book.place(order(qty=150, price=1.0), m)
    with pytest.raises(OrderRejected, match="locked"):
        book.place(order(acc=REAL, env=1, price=1.0), m)
    with pytest.raises(OrderRejected, match="not enough to sell"):
        book.place(order(side=2, qty=10_000, price=1.0), m)  # cash account, holds 200
    with pytest.raises(OrderRejected, match="futures"):
        book.place(order(acc=9036277, code="00700", price=1.0, trd=10), m)
    with pytest.raises(OrderRejected, match="orderType 10"):
        book.place(order(otype=10, price=1.0), m)


def test_same_seed_same_start_same_fills():
    def run(seed):
        m, clock, book, _ = setup(seed)
        inst = m.current(TENCENT)
        o = book.place(order(price=round(inst.price - 3 * inst.spread, 3)), m)
        for _ in range(3000):
            clock.advance(5)
            m.step([])
        return [(f.qty, f.price, f.created) for f in o.fills], o.status
    assert run(11) == run(11)


def test_futures_move_cash_by_pnl_and_fees_only():
    m, clock, book, _ = setup()
    acc = 9036277
    cash0 = book.ledgers[acc].cash[1]
    o = book.place(order(acc=acc, code="MHImain", qty=1, otype=2, trd=10), m)
    [buy] = book.match(o)
    assert book.ledgers[acc].cash[1] == pytest.approx(cash0 - buy.fee)
    clock.advance(3600)
    m.step([])
    s = book.place(order(acc=acc, code="MHImain", side=2, qty=1, otype=2, trd=10), m)
    [sell] = book.match(s)
    pnl = (sell.price - buy.price) * 10
    assert book.ledgers[acc].cash[1] == pytest.approx(cash0 - buy.fee - sell.fee + pnl)
