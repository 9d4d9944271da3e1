"""`opendeck monitor` scraped by the real Prometheus, and the shipped files checked by promtool."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from monitor_procs import Prometheus, http_get, start_gateway, start_monitor, wait_until

pytestmark = [pytest.mark.prometheus, pytest.mark.usefixtures("prometheus_tools")]

SHIPPED = Path(__file__).resolve().parents[2] / "packaging" / "monitoring"


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], input=stdin, check=False, capture_output=True, text=True,
                          timeout=60)


def test_shipped_config_and_rules_pass_promtool():
    r = promtool("check", "config", str(SHIPPED / "prometheus.yml"))
    assert r.returncode == 0, r.stdout + r.stderr
    r = promtool("check", "rules", str(SHIPPED / "alerts.yml"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: 8 rules found" in r.stdout
    # what the alerts do on synthetic series (context down 1 min, RTT p99, no pushes, journal lag)
    r = promtool("test", "rules", str(SHIPPED / "alerts_test.yml"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_prometheus_sees_a_gateway_go_down_and_the_other_stay_up(tmp_path):
    procs = []
    try:
        gw_a, addr_a = start_gateway()
        procs.append(gw_a)
        gw_b, addr_b = start_gateway()
        procs.append(gw_b)
        mon, url = start_monitor(addr_a, addr_b, "--subscribe", "HK.00700", "--log-format", "logfmt")
        procs.append(mon)
        prom = Prometheus(tmp_path, [url.split("/")[2]], [SHIPPED / "alerts.yml"])
        procs.append(prom.proc)
        up = "opendeck_context_up"

        def show() -> str:
            return f"up={prom.query(up)} monitor log tail: {mon.stderr()[-1500:]}"

        # 1. both contexts up, as Prometheus scraped them
        wait_until(lambda: prom.query(up) == {addr_a: 1.0, addr_b: 1.0}, "both contexts up",
                   describe=show)
        print("both up:", prom.query(up))
        # the shipped rules loaded in the real server too
        names = {r["name"] for g in prom.api("rules")["groups"] for r in g["rules"]}
        assert len(names) == 8 and "OpenDeckContextDown" in names
        # every query of the shipped Grafana dashboard is PromQL this Prometheus accepts
        dash = json.loads((SHIPPED / "grafana-dashboard.json").read_text())
        exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
        for expr in exprs:
            prom.api("query", query=expr.replace("$endpoint", ".*").replace("$__rate_interval", "1m"))
        pushes = 'sum by (endpoint) (opendeck_pushes_total{proto="Qot_UpdateBasicQot"})'
        before = wait_until(lambda: prom.query(pushes).get(addr_a), "pushes from A in Prometheus")
        print("pushes before the stop:", prom.query(pushes))

        # 2. gateway B stops (by its PID): its series goes to 0, A's stays 1
        assert gw_b.stop() == 0
        def b_down() -> dict | None:
            q = prom.query(up)
            return q if q.get(addr_b) == 0.0 else None
        after_stop = wait_until(b_down, "B's context down in Prometheus", describe=show)
        assert after_stop[addr_a] == 1.0
        print("after stopping B:", after_stop)
        states = prom.query(f'opendeck_context_state{{endpoint="{addr_b}"}} == 1', by="state")
        assert set(states) <= {"reconnecting", "connecting", "handshaking"}, states
        print("B's state:", states)
        assert f"endpoint={addr_b} context=quote old=ready new=reconnecting" in mon.stderr()

        # 3. A's pushes keep growing
        wait_until(lambda: prom.query(pushes).get(addr_a, 0) > before, "A's pushes to grow",
                   describe=lambda: f"before={before} now={prom.query(pushes)}")
        assert prom.query(up)[addr_a] == 1.0
        print("pushes later:", prom.query(pushes))

        # 4. the exposition itself passes promtool's linter
        status, text = http_get(url)
        assert status == 200 and "opendeck_heartbeat_rtt_seconds_bucket" in text
        r = promtool("check", "metrics", stdin=text)
        assert r.returncode == 0, r.stdout + r.stderr

        # 5. SIGTERM: every context closed, exit 0
        assert mon.stop() == 0, mon.stderr()[-2000:]
        assert "event=stopped" in mon.stderr()
        assert f"endpoint={addr_a} context=quote old=closing new=closed" in mon.stderr()
    finally:
        for p in reversed(procs):
            p.stop()


def test_systemd_unit_verifies(tmp_path):
    """`systemd-analyze verify` on the shipped unit (its binary pointed at this venv's)."""
    import shutil
    import sys
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed (package systemd); the unit is checked where it is")
    unit = (SHIPPED / "opendeck-monitor.service").read_text()
    assert "ExecStart=/usr/bin/opendeck monitor --config /etc/opendeck/endpoints.toml" in unit
    assert "WantedBy=multi-user.target" in unit
    copy = tmp_path / "opendeck-monitor.service"
    copy.write_text(unit.replace("/usr/bin/opendeck", str(Path(sys.executable).parent / "opendeck")))
    r = subprocess.run(["systemd-analyze", "verify", str(copy)], check=False, capture_output=True, text=True,
                       timeout=60)
    problems = [ln for ln in (r.stdout + r.stderr).splitlines() if "opendeck-monitor" in ln]
    assert r.returncode == 0 and not problems, r.stdout + r.stderr
