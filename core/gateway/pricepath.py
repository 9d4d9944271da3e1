"""One deterministic random walk per instrument, and the demo clock.

Every view of the demo market (quotes, tickers, order book, K-lines of every period, RT
data, capital flow, order fills) reads the same path, so they agree with each other:

* **Days.** The close of the day before the demo's first day is the instrument's reference
  price; day ``i``'s open, close, high, low and volume are drawn from a generator seeded by
  ``(seed, code, i)``, walking forward and backward from there. History is therefore the
  same for the same seed and start day, whatever was asked before.
* **Inside a day.** A Brownian bridge of one point every :data:`STEP` seconds from the open
  to the close, stretched so that its highest point is the day's high and its lowest the
  day's low, rounded to the tick. A price at any moment is the rounded interpolation of
  the two points around it, so it always lies inside the bar that holds it; volume is
  spread over the points the same way and summed.
* **The clock.** :class:`DemoClock` is wall time, or a ``start_time`` anchor that then runs
  at wall speed. Markets trade around the clock, weekends included (``calendar="always"``).

No I/O; the gateway asks for prices at the demo clock's ``now``.
"""

from __future__ import annotations

import datetime as _dt
import math
import random
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache

from .universe import HK, US, Spec

STEP = 30  # seconds between two points of the intraday path
MAX_HISTORY_DAYS = 366 * 12


def market_tz(market: int) -> _dt.tzinfo:
    if market == US:
        try:
            from zoneinfo import ZoneInfo
            return ZoneInfo("America/New_York")
        except Exception:  # no tz database on this machine: a fixed offset is close enough
            return _dt.timezone(_dt.timedelta(hours=-5), "ET")
    return _dt.timezone(_dt.timedelta(hours=8))


_TZ: dict[int, _dt.tzinfo] = {}


def tz_of(market: int) -> _dt.tzinfo:
    tz = _TZ.get(market)
    if tz is None:
        tz = _TZ[market] = market_tz(market)
    return tz


def local_time(market: int, ts: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ts, tz_of(market))


def fmt_time(d: _dt.datetime, ms: bool = False) -> str:
    """OpenD's time strings: ``YYYY-MM-DD HH:MM:SS`` (futu splits them on the space)."""
    s = d.strftime("%Y-%m-%d %H:%M:%S")
    return f"{s}.{d.microsecond // 1000:03d}" if ms else s


def tick_size(market: int, price: float) -> float:
    """HK's tiered spread table (simplified); 0.01 elsewhere."""
    if market != HK:
        return 0.01
    for limit, tick in ((0.25, 0.001), (0.5, 0.005), (10, 0.01), (20, 0.02), (100, 0.05),
                        (200, 0.1), (500, 0.2), (1000, 0.5), (2000, 1.0), (5000, 2.0)):
        if price < limit:
            return tick
    return 5.0 if price < 10_000 else 1.0  # index futures trade in whole points


def round_price(market: int, price: float) -> float:
    tick = tick_size(market, price)
    return max(tick, round(round(price / tick) * tick, 3))


class DemoClock:
    """Wall time, or ``start`` (Unix seconds) advancing at wall speed from construction."""

    def __init__(self, start: float | None = None, *, wall=time.time) -> None:
        self._wall = wall
        self._wall0 = wall()
        self.start = start

    def now(self) -> float:
        if self.start is None:
            return self._wall()
        return self.start + (self._wall() - self._wall0)


