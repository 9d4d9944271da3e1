"""What the core tells its observers: typed events, and the enums they carry.

Every observer (the window, ``opendeck probe``, ``opendeck monitor``, tests) dispatches on the
*type* of an event (``isinstance`` / ``match``), never on a string. Events are small frozen
dataclasses, made at low rate (state changes, handshakes, heartbeats, errors); pushes never
travel as events: they go in batches into the session's ring (see :mod:`opendeck.core.pushrow`).

Each event knows how to say itself in one line (:attr:`Event.message`) and as a JSON object
(:meth:`Event.to_json`): ``{"event": <name>, "ts": <ISO-8601 UTC>, ...}``, with ids that can
exceed 2**53 (conn ids, account ids, user ids) written as strings so JavaScript and jq keep
them exact.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar


class ContextKind(enum.StrEnum):
    """The three connection objects of the official SDKs."""

    QUOTE = "quote"  # OpenQuoteContext
    TRADE_SEC = "trade-sec"  # OpenSecTradeContext
    TRADE_FUTURE = "trade-future"  # OpenFutureTradeContext

    @property
    def label(self) -> str:
        return _CONTEXT_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> ContextKind:
        from .errors import ConfigError
        try:
            return cls(text)
        except ValueError:
            raise ConfigError(f"context {text!r} must be one of {', '.join(cls)}") from None


_CONTEXT_LABELS = {ContextKind.QUOTE: "Quote", ContextKind.TRADE_SEC: "Securities trade",
                   ContextKind.TRADE_FUTURE: "Futures trade"}


class Transport(enum.StrEnum):
    TCP = "tcp"  # the 44-byte-header API port (futu-api for Python, C#, Java, C++)
    WS = "ws"  # OpenD's WebSocket port (the JavaScript SDK), plaintext
    WSS = "wss"  # the same over TLS


class ConnState(enum.StrEnum):
    """The connection's own state machine (see ``client.protocol.TRANSITIONS``)."""

    IDLE = "idle"
    CONNECTING = "connecting"
    HANDSHAKING = "handshaking"
    READY = "ready"
    RECONNECTING = "reconnecting"
    CLOSING = "closing"
    CLOSED = "closed"  # closed on purpose (by the user or the program)
    FAILED = "failed"  # stopped by an error that retrying will not fix, or retries are off


class ContextStatus(enum.StrEnum):
    """What the window shows for one context (and, most telling first, for an endpoint)."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    HANDSHAKING = "handshaking"
    READY = "ready"
    RECONNECTING = "reconnecting"
    CLOSING = "closing"
    ERROR = "error"

    @classmethod
    def of(cls, state: ConnState | None) -> ContextStatus:
        return _STATUS_OF.get(state, cls.DISCONNECTED) if state is not None else cls.DISCONNECTED


_STATUS_OF = {
    ConnState.IDLE: ContextStatus.DISCONNECTED, ConnState.CONNECTING: ContextStatus.CONNECTING,
    ConnState.HANDSHAKING: ContextStatus.HANDSHAKING, ConnState.READY: ContextStatus.READY,
    ConnState.RECONNECTING: ContextStatus.RECONNECTING, ConnState.CLOSING: ContextStatus.CLOSING,
    ConnState.CLOSED: ContextStatus.DISCONNECTED, ConnState.FAILED: ContextStatus.ERROR,
}

#: endpoint pill: the most telling status of its contexts wins
STATUS_PRECEDENCE = (ContextStatus.RECONNECTING, ContextStatus.ERROR, ContextStatus.CONNECTING,
                     ContextStatus.HANDSHAKING, ContextStatus.CLOSING, ContextStatus.READY)


def iso_utc(ts: float) -> str:
    """``2026-12-01T20:58:45.123Z``: the one timestamp format of events, exports and logs."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(slots=True)
