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
server.py           DemoGateway: listening, accepting, the connection cap, the TCP read loop,
                    the market task, lifecycle and read-only views
wsserver.py         the WebSocket port (ws:// and wss://): upgrade, InitWebSocket, key check
clientstate.py      per-connection state and the TCP link
dispatch.py         the handler registry (``@handles(proto_id)``) and request dispatch
handlers_*.py       the handlers, by group (system, quote, trade, ...)
pushes.py           the write path, pushes, market ticks, notifies, account pushes
faults.py           fault knobs for testing clients (stall, garbage, bad SHA-1, blast, ...)
limits.py           caps and timeouts against hostile clients
stats.py            counters, and a log helper that folds repeated errors
market.py           the synthetic market;  trading.py: accounts, orders, fills
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
import ipaddress
import logging
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import asdict

from ..cipher import RsaCipher
from ..channel import encode_message
from ..errors import ProtocolError
from ..wire import FMT_JSON, FMT_PROTOBUF, encode_frame
from . import dispatch as _dispatch
from . import market as mk
from . import pushes
from .clientstate import ClientInfo, ClientState, TcpLink, new_conn_id
from .faults import FaultsMixin
from .limits import Limits
from .stats import FoldedLog, GatewayStats
from .trading import Book

log = logging.getLogger("opendeck.gateway")

DEMO_USER_ID = 10086001
DEFAULT_QUOTA = 1000
READ_SIZE = 256 * 1024
MAX_PUSH_BUFFER = 4 * 1024 * 1024
#: over the connection cap: how many refused TCP connections may wait for their InitConnect
#: (to be told why) at once, and for how long; the others are closed at once
MAX_REFUSING = 16
REFUSE_WAIT = 2.0

__all__ = ["DEMO_USER_ID", "ClientInfo", "DemoGateway", "GatewayStats", "new_conn_id"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_budget(ready: bool, accepted_at: float, now: float, handshake_timeout: float,
                idle_timeout: float) -> float:
    """Seconds the next read of a TCP connection may wait: what is left of the handshake
    window before the handshake, the idle timeout after it. <= 0 means time is up."""
    if not ready:
        return accepted_at + handshake_timeout - now
    return idle_timeout


class DemoGateway(FaultsMixin):
    """An OpenD look-alike on a TCP port (and a WebSocket port when ``websocket_port`` is
    given). See the module docstring and :mod:`.faults` for the knobs."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, rsa: RsaCipher | None = None,
                 aes: str = "cbc", keepalive_interval: int = 10, push_rate: float = 2.0,
                 server_ver: int = 1011, login_user_id: int = DEMO_USER_ID,
                 trade_password: str = "123456", seed: int | None = None,
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
        self.market = mk.Market(seed)
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
        self._listen_fds: set[int] = set()
        self._refusing: set[ClientState] = set()
        self._loop_handler = None
        self._server: asyncio.base_events.Server | None = None
        self._market_task: asyncio.Task | None = None
        self._stopping = False
        self._change = asyncio.Event()
        #: the last 100 successful handshakes (ClientInfo right after InitConnect)
        self.handshake_log: deque[ClientInfo] = deque(maxlen=100)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the gateway is already running")
        self._stopping = False
        self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                  limit=READ_SIZE)
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
        self._filter_accept_errors()
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
        self._stopping = True
        self._unfilter_accept_errors()
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
        for c in list(self._refusing):
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

    async def __aenter__(self) -> DemoGateway:
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
        if self._stopping:
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
        if had_subs and not self._stopping:
            pushes.quota_changed(self)
        self._signal()
        log.debug("connection %s (connID %s) closed", c.peer, c.conn_id)

    def mark_ready(self, c: ClientState) -> None:
        """The handshake of ``c`` is done (InitConnect or InitWebSocket)."""
        c.ready = True
        c.notify_due = c.recv_notify
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

    def _filter_accept_errors(self) -> None:
        """Fold asyncio's "accept() out of system resource" reports for our listening
        sockets (at the fd limit asyncio reports one per attempt, with a traceback each)
        into one log line per second with a count; everything else goes on to the handler
        that was there before."""
        loop = asyncio.get_running_loop()
        socks = list(self._server.sockets)
        if self._ws is not None:
            socks += self._ws.sockets
        self._listen_fds = {s.fileno() for s in socks}
        previous = loop.get_exception_handler()

        def handler(loop, context) -> None:
            sock = context.get("socket")
            if (sock is not None and self._listen_fds
                    and str(context.get("message", "")).startswith("socket.accept()")
                    and sock.fileno() in self._listen_fds):
                self.counters.accept_errors += 1
                self.accept_errors.report(
                    f"demo gateway cannot accept connections: {context.get('exception')}; "
                    "new clients wait in the backlog until descriptors are free")
                return
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)
        self._loop_handler = (handler, previous)
        loop.set_exception_handler(handler)

    def _unfilter_accept_errors(self) -> None:
        self._listen_fds = set()  # a handler left in a chain passes everything on
        if self._loop_handler is None:
            return
        handler, previous = self._loop_handler
        self._loop_handler = None
        loop = asyncio.get_running_loop()
        if loop.get_exception_handler() is handler:
            loop.set_exception_handler(previous)

    # -- the TCP port ------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        c = ClientState(TcpLink(writer), rsa=self.rsa)
        c.task = asyncio.current_task()
        if not self.admit(c):
            if not self._stopping and len(self._refusing) < MAX_REFUSING:
                self._refusing.add(c)
                try:
                    await self._refuse(c, reader)
                except (ConnectionError, OSError, asyncio.CancelledError):
                    pass
                finally:
                    self._refusing.discard(c)
            c.abort()
            return
        try:
            await self._read_loop(c, reader)
        except (ConnectionError, OSError) as exc:
            log.debug("connection %s: %s", c.peer, exc)
        except asyncio.CancelledError:
            pass
        except Exception:  # never let one client take the server down
            log.exception("demo gateway: connection %s failed", c.peer)
        finally:
            c.closing = True
            if c.close_after:
                c.link.close()  # flushes what is buffered (the final reply) first
            else:
                c.link.abort()
            self.release(c)

    async def _refuse(self, c: ClientState, reader: asyncio.StreamReader) -> None:
        """Over the cap: answer the first packet (InitConnect, in plaintext) with retType -1
        saying why, then close. A client that sends nothing for REFUSE_WAIT s is dropped."""
        packets: list = []
        try:
            async with asyncio.timeout(REFUSE_WAIT):
                while not packets:
                    data = await reader.read(READ_SIZE)
                    if not data:
                        return
                    packets = c.channel.receive(data)
        except (TimeoutError, ProtocolError):
            return
        pkt = packets[0]
        fmt = pkt.fmt if pkt.fmt in (FMT_PROTOBUF, FMT_JSON) else FMT_PROTOBUF
        cap = self.limits.max_connections
        resp = _dispatch.GenericResponse(
            retType=-1, retMsg=f"the demo gateway is at its cap of {cap} connections "
            "(--max-connections): close another connection or raise the cap")
        c.link.write([encode_frame(pkt.proto_id, pkt.serial, encode_message(resp, fmt),
                                   fmt=fmt)])
        c.link.close()

    async def _read_loop(self, c: ClientState, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        while not c.closing:
            await self.resumed.wait()
            budget = read_budget(c.ready, accepted, loop.time(), self.limits.handshake_timeout,
                                 self.limits.idle_factor * self.keepalive_interval)
            try:
                if budget <= 0:
                    raise TimeoutError
                async with asyncio.timeout(budget):
                    data = await reader.read(READ_SIZE)
            except TimeoutError:
                self.counters.timeouts += 1
                if c.ready:
                    log.info("connection %s sent nothing for %gs (%g x keepAliveInterval); "
                             "closing it", c.peer, self.limits.idle_factor *
                             self.keepalive_interval, self.limits.idle_factor)
                else:
                    self.counters.handshakes_failed += 1
                    log.info("connection %s did not finish InitConnect within %gs; closing "
                             "it", c.peer, self.limits.handshake_timeout)
                return
            if not data:
                return
            c.last_in = loop.time()
            await self.resumed.wait()
            self.counters.bytes_in += len(data)
            try:
                packets = c.channel.receive(data)
            except ProtocolError as exc:
                log.info("connection %s: %s; closing it", c.peer, exc)
                self.counters.bad_packets += 1
                return
            if not await self.handle_packets(c, packets):
                return

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
                    pushes.notifies(self, now >= next_notify and self.notify_interval > 0)
                    if now >= next_notify:
                        next_notify = now + max(self.notify_interval, 1.0)
                except Exception:
                    log.exception("demo gateway: market tick failed")
                self._signal()
            wake = min(next_tick, now + 0.1) if rate > 0 else now + 0.1
            await asyncio.sleep(max(0.0, wake - loop.time()))
