"""Synthetic market for the demo gateway: a few HK and US securities with random-walk prices.

:class:`Market` owns the instruments and their state (last price, day OHLC, volume, ticker
sequence, current K-line and time-share bars). :meth:`Market.step` advances every instrument
by one trade; the ``*_s2c`` builders turn the current state into the push messages of
shared/protocol.md §8 (Qot_UpdateBasicQot, Qot_UpdateTicker, Qot_UpdateOrderBook,
Qot_UpdateKL, Qot_UpdateRT, Qot_UpdateBroker) and :meth:`Market.push_response` wraps one in
its ``Response`` envelope for a (security, SubType) pair.

Nothing here does I/O; the gateway calls :meth:`step` from its one market task and caches the
encoded bodies per tick, so many connections subscribed to the same pair share one encode.
"""

from __future__ import annotations

import datetime as _dt
import random
import time
from collections import deque
from dataclasses import dataclass, field

from ..pb import (Qot_Common_pb2, Qot_UpdateBasicQot_pb2, Qot_UpdateBroker_pb2,
                  Qot_UpdateKL_pb2, Qot_UpdateOrderBook_pb2, Qot_UpdateRT_pb2,
                  Qot_UpdateTicker_pb2)

# Qot_Common.QotMarket
HK = 1
HK_FUTURE = 2
US = 11
CNSH = 21
CNSZ = 22
MARKET_PREFIX = {HK: "HK", HK_FUTURE: "HK", US: "US", CNSH: "SH", CNSZ: "SZ"}
PREFIX_MARKET = {"HK": HK, "US": US, "SH": CNSH, "SZ": CNSZ}

# Qot_Common.SubType
SUB_BASIC = 1
SUB_ORDER_BOOK = 2
SUB_TICKER = 4
SUB_RT = 5
SUB_BROKER = 14
SUB_ORDER_BOOK_ODD = 22
#: KL SubType -> (Qot_Common.KLType, bar length in minutes; 0 for calendar bars)
KL_SUBTYPES: dict[int, tuple[int, int]] = {
    6: (2, 0),      # KL_Day -> Day
    7: (6, 5),      # KL_5Min
    8: (7, 15),     # KL_15Min
    9: (8, 30),     # KL_30Min
    10: (9, 60),    # KL_60Min
    11: (1, 1),     # KL_1Min
    12: (3, 0),     # KL_Week
    13: (4, 0),     # KL_Month
    15: (11, 0),    # KL_Qurater (sic)
    16: (5, 0),     # KL_Year
    17: (10, 3),    # KL_3Min
    18: (12, 10),   # KL_10Min
    19: (13, 120),  # KL_120Min
    20: (14, 180),  # KL_180Min
    21: (15, 240),  # KL_240Min
}
SUBTYPES = frozenset({SUB_BASIC, SUB_ORDER_BOOK, SUB_TICKER, SUB_RT, SUB_BROKER,
                      SUB_ORDER_BOOK_ODD, *KL_SUBTYPES})

# push proto ids
P_BASIC_QOT = 3005
P_KL = 3007
P_RT = 3009
P_TICKER = 3011
P_ORDER_BOOK = 3013
P_BROKER = 3015
PUSH_ID_OF_SUBTYPE = {SUB_BASIC: P_BASIC_QOT, SUB_ORDER_BOOK: P_ORDER_BOOK,
                      SUB_ORDER_BOOK_ODD: P_ORDER_BOOK, SUB_TICKER: P_TICKER, SUB_RT: P_RT,
                      SUB_BROKER: P_BROKER, **{k: P_KL for k in KL_SUBTYPES}}

SecKey = tuple[int, str]  # (QotMarket, code)

ORDER_BOOK_LEVELS = 10
TICKER_HISTORY = 32

_MARKET_TZ_OFFSET = {HK: 8, HK_FUTURE: 8, CNSH: 8, CNSZ: 8}


