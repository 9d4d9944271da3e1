"""The demo gateway's WebSocket port, driven by the websockets client on 127.0.0.1, and the
limits shared by both ports. Every wait is on a condition with a deadline."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio
from opendeck.core import catalog, wsframe
from opendeck.core.cipher import password_md5
from opendeck.core.gateway import DemoGateway
from opendeck.core.gateway.limits import Limits
from opendeck.core.pb import (
    GetGlobalState_pb2,
    InitWebSocket_pb2,
    KeepAlive_pb2,
    Notify_pb2,
    Qot_Sub_pb2,
    Trd_GetAccList_pb2,
    Trd_PlaceOrder_pb2,
    Trd_SubAccPush_pb2,
    Trd_UnlockTrade_pb2,
    Trd_UpdateOrder_pb2,
)
from test_gateway import RawClient  # the raw TCP client of tests/test_gateway.py
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

KEY = "test-key"
TIMEOUT = 5.0


class WsClient:
    """One WebSocket connection: requests by section, pushes kept in order."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.section = 1
        self.replies: dict[int, wsframe.Reply] = {}
        self.pushes: list[wsframe.Reply] = []
        self.closed: ConnectionClosed | None = None
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                r = wsframe.parse_reply(msg)
                (self.pushes.append(r) if r.is_push else self.replies.__setitem__(r.section, r))
                self._wake()
        except ConnectionClosed as exc:
            self.closed = exc
        finally:
            if self.closed is None:
                self.closed = self.ws.close_exc
            self._wake()

    def _wake(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()

    async def wait(self, pred, timeout: float = TIMEOUT):
        async with asyncio.timeout(timeout):
            while True:
                got = pred()
                if got:
                    return got
                if self.closed is not None:
                    raise ConnectionError(f"closed: {self.closed}")
                await self._changed.wait()

    async def wait_closed(self, timeout: float = TIMEOUT) -> ConnectionClosed:
        async with asyncio.timeout(timeout):
            while self.closed is None:
                await self._changed.wait()
        return self.closed

    async def send(self, cmd: int, body: bytes) -> int:
        self.section += 1
        await self.ws.send(wsframe.pack_request(cmd, self.section, body))
        return self.section

    async def request(self, cmd: int, msg) -> wsframe.Reply:
        section = await self.send(cmd, msg.SerializeToString())
        return await self.wait(lambda: self.replies.get(section))

    async def login(self, key: str = KEY) -> wsframe.Reply:
        req = InitWebSocket_pb2.Request()
        req.c2s.websocketKey = wsframe.websocket_key_md5(key)
        req.c2s.programmingLanguage = "Python-test"
        return await self.request(wsframe.CMD_INIT_WEBSOCKET, req)

    def push(self, cmd: int):
        return next((p for p in self.pushes if p.cmd == cmd), None)

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self._task, return_exceptions=True)


async def ws_client(gw: DemoGateway) -> WsClient:
    return WsClient(await connect(gw.websocket_url, open_timeout=TIMEOUT))


@pytest_asyncio.fixture
async def gw():
    g = DemoGateway(port=0, websocket_port=0, websocket_key=KEY, push_rate=20)
    await g.start()
    yield g
    await g.stop()


@pytest.mark.asyncio
async def test_login_request_and_notify_push(gw):
    c = await ws_client(gw)
    r = await c.login()
    assert (r.cmd, r.error, r.errmsg) == (1, 0, "")
    resp = InitWebSocket_pb2.Response.FromString(r.body)
    assert resp.retType == 0 and resp.s2c.connID > 0 and resp.s2c.serverTime > 0
    g = await c.request(1002, GetGlobalState_pb2.Request(c2s={"userID": 0}))
    state = GetGlobalState_pb2.Response.FromString(g.body)
    assert state.retType == 0 and state.s2c.connID == resp.s2c.connID
    note = await c.wait(lambda: c.push(catalog.NOTIFY))
    assert note.section == 0 and note.error == 0
    assert Notify_pb2.Response.FromString(note.body).s2c.type == Notify_pb2.NotifyType_ConnStatus
    ka = await c.request(1004, KeepAlive_pb2.Request(c2s={"time": 1}))
    assert KeepAlive_pb2.Response.FromString(ka.body).retType == 0
    info = gw.clients[0]
    assert info.transport == "ws" and info.ready and info.client_id == "Python-test"
    await c.close()


