"""``opendeck probe``: connect to an OpenD, print the handshake, heartbeats and pushes.

Exit status: 0 once the requested numbers of pushes and heartbeats arrived; 1 on timeout
(saying what was missing); 2 when the connection or a request failed.
With ``--json`` every line is one JSON object with an ``"event"`` key:
``state``, ``handshake``, ``accounts``, ``subscribed``, ``heartbeat``, ``push``, ``error``, ``done``.
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
from .cipher import RsaCipher
from .client.connection import ClientInfo, Connection, HandshakeInfo, State
from .client.contexts import QuoteContext, TradeContext
from .errors import ConfigError, OpenDeckError
from .summary import decode_push, summarize
from .wire import FMT_JSON, FMT_PROTOBUF


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("address", metavar="HOST:PORT", help="the OpenD API address, e.g. 127.0.0.1:11111")
    p.add_argument("--rsa-key", metavar="PEM", help="OpenD's RSA private key: encrypt the connection")
    p.add_argument("--context", choices=("quote", "trade-sec", "trade-future"), default="quote")
    p.add_argument("--subscribe", metavar="CODES", default="",
                   help="quote context: codes to subscribe, e.g. HK.00700,US.AAPL")
    p.add_argument("--subtypes", metavar="TYPES", default="basic",
                   help="sub types for --subscribe: " + ",".join(codes.SUBTYPE_NAMES.values()))
    p.add_argument("--push-format", choices=("protobuf", "json"), default="protobuf")
    p.add_argument("--pushes", type=int, default=None, metavar="N",
                   help="exit 0 after N pushes, Notify not counted (default: 5 with "
                        "--subscribe, else 0)")
    p.add_argument("--heartbeats", type=int, default=0, metavar="N",
                   help="exit 0 after N acknowledged heartbeats (each takes 0.8 x keepalive)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SEC")
    p.add_argument("--client-id", default="OpenDeckProbe")
    p.add_argument("--json", action="store_true", help="one JSON object per line")


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ConfigError(f"address {text!r} must be HOST:PORT, e.g. 127.0.0.1:11111")
    try:
        num = int(port)
    except ValueError:
        raise ConfigError(f"port {port!r} in {text!r} is not a number") from None
    if not 1 <= num <= 65535:
        raise ConfigError(f"port {num} is out of range 1-65535")
    return host.strip("[]"), num


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

    def emit(self, event: str, text: str, **fields: Any) -> None:
        if self.as_json:
            print(json.dumps({"event": event, **fields}, ensure_ascii=False), flush=True)
        else:
            print(f"{time.strftime('%H:%M:%S')} {event:<10} {text}", flush=True)

    def check(self) -> None:
        if self.pushes >= self.want_pushes and self.beats >= self.want_beats:
            self.done.set()

    def on_state(self, conn, old: State, new: State, reason: str) -> None:
        if new is State.CLOSED:
            self.closed.set()
        self.emit("state", f"{old.value} -> {new.value} {reason}", old=old.value, new=new.value,
                  reason=reason)

    def on_handshake(self, conn, info: HandshakeInfo) -> None:
        d = info.as_dict()
        d.pop("aes_key")
        self.emit("handshake",
                  f"server_ver {info.server_ver} user {info.login_user_id} conn_id {info.conn_id} "
                  f"keepalive {info.keepalive_interval}s encryption {info.encryption} "
                  f"attribution {codes.USER_ATTRIBUTION.get(info.user_attribution, info.user_attribution)} "
                  f"connect {info.connect_ms:.1f} ms handshake {info.handshake_ms:.1f} ms", **d)

    def on_heartbeat(self, conn, rtt_ms: float | None, missed: int) -> None:
        if rtt_ms is None:
            self.emit("error", f"KeepAlive missed ({missed} in a row)", message="KeepAlive missed",
                      missed=missed)
            return
        self.beats += 1
        self.emit("heartbeat", f"rtt {rtt_ms:.3f} ms", rtt_ms=round(rtt_ms, 3))
        self.check()

    def on_pushes(self, conn, packets: list[Packet]) -> None:
        for p in packets:
            name = catalog.name_of(p.proto_id)
            if p.error is not None:
                self.emit("error", f"{name}: {p.error}", message=str(p.error), proto_id=p.proto_id)
                continue
            sec, summ = summarize(p.proto_id, p.fmt, p.body)
            if p.proto_id != catalog.NOTIFY:  # gateway notices are shown, not counted
                self.pushes += 1
            if self.as_json:
                try:
                    body: Any = decode_push(p.proto_id, p.fmt, p.body)
                except OpenDeckError as exc:
                    body = {"error": str(exc), "raw_hex": p.body.hex()}
                self.emit("push", "", proto_id=p.proto_id, name=name, security=sec, body=body)
            else:
                self.emit("push", f"{p.proto_id} {name} {sec} {summ}")
        self.check()

    def on_error(self, conn, error: OpenDeckError) -> None:
        self.emit("error", str(error), message=str(error), type=type(error).__name__)


async def run(args: argparse.Namespace) -> int:
    host, port = parse_address(args.address)
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
    rsa = RsaCipher.from_file(args.rsa_key) if args.rsa_key else None
    out = _Printer(args.json, want_pushes, args.heartbeats)
    conn = Connection(host, port, rsa=rsa, listener=out, auto_reconnect=False,
                      connect_timeout=min(args.timeout, 20.0),
                      request_timeout=min(args.timeout, 12.0),
                      client=ClientInfo(client_id=args.client_id,
                                        push_format=FMT_JSON if args.push_format == "json" else FMT_PROTOBUF))
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
        out.emit("error", msg, message=msg)
        print(f"opendeck probe: {msg}", file=sys.stderr)
        return 1
    except OpenDeckError as exc:
        if exc is not conn.last_error:  # the listener already printed the connection's own
            out.emit("error", str(exc), message=str(exc), type=type(exc).__name__)
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
            out.emit("subscribed", f"{args.subscribe} {args.subtypes}",
                     codes=[codes.format_code(m, c) for m, c in secs],
                     subtypes=[codes.SUBTYPE_NAMES.get(t, t) for t in types])
    else:
        ctx = TradeContext(conn, "securities" if args.context == "trade-sec" else "futures")
        await conn.open(args.timeout)
        accs = await ctx.get_acc_list()
        out.emit("accounts", f"{len(accs)} account(s): "
                 + ", ".join(f"{a['accID']} {codes.TRD_ENVS.get(a.get('trdEnv', 0), '?')}"
                             for a in accs), accounts=accs)
        if accs:
            await ctx.sub_acc_push()
    out.check()
    closed = asyncio.ensure_future(out.closed.wait())
    waiter = asyncio.ensure_future(out.done.wait())
    try:
        await asyncio.wait({waiter, closed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        closed.cancel()
    if out.done.is_set():
        out.emit("done", f"{out.pushes} push(es), {out.beats} heartbeat(s)", pushes=out.pushes,
                 heartbeats=out.beats)
        return 0
    msg = f"connection lost: {conn.last_error}"
    out.emit("error", msg, message=msg)
    print(f"opendeck probe: {msg}", file=sys.stderr)
    return 2
