"""What `opendeck monitor` costs: N endpoints x quote context against one demo gateway.

    .venv/bin/python bench/monitor_cost.py                      # 100 endpoints, 30 s idle
    .venv/bin/python bench/monitor_cost.py --endpoints 100 --seconds 60 --subscribe HK.00700
    .venv/bin/python bench/monitor_cost.py --json

What one run does:

1. Start ``opendeck gateway --port 0`` (keepalive 10 s, OpenD's default) as a subprocess.
2. Write a profile with N endpoints, all on that gateway (names ``gw-001`` ...), and start the
   monitor on it (``--metrics-port 0``) as a subprocess.
3. Wait until all N quote contexts are up, as the monitor's own /metrics says.
4. Idle window: for ``--seconds``, nobody scrapes. The monitor's CPU time (utime + stime from
   ``/proc/<pid>/stat``) over the wall time is its share of one core. Heartbeats (N every
   8 s), the once-a-second sampler and the GetGlobalState polls are all in it. The gateway's
   CPU is not.
5. Scrapes: ``--scrapes`` GETs of /metrics, one every 0.5 s. Wall time per scrape is measured
   at the client (connect to last byte, so it includes urllib reading 400 kB); the render time
   on the monitor's loop is read from ``opendeck_monitor_scrape_seconds`` (wall) and
   ``opendeck_monitor_scrape_cpu_seconds`` (CPU: wall minus CPU is the machine's doing). Median
   and worst of each are reported, with the size.
6. SIGTERM: the monitor must close every context and exit 0; the time it took is reported.

Timings belong here, never in the tests. The machine is shared, so run it when it is quiet and
quote the load average with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def first_line_with(proc: subprocess.Popen, text: str, timeout: float) -> str:
    box: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            if text in line:
                box.append(line)
                return

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(timeout)
    if not box:
        raise SystemExit(f"{proc.args[:3]} printed no {text!r} within {timeout:g} s")
    return box[0]


def get(url: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=10) as r:
        body = r.read()
    return time.perf_counter() - t0, body


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoints", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=30.0, help="idle window (default 30)")
    ap.add_argument("--scrapes", type=int, default=20)
    ap.add_argument("--subscribe", default="",
                    help="codes each quote context subscribes (default none: idle)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    gw = subprocess.Popen([str(BIN / "opendeck"), "gateway", "--port", "0"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    mon = None
    try:
        addr = first_line_with(gw, "listening on ", 30).split("listening on ")[1].split()[0]
        host, port = addr.rsplit(":", 1)
        tmp = Path(tempfile.mkdtemp(prefix="opendeck-monitor-bench-"))
        prof = tmp / "endpoints.toml"
        prof.write_text("version = 2\n" + "".join(
            f'[[endpoint]]\nname = "gw-{i:03d}"\nhost = "{host}"\nport = {port}\n'
            'connect_on_start = ["quote"]\n' for i in range(1, args.endpoints + 1)))
        cmd = [str(BIN / "opendeck"), "monitor", "--config", str(prof),
               "--metrics-port", "0", "--context", "quote"]
        if args.subscribe:
            cmd += ["--subscribe", args.subscribe]
        t_start = time.perf_counter()
        log = open(tmp / "monitor.log", "w+")  # noqa: SIM115 - the child writes it until the end
        mon = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            url = first_line_with(mon, "metrics on ", 60).split("metrics on ")[1].strip()
        except SystemExit:
            log.seek(0)
            print(log.read()[-2000:], file=sys.stderr)
            raise
        deadline = time.monotonic() + 120
        while True:
            body = get(url)[1].decode()
            up = sum(1 for ln in body.splitlines()
                     if ln.startswith("opendeck_context_up{") and ln.endswith(" 1.0"))
            if up == args.endpoints:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"only {up}/{args.endpoints} contexts up after 120 s")
            time.sleep(0.2)
        t_all_up = time.perf_counter() - t_start
        time.sleep(3.0)  # let the first GetGlobalState round and the start-up garbage settle

        load0 = os.getloadavg()[0]
        c0, w0 = cpu_seconds(mon.pid), time.perf_counter()
        time.sleep(args.seconds)
        c1, w1 = cpu_seconds(mon.pid), time.perf_counter()
        idle_pct = 100.0 * (c1 - c0) / (w1 - w0)

        times, renders, cpus, size, lines = [], [], [], 0, 0
        for _ in range(args.scrapes):
            dt, body = get(url)
            times.append(dt * 1000)
            size, lines = len(body), body.count(b"\n")
            # the previous scrape's render time on the monitor's loop, as it reports it
            renders += [float(ln.split()[1]) * 1000 for ln in body.decode().splitlines()
                        if ln.startswith("opendeck_monitor_scrape_seconds ")]
            cpus += [float(ln.split()[1]) * 1000 for ln in body.decode().splitlines()
                     if ln.startswith("opendeck_monitor_scrape_cpu_seconds ")]
            time.sleep(0.5)

        t0 = time.perf_counter()
        mon.send_signal(signal.SIGTERM)
        rc = mon.wait(60)
        t_stop = time.perf_counter() - t0
        mon = None
        res = {
            "endpoints": args.endpoints, "subscribe": args.subscribe or None,
            "all_up_s": round(t_all_up, 2),
            "idle_window_s": round(w1 - w0, 1), "idle_cpu_pct_of_one_core": round(idle_pct, 2),
            "scrape_ms_median": round(statistics.median(times), 2),
            "scrape_ms_max": round(max(times), 2),
            "render_ms_median": round(statistics.median(renders[1:]), 2),
            "render_ms_max": round(max(renders[1:]), 2),
            "render_cpu_ms_median": round(statistics.median(cpus[1:]), 2),
            "render_cpu_ms_max": round(max(cpus[1:]), 2),
            "scrape_bytes": size, "scrape_lines": lines,
            "sigterm_exit": rc, "sigterm_to_exit_s": round(t_stop, 2),
            "loadavg_1m": round(load0, 2), "cpus": os.cpu_count(),
        }
    finally:
        for p in (mon, gw):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:28} {v}")
    return 0 if res["sigterm_exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
