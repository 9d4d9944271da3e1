"""Sans-IO framing of OpenD's WebSocket port (the JavaScript SDK's wire), both directions.

One protocol packet travels as exactly one *binary* WebSocket message. There is no length
field: the body is whatever follows the header in the message. All integers are big-endian
(shared/websocket.md §2).

Client -> gateway, 20-byte header::

    sign     8s   b"ft-v1.0\\0"
    cmd      u32  proto id (1 = InitWebSocket, 1001.. = the ordinary API)
    section  u64  serial number; the reply echoes it

Gateway -> client, 44-byte header::

    sign     8s   b"ft-v1.0\\0"
    cmd      u32
    section  u64  the request's section for a reply, 0 for a push
    error    i32  transport-level error, 0 = OK (a refused key is != 0, with no body)
    errmsg   20s  ASCII, NUL-padded (the SDK reads it as 20 characters)

The four functions are all either side needs::

    pack_request(cmd, section, body) -> bytes          # client
    parse_request(message) -> Request(cmd, section, body)            # gateway
    pack_reply(cmd, section, body, error=0, errmsg="") -> bytes      # gateway
    parse_reply(message, pending=None) -> Reply(cmd, section, error, errmsg, body)  # client

Every fault is a :class:`WsFrameError` (an OpenDeck ``ProtocolError``) with a subclass per
kind, so a caller can tell a text frame from a foreign sign or an oversized message.
Nothing here does I/O, keeps state or looks at the protobuf body.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Container
from typing import NamedTuple

from .errors import ProtocolError

SIGN = b"ft-v1.0\x00"
REQUEST_HEADER = struct.Struct(">8sIQ")
REPLY_HEADER = struct.Struct(">8sIQi20s")
REQUEST_HEADER_SIZE = REQUEST_HEADER.size  # 20
REPLY_HEADER_SIZE = REPLY_HEADER.size  # 44
ERRMSG_SIZE = 20

#: the largest message either side accepts by default (header included)
DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024 + REPLY_HEADER_SIZE

#: WebSocket-only commands (not in the TCP proto table)
CMD_INIT_WEBSOCKET = 1
CMD_OPEND_DISCONNECT = 2
#: the section a push carries: no request is ever sent with it (the SDK's counter starts at 2)
PUSH_SECTION = 0

_U32 = 0xFFFFFFFF
_U64 = 0xFFFFFFFFFFFFFFFF


class WsFrameError(ProtocolError):
    """A WebSocket message that is not an OpenD packet."""


class TextMessageError(WsFrameError):
    """A text message where OpenD sends only binary ones."""


class BadSignError(WsFrameError):
    """The message does not start with the ``ft-v1.0`` sign."""


class ShortMessageError(WsFrameError):
    """The message is shorter than its header."""


class MessageTooLargeError(WsFrameError):
    """The message is over the size cap."""


class UnknownSectionError(WsFrameError):
    """A reply whose section no request is waiting for (and that is not a push)."""


class BadErrmsgError(WsFrameError):
    """An errmsg that is not ASCII."""


class Request(NamedTuple):
    cmd: int
    section: int
    body: bytes


class Reply(NamedTuple):
    cmd: int
    section: int
    error: int
    errmsg: str
    body: bytes

    @property
    def is_push(self) -> bool:
        return self.section == PUSH_SECTION


def websocket_key_md5(key: str) -> str:
    """What InitWebSocket carries for a key: the lowercase hex MD5 of its UTF-8 bytes."""
    return hashlib.md5(key.encode("utf-8")).hexdigest()


def _check_ids(cmd: int, section: int) -> None:
    if not 0 <= cmd <= _U32:
        raise ValueError(f"cmd {cmd} does not fit in 32 bits")
    if not 0 <= section <= _U64:
        raise ValueError(f"section {section} does not fit in 64 bits")


def _as_bytes(message, header_size: int, max_size: int, what: str) -> memoryview:
    if isinstance(message, str):
        raise TextMessageError(
            f"got a text WebSocket message from the {what}; OpenD's WebSocket port carries "
            "binary messages only (is this port really an OpenD WebSocket port?)")
    view = memoryview(message).cast("B")
    if len(view) > max_size:
        raise MessageTooLargeError(
            f"a {len(view)}-byte WebSocket message from the {what} is over the {max_size}-byte "
            "cap; the connection is dropped")
    if len(view) < header_size:
        raise ShortMessageError(
            f"a {len(view)}-byte WebSocket message from the {what} is shorter than the "
            f"{header_size}-byte header; this is not an OpenD WebSocket packet")
    if view[:8] != SIGN:
        raise BadSignError(
            f"a WebSocket message from the {what} starts with {bytes(view[:8])!r} instead of "
            f"the {SIGN!r} sign; the port is not an OpenD WebSocket port, or speaks another "
            "version")
    return view


def pack_request(cmd: int, section: int, body: bytes = b"") -> bytes:
    """One client packet: the 20-byte header and ``body`` (a serialized ``Request``)."""
    _check_ids(cmd, section)
    return REQUEST_HEADER.pack(SIGN, cmd, section) + body


def parse_request(message, *, max_size: int = DEFAULT_MAX_MESSAGE) -> Request:
    """Split a client message into cmd, section and body. Raises :class:`WsFrameError`."""
    view = _as_bytes(message, REQUEST_HEADER_SIZE, max_size, "client")
    _, cmd, section = REQUEST_HEADER.unpack_from(view)
    return Request(cmd, section, bytes(view[REQUEST_HEADER_SIZE:]))


def pack_reply(cmd: int, section: int, body: bytes = b"", error: int = 0,
               errmsg: str = "") -> bytes:
    """One gateway packet. ``errmsg`` must be ASCII; longer than 20 bytes it is cut."""
    _check_ids(cmd, section)
    if not -(2 ** 31) <= error < 2 ** 31:
        raise ValueError(f"error {error} does not fit in a signed 32-bit field")
    try:
        raw = errmsg.encode("ascii")
    except UnicodeEncodeError:
        raise BadErrmsgError(
            f"errmsg {errmsg!r} is not ASCII; the JavaScript SDK would lose the packet") from None
    return REPLY_HEADER.pack(SIGN, cmd, section, error, raw[:ERRMSG_SIZE]) + body


def parse_reply(message, pending: Container[int] | None = None, *,
                max_size: int = DEFAULT_MAX_MESSAGE) -> Reply:
    """Split a gateway message. With ``pending`` (the sections awaiting a reply), a reply
    whose section is neither pending nor the push section raises
    :class:`UnknownSectionError`. Raises :class:`WsFrameError` for every other fault."""
    view = _as_bytes(message, REPLY_HEADER_SIZE, max_size, "gateway")
    _, cmd, section, error, raw = REPLY_HEADER.unpack_from(view)
    raw = raw.rstrip(b"\x00")
    try:
        errmsg = raw.decode("ascii")
    except UnicodeDecodeError:
        raise BadErrmsgError(
            f"the gateway's errmsg {raw!r} (cmd {cmd}) is not ASCII; an OpenD errmsg always "
            "is, so this gateway does not speak OpenD's WebSocket framing") from None
    if pending is not None and section != PUSH_SECTION and section not in pending:
        raise UnknownSectionError(
            f"a reply to cmd {cmd} carries section {section}, which no request is waiting "
            "for (a late reply after a timeout, or a gateway that does not echo sections)")
    return Reply(cmd, section, error, errmsg, bytes(view[REPLY_HEADER_SIZE:]))
