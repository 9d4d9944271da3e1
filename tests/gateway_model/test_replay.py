"""Replay without sockets: a journal's pushes go to the subscribers of their pair, in order,
after the first subscription; unknown codes of the journal are admitted."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from opendeck.core import catalog
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


def test_load_admit_and_serve_in_order(journal, monkeypatch):
    items = replay.load(journal)
    assert len(items) == 12
    market = Market(7, clock=ManualClock(T0))
    assert market.spec((1, "99999")) is None
    subscriber = SimpleNamespace(subs={}, ready=True, closing=False, recv_notify=False)
    other = SimpleNamespace(subs={(1, "00700"): {4: True}}, ready=True, closing=False,
                            recv_notify=False)  # ticker only
    gw = SimpleNamespace(market=market, conns=[subscriber, other])
    sent = []
    monkeypatch.setattr(replay.pushes, "push",
                        lambda gw_, c, pid, resp: sent.append((c, pid, resp)))

    async def main():
        rp = replay.Replay(gw, items, speed=None)
        assert market.spec((1, "99999")).name == "NAME 99999"  # admitted from the journal
        task = asyncio.create_task(rp.run())
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
