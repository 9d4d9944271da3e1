"""Fault knobs of the demo gateway, for testing clients (a mixin of DemoGateway).

All take effect at once:

``answer_keepalive``  False: KeepAlive requests are read and dropped (no reply).
``stall()`` / ``resume()``  stop reading, answering and pushing on every connection (the
                      sockets stay open), and start again.
``await close_clients()``  drop every client connection; the gateway keeps listening.
``send_garbage(n)``   write n random bytes (not starting with ``FT``) to every connection.
``corrupt_sha1(n)``   the next n TCP packets sent (replies or pushes) carry a wrong SHA-1.
``reply_delay_ms``    delay every reply by this many milliseconds (pushes are not delayed).
``await blast(n, proto_id=3005)``  n pushes as fast as possible to every subscribed connection.
``broadcast_notify(s2c)`` / ``notify_gtw_event(type, desc)``  a Notify to everyone who asked.
"""

from __future__ import annotations

import asyncio
import os

from .. import catalog
from ..channel import encode_message
from ..pb import Notify_pb2
from . import market as mk
from . import pushes
from .clientstate import ClientState

#: push proto id -> the SubType blast() builds it from (KL: 1-minute bars)
BLAST_SUBTYPE = {mk.P_BASIC_QOT: mk.SUB_BASIC, mk.P_TICKER: mk.SUB_TICKER,
                 mk.P_ORDER_BOOK: mk.SUB_ORDER_BOOK, mk.P_RT: mk.SUB_RT,
                 mk.P_BROKER: mk.SUB_BROKER, mk.P_KL: 11}


class FaultsMixin:
    """Expects the DemoGateway attributes ``conns``, ``counters``, ``corrupt_left``,
    ``market`` and ``resumed`` (an Event, set while not stalled)."""

    @property
    def stalled(self) -> bool:
        return not self.resumed.is_set()

    def stall(self) -> None:
        """Stop reading, answering and pushing on every connection (sockets stay open)."""
        self.resumed.clear()

    def resume(self) -> None:
        self.resumed.set()

    async def close_clients(self) -> int:
        """Drop every client connection (the listener stays up). Returns how many."""
        clients = list(self.conns)
        for c in clients:
            c.abort()
        tasks = [c.task for c in clients if c.task is not None and not c.task.done()
                 and c.task is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        return len(clients)

    def send_garbage(self, nbytes: int = 64, *, conn_id: int | None = None) -> int:
        """Write ``nbytes`` random bytes (never starting with ``FT`` or the WebSocket sign)
        to every connection, or to the one with ``conn_id``. Returns how many got them."""
        n = 0
        for c in self.conns:
            if conn_id is not None and c.conn_id != conn_id:
                continue
            junk = bytearray(os.urandom(max(1, nbytes)))
            junk[0] = 0  # a bad magic at once
            if pushes.write(self, c, [bytes(junk)]):
                n += 1
        return n

    def corrupt_sha1(self, count: int = 1) -> None:
        """The next ``count`` TCP packets sent (to any connection) carry a wrong SHA-1."""
        self.corrupt_left = max(0, int(count))

    @property
    def corrupt_pending(self) -> int:
        return self.corrupt_left

    def broadcast_notify(self, s2c: Notify_pb2.S2C) -> int:
        """Push a Notify (1003) to every ready connection that asked for notifications."""
        return pushes.broadcast_notify(self, s2c)

    def notify_gtw_event(self, event_type: int, desc: str) -> int:
        s2c = Notify_pb2.S2C(type=pushes.NOTIFY_GTW_EVENT)
        s2c.event.eventType = event_type
        s2c.event.desc = desc
        return self.broadcast_notify(s2c)

    async def blast(self, n: int, proto_id: int = mk.P_BASIC_QOT, *, batch: int = 512,
                    drain_timeout: float = 30.0) -> int:
        """Send ``n`` pushes of ``proto_id`` as fast as possible to every ready connection
        that is subscribed to anything (for benchmarks). ``proto_id`` is one of 3005, 3007,
        3009, 3011, 3013, 3015 (built from a security the connection subscribed) or 1003 (a
        ConnStatus Notify). The frames of one connection are identical: built once, written
        ``batch`` at a time, draining between batches with ``drain_timeout`` as the bound (a
        connection that cannot take more in that time gets no more). Nothing is dropped: a
        blast waits for the client. Returns the number of pushes written in total."""
        if proto_id not in BLAST_SUBTYPE and proto_id != catalog.NOTIFY:
            raise ValueError(f"blast supports proto ids {sorted(BLAST_SUBTYPE)} and 1003, "
                             f"not {proto_id}")
        targets = [c for c in self.conns if c.ready and not c.closing and c.subs]
        if not targets or n <= 0:
            return 0
        coros = [self._blast_one(c, self._blast_frame(c, proto_id), n, batch, drain_timeout)
                 for c in targets]
        return sum(await asyncio.gather(*coros))

    def _blast_frame(self, c: ClientState, proto_id: int) -> bytes:
        want = BLAST_SUBTYPE.get(proto_id)
        if want is None:
            resp = pushes.notify_response(pushes.conn_status_s2c())
            return pushes.frame(self, c, catalog.NOTIFY, 0, encode_message(resp, c.push_fmt),
                                c.push_fmt)
        key = next((k for k, t in c.subs.items() if want in t), next(iter(c.subs)))
        inst = self.market.get(key)
        if want == mk.SUB_BROKER and key[0] != mk.HK:
            want = mk.SUB_BASIC
        pid, resp = self.market.push_response(inst, want)
        return pushes.frame(self, c, pid, 0, encode_message(resp, c.push_fmt), c.push_fmt)

    async def _blast_one(self, c: ClientState, frame: bytes, n: int, batch: int,
                         drain_timeout: float) -> int:
        sent = 0
        batch = max(1, batch)
        # TCP: one joined block per batch; WebSocket: one message per push
        block = [frame * batch] if c.channel is not None else [frame] * batch
        while sent < n and not c.closing:
            k = min(batch, n - sent)
            if k == batch:
                data = block
            else:
                data = [frame * k] if c.channel is not None else [frame] * k
            try:
                written = c.link.write(data)
            except (ConnectionError, RuntimeError):
                break
            if not written:
                break
            sent += k
            self.counters.bytes_out += written
            try:
                async with asyncio.timeout(drain_timeout):
                    await c.link.drain()
            except (ConnectionError, TimeoutError, RuntimeError):
                break
        self.counters.pushes_sent += sent
        self.counters.packets_out += max(0, sent - 1)  # frame() counted the first
        return sent
