"""The demo market: every instrument of the universe on its deterministic walk.

:class:`Market` keeps, per instrument that someone watches, the state the pushes show (last
price, the day's OHLC and volume, the ticker sequence and the latest tickers), all read from
the instrument's :class:`~.pricepath.PricePath` at the demo clock's time, so a quote, a
ticker, a K-line and a fill at one moment agree. :meth:`Market.step` advances the watched
instruments to ``now``; the ``*_s2c`` builders turn the state into the push messages of
shared/protocol.md §8 and :meth:`Market.push_response` wraps one in its ``Response``.

Only codes of the fixed :mod:`.universe` exist: :meth:`Market.ensure` returns None for any
other code, so subscriptions and orders naming one are refused (as real OpenD refuses an
unknown stock); :meth:`Market.spec` checks a code without creating anything. Warrants and
options are priced from their underlying's walk (:class:`~.pricepath.DerivedPath`), index
futures and tracker ETFs follow their index's; the order book and broker queue are fixed per
moment, so a pull agrees with the push of the same tick. Without a seed the walk uses
:data:`DEFAULT_SEED`, so every run of a day shows the same market.

Nothing here does I/O; the gateway calls :meth:`step` from its one market task.
"""

from __future__ import annotations

import datetime as _dt
import random
import zlib
from collections import deque
from dataclasses import dataclass, field

from .. import catalog
from ..pb import (Qot_Common_pb2, Qot_UpdateBasicQot_pb2, Qot_UpdateBroker_pb2,
                  Qot_UpdateKL_pb2, Qot_UpdateOrderBook_pb2, Qot_UpdateRT_pb2,
                  Qot_UpdateTicker_pb2)
from .market_klines import KL_MINUTES, KL_PERIOD, KL_TYPES, KBar, KlineViews  # noqa: F401
from .pricepath import (DemoClock, DerivedPath, PricePath, fmt_time, local_time, round_price,  # noqa: F401
                        tick_size, tz_of)
from .universe import (CNSH, CNSZ, HK, HK_FUTURE, MARKET_PREFIX, US, SecKey, Spec,  # noqa: F401
                       Universe, sec_str)  # (re-exported: the handlers use mk.sec_str, mk.HK_FUTURE)


# wire values from the generated descriptors (one source for enums, issue 7)
_Q = Qot_Common_pb2
SUB_BASIC = _Q.SubType_Basic
SUB_ORDER_BOOK = _Q.SubType_OrderBook
SUB_TICKER = _Q.SubType_Ticker
SUB_RT = _Q.SubType_RT
SUB_BROKER = _Q.SubType_Broker
SUB_ORDER_BOOK_ODD = _Q.SubType_OrderBook_Odd
#: KL SubType -> (Qot_Common.KLType, bar length in minutes; 0 for calendar bars): the two
#: enums share their suffixes (KL_Day / KLType_Day ...; SubType_KL_Qurater is sic)
_KL_MINUTES_OF = {"1Min": 1, "3Min": 3, "5Min": 5, "10Min": 10, "15Min": 15, "30Min": 30,
                  "60Min": 60, "120Min": 120, "180Min": 180, "240Min": 240}
KL_SUBTYPES: dict[int, tuple[int, int]] = {
    v.number: (_Q.KLType.Value("KLType_" + ("Quarter" if v.name.endswith("Qurater")
                                            else v.name[len("SubType_KL_"):])),
               _KL_MINUTES_OF.get(v.name[len("SubType_KL_"):], 0))
    for v in _Q.SubType.DESCRIPTOR.values if v.name.startswith("SubType_KL_")
}
SUBTYPES = frozenset({SUB_BASIC, SUB_ORDER_BOOK, SUB_TICKER, SUB_RT, SUB_BROKER,
                      SUB_ORDER_BOOK_ODD, *KL_SUBTYPES})

