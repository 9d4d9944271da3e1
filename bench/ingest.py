"""Headless ingest throughput: demo gateway blast -> Connection -> Session (ring + summaries
+ journal), on plain asyncio and on qasync, in one process.

    python bench/ingest.py [--n 200000] [--runs 3] [--proto 3005] [--encrypt]

Prints pushes/s per run and the median for each loop, side by side (this 2-core machine is
shared and noisy: compare within one run, not across runs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

from Crypto.PublicKey import RSA

from opendeck.core.cipher import RsaCipher
from opendeck.core.config import Endpoint
from opendeck.core.gateway.server import DemoGateway
from opendeck.core.session import Session


async def one_run(n: int, proto: int, rsa: RsaCipher | None, journal: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        async with DemoGateway(port=0, push_rate=0, rsa=rsa, aes="cbc") as gw:
            ep = Endpoint(name="bench", host=gw.host, port=gw.port)
            key_path = None
            if rsa is not None:
                key_path = os.path.join(tmp, "k.pem")
                with open(key_path, "wb") as f:
                    f.write(rsa._key.export_key(format="PEM", pkcs=1))
                ep.rsa_key = key_path
            s = Session([ep], ring_capacity=100_000,
                        journal_path=os.path.join(tmp, "j.sqlite") if journal else None)
            h = await s.open(ep.id, "quote")
            await h.conn.wait_ready(10)
            await h.ctx.subscribe("HK.00700", "basic")
            start_seq = s.pushes.last_seq
            t0 = time.perf_counter()
            blast = asyncio.ensure_future(gw.blast(n, proto))
            while s.pushes.last_seq - start_seq < n:
                await asyncio.sleep(0.005)
            dt = time.perf_counter() - t0
            await blast
            if s.journal is not None:
                s.journal.flush(60)
                assert s.journal.count() >= n, (s.journal.count(), n)
            await s.aclose()
            return n / dt, s.pushes.last_seq - start_seq


def run_on(loop_name: str, args, rsa) -> list[float]:
    rates = []
    if loop_name == "asyncio":
        factory = asyncio.new_event_loop
    else:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        import qasync
        from PySide6.QtWidgets import QApplication
        app = QApplication.instance() or QApplication([])
        factory = lambda: qasync.QEventLoop(app)  # noqa: E731
    for _ in range(args.runs):
        with asyncio.Runner(loop_factory=factory) as runner:
            rate, _got = runner.run(one_run(args.n, args.proto, rsa, not args.no_journal))
        rates.append(rate)
    return rates


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--proto", type=int, default=3005)
    ap.add_argument("--encrypt", action="store_true", help="RSA-1024 handshake, then AES-CBC")
    ap.add_argument("--no-journal", action="store_true")
    args = ap.parse_args()
    rsa = RsaCipher(RSA.generate(1024)) if args.encrypt else None
    results = {}
    for name in ("asyncio", "qasync"):
        results[name] = run_on(name, args, rsa)
    print(f"{args.n} pushes of proto {args.proto}, encryption {'aes-cbc' if rsa else 'none'}, "
          f"journal {'off' if args.no_journal else 'on'}; {args.runs} runs each")
    print(f"{'loop':<8} {'median push/s':>14}  runs")
    for name, rates in results.items():
        print(f"{name:<8} {statistics.median(rates):>14,.0f}  "
              + " ".join(f"{r:,.0f}" for r in rates))
    ratio = statistics.median(results["qasync"]) / statistics.median(results["asyncio"])
    print(f"qasync / asyncio = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
