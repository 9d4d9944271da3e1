"""Start the window: ``main(args) -> int`` (called by ``opendeck`` / ``opendeck gui``).

One thread: ``asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))`` runs one coroutine
that shows the window and awaits its close; the core runs on the same loop. Quitting (window
close, Ctrl+Q, SIGINT, SIGTERM) closes every connection (``session.aclose()``) before the loop
ends.

Environment:

* ``OPENDECK_CONFIG_DIR``: where ``endpoints.toml`` and ``window.ini`` (layout) live, instead of
  the platform's config dir (``--config`` still picks the profile file itself).
* ``OPENDECK_DATA_DIR``: where ``journal/`` goes instead of the platform's data dir.
* ``OPENDECK_THEME=light|dark``: override the system colour scheme.
"""

from __future__ import annotations

import time

T_IMPORT = time.perf_counter()  # as early as this module allows

import argparse
import asyncio
import gc
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def process_age_ms() -> float | None:
    """Milliseconds since this process started (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22, starttime, in clock ticks after boot
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, (uptime - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


AGE_AT_IMPORT_MS = process_age_ms()


def since_start_ms() -> tuple[float, str]:
    """(ms, what it is measured from)."""
    if AGE_AT_IMPORT_MS is not None:
        return (AGE_AT_IMPORT_MS + (time.perf_counter() - T_IMPORT) * 1000,
                f"process start; opendeck.gui.app was imported at {AGE_AT_IMPORT_MS:.0f} ms")
    return (time.perf_counter() - T_IMPORT) * 1000, "import of opendeck.gui.app"


def _x_reachable(display: str) -> bool:
    """Whether the X server named by DISPLAY ("[host]:n[.screen]") accepts a connection."""
    import socket

    host, _, rest = display.rpartition(":")
    try:
        n = int(rest.split(".", 1)[0])
    except ValueError:
        return False
    if host.startswith("/"):  # macOS launchd style: a socket path
        paths = [display.split(".", 1)[0]]
        host = ""
    else:
        paths = [f"/tmp/.X11-unix/X{n}"]
    if host in ("", "unix"):
        for addr in paths + ["\0" + paths[0]]:  # the file, then Linux's abstract socket
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(1.0)
                    s.connect(addr)
                    return True
            except OSError:
                continue
        return False
    try:
        with socket.create_connection((host, 6000 + n), timeout=1.0):
            return True
    except OSError:
        return False


def _wayland_reachable(name: str) -> bool:
    import socket

    path = name if name.startswith("/") else os.path.join(os.environ.get("XDG_RUNTIME_DIR", ""), name)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(path)
            return True
    except OSError:
        return False


def display_problem() -> str | None:
    """Why the window cannot open here (None when it can, or when we cannot tell).

    Qt aborts the process (exit 134) when DISPLAY names an X server that is gone (a stale
    ssh -X or Xvfb session), so the socket is checked before the QApplication exists."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    display = os.environ.get("DISPLAY", "")
    wayland = os.environ.get("WAYLAND_DISPLAY", "")
    if platform and platform not in ("xcb", "wayland", "wayland-egl"):
        return None  # offscreen, minimal, vnc, eglfs...: no display server needed
    if not display and not wayland:
        return NO_DISPLAY if not platform else (
            f"opendeck: QT_QPA_PLATFORM={platform} but DISPLAY / WAYLAND_DISPLAY is unset.\n"
            + HEADLESS_HELP)
    if platform != "xcb" and wayland and _wayland_reachable(wayland):
        return None
    if platform not in ("wayland", "wayland-egl") and display and _x_reachable(display):
        return None
    named = " and ".join(f"{k}={v}" for k, v in (("DISPLAY", display), ("WAYLAND_DISPLAY", wayland))
                         if v)
    return (f"opendeck: cannot reach the display ({named}): nothing listens there (a closed "
            "ssh -X session or a stopped Xvfb?), so the window cannot open.\n" + HEADLESS_HELP)


NO_DISPLAY = """opendeck: no display: DISPLAY and WAYLAND_DISPLAY are unset, so the window cannot open.
  - headless, use the command line:   opendeck probe HOST:PORT   (or: opendeck gateway)
  - to run the window without a screen (CI, smoke tests):
        QT_QPA_PLATFORM=offscreen opendeck gui --self-test"""
HEADLESS_HELP = NO_DISPLAY.split("\n", 1)[1]


