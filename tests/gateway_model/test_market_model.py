"""The demo market model without sockets: universe, one walk behind every view, determinism."""

from __future__ import annotations

import datetime as _dt

import pytest

from opendeck.core.gateway import market as mk
from opendeck.core.gateway.market import Market
from opendeck.core.gateway.pricepath import STEP, ManualClock, PricePath, round_price
from opendeck.core.gateway.universe import DRVT, EQTY, FUTURE, INDEX, TRUST, WARRANT, Universe

T0 = 1_796_000_000.0  # 2026-11-30 08:53:20 UTC
TENCENT = (mk.HK, "00700")
AAPL = (mk.US, "AAPL")


def market(seed: int = 7, t: float = T0) -> tuple[Market, ManualClock]:
    clock = ManualClock(t)
    return Market(seed, clock=clock), clock


def test_universe_holds_real_codes_and_nothing_else():
    u = Universe(_dt.date(2026, 11, 30))
    hk = {s.code for s in u.of_market(mk.HK, EQTY)}
    us = {s.code for s in u.of_market(mk.US, EQTY)}
    assert len(hk) >= 80 and {"00700", "00005", "09988", "01299"} <= hk
    assert len(us) >= 100 and {"AAPL", "MSFT", "NVDA", "AMZN"} <= us
    assert u.spec(TENCENT).lot == 100 and u.spec(TENCENT).listed == "2004-06-16"
    assert u.spec((mk.HK, "00005")).lot == 400
    assert {s.code for s in u.of_market(mk.HK, FUTURE)} >= {"HSImain", "MHImain"}
    assert u.spec((mk.HK, "02800")).sec_type == TRUST and u.spec((mk.US, "SPY")).sec_type == TRUST
    assert u.warrants_of(TENCENT) and all(w.sec_type == WARRANT for w in u.warrants_of(TENCENT))
    assert u.spec((mk.HK, "800000")).sec_type == INDEX
    assert all(o.sec_type == DRVT and o.owner == AAPL for o in u.options_of(AAPL))
    assert u.spec((mk.CNSH, "600519")) is not None and u.spec((mk.CNSZ, "300750")) is not None
    assert u.spec((mk.US, "ZZZZNOTREAL")) is None


def test_unknown_codes_create_nothing():
    m, _ = market()
    assert m.ensure((mk.US, "ZZZZNOTREAL")) is None
    assert m.get((mk.HK, "99999")) is None
    assert m.instruments == {}


def test_same_seed_and_start_give_the_same_history_and_prices():
    a, _ = market(7)
    b, _ = market(7)
    c, _ = market(8)
    ia, ib, ic = (x.ensure(TENCENT) for x in (a, b, c))
    for kltype in (1, 2, 3, 6):
        bars_a = a.klines(ia, kltype, T0 - 40 * 86400, T0)
        assert bars_a == b.klines(ib, kltype, T0 - 40 * 86400, T0)
        assert bars_a != c.klines(ic, kltype, T0 - 40 * 86400, T0)
    assert ia.price == ib.price


def test_history_reaches_back_years_and_stops_at_the_listing_date():
    m, _ = market()
    inst = m.ensure((mk.US, "ARM"))  # listed 2023-09-14
    days = m.klines(inst, 2, T0 - 10 * 366 * 86400, T0)
    assert days[0].ts >= _dt.datetime(2023, 9, 14, tzinfo=inst.path.tz).timestamp()
    old = m.klines(m.ensure(TENCENT), 2, T0 - 8 * 366 * 86400, T0)
    assert len(old) > 2900


def test_every_period_reads_the_same_walk():
    m, _ = market()
    inst = m.ensure(TENCENT)
    day = inst.path.local_day(T0) - _dt.timedelta(days=3)
    d0, d1 = inst.path.day_bounds(day)
    minutes = m.klines(inst, 1, d0, d1 - 1)
    daily = [b for b in m.klines(inst, 2, d0, d1 - 1) if b.ts == d0][0]
    assert len(minutes) == 1440
    assert minutes[0].open == daily.open and minutes[-1].close == daily.close
    assert max(b.high for b in minutes) == daily.high
    assert min(b.low for b in minutes) == daily.low
    assert sum(b.volume for b in minutes) == daily.volume
    hours = m.klines(inst, 9, d0, d1 - 1)
    assert len(hours) == 24 and max(b.high for b in hours) == daily.high
    week = m.klines(inst, 3, d0, d1 - 1)[0]
    assert week.high >= daily.high and week.low <= daily.low
    for bar in minutes + hours:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high


