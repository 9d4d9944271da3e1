"""The sans-IO client protocol: one object per connection, bytes and time in, actions out.

:class:`ClientProtocol` knows the OpenD conversation and nothing about sockets or clocks, in
the manner of h11 / wsproto::

    proto.connection_made(now)            # a stream (TCP, or one WebSocket) is open
    proto.receive_data(data, now)         # bytes from it (WebSocket: one message)
    proto.tick(now)                       # time passed; call at proto.next_deadline()
    key = proto.send_request(pid, c2s, now, timeout)
    proto.connection_lost(error, now)     # the stream ended
    for out in proto.data_to_send(): ...  # bytes to write (WebSocket: one message each)
    for ev in proto.next_events(): ...    # what happened (see the output classes below)

The framing of a transport (TCP's 44-byte header with RSA/AES, or the WebSocket header) is a
:class:`Framing` object handed in; the handshake and heartbeat *step* of a transport is a
:class:`Steps` object (TCP: InitConnect + KeepAlive; WebSocket: InitWebSocket, GetUserInfo
and ping/pong). The state machine is :mod:`.policy`'s table; the reconnect decision (backoff,
permanent failures) lives here too, so a driver only opens sockets and sleeps.
"""

from __future__ import annotations

import itertools
import operator
import time
from dataclasses import dataclass
from typing import Any, Protocol

from google.protobuf.message import Message

from .. import catalog
from ..channel import Packet, decode_message, encode_message
from ..errors import (
    ConnectionLost,
    HandshakeError,
    NotConnected,
    OpenDeckError,
    ProtocolError,
    RequestError,
    RequestTimeout,
    is_permanent,
)
from ..events import ConnState, HandshakeInfo
from ..wire import FMT_PROTOBUF
from .policy import Backoff, Liveness, StateMachine

S = ConnState

# One process-wide serial counter, as the SDK does: serials never repeat across connections.
_serials = itertools.count(int(time.time() % 10000) + 1)
_proto_id = operator.itemgetter(0)  # of a Packet


#: unanswered KeepAlives whose late replies are still recognised as such
LATE_BEATS_KEPT = 16


def next_serial() -> int:
    return next(_serials) & 0xFFFFFFFF


@dataclass(slots=True)
class ClientInfo:
    """What the handshake tells the gateway about us."""

    client_id: str = "OpenDeck"
    client_ver: int = 300
    language: str = "Python"
    recv_notify: bool = True
    push_format: int = FMT_PROTOBUF  # ProtoFmt for pushes: 0 protobuf, 1 JSON
    request_format: int = FMT_PROTOBUF  # ProtoFmt we send requests in
    packet_enc_algo: int | None = None  # None: 2 (AES-CBC) with an RSA key, -1 without


# ------------------------------------------------------------------------ outputs
@dataclass(slots=True)
class Reply:
    key: tuple[int, int]
    packet: Packet


@dataclass(slots=True)
class RequestFailed:
    key: tuple[int, int]
    error: OpenDeckError


@dataclass(slots=True)
class Pushes:
    packets: list[Packet]


@dataclass(slots=True)
class Ready:
    info: HandshakeInfo


@dataclass(slots=True)
class Beat:
    rtt_ms: float | None  # None: missed
    missed: int
    kind: str


@dataclass(slots=True)
class StateChange:
    old: ConnState
    new: ConnState
    reason: str
    retry_in: float | None = None


@dataclass(slots=True)
class Problem:
    """A non-fatal error worth showing (an unmatched reply, a bad checksum on a reply)."""

    error: OpenDeckError


@dataclass(slots=True)
class CloseStream:
    """The driver must close the stream now (dead peer, corrupt stream, failed handshake)."""

    error: OpenDeckError


@dataclass(slots=True)
class SendPing:
    """WebSocket heartbeat: the driver sends a ping and reports the pong (``pong``)."""

    beat_id: int


# ------------------------------------------------------------------------ transports
class Framing(Protocol):
    """Packs and unpacks packets for one stream of one transport."""

    encryption: str

    def pack(self, proto_id: int, serial: int, body: bytes, fmt: int) -> bytes: ...
    def receive(self, data: bytes) -> list[Packet]: ...
    def release(self) -> list[Packet]: ...  # packets held until the handshake completed


class Steps(Protocol):
    """The handshake and heartbeat step of one transport."""

    heartbeat_kind: str

    def new_framing(self) -> Framing: ...
    def handshake_requests(self, proto: ClientProtocol) -> list[tuple[int, Message]]: ...
    def handshake_reply(self, proto: ClientProtocol, proto_id: int, resp: Message | None,
                        packet: Packet) -> HandshakeInfo | list[tuple[int, Message]] | None: ...
    def heartbeat(self, proto: ClientProtocol, beat_id: int, now: float) -> None: ...
    def heartbeat_interval(self, info: HandshakeInfo) -> float: ...


