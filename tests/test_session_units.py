"""PushLog ring buffer, summaries, journal and export, without the network."""

import csv
import json
from pathlib import Path

import pytest

from opendeck.core import catalog
from opendeck.core.channel import encode_message
from opendeck.core.journal import Journal, export_csv, export_jsonl
from opendeck.core.pb import Notify_pb2, Qot_UpdateBasicQot_pb2, Qot_UpdateTicker_pb2
from opendeck.core.session import PushLog, PushRecord
from opendeck.core.summary import decode_push, summarize
from opendeck.core.wire import FMT_JSON, FMT_PROTOBUF


def basic_qot_body(price=345.2, code="00700", fmt=FMT_PROTOBUF) -> bytes:
    resp = Qot_UpdateBasicQot_pb2.Response(retType=0)
    q = resp.s2c.basicQotList.add()
    q.security.market, q.security.code = 1, code
    q.isSuspended, q.listTime, q.priceSpread, q.updateTime = False, "2004-06-16", 0.2, "10:00:00"
    q.highPrice, q.openPrice, q.lowPrice, q.curPrice, q.lastClosePrice = 350, 340, 339, price, 340
    q.volume, q.turnover, q.turnoverRate, q.amplitude = 1_234_567, 1e9, 0.1, 3.2
    return encode_message(resp, fmt)


def rec(seq: int, body: bytes = b"", proto_id: int = 3005) -> tuple:
    return PushRecord(seq, 1.0 + seq, "ep", "quote", proto_id, 0, seq, body, "HK.00700", f"s{seq}").row()


def fill(log: PushLog, n: int, batch: int = 7) -> None:
    for start in range(0, n, batch):
        log.extend([rec(log.next_seq()) for _ in range(min(batch, n - start))])


def test_pushlog_since_returns_exactly_the_new_records():
    log = PushLog(capacity=1000)
    fill(log, 50)
    assert [r.seq for r in log.since(0)] == list(range(1, 51))
    assert [r.seq for r in log.since(45)] == [46, 47, 48, 49, 50]
    assert log.since(50) == []
    assert [r.seq for r in log.since(10, limit=3)] == [11, 12, 13]


def test_pushlog_is_bounded_and_counts_evictions():
    log = PushLog(capacity=100)
    fill(log, 1000)
    assert len(log) <= 100 + 100 // 4 + 7
    assert log.last_seq == 1000
    assert log.first_seq + len(log) - 1 == 1000
    assert log.evicted == 1000 - len(log)
    # a reader that fell behind gets what is still held, in order, without gaps
    got = [r.seq for r in log.since(0)]
    assert got == list(range(log.first_seq, 1001))
    assert log.get(1000).seq == 1000 and log.get(1) is None


def test_pushlog_one_huge_batch_is_trimmed_to_capacity():
    log = PushLog(capacity=10)
    log.extend([rec(log.next_seq()) for _ in range(50)])
    assert len(log) == 10 and log.first_seq == 41


def test_pushlog_clear_keeps_sequence_going():
    log = PushLog(capacity=100)
    fill(log, 10)
    log.clear()
    assert len(log) == 0 and log.since(0) == []
    fill(log, 2)
    assert [r.seq for r in log.since(0)] == [11, 12]


@pytest.mark.parametrize("fmt", [FMT_PROTOBUF, FMT_JSON])
def test_summary_and_lazy_decode_in_both_formats(fmt):
    body = basic_qot_body(fmt=fmt)
    sec, summ = summarize(catalog.QOT_UPDATE_BASIC_QOT, fmt, body)
    assert sec == "HK.00700"
    assert summ.startswith("345.200 +5.200 (+1.53%) vol 1.23M")
    d = decode_push(catalog.QOT_UPDATE_BASIC_QOT, fmt, body)
    assert d["basicQotList"][0]["security"] == {"market": 1, "code": "00700"}


def test_summary_of_ticker_and_notify():
    resp = Qot_UpdateTicker_pb2.Response(retType=0)
    resp.s2c.security.market, resp.s2c.security.code = 11, "AAPL"
    t = resp.s2c.tickerList.add(time="10:00:00", sequence=42, dir=1, price=190.5, volume=300, turnover=1)
    sec, summ = summarize(catalog.QOT_UPDATE_TICKER, 0, resp.SerializeToString())
    assert sec == "US.AAPL" and "190.500 x 300 bid #42" in summ and t.sequence == 42
    n = Notify_pb2.Response(retType=0)
    n.s2c.type = 3
    n.s2c.connectStatus.qotLogined, n.s2c.connectStatus.trdLogined = True, False
    assert "ConnStatus" in summarize(catalog.NOTIFY, 0, n.SerializeToString())[1]