class HandshakeInfo:
    """What a completed handshake told us (InitConnect over TCP, InitWebSocket over WS)."""

    server_ver: int
    login_user_id: int
    conn_id: int
    keepalive_interval: int  # seconds, as negotiated (or clamped; see ``keepalive_note``)
    encryption: str  # none | aes-cbc | aes-ecb | tls
    aes_key: str
    aes_iv: str
    user_attribution: int
    connect_ms: float
    handshake_ms: float
    transport: Transport = Transport.TCP
    server_time: int = 0  # InitWebSocket's serverTime (s); 0 over TCP
    tls_version: str = ""
    peer_subject: str = ""  # TLS peer certificate subject
    keepalive_note: str = ""  # set when the gateway's interval was clamped
    at: float = field(default_factory=time.time)

    def as_dict(self, *, reveal_key: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "transport": str(self.transport),
            "server_ver": self.server_ver, "login_user_id": str(self.login_user_id),
            "conn_id": str(self.conn_id), "keepalive_interval": self.keepalive_interval,
            "encryption": self.encryption, "user_attribution": self.user_attribution,
            "connect_ms": round(self.connect_ms, 3), "handshake_ms": round(self.handshake_ms, 3),
        }
        if self.server_time:
            d["server_time"] = self.server_time
        if self.tls_version:
            d["tls_version"] = self.tls_version
            d["peer_subject"] = self.peer_subject
        if self.keepalive_note:
            d["keepalive_note"] = self.keepalive_note
        if self.aes_key:
            d["aes_key"] = self.aes_key if reveal_key else mask(self.aes_key)
        return d


def mask(secret: str) -> str:
    return "" if not secret else secret[:2] + "\u2022" * max(0, len(secret) - 4) + secret[-2:]


# ---------------------------------------------------------------------------------- events
@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event. ``endpoint`` is an endpoint id ("" for the session itself)."""

    endpoint: str = ""
    context: ContextKind | None = None
    ts: float = field(default_factory=time.time)

    name: ClassVar[str] = "event"  # the JSON "event" field

    @property
    def message(self) -> str:
        return ""

    def fields(self) -> dict[str, Any]:
        """The event's own JSON fields (beyond event, ts, endpoint, context)."""
        return {}

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"event": self.name, "ts": iso_utc(self.ts)}
        if self.endpoint:
            d["endpoint"] = self.endpoint
        if self.context is not None:
            d["context"] = str(self.context)
        d.update(self.fields())
        return d


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChanged(Event):
    old: ConnState
    new: ConnState
    reason: str = ""
    retry_in: float | None = None  # seconds until the next attempt (new is RECONNECTING)
    name: ClassVar[str] = "state"

    @property
    def status(self) -> ContextStatus:
        return ContextStatus.of(self.new)

    @property
    def message(self) -> str:
        return f"{self.old} -> {self.new}" + (f": {self.reason}" if self.reason else "")

    def fields(self) -> dict[str, Any]:
        d: dict[str, Any] = {"old": str(self.old), "new": str(self.new), "reason": self.reason}
        if self.retry_in is not None:
            d["retry_in"] = round(self.retry_in, 3)
        return d


