"""The monitor's Prometheus metrics: typed session events in, sampled push counters, one registry.

Two inputs, both cheap:

* :meth:`MonitorMetrics.observe` takes the session's typed events (state changes, handshakes,
  heartbeats, errors, journal status): low rate, one call each.
* :meth:`MonitorMetrics.sample_pushes` reads the session's push ring from where it stopped last
  time (about once a second, and before each scrape): pushes never cost a callback here.

Labels stay low-cardinality: ``endpoint`` is the endpoint's name (or ``host:port``), ``context``
one of three kinds, ``proto`` a proto name. Per-security series exist only with ``per_symbol``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from .. import catalog
from ..events import (
    ConnState,
    ContextKind,
    ErrorRaised,
    Event,
    HandshakeDone,
    Heartbeat,
    JournalStatus,
    StateChanged,
)
from ..pb import Qot_Common_pb2
from .exposition import TextExposition

try:  # the one push-row schema (core/pushrow.py), looked up by field name
    from ..pushrow import FIELDS as ROW_FIELDS
except ImportError:  # a tree from before core/pushrow.py
    from ..journal import ROW_FIELDS  # type: ignore[no-redef]

# positions in a push row (the ring's tuples)
_SEQ, _TIME, _EP, _CTX, _PID, _BODY, _SEC = (ROW_FIELDS.index(f) for f in (
    "seq", "time", "endpoint", "context", "proto_id", "body", "security"))

CTX = ("endpoint", "context")
RTT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
HANDSHAKE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STATE_PREFIX = "QotMarketState_"


def market_state_name(value: int) -> str:
    """``3`` -> ``Morning`` (names from the generated descriptor, not a hand copy)."""
    try:
        return Qot_Common_pb2.QotMarketState.Name(int(value)).removeprefix(_STATE_PREFIX)
    except ValueError:
        return str(value)


#: GetGlobalState fields that hold a market's state -> the ``market`` label
MARKET_FIELDS = {"marketHK": "HK", "marketUS": "US", "marketSH": "SH", "marketSZ": "SZ",
                 "marketHKFuture": "HKFuture", "marketUSFuture": "USFuture",
                 "marketSGFuture": "SGFuture", "marketJPFuture": "JPFuture", "marketSG": "SG",
                 "marketMY": "MY", "marketJP": "JP"}


class MonitorMetrics:
    """All ``opendeck_*`` series of one monitor process, in its own :class:`CollectorRegistry`."""

    def __init__(self, *, per_symbol: bool = False, registry: CollectorRegistry | None = None) -> None:
        self.registry = r = registry or CollectorRegistry()
        self.per_symbol = per_symbol
        self._labels: dict[str, str] = {}  # endpoint id -> endpoint label
        self._state: dict[tuple[str, str], ConnState] = {}
        self._seq = 0  # last push-ring seq counted
        self._proto_names: dict[int, str] = {}
        self._info: dict[str, tuple[str, str, str]] = {}  # label -> (transport, ver, build)
        self._markets: dict[tuple[str, str], str] = {}  # (label, market) -> state name
        self._journal_error = ""  # text of the last journal failure counted

        self.up = Gauge("opendeck_context_up", "1 while the context is ready, 0 otherwise", CTX,
                        registry=r)
        self.state = Gauge("opendeck_context_state",
                           "The context's connection state, one-hot: 1 on the current state",
                           (*CTX, "state"), registry=r)
        self.rtt = Histogram("opendeck_heartbeat_rtt_seconds",
                             "Round trip of answered heartbeats (KeepAlive or WebSocket ping)", CTX,
                             buckets=RTT_BUCKETS, registry=r)
        self.missed = Counter("opendeck_heartbeats_missed_total",
                              "Heartbeats that got no answer before the next one was due", CTX,
                              registry=r)
        self.reconnects = Counter("opendeck_reconnects_total",
                                  "Times the context lost its gateway and started reconnecting", CTX,
                                  registry=r)
        self.handshake = Histogram("opendeck_handshake_seconds",
                                   "Connect plus handshake time of each successful (re)connection",
                                   CTX, buckets=HANDSHAKE_BUCKETS, registry=r)
        self.errors = Counter("opendeck_errors_total", "Errors the context reported, by error type",
                              (*CTX, "type"), registry=r)
        self.pushes = Counter("opendeck_pushes_total", "Pushes received, by proto name",
                              (*CTX, "proto"), registry=r)
        self.push_bytes = Counter("opendeck_push_bytes_total", "Plaintext body bytes of pushes received",
                                  CTX, registry=r)
        self.last_push = Gauge("opendeck_last_push_timestamp_seconds",
                               "Unix time of the last push the context received", CTX, registry=r)
        self.unsampled = Counter("opendeck_pushes_unsampled_total",
                                 "Pushes that left the ring before the sampler counted them "
                                 "(counted in no other series)", registry=r)
        self.journal_lag = Gauge("opendeck_journal_lag_rows",
                                 "Pushes handed to the journal and not yet written (0 without one)",
                                 registry=r)
        self.journal_errors = Counter("opendeck_journal_errors_total",
                                      "Times the journal failed to write", registry=r)
        self.market = Gauge("opendeck_market_state",
                            "Market state from GetGlobalState: one series per market, value 1, the "
                            "current state in the state label", ("endpoint", "market", "state"),
                            registry=r)
        self.info = Gauge("opendeck_gateway_info", "The gateway behind an endpoint (value 1)",
                          ("endpoint", "transport", "server_ver", "server_build"), registry=r)
        self.loop_lag = Gauge("opendeck_monitor_loop_lag_seconds",
                              "How late the monitor's last periodic sample ran (event loop health)",
                              registry=r)
        self.scrape_seconds = Gauge("opendeck_monitor_scrape_seconds",
                                    "Wall time the previous /metrics render took on the monitor's loop",
                                    registry=r)
        self.scrape_cpu_seconds = Gauge("opendeck_monitor_scrape_cpu_seconds",
                                        "CPU time of the previous /metrics render (wall minus this: "
                                        "the machine gave the core to someone else)", registry=r)
        self.symbol_pushes = (Counter("opendeck_symbol_pushes_total",
                                      "Pushes received per security (only with --per-symbol)",
                                      (*CTX, "proto", "security"), registry=r)
                              if per_symbol else None)
        self.journal_lag.set(0)
        # every family in registry order; the ones changed only through the methods below
        # (rarely: state changes, handshakes, errors, market states) carry a version so a
        # scrape reuses their text until they change (see render())
        self._families = [c for c in (
            self.up, self.state, self.rtt, self.missed, self.reconnects, self.handshake, self.errors,
            self.pushes, self.push_bytes, self.last_push, self.unsampled, self.journal_lag,
            self.journal_errors, self.market, self.info, self.loop_lag, self.scrape_seconds,
            self.scrape_cpu_seconds, self.symbol_pushes) if c is not None]
        self._versions: dict[int, int] = {id(c): 0 for c in (
            self.up, self.state, self.missed, self.reconnects, self.handshake, self.errors,
            self.market, self.info)}
        self._text = TextExposition()

    def _changed(self, *families: Any) -> None:
        for f in families:
            self._versions[id(f)] += 1

    def render(self) -> bytes:
        """The text exposition of the registry (what ``generate_latest`` writes, for less)."""
        return self._text.render_families(
            (f, self._versions.get(id(f))) for f in self._families)

    # -------------------------------------------------------------------- endpoints
    def label(self, endpoint_id: str) -> str:
        return self._labels.get(endpoint_id, endpoint_id)

    def track(self, endpoint_id: str, label: str, kinds: Iterable[ContextKind | str]) -> None:
        """Name an endpoint and create its context series at once (up 0, state idle), so an
        endpoint that never answers is still a series."""
        self._labels[endpoint_id] = label
        for kind in kinds:
            key = (endpoint_id, str(kind))
            if key not in self._state:
                self._set_state(endpoint_id, str(kind), ConnState.IDLE)

    def _set_state(self, endpoint_id: str, context: str, new: ConnState) -> None:
        ep = self.label(endpoint_id)
        old = self._state.get((endpoint_id, context))
        if old is None:
            for st in ConnState:
                self.state.labels(ep, context, str(st)).set(1 if st is new else 0)
        elif old is not new:
            self.state.labels(ep, context, str(old)).set(0)
            self.state.labels(ep, context, str(new)).set(1)
        self._state[(endpoint_id, context)] = new
        self.up.labels(ep, context).set(1 if new is ConnState.READY else 0)
        self._changed(self.state, self.up)

    # -------------------------------------------------------------------- events
    def observe(self, event: Event) -> None:
        """Update the series from one typed event (events without a context only count when
        they are about the journal)."""
        if isinstance(event, JournalStatus):
            self.journal_lag.set(event.lag_rows)
            if event.error and event.error != self._journal_error:
                self._journal_error = event.error  # the same failure as the journal's own: once
                self.journal_errors.inc()
            return
        if event.context is None or not event.endpoint:
            return
        ep, ctx = self.label(event.endpoint), str(event.context)
        match event:
            case StateChanged(new=new):
                self._set_state(event.endpoint, ctx, new)
                if new is ConnState.RECONNECTING:
                    self.reconnects.labels(ep, ctx).inc()
                    self._changed(self.reconnects)
            case HandshakeDone(info=info):
                self.handshake.labels(ep, ctx).observe(max(0.0, info.connect_ms + info.handshake_ms) / 1000)
                self._changed(self.handshake)
                old = self._info.get(ep)
                build = old[2] if old and old[1] == str(info.server_ver) else ""
                self._set_info(ep, str(info.transport), str(info.server_ver), build)
            case Heartbeat(rtt_ms=None):
                self.missed.labels(ep, ctx).inc()
                self._changed(self.missed)
            case Heartbeat(rtt_ms=rtt):
                self.rtt.labels(ep, ctx).observe(max(0.0, rtt) / 1000)
            case ErrorRaised(error_type=etype, count=n):
                self.errors.labels(ep, ctx, etype).inc(max(1, n))
                self._changed(self.errors)

    def _set_info(self, ep: str, transport: str, ver: str, build: str) -> None:
        new = (transport, ver, build)
        old = self._info.get(ep)
        if old == new:
            return
        if old is not None:
            self.info.remove(ep, *old)
        self.info.labels(ep, *new).set(1)
        self._changed(self.info)
        self._info[ep] = new

    # -------------------------------------------------------------------- samples
    def sample_pushes(self, ring: Any) -> int:
        """Count the ring's rows since the last call; returns how many were counted."""
        first = ring.first_seq
        if self._seq + 1 < first:  # evicted before we got to them
            self.unsampled.inc(first - 1 - self._seq)
            self._seq = first - 1
        rows = ring.rows_since(self._seq)
        if not rows:
            self._seq = max(self._seq, ring.last_seq)
            return 0
        agg: dict[tuple[str, str, int], list] = {}
        syms: dict[tuple[str, str, int, str], int] = {}
        per_symbol = self.symbol_pushes is not None
        for row in rows:
            key = (row[_EP], row[_CTX], row[_PID])
            a = agg.get(key)
            if a is None:
                agg[key] = a = [0, 0, 0.0]
            a[0] += 1
            a[1] += len(row[_BODY])
            a[2] = row[_TIME]
            if per_symbol and row[_SEC]:
                sk = (*key, row[_SEC])
                syms[sk] = syms.get(sk, 0) + 1
        self._seq = rows[-1][_SEQ]
        last: dict[tuple[str, str], float] = {}
        for (ep_id, ctx, pid), (n, nbytes, t) in agg.items():
            ep, ctx = self.label(ep_id), str(ctx)
            self.pushes.labels(ep, ctx, self._proto(pid)).inc(n)
            self.push_bytes.labels(ep, ctx).inc(nbytes)
            last[(ep, ctx)] = max(t, last.get((ep, ctx), 0.0))
        for (ep, ctx), t in last.items():
            self.last_push.labels(ep, ctx).set(t)
        if self.symbol_pushes is not None:
            for (ep_id, ctx, pid, sec), n in syms.items():
                self.symbol_pushes.labels(self.label(ep_id), str(ctx), self._proto(pid), sec).inc(n)
        return len(rows)

    def _proto(self, pid: int) -> str:
        name = self._proto_names.get(pid)
        if name is None:
            name = self._proto_names[pid] = catalog.name_of(pid)
        return name

    def sample_journal(self, journal: Any) -> None:
        """The journal's backlog and a write failure it recorded (None: no journal)."""
        if journal is None:
            return
        self.journal_lag.set(journal.backlog)
        err = journal.error
        if err is not None and str(err) != self._journal_error:
            self._journal_error = str(err)
            self.journal_errors.inc()

    def set_global_state(self, endpoint_id: str, state: Mapping[str, Any]) -> None:
        """A GetGlobalState reply (as a dict with proto field names) for an endpoint."""
        ep = self.label(endpoint_id)
        for field, market in MARKET_FIELDS.items():
            if field not in state:
                continue
            name = market_state_name(state[field])
            old = self._markets.get((ep, market))
            if old == name:
                continue
            if old is not None:
                self.market.remove(ep, market, old)
            self.market.labels(ep, market, name).set(1)
            self._changed(self.market)
            self._markets[(ep, market)] = name
        if "serverVer" in state:
            cur = self._info.get(ep, ("tcp", "", ""))
            self._set_info(ep, cur[0], str(state["serverVer"]), str(state.get("serverBuildNo", "")))

    def scraped(self, wall: float, cpu: float) -> None:
        self.scrape_seconds.set(wall)
        self.scrape_cpu_seconds.set(cpu)

    def context_states(self) -> dict[tuple[str, str], ConnState]:
        """(endpoint label, context) -> state, for /healthz and tests."""
        return {(self.label(e), c): s for (e, c), s in self._state.items()}
