"""The Session against an in-process demo gateway: events, ring buffer, journal, restart."""

from __future__ import annotations


import pytest
import pytest_asyncio
from waiting import ChangeWaiter

from opendeck.core import catalog
from opendeck.core.client.connection import State
from opendeck.core.config import Endpoint, demo_endpoint
from opendeck.core.errors import ConfigError
from opendeck.core.session import Session

pytestmark = pytest.mark.asyncio


class Events(ChangeWaiter):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.items = []
        session.subscribe(self._on)

    def _on(self, event) -> None:
        self.items.append(event)
        self.poke()

    def kinds(self, kind: str):
        return [e for e in self.items if e.name == kind]

    def describe(self) -> str:
        return f"last events: {[(e.name, e.message) for e in self.items[-8:]]}"


@pytest_asyncio.fixture
async def session(tmp_path):
    s = Session([demo_endpoint()], journal_path=tmp_path / "journal.sqlite", demo_push_rate=20,
                demo_keepalive=1)
    try:
        yield s
    finally:
        await s.aclose()


async def test_demo_endpoint_end_to_end(session: Session):
    ev = Events(session)
    handles = await session.open_endpoint("demo")
    assert [h.key for h in handles] == ["quote", "trade-sec", "trade-future"]
    for h in handles:
        await h.conn.wait_ready(10)
    assert session.endpoint_state("demo") == "ready"
    assert len(ev.kinds("handshake")) == 3
    quote = session.handle("demo", "quote")
    await quote.ctx.subscribe("HK.00700", "basic,ticker")
    await ev.wait_for(lambda: session.pushes.last_seq >= 10 and ev.kinds("heartbeat"),
                      what="pushes and a heartbeat")
    recs = session.pushes.since(0)
    assert [r.seq for r in recs] == list(range(1, len(recs) + 1))
    assert {r.context for r in recs} >= {"quote"}
    assert any(r.proto_id == catalog.QOT_UPDATE_BASIC_QOT and r.security == "HK.00700" for r in recs)
    assert recs[0].decode() is not None
    # every push also reached the journal
    await session.close_endpoint("demo")
    n = session.pushes.last_seq
    assert session.journal.flush() and session.journal.count() == n
    assert session.push_counts["demo"] == n
    assert session.endpoint_state("demo") == "disconnected"
    kinds = {k for (_, _, _, k, _) in session.journal.events()}
    assert {"state", "handshake"} <= kinds


async def test_restart_of_the_demo_gateway_reconnects_and_pushes_resume(session: Session):
    ev = Events(session)
    quote = await session.open("demo", "quote")
    await quote.conn.wait_ready(10)
    quote.conn.backoff_base, quote.conn.backoff_max = 0.05, 0.3
    await quote.ctx.subscribe("US.AAPL", "basic")
    await ev.wait_for(lambda: session.pushes.last_seq > 0, what="first pushes")
    port = session.demo_gateway("demo").port
    await session.stop_demo("demo")
    await ev.wait_for(lambda: quote.state is State.RECONNECTING, what="reconnecting")
    assert session.endpoint_state("demo") == "reconnecting"
    retry = [e for e in ev.kinds("state") if e.new is State.RECONNECTING]
    assert retry[-1].retry_in is not None and retry[-1].retry_in > 0
    before = session.pushes.last_seq
    gw = await session.start_demo("demo")
    assert gw.port == port
    await ev.wait_for(lambda: quote.ctx.restored == 1 and session.pushes.last_seq > before,
                      what="restored subscription and new pushes")
    assert quote.state is State.READY
    assert quote.conn.last_error is None  # the drop is history once we are back
    await session.close("demo", "quote")
    assert session.endpoint_state("demo") == "disconnected"


async def test_endpoints_add_update_remove(session: Session):
    ev = Events(session)
    ep = session.add_endpoint(Endpoint(name="VPS", host="10.0.0.5", port=11111))
    with pytest.raises(ConfigError, match="exists already"):
        session.add_endpoint(ep)
    with pytest.raises(ConfigError, match="port"):
        session.update_endpoint(ep.copy(port=0))
    session.update_endpoint(ep.copy(name="VPS 2"))
    assert session.endpoint(ep.id).name == "VPS 2"
    await session.remove_endpoint(ep.id)
    assert ep.id not in session.endpoints
    assert len(ev.kinds("endpoints")) == 3
    with pytest.raises(ConfigError, match="context"):
        await session.open("demo", "options")


async def test_failed_connection_shows_as_error_with_reason(session: Session):
    gw_port = (await session.start_demo("demo")).port
    await session.stop_demo("demo")
    ep = session.add_endpoint(Endpoint(name="Down", host="127.0.0.1", port=gw_port,
                                       auto_reconnect=False))
    ev = Events(session)
    h = await session.open(ep.id, "quote")
    await ev.wait_for(lambda: h.state is State.FAILED and ev.kinds("error"), what="error")
    assert session.endpoint_state(ep.id) == "error"
    assert "is OpenD running" in ev.kinds("error")[0].message


async def test_a_broken_listener_does_not_break_the_core(session: Session):
    session.subscribe(lambda e: 1 / 0)
    ev = Events(session)
    h = await session.open("demo", "quote")
    await h.conn.wait_ready(10)
    assert ev.kinds("handshake") and session.errors_in_listeners > 0


