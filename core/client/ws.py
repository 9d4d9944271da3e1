"""OpenD's WebSocket port as a second transport under the same :class:`ClientProtocol`.

The layers, bottom up:

* the ``websockets`` library's **sans-IO** client (RFC 6455: upgrade, masking, ping/pong,
  close), fed from our own ``asyncio.Protocol`` so a read that holds many messages is still
  one call into the protocol, and no task or callback is made per message;
* :mod:`opendeck.core.wsframe` for OpenD's framing (20-byte request header, 44-byte reply
  header, one packet per binary message, protobuf bodies only);
* :class:`WsSteps`: the handshake step (InitWebSocket with the key's MD5, then GetUserInfo for
  the user id that trade requests need, since InitWebSocket returns only serverTime and
  connID) and the heartbeat step (WebSocket ping/pong on an interval of our own: the JS SDK
  sends no KeepAlive and the gateway negotiates no interval).

The key never leaves memory: only its MD5 goes on the wire (in the clear over ws://).
"""

from __future__ import annotations

import asyncio
import ssl
import struct
import time
from pathlib import Path

from google.protobuf.message import Message
from websockets.client import ClientProtocol as _WsClient
from websockets.exceptions import InvalidHandshake, InvalidStatus, PayloadTooBig, WebSocketException
from websockets.exceptions import ProtocolError as ProtocolError_
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State as WsState
from websockets.uri import parse_uri

from .. import catalog, wsframe
from ..channel import Packet
from ..errors import ConnectionLost, HandshakeError, KeyRefused, OpenDeckError, RequestError, TransportError
from ..events import HandshakeInfo, Transport
from ..config import is_loopback as _is_loopback
from .connection import Connection, _Stream

is_loopback = _is_loopback  # one definition, in core/config.py

#: the cap on one WebSocket message (header included): a 100 MB message is refused
MAX_MESSAGE = wsframe.DEFAULT_MAX_MESSAGE


def _init_ws_module():
    try:
        from ..pb import InitWebSocket_pb2 as mod  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - the schema ships with the package
        raise TransportError("this OpenDeck build has no InitWebSocket schema") from None
    return mod


class WsFraming:
    """OpenD packets in WebSocket messages (bodies are always protobuf, no cipher)."""

    __slots__ = ("encryption",)

    def __init__(self, tls: bool) -> None:
        self.encryption = "tls" if tls else "none"

    def pack(self, proto_id: int, serial: int, body: bytes, fmt: int) -> bytes:
        return wsframe.pack_request(proto_id, serial, body)

    def receive(self, message: bytes) -> list[Packet]:
        r = wsframe.parse_reply(message, max_size=MAX_MESSAGE)
        error = None
        if r.error != 0:
            name = "InitWebSocket" if r.cmd == wsframe.CMD_INIT_WEBSOCKET else catalog.name_of(r.cmd)
            error = RequestError(f"the gateway answered {name} with WebSocket "
                                 f"error {r.error}" + (f": {r.errmsg}" if r.errmsg else ""),
                                 proto_id=r.cmd, ret_type=r.error)
        return [Packet(r.cmd, r.section, 0, r.body, len(message), error)]

    def release(self) -> list[Packet]:
        return []


