"""Replay without sockets: a journal's pushes go to the subscribers of their pair, in order,
after the first subscription; unknown codes of the journal are admitted; the journal is read
in bounded chunks; a new subscriber after a pass (finished, or left by everyone) gets the
timeline again from the start."""

from __future__ import annotations

import asyncio
import sqlite3
import tracemalloc
from types import SimpleNamespace

import pytest
from opendeck.core import catalog
from opendeck.core.channel import encode_message
from opendeck.core.errors import ConfigError
from opendeck.core.gateway import replay
from opendeck.core.gateway.market import Market
from opendeck.core.gateway.pricepath import ManualClock
from opendeck.core.journal import Journal
from opendeck.core.pb import Qot_UpdateBasicQot_pb2, Qot_UpdateTicker_pb2

T0 = 1_796_000_000.0


def _quote(code: str, price: float) -> bytes:
    r = Qot_UpdateBasicQot_pb2.Response(retType=0)
    q = r.s2c.basicQotList.add()
    q.security.market, q.security.code = 1, code
    q.name = f"NAME {code}"
    q.isSuspended, q.listTime, q.priceSpread, q.updateTime = False, "2000-01-01", 0.01, "x"
    q.highPrice = q.openPrice = q.lowPrice = q.lastClosePrice = q.curPrice = price
    q.volume, q.turnover, q.turnoverRate, q.amplitude = 1, price, 0.0, 0.0
    return r.SerializeToString()


def _ticker(code: str, seq: int) -> bytes:
    r = Qot_UpdateTicker_pb2.Response(retType=0)
    r.s2c.security.market, r.s2c.security.code = 1, code
    r.s2c.tickerList.add(time="x", sequence=seq, dir=1, price=1.0, volume=1, turnover=1.0)
    return r.SerializeToString()


@pytest.fixture
def journal(tmp_path):
    path = tmp_path / "j.sqlite"
    j = Journal(path)
    rows = []
    for i in range(6):
        code = "00700" if i % 2 == 0 else "99999"  # 99999: not in the universe
        rows.append((i + 1, T0 + i * 0.01, "ep", "quote", catalog.QOT_UPDATE_BASIC_QOT, 0, 0,
                     _quote(code, 100.0 + i), f"HK.{code}", ""))
        rows.append((i + 100, T0 + i * 0.01, "ep", "quote", catalog.QOT_UPDATE_TICKER, 0, 0,
                     _ticker(code, i), f"HK.{code}", ""))
    j.add_pushes(rows)
    assert j.flush(10)
    j.close()
    return path


def _conn(subs, push_fmt=0):
    return SimpleNamespace(subs=subs, ready=True, closing=False, recv_notify=False,
                           push_fmt=push_fmt)


def test_load_admit_and_serve_in_order(journal, monkeypatch):
    items = replay.load(journal)
    assert len(items) == 12
    market = Market(7, clock=ManualClock(T0))
    assert market.spec((1, "99999")) is None
    subscriber = _conn({})
    other = _conn({(1, "00700"): {4: True}})  # ticker only
    gw = SimpleNamespace(market=market, conns=[subscriber, other])
    sent = []
    monkeypatch.setattr(replay.pushes, "push",
                        lambda gw_, c, pid, resp: sent.append((c, pid, resp)))

    async def main():
        rp = replay.Replay(gw, items, speed=None)
        assert market.spec((1, "99999")).name == "NAME 99999"  # admitted from the journal
        task = asyncio.create_task(rp.run(1))
        # `other` holds a journal pair already, so the timeline starts at once
        await asyncio.wait_for(rp.done.wait(), 10)
        await task
        return rp
    rp = asyncio.run(main())
    got = [(pid, r.s2c.tickerList[0].sequence) for c, pid, r in sent if c is other]
    assert got == [(catalog.QOT_UPDATE_TICKER, i) for i in (0, 2, 4)]
    assert not [s for s in sent if s[0] is subscriber]
    assert rp.sent == 3


