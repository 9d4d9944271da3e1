"""Fault matrix, hostile clients: raw sockets against an in-process demo gateway (issue 10).

Every row: the gateway process survives (a fresh client still handshakes and gets a KeepAlive
answered), the hostile input gets a typed answer (a retType -1 whose message says what was
wrong, or a close that the log explains), and nothing of it stays behind in any table.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import socket

import pytest
import pytest_asyncio
from faultkit import DEADLINE, HOST, RawClient, assert_gateway_serves, header, init_connect_c2s, request_body
from opendeck.core import catalog
from opendeck.core.cipher import RsaCipher
from opendeck.core.gateway.limits import Limits
from opendeck.core.gateway.server import DemoGateway
from opendeck.core.wire import FMT_JSON, encode_frame

pytestmark = pytest.mark.asyncio

KA = catalog.KEEP_ALIVE


def ka_c2s():
    return catalog.module(KA).C2S(time=1)


@pytest_asyncio.fixture
async def gw():
    g = DemoGateway(port=0, push_rate=0, keepalive_interval=2, seed=7,
                    limits=Limits(handshake_timeout=5.0))
    await g.start()
    try:
        yield g
    finally:
        await g.stop()


async def expect_closed(c: RawClient, gw: DemoGateway, before_open: int | None = None) -> None:
    assert await c.closed_by_peer(), "the gateway kept a connection it should have closed"
    await gw.wait_until(lambda: all(not x.closing for x in gw.conns) and
                        (before_open is None or len(gw.conns) <= before_open), DEADLINE)


# ------------------------------------------------------------------ framing
async def test_bad_magic_closes_only_that_connection(gw):
    """A header that does not start with b"FT" cannot be resynchronised: the gateway closes
    that connection (counted as a bad packet), keeps every other one and keeps serving."""
    bystander = await RawClient.connect(gw.port)
    await bystander.handshake()
    c = await RawClient.connect(gw.port)
    c.send(header(KA, 0, magic=b"XX"))
    await expect_closed(c, gw, before_open=1)
    assert gw.stats.bad_packets >= 1
    assert (await bystander.call(KA, ka_c2s())).retType == 0, "a bystander was disturbed"
    bystander.close()
    await assert_gateway_serves(gw)


async def test_4gb_length_claim_is_refused_without_allocating(gw):
    """A header announcing a 4 GiB body is over the framing cap: the connection is closed at
    once (no wait for 4 GiB, no allocation), the gateway keeps serving."""
    c = await RawClient.connect(gw.port)
    c.send(header(catalog.INIT_CONNECT, 0xFFFFFFFF))
    await expect_closed(c, gw, before_open=0)
    assert gw.stats.bad_packets >= 1
    await assert_gateway_serves(gw)


async def test_sha1_mismatch_is_answered_not_fatal(gw):
    """A request whose SHA-1 does not match its body is answered retType -1 naming the SHA-1;
    the connection stays usable. A bad SHA-1 on InitConnect is refused in plaintext and the
    connection closed."""
    c = await RawClient.connect(gw.port)
    await c.handshake()
    body = request_body(KA, ka_c2s())
    bad = bytearray(encode_frame(KA, 77, body))
    bad[24] ^= 0xFF  # first byte of the SHA-1 field
    c.send(bytes(bad))
    resp = await c.reply(KA, 77)
    assert resp.retType == -1 and "SHA-1" in resp.retMsg
    assert (await c.call(KA, ka_c2s())).retType == 0, "the connection did not survive"
    c.close()

    c2 = await RawClient.connect(gw.port)
    bad = bytearray(encode_frame(catalog.INIT_CONNECT, 5, request_body(
        catalog.INIT_CONNECT, init_connect_c2s())))
    bad[30] ^= 0x01
    c2.send(bytes(bad))
    resp = await c2.reply(catalog.INIT_CONNECT, 5)
    assert resp.retType == -1 and resp.retMsg
    await expect_closed(c2, gw, before_open=0)
    await assert_gateway_serves(gw)


async def test_truncated_frame_then_close_frees_the_slot(gw):
    """Half a frame and then a close: the gateway releases the connection (nothing kept,
    nothing answered) and serves the next client."""
    for cut in (10, 44 + 3):
        c = await RawClient.connect(gw.port)
        frame = encode_frame(KA, 1, request_body(KA, ka_c2s()))
        c.send(frame[:cut])
        await c.writer.drain()
        await gw.wait_until(lambda: len(gw.conns) == 1, DEADLINE)
        c.writer.close()
        await gw.wait_until(lambda: not gw.conns, DEADLINE)
    await assert_gateway_serves(gw)


async def test_garbage_closes_the_stream(gw):
    """64 KiB of random bytes: a bad magic at once; the connection is closed, the gateway
    serves on."""
    c = await RawClient.connect(gw.port)
    junk = bytearray(os.urandom(65536))
    junk[0:2] = b"ZZ"
    c.send(bytes(junk))
    await expect_closed(c, gw, before_open=0)
    await assert_gateway_serves(gw)


async def test_requests_before_garbage_in_one_read_are_answered(gw):
    """Nothing lost: three intact KeepAlives followed by garbage in the same write are each
    answered before the gateway closes the connection for the garbage."""
    c = await RawClient.connect(gw.port)
    await c.handshake()
    frames = b"".join(c.channel.pack(KA, 500 + i, request_body(KA, ka_c2s())) for i in range(3))
    c.send(frames + b"ZZ" + bytes(60))
    assert await c.closed_by_peer()
    answered = sorted(p.serial for p in c.inbox if p.proto_id == KA)
    assert answered == [500, 501, 502], answered
    await assert_gateway_serves(gw)


# ------------------------------------------------------------------ conversation
async def test_request_before_init_connect_is_refused(gw):
    """Anything but InitConnect first is answered retType -1 'send InitConnect first'; the
    connection stays open for a proper InitConnect."""
    c = await RawClient.connect(gw.port)
    resp = await c.call(KA, ka_c2s())
    assert resp.retType == -1 and "InitConnect" in resp.retMsg
    await c.handshake()
    assert (await c.call(KA, ka_c2s())).retType == 0
    c.close()
    await assert_gateway_serves(gw)


async def test_second_init_connect_is_refused(gw):
    """A second InitConnect on a ready connection is answered retType -1 (no new connID, no
    new key); the first session goes on."""
    c = await RawClient.connect(gw.port)
    s2c = await c.handshake()
    before = [x.conn_id for x in gw.conns]
    resp = await c.call(catalog.INIT_CONNECT, init_connect_c2s())
    assert resp.retType == -1 and "already" in resp.retMsg
    assert [x.conn_id for x in gw.conns] == before == [s2c.connID]
    assert (await c.call(KA, ka_c2s())).retType == 0
    c.close()


async def test_unknown_proto_is_answered(gw):
    """A proto id the gateway does not know (and one beyond 32 bits' sense) gets retType -1
    'unsupported'; the connection stays usable."""
    c = await RawClient.connect(gw.port)
    await c.handshake()
    for pid in (9999, 0, 0xFFFFFFFF):
        serial = c.send_request(KA, ka_c2s())  # a valid body under a foreign id
        c.send(encode_frame(pid, serial + 100000, request_body(KA, ka_c2s())))
        assert (await c.reply(KA, serial)).retType == 0
        p = await c.packet(pid, serial + 100000)
        from faultkit import GenericResponse
        from opendeck.core.channel import decode_message
        resp = decode_message(GenericResponse, p.body, p.fmt, pid)
        assert resp.retType == -1 and "unsupported" in resp.retMsg
    assert (await c.call(KA, ka_c2s())).retType == 0
    c.close()


async def test_json_bodies(gw):
    """JSON (ProtoFmt 1) requests work; malformed JSON, a JSON array and pathologically deep
    nesting are each answered retType -1 'cannot parse ... as JSON'; the connection goes on."""
    c = await RawClient.connect(gw.port)
    await c.handshake(fmt=FMT_JSON)
    assert (await c.call(KA, ka_c2s(), fmt=FMT_JSON)).retType == 0
    for body in (b"{not json", b"[1, 2, 3]", b"\xff\xfe", b"[" * 100000 + b"]" * 100000,
                 json.dumps({"c2s": {"time": "x" * 10}}).encode()):
        serial = c.send_request(KA, fmt=FMT_JSON, body=body)
        resp = await c.reply(KA, serial)
        assert resp.retType == -1 and resp.retMsg, body[:20]
    assert (await c.call(KA, ka_c2s(), fmt=FMT_JSON)).retType == 0
    c.close()
    await assert_gateway_serves(gw)


# ------------------------------------------------------------------ encryption
async def test_wrong_rsa_key_is_refused_in_plaintext(rsa_key_pem, other_rsa_key_pem):
    """An InitConnect encrypted with another RSA key, or sent in plaintext to an RSA gateway,
    is refused with a plaintext retType -1 that says what to fix, and the connection closed;
    the gateway goes on serving clients with the right key."""
    rsa = RsaCipher.from_pem(rsa_key_pem)
    async with DemoGateway(port=0, push_rate=0, rsa=rsa, seed=1) as g:
        wrong = await RawClient.connect(g.port, RsaCipher.from_pem(other_rsa_key_pem))
        serial = wrong.send_request(catalog.INIT_CONNECT, init_connect_c2s(encrypt=True))
        p = await wrong.packet(catalog.INIT_CONNECT, serial)
        from opendeck.core.channel import decode_message
        resp = decode_message(catalog.response_type(catalog.INIT_CONNECT), p.body, 0)
        assert resp.retType == -1 and "RSA" in resp.retMsg
        await expect_closed(wrong, g, before_open=0)

        plain = await RawClient.connect(g.port)
        resp = await plain.call(catalog.INIT_CONNECT, init_connect_c2s())
        assert resp.retType == -1 and "encryption" in resp.retMsg
        await expect_closed(plain, g, before_open=0)
        assert g.stats.handshakes_failed >= 2
        await assert_gateway_serves(g, rsa=rsa)


async def test_undecryptable_aes_body_is_answered(rsa_key_pem):
    """After an RSA handshake, a request whose AES body is not a whole number of blocks (and
    one that is, but decrypts to junk) is answered retType -1; the session goes on."""
    rsa = RsaCipher.from_pem(rsa_key_pem)
    async with DemoGateway(port=0, push_rate=0, rsa=rsa, seed=1) as g:
        c = await RawClient.connect(g.port, rsa)
        await c.handshake()
        for n, serial in ((17, 901), (32, 902)):
            body = os.urandom(n)
            c.send(encode_frame(KA, serial, body, plaintext=b"whatever"))
            p = await c.packet(KA, serial)
            assert p.error is None
            from opendeck.core.channel import decode_message
            resp = decode_message(catalog.response_type(KA), p.body, 0)
            assert resp.retType == -1 and resp.retMsg
        assert (await c.call(KA, ka_c2s())).retType == 0
        c.close()
        await assert_gateway_serves(g, rsa=rsa)


# ------------------------------------------------------------------ defect 1: timeouts, cap
async def test_silent_and_one_byte_sockets_time_out():
    """Defect 1: a socket that sends nothing, or 1 byte of a header, is closed after the
    handshake timeout (counted, logged); it is not held forever."""
    async with DemoGateway(port=0, push_rate=0, limits=Limits(handshake_timeout=0.3)) as g:
        silent = await RawClient.connect(g.port)
        one = await RawClient.connect(g.port)
        one.send(b"F")
        assert await silent.closed_by_peer() and await one.closed_by_peer()
        await g.wait_until(lambda: not g.conns, DEADLINE)
        assert g.stats.timeouts >= 2 and g.stats.handshakes_failed >= 2
        await assert_gateway_serves(g)


async def test_idle_ready_connection_is_closed():
    """Defect 1: a ready TCP connection that sends nothing (no KeepAlive) for
    idle_factor x keepAliveInterval is closed; one that sends KeepAlives stays."""
    async with DemoGateway(port=0, push_rate=0, keepalive_interval=1,
                           limits=Limits(idle_factor=0.4)) as g:
        idle = await RawClient.connect(g.port)
        await idle.handshake()
        busy = await RawClient.connect(g.port)
        await busy.handshake()

        async def keep_busy():
            while not idle.eof:
                assert (await busy.call(KA, ka_c2s())).retType == 0
                await asyncio.sleep(0.1)  # the client's own KeepAlive pace, not a sync point
        pacer = asyncio.ensure_future(keep_busy())
        try:
            assert await idle.closed_by_peer()
        finally:
            pacer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pacer
        assert not busy.eof and g.stats.timeouts >= 1
        assert (await busy.call(KA, ka_c2s())).retType == 0
        busy.close()


async def test_connection_cap_refuses_clearly(caplog):
    """Defect 1: over max_connections the gateway refuses clearly (InitConnect answered
    retType -1 naming the cap, then closed; said in the log); the held ones keep working and a
    slot freed is usable again."""
    caplog.set_level(logging.INFO, "opendeck.gateway")
    async with DemoGateway(port=0, push_rate=0, limits=Limits(max_connections=4)) as g:
        held = []
        for _ in range(4):
            c = await RawClient.connect(g.port)
            await c.handshake()
            held.append(c)
        extra = await RawClient.connect(g.port)
        resp = await extra.call(catalog.INIT_CONNECT, init_connect_c2s())
        assert resp.retType == -1 and "cap of 4 connections" in resp.retMsg
        assert await extra.closed_by_peer()
        assert g.stats.connections_refused == 1 and len(g.conns) == 4
        assert any("cap" in r.getMessage() and "4" in r.getMessage() for r in caplog.records)
        from opendeck.core.client.connection import Connection
        from opendeck.core.errors import LoginRefused
        conn = Connection(HOST, g.port, auto_reconnect=False, connect_timeout=3.0)
        with pytest.raises(LoginRefused, match="cap of 4"):  # what our own client shows
            await conn.open(DEADLINE)
        await conn.close()
        for c in held:
            assert (await c.call(KA, ka_c2s())).retType == 0
        held.pop().close()
        await g.wait_until(lambda: len(g.conns) == 3, DEADLINE)
        await assert_gateway_serves(g)
        for c in held:
            c.close()


async def test_emfile_is_logged_at_most_once_a_second(caplog):
    """Defect 1: at the process's fd limit accept() fails with EMFILE; that is logged at most
    about once a second (with a count), not once per attempt, and once fds are free again
    the gateway accepts real clients."""
    caplog.set_level(logging.DEBUG)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    async with DemoGateway(port=0, push_rate=0) as g:
        used = len(os.listdir("/proc/self/fd"))
        fillers: list[int] = []
        pending: list[socket.socket] = []
        resource.setrlimit(resource.RLIMIT_NOFILE, (used + 64, hard))
        try:
            with contextlib.suppress(OSError):
                while True:
                    fillers.append(os.open(os.devnull, os.O_RDONLY))
            for _ in range(8):  # trade fds for connections waiting in the accept queue
                os.close(fillers.pop())
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex((HOST, g.port))
                pending.append(s)
            start = len(caplog.records)
            window = 2.0
            await asyncio.sleep(window)  # a measurement window, not a synchronisation point
            lines = caplog.records[start:]
        finally:
            for fd in fillers:
                os.close(fd)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        noisy = [r for r in lines if r.levelno >= logging.WARNING]
        assert len(noisy) <= window + 3, f"{len(noisy)} log lines in {window} s at the fd limit"
        total = sum(len(r.getMessage()) + len(r.exc_text or "") for r in lines)
        assert total < 20000, f"{total} bytes of log in {window} s at the fd limit"
        await assert_gateway_serves(g)
        for s in pending:
            s.close()


async def test_thousand_connection_burst_is_bounded():
    """A burst of 1,000 connections: at most max_connections (128) are held at any time, the
    rest are refused and counted, the held ones are served, and after the burst a real client
    connects. RLIMIT_NOFILE is raised in-process if it is too low, and restored."""
    n = 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 3 * n
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    peak = 0
    socks: list[tuple] = []
    try:
        async with DemoGateway(port=0, push_rate=0) as g:
            cap = g.limits.max_connections

            def track() -> bool:
                nonlocal peak
                peak = max(peak, len(g.conns))
                return False
            async def watch():
                with contextlib.suppress(TimeoutError):
                    await g.wait_until(track, 120)
            watcher = asyncio.ensure_future(watch())
            for start in range(0, n, 100):  # waves: the listen backlog is ~100
                wave = await asyncio.gather(*[asyncio.open_connection(HOST, g.port)
                                              for _ in range(100)], return_exceptions=True)
                socks += [w for w in wave if not isinstance(w, BaseException)]
            await g.wait_until(lambda: g.stats.connections_total + g.stats.connections_refused >= n,
                               30)
            track()
            assert peak <= cap, f"{peak} connections held, cap {cap}"
            assert g.stats.connections_refused >= n - cap
            await assert_gateway_serves_or_held(g, socks)
            for _r, w in socks:
                w.transport.abort()
            await g.wait_until(lambda: not g.conns, 30)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await assert_gateway_serves(g)
    finally:
        for _r, w in socks:
            w.transport.abort()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def assert_gateway_serves_or_held(g, socks) -> None:
    """While the cap is full, a held connection still gets InitConnect answered."""
    for r, w in socks:
        c = RawClient(r, w)
        with contextlib.suppress(AssertionError, TimeoutError):
            await c.handshake()
            assert (await c.call(KA, ka_c2s())).retType == 0
            return
    raise AssertionError("no held connection of the burst was served")


# ------------------------------------------------------------------ defect 2: amplification
async def test_unread_replies_are_bounded_and_others_served(caplog):
    """Defect 2: a client that pipelines thousands of amplifying requests
    (Qot_GetSubInfo(isReqAllConn), ~1 KB of reply for 10 bytes of body) and never reads: the
    replies waiting for it stay bounded, it is dropped after drain_timeout (logged), and a
    second client's KeepAlives are answered all along."""
    caplog.set_level(logging.INFO, "opendeck.gateway")
    async with DemoGateway(port=0, push_rate=0, keepalive_interval=30) as g:
        g.drain_timeout = 1.0
        codes = [s.key for s in g.market.universe.of_market(1)][:100]
        hog = await RawClient.connect(g.port, rcvbuf=4096)
        await hog.handshake()
        sub = catalog.module(catalog.QOT_SUB).C2S(isSubOrUnSub=True, subTypeList=[1])
        for m, code in codes:
            sub.securityList.add(market=m, code=code)
        assert (await hog.call(catalog.QOT_SUB, sub)).retType == 0
        victim = await RawClient.connect(g.port)
        await victim.handshake()
        req = catalog.module(catalog.QOT_GET_SUB_INFO).C2S(isReqAllConn=True)
        frame = hog.channel.pack(catalog.QOT_GET_SUB_INFO, 1,
                                 request_body(catalog.QOT_GET_SUB_INFO, req))
        hog.send(frame * 40000)  # ~2 MB of requests, ~40 MB of replies if all were built
        conn = next(c for c in g.conns if c.subs)
        peak = 0

        def hog_gone() -> bool:
            nonlocal peak
            if conn in g.conns:
                peak = max(peak, conn.link.buffered())
            return conn not in g.conns
        served = 0
        async with asyncio.timeout(30):
            while not hog_gone():
                assert (await victim.call(KA, ka_c2s(), )).retType == 0
                served += 1
                with contextlib.suppress(TimeoutError):
                    await g.wait_until(hog_gone, 0.2)
        assert served >= 1
        assert g.stats.slow_clients_dropped >= 1
        assert peak <= g.limits.max_pending_replies + 1024 * 1024, f"{peak} bytes queued"
        assert any("closing" in r.getMessage() for r in caplog.records)
        assert (await victim.call(KA, ka_c2s())).retType == 0
        hog.close()
        victim.close()


# ------------------------------------------------------------------ defect 3: tables
def _sub_c2s(keys, subtypes=(1,)):
    c2s = catalog.module(catalog.QOT_SUB).C2S(isSubOrUnSub=True, subTypeList=list(subtypes))
    for m, code in keys:
        c2s.securityList.add(market=m, code=code)
    return c2s


async def test_rejected_subscription_leaves_no_trace(gw):
    """Defect 3: a Qot_Sub with 4,100 made-up codes, and one with 10 real codes plus one
    made-up, are refused retType -1 and leave the instrument table, the subscriptions and the
    quota exactly as they were; every client can still subscribe a new real code."""
    c = await RawClient.connect(gw.port)
    await c.handshake()
    before = set(gw.market.instruments)
    fake = [(1, f"9{i:05d}") for i in range(4100)]
    resp = await c.call(catalog.QOT_SUB, _sub_c2s(fake))
    assert resp.retType == -1 and resp.retMsg
    real = [s.key for s in gw.market.universe.of_market(1)][:10]
    resp = await c.call(catalog.QOT_SUB, _sub_c2s(real + [(1, "99999")]))
    assert resp.retType == -1 and "99999" in resp.retMsg
    assert set(gw.market.instruments) == before, "a refused Qot_Sub created instruments"
    assert gw.used_quota() == 0 and not any(x.subs for x in gw.conns)
    other = await RawClient.connect(gw.port)
    await other.handshake()
    assert (await other.call(catalog.QOT_SUB, _sub_c2s(real[:1]))).retType == 0
    c.close()
    other.close()


def _raw_sub_body(n: int) -> bytes:
    """A Qot_Sub Request with ``n`` securities, encoded by hand (fast for 600k)."""
    def ld(tag: int, payload: bytes) -> bytes:
        return bytes([tag]) + _varint(len(payload)) + payload
    sec = ld(0x0A, b"\x08\x01" + ld(0x12, b"00700"))
    c2s = sec * n + b"\x10\x01" + b"\x18\x01"
    return ld(0x0A, c2s)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


async def test_huge_subscription_is_refused_with_the_limit(gw):
    """Defect 3: a 600k-security Qot_Sub (~7 MB) is answered retType -1 that names the size
    cap, before any parsing into tables; another client's KeepAlive is answered meanwhile."""
    victim = await RawClient.connect(gw.port)
    await victim.handshake()
    c = await RawClient.connect(gw.port)
    await c.handshake()
    body = _raw_sub_body(600_000)
    assert len(body) > 6_000_000
    serial = c.send_request(catalog.QOT_SUB, body=body)
    ka = asyncio.ensure_future(victim.call(KA, ka_c2s()))
    resp = await c.reply(catalog.QOT_SUB, serial, timeout=30)
    assert resp.retType == -1 and "cap" in resp.retMsg and "bytes" in resp.retMsg
    assert (await ka).retType == 0
    assert gw.used_quota() == 0 and not gw.market.instruments
    assert (await c.call(KA, ka_c2s())).retType == 0
    c.close()
    victim.close()


# ------------------------------------------------------------------ defect 4: exposure
async def test_non_loopback_host_warns(caplog, capsys):
    """Defect 4: listening on a non-loopback address logs a warning that there is no
    authentication (the CLI, with no logging set up, shows it on stderr). The listener is up for milliseconds with a cap of one
    connection and is never connected to."""
    caplog.set_level(logging.WARNING, "opendeck.gateway")
    g = DemoGateway(host="0.0.0.0", port=0, push_rate=0, limits=Limits(max_connections=1))
    await g.start()
    await g.stop()
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "not a loopback" in text and "authentication" in text

    import argparse
    import signal

    from opendeck.core.gateway import cli
    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    args = p.parse_args(["--host", "0.0.0.0", "--port", "0", "--max-connections", "1",
                         "--push-rate", "0"])
    caplog.clear()
    task = asyncio.ensure_future(cli.run(args))
    err = ""

    def warned() -> bool:
        return "authentication" in err or any(
            "authentication" in r.getMessage() for r in caplog.records)
    async with asyncio.timeout(DEADLINE):
        while not warned() and not task.done():
            err += capsys.readouterr().err
            await asyncio.sleep(0.01)  # polling the captured output until the CLI wrote it
    os.kill(os.getpid(), signal.SIGTERM)  # the CLI's own signal handler stops it
    assert await asyncio.wait_for(task, DEADLINE) == 0
    assert warned(), "the CLI on 0.0.0.0 neither printed nor logged a warning"