def _tz(market: int) -> _dt.tzinfo:
    if market == US:
        try:
            from zoneinfo import ZoneInfo
            return ZoneInfo("America/New_York")
        except Exception:  # no tz database on this machine: a fixed offset is close enough
            return _dt.timezone(_dt.timedelta(hours=-5), "ET")
    return _dt.timezone(_dt.timedelta(hours=_MARKET_TZ_OFFSET.get(market, 8)))


_TZ_CACHE: dict[int, _dt.tzinfo] = {}


def market_tz(market: int) -> _dt.tzinfo:
    tz = _TZ_CACHE.get(market)
    if tz is None:
        tz = _TZ_CACHE[market] = _tz(market)
    return tz


def local_time(market: int, ts: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ts, market_tz(market))


def fmt_time(d: _dt.datetime, ms: bool = False) -> str:
    """OpenD's time strings: ``YYYY-MM-DD HH:MM:SS`` (futu splits them on the space)."""
    s = d.strftime("%Y-%m-%d %H:%M:%S")
    return f"{s}.{d.microsecond // 1000:03d}" if ms else s


def sec_str(key: SecKey) -> str:
    return f"{MARKET_PREFIX.get(key[0], str(key[0]))}.{key[1]}"


def price_spread(market: int, price: float) -> float:
    """Tick size: HK's tiered table (simplified), 0.01 elsewhere."""
    if market != HK:
        return 0.01
    for limit, tick in ((0.25, 0.001), (0.5, 0.005), (10, 0.01), (20, 0.02), (100, 0.05),
                        (200, 0.1), (500, 0.2), (1000, 0.5), (2000, 1.0), (5000, 2.0)):
        if price < limit:
            return tick
    return 5.0


@dataclass
class Bar:
    start: _dt.datetime
    open: float
    high: float
    low: float
    close: float
    volume: int = 0
    turnover: float = 0.0

    def add(self, price: float, volume: int) -> None:
        self.close = price
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.volume += volume
        self.turnover += price * volume


@dataclass
class TickRecord:
    ts: float
    sequence: int
    price: float
    volume: int
    direction: int  # Qot_Common.TickerDirection


@dataclass
class Instrument:
    key: SecKey
    name: str
    last_close: float
    lot: int
    list_time: str
    price: float = 0.0
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    volume: int = 0
    turnover: float = 0.0
    shares_out: float = 1e9
    sequence: int = 0
    updated: float = 0.0
    tickers: deque = field(default_factory=lambda: deque(maxlen=TICKER_HISTORY))
    bars: dict = field(default_factory=dict)  # KL SubType -> Bar
    rt: Bar | None = None
    rt_day_volume: int = 0
    rt_day_turnover: float = 0.0

    @property
    def market(self) -> int:
        return self.key[0]

    @property
    def code(self) -> str:
        return self.key[1]

    @property
    def spread(self) -> float:
        return price_spread(self.market, self.price)


# (market, code, name, previous close, lot size, listing date)
DEFAULT_SECURITIES: tuple[tuple[int, str, str, float, int, str], ...] = (
    (HK, "00700", "TENCENT", 385.0, 100, "2004-06-16"),
    (HK, "09988", "BABA-W", 82.5, 100, "2019-11-26"),
    (HK, "00005", "HSBC HOLDINGS", 64.3, 400, "1991-01-01"),
    (HK, "03690", "MEITUAN-W", 118.6, 100, "2018-09-20"),
    (US, "AAPL", "Apple", 189.7, 1, "1980-12-12"),
    (US, "TSLA", "Tesla", 242.8, 1, "2010-06-29"),
    (US, "NVDA", "NVIDIA", 131.4, 1, "1999-01-22"),
    (US, "MSFT", "Microsoft", 415.2, 1, "1986-03-13"),
)

#: Markets for which an unknown code gets a synthetic instrument on first use.
DYNAMIC_MARKETS = frozenset({HK, US, CNSH, CNSZ})
MAX_INSTRUMENTS = 4096

_BROKER_NAMES = ("Demo Securities", "Harbour Capital", "Kowloon Brokerage", "Victoria Partners",
                 "Peak Markets", "Lantau Securities", "Central Clearing", "Star Ferry Trading",
                 "Junk Bay Capital", "Tsim Sha Tsui Securities")


