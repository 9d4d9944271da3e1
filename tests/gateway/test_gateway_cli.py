"""``opendeck gateway`` with a WebSocket port: the lines it prints, its flag checks, its
warning on a non-loopback address. The gateway runs in a subprocess stopped by SIGINT."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys

import pytest
from opendeck.core import wsframe
from opendeck.core.pb import GetGlobalState_pb2, InitWebSocket_pb2
from websockets.asyncio.client import connect

LINE = re.compile(r"^OpenDeck demo gateway websocket listening on ([\d.]+):(\d+) "
                  r"\((wss?); (.*)\)$")


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "opendeck.core.gateway", "--port", "0",
                             "--push-rate", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    return out, err


async def login(port: int, key: str) -> wsframe.Reply:
    async with connect(f"ws://127.0.0.1:{port}", open_timeout=10) as ws:
        req = InitWebSocket_pb2.Request()
        req.c2s.websocketKey = wsframe.websocket_key_md5(key)
        await ws.send(wsframe.pack_request(1, 2, req.SerializeToString()))
        async with asyncio.timeout(10):
            return wsframe.parse_reply(await ws.recv())


def test_random_key_is_printed_and_accepted():
    proc = start("--websocket-port", "0")
    try:
        first = proc.stdout.readline()
        second = proc.stdout.readline().rstrip("\n")
        assert first.startswith("OpenDeck demo gateway listening on 127.0.0.1:")
        m = LINE.match(second)
        assert m, second
        host, port, scheme, key_text = m.groups()
        assert (host, scheme) == ("127.0.0.1", "ws") and key_text.startswith("key ")
        key = key_text[4:]
        assert re.fullmatch(r"[A-Za-z0-9]{16}", key)
        assert asyncio.run(login(int(port), key)).error == 0
        assert asyncio.run(login(int(port), key + "x")).error != 0
    finally:
        out, err = stop(proc)
    assert proc.returncode == 0, err
    assert "stopped (2 connections" in out


def test_a_given_key_is_not_printed():
    proc = start("--websocket-port", "0", "--websocket-key", "s3cret-key")
    try:
        proc.stdout.readline()
        second = proc.stdout.readline()
        m = LINE.match(second.rstrip("\n"))
        assert m and m.group(4) == "key given by --websocket-key"
        assert asyncio.run(login(int(m.group(2)), "s3cret-key")).error == 0
    finally:
        out, err = stop(proc)
    assert "s3cret-key" not in out + err
    assert wsframe.websocket_key_md5("s3cret-key") not in out + err


@pytest.mark.parametrize("args, message", [
    (["--websocket-key", "k"], "--websocket-key needs --websocket-port"),
    (["--websocket-port", "0", "--websocket-cert", "c.pem"], "needs both"),
    (["--websocket-port", "70000"], "is not a TCP port"),
    (["--max-connections", "0"], "at least 1"),
    (["--handshake-timeout", "0"], "positive"),
    (["--start-time", "yesterday"], "not an ISO-8601 time"),
    (["--replay", "no-such-journal.db"], "no journal at"),
    (["--replay", "no-such-journal.db", "--speed", "fast"], "positive number or 'max'"),
])
def test_bad_flags_exit_2(args, message):
    proc = subprocess.run([sys.executable, "-m", "opendeck.core.gateway", "--port", "0", *args],
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 2 and message in proc.stderr


def test_non_loopback_host_warns():
    proc = start("--host", "0.0.0.0")
    try:
        assert "listening on 0.0.0.0:" in proc.stdout.readline()
    finally:
        _out, err = stop(proc)
    assert "not a loopback address" in err and "no authentication" in err


def test_start_time_anchors_the_demo_clock():
    proc = start("--start-time", "2026-03-02T09:30:00+08:00", "--websocket-port", "0",
                 "--websocket-key", "k")
    try:
        proc.stdout.readline()
        port = int(LINE.match(proc.stdout.readline().rstrip("\n")).group(2))

        async def state() -> int:
            async with connect(f"ws://127.0.0.1:{port}", open_timeout=10) as ws:
                req = InitWebSocket_pb2.Request()
                req.c2s.websocketKey = wsframe.websocket_key_md5("k")
                await ws.send(wsframe.pack_request(1, 2, req.SerializeToString()))
                g = GetGlobalState_pb2.Request()
                g.c2s.userID = 0
                await ws.send(wsframe.pack_request(1002, 3, g.SerializeToString()))
                async with asyncio.timeout(10):
                    while True:
                        r = wsframe.parse_reply(await ws.recv())
                        if r.cmd == 1002:
                            return GetGlobalState_pb2.Response.FromString(r.body).s2c.time
        t = asyncio.run(state())
    finally:
        stop(proc)
    anchor = 1772415000  # 2026-03-02 01:30 UTC
    assert anchor <= t < anchor + 60