class WsSteps:
    heartbeat_kind = "ping"
    silence_hint = ("real OpenD is reported to stay silent on a wrong WebSocket key: check the key "
                    "(OpenD's websocket_key_md5 is the MD5 of it)")

    def __init__(self, key: str | None, *, tls: bool, heartbeat_interval: float = 10.0) -> None:
        self.key = key or ""
        self.tls = tls
        self.heartbeat_interval_s = heartbeat_interval
        self.transport = Transport.WSS if tls else Transport.WS
        self.tls_version = ""
        self.peer_subject = ""
        self._init: Message | None = None

    def schema(self, proto_id: int):
        if proto_id == wsframe.CMD_INIT_WEBSOCKET:
            mod = _init_ws_module()
            return mod.Request, mod.Response
        return None

    def new_framing(self) -> WsFraming:
        return WsFraming(self.tls)

    def handshake_requests(self, proto) -> list[tuple[int, Message]]:
        mod = _init_ws_module()
        c2s = mod.C2S(websocketKey=wsframe.websocket_key_md5(self.key) if self.key else "",
                      programmingLanguage=proto.client.language, clientID=proto.client.client_id)
        return [(wsframe.CMD_INIT_WEBSOCKET, c2s)]

    def handshake_reply(self, proto, proto_id: int, resp: Message | None, packet: Packet):
        label = proto.label
        if proto_id == wsframe.CMD_INIT_WEBSOCKET:
            if packet.error is not None:
                raise KeyRefused(
                    f"{label}: the gateway refused the WebSocket key ({packet.error}); enter the "
                    "key set in OpenD's websocket_key_md5 / GUI OpenD's WebSocket settings")
            if resp is None or not resp.HasField("s2c"):
                raise HandshakeError(f"{label}: the InitWebSocket reply has no connection data "
                                     f"({resp.retMsg if resp is not None else 'empty body'})")
            self._init = resp.s2c
            flag = catalog.module(catalog.GET_USER_INFO).UserInfoField.Value("UserInfoField_Basic")
            return [(catalog.GET_USER_INFO, catalog.module(catalog.GET_USER_INFO).C2S(flag=flag))]
        # GetUserInfo: the login user id that trade requests carry
        if packet.error is not None or resp is None or resp.retType != 0:
            why = packet.error or (resp.retMsg if resp is not None else "no reply body")
            raise HandshakeError(f"{label}: GetUserInfo after InitWebSocket failed: {why}")
        init = self._init
        return HandshakeInfo(
            server_ver=0, login_user_id=resp.s2c.userID, conn_id=init.connID,
            keepalive_interval=max(1, round(self.heartbeat_interval_s)),
            encryption="tls" if self.tls else "none", aes_key="", aes_iv="",
            user_attribution=resp.s2c.userAttribution, connect_ms=0.0, handshake_ms=0.0,
            transport=self.transport, server_time=init.serverTime,
            tls_version=self.tls_version, peer_subject=self.peer_subject)

    def heartbeat(self, proto, beat_id: int, now: float) -> None:
        proto.request_ping(beat_id)

    def heartbeat_interval(self, info: HandshakeInfo) -> float:
        return float(self.heartbeat_interval_s)


