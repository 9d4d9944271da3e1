"""core/wsframe.py: the WebSocket port's framing, both directions, without sockets."""

from __future__ import annotations

import struct

import pytest
from opendeck.core import wsframe
from opendeck.core.errors import ProtocolError
from opendeck.core.wsframe import (
    BadErrmsgError,
    BadSignError,
    MessageTooLargeError,
    ShortMessageError,
    TextMessageError,
    UnknownSectionError,
)


def test_request_layout_is_the_sdk_capture():
    # websocket.md §3: the SDK's InitWebSocket for key "mykey", section 2
    body = (b"\x0a\x2e\x22\x20" + b"9adbe0b3033881f88ebd825bcf763b43" + b"\x32\x0a"
            + b"JavaScript")
    data = wsframe.pack_request(1, 2, body)
    assert len(data) == 68
    assert data[:8] == b"ft-v1.0\x00"
    assert data[8:12] == b"\x00\x00\x00\x01" and data[12:20] == b"\x00" * 7 + b"\x02"
    assert wsframe.parse_request(data) == (1, 2, body)
    assert wsframe.websocket_key_md5("mykey") == "9adbe0b3033881f88ebd825bcf763b43"


def test_reply_round_trip_and_layout():
    data = wsframe.pack_reply(3005, 0, b"\x08\x00", error=0)
    assert len(data) == 46 and data[24:44] == b"\x00" * 20
    r = wsframe.parse_reply(data)
    assert r == (3005, 0, 0, "", b"\x08\x00") and r.is_push
    ref = wsframe.pack_reply(1, 2**64 - 1, error=-1, errmsg="wrong websocket key")
    assert struct.unpack(">i", ref[20:24]) == (-1,)
    cmd, section, error, errmsg, body = wsframe.parse_reply(ref, pending={2**64 - 1})
    assert (cmd, section, error, errmsg, body) == (1, 2**64 - 1, -1, "wrong websocket key", b"")


def test_empty_body_request_and_bytes_like_input():
    data = wsframe.pack_request(1004, 7)
    assert len(data) == wsframe.REQUEST_HEADER_SIZE
    assert wsframe.parse_request(bytearray(data)) == (1004, 7, b"")
    assert wsframe.parse_request(memoryview(data)).cmd == 1004


def test_errmsg_is_cut_at_twenty_ascii_bytes_and_non_ascii_is_refused():
    long = wsframe.pack_reply(1, 2, errmsg="x" * 30)
    assert wsframe.parse_reply(long).errmsg == "x" * 20
    with pytest.raises(BadErrmsgError):
        wsframe.pack_reply(1, 2, errmsg="密钥错误")
    raw = bytearray(wsframe.pack_reply(1, 2))
    raw[24:27] = "密".encode()
    with pytest.raises(BadErrmsgError, match="not ASCII"):
        wsframe.parse_reply(bytes(raw))


@pytest.mark.parametrize("parse, size", [(wsframe.parse_request, 20), (wsframe.parse_reply, 44)])
def test_faults_are_typed(parse, size):
    good = (wsframe.pack_request(1002, 3, b"abc") if size == 20
            else wsframe.pack_reply(1002, 3, b"abc"))
    with pytest.raises(ShortMessageError):
        parse(good[:size - 1])
    with pytest.raises(BadSignError, match="sign"):
        parse(b"FT" + good[2:])
    with pytest.raises(TextMessageError, match="text"):
        parse("ft-v1.0\x00" + "x" * 40)
    with pytest.raises(MessageTooLargeError, match="cap"):
        parse(good + b"\x00" * 100, max_size=len(good) + 99)
    assert parse(good + b"\x00" * 99, max_size=len(good) + 99).body == b"abc" + b"\x00" * 99
    for err in (ShortMessageError, BadSignError, TextMessageError, MessageTooLargeError):
        assert issubclass(err, ProtocolError)


def test_a_100_mb_message_is_refused_by_the_default_cap():
    huge = bytearray(100 * 1024 * 1024)
    huge[:8] = wsframe.SIGN
    with pytest.raises(MessageTooLargeError):
        wsframe.parse_reply(huge)


def test_unknown_section_only_when_pending_is_given():
    data = wsframe.pack_reply(1002, 9)
    assert wsframe.parse_reply(data).section == 9
    with pytest.raises(UnknownSectionError, match="section 9"):
        wsframe.parse_reply(data, pending={2, 3})
    assert wsframe.parse_reply(wsframe.pack_reply(3005, 0), pending=set()).is_push


def test_ids_out_of_range_are_value_errors():
    with pytest.raises(ValueError):
        wsframe.pack_request(2**32, 1)
    with pytest.raises(ValueError):
        wsframe.pack_request(1, -1)
    with pytest.raises(ValueError):
        wsframe.pack_reply(1, 1, error=2**31)
