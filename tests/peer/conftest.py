"""Peer-test plumbing: the demo gateway in a background thread, futu-api in a subprocess.

futu-api is never imported in the pytest process: importing it replaces the SIGINT handler,
puts futu's pb directory on sys.path and writes logs under $HOME. The driver script
(drive_futu.py) runs it in a child process with a temporary HOME and reports what it saw as
JSON lines. Every child is bounded by a timeout and killed through its own Popen object.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from Crypto.PublicKey import RSA

from opendeck.core.gateway import DemoGateway

DRIVER = Path(__file__).with_name("drive_futu.py")
PEER_HINT = ("futu-api (import name 'futu') is not installed in this environment; "
             "the peer tests need it: pip install -e .[peer]")


def require_futu() -> None:
    """Fail (never skip) when the peer SDK is missing. find_spec does not import futu."""
    if importlib.util.find_spec("futu") is None:
        pytest.fail(PEER_HINT, pytrace=False)


@pytest.fixture(scope="session")
def rsa_pem(tmp_path_factory) -> Path:
    """A 1024-bit PKCS#1 key: the only size futu-api handles (protocol.md §4)."""
    path = tmp_path_factory.mktemp("rsa") / "opend_1024.pem"
    path.write_bytes(RSA.generate(1024).export_key("PEM"))
    return path


class GatewayThread:
    """A DemoGateway on its own event loop in a daemon thread, so the test thread can block
    on subprocesses while the gateway keeps serving."""

    def __init__(self, **kwargs) -> None:
        self.kwargs = kwargs
        # a plain loop whatever the global policy is (the GUI tests run Qt's loop)
        self.loop = asyncio.SelectorEventLoop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="demo-gateway",
                                       daemon=True)
        self.gw: DemoGateway | None = None

    def __enter__(self) -> GatewayThread:
        self.thread.start()

        async def make() -> DemoGateway:
            gw = DemoGateway(**self.kwargs)
            await gw.start()
            return gw
        self.gw = self.run(make(), 10)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.gw is not None:
                self.run(self.gw.stop(), 15)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            if not self.thread.is_alive():
                self.loop.close()

    @property
    def port(self) -> int:
        return self.gw.port

    def run(self, coro, timeout: float):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable):
        """Run a plain function on the gateway's loop and return its result."""
        async def wrap():
            return fn()
        return self.run(wrap(), 10)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        self.run(self.gw.wait_until(predicate, timeout), timeout + 5)


@dataclass
class DriverRun:
    returncode: int | None
    lines: list[dict]
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    extra: dict = field(default_factory=dict)

    def of(self, kind: str) -> list[dict]:
        return [x for x in self.lines if x.get("kind") == kind]

    def one(self, kind: str) -> dict:
        found = self.of(kind)
        assert len(found) == 1, f"expected one {kind!r} line, got {len(found)}\n{self.report()}"
        return found[0]

    def report(self) -> str:
        return (f"driver rc={self.returncode} timed_out={self.timed_out} "
                f"in {self.seconds:.1f}s\n--- stdout ---\n{self.stdout[-6000:]}\n"
                f"--- stderr ---\n{self.stderr[-3000:]}")


def _driver_cmd(port: int, rsa_key: Path | None, parts: str, deadline: float) -> list[str]:
    cmd = [sys.executable, str(DRIVER), "--port", str(port), "--parts", parts,
           "--deadline", str(deadline)]
    if rsa_key is not None:
        cmd += ["--rsa-key", str(rsa_key)]
    return cmd


def _driver_env(home: Path) -> dict:
    env = dict(os.environ)
    env.update(HOME=str(home), USERPROFILE=str(home), PYTHONUNBUFFERED="1",
               PYTHONDONTWRITEBYTECODE="1")
    return env


def _parse(stdout: str) -> list[dict]:
    lines = []
    for raw in stdout.splitlines():
        if raw.startswith("{"):  # futu's own log lines go to stdout too
            try:
                lines.append(json.loads(raw))
            except ValueError:
                pass
    return lines


def run_driver(port: int, home: Path, *, rsa_key: Path | None = None,
               parts: str = "quote,trade,future", deadline: float = 15.0,
               timeout: float = 90.0) -> DriverRun:
    """Run drive_futu.py to completion (or kill it after ``timeout`` seconds)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(_driver_cmd(port, rsa_key, parts, deadline),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_driver_env(home), cwd=str(home))
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        out, err = proc.communicate(timeout=10)
    return DriverRun(proc.returncode, _parse(out), out, err, time.monotonic() - t0, timed_out)


def start_driver(port: int, home: Path, *, rsa_key: Path | None = None,
                 parts: str = "hold") -> subprocess.Popen:
    """Start the driver with stdin as a pipe (the "hold" part waits for it to close). The
    caller must end it with :func:`finish_driver`."""
    return subprocess.Popen(_driver_cmd(port, rsa_key, parts, 5.0), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_driver_env(home), cwd=str(home))


def finish_driver(proc: subprocess.Popen, timeout: float = 30.0) -> DriverRun:
    """Close the driver's stdin and collect it; kill it if it does not end in time."""
    t0 = time.monotonic()
    timed_out = False
    try:
        out, err = proc.communicate(input="", timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        out, err = proc.communicate(timeout=10)
    return DriverRun(proc.returncode, _parse(out), out, err, time.monotonic() - t0, timed_out)


def run_driver_until(port: int, home: Path, text: str, *, rsa_key: Path | None = None,
                     parts: str = "quote", timeout: float = 30.0) -> DriverRun:
    """Run the driver until ``text`` shows up in its output, then kill it (for runs that
    would never end on their own, like futu's constructor retrying a refused handshake)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(_driver_cmd(port, rsa_key, parts, 5.0),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_driver_env(home), cwd=str(home))
    seen: list[str] = []
    found = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            seen.append(line)
            if text in line:
                found.set()
        found.set()  # EOF: stop waiting either way

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        found.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        reader.join(10)
        proc.stdout.close()
    out = "".join(seen)
    run = DriverRun(proc.returncode, _parse(out), out, "", time.monotonic() - t0,
                    timed_out=text not in out)
    return run


class PeerKit:
    """What the peer tests use, handed out as a fixture so no test module has to import
    this conftest by name (that works under every pytest import mode)."""

    GatewayThread = GatewayThread
    DriverRun = DriverRun
    require_futu = staticmethod(require_futu)
    futu_available = staticmethod(lambda: importlib.util.find_spec("futu") is not None)
    run_driver = staticmethod(run_driver)
    run_driver_until = staticmethod(run_driver_until)
    start_driver = staticmethod(start_driver)
    finish_driver = staticmethod(finish_driver)


@pytest.fixture(scope="session")
def peer_kit() -> type[PeerKit]:
    return PeerKit
