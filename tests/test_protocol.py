"""The sans-IO client protocol with no socket and no sleep: bytes and a fake clock in."""

from __future__ import annotations

import pytest

from opendeck.core import catalog
from opendeck.core.channel import Channel, decode_message, encode_message
from opendeck.core.client import protocol as P
from opendeck.core.client.policy import Backoff
from opendeck.core.client.protocol import ClientProtocol
from opendeck.core.client.tcp import TcpSteps
from opendeck.core.errors import (ConnectionLost, EncryptionMismatch, HandshakeError, NotConnected,
                                  ProtocolError, RequestTimeout)
from opendeck.core.events import ConnState
from opendeck.core.wire import FMT_PROTOBUF

S = ConnState


class FakeGateway:
    """The other end of the wire, as a Channel: decodes what the client sent, answers."""

    def __init__(self) -> None:
        self.channel = Channel()

    def requests(self, proto: ClientProtocol):
        out = []
        for data in proto.data_to_send():
            for pkt in self.channel.receive(data):
                cls = catalog.request_type(pkt.proto_id)
                out.append((pkt.proto_id, pkt.serial, decode_message(cls, pkt.body, pkt.fmt)))
        return out

    def reply(self, proto_id: int, serial: int, **fields) -> bytes:
        resp = catalog.response_type(proto_id)(**fields)
        return self.channel.pack(proto_id, serial, encode_message(resp), FMT_PROTOBUF)

    def init_reply(self, serial: int, keepalive: int = 10, **extra) -> bytes:
        mod = catalog.module(catalog.INIT_CONNECT)
        s2c = mod.S2C(serverVer=1011, loginUserID=42, connID=7, connAESKey="0123456789abcdef",
                      keepAliveInterval=keepalive, **extra)
        return self.reply(catalog.INIT_CONNECT, serial, retType=0, s2c=s2c)


def events(proto, kind=None):
    evs = proto.next_events()
    return [e for e in evs if kind is None or isinstance(e, kind)]


def ready_protocol(keepalive: int = 10, **kw):
    gw = FakeGateway()
    proto = ClientProtocol(TcpSteps(), label="t", backoff=Backoff(jitter=0.0), **kw)
    proto.start(0.0)
    proto.connection_made(0.0, connect_ms=1.0)
    (pid, serial, req), = gw.requests(proto)
    assert pid == catalog.INIT_CONNECT and req.c2s.packetEncAlgo == -1
    proto.receive_data(gw.init_reply(serial, keepalive), 0.25)
    return proto, gw


def test_handshake_reaches_ready_with_its_timings():
    proto, _ = ready_protocol()
    evs = proto.next_events()
    states = [(e.old, e.new) for e in evs if isinstance(e, P.StateChange)]
    assert states == [(S.IDLE, S.CONNECTING), (S.CONNECTING, S.HANDSHAKING), (S.HANDSHAKING, S.READY)]
    ready = [e for e in evs if isinstance(e, P.Ready)][0].info
    assert ready.conn_id == 7 and ready.login_user_id == 42 and ready.keepalive_interval == 10
    assert ready.handshake_ms == pytest.approx(250.0) and ready.connect_ms == 1.0


def test_requests_are_matched_by_proto_and_serial():
    proto, gw = ready_protocol()
    proto.next_events()
    mod = catalog.module(catalog.GET_GLOBAL_STATE)
    a = proto.send_request(catalog.GET_GLOBAL_STATE, mod.C2S(userID=1), 1.0, timeout=5)
    b = proto.send_request(catalog.GET_GLOBAL_STATE, mod.C2S(userID=2), 1.0, timeout=5)
    sent = gw.requests(proto)
    assert [s[1] for s in sent] == [a[1], b[1]]
    # answers in the other order, plus one nobody asked for
    data = (gw.reply(catalog.GET_GLOBAL_STATE, b[1], retType=0)
            + gw.reply(catalog.GET_GLOBAL_STATE, a[1], retType=0)
            + gw.reply(catalog.GET_GLOBAL_STATE, 999999, retType=0))
    proto.receive_data(data, 1.1)
    evs = proto.next_events()
    assert [e.key for e in evs if isinstance(e, P.Reply)] == [b, a]
    problems = [e.error for e in evs if isinstance(e, P.Problem)]
    assert len(problems) == 1 and isinstance(problems[0], ProtocolError)
    assert "matches no request" in str(problems[0])


