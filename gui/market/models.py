"""Qt models over :class:`~.feed.MarketFeed`: watchlist, order-book ladder, ticker tape, rates.

None of them is told about single pushes. After each ``MarketFeed.ingest`` the dock calls
``refresh`` once per model with the batch's :class:`~.feed.Changes`; each model emits at most
one ``beginInsertRows`` (new symbols / ticks / protos) and one ``dataChanged`` range. Display
strings are built in ``refresh`` for the changed rows only, so ``data()`` is a list look-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from opendeck.core import catalog
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from . import text
from .feed import BOOK_LEVELS, Changes, MarketFeed, SymbolState

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the default parent of the Qt signatures
DISPLAY = Qt.ItemDataRole.DisplayRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
#: the sparkline cell: (prices tuple, previous close)
HISTORY_ROLE = Qt.ItemDataRole.UserRole + 1
#: the ladder's size cells: depth as a fraction of the largest level shown
DEPTH_ROLE = Qt.ItemDataRole.UserRole + 2
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
CENTER = int(Qt.AlignmentFlag.AlignCenter)


@dataclass(frozen=True)
class MarketColors:
    up: QColor
    down: QColor
    flat: QColor
    bid_bar: QColor
    ask_bar: QColor

    @classmethod
    def for_theme(cls, dark: bool, red_up: bool = False) -> MarketColors:
        green = QColor("#66bb6a" if dark else "#1b7f2a")
        red = QColor("#ef5350" if dark else "#c62828")
        up, down = (red, green) if red_up else (green, red)
        bid, ask = QColor(up), QColor(down)
        bid.setAlpha(70 if dark else 55)
        ask.setAlpha(70 if dark else 55)
        return cls(up, down, QColor("#9a9a9a" if dark else "#6b6b6b"), bid, ask)

    def sign(self, v: float) -> QColor | None:
        if not math.isfinite(v) or v == 0:
            return None
        return self.up if v > 0 else self.down


class _Table(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()
    ALIGNS: tuple[int, ...] = ()

    def __init__(self, colors: MarketColors, parent=None) -> None:
        super().__init__(parent)
        self.colors = colors
        self._cells: list[list[str]] = []  # display strings, built in refresh / set_state

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = DISPLAY):
        if not index.isValid():
            return None
        if role == DISPLAY:
            return self._cells[index.row()][index.column()]
        if role == ALIGN:
            return self.ALIGNS[index.column()]
        return self._role(index.row(), index.column(), role)

    def _role(self, row: int, col: int, role: int):
        """The roles past display text and alignment (colours, tooltips, painting data)."""
        return

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            if role == DISPLAY:
                return self.HEADERS[section]
            if role == ALIGN:
                return self.ALIGNS[section]
        return None

    def set_colors(self, colors: MarketColors) -> None:
        self.colors = colors
        self.repaint_all()

    def repaint_all(self) -> None:
        rows, cols = self.rowCount(), self.columnCount()
        if rows and cols:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, cols - 1))

    def _changed(self, first: int, last: int) -> None:
        """One dataChanged range, rows first..last, every column."""
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))


# ---------------------------------------------------------------------------------- watchlist
(W_SYMBOL, W_NAME, W_LAST, W_CHG, W_PCT, W_BID, W_BID_SZ, W_ASK, W_ASK_SZ, W_VOL, W_TURNOVER,
 W_TIME, W_TREND, W_RATE, W_ENDPOINT) = range(15)


class WatchlistModel(_Table):
    """One row per (endpoint, symbol), in order of first arrival (rows are only appended)."""

    HEADERS = ("Symbol", "Name", "Last", "Chg", "Chg %", "Bid", "Bid size", "Ask", "Ask size",
               "Volume", "Turnover", "Updated", "Trend", "Pushes/s", "Endpoint")
    ALIGNS = (LEFT, LEFT) + (RIGHT,) * 9 + (RIGHT, CENTER, RIGHT, LEFT)
    SIGNED = frozenset({W_LAST, W_CHG, W_PCT})

    def __init__(self, feed: MarketFeed, colors: MarketColors, endpoint_name=None,
                 parent=None) -> None:
        super().__init__(colors, parent)
        self.feed = feed
        self.endpoint_name = endpoint_name or (lambda ep: ep)
        self._decimals: list[int] = []

    def state(self, row: int) -> SymbolState | None:
        return self.feed.symbols[row] if 0 <= row < len(self._cells) else None

    def _role(self, r: int, c: int, role: int):
        if role == FOREGROUND:
            if c in self.SIGNED:
                return self.colors.sign(self.feed.symbols[r].change)
            return None
        if role == HISTORY_ROLE and c == W_TREND:
            st = self.feed.symbols[r]
            return (tuple(st.history), st.prev_close)
        if role == TOOLTIP:
            st = self.feed.symbols[r]
            return (f"{st.symbol} {st.name}\n{self.endpoint_name(st.endpoint)}\n"
                    f"received {text.clock(st.updated, ms=True) or '-'}, quote time "
                    f"{st.quote_time or '-'}\nO {text.price(st.open)} "
                    f"H {text.price(st.high)} L {text.price(st.low)} "
                    f"prev close {text.price(st.prev_close)}")
        return None

    def _row_cells(self, st: SymbolState) -> list[str]:
        i = st.row
        d = self._decimals[i]
        for p in (st.last, st.bid, st.ask):
            if math.isfinite(p):
                d = max(d, text.decimals_of(p))
        self._decimals[i] = d
        return [st.symbol, st.name, text.price(st.last, d), text.signed(st.change, d),
                text.pct(st.change_pct), text.price(st.bid, d), text.size(st.bid_size),
                text.price(st.ask, d), text.size(st.ask_size), text.compact(st.volume),
                text.compact(st.turnover), text.clock(st.updated), "", text.rate(st.rate),
                self.endpoint_name(st.endpoint)]

    def decimals(self, row: int) -> int:
        return self._decimals[row] if 0 <= row < len(self._decimals) else 3

    def refresh(self, changes: Changes, rates: bool = False) -> None:
        """New rows in one insert; changed rows (quotes, books, rates) in one dataChanged."""
        feed = self.feed
        old = len(self._cells)
        if changes.new:
            first, last = old, len(feed.symbols) - 1
            self.beginInsertRows(QModelIndex(), first, last)
            for st in feed.symbols[first:]:
                self._decimals.append(2)
                self._cells.append(self._row_cells(st))
            self.endInsertRows()
        if rates and old:
            for st in feed.symbols[:old]:
                self._cells[st.row] = self._row_cells(st)
            self._changed(0, old - 1)
            return
        rows = [feed.by_key[k].row for k in changes.quotes | changes.tapes]
        rows = [r for r in rows if r < old]
        if rows:
            for r in rows:
                self._cells[r] = self._row_cells(feed.symbols[r])
            self._changed(min(rows), max(rows))


# ---------------------------------------------------------------------------------- ladder
L_BID_N, L_BID_SZ, L_BID, L_ASK, L_ASK_SZ, L_ASK_N = range(6)


class LadderModel(_Table):
    """The selected symbol's book: level i (best first) on row i, bids left, asks right."""

    HEADERS = ("Orders", "Bid size", "Bid", "Ask", "Ask size", "Orders")
    ALIGNS = (RIGHT, RIGHT, RIGHT, LEFT, LEFT, LEFT)

    def __init__(self, colors: MarketColors, parent=None) -> None:
        super().__init__(colors, parent)
        self.state: SymbolState | None = None
        self.decimals = 3
        self._version = -1
        self._cells = [[""] * 6 for _ in range(BOOK_LEVELS)]
        self._depth: list[tuple[float, float]] = [(0.0, 0.0)] * BOOK_LEVELS

    def _role(self, r: int, c: int, role: int):
        if role == DEPTH_ROLE:
            if c == L_BID_SZ:
                return self._depth[r][0]
            if c == L_ASK_SZ:
                return self._depth[r][1]
            return None
        if role == FOREGROUND:
            if c == L_BID:
                return self.colors.up
            if c == L_ASK:
                return self.colors.down
        return None

    def set_state(self, st: SymbolState | None, decimals: int = 3) -> bool:
        """Show ``st``'s latest book; True when the cells changed (one dataChanged range)."""
        if st is self.state and (st is None or st.book_version == self._version) \
                and decimals == self.decimals:
            return False
        self.state, self.decimals = st, decimals
        self._version = st.book_version if st is not None else -1
        bids = st.bids if st is not None else []
        asks = st.asks if st is not None else []
        top = max([lv.volume for lv in bids] + [lv.volume for lv in asks] + [1])
        cells, depth = [], []
        for i in range(BOOK_LEVELS):
            b = bids[i] if i < len(bids) else None
            a = asks[i] if i < len(asks) else None
            cells.append([str(b.orders) if b else "", text.size(b.volume) if b else "",
                          text.price(b.price, decimals) if b else "",
                          text.price(a.price, decimals) if a else "",
                          text.size(a.volume) if a else "", str(a.orders) if a else ""])
            depth.append((b.volume / top if b else 0.0, a.volume / top if a else 0.0))
        self._cells, self._depth = cells, depth
        self._changed(0, BOOK_LEVELS - 1)
        return True