def test_live_state_is_the_walk_at_the_demo_clock():
    m, clock = market()
    inst = m.ensure(TENCENT)
    for _ in range(5):
        clock.advance(7.5)
        m.step([TENCENT])
        assert inst.price == inst.path.price_at(clock.now())
        assert inst.low <= inst.price <= inst.high
        q = m.basic_qot(inst)
        assert q.curPrice == inst.price
        bar = m.current_kline(inst, 2)
        assert bar.close == inst.price and bar.high == inst.high and bar.low == inst.low
        assert m.time_shares(inst)[-1][1] == inst.price
    seqs = [t.sequence for t in inst.tickers]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_prices_sit_on_the_tick_grid():
    m, _ = market()
    for key in (TENCENT, AAPL, (mk.HK, "HSImain"), (mk.HK, "00005")):
        inst = m.ensure(key)
        intra = inst.path.intraday(inst.path.local_day(T0))
        for p in intra.prices[:: 97]:
            assert p == round_price(key[0], p)
        assert len(intra.prices) == int((intra.end_ts - intra.start_ts) // STEP) + 1


def test_demo_markets_report_continuous_trading_at_night_too():
    night_hk = _dt.datetime(2026, 12, 5, 23, 30, tzinfo=_dt.timezone(_dt.timedelta(hours=8)))
    for market_id in (mk.HK, mk.US, mk.CNSH, mk.CNSZ, mk.HK_FUTURE):
        assert mk.market_state(market_id, night_hk.timestamp()) in (3, 5)


def test_only_the_always_calendar_is_modelled():
    with pytest.raises(ValueError, match="always"):
        Market(1, calendar="real")


def test_path_is_independent_of_what_was_asked_before():
    u = Universe(_dt.date(2026, 11, 30))
    spec = u.spec(TENCENT)
    a = PricePath(spec, 3, _dt.date(2026, 11, 30))
    b = PricePath(spec, 3, _dt.date(2026, 11, 30))
    a.day(_dt.date(2020, 1, 2))  # walk far back first
    target = _dt.date(2026, 11, 20)
    assert a.day(target) == b.day(target)


def test_the_pushed_bar_is_the_last_bar_of_the_history():
    m, clock = market()
    inst = m.ensure(TENCENT)
    for _ in range(2):
        clock.advance(3 * 3600 + 17)
        m.step([TENCENT])
        for kltype in sorted(mk.KL_TYPES):
            pushed = m.current_kline(inst, kltype)
            assert pushed == m.klines(inst, kltype, pushed.ts, clock.now())[-1], kltype
            assert pushed.close == inst.price


def test_rt_rows_kept_per_day_equal_a_fresh_computation():
    m, clock = market(t=T0 + 14 * 3600)
    inst = m.ensure(TENCENT)

    def fresh():
        now = clock.now()
        day0 = inst.path.day_bounds(inst.path.local_day(now))[0]
        out, vol_sum, turn_sum = [], 0, 0.0
        for start, (_o, _h, _l, c, vol, turn) in inst.path.bars(1, day0, now, now):
            vol_sum += vol
            turn_sum += turn
            out.append((start, c, vol, turn, turn_sum / vol_sum if vol_sum else c))
        return out
    for step in (0.5, 7.3, 61.0, 3600.0, 11 * 3600.0):  # the last one crosses midnight
        clock.advance(step)
        m.step([TENCENT])
        assert m.time_shares(inst) == fresh()


def test_index_futures_and_trackers_follow_their_index():
    m, clock = market()
    index = m.ensure((mk.HK, "800000"))
    main, mini = m.ensure((mk.HK, "HSImain")), m.ensure((mk.HK, "MHImain"))
    spec = main.spec
    month = m.ensure((mk.HK, "HSI" + spec.expiry[2:4] + spec.expiry[5:7]))
    assert spec.expiry >= _dt.datetime.fromtimestamp(T0, _dt.timezone.utc).date().isoformat()
    for _ in range(5):
        clock.advance(600)
        m.step([])
        m.step([index.key, main.key, mini.key, month.key])
        assert main.price == mini.price == month.price  # one contract, three names
        basis = main.price / index.price - 1
        assert 0 < basis < 0.01
    tracker = m.ensure((mk.HK, "02800"))
    assert tracker.price / index.price == pytest.approx(23.6 / 23500, rel=0.01)


def test_options_and_warrants_move_with_their_underlying():
    m, clock = market()
    u = m.universe
    owner = m.ensure(AAPL)
    opts = {(s.option_type, s.strike): m.ensure(s.key) for s in u.options_of(AAPL)
            if s.expiry == min(x.expiry for x in u.options_of(AAPL))}
    strikes = sorted({k for _t, k in opts})
    calls = [opts[(1, k)].price for k in strikes]
    puts = [opts[(2, k)].price for k in strikes]
    assert calls == sorted(calls, reverse=True) and puts == sorted(puts)  # by strike
    k = strikes[len(strikes) // 2]
    before_s, before_c, before_p = owner.price, opts[(1, k)].price, opts[(2, k)].price
    for _ in range(200):  # until the underlying has moved
        clock.advance(120)
        m.step([AAPL, opts[(1, k)].key, opts[(2, k)].key])
        if abs(owner.price - before_s) > 1.0:
            break
    up = owner.price > before_s
    assert (opts[(1, k)].price > before_c) == up and (opts[(2, k)].price > before_p) != up
    for inst in (opts[(1, k)], opts[(2, k)]):
        assert inst.low <= inst.price <= inst.high
        day = m.klines(inst, 2, clock.now() - 5 * 86400, clock.now())
        assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in day)
    bull = [w for w in u.warrants_of(TENCENT) if w.warrant_type == 3][0]
    w = m.ensure(bull.key)
    assert w.price == pytest.approx((m.ensure(TENCENT).price - bull.strike) / 10, abs=0.2)


def test_book_and_brokers_are_one_per_moment():
    m, clock = market()
    inst = m.ensure(TENCENT)
    m.step([TENCENT])
    book = m.order_book_s2c(inst)
    assert m.order_book_s2c(inst) == book  # a pull and the push of this tick agree
    assert m.touch_volumes(inst) == (book.orderBookAskList[0].volume,
                                     book.orderBookBidList[0].volume)
    assert m.broker_s2c(inst) == m.broker_s2c(inst)
    clock.advance(1)
    m.step([TENCENT])
    assert m.order_book_s2c(inst) != book  # the next tick has its own queue
