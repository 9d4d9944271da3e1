"""futu-api against OpenDeck on the same push source, in one run, interleaved, median of 3.

    python bench/versus_futu.py [--n 300000] [--runs 3] [--modes plain,cbc,ecb]
                                [--clients futu-debug,futu-warning,od-conn,od-record]
                                [--baseline-root DIR] [--baseline LABEL=DIR ...]

The source is ``bench/push_source.py`` in its own process (207-byte Qot_UpdateBasicQot frames,
as fast as the socket takes them). Every client runs in its own process, one at a time, and
the clients take turns within each round so a noisy neighbour hurts all of them alike:

* ``futu-debug`` / ``futu-warning``: the official SDK, ``OpenQuoteContext`` with a handler whose
  ``on_recv_rsp`` only counts (the SDK still decodes each push into its own objects), its file
  log at the default level (DEBUG) and at WARNING. Its logs go to a throwaway ``$HOME``.
* ``od-conn``: OpenDeck's ``Connection`` with a listener that only counts (no ring, no journal).
* ``od-session``: ``Session`` with a journal (ring + journal, what the window runs on).
* ``od-record``: ``opendeck record`` (``python -m opendeck.core.record``), pushes counted when
  COMMITTED to its journal; its own summary line gives the rate.

A rate is pushes / seconds from the first push to the last one counted. ``--baseline-root DIR``
adds ``base-`` variants of the OpenDeck clients run from another checkout (``DIR/opendeck/core``),
e.g. the commit before a change: before/after in the same run. ``--baseline LABEL=DIR`` (any
number of times) does the same with ``LABEL-`` variants; a variant the checkout cannot run
(``record`` before it existed) is reported as failed and left out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
CODE = "HK.00700"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- clients (each runs in its own process: ``--client NAME``) -------------------------------

class _Clock:
    """First and last push times, and a wake-up when ``n`` pushes were counted."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self.done = threading.Event()

    def hit(self, k: int = 1) -> None:
        if not self.count:
            self.first = time.perf_counter()
        self.count += k
        if self.count >= self.n and not self.done.is_set():
            self.last = time.perf_counter()
            self.done.set()

    def result(self) -> dict:
        dt = max(1e-9, self.last - self.first)
        return {"rate": self.count / dt, "count": self.count, "seconds": dt, "rss_mib": _rss_mib()}


def client_futu(args, level: str) -> dict:
    import logging

    import futu as ft
    from futu.common.ft_logger import logger
    if level == "warning":
        logger.file_level = logging.WARNING
    logger.console_level = logging.WARNING
    if args.rsa_key:
        ft.SysConfig.enable_proto_encrypt(True)
        ft.SysConfig.set_init_rsa_file(args.rsa_key)
    clock = _Clock(args.n)

    class Counting(ft.StockQuoteHandlerBase):
        def on_recv_rsp(self, rsp_pb):
            clock.hit()
            return ft.RET_OK, None

    ctx = ft.OpenQuoteContext(host="127.0.0.1", port=args.port, is_encrypt=bool(args.rsa_key))
    try:
        ctx.set_handler(Counting())
        ret, msg = ctx.subscribe([CODE], [ft.SubType.QUOTE], subscribe_push=True)
        if ret != ft.RET_OK:
            raise SystemExit(f"futu subscribe failed: {msg}")
        if not clock.done.wait(args.deadline):
            raise SystemExit(f"futu: {clock.count}/{args.n} pushes before the deadline")
        return clock.result()
    finally:
        ctx.close()


