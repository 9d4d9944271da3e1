"""Our client against our demo gateway over 127.0.0.1: every encryption mode, both body
formats, heartbeats, trade flow, dead-peer detection and a gateway restart."""

from __future__ import annotations

import asyncio

import pytest

from opendeck.core import catalog
from opendeck.core.cipher import RsaCipher
from opendeck.core.client.connection import ClientInfo, Connection, State
from opendeck.core.client.contexts import QuoteContext, TradeContext
from opendeck.core.errors import (ConnectionLost, HandshakeError, NotConnected, RequestError,
                                  RequestTimeout)
from opendeck.core.gateway.server import DemoGateway
from opendeck.core.summary import summarize
from opendeck.core.wire import FMT_JSON, FMT_PROTOBUF

pytestmark = pytest.mark.asyncio

MODES = [("none", None), ("aes-cbc", "cbc"), ("aes-ecb", "ecb")]
FORMATS = [FMT_PROTOBUF, FMT_JSON]


def conn_to(gw, recorder, *, rsa=None, fmt=FMT_PROTOBUF, **kw) -> Connection:
    return Connection(gw.host, gw.port, rsa=rsa, listener=recorder,
                      client=ClientInfo(push_format=fmt, request_format=fmt), **kw)


@pytest.mark.parametrize("encryption, aes", MODES)
@pytest.mark.parametrize("fmt", FORMATS)
async def test_quote_flow_in_every_mode_and_format(encryption, aes, fmt, recorder, rsa_key_pem):
    key = RsaCipher.from_pem(rsa_key_pem) if aes else None
    async with DemoGateway(port=0, rsa=key, aes=aes or "cbc", push_rate=20.0,
                           keepalive_interval=1, seed=1) as gw:
        conn = conn_to(gw, recorder, rsa=key, fmt=fmt, auto_reconnect=False)
        ctx = QuoteContext(conn)
        info = await conn.open(10)
        try:
            assert info.encryption == encryption
            assert info.conn_id != 0 and info.login_user_id != 0 and info.keepalive_interval == 1
            assert conn.encryption == encryption
            await ctx.subscribe("HK.00700,US.AAPL", "basic,ticker,orderbook")
            want = {catalog.QOT_UPDATE_BASIC_QOT, catalog.QOT_UPDATE_TICKER,
                    catalog.QOT_UPDATE_ORDER_BOOK}
            await recorder.wait_for(lambda: want <= {p.proto_id for p in recorder.pushes},
                                    what="basic, ticker and order book pushes")
            assert all(p.error is None and p.fmt == fmt for p in recorder.pushes)
            secs = {summarize(p.proto_id, p.fmt, p.body)[0] for p in recorder.pushes
                    if p.proto_id != catalog.NOTIFY}
            assert secs <= {"HK.00700", "US.AAPL"} and "HK.00700" in secs
            sub = await ctx.get_sub_info()
            assert sub["totalUsedQuota"] >= 2
            state = await ctx.get_global_state()
            assert state["qotLogined"] is True
            await recorder.wait_for(lambda: len(recorder.rtts) >= 1, what="a heartbeat")
            assert recorder.rtts[0] > 0 and conn.missed_beats == 0
        finally:
            await conn.close()
        assert conn.state is State.CLOSED


async def test_unsubscribe_stops_pushes_for_that_security(gateway, recorder):
    conn = conn_to(gateway, recorder)
    ctx = QuoteContext(conn)
    await conn.open(10)
    try:
        await ctx.subscribe(["HK.00700"], ["basic"])
        await recorder.wait_for(lambda: recorder.pushes, what="a push")
        await ctx.unsubscribe(["HK.00700"], ["basic"])
        assert ctx.subscriptions == {}
        # after the unsubscribe reply, a round trip later nothing new for it may arrive
        await ctx.get_sub_info()
        n = len(recorder.pushes)
        await ctx.subscribe(["US.AAPL"], ["basic"])
        await recorder.wait_for(lambda: any(summarize(p.proto_id, p.fmt, p.body)[0] == "US.AAPL"
                                            for p in recorder.pushes[n:]), what="an AAPL push")
        late = [summarize(p.proto_id, p.fmt, p.body)[0] for p in recorder.pushes[n:]]
        assert "HK.00700" not in late
    finally:
        await conn.close()


