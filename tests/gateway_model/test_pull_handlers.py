"""The pull handlers called directly (no sockets): refusals name the proto and what is
supported, unknown codes are refused before anything is looked up, paging and filters."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from opendeck.core.gateway import quote_pulls as qp
from opendeck.core.gateway import quote_static as qs
from opendeck.core.gateway import trade_pulls as tp
from opendeck.core.gateway.dispatch import Reject
from opendeck.core.gateway.market import Market
from opendeck.core.gateway.pricepath import ManualClock
from opendeck.core.gateway.trading import Book
from opendeck.core.pb import (Qot_GetKL_pb2, Qot_GetOptionChain_pb2, Qot_GetPlateSecurity_pb2,
                              Qot_GetSecuritySnapshot_pb2, Qot_RequestHistoryKL_pb2,
                              Qot_RequestTradeDate_pb2, Trd_FlowSummary_pb2, Trd_GetFunds_pb2)

T0 = 1_796_000_000.0
SIM_HK = 8036275


def gateway(subs=None):
    conn = SimpleNamespace(subs=subs or {}, ready=True, closing=False, acc_push=set())
    return SimpleNamespace(market=Market(7, clock=ManualClock(T0)), book=Book(), conns=[conn],
                           fill_delay=0.0, fill_timers={})


def ask(handler, module, gw, fill):
    req = module.Request()
    fill(req.c2s)
    resp = module.Response(retType=0)
    handler(gw, gw.conns[0], req.c2s, resp)
    return resp.s2c


def test_unknown_code_is_refused_and_creates_nothing():
    gw = gateway()

    def c2s(c):
        c.securityList.add(market=11, code="ZZZZNOTREAL")
        c.securityList.add(market=1, code="00700")
    with pytest.raises(Reject, match="Qot_GetSecuritySnapshot: unknown stock US.ZZZZNOTREAL"):
        ask(qp.get_security_snapshot, Qot_GetSecuritySnapshot_pb2, gw, c2s)
    assert gw.market.instruments == {}


def test_live_views_need_the_subscription():
    gw = gateway()

    def c2s(c):
        c.rehabType, c.klType, c.reqNum = 1, 2, 10
        c.security.market, c.security.code = 1, "00700"
    with pytest.raises(Reject, match="Qot_GetKL: subscribe K-line type 2 first for HK.00700"):
        ask(qp.get_kl, Qot_GetKL_pb2, gw, c2s)
    gw.conns[0].subs = {(1, "00700"): {6: True}}
    s2c = ask(qp.get_kl, Qot_GetKL_pb2, gw, c2s)
    assert len(s2c.klList) == 10 and s2c.klList[-1].closePrice == gw.market.get((1, "00700")).price


def test_unsupported_values_say_what_is_supported():
    gw = gateway()

    def kl(c):
        c.rehabType, c.klType = 1, 99
        c.security.market, c.security.code = 1, "00700"
        c.beginTime, c.endTime = "2026-01-01", "2026-02-01"
    with pytest.raises(Reject, match=r"Qot_RequestHistoryKL: klType 99 is not modelled; "
                                     r"supported: \[1, 2, 3"):
        ask(qp.request_history_kl, Qot_RequestHistoryKL_pb2, gw, kl)

    def days(c):
        c.market, c.beginTime, c.endTime = 9, "2026-01-01", "2026-01-05"
    with pytest.raises(Reject, match="market 9 is not modelled; supported: 1 HK, 2 US, 3 CN"):
        ask(qp.request_trade_date, Qot_RequestTradeDate_pb2, gw, days)

    def chain(c):
        c.owner.market, c.owner.code = 1, "00005"
        c.beginTime, c.endTime = "2026-11-30", "2026-12-30"
    with pytest.raises(Reject, match="no option chain for HK.00005; the demo has chains for"):
        ask(qs.get_option_chain, Qot_GetOptionChain_pb2, gw, chain)

    def plate(c):
        c.plate.market, c.plate.code = 1, "BK9999"
    with pytest.raises(Reject, match="unknown plate HK.BK9999"):
        ask(qs.get_plate_security, Qot_GetPlateSecurity_pb2, gw, plate)


def test_history_pages_cover_the_range_once():
    gw = gateway()
    seen = []
    key = b""
    while True:
        def c2s(c, key=key):
            c.rehabType, c.klType = 1, 2
            c.security.market, c.security.code = 1, "00700"
            c.beginTime, c.endTime = "2024-01-01", "2026-11-30"
            c.maxAckKLNum = 200
            if key:
                c.nextReqKey = key
        s2c = ask(qp.request_history_kl, Qot_RequestHistoryKL_pb2, gw, c2s)
        seen += [k.time for k in s2c.klList]
        key = s2c.nextReqKey
        if not key:
            break
    assert seen == sorted(set(seen)) and seen[0] == "2024-01-01 00:00:00"
    assert seen[-1] == "2026-11-30 00:00:00" and len(seen) == 1065


def test_funds_and_cash_flow_follow_the_seeded_history():
    gw = gateway()
    tp.bound(gw)

    def hdr(c):
        c.header.trdEnv, c.header.accID, c.header.trdMarket = 0, SIM_HK, 1
    funds = ask(tp.get_funds, Trd_GetFunds_pb2, gw, hdr).funds
    ledger = gw.book.ledgers[SIM_HK]
    assert funds.cash == pytest.approx(ledger.cash[1], abs=0.01)
    assert funds.totalAssets == pytest.approx(funds.cash + funds.marketVal, abs=0.02)
    first = min(ledger.flows, key=lambda f: f.ts)

    def flow(c):
        hdr(c)
        c.clearingDate = first.day
    lines = ask(tp.flow_summary, Trd_FlowSummary_pb2, gw, flow).flowSummaryInfoList
    kinds = {x.cashFlowType for x in lines}
    assert kinds == {"Stock trade", "Fee"} and all(x.cashFlowDirection == 2 for x in lines)


def test_option_snapshot_greeks_come_from_the_pricing():
    gw = gateway()
    u = gw.market.universe
    first = min(s.expiry for s in u.options_of((11, "AAPL")))
    chain = [s for s in u.options_of((11, "AAPL")) if s.expiry == first]
    strike = sorted({s.strike for s in chain})[4]
    call = next(s for s in chain if s.strike == strike and s.option_type == 1)
    put = next(s for s in chain if s.strike == strike and s.option_type == 2)

    def c2s(c):
        for s in (call, put, u.spec((11, "AAPL"))):
            c.securityList.add(market=s.market, code=s.code)
    snaps = ask(qp.get_security_snapshot, Qot_GetSecuritySnapshot_pb2, gw, c2s).snapshotList
    c, p, s = (x.basic.curPrice for x in snaps)
    assert c - p == pytest.approx(s - strike, abs=0.02)  # put-call parity of the model
    dc, dp = snaps[0].optionExData.delta, snaps[1].optionExData.delta
    assert 0 < dc < 1 and -1 < dp < 0 and dc - dp == pytest.approx(1, abs=0.01)
    assert snaps[0].optionExData.gamma > 0 and snaps[0].optionExData.theta < 0


def test_history_filters_read_times_in_each_orders_market():
    from opendeck.core.pb import Trd_GetHistoryOrderList_pb2
    gw = gateway()
    tp.bound(gw)
    real = 281756478396547001
    aapl = next(o for o in gw.book.account_orders(real) if o.code == "AAPL")
    day = aapl.to_pb().createTime[:10]  # US market time, as futu shows it

    def c2s(c):
        c.header.trdEnv, c.header.accID, c.header.trdMarket = 1, real, 2
        c.filterConditions.beginTime = day
        c.filterConditions.endTime = day
    listed = ask(tp.get_history_order_list, Trd_GetHistoryOrderList_pb2, gw, c2s).orderList
    assert [o.code for o in listed] == ["AAPL"]
