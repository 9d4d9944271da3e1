"""End to end: the real demo gateway -> Session ring -> MarketDock on a 75 ms flush timer.

The watchlist row, the ladder and the tape must equal what the newest pushes in the ring say
(decoded here independently with the protobuf classes). Waits are condition waits
(conftest's ``wait_until``, the asyncio-safe form of ``qtbot.waitUntil``), never sleeps.
"""

from __future__ import annotations

import pytest
from opendeck.core import catalog
from opendeck.gui.market import MarketDock
from opendeck.gui.market.feed import error_index
from opendeck.gui.market.models import L_ASK, L_ASK_SZ, L_BID, L_BID_SZ, T_PRICE, W_BID, W_LAST
from opendeck.gui.market.text import decimals_of, price, size
from PySide6.QtCore import QTimer

pytestmark = [pytest.mark.gui, pytest.mark.asyncio]

CODES = ["HK.00700", "US.AAPL"]


def latest(rows, pid: int, symbol: str):
    for r in reversed(rows):
        if r[4] == pid and r[8] == symbol and not r[error_index(r)]:
            return catalog.response_type(pid).FromString(r[7]).s2c
    return None


async def test_demo_gateway_pushes_fill_watchlist_ladder_and_tape(session, qtbot, wait_until):
    dock = MarketDock(session)
    qtbot.addWidget(dock)
    dock.resize(1280, 800)
    dock.show()
    timer = QTimer(dock)
    timer.setInterval(75)
    timer.timeout.connect(dock.poll)
    timer.start()
    handle = await session.open("demo", "quote")
    await handle.wait_ready(15)
    await handle.ctx.subscribe(CODES, ["basic", "orderbook", "ticker"])

    def filled() -> bool:
        states = [dock.feed.get(c, "demo") for c in CODES]
        return all(s is not None and s.bids and s.asks and len(s.tape) + len(s.raw_ticks) >= 3 and
                   len(s.history) >= 2 for s in states)

    await wait_until(filled, 20, "quotes, books and ticks for both codes",
                     lambda: f"{len(dock.feed.symbols)} symbols, {dock.feed.total} rows")
    timer.stop()
    dock.poll()  # everything in the ring up to now
    dock.sync()  # and the views told now, not at the next view interval
    rows = [r for r in session.pushes.rows_since(0) if r[0] <= dock.last_seq]
    assert dock.last_seq == session.pushes.last_seq

    wm = dock.watch_model
    for code in CODES:
        st = dock.feed.get(code, "demo")
        q = latest(rows, catalog.QOT_UPDATE_BASIC_QOT, code).basicQotList[0]
        book = latest(rows, catalog.QOT_UPDATE_ORDER_BOOK, code)
        d = wm.decimals(st.row)
        assert d >= decimals_of(q.curPrice)
        assert wm.data(wm.index(st.row, W_LAST)) == price(q.curPrice, d)
        assert wm.data(wm.index(st.row, W_BID)) == price(book.orderBookBidList[0].price, d)
        assert st.volume == q.volume and st.prev_close == q.lastClosePrice

    # the ladder shows the selected symbol's newest book, level by level
    assert dock.select("US.AAPL")
    st = dock.feed.get("US.AAPL", "demo")
    book = latest(rows, catalog.QOT_UPDATE_ORDER_BOOK, "US.AAPL")
    lm, d = dock.ladder_model, wm.decimals(st.row)
    n = min(10, len(book.orderBookBidList), len(book.orderBookAskList))
    assert n >= 5
    for i in range(n):
        b, a = book.orderBookBidList[i], book.orderBookAskList[i]
        assert lm.data(lm.index(i, L_BID)) == price(b.price, d)
        assert lm.data(lm.index(i, L_BID_SZ)) == size(b.volume)
        assert lm.data(lm.index(i, L_ASK)) == price(a.price, d)
        assert lm.data(lm.index(i, L_ASK_SZ)) == size(a.volume)

    # the tape's top row is the newest tick pushed
    tick = latest(rows, catalog.QOT_UPDATE_TICKER, "US.AAPL").tickerList[-1]
    tm = dock.tape_model
    assert tm.data(tm.index(0, T_PRICE)) == price(tick.price, d)
    assert st.tape[-1].sequence == tick.sequence
    await session.close("demo", "quote")