async def test_trade_flow_securities(gateway, recorder):
    conn = conn_to(gateway, recorder)
    ctx = TradeContext(conn, "securities", security_firm="FutuSecurities")
    await conn.open(10)
    try:
        accs = await ctx.get_acc_list()
        assert accs and all("accID" in a for a in accs)
        real = [a for a in accs if a.get("trdEnv") == 1]
        assert real, accs
        with pytest.raises(RequestError, match="password"):
            await ctx.unlock("wrong")
        assert not ctx.unlocked
        await ctx.unlock("123456")
        assert ctx.unlocked
        await ctx.sub_acc_push()
        acc = real[0]["accID"]
        res = await ctx.place_order(acc, "HK.00700", "BUY", 100, 1000.0)  # marketable: fills at the touch
        assert res["order_id"]
        await recorder.wait_for(
            lambda: {catalog.TRD_UPDATE_ORDER, catalog.TRD_UPDATE_ORDER_FILL}
            <= {p.proto_id for p in recorder.pushes}, what="order and fill pushes")
    finally:
        await conn.close()


async def test_futures_accounts_are_listed(gateway, recorder):
    conn = conn_to(gateway, recorder)
    ctx = TradeContext(conn, "futures")
    await conn.open(10)
    try:
        assert await ctx.get_acc_list()
    finally:
        await conn.close()


async def test_market_filter_narrows_accounts(gateway, recorder):
    conn = conn_to(gateway, recorder)
    everything = TradeContext(conn, "securities")
    us_only = TradeContext(conn, "securities", market="US")
    await conn.open(10)
    try:
        all_accs = await everything.get_acc_list()
        us = await us_only.get_acc_list()
        assert us and len(us) < len(all_accs)
        assert all(2 in a["trdMarketAuthList"] for a in us)
    finally:
        await conn.close()


async def test_refused_connection_is_a_clear_error(recorder):
    gw = DemoGateway(port=0)
    await gw.start()
    port = gw.port
    await gw.stop()
    conn = Connection("127.0.0.1", port, listener=recorder, auto_reconnect=False)
    with pytest.raises(ConnectionLost, match="is OpenD running"):
        await conn.open(5)
    assert conn.state is State.FAILED
    with pytest.raises(NotConnected):
        await conn.request(catalog.GET_GLOBAL_STATE)


async def test_wrong_rsa_key_fails_the_handshake(recorder, rsa_key_pem, other_rsa_key_pem):
    async with DemoGateway(port=0, rsa=RsaCipher.from_pem(rsa_key_pem)) as gw:
        conn = conn_to(gw, recorder, rsa=RsaCipher.from_pem(other_rsa_key_pem),
                       auto_reconnect=False, connect_timeout=3)
        with pytest.raises(HandshakeError):
            await conn.open(5)


async def test_plaintext_client_on_an_rsa_gateway_is_told_why(recorder, rsa_key_pem):
    async with DemoGateway(port=0, rsa=RsaCipher.from_pem(rsa_key_pem)) as gw:
        conn = conn_to(gw, recorder, auto_reconnect=False, connect_timeout=3)
        with pytest.raises(HandshakeError, match="RSA"):
            await conn.open(5)


async def test_dead_peer_is_detected_from_missed_heartbeats(gateway, recorder):
    conn = conn_to(gateway, recorder, auto_reconnect=False)
    await conn.open(10)
    gateway.answer_keepalive = False
    await recorder.wait_for(lambda: conn.state is State.FAILED, timeout=15, what="dead-peer failure")
    assert recorder.missed[:2] == [1, 2]
    assert "KeepAlives in a row" in str(conn.last_error)


async def test_stalled_gateway_times_requests_out(gateway, recorder):
    conn = conn_to(gateway, recorder, auto_reconnect=False, request_timeout=0.5)
    await conn.open(10)
    try:
        gateway.stall()
        with pytest.raises(RequestTimeout, match="GetGlobalState"):
            await conn.request(catalog.GET_GLOBAL_STATE,
                               catalog.module(catalog.GET_GLOBAL_STATE).C2S(userID=1))
    finally:
        gateway.resume()
        await conn.close()


