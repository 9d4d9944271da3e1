"""``opendeck probe``: connect to an OpenD, print the handshake, heartbeats and pushes.

Exit status: 0 once the requested numbers of pushes and heartbeats arrived; 1 on timeout
(saying what was missing); 2 when the connection or a request failed.
With ``--json`` every line is one JSON object with an ``"event"`` key:
``state``, ``handshake``, ``accounts``, ``subscribed``, ``heartbeat``, ``push``, ``error``, ``done``,
and a ``ts`` (ISO-8601 UTC); ids that can exceed 2**53 are strings. Every ``error`` has a
``type``. A closed stdout (``| head -1``) ends the probe quietly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from . import catalog, codes
from .channel import Packet
from .client.connection import ClientInfo, Connection
from .client.contexts import QuoteContext, TradeContext
from .connopts import add_connection_options, make_connection, parse_target
from .errors import ConfigError, OpenDeckError, is_permanent
from .events import ConnState, ContextKind, Event, HandshakeDone, Heartbeat, StateChanged, iso_utc
from .summary import decode_push, summarize
from .wire import FMT_JSON, FMT_PROTOBUF


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_connection_options(p)
    p.add_argument("--context", choices=[str(k) for k in ContextKind], default="quote")
    p.add_argument("--subscribe", metavar="CODES", default="",
                   help="quote context: codes to subscribe, e.g. HK.00700,US.AAPL")
    p.add_argument("--subtypes", metavar="TYPES", default="basic",
                   help="sub types for --subscribe: " + ",".join(codes.SUBTYPE_NAMES.values()))
    p.add_argument("--push-format", choices=("protobuf", "json"), default="protobuf",
                   help="TCP: the body format OpenD pushes in")
    p.add_argument("--pushes", type=int, default=None, metavar="N",
                   help="exit 0 after N pushes, Notify not counted (default: 5 with "
                        "--subscribe, else 0)")
    p.add_argument("--heartbeats", type=int, default=0, metavar="N",
                   help="exit 0 after N acknowledged heartbeats (one every keepalive / 2)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SEC")
    p.add_argument("--json", action="store_true", help="one JSON object per line")


def parse_address(text: str) -> tuple[str, int]:
    """HOST:PORT of a TCP address (kept for callers that only speak TCP)."""
    t = parse_target(text)
    return t.host, t.port


class _Printer:
    """The probe's ConnectionListener: prints each event, counts pushes and heartbeats."""

    def __init__(self, as_json: bool, want_pushes: int, want_beats: int) -> None:
        self.as_json = as_json
        self.want_pushes = want_pushes
        self.want_beats = want_beats
        self.pushes = 0
        self.beats = 0
        self.done = asyncio.Event()
        self.closed = asyncio.Event()
        self.gone = False  # stdout was closed by its reader

    def emit(self, obj: dict[str, Any], text: str) -> None:
        if self.gone:
            return
        try:
            if self.as_json:
                print(json.dumps(safe_ids(obj), ensure_ascii=False), flush=True)
            else:
                print(f"{time.strftime('%H:%M:%S')} {obj['event']:<10} {text}", flush=True)
        except BrokenPipeError:  # `probe --json | head -1`: the reader left; so do we, quietly
            _quiet_stdout()
            self.gone = True
            self.done.set()

    def emit_event(self, ev: Event) -> None:
        self.emit(ev.to_json(), ev.message)

    def say(self, event_name: str, text: str, **fields: Any) -> None:
        self.emit({"event": event_name, "ts": iso_utc(time.time()), **fields}, text)

    def check(self) -> None:
        if self.pushes >= self.want_pushes and self.beats >= self.want_beats:
            self.done.set()

    def on_event(self, conn, ev: Event) -> None:
        match ev:
            case StateChanged(new=ConnState.CLOSED | ConnState.FAILED):
                self.closed.set()
            case Heartbeat(rtt_ms=None):
                # a missed beat is an error line, with its type, as every error is
                self.say("error", ev.message, type="HeartbeatMissed", message=ev.message,
                         missed=ev.missed, permanent=False, count=1)
                return
            case Heartbeat():
                self.beats += 1
            case HandshakeDone():
                i = ev.info
                text = (f"{ev.message}; attribution "
                        f"{codes.USER_ATTRIBUTION.get(i.user_attribution, i.user_attribution)}")
                self.emit(ev.to_json(), text)
                return
        self.emit_event(ev)
        self.check()

    def on_pushes(self, conn, packets: list[Packet]) -> None:
        for p in packets:
            name = catalog.name_of(p.proto_id)
            if p.error is not None:
                self.say("error", f"{name}: {p.error}", type=type(p.error).__name__,
                         message=str(p.error), proto_id=p.proto_id)
                continue
            sec, summ = summarize(p.proto_id, p.fmt, p.body)
            if self.as_json:
                try:
                    body: Any = decode_push(p.proto_id, p.fmt, p.body)
                except OpenDeckError as exc:
                    body = {"error": str(exc), "raw_hex": p.body.hex()}
                self.say("push", "", proto_id=p.proto_id, name=name, security=sec, body=body)
            else:
                self.say("push", f"{p.proto_id} {name} {sec} {summ}")
            if p.proto_id != catalog.NOTIFY:  # gateway notices are shown, not counted
                self.pushes += 1  # counted once printed
        self.check()


