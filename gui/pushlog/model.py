"""The push log's table model: read-only rows of precomputed strings, mutated only in batches
(at most one insert and one remove per flush). ``data()`` only indexes a tuple."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from .rows import COL_SIZE, COL_SUMMARY, COLUMNS, KIND, KIND_MARKER, SEQ, Row, shown_summary

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)

_BRUSHES: tuple[QBrush, QBrush] | None = None


def _brushes() -> tuple[QBrush, QBrush]:
    """(error, marker) foregrounds, made once."""
    global _BRUSHES
    if _BRUSHES is None:
        _BRUSHES = (QBrush(QColor(200, 40, 40)), QBrush(QColor(150, 110, 20)))
    return _BRUSHES


class PushTableModel(QAbstractTableModel):
    """Read-only rows of precomputed strings; mutated only in batches by the dock.

    ``lookup(seq)`` returns the full PushRecord of a row (ring, else journal) on demand.
    """

    def __init__(self, parent=None, lookup: Callable[[int], object | None] | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._summaries: dict[int, str] = {}  # seq -> summary text, built on first paint
        self._lookup = lookup or (lambda _seq: None)
        self._brushes = (None,) + _brushes()

    # Qt API: keep these trivial ------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 7

    def data(self, index, role=_DISPLAY):
        if role == _DISPLAY:
            if not index.isValid():
                return None
            cell = self._rows[index.row()][index.column()]
            return cell if index.column() != COL_SUMMARY else self._summary(cell)
        if role == _FOREGROUND:
            return self._brushes[self._rows[index.row()][KIND]] if index.isValid() else None
        if role == _ALIGN:
            return _RIGHT if index.column() == COL_SIZE and index.isValid() else None
        if role == _TOOLTIP and index.isValid() and index.column() == COL_SUMMARY:
            row = self._rows[index.row()]
            rec = self._lookup(row[SEQ]) if row[KIND] != KIND_MARKER else None
            return rec.summary if rec is not None else self._summary(row[COL_SUMMARY])
        return None

    def _summary(self, cell) -> str:
        """The Summary text, built on first paint and cached (bounded) by the raw row."""
        if not isinstance(cell, tuple):
            return cell
        text = self._summaries.get(cell[0])
        if text is None:
            if len(self._summaries) >= 20_000:
                self._summaries.clear()
            text = self._summaries[cell[0]] = shown_summary(cell)
        return text

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
        return self._rows[row][SEQ]

    def is_marker(self, row: int) -> bool:
        return self._rows[row][KIND] == KIND_MARKER

    def record(self, row: int) -> object | None:
        """The full record of a row, from the ring (else the journal); None for a marker."""
        if not 0 <= row < len(self._rows) or self._rows[row][KIND] == KIND_MARKER:
            return None
        return self._lookup(self._rows[row][SEQ])

    def row_tuple(self, row: int) -> Row:
        return self._rows[row]

    def push_rows(self) -> int:
        """Rows that are pushes (marker rows excluded)."""
        return sum(1 for r in self._rows if r[KIND] != KIND_MARKER)
