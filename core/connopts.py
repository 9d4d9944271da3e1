"""The connection options every connecting command shares (``probe``, ``record``, ``monitor``).

One argparse group, one parser of addresses and one factory, so a flag means the same thing
everywhere::

    HOST:PORT             TCP API port (RSA with --rsa-key)
    ws://HOST:PORT        OpenD's WebSocket port, plaintext
    wss://HOST:PORT       the same over TLS (--ca-cert for a self-signed certificate)

The WebSocket key comes from ``--websocket-key``, ``OPENDECK_WEBSOCKET_KEY`` or
``--websocket-key-file`` and is kept in memory only.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .events import Transport

DEFAULT_PORTS = {Transport.TCP: 11111, Transport.WS: 33333, Transport.WSS: 33333}


@dataclass(frozen=True, slots=True)
class Target:
    transport: Transport
    host: str
    port: int

    def __str__(self) -> str:
        hp = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        return hp if self.transport is Transport.TCP else f"{self.transport}://{hp}"


def parse_target(text: str) -> Target:
    """``HOST:PORT``, ``ws://HOST:PORT`` or ``wss://HOST:PORT`` (the port may be left out
    after ws:// and wss://: 33333, OpenD's default WebSocket port)."""
    raw = text.strip()
    transport = Transport.TCP
    for t in (Transport.WSS, Transport.WS):
        prefix = f"{t}://"
        if raw.lower().startswith(prefix):
            transport, raw = t, raw[len(prefix):].rstrip("/")
            break
    else:
        if "://" in raw:
            raise ConfigError(f"address {text!r}: use HOST:PORT for TCP, ws://HOST:PORT or "
                              "wss://HOST:PORT for OpenD's WebSocket port")
    host, sep, port = raw.rpartition(":")
    if raw.startswith("[") and raw.endswith("]"):  # [::1] without a port
        host, sep, port = raw, "", ""
    if not sep:
        if transport is Transport.TCP:
            raise ConfigError(f"address {text!r} must be HOST:PORT, e.g. 127.0.0.1:11111")
        host, port = raw, str(DEFAULT_PORTS[transport])
    if not host:
        raise ConfigError(f"address {text!r} has no host; e.g. 127.0.0.1:11111")
    try:
        num = int(port)
    except ValueError:
        raise ConfigError(f"port {port!r} in {text!r} is not a number") from None
    if not 1 <= num <= 65535:
        raise ConfigError(f"port {num} is out of range 1-65535")
    return Target(transport, host.strip("[]"), num)


def add_connection_options(p: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The shared group. ``many``: the command takes several addresses (monitor)."""
    g = p.add_argument_group("connection")
    if many:
        g.add_argument("address", nargs="*", metavar="ADDRESS",
                       help="HOST:PORT (TCP), ws://HOST:PORT or wss://HOST:PORT")
    else:
        g.add_argument("address", metavar="ADDRESS",
                       help="HOST:PORT (TCP API port, e.g. 127.0.0.1:11111), ws://HOST:PORT or "
                            "wss://HOST:PORT (OpenD's WebSocket port)")
    g.add_argument("--rsa-key", metavar="PEM", help="TCP: OpenD's RSA private key; encrypts the connection")
    g.add_argument("--websocket-key", metavar="KEY",
                   help="WebSocket: OpenD's websocket key (also OPENDECK_WEBSOCKET_KEY); only its MD5 is sent")
    g.add_argument("--websocket-key-file", metavar="FILE", help="WebSocket: read the key from FILE")
    g.add_argument("--ca-cert", metavar="PEM", help="wss: trust this CA / self-signed certificate")
    g.add_argument("--heartbeat-interval", type=float, default=10.0, metavar="SEC",
                   help="WebSocket: ping interval (default 10 s; TCP uses the gateway's KeepAlive interval)")
    g.add_argument("--client-id", default=None, help="client id sent in the handshake")


def websocket_key(args: argparse.Namespace) -> str | None:
    """The key from the flag, the environment or the key file (in that order), or None."""
    if getattr(args, "websocket_key", None):
        return args.websocket_key
    env = os.environ.get("OPENDECK_WEBSOCKET_KEY")
    if env:
        return env
    path = getattr(args, "websocket_key_file", None)
    if path:
        try:
            return Path(path).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the WebSocket key file {path}: {exc}; give the key "
                              "with --websocket-key or OPENDECK_WEBSOCKET_KEY instead") from None
    return None


def check_options(target: Target, args: argparse.Namespace) -> None:
    if target.transport is Transport.TCP:
        if getattr(args, "ca_cert", None):
            raise ConfigError("--ca-cert is for wss:// addresses; TCP uses --rsa-key")
    elif getattr(args, "rsa_key", None):
        raise ConfigError("--rsa-key is for the TCP API port; OpenD's WebSocket port uses "
                          "--websocket-key (and wss:// for encryption)")
    if getattr(args, "heartbeat_interval", 10.0) <= 0:
        raise ConfigError("--heartbeat-interval must be positive")
    if args.ca_cert and not Path(args.ca_cert).expanduser().is_file():
        raise ConfigError(f"no certificate file at {args.ca_cert}; give the PEM of the gateway's "
                          "certificate or of the CA that signed it")


def make_connection(target: Target, args: argparse.Namespace, listener, *,
                    auto_reconnect: bool = False, connect_timeout: float = 10.0,
                    request_timeout: float = 12.0, client=None, label: str = "", **kw):
    """A :class:`~opendeck.core.client.connection.Connection` for ``target`` as the flags say."""
    from .cipher import RsaCipher
    from .client.connection import Connection
    check_options(target, args)
    if target.transport is Transport.TCP:
        rsa = RsaCipher.from_file(args.rsa_key) if getattr(args, "rsa_key", None) else None
        return Connection(target.host, target.port, rsa=rsa, listener=listener, client=client,
                          auto_reconnect=auto_reconnect, connect_timeout=connect_timeout,
                          request_timeout=request_timeout, label=label or str(target), **kw)
    from .client.ws import WsConnection, is_loopback
    if target.transport is Transport.WS and not is_loopback(target.host):
        import sys
        print(f"opendeck: warning: ws://{target.host} is not this machine: the WebSocket key's MD5 "
              "(and an unlock's password MD5) cross the network in the clear; use wss:// with "
              "OpenD's websocket_cert", file=sys.stderr)
    return WsConnection(target.host, target.port, tls=target.transport is Transport.WSS,
                        key=websocket_key(args), ca_cert=getattr(args, "ca_cert", None),
                        heartbeat_interval=getattr(args, "heartbeat_interval", 10.0),
                        listener=listener, client=client, auto_reconnect=auto_reconnect,
                        connect_timeout=connect_timeout, request_timeout=request_timeout,
                        label=label or str(target), **kw)