async def test_corrupt_sha1_push_is_reported_not_dropped(gateway, recorder):
    conn = conn_to(gateway, recorder)
    ctx = QuoteContext(conn)
    await conn.open(10)
    try:
        await ctx.subscribe(["HK.00700"], ["basic"])
        await recorder.wait_for(lambda: recorder.pushes, what="a push")
        gateway.corrupt_sha1(1)
        await recorder.wait_for(lambda: any(p.error is not None for p in recorder.pushes),
                                what="a push carrying its checksum error")
        bad = [p for p in recorder.pushes if p.error is not None]
        assert "SHA-1 mismatch" in str(bad[0].error)
        n = len(recorder.pushes)
        await recorder.wait_for(lambda: any(p.error is None for p in recorder.pushes[n:]),
                                what="good pushes after the bad one")
    finally:
        await conn.close()


async def test_gateway_restart_reconnects_and_restores_everything(recorder, rsa_key_pem):
    key = RsaCipher.from_pem(rsa_key_pem)
    gw = DemoGateway(port=0, rsa=key, aes="cbc", push_rate=20.0, keepalive_interval=1)
    await gw.start()
    port = gw.port
    conn = Connection(gw.host, port, rsa=key, listener=recorder, backoff_base=0.05,
                      backoff_max=0.5)
    quote = QuoteContext(conn)
    trade = TradeContext(conn, "securities")
    try:
        first = await conn.open(10)
        await quote.subscribe(["HK.00700"], ["basic", "ticker"])
        await trade.get_acc_list()
        await trade.unlock("123456")
        await trade.sub_acc_push()
        await recorder.wait_for(lambda: recorder.pushes, what="pushes before the restart")
        await gw.stop()
        await recorder.wait_for(lambda: conn.state is State.RECONNECTING, what="reconnecting")
        n = len(recorder.pushes)
        gw = DemoGateway(port=port, rsa=key, aes="cbc", push_rate=20.0, keepalive_interval=1)
        await gw.start()
        await recorder.wait_for(lambda: quote.restored == 1 and trade.restored == 1, timeout=15,
                                what="subscriptions and unlock restored")
        assert conn.state is State.READY and conn.handshake.conn_id != first.conn_id
        await recorder.wait_for(lambda: len(recorder.pushes) > n, what="pushes after the restart")
        # the new gateway knows our subscription and our unlock without us asking again
        sub = await quote.get_sub_info()
        assert sub["totalUsedQuota"] >= 1
        real = [a for a in trade.accounts if a.get("trdEnv") == 1][0]["accID"]
        assert (await trade.place_order(real, "HK.00700", "BUY", 100, 1000.0))["order_id"]
        await recorder.wait_for(lambda: any(p.proto_id == catalog.TRD_UPDATE_ORDER
                                            for p in recorder.pushes[n:]), what="order push")
    finally:
        await conn.close()
        await gw.stop()


async def test_close_is_idempotent_and_fails_pending_requests(gateway, recorder):
    conn = conn_to(gateway, recorder)
    await conn.open(10)
    gateway.stall()
    pending = asyncio.ensure_future(conn.request(catalog.GET_GLOBAL_STATE,
                                                 catalog.module(catalog.GET_GLOBAL_STATE).C2S(userID=1)))
    for _ in range(100):  # yield to the loop until the request task has registered its reply slot
        if any(k[0] == catalog.GET_GLOBAL_STATE for k in conn.pending_requests):
            break
        await asyncio.sleep(0)
    assert any(k[0] == catalog.GET_GLOBAL_STATE for k in conn.pending_requests)
    await conn.close()
    with pytest.raises(ConnectionLost):
        await pending
    await conn.close()
    assert conn.state is State.CLOSED
    gateway.resume()


class Raising:
    """A listener whose every callback raises: the connection must not care."""

    def __getattr__(self, name):
        def boom(*args):
            raise ValueError(f"bug in a listener ({name})")
        return boom


