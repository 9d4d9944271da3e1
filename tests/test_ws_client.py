"""OpenDeck's own client over OpenD's WebSocket port (ws:// and wss://) against the demo gateway,
and both transports of one gateway at once."""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest

from opendeck.core import catalog
from opendeck.core.client.connection import Connection, State
from opendeck.core.client.contexts import QuoteContext, TradeContext
from opendeck.core.client.ws import WsConnection
from opendeck.core.errors import ConnectionLost, KeyRefused, TransportError
from opendeck.core.events import Transport
from opendeck.core.gateway.server import DemoGateway

pytestmark = pytest.mark.asyncio

KEY = "demo-ws-key"


def self_signed(tmp_path):
    """A certificate for IP:127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opendeck-test-gateway")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "gw.crt", tmp_path / "gw.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls(cert_path, key_path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


async def test_quote_flow_over_ws_with_ping_heartbeats(recorder):
    async with DemoGateway(port=0, websocket_port=0, websocket_key=KEY, push_rate=20.0, seed=3) as gw:
        conn = WsConnection("127.0.0.1", gw.websocket_port, key=KEY, listener=recorder,
                            auto_reconnect=False, heartbeat_interval=0.2)
        quote = QuoteContext(conn)
        info = await conn.open(10)
        try:
            assert info.transport is Transport.WS and info.conn_id and info.login_user_id
            assert info.server_time > 0 and info.encryption == "none"
            await quote.subscribe("HK.00700", "basic,ticker,orderbook")
            want = {catalog.QOT_UPDATE_BASIC_QOT, catalog.QOT_UPDATE_TICKER, catalog.QOT_UPDATE_ORDER_BOOK}
            await recorder.wait_for(lambda: want <= {p.proto_id for p in recorder.pushes}
                                    and len(recorder.rtts) >= 2, what="pushes and two pongs")
            assert all(p.error is None for p in recorder.pushes)
            assert (await quote.get_global_state())["qotLogined"] is True
            assert conn.address == f"ws://127.0.0.1:{gw.websocket_port}" and conn.missed_beats == 0
        finally:
            await conn.close()
        assert conn.state is State.CLOSED


async def test_a_wrong_key_is_refused_at_once_and_not_retried(recorder):
    async with DemoGateway(port=0, websocket_port=0, websocket_key=KEY) as gw:
        conn = WsConnection("127.0.0.1", gw.websocket_port, key="not-it", listener=recorder,
                            auto_reconnect=True, backoff_base=0.01)
        with pytest.raises(KeyRefused, match="refused the WebSocket key"):
            await conn.open(10)
        assert conn.state is State.FAILED and conn.retry_in() is None
        await conn.close()
        assert conn.state is State.CLOSED


async def test_wss_with_a_self_signed_certificate(recorder, tmp_path):
    cert, key = self_signed(tmp_path)
    async with DemoGateway(port=0, websocket_port=0, websocket_key=KEY,
                           websocket_ssl=server_tls(cert, key)) as gw:
        conn = WsConnection("127.0.0.1", gw.websocket_port, tls=True, key=KEY, ca_cert=str(cert),
                            listener=recorder, auto_reconnect=False)
        trade = TradeContext(conn, "securities")
        info = await conn.open(10)
        try:
            assert info.transport is Transport.WSS and info.encryption == "tls"
            assert info.tls_version.startswith("TLS") and "opendeck-test-gateway" in info.peer_subject
            assert await trade.get_acc_list()
        finally:
            await conn.close()
        # without the CA the certificate is unknown: a typed error that says what to do
        bare = WsConnection("127.0.0.1", gw.websocket_port, tls=True, key=KEY, listener=recorder,
                            auto_reconnect=False)
        with pytest.raises(TransportError, match="CA file"):
            await bare.open(10)


async def test_a_port_that_is_not_websocket_is_a_clear_error(recorder):
    async with DemoGateway(port=0) as gw:  # the TCP API port does not speak HTTP
        conn = WsConnection("127.0.0.1", gw.port, key=KEY, listener=recorder, auto_reconnect=False,
                            connect_timeout=3)
        with pytest.raises((TransportError, ConnectionLost), match="WebSocket"):
            await conn.open(5)


async def test_both_transports_of_one_gateway_share_one_state(recorder, rsa_key_pem):
    async with DemoGateway(port=0, websocket_port=0, websocket_key=KEY, push_rate=10.0) as gw:
        tcp = Connection(gw.host, gw.port, listener=recorder, auto_reconnect=False)
        ws = WsConnection("127.0.0.1", gw.websocket_port, key=KEY, listener=recorder,
                          auto_reconnect=False)
        t_trade, w_trade = TradeContext(tcp, "securities"), TradeContext(ws, "securities")
        await tcp.open(10)
        await ws.open(10)
        try:
            await t_trade.get_acc_list()
            await w_trade.get_acc_list()
            real = [a for a in w_trade.accounts if a.get("trdEnv") == 1][0]["accID"]
            await t_trade.sub_acc_push([real])  # the TCP client watches the account
            await w_trade.unlock("123456")
            n = len(recorder.pushes)
            order = await w_trade.place_order(real, "HK.00700", "BUY", 100, 10_000.0)  # marketable
            assert order["order_id"]
            await recorder.wait_for(
                lambda: any(p.proto_id == catalog.TRD_UPDATE_ORDER for p in recorder.pushes[n:]),
                what="the WebSocket order pushed to the TCP client")
        finally:
            await tcp.close()
            await ws.close()


async def test_ws_reconnects_after_a_gateway_restart_and_restores(recorder):
    gw = DemoGateway(port=0, websocket_port=0, websocket_key=KEY, push_rate=20.0)
    await gw.start()
    port = gw.websocket_port
    conn = WsConnection("127.0.0.1", port, key=KEY, listener=recorder, backoff_base=0.05,
                        backoff_max=0.3, heartbeat_interval=0.5)
    quote = QuoteContext(conn)
    try:
        first = await conn.open(10)
        await quote.subscribe("US.AAPL", "basic")
        await gw.stop()
        await recorder.wait_for(lambda: conn.state is State.RECONNECTING, what="reconnecting")
        gw = DemoGateway(port=0, websocket_port=port, websocket_key=KEY, push_rate=20.0)
        await gw.start()
        await recorder.wait_for(lambda: quote.restored == 1, timeout=15, what="restored subscription")
        n = len(recorder.pushes)
        await recorder.wait_for(lambda: any(p.proto_id == catalog.QOT_UPDATE_BASIC_QOT
                                            for p in recorder.pushes[n:]), what="pushes after restart")
        assert conn.handshake.conn_id != first.conn_id
    finally:
        await conn.close()
        await gw.stop()


async def _hostile(send):
    """A WebSocket server that answers the first message with whatever ``send`` sends."""
    from websockets.asyncio.server import serve

    async def handler(ws):
        async for _msg in ws:
            await send(ws)
            await ws.wait_closed()
            return

    return await serve(handler, "127.0.0.1", 0, max_size=None, compression=None)


@pytest.mark.parametrize("what, reply, error", [
    ("a text frame", "hello", "text WebSocket message"),
    ("no ft-v1.0 sign", b"XXXXXXXX" + bytes(40), "sign"),
    ("a short message", b"ft-v1.0\x00\x00", "shorter than"),
    ("a non-ASCII errmsg", b"ft-v1.0\x00" + bytes(12) + bytes(4) + "é".encode() + bytes(18), "not ASCII"),
])
async def test_a_hostile_websocket_gateway_gets_a_typed_error(recorder, what, reply, error):
    async def send(ws):
        await ws.send(reply)
    server = await _hostile(send)
    port = server.sockets[0].getsockname()[1]
    try:
        conn = WsConnection("127.0.0.1", port, key=KEY, listener=recorder, auto_reconnect=False,
                            connect_timeout=5)
        with pytest.raises(Exception) as info:
            await conn.open(10)
        assert error in str(info.value), what
        assert conn.state is State.FAILED
        assert any(error in e.text for e in recorder.errors), what
    finally:
        server.close()
        await server.wait_closed()


async def test_a_message_over_the_cap_is_refused_not_buffered(recorder, monkeypatch):
    from opendeck.core.client import ws as wsmod
    monkeypatch.setattr(wsmod, "MAX_MESSAGE", 64 * 1024)  # the real cap is 16 MiB; same path

    async def send(ws):
        await ws.send(b"ft-v1.0\x00" + bytes(200 * 1024))
    server = await _hostile(send)
    port = server.sockets[0].getsockname()[1]
    try:
        conn = WsConnection("127.0.0.1", port, key=KEY, listener=recorder, auto_reconnect=False,
                            connect_timeout=5)
        with pytest.raises(TransportError, match="over the"):
            await conn.open(10)
    finally:
        server.close()
        await server.wait_closed()
