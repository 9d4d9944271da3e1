"""gui/market/feed.py without Qt: per-symbol state from push rows of both ring widths."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from opendeck.core import catalog
from opendeck.gui.market.feed import MarketFeed, error_index
from opendeck.gui.market.synth import RowMaker, ladder


@pytest.fixture(params=[False, True], ids=["pushrow10", "legacy11"])
def maker(request) -> RowMaker:
    return RowMaker(legacy=request.param)


def test_the_feed_imports_no_qt():
    code = ("import sys; import opendeck.gui.market.feed, opendeck.gui.market.synth, "
            "opendeck.gui.market.text; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'qasync'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_quote_fields_follow_the_latest_push(maker):
    feed = MarketFeed()
    feed.ingest([maker.quote("HK.00700", 410.0, 400.0, t=1.0, volume=100, turnover=4.1e4),
                 maker.quote("HK.00700", 412.4, 400.0, t=1.5, volume=250, turnover=1.03e5,
                             update_time="2026-12-01 10:00:01", name="TENCENT")])
    st = feed.get("HK.00700")
    assert st is not None and st.endpoint == "demo"
    assert st.last == 412.4 and st.prev_close == 400.0
    assert st.change == pytest.approx(12.4) and st.change_pct == pytest.approx(3.1)
    assert (st.volume, st.turnover, st.name) == (250, 1.03e5, "TENCENT")
    assert st.quote_time == "2026-12-01 10:00:01" and st.updated == 1.5
    assert feed.decoded == 1  # the superseded quote in the same batch was never decoded
    assert feed.last_seq == 2 and feed.total == 2


def test_book_gives_bid_ask_and_ten_levels(maker):
    feed = MarketFeed()
    bids, asks = ladder(100.0, step=0.05, levels=12)
    feed.ingest([maker.book("US.AAPL", *ladder(90.0)), maker.book("US.AAPL", bids, asks)])
    st = feed.get("US.AAPL")
    assert len(st.bids) == len(st.asks) == 10  # 10 levels a side, as OpenD sends at most
    assert (st.bid, st.bid_size) == (bids[0][0], bids[0][1])
    assert (st.ask, st.ask_size) == (asks[0][0], asks[0][1])
    assert [lv.price for lv in st.bids] == [b[0] for b in bids[:10]]
    assert [lv.orders for lv in st.asks] == [a[2] for a in asks[:10]]
    assert st.spread == pytest.approx(0.1) and st.book_version == 1
    assert feed.decoded == 1
    feed.ingest([maker.book("US.AAPL", [], [])])
    assert math.isnan(st.bid) and st.bid_size == 0 and st.book_version == 2


def test_tickers_all_reach_the_tape_in_order_and_it_stays_bounded(maker):
    feed = MarketFeed(tape_len=5)
    rows = [maker.ticker("HK.00700", [(400.0 + i, 100 * i, 1 + i % 2, i)]) for i in range(1, 4)]
    feed.ingest(rows)
    st = feed.get("HK.00700")
    assert [t.sequence for t in feed.tape(st)] == [1, 2, 3]
    assert [t.side for t in st.tape] == ["Sell", "Buy", "Sell"]
    feed.watch(st.key)  # on screen: decoded as the pushes arrive
    feed.ingest([maker.ticker("HK.00700", [(410.0, 1, 1, s) for s in range(4, 12)])])
    assert [t.sequence for t in st.tape] == [7, 8, 9, 10, 11]
    assert st.tape_version == 3 + 5  # only what could be shown was added
    # a replay after a reconnect (first push repeats recent ticks) is not added twice
    feed.ingest([maker.ticker("HK.00700", [(410.0, 1, 1, s) for s in range(9, 13)])])
    assert [t.sequence for t in st.tape] == [8, 9, 10, 11, 12]


def test_many_ticker_pushes_decode_only_what_fills_the_tape(maker):
    feed = MarketFeed(tape_len=10)
    feed.watch(("demo", "HK.00700"))
    feed.ingest([maker.ticker("HK.00700", [(400.0, 1, 1, s)]) for s in range(1, 501)])
    st = feed.get("HK.00700")
    assert [t.sequence for t in st.tape] == list(range(491, 501))
    assert feed.decoded == 10
    assert st.pushes == 500  # every push still counts for the rate


def test_tapes_off_screen_wait_undecoded_until_asked(maker):
    feed = MarketFeed(tape_len=4)
    feed.watch(("demo", "US.AAPL"))
    ch = feed.ingest([maker.ticker("HK.00700", [(400.0 + s, 1, 1, s)]) for s in range(1, 9)]
                     + [maker.quote("HK.00700", 408.0, 400.0)])
    st = feed.get("HK.00700")
    assert st.key in ch.tapes and feed.decoded == 1  # the quote only
    assert len(st.raw_ticks) == 4 and not st.tape
    assert [t.sequence for t in feed.tape(st)] == [5, 6, 7, 8] and feed.decoded == 5
    assert not st.raw_ticks
    feed.watch(st.key)
    feed.ingest([maker.ticker("HK.00700", [(409.0, 1, 2, 9)])])
    assert [t.sequence for t in st.tape] == [6, 7, 8, 9]


def test_a_tape_without_quotes_still_draws_a_sparkline(maker):
    feed = MarketFeed(history_step=1.0)
    feed.ingest([maker.ticker("US.AAPL", [(190.0, 1, 1, 1)], t=0.0),
                 maker.ticker("US.AAPL", [(191.0, 1, 1, 2)], t=0.2)])
    feed.ingest([maker.ticker("US.AAPL", [(192.0, 1, 1, 3)], t=1.5)])
    assert list(feed.get("US.AAPL").history) == [191.0, 192.0]


def test_symbols_appear_in_arrival_order_per_endpoint(maker):
    feed = MarketFeed()
    ch = feed.ingest([maker.quote("US.AAPL", 1, 1), maker.quote("HK.00700", 2, 2),
                      maker.row(catalog.NOTIFY, b"", ""),
                      maker.row(catalog.TRD_UPDATE_ORDER, b"", "HK.00700"),
                      maker.quote("US.AAPL", 3, 3, endpoint="other")])
    assert [(s.endpoint, s.symbol, s.row) for s in feed.symbols] == [
        ("demo", "US.AAPL", 0), ("demo", "HK.00700", 1), ("other", "US.AAPL", 2)]
    assert [s.symbol for s in ch.new] == ["US.AAPL", "HK.00700", "US.AAPL"]
    assert feed.get("US.AAPL", "other").last == 3
    assert feed.proto_counts[catalog.NOTIFY] == 1  # counted per proto, not a watchlist row
    assert feed.proto_counts[catalog.TRD_UPDATE_ORDER] == 1


def test_rows_already_taken_are_skipped(maker):
    feed = MarketFeed()
    rows = [maker.quote("HK.00700", 1.0 + i, 1.0) for i in range(4)]
    feed.ingest(rows[:3])
    ch = feed.ingest(rows)  # a caller that passes an overlapping slice
    assert ch.rows == 1 and feed.total == 4 and feed.get("HK.00700").last == 4.0
    assert feed.ingest(rows).rows == 0


def test_error_rows_are_counted_not_decoded(maker):
    feed = MarketFeed()
    bad = maker.row(catalog.QOT_UPDATE_BASIC_QOT, b"\x00garbage", "", error="ChecksumError: x")
    assert bad[error_index(bad)] == "ChecksumError: x"
    junk = maker.row(catalog.QOT_UPDATE_BASIC_QOT, b"\xff\xff\xff", "HK.00700")
    ch = feed.ingest([bad, junk])
    assert ch.errors == 1 and feed.errors == 1
    assert ch.undecodable == 1 and math.isnan(feed.get("HK.00700").last)


def test_history_keeps_one_point_per_step_and_is_bounded(maker):
    feed = MarketFeed(history_len=4, history_step=1.0)
    for i, t in enumerate((0.1, 0.5, 1.2, 2.3, 3.4, 4.5, 4.9)):
        feed.ingest([maker.quote("HK.00700", 100.0 + i, 100.0, t=t)])
    st = feed.get("HK.00700")
    # one point per 1 s bucket, the newest price in it: 0.5 replaced 0.1, 4.9 replaced 4.5
    assert list(st.history) == [102.0, 103.0, 104.0, 106.0]


def test_rates_per_symbol_and_proto_on_a_fake_clock(maker):
    feed = MarketFeed(rate_period=1.0)
    assert feed.sample(10.0) is False  # the first sample only sets the baseline
    feed.ingest([maker.quote("HK.00700", 1, 1) for _ in range(30)]
                + [maker.ticker("US.AAPL", [(1, 1, 1, s)]) for s in range(1, 11)])
    assert feed.sample(10.5) is False  # not a period yet
    assert feed.sample(12.0) is True
    assert feed.get("HK.00700").rate == pytest.approx(15.0)
    assert feed.get("US.AAPL").rate == pytest.approx(5.0)
    assert feed.proto_rates[catalog.QOT_UPDATE_BASIC_QOT] == pytest.approx(15.0)
    assert feed.proto_rates[catalog.QOT_UPDATE_TICKER] == pytest.approx(5.0)
    assert feed.total_rate == pytest.approx(20.0)
    feed.ingest([maker.quote("HK.00700", 1, 1)])
    assert feed.sample(13.0) is True
    assert feed.get("US.AAPL").rate == 0.0 and feed.get("HK.00700").rate == pytest.approx(1.0)


def test_json_push_bodies_decode_too():
    from google.protobuf import json_format
    from opendeck.core.wire import FMT_JSON
    from opendeck.gui.market.synth import quote_body

    cls = catalog.response_type(catalog.QOT_UPDATE_BASIC_QOT)
    msg = cls.FromString(quote_body("HK.00700", 5.5, 5.0))
    body = json_format.MessageToJson(msg).encode()
    feed = MarketFeed()
    feed.ingest([RowMaker().row(catalog.QOT_UPDATE_BASIC_QOT, body, "HK.00700", fmt=FMT_JSON)])
    assert feed.get("HK.00700").last == 5.5


def test_a_quote_push_with_several_securities_updates_each(maker):
    from opendeck.gui.market.synth import quote_body

    cls = catalog.response_type(catalog.QOT_UPDATE_BASIC_QOT)
    both = cls.FromString(quote_body("HK.00700", 410.0, 400.0))
    both.s2c.basicQotList.add().CopyFrom(
        cls.FromString(quote_body("HK.09988", 96.5, 95.0)).s2c.basicQotList[0])
    # the ring names the first security; the second still gets its row
    feed = MarketFeed()
    ch = feed.ingest([maker.row(catalog.QOT_UPDATE_BASIC_QOT, both.SerializeToString(),
                                "HK.00700")])
    assert [s.symbol for s in feed.symbols] == ["HK.00700", "HK.09988"]
    assert feed.get("HK.09988").last == 96.5 and feed.get("HK.00700").last == 410.0
    assert {("demo", "HK.00700"), ("demo", "HK.09988")} == ch.quotes
