"""``MarketDock``: the watchlist over the order-book ladder, the ticker tape and push rates.

The window calls :meth:`MarketDock.flush` from its existing flush timer with the ring rows that
arrived since the last tick (or registers :meth:`MarketDock.poll`, which pulls them itself).
One flush = one :meth:`MarketFeed.ingest`; the views are told (one ``refresh`` per model) at
most every ``view_interval`` seconds (0.2 s: a person reads ~5 updates a second, and a repaint
of every visible cell is what costs the GUI thread most; see bench/market_feed.py), with the
changes of the flushes in between merged: the watchlist on one flush, the ladder, tape and
rates on the next, so one flush never pays for repainting all of them. No signal, task or ``call_soon`` per push. Rates are
sampled from the feed's counters about once a second.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from . import text
from .delegates import DepthBarDelegate, SparklineDelegate
from .feed import Changes, MarketFeed, SymbolState
from .models import (
    L_ASK_SZ,
    L_BID_SZ,
    W_ENDPOINT,
    W_NAME,
    W_TREND,
    LadderModel,
    MarketColors,
    RatesModel,
    TapeModel,
    WatchlistModel,
)

#: column widths as the widest text a column usually holds (set once; never ResizeToContents)
_WATCH_WIDTHS = ("HK.000000", "Tencent", "0,000.00", "+00.00", "+00.00%", "0,000.00",
                 "Bid size", "0,000.00", "Ask size", "000.00M", "Turnover", "00:00:00",
                 "", "Pushes/s", "Endpoint name")
_TREND_WIDTH = 120


def _palette_is_dark(widget: QWidget | None = None) -> bool:
    pal = widget.palette() if widget is not None else QApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def _table(model, parent: QWidget, widths: tuple[str, ...] = (),
           stretch_last: bool = True) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setShowGrid(False)
    view.setCornerButtonEnabled(False)
    vh = view.verticalHeader()
    vh.setVisible(False)
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(view.fontMetrics().height() + 4)
    hh = view.horizontalHeader()
    hh.setHighlightSections(False)
    hh.setStretchLastSection(stretch_last)
    fm = view.fontMetrics()
    for i, sample in enumerate(widths):
        if sample:
            hh.resizeSection(i, fm.horizontalAdvance(sample) + 12)
    return view


def _panel(parent: QWidget, title: str) -> tuple[QWidget, QVBoxLayout, QLabel]:
    """A titled box for the lower row (ladder, tape, rates)."""
    box = QWidget(parent)
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    return box, lay, _title(title, box)


def _title(text_: str, parent: QWidget, bold: bool = True) -> QLabel:
    """A one-line label that may be cut rather than widen the dock (its text changes live)."""
    label = QLabel(text_, parent)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class MarketDock(QWidget):
    """Watchlist + ladder + tape + rates for every symbol the session's pushes name."""

    def __init__(self, session, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.monotonic, red_up: bool = False,
                 feed: MarketFeed | None = None, view_interval: float = 0.2) -> None:
        super().__init__(parent)
        self.setObjectName("marketDock")
        self.session = session
        self.feed = feed or MarketFeed()
        self.clock = clock
        self.red_up = red_up
        self.selected: tuple[str, str] | None = None
        self.flushes = 0
        self.last_flush_ms = 0.0
        self.max_flush_ms = 0.0
        self._auto_selected = False
        self.view_interval = view_interval
        #: poll() takes at most this many rows in one flush (the newest); older ones are skipped
        self.max_catch_up = 50_000
        self.skipped = 0
        self.view_updates = 0
        self._pending = Changes()
        self._pending_rates = False
        self._last_view: float | None = None
        self._detail_keys: set[tuple[str, str]] = set()  # touched since the ladder/tape were told
        self._detail_rates = False
        self._detail_due = False
        colors = MarketColors.for_theme(_palette_is_dark(), red_up)
        self.watch_model = WatchlistModel(self.feed, colors, self._endpoint_name, self)
        self.ladder_model = LadderModel(colors, self)
        self.tape_model = TapeModel(colors, self)
        self.rates_model = RatesModel(self.feed, colors, self)
        self._build()
        self._hook_theme()

    # ---------------------------------------------------------------------------- layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        # shown until the first quote push: what to do to fill the view (then the room is
        # the table's; the totals live above the per-proto rates)
        self.hint_label = QLabel("No quote pushes yet: subscribe symbols (basic, orderbook, "
                                 "ticker) on an endpoint's quote context.", self)
        self.hint_label.setObjectName("marketHint")
        self.hint_label.setWordWrap(True)
        outer.addWidget(self.hint_label)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter, 1)
        self.watch_view = _table(self.watch_model, self.splitter, _WATCH_WIDTHS,
                                 stretch_last=False)
        self.watch_view.setObjectName("watchlist")
        wh = self.watch_view.horizontalHeader()
        wh.resizeSection(W_TREND, _TREND_WIDTH)
        wh.setSectionResizeMode(W_NAME, QHeaderView.ResizeMode.Stretch)
        self.spark = SparklineDelegate(self.watch_model.colors, self.watch_view)
        self.watch_view.setItemDelegateForColumn(W_TREND, self.spark)
        self.watch_view.setColumnHidden(W_ENDPOINT, True)
        self.watch_view.selectionModel().currentRowChanged.connect(self._on_current)

        lower = QSplitter(Qt.Orientation.Horizontal, self.splitter)
        lower.setChildrenCollapsible(False)
        self.lower = lower
        # ladder
        box, lay, self.ladder_title = _panel(lower, "Order book")
        self.spread_label = _title("", box, bold=False)
        self.spread_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.spread_label.setObjectName("spread")
        top = QHBoxLayout()
        top.addWidget(self.ladder_title, 1)
        top.addWidget(self.spread_label, 1)
        lay.addLayout(top)
        self.ladder_view = _table(self.ladder_model, box, ("Orders", "Bid size", "0,000.000", "0,000.000", "Ask size", "Orders"))
        self.ladder_view.setObjectName("ladder")
        self.ladder_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.ladder_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.depth = DepthBarDelegate(self.ladder_model.colors, self.ladder_view)
        self.ladder_view.setItemDelegateForColumn(L_BID_SZ, self.depth)
        self.ladder_view.setItemDelegateForColumn(L_ASK_SZ, self.depth)
        # all sections stretch, so never a horizontal scroll bar: with both bars "as needed",
        # a squeezed ladder (a tabbed dock, a small window) made them toggle each other and
        # the header re-laid itself out forever (tests/gui/test_market_views.py)
        self.ladder_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay.addWidget(self.ladder_view, 1)
        # tape
        tbox, tl, self.tape_title = _panel(lower, "Ticker tape")
        tl.addWidget(self.tape_title)
        self.tape_view = _table(self.tape_model, tbox,
                                ("00:00:00.000", "0,000.000", "00,000", "Neutral"))
        self.tape_view.setObjectName("tape")
        tl.addWidget(self.tape_view, 1)
        # rates
        rbox, rl, self.rates_title = _panel(lower, "Push rates")
        self.summary_label = _title("", rbox, bold=False)
        self.summary_label.setObjectName("marketSummary")
        self.summary_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rates_title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        rtop = QHBoxLayout()
        rtop.setSpacing(8)
        rtop.addWidget(self.rates_title)
        rtop.addWidget(self.summary_label, 1)
        rl.addLayout(rtop)
        self.rates_view = _table(self.rates_model, rbox, ("Order book", "00,000", "000.0K"))
        self.rates_view.setObjectName("protoRates")
        rl.addWidget(self.rates_view, 1)
        lower.setStretchFactor(0, 4)
        lower.setStretchFactor(1, 3)
        lower.setStretchFactor(2, 2)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

    # ---------------------------------------------------------------------------- theme
    def _hook_theme(self) -> None:
        try:
            from opendeck.gui import theme
        except ImportError:  # pragma: no cover - the dock alone, without the window's theme
            return
        theme.notifier().changed.connect(self._on_theme)

    def _on_theme(self, dark: bool | None = None) -> None:
        if dark is None:
            dark = _palette_is_dark(self)
        colors = MarketColors.for_theme(bool(dark), self.red_up)
        self.spark.colors = self.depth.colors = colors
        for m in (self.watch_model, self.ladder_model, self.tape_model, self.rates_model):
            m.set_colors(colors)

    def changeEvent(self, event) -> None:  # a palette set on the app (theme.apply) reaches us
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._on_theme(_palette_is_dark(self))

    # ---------------------------------------------------------------------------- the flush
    @property
    def last_seq(self) -> int:
        return self.feed.last_seq

    def poll(self) -> None:
        """Pull the ring's new rows and flush them (for ``PushLogDock.flush_hooks``).

        More than :attr:`max_catch_up` rows behind (a dock opened on a full ring, a long
        stall): only the newest that many are taken; quotes and books are superseded anyway,
        and the skipped rows are counted in :attr:`skipped`."""
        ring = self.session.pushes
        since = self.feed.last_seq
        behind = ring.last_seq - since
        if behind > self.max_catch_up:
            since = ring.last_seq - self.max_catch_up
            self.skipped += max(0, since - max(self.feed.last_seq, ring.first_seq - 1))
        self.flush(ring.rows_since(since))

    def flush(self, rows) -> None:
        """Take the ring rows that arrived since the last flush (one pass). The views are told
        at most every ``view_interval`` s: the watchlist on one flush, the ladder, tape and
        rates on the next, so no single flush pays for repainting all of them."""
        t0 = time.perf_counter()
        now = self.clock()
        self._pending.merge(self.feed.ingest(rows))
        self._pending_rates |= self.feed.sample(now)
        if self.view_interval <= 0:
            self.sync()
        elif self._detail_due:
            self._sync_detail()
        elif self._last_view is None or now - self._last_view >= self.view_interval:
            self._sync_watch()
        self.flushes += 1
        ms = (time.perf_counter() - t0) * 1000
        self.last_flush_ms = ms
        self.max_flush_ms = max(self.max_flush_ms, ms)

    def sync(self) -> None:
        """Tell every view now about everything the feed took since they were last told."""
        self._sync_watch()
        self._sync_detail()

    def _sync_watch(self) -> None:
        changes, rates = self._pending, self._pending_rates
        self._pending, self._pending_rates = Changes(), False
        self._last_view = self.clock()
        self.view_updates += 1
        feed = self.feed
        if changes.rows or rates:
            self.watch_model.refresh(changes, rates)
        if changes.new and len({st.endpoint for st in feed.symbols}) > 1:
            self.watch_view.setColumnHidden(W_ENDPOINT, False)
        self._detail_keys |= changes.books | changes.tapes | changes.quotes
        self._detail_rates = self._detail_rates or rates or bool(changes.new)
        self._detail_due = True
        if self.selected is None and feed.symbols and not self._auto_selected:
            first = feed.symbols[0]
            self.select(first.symbol, first.endpoint)

    def _sync_detail(self) -> None:
        keys, rates = self._detail_keys, self._detail_rates
        self._detail_keys, self._detail_rates, self._detail_due = set(), False, False
        if self.selected is not None and self.selected in keys:
            self._show_selected()
        if rates:
            self.rates_model.refresh()
            self._update_summary()

    def _update_summary(self) -> None:
        feed = self.feed
        n = len(feed.symbols)
        eps = len({st.endpoint for st in feed.symbols})
        where = f" on {eps} endpoints" if eps > 1 else ""
        self.hint_label.setVisible(n == 0)
        self.summary_label.setText(f"{text.rate(feed.total_rate)}/s \u00b7 "
                                   f"{text.compact(feed.total)} in all")
        plural = "s" if n != 1 else ""
        self.summary_label.setToolTip(f"{text.rate(feed.total_rate)} pushes/s now, "
                                      f"{feed.total:,} received, {n} symbol{plural}{where}")

    # ---------------------------------------------------------------------------- selection
    def select(self, symbol: str, endpoint: str | None = None) -> bool:
        """Show ``symbol``'s ladder and tape (and select its watchlist row); False if unknown."""
        st = self.feed.get(symbol, endpoint)
        if st is None:
            return False
        self._auto_selected = True
        if self._pending.new:
            self._sync_watch()  # the watchlist row must exist before it can be selected
        self.selected = st.key
        self.feed.watch(st.key)
        sel = self.watch_view.selectionModel()
        idx = self.watch_model.index(st.row, 0)
        if sel.currentIndex().row() != st.row:
            sel.setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                | QItemSelectionModel.SelectionFlag.Rows)
        self._show_selected()
        return True

    def selected_state(self) -> SymbolState | None:
        return self.feed.by_key.get(self.selected) if self.selected else None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        st = self.watch_model.state(current.row()) if current.isValid() else None
        if st is not None and st.key != self.selected:
            self.selected = st.key
            self.feed.watch(st.key)
            self._show_selected()

    def _show_selected(self) -> None:
        st = self.selected_state()
        d = self.watch_model.decimals(st.row) if st is not None else 3
        self.ladder_model.set_state(st, d)
        self.tape_model.set_state(st, d)
        if st is None:
            self.ladder_title.setText("Order book")
            self.spread_label.setText("")
            self.tape_title.setText("Ticker tape")
            return
        name = f" {st.name}" if st.name else ""
        self.ladder_title.setText(f"{st.symbol}{name} \u00b7 order book")
        self.tape_title.setText(f"{st.symbol} \u00b7 ticker tape")
        if st.bids and st.asks:
            spread = st.spread
            bps = spread / st.mid * 10_000 if st.mid else 0.0
            self.spread_label.setText(f"spread {text.price(spread, d)} ({bps:.1f} bp) \u00b7 "
                                      f"mid {text.price(st.mid, d + 1)}")
        else:
            self.spread_label.setText("no order book yet (subscribe orderbook)")

    # ---------------------------------------------------------------------------- layout state
    _STATE_MAGIC = b"ODMK1"

    def save_state(self) -> bytes:
        """The splitter positions, for the window's settings (``restore_state`` reads it)."""
        a = bytes(self.splitter.saveState().data())
        b = bytes(self.lower.saveState().data())
        return self._STATE_MAGIC + struct.pack("<I", len(a)) + a + b

    def restore_state(self, data: bytes | None) -> bool:
        """Put the splitters back; False (and nothing changed) for anything not ours."""
        data = bytes(data or b"")
        m = len(self._STATE_MAGIC)
        if not data.startswith(self._STATE_MAGIC) or len(data) < m + 4:
            return False
        (n,) = struct.unpack_from("<I", data, m)
        a, b = data[m + 4:m + 4 + n], data[m + 4 + n:]
        if len(a) != n:
            return False
        return bool(self.splitter.restoreState(QByteArray(a))) and \
            bool(self.lower.restoreState(QByteArray(b)))

    # ---------------------------------------------------------------------------- names
    def _endpoint_name(self, endpoint_id: str) -> str:
        eps = getattr(self.session, "endpoints", None) or {}
        ep = eps.get(endpoint_id)
        return ep.name if ep is not None else endpoint_id
