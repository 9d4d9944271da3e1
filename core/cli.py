"""The ``opendeck`` command: the window by default, plus headless subcommands.

    opendeck                     open the window (the demo gateway on a first start)
    opendeck gui [--self-test]   the same, with a self-test mode for CI and installers
    opendeck gateway ...         run the demo OpenD gateway in the foreground
    opendeck probe ADDRESS ...   connect, print handshake, heartbeats and pushes
    opendeck record ADDRESS ...  record pushes into a journal, headless
    opendeck monitor ADDRESS ... watch gateways, export Prometheus metrics
    opendeck --version
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable

from . import __version__
from .errors import OpenDeckError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opendeck",
        description="Connection manager and live push monitor for Futu / moomoo OpenD gateways.")
    parser.add_argument("--version", action="version", version=f"opendeck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the window (default)")
    gui.add_argument("--self-test", action="store_true",
                     help="connect to an in-process demo gateway, wait for the handshake and "
                          "push rows, then exit 0 (non-zero with the reason)")
    gui.add_argument("--screenshot", metavar="PATH", help="with --self-test: save a PNG of the window")
    gui.add_argument("--timeout", type=float, default=20.0, help="self-test time limit (s)")
    gui.add_argument("--config", metavar="TOML", help="endpoint profile file to use")

    from .gateway import cli as gateway_cli
    gw = sub.add_parser("gateway", help="run the demo OpenD gateway in the foreground")
    gateway_cli.add_arguments(gw)

    for name, module, text in _HEADLESS:
        mod = importlib.import_module(module, __package__)
        mod.add_arguments(sub.add_parser(name, help=text, description=text))
    return parser


#: headless commands: (name, module with add_arguments(parser) and async run(args) -> int, help)
_HEADLESS = [
    ("probe", ".probe", "connect to an OpenD, print handshake, heartbeats, pushes"),
    ("record", ".record", "record every push of a gateway into a journal, headless"),
    ("monitor", ".monitor.cli", "watch gateways headless and export Prometheus metrics"),
]


def main(argv: list[str] | None = None, open_window: Callable[[argparse.Namespace], int] | None = None) -> int:
    """Run one command. ``open_window`` is how the GUI plugs in (the launcher in gui/);
    without it (``python -m opendeck.core.cli``) the window is not available."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    try:
        if command == "gateway":
            from .gateway import cli as gateway_cli
            return asyncio.run(gateway_cli.run(args))
        for name, module, _text in _HEADLESS:
            if command == name:
                return asyncio.run(importlib.import_module(module, __package__).run(args))
        if command == "gui":
            if args.command is None:  # bare `opendeck`: defaults for the gui options
                args = parser.parse_args(["gui"])
            if open_window is None:
                print("opendeck: this entry point has no window; run `opendeck` (the installed "
                      "command) or use `opendeck probe` headless", file=sys.stderr)
                return 3
            return open_window(args)
    except OpenDeckError as exc:
        print(f"opendeck: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