@pytest.mark.asyncio
async def test_wrong_key_gets_header_error_no_body_then_close(gw):
    c = await ws_client(gw)
    r = await c.login("not the key")
    assert r.error != 0 and r.errmsg == "wrong websocket key" and r.body == b""
    closed = await c.wait_closed()
    assert closed.rcvd is not None and closed.rcvd.code == 1008
    await gw.wait_until(lambda: not gw.conns)
    assert gw.stats.handshakes_failed == 1 and gw.stats.handshakes == 0


@pytest.mark.asyncio
async def test_requests_before_login_are_refused_and_bad_messages_close(gw):
    c = await ws_client(gw)
    r = await c.request(1002, GetGlobalState_pb2.Request(c2s={"userID": 0}))
    resp = GetGlobalState_pb2.Response.FromString(r.body)
    assert resp.retType == -1 and "InitWebSocket" in resp.retMsg
    await c.ws.send("a text frame")
    assert (await c.wait_closed()).rcvd.code == 1003
    d = await ws_client(gw)
    await d.ws.send(b"FT" + bytes(30))
    assert (await d.wait_closed()).rcvd.code == 1002
    await gw.wait_until(lambda: not gw.conns)
    assert gw.stats.bad_packets == 2


@pytest.mark.asyncio
async def test_sub_pushes_carry_section_zero(gw):
    c = await ws_client(gw)
    await c.login()
    sub = Qot_Sub_pb2.Request()
    sub.c2s.securityList.add(market=1, code="00700")
    sub.c2s.subTypeList.extend([1, 4])
    sub.c2s.isSubOrUnSub = True
    sub.c2s.isRegOrUnRegPush = True
    r = await c.request(catalog.QOT_SUB, sub)
    assert Qot_Sub_pb2.Response.FromString(r.body).retType == 0
    for cmd in (3005, 3011):
        p = await c.wait(lambda cmd=cmd: c.push(cmd))
        assert p.section == 0 and p.body
    await c.close()


@pytest.mark.asyncio
async def test_order_over_websocket_reaches_a_tcp_account_push(gw):
    tcp = await RawClient.open(gw)
    s2c = await tcp.init()
    accs = await tcp.request(catalog.TRD_GET_ACC_LIST,
                             Trd_GetAccList_pb2.Request(c2s={"userID": s2c.loginUserID}))
    acc = next(a for a in accs.s2c.accList if a.trdEnv == 1 and 1 in a.trdMarketAuthList)
    sub = Trd_SubAccPush_pb2.Request()
    sub.c2s.accIDList.append(acc.accID)
    assert (await tcp.request(catalog.TRD_SUB_ACC_PUSH, sub)).retType == 0

    ws = await ws_client(gw)
    login = InitWebSocket_pb2.Response.FromString((await ws.login()).body)
    # a JavaScript app has no loginUserID: 0 stands for the logged-in user
    listed = Trd_GetAccList_pb2.Response.FromString((await ws.request(
        catalog.TRD_GET_ACC_LIST, Trd_GetAccList_pb2.Request(c2s={"userID": 0}))).body)
    assert listed.retType == 0 and acc.accID in {a.accID for a in listed.s2c.accList}
    unlock = Trd_UnlockTrade_pb2.Request(c2s={"unlock": True, "pwdMD5": password_md5("123456")})
    assert Trd_UnlockTrade_pb2.Response.FromString(
        (await ws.request(catalog.TRD_UNLOCK_TRADE, unlock)).body).retType == 0
    order = Trd_PlaceOrder_pb2.Request()
    o = order.c2s
    o.packetID.connID = login.s2c.connID
    o.packetID.serialNo = 1
    o.header.trdEnv, o.header.accID, o.header.trdMarket = 1, acc.accID, 1
    o.trdSide, o.orderType, o.code, o.qty, o.secMarket = 1, 2, "00700", 100, 1
    placed = Trd_PlaceOrder_pb2.Response.FromString(
        (await ws.request(catalog.TRD_PLACE_ORDER, order)).body)
    assert placed.retType == 0, placed.retMsg
    push = await tcp.wait_packet(lambda p: p.proto_id == catalog.TRD_UPDATE_ORDER)
    upd = Trd_UpdateOrder_pb2.Response.FromString(push.body)
    assert upd.s2c.order.orderID == placed.s2c.orderID
    await ws.close()
    await tcp.close()


