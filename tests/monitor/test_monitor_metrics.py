"""Metric updates from typed events and ring samples: no network, no clock."""

from __future__ import annotations

import io
import itertools
import json
import random

import pytest
from opendeck.core import catalog
from opendeck.core.events import (
    ConnState,
    ContextKind,
    ErrorRaised,
    HandshakeDone,
    HandshakeInfo,
    Heartbeat,
    JournalStatus,
    Notice,
    StateChanged,
    Transport,
)
from opendeck.core.monitor.logline import LogWriter
from opendeck.core.monitor.metrics import ROW_FIELDS, MonitorMetrics, market_state_name
from opendeck.core.monitor.runner import SlowRetry
from opendeck.core.session import PushLog
from prometheus_client import generate_latest

Q = ContextKind.QUOTE


def value(m: MonitorMetrics, name: str, **labels) -> float | None:
    return m.registry.get_sample_value(name, labels)


@pytest.fixture
def m() -> MonitorMetrics:
    m = MonitorMetrics()
    m.track("id1", "home", [Q, ContextKind.TRADE_SEC])
    return m


def state(old, new, ep="id1", ctx=Q, **kw) -> StateChanged:
    return StateChanged(endpoint=ep, context=ctx, old=old, new=new, **kw)


def info(**kw) -> HandshakeInfo:
    d = dict(server_ver=1011, login_user_id=1, conn_id=2, keepalive_interval=10, encryption="none",
             aes_key="", aes_iv="", user_attribution=1, connect_ms=3.0, handshake_ms=7.0)
    d.update(kw)
    return HandshakeInfo(**d)


def test_tracked_contexts_start_down_and_idle(m):
    for ctx in ("quote", "trade-sec"):
        assert value(m, "opendeck_context_up", endpoint="home", context=ctx) == 0
        assert value(m, "opendeck_context_state", endpoint="home", context=ctx, state="idle") == 1
        assert sum(value(m, "opendeck_context_state", endpoint="home", context=ctx, state=str(s))
                   for s in ConnState) == 1


def test_state_one_hot_and_up_follow_events(m):
    path = [ConnState.IDLE, ConnState.CONNECTING, ConnState.HANDSHAKING, ConnState.READY]
    for old, new in itertools.pairwise(path):
        m.observe(state(old, new))
        for s in ConnState:
            want = 1 if s is new else 0
            assert value(m, "opendeck_context_state", endpoint="home", context="quote", state=str(s)) == want
        assert value(m, "opendeck_context_up", endpoint="home", context="quote") == (new is ConnState.READY)
    # the other context is untouched
    assert value(m, "opendeck_context_up", endpoint="home", context="trade-sec") == 0
    m.observe(state(ConnState.READY, ConnState.FAILED, reason="login refused"))
    assert value(m, "opendeck_context_up", endpoint="home", context="quote") == 0
    assert value(m, "opendeck_context_state", endpoint="home", context="quote", state="failed") == 1


def test_reconnects_count_entries_into_reconnecting(m):
    for _ in range(3):
        m.observe(state(ConnState.READY, ConnState.RECONNECTING, retry_in=1.0))
        m.observe(state(ConnState.RECONNECTING, ConnState.CONNECTING))
    assert value(m, "opendeck_reconnects_total", endpoint="home", context="quote") == 3


def test_heartbeats_rtt_histogram_and_missed(m):
    for rtt in (0.4, 2.0, 30.0):
        m.observe(Heartbeat(endpoint="id1", context=Q, rtt_ms=rtt))
    m.observe(Heartbeat(endpoint="id1", context=Q, rtt_ms=None, missed=1))
    m.observe(Heartbeat(endpoint="id1", context=Q, rtt_ms=None, missed=2))
    labels = dict(endpoint="home", context="quote")
    assert value(m, "opendeck_heartbeat_rtt_seconds_count", **labels) == 3
    assert value(m, "opendeck_heartbeat_rtt_seconds_sum", **labels) == pytest.approx(0.0324)
    assert value(m, "opendeck_heartbeat_rtt_seconds_bucket", le="0.0005", **labels) == 1
    assert value(m, "opendeck_heartbeat_rtt_seconds_bucket", le="0.0025", **labels) == 2
    assert value(m, "opendeck_heartbeat_rtt_seconds_bucket", le="+Inf", **labels) == 3
    assert value(m, "opendeck_heartbeats_missed_total", **labels) == 2


