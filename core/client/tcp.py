"""The TCP transport's step: 44-byte-header framing (RSA, AES, SHA-1), InitConnect, KeepAlive.

Sans-IO like the rest of the protocol: :class:`TcpSteps` builds the InitConnect request,
reads its reply (switching the channel to the AES cipher it names) and sends one KeepAlive
per heartbeat. The driver in :mod:`.connection` owns the socket.
"""

from __future__ import annotations

import asyncio

from google.protobuf.message import Message

from .. import catalog
from ..channel import Channel, Packet, decode_message
from ..cipher import PLAIN, RsaCipher, aes_for
from ..errors import BadRsaKey, CipherError, ConnectionLost, EncryptionMismatch, LoginRefused, OpenDeckError
from ..events import HandshakeInfo, Transport
from ..wire import DEFAULT_MAX_BODY, FMT_PROTOBUF
from .policy import clamp_keepalive


class TcpFraming:
    """A :class:`Channel` seen through the protocol's Framing interface."""

    __slots__ = ("channel", "held")

    def __init__(self, rsa: RsaCipher | None, max_body: int) -> None:
        self.channel = Channel(rsa=rsa, max_body=max_body, hold_after_init=True)
        self.held: list[Packet] = []

    @property
    def encryption(self) -> str:
        return self.channel.encryption

    def pack(self, proto_id: int, serial: int, body: bytes, fmt: int) -> bytes:
        return self.channel.pack(proto_id, serial, body, fmt)

    def receive(self, data: bytes) -> list[Packet]:
        return self.channel.receive(data)

    def release(self) -> list[Packet]:
        held, self.held = self.held, []
        return held


class TcpSteps:
    heartbeat_kind = "keepalive"
    silence_hint = "the port may not be an OpenD API port"

    def __init__(self, rsa: RsaCipher | None = None, max_body: int | None = None) -> None:
        self.rsa = rsa
        self.max_body = max_body or DEFAULT_MAX_BODY
        self.transport = Transport.TCP

    def new_framing(self) -> TcpFraming:
        return TcpFraming(self.rsa, self.max_body)

    def handshake_requests(self, proto) -> list[tuple[int, Message]]:
        c = proto.client
        c2s = catalog.module(catalog.INIT_CONNECT).C2S(
            clientVer=c.client_ver, clientID=c.client_id, recvNotify=c.recv_notify,
            packetEncAlgo=(c.packet_enc_algo if c.packet_enc_algo is not None
                           else (2 if self.rsa else -1)),
            pushProtoFmt=c.push_format, programmingLanguage=c.language)
        return [(catalog.INIT_CONNECT, c2s)]

    def handshake_reply(self, proto, proto_id: int, resp: Message | None,
                        packet: Packet) -> HandshakeInfo:
        label = proto.label
        if resp is None and isinstance(packet.error, CipherError):
            # a gateway that cannot read our RSA InitConnect may explain in plaintext
            try:
                plain = decode_message(catalog.response_type(proto_id), packet.body, FMT_PROTOBUF)
            except OpenDeckError:
                plain = None
            if plain is not None and plain.retType != 0 and plain.retMsg:
                raise EncryptionMismatch(
                    f"{label}: the gateway refused the encrypted InitConnect: {plain.retMsg}; "
                    "if it runs without an RSA key, set Encryption to None in the endpoint "
                    "(Edit, F2)")
            raise BadRsaKey(
                f"{label}: the InitConnect reply could not be decrypted: the gateway's "
                f"rsa_private_key is not {self.rsa and self.rsa.source}; pick the key file "
                "OpenD uses in the endpoint's Encryption setting (Edit, F2)")
        if resp is None:
            raise packet.error or LoginRefused(f"{label}: empty InitConnect reply")
        if resp.retType != 0:
            msg = resp.retMsg or "no reason given"
            if self.rsa is None and "rsa" in msg.lower():
                raise EncryptionMismatch(
                    f"{label}: this gateway requires RSA encryption and the endpoint has none; "
                    "Edit the endpoint (F2) and pick OpenD's RSA private key file under "
                    f"Encryption (the gateway said: {msg})")
            raise LoginRefused(f"{label}: InitConnect refused: {msg} (retType {resp.retType})")
        s2c = resp.s2c
        framing: TcpFraming = proto.framing
        held = framing.channel.set_aes(
            aes_for(s2c.connAESKey, s2c.aesCBCiv if s2c.HasField("aesCBCiv") else None)
            if self.rsa is not None else PLAIN)
        framing.held = held
        interval, note = clamp_keepalive(s2c.keepAliveInterval)
        return HandshakeInfo(
            server_ver=s2c.serverVer, login_user_id=s2c.loginUserID, conn_id=s2c.connID,
            keepalive_interval=interval, encryption=framing.encryption, aes_key=s2c.connAESKey,
            aes_iv=s2c.aesCBCiv, user_attribution=s2c.userAttribution,
            connect_ms=0.0, handshake_ms=0.0,  # the protocol fills in its own timings
            transport=Transport.TCP, keepalive_note=note)

    def heartbeat(self, proto, beat_id: int, now: float) -> None:
        proto.send_keepalive(beat_id, now)

    def heartbeat_interval(self, info: HandshakeInfo) -> float:
        return float(info.keepalive_interval)


async def open_tcp(loop, factory, host: str, port: int, timeout: float):
    """``loop.create_connection`` with every failure as a ConnectionLost that says what to do."""
    try:
        return await asyncio.wait_for(loop.create_connection(factory, host, port), timeout)
    except TimeoutError:
        raise ConnectionLost(f"TCP connect to {host}:{port} timed out after {timeout:g} s; "
                             "check host, port and firewall") from None
    except ConnectionRefusedError:
        raise ConnectionLost(f"cannot connect to {host}:{port}: connection refused; "
                             "is OpenD running and listening there?") from None
    except OSError as exc:
        raise ConnectionLost(f"cannot connect to {host}:{port}: {exc.strerror or exc}; "
                             "is OpenD running and listening there?") from None
