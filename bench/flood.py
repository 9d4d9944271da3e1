"""Flood benchmark: a paced push rate (20,000/s by default) for ~10 s into the real window.

One thread for the GUI and the core, as in the app: a qasync loop runs the window and a Session
(with a journal in a temp dir) that opens a quote context on 127.0.0.1, subscribes, and takes
a paced stream of pushes. Where the pushes come from (``--source``):

* ``process`` (default): a separate process (this file with ``--serve-source``, which serves
  connections with ``bench/push_source.py``'s minimal OpenD) sends 207-byte Qot_UpdateBasicQot
  frames for HK.00700 at ``--rate``, ``rate * step`` of them every ``--step`` ms (default 5 ms),
  so the source does not eat the GUI thread; it reports how many it wrote;
* ``inprocess``: a DemoGateway in the window's own process, ``blast()`` every ``--step`` ms
  (default 20 ms): the source's encoding and writes share the GUI thread.

Meanwhile:

* a 5 ms ``QTimer`` (precise) and a 5 ms ``asyncio.sleep`` loop record the gaps between their
  ticks: the worst gap is the worst stall of the event loop (what the user feels). For each gap
  the main thread's CPU time is recorded too, which separates our own work ("busy stretch")
  from the machine taking the core away;
* a bare Python 5 ms sleeper in another process measures that machine noise;
* full garbage collections are timed (``gc.callbacks``), RSS is sampled from
  ``/proc/self/statm`` every 0.5 s, the dock's flush cost is read from the dock.

At the end it checks that nothing was lost: pushes the gateway wrote == pushes the client
received == rows in the journal, and the view holds at most ``row_cap`` rows.

    QT_QPA_PLATFORM=offscreen python bench/flood.py                # 3 runs, medians
    QT_QPA_PLATFORM=offscreen python bench/flood.py --rate 100000 --watchlist
    QT_QPA_PLATFORM=offscreen python bench/flood.py --source inprocess  # the older setup
    QT_QPA_PLATFORM=offscreen python bench/flood.py --freeze none --gc automatic  # no GC measures
    QT_QPA_PLATFORM=offscreen python bench/flood.py --once --rate 40000 --seconds 5
    QT_QPA_PLATFORM=offscreen python bench/flood.py --once --profile /tmp/flood.prof

``--runs N`` starts N fresh subprocesses (so RSS figures are not shared) and prints the median
of each figure. ``--freeze`` chooses when gc.freeze() runs (see bench/README.md). Timings belong here, never in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


PROBE = """
import sys, time
end = time.perf_counter() + float(sys.argv[1]); last = time.perf_counter(); worst = 0.0
while time.perf_counter() < end:
    time.sleep(0.005); now = time.perf_counter(); worst = max(worst, now - last); last = now