async def test_states_roll_up_with_a_clear_precedence(session: Session):
    ev = Events(session)
    quote = await session.open("demo", "quote")
    await quote.conn.wait_ready(10)
    assert session.context_state("demo", "quote") == "ready"
    assert session.context_state("demo", "trade-sec") == "disconnected"
    # a context that failed on its own is an error; one the user closed is not
    down = session.add_endpoint(Endpoint(name="Down", port=1, auto_reconnect=False))
    h = await session.open(down.id, "quote")
    await ev.wait_for(lambda: h.state is State.FAILED, what="the failed context")
    assert session.context_state(down.id, "quote") == "error"
    assert session.endpoint_state(down.id) == "error"
    await session.close(down.id, "quote")
    assert session.context_state(down.id, "quote") == "disconnected"  # the user dismissed it
    await session.close("demo", "quote")
    assert session.context_state("demo", "quote") == "disconnected"


async def test_one_rate_source_for_every_view(session: Session):
    rates = session.rates
    session.push_counts["demo"] = 100
    rates.sample(now=1000.0)
    session.push_counts["demo"] = 350
    assert rates.sample(now=1002.0) == {"demo": 125.0}
    assert rates.latest == {"demo": 125.0} and rates.total == 125.0
    assert rates.history("demo") == [(1002.0, 125.0)]


async def test_names_are_unique(session: Session):
    with pytest.raises(ConfigError, match="named 'demo gateway' exists"):
        session.add_endpoint(Endpoint(name="demo gateway", port=11111))
    ep = session.add_endpoint(Endpoint(name="Other", port=11111))
    assert session.name_taken("other ") and not session.name_taken("other", except_id=ep.id)


async def test_websocket_endpoints_connect_with_the_key_from_memory(session: Session):
    from opendeck.core.errors import NeedsKey
    from opendeck.core.events import Transport
    from opendeck.core.gateway.server import DemoGateway
    async with DemoGateway(port=0, websocket_port=0, websocket_key="k1", push_rate=20) as gw:
        ep = session.add_endpoint(Endpoint(name="WS", host="127.0.0.1", port=gw.websocket_port,
                                           transport="ws", auto_reconnect=False))
        session.keys.use_keyring = False  # the test machine's keyring is not ours to touch
        with pytest.raises(NeedsKey, match="needs its key"):
            await session.open(ep.id, "quote")
        session.keys.put(ep.id, "k1")
        h = await session.open(ep.id, "quote")
        info = await h.wait_ready(10)
        assert info.transport is Transport.WS and h.address.startswith("ws://")
        assert session.handle(ep.id, "quote") is h  # filed under its context, not under the key
        await h.ctx.subscribe("HK.00700", "basic")
        ev = Events(session)
        await ev.wait_for(lambda: any(r.context == "quote" and r.endpoint == ep.id
                                      for r in session.pushes.since(0)), what="a WebSocket push")


async def test_the_demo_endpoint_serves_websocket_too(session: Session):
    from opendeck.core.events import Transport
    ep = session.endpoint("demo")
    session.update_endpoint(ep.copy(transport="ws", port=None))
    h = await session.open("demo", "trade-sec")
    info = await h.wait_ready(10)
    assert info.transport is Transport.WS
    assert await h.ctx.get_acc_list()


async def test_a_slow_journal_pauses_reading_without_losing_a_push(tmp_path):
    """Backpressure: the writer is held at a gate; the session stops reading the sockets at
    high water, says so, and resumes once the journal catches up. Nothing is lost."""
    import sqlite3
    import threading

    from opendeck.core.events import JournalStatus
    from opendeck.core.journal import Journal

    gate = threading.Event()

    class Gated(sqlite3.Connection):
        def execute(self, sql, *args):
            if sql.startswith("BEGIN"):
                gate.wait(30)
            return super().execute(sql, *args)

    journal = Journal(tmp_path / "slow.sqlite", high_water=200, low_water=50, max_lag=100_000,
                      connect=lambda *a, **k: sqlite3.connect(*a, factory=Gated, **k))
    session = Session([demo_endpoint()], journal=journal, demo_push_rate=200, demo_keepalive=1)
    ev = Events(session)
    try:
        h = await session.open("demo", "quote")
        await h.wait_ready(10)
        await h.ctx.subscribe("HK.00700,US.AAPL,HK.09988", "basic,ticker,orderbook")
        await ev.wait_for(lambda: session.reading_paused, timeout=20, what="reading paused")
        paused = [e for e in ev.items if isinstance(e, JournalStatus) and e.reading_paused]
        assert paused and paused[0].lag_rows >= 200
        assert h.state is State.READY  # the silence we made is not a dead gateway
        gate.set()
        await ev.wait_for(lambda: not session.reading_paused, timeout=20, what="reading resumed")
        n = session.pushes.last_seq
        await ev.wait_for(lambda: session.pushes.last_seq > n, what="pushes after the resume")
    finally:
        gate.set()
        await session.aclose()
    assert journal.error is None and journal.lost == 0
    assert journal.count() == journal.written == session.pushes.last_seq
