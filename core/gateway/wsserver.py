"""The demo gateway's WebSocket port: what the official JavaScript SDK connects to.

Built on the ``websockets`` library's asyncio server (upgrade, ping/pong, close, TLS through
an ``ssl.SSLContext``); the OpenD layer on top is shared with the TCP port: the same
:class:`~.clientstate.ClientState`, dispatch, handlers, pushes and state. Per
shared/websocket.md:

* one packet per binary message, framed by :mod:`opendeck.core.wsframe`; pushes carry
  section 0; bodies are always protobuf;
* cmd 1 (InitWebSocket) logs in: ``c2s.websocketKey`` must be the MD5 hex of the gateway's
  key. A wrong key gets a reply with header error != 0 and no body, then a close; a right
  one gets serverTime and a fresh connID. There is no InitConnect and no keepAliveInterval:
  a WebSocket client is ready after cmd 1 and gets notifies without asking;
* liveness is the library's pings: every keepAliveInterval, a peer that has not answered
  after ``(idle_factor - 1)`` more intervals is closed; a pong is as good as a request.
  KeepAlive (1004) is answered if a client sends it;
* a connection over the gateway's cap is refused during the upgrade with HTTP 503.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from http import HTTPStatus

from google.protobuf.message import DecodeError as PbDecodeError
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from .. import wsframe
from ..channel import Packet
from ..pb import InitWebSocket_pb2
from ..wire import FMT_PROTOBUF
from . import pushes
from .clientstate import WS, WSS, ClientState, new_conn_id
from .handlers_system import random_key

log = logging.getLogger("opendeck.gateway")
#: the library's own log of upgrades and closes (one INFO line per connection): quiet unless
#: someone configured it (set it to INFO to see every upgrade)
ws_log = logging.getLogger("opendeck.gateway.websocket")
if ws_log.level == logging.NOTSET:
    ws_log.setLevel(logging.WARNING)

#: header error of the reply to an InitWebSocket with the wrong key
ERR_KEY_REFUSED = -1
ERRMSG_KEY_REFUSED = "wrong websocket key"
#: how long a closing connection may take to send what is queued before its close frame
CLOSE_DRAIN = 5.0


class WsLink:
    """Frames queued for one WebSocket connection and the task that sends them, one
    message each. ``write`` never blocks; ``drain`` waits until the queue is sent."""

    __slots__ = ("_closed", "_idle", "_queue", "_queued", "_sender", "_wake", "peer", "ws")

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        addr = ws.remote_address
        self.peer = f"{addr[0]}:{addr[1]}" if isinstance(addr, tuple) else str(addr)
        self._queue: deque[bytes] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False
        self._sender = asyncio.create_task(self._send_loop(), name=f"opendeck-ws-send:{self.peer}")

    def write(self, frames: list[bytes]) -> int:
        if self.is_closing():
            return 0
        n = 0
        for f in frames:
            n += len(f)
        self._queue.extend(frames)
        self._queued += n
        self._idle.clear()
        self._wake.set()
        return n

    def buffered(self) -> int:
        transport = self.ws.transport
        return self._queued + (transport.get_write_buffer_size() if transport else 0)

    def is_closing(self) -> bool:
        return self._closed or self.ws.transport is None or self.ws.transport.is_closing()

    async def drain(self) -> None:
        await self._idle.wait()
        if self._closed:
            raise ConnectionResetError("the WebSocket connection closed")

    async def _send_loop(self) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._queue:
                    msg = self._queue.popleft()
                    self._queued -= len(msg)
                    await self.ws.send(msg)
                self._idle.set()
        except ConnectionClosed:
            pass
        except Exception:  # a send that failed otherwise: the connection is done for
            log.debug("WebSocket send to %s failed", self.peer, exc_info=True)
        finally:
            self._closed = True
            self._queue.clear()
            self._queued = 0
            self._idle.set()

    def abort(self) -> None:
        self._closed = True
        self._sender.cancel()
        transport = self.ws.transport
        if transport is not None and not transport.is_closing():
            transport.abort()

    async def close(self, code: int, reason: str) -> None:
        """Send what is queued (for at most CLOSE_DRAIN s), then a close frame with
        ``code`` and ``reason``."""
        try:
            async with asyncio.timeout(CLOSE_DRAIN):
                await self.drain()
        except (ConnectionError, TimeoutError):
            pass
        self._sender.cancel()
        self._closed = True
        await self.ws.close(code, reason)


class WebSocketPort:
    def __init__(self, gw) -> None:
        self.gw = gw
        self.host = gw.host
        self._server = None
        self._key_md5 = ""

    async def start(self) -> None:
        gw = self.gw
        if gw.websocket_key is None:
            gw.websocket_key = random_key(16)
        self._key_md5 = wsframe.websocket_key_md5(gw.websocket_key)
        interval = float(gw.keepalive_interval)
        self._server = await serve(
            self._handler, gw.host, gw.websocket_port, ssl=gw.websocket_ssl,
            process_request=self._process_request, compression=None,
            max_size=wsframe.DEFAULT_MAX_MESSAGE,  # larger: closed (1009); over the
            # request cap but under this: answered retType -1, as on the TCP port
            open_timeout=gw.limits.handshake_timeout,
            ping_interval=interval,
            ping_timeout=max(interval, (gw.limits.idle_factor - 1) * interval),
            close_timeout=5, logger=ws_log)
        sock = self._server.sockets[0].getsockname()
        self.host, gw.websocket_port = sock[0], sock[1]

    @property
    def sockets(self) -> list:
        return list(self._server.sockets) if self._server is not None else []

    def close(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=False)

    async def wait_closed(self) -> None:
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def _process_request(self, connection: ServerConnection, request):
        gw = self.gw
        cap = gw.limits.max_connections
        if len(gw.conns) >= cap:
            gw.counters.connections_refused += 1
            gw.refusals.report(f"refused a WebSocket connection: the demo gateway is at its "
                               f"cap of {cap} connections (--max-connections)")
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE,
                                      f"the OpenDeck demo gateway is at its cap of {cap} "
                                      "connections\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        gw = self.gw
        link = WsLink(ws)
        c = ClientState(link, transport=WSS if gw.websocket_ssl is not None else WS)
        c.task = asyncio.current_task()
        if not gw.admit(c):
            await link.close(1013, "too many connections")
            return
        gw.counters.ws_connections_total += 1
        try:
            await self._session(c, link)
        except ConnectionClosed as exc:
            log.debug("WebSocket connection %s closed: %s", c.peer, exc)
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        except Exception:  # never let one client take the server down
            log.exception("demo gateway: WebSocket connection %s failed", c.peer)
        finally:
            c.closing = True
            link.abort()
            gw.release(c)

    async def _session(self, c: ClientState, link: WsLink) -> None:
        gw = self.gw
        ws = link.ws
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        while True:
            await gw.resumed.wait()
            try:
                if c.ready:
                    msg = await ws.recv()
                else:
                    budget = accepted + gw.limits.handshake_timeout - loop.time()
                    if budget <= 0:
                        raise TimeoutError
                    async with asyncio.timeout(budget):
                        msg = await ws.recv()
            except TimeoutError:
                gw.counters.timeouts += 1
                gw.counters.handshakes_failed += 1
                log.info("WebSocket connection %s sent no InitWebSocket within %gs; closing "
                         "it", c.peer, gw.limits.handshake_timeout)
                await link.close(1008, "no InitWebSocket in time")
                return
            c.last_in = loop.time()
            await gw.resumed.wait()
            gw.counters.bytes_in += len(msg)
            try:
                req = wsframe.parse_request(msg)
            except wsframe.WsFrameError as exc:
                gw.counters.bad_packets += 1
                log.info("WebSocket connection %s: %s; closing it", c.peer, exc)
                await link.close(1003 if isinstance(exc, wsframe.TextMessageError) else 1002,
                                 "not an OpenD packet")
                return
            if req.cmd == wsframe.CMD_INIT_WEBSOCKET:
                if not await self._login(c, link, req):
                    return
                continue
            pkt = Packet(req.cmd, req.section, FMT_PROTOBUF, req.body, len(msg))
            if not c.ready:
                gw.counters.packets_in += 1
                self._reply(c, link, req, _failed(f"cmd {req.cmd} before InitWebSocket: "
                                                  "log in with cmd 1 first"))
                continue
            if not await gw.handle_packets(c, [pkt]):
                return

    def _reply(self, c: ClientState, link: WsLink, req: wsframe.Request, body: bytes,
               error: int = 0, errmsg: str = "") -> None:
        data = wsframe.pack_reply(req.cmd, req.section, body, error, errmsg)
        pushes.count_out(self.gw, c, data)
        self.gw.counters.bytes_out += link.write([data])

    async def _login(self, c: ClientState, link: WsLink, req: wsframe.Request) -> bool:
        gw = self.gw
        gw.counters.packets_in += 1
        if c.ready:
            self._reply(c, link, req, _failed("InitWebSocket was already done on this "
                                              "connection"))
            return True
        try:
            login = InitWebSocket_pb2.Request.FromString(req.body)
        except PbDecodeError:
            login = None
        if login is None or login.c2s.websocketKey.lower() != self._key_md5:
            gw.counters.handshakes_failed += 1
            self._reply(c, link, req, b"", ERR_KEY_REFUSED, ERRMSG_KEY_REFUSED)
            log.info("WebSocket connection %s: %s; refused and closed", c.peer,
                     "unreadable InitWebSocket" if login is None else
                     "the key's MD5 does not match the gateway's --websocket-key")
            await link.close(1008, "wrong websocket key")
            return False
        c2s = login.c2s
        c.conn_id = new_conn_id()
        c.client_id = c2s.clientID or c2s.programmingLanguage
        c.recv_notify = True
        resp = InitWebSocket_pb2.Response(retType=0)
        resp.s2c.serverTime = int(time.time())
        resp.s2c.connID = c.conn_id
        self._reply(c, link, req, resp.SerializeToString())
        gw.mark_ready(c)
        await link.drain()
        return True


def _failed(msg: str) -> bytes:
    return InitWebSocket_pb2.Response(retType=-1, retMsg=msg).SerializeToString()