def test_summary_never_raises_and_keeps_unknown_ids():
    assert "undecodable" in summarize(catalog.QOT_UPDATE_BASIC_QOT, 0, b"\xff\xff\xff")[1]
    assert "no schema for Qot_UpdatePriceReminder" in summarize(3019, 0, b"abc")[1]
    assert "no schema for Proto9999" in summarize(9999, 0, b"abc")[1]
    assert decode_push(9999, 0, b"\x01\x02") == {"raw_hex": "0102", "note": "no schema for Proto9999"}


def test_journal_keeps_every_push_and_exports(tmp_path: Path):
    j = Journal(tmp_path / "j.sqlite")
    body = basic_qot_body()
    total = 0
    for _ in range(20):
        rows = [(total + i + 1, 1.5, "ep1", "quote", 3005, 0, 7, body, "HK.00700", "s", "")
                for i in range(250)]
        total += len(rows)
        j.add_pushes(rows)
    j.add_event(1.0, "ep1", "quote", "state", "idle -> connecting")
    assert j.flush()
    assert j.count() == total == 5000 and j.backlog == 0
    assert j.events() == [(1.0, "ep1", "quote", "state", "idle -> connecting")]
    n = export_jsonl(j, tmp_path / "out.jsonl", {"ep1": "Demo"})
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert n == len(lines) == 5000
    first = json.loads(lines[0])
    assert first["endpoint"] == "Demo" and first["name"] == "Qot_UpdateBasicQot"
    assert first["body"]["basicQotList"][0]["curPrice"] == 345.2
    assert export_csv(j, tmp_path / "out.csv") == 5000
    with open(tmp_path / "out.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["seq", "time", "endpoint"] and len(rows) == 5001
    j.close()


def test_journal_on_an_unwritable_path_is_a_config_error(tmp_path: Path):
    from opendeck.core.errors import ConfigError
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot create the journal"):
        Journal(blocker / "j.sqlite")


def test_program_status_unknown_to_this_build_is_read_as_raw_int():
    from opendeck.core.pb import Common_pb2
    from opendeck.core.summary import program_status_type
    n = Notify_pb2.Response(retType=0)
    n.s2c.type = 2
    n.s2c.programStatus.programStatus.type = 10
    body = n.SerializeToString()
    assert "ProgramStatus: Ready" in summarize(catalog.NOTIFY, 0, body)[1]
    # a newer OpenD's status 99: the closed enum hides it, we still show the number
    body99 = body.replace(bytes([0x08, 10]), bytes([0x08, 99]))
    assert "ProgramStatus: 99" in summarize(catalog.NOTIFY, 0, body99)[1]
    assert program_status_type(Common_pb2.ProgramStatus.FromString(bytes([8, 99]))) == 99


def test_ring_rows_are_not_tracked_by_the_cyclic_gc():
    import gc
    log = PushLog(capacity=100)
    fill(log, 50)
    gc.collect()
    rows = log.rows_since(0)
    assert len(rows) == 50 and not any(gc.is_tracked(t) for t in rows)
    assert isinstance(log.get(1), PushRecord) and log.get(1).row() == rows[0]


def test_export_from_ring_rows_without_a_journal(tmp_path: Path):
    log = PushLog(capacity=100)
    body = basic_qot_body()
    log.extend([PushRecord(log.next_seq(), 1.0, "ep1", "quote", 3005, 0, 1, body, "HK.00700",
                           "s").row() for _ in range(3)])
    assert export_jsonl(log.rows_since(0), tmp_path / "r.jsonl", {"ep1": "Demo"}) == 3
    first = json.loads((tmp_path / "r.jsonl").read_text().splitlines()[0])
    assert first["endpoint"] == "Demo" and first["body"]["basicQotList"][0]["curPrice"] == 345.2
    assert export_csv(log.rows_since(1), tmp_path / "r.csv") == 2
