"""Sans-IO packet channel: framing + cipher state + SHA-1 check, for either side of a stream.

A :class:`Channel` is what one TCP stream needs on top of :mod:`wire`: RSA for InitConnect
(when a key is set), the AES cipher the handshake chose for everything after it, and the
plaintext SHA-1 check. It is used by the client connection and by the demo gateway alike.

:meth:`Channel.receive` never drops a frame. A frame whose body cannot be decrypted or whose
SHA-1 does not match comes back as a :class:`Packet` with ``error`` set (and the wire bytes
as ``body``), so the caller can report it with its proto id and serial. Only stream-fatal
errors (bad magic, oversized body) raise.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from google.protobuf import json_format
from google.protobuf.message import DecodeError as _PbDecodeError
from google.protobuf.message import Message

from . import catalog
from .cipher import PLAIN, BodyCipher, RsaCipher
from .errors import ChecksumError, CipherError, DecodeError, OpenDeckError, ProtocolError
from .wire import DEFAULT_MAX_BODY, FMT_JSON, FMT_PROTOBUF, Frame, FrameDecoder, encode_frame

ENCRYPTION_NONE = "none"


@dataclass(slots=True)
class Packet:
    """One received packet, decrypted and checked."""

    proto_id: int
    serial: int
    fmt: int
    body: bytes  # plaintext (or the wire bytes when ``error`` is set)
    wire_size: int
    error: OpenDeckError | None = None


class Channel:
    __slots__ = ("decoder", "rsa", "aes", "verify_sha1", "hold_after_init", "_held",
                 "packets_in", "packets_out",
                 "bytes_out")

    def __init__(self, *, rsa: RsaCipher | None = None, max_body: int = DEFAULT_MAX_BODY,
                 verify_sha1: bool = True, hold_after_init: bool = False) -> None:
        self.decoder = FrameDecoder(max_body)
        #: client side: frames that follow the InitConnect reply in the same read are held
        #: until the caller has switched ciphers (:meth:`set_aes`); a gateway may send a push
        #: right behind the reply, and it is already AES-encrypted.
        self.hold_after_init = hold_after_init
        self._held: list[Frame] | None = None
        self.rsa = rsa
        self.aes: BodyCipher = PLAIN
        self.verify_sha1 = verify_sha1
        self.packets_in = 0
        self.packets_out = 0
        self.bytes_out = 0

    @property
    def encryption(self) -> str:
        """``none``, ``aes-cbc`` or ``aes-ecb``: what protects packets after InitConnect."""
        return self.aes.name

    def cipher_for(self, proto_id: int) -> BodyCipher:
        if proto_id == catalog.INIT_CONNECT:
            return self.rsa if self.rsa is not None else PLAIN
        return self.aes

    def pack(self, proto_id: int, serial: int, plain: bytes, fmt: int = FMT_PROTOBUF) -> bytes:
        cipher = self.cipher_for(proto_id)
        body = plain if cipher is PLAIN else cipher.encrypt(plain)
        data = encode_frame(proto_id, serial, body, plaintext=plain, fmt=fmt)
        self.packets_out += 1
        self.bytes_out += len(data)
        return data

    def receive(self, data: bytes | bytearray | memoryview) -> list[Packet]:
        """Bytes in, packets out. Raises only stream-fatal :class:`ProtocolError` s, with the
        packets decoded before the fault in this call on ``exc.packets``."""
        try:
            frames = self.decoder.feed(data)
        except ProtocolError as exc:
            packets = [self._open(f) for f in self._split(getattr(exc, "frames", []))]
            exc.packets = packets  # type: ignore[attr-defined]
            self.packets_in += len(packets)
            raise
        out = [self._open(f) for f in self._split(frames)]
        self.packets_in += len(out)
        return out

    def _split(self, frames: list[Frame]) -> list[Frame]:
        if self._held is not None:  # InitConnect seen, cipher not switched yet
            self._held.extend(frames)
            return []
        if self.hold_after_init:
            for i, f in enumerate(frames):
                if f.proto_id == catalog.INIT_CONNECT:
                    self._held = frames[i + 1:]
                    self.hold_after_init = False
                    return frames[:i + 1]
        return frames

    def set_aes(self, cipher: BodyCipher) -> list[Packet]:
        """Switch the post-handshake cipher; returns the packets held behind InitConnect."""
        self.aes = cipher
        self.hold_after_init = False
        held, self._held = self._held or [], None
        out = [self._open(f) for f in held]
        self.packets_in += len(out)
        return out

    def _open(self, f: Frame) -> Packet:
        cipher = self.cipher_for(f.proto_id)
        body = f.body
        error: OpenDeckError | None = None
        if cipher is not PLAIN:
            try:
                body = cipher.decrypt(body)
            except CipherError as exc:
                error = exc
                body = f.body
        if error is None and self.verify_sha1 and hashlib.sha1(body).digest() != f.sha1:
            error = ChecksumError(
                f"SHA-1 mismatch on {catalog.name_of(f.proto_id)} (proto {f.proto_id}, "
                f"serial {f.serial}): the body was corrupted or the peer uses another cipher")
        return Packet(f.proto_id, f.serial, f.fmt, body, f.wire_size, error)


def encode_message(msg: Message, fmt: int = FMT_PROTOBUF) -> bytes:
    """A Request/Response body in the given ProtoFmt (0 protobuf, 1 JSON)."""
    if fmt == FMT_JSON:
        return json_format.MessageToJson(msg, indent=None, ensure_ascii=True).encode("ascii")
    return msg.SerializePartialToString()


def decode_message(cls: type[Message], body: bytes, fmt: int, proto_id: int = 0) -> Message:
    """Parse a body of either format, raising :class:`DecodeError` with the proto named."""
    try:
        if fmt == FMT_JSON:
            obj = json.loads(body.decode("utf-8"))
            if not isinstance(obj, dict):
                raise ValueError(f"top level is a JSON {type(obj).__name__}, not an object")
            return json_format.ParseDict(obj, cls(), ignore_unknown_fields=True)
        return cls.FromString(body)
    except (_PbDecodeError, json_format.ParseError, ValueError, RecursionError) as exc:
        raise DecodeError(f"cannot parse {catalog.name_of(proto_id)} (proto {proto_id}) as "
                          f"{'JSON' if fmt == FMT_JSON else 'protobuf'}: {exc}") from None


def message_to_dict(msg: Message) -> dict:
    """A decoded message as a plain dict with proto field names (for JSON output and views)."""
    return json_format.MessageToDict(msg, preserving_proto_field_name=True)