def client_od_conn(args) -> dict:
    import asyncio

    from opendeck.core.cipher import RsaCipher
    from opendeck.core.client.connection import Connection
    from opendeck.core.client.contexts import QuoteContext
    clock = _Clock(args.n)

    class Counting:
        def on_event(self, *a): pass
        def on_state(self, *a): pass
        def on_handshake(self, *a): pass
        def on_heartbeat(self, *a): pass
        def on_error(self, *a): pass

        def on_pushes(self, conn, packets):
            clock.hit(len(packets))

    async def main() -> dict:
        rsa = RsaCipher.from_file(args.rsa_key) if args.rsa_key else None
        conn = Connection("127.0.0.1", args.port, rsa=rsa, listener=Counting(),
                          auto_reconnect=False)
        try:
            await conn.open(20)
            await QuoteContext(conn).subscribe(CODE, "basic")
            end = time.monotonic() + args.deadline
            while not clock.done.is_set():
                if time.monotonic() > end:
                    raise SystemExit(f"od-conn: {clock.count}/{args.n} pushes before the deadline")
                await asyncio.sleep(0.005)
            return clock.result()
        finally:
            await conn.close()

    return asyncio.run(main())


def client_od_session(args) -> dict:
    import asyncio

    from opendeck.core.config import Endpoint
    from opendeck.core.session import Session

    async def main() -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            ep = Endpoint(name="bench", host="127.0.0.1", port=args.port,
                          rsa_key=args.rsa_key or "", auto_reconnect=False)
            s = Session([ep], journal_path=Path(tmp) / "j.sqlite")
            h = await s.open(ep.id, "quote")
            await h.wait_ready(20) if hasattr(h, "wait_ready") else await h.conn.wait_ready(20)
            await h.ctx.subscribe(CODE, "basic")
            clock = _Clock(args.n)
            start = s.pushes.last_seq
            end = time.monotonic() + args.deadline
            while s.pushes.last_seq - start < args.n:
                if not clock.first and s.pushes.last_seq > start:
                    clock.first = time.perf_counter()
                if time.monotonic() > end:
                    raise SystemExit("od-session: deadline")
                await asyncio.sleep(0.002)
            clock.count = s.pushes.last_seq - start
            clock.last = time.perf_counter()
            res = clock.result()
            await s.aclose()
            return res

    return asyncio.run(main())


# --- the driver ------------------------------------------------------------------------------

def run_record(args, env: dict, out_dir: Path) -> dict:
    journal = out_dir / f"rec-{time.monotonic_ns()}.sqlite"
    cmd = [PY, "-m", "opendeck.core.record", f"127.0.0.1:{args.port}", "--subscribe", CODE,
           "--pushes", str(args.n), "--journal", str(journal), "--timeout", str(args.deadline),
           "--stats"]
    if args.rsa_key:
        cmd += ["--rsa-key", args.rsa_key]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.deadline + 30,
                       check=False)
    m = re.search(r"recorded (\d+) pushes in ([\d.]+) s \(([\d.]+) pushes/s\)", p.stderr)
    if p.returncode != 0 or not m:
        raise RuntimeError(f"record exited {p.returncode}: {p.stderr[-800:]}")
    rss = re.search(r"peak RSS ([\d.]+) MiB", p.stderr)
    for f in out_dir.glob(journal.name + "*"):
        f.unlink()
    return {"rate": float(m.group(3)), "count": int(m.group(1)), "seconds": float(m.group(2)),
            "rss_mib": float(rss.group(1)) if rss else 0.0}


def run_client(name: str, args, port: int, rsa_key: str, roots: dict[str, str], tmp: Path) -> dict:
    env = dict(os.environ)
    env["HOME"] = str(tmp)  # futu-api writes its logs under $HOME
    real = name
    label, _, rest = name.partition("-")
    if label in roots:
        real = rest
        env["PYTHONPATH"] = roots[label] + os.pathsep + env.get("PYTHONPATH", "")
    ns = argparse.Namespace(port=port, n=args.n, rsa_key=rsa_key, deadline=args.deadline)
    if real == "od-record":
        return run_record(ns, env, tmp)
    cmd = [PY, str(Path(__file__).resolve()), "--client", real, "--port", str(port),
           "--n", str(args.n), "--deadline", str(args.deadline)]
    if rsa_key:
        cmd += ["--rsa-key", rsa_key]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.deadline + 60, check=False,
                       cwd=str(tmp))
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{name} exited {p.returncode}: {(p.stderr or p.stdout)[-800:]}")
    return json.loads(lines[-1])