# where files go (OPENDECK_CONFIG_DIR / OPENDECK_DATA_DIR honoured): gui/paths.py
from .paths import KEEP_JOURNALS, new_journal_path, profiles_path, window_settings_path  # noqa: F401


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="opendeck gui")
    p.add_argument("--self-test", action="store_true")
    p.add_argument("--screenshot", metavar="PATH")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--config", metavar="TOML")
    return p.parse_args(argv)


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    if not isinstance(args, argparse.Namespace):
        args = _parse(args)
    self_test = bool(getattr(args, "self_test", False))
    problem = display_problem()
    if problem:
        if not self_test:
            print(problem, file=sys.stderr)
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        print("opendeck: no usable display; the self-test runs offscreen", file=sys.stderr)
    if getattr(args, "screenshot", None) and not self_test:
        print("opendeck: --screenshot is used with --self-test; ignoring it", file=sys.stderr)

    import qasync
    from opendeck.core import __version__
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from . import theme

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "opendeck"])
    app.setApplicationName("OpenDeck")
    app.setOrganizationName("OpenDeck")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("opendeck")
    icon = _icon()
    if icon is not None:
        app.setWindowIcon(QIcon(icon))
    app.setQuitOnLastWindowClosed(False)
    theme.apply(app)
    from .gcguard import GuiThreadCollector
    collector = GuiThreadCollector(parent=app)  # before any thread of ours starts

    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            try:
                return runner.run(_amain(app, args))
            except KeyboardInterrupt:
                return 130
    finally:
        collector.stop()


def _icon() -> str | None:
    try:
        from importlib.resources import files
        p = files("opendeck.resources") / "icons" / "opendeck.svg"
        return str(p) if p.is_file() else None
    except (ModuleNotFoundError, OSError):
        return None


def _install_signals(loop: asyncio.AbstractEventLoop, on_signal: Callable[[int], None]) -> list[int]:
    """SIGINT / SIGTERM -> on_signal, also while Qt sleeps in its own event loop."""
    installed = []
    for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
        if sig is None:
            continue
        try:
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            # Windows: Python handlers run between bytecodes; a timer keeps bytecodes coming
            signal.signal(sig, lambda s, _f: loop.call_soon_threadsafe(on_signal, s))
            installed.append(sig)
    return installed


async def _amain(app, args) -> int:
    from opendeck.core import config
    from opendeck.core.errors import ConfigError
    from opendeck.core.session import Session
    from PySide6.QtCore import QSettings, QTimer

    from . import errors
    from .mainwindow import MainWindow

    loop = asyncio.get_running_loop()
    self_test = bool(getattr(args, "self_test", False))
    load_problem = ""
    tmp: tempfile.TemporaryDirectory | None = None
    if self_test:  # ignore saved profiles and the user's layout; leave nothing behind
        tmp = tempfile.TemporaryDirectory(prefix="opendeck-selftest-")
        endpoints = [config.demo_endpoint()]
        first_start = False
        path = Path(tmp.name) / "endpoints.toml"
        settings = QSettings(str(Path(tmp.name) / "window.ini"), QSettings.Format.IniFormat)
        journal = new_journal_path(Path(tmp.name))
        session = Session(endpoints, journal_path=journal, demo_keepalive=2, demo_push_rate=4.0)
    else:
        path = profiles_path(args)
        first_start = not path.exists()
        endpoints, problem, _backup = config.load_or_recover(path)
        if problem is not None:  # it says what was kept, where the backup is, what saving does
            load_problem = str(problem)
        settings = QSettings(str(window_settings_path()), QSettings.Format.IniFormat)
        journal = new_journal_path()
        try:
            session = Session(endpoints, journal_path=journal)
        except ConfigError as exc:
            print(f"opendeck: {exc}; running without a journal", file=sys.stderr)
            session = Session(endpoints)

    window = MainWindow(session, profiles_path=path, settings=settings,
                        save_profiles=not self_test, journal_path=journal)
    errors.install(window, loop)
    if self_test:
        window.resize(1280, 800)
    window.show()
    await asyncio.sleep(0)
    shown_ms, since = since_start_ms()
    _freeze_after_startup(session, loop)

    def on_signal(sig: int) -> None:
        if window.shut_down or window._shutdown_task is not None:
            print("opendeck: second signal, quitting without waiting", file=sys.stderr)
            os._exit(128 + int(sig))
        print(f"opendeck: {signal.Signals(sig).name}, closing connections", file=sys.stderr)
        window.start_shutdown()

    _install_signals(loop, on_signal)
    keepalive = QTimer()  # lets Python-level signal handlers run where wakeup fds are not used
    keepalive.start(250)
    keepalive.timeout.connect(lambda: None)

    if load_problem:
        errors.show_problem(window, "Endpoint profiles not loaded", load_problem)
    try:
        if self_test:
            test = asyncio.ensure_future(_self_test(window, session, args, shown_ms, since))
            closed = asyncio.ensure_future(window.wait_closed())
            await asyncio.wait({test, closed}, return_when=asyncio.FIRST_COMPLETED)
            if test.done():
                closed.cancel()
                rc = test.result()
            else:  # a signal or a closed window ended it early
                test.cancel()
                print("self-test failed: interrupted before it finished", file=sys.stderr)
                rc = 130
            await window.shutdown()
            return rc
        if os.environ.get("OPENDECK_TIMING"):
            print(f"window shown after {shown_ms:.0f} ms (from {since})", file=sys.stderr)
        # what each endpoint marks connect_on_start, with its saved subscriptions; a first
        # start has the demo endpoint alone, marked to connect everything
        from .widgets import spawn
        spawn(window.restore_on_start(first_start=first_start), name="restore")
        await window.wait_closed()
        return 0
    finally:
        keepalive.stop()
        if not window.shut_down:
            await window.shutdown()
        if tmp is not None:
            tmp.cleanup()