# ---------------------------------------------------------------------------------- tape
T_TIME, T_PRICE, T_SIZE, T_SIDE = range(4)


class TapeModel(_Table):
    """The selected symbol's latest ticks, newest on top. New ticks: one insert at row 0 (and
    one remove at the bottom when full), so the rows a user reads keep their place."""

    HEADERS = ("Time", "Price", "Size", "Side")
    ALIGNS = (LEFT, RIGHT, RIGHT, LEFT)

    def __init__(self, colors: MarketColors, parent=None) -> None:
        super().__init__(colors, parent)
        self.state: SymbolState | None = None
        self.decimals = 3
        self._version = 0
        self._ticks: list = []  # newest first

    def _role(self, r: int, c: int, role: int):
        if role == FOREGROUND and c in (T_PRICE, T_SIDE):
            d = self._ticks[r].direction
            return self.colors.up if d == 1 else self.colors.down if d == 2 else None
        return None

    def _cells_of(self, ticks) -> list[list[str]]:
        d = self.decimals
        return [[t.time.rpartition(" ")[2], text.price(t.price, d), text.size(t.volume),
                 t.side] for t in ticks]

    def set_state(self, st: SymbolState | None, decimals: int = 3) -> bool:
        if st is not self.state or decimals != self.decimals:
            self.beginResetModel()
            self.state, self.decimals = st, decimals
            self._version = st.tape_version if st is not None else 0
            self._ticks = list(reversed(st.tape)) if st is not None else []
            self._cells = self._cells_of(self._ticks)
            self.endResetModel()
            return True
        if st is None or st.tape_version == self._version:
            return False
        fresh = st.tape_version - self._version
        self._version = st.tape_version
        newest = list(reversed(st.tape))
        if fresh >= len(newest):  # the whole tape turned over
            self.beginResetModel()
            self._ticks, self._cells = newest, self._cells_of(newest)
            self.endResetModel()
            return True
        old = len(self._ticks)
        overflow = old + fresh - len(newest)  # rows that fall off the bottom
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), old - overflow, old - 1)
            del self._ticks[old - overflow:]
            del self._cells[old - overflow:]
            self.endRemoveRows()
        self.beginInsertRows(QModelIndex(), 0, fresh - 1)
        head = newest[:fresh]
        self._ticks[:0] = head
        self._cells[:0] = self._cells_of(head)
        self.endInsertRows()
        return True


