"""The push-row schema (core/pushrow.py) and the journal (core/journal.py): group commit,
backpressure, failures with truthful counters, size on disk, exports."""

from __future__ import annotations

import contextlib
import csv
import json
import sqlite3
import threading
from pathlib import Path

import pytest
from opendeck.core import catalog, pushrow
from opendeck.core.channel import Packet, encode_message
from opendeck.core.errors import ChecksumError, ConfigError, JournalError
from opendeck.core.journal import SCHEMA_VERSION, Journal, JournalUnavailable, export_csv, export_jsonl
from opendeck.core.pb import (
    Notify_pb2,
    Qot_UpdateBasicQot_pb2,
    Qot_UpdateBroker_pb2,
    Qot_UpdateKL_pb2,
    Qot_UpdateOrderBook_pb2,
    Qot_UpdateRT_pb2,
    Qot_UpdateTicker_pb2,
)
from opendeck.core.summary import summarize
from opendeck.core.wire import FMT_JSON, FMT_PROTOBUF

DEADLINE = 30.0


def basic_body(price: float = 345.2, code: str = "00700", market: int = 1) -> bytes:
    resp = Qot_UpdateBasicQot_pb2.Response(retType=0)
    q = resp.s2c.basicQotList.add()
    q.security.market, q.security.code = market, code
    q.name, q.isSuspended, q.listTime, q.priceSpread, q.updateTime = "TENCENT", False, "2004-06-16", 0.2, "10:00"
    q.highPrice, q.openPrice, q.lowPrice, q.curPrice, q.lastClosePrice = 350, 340, 339, price, 340
    q.volume, q.turnover, q.turnoverRate, q.amplitude = 1_234_567, 1e9, 0.1, 3.2
    return resp.SerializeToString()


def rows(n: int, start: int = 1, body: bytes | None = None) -> list[tuple]:
    b = body if body is not None else basic_body()
    return [(start + i, 1_796_120_130.5 + i, "ep1", "quote", 3005, 0, i, b, "HK.00700", "")
            for i in range(n)]


# --- pushrow ---------------------------------------------------------------------------------

def _pushes_of_every_kind() -> list[tuple[int, bytes]]:
    out = [(catalog.QOT_UPDATE_BASIC_QOT, basic_body(code="AAPL", market=11))]
    for pid, mod in ((catalog.QOT_UPDATE_TICKER, Qot_UpdateTicker_pb2),
                     (catalog.QOT_UPDATE_ORDER_BOOK, Qot_UpdateOrderBook_pb2),
                     (catalog.QOT_UPDATE_KL, Qot_UpdateKL_pb2), (catalog.QOT_UPDATE_RT, Qot_UpdateRT_pb2),
                     (catalog.QOT_UPDATE_BROKER, Qot_UpdateBroker_pb2)):
        resp = mod.Response(retType=0)
        s2c = resp.s2c
        if pid == catalog.QOT_UPDATE_KL:
            s2c.rehabType, s2c.klType = 1, 2
        s2c.security.market, s2c.security.code = 1, "09988"
        if pid == catalog.QOT_UPDATE_TICKER:
            s2c.name = "BABA-W"
        out.append((pid, resp.SerializePartialToString()))
    return out


def test_security_of_matches_the_full_decode_for_every_quote_push():
    for pid, body in _pushes_of_every_kind():
        want = summarize(pid, FMT_PROTOBUF, body)[0]
        assert want and pushrow.security_of(pid, FMT_PROTOBUF, body) == want, pid
        assert pushrow.security_of(pid, FMT_PROTOBUF, body) == want  # from the cache too


def test_security_of_never_raises_and_falls_back():
    assert pushrow.security_of(3005, FMT_PROTOBUF, b"\xff\xff\xff") == ""
    assert pushrow.security_of(3005, FMT_PROTOBUF, b"") == ""
    n = Notify_pb2.Response(retType=0)
    n.s2c.type = 2
    assert pushrow.security_of(catalog.NOTIFY, FMT_PROTOBUF, n.SerializeToString()) == ""
    assert pushrow.security_of(9999, FMT_PROTOBUF, b"abc") == ""
    json_body = encode_message(Qot_UpdateBasicQot_pb2.Response.FromString(basic_body()), FMT_JSON)
    assert pushrow.security_of(3005, FMT_JSON, json_body) == "HK.00700"


