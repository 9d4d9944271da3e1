"""Shared plumbing of the fault matrix (issue 10): raw hostile clients of the demo gateway,
small hostile gateways for the client, and checks that a process survived.

Everything here is bounded: 127.0.0.1 only, every read has a deadline, every server and
socket is closed by the test that opened it. Waits are on conditions (a read, an event, the
gateway's ``wait_until``), never a sleep used as synchronisation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import struct
from collections.abc import Awaitable, Callable
from typing import Self

from opendeck.core import catalog
from opendeck.core.channel import Channel, Packet, decode_message, encode_message
from opendeck.core.cipher import RsaCipher, aes_for
from opendeck.core.client.connection import Connection
from opendeck.core.errors import OpenDeckError
from opendeck.core.events import ConnState, ErrorRaised, StateChanged
from opendeck.core.pb import InitConnect_pb2
from opendeck.core.wire import FMT_PROTOBUF, HEADER, MAGIC, encode_frame

HOST = "127.0.0.1"
DEADLINE = 10.0  # generous bound of every single wait; the suite normally takes far less

_serials = itertools.count(1000)

#: Any Response works for a bare {retType, retMsg}: fields 1 and 2 are the same in every file.
GenericResponse = InitConnect_pb2.Response


def header(proto_id: int, body_len: int, *, magic: bytes = MAGIC, serial: int = 1,
           sha1: bytes = bytes(20), fmt: int = FMT_PROTOBUF) -> bytes:
    """A bare 44-byte header (for frames that lie about themselves)."""
    return HEADER.pack(magic, proto_id, fmt, 0, serial, body_len, sha1, bytes(8))


def init_connect_c2s(*, encrypt: bool = False, push_fmt: int = FMT_PROTOBUF):
    return catalog.module(catalog.INIT_CONNECT).C2S(
        clientVer=300, clientID="faults", recvNotify=True, packetEncAlgo=2 if encrypt else -1,
        pushProtoFmt=push_fmt, programmingLanguage="Python")


def request_body(proto_id: int, c2s=None, fmt: int = FMT_PROTOBUF) -> bytes:
    req = catalog.request_type(proto_id)()
    req.c2s.SetInParent()
    if c2s is not None:
        req.c2s.CopyFrom(c2s)
    return encode_message(req, fmt)


# ------------------------------------------------------------------ hostile clients
class RawClient:
    """A raw TCP client of the demo gateway: we choose every byte it sends."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 rsa: RsaCipher | None = None) -> None:
        self.reader = reader
        self.writer = writer
        self.channel = Channel(rsa=rsa, hold_after_init=True)
        self.inbox: list[Packet] = []
        self.eof = False

    @classmethod
    async def connect(cls, port: int, rsa: RsaCipher | None = None, *,
                      rcvbuf: int | None = None) -> RawClient:
        if rcvbuf is None:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), DEADLINE)
        else:
            import socket
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (HOST, port))
            reader, writer = await asyncio.open_connection(sock=sock)
        return cls(reader, writer, rsa)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    def send_request(self, proto_id: int, c2s=None, *, fmt: int = FMT_PROTOBUF,
                     serial: int | None = None, body: bytes | None = None) -> int:
        serial = next(_serials) if serial is None else serial
        plain = request_body(proto_id, c2s, fmt) if body is None else body
        self.send(self.channel.pack(proto_id, serial, plain, fmt))
        return serial

    async def packet(self, proto_id: int, serial: int | None = None,
                     timeout: float = DEADLINE) -> Packet:
        """The next packet with this proto id (and serial), reading as needed."""
        async with asyncio.timeout(timeout):
            while True:
                for i, p in enumerate(self.inbox):
                    if p.proto_id == proto_id and (serial is None or p.serial == serial):
                        return self.inbox.pop(i)
                if self.eof:
                    raise AssertionError(f"the gateway closed the connection before answering "
                                         f"proto {proto_id} (serial {serial})")
                await self._read()

    async def _read(self) -> None:
        try:
            data = await self.reader.read(1 << 16)
        except (ConnectionError, OSError):
            data = b""
        if not data:
            self.eof = True
            return
        self.inbox += self.channel.receive(data)

    async def reply(self, proto_id: int, serial: int, timeout: float = DEADLINE):
        """The decoded Response to (proto id, serial)."""
        p = await self.packet(proto_id, serial, timeout)
        assert p.error is None, f"the reply to proto {proto_id} failed its checks: {p.error}"
        cls = catalog.response_type(proto_id) or GenericResponse
        return decode_message(cls, p.body, p.fmt, proto_id)

    async def call(self, proto_id: int, c2s=None, *, fmt: int = FMT_PROTOBUF, body=None):
        return await self.reply(proto_id, self.send_request(proto_id, c2s, fmt=fmt, body=body))

    async def handshake(self, *, fmt: int = FMT_PROTOBUF):
        encrypt = self.channel.rsa is not None
        resp = await self.call(catalog.INIT_CONNECT, init_connect_c2s(encrypt=encrypt), fmt=fmt)
        assert resp.retType == 0, resp.retMsg
        s2c = resp.s2c
        if encrypt:
            self.inbox += self.channel.set_aes(
                aes_for(s2c.connAESKey, s2c.aesCBCiv if s2c.HasField("aesCBCiv") else None))
        else:
            self.inbox += self.channel.set_aes(self.channel.aes)
        return s2c

    async def closed_by_peer(self, timeout: float = DEADLINE) -> bool:
        """True once the gateway closed this connection (reading whatever came before)."""
        async with asyncio.timeout(timeout):
            while not self.eof:
                try:
                    data = await self.reader.read(1 << 16)
                except (ConnectionError, OSError):
                    data = b""
                if not data:
                    self.eof = True
                else:
                    with contextlib.suppress(OpenDeckError):
                        self.inbox += self.channel.receive(data)
        return True

    def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.transport.abort()


