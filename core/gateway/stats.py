"""Counters of the demo gateway, and helpers that fold repeated errors into one log line.

:class:`GatewayStats` is what ``DemoGateway.stats`` hands out (a copy, so readers never see a
half-updated set). :class:`FoldedLog` is for errors that can arrive thousands of times a
second (accept failures at the fd limit): it logs the first one at once and then at most one
line per interval carrying how many were folded into it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class GatewayStats:
    connections_open: int = 0
    connections_total: int = 0
    connections_refused: int = 0
    packets_in: int = 0
    packets_out: int = 0
    pushes_sent: int = 0
    pushes_dropped: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    bad_packets: int = 0
    keepalives: int = 0
    keepalives_ignored: int = 0
    handshakes: int = 0
    handshakes_failed: int = 0
    ws_connections_total: int = 0
    timeouts: int = 0
    slow_clients_dropped: int = 0
    requests_too_large: int = 0
    accept_errors: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


class FoldedLog:
    """Log one kind of recurring error at most once per ``interval`` seconds.

    ``report(text)`` logs at once when the last line is older than the interval; otherwise
    it only counts. The next line that goes out says how many were folded since the last.
    ``clock`` is injectable so tests can step time by hand.
    """

    def __init__(self, logger: logging.Logger, interval: float = 1.0, *,
                 level: int = logging.WARNING,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self.level = level
        self.clock = clock
        self.total = 0
        self.suppressed = 0
        self._last: float | None = None

    def report(self, text: str) -> bool:
        """Count one occurrence; returns True when a line was written for it."""
        self.total += 1
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self.suppressed += 1
            return False
        folded, self.suppressed = self.suppressed, 0
        self._last = now
        if folded:
            self.logger.log(self.level, "%s (and %d more like it in the last %.0fs)",
                            text, folded, self.interval)
        else:
            self.logger.log(self.level, "%s", text)
        return True


class AcceptErrorFilter:
    """At the fd limit asyncio reports "socket.accept() out of system resource" with a
    traceback for every attempt (hundreds a second). While installed, those reports for the
    given listening sockets are counted (``stats.accept_errors``) and folded into one line a
    second; every other report goes on to the loop's previous handler."""

    def __init__(self, folded: FoldedLog, stats: GatewayStats) -> None:
        self.folded = folded
        self.stats = stats
        self._fds: set[int] = set()
        self._installed = None

    def install(self, loop, sockets) -> None:
        self._fds = {s.fileno() for s in sockets}
        previous = loop.get_exception_handler()

        def handler(loop, context) -> None:
            sock = context.get("socket")
            if (sock is not None and self._fds
                    and str(context.get("message", "")).startswith("socket.accept()")
                    and sock.fileno() in self._fds):
                self.stats.accept_errors += 1
                self.folded.report(
                    f"demo gateway cannot accept connections: {context.get('exception')}; "
                    "new clients wait in the backlog until descriptors are free")
                return
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)
        self._installed = (loop, handler, previous)
        loop.set_exception_handler(handler)

    def remove(self) -> None:
        """Stop filtering; put the previous handler back unless another was set after ours
        (then ours stays in that chain, passing everything on)."""
        self._fds = set()
        if self._installed is None:
            return
        loop, handler, previous = self._installed
        self._installed = None
        if loop.get_exception_handler() is handler:
            loop.set_exception_handler(previous)
