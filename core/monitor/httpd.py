"""A tiny asyncio HTTP endpoint for ``/metrics`` and ``/healthz``.

It runs on the monitor's own event loop (not in a thread, unlike
``prometheus_client.start_http_server``), so ``/healthz`` answering at all proves the loop is
responsive, and a scrape reads the series between two updates, never during one.
The exposition is text format 0.0.4, byte for byte prometheus_client's, rendered with caches
(:mod:`.exposition`): every Prometheus accepts it, whatever its Accept header prefers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from .exposition import CONTENT_TYPE

MAX_HEAD = 16 * 1024
READ_TIMEOUT = 10.0

Health = Callable[[], tuple[bool, dict[str, Any]]]


class MetricsServer:
    """``await start(host, port)``, then ``.host`` / ``.port``; ``await close()``."""

    def __init__(self, render: Callable[[], bytes], health: Health,
                 before_scrape: Callable[[], None] | None = None,
                 after_scrape: Callable[[float, float], None] | None = None) -> None:
        self.render = render  # the exposition (MonitorMetrics.render)
        self.health = health
        self.before_scrape = before_scrape
        self.after_scrape = after_scrape  # gets the render's wall and CPU seconds
        self.scrapes = 0
        self.host = ""
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen; raises OSError (e.g. EADDRINUSE) for the caller to explain."""
        self._server = await asyncio.start_server(self._serve, host, port, limit=MAX_HEAD)
        sock = self._server.sockets[0].getsockname()
        self.host, self.port = sock[0], sock[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                    ConnectionError):
                return
            status, ctype, body = self.respond(head)
            method = head.split(b" ", 1)[0]
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("latin-1"))
            if method != b"HEAD":
                writer.write(body)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def respond(self, head: bytes) -> tuple[str, str, bytes]:
        """(status line, content type, body) for one request head."""
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return "400 Bad Request", "text/plain", b"bad request line\n"
        method, target, _ = parts
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", "text/plain", b"only GET and HEAD\n"
        path = target.split("?", 1)[0]
        if path == "/metrics":
            if self.before_scrape is not None:
                self.before_scrape()
            self.scrapes += 1
            t0, c0 = time.perf_counter(), time.thread_time()
            body = self.render()
            if self.after_scrape is not None:
                self.after_scrape(time.perf_counter() - t0, time.thread_time() - c0)
            return "200 OK", CONTENT_TYPE, body
        if path == "/healthz":
            ok, info = self.health()
            body = (json.dumps(info, separators=(",", ":")) + "\n").encode()
            return ("200 OK" if ok else "503 Service Unavailable"), "application/json", body
        if path == "/":
            return "200 OK", "text/plain", b"OpenDeck monitor: /metrics, /healthz\n"
        return "404 Not Found", "text/plain", b"not found; try /metrics or /healthz\n"
