"""The one shared core the window, the CLI and the tests use.

A :class:`Session` holds the endpoints, opens and closes their contexts, and publishes

* **events** (state changed, handshake, heartbeat, error, log line): low rate, delivered
  synchronously to subscribers;
* **pushes**: high rate, appended in batches to a bounded ring buffer (:class:`PushLog`) with
  a monotonically increasing sequence number, and handed to the journal in the same batches.
  Readers poll ``session.pushes.since(seq)`` from a timer; nothing is scheduled per push.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from . import pushrow
from .channel import Packet
from .cipher import RsaCipher
from .client.connection import ClientInfo, Connection
from .client.contexts import BaseContext, QuoteContext, TradeContext
from .client.ws import WsConnection
from .config import Endpoint
from .errors import ConfigError, NeedsKey, OpenDeckError
from .events import (
    STATUS_PRECEDENCE,
    ConnState,
    ContextKind,
    ContextStatus,
    EndpointsChanged,
    ErrorRaised,
    Event,
    HandshakeInfo,
    Heartbeat,
    JournalStatus,
    Notice,
    ObserverFailed,
    Transport,
)
from .journal import Journal
from .ring import PushLog, PushRates, PushRecord  # noqa: F401 - PushRecord is part of this API
from .secrets import KeyStore
from .wire import FMT_JSON, FMT_PROTOBUF

log = logging.getLogger("opendeck.session")


class ContextHandle:
    """One open (or opening) context of an endpoint: the read-only view the window uses.

    It is the connection's listener: the connection already stamps its events with the
    endpoint id and context kind; the handle forwards them to the session and its pushes to
    the session's ring.
    """

    def __init__(self, session: Session, endpoint: Endpoint, kind: ContextKind, conn: Connection,
                 ctx: BaseContext) -> None:
        self.session = session
        self.endpoint_id = endpoint.id
        self.kind = kind
        self._conn = conn
        self.ctx = ctx
        self.pushes = 0
        self.errors = 0
        self.global_state: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return str(self.kind)

    @property
    def conn(self) -> Connection:
        """The connection itself: for the core and tests; views use the properties below."""
        return self._conn

    @property
    def state(self) -> ConnState:
        return self._conn.state

    @property
    def status(self) -> ContextStatus:
        return ContextStatus.of(self._conn.state)

    @property
    def ready(self) -> bool:
        return self._conn.ready

    @property
    def handshake(self) -> HandshakeInfo | None:
        return self._conn.handshake

    @property
    def last_error(self) -> OpenDeckError | None:
        return self._conn.last_error

    @property
    def address(self) -> str:
        return self._conn.address

    def retry_in(self) -> float | None:
        return self._conn.retry_in()

    @property
    def rtts(self) -> Sequence[tuple[float, float]]:
        return self._conn.rtts

    @property
    def heartbeats_missed_total(self) -> int:
        return self._conn.missed_total

    @property
    def last_beat_ack(self) -> float | None:
        return self._conn.last_beat_ack

    @property
    def last_received(self) -> float | None:
        return self._conn.last_received

    def reconnect_now(self) -> None:
        self._conn.reconnect_now()

    async def wait_ready(self, timeout: float | None = None) -> HandshakeInfo:
        return await self._conn.wait_ready(timeout)

    # ConnectionListener -------------------------------------------------------------
    def on_event(self, conn: Connection, event: Event) -> None:
        if isinstance(event, ErrorRaised):
            self.errors += event.count
        # answered heartbeats are many and carry nothing worth keeping; the rest is journalled
        self.session._emit(event, journal=not (isinstance(event, Heartbeat) and event.rtt_ms is not None))

    def on_pushes(self, conn: Connection, packets: list[Packet]) -> None:
        self.pushes += len(packets)
        self.session._ingest(self, packets)


Listener = Callable[[Event], None]


class Session:
    def __init__(self, endpoints: Iterable[Endpoint] = (), *, ring_capacity: int = 200_000,
                 journal_path: Path | str | None = None, demo_push_rate: float = 4.0,
                 demo_keepalive: int = 10, retry_permanent: bool = False,
                 keys: KeyStore | None = None, journal: Journal | None = None) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        for ep in endpoints:
            self.endpoints[ep.id] = ep
        self.handles: dict[tuple[str, str], ContextHandle] = {}
        self.pushes = PushLog(ring_capacity)
        self.journal = journal or (Journal(journal_path) if journal_path else None)
        self.push_counts: dict[str, int] = {}  # endpoint id -> pushes received
        self.rates = PushRates(self.push_counts)
        self.demo_push_rate = demo_push_rate
        self.demo_keepalive = demo_keepalive
        self._demos: dict[str, Any] = {}  # endpoint id -> DemoGateway
        self._demo_ports: dict[str, int] = {}
        self._listeners: list[Listener] = []
        self.errors_in_listeners = 0
        #: headless modes (monitor) retry failures the window stops on, on a slow cap
        self.retry_permanent = retry_permanent
        #: WebSocket keys: memory and the OS keyring, never the profile
        self.keys = keys or KeyStore()
        self._reading_paused = False
        self._journal_error_told = False

    # events -----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: Event, journal: bool = True) -> None:
        if journal and self.journal is not None:
            self.journal.add_event(event.ts, event.endpoint, str(event.context or ""), event.name,
                                   event.message)
        for fn in list(self._listeners):
            try:
                fn(event)
            except Exception as exc:  # noqa: BLE001 - a broken observer must not break the core; shown
                self.errors_in_listeners += 1
                tb = traceback.format_exc()
                log.error("session listener %r raised on %s:\n%s", fn, type(event).__name__, tb)
                if not isinstance(event, ObserverFailed):
                    self._emit(ObserverFailed(endpoint=event.endpoint, context=event.context,
                                              where=f"session listener {getattr(fn, '__qualname__', fn)}",
                                              error_type=type(exc).__name__, text=str(exc),
                                              traceback=tb))

    def log(self, message: str, endpoint: str = "", context: ContextKind | None = None,
            level: str = "info") -> None:
        self._emit(Notice(endpoint=endpoint, context=context, text=message, level=level))

    # pushes -----------------------------------------------------------------------
    def _ingest(self, handle: ContextHandle, packets: list[Packet]) -> None:
        """One read batch: rows into the ring and to the journal (no summary is built here)."""
        log = self.pushes
        rows = pushrow.rows_from_packets(packets, log.last_seq + 1, time.time(), handle.endpoint_id,
                                         handle.key)
        log.last_seq += len(rows)
        log.extend(rows)
        ep = handle.endpoint_id
        self.push_counts[ep] = self.push_counts.get(ep, 0) + len(rows)
        journal = self.journal
        if journal is not None:
            journal.add_pushes(rows)
            if journal.behind and not self._reading_paused:
                self._pause_reading(journal)
            if journal.error is not None and not self._journal_error_told:
                self._journal_failed(journal)
        bad = pushrow.errors_in(rows)
        if bad:
            handle.errors += bad
            self._emit(ErrorRaised(endpoint=ep, context=handle.kind, error_type="ChecksumError",
                                   text=f"{bad} push(es) failed the SHA-1/cipher check; they are "
                                        "kept in the log with the error", count=bad))

    # journal backpressure --------------------------------------------------------------
    def _pause_reading(self, journal: Journal) -> None:
        """The journal is behind: stop reading every socket (TCP pushes back on the gateway)
        until it is below its low water; nothing is dropped and nothing grows."""
        self._reading_paused = True
        for h in self.handles.values():
            h.conn.set_reading_paused(True)
        loop = asyncio.get_running_loop()
        journal.set_resume_callback(lambda: loop.call_soon_threadsafe(self._resume_reading))
        self._emit(JournalStatus(lag_rows=journal.lag, reading_paused=True), journal=False)

    def _resume_reading(self) -> None:
        journal = self.journal
        if not self._reading_paused or (journal is not None and journal.behind):
            return
        self._reading_paused = False
        for h in self.handles.values():
            h.conn.set_reading_paused(False)
        self._emit(JournalStatus(lag_rows=journal.lag if journal else 0, reading_paused=False,
                                 error=str(journal.error or "") if journal else ""), journal=False)
        if journal is not None and journal.error is not None and not self._journal_error_told:
            self._journal_failed(journal)

    def _journal_failed(self, journal: Journal) -> None:
        self._journal_error_told = True
        self._emit(JournalStatus(lag_rows=journal.lag, error=str(journal.error),
                                 unsaved=journal.unsaved), journal=False)

    def replace_journal(self, journal: Journal | None) -> Journal | None:
        """Write from now on into ``journal`` (rotation by size); returns the old one, which the
        caller closes (it commits what it holds)."""
        old, self.journal = self.journal, journal
        self._journal_error_told = False
        if self._reading_paused and (journal is None or not journal.behind):
            self._resume_reading()
        return old

    @property
    def reading_paused(self) -> bool:
        return self._reading_paused

    # endpoints ----------------------------------------------------------------------
    def endpoint(self, endpoint_id: str) -> Endpoint:
        try:
            return self.endpoints[endpoint_id]
        except KeyError:
            raise ConfigError(f"no endpoint with id {endpoint_id!r}") from None

    def name_taken(self, name: str, except_id: str | None = None) -> bool:
        key = name.strip().casefold()
        return any(e.name.strip().casefold() == key and e.id != except_id
                   for e in self.endpoints.values())

    def _check_name(self, ep: Endpoint) -> None:
        if self.name_taken(ep.name, except_id=ep.id):
            raise ConfigError(f"an endpoint named {ep.name!r} exists already; pick another name")

    def add_endpoint(self, ep: Endpoint) -> Endpoint:
        ep.validate()
        if ep.id in self.endpoints:
            raise ConfigError(f"an endpoint with id {ep.id!r} exists already")
        self._check_name(ep)
        self.endpoints[ep.id] = ep
        self._emit(EndpointsChanged(endpoint=ep.id, action="added", endpoint_name=ep.name))
        return ep

    def update_endpoint(self, ep: Endpoint) -> Endpoint:
        """Replace the settings; open contexts keep running until reconnected by hand."""
        ep.validate()
        self.endpoint(ep.id)
        self._check_name(ep)
        self.endpoints[ep.id] = ep
        self._emit(EndpointsChanged(endpoint=ep.id, action="updated", endpoint_name=ep.name))
        return ep

    async def remove_endpoint(self, endpoint_id: str) -> None:
        ep = self.endpoint(endpoint_id)
        await self.close_endpoint(endpoint_id)
        await self.stop_demo(endpoint_id)
        self._demo_ports.pop(endpoint_id, None)
        self._demo_ports.pop(f"{endpoint_id}/ws", None)
        del self.endpoints[endpoint_id]
        self._emit(EndpointsChanged(endpoint=endpoint_id, action="removed", endpoint_name=ep.name))

    def handle(self, endpoint_id: str, kind: ContextKind | str) -> ContextHandle | None:
        return self.handles.get((endpoint_id, str(kind)))

    def handles_of(self, endpoint_id: str) -> list[ContextHandle]:
        return [h for (e, _k), h in self.handles.items() if e == endpoint_id]

    def all_handles(self) -> list[ContextHandle]:
        return list(self.handles.values())

    def context_status(self, endpoint_id: str, kind: ContextKind | str) -> ContextStatus:
        """What the window shows for one context; ERROR is a context stopped by a failure
        (its reason is ``handle.last_error``); a user's close makes it DISCONNECTED."""
        h = self.handle(endpoint_id, kind)
        return h.status if h is not None else ContextStatus.DISCONNECTED

    def endpoint_status(self, endpoint_id: str) -> ContextStatus:
        """The most telling status of an endpoint's contexts (see STATUS_PRECEDENCE)."""
        have = {h.status for h in self.handles_of(endpoint_id)}
        return next((s for s in STATUS_PRECEDENCE if s in have), ContextStatus.DISCONNECTED)

    # TODO(gui split): the two string forms below go once gui/ uses the statuses
    def context_state(self, endpoint_id: str, kind: ContextKind | str) -> str:
        return str(self.context_status(endpoint_id, kind))

    def endpoint_state(self, endpoint_id: str) -> str:
        return str(self.endpoint_status(endpoint_id))

    # demo gateway -------------------------------------------------------------------
    def demo_gateway(self, endpoint_id: str):
        return self._demos.get(endpoint_id)

    async def start_demo(self, endpoint_id: str):
        gw = self._demos.get(endpoint_id)
        if gw is not None:
            return gw
        from .gateway.server import DemoGateway
        gw = DemoGateway(host="127.0.0.1", port=self._demo_ports.get(endpoint_id, 0),
                         push_rate=self.demo_push_rate, keepalive_interval=self.demo_keepalive,
                         websocket_port=self._demo_ports.get(f"{endpoint_id}/ws", 0))
        await gw.start()
        self._demos[endpoint_id] = gw
        self._demo_ports[endpoint_id] = gw.port
        self._demo_ports[f"{endpoint_id}/ws"] = gw.websocket_port
        self.log(f"demo gateway listening on {gw.host}:{gw.port} (TCP) and "
                 f"{gw.websocket_url} (WebSocket)", endpoint_id)
        return gw

    async def stop_demo(self, endpoint_id: str) -> None:
        gw = self._demos.pop(endpoint_id, None)
        if gw is not None:
            await gw.stop()
            self.log("demo gateway stopped", endpoint_id)

    # contexts -----------------------------------------------------------------------
    async def open(self, endpoint_id: str, kind: ContextKind | str) -> ContextHandle:
        """Start a context connecting (returns at once; watch events or ``wait_ready``)."""
        kind = ContextKind.parse(str(kind))
        key = str(kind)
        ep = self.endpoint(endpoint_id)
        existing = self.handles.get((endpoint_id, key))
        if existing is not None and existing.state not in (ConnState.CLOSED, ConnState.FAILED):
            return existing  # a failed one is replaced: the user may have fixed the settings
        host, port = ep.host, ep.port
        if ep.demo:
            gw = await self.start_demo(endpoint_id)
            host, port = gw.host, gw.port
        client = ClientInfo(client_id=ep.client_id, client_ver=ep.client_ver, language=ep.language,
                            recv_notify=ep.recv_notify,
                            push_format=FMT_JSON if ep.push_format == "json" else FMT_PROTOBUF)
        common: dict[str, Any] = {
            "client": client, "auto_reconnect": ep.auto_reconnect, "endpoint": ep.id, "context": kind,
            "label": f"{ep.name} {kind.label.lower()}", "retry_permanent": self.retry_permanent}
        if ep.demo and ep.is_websocket:  # the demo gateway serves both transports
            gw = self._demos[endpoint_id]
            conn: Connection = WsConnection(gw.host, gw.websocket_port, key=gw.websocket_key,
                                            heartbeat_interval=ep.heartbeat_interval, **common)
        elif not ep.demo and ep.is_websocket:
            ws_key = self.keys.get(ep.id) or ep.read_websocket_key() or None
            if ws_key is None:
                raise NeedsKey(f"{ep.name}: OpenD's WebSocket port needs its key; enter it (it is "
                               "kept in memory, or in the OS keyring if you ask), or set a key file "
                               "in the endpoint (Edit, F2)", endpoint_id=ep.id)
            conn = WsConnection(host, port, tls=ep.transport is Transport.WSS, key=ws_key,
                                ca_cert=ep.ca_cert or None, tls_verify=ep.tls_verify,
                                heartbeat_interval=ep.heartbeat_interval, **common)
        else:
            rsa = RsaCipher.from_file(ep.rsa_key) if ep.rsa_key else None
            conn = Connection(host, port, rsa=rsa, **common)
        if kind is ContextKind.QUOTE:
            ctx: BaseContext = QuoteContext(conn)
        elif kind is ContextKind.TRADE_SEC:
            ctx = TradeContext(conn, "securities", ep.trd_market or None, ep.security_firm or None)
        else:
            ctx = TradeContext(conn, "futures", None, ep.security_firm or None)
        handle = ContextHandle(self, ep, kind, conn, ctx)
        conn.listener = handle
        if self._reading_paused:
            conn.set_reading_paused(True)
        self.handles[(endpoint_id, key)] = handle
        conn.start()
        return handle

    async def open_endpoint(self, endpoint_id: str) -> list[ContextHandle]:
        ep = self.endpoint(endpoint_id)
        return [await self.open(endpoint_id, key) for key in ep.contexts]

    async def close(self, endpoint_id: str, kind: ContextKind | str) -> None:
        handle = self.handles.get((endpoint_id, str(kind)))
        if handle is not None:
            await handle.conn.close()

    async def close_endpoint(self, endpoint_id: str) -> None:
        for (e, k) in list(self.handles):
            if e == endpoint_id:
                await self.close(e, k)

    async def aclose(self) -> None:
        """Close every context and demo gateway, then the journal."""
        for (e, k) in list(self.handles):
            with contextlib.suppress(Exception):
                await self.close(e, k)
        for ep_id in list(self._demos):
            with contextlib.suppress(Exception):
                await self.stop_demo(ep_id)
        if self.journal is not None:
            self.journal.close()