def test_handshake_histogram_and_gateway_info(m):
    m.observe(HandshakeDone(endpoint="id1", context=Q, info=info()))
    labels = dict(endpoint="home", context="quote")
    assert value(m, "opendeck_handshake_seconds_count", **labels) == 1
    assert value(m, "opendeck_handshake_seconds_sum", **labels) == pytest.approx(0.010)
    assert value(m, "opendeck_gateway_info", endpoint="home", transport="tcp", server_ver="1011",
                 server_build="") == 1
    # GetGlobalState adds the build; a WebSocket handshake changes the transport: one series each time
    m.set_global_state("id1", {"serverVer": 1011, "serverBuildNo": 7108})
    m.observe(HandshakeDone(endpoint="id1", context=ContextKind.TRADE_SEC,
                            info=info(transport=Transport.WS)))
    text = generate_latest(m.registry).decode()
    info_lines = [ln for ln in text.splitlines() if ln.startswith("opendeck_gateway_info{")]
    assert info_lines == [('opendeck_gateway_info{endpoint="home",server_build="7108",server_ver="1011",'
                           'transport="ws"} 1.0')]


def test_errors_by_type_fold_repeats(m):
    m.observe(ErrorRaised(endpoint="id1", context=Q, error_type="ConnectionLost", text="x"))
    m.observe(ErrorRaised(endpoint="id1", context=Q, error_type="ConnectionLost", text="x", count=4))
    assert value(m, "opendeck_errors_total", endpoint="home", context="quote", type="ConnectionLost") == 5


def test_events_without_context_leave_context_series_alone(m):
    before = generate_latest(m.registry)
    m.observe(Notice(text="demo gateway listening"))
    m.observe(Notice(endpoint="id1", text="restored"))
    assert generate_latest(m.registry) == before


def test_journal_status_lag_and_errors(m):
    m.observe(JournalStatus(lag_rows=1200, reading_paused=True))
    assert value(m, "opendeck_journal_lag_rows") == 1200
    m.observe(JournalStatus(lag_rows=50, error="disk full", unsaved=10))
    m.observe(JournalStatus(lag_rows=50, error="disk full", unsaved=20))  # the same failure
    assert value(m, "opendeck_journal_lag_rows") == 50
    assert value(m, "opendeck_journal_errors_total") == 1


def _rows(log: PushLog, ep: str, ctx: str, pid: int, n: int, *, t: float = 100.0, size: int = 10,
          security: str = "HK.00700") -> None:
    """Append n rows in the session's row schema (built by field name)."""
    for i in range(n):
        row = dict(seq=log.next_seq(), time=t + i, endpoint=ep, context=ctx, proto_id=pid, fmt=0,
                   serial=0, body=b"x" * size, security=security, summary="", error="")
        log.extend([tuple(row[f] for f in ROW_FIELDS)])


def test_push_samples_count_by_proto_bytes_and_last_time(m):
    ring = PushLog(1000)
    _rows(ring, "id1", "quote", catalog.QOT_UPDATE_BASIC_QOT, 5, size=10)
    _rows(ring, "id1", "quote", catalog.NOTIFY, 1, t=200.0, size=3)
    assert m.sample_pushes(ring) == 6
    assert m.sample_pushes(ring) == 0  # nothing new, nothing counted twice
    _rows(ring, "id1", "quote", catalog.QOT_UPDATE_BASIC_QOT, 2, t=300.0, size=10)
    assert m.sample_pushes(ring) == 2
    q = dict(endpoint="home", context="quote")
    assert value(m, "opendeck_pushes_total", proto="Qot_UpdateBasicQot", **q) == 7
    assert value(m, "opendeck_pushes_total", proto="Notify", **q) == 1
    assert value(m, "opendeck_push_bytes_total", **q) == 73
    assert value(m, "opendeck_last_push_timestamp_seconds", **q) == 301.0
    assert value(m, "opendeck_symbol_pushes_total", proto="Notify", security="HK.00700", **q) is None


def test_push_rows_evicted_before_sampling_are_counted_apart(m):
    ring = PushLog(8)
    _rows(ring, "id1", "quote", catalog.QOT_UPDATE_BASIC_QOT, 20)
    counted = m.sample_pushes(ring)
    assert counted == len(ring)
    assert value(m, "opendeck_pushes_unsampled_total") == 20 - counted
    assert value(m, "opendeck_pushes_total", endpoint="home", context="quote",
                 proto="Qot_UpdateBasicQot") == counted


def test_per_symbol_series_only_when_asked():
    m = MonitorMetrics(per_symbol=True)
    m.track("e", "box", [Q])
    ring = PushLog(100)
    _rows(ring, "e", "quote", catalog.QOT_UPDATE_BASIC_QOT, 3, security="HK.00700")
    _rows(ring, "e", "quote", catalog.QOT_UPDATE_BASIC_QOT, 2, security="US.AAPL")
    m.sample_pushes(ring)
    assert value(m, "opendeck_symbol_pushes_total", endpoint="box", context="quote",
                 proto="Qot_UpdateBasicQot", security="US.AAPL") == 2


