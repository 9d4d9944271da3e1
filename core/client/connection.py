"""The asyncio driver of one client connection: it owns the socket, the clock and the futures.

All protocol logic (handshake, state table, reply matching, heartbeats, dead-peer detection,
the reconnect decision) is in the sans-IO :class:`~.protocol.ClientProtocol`. This driver

* opens the stream (TCP here; WebSocket through :mod:`.ws`) and feeds every read to the
  protocol in one call: ``asyncio.Protocol.data_received`` -> ``proto.receive_data`` ->
  one batch of pushes for the listener. No task, ``call_soon`` or callback per push;
* keeps ONE timer armed at the protocol's next deadline;
* maps replies to the futures of :meth:`Connection.request`;
* after an unrequested drop sleeps until the protocol's retry time, then runs the ready
  hooks that restore what the user had (subscriptions, unlock, account push subscriptions).

Listener calls are guarded: an exception in an observer is logged with its traceback and
reported as an :class:`~opendeck.core.events.ObserverFailed` event; the data path goes on.

(The file runs a little past ~500 lines: some twenty read-only properties the views and tests
observe the connection through, one line of logic each, sit beside the driver they read.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from google.protobuf.message import Message

from .. import catalog
from ..channel import Packet, decode_message
from ..cipher import RsaCipher
from ..errors import ConnectionLost, NotConnected, OpenDeckError, RequestTimeout, TransportError, is_permanent
from ..events import (
    ConnState,
    ContextKind,
    ErrorRaised,
    Event,
    HandshakeDone,
    HandshakeInfo,
    Heartbeat,
    Notice,
    ObserverFailed,
    StateChanged,
    mask,
)
from . import protocol as P
from .policy import Backoff, ErrorFolder, IllegalTransition
from .protocol import ClientInfo, ClientProtocol, check_reply, next_serial
from ..config import is_loopback
from .tcp import TcpSteps, open_tcp

log = logging.getLogger("opendeck.connection")
_DIGITS = re.compile(r"\d+")

State = ConnState  # the name the rest of the code and the tests grew up with
__all__ = ["ClientInfo", "Connection", "ConnectionListener", "HandshakeInfo", "NullListener",
           "State", "mask", "next_serial"]



class ConnectionListener(Protocol):
    """What a Connection reports: typed events (low rate) and pushes in batches."""

    def on_event(self, conn: Connection, event: Event) -> None: ...
    def on_pushes(self, conn: Connection, packets: list[Packet]) -> None: ...


class NullListener:
    def on_event(self, conn, event): pass
    def on_pushes(self, conn, packets): pass


ReadyHook = Callable[[bool], Awaitable[None]]


class _Stream(asyncio.Protocol):
    """The socket end: hands every read to the connection, nothing more."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.conn._on_data(self, data)

    def eof_received(self) -> bool:
        return False  # close

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn._on_lost(self, exc)


