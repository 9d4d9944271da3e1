"""Dead-gateway detection time, OpenDeck next to futu-api, at keepAliveInterval 3 / 10 / 30 s.

    python bench/detect_times.py [--intervals 3,10,30] [--rounds 1]

One run: for each interval a demo gateway (``keepalive_interval`` = that interval, no market
pushes) on 127.0.0.1 with two clients on it, OpenDeck's ``Connection`` in this process and
futu-api's ``OpenQuoteContext`` in a subprocess (futu is never imported here: it replaces the
SIGINT handler and starts threads). Once both are ready and a few heartbeats have gone by,
the gateway is stalled (``DemoGateway.stall()``: it stops reading, answering and pushing; the
sockets stay open, as with a hung or half-open OpenD) and each client is timed from the
stall until it reports the connection lost:

* OpenDeck: the StateChanged event READY -> RECONNECTING (a ConnectionLost);
* futu-api: its context status leaving READY (polled every 10 ms in the child; futu logs
  "Long time not recv" then "Disconnected").

All intervals run at the same time (one gateway each), so the run takes about the slowest
detection plus start-up. Times are wall-clock seconds on this machine; the target of issue 10
is <= 1.5 x interval for OpenDeck.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from opendeck.core.client.connection import Connection
from opendeck.core.events import ConnState, StateChanged
from opendeck.core.gateway.server import DemoGateway

FUTU_CHILD = r"""
import json, sys, time
import futu as ft
ft.SysConfig.set_all_thread_daemon(True)
host, port = sys.argv[1], int(sys.argv[2])
def say(**kw):
    sys.stdout.write("@@" + json.dumps(kw) + "\n"); sys.stdout.flush()
ctx = ft.OpenQuoteContext(host=host, port=port)
t0 = time.time()
while ctx.status != ft.ContextStatus.READY:
    if time.time() - t0 > 30:
        say(error="not ready after 30 s"); sys.exit(2)
    time.sleep(0.01)
say(ready=time.time())
while ctx.status == ft.ContextStatus.READY:
    time.sleep(0.01)
say(lost=time.time(), status=str(ctx.status))
sys.stdout.flush()
import os; os._exit(0)
"""


class Watch:
    def __init__(self) -> None:
        self.lost_at: float | None = None
        self.error = ""
        self.changed = asyncio.Event()

    def on_event(self, conn, ev) -> None:
        if isinstance(ev, StateChanged) and ev.old is ConnState.READY and self.lost_at is None:
            self.lost_at = time.time()
            self.error = ev.reason
            self.changed.set()

    def on_pushes(self, conn, packets) -> None:
        pass


async def one(interval: int, home: str) -> dict:
    async with DemoGateway(port=0, push_rate=0, keepalive_interval=interval) as gw:
        watch = Watch()
        conn = Connection("127.0.0.1", gw.port, listener=watch, backoff_base=60.0)
        await conn.open(20)
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", FUTU_CHILD, "127.0.0.1", str(gw.port),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, "HOME": home}, cwd=home)
        try:
            futu: dict = {}

            async def read_child():
                while True:
                    line = await child.stdout.readline()
                    if not line:
                        return
                    if line.startswith(b"@@"):
                        futu.update(json.loads(line[2:]))
                        if "ready" in futu:
                            ready_seen.set()
            ready_seen = asyncio.Event()
            reader = asyncio.ensure_future(read_child())
            await asyncio.wait_for(ready_seen.wait(), 90)
            # let both settle into their heartbeat rhythm, then stall at a random phase
            await asyncio.sleep(min(interval, 5) + (interval * 0.37) % 1.0)
            stalled_at = time.time()
            gw.stall()
            deadline = 3 * max(interval, 40)
            await asyncio.wait_for(watch.changed.wait(), deadline)
            await asyncio.wait_for(reader, deadline)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
            gw.resume()
            await conn.close()
    return {"interval": interval,
            "opendeck": watch.lost_at - stalled_at if watch.lost_at else None,
            "futu": futu["lost"] - stalled_at if "lost" in futu else None,
            "reason": watch.error}


async def run(intervals: list[int], rounds: int) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="detect-futu-home-") as home:
        results = []
        for _ in range(rounds):
            results += await asyncio.gather(*(one(i, home) for i in intervals))
        return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--intervals", default="3,10,30")
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    intervals = [int(x) for x in a.intervals.split(",")]
    results = asyncio.run(run(intervals, a.rounds))
    print("| keepAliveInterval | OpenDeck (s) | 1.5 x interval | futu-api (s) |")
    print("|---|---|---|---|")
    for i in intervals:
        rs = [r for r in results if r["interval"] == i]
        od = [r["opendeck"] for r in rs if r["opendeck"] is not None]
        fu = [r["futu"] for r in rs if r["futu"] is not None]
        fmt = lambda v: f"{statistics.median(v):.2f}" if v else "n/a"
        print(f"| {i} s | {fmt(od)} | {1.5 * i:g} | {fmt(fu)} |")
    for r in results:
        print(f"  interval {r['interval']}: OpenDeck said: {r['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
