"""Exports of the push log: "all" (every push of this run) or "what the filter shows".

"All" reads the journal (else the memory ring). "What the filter shows" is every push the view
has taken in since it was last cleared that passes the filter in force, also those the row cap
or the ring has dropped from sight: the journal is read in the export thread with the same
predicate the view uses, so the file holds exactly the filtered rows. Writing runs in a thread;
the dock polls :class:`Export` for the result.

The export of "all" with no journal, and every file format, are the core's
(``core.journal.export_jsonl`` / ``export_csv``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from opendeck.core import journal as journal_mod
from PySide6.QtWidgets import QFileDialog

ALL, FILTERED = "all", "filtered"


def _writer(kind: str):
    return journal_mod.export_jsonl if kind == "jsonl" else journal_mod.export_csv


def export_fn(session, kind: str, path: str | Path, names: dict[str, str], *,
              scope: str = ALL, accept: Callable[[tuple], bool] | None = None,
              lo: int = 0, hi: int | None = None) -> Callable[[], int]:
    """A no-argument function that writes the file and returns the rows written. The ring is
    snapshotted here (on the GUI thread); the journal is read by the function itself."""
    write = _writer(kind)
    journal = session.journal
    if scope == ALL:
        if journal is not None:
            return lambda: write(journal, path, names)
        rows = list(session.pushes.rows_since(0))
        return lambda: write(rows, path, names)
    hi = session.pushes.last_seq if hi is None else hi
    if journal is not None:
        def run() -> int:
            journal.flush()
            src: Iterable[tuple] = journal.rows("WHERE seq > ? AND seq <= ?", (lo, hi))
            return write((r for r in src if accept is None or accept(r)), path, names)
        return run
    held = [r for r in session.pushes.rows_since(lo) if r[0] <= hi and (accept is None or accept(r))]
    return lambda: write(held, path, names)


class Export:
    """One background export: a thread writes the file; the dock polls for the result."""

    def __init__(self, kind: str, path: str, fn: Callable[[], int], scope: str = ALL) -> None:
        self.kind, self.path, self.scope = kind, path, scope
        self.count: int | None = None
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._run, args=(fn,), name=f"opendeck-export-{kind}",
                                       daemon=True)

    def _run(self, fn: Callable[[], int]) -> None:
        try:
            self.count = fn()
        except Exception as exc:  # noqa: BLE001 - reported in the status line
            self.error = exc

    @property
    def done(self) -> bool:
        return not self.thread.is_alive()


class ExportActions:
    """The dock's export actions (a mixin of PushLogDock: it has the feed, the session and the
    status line)."""

    session: Any
    feed: Any
    _dialog: Any
    _export: Export | None

    def _export_fn(self, kind: str, path: str, scope: str = ALL) -> Callable[[], int]:
        feed = self.feed
        return export_fn(self.session, kind, path, self._endpoint_names(), scope=scope,
                         accept=feed.accept, lo=feed.floor_seq, hi=feed.last_seq)

    def export_jsonl(self, path: Path | str, scope: str = ALL) -> int:
        """Every push (journal, else the ring), or ``scope=FILTERED`` what the filter shows, as
        JSON Lines; blocks; returns rows written."""
        return self._export_now("jsonl", str(path), scope)

    def export_csv(self, path: Path | str, scope: str = ALL) -> int:
        return self._export_now("csv", str(path), scope)

    def _export_now(self, kind: str, path: str, scope: str = ALL) -> int:
        n = self._export_fn(kind, path, scope)()
        self._export_done(kind, path, n, scope)
        return n

    def _export_done(self, kind: str, path: str, n: int, scope: str = ALL) -> None:
        self.last_export = (kind, path, n)
        src = "journal" if self.session.journal is not None else "memory ring"
        what = "pushes" if scope == ALL else "pushes that pass the filter"
        self._set_status(f"Exported {n:,} {what} from the {src} to {path}")

    def _set_status(self, text: str) -> None:
        self.status = text
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def open_export_dialog(self, kind: str, scope: str = ALL) -> QFileDialog:
        """Non-modal save dialog; the export runs in a thread when a file is chosen."""
        if self._dialog is not None:
            self._dialog.close()
        label, pattern = ("JSON Lines", "*.jsonl") if kind == "jsonl" else ("CSV", "*.csv")
        dlg = QFileDialog(self, f"Export pushes as {label}")
        dlg.setObjectName("pushExportDialog")
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setFileMode(QFileDialog.FileMode.AnyFile)
        dlg.setNameFilter(f"{label} ({pattern})")
        dlg.setDefaultSuffix(pattern[2:])
        dlg.selectFile(time.strftime(f"pushes-%Y%m%d-%H%M%S{pattern[1:]}"))
        dlg.fileSelected.connect(lambda p: self.start_export(kind, p, scope))
        dlg.finished.connect(lambda _r: setattr(self, "_dialog", None))
        self._dialog = dlg
        dlg.open()
        return dlg

    def start_export(self, kind: str, path: str, scope: str = ALL) -> None:
        """Export in a background thread (the journal read must not block the loop)."""
        if self._export is not None and not self._export.done:
            self._set_status("An export is still running")
            return
        exp = Export(kind, path, self._export_fn(kind, path, scope), scope)
        self._export = exp
        self._set_status(f"Exporting to {path}…")
        exp.thread.start()
        self._export_timer.start()

    @property
    def exporting(self) -> bool:
        return self._export is not None and not self._export.done

    def _poll_export(self) -> None:
        exp = self._export
        if exp is None or not exp.done:
            return
        self._export_timer.stop()
        if exp.error is not None:
            self._set_status(f"Export to {exp.path} failed: {exp.error}")
        else:
            self._export_done(exp.kind, exp.path, exp.count or 0, exp.scope)
