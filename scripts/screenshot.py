"""Take the README screenshots: the window with live demo data and endpoints in several states.

    xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb \\
        python scripts/screenshot.py docs/screenshots/window.png [--dark] [--size 1024x700] \\
        [--view endpoint|error|watchlist]

Only loopback addresses are used: "Local OpenD" points at a closed port on 127.0.0.1 and
keeps reconnecting, "Old box" at another closed port without auto-reconnect, "Locked box" at a
demo gateway started here with an RSA key while the endpoint has none (the error state that
retrying cannot fix), "Paper box" is never connected.

Views: ``endpoint`` the demo endpoint with its cards and the push log; ``error`` the Locked box
with its error box; ``watchlist`` the demo endpoint with the Watchlist tab raised;
``websocket`` an endpoint on a demo gateway's WebSocket port (the key given as if typed).
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


async def shoot(out: Path, dark: bool, size: tuple[int, int], view: str) -> None:
    from Crypto.PublicKey import RSA
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from opendeck.core.cipher import RsaCipher
    from opendeck.core.config import Endpoint, demo_endpoint
    from opendeck.core.gateway.server import DemoGateway
    from opendeck.core.session import Session
    from opendeck.gui import theme
    from opendeck.gui.mainwindow import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="opendeck-shot-"))
    locked_gw = DemoGateway(port=0, rsa=RsaCipher.from_pem(RSA.generate(1024).export_key(pkcs=1)))
    await locked_gw.start()
    ws_gw = DemoGateway(port=0, websocket_port=0, websocket_key="demo-ws-key", keepalive_interval=2,
                        push_rate=4)
    await ws_gw.start()
    eps = [demo_endpoint(),
           Endpoint(name="Local OpenD", port=closed_port(), contexts=["quote", "trade-sec"]),
           Endpoint(name="Old box", port=closed_port(), auto_reconnect=False),
           Endpoint(name="Locked box", port=locked_gw.port, contexts=["quote"]),
           Endpoint(name="Paper box", host="127.0.0.2", port=11112,
                    contexts=["quote", "trade-sec", "trade-future"]),
           Endpoint(name="JS gateway (WebSocket)", host="127.0.0.1", port=ws_gw.websocket_port,
                    transport="ws", heartbeat_interval=2, contexts=["quote", "trade-sec"])]
    session = Session(eps, journal_path=tmp / "j.sqlite", demo_keepalive=2, demo_push_rate=4)
    session.keys.use_keyring = False
    session.keys.put(eps[5].id, "demo-ws-key")  # as if typed at the prompt
    os.environ["OPENDECK_THEME"] = "dark" if dark else "light"
    theme.apply(QApplication.instance())
    window = MainWindow(session, profiles_path=tmp / "endpoints.toml",
                        settings=QSettings(str(tmp / "w.ini"), QSettings.Format.IniFormat),
                        save_profiles=False)
    window.resize(*size)
    window.show()
    await session.open(eps[1].id, "quote")
    await session.open(eps[2].id, "quote")
    await session.open(eps[3].id, "quote")
    await window.autostart("demo", codes="HK.00700, US.AAPL, HK.09988",
                           subtypes=["basic", "ticker", "orderbook"])
    if view == "watchlist":
        window.show_watchlist()
    if view == "websocket":
        await window.autostart(eps[5].id, codes="HK.00700, US.AAPL", subtypes=["basic", "ticker"])
        window.select(eps[5].id)
    await asyncio.sleep(6)  # let heartbeats and pushes accumulate for the picture
    if view == "error":
        window.select(eps[3].id)
    view_ = window.pushlog.view
    view_.selectRow(window.pushlog.model.rowCount() - (1 if view == "websocket" else 2))
    window.tick()
    await asyncio.sleep(0.5)
    window.grab().save(str(out))
    await window.shutdown()
    await locked_gw.stop()
    await ws_gw.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--dark", action="store_true")
    ap.add_argument("--size", default="1280x800", help="window size, WxH")
    ap.add_argument("--view", choices=("endpoint", "error", "watchlist", "websocket"),
                    default="endpoint")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.lower().split("x"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(shoot(args.out, args.dark, (w, h), args.view))
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