def tls_context(ca_cert: str | None, verify: bool = True) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if ca_cert:
        try:
            ctx.load_verify_locations(cafile=str(Path(ca_cert).expanduser()))
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(f"cannot load the CA certificate {ca_cert}: {exc}; give a PEM "
                                 "file with the gateway's certificate or its CA") from None
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class WsConnection(Connection):
    """A client connection to OpenD's WebSocket port (``ws://`` or ``wss://``)."""

    def __init__(self, host: str, port: int, *, tls: bool = False, key: str | None = None,
                 ca_cert: str | None = None, tls_verify: bool = True,
                 heartbeat_interval: float = 10.0, **kw) -> None:
        self.tls = tls
        self._ssl = tls_context(ca_cert, tls_verify) if tls else None
        steps = WsSteps(key, tls=tls, heartbeat_interval=heartbeat_interval)
        kw.setdefault("label", f"{'wss' if tls else 'ws'}://{host}:{port}")
        super().__init__(host, port, steps=steps, **kw)
        self._ws: _WsClient | None = None
        self._upgraded: asyncio.Future[None] | None = None

    @property
    def address(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}"

    @property
    def plaintext_remote(self) -> bool:
        """The key's MD5 (and an unlock's password MD5) would cross a network in the clear."""
        return not self.tls and not _is_loopback(self.host)

    async def _open_stream(self) -> _Stream:
        loop = self._loop
        uri = parse_uri(f"{'wss' if self.tls else 'ws'}://{self._uri_host()}:{self.port}/")
        self._ws = ws = _WsClient(uri, max_size=MAX_MESSAGE)
        self._upgraded = loop.create_future()
        try:
            tr, stream = await asyncio.wait_for(
                loop.create_connection(lambda: _Stream(self), self.host, self.port, ssl=self._ssl,
                                       server_hostname=self.host if self.tls else None),
                self.connect_timeout)
        except TimeoutError:
            raise ConnectionLost(f"connect to {self.address} timed out after {self.connect_timeout:g} s; "
                                 "check host, port and firewall") from None
        except ssl.SSLCertVerificationError as exc:
            raise TransportError(
                f"TLS to {self.address} failed: {exc.verify_message or exc}; if the gateway uses "
                "a self-signed certificate, give it as the CA file (--ca-cert / Edit, F2)") from None
        except ssl.SSLError as exc:
            raise TransportError(f"TLS to {self.address} failed: {exc.reason or exc}; is this a "
                                 "wss:// port (OpenD's websocket_cert set)?") from None
        except ConnectionRefusedError:
            raise ConnectionLost(f"cannot connect to {self.address}: connection refused; is OpenD's "
                                 "WebSocket port enabled (websocket_port) and listening there?") from None
        except OSError as exc:
            raise ConnectionLost(f"cannot connect to {self.address}: {exc.strerror or exc}") from None
        self._stream = stream
        if self.tls:
            sslobj = tr.get_extra_info("ssl_object")
            steps: WsSteps = self.steps
            steps.tls_version = sslobj.version() if sslobj is not None else ""
            cert = tr.get_extra_info("peercert") or {}
            steps.peer_subject = ", ".join("=".join(kv) for rdn in cert.get("subject", ()) for kv in rdn)
        ws.send_request(ws.connect())
        self._push_ws()
        try:
            await asyncio.wait_for(asyncio.shield(self._upgraded), self.connect_timeout)
        except TimeoutError:
            tr.close()
            raise HandshakeError(f"{self.address} did not answer the WebSocket upgrade within "
                                 f"{self.connect_timeout:g} s; is this OpenD's WebSocket port?") from None
        except OpenDeckError:
            tr.close()
            raise
        self._stream = None  # the supervisor adopts it
        return stream

    def _uri_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    def _push_ws(self) -> None:
        ws, stream = self._ws, self._stream
        if ws is None or stream is None or stream.transport is None:
            return
        out = ws.data_to_send()
        for chunk in out:
            if chunk:
                stream.transport.write(chunk)
            elif ws.close_expected():
                stream.transport.write_eof() if stream.transport.can_write_eof() else None

    def _write(self, stream: _Stream, out: list[bytes]) -> None:
        ws = self._ws
        if ws is None:
            return
        for msg in out:
            ws.send_binary(msg)
        self._push_ws()

    def _ping(self, beat_id: int) -> None:
        ws = self._ws
        if ws is not None:
            try:
                ws.send_ping(struct.pack(">Q", beat_id))
            except WebSocketException:
                return
            self._push_ws()

    def _on_data(self, stream: _Stream, data: bytes) -> None:
        if stream is not self._stream:
            return
        ws = self._ws
        if ws is None:
            return
        self.bytes_in += len(data)
        ws.receive_data(data)
        now = self._loop.time()
        proto = self.proto
        for ev in ws.events_received():
            if isinstance(ev, Response):
                self._upgrade_done(ws)
            elif isinstance(ev, Frame):
                op = ev.opcode
                if op is Opcode.BINARY:
                    proto.receive_data(ev.data, now)
                elif op is Opcode.TEXT:
                    proto.receive_data(ev.data.decode("utf-8", "replace"), now)  # type: ignore[arg-type]
                elif op is Opcode.PONG and len(ev.data) == 8:
                    proto.pong(struct.unpack(">Q", ev.data)[0], now)
        self._push_ws()
        if self._upgraded is not None and self._upgraded.done():
            self.last_received = time.time()
            self._flush()

    def _close_stream(self) -> None:
        ws, stream = self._ws, self._stream
        if ws is not None and stream is not None and ws.state is WsState.OPEN:
            try:  # a polite close frame before the socket goes
                ws.send_close(1000, "closed by OpenDeck")
                self._push_ws()
            except WebSocketException:
                pass
        super()._close_stream()

    def _upgrade_done(self, ws: _WsClient) -> None:
        fut = self._upgraded
        if fut is None or fut.done():
            return
        exc = ws.handshake_exc
        if exc is None:
            fut.set_result(None)
            return
        if isinstance(exc, InvalidStatus):
            st = exc.response.status_code
            err = TransportError(f"{self.address} answered HTTP {st} instead of a WebSocket upgrade; "
                                 "this is not OpenD's WebSocket port (is it the TCP API port or a web server?)")
        elif isinstance(exc, InvalidHandshake):
            err = TransportError(f"{self.address} answered the WebSocket upgrade with something that is "
                                 f"not one ({exc}); check the port")
        else:
            err = TransportError(f"WebSocket upgrade to {self.address} failed: {exc}")
        fut.set_exception(err)

    def _lost_error(self, exc: Exception | None) -> OpenDeckError:
        """Why the WebSocket ended, from the library's own account when it has one."""
        ws = self._ws
        parser = getattr(ws, "parser_exc", None) if ws is not None else None
        if isinstance(parser, PayloadTooBig):
            return TransportError(f"{self.address} sent a WebSocket message over the "
                                  f"{MAX_MESSAGE:,}-byte cap; the connection was dropped")
        if isinstance(parser, ProtocolError_):
            return TransportError(f"{self.address} broke the WebSocket protocol ({parser}); "
                                  "the connection was dropped")
        close = ws.close_rcvd if ws is not None else None
        if close is not None and close.code not in (1000, 1001):
            return ConnectionLost(f"{self.address} closed the WebSocket: code {close.code}"
                                  + (f" ({close.reason})" if close.reason else ""))
        return super()._lost_error(exc)

    def _on_lost(self, stream: _Stream, exc: Exception | None) -> None:
        fut = self._upgraded
        if fut is not None and not fut.done():  # _open_stream reports it; the stream never opened
            fut.set_exception(ConnectionLost(f"{self.address} closed the connection during the "
                                             "WebSocket upgrade; is this OpenD's WebSocket port?"))
            if stream is self._stream:
                self._stream = None
            return
        super()._on_lost(stream, exc)

