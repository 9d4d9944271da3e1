"""One client connection to an OpenD gateway: TCP, InitConnect, KeepAlive, requests, pushes.

State machine::

    idle -> connecting -> handshaking -> ready -> closing -> closed
                 ^                         |
                 +----- reconnecting <-----+   (unrequested drop, auto_reconnect on)

The reader coroutine decodes everything that one ``read()`` returned and hands all pushes of
that read to the listener in ONE call: no task, ``call_soon`` or callback per push.
Responses are matched to requests by (proto id, serial). A dead peer is detected from
consecutive unanswered KeepAlives, and after an unrequested drop the connection comes back
with exponential backoff and jitter, then runs the ready hooks that restore what the user had
(subscriptions, unlock, account push subscriptions).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from google.protobuf.message import Message

from .. import catalog
from ..channel import Channel, Packet, decode_message, encode_message
from ..cipher import PLAIN, RsaCipher, aes_for
from ..errors import (CipherError, ConnectionLost, HandshakeError, NotConnected, OpenDeckError, ProtocolError,
                      RequestError, RequestTimeout)
from ..wire import FMT_PROTOBUF

READ_SIZE = 64 * 1024  # one read is decoded in one go: this bounds the loop stall per read


class State(str, enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    HANDSHAKING = "handshaking"
    READY = "ready"
    RECONNECTING = "reconnecting"
    CLOSING = "closing"
    CLOSED = "closed"


# One process-wide serial counter, as the SDK does: serials never repeat across connections,
# so a PacketID {connID, serialNo} is unique too.
_serials = itertools.count(int(time.time() % 10000) + 1)


def next_serial() -> int:
    return next(_serials) & 0xFFFFFFFF


@dataclass(slots=True)
class ClientInfo:
    """What InitConnect tells the gateway about us."""

    client_id: str = "OpenDeck"
    client_ver: int = 300
    language: str = "Python"
    recv_notify: bool = True
    push_format: int = FMT_PROTOBUF  # ProtoFmt for pushes: 0 protobuf, 1 JSON
    request_format: int = FMT_PROTOBUF  # ProtoFmt we send requests in
    packet_enc_algo: int | None = None  # None: 2 (AES-CBC) with an RSA key, -1 without


@dataclass(slots=True)
class HandshakeInfo:
    server_ver: int
    login_user_id: int
    conn_id: int
    keepalive_interval: int
    encryption: str  # none | aes-cbc | aes-ecb
    aes_key: str
    aes_iv: str
    user_attribution: int
    connect_ms: float
    handshake_ms: float
    at: float = field(default_factory=time.time)

    def as_dict(self, *, reveal_key: bool = False) -> dict[str, Any]:
        return {
            "server_ver": self.server_ver, "login_user_id": self.login_user_id,
            "conn_id": self.conn_id, "keepalive_interval": self.keepalive_interval,
            "encryption": self.encryption, "user_attribution": self.user_attribution,
            "connect_ms": round(self.connect_ms, 3), "handshake_ms": round(self.handshake_ms, 3),
            "aes_key": self.aes_key if reveal_key else mask(self.aes_key),
        }


def mask(secret: str) -> str:
    return "" if not secret else secret[:2] + "\u2022" * max(0, len(secret) - 4) + secret[-2:]


class ConnectionListener(Protocol):
    """What a Connection reports. All calls are synchronous and cheap; pushes come in batches."""

    def on_state(self, conn: Connection, old: State, new: State, reason: str) -> None: ...
    def on_handshake(self, conn: Connection, info: HandshakeInfo) -> None: ...
    def on_heartbeat(self, conn: Connection, rtt_ms: float | None, missed: int) -> None: ...
    def on_pushes(self, conn: Connection, packets: list[Packet]) -> None: ...
    def on_error(self, conn: Connection, error: OpenDeckError) -> None: ...


class NullListener:
    def on_state(self, conn, old, new, reason): pass
    def on_handshake(self, conn, info): pass
    def on_heartbeat(self, conn, rtt_ms, missed): pass
    def on_pushes(self, conn, packets): pass
    def on_error(self, conn, error): pass


ReadyHook = Callable[[bool], Awaitable[None]]


class Connection:
    """A single OpenD TCP connection. Create, ``await open()``, use, ``await close()``."""

    def __init__(self, host: str, port: int, *, rsa: RsaCipher | None = None,
                 client: ClientInfo | None = None, listener: ConnectionListener | None = None,
                 auto_reconnect: bool = True, connect_timeout: float = 10.0,
                 request_timeout: float = 12.0, missed_beats_limit: int = 3,
                 backoff_base: float = 1.0, backoff_max: float = 30.0,
                 max_body: int | None = None, label: str = "") -> None:
        self.host = host
        self.port = port
        self.rsa = rsa
        self.client = client or ClientInfo()
        self.listener: ConnectionListener = listener or NullListener()
        self.auto_reconnect = auto_reconnect
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.missed_beats_limit = max(1, missed_beats_limit)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.label = label or f"{host}:{port}"
        self._max_body = max_body

        self.state = State.IDLE
        self.handshake: HandshakeInfo | None = None
        self.last_error: OpenDeckError | None = None
        self.reconnect_at: float | None = None  # monotonic time of the next attempt
        self.reconnects = 0
        # heartbeat figures
        self.rtts: deque[tuple[float, float]] = deque(maxlen=3600)  # (wall time, rtt ms)
        self.last_beat_sent: float | None = None  # wall times
        self.last_beat_ack: float | None = None
        self.missed_beats = 0  # consecutive
        self.missed_total = 0
        self.last_received: float | None = None  # monotonic
        self.pushes_in = 0
        self.bytes_in = 0
        self.listener_errors = 0
        self.closed_by_user = False
        self.ever_ready = False

        self._channel: Channel | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[tuple[int, int], asyncio.Future[Packet]] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._ready_waiters: list[asyncio.Future[HandshakeInfo]] = []
        self._ready_hooks: list[ReadyHook] = []
        self._closing = False
        self._wake = asyncio.Event()

    # ------------------------------------------------------------------ public API
    @property
    def ready(self) -> bool:
        return self.state is State.READY

    @property
    def encryption(self) -> str:
        return self._channel.encryption if self._channel else "none"

    def add_ready_hook(self, hook: ReadyHook) -> None:
        """``hook(reconnected)`` runs after every successful handshake, before waiters wake."""
        self._ready_hooks.append(hook)

    def start(self) -> None:
        """Start connecting in the background (idempotent)."""
        if self._supervisor is None or self._supervisor.done():
            self._closing = False
            self.closed_by_user = False
            self.ever_ready = False
            self._supervisor = asyncio.get_running_loop().create_task(
                self._supervise(), name=f"opendeck-conn-{self.label}")

    async def open(self, timeout: float | None = None) -> HandshakeInfo:
        """Connect and handshake; returns the handshake or raises why it failed."""
        self.start()
        return await self.wait_ready(timeout)

    async def wait_ready(self, timeout: float | None = None) -> HandshakeInfo:
        if self.state is State.READY and self.handshake is not None:
            return self.handshake
        if self._supervisor is None or self._supervisor.done():
            raise self.last_error or NotConnected(f"{self.label} is {self.state.value}; "
                                                  "open() it first")
        fut: asyncio.Future[HandshakeInfo] = asyncio.get_running_loop().create_future()
        self._ready_waiters.append(fut)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise RequestTimeout(f"{self.label} did not become ready within {timeout:g} s "
                                 f"(state {self.state.value}"
                                 + (f", last error: {self.last_error}" if self.last_error else "")
                                 + "); is OpenD running there?") from None
        finally:
            with contextlib.suppress(ValueError):
                self._ready_waiters.remove(fut)

    def reconnect_now(self) -> None:
        """Skip the rest of a reconnect countdown."""
        self._wake.set()

    async def close(self) -> None:
        """Close on purpose: no reconnect, pending requests fail with ConnectionLost."""
        self.closed_by_user = True  # also for a context that failed: the user dismissed it
        if self.state is State.CLOSED and (self._supervisor is None or self._supervisor.done()):
            return
        self._closing = True
        if self.state is not State.CLOSED:
            self._set_state(State.CLOSING, "closed by user")
        task = self._supervisor
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._drop_stream(ConnectionLost(f"{self.label}: connection closed by user"))
        self._fail_waiters(NotConnected(f"{self.label} was closed"))
        self._set_state(State.CLOSED, "closed by user")

    async def request(self, proto_id: int, c2s: Message | None = None, *,
                      timeout: float | None = None, serial: int | None = None) -> Message:
        """Send ``Request{c2s}`` and return the response's S2C; retType != 0 raises."""
        resp = await self.request_raw(proto_id, c2s, timeout=timeout, serial=serial)
        if resp.retType != 0:
            raise RequestError(
                f"{catalog.name_of(proto_id)} failed on {self.label}: "
                f"{resp.retMsg or 'no message'} (retType {resp.retType}, errCode {resp.errCode})",
                proto_id=proto_id, ret_type=resp.retType, err_code=resp.errCode)
        return resp.s2c

    async def request_raw(self, proto_id: int, c2s: Message | None = None, *,
                          timeout: float | None = None, serial: int | None = None) -> Message:
        """Like :meth:`request` but returns the whole Response, whatever its retType."""
        if self.state is not State.READY:
            raise NotConnected(f"{self.label} is {self.state.value}; wait until it is ready")
        return await self._exchange(proto_id, c2s, timeout, serial)

    # ------------------------------------------------------------------ internals
    def _tell(self, method: str, *args) -> None:
        """Call the listener; a bug in an observer never breaks the connection."""
        try:
            getattr(self.listener, method)(self, *args)
        except Exception:  # noqa: BLE001 - counted, and visible to whoever owns the listener
            self.listener_errors += 1

    def _set_state(self, new: State, reason: str = "") -> None:
        old = self.state
        if old is new:
            return
        self.state = new
        if new is not State.RECONNECTING:
            self.reconnect_at = None
        self._tell("on_state", old, new, reason)

    def _report(self, error: OpenDeckError) -> None:
        self.last_error = error
        self._tell("on_error", error)

    def _fail_waiters(self, error: OpenDeckError) -> None:
        for fut in self._ready_waiters:
            if not fut.done():
                fut.set_exception(error)
        self._ready_waiters.clear()

    async def _supervise(self) -> None:
        attempt = 0
        reconnected = False
        while not self._closing:
            try:
                info = await self._connect_and_handshake()
            except Exception as exc:  # noqa: BLE001 - any failure is reported, never fatal here
                err = _as_lost(exc, self.label)
                self._report(err)
                await self._drop_stream(err)
                if not self.auto_reconnect:
                    self._fail_waiters(err)
                    self._set_state(State.CLOSED, str(err))
                    return
                if not self.ever_ready:
                    # open() waits for an answer, not for the gateway to appear some day;
                    # the retries go on in the background
                    self._fail_waiters(err)
            else:
                attempt = 0
                self.ever_ready = True
                for hook in self._ready_hooks:
                    # each restore step on its own: one failure must not skip the others
                    try:
                        await hook(reconnected)
                    except Exception as exc:  # noqa: BLE001
                        self._report(_as_lost(exc, self.label))
                for fut in self._ready_waiters:
                    if not fut.done():
                        fut.set_result(info)
                self._ready_waiters.clear()
                exc = await self._serve()
                await self._drop_stream(exc)
                if self._closing:
                    return
                self._report(exc)
                if not self.auto_reconnect:
                    self._set_state(State.CLOSED, str(exc))
                    return
            # back off: base * 2^attempt, capped, with +-25% jitter
            delay = min(self.backoff_max, self.backoff_base * (2 ** attempt))
            delay *= random.uniform(0.75, 1.25)
            attempt = min(attempt + 1, 16)
            reconnected = True
            self.reconnect_at = time.monotonic() + delay
            self._set_state(State.RECONNECTING, f"retry in {delay:.1f} s: {self.last_error}")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self.reconnects += 1

    async def _connect_and_handshake(self) -> HandshakeInfo:
        self._set_state(State.CONNECTING, f"connecting to {self.host}:{self.port}")
        t0 = time.perf_counter()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.connect_timeout)
        except TimeoutError:
            raise ConnectionLost(f"TCP connect to {self.host}:{self.port} timed out after "
                                 f"{self.connect_timeout:g} s; check host, port and firewall") from None
        except ConnectionRefusedError:
            raise ConnectionLost(f"cannot connect to {self.host}:{self.port}: connection refused; "
                                 "is OpenD running and listening there?") from None
        except OSError as exc:
            raise ConnectionLost(f"cannot connect to {self.host}:{self.port}: "
                                 f"{exc.strerror or exc}; is OpenD running and listening there?") from None
        t1 = time.perf_counter()
        kwargs = {} if self._max_body is None else {"max_body": self._max_body}
        self._channel = Channel(rsa=self.rsa, hold_after_init=True, **kwargs)
        self._reader, self._writer = reader, writer
        self.last_received = time.monotonic()
        self._set_state(State.HANDSHAKING, "sending InitConnect")
        reader_task = asyncio.get_running_loop().create_task(self._read_loop())
        reader_task.add_done_callback(self._reader_done)
        self._reader_task = reader_task
        mod = catalog.module(catalog.INIT_CONNECT)
        c2s = mod.C2S(
            clientVer=self.client.client_ver, clientID=self.client.client_id,
            recvNotify=self.client.recv_notify,
            packetEncAlgo=(self.client.packet_enc_algo if self.client.packet_enc_algo is not None
                           else (2 if self.rsa else -1)),
            pushProtoFmt=self.client.push_format,
            programmingLanguage=self.client.language)
        try:
            resp = await self._exchange(catalog.INIT_CONNECT, c2s, self.connect_timeout, None,
                                        handshake=True)
        except RequestTimeout:
            raise HandshakeError(f"{self.label}: no InitConnect reply within "
                                 f"{self.connect_timeout:g} s; the port may not be an OpenD API port"
                                 + (", or OpenD has no RSA key while OpenDeck encrypts" if self.rsa else "")
                                 ) from None
        except ConnectionLost as exc:
            raise HandshakeError(f"{self.label}: gateway closed the connection during InitConnect "
                                 f"({exc})" + ("; check that OpenD's rsa_private_key matches your key"
                                               if self.rsa else "")) from None
        if resp is None:
            raise HandshakeError(f"{self.label}: the InitConnect reply could not be decrypted: "
                                 f"the gateway's rsa_private_key does not match {self.rsa and self.rsa.source}")
        if resp.retType != 0:
            raise HandshakeError(f"{self.label}: InitConnect refused: {resp.retMsg or 'no reason given'} "
                                 f"(retType {resp.retType})")
        s2c = resp.s2c
        held = self._channel.set_aes(
            aes_for(s2c.connAESKey, s2c.aesCBCiv if s2c.HasField("aesCBCiv") else None)
            if self.rsa is not None else PLAIN)
        enc = self._channel.encryption
        t2 = time.perf_counter()
        info = HandshakeInfo(
            server_ver=s2c.serverVer, login_user_id=s2c.loginUserID, conn_id=s2c.connID,
            keepalive_interval=s2c.keepAliveInterval, encryption=enc, aes_key=s2c.connAESKey,
            aes_iv=s2c.aesCBCiv, user_attribution=s2c.userAttribution,
            connect_ms=(t1 - t0) * 1000, handshake_ms=(t2 - t1) * 1000)
        self.handshake = info
        self.missed_beats = 0
        self.last_error = None  # what the window shows is the current trouble, not a past one
        self._set_state(State.READY, f"conn id {info.conn_id}, {enc}")
        self._tell("on_handshake", info)
        if held:
            self._route(held)
        return info

    async def _exchange(self, proto_id: int, c2s: Message | None, timeout: float | None,
                        serial: int | None, handshake: bool = False) -> Message | None:
        writer, channel = self._writer, self._channel
        if writer is None or channel is None:
            raise NotConnected(f"{self.label} has no open stream")
        req_type = catalog.request_type(proto_id)
        if req_type is None:
            raise ProtocolError(f"no request schema for proto {proto_id} ({catalog.name_of(proto_id)})")
        req = req_type()
        req.c2s.SetInParent()  # c2s is required even when all its fields are optional and unset
        if c2s is not None:
            req.c2s.CopyFrom(c2s)
        fmt = FMT_PROTOBUF if handshake else self.client.request_format
        serial = next_serial() if serial is None else serial
        key = (proto_id, serial)
        fut: asyncio.Future[Packet] = asyncio.get_running_loop().create_future()
        self._pending[key] = fut
        try:
            writer.write(channel.pack(proto_id, serial, encode_message(req, fmt), fmt))
            pkt = await asyncio.wait_for(fut, self.request_timeout if timeout is None else timeout)
        except TimeoutError:
            raise RequestTimeout(f"{catalog.name_of(proto_id)} got no reply from {self.label} within "
                                 f"{self.request_timeout if timeout is None else timeout:g} s") from None
        finally:
            self._pending.pop(key, None)
        if pkt.error is not None:
            if handshake and isinstance(pkt.error, CipherError):
                # a gateway that cannot read our RSA InitConnect may explain in plaintext
                try:
                    plain = decode_message(catalog.response_type(proto_id), pkt.body, FMT_PROTOBUF)
                except OpenDeckError:
                    return None
                return plain if plain.retType != 0 and plain.retMsg else None
            raise pkt.error
        return decode_message(catalog.response_type(proto_id), pkt.body, pkt.fmt, proto_id)

    async def _read_loop(self) -> None:
        """Decode everything, route responses, hand pushes over in one batch per read."""
        reader, channel = self._reader, self._channel
        assert reader is not None and channel is not None
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                raise ConnectionLost(f"{self.label}: the gateway closed the connection")
            self.last_received = time.monotonic()
            self.bytes_in += len(data)
            try:
                packets = channel.receive(data)
            except ProtocolError as exc:
                # the packets before the corruption were fine: route them, then give up
                self._route(getattr(exc, "packets", []))
                raise
            self._route(packets)

    def _route(self, packets: list[Packet]) -> None:
        pending = self._pending
        push_ids = catalog.PUSH_IDS
        pushes: list[Packet] = []
        for pkt in packets:
            if pkt.proto_id in push_ids:
                pushes.append(pkt)
                continue
            fut = pending.get((pkt.proto_id, pkt.serial))
            if fut is not None and not fut.done():
                fut.set_result(pkt)
            elif pkt.error is not None:
                self._tell("on_error", pkt.error)
            else:
                self._tell("on_error", ProtocolError(
                    f"{self.label}: unexpected {catalog.name_of(pkt.proto_id)} "
                    f"(proto {pkt.proto_id}, serial {pkt.serial}) matches no request; "
                    "it was late (timed out) or the gateway sent it unasked"))
        if pushes:
            self.pushes_in += len(pushes)
            self._tell("on_pushes", pushes)

    async def _serve(self) -> OpenDeckError:
        """Run heartbeats until the stream ends; returns why it ended."""
        assert self.handshake is not None
        period = max(0.2, self.handshake.keepalive_interval * 0.8)
        reader_task = self._reader_task
        beat_task = asyncio.get_running_loop().create_task(self._heartbeats(period))
        try:
            await asyncio.wait({reader_task, beat_task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not beat_task.done():
                beat_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beat_task
        for task in (beat_task, reader_task):
            if task.done() and not task.cancelled() and task.exception() is not None:
                return _as_lost(task.exception(), self.label)
        return ConnectionLost(f"{self.label}: connection ended")

    async def _heartbeats(self, period: float) -> None:
        """One KeepAlive every ``period`` on a fixed schedule, whatever the replies do.

        A beat waits for its reply at most until the next beat is due; no reply by then is a
        missed beat. ``missed_beats_limit`` misses in a row close the connection.
        """
        mod = catalog.module(catalog.KEEP_ALIVE)
        loop = asyncio.get_running_loop()
        due = loop.time() + period
        last_ack = time.monotonic()
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            due += period
            sent_wall = time.time()
            self.last_beat_sent = sent_wall
            t0 = time.perf_counter()
            try:
                await self._exchange(catalog.KEEP_ALIVE, mod.C2S(time=int(sent_wall)),
                                     max(0.05, due - loop.time()), None)
            except RequestTimeout:
                self.missed_beats += 1
                self.missed_total += 1
                self._tell("on_heartbeat", None, self.missed_beats)
                if self.missed_beats >= self.missed_beats_limit:
                    raise ConnectionLost(
                        f"{self.label}: {self.missed_beats} KeepAlives in a row got no reply "
                        f"(none for {time.monotonic() - last_ack:.1f} s); the gateway stopped "
                        "answering") from None
                continue
            except OpenDeckError as exc:  # e.g. a checksum error on the reply
                self._tell("on_error", exc)
                continue
            rtt = (time.perf_counter() - t0) * 1000
            last_ack = time.monotonic()
            self.missed_beats = 0
            self.last_beat_ack = time.time()
            self.rtts.append((self.last_beat_ack, rtt))
            self._tell("on_heartbeat", rtt, 0)

    def _reader_done(self, task: asyncio.Task) -> None:
        """The stream ended: fail every pending request at once (not at its timeout)."""
        if task.cancelled():
            return
        error = _as_lost(task.exception(), self.label)
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(error)

    async def _drop_stream(self, error: OpenDeckError) -> None:
        task = getattr(self, "_reader_task", None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._reader_task = None
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ConnectionLost(f"{self.label}: connection dropped before the reply"))
        self._pending.clear()
        writer = self._writer
        self._writer = self._reader = None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2.0)


def _as_lost(exc: BaseException | None, label: str) -> OpenDeckError:
    if isinstance(exc, OpenDeckError):
        return exc
    if isinstance(exc, OSError):
        return ConnectionLost(f"{label}: {exc.strerror or exc}")
    return ConnectionLost(f"{label}: {exc!r}" if exc else f"{label}: connection ended")