# ---------------------------------------------------------------------------------- rates
R_PROTO, R_RATE, R_TOTAL = range(3)


#: short names for the pushes a watchlist user sees (others: the catalog name)
PUSH_NAMES = {
    catalog.QOT_UPDATE_BASIC_QOT: "Quote", catalog.QOT_UPDATE_ORDER_BOOK: "Order book",
    catalog.QOT_UPDATE_TICKER: "Ticker", catalog.QOT_UPDATE_KL: "K-line",
    catalog.QOT_UPDATE_RT: "Time share", catalog.QOT_UPDATE_BROKER: "Broker queue",
    catalog.NOTIFY: "Notify", catalog.TRD_UPDATE_ORDER: "Order", catalog.TRD_UPDATE_ORDER_FILL: "Fill",
}


class RatesModel(_Table):
    """Pushes per second per proto id (every push the window received, not only quotes)."""

    HEADERS = ("Push", "Per s", "Total")
    ALIGNS = (LEFT, RIGHT, RIGHT)

    def __init__(self, feed: MarketFeed, colors: MarketColors, parent=None) -> None:
        super().__init__(colors, parent)
        self.feed = feed
        self._ids: list[int] = []

    def _role(self, r: int, c: int, role: int):
        if role == TOOLTIP:
            return f"{catalog.name_of(self._ids[r])} (proto {self._ids[r]})"
        return None

    def proto_at(self, row: int) -> int:
        return self._ids[row]

    def refresh(self) -> None:
        feed = self.feed
        new = [pid for pid in feed.proto_counts if pid not in set(self._ids)]
        old = len(self._ids)
        if new:
            self.beginInsertRows(QModelIndex(), old, old + len(new) - 1)
            for pid in new:
                self._ids.append(pid)
                self._cells.append(self._cells_of(pid))
            self.endInsertRows()
        if old:
            self._cells[:old] = [self._cells_of(pid) for pid in self._ids[:old]]
            self._changed(0, old - 1)

    def _cells_of(self, pid: int) -> list[str]:
        return [PUSH_NAMES.get(pid) or catalog.name_of(pid),
                text.rate(self.feed.proto_rates.get(pid, 0.0)),
                text.compact(self.feed.proto_counts.get(pid, 0))]
