"""GUI test plumbing: every async test here runs on a qasync loop over the one QApplication.

Why an async ``wait_until`` and not ``qtbot.waitUntil``: inside an ``async def`` test the test's
own task is running, and ``qtbot.waitUntil`` spins a nested Qt event loop. qasync then runs other
tasks' steps from inside that nested loop, which asyncio refuses ("no running event loop" /
"cannot enter into task"). ``wait_until`` below is the same thing done the asyncio way: it
re-checks a condition every 20 ms while the loop (and Qt) keep running, and fails with a clear
message at the timeout. It is a condition wait, never a sleep used as synchronisation.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import pytest_asyncio  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def _app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([])
    # as in the app: closing the window must not stop the loop under the test's feet
    app.setQuitOnLastWindowClosed(False)
    return app


@pytest.fixture(scope="session", autouse=True)
def gc_on_the_gui_thread():
    """As the app does (gui/gcguard.py): garbage collection only on the GUI thread. Without
    it a collection triggered in a gateway or journal thread after these tests can destroy
    a leftover Qt object off its thread and crash a later test's event processing."""
    from opendeck.gui.gcguard import GuiThreadCollector
    collector = GuiThreadCollector(parent=_app())
    yield collector
    collector.stop()


def pytest_asyncio_loop_factories(config, item):  # pytest-asyncio >= 1.4
    return {"qasync": lambda: qasync.QEventLoop(_app())}


async def wait_until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "",
                     describe: Callable[[], str] | None = None) -> None:
    """Wait until ``predicate()`` is truthy, or fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() >= end:
            extra = f" ({describe()})" if describe else ""
            pytest.fail(f"timed out after {timeout:g} s waiting for {what or predicate}{extra}")
        await asyncio.sleep(0.02)


@pytest.fixture(name="wait_until")
def wait_until_fixture():
    """The :func:`wait_until` helper (a fixture, as tests/ is not a package)."""
    return wait_until


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest_asyncio.fixture
async def session(tmp_path):
    """A session with the demo endpoint (in-process gateway, 1 s keepalive, 20 pushes/s)."""
    from opendeck.core.config import demo_endpoint
    from opendeck.core.session import Session

    s = Session([demo_endpoint()], journal_path=tmp_path / "journal.sqlite", demo_keepalive=1,
                demo_push_rate=20.0)
    try:
        yield s
    finally:
        await asyncio.wait_for(s.aclose(), 10)


@pytest_asyncio.fixture
async def window(qtbot, session, settings, tmp_path):
    from opendeck.gui import theme
    from opendeck.gui.mainwindow import MainWindow

    theme.apply(_app())
    w = MainWindow(session, profiles_path=tmp_path / "endpoints.toml", settings=settings)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    try:
        yield w
    finally:
        await asyncio.wait_for(w.shutdown(), 15)