class ClientProtocol:
    """One OpenD client connection's protocol logic across reconnects. See the module doc."""

    def __init__(self, steps: Steps, *, client: ClientInfo | None = None, label: str = "",
                 auto_reconnect: bool = True, retry_permanent: bool = False,
                 backoff: Backoff | None = None, missed_beats_limit: int = 3) -> None:
        self.steps = steps
        self.client = client or ClientInfo()
        self.label = label
        self.auto_reconnect = auto_reconnect
        self.retry_permanent = retry_permanent  # headless monitors retry even those, slowly
        self.backoff = backoff or Backoff()
        self.missed_beats_limit = max(1, missed_beats_limit)
        self.machine = StateMachine()
        self.framing: Framing | None = None
        self.handshake: HandshakeInfo | None = None
        self.liveness: Liveness | None = None
        self.last_error: OpenDeckError | None = None
        self.retry_at: float | None = None
        self.connected_at = 0.0
        self.connect_ms = 0.0
        self._missed_before = 0
        self._pending: dict[tuple[int, int], float] = {}  # key -> deadline
        self._handshake_keys: set[tuple[int, int]] = set()
        self._handshake_deadline: float | None = None
        self._beat_keys: dict[tuple[int, int], int] = {}  # KeepAlive request -> beat id
        self._beat_ids = itertools.count(1)
        self._out: list[bytes] = []
        self._events: list[Any] = []
        self.ever_ready = False
        self.handshake_timeout = 10.0
        self.wall_clock = time.time  # only for KeepAlive's informational time field

    # ---------------------------------------------------------------- state
    @property
    def state(self) -> ConnState:
        return self.machine.state

    def _move(self, new: ConnState, reason: str = "", retry_in: float | None = None) -> None:
        old = self.machine.move(new)
        if new is not S.RECONNECTING:
            self.retry_at = None
        self._events.append(StateChange(old, new, reason, retry_in))

    @property
    def missed_total(self) -> int:
        """Heartbeats missed over the connection's whole life (all reconnects)."""
        return self._missed_before + (self.liveness.missed_total if self.liveness else 0)

    def start(self, now: float, reason: str = "") -> None:
        """Begin an attempt: the driver opens a stream next."""
        self._move(S.CONNECTING, reason or "connecting")

    def close(self, reason: str = "closed by user") -> None:
        """Close on purpose; pending requests fail."""
        st = self.state
        if st in (S.CLOSED,):
            return
        if st is S.IDLE or st is S.FAILED:
            self._move(S.CLOSED, reason)
            return
        self._move(S.CLOSING, reason)
        self._end_stream(ConnectionLost(f"{self.label}: connection closed by user"))
        self._move(S.CLOSED, reason)

    # ---------------------------------------------------------------- stream in
    def connection_made(self, now: float, connect_ms: float = 0.0,
                        timeout: float | None = None) -> None:
        """The stream is open (``connect_ms`` it took); the handshake goes out."""
        self.framing = self.steps.new_framing()
        self.connected_at = now
        self.connect_ms = connect_ms
        self._move(S.HANDSHAKING, "handshake")
        self._handshake_deadline = now + (timeout or self.handshake_timeout)
        for proto_id, c2s in self.steps.handshake_requests(self):
            self._handshake_keys.add(self._request(proto_id, c2s, now, None, FMT_PROTOBUF))

    def connect_failed(self, error: OpenDeckError, now: float) -> None:
        """Opening the stream failed (refused, timed out, TLS)."""
        self._fail(error, now)

    def receive_data(self, data: bytes, now: float) -> None:
        framing = self.framing
        if framing is None:
            return
        if self.liveness is not None:
            self.liveness.last_rx = now
        try:
            packets = framing.receive(data)
        except ProtocolError as exc:  # the stream cannot go on: keep what came before, then fail
            self._route(getattr(exc, "packets", []), now)
            self._fail(exc, now)
            return
        if packets:
            self._route(packets, now)

    def connection_lost(self, error: OpenDeckError | None, now: float) -> None:
        if self.state in (S.CLOSING, S.CLOSED, S.FAILED, S.IDLE, S.RECONNECTING):
            return
        self._fail(error or ConnectionLost(f"{self.label}: the gateway closed the connection"), now)

    def pong(self, beat_id: int, now: float) -> None:
        """A WebSocket pong for ``beat_id`` arrived."""
        self._beat_answered(beat_id, now)

    def hold_reading(self, held: bool, now: float) -> None:
        """The driver paused (or resumed) reading for backpressure."""
        if self.liveness is not None:
            self.liveness.hold(held, now)

    # ---------------------------------------------------------------- time
    def next_deadline(self) -> float | None:
        times = list(self._pending.values())
        if self.state is S.HANDSHAKING and self._handshake_deadline is not None:
            times.append(self._handshake_deadline)
        if self.state is S.READY and self.liveness is not None:
            times.append(self.liveness.deadline())
        if self.state is S.RECONNECTING and self.retry_at is not None:
            times.append(self.retry_at)
        return min(times) if times else None

    def tick(self, now: float) -> None:
        if self._pending:
            for key, deadline in list(self._pending.items()):
                if now >= deadline:
                    del self._pending[key]
                    self._timed_out(key, now)
        st = self.state
        if st is S.HANDSHAKING and self._handshake_deadline is not None and now >= self._handshake_deadline:
            self._fail(HandshakeError(
                f"{self.label}: no handshake reply within {self._handshake_deadline - self.connected_at:g} s; "
                f"{self.steps.silence_hint}"), now)
        elif st is S.READY and self.liveness is not None:
            lv = self.liveness
            if lv.dead(now):
                what = "KeepAlives" if self.steps.heartbeat_kind == "keepalive" else "pings"
                self._fail(ConnectionLost(
                    f"{self.label}: nothing received for {now - lv.last_rx:.1f} s ({lv.missed} "
                    f"{what} in a row unanswered); the gateway stopped answering"), now)
            elif lv.due(now):
                beat_id = next(self._beat_ids)
                if lv.sent(beat_id, now):
                    self._events.append(Beat(None, lv.missed, self.steps.heartbeat_kind))
                self.steps.heartbeat(self, beat_id, now)

    def retry_due(self, now: float) -> bool:
        return self.state is S.RECONNECTING and self.retry_at is not None and now >= self.retry_at

    # ---------------------------------------------------------------- requests
    def send_request(self, proto_id: int, c2s: Message | None, now: float,
                     timeout: float) -> tuple[int, int]:
        """Queue ``Request{c2s}``; a :class:`Reply` or :class:`RequestFailed` follows."""
        if self.state is not S.READY:
            raise NotConnected(f"{self.label} is {self.state}; wait until it is ready")
        return self._request(proto_id, c2s, now, timeout, self.client.request_format)

    def _request(self, proto_id: int, c2s: Message | None, now: float, timeout: float | None,
                 fmt: int) -> tuple[int, int]:
        framing = self.framing
        if framing is None:
            raise NotConnected(f"{self.label} has no open stream")
        schema = self._schema(proto_id)
        req_type = schema[0] if schema else catalog.request_type(proto_id)
        if req_type is None:
            raise ProtocolError(f"no request schema for proto {proto_id} ({catalog.name_of(proto_id)})")
        req = req_type()
        req.c2s.SetInParent()  # c2s is required even when all its fields are optional and unset
        if c2s is not None:
            req.c2s.CopyFrom(c2s)
        serial = next_serial()
        key = (proto_id, serial)
        self._out.append(framing.pack(proto_id, serial, encode_message(req, fmt), fmt))
        if timeout is not None:
            self._pending[key] = now + timeout
        return key

    def forget(self, key: tuple[int, int]) -> None:
        """The caller gave up on a request (its own timeout, a cancel)."""
        self._pending.pop(key, None)

    def send_keepalive(self, beat_id: int, now: float) -> None:
        """TCP heartbeat: a KeepAlive request whose reply answers ``beat_id``."""
        mod = catalog.module(catalog.KEEP_ALIVE)
        # no reply deadline: Liveness accounts for a missing reply, and a late one is still
        # matched (a sign of life, no RTT), never an "unexpected KeepAlive" error
        key = self._request(catalog.KEEP_ALIVE, mod.C2S(time=int(self.wall_clock())), now, None,
                            self.client.request_format)
        self._beat_keys[key] = beat_id
        while len(self._beat_keys) > LATE_BEATS_KEPT:  # bounded: the oldest unanswered go
            del self._beat_keys[next(iter(self._beat_keys))]

    def request_ping(self, beat_id: int) -> None:
        self._events.append(SendPing(beat_id))

    # ---------------------------------------------------------------- outputs
    def data_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out

    def next_events(self) -> list[Any]:
        ev, self._events = self._events, []
        return ev

    # ---------------------------------------------------------------- internals
    def _route(self, packets: list[Packet], now: float) -> None:
        push_ids = catalog.PUSH_IDS
        if push_ids.issuperset(map(_proto_id, packets)):  # a read of pushes only: the common case
            if packets:
                self._events.append(Pushes(packets))
            return
        pushes: list[Packet] | None = None
        for pkt in packets:
            pid = pkt.proto_id
            if pid in push_ids:
                if pushes is None:
                    pushes = []
                pushes.append(pkt)
                continue
            key = (pid, pkt.serial)
            if key in self._handshake_keys:
                self._handshake_keys.discard(key)
                self._on_handshake_packet(pkt, now)
                continue
            beat = self._beat_keys.pop(key, None)
            if beat is not None:
                self._pending.pop(key, None)
                if pkt.error is not None:
                    self._events.append(Problem(pkt.error))
                self._beat_answered(beat, now)
                continue
            if key in self._pending:
                del self._pending[key]
                self._events.append(Reply(key, pkt))
            elif pkt.error is not None:
                self._events.append(Problem(pkt.error))
            else:
                self._events.append(Problem(ProtocolError(
                    f"{self.label}: unexpected {catalog.name_of(pid)} (proto {pid}, serial "
                    f"{pkt.serial}) matches no request; it was late (timed out) or the gateway "
                    "sent it unasked")))
        if pushes:
            self._events.append(Pushes(pushes))

    def _on_handshake_packet(self, pkt: Packet, now: float) -> None:
        try:
            result = self.steps.handshake_reply(self, pkt.proto_id, self._decode_reply(pkt), pkt)
        except OpenDeckError as exc:
            self._fail(exc, now)
            return
        if isinstance(result, list):  # a further handshake step (WebSocket: GetUserInfo)
            for proto_id, c2s in result:
                self._handshake_keys.add(self._request(proto_id, c2s, now, None, FMT_PROTOBUF))
            return
        if result is None:
            return
        result.connect_ms = self.connect_ms
        result.handshake_ms = (now - self.connected_at) * 1000.0
        self.handshake = result
        self.last_error = None
        self._handshake_deadline = None
        self.liveness = Liveness(self.steps.heartbeat_interval(result), now, self.missed_beats_limit)
        self.backoff.on_ready(now)
        self.ever_ready = True
        self._move(S.READY, f"conn id {result.conn_id}, {result.encryption}")
        self._events.append(Ready(result))
        held = self.framing.release() if self.framing is not None else []
        if held:  # frames that came right behind the handshake reply, under the new cipher
            self._route(held, now)

    def _schema(self, proto_id: int):
        """(Request, Response) classes a transport defines itself (WebSocket's InitWebSocket)."""
        hook = getattr(self.steps, "schema", None)
        return hook(proto_id) if hook is not None else None

    def _decode_reply(self, pkt: Packet) -> Message | None:
        if pkt.error is not None:
            return None
        schema = self._schema(pkt.proto_id)
        cls = schema[1] if schema else catalog.response_type(pkt.proto_id)
        return decode_message(cls, pkt.body, pkt.fmt, pkt.proto_id) if cls is not None else None

    def _beat_answered(self, beat_id: int, now: float) -> None:
        if self.liveness is None:
            return
        rtt = self.liveness.answered(beat_id, now)
        if rtt is not None:
            self._events.append(Beat(rtt * 1000.0, 0, self.steps.heartbeat_kind))

    def _timed_out(self, key: tuple[int, int], now: float) -> None:
        if key in self._beat_keys:  # a late KeepAlive is accounted by Liveness, not here
            self._beat_keys.pop(key, None)
            return
        self._events.append(RequestFailed(key, RequestTimeout(
            f"{catalog.name_of(key[0])} got no reply from {self.label} in time")))

    def _end_stream(self, error: OpenDeckError) -> None:
        for key in list(self._pending):
            if key not in self._beat_keys:
                self._events.append(RequestFailed(key, ConnectionLost(
                    f"{self.label}: connection dropped before the reply ({error})")))
        self._pending.clear()
        self._beat_keys.clear()
        self._handshake_keys.clear()
        self._handshake_deadline = None
        self.framing = None
        if self.liveness is not None:
            self._missed_before += self.liveness.missed_total
        self.liveness = None
        self._out.clear()

    def _fail(self, error: OpenDeckError, now: float) -> None:
        """The stream failed: close it, then retry later or stop, as the policy says."""
        self.last_error = error
        self._events.append(CloseStream(error))
        self._end_stream(error)
        self.backoff.on_drop(now)
        permanent = is_permanent(error)
        if not self.auto_reconnect or (permanent and not self.retry_permanent):
            self._move(S.FAILED, str(error))
            return
        delay = self.backoff.next_delay(permanent)
        self._move(S.RECONNECTING, f"retry in {delay:.1f} s: {error}", delay)
        self.retry_at = now + delay


def check_reply(resp: Message, proto_id: int, label: str) -> Message:
    """``resp.s2c``, or the RequestError its retType says."""
    if resp.retType != 0:
        raise RequestError(
            f"{catalog.name_of(proto_id)} failed on {label}: {resp.retMsg or 'no message'} "
            f"(retType {resp.retType}, errCode {resp.errCode})",
            proto_id=proto_id, ret_type=resp.retType, err_code=resp.errCode)
    return resp.s2c
