"""The push log dock: a live, filterable, pausable table over the session's push ring.

Nothing here runs per push. A ``QTimer`` (75 ms by default) calls :meth:`PushLogDock.flush`,
which asks the Qt-free :class:`~.feed.PushFeed` for the new display rows (one pull from the
ring, filtered in Python, strings built only for what stays) and hands them to the model with
**one** ``beginInsertRows``; trimming to the row cap is **one** ``beginRemoveRows``. The full
decode of a push is built when somebody selects it. Re-filters and catch-ups after a long pause
run in steps of ``SCAN_CHUNK`` rows, one per event-loop turn, while the view says
"filtering…" / "catching up…". Other views that follow the ring on the same tick (the
watchlist) register in :attr:`PushLogDock.flush_hooks`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QTimer
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QFileDialog, QWidget

from .export import Export, ExportActions
from .feed import PushFeed
from .model import PushTableModel
from .rateplot import RatePlot
from .rows import COL_SUMMARY, DEFAULT_ROW_CAP, Row, RowBuilder, proto_label, shown_summary
from .ui import _fit_popup, build_ui

try:  # the lazy-summary row schema brings its own record; the session's until then
    from opendeck.core.pushrow import PushRecord  # type: ignore[attr-defined]
except ImportError:
    from opendeck.core.session import PushRecord

DEFAULT_FLUSH_MS = 75


def _feed_counter(name: str, doc: str) -> property:
    return property(lambda self: getattr(self.feed, name), doc=doc)


class PushLogDock(ExportActions, QDockWidget):
    """The push log. Reads ``session.pushes`` on a timer; emits no signal per push."""

    # the feed's counters, read as the dock's (see feed.py for what each counts)
    seen = _feed_counter("seen", "pushes that reached the ring since this log opened")
    shown_total = _feed_counter("shown_total", "pushes that passed the filter into the view")
    filtered_out = _feed_counter("filtered_out", "pushes the filter kept out")
    skipped = _feed_counter("skipped", "pushes the ring evicted before the view pulled them")
    trimmed = _feed_counter("trimmed", "rows that left the view at the row cap")
    buffered = _feed_counter("buffered", "pushes waiting while paused / scanning")
    buffered_evicted = _feed_counter("buffered_evicted", "buffered pushes already out of the ring")
    matching = _feed_counter("matching", "pushes matching the filter")
    last_seq = _feed_counter("last_seq", "highest seq pulled from the ring")

    @property
    def row_cap(self) -> int:
        return self.feed.row_cap

    @row_cap.setter
    def row_cap(self, value: int) -> None:
        self.feed.row_cap = value

    def __init__(self, session, parent: QWidget | None = None, *, row_cap: int = DEFAULT_ROW_CAP,
                 flush_ms: int = DEFAULT_FLUSH_MS, rate_chart: bool = True) -> None:
        super().__init__("Push log", parent)
        self.setObjectName("pushLogDock")
        self.session = session

        self._builder = RowBuilder(self._endpoint_name)
        self.feed = PushFeed(session.pushes, self._builder.build, row_cap)
        self.paused = False
        self.following = True  # tail-follow: changed only by the user's scrolling
        self.busy = ""  # "filtering…" / "catching up…" while a scan runs in steps
        self._job = None  # the running scan (a generator; one step per loop turn)
        self._scrolling = False  # our own scroll bar moves (not the user's)
        self.flushes = 0
        self.last_flush_ms = 0.0
        self.max_flush_ms = 0.0
        self.rates: dict[str, float] = {}
        self.status = ""
        self.last_export: tuple[str, str, int] | None = None  # (kind, path, rows)

        self._proto_ids: set[int] = set()
        self._endpoint_sig: tuple = ()
        self.flush_hooks: list[Callable[[], None]] = []  # run on every flush tick (watchlist)
        self._mutating = False
        self._export: Export | None = None
        self._dialog: QFileDialog | None = None

        self.model = PushTableModel(self, self.record_for)
        build_ui(self, rate_chart)

        self.timer = QTimer(self)
        self.timer.setObjectName("pushLogFlushTimer")
        self.timer.setInterval(flush_ms)
        self.timer.timeout.connect(self.flush)
        self.timer.start()

        self.rate_timer = QTimer(self)
        self.rate_timer.setObjectName("pushLogRateTimer")
        self.rate_timer.setInterval(1000)
        self.rate_timer.timeout.connect(self.update_rate)
        self.rate_timer.start()

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(200)
        self._text_timer.timeout.connect(self._apply_widgets_filter)

        self._job_timer = QTimer(self)
        self._job_timer.setObjectName("pushLogScanTimer")
        self._job_timer.setInterval(0)  # one scan step per event-loop turn
        self._job_timer.timeout.connect(self._job_step)

        self._export_timer = QTimer(self)
        self._export_timer.setInterval(100)
        self._export_timer.timeout.connect(self._poll_export)

        self._refresh_endpoints()
        self._update_labels()

    def _on_rate_toggled(self, on: bool) -> None:
        if on and self.rate_plot is None:
            self.rate_plot = RatePlot(self._rate_box)
            self._rate_box.layout().addWidget(self.rate_plot)
            self.rate_plot.update_series(self.session.rates, self._endpoint_names())
        self._rate_box.setVisible(on)

    # ------------------------------------------------------------------------------
    # the flush: everything per push happens here, in one pass per timer tick
    # ------------------------------------------------------------------------------
    def flush(self) -> None:
        t0 = time.perf_counter()
        for hook in self.flush_hooks:
            hook()
        feed = self.feed
        if self.paused or self._job is not None:  # a scan in steps owns the view meanwhile
            feed.hold()
            self._update_labels()
            return
        rows = feed.pull()
        self._add_protos()
        if rows is None:  # e.g. resume after a long pause: in steps
            self._start_job(self._catch_up(), "catching up\u2026")
            return
        if rows:
            self._insert(rows, feed.cap)
        self._update_labels()
        self.flushes += 1
        ms = (time.perf_counter() - t0) * 1000
        self.last_flush_ms = ms
        self.max_flush_ms = max(self.max_flush_ms, ms)

    def _add_protos(self) -> None:
        for pid in self.feed.take_new_protos():
            self._add_proto(pid)

    def _insert(self, rows: list[Row], cap: int) -> None:
        view, model = self.view, self.model
        sb = view.verticalScrollBar()
        old_value = sb.value()
        excess = model.rowCount() + len(rows) - cap
        self._mutating = True
        self._scrolling = True
        try:
            removed = 0
            if excess > 0:
                removed = min(excess, model.rowCount())
                model.remove_first(removed)  # one beginRemoveRows
                self.feed.trimmed += removed
            model.append_rows(rows)  # one beginInsertRows
            if self.following:
                view.scrollToBottom()
            elif removed:  # keep the rows the user is reading where they are
                if view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerPixel:
                    removed *= view.verticalHeader().defaultSectionSize()
                sb.setValue(max(0, old_value - removed))
        finally:
            self._mutating = False
            self._scrolling = False

    # ------------------------------------------------------------------------------
    # tail-follow: the user's scrolling decides; layout changes never do
    # ------------------------------------------------------------------------------
    def _on_scroll_value(self, value: int) -> None:
        if self._scrolling:
            return
        sb = self.view.verticalScrollBar()
        self.following = value >= sb.maximum() - 1

    def _on_scroll_range(self, _lo: int, hi: int) -> None:
        if self.following:
            self._scrolling = True
            try:
                self.view.verticalScrollBar().setValue(hi)
            finally:
                self._scrolling = False

    def _scroll_to_end(self) -> None:
        self.following = True
        self._scrolling = True
        try:
            self.view.scrollToBottom()
        finally:
            self._scrolling = False

    # ------------------------------------------------------------------------------
    # scans in steps (re-filter, catch-up)
    # ------------------------------------------------------------------------------
    def _start_job(self, job, text: str) -> None:
        """Run the first step now; if there is more, one step per loop turn after it."""
        self._cancel_job()
        try:
            next(job)
        except StopIteration:
            return
        self._job = job
        self.busy = text
        self._job_timer.start()
        self._update_labels()

    def _cancel_job(self) -> None:
        job, self._job = self._job, None
        self._job_timer.stop()
        self.busy = ""
        if job is not None:
            job.close()

    def _job_step(self) -> None:
        job = self._job
        if job is None:
            self._job_timer.stop()
            return
        try:
            next(job)
        except StopIteration:
            if self._job is job:
                self._job = None
                self._job_timer.stop()
                self.busy = ""
            self.flush()  # what arrived meanwhile, with the filter in force
            self._update_labels()

    @property
    def scanning(self) -> bool:
        return self._job is not None

    def _catch_up(self):
        rows = yield from self.feed.catch_up()
        self._add_protos()
        self._insert(rows, self.feed.cap)

    # ------------------------------------------------------------------------------
    # pause / clear / filter
    # ------------------------------------------------------------------------------
    def pause(self) -> None:
        if self.paused:
            return
        self.flush()  # everything that arrived before the click is shown
        self.paused = True
        self._sync_pause_button()
        self._update_labels()

    def resume(self) -> None:
        if not self.paused:
            return
        self.paused = False
        self._sync_pause_button()
        self.flush()
        self._update_labels()

    def toggle_pause(self) -> None:
        self.resume() if self.paused else self.pause()

    def _on_pause_toggled(self, checked: bool) -> None:
        if checked != self.paused:
            self.pause() if checked else self.resume()

    def _sync_pause_button(self) -> None:
        b = self.pause_button
        b.blockSignals(True)
        b.setChecked(self.paused)
        b.setText("Resume" if self.paused else "Pause")
        b.blockSignals(False)

    def clear(self) -> None:
        """Empty the view. Pushes still buffered by a pause are shown on resume."""
        self._cancel_job()
        self.feed.clear()
        self._mutating = True
        try:
            self.model.reset_rows([])
        finally:
            self._mutating = False
        self.detail.show_record(None)
        self._update_labels()

    def set_filter(self, endpoint: str | None = None, context: str | None = None,
                   proto_id: int | None = None, text: str = "") -> None:
        """Filter new rows, and rebuild the shown rows from the ring with the new filter."""
        self._text_timer.stop()
        if proto_id is not None:
            self._add_proto(proto_id)
        if endpoint is not None and self.endpoint_combo.findData(endpoint) < 0:
            self.endpoint_combo.addItem(self._endpoint_name(endpoint), endpoint)
        for combo, value in ((self.endpoint_combo, endpoint), (self.context_combo, context),
                             (self.proto_combo, proto_id)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)) if value is not None else 0)
            combo.blockSignals(False)
        if self.text_edit.text() != text:
            self.text_edit.blockSignals(True)
            self.text_edit.setText(text)
            self.text_edit.blockSignals(False)
        self._set_filter_args((endpoint, context, proto_id, text))

    def _apply_widgets_filter(self, *_: Any) -> None:
        self._text_timer.stop()
        self._set_filter_args((self.endpoint_combo.currentData(), self.context_combo.currentData(),
                               self.proto_combo.currentData(), self.text_edit.text()))

    def _set_filter_args(self, args: tuple) -> None:
        if self.feed.set_filter(args):
            self._refilter()

    @property
    def filter(self) -> tuple[str | None, str | None, int | None, str]:
        return self.feed.filter_args

    def _refilter(self) -> None:
        """Rebuild the view from the ring with the filter in force (user action only); a big
        ring is scanned in steps."""
        self._start_job(self._refilter_steps(), "filtering\u2026")

    def _refilter_steps(self):
        rows = yield from self.feed.refilter()
        self._mutating = True
        try:
            self.model.reset_rows(rows)
        finally:
            self._mutating = False
        self._scroll_to_end()
        self._update_labels()

    # ------------------------------------------------------------------------------
    # combos and names
    # ------------------------------------------------------------------------------
    def _endpoint_name(self, endpoint_id: str) -> str:
        ep = self.session.endpoints.get(endpoint_id)
        return ep.name if ep is not None else endpoint_id

    def _endpoint_names(self) -> dict[str, str]:
        return {eid: ep.name for eid, ep in self.session.endpoints.items()}

    def _refresh_endpoints(self) -> None:
        """Add / rename endpoints in the combo (cheap; once a second)."""
        sig = tuple((eid, ep.name) for eid, ep in self.session.endpoints.items())
        if sig == self._endpoint_sig:
            return
        self._endpoint_sig = sig
        self._builder.forget_names()
        combo = self.endpoint_combo
        combo.blockSignals(True)
        try:
            for eid, name in sig:
                i = combo.findData(eid)
                if i < 0:
                    combo.addItem(name, eid)
                elif combo.itemText(i) != name:
                    combo.setItemText(i, name)
        finally:
            combo.blockSignals(False)
        _fit_popup(combo)

    def _add_proto(self, pid: int) -> None:
        if pid in self._proto_ids:
            return
        self._proto_ids.add(pid)
        combo = self.proto_combo
        # keep the list sorted by id after "All protos"
        pos = 1
        while pos < combo.count() and combo.itemData(pos) < pid:
            pos += 1
        combo.blockSignals(True)
        combo.insertItem(pos, proto_label(pid), pid)
        combo.blockSignals(False)
        _fit_popup(combo)

    # ------------------------------------------------------------------------------
    # labels, rate
    # ------------------------------------------------------------------------------
    def _update_labels(self) -> None:
        if self.busy:
            text = self.busy
        elif self.paused:
            text = f"{self.buffered:,} buffered"
            if self.buffered_evicted:
                text += (f" ({self.buffered_evicted:,} already out of memory: they will be "
                         "skipped here but are in the journal)")
        else:
            text = ""
        if self.buffered_label.text() != text:
            self.buffered_label.setText(text)
        # what a person reads: the view, what arrived, what the filter matches
        parts = [f"{self.model.rowCount():,} rows in view", f"{self.seen:,} received"]
        if self.feed.accept is not None:
            parts.append(f"{self.matching:,} match the filter")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped (in the journal)")
        counts = " · ".join(parts)
        if self.counts_label.text() != counts:
            self.counts_label.setText(counts)
            # the cumulative accounting (every push counted exactly once) for the curious
            self.counts_label.setToolTip(
                f"Since this log opened: {self.seen:,} received = {self.shown_total:,} shown + "
                f"{self.filtered_out:,} filtered out + {self.skipped:,} skipped (evicted from "
                f"memory before the view pulled them) + {self.buffered:,} buffered.\n"
                f"{self.trimmed:,} shown rows left the view at the {self.row_cap:,}-row cap. "
                "The journal keeps every push.")

    def update_rate(self, now: float | None = None) -> dict[str, float]:
        """Once a second: THE sampler of ``session.rates`` (the status bar and the chart only
        read it); refreshes the label, the chart and the endpoint names."""
        self._refresh_endpoints()
        self.rates = dict(self.session.rates.sample(now))
        text = f"{self.session.rates.total:,.0f} push/s"
        if self.rate_label.text() != text:
            self.rate_label.setText(text)
        if self.rate_plot is not None and self.rate_button.isChecked():
            self.rate_plot.update_series(self.session.rates, self._endpoint_names(), now)
        return self.rates

    # ------------------------------------------------------------------------------
    # detail pane
    # ------------------------------------------------------------------------------
    def _on_current_row(self, current: QModelIndex | QPersistentModelIndex, _prev: Any) -> None:
        if self._mutating or not current.isValid():
            return  # rows moving under a trim do not change what the user is reading
        self.show_row(current.row())

    def show_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        if self.model.is_marker(row):
            self.detail.show_record(None, shown_summary(self.model.row_tuple(row)[COL_SUMMARY]))
            return
        seq = self.model.seq(row)
        rec = self.record_for(seq)
        self.detail.show_record(rec, "" if rec is not None else
                                f"Push #{seq} is no longer in memory and there is no journal.")

    def record_for(self, seq: int) -> PushRecord | None:
        """The full record: from the ring while it holds it, else from the journal."""
        rec = self.session.pushes.get(seq)
        if rec is not None or seq <= 0:
            return rec
        journal = self.session.journal
        if journal is None:
            return None
        try:
            for row in journal.rows("WHERE seq = ?", (seq,)):
                return PushRecord(*row)
        except Exception:  # noqa: BLE001 - a missing/locked journal must not break the view
            return None
        return None

