"""The push log dock: a live, filterable, pausable table over the session's push ring.

Nothing here runs per push. A ``QTimer`` (75 ms by default) calls :meth:`PushLogDock.flush`,
which pulls ``session.pushes.rows_since(last_seq)`` once (raw row tuples), filters them in
Python (no ``QSortFilterProxyModel``), builds the display strings only for the rows it keeps
and hands the batch to the model with **one** ``beginInsertRows``; trimming to the row cap is
**one** ``beginRemoveRows``. ``data()`` only indexes a tuple. The full decode of a push is built
when somebody selects it.

Big scans never run in one go: a re-filter (newest first, over the whole ring) and the catch-up
after a long pause are split into steps of :data:`SCAN_CHUNK` rows, one per event-loop turn,
while the view says "filtering…" / "catching up…".

Accounting (every push is counted exactly once)::

    seen == shown_total + filtered_out + skipped + buffered

``skipped`` are pushes the ring buffer evicted before the view pulled them (a very long pause);
they are still in the journal, and the view says so with a marker row.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opendeck.core import catalog
from opendeck.core import journal as journal_mod
from opendeck.core.session import PushRecord

from .hexview import HexView

COLUMNS = ("Time", "Endpoint", "Context", "Proto", "Security", "Summary", "Size")
COL_TIME, COL_ENDPOINT, COL_CONTEXT, COL_PROTO, COL_SECURITY, COL_SUMMARY, COL_SIZE = range(7)
_SEQ = 7  # row[_SEQ]: the push's seq (0 for a marker row)
_KIND = 8  # row[_KIND]: KIND_PUSH, KIND_ERROR or KIND_MARKER
KIND_PUSH, KIND_ERROR, KIND_MARKER = 0, 1, 2

SUMMARY_MAX = 160  # characters of the summary kept in the row; the detail pane has it all
DEFAULT_ROW_CAP = 50_000
DEFAULT_FLUSH_MS = 75
RATE_WINDOW_S = 120  # the rate chart's trailing window (PushRates keeps 120 samples)
SCAN_CHUNK = 15_000  # rows filtered per step of a re-filter / catch-up
CONTEXT_CHOICES = (("quote", "Quote"), ("trade-sec", "Sec trade"), ("trade-future", "Fut trade"))
# raw ring rows (core.journal.ROW_FIELDS order)
R_SEQ, R_TIME, R_EP, R_CTX, R_PID, R_FMT, R_SERIAL, R_BODY, R_SEC, R_SUMM, R_ERR = range(11)

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)

# (time, endpoint, context, proto, security, summary, size, seq, kind): str/int only, so the
# tuple is untracked by the cyclic GC after its first collection. 50k tracked rows (holding a
# record or a brush) would add ~10 ms to every full collection, which is a loop stall.
Row = tuple


# --------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------
class PushTableModel(QAbstractTableModel):
    """Read-only rows of precomputed strings; mutated only in batches by the dock.

    ``lookup(seq)`` returns the full PushRecord of a row (ring, else journal) on demand.
    """

    def __init__(self, parent=None, lookup: Callable[[int], PushRecord | None] | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._lookup = lookup or (lambda _seq: None)
        self._brushes = (None,) + _brushes()

    # Qt API: keep these trivial ------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 7

    def data(self, index, role=_DISPLAY):
        if role == _DISPLAY:
            if index.isValid():
                return self._rows[index.row()][index.column()]
            return None
        if role == _FOREGROUND:
            return self._brushes[self._rows[index.row()][_KIND]] if index.isValid() else None
        if role == _ALIGN:
            return _RIGHT if index.column() == COL_SIZE and index.isValid() else None
        if role == _TOOLTIP and index.isValid() and index.column() == COL_SUMMARY:
            row = self._rows[index.row()]
            rec = self._lookup(row[_SEQ]) if row[_KIND] != KIND_MARKER else None
            return rec.summary if rec is not None else row[COL_SUMMARY]
        return None

    def headerData(self, section, orientation, role=_DISPLAY):
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < 7:
            return COLUMNS[section]
        return None

    # batch mutations (the dock calls at most one of each per flush) ---------------------
    def append_rows(self, rows: list[Row]) -> None:
        if not rows:
            return
        n = len(self._rows)
        self.beginInsertRows(QModelIndex(), n, n + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def remove_first(self, count: int) -> None:
        count = min(count, len(self._rows))
        if count <= 0:
            return
        self.beginRemoveRows(QModelIndex(), 0, count - 1)
        del self._rows[:count]
        self.endRemoveRows()

    def reset_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    # helpers ----------------------------------------------------------------------------
    def seq(self, row: int) -> int:
        """The seq of a row (0 for a marker row)."""
        return self._rows[row][_SEQ]

    def is_marker(self, row: int) -> bool:
        return self._rows[row][_KIND] == KIND_MARKER

    def record(self, row: int) -> PushRecord | None:
        """The full record of a row, from the ring (else the journal); None for a marker."""
        if not 0 <= row < len(self._rows) or self._rows[row][_KIND] == KIND_MARKER:
            return None
        return self._lookup(self._rows[row][_SEQ])

    def row_tuple(self, row: int) -> Row:
        return self._rows[row]

    def push_rows(self) -> int:
        """Rows that are pushes (marker rows excluded)."""
        return sum(1 for r in self._rows if r[_KIND] != KIND_MARKER)


# --------------------------------------------------------------------------------------
# row building
# --------------------------------------------------------------------------------------
_ERROR_BRUSH: QBrush | None = None
_MARKER_BRUSH: QBrush | None = None


def _brushes() -> tuple[QBrush, QBrush]:
    global _ERROR_BRUSH, _MARKER_BRUSH
    if _ERROR_BRUSH is None:
        _ERROR_BRUSH = QBrush(QColor(200, 40, 40))
        _MARKER_BRUSH = QBrush(QColor(150, 110, 20))
    return _ERROR_BRUSH, _MARKER_BRUSH  # type: ignore[return-value]


def format_time(t: float) -> str:
    lt = time.localtime(t)
    return f"{lt.tm_hour:02d}:{lt.tm_min:02d}:{lt.tm_sec:02d}.{int(t * 1000) % 1000:03d}"


def proto_label(proto_id: int) -> str:
    return f"{proto_id} {catalog.name_of(proto_id)}"


class _RowBuilder:
    """Turns PushRecords into display tuples; caches everything that repeats."""

    def __init__(self, endpoint_name: Callable[[str], str]) -> None:
        self._endpoint_name = endpoint_name
        self._names: dict[str, str] = {}
        self._protos: dict[int, str] = {}
        self._sizes: dict[int, str] = {}
        self._last_t = -1.0
        self._last_ts = ""

    def forget_names(self) -> None:
        self._names.clear()

    def proto(self, pid: int) -> str:
        s = self._protos.get(pid)
        if s is None:
            s = self._protos[pid] = proto_label(pid)
        return s

    def build(self, raw_rows: list[tuple]) -> list[Row]:
        """Display rows from raw ring rows (ROW_FIELDS order); no PushRecord is built."""
        names, protos, sizes = self._names, self._protos, self._sizes
        out = []
        append = out.append
        last_t, last_ts = self._last_t, self._last_ts
        for seq, t, endpoint, context, pid, _fmt, _serial, body, security, summ, error in raw_rows:
            if t != last_t:  # a read batch shares one timestamp
                last_t, last_ts = t, format_time(t)
            ep = names.get(endpoint)
            if ep is None:
                ep = names[endpoint] = self._endpoint_name(endpoint)
            pl = protos.get(pid)
            if pl is None:
                pl = protos[pid] = proto_label(pid)
            n = len(body)
            sz = sizes.get(n)
            if sz is None:
                sz = str(n)
                if len(sizes) < 4096:
                    sizes[n] = sz
            if len(summ) > SUMMARY_MAX or "\n" in summ:
                summ = summ.replace("\n", " ")
                if len(summ) > SUMMARY_MAX:
                    summ = summ[:SUMMARY_MAX - 1] + "…"
            append((last_ts, ep, context, pl, security, summ, sz, seq,
                    KIND_ERROR if error else KIND_PUSH))
        self._last_t, self._last_ts = last_t, last_ts
        return out


def marker_row(text: str, t: float | None = None) -> Row:
    return (format_time(time.time() if t is None else t), "", "", "", "", text, "", 0, KIND_MARKER)


def skipped_text(n: int) -> str:
    return (f"⋯ {n:,} push{'es' if n != 1 else ''} skipped here: the memory ring evicted "
            f"{'them' if n != 1 else 'it'} before the view caught up (they are in the journal; "
            "export to see them)")


# --------------------------------------------------------------------------------------
# filtering
# --------------------------------------------------------------------------------------
def make_filter(endpoint: str | None, context: str | None, proto_id: int | None,
                text: str) -> Callable[[tuple], bool] | None:
    """A predicate over raw ring rows (ROW_FIELDS order), or None when everything passes."""
    needle = text.strip().lower()
    if endpoint is None and context is None and proto_id is None and not needle:
        return None
    protos: dict[int, str] = {}  # proto id -> "3005 qot_updatebasicqot"

    def accept(r: tuple) -> bool:
        if endpoint is not None and r[R_EP] != endpoint:
            return False
        if context is not None and r[R_CTX] != context:
            return False
        if proto_id is not None and r[R_PID] != proto_id:
            return False
        if needle and needle not in r[R_SEC].lower() and needle not in r[R_SUMM].lower():
            p = protos.get(r[R_PID])
            if p is None:
                p = protos[r[R_PID]] = proto_label(r[R_PID]).lower()
            if needle not in p:
                return False
        return True

    return accept


# --------------------------------------------------------------------------------------
# detail pane
# --------------------------------------------------------------------------------------
_TREE_AUTO_NODES = 400  # expand automatically while the tree stays this small
_TREE_AUTO_DEPTH = 4


class _ValueItem(QTreeWidgetItem):
    """A tree node that builds its children when first expanded."""

    def __init__(self, parent, key: str, value: Any) -> None:
        container = isinstance(value, (dict, list)) and len(value) > 0
        if isinstance(value, dict):
            shown = f"{{{len(value)} fields}}"
        elif isinstance(value, list):
            shown = f"[{len(value)} items]"
        else:
            shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            if len(shown) > 500:
                shown = shown[:499] + "…"
        super().__init__(parent, [key, shown])
        self.value = value if container else None
        self.populated = not container
        if container:
            self.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)

    def populate(self) -> int:
        if self.populated:
            return 0
        self.populated = True
        value, self.value = self.value, None
        items = value.items() if isinstance(value, dict) else ((f"[{i}]", v) for i, v in enumerate(value))
        n = 0
        for k, v in items:
            _ValueItem(self, str(k), v)
            n += 1
        return n


class PushDetail(QWidget):
    """One push: a two-line summary on top; the decoded message (tree or JSON), the hex and
    the full header fields in tabs below, so the message gets the room."""

    TREE, JSON, HEX, HEADER = range(4)

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("pushDetail")
        self.record: PushRecord | None = None
        self.decoded: Any = None
        self.decode_error = ""
        self._dirty = [False, False, False]

        self.summary = QLabel(self)
        self.summary.setObjectName("pushDetailSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.summary.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 4)
        self.summary.setText("<i>Select a push to see it here.</i>")

        self.header = QLabel()
        self.header.setObjectName("pushDetailHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.header.setWordWrap(True)
        self.header.setContentsMargins(4, 4, 4, 4)
        self.header_scroll = QScrollArea(self)
        self.header_scroll.setObjectName("pushDetailHeaderTab")
        self.header_scroll.setWidgetResizable(True)
        self.header_scroll.setWidget(self.header)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("pushDetailTree")
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setUniformRowHeights(True)
        self.tree.itemExpanded.connect(self._on_expanded)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().resizeSection(0, 180)

        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.json = QPlainTextEdit(self)
        self.json.setObjectName("pushDetailJson")
        self.json.setReadOnly(True)
        self.json.setFont(fixed)
        self.json.setUndoRedoEnabled(False)
        self.hex = HexView(self)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("pushDetailTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.tree, "Tree")
        self.tabs.addTab(self.json, "JSON")
        self.tabs.addTab(self.hex, "Hex")
        self.tabs.addTab(self.header_scroll, "Header")
        self.tabs.currentChanged.connect(self._render_current)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)

    # --------------------------------------------------------------------------------
    def show_record(self, rec: PushRecord | None, marker_text: str = "") -> None:
        self.record = rec
        self.decoded = None
        self.decode_error = ""
        if rec is None:
            text = html.escape(marker_text) if marker_text else "<i>Select a push to see it here.</i>"
            self.summary.setText(text)
            self.summary.setToolTip(marker_text)
            self.header.setText(text)
            self.tree.clear()
            self.json.clear()
            self.hex.clear()
            self._dirty = [False, False, False]
            return
        try:
            self.decoded = rec.decode()
        except Exception as exc:  # noqa: BLE001 - show what went wrong, keep the window alive
            self.decode_error = f"{type(exc).__name__}: {exc}"
        self.header.setText(self._header_html(rec))
        self.summary.setText(self._summary_html(rec))
        self.summary.setToolTip(rec.summary)
        self._dirty = [True, True, True]
        self._render_current()

    def _summary_html(self, rec: PushRecord) -> str:
        """Two lines: what and which; where and when (+ the error, if any)."""
        ep = self.session.endpoints.get(rec.endpoint)
        e = html.escape
        sec = e(rec.security or "\u2014")
        line1 = (f"<b>{e(proto_label(rec.proto_id))}</b> \u00b7 #{rec.seq} \u00b7 {sec} \u00b7 "
                 f"{rec.size:,} bytes")
        line2 = (f"{e(ep.name if ep is not None else rec.endpoint)} / {e(rec.context)} \u00b7 "
                 f"{format_time(rec.time)}")
        problem = rec.error or self.decode_error
        if problem:
            line2 += f" \u00b7 <span style='color:#c82828'>{e(problem[:80])}</span>"
        return f"<div style='white-space:pre'>{line1}<br>{line2}</div>"

    def _header_html(self, rec: PushRecord) -> str:
        ep = self.session.endpoints.get(rec.endpoint)
        fields = [
            ("Proto", proto_label(rec.proto_id)),
            ("Seq", str(rec.seq)),
            ("Serial", str(rec.serial)),
            ("Format", {0: "protobuf", 1: "json"}.get(rec.fmt, f"fmt {rec.fmt}")),
            ("Size", f"{rec.size:,} bytes"),
            ("Endpoint", f"{ep.name} ({rec.endpoint})" if ep is not None else rec.endpoint),
            ("Context", rec.context),
            ("Time", f"{time.strftime('%Y-%m-%d', time.localtime(rec.time))} {format_time(rec.time)}"),
            ("Security", rec.security or "—"),
            ("Summary", rec.summary),
        ]
        if rec.error:
            fields.append(("Error", rec.error))
        if self.decode_error:
            fields.append(("Decode", self.decode_error))
        red = " style='color:#c82828'"
        rows = "".join(
            f"<tr><td style='padding-right:8px'><b>{k}</b></td>"
            f"<td{red if k in ('Error', 'Decode') else ''}>{html.escape(v)}</td></tr>"
            for k, v in fields)
        return f"<table cellspacing='0'>{rows}</table>"

    def _render_current(self, *_: Any) -> None:
        i = self.tabs.currentIndex()
        if i >= len(self._dirty) or not self._dirty[i] or self.record is None:
            return
        self._dirty[i] = False
        if i == self.TREE:
            self._render_tree()
        elif i == self.JSON:
            self._render_json()
        else:
            self.hex.set_bytes(self.record.body)

    def render_all(self) -> None:
        """Build every tab now (tests, copy actions)."""
        for i in range(3):
            if self._dirty[i] and self.record is not None:
                self._dirty[i] = False
                (self._render_tree, self._render_json,
                 lambda: self.hex.set_bytes(self.record.body))[i]()

    def _render_tree(self) -> None:
        self.tree.clear()
        if self.decoded is None:
            QTreeWidgetItem(self.tree, ["error", self.decode_error or "nothing decoded"])
            return
        root = self.decoded if isinstance(self.decoded, dict) else {"value": self.decoded}
        self.tree.setUpdatesEnabled(False)
        try:
            level = [_ValueItem(self.tree, str(k), v) for k, v in root.items()]
            budget = _TREE_AUTO_NODES - len(level)
            for _depth in range(_TREE_AUTO_DEPTH - 1):
                nxt = []
                for item in level:
                    if item.populated or budget <= 0:
                        continue
                    budget -= item.populate()
                    item.setExpanded(True)
                    nxt.extend(item.child(j) for j in range(item.childCount()))
                level = nxt
        finally:
            self.tree.setUpdatesEnabled(True)

    def _render_json(self) -> None:
        if self.decoded is None:
            self.json.setPlainText(self.decode_error or "nothing decoded")
        else:
            self.json.setPlainText(json.dumps(self.decoded, indent=2, ensure_ascii=False, default=str))

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        if isinstance(item, _ValueItem) and not item.populated:
            item.populate()

    def tree_texts(self) -> list[tuple[str, str]]:
        """(field, value) of every built tree node, depth first (tests, copy)."""
        out: list[tuple[str, str]] = []

        def walk(item: QTreeWidgetItem) -> None:
            out.append((item.text(0), item.text(1)))
            for j in range(item.childCount()):
                walk(item.child(j))

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return out


# --------------------------------------------------------------------------------------
# rate chart
# --------------------------------------------------------------------------------------
class RatePlot(QWidget):
    """A compact pyqtgraph plot of ``session.rates`` (one line per endpoint), redrawn once a
    second: wall-clock x axis over a trailing window, y from 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyqtgraph as pg  # imported here so the module loads fast for tests of the model

        self._pg = pg
        self.setObjectName("pushRatePlot")
        self.plot = pg.PlotWidget(self, background=None,
                                  axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "push/s")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.getPlotItem().setContentsMargins(0, 0, 0, 0)
        self.plot.setLimits(yMin=0)
        self.legend = self.plot.addLegend(offset=(4, 2), labelTextSize="7pt")
        self.curves: dict[str, Any] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)
        self.setMinimumHeight(70)
        self.setMaximumHeight(130)

    def update_series(self, rates, names: dict[str, str], now: float | None = None) -> None:
        """``rates``: the session's PushRates (read only; the dock samples it)."""
        t_end = time.time() if now is None else now
        top = 1.0
        for ep in list(names) + [e for e in rates.latest if e not in names]:
            pts = rates.history(ep)
            if not pts:
                continue
            t_end = max(t_end, pts[-1][0])
            curve = self.curves.get(ep)
            if curve is None:
                pen = self._pg.mkPen(self._pg.intColor(len(self.curves), hues=8), width=1)
                curve = self.curves[ep] = self.plot.plot([], [], pen=pen, name=names.get(ep, ep))
            curve.setData([t for t, _r in pts], [r for _t, r in pts])
            top = max(top, max(r for _t, r in pts))
        self.plot.setXRange(t_end - RATE_WINDOW_S, t_end, padding=0)
        self.plot.setYRange(0, top * 1.15, padding=0)


