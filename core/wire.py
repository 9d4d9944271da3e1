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

    :meth:`feed_raw` is the fast path the channel uses: no object per frame, only the header
    tuples and where each body starts in one buffer, so a body is copied once (by whoever
    needs it: a slice for plaintext, a gather for a batched AES decrypt).
    """

    __slots__ = ("_buf", "_error", "_max_body", "_need", "bytes_fed", "frames_decoded")

    def __init__(self, max_body: int = DEFAULT_MAX_BODY) -> None:
        if max_body <= 0:
            raise ValueError("max_body must be positive")
        self._buf = bytearray()
        self._need = 0  # size of the incomplete frame at the head of _buf, once its header is in
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
        try:
            src, heads, starts = self.feed_raw(data)
        except ProtocolError as exc:
            src, heads, starts = exc.raw  # type: ignore[attr-defined]
            exc.frames = _frames(src, heads, starts)  # type: ignore[attr-defined]
            raise
        return _frames(src, heads, starts)

    def feed_raw(self, data: bytes | bytearray | memoryview) -> tuple[bytes, list[tuple], list[int]]:
        """``(src, heads, starts)``: every whole frame now in the stream, as its unpacked
        :data:`HEADER` tuple (magic, proto_id, fmt, ver, serial, body_len, sha1, reserved) and
        the offset of its body in ``src``. Fatal errors carry the same triple as ``exc.raw``."""
        if self._error is not None:
            again = type(self._error)(*self._error.args)
            again.frames = []  # type: ignore[attr-defined]
            again.raw = (b"", [], [])  # type: ignore[attr-defined]
            raise again
        n_in = len(data)
        self.bytes_fed += n_in
        buf = self._buf
        if buf:
            if self._need and len(buf) + n_in < self._need:  # a large body still coming in
                buf += data
                return b"", [], []
            buf += data
            src = bytes(buf)
        else:
            src = data if type(data) is bytes else bytes(data)
        heads: list[tuple] = []
        starts: list[int] = []
        pos = 0
        end = len(src)
        need = 0
        unpack = HEADER.unpack_from
        max_body = self._max_body
        append_h = heads.append
        append_s = starts.append
        while end - pos >= HEADER_SIZE:
            h = unpack(src, pos)
            if h[0] != MAGIC:
                self._fail(BadMagicError(
                    f"bad magic {bytes(h[0])!r} at stream offset {self.bytes_fed - end + pos}: "
                    "this is not an OpenD stream (wrong port, or a TLS/WebSocket endpoint?)"),
                    src, heads, starts, pos)
            if h[5] > max_body:
                self._fail(BodyTooLargeError(
                    f"frame for proto {h[1]} announces a {h[5]}-byte body, over the "
                    f"{max_body}-byte cap; the stream is corrupt or the cap is too low"),
                    src, heads, starts, pos)
            stop = pos + HEADER_SIZE + h[5]
            if stop > end:
                need = stop - pos
                break
            append_h(h)
            append_s(pos + HEADER_SIZE)
            pos = stop
        self._need = need
        if pos == end:
            if buf:
                self._buf = bytearray()
        elif pos or not buf:
            self._buf = bytearray(memoryview(src)[pos:])
        self.frames_decoded += len(heads)
        return src, heads, starts

    def _fail(self, error: ProtocolError, src: bytes, heads: list[tuple], starts: list[int],
              pos: int) -> None:
        self._buf = bytearray(memoryview(src)[pos:])
        self._need = 0
        self.frames_decoded += len(heads)
        error.raw = (src, heads, starts)  # type: ignore[attr-defined]
        error.frames = []  # type: ignore[attr-defined]
        self._error = error
        raise error


def _frames(src: bytes, heads: list[tuple], starts: list[int]) -> list[Frame]:
    return [Frame(h[1], h[2], h[4], src[a:a + h[5]], h[6], h[3], h[7])
            for h, a in zip(heads, starts)]
