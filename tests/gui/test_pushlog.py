"""The push log dock: model contract, batching, filter, pause, cap, detail pane, export, rate.

Pushes are fed straight into a real ``Session`` (ring buffer, counters, journal) as synthetic
``PushRecord``s with real protobuf bodies, and ``dock.flush()`` is called by hand: no sleeps and
no timings here (those live in bench/flood.py). Shared fixtures live in this file on purpose.
"""

from __future__ import annotations

import csv
import json
import time

import pytest
from opendeck.core import catalog
from opendeck.core.config import Endpoint
from opendeck.core.pb import (
    Qot_UpdateBasicQot_pb2,
    Qot_UpdateTicker_pb2,
)
from opendeck.core.pushrow import PushRecord
from opendeck.core.session import Session
from opendeck.core.summary import summarize
from opendeck.gui.hexview import hexdump
from opendeck.gui.pushlog import (
    COL_CONTEXT,
    COL_ENDPOINT,
    COL_PROTO,
    COL_SECURITY,
    COL_SIZE,
    COL_SUMMARY,
    COL_TIME,
    RATE_WINDOW_S,
    SCAN_CHUNK,
    PushLogDock,
)
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QFileDialog

pytestmark = pytest.mark.gui

BASIC = catalog.QOT_UPDATE_BASIC_QOT  # 3005
TICKER = catalog.QOT_UPDATE_TICKER  # 3011


# ------------------------------------------------------------------------------------------
# helpers and fixtures
# ------------------------------------------------------------------------------------------
def basic_body(code: str = "00700", price: float = 320.5, market: int = 1) -> bytes:
    resp = Qot_UpdateBasicQot_pb2.Response(retType=0)
    q = resp.s2c.basicQotList.add()
    q.security.market = market
    q.security.code = code
    q.isSuspended = False
    q.listTime = "2004-06-16"
    q.priceSpread = 0.2
    q.updateTime = "2026-01-05 10:00:00"
    q.highPrice = price + 1
    q.openPrice = price - 0.5
    q.lowPrice = price - 1
    q.curPrice = price
    q.lastClosePrice = price - 2
    q.volume = 1_234_567
    q.turnover = 3.9e8
    q.turnoverRate = 0.12
    q.amplitude = 0.6
    return resp.SerializeToString()


def ticker_body(code: str = "AAPL", market: int = 11, price: float = 190.25) -> bytes:
    resp = Qot_UpdateTicker_pb2.Response(retType=0)
    resp.s2c.security.market = market
    resp.s2c.security.code = code
    t = resp.s2c.tickerList.add()
    t.time = "2026-01-05 10:00:00"
    t.sequence = 42
    t.dir = 1
    t.price = price
    t.volume = 300
    t.turnover = price * 300
    return resp.SerializeToString()


def feed(session: Session, n: int, *, endpoint: str = "ep-a", context: str = "quote",
         proto_id: int = BASIC, body: bytes | None = None, error: str = "",
         batch: int = 64) -> list[PushRecord]:
    """Append ``n`` pushes the way the session does: batches with one timestamp each (rows in
    core/pushrow.py's schema: no summary stored; it is built when shown)."""
    if body is None:
        body = basic_body() if proto_id == BASIC else ticker_body()
    sec, _summ = summarize(proto_id, 0, body)
    out = []
    left = n
    while left > 0:
        k = min(batch, left)
        now = time.time()
        recs = [PushRecord(session.pushes.next_seq(), now, endpoint, context, proto_id, 0,
                           1000 + i, body, sec, error) for i in range(k)]
        session.pushes.extend([r.row() for r in recs])
        session.push_counts[endpoint] = session.push_counts.get(endpoint, 0) + k
        if session.journal is not None:
            session.journal.add_pushes([r.row() for r in recs])
        out.extend(recs)
        left -= k
    return out


@pytest.fixture
def session():
    s = Session([Endpoint(name="Alpha box", id="ep-a"), Endpoint(name="Beta VPS", id="ep-b")])
    yield s
    if s.journal is not None:
        s.journal.close()


@pytest.fixture
def journal_session(tmp_path):
    s = Session([Endpoint(name="Alpha box", id="ep-a"), Endpoint(name="Beta VPS", id="ep-b")],
                journal_path=tmp_path / "journal.sqlite3")
    yield s
    s.journal.close()