def _freeze_heap() -> None:
    gc.collect()
    gc.freeze()


def _freeze_after_startup(session, loop: asyncio.AbstractEventLoop) -> None:
    """Move what start-up created into the GC's permanent generation, twice.

    Full collections walk every tracked object; the window, the Qt wrappers and (once a
    context connects and the charts appear) pyqtgraph and numpy leave ~80k of them, which made
    each full collection a 35-50 ms stall under a push flood (bench/flood.py). Frozen objects
    are never scanned again. Once now, and once shortly after the first handshake.
    """
    _freeze_heap()

    from opendeck.core.events import HandshakeDone

    def on_event(event) -> None:
        if isinstance(event, HandshakeDone):
            unsubscribe()
            loop.call_later(1.0, _freeze_heap)

    unsubscribe = session.subscribe(on_event)


async def until(predicate: Callable[[], bool], timeout: float, what: str,
                deadline: float | None = None) -> None:
    """Wait for a condition (re-checked every 50 ms) or raise TimeoutError naming it."""
    end = time.monotonic() + timeout if deadline is None else min(deadline, time.monotonic() + timeout)
    while not predicate():
        if time.monotonic() >= end:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)


async def _self_test(window, session, args, shown_ms: float, since: str) -> int:
    from opendeck.core.events import ContextKind, ContextStatus

    from .endpoint_panel import DASH

    print(f"window shown after {shown_ms:.0f} ms (from {since})", flush=True)
    timeout = float(getattr(args, "timeout", 20.0) or 20.0)
    deadline = time.monotonic() + timeout
    t0 = time.perf_counter()
    ep_id = next(iter(session.endpoints))
    panel = window.panel_for(ep_id)
    step = "connecting"
    try:
        await asyncio.wait_for(window.autostart(ep_id, timeout=timeout), timeout)
        quote, trade = panel.cards[ContextKind.QUOTE], panel.cards[ContextKind.TRADE_SEC]
        step = "the quote and trade contexts to be ready"
        await until(lambda: quote.pill.state is ContextStatus.READY
                    and trade.pill.state is ContextStatus.READY,
                    timeout, step, deadline)
        step = "the handshake to be shown"
        await until(lambda: all(c.hs["server_ver"].text() != DASH and c.hs["conn_id"].text() != DASH
                                for c in (quote, trade)), timeout, step, deadline)
        step = "push rows in the push log"
        await until(lambda: window.pushlog.model.rowCount() > 0, timeout, step, deadline)
        if getattr(args, "screenshot", None):
            step = "a few heartbeats for the screenshot"
            try:
                await until(lambda: len(quote.handle.rtts) >= 3 and window.pushlog.model.rowCount() > 20,
                            min(8.0, max(0.0, deadline - time.monotonic())), step, deadline)
            except TimeoutError:
                pass
            window.tick()  # the labels as of now, not as of the last 1 Hz tick
            await asyncio.sleep(0.2)  # let the push log flush and the chart repaint once
            out = Path(args.screenshot).expanduser()
            out.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(out)):
                print(f"self-test failed: could not save the screenshot to {out}", file=sys.stderr)
                return 1
            print(f"screenshot saved to {out}")
    except TimeoutError:
        errs = [f"{h.key}: {h.last_error}" for h in session.all_handles() if h.last_error]
        print(f"self-test failed: timed out after {timeout:g} s waiting for {step}"
              + (f"; errors: {'; '.join(errs)}" if errs else ""), file=sys.stderr)
        return 1
    except Exception as exc:  # report, do not hang
        print(f"self-test failed while waiting for {step}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    hs = quote.handle.handshake
    rows = window.pushlog.model.rowCount()
    print(f"self-test ok: handshake server {hs.server_ver} conn {hs.conn_id} "
          f"(connect {hs.connect_ms:.1f} ms + InitConnect {hs.handshake_ms:.1f} ms), "
          f"{rows} push rows, {session.pushes.last_seq} pushes, "
          f"{len(quote.handle.rtts)} heartbeats, "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms after the window was shown", flush=True)
    return 0
