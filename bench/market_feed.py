"""Watchlist cost at 20,000 pushes/s: what one flush of the market dock costs the GUI thread.

Synthetic ring rows (real protobuf bodies from gui/market/synth.py, a pool of pre-encoded
variants per symbol so the loop measures the dock, not the encoder) in the mix a quote
subscription produces: basic quote, order book, ticker for ``--symbols`` codes. Each flush
takes ``rate * flush_ms / 1000`` rows, as the window's 75 ms timer would at that rate.

Three figures per flush (mean, p99, max, in ms):

* ``feed``  -- MarketFeed.ingest alone (Qt-free: scan, supersede, decode the latest);
* ``dock``  -- MarketDock.flush: the feed plus every model refresh (signals, strings);
* ``paint`` -- dock.flush plus ``processEvents()`` on the shown dock (offscreen): the repaint
  of what the flush changed, as the event loop would run it; the GUI thread's whole cost
  per tick. The dock tells its views at most every 0.2 s (``view_interval``), so about one
  flush in three pays for a repaint; ``--view-interval 0`` makes every flush pay.

The share of the flush interval the GUI thread spends (``paint`` mean / interval) is the
headline. ``--legacy`` feeds today's 11-column ring rows instead of core/pushrow.py's 10.

``--live`` instead runs the real path end to end: the demo gateway in a subprocess (its own
core, so its encoding does not count against ours) at a tick rate that gives ``--rate``
pushes/s over ``--symbols`` codes x (basic, orderbook, ticker); a Session on a qasync loop;
the shown MarketDock polled by a 75 ms QTimer. A 5 ms QTimer records the event loop's gaps:
the worst gap is the worst stall a user would feel (with the GUI thread's CPU time inside it,
which separates our work from the machine taking the core away).

    QT_QPA_PLATFORM=offscreen python bench/market_feed.py
    QT_QPA_PLATFORM=offscreen python bench/market_feed.py --rate 40000 --symbols 200 --legacy
    QT_QPA_PLATFORM=offscreen python bench/market_feed.py --live --seconds 10
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from opendeck.gui.market import synth
from opendeck.gui.market.feed import MarketFeed

UNIVERSE = ["HK.00700", "HK.09988", "HK.00005", "HK.03690", "HK.01810", "HK.00388", "HK.02318",
            "US.AAPL", "US.NVDA", "US.TSLA", "US.MSFT", "US.AMZN", "US.META", "US.GOOG",
            "SH.600519", "SH.601318", "SZ.000001", "SZ.000858"]


def codes(n: int) -> list[str]:
    out = list(UNIVERSE[:n])
    i = 1
    while len(out) < n:
        out.append(f"HK.{i:05d}")
        i += 1
    return out


def body_pool(symbols: list[str], variants: int, rng: random.Random) -> dict[str, list]:
    pool: dict[str, list] = {}
    for s in symbols:
        base = rng.uniform(5, 500)
        items = []
        for v in range(variants):
            p = round(base * (1 + rng.uniform(-0.01, 0.01)), 2)
            items.append((synth.QUOTE, synth.quote_body(s, p, base, volume=1000 * v,
                                                        turnover=p * 1000 * v)))
            items.append((synth.BOOK, synth.book_body(s, *synth.ladder(p, 0.01))))
            items.append((synth.TICKER, synth.ticker_body(s, [(p, 100, 1 + v % 3, v + 1)])))
        pool[s] = items
    return pool


def make_rows(pool, symbols, n, seq0, t, legacy, rng) -> list[tuple]:
    rows = []
    seq = seq0
    for _ in range(n):
        s = symbols[rng.randrange(len(symbols))]
        pid, body = pool[s][rng.randrange(len(pool[s]))]
        if legacy:
            rows.append((seq, t, "demo", "quote", pid, 0, 0, body, s, "", ""))
        else:
            rows.append((seq, t, "demo", "quote", pid, 0, 0, body, s, ""))
        seq += 1
    return rows


def stats(xs: list[float], cpu: list[float] | None = None) -> str:
    xs = sorted(xs)
    p99 = xs[min(len(xs) - 1, int(len(xs) * 0.99))]
    out = f"wall mean {statistics.fmean(xs):6.2f}  p99 {p99:6.2f}  max {xs[-1]:6.2f} ms"
    if cpu:
        cpu = sorted(cpu)
        out += (f" | cpu mean {statistics.fmean(cpu):6.2f}  p99 "
                f"{cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))]:6.2f}  max {cpu[-1]:6.2f} ms")
    return out


LIVE_CODES = ["HK.00700", "HK.09988", "HK.03690", "HK.09618", "HK.09888", "HK.09999", "HK.09961", "HK.01024", "HK.06618", "HK.00241", "HK.01810", "HK.02015", "HK.00981", "HK.00285", "HK.00992", "HK.00005", "HK.00388", "HK.00001", "HK.00002", "HK.00003", "HK.00011", "HK.00016", "HK.00027", "HK.00066", "HK.00175", "HK.00267", "HK.00288", "HK.00386", "HK.00669", "HK.00688", "HK.00762", "HK.00823", "HK.00857", "HK.00883", "HK.00939", "HK.00941", "US.AAPL", "US.MSFT", "US.NVDA", "US.AMZN", "US.META", "US.GOOG", "US.TSLA", "US.AVGO", "US.COST", "US.NFLX", "US.AMD", "US.ADBE", "US.PEP", "US.CSCO", "US.INTC", "US.QCOM", "US.TXN", "US.AMGN"]


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gateway(args) -> tuple[object, int, float]:
    """The demo gateway in its own process: (Popen, port, ticks/s)."""
    import subprocess
    hz = args.rate / (args.symbols * 3)
    port = free_port()
    gw = subprocess.Popen([sys.executable, "-m", "opendeck.core.gateway", "--port", str(port),
                           "--push-rate", f"{hz:g}", "--seed", "7"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return gw, port, hz


async def live(args, port: int, hz: float) -> int:
    import asyncio

    from flood import GapRecorder  # bench/flood.py's stall recorder
    from opendeck.core.config import Endpoint
    from opendeck.core.errors import OpenDeckError
    from opendeck.core.session import Session
    from opendeck.gui.market.dock import MarketDock
    from PySide6.QtCore import Qt, QTimer

    session = Session([Endpoint(name="bench gateway", port=port, id="bench",
                                recv_notify=False)])
    dock = MarketDock(session)
    w, h = (int(v) for v in args.size.split("x"))
    dock.resize(w, h)
    dock.show()
    poll = QTimer(dock)
    poll.setInterval(75)
    poll.timeout.connect(dock.poll)
    gaps = GapRecorder()
    beat = QTimer(dock)
    beat.setTimerType(Qt.TimerType.PreciseTimer)
    beat.setInterval(5)
    beat.timeout.connect(gaps.tick)
    try:
        for _ in range(100):  # the gateway takes a moment to listen
            try:
                handle = await session.open("bench", "quote")
                await handle.wait_ready(2)
                break
            except (OpenDeckError, TimeoutError, OSError):
                await session.close("bench", "quote")
                await asyncio.sleep(0.1)
        else:
            print("the demo gateway did not come up")
            return 1
        codes_ok = []
        for code in LIVE_CODES[:args.symbols]:
            try:
                await handle.ctx.subscribe([code], ["basic", "orderbook", "ticker"])
                codes_ok.append(code)
            except OpenDeckError:
                pass
        poll.start()
        await asyncio.sleep(1.0)  # warm up: first pushes, symbols appear, sizes settle
        dock.select(codes_ok[0])
        dock.max_flush_ms = 0.0
        seq0, t0, c0 = session.pushes.last_seq, time.perf_counter(), time.thread_time()
        flushes0 = dock.flushes
        beat.start()
        await asyncio.sleep(args.seconds)
        beat.stop()
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
        got = session.pushes.last_seq - seq0
        g = sorted(gaps.gaps)
        p99 = g[min(len(g) - 1, int(len(g) * 0.99))] if g else 0.0
        print(f"live: {len(codes_ok)} codes x 3 sub types, gateway {hz:.0f} ticks/s, "
              f"{args.seconds:g} s, dock {w}x{h} shown, 75 ms poll")
        print(f"  pushes received {got:,} = {got / wall:,.0f}/s (target {args.rate:,}/s)")
        print(f"  event-loop gaps (5 ms timer): p99 {p99:.1f} ms, worst {gaps.worst:.1f} ms "
              f"(GUI-thread CPU inside it {gaps.worst_cpu:.1f} ms)")
        print(f"  dock flush: {dock.flushes - flushes0} flushes, worst {dock.max_flush_ms:.1f} ms"
              f"; GUI thread CPU {cpu / wall * 100:.0f}% of one core (session + dock + paint)")
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        return 0
    finally:
        poll.stop()
        await asyncio.wait_for(session.aclose(), 10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=20_000, help="pushes/s into the window")
    ap.add_argument("--flush-ms", type=float, default=75.0, help="the window's flush interval")
    ap.add_argument("--symbols", type=int, default=50)
    ap.add_argument("--flushes", type=int, default=200)
    ap.add_argument("--legacy", action="store_true", help="11-column ring rows")
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--view-interval", type=float, default=0.2,
                    help="the dock's view_interval (s): how often the views are told")
    ap.add_argument("--live", action="store_true",
                    help="end to end: demo gateway subprocess -> Session -> shown dock")
    ap.add_argument("--seconds", type=float, default=10.0, help="--live: measuring time")
    args = ap.parse_args(argv)
    if args.live:
        import asyncio

        import qasync
        from opendeck.gui import theme
        from PySide6.QtWidgets import QApplication
        app = QApplication.instance() or QApplication(sys.argv[:1])
        theme.apply(app)
        gw, port, hz = start_gateway(args)
        try:
            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                return runner.run(live(args, port, hz))
        finally:
            gw.terminate()
            gw.wait(10)
    rng = random.Random(7)
    symbols = codes(args.symbols)
    pool = body_pool(symbols, 8, rng)
    per = max(1, int(args.rate * args.flush_ms / 1000))
    batches = []
    seq = 1
    for i in range(args.flushes):
        batches.append(make_rows(pool, symbols, per, seq, 1e9 + i * args.flush_ms / 1000,
                                 args.legacy, rng))
        seq += per

    # 1. the feed alone
    feed = MarketFeed()
    feed_ms, feed_cpu = [], []
    for i, rows in enumerate(batches):
        t0, c0 = time.perf_counter(), time.thread_time()
        feed.ingest(rows)
        feed.sample(i * args.flush_ms / 1000)
        feed_ms.append((time.perf_counter() - t0) * 1000)
        feed_cpu.append((time.thread_time() - c0) * 1000)
    decodes = feed.decoded / len(batches)

    # 2. + 3. the dock, without and with a repaint
    from opendeck.gui import theme
    from opendeck.gui.market.dock import MarketDock
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply(app)
    w, h = (int(v) for v in args.size.split("x"))
    results, cpu = {}, {}
    for mode in ("dock", "paint"):
        now = [0.0]
        dock = MarketDock(type("S", (), {"endpoints": {}})(), clock=lambda now=now: now[0],
                          view_interval=args.view_interval)
        dock.resize(w, h)
        dock.show()
        app.processEvents()
        ms, cms = [], []
        for rows in batches:
            now[0] += args.flush_ms / 1000
            t0, c0 = time.perf_counter(), time.thread_time()
            dock.flush(rows)
            if mode == "paint":
                app.processEvents()
            ms.append((time.perf_counter() - t0) * 1000)
            cms.append((time.thread_time() - c0) * 1000)
            if mode != "paint":
                app.processEvents()
        results[mode], cpu[mode] = ms, cms
        dock.close()
        dock.deleteLater()
        app.processEvents()

    share = statistics.fmean(cpu["paint"]) / args.flush_ms * 100
    print(f"{args.rate:,} pushes/s, {args.symbols} symbols, {per:,} rows per {args.flush_ms:g} ms "
          f"flush, {len(batches)} flushes, {'11' if args.legacy else '10'}-column rows, "
          f"views told every {args.view_interval:g} s")
    print(f"  decodes per flush: {decodes:.0f} (of {per:,} rows)")
    print(f"  feed   {stats(feed_ms, feed_cpu)}")
    print(f"  dock   {stats(results['dock'], cpu['dock'])}")
    print(f"  paint  {stats(results['paint'], cpu['paint'])}")
    print(f"  GUI thread CPU busy {share:.1f}% of each flush interval; feed capacity "
          f"{per * len(batches) / (sum(feed_cpu) / 1000):,.0f} rows/s of CPU  (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall figures include waiting "
          "for a core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
