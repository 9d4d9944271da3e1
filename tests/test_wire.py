"""Sans-IO framing: opendeck.core.wire (protocol.md §1)."""

from __future__ import annotations

import hashlib
import struct
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendeck.core import errors
from opendeck.core.pb import InitConnect_pb2
from opendeck.core.wire import (
    DEFAULT_MAX_BODY,
    FMT_JSON,
    FMT_PROTOBUF,
    HEADER,
    HEADER_SIZE,
    MAGIC,
    Frame,
    FrameDecoder,
    encode_frame,
)

PROPS = settings(max_examples=200, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def futu_init_connect_body(packet_enc_algo: int = -1) -> bytes:
    """InitConnect.Request exactly as futu-api 10.11 fills it (protocol.md §5.1)."""
    req = InitConnect_pb2.Request()
    c2s = req.c2s
    c2s.clientVer = 300
    c2s.clientID = "PyNormal"
    c2s.recvNotify = True
    c2s.packetEncAlgo = packet_enc_algo
    c2s.pushProtoFmt = 0
    c2s.programmingLanguage = "Python"
    c2s.aiType = 0
    return req.SerializeToString()


def feed_chunks(decoder: FrameDecoder, data: bytes, sizes: list[int]):
    """Feed ``data`` cut into pieces of ``sizes`` (cycled); return (frames, error or None).

    On a fatal error the frames on ``exc.frames`` are kept and feeding stops, as a caller would.
    """
    frames: list[Frame] = []
    pos = 0
    i = 0
    while pos < len(data):
        n = sizes[i % len(sizes)] if sizes else len(data)
        i += 1
        try:
            frames += decoder.feed(data[pos:pos + n])
        except errors.ProtocolError as exc:
            frames += exc.frames
            return frames, exc
        pos += n
    return frames, None


# --- strategies ---------------------------------------------------------------------------

u32 = st.integers(0, 0xFFFFFFFF)
frame_args = st.tuples(u32, u32, st.binary(max_size=300), st.sampled_from([FMT_PROTOBUF, FMT_JSON]))
frame_lists = st.lists(frame_args, max_size=8)


def build_stream(args) -> tuple[bytes, list[Frame]]:
    data = b""
    expected = []
    for proto_id, serial, body, fmt in args:
        data += encode_frame(proto_id, serial, body, fmt=fmt)
        expected.append(Frame(proto_id, fmt, serial, body, hashlib.sha1(body).digest()))
    return data, expected


chunk_sizes = st.lists(st.integers(1, 97), min_size=1, max_size=20)


# --- header layout and the captured first packet -------------------------------------------


def test_header_struct_is_little_endian_packed_44_bytes():
    assert HEADER.format == "<2sIBBII20s8s"
    assert HEADER_SIZE == 44 == struct.calcsize("<2sIBBII20s8s")
    assert MAGIC == b"FT"


def test_futu_init_connect_body_is_40_bytes_and_31_with_aes_cbc():
    # protocol.md §2: packetEncAlgo=-1 is a 10-byte varint -> 40 B; =2 gives 31 B.
    assert len(futu_init_connect_body(-1)) == 40
    assert len(futu_init_connect_body(2)) == 31


def test_first_packet_of_a_default_futu_client_byte_for_byte():
    body = futu_init_connect_body()
    data = encode_frame(1001, 2084, body)
    assert len(data) == 44 + 40
    assert data[0:2] == b"\x46\x54"                      # "FT"
    assert data[2:6] == bytes.fromhex("e9030000")        # protoID 1001
    assert data[6] == 0                                  # protoFmtType protobuf
    assert data[7] == 0                                  # protoVer
    assert data[8:12] == bytes.fromhex("24080000")       # serialNo 2084
    assert data[12:16] == bytes.fromhex("28000000")      # bodyLen 40
    assert data[16:36] == hashlib.sha1(body).digest()    # SHA-1 of the plaintext
    assert data[36:44] == bytes(8)                       # reserved
    assert data[44:] == body
    assert data[:16].hex() == "4654e903000000002408000028000000"


def test_first_packet_decodes_back():
    body = futu_init_connect_body()
    frames = FrameDecoder().feed(encode_frame(1001, 2084, body))
    assert frames == [Frame(1001, 0, 2084, body, hashlib.sha1(body).digest(), 0, bytes(8))]
    assert frames[0].wire_size == 84
    req = InitConnect_pb2.Request.FromString(frames[0].body)
    assert req.c2s.clientID == "PyNormal" and req.c2s.packetEncAlgo == -1


def test_sha1_covers_the_plaintext_and_body_len_the_ciphertext():
    plain, cipher = b"hello world", bytes(range(48))
    data = encode_frame(1004, 7, cipher, plaintext=plain)
    _, pid, _, _, serial, body_len, sha1, _ = HEADER.unpack_from(data)
    assert (pid, serial, body_len) == (1004, 7, 48)
    assert sha1 == hashlib.sha1(plain).digest() != hashlib.sha1(cipher).digest()
    assert data[44:] == cipher


def test_json_format_byte_and_serial_wraps_to_u32():
    data = encode_frame(1004, 2**32 + 5, b"{}", fmt=FMT_JSON)
    assert data[6] == 1
    assert data[8:12] == (5).to_bytes(4, "little")
    assert encode_frame(1004, -1, b"")[8:12] == b"\xff\xff\xff\xff"


# --- decoder basics -----------------------------------------------------------------------


def test_zero_length_body_decodes_on_exactly_44_bytes():
    # futu's client waits for >44 bytes; ours must not.
    dec = FrameDecoder()
    frames = dec.feed(encode_frame(1004, 1, b""))
    assert frames == [Frame(1004, 0, 1, b"", hashlib.sha1(b"").digest())]
    assert dec.buffered == 0


def test_partial_header_and_partial_body_wait():
    data = encode_frame(3005, 9, b"x" * 10)
    dec = FrameDecoder()
    assert dec.feed(data[:43]) == []
    assert dec.buffered == 43
    assert dec.feed(data[43:50]) == []
    assert dec.buffered == 50
    frames = dec.feed(data[50:])
    assert [f.body for f in frames] == [b"x" * 10]
    assert dec.buffered == 0
    assert dec.frames_decoded == 1 and dec.bytes_fed == len(data)


def test_coalesced_frames_and_trailing_partial_in_one_feed():
    a, b, c = (encode_frame(1004, i, bytes([i]) * i) for i in (1, 2, 3))
    dec = FrameDecoder()
    frames = dec.feed(a + b + c[:20])
    assert [(f.serial, f.body) for f in frames] == [(1, b"\x01"), (2, b"\x02\x02")]
    assert dec.buffered == 20
    assert [f.serial for f in dec.feed(c[20:])] == [3]
    assert dec.frames_decoded == 3


def test_empty_feed_returns_nothing():
    dec = FrameDecoder()
    assert dec.feed(b"") == []
    assert dec.bytes_fed == 0


def test_accepts_bytearray_and_memoryview_and_copies_the_body():
    data = bytearray(encode_frame(1004, 1, b"abcdef"))
    dec = FrameDecoder()
    frames = dec.feed(memoryview(data)[:30]) + dec.feed(data[30:])
    data[44:] = b"ZZZZZZ"  # the caller reuses its buffer
    assert frames[0].body == b"abcdef"
    assert isinstance(frames[0].body, bytes) and isinstance(frames[0].sha1, bytes)


def test_nonzero_version_and_reserved_are_surfaced_not_fatal():
    body = b"abc"
    raw = HEADER.pack(MAGIC, 1004, 0, 7, 1, 3, hashlib.sha1(body).digest(), b"\x01" * 8) + body
    [frame] = FrameDecoder().feed(raw)
    assert frame.proto_ver == 7 and frame.reserved == b"\x01" * 8 and frame.body == body


def test_max_body_must_be_positive():
    with pytest.raises(ValueError):
        FrameDecoder(0)
    with pytest.raises(ValueError):
        FrameDecoder(-1)


# --- body cap -----------------------------------------------------------------------------


def header_announcing(body_len: int, proto_id: int = 3013) -> bytes:
    return HEADER.pack(MAGIC, proto_id, 0, 0, 1, body_len, bytes(20), bytes(8))


def test_body_over_cap_raises_on_the_header_alone():
    dec = FrameDecoder(max_body=100)
    with pytest.raises(errors.BodyTooLargeError) as info:
        dec.feed(header_announcing(101))  # no body bytes at all: raised before buffering any
    assert isinstance(info.value, errors.ProtocolError)
    assert "3013" in str(info.value) and "101" in str(info.value) and "100" in str(info.value)
    assert info.value.frames == []


def test_body_at_cap_is_fine():
    dec = FrameDecoder(max_body=100)
    assert dec.feed(encode_frame(1, 1, b"a" * 100))[0].body == b"a" * 100


def test_default_cap_is_16_mib_and_checked_before_the_body_arrives():
    assert DEFAULT_MAX_BODY == 16 * 1024 * 1024
    dec = FrameDecoder()
    assert dec.feed(header_announcing(DEFAULT_MAX_BODY)) == []  # waits for the body
    with pytest.raises(errors.BodyTooLargeError):
        FrameDecoder().feed(header_announcing(DEFAULT_MAX_BODY + 1))
    with pytest.raises(errors.BodyTooLargeError):
        FrameDecoder().feed(header_announcing(0xFFFFFFFF))


def test_body_cap_error_carries_frames_decoded_before_it():
    good = encode_frame(1004, 1, b"ok")
    dec = FrameDecoder(max_body=10)
    with pytest.raises(errors.BodyTooLargeError) as info:
        dec.feed(good + header_announcing(11))
    assert [f.body for f in info.value.frames] == [b"ok"]
    assert dec.frames_decoded == 1


# --- bad magic and the fatal state ---------------------------------------------------------


def test_bad_magic_is_fatal_with_offset_and_salvaged_frames():
    good = encode_frame(1004, 1, b"ok")
    dec = FrameDecoder()
    with pytest.raises(errors.BadMagicError) as info:
        dec.feed(good + b"HTTP/1.1 400 Bad Request\r\n" + bytes(40))
    exc = info.value
    assert isinstance(exc, errors.ProtocolError)
    assert [f.body for f in exc.frames] == [b"ok"]
    assert f"offset {len(good)}" in str(exc)
    assert dec.error is exc


def test_bad_magic_offset_counts_bytes_from_earlier_feeds():
    good = encode_frame(1004, 1, b"ok")
    dec = FrameDecoder()
    assert len(dec.feed(good)) == 1
    assert dec.feed(good[:10]) == []
    with pytest.raises(errors.BadMagicError) as info:
        dec.feed(good[10:] + b"XX" + bytes(60))
    assert f"offset {2 * len(good)}" in str(info.value)
    assert [f.serial for f in info.value.frames] == [1]


def test_short_garbage_is_not_judged_until_44_bytes_arrive():
    dec = FrameDecoder()
    assert dec.feed(b"GET / HTTP/1.1\r\n") == []
    with pytest.raises(errors.BadMagicError):
        dec.feed(bytes(40))


@pytest.mark.parametrize("after", [b"", b"more garbage", encode_frame(1004, 2, b"valid")])
def test_decoder_keeps_raising_after_a_fatal_error(after):
    dec = FrameDecoder()
    with pytest.raises(errors.BadMagicError) as first:
        dec.feed(b"\x00" * 44)
    with pytest.raises(errors.BadMagicError) as again:
        dec.feed(after)
    assert str(again.value) == str(first.value)
    assert dec.error is not None


def test_repeated_fatal_error_does_not_hand_out_the_same_frames_twice():
    """exc.frames are the frames of *that* feed. A caller that salvages exc.frames on every
    ProtocolError must not get the frames of the first failing feed again on the next call."""
    good = encode_frame(1004, 1, b"ok")
    dec = FrameDecoder()
    with pytest.raises(errors.BadMagicError) as first:
        dec.feed(good + b"\x00" * 44)
    assert len(first.value.frames) == 1
    with pytest.raises(errors.BadMagicError) as again:
        dec.feed(b"")
    assert getattr(again.value, "frames", []) == []


def test_repeated_fatal_error_traceback_does_not_grow():
    """Re-raising one stored exception instance appends to its __traceback__ on every feed:
    a reader that keeps feeding a dead decoder would grow it without bound."""
    dec = FrameDecoder()
    depths = []
    for _ in range(4):
        try:
            dec.feed(b"\x00" * 44)
        except errors.BadMagicError as exc:
            depths.append(len(traceback.extract_tb(exc.__traceback__)))
    assert depths[-1] <= depths[0], depths


# --- properties ---------------------------------------------------------------------------


@PROPS
@given(frame_lists, chunk_sizes)
def test_any_chunking_decodes_the_same_frames(args, sizes):
    data, expected = build_stream(args)
    whole = FrameDecoder().feed(data)
    assert whole == expected
    dec = FrameDecoder()
    chunked, err = feed_chunks(dec, data, sizes)
    assert err is None
    assert chunked == expected
    assert dec.buffered == 0
    assert dec.frames_decoded == len(expected) and dec.bytes_fed == len(data)


@settings(max_examples=50, deadline=None)
@given(frame_lists)
def test_one_byte_chunks_decode_the_same_frames(args):
    data, expected = build_stream(args)
    dec = FrameDecoder()
    out = []
    for i in range(len(data)):
        out += dec.feed(data[i:i + 1])
    assert out == expected


@PROPS
@given(u32, u32, st.binary(max_size=500), st.integers(0, 255))
def test_encode_decode_round_trip(proto_id, serial, body, fmt):
    [frame] = FrameDecoder().feed(encode_frame(proto_id, serial, body, fmt=fmt))
    assert (frame.proto_id, frame.serial, frame.body, frame.fmt) == (proto_id, serial, body, fmt)
    assert frame.sha1 == hashlib.sha1(body).digest()
    assert frame.wire_size == 44 + len(body)


def _check_failed_state(dec: FrameDecoder, err: errors.ProtocolError | None) -> None:
    if err is None:
        return
    assert isinstance(err, (errors.BadMagicError, errors.BodyTooLargeError))
    assert dec.error is err
    for probe in (b"", b"FT", encode_frame(1, 1, b"x")):
        with pytest.raises(type(err)):
            dec.feed(probe)


@PROPS
@given(st.binary(max_size=600), chunk_sizes, st.integers(1, 4096))
def test_random_bytes_only_raise_protocol_errors(data, sizes, cap):
    dec = FrameDecoder(max_body=cap)
    frames, err = feed_chunks(dec, data, sizes)  # anything but a ProtocolError propagates
    for f in frames:
        assert len(f.body) <= cap
    _check_failed_state(dec, err)


def _mutate(data: bytes, draw) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "set"]))
        if op == "truncate":
            if buf:
                del buf[draw(st.integers(0, len(buf) - 1)):]
        elif op == "insert":
            at = draw(st.integers(0, len(buf)))
            buf[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif buf:
            at = draw(st.integers(0, len(buf) - 1))
            if op == "flip":
                buf[at] ^= 1 << draw(st.integers(0, 7))
            elif op == "delete":
                del buf[at:at + draw(st.integers(1, 8))]
            else:
                buf[at] = draw(st.integers(0, 255))
    return bytes(buf)


@PROPS
@given(frame_lists, chunk_sizes, st.data())
def test_mutated_streams_only_raise_protocol_errors_and_ignore_chunking(args, sizes, data):
    stream, _ = build_stream(args)
    mutated = _mutate(stream, data.draw)
    cap = data.draw(st.sampled_from([300, 1024, DEFAULT_MAX_BODY]))

    dec_whole = FrameDecoder(max_body=cap)
    whole, err_whole = feed_chunks(dec_whole, mutated, [])
    dec_chunked = FrameDecoder(max_body=cap)
    chunked, err_chunked = feed_chunks(dec_chunked, mutated, sizes)

    # same frames and the same fatal error (type and message, offsets included) either way
    assert chunked == whole
    assert type(err_chunked) is type(err_whole)
    assert str(err_chunked) == str(err_whole)
    _check_failed_state(dec_whole, err_whole)
    _check_failed_state(dec_chunked, err_chunked)
    # every decoded frame is well formed
    for f in whole:
        assert len(f.body) <= cap


@PROPS
@given(frame_lists, st.binary(min_size=1, max_size=60), chunk_sizes)
def test_frames_before_garbage_are_all_delivered(args, garbage, sizes):
    stream, expected = build_stream(args)
    junk = b"X" + garbage  # "X" can never start "FT": a bad magic once 44 bytes are present
    dec = FrameDecoder()
    frames, err = feed_chunks(dec, stream + junk + bytes(44), sizes)
    assert frames == expected
    assert isinstance(err, errors.BadMagicError)
    assert f"offset {len(stream)}" in str(err)
