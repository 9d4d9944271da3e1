"""Fault matrix, secrets sweep (issue 10): after a realistic run, no secret appears in any
file OpenDeck wrote or in any output it printed.

The run: an in-process demo gateway with an RSA key, a WebSocket port with a key and a trade
password; a Session (journal on) with a TCP+RSA endpoint (quote, trade unlock) and a ws://
endpoint whose key comes from a key file (quote, trade unlock); profiles saved; `probe` and
`record` subprocesses over TCP+RSA and ws://; and a `opendeck gateway` CLI subprocess with the
same secrets and a probe against it. Logs of every logger are captured at DEBUG.

Needles: the trade password, its MD5 (both cases), every AES key and CBC IV the gateway
handed out (raw, hex, base64), the RSA key (each base64 line of its PEM), the WebSocket key and
its MD5. Haystack: every file under the config dir, the data dir and the subprocesses' HOME
(journals with their -wal, profiles, recordings, exports, logs), every subprocess's stdout
and stderr, the captured log text. The key files the user gave are not part of it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from faultkit import DEADLINE
from opendeck.core import config as cfg
from opendeck.core.cipher import RsaCipher
from opendeck.core.events import ContextKind
from opendeck.core.gateway import handlers_system
from opendeck.core.gateway.server import DemoGateway

PASSWORD = "Unl0ck-S3cret-7391"
WS_KEY = "wsKey-Q8v2Lm0Zx4pT"


def _variants(text: str) -> set[str]:
    raw = text.encode()
    return {text, raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode()}


async def _run(*argv, env, timeout=60.0) -> tuple[int, bytes, bytes]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "opendeck.core.cli", *argv, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode, out, err


@pytest.mark.asyncio
async def test_no_secret_in_any_file_or_output(tmp_path, monkeypatch, caplog, rsa_key_pem):
    """Every secret is absent from every file written and every line printed or logged."""
    caplog.set_level(logging.DEBUG)
    secrets_dir = tmp_path / "secrets"  # what the user gave us: not part of the haystack
    secrets_dir.mkdir()
    key_file = secrets_dir / "opend.pem"
    key_file.write_bytes(rsa_key_pem)
    ws_key_file = secrets_dir / "ws.key"
    ws_key_file.write_text(WS_KEY + "\n")
    conf, data, home = tmp_path / "config", tmp_path / "data", tmp_path / "home"
    for d in (conf, data, home):
        d.mkdir()
    monkeypatch.setenv("OPENDECK_CONFIG_DIR", str(conf))
    monkeypatch.setenv("OPENDECK_DATA_DIR", str(data))
    env = {**os.environ, "HOME": str(home), "OPENDECK_CONFIG_DIR": str(conf),
           "OPENDECK_DATA_DIR": str(data)}

    handed: list[str] = []  # every AES key and IV the in-process gateway hands out
    real_key = handlers_system.random_key

    def recording_key(n: int = 16) -> str:
        k = real_key(n)
        handed.append(k)
        return k
    monkeypatch.setattr(handlers_system, "random_key", recording_key)

    outputs: list[bytes] = []
    rsa = RsaCipher.from_file(key_file)
    async with DemoGateway(port=0, rsa=rsa, websocket_port=0, websocket_key=WS_KEY,
                           trade_password=PASSWORD, push_rate=20, keepalive_interval=1) as gw:
        from opendeck.core.session import Session
        tcp = cfg.Endpoint(name="Remote-ish TCP", host="127.0.0.1", port=gw.port,
                           rsa_key=str(key_file), contexts=["quote", "trade-sec"])
        ws = cfg.Endpoint(name="WS", host="127.0.0.1", port=gw.websocket_port, transport="ws",
                          websocket_key_file=str(ws_key_file), contexts=["quote", "trade-sec"])
        cfg.save([tcp, ws])
        session = Session([tcp, ws], journal_path=cfg.journal_dir() / "run.sqlite")
        try:
            for ep in (tcp, ws):
                q = await session.open(ep.id, ContextKind.QUOTE)
                t = await session.open(ep.id, ContextKind.TRADE_SEC)
                await q.wait_ready(DEADLINE)
                await t.wait_ready(DEADLINE)
                await q.ctx.subscribe("HK.00700", ["basic"])
                await t.ctx.unlock(PASSWORD)
                assert t.ctx.unlocked
            async with asyncio.timeout(DEADLINE):
                while len(session.pushes) < 6:
                    await asyncio.sleep(0.05)  # polling the ring under a deadline
            from opendeck.core.journal import export_jsonl
            if session.journal is not None:
                export_jsonl(session.journal, data / "export.jsonl")
        finally:
            await session.aclose()

        addr = f"127.0.0.1:{gw.port}"
        wsaddr = f"ws://127.0.0.1:{gw.websocket_port}"
        for argv in (
            ("probe", addr, "--rsa-key", str(key_file), "--subscribe", "HK.00700",
             "--pushes", "3", "--json", "--timeout", "20"),
            ("probe", wsaddr, "--websocket-key-file", str(ws_key_file), "--subscribe",
             "HK.00700", "--pushes", "3", "--json", "--timeout", "20"),
            ("record", addr, "--rsa-key", str(key_file), "--subscribe", "HK.00700",
             "--pushes", "5", "--timeout", "20"),
        ):
            rc, out, err = await _run(*argv, env=env)
            outputs += [out, err]
            assert rc == 0, (argv, err[-800:])
        # the same, with the key in the environment instead of a file
        rc, out, err = await _run("probe", wsaddr, "--heartbeats", "1", "--json",
                                  "--timeout", "20", env={**env, "OPENDECK_WEBSOCKET_KEY": WS_KEY})
        outputs += [out, err]
        assert rc == 0, err[-800:]

    # the gateway CLI with the same secrets, and a probe against it
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "opendeck.core.gateway", "--port", "0", "--rsa-key", str(key_file),
        "--websocket-port", "0", "--websocket-key", WS_KEY, "--trade-password", PASSWORD,
        "--push-rate", "5", "--keepalive-interval", "1", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env)
    try:
        head = b""
        async with asyncio.timeout(30):
            while b"websocket listening" not in head:
                line = await proc.stdout.readline()
                assert line, "the gateway CLI exited early"
                head += line
        port = int(re.search(rb"listening on 127\.0\.0\.1:(\d+)", head).group(1))
        wport = int(re.search(rb"websocket listening on 127\.0\.0\.1:(\d+)", head).group(1))
        for argv in (("probe", f"127.0.0.1:{port}", "--rsa-key", str(key_file), "--context",
                      "trade-sec", "--heartbeats", "1", "--json", "--timeout", "20"),
                     ("probe", f"ws://127.0.0.1:{wport}", "--websocket-key", WS_KEY,
                      "--heartbeats", "1", "--json", "--timeout", "20")):
            rc, out, err = await _run(*argv, env=env)
            outputs += [out, err]
            assert rc == 0, (argv, err[-800:])
        proc.send_signal(signal.SIGTERM)  # our own child, by its pid
        rest, err = await asyncio.wait_for(proc.communicate(), 30)
        outputs += [head, rest, err]
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    # ------------------------------------------------------------ the sweep
    assert handed, "the gateway handed out no AES key (was the RSA handshake used?)"
    needles: dict[str, str] = {}
    for v in _variants(PASSWORD):
        needles[v] = "trade password"
    md5 = hashlib.md5(PASSWORD.encode()).hexdigest()
    needles[md5] = needles[md5.upper()] = "password MD5"
    for v in _variants(WS_KEY):
        needles[v] = "WebSocket key"
    ws_md5 = hashlib.md5(WS_KEY.encode()).hexdigest()
    needles[ws_md5] = needles[ws_md5.upper()] = "WebSocket key MD5"
    for k in handed:
        for v in _variants(k):
            needles[v] = "AES key / IV"
    for line in rsa_key_pem.decode().splitlines():
        if len(line) >= 40 and not line.startswith("-----"):
            needles[line] = "RSA key"

    haystack: list[tuple[str, bytes]] = []
    for root in (conf, data, home):
        for p in sorted(Path(root).rglob("*")):
            if p.is_file():
                haystack.append((str(p.relative_to(tmp_path)), p.read_bytes()))
    haystack += [(f"output #{i}", b) for i, b in enumerate(outputs)]
    haystack.append(("captured logs", "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records).encode()))
    names = [n for n, _ in haystack]
    assert any(n.endswith("endpoints.toml") for n in names), names
    assert any(".sqlite" in n for n in names), names

    # positive control: the same matching finds the secrets where they legitimately are
    assert any(n.encode() in rsa_key_pem for n, w in needles.items() if w == "RSA key")
    assert any(n.encode() in ws_key_file.read_bytes() for n in needles)
    leaks = [(where, what) for where, blob in haystack for needle, what in needles.items()
             if needle.encode() in blob]
    assert not leaks, f"secrets found: {sorted(set(leaks))}"
