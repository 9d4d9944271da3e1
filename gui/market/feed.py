"""The watchlist's Qt-free state: push rows in, per-symbol market state out.

:class:`MarketFeed` takes the session ring's rows in batches (one :meth:`MarketFeed.ingest` per
flush of the window) and keeps, per (endpoint, symbol): last, change, change %, bid / ask with
sizes (from the order book), volume, turnover, the quote's update time, a bounded price history
for the sparkline, the latest order book (up to 10 levels a side), a bounded ticker tape, and
push counts, sampled into rates per symbol and per proto id about once a second.

What keeps it cheap at tens of thousands of pushes a second:

* one pass over the batch that only reads tuple fields and fills dicts: a quote or order-book
  push that a later one in the same batch supersedes is never decoded;
* ticker pushes are decoded newest first, and only until the tape (``tape_len``) is full;
  and only for the symbols whose tape is on screen (:meth:`MarketFeed.watch`): the others keep
  their newest ``tape_len`` ticker rows undecoded (references into the ring's rows, no copy)
  and decode them when :meth:`MarketFeed.tape` is asked, e.g. when the user selects them;
* nothing here imports Qt; the models read :attr:`SymbolState` fields after the batch.

Rows are the ring's tuples, read through :func:`columns` (the 10-column core/pushrow.py
schema and the older 11-column ring with its summary at index 9 are both understood).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from opendeck.core.enums import enum_name
from opendeck.core import catalog
from opendeck.core.channel import decode_message
from opendeck.core.codes import format_code
from opendeck.core.errors import OpenDeckError
from opendeck.core.pushrow import BODY, ENDPOINT, ERROR, FMT, PROTO_ID, SECURITY, SEQ, TIME

#: today's ring rows: (seq, time, endpoint, context, proto_id, fmt, serial, body, security,
#: summary, error) -- the error moved to index 9 when the summary left the row
LEGACY_WIDTH = 11
LEGACY_ERROR = 10

QUOTE = catalog.QOT_UPDATE_BASIC_QOT
BOOK = catalog.QOT_UPDATE_ORDER_BOOK
TICKER = catalog.QOT_UPDATE_TICKER
#: the quote pushes that make a symbol a watchlist row (trade pushes name codes too: not rows)
SYMBOL_PROTOS = frozenset({QUOTE, BOOK, TICKER, catalog.QOT_UPDATE_KL, catalog.QOT_UPDATE_RT,
                           catalog.QOT_UPDATE_BROKER})

BOOK_LEVELS = 10
#: ticker direction (Qot_Common.TickerDirection) -> short label
#: the tape says who traded at the touch: TickerDirection's Bid / Ask in a trader's words
_TAPE_WORDS = {"Bid": "Buy", "Ask": "Sell", "Unknown": ""}


def error_index(row: tuple) -> int:
    """Where a row keeps its error text: the one adapter between the two row widths."""
    return LEGACY_ERROR if len(row) == LEGACY_WIDTH else ERROR


@dataclass(slots=True)
class Tick:
    time: str  # as the gateway wrote it
    price: float
    volume: int
    direction: int  # Qot_Common.TickerDirection
    sequence: int
    turnover: float

    @property
    def side(self) -> str:
        name = enum_name("TickerDirection", self.direction)
        return _TAPE_WORDS.get(name, name)


@dataclass(slots=True)
class Level:
    price: float
    volume: int
    orders: int


@dataclass(slots=True)
class SymbolState:
    endpoint: str
    symbol: str
    row: int  # position in the watchlist (order of first arrival)
    name: str = ""
    last: float = math.nan
    prev_close: float = math.nan
    open: float = math.nan
    high: float = math.nan
    low: float = math.nan
    volume: int = 0
    turnover: float = 0.0
    quote_time: str = ""  # Qot_Common.BasicQot.updateTime
    updated: float = 0.0  # receive time of the newest push about the symbol
    bid: float = math.nan
    bid_size: int = 0
    ask: float = math.nan
    ask_size: int = 0
    bids: list[Level] = field(default_factory=list)  # best first
    asks: list[Level] = field(default_factory=list)
    book_time: float = 0.0
    book_version: int = 0  # bumps on every new book (the ladder redraws on a change)
    history: deque = field(default_factory=deque)  # last prices, one per history_step
    history_bucket: float = -1.0
    tape: deque = field(default_factory=deque)  # Tick, newest last (see MarketFeed.tape)
    raw_ticks: deque = field(default_factory=deque)  # ticker rows not decoded yet, newest last
    tape_version: int = 0  # total ticks ever added (the tape model inserts the difference)
    last_tick_seq: int = 0
    pushes: int = 0  # rows seen for the symbol
    rate: float = 0.0  # pushes/s, last sample

    @property
    def key(self) -> tuple[str, str]:
        return (self.endpoint, self.symbol)

    @property
    def change(self) -> float:
        return self.last - self.prev_close

    @property
    def change_pct(self) -> float:
        pc = self.prev_close
        return (self.last - pc) / pc * 100.0 if pc else math.nan

    @property
    def spread(self) -> float:
        return self.ask - self.bid

    @property
    def mid(self) -> float:
        return (self.ask + self.bid) / 2.0


@dataclass(slots=True)
class Changes:
    """What one :meth:`MarketFeed.ingest` changed (what the Qt models must tell their views)."""

    new: list[SymbolState] = field(default_factory=list)  # in row order
    quotes: set = field(default_factory=set)  # keys whose watchlist row changed
    books: set = field(default_factory=set)  # keys with a new order book
    tapes: set = field(default_factory=set)  # keys with new ticks
    rows: int = 0  # rows taken (new seq only)
    errors: int = 0  # rows carrying an error (counted, not decoded)
    undecodable: int = 0  # market pushes the protobuf classes refused

    def merge(self, other: Changes) -> None:
        """Add a later batch's changes (the views are told about several batches at once)."""
        self.new.extend(other.new)
        self.quotes |= other.quotes
        self.books |= other.books
        self.tapes |= other.tapes
        self.rows += other.rows
        self.errors += other.errors
        self.undecodable += other.undecodable