def test_speed_and_bad_files(tmp_path):
    assert replay.parse_speed("max") is None and replay.parse_speed("2.5") == 2.5
    for bad in ("0", "-1", "fast"):
        with pytest.raises(ConfigError, match="--speed"):
            replay.parse_speed(bad)
    with pytest.raises(ConfigError, match="no journal"):
        replay.load(tmp_path / "missing.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigError, match="not a readable OpenDeck journal"):
        replay.load(junk)


TICKERS = {(1, "00700"): {4: True}}


def _big_journal(path, n: int, *, security: bool = True, gap: float = 0.001):
    """n rows: basic quotes of HK.00700, every 8th a ticker numbered by its row."""
    Journal(path).close()  # the schema
    quote = _quote("00700", 320.0)
    rows = []
    for i in range(n):
        pid, body = ((catalog.QOT_UPDATE_TICKER, _ticker("00700", i)) if i % 8 == 0
                     else (catalog.QOT_UPDATE_BASIC_QOT, quote))
        rows.append((i + 1, T0 + i * gap, "ep", "quote", pid, 0, 0, body,
                     "HK.00700" if security else "", ""))
    db = sqlite3.connect(path)
    with db:
        db.executemany("INSERT INTO pushes VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    db.close()
    return path


def _recording_gw(monkeypatch, market, on_push=None):
    gw = SimpleNamespace(market=market, conns=[])
    got: dict[int, list] = {}

    def push(gw_, c, pid, resp):
        if pid == catalog.QOT_UPDATE_TICKER:
            got.setdefault(id(c), []).append(resp.s2c.tickerList[0].sequence)
        if on_push is not None:
            on_push(c)
    monkeypatch.setattr(replay.pushes, "push", push)
    return gw, got


async def _until(cond, what: str, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.005)  # a poll of the condition, not a synchronisation
    assert cond(), what


def test_memory_stays_bounded_on_a_big_journal(tmp_path, monkeypatch):
    """200k rows: neither opening the journal nor playing it holds more than a chunk of rows
    (the whole journal decoded up front would be ~100 MB of Python objects)."""
    n = 200_000
    path = _big_journal(tmp_path / "big.sqlite", n)
    market = Market(7, clock=ManualClock(T0))
    sent = ahead = 0  # ahead: the most rows read from the journal and not yet sent

    def count(gw_, c, pid, resp):
        nonlocal sent, ahead
        sent += 1
        ahead = max(ahead, read - sent)
    monkeypatch.setattr(replay.pushes, "push", count)
    tracemalloc.start()
    try:
        src = replay.load(path)
        gw = SimpleNamespace(market=market, conns=[_conn({(1, "00700"): {1: True, 4: True}})])
        rp = replay.Replay(gw, src, speed=None)
        _size, opened = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = 0
        chunks = src.chunks

        def counted_chunks(*a, **kw):
            nonlocal read
            for rows in chunks(*a, **kw):
                read += len(rows)
                yield rows
        src.chunks = counted_chunks
        asyncio.run(rp.run(1))
        _size, played = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(src) == n and rp.sent == sent == n and read == n
    assert rp.keys == {(1, "00700")}
    assert ahead < replay.CHUNK  # never more than one chunk read ahead of the sends
    assert opened < 4_000_000, f"opening the journal peaked at {opened} bytes"
    assert played < 8_000_000, f"playing the journal peaked at {played} bytes"


def test_a_new_subscriber_after_a_finished_pass_gets_it_all_again(journal, monkeypatch):
    market = Market(7, clock=ManualClock(T0))
    gw, got = _recording_gw(monkeypatch, market)
    first, second = _conn(dict(TICKERS)), _conn(dict(TICKERS))

    async def main():
        rp = replay.Replay(gw, replay.load(journal), speed=None)
        task = asyncio.create_task(rp.run())
        gw.conns.append(first)
        await _until(lambda: rp.passes == 1 and rp.done.is_set(), "first pass")
        gw.conns.remove(first)  # the first script is done and goes
        gw.conns.append(second)
        await _until(lambda: rp.passes == 2 and rp.done.is_set(), "second pass")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    asyncio.run(main())
    assert got[id(first)] == [0, 2, 4] and got[id(second)] == [0, 2, 4]


def test_everyone_leaving_mid_way_rewinds(tmp_path, monkeypatch):
    """Max speed: the first subscriber leaves after 100 tickers; the pass stops, and the
    next subscriber gets every ticker from the first one."""
    n = 20_000
    path = _big_journal(tmp_path / "mid.sqlite", n)
    market = Market(7, clock=ManualClock(T0))
    first, second = _conn(dict(TICKERS)), _conn(dict(TICKERS))

    def leave(c):
        if c is first and len(got[id(first)]) == 100:
            gw.conns.remove(first)
    gw, got = _recording_gw(monkeypatch, market, leave)

    async def main():
        rp = replay.Replay(gw, replay.load(path), speed=None)
        task = asyncio.create_task(rp.run())
        gw.conns.append(first)
        await _until(lambda: rp.passes == 1 and rp.done.is_set(), "first pass stopped")
        sent_first = rp.sent
        gw.conns.append(second)
        await _until(lambda: rp.passes == 2 and rp.done.is_set(), "second pass")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return sent_first
    sent_first = asyncio.run(main())
    assert got[id(first)] == list(range(0, 800, 8))
    assert sent_first < 100 * 8 + replay.BATCH  # stopped within a batch of the leaving
    assert got[id(second)] == list(range(0, n, 8))


def test_paced_pass_ends_when_everyone_leaves_during_a_long_gap(tmp_path, monkeypatch):
    """Speed 1, an hour between the pushes: the subscriber leaving during the wait ends the
    pass at once (no hour of waiting), and the next one starts from the first push."""
    path = _big_journal(tmp_path / "gap.sqlite", 9, gap=3600.0)  # tickers: rows 0 and 8
    market = Market(7, clock=ManualClock(T0))
    gw, got = _recording_gw(monkeypatch, market, lambda c: gw.conns.remove(c))
    first, second = _conn(dict(TICKERS)), _conn(dict(TICKERS))

    async def main():
        rp = replay.Replay(gw, replay.load(path), speed=1.0)
        task = asyncio.create_task(rp.run())
        gw.conns.append(first)
        await _until(lambda: rp.passes == 1 and rp.done.is_set(), "first pass stopped")
        gw.conns.append(second)
        await _until(lambda: rp.passes == 2 and rp.done.is_set(), "second pass stopped")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    asyncio.run(main())
    assert got[id(first)] == [0] and got[id(second)] == [0]


def test_journal_without_security_column_values(tmp_path, monkeypatch):
    """Rows with an empty security: codes, names and prices come from decoding, and the
    replay serves them all the same."""
    path = _big_journal(tmp_path / "nosec.sqlite", 3000, security=False)
    src = replay.load(path)
    assert len(src) == 3000 and not src.keymap
    assert sorted((h.key, h.proto_id) for h in src.heads) == [
        ((1, "00700"), catalog.QOT_UPDATE_BASIC_QOT), ((1, "00700"), catalog.QOT_UPDATE_TICKER)]
    market = Market(7, clock=ManualClock(T0))
    gw, got = _recording_gw(monkeypatch, market)
    c = _conn(dict(TICKERS))
    gw.conns.append(c)
    rp = replay.Replay(gw, src, speed=None)
    asyncio.run(rp.run(1))
    assert got[id(c)] == list(range(0, 3000, 8))


def test_recorded_bodies_go_out_as_recorded_or_decoded_for_json(journal, monkeypatch):
    """Protobuf connections get the recorded bytes (encode_message takes the stand-in);
    a JSON connection gets a real message to encode."""
    body = _ticker("00700", 7)
    cls = catalog.response_type(catalog.QOT_UPDATE_TICKER)
    assert encode_message(replay._Body(cls, body), 0) == body
    market = Market(7, clock=ManualClock(T0))
    seen = []
    monkeypatch.setattr(replay.pushes, "push", lambda gw_, c, pid, resp: seen.append((c, resp)))
    pb, js = _conn(dict(TICKERS)), _conn(dict(TICKERS), push_fmt=1)
    gw = SimpleNamespace(market=market, conns=[pb, js])
    asyncio.run(replay.Replay(gw, replay.load(journal), speed=None).run(1))
    assert {type(r) for c, r in seen if c is pb} == {replay._Body}
    assert {type(r) for c, r in seen if c is js} == {cls}
    assert [encode_message(r, 1) for c, r in seen if c is js] == [
        encode_message(r.message(), 1) for c, r in seen if c is pb]
