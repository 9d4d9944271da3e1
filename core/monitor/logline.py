"""The monitor's stderr log: one line per state change (and per error, notice, retry), as
logfmt (``ts=... level=info endpoint=... msg="..."``) or one JSON object per line."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

from ..events import ConnState, ErrorRaised, Event, HandshakeDone, Heartbeat, Notice, StateChanged, iso_utc

FORMATS = ("logfmt", "json")


def _logfmt_value(value: Any) -> str:
    text = "" if value is None else str(value)
    if text and not any(c in text for c in ' "=\\\n\t') and text.isprintable():
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class LogWriter:
    def __init__(self, fmt: str = "logfmt", stream: TextIO | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"log format {fmt!r} must be one of {', '.join(FORMATS)}")
        self.fmt = fmt
        self.stream = stream
        self.lines = 0
        self._last_error: dict[tuple[str, str], str] = {}  # repeats are counted, not logged

    def line(self, level: str, event: str, msg: str, ts: float | None = None, **fields: Any) -> None:
        ts = time.time() if ts is None else ts
        out = self.stream or sys.stderr
        rec = {"ts": iso_utc(ts), "level": level, "event": event,
               **{k: v for k, v in fields.items() if v is not None and v != ""}, "msg": msg}
        if self.fmt == "json":
            text = json.dumps(rec, ensure_ascii=False, default=str)
        else:
            text = " ".join(f"{k}={_logfmt_value(v)}" for k, v in rec.items())
        out.write(text + "\n")
        out.flush()
        self.lines += 1

    def event(self, e: Event, endpoint: str) -> None:
        """Log what a person watching the fleet wants to read: state changes, errors, notices,
        missed heartbeats (answered heartbeats only go to the metrics)."""
        ctx = str(e.context) if e.context is not None else None
        match e:
            case StateChanged(old=old, new=new, reason=reason):
                level = ("warning" if new in (ConnState.RECONNECTING, ConnState.FAILED) else "info")
                if new is ConnState.READY:
                    self._last_error.pop((endpoint, ctx or ""), None)
                self.line(level, "state", f"{old} -> {new}", e.ts, endpoint=endpoint, context=ctx,
                          old=str(old), new=str(new), reason=reason,
                          retry_in=None if e.retry_in is None else round(e.retry_in, 1))
            case HandshakeDone(info=info):
                self.line("info", "handshake", e.message, e.ts, endpoint=endpoint, context=ctx,
                          transport=str(info.transport), server_ver=info.server_ver)
            case Heartbeat(rtt_ms=None, missed=missed):
                self.line("warning", "heartbeat", e.message, e.ts, endpoint=endpoint, context=ctx,
                          missed=missed)
            case ErrorRaised(error_type=etype, permanent=permanent):
                key = (endpoint, ctx or "")
                if self._last_error.get(key) == e.text:
                    return
                self._last_error[key] = e.text
                self.line("error", "error", e.message, e.ts, endpoint=endpoint, context=ctx,
                          type=etype, permanent=permanent or None)
            case Heartbeat():
                pass  # answered: metrics only
            case Notice(level=level):
                self.line(level, "notice", e.message, e.ts, endpoint=endpoint, context=ctx)
            case _ if e.message:
                self.line("info", e.name, e.message, e.ts, endpoint=endpoint or None, context=ctx)
