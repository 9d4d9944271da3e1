"""The monitor's runner and command line: in-process demo gateways on 127.0.0.1, and bad input."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess

import pytest
from monitor_procs import MONITOR, OPENDECK, Proc, http_get, start_gateway, start_monitor, wait_until
from opendeck.core.cipher import RsaCipher
from opendeck.core.config import Endpoint, Subscription
from opendeck.core.events import ConnState, ContextKind
from opendeck.core.monitor import cli
from opendeck.core.monitor.httpd import MetricsServer
from opendeck.core.monitor.logline import LogWriter
from opendeck.core.monitor.metrics import MonitorMetrics
from opendeck.core.monitor.runner import Monitor, SlowRetry
from opendeck.core.session import Session
from prometheus_client import generate_latest
from waiting import ChangeWaiter

Q = ContextKind.QUOTE


class Watch(ChangeWaiter):
    """Pokes on every session event, so a test can wait on what the metrics say."""

    def __init__(self, session: Session, metrics: MonitorMetrics, out: io.StringIO) -> None:
        super().__init__()
        self.metrics = metrics
        self.out = out
        session.subscribe(lambda e: self.poke())

    def describe(self) -> str:
        return f"states={self.metrics.context_states()} log={self.out.getvalue()[-1200:]}"

    def state(self, label: str) -> ConnState | None:
        return self.metrics.context_states().get((label, "quote"))


def samples(metrics: MonitorMetrics, name: str) -> list:
    return [s for m in metrics.registry.collect() for s in m.samples if s.name == name]


def _monitor(eps: list[Endpoint], **kw) -> tuple[Session, MonitorMetrics, Monitor, io.StringIO]:
    session = Session(eps, ring_capacity=1000)
    metrics = MonitorMetrics()
    out = io.StringIO()
    mon = Monitor(session, metrics, LogWriter("logfmt", out), kinds={e.id: [Q] for e in eps}, **kw)
    return session, metrics, mon, out


@pytest.mark.asyncio
async def test_permanent_failure_is_retried_on_the_slow_cap(rsa_key_pem):
    """An encryption mismatch stops the window's context (FAILED); the monitor retries it."""
    from opendeck.core.gateway.server import DemoGateway
    gw = DemoGateway(port=0, rsa=RsaCipher.from_pem(rsa_key_pem), keepalive_interval=1)
    await gw.start()
    ep = Endpoint(name="needs-rsa", host="127.0.0.1", port=gw.port)  # no key: a mismatch
    session, metrics, mon, out = _monitor([ep], retry=SlowRetry(first=0.05, cap=0.1))
    watch = Watch(session, metrics, out)
    try:
        await mon.start()
        await watch.wait_for(lambda: out.getvalue().count("event=retry") >= 2,
                             what="two slow-cap retries of the failed context")
    finally:
        await mon.aclose()
        await gw.stop()
    log = out.getvalue()
    assert "new=failed" in log and "the window would stop here; retrying in 0 s" in log
    assert "attempt=2" in log
    assert "EncryptionMismatch" in log and "permanent=True" in log
    assert metrics.registry.get_sample_value("opendeck_context_up",
                                             {"endpoint": "needs-rsa", "context": "quote"}) == 0


@pytest.mark.asyncio
async def test_monitor_in_process_unreachable_is_a_series_not_a_crash(gateway):
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))  # bound, never listening: connection refused
    live = Endpoint(name="live", host="127.0.0.1", port=gateway.port)
    gone = Endpoint(name="gone", host="127.0.0.1", port=dead.getsockname()[1])
    session, metrics, mon, out = _monitor([live, gone], global_state_interval=60,
                                          subscriptions={live.id: [Subscription("HK.00700")]})
    watch = Watch(session, metrics, out)
    server = MetricsServer(metrics.render, mon.health, before_scrape=mon.sample)
    try:
        await server.start("127.0.0.1", 0)
        await mon.start()
        await watch.wait_for(lambda: watch.state("live") is ConnState.READY
                             and watch.state("gone") is ConnState.RECONNECTING,
                             what="live ready, gone retrying")
        # the first GetGlobalState runs on READY, not 60 s later
        await watch.wait_for(lambda: {s.labels["market"] for s in samples(metrics, "opendeck_market_state")
                                      if s.labels["endpoint"] == "live"} >= {"HK", "US"},
                             what="market states of live")
        await watch.wait_for(lambda: (metrics.registry.get_sample_value(
            "opendeck_heartbeat_rtt_seconds_count", {"endpoint": "live", "context": "quote"}) or 0) >= 1,
            what="a heartbeat RTT")
        # pushes of the subscription, counted from the ring at the next sample
        await watch.wait_for(lambda: mon.sample() or (metrics.registry.get_sample_value(
            "opendeck_pushes_total", {"endpoint": "live", "context": "quote",
                                      "proto": "Qot_UpdateBasicQot"}) or 0) > 0, what="pushes counted")
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = (await asyncio.wait_for(reader.read(), 10)).decode()
        writer.close()
        assert reply.startswith("HTTP/1.1 200 OK")
        health = json.loads(reply.split("\r\n\r\n", 1)[1])
        assert health["status"] == "ok" and health["contexts"] == 2 and health["ready"] == 1
        assert metrics.registry.get_sample_value(
            "opendeck_context_up", {"endpoint": "gone", "context": "quote"}) == 0
        assert "endpoint=gone context=quote type=ConnectionLost" in out.getvalue()
        assert "connection refused" in out.getvalue()
    finally:
        await mon.aclose()
        await server.close()
        dead.close()
    # closing logged every context's way down
    assert "endpoint=live context=quote old=closing new=closed" in out.getvalue()


