"""gui/market models and MarketDock offscreen: rows, ladder and tape match the latest pushes,
one insert / one dataChanged range per flush, qtmodeltester on every model, both row widths."""

from __future__ import annotations

import types

import pytest
from opendeck.core import catalog
from opendeck.gui.market import MarketDock
from opendeck.gui.market.feed import MarketFeed
from opendeck.gui.market.models import (
    DEPTH_ROLE,
    HISTORY_ROLE,
    L_ASK,
    L_ASK_N,
    L_ASK_SZ,
    L_BID,
    L_BID_N,
    L_BID_SZ,
    T_PRICE,
    T_SIDE,
    T_SIZE,
    W_ASK,
    W_ASK_SZ,
    W_BID,
    W_BID_SZ,
    W_CHG,
    W_LAST,
    W_PCT,
    W_SYMBOL,
    W_TREND,
    W_VOL,
    LadderModel,
    MarketColors,
    RatesModel,
    TapeModel,
    WatchlistModel,
)
from opendeck.gui.market.synth import RowMaker, ladder
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.gui


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Signals:
    """Counts what a model told its views (to check one range per flush)."""

    def __init__(self, model) -> None:
        self.changed: list[tuple[int, int, int, int]] = []
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        self.resets = 0
        model.dataChanged.connect(lambda a, b, _r=None: self.changed.append(
            (a.row(), a.column(), b.row(), b.column())))
        model.rowsInserted.connect(lambda _p, a, b: self.inserted.append((a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.removed.append((a, b)))
        model.modelReset.connect(self._reset)

    def _reset(self) -> None:
        self.resets += 1

    def clear(self) -> None:
        self.changed.clear()
        self.inserted.clear()
        self.removed.clear()
        self.resets = 0


@pytest.fixture
def session():
    ep = types.SimpleNamespace(name="Demo gateway")
    return types.SimpleNamespace(endpoints={"demo": ep, "lab": types.SimpleNamespace(name="Lab")},
                                 pushes=None)


@pytest.fixture(params=[False, True], ids=["pushrow10", "legacy11"])
def maker(request) -> RowMaker:
    return RowMaker(legacy=request.param)


@pytest.fixture
def dock(qtbot, session):
    clock = FakeClock()
    d = MarketDock(session, clock=clock, view_interval=0)  # views told on every flush
    d.fake_clock = clock
    qtbot.addWidget(d)
    d.resize(1280, 800)
    d.show()
    return d


def cell(model, row: int, col: int, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, col), role)


def test_watchlist_rows_match_the_latest_quote_and_book(dock, maker, qtmodeltester):
    qtmodeltester.check(dock.watch_model)
    bids, asks = ladder(412.0)
    dock.flush([maker.quote("HK.00700", 410.0, 400.0, t=1.0, volume=1000),
                maker.quote("US.AAPL", 190.25, 191.0, t=1.0, volume=52_000, turnover=9.9e6),
                maker.quote("HK.00700", 412.0, 400.0, t=2.0, volume=1_234_567, turnover=5.08e8),
                maker.book("HK.00700", *ladder(300.0), t=2.0),
                maker.book("HK.00700", bids, asks, t=2.0)])
    m = dock.watch_model
    assert m.rowCount() == 2
    assert [cell(m, r, W_SYMBOL) for r in range(2)] == ["HK.00700", "US.AAPL"]
    assert cell(m, 0, W_LAST) == "412.00" and cell(m, 0, W_CHG) == "+12.00"
    assert cell(m, 0, W_PCT) == "+3.00%" and cell(m, 0, W_VOL) == "1.23M"
    assert cell(m, 0, W_BID) == f"{bids[0][0]:.2f}" and cell(m, 0, W_BID_SZ) == "1,000"
    assert cell(m, 0, W_ASK) == f"{asks[0][0]:.2f}" and cell(m, 0, W_ASK_SZ) == "10,000"
    assert cell(m, 1, W_LAST) == "190.25" and cell(m, 1, W_PCT) == "-0.39%"
    assert cell(m, 1, W_BID) == "\u2013"  # no book for it yet
    colors = m.colors
    assert cell(m, 0, W_LAST, Qt.ItemDataRole.ForegroundRole) == colors.up
    assert cell(m, 1, W_CHG, Qt.ItemDataRole.ForegroundRole) == colors.down
    prices, prev = cell(m, 0, W_TREND, HISTORY_ROLE)
    assert prices[-1] == 412.0 and prev == 400.0
    qtmodeltester.check(m)


def test_one_insert_and_one_changed_range_per_flush(dock, maker):
    sig = Signals(dock.watch_model)
    dock.flush([maker.quote(f"HK.0000{i}", 10.0 + i, 10.0) for i in range(1, 6)])
    assert sig.inserted == [(0, 4)] and sig.changed == []
    sig.clear()
    rows = [maker.quote(f"HK.0000{i}", 20.0 + i, 10.0) for i in (4, 2, 2, 4, 2)]
    dock.flush(rows + [maker.quote("US.AAPL", 1.0, 1.0)])
    last_col = dock.watch_model.columnCount() - 1
    assert sig.inserted == [(5, 5)]
    assert sig.changed == [(1, 0, 3, last_col)]  # rows 1..3 (HK.00002, HK.00004): one range
    sig.clear()
    dock.fake_clock.now += 1.5  # a rate sample: every row's Pushes/s in the same one range
    dock.flush([maker.quote("HK.00001", 30.0, 10.0)])
    assert sig.changed == [(0, 0, 5, last_col)] and sig.inserted == []


def test_views_are_told_at_most_every_view_interval(dock, maker):
    dock.view_interval = 0.2
    sig = Signals(dock.watch_model)
    dock.flush([maker.quote("HK.00001", 1.0, 1.0)])  # the first flush tells at once
    assert sig.inserted == [(0, 0)] and dock.view_updates == 1
    dock.fake_clock.now += 0.1
    dock.flush([maker.quote("HK.00002", 2.0, 1.0), maker.quote("HK.00001", 1.5, 1.0)])
    dock.fake_clock.now += 0.05
    dock.flush([maker.quote("HK.00003", 3.0, 1.0)])
    assert sig.inserted == [(0, 0)] and sig.changed == [] and dock.view_updates == 1
    assert dock.watch_model.rowCount() == 1 and dock.feed.get("HK.00001").last == 1.5
    dock.fake_clock.now += 0.06  # 0.21 s after the first: the merged changes, at once
    dock.flush([])
    last_col = dock.watch_model.columnCount() - 1
    assert sig.inserted == [(0, 0), (1, 2)] and sig.changed == [(0, 0, 0, last_col)]
    assert cell(dock.watch_model, 0, W_LAST) == "1.50" and dock.view_updates == 2
    # select() does not wait: the row must be there to be selected
    dock.fake_clock.now += 0.01
    dock.flush([maker.quote("US.AAPL", 190.0, 189.0)])
    assert dock.select("US.AAPL") and dock.watch_model.rowCount() == 4


def test_ladder_matches_the_latest_order_book(dock, maker, qtmodeltester):
    qtmodeltester.check(dock.ladder_model)
    bids = [(99.9 - i * 0.1, 100 * (i + 1), i + 1) for i in range(10)]
    asks = [(100.1 + i * 0.1, 50 * (10 - i), 20 - i) for i in range(10)]
    dock.flush([maker.book("US.AAPL", *ladder(50.0), t=1.0),
                maker.book("US.AAPL", bids, asks, t=1.0)])
    assert dock.selected == ("demo", "US.AAPL")  # the first symbol is selected by itself
    m = dock.ladder_model
    assert m.rowCount() == 10
    for i in range(10):
        assert cell(m, i, L_BID) == f"{bids[i][0]:.2f}"
        assert cell(m, i, L_BID_SZ) == f"{bids[i][1]:,}"
        assert cell(m, i, L_BID_N) == str(bids[i][2])
        assert cell(m, i, L_ASK) == f"{asks[i][0]:.2f}"
        assert cell(m, i, L_ASK_SZ) == f"{asks[i][1]:,}"
        assert cell(m, i, L_ASK_N) == str(asks[i][2])
    # depth bars: the share of the biggest level shown (1,000 on the bid side here)
    assert cell(m, 9, L_BID_SZ, DEPTH_ROLE) == pytest.approx(1.0)
    assert cell(m, 0, L_BID_SZ, DEPTH_ROLE) == pytest.approx(0.1)
    assert cell(m, 0, L_ASK_SZ, DEPTH_ROLE) == pytest.approx(0.5)
    assert cell(m, 0, L_BID, DEPTH_ROLE) is None
    assert "spread 0.20" in dock.spread_label.text() and "mid 100.000" in dock.spread_label.text()
    assert "US.AAPL" in dock.ladder_title.text()
    qtmodeltester.check(m)
    # a shorter book blanks the levels it no longer has
    dock.flush([maker.book("US.AAPL", bids[:3], asks[:2], t=2.0)])
    assert cell(m, 3, L_BID) == "" and cell(m, 2, L_ASK) == "" and cell(m, 1, L_ASK) != ""


def test_tape_shows_the_latest_tickers_newest_first(dock, maker, qtmodeltester):
    dock.feed.tape_len = 5
    qtmodeltester.check(dock.tape_model)
    dock.flush([maker.ticker("HK.00700", [(400.0, 100, 1, 1), (400.2, 200, 2, 2)])])
    m = dock.tape_model
    sig = Signals(m)
    assert [cell(m, r, T_PRICE) for r in range(m.rowCount())] == ["400.20", "400.00"]
    assert cell(m, 0, T_SIDE) == "Sell" and cell(m, 1, T_SIZE) == "100"
    assert cell(m, 0, T_PRICE, Qt.ItemDataRole.ForegroundRole) == m.colors.down
    dock.flush([maker.ticker("HK.00700", [(401.0 + i, 10 * i, 3, 3 + i)]) for i in range(4)])
    # 2 held + 4 new > 5: one remove at the bottom, one insert at the top
    assert sig.removed == [(1, 1)] and sig.inserted == [(0, 3)] and sig.resets == 0
    assert [cell(m, r, T_PRICE) for r in range(m.rowCount())] == [
        "404.00", "403.00", "402.00", "401.00", "400.20"]
    qtmodeltester.check(m)
    sig.clear()
    dock.flush([maker.ticker("HK.00700", [(410.0, 1, 1, s) for s in range(10, 30)])])
    assert [cell(m, r, T_PRICE) for r in range(m.rowCount())] == ["410.00"] * 5
    qtmodeltester.check(m)


def test_select_switches_ladder_and_tape(dock, maker):
    dock.flush([maker.book("HK.00700", *ladder(400.0)),
                maker.ticker("HK.00700", [(400.0, 1, 1, 1)]),
                maker.book("US.AAPL", *ladder(190.0, step=0.01)),
                maker.ticker("US.AAPL", [(190.0, 7, 2, 1), (190.01, 8, 1, 2)])])
    assert dock.selected == ("demo", "HK.00700") and dock.tape_model.rowCount() == 1
    assert dock.select("US.AAPL")
    assert dock.watch_view.currentIndex().row() == 1
    assert cell(dock.ladder_model, 0, L_BID) == "189.99"
    assert cell(dock.tape_model, 0, T_PRICE) == "190.01" and dock.tape_model.rowCount() == 2
    assert not dock.select("US.NOPE") and dock.selected == ("demo", "US.AAPL")
    # a click on the watchlist row selects too
    dock.watch_view.setCurrentIndex(dock.watch_model.index(0, 0))
    assert dock.selected == ("demo", "HK.00700")
    assert cell(dock.ladder_model, 0, L_ASK) == "400.20"


def test_symbols_from_two_endpoints_show_the_endpoint_column(dock, maker):
    from opendeck.gui.market.models import W_ENDPOINT
    dock.flush([maker.quote("HK.00700", 1, 1)])
    assert dock.watch_view.isColumnHidden(W_ENDPOINT)
    dock.flush([maker.quote("HK.00700", 2, 1, endpoint="lab")])
    assert not dock.watch_view.isColumnHidden(W_ENDPOINT)
    assert cell(dock.watch_model, 1, W_ENDPOINT) == "Lab"
    assert dock.select("HK.00700", "lab") and dock.selected == ("lab", "HK.00700")


def test_rates_model_per_proto(dock, maker, qtmodeltester):
    qtmodeltester.check(dock.rates_model)
    dock.flush([maker.quote("HK.00700", 1, 1) for _ in range(4)]
               + [maker.row(catalog.NOTIFY, b"", "")])
    dock.fake_clock.now += 2.0
    dock.flush([maker.quote("HK.00700", 1, 1) for _ in range(6)])
    m = dock.rates_model
    got = {cell(m, r, 0): (cell(m, r, 1), cell(m, r, 2)) for r in range(m.rowCount())}
    assert got == {"Quote": ("3.0", "10"), "Notify": ("0", "1")}
    assert cell(m, 0, 0, Qt.ItemDataRole.ToolTipRole) == "Qot_UpdateBasicQot (proto 3005)"
    assert dock.summary_label.text() == "3.0/s \u00b7 11 in all"
    assert dock.summary_label.toolTip() == "3.0 pushes/s now, 11 received, 1 symbol"
    assert dock.hint_label.isHidden()
    qtmodeltester.check(m)


def test_models_stand_alone_under_the_model_tester(qtmodeltester, maker):
    feed = MarketFeed()
    colors = MarketColors.for_theme(False)
    watch, rates = WatchlistModel(feed, colors), RatesModel(feed, colors)
    ladder_m, tape = LadderModel(colors), TapeModel(colors)
    for m in (watch, rates, ladder_m, tape):
        qtmodeltester.check(m)
    ch = feed.ingest([maker.quote("HK.00700", 1.5, 1.4), maker.book("HK.00700", *ladder(1.5, 0.01)),
                      maker.ticker("HK.00700", [(1.5, 1, 1, 1)])])
    feed.sample(0.0)
    feed.sample(1.0)
    watch.refresh(ch, True)
    rates.refresh()
    st = feed.get("HK.00700")
    feed.watch(st.key)  # its tape decoded, as the dock does for the selected symbol
    ladder_m.set_state(st, 3)
    tape.set_state(st, 3)
    for m in (watch, rates, ladder_m, tape):
        qtmodeltester.check(m)
        assert m.rowCount(m.index(0, 0)) == 0 and m.columnCount(m.index(0, 0)) == 0
        assert m.data(QModelIndex()) is None
    assert ladder_m.set_state(st, 3) is False  # the same book again: nothing to tell the view
    ladder_m.set_state(None)
    assert cell(ladder_m, 0, L_BID) == ""


def test_splitter_positions_round_trip(dock, qtbot, session):
    dock.splitter.setSizes([500, 250])
    dock.lower.setSizes([600, 400, 200])
    saved = dock.save_state()
    other = MarketDock(session, view_interval=0)
    qtbot.addWidget(other)
    other.resize(dock.size())
    other.show()
    assert other.restore_state(saved)
    assert other.splitter.sizes() == dock.splitter.sizes()
    assert other.lower.sizes() == dock.lower.sizes()
    assert not other.restore_state(b"something else") and not other.restore_state(None)


def test_theme_switch_repaints_with_dark_colors(dock, maker, qtbot):
    from opendeck.gui import theme
    dock.flush([maker.quote("HK.00700", 2, 1)])
    sig = Signals(dock.watch_model)
    theme.notifier().changed.emit(True)
    assert dock.watch_model.colors == MarketColors.for_theme(True)
    assert dock.spark.colors is dock.watch_model.colors
    assert sig.changed  # told the view
    theme.notifier().changed.emit(False)
    assert dock.watch_model.colors == MarketColors.for_theme(False)


def test_the_dock_paints_its_delegates(dock, maker, qtbot):
    for i in range(30):
        dock.flush([maker.quote("HK.00700", 400.0 + (i % 7), 401.0, t=float(i)),
                    maker.book("HK.00700", *ladder(400.0 + (i % 7)), t=float(i))])
    st = dock.feed.get("HK.00700")
    assert len(st.history) == 30
    image = dock.grab().toImage()  # paints the sparkline and depth-bar delegates
    assert not image.isNull() and image.width() == dock.width()
    QApplication.processEvents()


def test_poll_reads_the_ring_and_skips_what_is_too_far_behind(qtbot, maker):
    from opendeck.core.ring import PushLog

    ring = PushLog(1000)
    sess = types.SimpleNamespace(endpoints={}, pushes=ring)
    d = MarketDock(sess, clock=FakeClock(), view_interval=0)
    qtbot.addWidget(d)
    d.max_catch_up = 10
    rows = [maker.quote("HK.00700", 100.0 + i, 100.0) for i in range(25)]
    for _ in rows:
        ring.next_seq()
    ring.extend(rows)
    d.poll()
    assert d.last_seq == 25 and d.feed.total == 10 and d.skipped == 15
    assert d.feed.get("HK.00700").last == 124.0
    more = [maker.quote("HK.00700", 200.0, 100.0)]
    ring.next_seq()
    ring.extend(more)
    d.poll()
    assert d.last_seq == 26 and d.feed.total == 11 and d.skipped == 15
    assert cell(d.watch_model, 0, W_LAST) == "200.00"


_SQUEEZE = """
import types
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QPlainTextEdit
from opendeck.gui.market import MarketDock
from opendeck.gui.market.synth import RowMaker, ladder
app = QApplication([])
m = RowMaker()


def run_loop(ms=200):  # a real event loop, as the window's: a layout storm starves its timer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


for w, h, rows in ((50, 30, False), (0, 0, True), (300, 120, True)):  # smaller than it can be
    d = MarketDock(types.SimpleNamespace(endpoints={}, pushes=None), view_interval=0)
    d.resize(w, h)
    d.show()
    if rows:
        d.flush([m.quote("HK.00700", 1, 1), m.book("HK.00700", *ladder(1.0, 0.01))])
    for _ in range(20):
        app.processEvents()
    run_loop()
    d.close()
    d.deleteLater()
for w, h in ((1024, 700), (800, 500), (1280, 800)):  # tabbed with another dock
    win = QMainWindow()
    win.setCentralWidget(QPlainTextEdit())
    log = QDockWidget("Push log", win)
    log.setWidget(QPlainTextEdit())
    market = QDockWidget("Watchlist", win)
    dock = MarketDock(types.SimpleNamespace(endpoints={}, pushes=None), view_interval=0)
    market.setWidget(dock)
    win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, log)
    win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, market)
    win.tabifyDockWidget(log, market)
    win.resize(w, h)
    win.show()
    win.resizeDocks([log], [270], Qt.Orientation.Vertical)
    for raised in (log, market, log):
        raised.raise_()
        dock.flush([m.quote("HK.00700", 1, 1), m.book("HK.00700", *ladder(1.0, 0.01)),
                    m.ticker("HK.00700", [(1.0, 1, 1, 1)])])
        run_loop()
    win.close()
    win.deleteLater()
    app.processEvents()
print("settled")
"""


def test_a_squeezed_dock_settles_instead_of_relaying_out_forever():
    """Tabbed with the push log in a 1024x700 window, the dock was squeezed below the ladder's
    minimum height; its scroll bars then toggled each other, the header re-laid itself out
    forever and processEvents() never returned. In a subprocess, so a relapse fails this test
    (at the timeout) instead of hanging the suite."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", _SQUEEZE], capture_output=True, text=True,
                         timeout=120, env=env, check=False)
    assert out.returncode == 0 and "settled" in out.stdout, out.stderr[-2000:]