def test_market_state_keeps_one_series_per_market(m):
    m.set_global_state("id1", {"marketHK": 3, "marketUS": 6, "qotLogined": True})
    assert market_state_name(3) == "Morning"
    assert value(m, "opendeck_market_state", endpoint="home", market="HK", state="Morning") == 1
    m.set_global_state("id1", {"marketHK": 4, "marketUS": 6})
    assert value(m, "opendeck_market_state", endpoint="home", market="HK", state="Morning") is None
    assert value(m, "opendeck_market_state", endpoint="home", market="HK", state="Rest") == 1
    assert value(m, "opendeck_market_state", endpoint="home", market="US", state="Closed") == 1
    assert market_state_name(999) == "999"


def test_slow_retry_grows_to_its_cap():
    r = SlowRetry(first=30, cap=300)
    assert [r.delay(n) for n in range(6)] == [30, 60, 120, 240, 300, 300]
    assert r.delay(10_000) == 300


def test_log_lines_logfmt_and_json():
    out = io.StringIO()
    log = LogWriter("logfmt", out)
    log.event(state(ConnState.CONNECTING, ConnState.RECONNECTING, reason='refused "x"', retry_in=1.25),
              "home")
    err = ErrorRaised(endpoint="id1", context=Q, error_type="ConnectionLost", text="refused")
    log.event(err, "home")
    log.event(err, "home")  # a repeat: counted in the metrics, not logged again
    log.event(Heartbeat(endpoint="id1", context=Q, rtt_ms=1.0), "home")  # answered: not logged
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert "level=warning event=state endpoint=home context=quote old=connecting new=reconnecting" in lines[0]
    assert 'reason="refused \\"x\\"" retry_in=1.2' in lines[0]
    out = io.StringIO()
    LogWriter("json", out).event(state(ConnState.HANDSHAKING, ConnState.READY), "home")
    rec = json.loads(out.getvalue())
    assert rec["event"] == "state" and rec["new"] == "ready" and rec["endpoint"] == "home"
    assert rec["ts"].endswith("Z")


def test_cached_text_exposition_is_generate_latest_byte_for_byte():
    """After every kind of update the cached render says exactly what generate_latest says
    (a family whose version was not bumped would show a stale value here)."""
    from types import SimpleNamespace

    from opendeck.core.monitor.exposition import TextExposition
    rng = random.Random(13)
    m = MonitorMetrics(per_symbol=True)
    m._text = TextExposition(max_cached=64)  # small: the prefix cache also clears and refills
    ring = PushLog(64)
    journal = SimpleNamespace(backlog=0, error=None)
    eps = []
    states, kinds = list(ConnState), [Q, ContextKind.TRADE_SEC]

    def some_ep() -> str:
        if not eps or rng.random() < 0.05:
            eps.append(f"e{len(eps)}")
            m.track(eps[-1], f'gw "{len(eps)}"\\x', kinds[:rng.randint(1, 2)])
        return rng.choice(eps)

    ops = [
        lambda: m.observe(state(rng.choice(states), rng.choice(states), ep=some_ep(),
                                ctx=rng.choice(kinds))),
        lambda: m.observe(HandshakeDone(endpoint=some_ep(), context=Q, info=info(
            server_ver=rng.choice([1011, 1012]), transport=rng.choice(list(Transport))))),
        lambda: m.observe(Heartbeat(endpoint=some_ep(), context=Q, rtt_ms=rng.random() * 20)),
        lambda: m.observe(Heartbeat(endpoint=some_ep(), context=Q, rtt_ms=None, missed=1)),
        lambda: m.observe(ErrorRaised(endpoint=some_ep(), context=Q, error_type=rng.choice(
            ["ConnectionLost", "LoginRefused"]), text="x", count=rng.randint(1, 3))),
        lambda: m.observe(JournalStatus(lag_rows=rng.randint(0, 9), error=rng.choice(["", "full"]))),
        lambda: _rows(ring, some_ep(), rng.choice(["quote", "trade-sec"]),
                      rng.choice([catalog.NOTIFY, catalog.QOT_UPDATE_TICKER]), rng.randint(1, 30),
                      security=rng.choice(["HK.00700", "US.AAPL"])),
        lambda: m.sample_pushes(ring),
        lambda: m.set_global_state(some_ep(), {"marketHK": rng.choice([3, 4, 6]),
                                               "serverVer": 1011, "serverBuildNo": rng.randint(1, 2)}),
        lambda: (setattr(journal, "backlog", rng.randint(0, 99)), m.sample_journal(journal)),
        lambda: (setattr(journal, "error", OSError(rng.choice(["a", "b"]))), m.sample_journal(journal)),
        lambda: m.scraped(rng.random(), rng.random()),
        lambda: m.loop_lag.set(rng.random()),
    ]
    for i in range(400):
        ops[rng.randrange(len(ops))]()
        if i % 7 == 0 or i > 380:
            assert m.render() == generate_latest(m.registry), f"after op {i}"
