"""What the gateway keeps per connection, and the two links that carry its bytes.

A :class:`ClientState` is transport-neutral: subscriptions, push registration, account
pushes, the handshake result and the bookkeeping the server needs (closing, the frames queued
behind the reply being built). How frames reach the peer is its ``link``:

* :class:`TcpLink` -- an asyncio stream; a list of frames is joined into one write.
* ``WsLink`` (in :mod:`.wsserver`) -- a WebSocket connection; one frame per binary message.

How a reply or push is framed is :meth:`ClientState.pack`: the OpenD TCP header (with the
connection's cipher) for TCP, the 44-byte WebSocket reply header (:mod:`opendeck.core.wsframe`)
for the WebSocket port.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Protocol

from .. import wsframe
from ..channel import Channel
from ..cipher import RsaCipher
from ..wire import FMT_PROTOBUF
from . import market as mk

TCP = "tcp"
WS = "ws"
WSS = "wss"

_ISSUED_CONN_IDS: set[int] = set()


def new_conn_id() -> int:
    """A random non-zero 64-bit connID never handed out before in this process.

    futu-api keys its AES state by connID process-wide (protocol.md §10.1), so two gateways
    must never share one."""
    while True:
        cid = secrets.randbits(64)
        if cid and cid not in _ISSUED_CONN_IDS:
            _ISSUED_CONN_IDS.add(cid)
            return cid


@dataclass(frozen=True)
class ClientInfo:
    """A snapshot of one connection, for views and tests."""

    conn_id: int
    peer: str
    ready: bool
    encryption: str
    client_id: str
    client_ver: int
    push_fmt: int
    recv_notify: bool
    subscriptions: int
    push_registered: int
    acc_push: tuple[int, ...]
    transport: str = TCP


class Link(Protocol):
    """The byte side of one connection, as the gateway core uses it."""

    peer: str

    def write(self, frames: list[bytes]) -> int:
        """Queue ``frames`` in order; returns the bytes queued (0 when already closing)."""

    def buffered(self) -> int:
        """Bytes queued and not yet handed to the kernel."""

    def is_closing(self) -> bool: ...

    async def drain(self) -> None:
        """Wait until the queue is back under the transport's high-water mark."""

    def abort(self) -> None:
        """Drop the connection now, unsent bytes included."""


def _peer_text(peer) -> str:
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)


class TcpLink:
    __slots__ = ("peer", "writer")

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.peer = _peer_text(writer.get_extra_info("peername"))

    def write(self, frames: list[bytes]) -> int:
        if self.is_closing():
            return 0
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        self.writer.write(data)
        return len(data)

    def buffered(self) -> int:
        transport = self.writer.transport
        return transport.get_write_buffer_size() if transport is not None else 0

    def is_closing(self) -> bool:
        transport = self.writer.transport
        return transport is None or transport.is_closing()

    async def drain(self) -> None:
        await self.writer.drain()

    def abort(self) -> None:
        if not self.is_closing():
            self.writer.transport.abort()

    def close(self) -> None:
        """Close after what is buffered (a final reply) has been sent."""
        if not self.is_closing():
            self.writer.close()


class ClientState:
    """One connection's state. ``channel`` is set for TCP only (framing and ciphers)."""

    __slots__ = (
        "acc_push",
        "channel",
        "client_id",
        "client_ver",
        "close_after",
        "closing",
        "conn_id",
        "last_in",
        "link",
        "notify_at", "notify_due",
        "out",
        "pending_bytes",
        "push_fmt",
        "ready",
        "recv_notify",
        "rehab_types",
        "subs",
        "task",
        "transport",
    )

    def __init__(self, link: Link, *, rsa: RsaCipher | None = None, transport: str = TCP,
                 max_body: int | None = None) -> None:
        self.link = link
        self.transport = transport
        if transport == TCP:
            self.channel: Channel | None = (Channel(rsa=rsa) if max_body is None
                                            else Channel(rsa=rsa, max_body=max_body))
        else:
            self.channel = None
        self.conn_id = 0
        self.ready = False
        self.push_fmt = FMT_PROTOBUF
        self.recv_notify = False
        self.client_id = ""
        self.client_ver = 0
        #: (market, code) -> {SubType: push registered}
        self.subs: dict[mk.SecKey, dict[int, bool]] = {}
        self.rehab_types: tuple[int, ...] = (1,)
        self.acc_push: set[int] = set()
        #: frames queued behind the reply currently being built (None outside a dispatch)
        self.out: list[bytes] | None = None
        self.close_after = False
        self.closing = False
        self.task: asyncio.Task | None = None
        self.notify_due = False
        #: loop time before which the post-handshake notify is held back (unless the client
        #: sends a request first): futu-api has not stored its new connID right after the reply
        self.notify_at = 0.0
        #: loop time of the last bytes received (idle timeout)
        self.last_in = 0.0
        #: bytes of replies built for the current read and not yet drained
        self.pending_bytes = 0

    @property
    def peer(self) -> str:
        return self.link.peer

    @property
    def encryption(self) -> str:
        if self.channel is not None:
            return self.channel.encryption
        return "tls" if self.transport == WSS else "none"

    def pack(self, pid: int, serial: int, plain: bytes, fmt: int) -> bytes:
        """Frame one reply or push for this connection's transport."""
        if self.channel is not None:
            return self.channel.pack(pid, serial, plain, fmt)
        return wsframe.pack_reply(pid, serial, plain)

    def pairs(self) -> set[tuple[mk.SecKey, int]]:
        return {(k, st) for k, types in self.subs.items() for st in types}

    def info(self) -> ClientInfo:
        return ClientInfo(self.conn_id, self.peer, self.ready, self.encryption,
                          self.client_id, self.client_ver, self.push_fmt, self.recv_notify,
                          sum(len(t) for t in self.subs.values()),
                          sum(sum(t.values()) for t in self.subs.values()),
                          tuple(sorted(self.acc_push)), self.transport)

    def abort(self) -> None:
        self.closing = True
        self.link.abort()