class Market:
    """All instruments and their random walks. Deterministic for a given ``seed``."""

    def __init__(self, seed: int | None = None,
                 securities=DEFAULT_SECURITIES, now: float | None = None) -> None:
        self.rng = random.Random(seed)
        self.instruments: dict[SecKey, Instrument] = {}
        self.steps = 0
        t = time.time() if now is None else now
        for market, code, name, close, lot, listed in securities:
            self._add(market, code, name, close, lot, listed, t)

    # -- instruments -------------------------------------------------------------------------

    def _add(self, market: int, code: str, name: str, close: float, lot: int, listed: str,
             now: float) -> Instrument:
        inst = Instrument((market, code), name, close, lot, listed)
        open_ = self._round(market, close * (1 + self.rng.gauss(0, 0.006)))
        inst.price = inst.open = inst.high = inst.low = open_
        inst.updated = now
        self.instruments[inst.key] = inst
        # a few trades so tickers, bars and volume are not empty on the first push
        for _ in range(3):
            self._trade(inst, now)
        return inst

    @staticmethod
    def _round(market: int, price: float) -> float:
        tick = price_spread(market, price)
        return max(tick, round(round(price / tick) * tick, 3))

    def get(self, key: SecKey) -> Instrument | None:
        return self.instruments.get(key)

    def ensure(self, key: SecKey) -> Instrument | None:
        """The instrument for a key, creating a synthetic one for a well-formed unknown code
        in HK / US / SH / SZ. None when the key cannot name a security here."""
        inst = self.instruments.get(key)
        if inst is not None:
            return inst
        market, code = key
        if (market not in DYNAMIC_MARKETS or not code or len(code) > 16
                or not code.replace(".", "").replace("-", "").isalnum()
                or len(self.instruments) >= MAX_INSTRUMENTS):
            return None
        rng = random.Random(f"{market}.{code}")  # same synthetic price every run
        close = round(rng.uniform(5, 300), 2)
        lot = 100 if market == HK else 1
        return self._add(market, code, f"DEMO {code}", close, lot, "2010-01-04", time.time())

    # -- the walk ----------------------------------------------------------------------------

    def step(self, keys=None, now: float | None = None) -> None:
        """One trade on every instrument, or only on those in ``keys`` (the gateway passes
        the subscribed ones, so thousands of idle instruments cost nothing)."""
        t = time.time() if now is None else now
        self.steps += 1
        if keys is None:
            targets = self.instruments.values()
        else:
            targets = [i for i in map(self.instruments.get, keys) if i is not None]
        for inst in targets:
            self._trade(inst, t)

    def _trade(self, inst: Instrument, now: float) -> None:
        rng = self.rng
        move = rng.gauss(0, 0.0012)
        # mean-revert gently so a long-running demo stays near its close
        move -= 0.02 * (inst.price / inst.last_close - 1)
        price = self._round(inst.market, inst.price * (1 + move))
        direction = 2 if price > inst.price else 1 if price < inst.price else 3
        lots = max(1, int(rng.expovariate(1 / 6)))
        volume = lots * inst.lot
        inst.price = price
        inst.high = max(inst.high, price)
        inst.low = min(inst.low, price)
        inst.volume += volume
        inst.turnover += price * volume
        inst.sequence += 1
        inst.updated = now
        inst.tickers.append(TickRecord(now, inst.sequence, price, volume, direction))
        local = local_time(inst.market, now)
        for sub, (_kltype, minutes) in KL_SUBTYPES.items():
            start = _bar_start(local, sub, minutes)
            bar = inst.bars.get(sub)
            if bar is None or bar.start != start:
                bar = inst.bars[sub] = Bar(start, price, price, price, price)
            bar.add(price, volume)
        minute = local.replace(second=0, microsecond=0)
        if inst.rt is None or inst.rt.start != minute:
            inst.rt = Bar(minute, price, price, price, price)
        inst.rt.add(price, volume)
        inst.rt_day_volume += volume
        inst.rt_day_turnover += price * volume

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
        rng = self.rng
        tick = inst.spread
        bid0 = inst.price
        ask0 = self._round(inst.market, inst.price + tick)
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
        bar = inst.bars.get(subtype)
        if bar is not None:
            k = s2c.klList.add()
            k.time = fmt_time(bar.start)
            k.isBlank = False
            k.highPrice = bar.high
            k.openPrice = bar.open
            k.lowPrice = bar.low
            k.closePrice = bar.close
            k.lastClosePrice = inst.last_close
            k.volume = bar.volume
            k.turnover = round(bar.turnover, 3)
            k.turnoverRate = round(bar.volume / inst.shares_out * 100, 4)
            k.changeRate = round((bar.close / inst.last_close - 1) * 100, 3)
            k.timestamp = bar.start.timestamp()
        return s2c

    def rt_s2c(self, inst: Instrument):
        s2c = Qot_UpdateRT_pb2.S2C()
        self._security(s2c.security, inst.key)
        s2c.name = inst.name
        bar = inst.rt
        if bar is not None:
            r = s2c.rtList.add()
            r.time = fmt_time(bar.start)
            r.minute = bar.start.hour * 60 + bar.start.minute
            r.isBlank = False
            r.price = bar.close
            r.lastClosePrice = inst.last_close
            r.avgPrice = round(inst.rt_day_turnover / max(1, inst.rt_day_volume), 4)
            r.volume = bar.volume
            r.turnover = round(bar.turnover, 3)
            r.timestamp = bar.start.timestamp()
        return s2c

    def broker_s2c(self, inst: Instrument):
        s2c = Qot_UpdateBroker_pb2.S2C()
        self._security(s2c.security, inst.key)
        s2c.name = inst.name
        rng = self.rng
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