def test_rows_from_packets_is_the_schema():
    bad = ChecksumError("SHA-1 mismatch")
    packets = [Packet(3005, 9, FMT_PROTOBUF, basic_body(), 207), Packet(3005, 10, FMT_PROTOBUF, b"x", 45, bad)]
    out = pushrow.rows_from_packets(packets, 41, 1.25, "ep1", "quote")
    assert out == [(41, 1.25, "ep1", "quote", 3005, 0, 9, basic_body(), "HK.00700", ""),
                   (42, 1.25, "ep1", "quote", 3005, 0, 10, b"x", "", "ChecksumError: SHA-1 mismatch")]
    assert all(len(r) == pushrow.WIDTH and type(r) is tuple for r in out)
    assert out[0][pushrow.SECURITY] == "HK.00700" and out[1][pushrow.ERROR].startswith("ChecksumError")
    assert pushrow.errors_in(out) == 1


def test_the_column_path_and_the_row_loop_make_the_same_rows():
    """A batch of quote pushes without errors is built column by column; anything else row
    by row. Both must give exactly the rows the loop would, cache misses included."""
    import random
    rnd = random.Random(5)
    kinds = _pushes_of_every_kind()
    bad = ChecksumError("SHA-1 mismatch")
    pushrow._prefix_cache.clear()  # the first of each code is a miss
    batches = [
        [Packet(3005, i, FMT_PROTOBUF, basic_body(price=300 + i, code=f"{i % 7:05d}"), 207)
         for i in range(50)],                                                  # misses, then hits
        [Packet(pid, i, FMT_PROTOBUF, body, len(body) + 44) for i, (pid, body) in enumerate(kinds)],
        [Packet(3005, 1, FMT_PROTOBUF, basic_body(), 207), Packet(3005, 2, FMT_PROTOBUF, b"x", 45, bad)],
        [Packet(3005, 1, FMT_PROTOBUF, basic_body(), 207),
         Packet(catalog.NOTIFY, 2, FMT_PROTOBUF, b"\x08\x00", 46)],             # a push without a path
        [Packet(3005, 1, FMT_JSON, encode_message(
            Qot_UpdateBasicQot_pb2.Response.FromString(basic_body()), FMT_JSON), 300)],
        [Packet(3005, 1, FMT_PROTOBUF, b"\xff\xff", 46)],                          # bytes that do not parse
        [Packet(3005, 1, FMT_PROTOBUF, rnd.randbytes(rnd.randrange(64)), 99) for _ in range(30)],
    ]
    for packets in batches:
        got = pushrow.rows_from_packets(packets, 7, 2.5, "ep1", "quote")  # first: it meets the misses
        want = []
        for k, (pid, serial, fmt, body, _size, err) in enumerate(packets):
            sec = "" if err else summarize(pid, fmt, body)[0] if catalog.response_type(pid) else ""
            want.append((7 + k, 2.5, "ep1", "quote", pid, fmt, serial, body,
                         pushrow.security_of(pid, fmt, body) if not err else "",
                         f"ChecksumError: {err}" if err else ""))
            if not err and sec and pid != catalog.NOTIFY:
                assert want[-1][pushrow.SECURITY] == sec
        assert got == want
        assert all(type(r) is tuple and len(r) == pushrow.WIDTH for r in got)
    assert pushrow.rows_from_packets([], 1, 1.0, "ep1", "quote") == []


def test_summaries_are_built_on_read_and_the_text_filter_works_on_rows():
    [row] = rows(1)
    assert pushrow.summary(row).startswith("345.200")
    assert pushrow.matches(row, "hk.007") and pushrow.matches(row, "345.2") and not pushrow.matches(row, "zzz")
    rec = pushrow.PushRecord.of(row)
    assert rec._summary is None and rec.summary.startswith("345.200") and rec.row() == row
    assert rec.name == "Qot_UpdateBasicQot" and rec.size == len(row[pushrow.BODY])
    assert rec.decode()["basicQotList"][0]["security"]["code"] == "00700"


# --- journal: normal path --------------------------------------------------------------------

