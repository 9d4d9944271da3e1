"""The demo gateway's TCP port: one task per connection reads, frames (Channel), and hands
packets to :meth:`DemoGateway.handle_packets`; the handshake and idle timeouts; a clear
refusal over the connection cap."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ..channel import encode_message
from ..errors import ProtocolError
from ..wire import FMT_JSON, FMT_PROTOBUF, encode_frame
from .clientstate import ClientState, TcpLink
from .dispatch import GenericResponse

if TYPE_CHECKING:
    from .server import DemoGateway

log = logging.getLogger("opendeck.gateway")

READ_SIZE = 256 * 1024
#: over the connection cap: how many refused TCP connections may wait for their InitConnect
#: (to be told why) at once, and for how long; the others are closed at once
MAX_REFUSING = 16
REFUSE_WAIT = 2.0


def read_budget(ready: bool, accepted_at: float, now: float, handshake_timeout: float,
                idle_timeout: float) -> float:
    """Seconds the next read of a TCP connection may wait: what is left of the handshake
    window before the handshake, the idle timeout after it. <= 0 means time is up."""
    if not ready:
        return accepted_at + handshake_timeout - now
    return idle_timeout


async def serve(gw: DemoGateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    c = ClientState(TcpLink(writer), rsa=gw.rsa)
    c.task = asyncio.current_task()
    if not gw.admit(c):
        if not gw.stopping and len(gw.refusing) < MAX_REFUSING:
            gw.refusing.add(c)
            try:
                await _refuse(gw, c, reader)
            except (ConnectionError, OSError, asyncio.CancelledError):
                pass
            finally:
                gw.refusing.discard(c)
        c.abort()
        return
    try:
        await _read_loop(gw, c, reader)
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
        gw.release(c)

async def _refuse(gw: DemoGateway, c: ClientState, reader: asyncio.StreamReader) -> None:
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
    cap = gw.limits.max_connections
    resp = GenericResponse(
        retType=-1, retMsg=f"the demo gateway is at its cap of {cap} connections "
        "(--max-connections): close another connection or raise the cap")
    c.link.write([encode_frame(pkt.proto_id, pkt.serial, encode_message(resp, fmt),
                               fmt=fmt)])
    c.link.close()

async def _read_loop(gw: DemoGateway, c: ClientState, reader: asyncio.StreamReader) -> None:
    loop = asyncio.get_running_loop()
    accepted = loop.time()
    while not c.closing:
        await gw.resumed.wait()
        budget = read_budget(c.ready, accepted, loop.time(), gw.limits.handshake_timeout,
                             gw.limits.idle_factor * gw.keepalive_interval)
        try:
            if budget <= 0:
                raise TimeoutError
            async with asyncio.timeout(budget):
                data = await reader.read(READ_SIZE)
        except TimeoutError:
            gw.counters.timeouts += 1
            if c.ready:
                log.info("connection %s sent nothing for %gs (%g x keepAliveInterval); "
                         "closing it", c.peer, gw.limits.idle_factor *
                         gw.keepalive_interval, gw.limits.idle_factor)
            else:
                gw.counters.handshakes_failed += 1
                log.info("connection %s did not finish InitConnect within %gs; closing "
                         "it", c.peer, gw.limits.handshake_timeout)
            return
        if not data:
            return
        c.last_in = loop.time()
        await gw.resumed.wait()
        gw.counters.bytes_in += len(data)
        try:
            packets = c.channel.receive(data)
        except ProtocolError as exc:
            # the requests that came intact before the fault in this read are answered first
            log.info("connection %s: %s; closing it", c.peer, exc)
            gw.counters.bad_packets += 1
            before = getattr(exc, "packets", [])
            if before:
                await gw.handle_packets(c, before)
            await c.link.drain()
            return
        if not await gw.handle_packets(c, packets):
            return
