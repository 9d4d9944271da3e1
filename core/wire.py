"""Sans-IO framing for the OpenD TCP protocol.

Every packet is a 44-byte little-endian header followed by ``body_len`` bytes::

    magic "FT" | proto_id u32 | fmt u8 | ver u8 | serial u32 | body_len u32 | sha1[20] | reserved[8]

``body_len`` is the length *as sent* (ciphertext when encrypted); the SHA-1 covers the
plaintext. Nothing here knows about sockets or asyncio: :class:`FrameDecoder` takes bytes and
returns frames, :func:`encode_frame` returns bytes. Decryption and the SHA-1 check live in
:mod:`opendeck.core.channel`, which knows the cipher state of a connection.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from .errors import BadMagicError, BodyTooLargeError, ProtocolError

HEADER = struct.Struct("<2sIBBII20s8s")
HEADER_SIZE = HEADER.size  # 44
MAGIC = b"FT"
FMT_PROTOBUF = 0
FMT_JSON = 1
#: Default cap on one body. OpenD itself has no documented maximum; futu-api has none at all.
#: 16 MiB is far above any real message (a full order book is a few KiB) and bounds memory.
DEFAULT_MAX_BODY = 16 * 1024 * 1024
_ZERO_RESERVED = bytes(8)

assert HEADER_SIZE == 44


@dataclass(frozen=True, slots=True)
class Frame:
    """One packet as it came off the wire (body still encrypted if the stream is)."""

    proto_id: int
    fmt: int
    serial: int
    body: bytes
    sha1: bytes
    proto_ver: int = 0
    reserved: bytes = _ZERO_RESERVED

    @property
    def wire_size(self) -> int:
        return HEADER_SIZE + len(self.body)


def encode_frame(proto_id: int, serial: int, body: bytes, *, plaintext: bytes | None = None,
                 fmt: int = FMT_PROTOBUF) -> bytes:
    """Header + body. ``plaintext`` is what the SHA-1 covers when ``body`` is ciphertext."""
    digest = hashlib.sha1(body if plaintext is None else plaintext).digest()
    return HEADER.pack(MAGIC, proto_id, fmt, 0, serial & 0xFFFFFFFF, len(body), digest,
                       _ZERO_RESERVED) + body


class FrameDecoder:
    """Streaming decoder: ``feed(bytes) -> list[Frame]``.

    Chunk boundaries do not matter: feeding a stream one byte at a time gives the same frames
    as feeding it whole. A bad magic or an oversized body is fatal for the stream (there is no
    way to find the next frame boundary): :meth:`feed` raises the typed error, and the frames
    decoded before it in the same call are attached to the exception as ``frames`` so none is
    lost. After a fatal error every further :meth:`feed` raises the same error again.
    """

    __slots__ = ("_buf", "_max_body", "_error", "frames_decoded", "bytes_fed")

    def __init__(self, max_body: int = DEFAULT_MAX_BODY) -> None:
        if max_body <= 0:
            raise ValueError("max_body must be positive")
        self._buf = bytearray()
        self._max_body = max_body
        self._error: ProtocolError | None = None
        self.frames_decoded = 0
        self.bytes_fed = 0

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._buf)

    @property
    def error(self) -> ProtocolError | None:
        return self._error

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        if self._error is not None:
            again = type(self._error)(*self._error.args)
            again.frames = []  # type: ignore[attr-defined]
            raise again
        self.bytes_fed += len(data)
        buf = self._buf
        buf += data
        frames: list[Frame] = []
        pos = 0
        end = len(buf)
        unpack = HEADER.unpack_from
        while end - pos >= HEADER_SIZE:
            magic, proto_id, fmt, ver, serial, body_len, sha1, reserved = unpack(buf, pos)
            if magic != MAGIC:
                self._fail(BadMagicError(
                    f"bad magic {bytes(magic)!r} at stream offset {self.bytes_fed - end + pos}: "
                    "this is not an OpenD stream (wrong port, or a TLS/WebSocket endpoint?)"),
                    frames, pos)
            if body_len > self._max_body:
                self._fail(BodyTooLargeError(
                    f"frame for proto {proto_id} announces a {body_len}-byte body, over the "
                    f"{self._max_body}-byte cap; the stream is corrupt or the cap is too low"),
                    frames, pos)
            stop = pos + HEADER_SIZE + body_len
            if stop > end:
                break
            frames.append(Frame(proto_id, fmt, serial, bytes(buf[pos + HEADER_SIZE:stop]),
                                bytes(sha1), ver, bytes(reserved)))
            pos = stop
        if pos:
            del buf[:pos]
        self.frames_decoded += len(frames)
        return frames

    def _fail(self, error: ProtocolError, frames: list[Frame], pos: int) -> None:
        del self._buf[:pos]
        self.frames_decoded += len(frames)
        error.frames = frames  # type: ignore[attr-defined]
        self._error = error
        raise error
