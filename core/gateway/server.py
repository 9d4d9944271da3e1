"""The demo OpenD gateway: an asyncio server speaking OpenD's TCP protocol, and optionally
its WebSocket port (the JavaScript SDK's), both on one state.

It reuses the client's codec from the server side: one :class:`~opendeck.core.channel.Channel`
per TCP connection (framing, RSA for InitConnect, AES after it, SHA-1 check), the generated
messages in :mod:`opendeck.core.pb`, and the proto catalog. See shared/protocol.md §5, §10,
§12 and shared/websocket.md for the behaviour it follows.

Usage::

    async with DemoGateway(port=0) as gw:      # port 0 picks a free port
        print(gw.host, gw.port)

Where the jobs live (this package):

==================  ==========================================================================
server.py           DemoGateway: lifecycle, the connection cap (admit / release), reply
                    chunking, the market task, read-only views
tcpport.py          the TCP port: read loop, handshake and idle timeouts, refusal over the cap
wsserver.py         the WebSocket port (ws:// and wss://): upgrade, InitWebSocket, key check
clientstate.py      per-connection state and the TCP link
dispatch.py         the handler registry (``@handles(proto_id)``) and request dispatch
handlers_*.py       the handlers, by group (system, quote, trade, ...)
pushes.py           the write path, pushes, market ticks, notifies, account pushes
faults.py           fault knobs for testing clients (stall, garbage, bad SHA-1, blast, ...)
limits.py           caps and timeouts against hostile clients
stats.py            counters; folding of repeated errors (accept failures at the fd limit)
quote_pulls.py,     the issue-11 pulls (quote data, static data, orders and the ledger),
quote_static.py,    registered like the handlers_*.py modules
trade_pulls.py
market.py,          the market model: the universe of codes, one deterministic walk per
universe.py,        instrument, the demo clock
pricepath.py
trading.py,         the trading model: accounts, resting orders, fills, cash and positions
ledger.py
replay.py           ``--replay``: a recorded journal's pushes served to subscribers
==================  ==========================================================================

Design notes
------------
* One handler task per connection reads, decodes and answers; the replies to one read go out
  in chunks of ``limits.max_pending_replies`` bytes, each drained before more packets are handled,
  so a client that does not read its replies stops being read (and is dropped after
  :attr:`DemoGateway.drain_timeout`).
* One market task drives every connection: each tick it steps the synthetic market, encodes
  each subscribed (security, SubType) once per push format, and writes every connection's
  pushes as one batch. It never awaits a client: a connection whose unsent buffer is over
  :attr:`DemoGateway.max_push_buffer` has that tick's pushes dropped (counted in
  ``stats.pushes_dropped``) until it catches up. :meth:`blast` never drops: it waits.
* Trade state (accounts, unlock, orders) is gateway-wide, like a real OpenD logged into one
  account; subscriptions, push registration and account-push subscriptions are per connection.

Fault knobs: see :mod:`.faults`. Also ``push_rate`` (ticks per second, 0 pauses the market),
``fill_delay`` (seconds between an order's Submitted push and its fill), ``notify_interval``
(seconds between periodic ConnStatus notifies).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from typing import Self

from ..cipher import RsaCipher
from . import dispatch as _dispatch
from . import market as mk
from . import pushes, tcpport
from .clientstate import ClientInfo, ClientState, new_conn_id
from .faults import FaultsMixin
from .limits import Limits
from .stats import AcceptErrorFilter, FoldedLog, GatewayStats
from .trading import Book

log = logging.getLogger("opendeck.gateway")

DEMO_USER_ID = 10086001
DEFAULT_QUOTA = 1000
MAX_PUSH_BUFFER = 4 * 1024 * 1024
#: the post-handshake ConnStatus notify waits this long, or for the client's first request
NOTIFY_HOLD = 0.1

__all__ = ["DEMO_USER_ID", "ClientInfo", "DemoGateway", "GatewayStats", "new_conn_id"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DemoGateway(FaultsMixin):
    """An OpenD look-alike on a TCP port (and a WebSocket port when ``websocket_port`` is
    given). See the module docstring and :mod:`.faults` for the knobs."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, rsa: RsaCipher | None = None,
                 aes: str = "cbc", keepalive_interval: int = 10, push_rate: float = 2.0,
                 server_ver: int = 1011, login_user_id: int = DEMO_USER_ID,
                 trade_password: str = "123456", seed: int | None = None,
                 start_time: float | None = None, calendar: str = "always",
                 quota: int = DEFAULT_QUOTA, websocket_port: int | None = None,
                 websocket_key: str | None = None, websocket_ssl: ssl.SSLContext | None = None,
                 limits: Limits | None = None) -> None:
        if aes not in ("cbc", "ecb"):
            raise ValueError(f"aes must be 'cbc' or 'ecb', not {aes!r}")
        if keepalive_interval <= 0:
            raise ValueError("keepalive_interval must be a positive number of seconds")
        if push_rate < 0:
            raise ValueError("push_rate must be >= 0 (0 pauses the market)")
        self.host = host
        self.port = port
        self.rsa = rsa
        self.aes = aes
        self.keepalive_interval = int(keepalive_interval)
        self.push_rate = float(push_rate)
        self.server_ver = server_ver
        self.login_user_id = login_user_id
        self.trade_password = trade_password
        self.quota = quota
        self.market = mk.Market(seed, start_time=start_time, calendar=calendar)
        self.book = Book()
        self.limits = limits if limits is not None else Limits()
        # the WebSocket port (wsserver.py); the key is picked at start when not given
        self.websocket_port = websocket_port
        self.websocket_key = websocket_key
        self.websocket_key_given = websocket_key is not None
        self.websocket_ssl = websocket_ssl
        self._ws = None
        # fault knobs and tunables
        self.answer_keepalive = True
        self.reply_delay_ms = 0
        self.fill_delay = 0.0
        self.notify_interval = 30.0
        self.max_push_buffer = MAX_PUSH_BUFFER
        self.drain_timeout = 30.0
        self.corrupt_left = 0
        self.resumed = asyncio.Event()
        self.resumed.set()
        # runtime, shared with the gateway's own modules
        self.counters = GatewayStats()
        #: the live connections of both ports
        self.conns: list[ClientState] = []
        #: orderID -> pending fill timer
        self.fill_timers: dict[int, asyncio.TimerHandle] = {}
        self.refusals = FoldedLog(log, 1.0)
        self.accept_errors = FoldedLog(log, 1.0)
        self.accept_filter = AcceptErrorFilter(self.accept_errors, self.counters)
        #: TCP connections over the cap waiting to be told so (tcpport._refuse)
        self.refusing: set[ClientState] = set()
        self._server: asyncio.base_events.Server | None = None
        self._market_task: asyncio.Task | None = None
        self.stopping = False
        self._change = asyncio.Event()
        #: the last 100 successful handshakes (ClientInfo right after InitConnect)
        self.handshake_log: deque[ClientInfo] = deque(maxlen=100)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the gateway is already running")
        self.stopping = False
        self._server = await asyncio.start_server(functools.partial(tcpport.serve, self),
                                                  self.host, self.port,
                                                  limit=tcpport.READ_SIZE)
        sock = self._server.sockets[0].getsockname()
        self.host, self.port = sock[0], sock[1]
        if self.websocket_port is not None:
            from .wsserver import WebSocketPort
            self._ws = WebSocketPort(self)
            try:
                await self._ws.start()
            except BaseException:
                self._ws = None
                self._server.close()
                await self._server.wait_closed()
                self._server = None
                raise
        socks = list(self._server.sockets) + (self._ws.sockets if self._ws else [])
        self.accept_filter.install(asyncio.get_running_loop(), socks)
        self._market_task = asyncio.create_task(self._market_loop(),
                                                name=f"opendeck-gateway-market:{self.port}")
        if not is_loopback(self.host):
            log.warning("demo gateway: %s is not a loopback address: anyone who can reach it "
                        "can connect, and the demo gateway has no authentication (only the "
                        "trade password guards unlocking)", self.host)
        log.info("demo gateway listening on %s:%s (encryption %s)", self.host, self.port,
                 self.encryption)

    async def stop(self) -> None:
        """Close the listeners and every client, and wait for every handler to finish."""
        server = self._server
        if server is None:
            return
        self.stopping = True
        self.accept_filter.remove()
        server.close()
        if self._ws is not None:
            self._ws.close()
        if self._market_task is not None:
            self._market_task.cancel()
            await asyncio.gather(self._market_task, return_exceptions=True)
            self._market_task = None
        for timer in self.fill_timers.values():
            timer.cancel()
        self.fill_timers.clear()
        for c in list(self.refusing):
            c.abort()
            if c.task is not None:
                c.task.cancel()
        # A connection accepted just before close() may still be starting its handler:
        # loop until no handler is left.
        for _ in range(100):
            clients = list(self.conns)
            for c in clients:
                c.abort()
            tasks = [c.task for c in clients if c.task is not None and not c.task.done()]
            for t in tasks:
                t.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0)
            if not self.conns:
                break
        await server.wait_closed()
        if self._ws is not None:
            await self._ws.wait_closed()
            self._ws = None
        self._server = None
        self._signal()
        log.info("demo gateway on %s:%s stopped", self.host, self.port)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # -- views -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def encryption(self) -> str:
        return f"rsa+aes-{self.aes}" if self.rsa is not None else "none"

    @property
    def websocket_host(self) -> str | None:
        return self._ws.host if self._ws is not None else None

    @property
    def websocket_url(self) -> str | None:
        """``ws://host:port`` or ``wss://host:port`` while the WebSocket port is up."""
        if self._ws is None:
            return None
        scheme = "wss" if self.websocket_ssl is not None else "ws"
        return f"{scheme}://{self._ws.host}:{self.websocket_port}"

    @property
    def stats(self) -> GatewayStats:
        s = GatewayStats(**asdict(self.counters))
        s.connections_open = len(self.conns)
        return s

    @property
    def clients(self) -> list[ClientInfo]:
        return [c.info() for c in self.conns]

    @property
    def trade_unlocked(self) -> bool:
        return self.book.unlocked

    @property
    def pending_fills(self) -> int:
        return len(self.fill_timers)

    def used_quota(self) -> int:
        """Subscription quota in use: distinct (security, SubType) pairs over all connections."""
        used: set = set()
        for c in self.conns:
            used |= c.pairs()
        return len(used)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true; it is re-checked after every connection event,
        every batch of packets handled and every market tick. Raises TimeoutError."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._change.wait()

    def _signal(self) -> None:
        ev, self._change = self._change, asyncio.Event()
        ev.set()

    # -- connections (both ports) ------------------------------------------------------------

    def admit(self, c: ClientState) -> bool:
        """Register a new connection, or refuse it (stopping, or at the cap)."""
        if self.stopping:
            return False
        if len(self.conns) >= self.limits.max_connections:
            self.counters.connections_refused += 1
            self.refusals.report(f"refused a connection from {c.peer}: the demo gateway is at "
                                 f"its cap of {self.limits.max_connections} connections "
                                 "(--max-connections)")
            return False
        self.conns.append(c)
        self.counters.connections_total += 1
        c.last_in = asyncio.get_running_loop().time()
        self._signal()
        log.debug("connection from %s (%s)", c.peer, c.transport)
        return True

    def release(self, c: ClientState) -> None:
        """Forget a closed connection: quota notify if it held subscriptions."""
        c.closing = True
        had_subs = bool(c.subs)
        try:
            self.conns.remove(c)
        except ValueError:
            return
        if had_subs and not self.stopping:
            pushes.quota_changed(self)
        self._signal()
        log.debug("connection %s (connID %s) closed", c.peer, c.conn_id)

    def mark_ready(self, c: ClientState) -> None:
        """The handshake of ``c`` is done (InitConnect or InitWebSocket)."""
        c.ready = True
        c.notify_due = c.recv_notify
        c.notify_at = asyncio.get_running_loop().time() + NOTIFY_HOLD
        self.counters.handshakes += 1
        self.handshake_log.append(c.info())
        log.debug("connection %s ready: connID %s, client %s %s, %s", c.peer, c.conn_id,
                  c.client_id, c.client_ver, c.encryption)

    async def handle_packets(self, c: ClientState, packets) -> bool:
        """Dispatch packets of one read; write and drain the replies in chunks. Returns
        False when the connection is to be closed."""
        out: list[bytes] = []
        size = 0
        for pkt in packets:
            before = len(out)
            c.out = out
            try:
                _dispatch.dispatch(self, c, pkt, out)
            finally:
                c.out = None
            if c.close_after:
                break
            for i in range(before, len(out)):
                size += len(out[i])
            if size >= self.limits.max_pending_replies:
                if not await self._flush(c, out):
                    return False
                out, size = [], 0
        if out and not await self._flush(c, out):
            return False
        self._signal()
        return not c.close_after

    async def _flush(self, c: ClientState, out: list[bytes]) -> bool:
        if self.reply_delay_ms > 0:
            await asyncio.sleep(self.reply_delay_ms / 1000)
        await self.resumed.wait()
        if not pushes.write(self, c, out):
            return False
        try:
            async with asyncio.timeout(self.drain_timeout):
                await c.link.drain()
        except TimeoutError:
            self.counters.slow_clients_dropped += 1
            log.info("connection %s has not read its replies for %ss; closing it",
                     c.peer, self.drain_timeout)
            return False
        return True

    # -- market ------------------------------------------------------------------------------

    async def _market_loop(self) -> None:
        """The one task behind every push: market ticks at ``push_rate``, the post-handshake
        ConnStatus notify and the periodic one. Wakes at least every 0.1 s so a changed
        ``push_rate`` or a new connection is picked up quickly."""
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        next_notify = loop.time() + self.notify_interval
        while True:
            now = loop.time()
            rate = self.push_rate
            if self.stalled:
                next_tick = now
            else:
                try:
                    if rate > 0 and now >= next_tick:
                        pushes.tick(self)
                        next_tick += 1.0 / rate
                        if next_tick < now:  # fell behind: do not try to catch up
                            next_tick = now + 1.0 / rate
                    elif rate <= 0:
                        next_tick = now
                    pushes.notifies(self, now >= next_notify and self.notify_interval > 0,
                                    now)
                    if now >= next_notify:
                        next_notify = now + max(self.notify_interval, 1.0)
                except Exception:
                    log.exception("demo gateway: market tick failed")
                self._signal()
            wake = min(next_tick, now + 0.1) if rate > 0 else now + 0.1
            await asyncio.sleep(max(0.0, wake - loop.time()))