class Connection:
    """A single OpenD client connection. Create, ``await open()``, use, ``await close()``."""

    def __init__(self, host: str, port: int, *, rsa: RsaCipher | None = None,
                 client: ClientInfo | None = None, listener: ConnectionListener | None = None,
                 auto_reconnect: bool = True, connect_timeout: float = 10.0,
                 request_timeout: float = 12.0, missed_beats_limit: int = 3,
                 backoff_base: float = 1.0, backoff_max: float = 30.0,
                 max_body: int | None = None, label: str = "", endpoint: str = "",
                 context: ContextKind | None = None, retry_permanent: bool = False,
                 steps: Any = None) -> None:
        self.host = host
        self.port = port
        self.rsa = rsa
        self.listener: ConnectionListener = listener or NullListener()
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.label = label or f"{host}:{port}"
        self.endpoint = endpoint
        self.context = context
        self.steps = steps or TcpSteps(rsa, max_body)
        self.proto = ClientProtocol(
            self.steps, client=client, label=self.label, auto_reconnect=auto_reconnect,
            retry_permanent=retry_permanent, missed_beats_limit=missed_beats_limit,
            backoff=Backoff(base=backoff_base, cap=backoff_max))
        self.proto.handshake_timeout = connect_timeout
        # figures the views read (through the session's ContextHandle)
        self.rtts: deque[tuple[float, float]] = deque(maxlen=3600)  # (wall time, rtt ms)
        self.last_beat_ack: float | None = None  # wall times
        self.last_received: float | None = None
        self.pushes_in = 0
        self.bytes_in = 0
        self.reconnects = 0
        self.observer_errors = 0
        self.closed_by_user = False

        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: _Stream | None = None
        self._stream_done: asyncio.Future[None] | None = None
        self._futures: dict[tuple[int, int], asyncio.Future[Packet]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._ready_task: asyncio.Task[None] | None = None
        self._ready_waiters: list[asyncio.Future[HandshakeInfo]] = []
        self._ready_hooks: list[ReadyHook] = []
        self._wake = asyncio.Event()
        self._paused = False
        self._reconnected = False
        self._folder = ErrorFolder()

    # ------------------------------------------------------------------ public API
    @property
    def state(self) -> ConnState:
        return self.proto.state

    @property
    def ready(self) -> bool:
        return self.proto.state is ConnState.READY

    @property
    def handshake(self) -> HandshakeInfo | None:
        return self.proto.handshake

    @property
    def last_error(self) -> OpenDeckError | None:
        return self.proto.last_error

    @property
    def client(self) -> ClientInfo:
        return self.proto.client

    @property
    def auto_reconnect(self) -> bool:
        return self.proto.auto_reconnect

    @property
    def missed_beats(self) -> int:
        lv = self.proto.liveness
        return lv.missed if lv is not None else 0

    @property
    def missed_total(self) -> int:
        return self.proto.missed_total

    @property
    def encryption(self) -> str:
        fr = self.proto.framing
        return fr.encryption if fr is not None else "none"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def plaintext_remote(self) -> bool:
        """An unlock's password MD5 would cross a network in the clear (no RSA, another host)."""
        return self.rsa is None and not is_loopback(self.host)

    def warn(self, text: str) -> None:
        """A warning for the user: logged, and a Notice event for the views."""
        log.warning("%s: %s", self.label, text)
        self._tell(Notice(endpoint=self.endpoint, context=self.context, text=text, level="warning"))

    @property
    def pending_requests(self) -> list[tuple[int, int]]:
        """(proto id, serial) of every request waiting for its reply."""
        return list(self._futures)

    def retry_in(self) -> float | None:
        at = self.proto.retry_at
        if at is None or self.proto.state is not ConnState.RECONNECTING or self._loop is None:
            return None
        return max(0.0, at - self._loop.time())

    def add_ready_hook(self, hook: ReadyHook) -> None:
        """``hook(reconnected)`` runs after every successful handshake, before waiters wake."""
        self._ready_hooks.append(hook)

    def start(self) -> None:
        """Start connecting in the background (idempotent)."""
        if self._supervisor is None or self._supervisor.done():
            self._loop = asyncio.get_running_loop()
            self.closed_by_user = False
            self._supervisor = self._loop.create_task(self._supervise(),
                                                      name=f"opendeck-conn-{self.label}")

    async def open(self, timeout: float | None = None) -> HandshakeInfo:
        """Connect and handshake; returns the handshake or raises why it failed."""
        self.start()
        return await self.wait_ready(timeout)

    async def wait_ready(self, timeout: float | None = None) -> HandshakeInfo:
        if self.ready and self.handshake is not None and not self._hooks_running():
            return self.handshake
        if self._supervisor is None or self._supervisor.done():
            raise self.last_error or NotConnected(f"{self.label} is {self.state}; open() it first")
        fut: asyncio.Future[HandshakeInfo] = asyncio.get_running_loop().create_future()
        self._ready_waiters.append(fut)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise RequestTimeout(f"{self.label} did not become ready within {timeout:g} s "
                                 f"(state {self.state}"
                                 + (f", last error: {self.last_error}" if self.last_error else "")
                                 + "); is OpenD running there?") from None
        finally:
            with contextlib.suppress(ValueError):
                self._ready_waiters.remove(fut)

    def reconnect_now(self) -> None:
        """Skip the rest of a reconnect countdown."""
        self._wake.set()

    def set_reading_paused(self, paused: bool) -> None:
        """Backpressure: stop (or resume) reading the socket; TCP then pushes back on the
        gateway. The silence does not count against the peer's liveness."""
        if paused == self._paused:
            return
        self._paused = paused
        tr = self._stream.transport if self._stream is not None else None
        if tr is not None and not tr.is_closing():
            (tr.pause_reading if paused else tr.resume_reading)()
        if self._loop is not None:
            self.proto.hold_reading(paused, self._loop.time())

    async def close(self) -> None:
        """Close on purpose: no reconnect, pending requests fail with ConnectionLost."""
        self.closed_by_user = True
        if self.state in (ConnState.CLOSED, ConnState.IDLE) and (
                self._supervisor is None or self._supervisor.done()):
            if self.state is ConnState.IDLE:
                self._apply(lambda: self.proto.close())
            return
        self._apply(lambda: self.proto.close())
        task = self._supervisor
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._ready_task is not None and not self._ready_task.done():
            self._ready_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._ready_task
        self._close_stream()
        self._fail_waiters(NotConnected(f"{self.label} was closed"))

    async def request(self, proto_id: int, c2s: Message | None = None, *,
                      timeout: float | None = None, serial: int | None = None) -> Message:
        """Send ``Request{c2s}`` and return the response's S2C; retType != 0 raises."""
        resp = await self.request_raw(proto_id, c2s, timeout=timeout)
        return check_reply(resp, proto_id, self.label)

    async def request_raw(self, proto_id: int, c2s: Message | None = None, *,
                          timeout: float | None = None, serial: int | None = None) -> Message:
        """Like :meth:`request` but returns the whole Response, whatever its retType."""
        loop = asyncio.get_running_loop()
        t = self.request_timeout if timeout is None else timeout
        key = self.proto.send_request(proto_id, c2s, loop.time(), t)
        fut: asyncio.Future[Packet] = loop.create_future()
        self._futures[key] = fut
        self._flush()
        try:
            pkt = await fut
        except RequestTimeout:
            raise RequestTimeout(f"{catalog.name_of(proto_id)} got no reply from {self.label} "
                                 f"within {t:g} s") from None
        finally:
            self._futures.pop(key, None)
            self.proto.forget(key)
        if pkt.error is not None:
            raise pkt.error
        return decode_message(catalog.response_type(proto_id), pkt.body, pkt.fmt, proto_id)

    # ------------------------------------------------------------------ stream callbacks
    def _on_data(self, stream: _Stream, data: bytes) -> None:
        if stream is not self._stream:
            return
        self.bytes_in += len(data)
        self.last_received = time.time()
        self.proto.receive_data(data, self._loop.time())
        self._flush()

    def _on_lost(self, stream: _Stream, exc: Exception | None) -> None:
        if stream is not self._stream:
            return
        self._stream = None
        err = self._lost_error(exc)
        self._apply(lambda: self.proto.connection_lost(err, self._loop.time()))
        if self._stream_done is not None and not self._stream_done.done():
            self._stream_done.set_result(None)

    def _lost_error(self, exc: Exception | None) -> OpenDeckError:
        if isinstance(exc, OSError):
            return ConnectionLost(f"{self.label}: {exc.strerror or exc}")
        return ConnectionLost(f"{self.label}: the gateway closed the connection")

    # ------------------------------------------------------------------ the engine
    def _apply(self, step: Callable[[], Any]) -> None:
        """Run one protocol input, then act on what it produced."""
        try:
            step()
        except IllegalTransition:
            log.exception("%s: illegal state transition", self.label)
            raise
        self._flush()

    def _flush(self) -> None:
        """Write what the protocol queued, dispatch its events, re-arm the timer."""
        proto = self.proto
        out = proto.data_to_send()
        stream = self._stream
        if out and stream is not None and stream.transport is not None:
            self._write(stream, out)
        events = proto.next_events()
        if events:
            self._dispatch(events)
        self._arm()

    def _write(self, stream: _Stream, out: list[bytes]) -> None:
        stream.transport.write(b"".join(out) if len(out) > 1 else out[0])

    def _dispatch(self, events: list[Any]) -> None:
        pushes: list[Packet] | None = None
        for ev in events:
            if isinstance(ev, P.Pushes):
                if pushes is None:
                    pushes = ev.packets
                else:
                    pushes.extend(ev.packets)
                continue
            if isinstance(ev, P.Reply):
                fut = self._futures.get(ev.key)
                if fut is not None and not fut.done():
                    fut.set_result(ev.packet)
            elif isinstance(ev, P.RequestFailed):
                fut = self._futures.get(ev.key)
                if fut is not None and not fut.done():
                    fut.set_exception(ev.error)
            elif isinstance(ev, P.StateChange):
                self._tell(StateChanged(endpoint=self.endpoint, context=self.context, old=ev.old,
                                        new=ev.new, reason=ev.reason, retry_in=ev.retry_in))
            elif isinstance(ev, P.Ready):
                self._tell(HandshakeDone(endpoint=self.endpoint, context=self.context, info=ev.info))
                self._ready_task = self._loop.create_task(self._after_ready(ev.info))
            elif isinstance(ev, P.Beat):
                if ev.rtt_ms is not None:
                    self.last_beat_ack = time.time()
                    self.rtts.append((self.last_beat_ack, ev.rtt_ms))
                self._tell(Heartbeat(endpoint=self.endpoint, context=self.context, rtt_ms=ev.rtt_ms,
                                     missed=ev.missed, kind=ev.kind))
            elif isinstance(ev, P.Problem):
                self._report(ev.error)
            elif isinstance(ev, P.CloseStream):
                self._report(ev.error)
                self._close_stream()
            elif isinstance(ev, P.SendPing):
                self._ping(ev.beat_id)
        if pushes:
            self.pushes_in += len(pushes)
            try:
                self.listener.on_pushes(self, pushes)
            except Exception as exc:  # noqa: BLE001 - shown, and the data path goes on
                self._observer_failed("on_pushes", exc)

    def _ping(self, beat_id: int) -> None:  # WebSocket drivers override
        pass

    def _arm(self) -> None:
        at = self.proto.next_deadline()
        if at is None or self._loop is None:
            return
        if self._timer is not None and self._timer_at is not None and self._timer_at <= at:
            return  # an earlier (or the same) wake-up is armed; it re-arms after ticking
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = self._loop.call_at(at, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = self._timer_at = None
        self._apply(lambda: self.proto.tick(self._loop.time()))
        if self.proto.retry_due(self._loop.time()):
            self._wake.set()

    def _tell(self, event: Event) -> None:
        try:
            self.listener.on_event(self, event)
        except Exception as exc:
            if isinstance(event, ObserverFailed):
                log.exception("%s: observer failed on its own failure report", self.label)
                return
            self._observer_failed(f"on_event({type(event).__name__})", exc)

    def _observer_failed(self, where: str, exc: Exception) -> None:
        self.observer_errors += 1
        tb = traceback.format_exc()
        log.error("%s: listener %s raised:\n%s", self.label, where, tb)
        self._tell(ObserverFailed(endpoint=self.endpoint, context=self.context, where=where,
                                  error_type=type(exc).__name__, text=str(exc), traceback=tb))

    def _report(self, error: OpenDeckError) -> None:
        """An error event; the same error (up to its numbers: serials, ports) within a second
        is folded into one count."""
        key = (type(error).__name__, _DIGITS.sub("#", str(error)))
        if self._folder.offer(key, time.monotonic()):
            self._tell(ErrorRaised.of(error, endpoint=self.endpoint, context=self.context))
        elif self._folder.first_fold(key) and self._loop is not None:
            self._loop.call_later(self._folder.window, self._unfold, key, is_permanent(error))

    def _unfold(self, key: tuple[str, str], permanent: bool) -> None:
        count = self._folder.take(key)
        if count:
            self._tell(ErrorRaised(endpoint=self.endpoint, context=self.context, error_type=key[0],
                                   text=f"{count} more like: {key[1]}", count=count,
                                   permanent=permanent))

    def _fail_waiters(self, error: OpenDeckError) -> None:
        for fut in self._ready_waiters:
            if not fut.done():
                fut.set_exception(error)
        self._ready_waiters.clear()

    def _hooks_running(self) -> bool:
        return self._ready_task is not None and not self._ready_task.done()

    async def _after_ready(self, info: HandshakeInfo) -> None:
        reconnected = self._reconnected
        for hook in self._ready_hooks:
            try:  # each restore step on its own: one failure must not skip the others
                await hook(reconnected)
            except Exception as exc:  # noqa: BLE001
                err = exc if isinstance(exc, OpenDeckError) else ConnectionLost(f"{self.label}: {exc!r}")
                self._report(err)
        for fut in self._ready_waiters:
            if not fut.done():
                fut.set_result(info)
        self._ready_waiters.clear()

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None and stream.transport is not None:
            stream.transport.close()
        if self._stream_done is not None and not self._stream_done.done():
            self._stream_done.set_result(None)
        for fut in self._futures.values():
            if not fut.done():
                fut.set_exception(ConnectionLost(f"{self.label}: connection dropped before the reply"))

    async def _open_stream(self) -> _Stream:
        """Open the transport; raises ConnectionLost / TransportError with the fix."""
        _tr, stream = await open_tcp(self._loop, lambda: _Stream(self), self.host, self.port,
                                     self.connect_timeout)
        return stream

    async def _supervise(self) -> None:
        loop = self._loop
        proto = self.proto
        self._reconnected = False
        while True:
            if proto.state is ConnState.RECONNECTING:
                self.reconnects += 1
                self._reconnected = True
            self._apply(lambda: proto.start(loop.time(), f"connecting to {self.address}"))
            t0 = loop.time()
            try:
                stream = await self._open_stream()
            except OpenDeckError as exc:
                self._apply(lambda e=exc: proto.connect_failed(e, loop.time()))
            except Exception as exc:  # noqa: BLE001 - an unexpected failure is still a failure
                err = TransportError(f"{self.label}: cannot open the stream: {exc!r}")
                self._apply(lambda e=err: proto.connect_failed(e, loop.time()))
            else:
                self._stream = stream
                self._stream_done = loop.create_future()
                if self._paused and stream.transport is not None:
                    stream.transport.pause_reading()
                self._apply(lambda t0=t0: proto.connection_made(loop.time(), (loop.time() - t0) * 1000.0))
                await self._stream_done
                self._close_stream()
            state = proto.state
            if state is ConnState.FAILED or state is ConnState.CLOSED:
                self._fail_waiters(self.last_error or NotConnected(f"{self.label} closed"))
                return
            if not proto.ever_ready:
                # open() waits for an answer, not for the gateway to appear some day;
                # the retries go on in the background
                self._fail_waiters(self.last_error or ConnectionLost(f"{self.label}: not connected"))
            self._wake.clear()
            delay = self.retry_in()
            if delay is not None and delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)

