"""The demo gateway driven by a raw Channel over asyncio streams on 127.0.0.1.

Every wait is on a condition with a timeout (``RawClient.wait_packet``,
``DemoGateway.wait_until``); the only bounded waits for *absence* are short and explicit.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest
import pytest_asyncio
from Crypto.PublicKey import RSA
from opendeck.core import catalog
from opendeck.core.channel import Channel, Packet, decode_message, encode_message
from opendeck.core.cipher import RsaCipher, aes_for, password_md5
from opendeck.core.errors import BadMagicError, ChecksumError
from opendeck.core.gateway import DemoGateway, dispatch
from opendeck.core.gateway.server import DEMO_USER_ID
from opendeck.core.pb import (
    GetGlobalState_pb2,
    GetUserInfo_pb2,
    InitConnect_pb2,
    KeepAlive_pb2,
    Qot_GetBasicQot_pb2,
    Qot_GetSubInfo_pb2,
    Qot_RegQotPush_pb2,
    Qot_Sub_pb2,
    Trd_GetAccList_pb2,
    Trd_PlaceOrder_pb2,
    Trd_SubAccPush_pb2,
    Trd_UnlockTrade_pb2,
)
from opendeck.core.wire import FMT_JSON, FMT_PROTOBUF, HEADER_SIZE, MAGIC

TIMEOUT = 5.0
HK = 1
US = 11
TENCENT = (HK, "00700")
SUB_BASIC, SUB_ORDER_BOOK, SUB_TICKER, SUB_RT, SUB_KL_1MIN, SUB_BROKER = 1, 2, 4, 5, 11, 14


# -- a minimal raw client -------------------------------------------------------------------

class RawClient:
    """Channel + asyncio streams. Feeds the channel one frame at a time so the switch to AES
    after the InitConnect reply applies from the very next frame."""

    def __init__(self, reader, writer, rsa: RsaCipher | None = None) -> None:
        self.reader = reader
        self.writer = writer
        self.channel = Channel(rsa=rsa)
        self.packets: list[Packet] = []
        self.error: Exception | None = None
        self.eof = False
        self.serial = 1000
        self.init_s2c = None
        self._buf = bytearray()
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, gw: DemoGateway, rsa: RsaCipher | None = None) -> RawClient:
        reader, writer = await asyncio.open_connection(gw.host, gw.port)
        return cls(reader, writer, rsa)

    def _signal(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()

    async def _read(self) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                self._buf += data
                while len(self._buf) >= 2:
                    if self._buf[:2] != MAGIC:
                        self.channel.receive(bytes(self._buf))  # raises the codec's error
                    if len(self._buf) < HEADER_SIZE:
                        break
                    end = HEADER_SIZE + struct.unpack_from("<I", self._buf, 12)[0]
                    if len(self._buf) < end:
                        break
                    frame = bytes(self._buf[:end])
                    del self._buf[:end]
                    for p in self.channel.receive(frame):
                        self._on_packet(p)
                self._signal()
        except Exception as exc:  # kept for the test to look at
            self.error = exc
        finally:
            self.eof = True
            self._signal()

    def _on_packet(self, p: Packet) -> None:
        self.packets.append(p)
        if p.proto_id == catalog.INIT_CONNECT and p.error is None:
            resp = self.decode(p)
            if resp.retType == 0:
                self.init_s2c = resp.s2c
                if self.channel.rsa is not None:
                    s2c = resp.s2c
                    self.channel.aes = aes_for(s2c.connAESKey,
                                               s2c.aesCBCiv if s2c.HasField("aesCBCiv") else None)

    @staticmethod
    def decode(p: Packet):
        cls = catalog.response_type(p.proto_id) or InitConnect_pb2.Response
        return decode_message(cls, p.body, p.fmt, p.proto_id)

    async def wait_packet(self, pred, *, start: int = 0, timeout: float = TIMEOUT) -> Packet:
        async with asyncio.timeout(timeout):
            while True:
                for p in self.packets[start:]:
                    if pred(p):
                        return p
                if self.eof:
                    raise ConnectionError(f"connection closed ({self.error!r})")
                await self._changed.wait()

    async def wait_eof(self, timeout: float = TIMEOUT) -> None:
        async with asyncio.timeout(timeout):
            while not self.eof:
                await self._changed.wait()

    def send(self, pid: int, msg, fmt: int = FMT_PROTOBUF, serial: int | None = None) -> int:
        if serial is None:
            self.serial += 1
            serial = self.serial
        self.writer.write(self.channel.pack(pid, serial, encode_message(msg, fmt), fmt))
        return serial

    async def request(self, pid: int, msg, fmt: int = FMT_PROTOBUF, timeout: float = TIMEOUT):
        serial = self.send(pid, msg, fmt)
        p = await self.wait_packet(lambda p: p.proto_id == pid and p.serial == serial,
                                   timeout=timeout)
        assert p.error is None, p.error
        assert p.fmt == fmt
        return self.decode(p)

    async def init(self, *, recv_notify: bool = False, fmt: int = FMT_PROTOBUF,
                   push_fmt: int = FMT_PROTOBUF, enc_algo: int = -1):
        req = InitConnect_pb2.Request()
        c2s = req.c2s
        c2s.clientVer = 300
        c2s.clientID = "opendeck-test"
        c2s.recvNotify = recv_notify
        c2s.packetEncAlgo = enc_algo
        c2s.pushProtoFmt = push_fmt
        c2s.programmingLanguage = "Python"
        resp = await self.request(catalog.INIT_CONNECT, req, fmt)
        assert resp.retType == 0, resp.retMsg
        return resp.s2c

    def pushes(self, pid: int, start: int = 0) -> list[Packet]:
        return [p for p in self.packets[start:] if p.proto_id == pid]

    async def close(self) -> None:
        self._task.cancel()
        self.writer.close()
        await asyncio.gather(self._task, return_exceptions=True)


def _user_info() -> GetUserInfo_pb2.Request:
    req = GetUserInfo_pb2.Request()
    req.c2s.flag = 1 | 2 | 4
    return req


def keep_alive() -> KeepAlive_pb2.Request:
    req = KeepAlive_pb2.Request()
    req.c2s.time = int(time.time())
    return req


def qot_sub(keys, subtypes, *, sub=True, reg=True, first=True, unsub_all=False):
    req = Qot_Sub_pb2.Request()
    for market, code in keys:
        s = req.c2s.securityList.add()
        s.market = market
        s.code = code
    req.c2s.subTypeList.extend(subtypes)
    req.c2s.isSubOrUnSub = sub
    if reg is not None:
        req.c2s.isRegOrUnRegPush = reg
    req.c2s.isFirstPush = first
    if unsub_all:
        req.c2s.isUnsubAll = True
    return req


@pytest.fixture(scope="session")
def rsa_raw() -> RSA.RsaKey:
    return RSA.generate(1024)


@pytest.fixture(scope="session")
def rsa_key(rsa_raw) -> RsaCipher:
    return RsaCipher(rsa_raw, "the test key")


@pytest_asyncio.fixture
async def gateway():
    async with DemoGateway(push_rate=50, seed=7) as gw:
        yield gw


@pytest_asyncio.fixture
async def clients():
    made: list[RawClient] = []

    async def make(gw, rsa=None) -> RawClient:
        c = await RawClient.open(gw, rsa)
        made.append(c)
        return c
    yield make
    for c in made:
        await c.close()


# -- handshake ------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_plaintext_handshake_keepalive_and_global_state(gateway, clients):
    c = await clients(gateway)
    s2c = await c.init()
    assert s2c.connID != 0
    assert s2c.loginUserID == DEMO_USER_ID
    assert s2c.serverVer == 1011
    assert s2c.keepAliveInterval == 10
    assert len(s2c.connAESKey) == 16
    assert not s2c.HasField("aesCBCiv")
    assert c.channel.encryption == "none"

    ka = await c.request(catalog.KEEP_ALIVE, keep_alive())
    assert ka.retType == 0 and abs(ka.s2c.time - time.time()) < 60

    req = GetGlobalState_pb2.Request()
    req.c2s.userID = s2c.loginUserID
    gs = await c.request(catalog.GET_GLOBAL_STATE, req)
    assert gs.retType == 0
    assert gs.s2c.qotLogined and gs.s2c.trdLogined
    assert gs.s2c.programStatus.type == 10  # Ready
    assert gs.s2c.connID == s2c.connID
    assert gs.s2c.serverVer == 1011

    ui = await c.request(catalog.GET_USER_INFO, _user_info())
    assert ui.retType == 0 and ui.s2c.userID == DEMO_USER_ID and ui.s2c.subQuota == 1000

    await gateway.wait_until(lambda: gateway.stats.handshakes == 1)
    assert gateway.handshake_log[-1].conn_id == s2c.connID
    assert gateway.stats.connections_open == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["cbc", "ecb"])
async def test_rsa_handshake_then_aes(mode, rsa_key, clients):
    async with DemoGateway(rsa=rsa_key, aes=mode, push_rate=50) as gw:
        c = await clients(gw, rsa_key)
        s2c = await c.init(enc_algo=2)
        first = c.packets[0]
        assert first.wire_size - HEADER_SIZE == 128  # one RSA-1024 block
        assert s2c.HasField("aesCBCiv") == (mode == "cbc")
        if mode == "cbc":
            assert len(s2c.aesCBCiv) == 16
        assert c.channel.encryption == f"aes-{mode}"
        ka = await c.request(catalog.KEEP_ALIVE, keep_alive())
        assert ka.retType == 0
        # the reply really was AES: its wire body is a whole number of blocks (ECB adds a tail)
        p = c.pushes(catalog.KEEP_ALIVE)[-1]
        assert (p.wire_size - HEADER_SIZE) % 16 == 0
        assert gw.handshake_log[-1].encryption == f"aes-{mode}"

        await c.request(catalog.QOT_SUB, qot_sub([TENCENT], [SUB_BASIC]))
        push = await c.wait_packet(lambda p: p.proto_id == catalog.QOT_UPDATE_BASIC_QOT)
        assert push.error is None
        assert c.decode(push).s2c.basicQotList[0].security.code == "00700"


@pytest.mark.asyncio
async def test_plaintext_init_rejected_when_gateway_has_key(rsa_key, clients):
    async with DemoGateway(rsa=rsa_key, push_rate=0) as gw:
        c = await clients(gw)  # no key: InitConnect goes out in plaintext
        serial = c.send(catalog.INIT_CONNECT, _init_request())
        p = await c.wait_packet(lambda p: p.proto_id == catalog.INIT_CONNECT)
        assert p.serial == serial and p.error is None
        resp = c.decode(p)
        assert resp.retType == -1
        assert "RSA" in resp.retMsg and "set_init_rsa_file" in resp.retMsg
        await c.wait_eof()
        assert gw.stats.handshakes_failed == 1


@pytest.mark.asyncio
async def test_wrong_rsa_key_rejected(rsa_key, clients):
    other = RsaCipher(RSA.generate(1024), "another key")
    async with DemoGateway(rsa=rsa_key, push_rate=0) as gw:
        c = await clients(gw, other)
        c.send(catalog.INIT_CONNECT, _init_request())
        p = await c.wait_packet(lambda p: p.proto_id == catalog.INIT_CONNECT)
        # the refusal is plaintext, so the client's RSA decrypt of it fails; read it raw
        resp = InitConnect_pb2.Response.FromString(p.body)
        assert resp.retType == -1 and "does not match" in resp.retMsg
        await c.wait_eof()


def _init_request() -> InitConnect_pb2.Request:
    req = InitConnect_pb2.Request()
    req.c2s.clientVer = 300
    req.c2s.clientID = "opendeck-test"
    req.c2s.recvNotify = False
    return req


@pytest.mark.asyncio
async def test_conn_ids_are_unique_across_gateways(clients):
    ids = set()
    async with DemoGateway(push_rate=0) as a, DemoGateway(push_rate=0) as b:
        for gw in (a, b, a, b):
            c = await clients(gw)
            ids.add((await c.init()).connID)
    assert len(ids) == 4 and 0 not in ids


@pytest.mark.asyncio
async def test_requests_before_init_and_twice_init(gateway, clients):
    c = await clients(gateway)
    resp = await c.request(catalog.KEEP_ALIVE, keep_alive())
    assert resp.retType == -1 and "InitConnect" in resp.retMsg
    await c.init()
    again = await c.request(catalog.INIT_CONNECT, _init_request())
    assert again.retType == -1 and "already" in again.retMsg


# -- quotes ---------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_sub_first_push_and_ticks(gateway, clients):
    c = await clients(gateway)
    await c.init()
    mark = len(c.packets)
    subtypes = [SUB_BASIC, SUB_ORDER_BOOK, SUB_TICKER, SUB_RT, SUB_KL_1MIN, SUB_BROKER]
    resp = await c.request(catalog.QOT_SUB, qot_sub([TENCENT], subtypes))
    assert resp.retType == 0
    # the first push of each pair comes right behind the reply
    reply_at = next(i for i, p in enumerate(c.packets) if p.proto_id == catalog.QOT_SUB)
    firsts = {p.proto_id for p in c.packets[reply_at + 1:reply_at + 1 + len(subtypes)]}
    assert firsts == {3005, 3013, 3011, 3009, 3007, 3015}

    def enough():
        return all(len(c.pushes(pid, mark)) >= 3 for pid in (3005, 3011, 3013, 3007, 3009))
    await c.wait_packet(lambda p: enough())

    book = c.decode(c.pushes(3013, mark)[-1]).s2c
    assert len(book.orderBookAskList) == 10 and len(book.orderBookBidList) == 10
    assert book.orderBookAskList[0].price > book.orderBookBidList[0].price
    seqs = [t.sequence for p in c.pushes(3011, mark) for t in c.decode(p).s2c.tickerList]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    kl = c.decode(c.pushes(3007, mark)[-1]).s2c
    assert kl.klType == 1 and kl.security.code == "00700" and len(kl.klList) == 1
    quote = c.decode(c.pushes(3005, mark)[-1]).s2c.basicQotList[0]
    assert quote.name == "TENCENT" and quote.lowPrice <= quote.curPrice <= quote.highPrice
    assert len(quote.updateTime.split()) == 2  # "YYYY-MM-DD HH:MM:SS": futu splits it
    assert all(p.serial == 0 for p in c.pushes(3005, mark))

    sub_info = Qot_GetSubInfo_pb2.Request()
    sub_info.c2s.isReqAllConn = False
    info = await c.request(catalog.QOT_GET_SUB_INFO, sub_info)
    assert info.s2c.totalUsedQuota == 6 and info.s2c.remainQuota == 994
    own = info.s2c.connSubInfoList[0]
    assert own.isOwnConnData and own.usedQuota == 6
    assert sorted(s.subType for s in own.subInfoList) == sorted(subtypes)

    req = Qot_GetBasicQot_pb2.Request()
    sec = req.c2s.securityList.add()
    sec.market, sec.code = TENCENT
    bq = await c.request(catalog.QOT_GET_BASIC_QOT, req)
    assert bq.retType == 0 and bq.s2c.basicQotList[0].security.code == "00700"

    # unsubscribe everything: after the reply and two more ticks, no new push arrives
    resp = await c.request(catalog.QOT_SUB, qot_sub([], [], sub=False, unsub_all=True))
    assert resp.retType == 0
    after = len(c.packets)
    steps = gateway.market.steps
    await gateway.wait_until(lambda: gateway.market.steps >= steps + 2)
    assert not [p for p in c.packets[after:] if p.proto_id in (3005, 3011, 3013)]
    assert gateway.used_quota() == 0


@pytest.mark.asyncio
async def test_sub_without_push_then_reg_qot_push(gateway, clients):
    c = await clients(gateway)
    await c.init()
    key = (US, "AAPL")
    assert (await c.request(catalog.QOT_SUB, qot_sub([key], [SUB_BASIC], reg=None,
                                                     first=False))).retType == 0
    steps = gateway.market.steps
    await gateway.wait_until(lambda: gateway.market.steps >= steps + 2)
    assert not c.pushes(3005)

    reg = Qot_RegQotPush_pb2.Request()
    s = reg.c2s.securityList.add()
    s.market, s.code = key
    reg.c2s.subTypeList.append(SUB_BASIC)
    reg.c2s.isRegOrUnReg = True
    assert (await c.request(catalog.QOT_REG_QOT_PUSH, reg)).retType == 0
    p = await c.wait_packet(lambda p: p.proto_id == 3005)
    assert c.decode(p).s2c.basicQotList[0].security.code == "AAPL"

    # registering a pair that is not subscribed is refused
    reg.c2s.subTypeList[:] = [SUB_TICKER]
    resp = await c.request(catalog.QOT_REG_QOT_PUSH, reg)
    assert resp.retType == -1 and "not subscribed" in resp.retMsg


@pytest.mark.asyncio
async def test_sub_errors(clients):
    async with DemoGateway(push_rate=0, quota=3) as gw:
        c = await clients(gw)
        await c.init()
        bad = await c.request(catalog.QOT_SUB, qot_sub([(99, "X")], [SUB_BASIC]))
        assert bad.retType == -1 and "unknown stock" in bad.retMsg
        bad = await c.request(catalog.QOT_SUB, qot_sub([TENCENT], [3]))
        assert bad.retType == -1 and "SubType 3" in bad.retMsg
        bad = await c.request(catalog.QOT_SUB, qot_sub([(US, "TSLA")], [SUB_BROKER]))
        assert bad.retType == -1 and "HK only" in bad.retMsg
        over = await c.request(catalog.QOT_SUB, qot_sub([TENCENT, (US, "TSLA")],
                                                         [SUB_BASIC, SUB_TICKER]))
        assert over.retType == -1 and "quota" in over.retMsg
        # a code of the universe that nobody subscribed yet
        ok = await c.request(catalog.QOT_SUB, qot_sub([(HK, "01810")], [SUB_BASIC]))
        assert ok.retType == 0
        # GetBasicQot needs the Basic subscription
        req = Qot_GetBasicQot_pb2.Request()
        s = req.c2s.securityList.add()
        s.market, s.code = (US, "NVDA")
        bad = await c.request(catalog.QOT_GET_BASIC_QOT, req)
        assert bad.retType == -1 and "subscribe Basic" in bad.retMsg
        # a request missing a required field
        req = Qot_Sub_pb2.Request()
        req.c2s.subTypeList.append(SUB_BASIC)
        bad = await c.request(catalog.QOT_SUB, req)
        assert bad.retType == -1 and "isSubOrUnSub" in bad.retMsg


@pytest.mark.asyncio
async def test_json_body_format(gateway, clients):
    c = await clients(gateway)
    s2c = await c.init(fmt=FMT_JSON, push_fmt=FMT_JSON)
    assert s2c.connID != 0
    assert json.loads(c.packets[0].body)["retType"] == 0
    resp = await c.request(catalog.QOT_SUB, qot_sub([TENCENT], [SUB_TICKER]), fmt=FMT_JSON)
    assert resp.retType == 0
    p = await c.wait_packet(lambda p: p.proto_id == 3011)
    assert p.fmt == FMT_JSON
    body = json.loads(p.body)
    assert body["s2c"]["security"]["code"] == "00700"
    # a protobuf request on the same connection is answered in protobuf
    ka = await c.request(catalog.KEEP_ALIVE, keep_alive(), fmt=FMT_PROTOBUF)
    assert ka.retType == 0


@pytest.mark.asyncio
async def test_unsupported_and_unknown_ids(gateway, clients):
    c = await clients(gateway)
    await c.init()
    for pid, name in ((3208, "Qot_GetHoldingChangeList"), (2223, "Trd_GetMarginRatio"),
                      (9999, "Proto9999")):
        serial = c.send(pid, keep_alive())
        p = await c.wait_packet(lambda p, s=serial: p.serial == s)
        resp = c.decode(p)
        assert p.proto_id == pid
        assert resp.retType == -1
        assert resp.retMsg == f"unsupported by the demo gateway: {name}"
    assert (await c.request(catalog.KEEP_ALIVE, keep_alive())).retType == 0


@pytest.mark.asyncio
async def test_handler_exception_becomes_error_reply(gateway, clients, monkeypatch):
    def boom(gw, c, c2s, resp):
        raise RuntimeError("kaboom")
    monkeypatch.setitem(dispatch.handlers, catalog.GET_USER_INFO, boom)
    c = await clients(gateway)
    await c.init()
    resp = await c.request(catalog.GET_USER_INFO, _user_info())
    assert resp.retType == -1 and "kaboom" in resp.retMsg
    assert (await c.request(catalog.KEEP_ALIVE, keep_alive())).retType == 0


# -- notify ---------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_notify_only_when_asked(gateway, clients):
    a = await clients(gateway)
    b = await clients(gateway)
    await a.init(recv_notify=True)
    await b.init(recv_notify=False)
    p = await a.wait_packet(lambda p: p.proto_id == catalog.NOTIFY)
    n = a.decode(p).s2c
    assert n.type == 3 and n.connectStatus.qotLogined
    # b subscribes: the quota changes, a is told, b is not
    await b.request(catalog.QOT_SUB, qot_sub([TENCENT], [SUB_BASIC], first=False))
    p = await a.wait_packet(lambda p: p.proto_id == catalog.NOTIFY and
                            a.decode(p).s2c.type == 7)
    assert a.decode(p).s2c.usedQuota.usedSubQuota == 1
    assert gateway.notify_gtw_event(7, "kicked out (test)") == 1
    p = await a.wait_packet(lambda p: p.proto_id == catalog.NOTIFY and
                            a.decode(p).s2c.type == 1)
    assert a.decode(p).s2c.event.desc == "kicked out (test)"
    assert not b.pushes(catalog.NOTIFY)


# -- trading --------------------------------------------------------------------------------

def _acc_list(category: int | None = None) -> Trd_GetAccList_pb2.Request:
    req = Trd_GetAccList_pb2.Request()
    req.c2s.userID = DEMO_USER_ID
    if category is not None:
        req.c2s.trdCategory = category
    return req


def _order(acc, serial: int, conn_id: int, price: float | None = None
           ) -> Trd_PlaceOrder_pb2.Request:
    """A buy of one lot of HK.00700: a market order (it fills at the ask at once), or a
    limit order at ``price``."""
    req = Trd_PlaceOrder_pb2.Request()
    c2s = req.c2s
    c2s.packetID.connID = conn_id
    c2s.packetID.serialNo = serial
    c2s.header.trdEnv = acc.trdEnv
    c2s.header.accID = acc.accID
    c2s.header.trdMarket = 1
    c2s.trdSide = 1
    c2s.code = "00700"
    c2s.qty = 100
    c2s.secMarket = 1
    if price is None:
        c2s.orderType = 2  # Market
    else:
        c2s.orderType = 1  # Normal (limit)
        c2s.price = price
    return req


@pytest.mark.asyncio
async def test_accounts_unlock_and_order_flow(gateway, clients):
    trader = await clients(gateway)
    watcher = await clients(gateway)
    other = await clients(gateway)
    s2c = await trader.init()
    await watcher.init()
    await other.init()

    everything = (await trader.request(catalog.TRD_GET_ACC_LIST, _acc_list())).s2c.accList
    sec = (await trader.request(catalog.TRD_GET_ACC_LIST, _acc_list(1))).s2c.accList
    fut = (await trader.request(catalog.TRD_GET_ACC_LIST, _acc_list(2))).s2c.accList
    assert len(everything) == len(sec) + len(fut)
    assert {a.trdEnv for a in sec} == {0, 1} and {a.trdEnv for a in fut} == {0, 1}
    assert all(a.securityFirm == 1 and a.HasField("accType") for a in everything)
    assert all(5 in a.trdMarketAuthList or {10, 11} & set(a.trdMarketAuthList) for a in fut)
    bad_user = _acc_list()
    bad_user.c2s.userID = 1
    assert (await trader.request(catalog.TRD_GET_ACC_LIST, bad_user)).retType == -1

    real = next(a for a in sec if a.trdEnv == 1)
    sim = next(a for a in sec if a.trdEnv == 0 and 1 in a.trdMarketAuthList)
    for cl in (trader, watcher):
        sub = Trd_SubAccPush_pb2.Request()
        sub.c2s.accIDList.extend(a.accID for a in everything)
        assert (await cl.request(catalog.TRD_SUB_ACC_PUSH, sub)).retType == 0

    locked = await trader.request(catalog.TRD_PLACE_ORDER, _order(real, 1, s2c.connID))
    assert locked.retType == -1 and "locked" in locked.retMsg

    unlock = Trd_UnlockTrade_pb2.Request()
    unlock.c2s.unlock = True
    unlock.c2s.pwdMD5 = password_md5("wrong")
    wrong = await trader.request(catalog.TRD_UNLOCK_TRADE, unlock)
    assert wrong.retType == -1 and wrong.retMsg == "wrong trade password"
    unlock.c2s.pwdMD5 = password_md5("123456")
    assert (await trader.request(catalog.TRD_UNLOCK_TRADE, unlock)).retType == 0
    assert gateway.trade_unlocked

    mark = {cl: len(cl.packets) for cl in (trader, watcher, other)}
    placed = await trader.request(catalog.TRD_PLACE_ORDER, _order(real, 2, s2c.connID))
    assert placed.retType == 0 and placed.s2c.orderIDEx == str(placed.s2c.orderID)
    assert placed.s2c.header.accID == real.accID
    sim_placed = await trader.request(catalog.TRD_PLACE_ORDER, _order(sim, 3, s2c.connID))
    assert sim_placed.retType == 0
    replay = await trader.request(catalog.TRD_PLACE_ORDER, _order(sim, 3, s2c.connID))
    assert replay.retType == -1 and "duplicate" in replay.retMsg

    for cl in (trader, watcher):
        def statuses(cl=cl):
            return [(o.orderID, o.orderStatus) for o in
                    (cl.decode(p).s2c.order for p in cl.pushes(2208, mark[cl]))]
        await cl.wait_packet(lambda p, cl=cl: len(statuses(cl)) >= 4)
        for oid in (placed.s2c.orderID, sim_placed.s2c.orderID):
            assert [st for o, st in statuses() if o == oid] == [5, 11]  # Submitted, Filled_All
        fills = [cl.decode(p).s2c for p in cl.pushes(2218, mark[cl])]
        assert {f.orderFill.orderID for f in fills} == {placed.s2c.orderID,
                                                        sim_placed.s2c.orderID}
        assert all(f.orderFill.qty == 100 and f.orderFill.secMarket == 1 for f in fills)
    assert not other.pushes(2208) and not other.pushes(2218)

    unlock.c2s.unlock = False
    assert (await trader.request(catalog.TRD_UNLOCK_TRADE, unlock)).retType == 0
    assert not gateway.trade_unlocked
    unknown = _order(real, 9, s2c.connID)
    unknown.c2s.header.accID = 42
    resp = await trader.request(catalog.TRD_PLACE_ORDER, unknown)
    assert resp.retType == -1 and "unknown accID" in resp.retMsg


@pytest.mark.asyncio
async def test_fill_delay_and_stop_with_pending_fill(clients):
    async with DemoGateway(push_rate=0) as gw:
        gw.fill_delay = 0.05
        c = await clients(gw)
        s2c = await c.init()
        accs = (await c.request(catalog.TRD_GET_ACC_LIST, _acc_list(1))).s2c.accList
        sim = next(a for a in accs if a.trdEnv == 0 and 1 in a.trdMarketAuthList)
        sub = Trd_SubAccPush_pb2.Request()
        sub.c2s.accIDList.append(sim.accID)
        await c.request(catalog.TRD_SUB_ACC_PUSH, sub)
        placed = await c.request(catalog.TRD_PLACE_ORDER, _order(sim, 1, s2c.connID))
        assert placed.retType == 0
        fill = await c.wait_packet(lambda p: p.proto_id == 2218)
        statuses = [c.decode(p).s2c.order.orderStatus for p in c.pushes(2208)]
        assert statuses[0] == 5 and c.packets.index(fill) > c.packets.index(c.pushes(2208)[0])
        await c.wait_packet(lambda p: len(c.pushes(2208)) == 2)
        assert c.decode(c.pushes(2208)[1]).s2c.order.orderStatus == 11
        # a fill still pending when the gateway stops is simply dropped
        gw.fill_delay = 60
        assert (await c.request(catalog.TRD_PLACE_ORDER, _order(sim, 2, s2c.connID))).retType == 0
        assert gw.pending_fills == 1
    assert gw.pending_fills == 0


# -- fault knobs ----------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_knob_keepalive_not_answered(gateway, clients):
    c = await clients(gateway)
    await c.init()
    gateway.answer_keepalive = False
    ka_serial = c.send(catalog.KEEP_ALIVE, keep_alive())
    # a later request on the same connection is answered, the KeepAlive before it is not
    await c.request(catalog.GET_USER_INFO, _user_info())
    assert not [p for p in c.packets if p.serial == ka_serial]
    assert gateway.stats.keepalives_ignored == 1
    gateway.answer_keepalive = True
    assert (await c.request(catalog.KEEP_ALIVE, keep_alive())).retType == 0


@pytest.mark.asyncio
async def test_knob_stall_and_resume(gateway, clients):
    c = await clients(gateway)
    await c.init()
    await c.request(catalog.QOT_SUB, qot_sub([TENCENT], [SUB_BASIC], first=False))
    gateway.stall()
    assert gateway.stalled
    # pushes written just before the stall may still be on their way: take them in first
    sent = gateway.stats.pushes_sent
    await c.wait_packet(lambda p: len(c.pushes(3005)) >= sent)
    mark = len(c.packets)
    serial = c.send(catalog.KEEP_ALIVE, keep_alive())
    with pytest.raises(TimeoutError):  # nothing at all while stalled: no reply, no push
        await c.wait_packet(lambda p: True, start=mark, timeout=0.3)
    gateway.resume()
    p = await c.wait_packet(lambda p: p.serial == serial and p.proto_id == catalog.KEEP_ALIVE)
    assert c.decode(p).retType == 0
    await c.wait_packet(lambda p: p.proto_id == 3005, start=mark)


@pytest.mark.asyncio
async def test_knob_close_clients(gateway, clients):
    c = await clients(gateway)
    await c.init()
    assert await gateway.close_clients() == 1
    await c.wait_eof()
    await gateway.wait_until(lambda: gateway.stats.connections_open == 0)
    again = await clients(gateway)  # still listening
    assert (await again.init()).connID


@pytest.mark.asyncio
async def test_knob_garbage(gateway, clients):
    c = await clients(gateway)
    await c.init()
    assert gateway.send_garbage(48) == 1
    await c.wait_eof()
    assert isinstance(c.error, BadMagicError)


@pytest.mark.asyncio
async def test_knob_corrupt_sha1(gateway, clients):
    c = await clients(gateway)
    await c.init()
    gateway.push_rate = 0
    gateway.corrupt_sha1(1)
    serial = c.send(catalog.KEEP_ALIVE, keep_alive())
    p = await c.wait_packet(lambda p: p.serial == serial)
    assert isinstance(p.error, ChecksumError)
    assert gateway.corrupt_pending == 0
    assert (await c.request(catalog.KEEP_ALIVE, keep_alive())).retType == 0


@pytest.mark.asyncio
async def test_knob_reply_delay(gateway, clients):
    c = await clients(gateway)
    await c.init()
    gateway.reply_delay_ms = 1500  # held back longer than we wait for it
    first = c.send(catalog.KEEP_ALIVE, keep_alive())
    with pytest.raises(TimeoutError):
        await c.wait_packet(lambda p: p.serial == first, timeout=0.3)
    gateway.reply_delay_ms = 0
    assert (await c.request(catalog.KEEP_ALIVE, keep_alive())).retType == 0
    # the delayed reply was delivered too, not dropped
    assert (await c.wait_packet(lambda p: p.serial == first)).error is None


@pytest.mark.asyncio
async def test_blast(clients):
    async with DemoGateway(push_rate=0) as gw:
        subscribed = await clients(gw)
        idle = await clients(gw)
        await subscribed.init()
        await idle.init()
        await subscribed.request(catalog.QOT_SUB, qot_sub([TENCENT], [SUB_TICKER], first=False))
        sent = await gw.blast(2000, proto_id=3011)
        assert sent == 2000
        await subscribed.wait_packet(lambda p: len(subscribed.pushes(3011)) >= 2000)
        assert len(subscribed.pushes(3011)) == 2000
        assert all(p.error is None for p in subscribed.pushes(3011))
        assert not idle.pushes(3011)


@pytest.mark.asyncio
async def test_bad_client_does_not_affect_others(gateway, clients):
    good = await clients(gateway)
    await good.init()
    await good.request(catalog.QOT_SUB, qot_sub([TENCENT], [SUB_BASIC], first=False))
    # a client that sends junk is dropped ...
    reader, writer = await asyncio.open_connection(gateway.host, gateway.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(64))
    assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
    writer.close()
    # ... one that subscribes and then never reads does not hold up the others ...
    lazy = await clients(gateway)
    await lazy.init()
    await lazy.request(catalog.QOT_SUB, qot_sub([TENCENT, (US, "AAPL")],
                                                [SUB_BASIC, SUB_ORDER_BOOK], first=False))
    lazy._task.cancel()
    # ... and one that lies about its body length just waits for bytes that never come
    r2, w2 = await asyncio.open_connection(gateway.host, gateway.port)
    w2.write(b"FT" + struct.pack("<IBBII", 1001, 0, 0, 1, 1000) + bytes(28) + b"short")
    mark = len(good.packets)
    await good.wait_packet(lambda p: p.proto_id == 3005, start=mark)
    assert (await good.request(catalog.KEEP_ALIVE, keep_alive())).retType == 0
    w2.close()


@pytest.mark.asyncio
async def test_slow_reader_gets_pushes_dropped_not_others(clients):
    async with DemoGateway(push_rate=200) as gw:
        gw.max_push_buffer = 16 * 1024
        good = await clients(gw)
        slow = await clients(gw)
        await good.init()
        await slow.init()
        keys = [TENCENT, (HK, "09988"), (HK, "00005"), (US, "AAPL"), (US, "TSLA")]
        await good.request(catalog.QOT_SUB, qot_sub([TENCENT], [SUB_BASIC], first=False))
        # shrink the slow connection's socket buffers on both ends, then stop reading it
        slow.writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                                        4096)
        server_side = next(c for c in gw.conns if c.conn_id == slow.init_s2c.connID)
        server_side.link.writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET,
                                                               socket.SO_SNDBUF, 4096)
        await slow.request(catalog.QOT_SUB, qot_sub(keys, [SUB_BASIC, SUB_ORDER_BOOK],
                                                    first=False))
        slow._task.cancel()
        await gw.wait_until(lambda: gw.stats.pushes_dropped > 0, timeout=15)
        mark = len(good.packets)
        await good.wait_packet(lambda p: len(good.pushes(3005, mark)) >= 5)
        assert (await good.request(catalog.KEEP_ALIVE, keep_alive())).retType == 0
        # the slow client's backlog stays bounded by max_push_buffer (plus one tick's batch)
        assert server_side.link.writer.transport.get_write_buffer_size() < 64 * 1024


@pytest.mark.asyncio
async def test_sub_info_for_all_connections(gateway, clients):
    a = await clients(gateway)
    b = await clients(gateway)
    await a.init()
    await b.init()
    await a.request(catalog.QOT_SUB, qot_sub([TENCENT], [SUB_BASIC, SUB_TICKER], first=False))
    await b.request(catalog.QOT_SUB, qot_sub([TENCENT, (US, "NVDA")], [SUB_BASIC],
                                             first=False))
    req = Qot_GetSubInfo_pb2.Request()
    req.c2s.isReqAllConn = True
    info = (await a.request(catalog.QOT_GET_SUB_INFO, req)).s2c
    assert len(info.connSubInfoList) == 2
    assert sorted((x.isOwnConnData, x.usedQuota) for x in info.connSubInfoList) == \
        [(False, 2), (True, 2)]
    assert info.totalUsedQuota == 3 and info.remainQuota == 997  # HK.00700 Basic is shared


@pytest.mark.asyncio
async def test_stop_closes_clients_and_waits_for_handlers(clients):
    gw = DemoGateway(push_rate=50)
    await gw.start()
    assert gw.port != 0 and gw.running
    cs = [await clients(gw) for _ in range(3)]
    for c in cs:
        await c.init()
    gw.stall()  # handlers parked on the stall event must be woken and finished too
    handler_tasks = [c.task for c in gw.conns]
    await gw.stop()
    assert all(t.done() for t in handler_tasks)
    assert not gw.running and gw.stats.connections_open == 0
    for c in cs:
        await c.wait_eof()
    with pytest.raises(OSError):
        await asyncio.open_connection(gw.host, gw.port)


# -- CLI ------------------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "opendeck.core.gateway", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.asyncio
async def test_cli_runs_until_sigint(tmp_path, rsa_raw, rsa_key):
    pem = tmp_path / "key.pem"
    pem.write_bytes(rsa_raw.export_key("PEM"))
    proc = _cli("--port", "0", "--rsa-key", str(pem), "--aes", "ecb", "--push-rate", "5")
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 20)
        assert "listening on 127.0.0.1:" in line, line + proc.stderr.read()
        port = int(line.split("listening on 127.0.0.1:")[1].split()[0])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        c = RawClient(reader, writer, rsa_key)
        s2c = await c.init(enc_algo=2)
        assert not s2c.HasField("aesCBCiv") and c.channel.encryption == "aes-ecb"
        await c.close()
        proc.send_signal(signal.SIGINT)
        rc = await asyncio.wait_for(asyncio.to_thread(proc.wait), 20)
        assert rc == 0
        assert "stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.asyncio
async def test_cli_bad_input(tmp_path):
    bad = tmp_path / "nope.pem"
    bad.write_text("not a key")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cases = [(["--rsa-key", str(tmp_path / "missing.pem")], "cannot read RSA key file"),
                 (["--rsa-key", str(bad)], "cannot read"),
                 (["--port", str(port)], f"cannot listen on 127.0.0.1:{port}")]
        for args, expected in cases:
            proc = _cli(*args)
            try:
                out, err = await asyncio.wait_for(asyncio.to_thread(proc.communicate), 20)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            assert proc.returncode != 0
            lines = err.strip().splitlines()
            assert len(lines) == 1 and expected in lines[0], err
            assert "Traceback" not in err