# push proto ids
P_BASIC_QOT = catalog.QOT_UPDATE_BASIC_QOT
P_KL = catalog.QOT_UPDATE_KL
P_RT = catalog.QOT_UPDATE_RT
P_TICKER = catalog.QOT_UPDATE_TICKER
P_ORDER_BOOK = catalog.QOT_UPDATE_ORDER_BOOK
P_BROKER = catalog.QOT_UPDATE_BROKER
PUSH_ID_OF_SUBTYPE = {SUB_BASIC: P_BASIC_QOT, SUB_ORDER_BOOK: P_ORDER_BOOK,
                      SUB_ORDER_BOOK_ODD: P_ORDER_BOOK, SUB_TICKER: P_TICKER, SUB_RT: P_RT,
                      SUB_BROKER: P_BROKER, **{k: P_KL for k in KL_SUBTYPES}}

ORDER_BOOK_LEVELS = 10
TICKER_HISTORY = 32


def market_tz(market: int) -> _dt.tzinfo:
    return tz_of(market)


def price_spread(market: int, price: float) -> float:
    return tick_size(market, price)


@dataclass
class Bar:
    start: _dt.datetime
    open: float
    high: float
    low: float
    close: float
    volume: int = 0
    turnover: float = 0.0


@dataclass
class TickRecord:
    ts: float
    sequence: int
    price: float
    volume: int
    direction: int  # Qot_Common.TickerDirection


@dataclass
class Instrument:
    spec: Spec
    path: PricePath
    price: float = 0.0
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    last_close: float = 0.0
    volume: int = 0
    turnover: float = 0.0
    sequence: int = 0
    updated: float = 0.0
    day: _dt.date | None = None
    tickers: deque = field(default_factory=lambda: deque(maxlen=TICKER_HISTORY))

    @property
    def key(self) -> SecKey:
        return self.spec.key

    @property
    def market(self) -> int:
        return self.spec.market

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def lot(self) -> int:
        return self.spec.lot

    @property
    def list_time(self) -> str:
        return self.spec.listed

    @property
    def shares_out(self) -> float:
        return self.spec.shares_out

    @property
    def spread(self) -> float:
        return tick_size(self.market, self.price)

    @property
    def bid(self) -> float:
        return self.price

    @property
    def ask(self) -> float:
        return round_price(self.market, self.price + self.spread)


_BROKER_NAMES = ("Futu Securities", "Harbour Capital", "Kowloon Brokerage", "Victoria Partners",
                 "Peak Markets", "Lantau Securities", "Central Clearing", "Star Ferry Trading",
                 "Junk Bay Capital", "Tsim Sha Tsui Securities")

DEFAULT_SEED = 20241111