def test_a_request_times_out_on_the_fake_clock():
    proto, gw = ready_protocol()
    proto.next_events()
    key = proto.send_request(catalog.GET_GLOBAL_STATE, None, 1.0, timeout=2.0)
    assert proto.next_deadline() <= 3.0
    proto.tick(2.9)
    assert not events(proto, P.RequestFailed)
    proto.tick(3.0)
    failed = events(proto, P.RequestFailed)
    assert failed[0].key == key and isinstance(failed[0].error, RequestTimeout)


def test_pushes_of_one_read_come_out_as_one_batch():
    proto, gw = ready_protocol()
    proto.next_events()
    mod = catalog.module(catalog.QOT_UPDATE_BASIC_QOT)
    data = b"".join(gw.reply(catalog.QOT_UPDATE_BASIC_QOT, i, retType=0, s2c=mod.S2C())
                    for i in range(50))
    proto.receive_data(data, 1.0)
    batches = events(proto, P.Pushes)
    assert len(batches) == 1 and len(batches[0].packets) == 50


def test_keepalive_every_half_interval_and_rtt_from_the_reply():
    proto, gw = ready_protocol(keepalive=10)
    proto.next_events()
    assert proto.next_deadline() == pytest.approx(5.25)
    proto.tick(5.25)
    (pid, serial, _), = gw.requests(proto)
    assert pid == catalog.KEEP_ALIVE
    proto.receive_data(gw.reply(catalog.KEEP_ALIVE, serial, retType=0,
                                s2c=catalog.module(catalog.KEEP_ALIVE).S2C(time=1)), 5.30)
    beat, = events(proto, P.Beat)
    assert beat.rtt_ms == pytest.approx(50.0) and beat.missed == 0


def test_a_silent_gateway_is_dead_after_one_and_a_half_intervals():
    proto, gw = ready_protocol(keepalive=10)
    proto.next_events()
    t = 0.25
    missed = []
    while proto.state is S.READY:
        t = proto.next_deadline()
        proto.tick(t)
        gw.requests(proto)  # KeepAlives go out and are never answered
        missed += [e.missed for e in events(proto, P.Beat)]
    assert t == pytest.approx(0.25 + 15.0)
    assert missed == [1]  # beats at 5.25 (unanswered) and 10.25 (misses it); dead at 15.25
    assert proto.state is S.RECONNECTING
    assert "nothing received for 15.0 s" in str(proto.last_error)


def test_pushes_keep_a_connection_alive_even_when_keepalive_replies_lag():
    proto, gw = ready_protocol(keepalive=10)
    mod = catalog.module(catalog.QOT_UPDATE_BASIC_QOT)
    for i in range(1, 120):  # 60 s of pushes every half second, no KeepAlive reply
        now = 0.25 + i * 0.5
        proto.receive_data(gw.reply(catalog.QOT_UPDATE_BASIC_QOT, 0, retType=0, s2c=mod.S2C()), now)
        proto.tick(now)
        gw.requests(proto)
    assert proto.state is S.READY


def test_reading_paused_by_us_is_not_silence():
    proto, gw = ready_protocol(keepalive=10)
    proto.hold_reading(True, 1.0)
    for t in range(2, 200):
        proto.tick(float(t))
    assert proto.state is S.READY