def test_journal_keeps_every_row_in_group_commits(tmp_path: Path):
    j = Journal(tmp_path / "j.sqlite", commit_rows=1000)
    sent = []
    for k in range(10):
        sent += rows(500, start=1 + 500 * k)
        j.add_pushes(sent[-500:])
    j.add_event(1.0, "ep1", "quote", "state", "idle -> connecting")
    assert j.flush(DEADLINE)
    assert j.count() == j.written == j.handed == 5000 and j.lag == 0 and j.unsaved == 0
    assert j.commits >= 5  # never more than commit_rows in one transaction
    assert j.events() == [(1.0, "ep1", "quote", "state", "idle -> connecting")]
    assert list(j.rows()) == sent
    j.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "j.sqlite")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_rows_of_every_shape_come_back_exactly_across_statement_boundaries(tmp_path: Path):
    """The writer binds columns that hold one value across a statement once, and the rest per
    row; a statement whose rows differ in them binds all ten. Either way every row comes back
    as it went in, with its body as bytes."""
    import random
    rnd = random.Random(9)
    sent = []
    for i in range(1, 9001):
        odd = i % 2500 < 4  # a few rows that break each shared column
        sent.append((i, 1_796_120_130.5 + i / 1000, "ep2" if odd and i % 4 == 0 else "ep1",
                     "trade-sec" if odd and i % 4 == 1 else "quote", rnd.choice((3005, 3011, 1003)),
                     FMT_JSON if odd and i % 4 == 2 else FMT_PROTOBUF, rnd.randrange(2 ** 32),
                     rnd.randbytes(rnd.choice((0, 1, 163, 4000))), rnd.choice(("HK.00700", "US.AAPL", "")),
                     "ChecksumError: SHA-1 mismatch" if odd and i % 4 == 3 else ""))
    j = Journal(tmp_path / "j.sqlite")
    for at in range(0, len(sent), 1234):
        j.add_pushes(sent[at:at + 1234])
    assert j.flush(DEADLINE) and j.written == len(sent)
    back = list(j.rows())
    j.close()
    assert back == sent
    assert all(type(r[pushrow.BODY]) is bytes for r in back)


def test_old_eleven_column_rows_are_still_accepted(tmp_path: Path):
    j = Journal(tmp_path / "j.sqlite")
    j.add_pushes([r[:9] + ("a summary",) + r[9:] for r in rows(3)])
    assert j.flush(DEADLINE) and list(j.rows()) == rows(3)
    j.close()


def test_a_file_of_another_schema_is_refused(tmp_path: Path):
    p = tmp_path / "old.sqlite"
    with contextlib.closing(sqlite3.connect(p)) as db:
        db.execute("CREATE TABLE pushes (seq INTEGER PRIMARY KEY, summary TEXT)")
    with pytest.raises(JournalUnavailable, match="schema 0") as info:
        Journal(p)
    assert isinstance(info.value, ConfigError) and isinstance(info.value, JournalError)


def test_the_file_stays_near_the_data_size(tmp_path: Path):
    """<= ~300 bytes per 207-byte push (a 163-byte body), the WAL folded in at close."""
    body = bytes(range(163))
    j = Journal(tmp_path / "j.sqlite", commit_rows=20_000)
    for k in range(10):
        j.add_pushes(rows(10_000, start=1 + 10_000 * k, body=body))
    assert j.flush(DEADLINE)
    j.close()
    files = list(tmp_path.glob("j.sqlite*"))
    total = sum(f.stat().st_size for f in files)
    assert total / 100_000 <= 300, (total, [f.name for f in files])


# --- backpressure --------------------------------------------------------------------------------

class GatedConnection(sqlite3.Connection):
    """A journal connection whose INSERTs wait for the test to open the gate: a slow disk."""

    gate = threading.Event()
    entered = threading.Event()

    def execute(self, sql, *args):
        if sql.startswith("INSERT INTO pushes"):
            GatedConnection.entered.set()
            assert GatedConnection.gate.wait(DEADLINE)
        return super().execute(sql, *args)

    def executemany(self, sql, *args):
        if sql.startswith("INSERT INTO pushes"):
            GatedConnection.entered.set()
            assert GatedConnection.gate.wait(DEADLINE)
        return super().executemany(sql, *args)