class Market(KlineViews):
    """The universe on the demo clock. Deterministic for a given ``seed`` and ``start_time``.

    ``start_time`` (Unix seconds) anchors the demo clock; None runs on wall time. The walk's
    anchor day is the demo clock's first UTC day: the same seed and start time give the
    same history, the same prices at the same demo moment, and so the same fills."""

    def __init__(self, seed: int | None = None, *, start_time: float | None = None,
                 calendar: str = "always", clock: DemoClock | None = None) -> None:
        if calendar != "always":
            raise ValueError("only calendar='always' is modelled (markets trade around the "
                             "clock); real trading calendars are not implemented")
        self.seed = DEFAULT_SEED if seed is None else int(seed)
        self.clock = clock if clock is not None else DemoClock(start_time)
        now = self.clock.now()
        self.anchor = _dt.datetime.fromtimestamp(now, _dt.timezone.utc).date()
        self.universe = Universe(self.anchor)
        self.instruments: dict[SecKey, Instrument] = {}
        self.steps = 0
        #: keys stepped on every tick even when nobody subscribes (open orders, positions)
        self.watched: set[SecKey] = set()
        #: called with (market, now) after every step (the trading book matches there)
        self.on_step: list = []
        self._stepped: set[SecKey] = set()
        #: history K-line quota: code -> when it was first requested (30-day window)
        self.history_requests: dict[SecKey, float] = {}

    def now(self) -> float:
        return self.clock.now()

    # -- instruments -------------------------------------------------------------------------

    def spec(self, key: SecKey) -> Spec | None:
        return self.universe.spec(key)

    def get(self, key: SecKey) -> Instrument | None:
        return self.current(key)

    def ensure(self, key: SecKey) -> Instrument | None:
        """The instrument of a universe code, brought to the demo clock's now; None for a code
        the universe does not know (nothing is created for it)."""
        inst = self.instruments.get(key)
        if inst is not None:
            return inst
        spec = self.universe.spec(key)
        if spec is None:
            return None
        if spec.owner is not None and spec.strike:  # warrants, options: from the owner's walk
            owner = self.ensure(spec.owner)
            path = DerivedPath(spec, self.seed, self.anchor, owner.path)
        else:
            path = PricePath(spec, self.seed, self.anchor)
        inst = Instrument(spec, path)
        self.instruments[key] = inst
        self._advance(inst, self.now(), record=False)
        return inst

    def current(self, key: SecKey) -> Instrument | None:
        """The instrument as a pull sees it: the state of the last step when the market task
        steps it (so a pull agrees with the push of that tick), brought to now otherwise."""
        inst = self.ensure(key)
        if inst is not None and key not in self._stepped:
            self._advance(inst, self.now(), record=False)
        return inst

    def note_history_request(self, key: SecKey, quota: int = 300) -> bool:
        """Count a code against the history K-line quota; False when it is used up."""
        now = self.now()
        for k, ts in list(self.history_requests.items()):
            if now - ts > 30 * 86400:
                del self.history_requests[k]
        if key in self.history_requests:
            return True
        if len(self.history_requests) >= quota:
            return False
        self.history_requests[key] = now
        return True

    def path(self, key: SecKey) -> PricePath | None:
        inst = self.ensure(key)
        return inst.path if inst is not None else None

    # -- the walk ----------------------------------------------------------------------------

    def step(self, keys=None, now: float | None = None) -> None:
        """Advance the instruments in ``keys`` (the gateway passes the subscribed ones) and
        the watched ones to ``now``; record a ticker for each that traded."""
        t = self.now() if now is None else now
        self.steps += 1
        wanted = set(self.instruments) if keys is None else set(keys)
        wanted |= self.watched
        self._stepped = wanted
        for key in wanted:
            inst = self.ensure(key)
            if inst is not None:
                self._advance(inst, t, record=True)
        for fn in list(self.on_step):
            fn(self, t)

    def _advance(self, inst: Instrument, now: float, *, record: bool) -> None:
        if now < inst.updated:
            return
        bar = inst.path.today_so_far(now)
        new_day = inst.day != bar.day
        prev_vol = 0 if new_day else inst.volume
        prev_price = inst.price
        inst.day = bar.day
        inst.price, inst.open, inst.high, inst.low = bar.close, bar.open, bar.high, bar.low
        inst.last_close = bar.last_close
        inst.volume, inst.turnover = bar.volume, bar.turnover
        inst.updated = now
        traded = bar.volume - prev_vol
        if new_day:
            inst.tickers.clear()
            # the latest few trades of the day, so a first ticker push is not empty
            for back in (40, 30, 20, 10):
                t0 = now - back
                p = inst.path.price_at(t0)
                inst.sequence += 1
                inst.tickers.append(TickRecord(t0, inst.sequence, p, max(inst.lot, 0), 3))
        if record:
            # one trade per step: the path's volume since the last step, at least one lot
            direction = 2 if inst.price > prev_price else 1 if inst.price < prev_price else 3
            inst.sequence += 1
            inst.tickers.append(TickRecord(now, inst.sequence, inst.price,
                                           max(traded, inst.lot), direction))

    def moment_rng(self, inst: Instrument, what: str) -> random.Random:
        """A generator fixed by (seed, code, the instrument's state): the order book and the
        broker queue a pull sees are the ones the push of the same moment carries."""
        return random.Random(zlib.crc32(f"{self.seed}|{inst.code}|{what}|{inst.sequence}|"
                                        f"{inst.updated:.3f}".encode()))

    def touch_volumes(self, inst: Instrument) -> tuple[int, int]:
        """(ask volume, bid volume) at the best level, as the order book shows them."""
        book = self.order_book_s2c(inst, levels=1)
        return book.orderBookAskList[0].volume, book.orderBookBidList[0].volume

    def price(self, key: SecKey, now: float | None = None) -> float | None:
        inst = self.ensure(key)
        if inst is None:
            return None
        return inst.path.price_at(self.now() if now is None else now)

    # -- message builders --------------------------------------------------------------------

    @staticmethod
    def _security(msg, key: SecKey) -> None:
        msg.market = key[0]
        msg.code = key[1]

    def basic_qot(self, inst: Instrument, out=None):
        q = out if out is not None else Qot_Common_pb2.BasicQot()
        self._security(q.security, inst.key)
        q.name = inst.name
        q.isSuspended = False
        q.listTime = inst.list_time
        q.priceSpread = inst.spread
        local = local_time(inst.market, inst.updated)
        q.updateTime = fmt_time(local)
        q.updateTimestamp = inst.updated
        q.highPrice = inst.high
        q.openPrice = inst.open
        q.lowPrice = inst.low
        q.curPrice = inst.price
        q.lastClosePrice = inst.last_close
        q.volume = inst.volume
        q.turnover = round(inst.turnover, 3)
        q.turnoverRate = round(inst.volume / inst.shares_out * 100, 4)
        q.amplitude = round((inst.high - inst.low) / inst.last_close * 100, 3)
        q.darkStatus = 0
        q.secStatus = 1  # Normal
        return q

    def basic_qot_s2c(self, inst: Instrument):
        s2c = Qot_UpdateBasicQot_pb2.S2C()
        self.basic_qot(inst, s2c.basicQotList.add())
        return s2c

    def ticker_s2c(self, inst: Instrument, count: int = 1):
        s2c = Qot_UpdateTicker_pb2.S2C()
        self._security(s2c.security, inst.key)
        s2c.name = inst.name
        records = list(inst.tickers)[-count:] if count > 0 else []
        for rec in records:
            t = s2c.tickerList.add()
            t.time = fmt_time(local_time(inst.market, rec.ts), ms=True)
            t.sequence = rec.sequence
            t.dir = rec.direction
            t.price = rec.price
            t.volume = rec.volume
            t.turnover = round(rec.price * rec.volume, 3)
            t.recvTime = rec.ts
            t.type = 1  # automatch
            t.pushDataType = 1  # Realtime
            t.timestamp = rec.ts
        return s2c

    def order_book_s2c(self, inst: Instrument, levels: int = ORDER_BOOK_LEVELS):
        s2c = Qot_UpdateOrderBook_pb2.S2C()
        self._security(s2c.security, inst.key)
        s2c.name = inst.name
        rng = self.moment_rng(inst, "book")
        tick = inst.spread
        bid0 = inst.price
        ask0 = inst.ask
        for i in range(levels):
            ask = s2c.orderBookAskList.add()
            ask.price = round(ask0 + i * tick, 3)
            ask.volume = inst.lot * rng.randint(1, 60)
            ask.orederCount = rng.randint(1, 25)
            bid = s2c.orderBookBidList.add()
            bid.price = round(max(tick, bid0 - i * tick), 3)
            bid.volume = inst.lot * rng.randint(1, 60)
            bid.orederCount = rng.randint(1, 25)
        stamp = fmt_time(local_time(inst.market, inst.updated), ms=True)
        s2c.svrRecvTimeBid = s2c.svrRecvTimeAsk = stamp
        s2c.svrRecvTimeBidTimestamp = s2c.svrRecvTimeAskTimestamp = inst.updated
        return s2c

    def kl_s2c(self, inst: Instrument, subtype: int, rehab_type: int = 1):
        kltype, _minutes = KL_SUBTYPES[subtype]
        s2c = Qot_UpdateKL_pb2.S2C()
        s2c.rehabType = rehab_type
        s2c.klType = kltype
        self._security(s2c.security, inst.key)
        s2c.name = inst.name
        bar = self.current_kline(inst, kltype)
        if bar is not None:
            self.fill_kline(inst, bar, s2c.klList.add())
        return s2c

    def rt_s2c(self, inst: Instrument):
        s2c = Qot_UpdateRT_pb2.S2C()
        self._security(s2c.security, inst.key)
        s2c.name = inst.name
        now = self.now()
        rows = self.time_shares(inst, now - 60)
        if rows:
            self.fill_time_share(inst, rows[-1], s2c.rtList.add())
        return s2c

    def broker_s2c(self, inst: Instrument):
        s2c = Qot_UpdateBroker_pb2.S2C()
        self._security(s2c.security, inst.key)
        s2c.name = inst.name
        rng = self.moment_rng(inst, "broker")
        for side in (s2c.brokerAskList, s2c.brokerBidList):
            for pos in range(ORDER_BOOK_LEVELS):
                b = side.add()
                idx = rng.randrange(len(_BROKER_NAMES))
                b.id = 1000 + idx * 10 + rng.randint(0, 9)
                b.name = _BROKER_NAMES[idx]
                b.pos = pos
                b.volume = inst.lot * rng.randint(1, 40)
        return s2c

    def push_s2c(self, inst: Instrument, subtype: int, rehab_type: int = 1, tickers: int = 1):
        """(push proto id, S2C) for one subscribed (security, SubType) pair."""
        if subtype == SUB_BASIC:
            return P_BASIC_QOT, self.basic_qot_s2c(inst)
        if subtype == SUB_TICKER:
            return P_TICKER, self.ticker_s2c(inst, tickers)
        if subtype in (SUB_ORDER_BOOK, SUB_ORDER_BOOK_ODD):
            s2c = self.order_book_s2c(inst)
            if subtype == SUB_ORDER_BOOK_ODD:
                s2c.orderBookType = 1
            return P_ORDER_BOOK, s2c
        if subtype == SUB_RT:
            return P_RT, self.rt_s2c(inst)
        if subtype == SUB_BROKER:
            return P_BROKER, self.broker_s2c(inst)
        if subtype in KL_SUBTYPES:
            return P_KL, self.kl_s2c(inst, subtype, rehab_type)
        raise ValueError(f"no push for SubType {subtype}")

    def push_response(self, inst: Instrument, subtype: int, rehab_type: int = 1,
                      tickers: int = 1):
        """(push proto id, Response) for one pair; retType 0 as every push."""
        pid, s2c = self.push_s2c(inst, subtype, rehab_type, tickers)
        resp = _RESPONSES[pid]()
        resp.retType = 0
        resp.s2c.CopyFrom(s2c)
        return pid, resp


_RESPONSES = {
    P_BASIC_QOT: Qot_UpdateBasicQot_pb2.Response,
    P_KL: Qot_UpdateKL_pb2.Response,
    P_RT: Qot_UpdateRT_pb2.Response,
    P_TICKER: Qot_UpdateTicker_pb2.Response,
    P_ORDER_BOOK: Qot_UpdateOrderBook_pb2.Response,
    P_BROKER: Qot_UpdateBroker_pb2.Response,
}


# -- market states (Qot_Common.QotMarketState) -------------------------------------------

def market_state(market: int, now: float | None = None) -> int:
    """The demo markets trade around the clock: each is in its continuous-trading state --
    Morning (3) before local noon and Afternoon (5) after it for HK, SH and SZ, Afternoon
    (US regular session) for US, Morning / Afternoon for HK futures."""
    import time as _time
    d = local_time(market, _time.time() if now is None else now)
    if market == US:
        return 5
    return 3 if d.hour < 12 else 5