def test_http_routes():
    m = MonitorMetrics()
    srv = MetricsServer(m.render, lambda: (False, {"status": "stalled"}))
    m.track("e", 'a "quoted"\\name', [Q])
    status, ctype, body = srv.respond(b"GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text; "
                                      b"version=1.0.0\r\n\r\n")
    assert status == "200 OK" and ctype == "text/plain; version=0.0.4; charset=utf-8"
    assert body == generate_latest(m.registry)  # the cached prefixes change nothing
    assert b'endpoint="a \\"quoted\\"\\\\name"' in body
    assert srv.respond(b"GET /healthz HTTP/1.1\r\n\r\n")[0] == "503 Service Unavailable"
    assert srv.respond(b"GET /nope HTTP/1.1\r\n\r\n")[0] == "404 Not Found"
    assert srv.respond(b"POST /metrics HTTP/1.1\r\n\r\n")[0] == "405 Method Not Allowed"
    assert srv.respond(b"garbage\r\n\r\n")[0] == "400 Bad Request"


# ------------------------------------------------------------------------------ the command line
def run_monitor(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([*MONITOR, *args], check=False, capture_output=True, text=True, timeout=timeout)


def test_bad_profile_is_a_config_error(tmp_path):
    bad = tmp_path / "endpoints.toml"
    bad.write_text('version = 1\n[[endpoint]]\nname = "x"\nport = 99999\n')
    r = run_monitor("--config", str(bad), "--metrics-port", "0")
    assert r.returncode == 2
    assert "opendeck monitor: error:" in r.stderr and "port must be 1-65535" in r.stderr
    r = run_monitor("not-an-address")
    assert r.returncode == 2 and "must be HOST:PORT" in r.stderr


@pytest.mark.parametrize(("argv", "says"), [
    (["--config", "{tmp}/missing.toml"], "no profile file at"),
    (["127.0.0.1:1", "--context", "quote,bogus"], "must be one of quote, trade-sec, trade-future"),
    ([], "nothing to watch"),
    (["127.0.0.1:1", "--journal-max-size", "1G"], "--journal-max-size needs --journal-dir"),
    (["127.0.0.1:1", "--journal-dir", "{tmp}", "--journal-max-size", "12"], "below 1 MiB"),
    (["127.0.0.1:1", "--subscribe", "HK.00700", "--subtypes", "nope"], "nope"),
    (["127.0.0.1:1", "--metrics-port", "70000"], "not a TCP port"),
])
def test_bad_options_exit_2_saying_what(argv, says, tmp_path, capsys):
    """The same run() the command calls, in-process: exit 2 and the ConfigError's text."""
    parser = cli.argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert asyncio.run(cli.run(args)) == 2
    err = capsys.readouterr().err
    assert err.startswith("opendeck monitor: error:") and says in err, err


def test_port_in_use_says_so():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run_monitor("127.0.0.1:1", "--metrics-port", str(port))
    assert r.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in r.stderr and "--metrics-port" in r.stderr


def test_profile_endpoints_json_log_and_sigint(tmp_path):
    gw, addr = start_gateway()
    try:
        host, port = addr.rsplit(":", 1)
        prof = tmp_path / "endpoints.toml"
        prof.write_text(
            f'version = 2\n[[endpoint]]\nname = "Home box"\nhost = "{host}"\nport = {port}\n'
            'auto_reconnect = false\nconnect_on_start = ["quote"]\n'
            '[[endpoint.subscriptions]]\ncodes = "HK.00700"\ntypes = ["basic"]\n'
            f'[[endpoint]]\nname = "Unmarked"\nhost = "{host}"\nport = {port}\n'
            '[[endpoint]]\nname = "Demo"\ndemo = true\nconnect_on_start = ["quote"]\n')
        mon, url = start_monitor("--config", str(prof), "--log-format", "json")
        try:
            wait_until(lambda: 'opendeck_context_up{context="quote",endpoint="Home box"} 1.0'
                       in http_get(url)[1], "Home box up", describe=mon.stderr)
            # the profile's subscription is made: quote pushes flow
            wait_until(lambda: 'proto="Qot_UpdateBasicQot"' in http_get(url)[1], "Home box pushes",
                       describe=mon.stderr)
            text = http_get(url)[1]
            assert 'endpoint="Demo"' not in text  # demo endpoints are the window's own
            assert 'endpoint="Unmarked"' not in text  # nothing marked to connect
        finally:
            assert mon.stop(signal.SIGINT) == 0  # Ctrl-C: the same clean exit as SIGTERM
        lines = [json.loads(ln) for ln in mon.stderr().splitlines() if ln.startswith("{")]
        assert any(r["event"] == "state" and r["endpoint"] == "Home box" and r["new"] == "ready"
                   for r in lines)
        assert lines[-1]["event"] == "stopped"
    finally:
        gw.stop()


def test_addresses_become_endpoints(tmp_path):
    keyfile = tmp_path / "ws.key"
    keyfile.write_text("secret\n")
    parser = cli.argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["ws://127.0.0.1", "10.0.0.2:11111", "--subscribe", "HK.00700",
                              "--subtypes", "basic,ticker", "--websocket-key-file", str(keyfile)])
    ws, tcp = cli.build_endpoints(args)
    assert str(ws.transport) == "ws" and ws.port == 33333 and ws.name == "ws://127.0.0.1:33333"
    assert ws.websocket_key_file == str(keyfile) and ws.client_id == "OpenDeckMonitor"
    assert ws.connect_on_start == ["quote"] and ws.subscriptions[0].types == ["basic", "ticker"]
    assert str(tcp.transport) == "tcp" and tcp.name == "10.0.0.2:11111" and tcp.websocket_key_file == ""
    with pytest.raises(cli.ConfigError, match="use HOST:PORT"):
        cli.endpoint_from_address("http://127.0.0.1:1", args, [Q])


