"""The journal: every push (and event) in SQLite, written off the loop thread, bounded, honest.

Schema and queries: docs/journal.md. One row per push in table ``pushes`` in the
:mod:`~opendeck.core.pushrow` order; ``PRAGMA user_version`` is the schema version.

How rows travel: the session hands over one list per read batch (:meth:`Journal.add_pushes`,
cheap, never blocks); a writer thread takes them in group commits, each at most
``commit_rows`` rows and about ``commit_interval`` seconds of work, so a crash loses at most what
was not committed yet. Rows go in as multi-row INSERTs of up to 3000 rows: the GIL is released
once per statement instead of once per row, and what a statement binds is kept small (see
:func:`_bind`), which is what lets the writer keep up while the loop thread decodes at full
speed.

Backpressure (the driver polls, no asyncio here): :attr:`Journal.lag` is rows handed over and
not committed; :attr:`Journal.behind` turns True at ``high_water`` and False again at
``low_water``; :meth:`Journal.wait_caught_up` blocks until then and
:meth:`Journal.set_resume_callback` is called from the writer thread when it happens (use
``loop.call_soon_threadsafe``). A caller that ignores it meets ``max_lag``: rows past it are
refused and counted as lost, never queued without bound.

Failures (disk full, read-only, locked, I/O error): the first one is kept as a
:class:`JournalError` on :attr:`Journal.error`; nothing more is written; :attr:`written` counts
only committed rows and :attr:`unsaved` every row handed over and not committed.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from . import catalog, pushrow
from .errors import ConfigError, JournalError, OpenDeckError
from .events import iso_utc

_log = logging.getLogger("opendeck.journal")
SCHEMA_VERSION = pushrow.SCHEMA_VERSION
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pushes (
    seq INTEGER PRIMARY KEY, time REAL NOT NULL, endpoint TEXT NOT NULL, context TEXT NOT NULL,
    proto_id INTEGER NOT NULL, fmt INTEGER NOT NULL, serial INTEGER NOT NULL, body BLOB NOT NULL,
    security TEXT NOT NULL, error TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, endpoint TEXT NOT NULL,
    context TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL
);
"""
ROW_FIELDS = pushrow.FIELDS
_ONE = "(" + ",".join("?" * pushrow.WIDTH) + ")"
PAGE_SIZE = 16384
_STATEMENT_ROWS = 3000  # 30000 parameters at most: under SQLite's 32766
CSV_COLUMNS = ["seq", "time", "endpoint", "context", "proto_id", "name", "security", "summary",
               "size", "error"]
_ERROR_WORDS = {13: "disk full", 8: "the journal file is read-only", 5: "the journal file is locked "
                "by another program", 6: "the journal file is locked", 10: "disk I/O error",
                14: "the journal file cannot be opened", 11: "the journal file is corrupt",
                26: "the journal file is not a database"}


class JournalUnavailable(JournalError, ConfigError):
    """The journal could not be created or opened (also a ConfigError: a setting to change)."""


def journal_error(exc: BaseException, path: Path) -> JournalError:
    """A sqlite/OS failure in OpenDeck's words."""
    code = getattr(exc, "sqlite_errorcode", None)
    what = _ERROR_WORDS.get(code & 0xFF if isinstance(code, int) else -1)
    if what is None and isinstance(exc, OSError):
        what = exc.strerror or str(exc)
    what = what or str(exc)
    return JournalError(f"{what} ({exc}): pushes are no longer saved to {path}; free space or "
                        "pick a writable folder, then start a new journal")


def _legacy(rows: list[tuple]) -> list[tuple]:
    """Transitional: 11-column rows (with a summary at index 9) become pushrow rows."""
    if rows and len(rows[0]) == pushrow.WIDTH + 1:
        return [r[:9] + r[10:] for r in rows]
    return rows


