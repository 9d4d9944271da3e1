"""Subprocesses for the monitor tests: demo gateways, the monitor, Prometheus; all on 127.0.0.1,
each stopped by its own PID, every wait bounded by a deadline on a condition."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
OPENDECK = str(BIN / "opendeck")
MONITOR = [OPENDECK, "monitor"]  # the installed command, as a user runs it


class Proc:
    """A child process whose output lines are read by threads into queues (no blocking reads)."""

    def __init__(self, argv: list[str], **kw: Any) -> None:
        self.argv = argv
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  bufsize=1, **kw)
        self.out: queue.Queue[str] = queue.Queue()
        self.err_lines: list[str] = []
        self._threads = [threading.Thread(target=self._pump, args=(self.p.stdout, self.out.put), daemon=True),
                         threading.Thread(target=self._pump, args=(self.p.stderr, self.err_lines.append),
                                          daemon=True)]
        for t in self._threads:
            t.start()

    @staticmethod
    def _pump(stream, put) -> None:
        for line in stream:
            put(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.p.pid

    def line_with(self, text: str, timeout: float = 30.0) -> str:
        """The first stdout line containing ``text`` (AssertionError with stderr if none)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                line = self.out.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.p.poll() is not None and self.out.empty():
                    break
                continue
            if text in line:
                return line
        raise AssertionError(f"{self.argv[:4]} printed no {text!r} (exit {self.p.poll()}); "
                             f"stderr: {self.stderr()[-2000:]}")

    def stderr(self) -> str:
        return "\n".join(self.err_lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Signal this process (by its PID) and wait for it; kill it if it does not exit."""
        if self.p.poll() is None:
            os.kill(self.p.pid, sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(10)
        for t in self._threads:
            t.join(5)
        return self.p.returncode


def start_gateway(*extra: str) -> tuple[Proc, str]:
    """``opendeck gateway --port 0``; returns the process and its HOST:PORT."""
    gw = Proc([OPENDECK, "gateway", "--port", "0", "--keepalive-interval", "1", "--push-rate", "5",
               *extra])
    line = gw.line_with("listening on ")
    return gw, line.split("listening on ")[1].split()[0]


def start_monitor(*args: str, **kw: Any) -> tuple[Proc, str]:
    """The monitor on a free port; returns the process and its /metrics URL."""
    mon = Proc([*MONITOR, "--metrics-port", "0", *args], **kw)
    line = mon.line_with("metrics on ")
    return mon, line.split("metrics on ")[1].strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5.0, headers: dict | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_until(check: Callable[[], Any], what: str, timeout: float = 30.0, every: float = 0.2,
               describe: Callable[[], str] = lambda: "") -> Any:
    """Poll ``check`` until it returns something truthy; AssertionError after ``timeout``.
    (Polling a process we do not own the events of; the pause is the poll period, not a guess.)"""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            got = check()
        except (OSError, ValueError, KeyError) as exc:  # not up yet
            got, last_exc = None, exc
        if got:
            return got
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; {describe()} "
                         f"{last_exc or ''}")


class Prometheus:
    """A real Prometheus on 127.0.0.1 with a generated config and a temporary storage dir."""

    def __init__(self, workdir: Path, targets: list[str], rule_files: list[Path]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = workdir / "prometheus.yml"
        cfg.write_text(json.dumps({  # JSON is YAML
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
            "rule_files": [str(p) for p in rule_files],
            "scrape_configs": [{"job_name": "opendeck", "static_configs": [{"targets": targets}]}],
        }))
        self.proc = Proc(["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={workdir / 'data'}",
                          f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"])
        wait_until(lambda: self.proc.p.poll() is not None or http_get(self.url + "/-/ready")[0] == 200,
                   "Prometheus to be ready", describe=self.proc.stderr)
        assert self.proc.p.poll() is None, f"Prometheus exited: {self.proc.stderr()[-2000:]}"

    def api(self, path: str, **params: str) -> Any:
        status, body = http_get(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}")
        data = json.loads(body)
        assert status == 200 and data["status"] == "success", body
        return data["data"]

    def query(self, expr: str, by: str = "endpoint") -> dict[str, float]:
        """An instant query as {label value: sample value}."""
        return {r["metric"].get(by, ""): float(r["value"][1])
                for r in self.api("query", query=expr)["result"]}

    def stop(self) -> int:
        return self.proc.stop()