def test_a_slow_journal_says_stop_reading_then_resume_and_loses_nothing(tmp_path: Path):
    GatedConnection.gate.clear()
    GatedConnection.entered.clear()
    resumed = threading.Event()
    j = Journal(tmp_path / "j.sqlite", high_water=1000, low_water=100, max_lag=5000,
                connect=lambda *a, **k: sqlite3.connect(*a, factory=GatedConnection, **k))
    j.set_resume_callback(resumed.set)
    j.add_pushes(rows(10))
    assert GatedConnection.entered.wait(DEADLINE)  # the writer is stuck in its first INSERT
    seq = 11
    while not j.behind:  # a reader keeps handing over batches until told to pause
        j.add_pushes(rows(100, start=seq))
        seq += 100
    assert j.lag == seq - 1 >= 1000 and not resumed.is_set()
    assert not j.wait_caught_up(0.01)
    GatedConnection.gate.set()
    assert j.wait_caught_up(DEADLINE) and resumed.wait(DEADLINE)
    assert j.flush(DEADLINE) and j.count() == j.written == seq - 1 and j.lost == 0
    j.close()


def test_a_caller_that_ignores_backpressure_is_refused_past_max_lag_and_told(tmp_path: Path):
    GatedConnection.gate.clear()
    GatedConnection.entered.clear()
    j = Journal(tmp_path / "j.sqlite", high_water=100, low_water=10, max_lag=300,
                connect=lambda *a, **k: sqlite3.connect(*a, factory=GatedConnection, **k))
    j.add_pushes(rows(10))
    assert GatedConnection.entered.wait(DEADLINE)
    j.add_pushes(rows(500, start=11))
    assert j.lag == 300 and j.lost == 210 and j.handed == 510
    GatedConnection.gate.set()
    assert j.flush(DEADLINE) and j.written == j.count() == 300 and j.unsaved == 210
    j.close()


# --- failures: typed error, truthful counters, no crash ------------------------------------------

def _failing_after(n_ok: int, code: int, message: str):
    """A connection whose push INSERTs raise what sqlite raises for ``code`` once ``n_ok``
    transactions were committed."""
    commits = {"n": 0}

    class Failing(sqlite3.Connection):
        def execute(self, sql, *args):
            self._maybe(sql)
            out = super().execute(sql, *args)
            if sql == "COMMIT":
                commits["n"] += 1
            return out

        def executemany(self, sql, *args):
            self._maybe(sql)
            return super().executemany(sql, *args)

        def _maybe(self, sql):
            if sql.startswith("INSERT INTO pushes") and commits["n"] >= n_ok:
                exc = sqlite3.OperationalError(message)
                exc.sqlite_errorcode = code
                raise exc

    return lambda *a, **k: sqlite3.connect(*a, factory=Failing, **k)


@pytest.mark.parametrize("code,message,words", [
    (13, "database or disk is full", "disk full"),
    (8, "attempt to write a readonly database", "read-only"),
    (5, "database is locked", "locked"),
    (10, "disk I/O error", "I/O error"),
])
def test_an_injected_write_failure_is_typed_and_the_counters_tell_the_truth(tmp_path, code, message, words):
    j = Journal(tmp_path / "j.sqlite", connect=_failing_after(1, code, message))
    j.add_pushes(rows(100))
    assert j.flush(DEADLINE) and j.written == 100 and j.error is None
    j.add_pushes(rows(50, start=101))
    assert j.flush(DEADLINE)
    assert isinstance(j.error, JournalError) and words in str(j.error)
    assert j.written == 100 and j.unsaved == 50 and j.lost == 50 and j.lag == 0
    j.add_pushes(rows(7, start=151))  # after the failure: counted, not queued
    assert j.unsaved == 57 and j.lag == 0 and not j.behind
    j.close()
    assert Journal(tmp_path / "j.sqlite").count() == 100  # what was committed stays


def test_a_really_full_database_is_disk_full(tmp_path: Path):
    """SQLite's own SQLITE_FULL, from a page cap (as a full disk or a small tmpfs gives)."""
    def capped(*a, **k):
        db = sqlite3.connect(*a, **k)
        db.execute("PRAGMA max_page_count = 10")  # 160 KiB of 16 KiB pages
        return db
    j = Journal(tmp_path / "j.sqlite", connect=capped)
    j.add_pushes(rows(2000))
    assert j.flush(DEADLINE)
    assert isinstance(j.error, JournalError) and "disk full" in str(j.error)
    assert j.written + j.unsaved == 2000 and j.written == j.count()
    j.close()