async def assert_gateway_serves(gw, *, rsa: RsaCipher | None = None) -> None:
    """The process survived and still does its job: a fresh client handshakes and gets a
    KeepAlive answered."""
    c = await RawClient.connect(gw.port, rsa)
    try:
        await c.handshake()
        resp = await c.call(catalog.KEEP_ALIVE, catalog.module(catalog.KEEP_ALIVE).C2S(time=1))
        assert resp.retType == 0, resp.retMsg
    finally:
        c.close()


# ------------------------------------------------------------------ hostile gateways
class ServerSide:
    """One connection accepted by a :class:`HostileGateway`: the test's script drives it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.channel = Channel()
        self.inbox: list[Packet] = []

    async def request(self, proto_id: int | None = None, timeout: float = DEADLINE) -> Packet:
        async with asyncio.timeout(timeout):
            while True:
                for i, p in enumerate(self.inbox):
                    if proto_id is None or p.proto_id == proto_id:
                        return self.inbox.pop(i)
                data = await self.reader.read(1 << 16)
                if not data:
                    raise ConnectionResetError("the client closed the connection")
                self.inbox += self.channel.receive(data)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def drain(self) -> None:
        await self.writer.drain()

    def reply(self, pkt: Packet, resp, *, serial: int | None = None) -> None:
        body = encode_message(resp, FMT_PROTOBUF)
        self.send(encode_frame(pkt.proto_id, pkt.serial if serial is None else serial, body))

    async def accept_init(self, *, keepalive: int = 10) -> Packet:
        """Answer the client's InitConnect (plaintext) with a valid reply."""
        pkt = await self.request(catalog.INIT_CONNECT)
        resp = catalog.response_type(catalog.INIT_CONNECT)(retType=0)
        s = resp.s2c
        s.serverVer, s.loginUserID, s.connID = 1011, 1, next(_serials)
        s.connAESKey, s.keepAliveInterval = "0123456789abcdef", keepalive
        self.reply(pkt, resp)
        await self.drain()
        return pkt

    async def answer_keepalives(self) -> None:
        """Answer KeepAlives until the client goes away."""
        with contextlib.suppress(ConnectionError, OSError, TimeoutError, OpenDeckError):
            while True:
                pkt = await self.request(catalog.KEEP_ALIVE, timeout=60)
                resp = catalog.response_type(catalog.KEEP_ALIVE)(retType=0)
                resp.s2c.time = 1
                self.reply(pkt, resp)

    def push(self, proto_id: int, body: bytes, *, serial: int = 0) -> None:
        self.send(encode_frame(proto_id, serial, body))

    def abort(self) -> None:
        if not self.writer.is_closing():
            self.writer.transport.abort()


Script = Callable[[ServerSide], Awaitable[None]]


class HostileGateway:
    """An asyncio server on 127.0.0.1 that runs ``script(side)`` for each connection."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.accepted = 0
        self.failures: list[BaseException] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self.port = 0

    async def _serve(self, reader, writer) -> None:
        self.accepted += 1
        side = ServerSide(reader, writer)
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self.script(side)
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            self.failures.append(exc)
        finally:
            self._tasks.discard(task)
            side.abort()

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()


# ------------------------------------------------------------------ client observations
def errors_of(recorder) -> list[ErrorRaised]:
    return [e for e in recorder.events if isinstance(e, ErrorRaised)]


def states_of(recorder) -> list[ConnState]:
    return [e.new for e in recorder.events if isinstance(e, StateChanged)]


def connection(port: int, recorder, **kw) -> Connection:
    kw.setdefault("connect_timeout", 3.0)
    kw.setdefault("request_timeout", 3.0)
    return Connection(HOST, port, listener=recorder, **kw)


def assert_typed(recorder) -> None:
    """Every error the client reported names an OpenDeck error type."""
    from opendeck.core import errors as E
    for ev in errors_of(recorder):
        cls = getattr(E, ev.error_type, None)
        if cls is None:  # transport-specific subclasses live next to their codec
            from opendeck.core import wsframe
            cls = getattr(wsframe, ev.error_type, None)
        assert isinstance(cls, type) and issubclass(cls, OpenDeckError), \
            f"untyped error event {ev.error_type}: {ev.text}"


def le32(n: int) -> bytes:
    return struct.pack("<I", n)
