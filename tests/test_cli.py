"""`opendeck gateway` and `opendeck probe` as documented, as separate processes."""

from __future__ import annotations

import concurrent.futures
import json
import signal
import subprocess
import sys

import pytest

OPENDECK = [sys.executable, "-m", "opendeck.core.cli"]


def start_gateway(*extra: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([*OPENDECK, "gateway", "--port", "0", "--keepalive-interval", "1",
                             "--push-rate", "10", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the first line says where it listens; a reader thread bounds the wait
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            line = pool.submit(proc.stdout.readline).result(timeout=30)
        except concurrent.futures.TimeoutError:
            line = ""
            proc.kill()
    if "listening on " not in line:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise AssertionError(f"gateway did not start: {line!r} {err}")
    port = int(line.split("listening on ")[1].split()[0].rsplit(":", 1)[1])
    return proc, port


def stop(proc: subprocess.Popen, sig=signal.SIGINT) -> int:
    """Signal the gateway, wait for it, close its pipes; returns its exit status."""
    proc.send_signal(sig)
    try:
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode


def probe(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([*OPENDECK, "probe", *args], capture_output=True, text=True,
                          timeout=timeout)


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("fmt", ["protobuf", "json"])
def test_probe_json_against_gateway(fmt):
    gw, port = start_gateway()
    try:
        r = probe(f"127.0.0.1:{port}", "--subscribe", "HK.00700,US.AAPL", "--subtypes",
                  "basic,ticker,orderbook", "--pushes", "6", "--heartbeats", "1", "--json",
                  "--push-format", fmt, "--timeout", "20")
        assert r.returncode == 0, r.stderr
        ev = events(r.stdout)
        kinds = [e["event"] for e in ev]
        hs = next(e for e in ev if e["event"] == "handshake")
        assert set(hs) >= {"server_ver", "login_user_id", "conn_id", "keepalive_interval",
                           "encryption", "user_attribution", "connect_ms", "handshake_ms"}
        assert hs["encryption"] == "none" and hs["keepalive_interval"] == 1
        assert "heartbeat" in kinds and kinds[-1] == "state" and "done" in kinds
        assert next(e for e in ev if e["event"] == "heartbeat")["rtt_ms"] > 0
        pushes = [e for e in ev if e["event"] == "push"]
        assert len(pushes) >= 6
        quote = [p for p in pushes if p["proto_id"] == 3005]
        assert quote and quote[0]["name"] == "Qot_UpdateBasicQot"
        assert quote[0]["security"] in ("HK.00700", "US.AAPL")
        assert "curPrice" in quote[0]["body"]["basicQotList"][0]
    finally:
        assert stop(gw) == 0


@pytest.mark.parametrize("aes, expected", [("cbc", "aes-cbc"), ("ecb", "aes-ecb")])
def test_probe_encrypted(aes, expected, rsa_key_file):
    gw, port = start_gateway("--rsa-key", str(rsa_key_file), "--aes", aes)
    try:
        r = probe(f"127.0.0.1:{port}", "--rsa-key", str(rsa_key_file), "--subscribe", "HK.00700",
                  "--pushes", "2", "--json")
        assert r.returncode == 0, r.stderr
        hs = next(e for e in events(r.stdout) if e["event"] == "handshake")
        assert hs["encryption"] == expected
        # no key on our side: the gateway says why, and the probe exits non-zero
        r = probe(f"127.0.0.1:{port}", "--timeout", "5")
        assert r.returncode == 2 and "RSA" in r.stderr
    finally:
        assert stop(gw, signal.SIGTERM) == 0


def test_probe_trade_contexts():
    gw, port = start_gateway()
    try:
        for ctx in ("trade-sec", "trade-future"):
            r = probe(f"127.0.0.1:{port}", "--context", ctx, "--json")
            assert r.returncode == 0, r.stderr
            accs = next(e for e in events(r.stdout) if e["event"] == "accounts")["accounts"]
            # 64-bit ids are strings in JSON, so JavaScript and jq keep them exact
            assert accs and all(isinstance(a["accID"], str) and a["accID"].isdigit() for a in accs)
    finally:
        assert stop(gw) == 0


def test_probe_failures_exit_non_zero_with_a_reason():
    gw, port = start_gateway()
    gw_port = port
    try:
        r = probe(f"127.0.0.1:{gw_port}", "--subscribe", "HK.00700", "--pushes", "100000",
                  "--timeout", "1")
        assert r.returncode == 1 and "timed out" in r.stderr and "pushes" in r.stderr
        r = probe(f"127.0.0.1:{gw_port}", "--subscribe", "XX.1")
        assert r.returncode == 2 and "unknown market 'XX'" in r.stderr
        r = probe("nonsense")
        assert r.returncode == 2 and "HOST:PORT" in r.stderr
    finally:
        assert stop(gw) == 0
    r = probe(f"127.0.0.1:{gw_port}", "--timeout", "5")
    assert r.returncode == 2 and "is OpenD running" in r.stderr


def test_gateway_bad_input():
    r = subprocess.run([*OPENDECK, "gateway", "--rsa-key", "/nonexistent.pem", "--port", "0"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "/nonexistent.pem" in r.stderr
    gw, port = start_gateway()
    try:
        r = subprocess.run([*OPENDECK, "gateway", "--port", str(port)], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode != 0 and str(port) in r.stderr
    finally:
        assert stop(gw) == 0


def test_version():
    from opendeck.core import __version__
    r = subprocess.run([*OPENDECK, "--version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.strip() == f"opendeck {__version__}"


def test_probe_timeout_bounds_requests_after_the_handshake():
    """--timeout covers the whole run: a gateway that stalls after InitConnect makes the probe
    exit 1 at the timeout, not after the 12 s request timeout."""
    import asyncio
    import threading

    from opendeck.core.gateway.server import DemoGateway

    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict = {}

    async def serve():
        box["stop"] = asyncio.Event()
        gw = box["gw"] = DemoGateway(port=0)
        await gw.start()
        started.set()
        try:
            # stall as soon as the first client has shaken hands
            await gw.wait_until(lambda: gw.stats.handshakes >= 1, timeout=30)
            gw.stall()
            await box["stop"].wait()
        finally:
            await gw.stop()

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        r = probe(f"127.0.0.1:{box['gw'].port}", "--subscribe", "HK.00700", "--timeout", "2",
                  timeout=20)
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "timed out after 2 s" in r.stderr
    finally:
        loop.call_soon_threadsafe(box["stop"].set)
        thread.join(15)
        loop.close()


def test_probe_json_events_carry_ts_and_exit_quietly_on_a_closed_pipe():
    gw, port = start_gateway()
    try:
        cmd = " ".join([*OPENDECK, "probe", f"127.0.0.1:{port}", "--subscribe", "HK.00700",
                        "--pushes", "50", "--json", "--timeout", "20"])
        r = subprocess.run(f"{cmd} | head -1", shell=True, capture_output=True, text=True, timeout=60)
        first = json.loads(r.stdout)
        assert first["event"] == "state" and first["ts"].endswith("Z") and "T" in first["ts"]
        assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr
    finally:
        assert stop(gw) == 0


def test_every_error_event_has_a_type():
    gw, port = start_gateway()
    assert stop(gw) == 0  # a refused port: the error line must still be typed
    r = probe(f"127.0.0.1:{port}", "--json", "--timeout", "5")
    assert r.returncode == 2
    errors = [e for e in events(r.stdout) if e["event"] == "error"]
    assert errors and all(e.get("type") for e in errors)
