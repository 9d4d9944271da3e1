"""Headless ingest throughput of what the window runs on: a push source in ANOTHER process ->
Connection -> Session (ring + journal), on plain asyncio and on qasync.

    python bench/ingest.py [--n 300000] [--runs 3] [--mode plain|cbc|ecb] [--no-journal]

A push counts when it is COMMITTED to the journal (``journal.written``), or sequenced into the
ring with ``--no-journal``. Prints pushes/s per run, the median per loop, and the peak RSS.
The source is bench/push_source.py (207-byte Qot_UpdateBasicQot frames as fast as the socket
takes them), so it does not share the loop's core. For futu-api side by side use
bench/versus_futu.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from opendeck.core.config import Endpoint
from opendeck.core.session import Session
from versus_futu import CODE, start_source


async def one_run(port: int, n: int, rsa_key: str, journal: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        ep = Endpoint(name="bench", host="127.0.0.1", port=port, rsa_key=rsa_key,
                      auto_reconnect=False)
        s = Session([ep], ring_capacity=200_000,
                    journal_path=Path(tmp) / "j.sqlite" if journal else None)
        h = await s.open(ep.id, "quote")
        await h.wait_ready(20)
        await h.ctx.subscribe(CODE, "basic")
        start = s.pushes.last_seq
        first = None

        def done() -> int:
            return s.journal.written if s.journal is not None else s.pushes.last_seq - start

        while done() < n:
            if first is None and s.pushes.last_seq > start:
                first = time.perf_counter()
            await asyncio.sleep(0.002)
        rate = n / (time.perf_counter() - (first or time.perf_counter()))
        await s.aclose()
        return rate


def run_on(loop_name: str, args, port: int, rsa_key: str) -> list[float]:
    if loop_name == "asyncio":
        factory = asyncio.new_event_loop
    else:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        import qasync
        from PySide6.QtWidgets import QApplication
        app = QApplication.instance() or QApplication([])
        factory = lambda: qasync.QEventLoop(app)
    rates = []
    for _ in range(args.runs):
        with asyncio.Runner(loop_factory=factory) as runner:
            rates.append(runner.run(one_run(port, args.n, rsa_key, not args.no_journal)))
    return rates


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mode", choices=("plain", "cbc", "ecb"), default="plain")
    ap.add_argument("--no-journal", action="store_true")
    ap.add_argument("--loops", default="asyncio,qasync")
    args = ap.parse_args()
    from Crypto.PublicKey import RSA
    with tempfile.TemporaryDirectory() as tmp:
        key = ""
        if args.mode != "plain":
            key = str(Path(tmp) / "rsa.pem")
            Path(key).write_bytes(RSA.generate(1024).export_key(format="PEM", pkcs=1))
        src, port = start_source(args.mode, args.n, key)
        try:
            results = {name: run_on(name, args, port, key) for name in args.loops.split(",")}
        finally:
            src.kill()
            src.wait()
    print(f"{args.n} pushes, {args.mode}, counted when "
          f"{'sequenced (no journal)' if args.no_journal else 'committed'}; {args.runs} runs each")
    print(f"{'loop':<8} {'median push/s':>14}  runs")
    for name, rates in results.items():
        print(f"{name:<8} {statistics.median(rates):>14,.0f}  " + " ".join(f"{r:,.0f}" for r in rates))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
