"""Shared fixtures: RSA keys, a demo gateway on 127.0.0.1, a recording listener."""

from __future__ import annotations

import os

import pytest
import pytest_asyncio
from Crypto.PublicKey import RSA
from waiting import ChangeWaiter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def rsa_key_pem() -> bytes:
    """A 1024-bit PKCS#1 key: the only size futu-api can use (protocol.md §4)."""
    return RSA.generate(1024).export_key(format="PEM", pkcs=1)


@pytest.fixture(scope="session")
def other_rsa_key_pem() -> bytes:
    return RSA.generate(1024).export_key(format="PEM", pkcs=1)


@pytest.fixture
def rsa_key_file(tmp_path, rsa_key_pem):
    path = tmp_path / "opend.pem"
    path.write_bytes(rsa_key_pem)
    return path


class Recorder(ChangeWaiter):
    """A ConnectionListener that records everything and lets tests wait on conditions."""

    def __init__(self) -> None:
        super().__init__()
        self.states: list[tuple[str, str, str]] = []
        self.handshakes = []
        self.rtts: list[float] = []
        self.missed: list[int] = []
        self.pushes = []
        self.errors = []
        self.events = []

    def describe(self) -> str:
        return f"states={self.states[-6:]} errors={[e.message for e in self.errors[-3:]]}"

    def _poke(self) -> None:
        self.poke()

    def on_event(self, conn, ev):
        from opendeck.core.events import ErrorRaised, HandshakeDone, Heartbeat, StateChanged
        match ev:
            case StateChanged():
                self.states.append((str(ev.old), str(ev.new), ev.reason))
            case HandshakeDone():
                self.handshakes.append(ev.info)
            case Heartbeat(rtt_ms=None):
                self.missed.append(ev.missed)
            case Heartbeat():
                self.rtts.append(ev.rtt_ms)
            case ErrorRaised():
                self.errors.append(ev)
        self.events.append(ev)
        self._poke()

    def on_pushes(self, conn, packets):
        self.pushes.extend(packets)
        self._poke()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest_asyncio.fixture
async def gateway():
    from opendeck.core.gateway.server import DemoGateway
    gw = DemoGateway(port=0, push_rate=20.0, keepalive_interval=1, seed=7)
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()