@dataclass(frozen=True, slots=True, kw_only=True)
class HandshakeDone(Event):
    info: HandshakeInfo
    name: ClassVar[str] = "handshake"

    @property
    def message(self) -> str:
        i = self.info
        step = "InitWebSocket" if i.transport is not Transport.TCP else "InitConnect"
        what = "ping every" if i.transport is not Transport.TCP else "keepalive"
        return (f"{step} ok: " + (f"server {i.server_ver}, " if i.server_ver else "")
                + f"user {i.login_user_id}, conn {i.conn_id}, "
                f"{what} {i.keepalive_interval} s, {i.encryption}"
                + (f" {i.tls_version}" if i.tls_version else "") + ", "
                f"{i.connect_ms:.1f}+{i.handshake_ms:.1f} ms"
                + (f" ({i.keepalive_note})" if i.keepalive_note else ""))

    def fields(self) -> dict[str, Any]:
        d = self.info.as_dict()
        d.pop("aes_key", None)  # masked or not, a key has no place in an event stream
        return d


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat(Event):
    """A heartbeat answered (``rtt_ms``) or missed (``rtt_ms`` None, ``missed`` in a row)."""

    rtt_ms: float | None
    missed: int = 0
    kind: str = "keepalive"  # keepalive (proto 1004) | ping (WebSocket ping/pong)
    name: ClassVar[str] = "heartbeat"

    @property
    def message(self) -> str:
        what = "KeepAlive" if self.kind == "keepalive" else "ping"
        if self.rtt_ms is None:
            return f"{what} missed ({self.missed} in a row)"
        return f"{what} rtt {self.rtt_ms:.2f} ms"

    def fields(self) -> dict[str, Any]:
        return {"rtt_ms": None if self.rtt_ms is None else round(self.rtt_ms, 3),
                "missed": self.missed, "kind": self.kind}


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorRaised(Event):
    """Something failed. ``count`` > 1 folds repeats of the same error (type and text)."""

    error_type: str  # the OpenDeckError subclass name
    text: str
    permanent: bool = False  # retrying will not fix it (see ``errors.is_permanent``)
    count: int = 1
    name: ClassVar[str] = "error"

    @classmethod
    def of(cls, error: BaseException, **kw: Any) -> ErrorRaised:
        from .errors import is_permanent
        return cls(error_type=type(error).__name__, text=str(error), permanent=is_permanent(error), **kw)

    @property
    def message(self) -> str:
        return self.text + (f" (x{self.count})" if self.count > 1 else "")

    def fields(self) -> dict[str, Any]:
        return {"type": self.error_type, "message": self.text, "permanent": self.permanent,
                "count": self.count}


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice(Event):
    """A line for the connection log: a demo gateway started, a warning, a restore step."""

    text: str
    level: str = "info"  # info | warning
    name: ClassVar[str] = "notice"

    @property
    def message(self) -> str:
        return self.text

    def fields(self) -> dict[str, Any]:
        return {"message": self.text, "level": self.level}


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointsChanged(Event):
    action: str  # added | updated | removed
    endpoint_name: str = ""
    name: ClassVar[str] = "endpoints"

    @property
    def message(self) -> str:
        return f"{self.action} endpoint {self.endpoint_name}"

    def fields(self) -> dict[str, Any]:
        return {"action": self.action, "name": self.endpoint_name}


@dataclass(frozen=True, slots=True, kw_only=True)
class ObserverFailed(Event):
    """An observer (a listener, an ingest callback) raised. The data path went on; this is
    how the failure becomes visible instead of silently counted."""

    where: str
    error_type: str
    text: str
    traceback: str
    name: ClassVar[str] = "observer_error"

    @property
    def message(self) -> str:
        return f"{self.where} raised {self.error_type}: {self.text} (the data path went on)"

    def fields(self) -> dict[str, Any]:
        return {"where": self.where, "type": self.error_type, "message": self.text,
                "traceback": self.traceback}


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalStatus(Event):
    """The journal fell behind, caught up, or stopped (``error`` set: nothing more is saved)."""

    lag_rows: int = 0
    reading_paused: bool = False
    error: str = ""
    unsaved: int = 0  # pushes that reached the ring but not the journal
    name: ClassVar[str] = "journal"

    @property
    def message(self) -> str:
        if self.error:
            return f"journal stopped: {self.error} \u2014 {self.unsaved} pushes not saved"
        if self.reading_paused:
            return f"journal behind by {self.lag_rows}, reading paused"
        return f"journal caught up (lag {self.lag_rows})"

    def fields(self) -> dict[str, Any]:
        return {"lag_rows": self.lag_rows, "reading_paused": self.reading_paused,
                "error": self.error, "unsaved": self.unsaved}