def test_profile_without_marked_contexts_says_how_to_mark_them(tmp_path):
    prof = tmp_path / "endpoints.toml"
    prof.write_text('version = 2\n[[endpoint]]\nname = "a"\nport = 11111\n')
    r = run_monitor("--config", str(prof))
    assert r.returncode == 2 and 'connect_on_start = ["quote"]' in r.stderr


def test_websocket_address_is_watched_like_tcp():
    gw = Proc([OPENDECK, "gateway", "--port", "0", "--websocket-port", "0",
               "--websocket-key", "ws-key-7f3a9c", "--push-rate", "5"])
    try:
        line = gw.line_with("websocket listening on ")
        ws_port = line.split("listening on ")[1].split()[0].rsplit(":", 1)[1]
        addr = f"ws://127.0.0.1:{ws_port}"
        mon, url = start_monitor(addr, "--subscribe", "HK.00700",
                                 env={**os.environ, "OPENDECK_WEBSOCKET_KEY": "ws-key-7f3a9c"})
        try:
            want = (f'opendeck_pushes_total{{context="quote",endpoint="{addr}",'
                    'proto="Qot_UpdateBasicQot"}')
            def pushes() -> str | None:
                text = http_get(url)[1]
                return text if want in text else None
            text = wait_until(pushes, "quote pushes over the WebSocket port", describe=mon.stderr)
            assert f'opendeck_context_up{{context="quote",endpoint="{addr}"}} 1.0' in text
            assert f'endpoint="{addr}",server_build=' in text and 'transport="ws"' in text
        finally:
            assert mon.stop() == 0
        assert "ws-key-7f3a9c" not in mon.stderr()  # the key never reaches the log
    finally:
        gw.stop()


@pytest.mark.asyncio
async def test_journal_rotates_by_size(gateway, tmp_path):
    """--journal-max-size: a new file when one is full; every push lands in one of them."""
    from opendeck.core.journal import Journal
    ep = Endpoint(name="busy", host="127.0.0.1", port=gateway.port)
    session = Session([ep], ring_capacity=1000, journal_path=tmp_path / "monitor.sqlite3")
    metrics, out = MonitorMetrics(), io.StringIO()
    mon = Monitor(session, metrics, LogWriter("logfmt", out), kinds={ep.id: [Q]},
                  subscriptions={ep.id: [Subscription("HK.00700,US.AAPL", ["basic", "ticker"])]},
                  sample_interval=0.05, journal_max_size=64 * 1024)
    watch = Watch(session, metrics, out)
    try:
        await mon.start()
        await watch.wait_for(lambda: len(mon.journal_paths) >= 3, timeout=30,
                             what="two rotations of the journal")
    finally:
        await mon.aclose()
    assert [p.name for p in mon.journal_paths[:3]] == ["monitor.sqlite3", "monitor-2.sqlite3",
                                                       "monitor-3.sqlite3"]
    assert "reached" in out.getvalue() and "journalling into monitor-2.sqlite3" in out.getvalue()
    counts = []
    for p in mon.journal_paths:
        j = Journal(p)
        counts.append(j.count())
        j.close()
    assert all(n > 0 for n in counts[:2]), counts
    assert sum(counts) == session.pushes.last_seq, (counts, session.pushes.last_seq)
