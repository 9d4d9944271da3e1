"""Fault matrix, hostile clients of the demo gateway's WebSocket port (issue 10).

Every row: the gateway closes (or answers) the hostile connection with a WebSocket close code
that names the fault, counts it, and keeps serving a proper client on both ports.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import pytest_asyncio
from faultkit import DEADLINE, assert_gateway_serves
from opendeck.core import catalog, wsframe
from opendeck.core.gateway.limits import Limits
from opendeck.core.gateway.server import DemoGateway
from opendeck.core.pb import InitWebSocket_pb2
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

pytestmark = pytest.mark.asyncio
KEY = "faults-ws-key"


def login(key: str = KEY, section: int = 2) -> bytes:
    c2s = InitWebSocket_pb2.C2S(websocketKey=wsframe.websocket_key_md5(key), clientID="faults")
    return wsframe.pack_request(wsframe.CMD_INIT_WEBSOCKET, section,
                                InitWebSocket_pb2.Request(c2s=c2s).SerializeToString())


async def closed_with(ws) -> int:
    """Read until the gateway closes; its close code."""
    async with asyncio.timeout(DEADLINE):
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd is not None else 1006


async def ws_serves(gw) -> None:
    async with connect(gw.websocket_url, max_size=None, ping_interval=None) as ws:
        await ws.send(login())
        r = wsframe.parse_reply(await asyncio.wait_for(ws.recv(), DEADLINE))
        assert r.error == 0 and r.section == 2
    await assert_gateway_serves(gw)


@pytest_asyncio.fixture
async def wgw():
    g = DemoGateway(port=0, push_rate=0, websocket_port=0, websocket_key=KEY,
                    limits=Limits(handshake_timeout=0.5, max_request_bytes=64 * 1024))
    await g.start()
    try:
        yield g
    finally:
        await g.stop()


@pytest.mark.parametrize("message, code", [
    ("a text message", 1003),
    (b"not-ft-v1" + bytes(30), 1002),
    (b"ft-v1", 1002),
], ids=["text", "bad-sign", "short"])
async def test_not_an_opend_packet(wgw, message, code):
    """A text message, a binary message with another sign, or one shorter than the header:
    closed with a close code naming it (1003 text, 1002 protocol), counted as a bad packet."""
    async with connect(wgw.websocket_url, max_size=None, ping_interval=None) as ws:
        await ws.send(message)
        assert await closed_with(ws) == code
    assert wgw.stats.bad_packets >= 1
    await ws_serves(wgw)


async def test_wrong_key_is_refused(wgw):
    """InitWebSocket with the MD5 of another key: a reply with header error != 0 and no
    body, then close 1008; no connID handed out."""
    async with connect(wgw.websocket_url, max_size=None, ping_interval=None) as ws:
        await ws.send(login("another key"))
        r = wsframe.parse_reply(await asyncio.wait_for(ws.recv(), DEADLINE))
        assert r.error != 0 and r.body == b""
        assert await closed_with(ws) == 1008
    assert not any(c.ready for c in wgw.conns)
    await ws_serves(wgw)


async def test_silent_websocket_times_out(wgw):
    """An upgraded WebSocket that never sends InitWebSocket is closed 1008 after the
    handshake timeout (not held forever)."""
    async with connect(wgw.websocket_url, max_size=None, ping_interval=None) as ws:
        assert await closed_with(ws) == 1008
    assert wgw.stats.timeouts >= 1
    await ws_serves(wgw)


async def test_request_before_login_and_oversized_message(wgw):
    """A request before InitWebSocket is answered retType -1 'log in with cmd 1 first'; a
    request over the request-size cap is answered retType -1 naming the cap (the connection
    goes on); a message over the framing cap (16 MiB) is refused by the WebSocket layer
    (close 1009) before it is parsed."""
    ws = await connect(wgw.websocket_url, max_size=None, ping_interval=None)
    try:
        ka = catalog.module(catalog.KEEP_ALIVE)
        await ws.send(wsframe.pack_request(catalog.KEEP_ALIVE, 5, ka.Request(
            c2s=ka.C2S(time=1)).SerializeToString()))
        r = wsframe.parse_reply(await asyncio.wait_for(ws.recv(), DEADLINE))
        resp = ka.Response.FromString(r.body)
        assert resp.retType == -1 and "cmd 1" in resp.retMsg
        await ws.send(login())
        assert wsframe.parse_reply(await asyncio.wait_for(ws.recv(), DEADLINE)).error == 0
        await ws.send(wsframe.pack_request(catalog.KEEP_ALIVE, 6, bytes(200 * 1024)))
        r = wsframe.parse_reply(await asyncio.wait_for(ws.recv(), DEADLINE))
        resp = ka.Response.FromString(r.body)
        assert r.section == 6 and resp.retType == -1 and "cap of 65536 bytes" in resp.retMsg
        await ws.send(wsframe.pack_request(catalog.KEEP_ALIVE, 7, bytes(17 * 1024 * 1024)))
        assert await closed_with(ws) == 1009
    finally:
        # the client library's own close after a 1009 can trip over its closed transport
        with contextlib.suppress(AttributeError, ConnectionClosed):
            await ws.close()
    await ws_serves(wgw)