class Journal:
    def __init__(self, path: Path | str, *, high_water: int = 100_000, low_water: int = 25_000,
                 max_lag: int = 400_000, commit_interval: float = 0.1, commit_rows: int = 50_000,
                 busy_timeout: float = 2.0, connect: Callable[..., sqlite3.Connection] | None = None,
                 wal_limit: int = 16 * 1024 * 1024) -> None:
        if not 0 <= low_water < high_water <= max_lag:
            raise ValueError("need 0 <= low_water < high_water <= max_lag")
        self.path = Path(path)
        self.high_water, self.low_water, self.max_lag = high_water, low_water, max_lag
        self.commit_interval, self.commit_rows = commit_interval, commit_rows
        self._connect = connect or sqlite3.connect
        self._busy_ms = int(busy_timeout * 1000)
        self._wal_limit = wal_limit
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path)  # the writer's own (injectable) connect comes later
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if "pushes" in tables and version != SCHEMA_VERSION:
                    raise JournalUnavailable(
                        f"{self.path} holds a journal of schema {version}, this OpenDeck writes "
                        f"schema {SCHEMA_VERSION}; give a new file")
                if not tables:  # before the first table: 16 KiB pages insert ~30% faster
                    db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.first_seq = (db.execute("SELECT MAX(seq) FROM pushes").fetchone()[0] or 0) + 1
            finally:
                db.close()
        except (OSError, sqlite3.Error) as exc:
            raise JournalUnavailable(f"cannot create the journal at {self.path}: {exc}") from None
        self._cond = threading.Condition()
        self._rows: deque[list[tuple]] = deque()
        self._events: list[tuple] = []
        self._queued = 0  # rows in _rows
        self._inflight = 0  # rows taken by the writer, not committed yet
        self.handed = 0  # every push row given to add_pushes
        self.written = 0  # rows committed
        self.lost = 0  # rows that will never be committed (after an error, or refused)
        self.commits = 0
        self.last_commit: float | None = None  # time.time() of the last commit
        self.last_rows_commit: float | None = None  # time.monotonic() of the last one with rows
        self.error: JournalError | None = None
        self._behind = False
        self._resume: Callable[[], None] | None = None
        self._stop = False
        self._idle = False  # the writer waits for rows (only then is a notify worth its cost)
        self._syncs: list[tuple[int, threading.Event]] = []
        self._thread = threading.Thread(target=self._run, name="opendeck-journal", daemon=True)
        self._thread.start()

    def _open(self) -> sqlite3.Connection:
        db = self._connect(str(self.path), isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
        return db

    # --- the loop thread's side: cheap, never blocks ------------------------------------------
    def add_pushes(self, rows: list[tuple]) -> None:
        """rows: pushrow tuples (the very tuples the session's ring holds)."""
        if not rows:
            return
        rows = _legacy(rows)
        n = len(rows)
        with self._cond:
            self.handed += n
            if self.error is not None or self._stop:
                self.lost += n
                return
            room = self.max_lag - (self._queued + self._inflight)
            if room < n:  # the caller did not pause: refuse, count, never grow without bound
                self.lost += n - max(0, room)
                rows = rows[:max(0, room)]
                n = len(rows)
                if not n:
                    return
            self._rows.append(rows)
            self._queued += n
            if not self._behind and self._queued + self._inflight >= self.high_water:
                self._behind = True
            if self._idle:  # waking a busy writer would only hand the GIL around
                self._cond.notify()

    def add_event(self, time_: float, endpoint: str, context: str, kind: str, message: str) -> None:
        with self._cond:
            if self.error is None and not self._stop:
                self._events.append((time_, endpoint, context, kind, message))
                self._cond.notify()

    @property
    def lag(self) -> int:
        """Rows handed over that are not committed yet (and may still be)."""
        return self._queued + self._inflight

    @property
    def backlog(self) -> int:  # the window's older name for lag
        return self.lag

    @property
    def unsaved(self) -> int:
        """Rows handed over and not committed: the lag plus what is lost for good."""
        return self.handed - self.written

    @property
    def behind(self) -> bool:
        """True from ``high_water`` down to ``low_water``: stop reading the socket."""
        return self._behind

    def set_resume_callback(self, fn: Callable[[], None] | None) -> None:
        """``fn()`` runs on the writer thread when :attr:`behind` turns False (or on an error)."""
        self._resume = fn

    def wait_caught_up(self, timeout: float | None = None) -> bool:
        """Block until :attr:`behind` is False (or the journal failed/closed)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._behind, timeout)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until every row handed over so far is committed or lost; False on timeout."""
        with self._cond:
            target = self.handed
            if self.written + self.lost >= target and not self._events:
                return True
            ev = threading.Event()
            self._syncs.append((target, ev))
            self._cond.notify()
        return ev.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Commit what is queued, checkpoint the WAL into the file, stop the writer."""
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # --- the writer thread ----------------------------------------------------------------------
    def _run(self) -> None:
        db = None
        try:
            db = self._open()
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA journal_size_limit = {self._wal_limit}")
        except (OSError, sqlite3.Error) as exc:
            self._failed(journal_error(exc, self.path), 0)
        try:
            while True:
                with self._cond:
                    self._idle = True
                    self._cond.wait_for(lambda: self._rows or self._events or self._stop
                                        or self._syncs)
                    self._idle = False
                    if self.error is not None:
                        self._release_syncs()
                        if self._stop:
                            return
                        self._cond.wait_for(lambda: self._stop or self._syncs)
                        continue
                    events, self._events = self._events, []
                    stop = self._stop and not self._rows
                if self._rows or events:
                    self._commit(db, events)
                with self._cond:
                    self._release_syncs()
                if stop:
                    self._checkpoint(db)
                    return
        finally:
            if db is not None:
                db.close()
            with self._cond:
                self._release_syncs(force=True)
                self._cond.notify_all()

    def _take(self, limit: int) -> list[tuple]:
        """Up to ``limit`` queued rows (splitting a batch if need be)."""
        with self._cond:
            out: list[tuple] = []
            while self._rows and len(out) < limit:
                batch = self._rows[0]
                want = limit - len(out)
                if len(batch) <= want:
                    out += self._rows.popleft()
                else:
                    out += batch[:want]
                    self._rows[0] = batch[want:]
            self._queued -= len(out)
            self._inflight += len(out)
            return out

    def _commit(self, db: sqlite3.Connection, events: list[tuple]) -> None:
        """One transaction: at most commit_rows rows, about commit_interval of work."""
        deadline = time.monotonic() + self.commit_interval
        taken = 0
        try:
            db.execute("BEGIN IMMEDIATE")
            if events:
                db.executemany("INSERT INTO events (time, endpoint, context, kind, message) "
                               "VALUES (?,?,?,?,?)", events)
            while taken < self.commit_rows:
                rows = self._take(min(_STATEMENT_ROWS * 4, self.commit_rows - taken))
                if not rows:
                    break
                taken += len(rows)
                _insert(db, rows)
                if time.monotonic() >= deadline:
                    break
            db.execute("COMMIT")
        except (OSError, sqlite3.Error) as exc:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._failed(journal_error(exc, self.path), taken)
            return
        with self._cond:
            self._inflight -= taken
            self.written += taken
            self.commits += 1
            self.last_commit = time.time()
            if taken:
                self.last_rows_commit = time.monotonic()
            self._check_resume()

    def _failed(self, error: JournalError, inflight: int) -> None:
        with self._cond:
            if self.error is None:
                self.error = error
            dropped = inflight + self._queued
            self._inflight -= inflight
            self._rows.clear()
            self._queued = 0
            self._events.clear()
            self.lost += dropped
            self._check_resume(force=True)

    def _check_resume(self, force: bool = False) -> None:  # holding _cond
        if self._behind and (force or self._queued + self._inflight <= self.low_water):
            self._behind = False
            self._cond.notify_all()
            fn = self._resume
            if fn is not None:
                try:
                    fn()
                except Exception:  # noqa: BLE001 - the driver's callback must not stop the writer
                    _log.exception("journal: the resume callback failed")

    def _release_syncs(self, force: bool = False) -> None:  # holding _cond
        done = self.written + self.lost
        keep = []
        for target, ev in self._syncs:
            if force or done >= target or self.error is not None:
                ev.set()
            else:
                keep.append((target, ev))
        self._syncs = keep

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # a reader holds a snapshot: the WAL is folded in by the next open

    # --- readers: their own connection, any thread --------------------------------------------
    def count(self) -> int:
        with contextlib.closing(sqlite3.connect(self.path)) as db:
            return db.execute("SELECT COUNT(*) FROM pushes").fetchone()[0]

    def rows(self, where: str = "", params: tuple = ()) -> Iterator[tuple]:
        db = sqlite3.connect(self.path)
        try:
            yield from db.execute(f"SELECT {', '.join(ROW_FIELDS)} FROM pushes {where} ORDER BY seq",
                                  params)
        finally:
            db.close()

    def events(self) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.path)) as db:
            return db.execute("SELECT time, endpoint, context, kind, message FROM events "
                              "ORDER BY id").fetchall()


def _insert(db: sqlite3.Connection, rows: list[tuple]) -> None:
    """Multi-row INSERTs: statements of _STATEMENT_ROWS, the rest in halves of that (a handful
    of cached statements, one GIL release each)."""
    n = len(rows)
    pos = 0
    size = _STATEMENT_ROWS
    while pos < n:
        while size > n - pos:
            size //= 2
        sql, params = _bind(rows[pos:pos + size])
        db.execute(sql, params)
        pos += size


# Binding is the writer's GIL-held work, and its price differs by type (measured on 3.11:
# ~20 ns an int or float, ~80 ns a str; bytes ~380 ns, because sqlite3 sends every type but
# int/float/str/bytearray through its adapter registry). So bodies are bound as bytearray,
# and the columns that hold one value across a whole statement (endpoint, context, fmt and
# error, nearly always) are bound once, in the SELECT list, instead of once per row.
# Anonymous "?" only: numbered "?NNN" parameters made the same INSERT five times slower.
_SHARED = (pushrow.ENDPOINT, pushrow.CONTEXT, pushrow.FMT, pushrow.ERROR)
_OWN = tuple(c for c in range(pushrow.WIDTH) if c not in _SHARED)
_OWN_BODY = _OWN.index(pushrow.BODY)
_W = pushrow.WIDTH
_chain = itertools.chain.from_iterable


def _bind(chunk: list[tuple]) -> tuple[str, list]:
    """The statement and its parameters for one chunk of rows."""
    k = len(chunk)
    flat = list(_chain(chunk))
    if all(flat[c::_W].count(flat[c]) == k for c in _SHARED):
        head = [flat[c] for c in _SHARED]
        width = _W
        for c in reversed(_SHARED):  # drop the shared columns, last first
            del flat[c::width]
            width -= 1
        flat[_OWN_BODY::width] = map(bytearray, flat[_OWN_BODY::width])
        return _statement(k, shared=True), head + flat
    flat[pushrow.BODY::_W] = map(bytearray, flat[pushrow.BODY::_W])
    return _statement(k, shared=False), flat


_statements: dict[tuple[int, bool], str] = {}


def _statement(k: int, shared: bool) -> str:
    s = _statements.get((k, shared))
    if s is None:
        if shared:
            own = iter(range(1, len(_OWN) + 1))
            cols = ["?" if c in _SHARED else f"column{next(own)}" for c in range(_W)]
            one = "(" + ",".join("?" * len(_OWN)) + ")"
            s = (f"INSERT INTO pushes SELECT {', '.join(cols)} FROM (VALUES "
                 + ",".join([one] * k) + ")")
        else:
            s = "INSERT INTO pushes VALUES " + ",".join([_ONE] * k)
        _statements[(k, shared)] = s
    return s


# --- exports: any iterable of rows (the journal, the ring, what the filter shows) --------------

def _rows(source: Journal | Iterable[tuple]) -> Iterable[tuple]:
    if isinstance(source, Journal):
        source.flush()
        return source.rows()
    return (r[:9] + r[10:] if len(r) == pushrow.WIDTH + 1 else r for r in source)


def export_jsonl(source: Journal | Iterable[tuple], path: Path | str,
                 endpoint_names: dict[str, str] | None = None) -> int:
    """One JSON object per push, with the decoded body (64-bit ids as strings, as protobuf's
    JSON mapping writes them). ``time`` is ISO-8601 UTC, ``ts`` the same instant in seconds.
    ``source`` is a journal (read whole) or any iterable of pushrow rows. Returns the count."""
    from .summary import decode_push
    names = endpoint_names or {}
    n = 0
    with open(path, "w", encoding="utf-8") as out:
        for row in _rows(source):
            seq, t, ep, ctx, pid, fmt, serial, body, sec, err = row
            try:
                decoded: Any = decode_push(pid, fmt, body)
            except OpenDeckError as exc:
                decoded = {"raw_hex": body.hex(), "error": str(exc)}
            out.write(json.dumps({
                "seq": seq, "time": iso_utc(t), "ts": t, "endpoint": names.get(ep, ep),
                "endpoint_id": ep, "context": ctx, "proto_id": pid, "name": catalog.name_of(pid),
                "serial": str(serial), "security": sec, "summary": pushrow.summary(row),
                "size": len(body), "body": decoded, **({"error": err} if err else {}),
            }, ensure_ascii=False) + "\n")
            n += 1
    return n


def export_csv(source: Journal | Iterable[tuple], path: Path | str,
               endpoint_names: dict[str, str] | None = None) -> int:
    """One CSV row per push (no body), ISO-8601 UTC times. ``source`` as for export_jsonl."""
    names = endpoint_names or {}
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(CSV_COLUMNS)
        for row in _rows(source):
            seq, t, ep, ctx, pid, _fmt, _serial, body, sec, err = row
            w.writerow([seq, iso_utc(t), names.get(ep, ep), ctx, pid, catalog.name_of(pid), sec,
                        pushrow.summary(row), len(body), err])
            n += 1
    return n