async def test_a_raising_listener_does_not_break_the_connection(gateway):
    conn = Connection(gateway.host, gateway.port, listener=Raising(), auto_reconnect=False)
    ctx = QuoteContext(conn)
    info = await conn.open(10)
    try:
        assert info.conn_id and conn.state is State.READY
        await ctx.subscribe(["HK.00700"], ["basic"])
        state = await ctx.get_global_state()
        assert state["qotLogined"] is True and conn.observer_errors > 0
    finally:
        await conn.close()


async def test_open_reports_the_first_failure_even_with_auto_reconnect(recorder):
    gw = DemoGateway(port=0)
    await gw.start()
    port = gw.port
    await gw.stop()
    conn = Connection("127.0.0.1", port, listener=recorder, backoff_base=0.05, backoff_max=0.2)
    try:
        with pytest.raises(ConnectionLost, match="connection refused"):
            await conn.open()  # no timeout: it must still answer
        # ... and keeps trying in the background until the gateway appears
        gw = DemoGateway(port=port)
        await gw.start()
        await recorder.wait_for(lambda: conn.state is State.READY, what="the late gateway")
        assert conn.last_error is None
    finally:
        await conn.close()
        await gw.stop()
    assert conn.closed_by_user


async def test_a_refused_unlock_on_reconnect_still_restores_account_pushes(recorder):
    gw = DemoGateway(port=0, keepalive_interval=1)
    await gw.start()
    port = gw.port
    conn = Connection(gw.host, port, listener=recorder, backoff_base=0.05, backoff_max=0.3)
    trade = TradeContext(conn, "securities")
    try:
        await conn.open(10)
        await trade.get_acc_list()
        await trade.unlock("123456")
        await trade.sub_acc_push()
        await gw.stop()
        await recorder.wait_for(lambda: conn.state is State.RECONNECTING, what="reconnecting")
        # the password was changed while we were away
        gw = DemoGateway(port=port, keepalive_interval=1, trade_password="changed")
        await gw.start()
        await recorder.wait_for(lambda: trade.restored == 1, timeout=15, what="restore ran")
        assert not trade.unlocked
        assert any("password" in str(e) for e in recorder.errors)
        sim = [a for a in trade.accounts if a.get("trdEnv") == 0][0]["accID"]
        n = len(recorder.pushes)
        await trade.place_order(sim, "HK.00700", "BUY", 100, 1000.0)
        await recorder.wait_for(lambda: any(p.proto_id == catalog.TRD_UPDATE_ORDER
                                            for p in recorder.pushes[n:]),
                                what="order push on the simulated account after the restore")
    finally:
        await conn.close()
        await gw.stop()


async def test_replay_keeps_how_each_subscription_was_made(recorder):
    gw = DemoGateway(port=0, keepalive_interval=1, push_rate=20.0)
    await gw.start()
    port = gw.port
    conn = Connection(gw.host, port, listener=recorder, backoff_base=0.05, backoff_max=0.3)
    quote = QuoteContext(conn)
    try:
        await conn.open(10)
        await quote.subscribe(["HK.00700"], ["basic"], reg_push=False)  # quota only, no pushes
        await quote.subscribe(["US.AAPL"], ["basic"])
        await gw.stop()
        await recorder.wait_for(lambda: conn.state is State.RECONNECTING, what="reconnecting")
        n = len(recorder.pushes)
        gw = DemoGateway(port=port, keepalive_interval=1, push_rate=20.0)
        await gw.start()
        await recorder.wait_for(lambda: quote.restored == 1, timeout=15, what="replay")
        await recorder.wait_for(
            lambda: sum(summarize(p.proto_id, p.fmt, p.body)[0] == "US.AAPL"
                        for p in recorder.pushes[n:]) >= 3, what="AAPL pushes after the replay")
        assert all(summarize(p.proto_id, p.fmt, p.body)[0] != "HK.00700" for p in recorder.pushes[n:])
        assert (await quote.get_sub_info())["totalUsedQuota"] == 2
    finally:
        await conn.close()
        await gw.stop()