# --------------------------------------------------------------------------------------
# the dock
# --------------------------------------------------------------------------------------
def _fit_popup(combo: QComboBox) -> None:
    """The combo keeps its steady width; its list opens wide enough for the longest item."""
    fm = combo.fontMetrics()
    widest = max((fm.horizontalAdvance(combo.itemText(i)) for i in range(combo.count())), default=0)
    combo.view().setMinimumWidth(widest + 32)


class _Export:
    """One background export: a thread writes the file; the dock polls for the result."""

    def __init__(self, kind: str, path: str, fn: Callable[[], int]) -> None:
        self.kind, self.path = kind, path
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


class PushLogDock(QDockWidget):
    """The push log. Reads ``session.pushes`` on a timer; emits no signal per push."""

    def __init__(self, session, parent: QWidget | None = None, *, row_cap: int = DEFAULT_ROW_CAP,
                 flush_ms: int = DEFAULT_FLUSH_MS, rate_chart: bool = True) -> None:
        super().__init__("Push log", parent)
        self.setObjectName("pushLogDock")
        self.session = session
        self.row_cap = row_cap

        # counters --------------------------------------------------------------------
        pushes = session.pushes
        self._base_seq = pushes.first_seq - 1  # pushes evicted before we existed are not ours
        self.last_seq = self._base_seq  # highest seq pulled from the ring
        self._floor_seq = self._base_seq  # clear(): rows up to here are not shown again
        self.seen = 0
        self.shown_total = 0
        self.filtered_out = 0
        self.skipped = 0
        self.trimmed = 0
        self.buffered = 0
        self.buffered_evicted = 0
        self.matching = 0  # pushes matching the current filter (in memory at refilter, + new)
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

        self._filter_args: tuple[str | None, str | None, int | None, str] = (None, None, None, "")
        self._accept: Callable[[tuple], bool] | None = None
        self._builder = _RowBuilder(self._endpoint_name)
        self._proto_ids: set[int] = set()
        self._endpoint_sig: tuple = ()
        self._mutating = False
        self._export: _Export | None = None
        self._dialog: QFileDialog | None = None

        self.model = PushTableModel(self, self.record_for)
        self._build_ui(rate_chart)

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

    # ------------------------------------------------------------------------------
    # UI
    # ------------------------------------------------------------------------------
    def _build_ui(self, rate_chart: bool) -> None:
        body = QWidget(self)
        body.setObjectName("pushLogBody")
        outer = QVBoxLayout(body)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)

        # filter + controls bar
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.endpoint_combo = QComboBox(body)
        self.endpoint_combo.setObjectName("pushFilterEndpoint")
        self.endpoint_combo.addItem("All endpoints", None)
        self.context_combo = QComboBox(body)
        self.context_combo.setObjectName("pushFilterContext")
        self.context_combo.addItem("All contexts", None)
        for key, label in CONTEXT_CHOICES:
            self.context_combo.addItem(label, key)
        self.proto_combo = QComboBox(body)
        self.proto_combo.setObjectName("pushFilterProto")
        self.proto_combo.addItem("All protos", None)
        self.text_edit = QLineEdit(body)
        self.text_edit.setObjectName("pushFilterText")
        self.text_edit.setPlaceholderText("Filter: security, summary, proto…")
        self.text_edit.setClearButtonEnabled(True)
        for combo in (self.endpoint_combo, self.context_combo, self.proto_combo):
            combo.currentIndexChanged.connect(self._apply_widgets_filter)
            # a steady width that fits 1024 px, not the longest name or proto seen so far
            combo.setMinimumContentsLength(14)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.text_edit.setMinimumWidth(180)
        self.text_edit.textChanged.connect(lambda _t: self._text_timer.start())
        self.text_edit.returnPressed.connect(self._apply_widgets_filter)

        self.pause_button = QPushButton("Pause", body)
        self.pause_button.setObjectName("pushPauseButton")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Pause the view (Space in the table). Pushes keep arriving "
                                     "and are counted; Resume shows them.")
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.buffered_label = QLabel("", body)
        self.buffered_label.setObjectName("pushBufferedLabel")
        self.clear_button = QPushButton("Clear", body)
        self.clear_button.setObjectName("pushClearButton")
        self.clear_button.setToolTip("Clear the view (the journal keeps every push)")
        self.clear_button.clicked.connect(self.clear)
        self.export_button = QToolButton(body)
        self.export_button.setObjectName("pushExportButton")
        self.export_button.setText("Export")
        self.export_button.setToolTip("Export every push of this run (from the journal)")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = QMenu(self.export_button)
        self.export_jsonl_action = menu.addAction("JSON Lines (decoded bodies)…")
        self.export_jsonl_action.setObjectName("pushExportJsonl")
        self.export_jsonl_action.triggered.connect(lambda: self.open_export_dialog("jsonl"))
        self.export_csv_action = menu.addAction("CSV (one row per push)…")
        self.export_csv_action.setObjectName("pushExportCsv")
        self.export_csv_action.triggered.connect(lambda: self.open_export_dialog("csv"))
        self.export_button.setMenu(menu)
        self.rate_button = QToolButton(body)
        self.rate_button.setObjectName("pushRateToggle")
        self.rate_button.setText("Rate")
        self.rate_button.setCheckable(True)
        self.rate_button.setToolTip("Show pushes per second per endpoint over the last two minutes")

        bar.addWidget(self.endpoint_combo)
        bar.addWidget(self.context_combo)
        bar.addWidget(self.proto_combo)
        bar.addWidget(self.text_edit, 1)
        bar.addWidget(self.pause_button)
        bar.addWidget(self.buffered_label)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.rate_button)
        outer.addLayout(bar)

        # rate chart (toggle)
        self.rate_label = QLabel("0 push/s", body)
        self.rate_label.setObjectName("pushRateLabel")
        self.rate_plot: RatePlot | None = None
        self._rate_box = QWidget(body)
        rate_lay = QVBoxLayout(self._rate_box)
        rate_lay.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._rate_box)
        self._rate_box.setVisible(False)
        self.rate_button.toggled.connect(self._on_rate_toggled)

        # table + detail
        self.view = QTableView(body)
        self.view.setObjectName("pushTable")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(False)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        vh = self.view.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(max(16, self.view.fontMetrics().height() + 4))
        vh.setMinimumSectionSize(1)
        vh.hide()
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setHighlightSections(False)
        hh.setStretchLastSection(False)
        fm = self.view.fontMetrics()
        widths = {COL_TIME: "00:00:00.000", COL_ENDPOINT: "Demo gatewa", COL_CONTEXT: "trade-fut",
                  COL_PROTO: "3013 Qot_UpdateOrderBook", COL_SECURITY: "HK.00700.",
                  COL_SUMMARY: "x" * 60, COL_SIZE: "999999"}
        for col, sample in widths.items():
            hh.resizeSection(col, fm.horizontalAdvance(sample) + 16)
        hh.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        vsb = self.view.verticalScrollBar()
        vsb.valueChanged.connect(self._on_scroll_value)
        vsb.rangeChanged.connect(self._on_scroll_range)
        self.space_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), self.view)
        self.space_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.space_shortcut.activated.connect(self.toggle_pause)

        self.detail = PushDetail(self.session, body)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, body)
        self.splitter.setObjectName("pushLogSplitter")
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 7)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([700, 300])  # the summary column needs the room more
        self.splitter.setChildrenCollapsible(True)
        outer.addWidget(self.splitter, 1)

        # status line
        status = QHBoxLayout()
        self.counts_label = QLabel("", body)
        self.counts_label.setObjectName("pushCountsLabel")
        self.counts_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label = QLabel("", body)
        self.status_label.setObjectName("pushStatusLabel")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status.addWidget(self.counts_label, 1)
        status.addWidget(self.status_label)
        status.addWidget(self.rate_label)
        outer.addLayout(status)

        self.setWidget(body)
        if rate_chart:
            self.rate_button.setChecked(True)

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
        pushes = self.session.pushes
        head = pushes.last_seq
        self.seen = head - self._base_seq
        if self.paused or self._job is not None:  # a scan in steps owns the view meanwhile
            self.buffered = head - self.last_seq
            self.buffered_evicted = max(0, pushes.first_seq - 1 - self.last_seq)
            self._update_labels()
            return
        if head == self.last_seq:
            if self.buffered:
                self.buffered = 0
                self._update_labels()
            return
        if head - self.last_seq > SCAN_CHUNK:  # e.g. resume after a long pause: in steps
            self._start_job(self._catch_up(), "catching up…")
            return

        gap = max(0, pushes.first_seq - 1 - self.last_seq)  # evicted before we pulled them
        new = pushes.rows_since(self.last_seq)
        self.last_seq = head
        self.buffered = 0
        self.buffered_evicted = 0
        self.skipped += gap

        self._add_protos(new)
        accept = self._accept
        passed = new if accept is None else [r for r in new if accept(r)]
        self.filtered_out += len(new) - len(passed)
        self.shown_total += len(passed)
        self.matching += len(passed)

        cap = max(1, self.row_cap)
        rows: list[Row] = []
        if gap:
            rows.append(marker_row(skipped_text(gap)))
        if len(passed) + len(rows) > cap:  # only the tail can stay: skip building the rest
            keep = cap - len(rows) if len(rows) < cap else cap
            self.trimmed += len(passed) - keep
            passed = passed[-keep:] if keep else []
            if len(rows) >= cap:
                rows = []
        rows.extend(self._builder.build(passed))

        if rows:
            self._insert(rows, cap)
        self._update_labels()
        self.flushes += 1
        ms = (time.perf_counter() - t0) * 1000
        self.last_flush_ms = ms
        self.max_flush_ms = max(self.max_flush_ms, ms)

    def _add_protos(self, rows: list[tuple]) -> None:
        known = self._proto_ids
        for pid in {r[R_PID] for r in rows} - known if rows else ():
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
                self.trimmed += removed
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
        """Pull a big backlog in chunks (oldest first): every push is counted, only the last
        ``row_cap`` that pass the filter are built. Yields between chunks."""
        pushes = self.session.pushes
        gap = max(0, pushes.first_seq - 1 - self.last_seq)
        if gap:
            self.skipped += gap
            self.last_seq += gap
        todo = pushes.rows_since(self.last_seq)  # a snapshot: eviction meanwhile is harmless
        cap = max(1, self.row_cap)
        keep: list[tuple] = []
        accept = self._accept
        for i in range(0, len(todo), SCAN_CHUNK):
            chunk = todo[i:i + SCAN_CHUNK]
            self._add_protos(chunk)
            passed = chunk if accept is None else [r for r in chunk if accept(r)]
            self.filtered_out += len(chunk) - len(passed)
            self.shown_total += len(passed)
            self.matching += len(passed)
            keep.extend(passed)
            if len(keep) > 2 * cap:
                self.trimmed += len(keep) - cap
                del keep[:-cap]
            self.last_seq = chunk[-1][R_SEQ]
            self.buffered = pushes.last_seq - self.last_seq
            if i + SCAN_CHUNK < len(todo):
                yield
        rows: list[Row] = [marker_row(skipped_text(gap))] if gap else []
        room = max(0, cap - len(rows))
        if len(keep) > room:
            self.trimmed += len(keep) - room
            keep = keep[len(keep) - room:] if room else []
        rows.extend(self._builder.build(keep))
        if len(rows) > cap:
            rows = rows[-cap:]
        self._insert(rows, cap)

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
        self._floor_seq = self.last_seq
        self.matching = 0
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
        norm = (args[0], args[1], args[2], args[3].strip().lower())
        if norm == self._filter_args:
            return
        self._filter_args = norm
        self._accept = make_filter(*norm)
        self._refilter()

    @property
    def filter(self) -> tuple[str | None, str | None, int | None, str]:
        return self._filter_args

    def _refilter(self) -> None:
        """Rebuild the view from the ring with the filter in force (user action only); a big
        ring is scanned in steps."""
        self._start_job(self._refilter_steps(), "filtering…")

    def _refilter_steps(self):
        """Newest first over what was already pulled (a paused view does not jump ahead):
        keeps the newest ``row_cap`` matches, counts them all. Yields between chunks."""
        pushes = self.session.pushes
        accept = self._accept
        cap = max(1, self.row_cap)
        lo = self._floor_seq
        held = pushes.rows_since(lo)
        upto = len(held) - max(0, pushes.last_seq - self.last_seq)
        if accept is None:
            picked = held[max(0, upto - cap):upto]
            matching = upto
        else:
            picked = []
            matching = 0
            i = upto
            while i > 0:
                start = max(0, i - SCAN_CHUNK)
                for j in range(i - 1, start - 1, -1):
                    r = held[j]
                    if accept(r):
                        matching += 1
                        if len(picked) < cap:
                            picked.append(r)
                i = start
                if i > 0:
                    yield
            picked.reverse()
        rows = self._builder.build(picked)
        gone = max(0, pushes.first_seq - 1 - lo)
        if gone and len(rows) < cap:
            rows.insert(0, marker_row(f"⋯ {gone:,} earlier push{'es' if gone != 1 else ''} are no "
                                      "longer in memory (they are in the journal; export to "
                                      "see them)"))
        self.matching = matching
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
        if self._accept is not None:
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
            self.detail.show_record(None, self.model.row_tuple(row)[COL_SUMMARY])
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

    # ------------------------------------------------------------------------------
    # export
    # ------------------------------------------------------------------------------
    def _export_fn(self, kind: str, path: str) -> Callable[[], int]:
        names = self._endpoint_names()
        journal = self.session.journal
        if journal is not None:
            fn = journal_mod.export_jsonl if kind == "jsonl" else journal_mod.export_csv
            return lambda: fn(journal, path, names)
        rows = list(self.session.pushes.rows_since(0))  # snapshot on this thread
        fn = journal_mod.export_jsonl if kind == "jsonl" else journal_mod.export_csv
        return lambda: fn(rows, path, names)

    def export_jsonl(self, path: Path | str) -> int:
        """Every push (journal, else the ring) as JSON Lines; blocks; returns rows written."""
        return self._export_now("jsonl", str(path))

    def export_csv(self, path: Path | str) -> int:
        return self._export_now("csv", str(path))

    def _export_now(self, kind: str, path: str) -> int:
        n = self._export_fn(kind, path)()
        self._export_done(kind, path, n)
        return n

    def _export_done(self, kind: str, path: str, n: int) -> None:
        self.last_export = (kind, path, n)
        src = "journal" if self.session.journal is not None else "memory ring"
        self._set_status(f"Exported {n:,} pushes from the {src} to {path}")

    def _set_status(self, text: str) -> None:
        self.status = text
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def open_export_dialog(self, kind: str) -> QFileDialog:
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
        dlg.fileSelected.connect(lambda p: self.start_export(kind, p))
        dlg.finished.connect(lambda _r: setattr(self, "_dialog", None))
        self._dialog = dlg
        dlg.open()
        return dlg

    def start_export(self, kind: str, path: str) -> None:
        """Export in a background thread (the journal read must not block the loop)."""
        if self._export is not None and not self._export.done:
            self._set_status("An export is still running")
            return
        exp = _Export(kind, path, self._export_fn(kind, path))
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
            self._export_done(exp.kind, exp.path, exp.count or 0)