def make_dock(qtbot, session, **kw) -> PushLogDock:
    dock = PushLogDock(session, **kw)
    qtbot.addWidget(dock)
    dock.timer.stop()  # tests flush by hand
    dock.rate_timer.stop()
    return dock


@pytest.fixture
def dock(qtbot, session) -> PushLogDock:
    return make_dock(qtbot, session)


def col(dock: PushLogDock, column: int) -> list[str]:
    m = dock.model
    return [m.data(m.index(r, column)) for r in range(m.rowCount())]


class SignalCounter:
    def __init__(self, model) -> None:
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        self.resets = 0
        model.rowsInserted.connect(lambda _p, a, b: self.inserted.append((a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.removed.append((a, b)))
        model.modelReset.connect(self._reset)

    def _reset(self) -> None:
        self.resets += 1


# ------------------------------------------------------------------------------------------
# the model
# ------------------------------------------------------------------------------------------
def test_dock_identity(dock):
    assert dock.objectName() == "pushLogDock"
    assert dock.windowTitle() == "Push log"
    assert dock.timer.interval() == 75
    assert dock.row_cap == 50_000
    assert dock.paused is False and dock.buffered == 0


def test_model_passes_modeltester_while_live(qtmodeltester, session, qtbot):
    dock = make_dock(qtbot, session, row_cap=120)
    feed(session, 50)
    dock.flush()
    qtmodeltester.check(dock.model)  # stays attached: checks the signals of later flushes too
    feed(session, 60, endpoint="ep-b", proto_id=TICKER)
    dock.flush()
    feed(session, 200, error="SHA-1 mismatch")  # pushes over the cap: insert + trim
    dock.flush()
    dock.set_filter(endpoint="ep-b")
    dock.clear()
    feed(session, 10, endpoint="ep-b")
    dock.flush()
    assert dock.model.rowCount() == 10


def test_rows_show_precomputed_columns(dock, session):
    recs = feed(session, 3, batch=3)
    feed(session, 1, endpoint="ep-b", context="trade-sec", proto_id=TICKER)
    dock.flush()
    m = dock.model
    assert m.rowCount() == 4
    assert m.columnCount() == 7
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
    assert headers == ["Time", "Endpoint", "Context", "Proto", "Security", "Summary", "Size"]
    lt = time.localtime(recs[0].time)
    assert m.data(m.index(0, COL_TIME)) == (f"{lt.tm_hour:02d}:{lt.tm_min:02d}:{lt.tm_sec:02d}."
                                            f"{int(recs[0].time * 1000) % 1000:03d}")
    assert col(dock, COL_ENDPOINT) == ["Alpha box"] * 3 + ["Beta VPS"]
    assert col(dock, COL_CONTEXT) == ["quote"] * 3 + ["trade-sec"]
    assert col(dock, COL_PROTO) == ["3005 Qot_UpdateBasicQot"] * 3 + ["3011 Qot_UpdateTicker"]
    assert col(dock, COL_SECURITY) == ["HK.00700"] * 3 + ["US.AAPL"]
    assert m.data(m.index(0, COL_SUMMARY)).startswith("320.500 +2.000")
    assert m.data(m.index(0, COL_SIZE)) == str(len(basic_body()))
    align = m.data(m.index(0, COL_SIZE), Qt.ItemDataRole.TextAlignmentRole)
    assert align is not None and int(align) & int(Qt.AlignmentFlag.AlignRight.value)
    # unhandled roles are None, and so is an invalid index
    assert m.data(m.index(0, 0), Qt.ItemDataRole.DecorationRole) is None
    assert m.data(QModelIndex()) is None
    assert m.rowCount(m.index(0, 0)) == 0


def test_endpoint_renames_reach_new_rows_and_the_combo(dock, session):
    feed(session, 1)
    dock.flush()
    session.endpoints["ep-a"].name = "Alpha renamed"
    dock.update_rate()  # the once-a-second tick refreshes endpoint names
    feed(session, 1)
    dock.flush()
    assert col(dock, COL_ENDPOINT) == ["Alpha box", "Alpha renamed"]
    assert dock.endpoint_combo.itemText(dock.endpoint_combo.findData("ep-a")) == "Alpha renamed"


def test_long_summary_is_one_truncated_line(dock, session):
    long = "line one\nline two " + "x" * 500  # a push's error is its summary
    feed(session, 1, error=long)
    dock.flush()
    shown = dock.model.data(dock.model.index(0, COL_SUMMARY))
    assert "\n" not in shown and len(shown) <= 160 and shown.endswith("…")
    # the tooltip has it all
    assert dock.model.data(dock.model.index(0, COL_SUMMARY), Qt.ItemDataRole.ToolTipRole) == long


def test_one_insert_and_one_remove_per_flush(qtbot, session):
    dock = make_dock(qtbot, session, row_cap=100)
    sig = SignalCounter(dock.model)
    for _ in range(5):  # five read batches before the timer fires
        feed(session, 30, batch=30)
    dock.flush()
    assert sig.inserted == [(0, 99)]  # one insert; only what fits the cap was built
    assert sig.removed == []
    for _ in range(3):
        feed(session, 20, batch=20)
    dock.flush()
    assert sig.inserted[1:] == [(40, 99)]  # one insert of the 60 new rows...
    assert sig.removed == [(0, 59)]  # ...after one remove of the 60 oldest
    assert dock.model.rowCount() == 100
    dock.flush()  # nothing new: no signal at all
    assert len(sig.inserted) == 2 and len(sig.removed) == 1 and sig.resets == 0


def test_flush_is_driven_by_the_timer(qtbot, session):
    dock = PushLogDock(session)
    qtbot.addWidget(dock)
    assert dock.timer.isActive()
    feed(session, 7)
    qtbot.waitUntil(lambda: dock.model.rowCount() == 7, timeout=3000)
    assert dock.seen == 7 and dock.shown_total == 7


def test_shows_pushes_already_in_the_ring(qtbot, session):
    feed(session, 12)
    dock = make_dock(qtbot, session)
    dock.flush()
    assert dock.model.rowCount() == 12 and dock.seen == 12


# ------------------------------------------------------------------------------------------
# cap
# ------------------------------------------------------------------------------------------
def test_row_cap_trims_oldest_and_keeps_newest(qtbot, session):
    dock = make_dock(qtbot, session, row_cap=100)
    feed(session, 70)
    dock.flush()
    recs = feed(session, 70)
    dock.flush()
    assert dock.model.rowCount() == 100
    assert dock.model.record(99).seq == recs[-1].seq
    assert dock.model.record(0).seq == recs[-1].seq - 99
    assert dock.trimmed == 40
    # one flush bigger than the cap: still exactly the newest 100
    recs = feed(session, 450)
    dock.flush()
    assert dock.model.rowCount() == 100
    assert [dock.model.record(r).seq for r in (0, 99)] == [recs[-100].seq, recs[-1].seq]
    assert dock.shown_total == dock.seen == 590
    assert dock.trimmed == 490


# ------------------------------------------------------------------------------------------
# filter
# ------------------------------------------------------------------------------------------
def test_filter_applies_to_new_rows_and_refilters_old(dock, session):
    feed(session, 5, endpoint="ep-a")
    feed(session, 3, endpoint="ep-b", proto_id=TICKER)
    dock.flush()
    assert dock.model.rowCount() == 8

    dock.set_filter(endpoint="ep-b")
    assert col(dock, COL_ENDPOINT) == ["Beta VPS"] * 3  # existing rows re-filtered from the ring
    assert dock.endpoint_combo.currentData() == "ep-b"

    feed(session, 10, endpoint="ep-a")
    feed(session, 4, endpoint="ep-b", proto_id=TICKER)
    dock.flush()
    assert col(dock, COL_ENDPOINT) == ["Beta VPS"] * 7  # new rows filtered too
    assert dock.filtered_out == 10
    assert dock.seen == dock.shown_total + dock.filtered_out == 22

    dock.set_filter(context="trade-sec")
    feed(session, 2, endpoint="ep-a", context="trade-sec", proto_id=TICKER)
    feed(session, 2, endpoint="ep-a", context="quote")
    dock.flush()
    assert col(dock, COL_CONTEXT) == ["trade-sec"] * 2

    dock.set_filter(proto_id=TICKER)
    assert set(col(dock, COL_PROTO)) == {"3011 Qot_UpdateTicker"}
    assert dock.model.rowCount() == 9

    dock.set_filter()  # everything back (from the ring)
    assert dock.model.rowCount() == 26


def test_text_filter_is_case_insensitive_over_security_summary_and_proto(dock, session):
    feed(session, 3, body=basic_body("00700"))
    feed(session, 2, body=basic_body("09988", price=80.0))
    feed(session, 4, proto_id=TICKER, body=ticker_body("TSLA"))
    dock.flush()
    dock.set_filter(text="hk.09988")
    assert col(dock, COL_SECURITY) == ["HK.09988"] * 2
    dock.set_filter(text="UPDATETICKER")  # the proto name
    assert col(dock, COL_SECURITY) == ["US.TSLA"] * 4
    dock.set_filter(text="80.000")  # the summary
    assert col(dock, COL_SECURITY) == ["HK.09988"] * 2
    feed(session, 1, body=basic_body("09988", price=80.0))
    feed(session, 5, body=basic_body("00700"))
    dock.flush()
    assert col(dock, COL_SECURITY) == ["HK.09988"] * 3


def test_filter_widgets_drive_the_filter(qtbot, dock, session):
    feed(session, 2, endpoint="ep-a", proto_id=BASIC)
    feed(session, 3, endpoint="ep-b", proto_id=TICKER, body=ticker_body("NVDA"))
    dock.flush()
    protos = [(dock.proto_combo.itemText(i), dock.proto_combo.itemData(i))
              for i in range(dock.proto_combo.count())]
    assert protos == [("All protos", None), ("3005 Qot_UpdateBasicQot", BASIC),
                      ("3011 Qot_UpdateTicker", TICKER)]
    endpoints = [dock.endpoint_combo.itemText(i) for i in range(dock.endpoint_combo.count())]
    assert endpoints == ["All endpoints", "Alpha box", "Beta VPS"]

    dock.proto_combo.setCurrentIndex(dock.proto_combo.findData(TICKER))
    assert dock.model.rowCount() == 3
    dock.proto_combo.setCurrentIndex(0)
    assert dock.model.rowCount() == 5

    qtbot.keyClicks(dock.text_edit, "nvda")  # debounced: wait for it, no sleep
    qtbot.waitUntil(lambda: dock.model.rowCount() == 3, timeout=3000)
    assert dock.filter == (None, None, None, "nvda")


# ------------------------------------------------------------------------------------------
# pause / resume / clear
# ------------------------------------------------------------------------------------------
def test_pause_keeps_counting_and_resume_shows_everything(dock, session):
    feed(session, 10)
    dock.flush()
    dock.pause()
    assert dock.paused and dock.pause_button.isChecked() and dock.pause_button.text() == "Resume"
    for _ in range(4):
        feed(session, 125)
        dock.flush()
        assert dock.model.rowCount() == 10  # the view does not change
        assert dock.shown_total + dock.buffered == dock.seen
    assert dock.buffered == 500
    assert "500 buffered" in dock.buffered_label.text()
    dock.resume()
    assert not dock.paused and dock.buffered == 0
    assert dock.model.rowCount() == 510 == dock.seen == dock.shown_total
    assert [dock.model.record(r).seq for r in range(510)] == list(range(1, 511))
    assert dock.buffered_label.text() == ""


def test_pause_button_and_space_key(qtbot, dock, session):
    dock.show()
    qtbot.mouseClick(dock.pause_button, Qt.MouseButton.LeftButton)
    assert dock.paused
    feed(session, 3)
    dock.flush()
    assert dock.model.rowCount() == 0 and dock.buffered == 3
    qtbot.mouseClick(dock.pause_button, Qt.MouseButton.LeftButton)
    assert not dock.paused and dock.model.rowCount() == 3
    dock.view.setFocus()
    qtbot.waitUntil(dock.view.hasFocus, timeout=3000)
    qtbot.keyClick(dock.view, Qt.Key.Key_Space)
    assert dock.paused
    qtbot.keyClick(dock.view, Qt.Key.Key_Space)
    assert not dock.paused


def test_long_pause_reports_pushes_the_ring_evicted(qtbot):
    session = Session([Endpoint(name="Alpha box", id="ep-a")], ring_capacity=100)
    dock = make_dock(qtbot, session, row_cap=1000)
    feed(session, 20)
    dock.flush()
    dock.pause()
    feed(session, 400, batch=50)
    dock.flush()
    assert dock.buffered == 400
    evicted = session.pushes.first_seq - 1 - 20
    assert evicted > 0
    assert dock.buffered_evicted == evicted
    assert "in the journal" in dock.buffered_label.text()
    dock.resume()
    assert dock.skipped == evicted
    assert dock.seen == dock.shown_total + dock.skipped == 420
    marker = dock.model.row_tuple(20)
    assert dock.model.record(20) is None
    assert f"{evicted:,} pushes skipped" in marker[COL_SUMMARY] and "journal" in marker[COL_SUMMARY]
    assert dock.model.push_rows() == 20 + 400 - evicted
    assert "skipped" in dock.counts_label.text()


def test_clear_empties_the_view_only(dock, session):
    feed(session, 30)
    dock.flush()
    dock.clear()
    assert dock.model.rowCount() == 0
    feed(session, 4)
    dock.flush()
    assert dock.model.rowCount() == 4
    dock.set_filter(text="hk")  # a re-filter does not bring cleared rows back
    assert dock.model.rowCount() == 4
    assert dock.seen == 34 and len(session.pushes) == 34


# ------------------------------------------------------------------------------------------
# follow tail
# ------------------------------------------------------------------------------------------
def test_follows_the_tail_only_when_at_the_bottom(qtbot, session):
    dock = make_dock(qtbot, session, row_cap=400)
    dock.resize(900, 400)
    dock.show()
    qtbot.waitExposed(dock)
    sb = dock.view.verticalScrollBar()
    feed(session, 200)
    dock.flush()
    assert sb.maximum() > 0 and sb.value() == sb.maximum()
    feed(session, 50)
    dock.flush()
    assert sb.value() == sb.maximum()  # followed
    # a layout change (the rate chart shown, the dock resized) does not lose the tail
    dock.rate_button.setChecked(True)
    dock.resize(900, 300)
    qtbot.waitUntil(lambda: sb.maximum() > 0 and sb.value() == sb.maximum(), timeout=3000)
    assert dock.following
    feed(session, 10)
    dock.flush()
    assert sb.value() == sb.maximum()
    dock.rate_button.setChecked(False)
    dock.resize(900, 400)
    qtbot.waitUntil(lambda: sb.value() == sb.maximum(), timeout=3000)
    sb.setValue(120)  # the user scrolls up to read
    feed(session, 100)
    dock.flush()
    assert sb.value() == 120 and sb.value() < sb.maximum()  # not yanked to the bottom
    assert not dock.following
    first_visible = dock.view.rowAt(0)
    seq_visible = dock.model.record(first_visible).seq
    feed(session, 80)  # over the cap: 30 rows trimmed from the top
    dock.flush()
    assert dock.model.rowCount() == 400
    assert dock.model.record(dock.view.rowAt(0)).seq == seq_visible  # what they read stays put


# ------------------------------------------------------------------------------------------
# detail pane
# ------------------------------------------------------------------------------------------
def test_detail_pane_shows_header_tree_json_and_hex(qtbot, dock, session):
    feed(session, 5)
    feed(session, 1, endpoint="ep-b", body=basic_body("00005", price=61.25))
    dock.flush()
    dock.show()
    dock.view.selectRow(5)
    d = dock.detail
    rec = session.pushes.latest(1)[0]
    assert d.record.seq == rec.seq
    head = d.header.text()
    for needle in ("3005 Qot_UpdateBasicQot", f"{rec.serial}", "protobuf", f"{rec.size:,} bytes",
                   "Beta VPS", "quote", "HK.00005"):
        assert needle in head
    # the full header has its own tab; on top, a two-line summary leaves room for the message
    assert d.tabs.tabText(d.HEADER) == "Header" and d.tabs.widget(d.HEADER).widget() is d.header
    summ = d.summary.text()
    assert "3005 Qot_UpdateBasicQot" in summ and "HK.00005" in summ and "Beta VPS" in summ
    assert summ.count("<br>") == 1
    d.render_all()
    texts = dict(d.tree_texts())
    assert texts["code"] == "00005"
    assert texts["curPrice"] == "61.25"
    decoded = json.loads(d.json.toPlainText())
    assert decoded["basicQotList"][0]["security"]["code"] == "00005"
    hx = d.hex.toPlainText().splitlines()
    assert hx[0].startswith("00000000  " + rec.body[:8].hex(" "))
    assert len(hx) == (rec.size + 15) // 16
    # a trim that removes the selected row does not switch the detail to another push
    dock.view.selectRow(0)
    first = session.pushes.get(1)
    assert d.record.seq == first.seq == 1
    dock.row_cap = 6
    feed(session, 3)
    dock.flush()
    assert dock.model.rowCount() == 6 and dock.model.seq(0) == 4
    assert d.record.seq == 1


def test_detail_pane_shows_errors_instead_of_crashing(qtbot, dock, session):
    feed(session, 1, error="SHA-1 mismatch: body corrupted", body=b"\x01\x02garbage\xff")
    dock.flush()
    assert dock.model.data(dock.model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None
    dock.view.selectRow(0)
    d = dock.detail
    assert "SHA-1 mismatch" in d.header.text()
    assert "Decode" in d.header.text()  # the body could not be decoded: said, not crashed
    d.tabs.setCurrentIndex(d.HEX)
    assert d.hex.toPlainText() == ("00000000  01 02 67 61 72 62 61 67  65 ff" + " " * 19 + " |..garbage.|")


def test_tree_children_are_built_on_expand(qtbot, dock, session):
    resp = Qot_UpdateBasicQot_pb2.Response(retType=0)
    body0 = Qot_UpdateBasicQot_pb2.Response.FromString(basic_body())
    for i in range(300):  # big enough to stop the automatic expansion
        q = resp.s2c.basicQotList.add()
        q.CopyFrom(body0.s2c.basicQotList[0])
        q.security.code = f"{i:05d}"
    feed(session, 1, body=resp.SerializeToString())
    dock.flush()
    dock.view.selectRow(0)
    tree = dock.detail.tree
    top = tree.topLevelItem(0)
    assert top.text(0) == "basicQotList" and top.text(1) == "[300 items]"
    item = top.child(299)
    assert item.text(0) == "[299]" and item.childCount() == 0  # not built yet
    tree.expandItem(item)
    assert item.childCount() > 10
    assert any(item.child(j).text(0) == "curPrice" for j in range(item.childCount()))


def test_detail_falls_back_to_the_journal_after_the_ring_evicted(qtbot, tmp_path):
    s = Session([Endpoint(name="Alpha box", id="ep-a")], ring_capacity=50,
                journal_path=tmp_path / "j.sqlite3")
    try:
        dock = make_dock(qtbot, s, row_cap=500)
        recs = feed(s, 10, body=basic_body("00001"))
        dock.flush()
        feed(s, 200)
        dock.flush()
        assert s.pushes.get(recs[0].seq) is None  # gone from memory, still a row in the view
        assert dock.model.seq(0) == recs[0].seq
        s.journal.flush()
        dock.view.selectRow(0)
        assert dock.detail.record.seq == recs[0].seq
        assert "HK.00001" in dock.detail.header.text()
        dock.detail.render_all()
        assert dict(dock.detail.tree_texts())["code"] == "00001"
    finally:
        s.journal.close()


def test_rows_are_not_tracked_by_the_cyclic_gc(dock, session):
    """50k tracked rows would lengthen every full collection (a loop stall; bench/README.md)."""
    import gc

    feed(session, 3)
    feed(session, 1, error="bad")
    dock.flush()
    gc.collect()
    assert not any(gc.is_tracked(dock.model.row_tuple(r)) for r in range(4))


def test_hexdump_caps_large_bodies():
    data = bytes(range(256)) * 300  # 76,800 bytes
    text = hexdump(data, limit=1024)
    lines = text.splitlines()
    assert len(lines) == 1024 // 16 + 1
    assert lines[1] == ("00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|")
    assert lines[2].endswith("| !\"#$%&'()*+,-./|")
    assert "75,776 more bytes not shown" in lines[-1]
    assert hexdump(b"") == "(empty body)"


# ------------------------------------------------------------------------------------------
# export
# ------------------------------------------------------------------------------------------
def test_export_reads_the_journal_not_the_view_nor_the_ring(qtbot, tmp_path):
    journal_session = Session([Endpoint(name="Alpha box", id="ep-a"),
                               Endpoint(name="Beta VPS", id="ep-b")],
                              ring_capacity=80, journal_path=tmp_path / "journal.sqlite3")
    dock = make_dock(qtbot, journal_session, row_cap=50)
    feed(journal_session, 130)
    feed(journal_session, 20, endpoint="ep-b", proto_id=TICKER)
    dock.flush()
    assert dock.model.rowCount() == 50 and len(journal_session.pushes) < 150 and dock.skipped > 0
    n = dock.export_jsonl(tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert n == len(lines) == 150
    first, last = json.loads(lines[0]), json.loads(lines[-1])
    assert first["seq"] == 1 and first["endpoint"] == "Alpha box" and first["name"] == "Qot_UpdateBasicQot"
    assert first["body"]["basicQotList"][0]["security"]["code"] == "00700"
    assert last["endpoint"] == "Beta VPS" and last["proto_id"] == TICKER
    n = dock.export_csv(tmp_path / "out.csv")
    rows = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert n == 150 and len(rows) == 151 and rows[0][0] == "seq"
    assert "150" in dock.status_label.text() and "journal" in dock.status_label.text()
    journal_session.journal.close()


def test_export_without_journal_uses_the_ring(dock, session, tmp_path):
    feed(session, 40)
    feed(session, 2, error="bad", body=b"\x00\xff")
    n = dock.export_jsonl(tmp_path / "ring.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "ring.jsonl").read_text().splitlines()]
    assert n == len(lines) == 42
    assert lines[-1]["error"] == "bad" and "raw_hex" in lines[-1]["body"]
    assert dock.export_csv(tmp_path / "ring.csv") == 42
    assert len((tmp_path / "ring.csv").read_text().splitlines()) == 43
    assert "memory ring" in dock.status


def test_export_dialog_is_non_modal_and_runs_in_the_background(qtbot, journal_session, tmp_path):
    dock = make_dock(qtbot, journal_session)
    dock.show()
    feed(journal_session, 75)
    dlg = dock.open_export_dialog("jsonl")
    assert isinstance(dlg, QFileDialog) and dlg.isVisible()
    assert dlg.windowModality() == Qt.WindowModality.WindowModal  # open(), not exec()
    target = tmp_path / "via-dialog.jsonl"
    dlg.fileSelected.emit(str(target))  # what accepting the dialog does
    dlg.close()
    qtbot.waitUntil(lambda: dock.last_export is not None, timeout=10_000)
    assert dock.last_export == ("jsonl", str(target), 75)
    assert len(target.read_text().splitlines()) == 75
    assert "75" in dock.status_label.text()


# ------------------------------------------------------------------------------------------
# rate
# ------------------------------------------------------------------------------------------
def test_push_rate_per_endpoint(dock, session):
    assert dock.update_rate(now=100.0) == {}
    session.push_counts.update({"ep-a": 500, "ep-b": 40})
    rates = dock.update_rate(now=102.0)
    assert rates == {"ep-a": 250.0, "ep-b": 20.0}
    session.push_counts["ep-a"] += 100
    rates = dock.update_rate(now=103.0)
    assert rates == {"ep-a": 100.0, "ep-b": 0.0}
    assert dock.rate_label.text() == "100 push/s"
    plot = dock.rate_plot
    assert plot is not None and set(plot.curves) == {"ep-a", "ep-b"}
    xs, ys = plot.curves["ep-a"].getData()
    # the chart reads the session's one sampler: wall-clock x, a trailing window, y from 0
    assert list(ys) == [250.0, 100.0] and list(xs) == [102.0, 103.0]
    assert session.rates.latest == rates and session.rates.total == 100.0
    (x0, x1), (y0, y1) = plot.plot.getPlotItem().viewRange()
    assert x1 == pytest.approx(103.0) and x1 - x0 == pytest.approx(RATE_WINDOW_S)
    assert y0 == 0 and y1 >= 250.0


# ------------------------------------------------------------------------------------------
# big scans run in steps
# ------------------------------------------------------------------------------------------
def _accounted(dock) -> bool:
    return dock.seen == dock.shown_total + dock.filtered_out + dock.skipped + dock.buffered


def test_big_catch_up_and_refilter_run_in_steps_and_account_for_every_push(qtbot, session):
    dock = make_dock(qtbot, session, row_cap=1000)
    first = feed(session, 10, proto_id=TICKER, body=ticker_body("TSLA"))
    feed(session, SCAN_CHUNK * 3, batch=5000)
    last = feed(session, 10, proto_id=TICKER, body=ticker_body("TSLA"))
    total = session.pushes.last_seq

    # a backlog bigger than one chunk (the resume after a long pause): one chunk per loop turn
    dock.flush()
    assert dock.scanning and dock.buffered_label.text() == "catching up…"
    assert dock.model.rowCount() == 0 and _accounted(dock)
    steps = 0
    while dock.scanning:
        feed(session, 3)  # pushes keep arriving meanwhile
        dock.flush()  # the flush timer ticks: counts, does not touch the view
        assert _accounted(dock)
        dock._job_step()
        steps += 1
    assert steps >= 3
    assert dock.buffered == 0 and dock.seen == session.pushes.last_seq and _accounted(dock)
    seqs = [dock.model.record(r).seq for r in range(dock.model.rowCount())]
    assert seqs == list(range(session.pushes.last_seq - 999, session.pushes.last_seq + 1))

    # a selective re-filter scans the whole ring newest first, in steps, then swaps the rows
    dock.set_filter(text="tsla")
    assert dock.scanning and dock.buffered_label.text() == "filtering…"
    assert dock.model.rowCount() == 1000  # the old rows stay until the scan is done
    qtbot.waitUntil(lambda: not dock.scanning, timeout=10_000)  # driven by the job timer
    assert col(dock, COL_SECURITY) == ["US.TSLA"] * 20
    assert [dock.model.record(r).seq for r in (0, 19)] == [first[0].seq, last[-1].seq]
    assert dock.matching == 20 and "20 match the filter" in dock.counts_label.text()
    assert "1,000" not in dock.counts_label.text().split("·")[0]  # rows in view, not stale
    assert f"{dock.seen:,} received" in dock.counts_label.text()
    assert _accounted(dock) and dock.seen > total
    assert "shown" in dock.counts_label.toolTip() and "filtered out" in dock.counts_label.toolTip()

    # a filter change during a scan replaces it; new rows still pass the new filter
    dock.set_filter(text="hk.00700")
    assert dock.scanning
    dock.set_filter(text="tsla")
    qtbot.waitUntil(lambda: not dock.scanning, timeout=10_000)
    feed(session, 2, proto_id=TICKER, body=ticker_body("TSLA"))
    dock.flush()
    assert col(dock, COL_SECURITY) == ["US.TSLA"] * 22 and dock.matching == 22


def test_export_of_the_filtered_view_holds_exactly_the_filtered_rows(qtbot, tmp_path):
    s = Session([Endpoint(name="Alpha box", id="ep-a"), Endpoint(name="Beta VPS", id="ep-b")],
                ring_capacity=60, journal_path=tmp_path / "journal.sqlite3")
    try:
        dock = make_dock(qtbot, s, row_cap=5)  # the cap and the ring drop rows from sight...
        feed(s, 40)
        feed(s, 30, endpoint="ep-b", proto_id=TICKER)
        feed(s, 40)
        dock.flush()
        dock.set_filter(endpoint="ep-b")
        run_scan(dock)
        assert dock.model.rowCount() <= 5 and dock.matching <= 30
        n = dock.export_jsonl(tmp_path / "filtered.jsonl", "filtered")
        lines = [json.loads(x) for x in (tmp_path / "filtered.jsonl").read_text().splitlines()]
        # ...the export does not: every pushed row that passes the filter, and nothing else
        assert n == len(lines) == 30
        assert {x["endpoint"] for x in lines} == {"Beta VPS"} and {x["proto_id"] for x in lines} == {TICKER}
        assert "pass the filter" in dock.status
        assert dock.export_csv(tmp_path / "all.csv", "all") == 110  # "all" is still all
        feed(s, 3, endpoint="ep-b", proto_id=TICKER)  # not pulled yet: not in "what it shows"
        assert dock.export_csv(tmp_path / "f.csv", "filtered") == 30
        dock.clear()
        assert dock.export_csv(tmp_path / "f2.csv", "filtered") == 0  # cleared: shows nothing
    finally:
        s.journal.close()


def test_the_detail_tree_names_enum_values(dock, session):
    feed(session, 1, body=basic_body("00700", market=1))
    dock.flush()
    dock.show_row(0)
    dock.detail.render_all()
    values = [v for _k, v in dock.detail.tree_texts()]
    assert "HK_Security (1)" in values
    assert '"market": 1' in dock.detail.json.toPlainText().replace("\n", " ").replace("  ", " ")


def run_scan(dock) -> None:
    """Finish a re-filter / catch-up that runs in steps (what the scan timer does)."""
    while dock.scanning:
        dock._job_step()
