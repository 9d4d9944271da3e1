"""Take the README screenshot: the window with live demo data and endpoints in several states.

    xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb \
        python scripts/screenshot.py docs/screenshots/window.png [--dark]

Only loopback addresses are used: "Local OpenD" points at a closed port on 127.0.0.1 and
keeps reconnecting, "Old box" at another closed port without auto-reconnect (error), "Paper
box" is never connected.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
from pathlib import Path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def shoot(out: Path, dark: bool) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from opendeck.core.config import Endpoint, demo_endpoint
    from opendeck.core.session import Session
    from opendeck.gui import theme
    from opendeck.gui.mainwindow import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="opendeck-shot-"))
    eps = [demo_endpoint(),
           Endpoint(name="Local OpenD", port=closed_port(), contexts=["quote", "trade-sec"]),
           Endpoint(name="Old box", port=closed_port(), auto_reconnect=False),
           Endpoint(name="Paper box", host="127.0.0.2", port=11112,
                    contexts=["quote", "trade-sec", "trade-future"])]
    session = Session(eps, journal_path=tmp / "j.sqlite", demo_keepalive=2, demo_push_rate=4)
    os.environ["OPENDECK_THEME"] = "dark" if dark else "light"
    theme.apply(QApplication.instance())
    window = MainWindow(session, profiles_path=tmp / "endpoints.toml",
                        settings=QSettings(str(tmp / "w.ini"), QSettings.Format.IniFormat),
                        save_profiles=False)
    window.resize(1280, 800)
    window.show()
    await session.open(eps[1].id, "quote")
    await session.open(eps[2].id, "quote")
    await window.autostart("demo")
    await asyncio.sleep(6)  # let heartbeats and pushes accumulate for the picture
    view = window.pushlog.view
    view.selectRow(window.pushlog.model.rowCount() - 2)
    await asyncio.sleep(0.5)
    window.grab().save(str(out))
    await window.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--dark", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(shoot(args.out, args.dark))
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
