"""``opendeck gateway``: run the demo OpenD gateway until SIGINT / SIGTERM.

The lead's ``core/cli.py`` wires it in with::

    gateway.cli.add_arguments(subparser)
    return asyncio.run(gateway.cli.run(args))

``python -m opendeck.core.gateway`` runs the same thing on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import ssl
import sys

from ..cipher import RsaCipher
from ..errors import ConfigError
from ..stopsignals import install_stop_signals
from . import replay as rp
from .limits import DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, Limits
from .server import DemoGateway

PROG = "opendeck gateway"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=11111,
                        help="TCP port (default 11111, OpenD's; 0 picks a free one)")
    parser.add_argument("--rsa-key", metavar="PEM",
                        help="PKCS#1 RSA private key: InitConnect must then be RSA-encrypted "
                             "and everything after it AES (futu-api needs a 1024-bit key)")
    parser.add_argument("--aes", choices=("cbc", "ecb"), default="cbc",
                        help="AES mode after an encrypted InitConnect (default cbc)")
    parser.add_argument("--keepalive-interval", type=int, default=10, metavar="SEC",
                        help="keepAliveInterval sent in InitConnect (default 10)")
    parser.add_argument("--push-rate", type=float, default=2.0, metavar="HZ",
                        help="market ticks per second; every subscribed pair is pushed on "
                             "each tick (default 2, 0 pauses the market)")
    parser.add_argument("--trade-password", default="123456", metavar="PWD",
                        help="the password Trd_UnlockTrade accepts (default 123456)")
    parser.add_argument("--seed", type=int, default=None,
                        help="random seed for a repeatable market")
    parser.add_argument("--start-time", metavar="ISO", default=None,
                        help="anchor the demo clock at this time (ISO-8601; no offset = UTC): "
                             "the same --seed and --start-time give the same history and the "
                             "same fills")
    parser.add_argument("--calendar", default="always", choices=("always",),
                        help="trading calendar: always = every market trades around the clock "
                             "(the only one modelled)")
    parser.add_argument("--replay", metavar="JOURNAL",
                        help="serve the pushes of a journal recorded by the window or "
                             "`opendeck record` to whoever subscribes (the live market is "
                             "paused); the journal is read as it plays, in chunks. Each "
                             "pass starts with a subscription and ends at the last push or "
                             "when no connection is subscribed any more; then it rewinds, "
                             "and the next subscriber gets the journal again from the start")
    parser.add_argument("--speed", default="1", metavar="X|max",
                        help="replay pace: 1 = as recorded (the default), 10 = ten times "
                             "faster, max = as fast as the connections take them")
    ws = parser.add_argument_group("WebSocket port (the JavaScript SDK's)")
    ws.add_argument("--websocket-port", type=int, default=None, metavar="PORT",
                    help="also listen for WebSocket clients on PORT (0 picks a free one; "
                         "without the flag there is no WebSocket port)")
    ws.add_argument("--websocket-key", metavar="KEY",
                    help="the key clients log in with (they send its MD5); without it a "
                         "random key is picked and printed")
    ws.add_argument("--websocket-cert", metavar="PEM",
                    help="certificate (chain) for wss://; needs --websocket-private-key")
    ws.add_argument("--websocket-private-key", metavar="PEM",
                    help="private key of --websocket-cert (without a passphrase)")
    lim = parser.add_argument_group("limits")
    lim.add_argument("--handshake-timeout", type=float, default=DEFAULT_HANDSHAKE_TIMEOUT,
                     metavar="SEC", help="close connections that have not finished InitConnect "
                     f"/ InitWebSocket within SEC seconds (default {DEFAULT_HANDSHAKE_TIMEOUT:g})")
    lim.add_argument("--max-connections", type=int, default=DEFAULT_MAX_CONNECTIONS,
                     metavar="N", help="open connections over both ports together; more are "
                     f"refused (default {DEFAULT_MAX_CONNECTIONS}, as OpenD)")


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


async def run(args: argparse.Namespace) -> int:
    rsa = None
    if args.rsa_key:
        try:
            rsa = RsaCipher.from_file(args.rsa_key)
        except ConfigError as exc:
            _error(str(exc))
            return 2
    if not 0 <= args.port <= 65535:
        _error(f"--port {args.port} is not a TCP port (0-65535)")
        return 2
    if args.keepalive_interval <= 0:
        _error("--keepalive-interval must be a positive number of seconds")
        return 2
    if args.push_rate < 0:
        _error("--push-rate must be 0 or more ticks per second")
        return 2
    wport = args.websocket_port
    if wport is not None and not 0 <= wport <= 65535:
        _error(f"--websocket-port {wport} is not a TCP port (0-65535)")
        return 2
    if args.handshake_timeout <= 0:
        _error("--handshake-timeout must be a positive number of seconds")
        return 2
    if args.max_connections < 1:
        _error("--max-connections must be at least 1")
        return 2
    tls = None
    if args.websocket_cert or args.websocket_private_key:
        if wport is None:
            _error("--websocket-cert and --websocket-private-key need --websocket-port")
            return 2
        if not (args.websocket_cert and args.websocket_private_key):
            _error("wss needs both --websocket-cert and --websocket-private-key")
            return 2
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            tls.load_cert_chain(args.websocket_cert, args.websocket_private_key)
        except (OSError, ssl.SSLError) as exc:
            _error(f"cannot load the WebSocket certificate / key: {exc}; give a PEM "
                   "certificate and its unencrypted PEM private key")
            return 2
    if args.websocket_key is not None and wport is None:
        _error("--websocket-key needs --websocket-port")
        return 2
    start_time = None
    if args.start_time is not None:
        try:
            when = _dt.datetime.fromisoformat(args.start_time)
        except ValueError:
            _error(f"--start-time {args.start_time!r} is not an ISO-8601 time "
                   "(e.g. 2026-03-02T09:30:00+08:00)")
            return 2
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.UTC)
        start_time = when.timestamp()
    items = None
    if args.replay:
        try:
            speed = rp.parse_speed(args.speed)
            items = rp.load(args.replay)
        except ConfigError as exc:
            _error(str(exc))
            return 2
    limits = Limits(max_connections=args.max_connections,
                    handshake_timeout=args.handshake_timeout)
    gw = DemoGateway(host=args.host, port=args.port, rsa=rsa, aes=args.aes,
                     keepalive_interval=args.keepalive_interval,
                     push_rate=0.0 if items is not None else args.push_rate,
                     trade_password=args.trade_password, seed=args.seed,
                     start_time=start_time, calendar=args.calendar,
                     websocket_port=wport, websocket_key=args.websocket_key,
                     websocket_ssl=tls, limits=limits)
    # signal handlers first: a script that stops us the moment it reads the line gets 0
    stop = asyncio.Event()
    restore = install_stop_signals(stop)
    try:
        await gw.start()
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        if wport is not None:
            where += f" / WebSocket port {wport}"
        _error(f"cannot listen on {where}: {exc.strerror or exc}")
        for undo in restore:
            undo()
        return 1
    enc = "none" if rsa is None else f"RSA-{rsa.key_bits} + AES-{args.aes.upper()}"
    print(f"OpenDeck demo gateway listening on {gw.host}:{gw.port} "
          f"(encryption: {enc}; keepalive {gw.keepalive_interval}s; "
          f"{gw.push_rate:g} ticks/s; Ctrl-C stops)", flush=True)
    if wport is not None:
        scheme = "wss" if tls is not None else "ws"
        key = ("key given by --websocket-key" if gw.websocket_key_given
               else f"key {gw.websocket_key}")
        print(f"OpenDeck demo gateway websocket listening on {gw.websocket_host}:"
              f"{gw.websocket_port} ({scheme}; {key})", flush=True)
    player = None
    if items is not None:
        player = asyncio.create_task(rp.Replay(gw, items, speed).run(),
                                     name="opendeck-gateway-replay")
        print(f"OpenDeck demo gateway replaying {len(items)} pushes from {args.replay} "
              f"(speed {args.speed})", flush=True)
    try:
        await stop.wait()
    finally:
        for undo in restore:
            undo()
        if player is not None:
            player.cancel()
            await asyncio.gather(player, return_exceptions=True)
        await gw.stop()
    s = gw.stats
    print(f"OpenDeck demo gateway stopped ({s.connections_total} connections, "
          f"{s.packets_in} packets in, {s.packets_out} out)", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Run the OpenDeck demo OpenD gateway.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return asyncio.run(run(args))
