"""The headless watcher: opens every context of a session, feeds the metrics, logs, retries.

* Typed events go to :class:`~.metrics.MonitorMetrics` and to the log, synchronously.
* One sampler task counts the push ring and the journal backlog about once a second.
* One poller asks each endpoint for GetGlobalState (market states, server build) now and then.
* A context the window would leave failed (a permanent handshake error, or closed on its
  own) is retried here on a slow cap, growing to :attr:`SlowRetry.cap` (5 min), with the
  reason in the log: a monitor runs unattended, and someone may fix the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import traceback
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Subscription
from ..errors import OpenDeckError
from ..events import ConnState, ContextKind, ErrorRaised, Event, StateChanged
from ..journal import Journal
from .logline import LogWriter
from .metrics import MonitorMetrics

Key = tuple[str, ContextKind]


@dataclass(frozen=True, slots=True)
class SlowRetry:
    """Delay before the n-th retry (n from 0) of a context the window would leave failed."""

    first: float = 30.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.first * (2 ** min(max(attempt, 0), 16)))


class Monitor:
    def __init__(self, session: Any, metrics: MonitorMetrics, log: LogWriter, *,
                 kinds: dict[str, list[ContextKind]],
                 subscriptions: Mapping[str, Sequence[Subscription]] | None = None,
                 global_state_interval: float = 30.0, sample_interval: float = 1.0,
                 retry: SlowRetry | None = None, request_timeout: float = 10.0,
                 journal_max_size: int = 0) -> None:
        self.session = session
        self.metrics = metrics
        self.log = log
        self.kinds = kinds  # endpoint id -> contexts to watch
        self.subscriptions = subscriptions or {}  # endpoint id -> what its quote context subscribes
        self.global_state_interval = global_state_interval
        self.sample_interval = sample_interval
        self.retry = retry or SlowRetry()
        self.request_timeout = request_timeout
        self.journal_max_size = journal_max_size  # bytes (file + WAL); 0: never rotate
        journal = session.journal
        self.journal_paths: list[Path] = [journal.path] if journal is not None else []
        self._journal_closing: list[asyncio.Future] = []  # rotated-out files committing
        self.last_lag = 0.0
        self.last_sample = time.monotonic()
        self.started = time.time()
        self._stopping = False
        self._closing: set[Key] = set()
        self._attempts: dict[Key, int] = {}
        self._retries: dict[Key, asyncio.Task] = {}
        self._subscribed: weakref.WeakSet = weakref.WeakSet()  # quote contexts we subscribed
        self._poll_now: set[str] = set()
        self._poll_wake = asyncio.Event()
        self._gs_errors: dict[str, str] = {}
        self._tasks: set[asyncio.Task] = set()
        self._unsubscribe = None

    # ---------------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        self._unsubscribe = self.session.subscribe(self._on_event)
        for ep_id, kinds in self.kinds.items():
            ep = self.session.endpoints[ep_id]
            self.metrics.track(ep_id, ep.name, kinds)
        for ep_id, kinds in self.kinds.items():
            for kind in kinds:
                try:  # returns at once and connects in the background, or refuses at once
                    await self.session.open(ep_id, str(kind))
                except OpenDeckError as exc:  # e.g. no WebSocket key, an unreadable RSA key file
                    self._on_event(ErrorRaised.of(exc, endpoint=ep_id, context=kind))
        self._spawn(self._sampler(), "opendeck-monitor-sampler")
        self._spawn(self._poll_global_state(), "opendeck-monitor-global-state")

    async def aclose(self) -> None:
        """Close every context (their closing lines are logged), then stop the tasks."""
        self._stopping = True
        for task in list(self._tasks) + list(self._retries.values()):
            task.cancel()
        for task in list(self._tasks) + list(self._retries.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        try:
            await self.session.aclose()
            await asyncio.gather(*self._journal_closing, return_exceptions=True)
        finally:
            self.sample()
            if self._unsubscribe is not None:
                self._unsubscribe()

    def _spawn(self, coro, name: str) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        """A helper task that raised is a bug: say so in the log, with the traceback."""
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        tb = "".join(traceback.format_exception(exc))
        self.log.line("error", "bug", f"{task.get_name()} raised {type(exc).__name__}: {exc}",
                      traceback=tb)

    # ---------------------------------------------------------------------- events
    def _on_event(self, e: Event) -> None:
        self.metrics.observe(e)
        self.log.event(e, self.metrics.label(e.endpoint) if e.endpoint else "")
        if not isinstance(e, StateChanged) or e.context is None or self._stopping:
            return
        key = (e.endpoint, ContextKind(e.context))
        if e.new is ConnState.READY:
            self._attempts.pop(key, None)
            self._poll_now.add(e.endpoint)
            self._poll_wake.set()
            if key[1] is ContextKind.QUOTE and self.subscriptions.get(e.endpoint):
                self._spawn(self._ensure_subscribed(key), "opendeck-monitor-subscribe")
        elif e.new is ConnState.FAILED or (e.new is ConnState.CLOSED and key not in self._closing):
            self._schedule_retry(key, e.reason or "closed")

    def _schedule_retry(self, key: Key, reason: str) -> None:
        if key in self._retries:
            return
        n = self._attempts.get(key, 0)
        delay = self.retry.delay(n)
        self._attempts[key] = n + 1
        self.log.line("warning", "retry", f"the window would stop here; retrying in {delay:.0f} s "
                      f"(slow cap {self.retry.cap:.0f} s): {reason}",
                      endpoint=self.metrics.label(key[0]), context=str(key[1]), retry_in=delay,
                      attempt=n + 1)
        task = asyncio.get_running_loop().create_task(self._retry_after(key, delay),
                                                      name="opendeck-monitor-retry")
        task.add_done_callback(self._task_done)  # a bug in it is logged, not lost
        self._retries[key] = task

    async def _retry_after(self, key: Key, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            ep_id, kind = key
            self._closing.add(key)
            try:
                await self.session.close(ep_id, str(kind))
            finally:
                self._closing.discard(key)
            self._retries.pop(key, None)
            await self.session.open(ep_id, str(kind))
        except OpenDeckError as exc:
            self._retries.pop(key, None)
            self._schedule_retry(key, str(exc))
        finally:
            self._retries.pop(key, None)

    async def _ensure_subscribed(self, key: Key) -> None:
        # handles_of, not handle(): the same answer, and robust to how the session keys them
        handle = next((h for h in self.session.handles_of(key[0]) if h.kind is key[1]), None)
        if handle is None:
            return
        ctx = handle.ctx
        if ctx in self._subscribed:
            return  # the context replays its own subscriptions after a reconnect
        label = self.metrics.label(key[0])
        for sub in self.subscriptions.get(key[0], ()):
            what = f"{sub.codes} ({','.join(sub.types)})"
            try:
                await asyncio.wait_for(ctx.subscribe(sub.codes, list(sub.types)), self.request_timeout)
            except (OpenDeckError, TimeoutError) as exc:
                self.log.line("error", "subscribe", f"subscribing {what} failed: "
                              f"{exc or type(exc).__name__}; retried on the next reconnect",
                              endpoint=label, context=str(key[1]))
                return
            self.log.line("info", "subscribe", f"subscribed {what}", endpoint=label, context=str(key[1]))
        self._subscribed.add(ctx)

    # ---------------------------------------------------------------------- periodic work
    def sample(self) -> None:
        """Count new pushes and the journal backlog (also run before every scrape)."""
        self.metrics.sample_pushes(self.session.pushes)
        self.metrics.sample_journal(self.session.journal)

    async def _sampler(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += self.sample_interval
            await asyncio.sleep(max(0.0, due - loop.time()))
            lag = max(0.0, loop.time() - due)
            if lag > self.sample_interval:  # a stall: do not try to catch up
                due = loop.time()
            self.last_lag = lag
            self.metrics.loop_lag.set(lag)
            self.sample()
            self.last_sample = time.monotonic()
            if self.journal_max_size:
                self._maybe_rotate()

    async def _poll_global_state(self) -> None:
        loop = asyncio.get_running_loop()
        next_all = loop.time() + self.global_state_interval
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poll_wake.wait(), max(0.0, next_all - loop.time()))
            self._poll_wake.clear()
            if loop.time() >= next_all:
                targets: Iterable[str] = list(self.kinds)
                next_all = loop.time() + self.global_state_interval
            else:
                targets = list(self._poll_now)
            self._poll_now.clear()
            await asyncio.gather(*(self._global_state(ep_id) for ep_id in targets))

    async def _global_state(self, ep_id: str) -> None:
        ready = [h for h in self.session.handles_of(ep_id) if h.state is ConnState.READY]
        if not ready:
            return
        ready.sort(key=lambda h: h.kind is not ContextKind.QUOTE)
        handle = ready[0]
        try:
            gs = await asyncio.wait_for(handle.ctx.get_global_state(), self.request_timeout)
        except (OpenDeckError, TimeoutError) as exc:
            text = str(exc) or type(exc).__name__
            if self._gs_errors.get(ep_id) != text:  # once per distinct failure, not per poll
                self._gs_errors[ep_id] = text
                self.log.line("warning", "global_state", f"GetGlobalState failed: {text}",
                              endpoint=self.metrics.label(ep_id), context=str(handle.kind))
            return
        self._gs_errors.pop(ep_id, None)
        handle.global_state = gs
        self.metrics.set_global_state(ep_id, gs)

    def _maybe_rotate(self) -> None:
        """A new journal file once this one reaches ``journal_max_size`` (between batches, never
        while reading is paused for it); the old file commits and closes on a worker thread."""
        old = self.session.journal
        if old is None or old.behind or old.error is not None:
            return
        size = _journal_size(old.path)
        if size < self.journal_max_size:
            return
        first = self.journal_paths[0]
        path = first.with_name(f"{first.stem}-{len(self.journal_paths) + 1}{first.suffix}")
        try:
            new = Journal(path)
        except OpenDeckError as exc:
            self.journal_max_size = 0
            self.log.line("error", "journal", f"cannot start the next journal file: {exc}; "
                          f"going on in {old.path.name} without rotation")
            return
        old.set_resume_callback(None)
        self.session.replace_journal(new)
        self.journal_paths.append(path)
        self.log.line("info", "journal", f"{old.path.name} reached {size / 2**20:.1f} MiB; "
                      f"journalling into {path.name}", path=str(path))
        self._journal_closing.append(asyncio.ensure_future(asyncio.to_thread(old.close)))

    # ---------------------------------------------------------------------- health
    def health(self) -> tuple[bool, dict[str, Any]]:
        age = time.monotonic() - self.last_sample
        states = self.metrics.context_states()
        ok = age < max(5.0, 5 * self.sample_interval)
        return ok, {"status": "ok" if ok else "stalled", "contexts": len(states),
                    "ready": sum(1 for s in states.values() if s is ConnState.READY),
                    "loop_lag_ms": round(self.last_lag * 1000, 3),
                    "last_sample_age_s": round(age, 3),
                    "uptime_s": round(time.time() - self.started, 1)}


def _journal_size(path: Path) -> int:
    """Bytes of a journal: its file and its write-ahead log."""
    return sum(f.stat().st_size for f in (path, path.with_name(path.name + "-wal")) if f.exists())