def test_drop_then_backoff_grows_until_a_healthy_stretch():
    proto, gw = ready_protocol()
    delays = []
    now = 1.0
    for _ in range(4):  # handshake, then the gateway closes at once: the delay must grow
        proto.connection_lost(None, now)
        change = [e for e in events(proto, P.StateChange) if e.new is S.RECONNECTING][0]
        delays.append(change.retry_in)
        now += change.retry_in
        assert proto.retry_due(now)
        proto.start(now)
        proto.connection_made(now)
        (_, serial, _), = gw.requests(proto)
        proto.receive_data(gw.init_reply(serial), now + 0.01)
        now += 1.0
    assert delays == [1.0, 2.0, 4.0, 8.0]
    proto.next_events()
    proto.connection_lost(None, now + 31.0)  # this one stayed up for 31 s: back to the base
    assert [e.retry_in for e in events(proto, P.StateChange) if e.new is S.RECONNECTING] == [1.0]


def test_plaintext_client_refused_for_encryption_is_permanent():
    gw = FakeGateway()
    proto = ClientProtocol(TcpSteps(), label="t")
    proto.start(0.0)
    proto.connection_made(0.0)
    (_, serial, _), = gw.requests(proto)
    proto.receive_data(gw.reply(catalog.INIT_CONNECT, serial, retType=-1,
                                retMsg="this gateway requires RSA encryption"), 0.1)
    assert proto.state is S.FAILED
    assert isinstance(proto.last_error, EncryptionMismatch)
    assert "Edit the endpoint (F2)" in str(proto.last_error)
    assert proto.next_deadline() is None  # nothing scheduled: no retry


def test_headless_mode_retries_permanent_failures_on_the_slow_cap():
    gw = FakeGateway()
    proto = ClientProtocol(TcpSteps(), label="t", retry_permanent=True,
                           backoff=Backoff(jitter=0.0, permanent_delay=300.0))
    proto.start(0.0)
    proto.connection_made(0.0)
    (_, serial, _), = gw.requests(proto)
    proto.receive_data(gw.reply(catalog.INIT_CONNECT, serial, retType=-1, retMsg="RSA needed"), 0.1)
    assert proto.state is S.RECONNECTING and proto.retry_at == pytest.approx(300.1)


def test_silent_handshake_times_out():
    proto = ClientProtocol(TcpSteps(), label="t", auto_reconnect=False)
    proto.handshake_timeout = 3.0
    proto.start(0.0)
    proto.connection_made(0.0)
    proto.data_to_send()
    assert proto.next_deadline() == 3.0
    proto.tick(3.0)
    assert proto.state is S.FAILED and isinstance(proto.last_error, HandshakeError)


def test_corrupt_stream_closes_after_routing_what_came_before():
    proto, gw = ready_protocol()
    proto.next_events()
    mod = catalog.module(catalog.QOT_UPDATE_BASIC_QOT)
    good = gw.reply(catalog.QOT_UPDATE_BASIC_QOT, 0, retType=0, s2c=mod.S2C())
    proto.receive_data(good + b"XX" + bytes(60), 1.0)
    evs = proto.next_events()
    assert len([e for e in evs if isinstance(e, P.Pushes)][0].packets) == 1
    assert any(isinstance(e, P.CloseStream) for e in evs)
    assert proto.state is S.RECONNECTING and "bad magic" in str(proto.last_error)


def test_closing_fails_pending_requests_and_refuses_new_ones():
    proto, gw = ready_protocol()
    proto.next_events()
    key = proto.send_request(catalog.GET_GLOBAL_STATE, None, 1.0, timeout=5)
    proto.close()
    evs = proto.next_events()
    failed = [e for e in evs if isinstance(e, P.RequestFailed)]
    assert failed[0].key == key and isinstance(failed[0].error, ConnectionLost)
    assert [(e.old, e.new) for e in evs if isinstance(e, P.StateChange)] == [
        (S.READY, S.CLOSING), (S.CLOSING, S.CLOSED)]
    with pytest.raises(NotConnected):
        proto.send_request(catalog.GET_GLOBAL_STATE, None, 2.0, timeout=5)