def start_source(mode: str, n: int, rsa_key: str) -> tuple[subprocess.Popen, int]:
    cmd = [PY, str(HERE / "push_source.py"), "--n", str(n), "--mode", mode]
    if rsa_key:
        cmd += ["--rsa-key", rsa_key]
    src = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = src.stdout.readline().split()
    if len(line) != 3 or line[0] != "listening":
        src.kill()
        raise RuntimeError(f"push source did not start: {line}")
    threading.Thread(target=lambda: src.stdout.read(), daemon=True).start()  # drain
    return src, int(line[2])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--modes", default="plain,cbc,ecb")
    ap.add_argument("--clients", default="futu-debug,futu-warning,od-conn,od-record")
    ap.add_argument("--baseline-root", default="", help="another checkout: adds base-od-* clients")
    ap.add_argument("--baseline", action="append", default=[], metavar="LABEL=DIR",
                    help="another checkout under a label: adds LABEL-od-* clients")
    ap.add_argument("--deadline", type=float, default=120.0)
    ap.add_argument("--client", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--rsa-key", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.client:
        fn = {"futu-debug": lambda a: client_futu(a, "debug"),
              "futu-warning": lambda a: client_futu(a, "warning"),
              "od-conn": client_od_conn, "od-session": client_od_session}[args.client]
        print(json.dumps(fn(args)), flush=True)
        return 0

    from Crypto.PublicKey import RSA
    clients = [c for c in args.clients.split(",") if c]
    roots = {}
    if args.baseline_root:
        roots["base"] = args.baseline_root
    for spec in args.baseline:
        label, _, root = spec.partition("=")
        if not label or not root or "-" in label:
            raise SystemExit(f"--baseline {spec!r}: give LABEL=DIR (a label without '-')")
        roots[label] = root
    own = [c for c in clients if c.startswith("od-")]
    clients += [f"{label}-{c}" for label in roots for c in own]
    modes = [m for m in args.modes.split(",") if m]
    results: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        key_path = tmp / "rsa.pem"
        key_path.write_bytes(RSA.generate(1024).export_key(format="PEM", pkcs=1))
        for mode in modes:
            rsa_key = str(key_path) if mode != "plain" else ""
            src, port = start_source(mode, args.n, rsa_key)
            try:
                for r in range(args.runs):
                    for c in clients:
                        try:
                            res = run_client(c, args, port, rsa_key, roots, tmp)
                        except Exception as exc:  # noqa: BLE001 - report and go on
                            print(f"  {mode} {c} run {r + 1}: FAILED {exc}", file=sys.stderr)
                            continue
                        results.setdefault((mode, c), []).append(res)
                        print(f"  {mode:<5} {c:<16} run {r + 1}: {res['rate']:>10,.0f} pushes/s "
                              f"rss {res['rss_mib']:.0f} MiB", file=sys.stderr, flush=True)
            finally:
                src.kill()
                src.wait()
    print(f"\n{args.n:,} pushes of 207-byte Qot_UpdateBasicQot, median of {args.runs}, pushes/s")
    print(f"{'client':<18}" + "".join(f"{m:>12}" for m in modes))
    med = {k: statistics.median(x["rate"] for x in v) for k, v in results.items()}
    for c in clients:
        print(f"{c:<18}" + "".join(f"{med.get((m, c), 0):>12,.0f}" for m in modes))
    best_futu = {m: max((med.get((m, c), 0) for c in clients if c.startswith("futu")), default=0)
                 for m in modes}
    print("\nratio to futu-api at its best")
    for c in clients:
        if c.startswith("futu"):
            continue
        print(f"{c:<18}" + "".join(
            f"{(med.get((m, c), 0) / best_futu[m] if best_futu[m] else 0):>11.2f}x" for m in modes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