print(round(worst * 1000, 1))
"""


def steal_ticks() -> int:
    """Hypervisor steal time of the whole machine, in clock ticks (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return int(fields[8]) if len(fields) > 8 else 0


def preempted() -> int:
    """Involuntary context switches of the main thread so far (the OS took the core away)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("nonvoluntary_ctxt_switches"):
                return int(line.split()[1])
    return 0


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


# ------------------------------------------------------------------------------------------
# one run (in this process)
# ------------------------------------------------------------------------------------------
class GapRecorder:
    """Gaps between ticks; for the worst one also the main thread's CPU time inside it.

    A stall with as much CPU as wall time is our code; a stall with little CPU is the thread
    not running (another process had the core, or another thread held the GIL).
    """

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.cpu: list[float] = []  # main-thread CPU time inside each gap
        self.last: float | None = None
        self.last_cpu = 0.0
        self.worst_cpu = 0.0  # CPU inside the worst (wall) gap
        self.worst = 0.0

    def tick(self) -> None:
        now = time.perf_counter()
        cpu = time.thread_time()
        if self.last is not None:
            gap = (now - self.last) * 1000
            used = (cpu - self.last_cpu) * 1000
            if gap > self.worst:
                self.worst, self.worst_cpu = gap, used
            self.gaps.append(gap)
            self.cpu.append(used)
        self.last = now
        self.last_cpu = cpu

    def reset(self) -> None:
        self.gaps.clear()
        self.cpu.clear()
        self.last = None
        self.worst = self.worst_cpu = 0.0


def freeze_now() -> None:
    """What the app can do once: everything alive now (modules, Qt wrappers, pyqtgraph/numpy
    internals, lazily created PySide types) moves to the permanent generation, which full
    collections never scan again. The collect() first means no garbage cycle is frozen."""
    import gc

    gc.collect()
    gc.freeze()


def build_window(session, mode: str, row_cap: int):
    """The real main window when it exists (and mode allows), else a QMainWindow + the dock."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMainWindow

    from opendeck.gui.pushlog import PushLogDock

    if mode in ("auto", "window"):
        try:
            from PySide6.QtCore import QSettings

            from opendeck.gui.mainwindow import MainWindow

            # a throwaway layout and profile file: a benchmark leaves the user's config alone
            scratch = Path(tempfile.mkdtemp(prefix="opendeck-flood-ui-"))
            win = MainWindow(session, profiles_path=scratch / "endpoints.toml",
                             settings=QSettings(str(scratch / "window.ini"),
                                                QSettings.Format.IniFormat),
                             save_profiles=False)
        except Exception as exc:  # noqa: BLE001 - not there yet, or another signature
            if mode == "window":
                raise
            print(f"(main window unavailable: {type(exc).__name__}: {exc}; using the dock)",
                  file=sys.stderr)
        else:
            dock = win.findChild(PushLogDock, "pushLogDock")
            if dock is not None:
                dock.row_cap = row_cap
                return win, dock, "main window"
            if mode == "window":
                raise RuntimeError("the main window has no pushLogDock")
    win = QMainWindow()
    win.setWindowTitle("OpenDeck flood bench")
    dock = PushLogDock(session, win, row_cap=row_cap)
    win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    return win, dock, "dock only"


# ------------------------------------------------------------------------------------------
# the push source in its own process (--source process)
# ------------------------------------------------------------------------------------------
def serve_source() -> int:
    """The child: push_source.py's minimal OpenD on 127.0.0.1 (plaintext), with its own blast
    switched off; on ``blast RATE SECONDS STEP_MS`` (stdin) it paces 207-byte pushes to every
    subscribed connection and prints ``sent N SECONDS``; ``quit`` (or EOF) ends it."""
    import socket
    import threading

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import push_source as ps

    from opendeck.core import catalog

    clients: list = []

    class Paced(ps._Client):
        def __init__(self, sock) -> None:
            super().__init__(sock, argparse.Namespace(mode="plain", n=0), None)
            self.blasting = True  # push_source's own "as fast as it goes" blast never starts
            self.subscribed = threading.Event()

        def answer(self, p) -> None:
            if p.proto_id == catalog.QOT_SUB:
                self.subscribed.set()  # before the reply: once the client has it, we know
            super().answer(p)

    srv = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        while True:
            try:
                sock, _ = srv.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = Paced(sock)
            clients.append(c)
            threading.Thread(target=c.serve, daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print(f"listening 127.0.0.1 {srv.getsockname()[1]}", flush=True)
    frames: list[bytes] = []
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] != "blast":
            break
        rate, seconds, step = float(words[1]), float(words[2]), float(words[3]) / 1000
        end = time.monotonic() + 5
        while not any(c.alive and c.subscribed.is_set() for c in clients) and time.monotonic() < end:
            time.sleep(0.01)
        targets = [c for c in clients if c.alive and c.subscribed.is_set()]
        if targets and not frames:  # distinct prices, one plaintext frame each, built once
            frames = [targets[0].channel.pack(catalog.QOT_UPDATE_BASIC_QOT, 0, ps.basic_qot_body(i))
                      for i in range(ps.POOL)]
        sent = pos = 0
        t0 = time.perf_counter()
        next_t = t0
        while targets:
            now = time.perf_counter()
            if now - t0 >= seconds:
                break
            want = int(rate * (now - t0)) - sent
            while want > 0:
                k = min(want, len(frames) - pos)
                block = b"".join(frames[pos:pos + k])
                for c in list(targets):
                    try:
                        c.send(block)
                    except OSError:
                        targets.remove(c)
                sent += k
                want -= k
                pos = (pos + k) % len(frames)
            next_t += step
            time.sleep(max(0.0, next_t - time.perf_counter()))
        print(f"sent {sent} {time.perf_counter() - t0:.4f}", flush=True)
    srv.close()
    return 0


class ProcessSource:
    """The parent's side of :func:`serve_source`: start it, read its port, blast, stop it."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).resolve()), "--serve-source",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode()
        if not line.startswith("listening "):
            raise RuntimeError(f"the push source did not start: {line!r}")
        self.port = int(line.split()[2])

    def begin(self, rate: float, seconds: float, step_ms: float) -> None:
        self.proc.stdin.write(f"blast {rate} {seconds} {step_ms}\n".encode())

    async def result(self, timeout: float) -> tuple[int, float]:
        """(pushes written, seconds the blast took) once the blast ended."""
        line = (await asyncio.wait_for(self.proc.stdout.readline(), timeout)).decode().split()
        if not line or line[0] != "sent":
            raise RuntimeError(f"the push source failed: {line!r}")
        return int(line[1]), float(line[2])

    async def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        try:
            proc.stdin.write(b"quit\n")
            proc.stdin.close()
            await asyncio.wait_for(proc.wait(), 10)
        except (OSError, asyncio.TimeoutError):
            proc.kill()  # our own child, by its handle
            await proc.wait()


async def run_once(args) -> dict:
    from PySide6.QtCore import Qt, QTimer

    from opendeck.core.config import Endpoint
    from opendeck.core.gateway.server import DemoGateway
    from opendeck.core.session import Session

    tmp = Path(tempfile.mkdtemp(prefix="opendeck-flood-"))
    gw = source = None
    if args.source == "inprocess":
        gw = DemoGateway(host="127.0.0.1", port=0, push_rate=0.0, keepalive_interval=10, seed=1)
        gw.notify_interval = 1e9  # no periodic Notify during the blast: every push counted is blasted
        await gw.start()
        port = gw.port
    else:
        source = ProcessSource()
        await source.start()
        port = source.port
    ep = Endpoint(name="Flood demo", host="127.0.0.1", port=port, id="flood")
    session = Session([ep], journal_path=tmp / "journal.sqlite3")
    win, dock, what = build_window(session, args.window, args.cap)
    win.resize(1400, 900)
    win.show()
    if args.watchlist:  # the watchlist, ladder and tape open during the blast (issue 12)
        if not hasattr(win, "show_watchlist") or not win.show_watchlist():
            raise RuntimeError("--watchlist needs the main window with its Watchlist view")
        what += " +watchlist"

    qt_gaps, aio_gaps = GapRecorder(), GapRecorder()
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(5)
    ticker.timeout.connect(qt_gaps.tick)
    ticker.start()
    stop = asyncio.Event()

    async def aio_ticker() -> None:
        while not stop.is_set():
            aio_gaps.tick()
            await asyncio.sleep(0.005)

    rss: list[tuple[float, float]] = []

    async def rss_sampler(t0: float) -> None:
        while not stop.is_set():
            rss.append((time.perf_counter() - t0, rss_mib()))
            await asyncio.sleep(0.5)

    if args.freeze == "startup":
        freeze_now()

    handle = await session.open("flood", "quote")
    await handle.wait_ready(10)
    await handle.ctx.subscribe(["HK.00700", "US.AAPL"], ["basic"], first_push=False)
    await asyncio.sleep(0.3)  # let the window settle before measuring
    if args.freeze == "ready":
        freeze_now()
    qt_gaps.reset()
    aio_gaps.reset()
    rss_start = rss_mib()
    tasks = [asyncio.ensure_future(aio_ticker())]

    profiler = None
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()

    gc_pauses: list[tuple[float, float, str]] = []  # (wall ms, CPU ms, thread)
    gc_start = [0.0, 0.0]

    def on_gc(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                gc_start[:] = [time.perf_counter(), time.thread_time()]
            else:
                import threading
                gc_pauses.append(((time.perf_counter() - gc_start[0]) * 1000,
                                  (time.thread_time() - gc_start[1]) * 1000,
                                  threading.current_thread().name))

    import gc
    gc.callbacks.append(on_gc)
    preempt0 = preempted()
    steal0 = steal_ticks()
    # a bare Python 5 ms sleeper in another process: the stalls it sees are the machine's
    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE, str(args.seconds + 1.0), stdout=asyncio.subprocess.PIPE)
    base = session.pushes.last_seq  # pushes before the blast (first pushes, notifications)
    t0 = time.perf_counter()
    tasks.append(asyncio.ensure_future(rss_sampler(t0)))
    sent = 0
    step = args.step / 1000
    if source is not None:  # the other process paces and writes; this one only reads
        source.begin(args.rate, args.seconds, args.step)
        sent, blast_s = await source.result(args.seconds + 120)
    else:
        deadline = t0 + args.seconds
        next_t = t0
        while True:
            now = time.perf_counter()
            if now >= deadline:
                break
            want = int(args.rate * (now - t0)) - sent
            if want > 0:
                sent += await gw.blast(want, batch=512)
            next_t += step
            delay = next_t - time.perf_counter()
            await asyncio.sleep(max(0.0, delay))
        blast_s = time.perf_counter() - t0
    preempt = preempted() - preempt0
    steal_ms = (steal_ticks() - steal0) * 1000 / os.sysconf("SC_CLK_TCK")
    probe_out, _ = await probe.communicate()
    probe_max = float(probe_out.decode().strip() or 0)

    # wait until the client has read everything the gateway wrote (bounded), then the view
    t_drain = time.perf_counter()
    while session.pushes.last_seq - base < sent and time.perf_counter() - t_drain < 30:
        await asyncio.sleep(0.01)
    drain_s = time.perf_counter() - t_drain
    await asyncio.sleep(0.3)  # a few more flushes
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    stop.set()
    ticker.stop()
    gc.callbacks.remove(on_gc)
    for t in tasks:
        await t

    received = session.pushes.last_seq
    journal_ok = session.journal.flush(60)
    journal_rows = session.journal.count()
    rows = dock.model.rowCount()
    result = {
        "what": f"{args.source}: " + what + (f" +freeze@{args.freeze}" if args.freeze != "none" else "") + f" gc:{args.gc}",
        "target_rate": args.rate,
        "seconds": round(blast_s, 2),
        "sent": sent,
        "achieved_rate": round(sent / blast_s),
        "received": received,
        "journal": journal_rows,
        "journal_synced": journal_ok,
        "lost": sent - (received - base),
        "journal_missing": received - journal_rows,
        "rows": rows,
        "row_cap": dock.row_cap,
        "seen": dock.seen,
        "shown_total": dock.shown_total,
        "drain_s": round(drain_s, 3),
        "qt_max_gap_ms": round(max(qt_gaps.gaps, default=0), 1),
        "qt_max_gap_cpu_ms": round(qt_gaps.worst_cpu, 1),
        "qt_max_busy_ms": round(max(qt_gaps.cpu, default=0), 1),
        "probe_max_gap_ms": probe_max,
        "steal_ms": round(steal_ms),
        "qt_p50_gap_ms": round(pct(qt_gaps.gaps, 50), 2),
        "qt_p99_gap_ms": round(pct(qt_gaps.gaps, 99), 2),
        "aio_max_gap_ms": round(max(aio_gaps.gaps, default=0), 1),
        "aio_p50_gap_ms": round(pct(aio_gaps.gaps, 50), 2),
        "aio_p99_gap_ms": round(pct(aio_gaps.gaps, 99), 2),
        "preempted": preempt,
        "loadavg": float(open("/proc/loadavg").read().split()[0]),
        "gc_full": len(gc_pauses),
        "gc_full_max_ms": round(max((w for w, _, _ in gc_pauses), default=0), 1),
        "gc_full_max_cpu_ms": round(max((c for _, c, _ in gc_pauses), default=0), 1),
        "gc_full_threads": sorted({t for _, _, t in gc_pauses}),
        "gc_tracked_end": len(gc.get_objects()),
        "gc_top_types": __import__("collections").Counter(
            type(o).__name__ for o in gc.get_objects()).most_common(6),
        "flushes": dock.flushes,
        "flush_max_ms": round(dock.max_flush_ms, 1),
        "rss_start_mib": round(rss_start, 1),
        "rss_peak_mib": round(max((r for _, r in rss), default=rss_start), 1),
        "rss_end_mib": round(rss_mib(), 1),
        "rss_series": [(round(t, 1), round(r, 1)) for t, r in rss[::4]],
    }
    await session.aclose()
    if gw is not None:
        await gw.stop()
    if source is not None:
        await source.stop()
    win.close()
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    return result


def single(args) -> dict:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = None
    if args.gc == "gui-thread":  # as gui/app.py does
        from opendeck.gui.gcguard import GuiThreadCollector
        collector = GuiThreadCollector(parent=app)
    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return runner.run(run_once(args))
    finally:
        if collector is not None:
            collector.stop()


# ------------------------------------------------------------------------------------------
# many runs (subprocesses) and the table
# ------------------------------------------------------------------------------------------
ROWS = [
    ("window under test", "what", "{}"),
    ("blast rate target / achieved (msg/s)", None, None),
    ("pushes sent / received / in journal", None, None),
    ("lost (sent - received)", "lost", "{}"),
    ("missing in journal", "journal_missing", "{}"),
    ("rows in view (cap)", None, None),
    ("worst loop stall, QTimer 5 ms (ms)", "qt_max_gap_ms", "{:.1f}"),
    ("  main-thread CPU inside it (ms)", "qt_max_gap_cpu_ms", "{:.1f}"),
    ("longest busy stretch: CPU in one gap (ms)", "qt_max_busy_ms", "{:.1f}"),
    ("machine noise: idle probe's worst gap (ms)", "probe_max_gap_ms", "{:.1f}"),
    ("tick gap p50 / p99, QTimer (ms)", None, None),
    ("worst loop stall, asyncio 5 ms (ms)", "aio_max_gap_ms", "{:.1f}"),
    ("tick gap p50 / p99, asyncio (ms)", None, None),
    ("dock flushes / worst flush (ms)", None, None),
    ("full GC runs / worst full GC wall (CPU) (ms)", None, None),
    ("client drain after blast (s)", "drain_s", "{:.2f}"),
    ("main thread preempted (times) / load avg", None, None),
    ("hypervisor steal during the blast (ms)", None, None),
    ("RSS start / peak / end (MiB)", None, None),
]


def cell(r: dict, label: str) -> str:
    if label.startswith("blast rate"):
        return f"{r['target_rate']:,} / {r['achieved_rate']:,}"
    if label.startswith("pushes sent"):
        return f"{r['sent']:,} / {r['received']:,} / {r['journal']:,} "
    if label.startswith("rows in view"):
        return f"{r['rows']:,} ({r['row_cap']:,})"
    if label.startswith("tick gap p50 / p99, QTimer"):
        return f"{r['qt_p50_gap_ms']:.2f} / {r['qt_p99_gap_ms']:.2f}"
    if label.startswith("tick gap p50 / p99, asyncio"):
        return f"{r['aio_p50_gap_ms']:.2f} / {r['aio_p99_gap_ms']:.2f}"
    if label.startswith("dock flushes"):
        return f"{r['flushes']} / {r['flush_max_ms']:.1f}"
    if label.startswith("main thread preempted"):
        return f"{r['preempted']:,} / {r['loadavg']:.2f}"
    if label.startswith("hypervisor steal"):
        return f"{r['steal_ms']:,}"
    if label.startswith("full GC"):
        return f"{r['gc_full']} / {r['gc_full_max_ms']:.1f} ({r['gc_full_max_cpu_ms']:.1f} CPU)"
    if label.startswith("RSS"):
        return f"{r['rss_start_mib']:.0f} / {r['rss_peak_mib']:.0f} / {r['rss_end_mib']:.0f}"
    return ""


def median_result(results: list[dict]) -> dict:
    med: dict = {}
    for k, v in results[0].items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            med[k] = v
        else:
            m = statistics.median(r[k] for r in results)
            med[k] = int(m) if isinstance(v, int) and float(m).is_integer() else m
    return med


def print_table(results: list[dict]) -> None:
    cols = [f"run {i + 1}" for i in range(len(results))]
    if len(results) > 1:
        results = results + [median_result(results)]
        cols.append("median")
    width = max(len(label) for label, _, _ in ROWS) + 2
    colw = max(24, *(len(c) for c in cols), *(len(str(r["what"])) + 2 for r in results))
    print("".ljust(width) + "".join(c.rjust(colw) for c in cols))
    for label, key, fmt in ROWS:
        vals = []
        for r in results:
            vals.append(fmt.format(r[key]) if key else cell(r, label))
        print(label.ljust(width) + "".join(v.rjust(colw) for v in vals))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=int, default=20_000, help="pushes per second (default 20000)")
    ap.add_argument("--seconds", type=float, default=10.0, help="blast duration (default 10)")
    ap.add_argument("--source", choices=("process", "inprocess"), default="process",
                    help="pushes from a separate process (default) or from a DemoGateway in "
                         "the window's own process")
    ap.add_argument("--step", type=float, default=None,
                    help="pacing step in ms (default 5 with --source process, 20 inprocess)")
    ap.add_argument("--serve-source", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cap", type=int, default=50_000, help="row cap of the view")
    ap.add_argument("--runs", type=int, default=3, help="fresh processes to run (default 3)")
    ap.add_argument("--window", choices=("auto", "window", "dock"), default="auto",
                    help="the real main window if present (auto), insist on it, or the dock only")
    ap.add_argument("--freeze", choices=("none", "startup", "ready"), default="ready",
                    help="gc.collect() + gc.freeze() once: after the window is built (startup) "
                         "or after the quote context is ready and subscribed (ready, default: "
                         "what the app does)")
    ap.add_argument("--gc", choices=("gui-thread", "automatic"), default="gui-thread",
                    help="garbage collection from a GUI-thread timer as the app does "
                         "(default), or Python's automatic collection")
    ap.add_argument("--watchlist", action="store_true",
                    help="raise the Watchlist tab (watchlist + ladder + tape) during the blast")
    ap.add_argument("--once", action="store_true", help="one run in this process")
    ap.add_argument("--json", action="store_true", help="print the result(s) as JSON")
    ap.add_argument("--profile", metavar="FILE", help="cProfile the blast phase into FILE (--once)")
    args = ap.parse_args(argv)
    if args.serve_source:
        return serve_source()
    if args.step is None:
        args.step = 5.0 if args.source == "process" else 20.0

    if args.once or args.profile:
        result = single(args)
        if args.json:
            print(json.dumps(result))
        else:
            print_table([result])
        return 0 if result["lost"] == 0 and result["journal_missing"] == 0 else 1

    results = []
    for i in range(args.runs):
        cmd = [sys.executable, __file__, "--once", "--json", "--source", args.source,
               "--rate", str(args.rate),
               "--seconds", str(args.seconds), "--step", str(args.step), "--cap", str(args.cap),
               "--window", args.window, "--freeze", args.freeze, "--gc", args.gc]
        if args.watchlist:
            cmd.append("--watchlist")
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        line = next((x for x in reversed(out.stdout.splitlines()) if x.startswith("{")), None)
        if line is None:
            print(out.stdout, out.stderr, file=sys.stderr)
            return 2
        results.append(json.loads(line))
        print(f"run {i + 1}/{args.runs}: worst stall {results[-1]['qt_max_gap_ms']} ms, "
              f"{results[-1]['received']:,} pushes", file=sys.stderr)
    if args.json:
        print(json.dumps({"runs": results, "median": median_result(results)}))
    else:
        print_table(results)
        print("\nRSS over time, run 1 (s, MiB):", results[0]["rss_series"])
    bad = any(r["lost"] or r["journal_missing"] for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