def test_a_read_only_file_and_a_locked_file_are_typed_errors(tmp_path: Path):
    p = tmp_path / "ro.sqlite"
    Journal(p).close()
    ro = Journal(p, connect=lambda path, **k: sqlite3.connect(f"file:{path}?mode=ro", uri=True, **k))
    ro.add_pushes(rows(5))
    assert ro.flush(DEADLINE) and "read-only" in str(ro.error) and ro.written == 0 and ro.unsaved == 5
    ro.close()
    lk = tmp_path / "locked.sqlite"
    j = Journal(lk, busy_timeout=0.05)
    holder = sqlite3.connect(lk, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the file
    try:
        j.add_pushes(rows(5))
        assert j.flush(DEADLINE) and "locked" in str(j.error) and j.unsaved == 5
        j.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_an_unwritable_path_is_refused_at_open(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalUnavailable, match="cannot create the journal"):
        Journal(blocker / "j.sqlite")


# --- exports -----------------------------------------------------------------------------------

def test_exports_of_any_rows_have_utc_iso_times_and_string_ids(tmp_path: Path):
    shown = [r for r in rows(20) if r[pushrow.SEQ] % 2]  # "what the filter shows"
    shown.append((99, 1_796_120_130.0, "ep1", "quote", 3005, 0, 2**40, b"\x00\xff", "", "ChecksumError: x"))
    assert export_jsonl(shown, tmp_path / "o.jsonl", {"ep1": "Demo"}) == 11
    lines = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["time"] == "2026-12-01T10:15:30.500Z" and lines[0]["endpoint"] == "Demo"
    assert lines[0]["serial"] == "0" and lines[0]["summary"].startswith("345.200")
    assert lines[0]["body"]["basicQotList"][0]["volume"] == "1234567"  # int64 as a string
    assert lines[-1]["serial"] == str(2**40) and lines[-1]["error"] == "ChecksumError: x"
    assert export_csv(shown, tmp_path / "o.csv") == 11
    table = list(csv.reader((tmp_path / "o.csv").open(encoding="utf-8", newline="")))
    assert table[0] == ["seq", "time", "endpoint", "context", "proto_id", "name", "security",
                        "summary", "size", "error"]
    assert table[1][:3] == ["1", "2026-12-01T10:15:30.500Z", "ep1"] and table[-1][-1] == "ChecksumError: x"


def test_export_of_a_journal_reads_it_whole(tmp_path: Path):
    j = Journal(tmp_path / "j.sqlite")
    j.add_pushes(rows(30))
    assert export_csv(j, tmp_path / "all.csv") == 30
    j.close()


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 1 MiB tmpfs (root only): a disk that really fills up (ENOSPC)."""
    import os
    import subprocess
    d = tmp_path / "small"
    d.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a real full disk needs root to mount a tmpfs; the injected SQLITE_FULL "
                    "tests cover the same path")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(d)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()}); the injected tests cover it")
    yield d
    import gc
    gc.collect()  # a connection a failed assertion left open would keep the mount busy
    subprocess.run(["umount", str(d)], check=True)


def test_a_really_full_disk_is_a_typed_error_with_truthful_counters(small_tmpfs):
    j = Journal(small_tmpfs / "j.sqlite")
    for k in range(20):
        j.add_pushes(rows(1000, start=1 + 1000 * k))
    assert j.flush(DEADLINE)
    assert isinstance(j.error, JournalError) and "disk full" in str(j.error)
    assert j.written == j.count() < 20_000 and j.unsaved == 20_000 - j.written
    j.close()


def test_rows_leave_the_cyclic_gc_even_with_an_enum_context():
    import gc

    from opendeck.core.events import ContextKind
    out = pushrow.rows_from_packets([Packet(3005, 1, 0, basic_body(), 207)], 1, 1.0, "ep1",
                                    ContextKind.QUOTE)
    gc.collect()
    assert type(out[0][pushrow.CONTEXT]) is str and not gc.is_tracked(out[0])
