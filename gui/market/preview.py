"""The market dock alone on the built-in demo gateway: for looking at it, and for screenshots.

    python -m opendeck.gui.market.preview [--screenshot PATH] [--size 1280x800] [--dark]
        [--codes HK.00700,US.AAPL,...] [--rate 8] [--seconds 6]

It starts a :class:`~opendeck.core.session.Session` with the demo endpoint, opens its quote
context, subscribes the codes (basic quote, order book, ticker), and flushes the dock from a
75 ms timer as the window does. With ``--screenshot`` it waits until every code has a quote,
a book and some sparkline history (or ``--seconds`` pass), saves the PNG and quits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

DEFAULT_CODES = ("HK.00700,HK.09988,HK.00005,HK.03690,US.AAPL,US.NVDA,US.TSLA,US.MSFT,"
                 "SH.600519,SZ.000001")


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m opendeck.gui.market.preview")
    ap.add_argument("--screenshot", metavar="PATH", help="save a PNG of the dock and quit")
    ap.add_argument("--size", default="1280x800", help="window size, WxH (default 1280x800)")
    ap.add_argument("--dark", action="store_true", help="dark theme (same as OPENDECK_THEME=dark)")
    ap.add_argument("--codes", default=DEFAULT_CODES, help="comma-separated codes to subscribe")
    ap.add_argument("--rate", type=float, default=8.0, help="demo pushes/s per subscription")
    ap.add_argument("--seconds", type=float, default=8.0,
                    help="with --screenshot: the longest wait for history before the shot")
    return ap.parse_args(argv)


async def _run(args: argparse.Namespace) -> int:
    from opendeck.core.config import demo_endpoint
    from opendeck.core.session import Session
    from opendeck.gui.market.dock import MarketDock
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    session = Session([demo_endpoint()], demo_push_rate=args.rate)
    w, h = (int(v) for v in args.size.lower().split("x"))
    dock = MarketDock(session)
    dock.setWindowTitle("OpenDeck \u2014 Watchlist (demo gateway)")
    dock.resize(w, h)
    dock.show()
    timer = QTimer(dock)
    timer.setInterval(75)
    timer.timeout.connect(dock.poll)
    timer.start()
    codes = [c.strip() for c in args.codes.split(",") if c.strip()]
    done = asyncio.Event()
    QApplication.instance().lastWindowClosed.connect(done.set)
    try:
        handle = await session.open("demo", "quote")
        await handle.wait_ready(15)
        await handle.ctx.subscribe(codes, ["basic", "orderbook", "ticker"])
        if not args.screenshot:
            await done.wait()
            return 0
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            states = [dock.feed.get(c) for c in codes]
            if all(s is not None and len(s.history) >= 12 and s.bids and s.tape
                   for s in states):
                break
            await asyncio.sleep(0.1)
        dock.select(codes[0])
        await asyncio.sleep(0.3)  # a few more flushes so the tape and rates read live values
        dock.poll()
        QApplication.processEvents()
        ok = dock.grab().save(args.screenshot)
        print(f"{'saved' if ok else 'could not save'} {args.screenshot} "
              f"({len(dock.feed.symbols)} symbols, {dock.feed.total} pushes, "
              f"max flush {dock.max_flush_ms:.1f} ms)")
        return 0 if ok else 1
    finally:
        timer.stop()
        await asyncio.wait_for(session.aclose(), 10)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    if args.dark:
        os.environ["OPENDECK_THEME"] = "dark"
    import qasync
    from opendeck.gui import theme
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply(app)
    runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))
    with runner:
        return runner.run(_run(args))


if __name__ == "__main__":
    sys.exit(main())