class MarketFeed:
    """Per-symbol state from push rows. ``ingest`` once per flush; ``sample`` about once a second."""

    def __init__(self, *, history_len: int = 240, history_step: float = 0.5,
                 tape_len: int = 200, rate_period: float = 1.0) -> None:
        self.history_len = history_len
        self.history_step = history_step
        self.tape_len = tape_len
        self.rate_period = rate_period
        self.symbols: list[SymbolState] = []  # watchlist order
        self.by_key: dict[tuple[str, str], SymbolState] = {}
        self.last_seq = 0
        self.total = 0  # rows taken
        self.errors = 0
        self.undecodable = 0
        self.decoded = 0  # protobuf decodes done (the bench reads it)
        self.proto_counts: dict[int, int] = {}
        self.proto_rates: dict[int, float] = {}
        self.total_rate = 0.0
        self._prev_proto: dict[int, int] = {}
        self._prev_sym: list[int] = []
        self._prev_total = 0
        self._sampled_at: float | None = None
        #: keys whose tape is decoded as pushes arrive (what a tape view shows); None = all
        self.live: set[tuple[str, str]] | None = set()

    # ------------------------------------------------------------------------------ tapes
    def watch(self, *keys: tuple[str, str]) -> None:
        """Decode these symbols' tapes as pushes arrive (the others wait until asked)."""
        self.live = set(keys)
        for key in keys:
            st = self.by_key.get(key)
            if st is not None:
                self.tape(st)

    def tape(self, st: SymbolState) -> deque:
        """``st``'s ticker tape (Tick, newest last), decoding what waited for a look."""
        if st.raw_ticks:
            rows = list(st.raw_ticks)
            st.raw_ticks.clear()
            self._apply_tickers(st, rows, Changes())
        return st.tape

    # ------------------------------------------------------------------------------ lookups
    def get(self, symbol: str, endpoint: str | None = None) -> SymbolState | None:
        """The state of ``symbol`` (on ``endpoint``, or the first endpoint that has it)."""
        if endpoint is not None:
            return self.by_key.get((endpoint, symbol))
        for st in self.symbols:
            if st.symbol == symbol:
                return st
        return None

    def __len__(self) -> int:
        return len(self.symbols)

    def _state(self, key: tuple[str, str], changes: Changes) -> SymbolState:
        st = self.by_key.get(key)
        if st is None:
            st = SymbolState(key[0], key[1], len(self.symbols),
                             history=deque(maxlen=self.history_len),
                             tape=deque(maxlen=self.tape_len),
                             raw_ticks=deque(maxlen=self.tape_len))
            self.symbols.append(st)
            self.by_key[key] = st
            self._prev_sym.append(0)
            changes.new.append(st)
        return st

    # ------------------------------------------------------------------------------ ingest
    def ingest(self, rows: list[tuple]) -> Changes:
        """Take a batch of ring rows (oldest first); rows already seen (by seq) are skipped."""
        changes = Changes()
        if not rows:
            return changes
        start = 0
        if rows[0][SEQ] <= self.last_seq:  # an overlap with what an earlier call took
            last = self.last_seq
            while start < len(rows) and rows[start][SEQ] <= last:
                start += 1
            if start == len(rows):
                return changes
        err_i = error_index(rows[start])
        latest_quote: dict[tuple[str, str], tuple] = {}
        latest_book: dict[tuple[str, str], tuple] = {}
        tickers: dict[tuple[str, str], list[tuple]] = {}
        counts: dict[tuple[str, str], int] = {}
        when: dict[tuple[str, str], float] = {}
        protos = self.proto_counts
        symbol_protos = SYMBOL_PROTOS
        errors = 0
        n = 0
        for i in range(start, len(rows)):
            r = rows[i]
            n += 1
            pid = r[PROTO_ID]
            protos[pid] = protos.get(pid, 0) + 1
            if r[err_i]:
                errors += 1
                continue
            sec = r[SECURITY]
            if not sec or pid not in symbol_protos:
                continue
            key = (r[ENDPOINT], sec)
            counts[key] = counts.get(key, 0) + 1
            when[key] = r[TIME]
            if pid == QUOTE:
                latest_quote[key] = r
            elif pid == BOOK:
                latest_book[key] = r
            elif pid == TICKER:
                lst = tickers.get(key)
                if lst is None:
                    tickers[key] = [r]
                else:
                    lst.append(r)
        self.last_seq = rows[-1][SEQ]
        self.total += n
        self.errors += errors
        changes.rows, changes.errors = n, errors
        for key, c in counts.items():
            st = self._state(key, changes)
            st.pushes += c
            st.updated = max(st.updated, when[key])
        by_key = self.by_key
        for key, r in latest_quote.items():
            self._apply_quote(by_key[key], r, changes)
        for key, r in latest_book.items():
            self._apply_book(by_key[key], r, changes)
        live = self.live
        for key, lst in tickers.items():
            st = by_key[key]
            if live is None or key in live:
                self._apply_tickers(st, lst, changes)
            else:
                st.raw_ticks.extend(lst[-self.tape_len:])
                changes.tapes.add(key)
                if math.isnan(st.last):  # no quote subscription: the tape gives a last price
                    self._tick_price(st, lst[-1], changes)
        self.undecodable += changes.undecodable
        return changes

    def _decode(self, r: tuple, changes: Changes) -> Any | None:
        pid = r[PROTO_ID]
        cls = catalog.response_type(pid)
        if cls is None:
            return None
        try:
            resp = decode_message(cls, r[BODY], r[FMT], pid)
        except OpenDeckError:
            changes.undecodable += 1
            return None
        self.decoded += 1
        if resp.retType != 0 or not resp.HasField("s2c"):
            return None
        return resp.s2c

    def _apply_quote(self, st: SymbolState, r: tuple, changes: Changes) -> None:
        s2c = self._decode(r, changes)
        if s2c is None:
            return
        by_key = self.by_key
        for q in s2c.basicQotList:  # usually one; OpenD may batch several securities
            sec = q.security
            if len(s2c.basicQotList) > 1:
                key = (st.endpoint, format_code(sec.market, sec.code))
                target = by_key.get(key) or self._state(key, changes)
            else:
                target = st
            target.last = q.curPrice
            target.prev_close = q.lastClosePrice
            target.open, target.high, target.low = q.openPrice, q.highPrice, q.lowPrice
            target.volume = q.volume
            target.turnover = q.turnover
            target.quote_time = q.updateTime
            if q.name:
                target.name = q.name
            self._add_history(target, r[TIME], q.curPrice)
            changes.quotes.add(target.key)

    def _add_history(self, st: SymbolState, t: float, price: float) -> None:
        bucket = t // self.history_step if self.history_step > 0 else t
        if st.history and bucket == st.history_bucket:
            st.history[-1] = price
        else:
            st.history.append(price)
            st.history_bucket = bucket

    def _apply_book(self, st: SymbolState, r: tuple, changes: Changes) -> None:
        s2c = self._decode(r, changes)
        if s2c is None:
            return
        st.bids = [Level(b.price, b.volume, b.orederCount)
                   for b in s2c.orderBookBidList[:BOOK_LEVELS]]
        st.asks = [Level(a.price, a.volume, a.orederCount)
                   for a in s2c.orderBookAskList[:BOOK_LEVELS]]
        if s2c.name and not st.name:
            st.name = s2c.name
        if st.bids:
            st.bid, st.bid_size = st.bids[0].price, st.bids[0].volume
        else:
            st.bid, st.bid_size = math.nan, 0
        if st.asks:
            st.ask, st.ask_size = st.asks[0].price, st.asks[0].volume
        else:
            st.ask, st.ask_size = math.nan, 0
        st.book_time = r[TIME]
        st.book_version += 1
        changes.books.add(st.key)
        changes.quotes.add(st.key)

    def _tick_price(self, st: SymbolState, r: tuple, changes: Changes) -> None:
        s2c = self._decode(r, changes)
        if s2c is not None and s2c.tickerList:
            self._add_history(st, r[TIME], s2c.tickerList[-1].price)

    def _apply_tickers(self, st: SymbolState, rows: list[tuple], changes: Changes) -> None:
        """Newest push first, until the tape is full; then append in time order."""
        fresh: list[Tick] = []
        need = self.tape_len
        floor = st.last_tick_seq
        for r in reversed(rows):
            s2c = self._decode(r, changes)
            if s2c is None:
                continue
            ticks = [Tick(t.time, t.price, t.volume, t.dir, t.sequence, t.turnover)
                     for t in s2c.tickerList]
            if floor:
                ticks = [t for t in ticks if t.sequence > floor or t.sequence <= 0]
            fresh[:0] = ticks
            if not st.name and s2c.name:
                st.name = s2c.name
            if len(fresh) >= need:
                break
        if not fresh:
            return
        fresh = fresh[-need:]
        seqs = [t.sequence for t in fresh if t.sequence > 0]
        if seqs:
            st.last_tick_seq = max(floor, max(seqs))
        st.tape.extend(fresh)
        st.tape_version += len(fresh)
        if math.isnan(st.last):  # no quote subscription: the tape still gives a last price
            self._add_history(st, rows[-1][TIME], fresh[-1].price)
        changes.tapes.add(st.key)

    # ------------------------------------------------------------------------------ rates
    def sample(self, now: float) -> bool:
        """Turn the counters into rates when ``rate_period`` passed since the last sample
        (``now`` from any monotonic clock). True when the rates changed."""
        at = self._sampled_at
        if at is None:
            self._sampled_at = now
            self._snapshot()
            return False
        dt = now - at
        if dt < self.rate_period:
            return False
        for i, st in enumerate(self.symbols):
            st.rate = (st.pushes - self._prev_sym[i]) / dt
        self.proto_rates = {pid: (c - self._prev_proto.get(pid, 0)) / dt
                            for pid, c in self.proto_counts.items()}
        self.total_rate = (self.total - self._prev_total) / dt
        self._sampled_at = now
        self._snapshot()
        return True

    def _snapshot(self) -> None:
        self._prev_sym = [st.pushes for st in self.symbols]
        self._prev_proto = dict(self.proto_counts)
        self._prev_total = self.total