JS_SAFE = 2 ** 53


def safe_ids(obj: Any) -> Any:
    """Ids as strings: account, order, deal and connection ids are 64-bit on the wire and
    JavaScript (and older jq) round integers past 2**53. Every int under a key that names an
    id (``accID``, ``orderID``, ``conn_id``) is a string, whatever its size, so a reader sees
    one type; any other integer that large is a string too."""
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        return str(obj) if abs(obj) >= JS_SAFE else obj
    if isinstance(obj, dict):
        return {k: (str(v) if isinstance(v, int) and not isinstance(v, bool) and _is_id(k)
                    else safe_ids(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [safe_ids(v) for v in obj]
    return obj


_ID_KEYS = frozenset({"conn_id", "login_user_id", "acc_id", "order_id", "fill_id", "user_id"})


def _is_id(key: str) -> bool:
    """accID, orderID, fillID, connID, userID ... (the wire's 64-bit ids; not proto_id)."""
    return key.endswith("ID") or key in _ID_KEYS


def _quiet_stdout() -> None:
    """stdout is a closed pipe: point it at /dev/null so the exit flush does not complain."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def _error_fields(exc: BaseException) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": str(exc), "permanent": is_permanent(exc)}


async def run(args: argparse.Namespace) -> int:
    target = parse_target(args.address)
    if args.pushes is not None and args.pushes < 0 or args.heartbeats < 0:
        raise ConfigError("--pushes and --heartbeats must be 0 or more")
    if args.timeout <= 0:
        raise ConfigError("--timeout must be positive")
    want_pushes = args.pushes if args.pushes is not None else (5 if args.subscribe else 0)
    if want_pushes and args.context == "quote" and not args.subscribe:
        raise ConfigError("--pushes needs --subscribe on a quote context (nothing is pushed "
                          "for securities you did not subscribe)")
    secs = codes.parse_codes(args.subscribe) if args.subscribe else []
    types = codes.parse_subtypes(args.subtypes) if secs else []
    out = _Printer(args.json, want_pushes, args.heartbeats)
    client = ClientInfo(client_id=args.client_id or "OpenDeckProbe",
                        push_format=FMT_JSON if args.push_format == "json" else FMT_PROTOBUF)
    conn = make_connection(target, args, out, auto_reconnect=False,
                           connect_timeout=min(args.timeout, 20.0),
                           request_timeout=min(args.timeout, 12.0), client=client)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout
    try:
        async with asyncio.timeout_at(deadline):
            return await _session(args, conn, out, secs, types)
    except TimeoutError:
        missing = []
        if out.pushes < want_pushes:
            missing.append(f"{out.pushes}/{want_pushes} pushes")
        if out.beats < args.heartbeats:
            missing.append(f"{out.beats}/{args.heartbeats} heartbeats")
        msg = (f"timed out after {args.timeout:g} s"
               + (f" with {', '.join(missing)}" if missing else " before the gateway answered")
               + "; raise --timeout, or check the subscription and the gateway")
        out.say("error", msg, type="Timeout", message=msg, permanent=False)
        print(f"opendeck probe: {msg}", file=sys.stderr)
        return 1
    except OpenDeckError as exc:
        if exc is not conn.last_error:  # the listener already printed the connection's own
            out.say("error", str(exc), **_error_fields(exc))
        print(f"opendeck probe: {exc}", file=sys.stderr)
        return 2
    finally:
        await conn.close()


async def _session(args, conn: Connection, out: _Printer, secs, types) -> int:
    """Connect, subscribe or list accounts, then wait for the counts (the caller bounds it)."""
    if args.context == "quote":
        ctx = QuoteContext(conn)
        await conn.open(args.timeout)
        if secs:
            await ctx.subscribe(args.subscribe, types)
            out.say("subscribed", f"{args.subscribe} {args.subtypes}",
                    codes=[codes.format_code(m, c) for m, c in secs],
                    subtypes=[codes.SUBTYPE_NAMES.get(t, t) for t in types])
    else:
        ctx = TradeContext(conn, "securities" if args.context == "trade-sec" else "futures")
        await conn.open(args.timeout)
        accs = await ctx.get_acc_list()
        out.say("accounts", f"{len(accs)} account(s): "
                + ", ".join(f"{a['accID']} {codes.TRD_ENVS.get(a.get('trdEnv', 0), '?')}"
                            for a in accs), accounts=accs)
        if accs:
            await ctx.sub_acc_push()
    out.check()
    if out.gone:
        return 0
    closed = asyncio.ensure_future(out.closed.wait())
    waiter = asyncio.ensure_future(out.done.wait())
    try:
        await asyncio.wait({waiter, closed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        closed.cancel()
    if out.done.is_set():
        out.say("done", f"{out.pushes} push(es), {out.beats} heartbeat(s)", pushes=out.pushes,
                heartbeats=out.beats)
        return 0
    msg = f"connection lost: {conn.last_error}"
    out.say("error", msg, type=type(conn.last_error).__name__ if conn.last_error else "ConnectionLost",
            message=msg, permanent=False)
    print(f"opendeck probe: {msg}", file=sys.stderr)
    return 2