def _bar_start(local: _dt.datetime, subtype: int, minutes: int) -> _dt.datetime:
    if minutes:
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        since = (local.hour * 60 + local.minute) // minutes * minutes
        return midnight + _dt.timedelta(minutes=since)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if subtype == 6:
        return day
    if subtype == 12:
        return day - _dt.timedelta(days=day.weekday())
    if subtype == 13:
        return day.replace(day=1)
    if subtype == 15:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


# -- market states for GetGlobalState (Qot_Common.QotMarketState) ---------------------------

def _in(t: _dt.time, a: tuple[int, int], b: tuple[int, int]) -> bool:
    return _dt.time(*a) <= t < _dt.time(*b)


def market_state(market: int, now: float | None = None) -> int:
    """A plausible QotMarketState from the local clock of the market (holidays ignored)."""
    d = local_time(market, time.time() if now is None else now)
    t = d.time()
    weekend = d.weekday() >= 5
    if market == US:
        if weekend:
            return 6
        if _in(t, (4, 0), (9, 30)):
            return 8  # PreHoursBegin
        if _in(t, (9, 30), (16, 0)):
            return 5  # Afternoon (US regular session)
        if _in(t, (16, 0), (20, 0)):
            return 10  # AfterHoursBegin
        return 6
    if market == HK_FUTURE:
        if weekend:
            return 6
        if _in(t, (9, 15), (12, 0)):
            return 3
        if _in(t, (13, 0), (16, 30)):
            return 5
        if t >= _dt.time(17, 15) or t < _dt.time(3, 0):
            return 32  # NIGHT
        return 6
    if weekend:
        return 6
    if market in (CNSH, CNSZ):
        if _in(t, (9, 15), (9, 30)):
            return 1
        if _in(t, (9, 30), (11, 30)):
            return 3
        if _in(t, (11, 30), (13, 0)):
            return 4
        if _in(t, (13, 0), (15, 0)):
            return 5
        return 6
    # HK securities
    if _in(t, (9, 0), (9, 30)):
        return 1  # Auction
    if _in(t, (9, 30), (12, 0)):
        return 3
    if _in(t, (12, 0), (13, 0)):
        return 4
    if _in(t, (13, 0), (16, 0)):
        return 5
    if _in(t, (16, 0), (16, 10)):
        return 30  # CLOSE_AUCTION
    return 6
