"""``opendeck monitor``: watch a fleet of gateways headless and export Prometheus metrics.

The lead's ``core/cli.py`` wires it in with::

    monitor.cli.add_arguments(subparser)
    return asyncio.run(monitor.cli.run(args))

``python -m opendeck.core.monitor`` runs the same thing on its own.
Exit status: 0 after SIGINT / SIGTERM (every context closed); 1 when the metrics port cannot be
opened; 2 for bad input (a ConfigError: an address, a profile, an option).
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import sys
import time
from pathlib import Path

from prometheus_client import disable_created_metrics

from .. import codes, config
from ..config import Endpoint, Subscription
from ..connopts import add_connection_options, parse_target, websocket_key
from ..errors import ConfigError, OpenDeckError
from ..events import ContextKind, Transport
from ..record import parse_size
from ..stopsignals import install_stop_signals
from .httpd import MetricsServer
from .logline import FORMATS, LogWriter
from .metrics import MonitorMetrics
from .runner import Monitor

PROG = "opendeck monitor"
DEFAULT_PORT = 9464  # the port the Prometheus wiki lists for OpenTelemetry-style exporters
RING_CAPACITY = 50_000  # the monitor only counts pushes: a small ring is plenty


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_connection_options(p, many=True)  # addresses, --rsa-key, WebSocket key options, --client-id
    p.add_argument("--config", metavar="TOML",
                   help="endpoint profile file: its contexts marked connect_on_start are watched")
    p.add_argument("--context", metavar="KINDS", default=None,
                   help="contexts per endpoint, comma-separated: quote, trade-sec, trade-future "
                        "(default: quote for addresses, connect_on_start for --config)")
    p.add_argument("--metrics-host", default="127.0.0.1", metavar="HOST",
                   help="address of /metrics and /healthz (default 127.0.0.1)")
    p.add_argument("--metrics-port", type=int, default=DEFAULT_PORT, metavar="PORT",
                   help=f"port of /metrics and /healthz (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--journal-dir", metavar="DIR",
                   help="also journal every push and event to a SQLite file in DIR")
    p.add_argument("--journal-max-size", metavar="SIZE", default="",
                   help="with --journal-dir: start a new file (NAME-2.sqlite3, -3 ...) when one "
                        "reaches SIZE (e.g. 500M, 2G)")
    p.add_argument("--log-format", choices=FORMATS, default="logfmt",
                   help="stderr log lines: logfmt (default) or json")
    p.add_argument("--per-symbol", action="store_true",
                   help="add opendeck_symbol_pushes_total{security=...} (one series per security)")
    p.add_argument("--subscribe", metavar="CODES", default="",
                   help="quote contexts: codes to subscribe so pushes flow, e.g. HK.00700,US.AAPL")
    p.add_argument("--subtypes", metavar="TYPES", default="basic",
                   help="sub types for --subscribe (default basic)")
    p.add_argument("--global-state-interval", type=float, default=30.0, metavar="SEC",
                   help="seconds between GetGlobalState polls (market states; default 30)")
    p.add_argument("--push-format", choices=("protobuf", "json"), default="protobuf",
                   help="addresses: push format asked for in InitConnect")


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


def parse_kinds(text: str) -> list[ContextKind]:
    kinds = [ContextKind.parse(k.strip()) for k in text.split(",") if k.strip()]
    if not kinds:
        raise ConfigError("--context needs at least one of quote, trade-sec, trade-future")
    return list(dict.fromkeys(kinds))


def endpoint_from_address(text: str, args: argparse.Namespace, kinds: list[ContextKind]) -> Endpoint:
    """An endpoint named after its address (``host:port``, ``ws://host:port``)."""
    t = parse_target(text)
    tcp = t.transport is Transport.TCP
    return Endpoint(name=str(t), transport=str(t.transport), host=t.host, port=t.port,
                    rsa_key=(args.rsa_key or "") if tcp else "",
                    websocket_key_file="" if tcp else (args.websocket_key_file or ""),
                    ca_cert="" if tcp else (args.ca_cert or ""),
                    heartbeat_interval=args.heartbeat_interval,
                    client_id=args.client_id or "OpenDeckMonitor", push_format=args.push_format,
                    auto_reconnect=True, contexts=[str(k) for k in kinds],
                    connect_on_start=[str(k) for k in kinds],
                    subscriptions=_cli_subscriptions(args)).validate()


def _cli_subscriptions(args: argparse.Namespace) -> list[Subscription]:
    return [Subscription(args.subscribe, [t.strip() for t in args.subtypes.split(",") if t.strip()])] \
        if args.subscribe else []


def build_endpoints(args: argparse.Namespace) -> list[Endpoint]:
    """The endpoints to watch: a profile's (those with contexts marked ``connect_on_start``),
    then the addresses; ConfigError if nothing is left."""
    override = parse_kinds(args.context) if args.context else None
    out: list[Endpoint] = []
    if args.config:
        path = Path(args.config).expanduser()
        if not path.is_file():
            raise ConfigError(f"no profile file at {path}; give an endpoints.toml path (the "
                              "window's is in its config folder) or HOST:PORT addresses")
        profile = config.read_file(path)
        for ep in profile:
            if ep.demo or not ep.connect_on_start:
                continue  # demo endpoints are the window's own; unmarked ones stay closed there too
            kinds = [str(k) for k in override] if override else list(ep.connect_on_start)
            # headless: always reconnect, whatever the window's setting
            out.append(ep.copy(auto_reconnect=True, contexts=kinds, connect_on_start=kinds,
                               subscriptions=list(ep.subscriptions) + _cli_subscriptions(args)))
        if not out and not args.address:
            raise ConfigError(f"{path}: no endpoint has a context marked to connect; add e.g. "
                              'connect_on_start = ["quote"] to the endpoints to watch (demo ones '
                              "are never watched)")
    kinds = override or [ContextKind.QUOTE]
    for text in args.address:
        out.append(endpoint_from_address(text, args, kinds))
    if not out:
        raise ConfigError("nothing to watch: give HOST:PORT addresses or --config endpoints.toml")
    names = [e.name.strip().casefold() for e in out]
    dup = next((e.name for e, n in zip(out, names, strict=True) if names.count(n) > 1), None)
    if dup is not None:
        raise ConfigError(f"{dup!r} is given twice; every watched endpoint needs its own name")
    return out


def _check_options(args: argparse.Namespace) -> None:
    if not 0 <= args.metrics_port <= 65535:
        raise ConfigError(f"--metrics-port {args.metrics_port} is not a TCP port (0-65535)")
    if args.heartbeat_interval <= 0:
        raise ConfigError("--heartbeat-interval must be positive")
    if args.global_state_interval <= 0:
        raise ConfigError("--global-state-interval must be a positive number of seconds")
    if args.journal_max_size:
        if not args.journal_dir:
            raise ConfigError("--journal-max-size needs --journal-dir")
        parse_size(args.journal_max_size)
    if args.subscribe:
        codes.parse_codes(args.subscribe)
        codes.parse_subtypes(args.subtypes)


async def run(args: argparse.Namespace, *, stop: asyncio.Event | None = None) -> int:
    """Run until SIGINT / SIGTERM (or ``stop`` is set); see the module doc for exit codes."""
    from ..session import Session  # the one core the window uses

    try:
        _check_options(args)
        endpoints = build_endpoints(args)
    except ConfigError as exc:
        _error(str(exc))
        return 2
    journal_path = None
    if args.journal_dir:
        journal_path = (Path(args.journal_dir).expanduser()
                        / time.strftime("monitor-%Y%m%d-%H%M%S.sqlite3", time.gmtime()))
    disable_created_metrics()  # *_created series double the output and nobody graphs them
    log = LogWriter(args.log_format)
    metrics = MonitorMetrics(per_symbol=args.per_symbol)
    try:
        # retry_permanent: what the window stops on is retried here, on the core's slow cap
        session = Session(endpoints, ring_capacity=RING_CAPACITY, journal_path=journal_path,
                          retry_permanent=True)
        key = websocket_key(args)
    except OpenDeckError as exc:
        _error(str(exc))
        return 2
    if key:  # --websocket-key / OPENDECK_WEBSOCKET_KEY: for the ws:// addresses, memory only
        for ep in endpoints:
            if ep.is_websocket and ep.name in {str(parse_target(a)) for a in args.address}:
                session.keys.put(ep.id, key)
    kinds = {ep.id: [ContextKind(k) for k in ep.contexts] for ep in endpoints}
    mon = Monitor(session, metrics, log, kinds=kinds,
                  journal_max_size=parse_size(args.journal_max_size) if args.journal_max_size else 0,
                  subscriptions={ep.id: ep.subscriptions for ep in endpoints if ep.subscriptions},
                  global_state_interval=args.global_state_interval)
    server = MetricsServer(metrics.render, mon.health, before_scrape=mon.sample,
                           after_scrape=metrics.scraped)
    stop = stop or asyncio.Event()
    undo = install_stop_signals(stop)
    try:
        try:
            await server.start(args.metrics_host, args.metrics_port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                _error(f"port {args.metrics_port} on {args.metrics_host} is in use (another "
                       "monitor or exporter?); pick a free one with --metrics-port, or 0 for any")
            else:
                _error(f"cannot serve metrics on {args.metrics_host}:{args.metrics_port}: "
                       f"{exc.strerror or exc}")
            await session.aclose()
            return 1
        try:
            await mon.start()
            print(f"metrics on {server.url}", flush=True)
            log.line("info", "start", f"watching {len(endpoints)} endpoint(s), "
                     f"{sum(map(len, kinds.values()))} context(s)", url=server.url)
            await stop.wait()
            log.line("info", "stop", "closing every context")
        finally:
            await mon.aclose()
            await server.close()
    finally:
        for u in undo:
            u()
    log.line("info", "stopped", "every context closed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Watch OpenD gateways headless and "
                                     "export Prometheus metrics.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return asyncio.run(run(args))
    except OpenDeckError as exc:
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
