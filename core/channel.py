"""Sans-IO packet channel: framing + cipher state + SHA-1 check, for either side of a stream.

A :class:`Channel` is what one TCP stream needs on top of :mod:`wire`: RSA for InitConnect
(when a key is set), the AES cipher the handshake chose for everything after it, and the
plaintext SHA-1 check. It is used by the client connection and by the demo gateway alike.

:meth:`Channel.receive` never drops a frame. A frame whose body cannot be decrypted or whose
SHA-1 does not match comes back as a :class:`Packet` with ``error`` set (``body`` is the wire
bytes when decrypting failed, the decrypted bytes when only the SHA-1 did not match), so the caller can report it with its proto id and serial. Only stream-fatal
errors (bad magic, oversized body) raise.

The receive path is built for 10^5 packets/s: the decoder gives header tuples and offsets into
one buffer (no Frame objects), all AES bodies of a read are decrypted in one call
(:meth:`BodyCipher.decrypt_many`), each body is copied once, and a :class:`Packet` is a tuple.
"""

from __future__ import annotations

import hashlib
import json
from operator import itemgetter

from google.protobuf import json_format
from google.protobuf.message import DecodeError as _PbDecodeError
from google.protobuf.message import Message

from . import catalog
from .cipher import PLAIN, BodyCipher, RsaCipher
from .errors import ChecksumError, CipherError, DecodeError, OpenDeckError, ProtocolError
from .wire import DEFAULT_MAX_BODY, FMT_JSON, FMT_PROTOBUF, HEADER_SIZE, FrameDecoder, encode_frame

ENCRYPTION_NONE = "none"


class Packet(tuple):
    """One received packet, decrypted and checked: a tuple
    ``(proto_id, serial, fmt, body, wire_size, error)`` with those names as attributes.
    ``body`` is the plaintext (the wire bytes when decrypting it failed)."""

    __slots__ = ()

    def __new__(cls, proto_id: int, serial: int, fmt: int, body: bytes, wire_size: int,  # noqa: PYI034
                error: OpenDeckError | None = None) -> Packet:
        return tuple.__new__(cls, (proto_id, serial, fmt, body, wire_size, error))

    proto_id = property(itemgetter(0))
    serial = property(itemgetter(1))
    fmt = property(itemgetter(2))
    body = property(itemgetter(3))
    wire_size = property(itemgetter(4))
    error = property(itemgetter(5))

    def __repr__(self) -> str:
        return (f"Packet(proto_id={self[0]}, serial={self[1]}, fmt={self[2]}, body={self[3]!r}, "
                f"wire_size={self[4]}, error={self[5]!r})")


_new_packet = tuple.__new__
_proto_of = itemgetter(1)  # of a header tuple
_RAW_EMPTY: tuple = (b"", [], [])


class Channel:
    __slots__ = (
        "_held",
        "aes",
        "bytes_out",
        "decoder",
        "hold_after_init",
        "packets_in",
        "packets_out",
        "rsa",
        "verify_sha1",
    )

    def __init__(self, *, rsa: RsaCipher | None = None, max_body: int = DEFAULT_MAX_BODY,
                 verify_sha1: bool = True, hold_after_init: bool = False) -> None:
        self.decoder = FrameDecoder(max_body)
        #: client side: frames that follow the InitConnect reply in the same read are held
        #: until the caller has switched ciphers (:meth:`set_aes`); a gateway may send a push
        #: right behind the reply, and it is already AES-encrypted.
        self.hold_after_init = hold_after_init
        self._held: list[tuple] | None = None  # raw triples of feed_raw
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
            raw = self.decoder.feed_raw(data)
        except ProtocolError as exc:
            packets = self._open_raw(self._split(getattr(exc, "raw", _RAW_EMPTY)))
            exc.packets = packets  # type: ignore[attr-defined]
            self.packets_in += len(packets)
            raise
        if not raw[1]:
            return []
        out = self._open_raw(self._split(raw))
        self.packets_in += len(out)
        return out

    def _split(self, raw: tuple) -> tuple:
        if self._held is not None:  # InitConnect seen, cipher not switched yet
            if raw[1]:
                self._held.append(raw)
            return _RAW_EMPTY
        if self.hold_after_init:
            src, heads, starts = raw
            init = catalog.INIT_CONNECT
            for i, h in enumerate(heads):
                if h[1] == init:
                    self._held = [(src, heads[i + 1:], starts[i + 1:])]
                    self.hold_after_init = False
                    return src, heads[:i + 1], starts[:i + 1]
        return raw

    def set_aes(self, cipher: BodyCipher) -> list[Packet]:
        """Switch the post-handshake cipher; returns the packets held behind InitConnect."""
        self.aes = cipher
        self.hold_after_init = False
        held, self._held = self._held or [], None
        out: list[Packet] = []
        for raw in held:
            out += self._open_raw(raw)
        self.packets_in += len(out)
        return out

    def _open_raw(self, raw: tuple) -> list[Packet]:
        """Decrypt and check the frames of one read (see :meth:`FrameDecoder.feed_raw`)."""
        src, heads, starts = raw
        if not heads:
            return []
        init = catalog.INIT_CONNECT
        if self.rsa is not None and init in map(_proto_of, heads):
            return [p for h, a in zip(heads, starts) for p in self._open_raw_split(src, h, a)]
        aes = self.aes
        verify = self.verify_sha1
        sha1 = hashlib.sha1
        new = _new_packet
        out: list[Packet] = []
        append = out.append
        if aes is PLAIN:
            for h, a in zip(heads, starts):
                n = h[5]
                body = src[a:a + n]
                if verify and sha1(body).digest() != h[6]:
                    append(self._bad_sum(h, body))
                else:
                    append(new(Packet, (h[1], h[4], h[2], body, n + HEADER_SIZE, None)))
            return out
        lengths = [h[5] for h in heads]
        for h, a, body in zip(heads, starts, aes.decrypt_many(src, starts, lengths)):
            n = h[5]
            if type(body) is not bytes:  # the CipherError of that body
                append(new(Packet, (h[1], h[4], h[2], src[a:a + n], n + HEADER_SIZE, body)))
            elif verify and sha1(body).digest() != h[6]:
                append(self._bad_sum(h, body))
            else:
                append(new(Packet, (h[1], h[4], h[2], body, n + HEADER_SIZE, None)))
        return out

    def _open_raw_split(self, src: bytes, h: tuple, a: int) -> list[Packet]:
        if h[1] != catalog.INIT_CONNECT:
            return self._open_raw((src, [h], [a]))
        wire = src[a:a + h[5]]
        try:
            body = self.rsa.decrypt(wire)  # type: ignore[union-attr]
        except CipherError as exc:
            return [Packet(h[1], h[4], h[2], wire, h[5] + HEADER_SIZE, exc)]
        if self.verify_sha1 and hashlib.sha1(body).digest() != h[6]:
            return [self._bad_sum(h, body)]
        return [Packet(h[1], h[4], h[2], body, h[5] + HEADER_SIZE, None)]

    @staticmethod
    def _bad_sum(h: tuple, body: bytes) -> Packet:
        error = ChecksumError(
            f"SHA-1 mismatch on {catalog.name_of(h[1])} (proto {h[1]}, "
            f"serial {h[4]}): the body was corrupted or the peer uses another cipher")
        return Packet(h[1], h[4], h[2], body, h[5] + HEADER_SIZE, error)


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
