"""The demo OpenD gateway: an asyncio server speaking the OpenD TCP protocol.

It reuses the client's codec from the server side: one :class:`~opendeck.core.channel.Channel`
per accepted connection (framing, RSA for InitConnect, AES after it, SHA-1 check), the
generated messages in :mod:`opendeck.core.pb`, and the proto catalog. See shared/protocol.md
§5, §10 and §12 for the behaviour it follows.

Usage::

    async with DemoGateway(port=0) as gw:      # port 0 picks a free port
        print(gw.host, gw.port)
        ...

Design notes
------------
* One handler task per connection reads, decodes and answers; all replies to one read go out
  in one ``writer.write``. A handler never touches another connection except to write pushes
  into its writer, so a bad or slow client cannot stall the others.
* One market task drives every connection: each tick it steps the synthetic market, encodes
  each subscribed (security, SubType) once per push format, and writes every connection's
  pushes as one batch. It never awaits a client: a connection whose unsent buffer is over
  :attr:`DemoGateway.max_push_buffer` has that tick's pushes dropped (counted in
  ``stats.pushes_dropped``) until it catches up. Replies are drained by the connection's own
  handler, bounded by :attr:`DemoGateway.drain_timeout` (a client that does not read its
  replies for that long is dropped); :meth:`DemoGateway.blast` drains each connection
  concurrently, each bounded the same way.
* Trade state (accounts, unlock, orders) is gateway-wide, like a real OpenD logged into one
  account; subscriptions, push registration and account-push subscriptions are per connection.

Fault knobs (for testing clients; all take effect immediately)
---------------------------------------------------------------
``answer_keepalive``  False: KeepAlive requests are read and dropped (no reply).
``stall()`` / ``resume()``  stop reading, answering and pushing on every connection (the
                      sockets stay open), and start again.
``await close_clients()``  drop every client connection; the gateway keeps listening.
``send_garbage(n)``   write n random bytes (not starting with ``FT``) to every connection.
``corrupt_sha1(n)``   the next n packets sent (replies or pushes) carry a wrong SHA-1.
``reply_delay_ms``    delay every reply by this many milliseconds (pushes are not delayed).
``await blast(n, proto_id=3005)``  n pushes as fast as possible to every subscribed connection.
Also: ``push_rate`` (ticks per second, 0 pauses the market), ``fill_delay`` (seconds between
an order's Submitted push and its fill), ``notify_interval`` (seconds between periodic
ConnStatus notifies), ``broadcast_notify(s2c)`` / ``notify_gtw_event(type, desc)``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import string
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass

from .. import catalog
from ..channel import Channel, Packet, decode_message, encode_message
from ..cipher import RsaCipher, aes_for, password_md5
from ..errors import DecodeError, ProtocolError
from ..pb import (InitConnect_pb2, Notify_pb2, Trd_UpdateOrder_pb2,
                  Trd_UpdateOrderFill_pb2)
from ..wire import FMT_JSON, FMT_PROTOBUF, encode_frame
from . import market as mk
from .trading import Book, Order, OrderRejected

log = logging.getLogger("opendeck.gateway")

DEMO_USER_ID = 10086001
DEFAULT_QUOTA = 1000
READ_SIZE = 256 * 1024
MAX_PUSH_BUFFER = 4 * 1024 * 1024
SERVER_BUILD_NO = 7108
_KEY_ALPHABET = string.ascii_letters + string.digits

# Notify.NotifyType
NOTIFY_GTW_EVENT = 1
NOTIFY_CONN_STATUS = 3
NOTIFY_USED_QUOTA = 7

# Any Response works for a bare {retType, retMsg}: fields 1 and 2 are the same in every file.
_GenericResponse = InitConnect_pb2.Response

_ISSUED_CONN_IDS: set[int] = set()

#: push proto id -> the SubType blast() builds it from (KL: 1-minute bars)
_BLAST_SUBTYPE = {mk.P_BASIC_QOT: mk.SUB_BASIC, mk.P_TICKER: mk.SUB_TICKER,
                  mk.P_ORDER_BOOK: mk.SUB_ORDER_BOOK, mk.P_RT: mk.SUB_RT,
                  mk.P_BROKER: mk.SUB_BROKER, mk.P_KL: 11}


def new_conn_id() -> int:
    """A random non-zero 64-bit connID never handed out before in this process.

    futu-api keys its AES state by connID process-wide (protocol.md §10.1), so two gateways
    must never share one."""
    while True:
        cid = secrets.randbits(64)
        if cid and cid not in _ISSUED_CONN_IDS:
            _ISSUED_CONN_IDS.add(cid)
            return cid


def _random_key() -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


class Reject(Exception):
    """Raised by a handler: the request is answered with retType -1 and this message."""


@dataclass
class GatewayStats:
    connections_open: int = 0
    connections_total: int = 0
    packets_in: int = 0
    packets_out: int = 0
    pushes_sent: int = 0
    pushes_dropped: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    bad_packets: int = 0
    keepalives: int = 0
    keepalives_ignored: int = 0
    handshakes: int = 0
    handshakes_failed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


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


class _Client:
    __slots__ = ("reader", "writer", "channel", "peer", "conn_id", "ready", "push_fmt",
                 "recv_notify", "client_id", "client_ver", "subs", "rehab_types", "acc_push",
                 "out", "close_after", "closing", "task", "notify_due")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 rsa: RsaCipher | None) -> None:
        self.reader = reader
        self.writer = writer
        self.channel = Channel(rsa=rsa)
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
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

    def pairs(self) -> set[tuple[mk.SecKey, int]]:
        return {(k, st) for k, types in self.subs.items() for st in types}

    def info(self) -> ClientInfo:
        return ClientInfo(self.conn_id, self.peer, self.ready, self.channel.encryption,
                          self.client_id, self.client_ver, self.push_fmt, self.recv_notify,
                          sum(len(t) for t in self.subs.values()),
                          sum(sum(t.values()) for t in self.subs.values()),
                          tuple(sorted(self.acc_push)))

    def abort(self) -> None:
        self.closing = True
        transport = self.writer.transport
        if transport is not None and not transport.is_closing():
            transport.abort()


class DemoGateway:
    """An OpenD look-alike on a TCP port. See the module docstring for the fault knobs."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, rsa: RsaCipher | None = None,
                 aes: str = "cbc", keepalive_interval: int = 10, push_rate: float = 2.0,
                 server_ver: int = 1011, login_user_id: int = DEMO_USER_ID,
                 trade_password: str = "123456", seed: int | None = None,
                 quota: int = DEFAULT_QUOTA) -> None:
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
        # fault knobs and tunables
        self.answer_keepalive = True
        self.reply_delay_ms = 0
        self.fill_delay = 0.0
        self.notify_interval = 30.0
        self.max_push_buffer = MAX_PUSH_BUFFER
        self.drain_timeout = 30.0
        self._corrupt_left = 0
        self._stalled = False
        self._resumed = asyncio.Event()
        self._resumed.set()
        # runtime
        self._stats = GatewayStats()
        self._clients: list[_Client] = []
        self._server: asyncio.base_events.Server | None = None
        self._market_task: asyncio.Task | None = None
        self._timers: dict[int, asyncio.TimerHandle] = {}  # orderID -> pending fill
        self._stopping = False
        self._change = asyncio.Event()
        #: the last 100 successful handshakes (ClientInfo right after InitConnect)
        self.handshake_log: deque[ClientInfo] = deque(maxlen=100)
        self._handlers: dict[int, Callable] = {
            catalog.INIT_CONNECT: self._h_init_connect,
            catalog.KEEP_ALIVE: self._h_keep_alive,
            catalog.GET_GLOBAL_STATE: self._h_global_state,
            catalog.GET_USER_INFO: self._h_user_info,
            catalog.QOT_SUB: self._h_qot_sub,
            catalog.QOT_REG_QOT_PUSH: self._h_reg_qot_push,
            catalog.QOT_GET_SUB_INFO: self._h_get_sub_info,
            catalog.QOT_GET_BASIC_QOT: self._h_get_basic_qot,
            catalog.TRD_GET_ACC_LIST: self._h_get_acc_list,
            catalog.TRD_UNLOCK_TRADE: self._h_unlock_trade,
            catalog.TRD_SUB_ACC_PUSH: self._h_sub_acc_push,
            catalog.TRD_PLACE_ORDER: self._h_place_order,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the gateway is already running")
        self._stopping = False
        self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                  limit=READ_SIZE)
        sock = self._server.sockets[0].getsockname()
        self.host, self.port = sock[0], sock[1]
        self._market_task = asyncio.create_task(self._market_loop(),
                                                name=f"opendeck-gateway-market:{self.port}")
        log.info("demo gateway listening on %s:%s (encryption %s)", self.host, self.port,
                 self.encryption)

    async def stop(self) -> None:
        """Close the listener and every client, and wait for every handler to finish."""
        server = self._server
        if server is None:
            return
        self._stopping = True
        server.close()
        if self._market_task is not None:
            self._market_task.cancel()
            await asyncio.gather(self._market_task, return_exceptions=True)
            self._market_task = None
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        # A connection accepted just before close() may still be starting its handler:
        # loop until no handler is left.
        for _ in range(100):
            clients = list(self._clients)
            for c in clients:
                c.abort()
            tasks = [c.task for c in clients if c.task is not None and not c.task.done()]
            for t in tasks:
                t.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0)
            if not self._clients:
                break
        await server.wait_closed()
        self._server = None
        self._signal()
        log.info("demo gateway on %s:%s stopped", self.host, self.port)

    async def __aenter__(self) -> DemoGateway:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def encryption(self) -> str:
        return f"rsa+aes-{self.aes}" if self.rsa is not None else "none"

    @property
    def stats(self) -> GatewayStats:
        s = GatewayStats(**asdict(self._stats))
        s.connections_open = len(self._clients)
        return s

    @property
    def clients(self) -> list[ClientInfo]:
        return [c.info() for c in self._clients]

    @property
    def trade_unlocked(self) -> bool:
        return self.book.unlocked

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true; it is re-checked after every connection event,
        every batch of packets handled and every market tick. Raises TimeoutError."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._change.wait()

    def _signal(self) -> None:
        ev, self._change = self._change, asyncio.Event()
        ev.set()

    # -- fault knobs -------------------------------------------------------------------------

    @property
    def stalled(self) -> bool:
        return self._stalled

    def stall(self) -> None:
        """Stop reading, answering and pushing on every connection (sockets stay open)."""
        self._stalled = True
        self._resumed.clear()

    def resume(self) -> None:
        self._stalled = False
        self._resumed.set()

    async def close_clients(self) -> int:
        """Drop every client connection (the listener stays up). Returns how many."""
        clients = list(self._clients)
        for c in clients:
            c.abort()
        tasks = [c.task for c in clients if c.task is not None and not c.task.done()
                 and c.task is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        return len(clients)

    def send_garbage(self, nbytes: int = 64, *, conn_id: int | None = None) -> int:
        """Write ``nbytes`` random bytes (never starting with ``FT``) to every connection, or
        to the one with ``conn_id``. Returns the number of connections written to."""
        n = 0
        for c in self._clients:
            if conn_id is not None and c.conn_id != conn_id:
                continue
            junk = bytearray(os.urandom(max(1, nbytes)))
            junk[0] = 0  # a bad magic at once
            if self._write(c, [bytes(junk)]):
                n += 1
        return n

    def corrupt_sha1(self, count: int = 1) -> None:
        """The next ``count`` packets sent (to any connection) carry a wrong SHA-1."""
        self._corrupt_left = max(0, int(count))

    @property
    def corrupt_pending(self) -> int:
        return self._corrupt_left

    async def blast(self, n: int, proto_id: int = mk.P_BASIC_QOT, *, batch: int = 512,
                    drain_timeout: float = 30.0) -> int:
        """Send ``n`` pushes of ``proto_id`` as fast as possible to every ready connection
        that is subscribed to anything (for benchmarks). ``proto_id`` is one of 3005, 3007,
        3009, 3011, 3013, 3015 (built from a security the connection subscribed) or 1003 (a
        ConnStatus Notify). The frames of one connection are identical: built once, written
        ``batch`` at a time, draining between batches with ``drain_timeout`` as the bound (a
        connection that cannot take more in that time gets no more). Returns the number of
        pushes written in total."""
        if proto_id not in _BLAST_SUBTYPE and proto_id != catalog.NOTIFY:
            raise ValueError(f"blast supports proto ids {sorted(_BLAST_SUBTYPE)} and 1003, "
                             f"not {proto_id}")
        targets = [c for c in self._clients if c.ready and not c.closing and c.subs]
        if not targets or n <= 0:
            return 0
        coros = []
        for c in targets:
            frame = self._blast_frame(c, proto_id)
            coros.append(self._blast_one(c, frame, n, batch, drain_timeout))
        counts = await asyncio.gather(*coros)
        return sum(counts)

    def _blast_frame(self, c: _Client, proto_id: int) -> bytes:
        want = _BLAST_SUBTYPE.get(proto_id)
        if want is None:
            resp = self._notify_response(self._conn_status_s2c())
            return self._frame(c, catalog.NOTIFY, 0, encode_message(resp, c.push_fmt),
                               c.push_fmt)
        key = next((k for k, t in c.subs.items() if want in t), next(iter(c.subs)))
        inst = self.market.get(key)
        if want == mk.SUB_BROKER and key[0] != mk.HK:
            want = mk.SUB_BASIC
        pid, resp = self.market.push_response(inst, want)
        return self._frame(c, pid, 0, encode_message(resp, c.push_fmt), c.push_fmt)

    async def _blast_one(self, c: _Client, frame: bytes, n: int, batch: int,
                         drain_timeout: float) -> int:
        sent = 0
        batch = max(1, batch)
        block = frame * batch
        while sent < n and not c.closing:
            k = min(batch, n - sent)
            data = block if k == batch else frame * k
            try:
                c.writer.write(data)
            except (ConnectionError, RuntimeError):
                break
            sent += k
            self._stats.bytes_out += len(data)
            try:
                async with asyncio.timeout(drain_timeout):
                    await c.writer.drain()
            except (ConnectionError, TimeoutError, RuntimeError):
                break
        self._stats.pushes_sent += sent
        self._stats.packets_out += max(0, sent - 1)  # _frame counted the first
        return sent

    def broadcast_notify(self, s2c: Notify_pb2.S2C) -> int:
        """Push a Notify (1003) to every ready connection that asked for notifications."""
        resp = self._notify_response(s2c)
        n = 0
        for c in self._clients:
            if c.ready and c.recv_notify and not c.closing:
                self._push(c, catalog.NOTIFY, resp)
                n += 1
        return n

    def notify_gtw_event(self, event_type: int, desc: str) -> int:
        s2c = Notify_pb2.S2C(type=NOTIFY_GTW_EVENT)
        s2c.event.eventType = event_type
        s2c.event.desc = desc
        return self.broadcast_notify(s2c)

    # -- connection handling -----------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        c = _Client(reader, writer, self.rsa)
        c.task = asyncio.current_task()
        if self._stopping:
            c.abort()
            return
        self._clients.append(c)
        self._stats.connections_total += 1
        self._signal()
        log.debug("connection from %s", c.peer)
        try:
            await self._read_loop(c)
        except (ConnectionError, OSError) as exc:
            log.debug("connection %s: %s", c.peer, exc)
        except asyncio.CancelledError:
            pass
        except Exception:  # never let one client take the server down
            log.exception("demo gateway: connection %s failed", c.peer)
        finally:
            c.closing = True
            had_subs = bool(c.subs)
            try:
                self._clients.remove(c)
            except ValueError:
                pass
            transport = writer.transport
            if transport is not None and not transport.is_closing():
                if c.close_after:
                    writer.close()  # flushes what is buffered (the final reply) first
                else:
                    transport.abort()
            if had_subs and not self._stopping:
                self._quota_changed()
            self._signal()
            log.debug("connection %s (connID %s) closed", c.peer, c.conn_id)

    async def _read_loop(self, c: _Client) -> None:
        reader = c.reader
        while not c.closing:
            while self._stalled:
                await self._resumed.wait()
            data = await reader.read(READ_SIZE)
            if not data:
                return
            while self._stalled:
                await self._resumed.wait()
            self._stats.bytes_in += len(data)
            try:
                packets = c.channel.receive(data)
            except ProtocolError as exc:
                log.info("connection %s: %s; closing it", c.peer, exc)
                self._stats.bad_packets += 1
                return
            out: list[bytes] = []
            c.out = out
            try:
                for pkt in packets:
                    self._dispatch(c, pkt, out)
                    if c.close_after:
                        break
            finally:
                c.out = None
            if out:
                if self.reply_delay_ms > 0:
                    await asyncio.sleep(self.reply_delay_ms / 1000)
                while self._stalled:
                    await self._resumed.wait()
                if not self._write(c, out):
                    return
                try:
                    async with asyncio.timeout(self.drain_timeout):
                        await c.writer.drain()
                except TimeoutError:
                    log.info("connection %s has not read its replies for %ss; closing it",
                             c.peer, self.drain_timeout)
                    return
            self._signal()
            if c.close_after:
                return

    def _dispatch(self, c: _Client, pkt: Packet, out: list[bytes]) -> None:
        pid = pkt.proto_id
        fmt = pkt.fmt if pkt.fmt in (FMT_PROTOBUF, FMT_JSON) else FMT_PROTOBUF
        self._stats.packets_in += 1
        name = catalog.name_of(pid)
        if pkt.error is not None:
            self._stats.bad_packets += 1
            if pid == catalog.INIT_CONNECT and not c.ready:
                self._bad_init_connect(c, pkt, fmt, out)
            else:
                out.append(self._error_frame(c, pkt, fmt, str(pkt.error)))
            return
        if pid == catalog.INIT_CONNECT and c.ready:
            out.append(self._error_frame(c, pkt, fmt, "InitConnect was already done on this "
                                         "connection; open a new connection to start over"))
            return
        if pid != catalog.INIT_CONNECT and not c.ready:
            out.append(self._error_frame(c, pkt, fmt, f"{name} before InitConnect: send "
                                         "InitConnect (1001) first"))
            return
        if pid == catalog.KEEP_ALIVE and not self.answer_keepalive:
            self._stats.keepalives_ignored += 1
            return
        handler = self._handlers.get(pid)
        req_cls = catalog.request_type(pid) if handler is not None else None
        if handler is None or req_cls is None:
            out.append(self._error_frame(c, pkt, fmt,
                                         f"unsupported by the demo gateway: {name}"))
            return
        try:
            req = decode_message(req_cls, pkt.body, fmt, pid)
        except DecodeError as exc:
            out.append(self._error_frame(c, pkt, fmt, str(exc)))
            return
        if not req.IsInitialized():
            missing = ", ".join(req.FindInitializationErrors())
            out.append(self._error_frame(c, pkt, fmt, f"{name} request is missing required "
                                         f"fields: {missing}"))
            return
        resp = catalog.response_type(pid)()
        resp.retType = 0
        try:
            post = handler(c, req.c2s, resp)
        except Reject as exc:
            out.append(self._error_frame(c, pkt, fmt, str(exc)))
            return
        except Exception as exc:
            log.exception("demo gateway: %s handler failed", name)
            out.append(self._error_frame(c, pkt, fmt, f"demo gateway error in {name}: "
                                         f"{type(exc).__name__}: {exc}"))
            return
        out.append(self._frame(c, pid, pkt.serial, encode_message(resp, fmt), fmt))
        if post is not None:
            try:
                post()
            except Exception:
                log.exception("demo gateway: %s follow-up failed", name)

    def _bad_init_connect(self, c: _Client, pkt: Packet, fmt: int, out: list[bytes]) -> None:
        """An InitConnect that did not decrypt or check: answer in plaintext, then close."""
        plain_ok = False
        try:
            req = decode_message(InitConnect_pb2.Request, pkt.body, fmt, catalog.INIT_CONNECT)
            plain_ok = req.IsInitialized()
        except DecodeError:
            pass
        if self.rsa is not None and plain_ok:
            msg = ("this gateway requires encryption: the InitConnect arrived in plaintext. "
                   "Configure the client with the gateway's RSA private key (futu-api: "
                   "SysConfig.set_init_rsa_file(path) and is_encrypt=True)")
        elif self.rsa is not None:
            msg = (f"InitConnect could not be decrypted ({pkt.error}): the client's RSA key "
                   "does not match the gateway's")
        else:
            msg = (f"InitConnect could not be read ({pkt.error}): if the client encrypts, "
                   "start the gateway with the same RSA key (--rsa-key)")
        resp = _GenericResponse(retType=-1, retMsg=msg)
        plain = encode_message(resp, fmt)
        data = encode_frame(pkt.proto_id, pkt.serial, plain, fmt=fmt)
        out.append(self._count_out(data))
        c.close_after = True
        self._stats.handshakes_failed += 1
        log.info("connection %s: %s", c.peer, msg)

    def _error_frame(self, c: _Client, pkt: Packet, fmt: int, msg: str) -> bytes:
        resp = _GenericResponse(retType=-1, retMsg=msg)
        return self._frame(c, pkt.proto_id, pkt.serial, encode_message(resp, fmt), fmt)

    def _count_out(self, data: bytes) -> bytes:
        self._stats.packets_out += 1
        if self._corrupt_left > 0:
            self._corrupt_left -= 1
            b = bytearray(data)
            b[16] ^= 0xFF  # first byte of the SHA-1 field
            return bytes(b)
        return data

    def _frame(self, c: _Client, pid: int, serial: int, plain: bytes, fmt: int) -> bytes:
        return self._count_out(c.channel.pack(pid, serial, plain, fmt))

    def _write(self, c: _Client, frames: list[bytes]) -> bool:
        if c.closing:
            return False
        transport = c.writer.transport
        if transport is None or transport.is_closing():
            return False
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        c.writer.write(data)
        self._stats.bytes_out += len(data)
        return True

    def _push(self, c: _Client, pid: int, resp) -> None:
        """One push to one connection: behind the reply being built, or written at once."""
        frame = self._frame(c, pid, 0, encode_message(resp, c.push_fmt), c.push_fmt)
        if c.out is not None:
            c.out.append(frame)
            self._stats.pushes_sent += 1
        elif self._push_room(c) and self._write(c, [frame]):
            self._stats.pushes_sent += 1
        else:
            self._stats.pushes_dropped += 1

    def _push_room(self, c: _Client) -> bool:
        transport = c.writer.transport
        return transport is not None and \
            transport.get_write_buffer_size() <= self.max_push_buffer

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
            if self._stalled:
                next_tick = now
            else:
                try:
                    if rate > 0 and now >= next_tick:
                        self._tick()
                        next_tick += 1.0 / rate
                        if next_tick < now:  # fell behind: do not try to catch up
                            next_tick = now + 1.0 / rate
                    elif rate <= 0:
                        next_tick = now
                    self._notifies(now >= next_notify and self.notify_interval > 0)
                    if now >= next_notify:
                        next_notify = now + max(self.notify_interval, 1.0)
                except Exception:
                    log.exception("demo gateway: market tick failed")
                self._signal()
            wake = min(next_tick, now + 0.1) if rate > 0 else now + 0.1
            await asyncio.sleep(max(0.0, wake - loop.time()))

    def _notifies(self, periodic: bool) -> None:
        for c in self._clients:
            if (c.notify_due or periodic) and c.recv_notify and c.ready and not c.closing:
                c.notify_due = False
                self._push(c, catalog.NOTIFY, self._notify_response(self._conn_status_s2c()))

    def _tick(self) -> None:
        """Step the market and write each connection's pushes as one batch."""
        self.market.step({k for c in self._clients for k in c.subs})
        cache: dict[tuple, tuple[int, bytes]] = {}
        get = self.market.get
        for c in self._clients:
            if not c.ready or c.closing or not c.subs:
                continue
            if not self._push_room(c):
                self._stats.pushes_dropped += sum(sum(t.values()) for t in c.subs.values())
                continue
            fmt = c.push_fmt
            frames: list[bytes] = []
            for key, types in c.subs.items():
                inst = None
                for st, registered in types.items():
                    if not registered:
                        continue
                    if inst is None:
                        inst = get(key)
                        if inst is None:
                            break
                    rehabs = c.rehab_types if st in mk.KL_SUBTYPES else (1,)
                    for rehab in rehabs:
                        ck = (key, st, fmt, rehab)
                        entry = cache.get(ck)
                        if entry is None:
                            pid, resp = self.market.push_response(inst, st, rehab)
                            entry = cache[ck] = (pid, encode_message(resp, fmt))
                        frames.append(self._frame(c, entry[0], 0, entry[1], fmt))
            if frames and self._write(c, frames):
                self._stats.pushes_sent += len(frames)

    def _first_push(self, c: _Client, pairs: list[tuple[mk.SecKey, int]]) -> None:
        for key, st in pairs:
            inst = self.market.get(key)
            if inst is None:
                continue
            rehabs = c.rehab_types if st in mk.KL_SUBTYPES else (1,)
            for rehab in rehabs:
                pid, resp = self.market.push_response(inst, st, rehab, tickers=5)
                self._push(c, pid, resp)

    # -- notify ------------------------------------------------------------------------------

    @staticmethod
    def _notify_response(s2c: Notify_pb2.S2C) -> Notify_pb2.Response:
        resp = Notify_pb2.Response(retType=0)
        resp.s2c.CopyFrom(s2c)
        return resp

    @staticmethod
    def _conn_status_s2c() -> Notify_pb2.S2C:
        s2c = Notify_pb2.S2C(type=NOTIFY_CONN_STATUS)
        s2c.connectStatus.qotLogined = True
        s2c.connectStatus.trdLogined = True
        return s2c

    def used_quota(self) -> int:
        """Subscription quota in use: distinct (security, SubType) pairs over all connections."""
        used: set = set()
        for c in self._clients:
            used |= c.pairs()
        return len(used)

    def _quota_changed(self) -> None:
        s2c = Notify_pb2.S2C(type=NOTIFY_USED_QUOTA)
        s2c.usedQuota.usedSubQuota = self.used_quota()
        s2c.usedQuota.usedKLineQuota = 0
        self.broadcast_notify(s2c)

    # -- handlers: each fills ``resp`` (retType already 0) and may return a follow-up that
    # -- runs after the reply is queued; raising Reject answers retType -1.

    def _h_init_connect(self, c: _Client, c2s, resp):
        c.conn_id = new_conn_id()
        c.client_id = c2s.clientID
        c.client_ver = c2s.clientVer
        c.recv_notify = c2s.recvNotify
        push_fmt = c2s.pushProtoFmt if c2s.HasField("pushProtoFmt") else FMT_PROTOBUF
        c.push_fmt = push_fmt if push_fmt in (FMT_PROTOBUF, FMT_JSON) else FMT_PROTOBUF
        key = _random_key()
        iv = _random_key() if self.rsa is not None and self.aes == "cbc" else None
        s2c = resp.s2c
        s2c.serverVer = self.server_ver
        s2c.loginUserID = self.login_user_id
        s2c.connID = c.conn_id
        s2c.connAESKey = key
        s2c.keepAliveInterval = self.keepalive_interval
        if iv is not None:
            s2c.aesCBCiv = iv
        s2c.userAttribution = 1  # NN

        def after() -> None:
            if self.rsa is not None:
                c.channel.aes = aes_for(key, iv)
            c.ready = True
            # The ConnStatus notify goes out on the next market-task round, not glued to this
            # reply: a client that decodes a whole read with one cipher state would otherwise
            # see it before it has switched to AES.
            c.notify_due = c.recv_notify
            self._stats.handshakes += 1
            self.handshake_log.append(c.info())
            log.debug("connection %s ready: connID %s, client %s %s, %s", c.peer, c.conn_id,
                      c.client_id, c.client_ver, c.channel.encryption)
        return after

    def _h_keep_alive(self, c: _Client, c2s, resp):
        self._stats.keepalives += 1
        resp.s2c.time = int(time.time())

    def _h_global_state(self, c: _Client, c2s, resp):
        now = time.time()
        s = resp.s2c
        s.marketHK = mk.market_state(mk.HK, now)
        s.marketUS = mk.market_state(mk.US, now)
        s.marketSH = mk.market_state(mk.CNSH, now)
        s.marketSZ = mk.market_state(mk.CNSZ, now)
        s.marketHKFuture = mk.market_state(mk.HK_FUTURE, now)
        s.marketUSFuture = mk.market_state(mk.US, now)
        s.qotLogined = True
        s.trdLogined = True
        s.serverVer = self.server_ver
        s.serverBuildNo = SERVER_BUILD_NO
        s.time = int(now)
        s.localTime = now
        s.programStatus.type = 10  # ProgramStatusType_Ready
        s.qotSvrIpAddr = "127.0.0.1"
        s.trdSvrIpAddr = "127.0.0.1"
        s.connID = c.conn_id

    def _h_user_info(self, c: _Client, c2s, resp):
        s = resp.s2c
        s.nickName = "OpenDeck Demo"
        s.avatarUrl = ""
        s.apiLevel = "LV3"
        s.hkQotRight = 3  # Level2
        s.usQotRight = 3
        s.cnQotRight = 2  # Level1
        s.isNeedAgreeDisclaimer = False
        s.userID = self.login_user_id
        s.updateType = 0
        s.webKey = ""
        s.hkOptionQotRight = 2
        s.hasUSOptionQotRight = True
        s.hkFutureQotRight = 2
        s.subQuota = self.quota
        s.historyKLQuota = 300
        s.usFutureQotRight = 2
        s.usOptionQotRight = 2
        s.userAttribution = 1
        s.isAppNNOrMM = True

    # quote

    def _sub_pairs(self, c2s, *, create: bool) -> list[tuple[mk.SecKey, int]]:
        keys = [(s.market, s.code) for s in c2s.securityList]
        subtypes = list(dict.fromkeys(c2s.subTypeList))
        if not keys or not subtypes:
            raise Reject("securityList and subTypeList must not be empty")
        bad = [st for st in subtypes if st not in mk.SUBTYPES]
        if bad:
            raise Reject(f"unknown SubType {bad[0]} (see Qot_Common.SubType)")
        if create:
            unknown = [mk.sec_str(k) for k in keys if self.market.ensure(k) is None]
            if unknown:
                raise Reject(f"unknown security {', '.join(unknown)}: the demo gateway "
                             "knows HK, US, SH and SZ codes")
            if mk.SUB_BROKER in subtypes:
                not_hk = [mk.sec_str(k) for k in keys if k[0] != mk.HK]
                if not_hk:
                    raise Reject(f"Broker queue is HK only, not for {', '.join(not_hk)}")
        return [(k, st) for k in dict.fromkeys(keys) for st in subtypes]

    def _h_qot_sub(self, c: _Client, c2s, resp):
        before = self.used_quota()
        if c2s.isUnsubAll:
            c.subs.clear()
            return self._after_quota(before)
        pairs = self._sub_pairs(c2s, create=c2s.isSubOrUnSub)
        if c2s.regPushRehabTypeList:
            c.rehab_types = tuple(dict.fromkeys(c2s.regPushRehabTypeList))
        if not c2s.isSubOrUnSub:
            for key, st in pairs:
                types = c.subs.get(key)
                if types is not None:
                    types.pop(st, None)
                    if not types:
                        del c.subs[key]
            return self._after_quota(before)
        held: set = set()
        for other in self._clients:
            held |= other.pairs()
        new = {p for p in pairs if p not in held}
        if before + len(new) > self.quota:
            raise Reject(f"subscription quota exceeded: {before} used, {len(new)} more "
                         f"requested, quota {self.quota}")
        has_reg = c2s.HasField("isRegOrUnRegPush")
        for key, st in pairs:
            types = c.subs.setdefault(key, {})
            types[st] = c2s.isRegOrUnRegPush if has_reg else types.get(st, False)
        first = [p for p in pairs if c.subs[p[0]][p[1]]] if c2s.isFirstPush else []
        quota_post = self._after_quota(before)

        def after() -> None:
            if first:
                self._first_push(c, first)
            if quota_post is not None:
                quota_post()
        return after

    def _after_quota(self, before: int):
        return self._quota_changed if self.used_quota() != before else None

    def _h_reg_qot_push(self, c: _Client, c2s, resp):
        pairs = self._sub_pairs(c2s, create=False)
        missing = [f"{mk.sec_str(k)}/{st}" for k, st in pairs if st not in c.subs.get(k, {})]
        if missing:
            raise Reject(f"not subscribed on this connection: {', '.join(missing)} "
                         "(Qot_Sub first)")
        for key, st in pairs:
            c.subs[key][st] = c2s.isRegOrUnReg
        if c2s.rehabTypeList:
            c.rehab_types = tuple(dict.fromkeys(c2s.rehabTypeList))
        if c2s.isRegOrUnReg and c2s.isFirstPush:
            return lambda: self._first_push(c, pairs)
        return None

    def _h_get_sub_info(self, c: _Client, c2s, resp):
        conns = [o for o in self._clients if o.ready] if c2s.isReqAllConn else [c]
        s = resp.s2c
        for o in conns:
            info = s.connSubInfoList.add()
            by_type: dict[int, list[mk.SecKey]] = {}
            for key, types in o.subs.items():
                for st in types:
                    by_type.setdefault(st, []).append(key)
            for st in sorted(by_type):
                sub = info.subInfoList.add()
                sub.subType = st
                for market, code in by_type[st]:
                    sec = sub.securityList.add()
                    sec.market = market
                    sec.code = code
            info.usedQuota = sum(len(t) for t in o.subs.values())
            info.isOwnConnData = o is c
        used = self.used_quota()
        s.totalUsedQuota = used
        s.remainQuota = max(0, self.quota - used)

    def _h_get_basic_qot(self, c: _Client, c2s, resp):
        keys = [(s.market, s.code) for s in c2s.securityList]
        if not keys:
            raise Reject("securityList must not be empty")
        subscribed = {k for o in self._clients for k, t in o.subs.items() if mk.SUB_BASIC in t}
        missing = [mk.sec_str(k) for k in keys if k not in subscribed]
        if missing:
            raise Reject(f"subscribe Basic (QUOTE) first for {', '.join(missing)}")
        for key in keys:
            self.market.basic_qot(self.market.get(key), resp.s2c.basicQotList.add())

    # trade

    def _h_get_acc_list(self, c: _Client, c2s, resp):
        if c2s.userID != self.login_user_id:
            raise Reject(f"userID {c2s.userID} is not the logged-in user "
                         f"{self.login_user_id} (use loginUserID from InitConnect)")
        category = c2s.trdCategory if c2s.HasField("trdCategory") else 0
        for acc in self.book.accounts_for(category):
            acc.fill(resp.s2c.accList.add())

    def _h_unlock_trade(self, c: _Client, c2s, resp):
        if c2s.HasField("securityFirm") and c2s.securityFirm not in (0, 1):
            raise Reject(f"no account of securityFirm {c2s.securityFirm} on this gateway "
                         "(the demo accounts are FutuSecurities, 1)")
        if not c2s.unlock:
            self.book.unlocked = False
            return None
        if c2s.pwdMD5.lower() != password_md5(self.trade_password):
            raise Reject("wrong trade password")
        self.book.unlocked = True
        return None

    def _h_sub_acc_push(self, c: _Client, c2s, resp):
        unknown = [a for a in c2s.accIDList if a not in self.book.accounts]
        if unknown:
            raise Reject(f"unknown accID {', '.join(map(str, unknown))}")
        c.acc_push = set(c2s.accIDList)

    def _h_place_order(self, c: _Client, c2s, resp):
        try:
            order = self.book.place(c2s, self.market)
        except OrderRejected as exc:
            raise Reject(str(exc)) from None
        resp.s2c.header.CopyFrom(c2s.header)
        resp.s2c.orderID = order.order_id
        resp.s2c.orderIDEx = order.order_id_ex

        def after() -> None:
            self._order_update(order)
            if self.fill_delay > 0:
                loop = asyncio.get_running_loop()
                self._timers[order.order_id] = loop.call_later(self.fill_delay,
                                                               self._fill_now, order)
            else:
                self._fill_now(order)
        return after

    def _fill_now(self, order: Order) -> None:
        self._timers.pop(order.order_id, None)
        fill = self.book.fill(order)
        resp = Trd_UpdateOrderFill_pb2.Response(retType=0)
        order.header(resp.s2c.header)
        fill.to_pb(resp.s2c.orderFill)
        self._to_acc_subscribers(order.acc_id, catalog.TRD_UPDATE_ORDER_FILL, resp)
        self._order_update(order)

    def _order_update(self, order: Order) -> None:
        resp = Trd_UpdateOrder_pb2.Response(retType=0)
        order.header(resp.s2c.header)
        order.to_pb(resp.s2c.order)
        self._to_acc_subscribers(order.acc_id, catalog.TRD_UPDATE_ORDER, resp)

    def _to_acc_subscribers(self, acc_id: int, pid: int, resp) -> None:
        for c in self._clients:
            if c.ready and not c.closing and acc_id in c.acc_push:
                self._push(c, pid, resp)
