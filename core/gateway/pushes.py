"""Everything the demo gateway sends that nobody asked for, and the write path it shares
with replies.

* :func:`frame` / :func:`write` -- framing for the connection's transport, counting, and
  the ``corrupt_sha1`` fault; one write per batch.
* :func:`push` -- one push to one connection: queued behind the reply being built when
  there is one, written at once otherwise, dropped (and counted) when the connection's
  unsent bytes are over ``gw.max_push_buffer``.
* :func:`tick` -- a market step: every subscribed (security, SubType) encoded once per
  push format, each connection's pushes written as one batch.
* Notify (1003): the ConnStatus notify after a handshake and on a period, quota changes,
  gateway events; account pushes (Trd_UpdateOrder / Trd_UpdateOrderFill).

Pushes carry serial 0 (section 0 on the WebSocket port).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from .. import catalog
from ..channel import encode_message
from ..pb import Notify_pb2
from . import market as mk

if TYPE_CHECKING:
    from .clientstate import ClientState
    from .server import DemoGateway

log = logging.getLogger("opendeck.gateway")

NOTIFY_GTW_EVENT = Notify_pb2.NotifyType_GtwEvent
NOTIFY_CONN_STATUS = Notify_pb2.NotifyType_ConnStatus
NOTIFY_USED_QUOTA = Notify_pb2.NotifyType_UsedQuota


def count_out(gw: DemoGateway, c: ClientState, data: bytes) -> bytes:
    gw.counters.packets_out += 1
    if gw.corrupt_left > 0 and c.channel is not None:  # the SHA-1 is a TCP header field
        gw.corrupt_left -= 1
        b = bytearray(data)
        b[16] ^= 0xFF  # first byte of the SHA-1 field
        return bytes(b)
    return data


def frame(gw: DemoGateway, c: ClientState, pid: int, serial: int, plain: bytes,
          fmt: int) -> bytes:
    return count_out(gw, c, c.pack(pid, serial, plain, fmt))


def write(gw: DemoGateway, c: ClientState, frames: list[bytes]) -> bool:
    if c.closing:
        return False
    n = c.link.write(frames)
    if not n:
        return False
    gw.counters.bytes_out += n
    return True


def room(gw: DemoGateway, c: ClientState) -> bool:
    """True while the connection's unsent bytes are under the push buffer cap."""
    return not c.link.is_closing() and c.link.buffered() <= gw.max_push_buffer


def push(gw: DemoGateway, c: ClientState, pid: int, resp) -> None:
    """One push to one connection: behind the reply being built, or written at once."""
    data = frame(gw, c, pid, 0, encode_message(resp, c.push_fmt), c.push_fmt)
    if c.out is not None:
        c.out.append(data)
        gw.counters.pushes_sent += 1
    elif room(gw, c) and write(gw, c, [data]):
        gw.counters.pushes_sent += 1
    else:
        gw.counters.pushes_dropped += 1


async def push_wait(gw: DemoGateway, c: ClientState, pid: int, resp) -> bool:
    """A push that is never dropped (replay, blast): when the connection's unsent bytes are
    over the cap, wait until the transport has drained (below its low-water mark), then
    write. A connection that does not drain within ``gw.drain_timeout`` is dropped (and
    logged). Returns False when nothing was sent."""
    if c.closing:
        return False
    if c.out is not None:
        push(gw, c, pid, resp)
        return True
    if not room(gw, c):
        try:
            async with asyncio.timeout(gw.drain_timeout):
                await c.link.drain()
        except TimeoutError:
            gw.counters.slow_clients_dropped += 1
            log.info("connection %s has not read its pushes for %ss; closing it", c.peer,
                     gw.drain_timeout)
            c.abort()
            return False
        except ConnectionError:
            return False
    data = frame(gw, c, pid, 0, encode_message(resp, c.push_fmt), c.push_fmt)
    if not write(gw, c, [data]):
        return False
    gw.counters.pushes_sent += 1
    return True


def tick(gw: DemoGateway) -> None:
    """Step the market and write each connection's pushes as one batch."""
    conns = gw.conns
    gw.market.step({k for c in conns for k in c.subs})
    cache: dict[tuple, tuple[int, bytes]] = {}
    get = gw.market.get
    for c in conns:
        if not c.ready or c.closing or not c.subs:
            continue
        if not room(gw, c):
            gw.counters.pushes_dropped += sum(sum(t.values()) for t in c.subs.values())
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
                        pid, resp = gw.market.push_response(inst, st, rehab)
                        entry = cache[ck] = (pid, encode_message(resp, fmt))
                    frames.append(frame(gw, c, entry[0], 0, entry[1], fmt))
        if frames and write(gw, c, frames):
            gw.counters.pushes_sent += len(frames)


def first_push(gw: DemoGateway, c: ClientState, pairs: list[tuple[mk.SecKey, int]]) -> None:
    """The current state of each pair, right after a subscription asked for it."""
    for key, st in pairs:
        inst = gw.market.get(key)
        if inst is None:
            continue
        rehabs = c.rehab_types if st in mk.KL_SUBTYPES else (1,)
        for rehab in rehabs:
            pid, resp = gw.market.push_response(inst, st, rehab, tickers=5)
            push(gw, c, pid, resp)


# -- notify ----------------------------------------------------------------------------------


def notify_response(s2c: Notify_pb2.S2C) -> Notify_pb2.Response:
    resp = Notify_pb2.Response(retType=0)
    resp.s2c.CopyFrom(s2c)
    return resp


def conn_status_s2c() -> Notify_pb2.S2C:
    s2c = Notify_pb2.S2C(type=NOTIFY_CONN_STATUS)
    s2c.connectStatus.qotLogined = True
    s2c.connectStatus.trdLogined = True
    return s2c


def notifies(gw: DemoGateway, periodic: bool, now: float) -> None:
    """The post-handshake ConnStatus notify (once held back long enough, see
    ``ClientState.notify_at``), and the periodic one for all."""
    for c in gw.conns:
        due = c.notify_due and now >= c.notify_at
        if (due or periodic) and c.recv_notify and c.ready and not c.closing:
            c.notify_due = False
            push(gw, c, catalog.NOTIFY, notify_response(conn_status_s2c()))


def broadcast_notify(gw: DemoGateway, s2c: Notify_pb2.S2C) -> int:
    """Push a Notify (1003) to every ready connection that asked for notifications."""
    resp = notify_response(s2c)
    n = 0
    for c in gw.conns:
        if c.ready and c.recv_notify and not c.closing:
            push(gw, c, catalog.NOTIFY, resp)
            n += 1
    return n


def quota_changed(gw: DemoGateway) -> None:
    s2c = Notify_pb2.S2C(type=NOTIFY_USED_QUOTA)
    s2c.usedQuota.usedSubQuota = gw.used_quota()
    s2c.usedQuota.usedKLineQuota = 0
    broadcast_notify(gw, s2c)


def to_acc_subscribers(gw: DemoGateway, acc_id: int, pid: int, resp) -> None:
    """An account push to every connection that subscribed ``acc_id`` (Trd_SubAccPush)."""
    for c in gw.conns:
        if c.ready and not c.closing and acc_id in c.acc_push:
            push(gw, c, pid, resp)