@pytest.mark.asyncio
async def test_one_connection_cap_over_both_ports():
    async with DemoGateway(port=0, websocket_port=0, websocket_key=KEY,
                           limits=Limits(max_connections=1)) as gw:
        first = await ws_client(gw)
        await first.login()
        with pytest.raises(InvalidStatus) as info:
            await connect(gw.websocket_url, open_timeout=TIMEOUT)
        assert info.value.response.status_code == 503
        assert b"cap of 1 connections" in info.value.response.body
        tcp = await RawClient.open(gw)
        with pytest.raises(AssertionError, match="cap of 1 connections"):
            await tcp.init()  # answered retType -1 with the reason, then closed
        await tcp.wait_eof()
        silent = await RawClient.open(gw)  # sends nothing: dropped after REFUSE_WAIT
        await silent.wait_eof(timeout=10)
        assert gw.stats.connections_refused == 3 and len(gw.conns) == 1
        await first.close()
        await gw.wait_until(lambda: not gw.conns)
        again = await RawClient.open(gw)
        await again.init()
        await again.close()


@pytest.mark.asyncio
async def test_handshake_timeout_on_both_ports():
    async with DemoGateway(port=0, websocket_port=0, websocket_key=KEY,
                           limits=Limits(handshake_timeout=0.3)) as gw:
        ws = await ws_client(gw)
        tcp = await RawClient.open(gw)
        assert (await ws.wait_closed()).rcvd.code == 1008
        await tcp.wait_eof()
        await gw.wait_until(lambda: not gw.conns)
        assert gw.stats.timeouts == 2 and gw.stats.handshakes_failed == 2


@pytest.mark.asyncio
async def test_long_lists_are_refused_before_any_table_is_touched(gw):
    c = await ws_client(gw)
    await c.login()
    sub = Qot_Sub_pb2.Request()
    for i in range(gw.limits.max_list_len + 1):
        sub.c2s.securityList.add(market=1, code=f"{90000 + i}")
    sub.c2s.subTypeList.append(1)
    sub.c2s.isSubOrUnSub = True
    resp = Qot_Sub_pb2.Response.FromString((await c.request(catalog.QOT_SUB, sub)).body)
    assert resp.retType == -1
    assert f"cap of {gw.limits.max_list_len} per list" in resp.retMsg
    assert gw.market.get((1, "90000")) is None and gw.used_quota() == 0
    await c.close()


@pytest.mark.asyncio
async def test_request_size_cap_answers_retType_minus_one():
    async with DemoGateway(port=0, limits=Limits(max_request_bytes=64)) as gw:
        tcp = await RawClient.open(gw)
        await tcp.init()
        sub = Qot_Sub_pb2.Request()
        for i in range(10):
            sub.c2s.securityList.add(market=1, code=f"0070{i}")
        sub.c2s.subTypeList.append(1)
        sub.c2s.isSubOrUnSub = True
        resp = await tcp.request(catalog.QOT_SUB, sub)
        assert resp.retType == -1 and "cap of 64 bytes" in resp.retMsg
        assert gw.stats.requests_too_large == 1
        await tcp.close()
    async with DemoGateway(port=0, websocket_port=0, websocket_key=KEY,
                           limits=Limits(max_request_bytes=64)) as gw:
        ws = await ws_client(gw)
        await ws.login()
        resp = Qot_Sub_pb2.Response.FromString((await ws.request(catalog.QOT_SUB, sub)).body)
        assert resp.retType == -1 and "cap of 64 bytes" in resp.retMsg
        assert ws.closed is None  # answered, not dropped
        await ws.close()
