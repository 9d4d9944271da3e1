"""The journal: every push and event written to SQLite (WAL) in batches, off the loop thread.

The session hands over one list per read batch (never one call per push); a writer thread
inserts them with ``executemany``. Pausing the view or a crash of the window loses nothing
that reached the journal, and export (JSON Lines, CSV) reads from it.
"""

from __future__ import annotations

import csv
import json
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import catalog
from .errors import ConfigError, OpenDeckError
from .summary import decode_push

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pushes (
    seq INTEGER PRIMARY KEY, time REAL NOT NULL, endpoint TEXT NOT NULL, context TEXT NOT NULL,
    proto_id INTEGER NOT NULL, fmt INTEGER NOT NULL, serial INTEGER NOT NULL, body BLOB NOT NULL,
    security TEXT NOT NULL, summary TEXT NOT NULL, error TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, endpoint TEXT NOT NULL,
    context TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL
);
"""

#: The column order of a push row everywhere: the session's ring, the journal, PushRecord.
ROW_FIELDS = ("seq", "time", "endpoint", "context", "proto_id", "fmt", "serial", "body",
              "security", "summary", "error")
_STOP = object()
CSV_COLUMNS = ["seq", "time", "endpoint", "context", "proto_id", "name", "security", "summary",
               "size"]


class Journal:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path)
            db.executescript(_SCHEMA)
            db.close()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot create the journal at {self.path}: {exc}") from None
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.written = 0
        self.error: Exception | None = None
        self._idle = threading.Condition()
        self._queued = 0
        self._thread = threading.Thread(target=self._run, name="opendeck-journal", daemon=True)
        self._thread.start()

    # called on the loop thread: cheap
    def add_pushes(self, rows: list[tuple]) -> None:
        """rows: tuples in ROW_FIELDS order (the very tuples the session's ring holds)."""
        with self._idle:
            self._queued += len(rows)
        self._q.put(("p", rows))

    def add_event(self, time: float, endpoint: str, context: str, kind: str, message: str) -> None:
        self._q.put(("e", [(time, endpoint, context, kind, message)]))

    @property
    def backlog(self) -> int:
        """Pushes handed over but not yet written."""
        return self._queued - self.written

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until everything handed over so far is written (for export and tests)."""
        marker = threading.Event()
        self._q.put(("sync", marker))
        return marker.wait(timeout)

    def close(self) -> None:
        if self._thread.is_alive():
            self._q.put(_STOP)
            self._thread.join(30)

    def _run(self) -> None:
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        try:
            while True:
                item = self._q.get()
                batch = [item]
                # take whatever else is queued: one transaction for all of it
                while True:
                    try:
                        batch.append(self._q.get_nowait())
                    except queue.Empty:
                        break
                stop = False
                markers = []
                pushes: list[tuple] = []
                events: list[tuple] = []
                for it in batch:
                    if it is _STOP:
                        stop = True
                    elif it[0] == "p":
                        pushes.extend(it[1])
                    elif it[0] == "e":
                        events.extend(it[1])
                    else:
                        markers.append(it[1])
                try:
                    with db:
                        if pushes:
                            db.executemany("INSERT OR REPLACE INTO pushes VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                           pushes)
                        if events:
                            db.executemany("INSERT INTO events (time, endpoint, context, kind, message) "
                                           "VALUES (?,?,?,?,?)", events)
                except sqlite3.Error as exc:  # disk full, file removed: keep the app alive
                    self.error = exc
                with self._idle:
                    self.written += len(pushes)
                for m in markers:
                    m.set()
                if stop:
                    return
        finally:
            db.close()

    # readers: their own connection, any thread
    def count(self) -> int:
        with sqlite3.connect(self.path) as db:
            return db.execute("SELECT COUNT(*) FROM pushes").fetchone()[0]

    def rows(self, where: str = "", params: tuple = ()) -> Iterator[tuple]:
        db = sqlite3.connect(self.path)
        try:
            yield from db.execute(f"SELECT {', '.join(ROW_FIELDS)} FROM pushes {where} ORDER BY seq",
                                  params)
        finally:
            db.close()

    def events(self) -> list[tuple]:
        with sqlite3.connect(self.path) as db:
            return db.execute("SELECT time, endpoint, context, kind, message FROM events "
                              "ORDER BY id").fetchall()


def _rows(source: Journal | Iterable[tuple]) -> Iterable[tuple]:
    if isinstance(source, Journal):
        source.flush()
        return source.rows()
    return source


def export_jsonl(source: Journal | Iterable[tuple], path: Path | str,
                 endpoint_names: dict[str, str] | None = None) -> int:
    """One JSON object per push, with the decoded body. ``source`` is a journal (read whole)
    or any iterable of rows in ROW_FIELDS order. Returns the number written."""
    names = endpoint_names or {}
    n = 0
    with open(path, "w", encoding="utf-8") as out:
        for seq, t, ep, ctx, pid, fmt, serial, body, sec, summ, err in _rows(source):
            try:
                decoded: Any = decode_push(pid, fmt, body)
            except OpenDeckError as exc:
                decoded = {"raw_hex": body.hex(), "error": str(exc)}
            out.write(json.dumps({
                "seq": seq, "time": t, "endpoint": names.get(ep, ep), "context": ctx,
                "proto_id": pid, "name": catalog.name_of(pid), "serial": serial,
                "security": sec, "summary": summ, "size": len(body), "body": decoded,
                **({"error": err} if err else {}),
            }, ensure_ascii=False) + "\n")
            n += 1
    return n


def export_csv(source: Journal | Iterable[tuple], path: Path | str,
               endpoint_names: dict[str, str] | None = None) -> int:
    """One CSV row per push (no body). ``source`` as for :func:`export_jsonl`."""
    names = endpoint_names or {}
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(CSV_COLUMNS)
        for seq, t, ep, ctx, pid, _fmt, _serial, body, sec, summ, _err in _rows(source):
            w.writerow([seq, f"{t:.6f}", names.get(ep, ep), ctx, pid, catalog.name_of(pid), sec,
                        summ, len(body)])
            n += 1
    return n