class ManualClock(DemoClock):
    """A demo clock that moves only when told (tests; a frozen market still pushes)."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


@dataclass(frozen=True)
class DayBar:
    day: _dt.date
    open: float
    high: float
    low: float
    close: float
    volume: int
    turnover: float
    last_close: float


class Intraday:
    """The points of one local day: prices, running high/low and cumulative volume."""

    def __init__(self, start_ts: float, end_ts: float, prices: list[float],
                 cum_vol: list[int], lot: int) -> None:
        self.start_ts = start_ts
        self.end_ts = end_ts
        self.prices = prices
        self.cum_vol = cum_vol  # shares traded from the day's start to each point
        self.lot = lot
        hi, lo = [], []
        h = l_ = prices[0]
        for p in prices:
            h = p if p > h else h
            l_ = p if p < l_ else l_
            hi.append(h)
            lo.append(l_)
        self.run_high = hi
        self.run_low = lo

    def index(self, ts: float) -> int:
        """Index of the last point at or before ts."""
        k = int((ts - self.start_ts) // STEP)
        return min(max(k, 0), len(self.prices) - 1)

    def price_at(self, market: int, ts: float) -> float:
        k = self.index(ts)
        if k >= len(self.prices) - 1:
            return self.prices[-1]
        frac = (ts - (self.start_ts + k * STEP)) / STEP
        a, b = self.prices[k], self.prices[k + 1]
        p = round_price(market, a + (b - a) * frac)
        return min(max(p, min(a, b)), max(a, b))

    def volume_at(self, ts: float) -> int:
        k = self.index(ts)
        if k >= len(self.cum_vol) - 1:
            return self.cum_vol[-1]
        frac = (ts - (self.start_ts + k * STEP)) / STEP
        a, b = self.cum_vol[k], self.cum_vol[k + 1]
        lots = (a + (b - a) * frac) // self.lot
        return int(lots * self.lot)

    def bar(self, market: int, t0: float, t1: float) -> tuple[float, float, float, float, int, float]:
        """(open, high, low, close, volume, turnover) over [t0, t1] (clipped to the day)."""
        t0 = max(t0, self.start_ts)
        t1 = min(t1, self.end_ts)
        i0, i1 = self.index(t0), self.index(t1)
        o = self.price_at(market, t0)
        c = self.price_at(market, t1)
        seg = self.prices[i0 + 1:i1 + 1]
        h = max(seg + [o, c])
        l_ = min(seg + [o, c])
        vol = self.volume_at(t1) - self.volume_at(t0)
        return o, h, l_, c, vol, vol * (o + h + l_ + c) / 4


def _rng(seed: int, code: str, day_index: int, what: str) -> random.Random:
    return random.Random(zlib.crc32(f"{seed}|{code}|{day_index}|{what}".encode()))


class PricePath:
    """The deterministic walk of one instrument around ``anchor`` (the demo's first day)."""

    def __init__(self, spec: Spec, seed: int, anchor: _dt.date, vol: float = 0.018) -> None:
        self.spec = spec
        self.seed = seed
        #: whose draws move this instrument: an index future or tracker ETF shares its index's
        self.walk = spec.walk or spec.code
        self.anchor = anchor
        self.tz = tz_of(spec.market)
        self.daily_vol = vol * (2.2 if spec.sec_type in (5, 8) else 1.0)
        self._closes: dict[int, float] = {-1: round_price(spec.market, spec.ref_price)}
        self._days: dict[int, DayBar] = {}
        self._intraday = lru_cache(maxsize=4)(self._build_intraday)
        self.listed = _dt.date.fromisoformat(spec.listed)

    # -- days ----------------------------------------------------------------------------

    def day_index(self, day: _dt.date) -> int:
        return (day - self.anchor).days

    def _draws(self, i: int) -> tuple[float, float, float, float, float]:
        r = _rng(self.seed, self.walk, i, "day")
        return (r.gauss(0, self.daily_vol), r.gauss(0, self.daily_vol * 0.2), abs(r.gauss(0, 1)),
                abs(r.gauss(0, 1)), r.lognormvariate(0, 0.35))

    def close(self, i: int) -> float:
        c = self._closes.get(i)
        if c is not None:
            return c
        m = self.spec.market
        if i >= 0:
            j = max(k for k in self._closes if k < i) if i - 1 not in self._closes else i - 1
            prev = self._closes[j]
            for k in range(j + 1, i + 1):
                ret = self._draws(k)[0]
                ret -= 0.03 * math.log(prev / self.spec.ref_price)  # stay near the reference
                prev = self._closes[k] = round_price(m, prev * math.exp(ret))
        else:
            j = min(k for k in self._closes if k > i) if i + 1 not in self._closes else i + 1
            nxt = self._closes[j]
            for k in range(j - 1, i - 1, -1):
                nxt = self._closes[k] = round_price(m, nxt / math.exp(self._draws(k + 1)[0]))
        return self._closes[i]

    def day(self, day: _dt.date) -> DayBar:
        i = self.day_index(day)
        bar = self._days.get(i)
        if bar is None:
            m = self.spec.market
            last = self.close(i - 1)
            c = self.close(i)
            _ret, gap, up, down, vmul = self._draws(i)
            o = round_price(m, last * math.exp(gap))
            spread = self.daily_vol * 0.35
            h = round_price(m, max(o, c) * (1 + up * spread))
            l_ = round_price(m, min(o, c) * (1 - down * spread))
            lots = max(1, int(self.spec.shares_out * 0.004 * vmul / max(1, self.spec.lot)
                              / max(1.0, c / 50)))
            vol = lots * self.spec.lot
            bar = self._days[i] = DayBar(day, o, h, l_, c, vol, vol * (o + h + l_ + c) / 4, last)
        return bar

    def day_bounds(self, day: _dt.date) -> tuple[float, float]:
        start = _dt.datetime.combine(day, _dt.time(), self.tz)
        end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time(), self.tz)
        return start.timestamp(), end.timestamp()

    def local_day(self, ts: float) -> _dt.date:
        return _dt.datetime.fromtimestamp(ts, self.tz).date()

    # -- inside a day --------------------------------------------------------------------

    def intraday(self, day: _dt.date) -> Intraday:
        return self._intraday(day)

    def _build_intraday(self, day: _dt.date) -> Intraday:
        bar = self.day(day)
        m = self.spec.market
        t0, t1 = self.day_bounds(day)
        n = max(2, int((t1 - t0) // STEP))
        r = _rng(self.seed, self.walk, self.day_index(day), "intraday")
        gauss = r.gauss
        w = [0.0]
        acc = 0.0
        for _ in range(n):
            acc += gauss(0, 1)
            w.append(acc)
        lo_, lc = math.log(bar.open), math.log(bar.close)
        scale = self.daily_vol / math.sqrt(n) * 0.8
        path = [lo_ + (lc - lo_) * k / n + scale * (w[k] - w[n] * k / n) for k in range(n + 1)]
        prices = [math.exp(x) for x in path]
        prices[0], prices[-1] = bar.open, bar.close
        hi0, lo0 = max(bar.open, bar.close), min(bar.open, bar.close)
        top, bottom = max(prices), min(prices)
        up = (bar.high - hi0) / (top - hi0) if top > hi0 else 0.0
        down = (lo0 - bar.low) / (lo0 - bottom) if bottom < lo0 else 0.0
        tick = tick_size(m, bar.high)  # one grid for the day: the coarsest tick it touches
        high, low = bar.high, bar.low
        out = []
        for p in prices:
            if p > hi0:
                p = hi0 + (p - hi0) * up
            elif p < lo0:
                p = lo0 - (lo0 - p) * down
            p = round(round(p / tick) * tick, 3)
            out.append(high if p > high else low if p < low else p)
        inner = range(1, n)
        if max(out) < bar.high:
            out[max(inner, key=lambda k: prices[k])] = bar.high
        if min(out) > bar.low:
            out[min(inner, key=lambda k: prices[k])] = bar.low
        weights = [r.expovariate(1.0) for _ in range(n)]
        total = sum(weights)
        lots = bar.volume // self.spec.lot
        cum, run = [0], 0.0
        for wt in weights:
            run += wt
            cum.append(int(round(lots * run / total)) * self.spec.lot)
        return Intraday(t0, t1, out, cum, self.spec.lot)

    # -- queries -------------------------------------------------------------------------

    def price_at(self, ts: float) -> float:
        return self.intraday(self.local_day(ts)).price_at(self.spec.market, ts)

    def today_so_far(self, ts: float) -> DayBar:
        """The day holding ts, up to ts: what the quote shows."""
        day = self.local_day(ts)
        full = self.day(day)
        intra = self.intraday(day)
        k = intra.index(ts)
        p = intra.price_at(self.spec.market, ts)
        h = max(intra.run_high[k], p)
        l_ = min(intra.run_low[k], p)
        vol = intra.volume_at(ts)
        return DayBar(day, full.open, h, l_, p, vol, vol * (full.open + h + l_ + p) / 4,
                      full.last_close)

    def bars(self, minutes: int, t0: float, t1: float,
             until: float | None = None) -> list[tuple[float, tuple]]:
        """Intraday bars of ``minutes`` length starting in [t0, t1]; a bar runs its full
        length, or to ``until`` (the demo's now) for the one still forming."""
        until = t1 if until is None else until
        out = []
        width = minutes * 60
        day = self.local_day(t0)
        last_day = self.local_day(t1)
        while day <= last_day:
            if day >= self.listed:
                ds, de = self.day_bounds(day)
                intra = self.intraday(day)
                start = ds + max(0.0, (t0 - ds) // width * width)
                while start < de and start <= t1:
                    end = min(start + width, de, until)
                    out.append((start, intra.bar(self.spec.market, start, end)))
                    start += width
            day += _dt.timedelta(days=1)
        return out

    def days(self, first: _dt.date, last: _dt.date, now: float) -> list[DayBar]:
        """Daily bars from first to last, never past the day of ``now`` (which is partial)."""
        today = self.local_day(now)
        last = min(last, today)
        first = max(first, self.listed, today - _dt.timedelta(days=MAX_HISTORY_DAYS))
        out = []
        d = first
        while d <= last:
            out.append(self.today_so_far(now) if d == today else self.day(d))
            d += _dt.timedelta(days=1)
        return out


def merge_days(days: list[DayBar], key) -> list[DayBar]:
    """Week / month / quarter / year bars from daily bars; ``key(day)`` gives the period start."""
    out: list[DayBar] = []
    for d in days:
        k = key(d.day)
        if out and out[-1].day == k:
            b = out[-1]
            out[-1] = DayBar(k, b.open, max(b.high, d.high), min(b.low, d.low), d.close,
                             b.volume + d.volume, b.turnover + d.turnover, b.last_close)
        else:
            out.append(DayBar(k, d.open, d.high, d.low, d.close, d.volume, d.turnover,
                              d.last_close))
    return out


def period_start(kind: str):
    def week(d: _dt.date) -> _dt.date:
        return d - _dt.timedelta(days=d.weekday())

    def month(d: _dt.date) -> _dt.date:
        return d.replace(day=1)

    def quarter(d: _dt.date) -> _dt.date:
        return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)

    def year(d: _dt.date) -> _dt.date:
        return d.replace(month=1, day=1)
    return {"week": week, "month": month, "quarter": quarter, "year": year}[kind]



class DerivedPath(PricePath):
    """Warrants and options: priced from the owner's walk at every point, so a call rises
    with its underlying, a put falls, and each bar's high and low come from the owner's.

    The value is intrinsic value plus a time value that shrinks towards expiry (constant
    within a day), divided by the entitlement ratio for warrants. Being monotonic in the
    underlying within a day, it maps the owner's day high / low to this day's high / low."""

    SIGMA = 0.3

    def __init__(self, spec: Spec, seed: int, anchor: _dt.date, owner: PricePath) -> None:
        super().__init__(spec, seed, anchor)
        self.owner = owner
        self.ratio = 10.0 if spec.sec_type == 5 else 1.0  # HK warrants: 10 per share
        self.expiry = _dt.date.fromisoformat(spec.expiry) if spec.expiry else anchor
        self.call = spec.option_type == 1 or spec.warrant_type in (1, 3)
        self.cbbc = spec.warrant_type in (3, 4)

    def raw_value(self, s: float, day: _dt.date) -> float:
        """Per unit, unrounded: the normal (Bachelier) model with volatility SIGMA, which is
        smooth in the underlying and never below intrinsic value; CBBCs near-linear."""
        k = self.spec.strike
        if self.cbbc:  # callable bull / bear: intrinsic plus a small financing premium
            intrinsic = max(0.0, s - k) if self.call else max(0.0, k - s)
            return (intrinsic + s * 0.002) / self.ratio
        years = max(1, (self.expiry - day).days) / 365.0
        width = self.SIGMA * s * math.sqrt(years)
        d = (s - k) / width
        pdf = math.exp(-0.5 * d * d) / math.sqrt(2 * math.pi)
        cdf = 0.5 * (1 + math.erf(d / math.sqrt(2)))
        v = (s - k) * cdf + width * pdf if self.call else (k - s) * (1 - cdf) + width * pdf
        return v / self.ratio

    def value(self, s: float, day: _dt.date) -> float:
        return round_price(self.spec.market, self.raw_value(s, day))

    def close(self, i: int) -> float:
        day = self.anchor + _dt.timedelta(days=i)
        return self.value(self.owner.close(i), day)

    def day(self, day: _dt.date) -> DayBar:
        i = self.day_index(day)
        bar = self._days.get(i)
        if bar is None:
            ob = self.owner.day(day)
            f = lambda s: self.value(s, day)  # noqa: E731
            o, c = f(ob.open), f(ob.close)
            h, l_ = (f(ob.high), f(ob.low)) if self.call else (f(ob.low), f(ob.high))
            h, l_ = max(h, o, c), min(l_, o, c)
            last = self.value(ob.last_close, day - _dt.timedelta(days=1))
            vmul = self._draws(i)[4]
            vol = int(2000 * vmul) * self.spec.lot
            bar = self._days[i] = DayBar(day, o, h, l_, c, vol, vol * (o + h + l_ + c) / 4, last)
        return bar

    def _build_intraday(self, day: _dt.date) -> Intraday:
        bar = self.day(day)
        src = self.owner.intraday(day)
        prices = [self.value(s, day) for s in src.prices]
        prices[0], prices[-1] = bar.open, bar.close
        prices = [min(max(p, bar.low), bar.high) for p in prices]
        total = src.cum_vol[-1] or 1
        lot = self.spec.lot
        lots = bar.volume // lot
        cum = [int(round(lots * v / total)) * lot for v in src.cum_vol]
        return Intraday(src.start_ts, src.end_ts, prices, cum, lot)
