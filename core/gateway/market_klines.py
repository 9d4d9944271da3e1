"""K-line and time-share views of the demo market (a mixin of :class:`.market.Market`).

Every period reads the one walk of :mod:`.pricepath`: intraday bars from the day's points,
daily bars from the day table, weeks / months / quarters / years merged from days. The last
bar is partial when it holds the demo clock's now; nothing after now exists.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .pricepath import fmt_time, local_time, merge_days, period_start

if TYPE_CHECKING:
    from .market import Instrument


@dataclass(frozen=True)
class KBar:
    ts: float  # bar start, Unix seconds
    open: float
    high: float
    low: float
    close: float
    volume: int
    turnover: float
    last_close: float


#: Qot_Common.KLType -> bar minutes (intraday types)
KL_MINUTES = {1: 1, 6: 5, 7: 15, 8: 30, 9: 60, 10: 3, 12: 10, 13: 120, 14: 180, 15: 240}
#: Qot_Common.KLType -> calendar period (2, Day, is plain daily bars)
KL_PERIOD = {3: "week", 4: "month", 5: "year", 11: "quarter"}
KL_TYPES = frozenset({2, *KL_MINUTES, *KL_PERIOD})


def _fmt(market: int, ts: float) -> str:
    return fmt_time(local_time(market, ts))


class KlineViews:
    """Needs ``self.now()``; used by Market."""

    def klines(self, inst: Instrument, kltype: int, t0: float, t1: float) -> list[KBar]:
        """Bars of one KLType whose start lies in [t0, t1], oldest first; the last one is
        partial when it holds the demo clock's now. Every period reads the same path."""
        now = self.now()
        t1 = min(t1, now)
        if t1 < t0:
            return []
        minutes = KL_MINUTES.get(kltype)
        path = inst.path
        out: list[KBar] = []
        if minutes:
            prev = None
            for start, (o, h, l_, c, vol, turn) in path.bars(minutes, t0, t1, now):
                last = prev if prev is not None else path.price_at(max(start - 1, 0))
                out.append(KBar(start, o, h, l_, c, vol, turn, last))
                prev = c
            return out
        first = path.local_day(t0)
        last_day = path.local_day(t1)
        kind = KL_PERIOD.get(kltype)
        if kind is not None:
            first = period_start(kind)(first)
        days = path.days(first, last_day, now)
        if kind is not None:
            days = merge_days(days, period_start(kind))
        tz = path.tz
        for d in days:
            ts = _dt.datetime.combine(d.day, _dt.time(), tz).timestamp()
            out.append(KBar(ts, d.open, d.high, d.low, d.close, d.volume, d.turnover,
                            d.last_close))
        return out

    def current_kline(self, inst: Instrument, kltype: int) -> KBar | None:
        minutes = KL_MINUTES.get(kltype)
        now = self.now()
        if minutes:
            day0 = inst.path.day_bounds(inst.path.local_day(now))[0]
            start = day0 + (now - day0) // (minutes * 60) * minutes * 60
            bars = self.klines(inst, kltype, start, now)
            return bars[-1] if bars else None
        path = inst.path
        today = path.local_day(now)
        bar = path.today_so_far(now)
        kind = KL_PERIOD.get(kltype)
        first = today if kind is None else period_start(kind)(today)
        if first < today:  # the period's finished days, merged once and kept
            cache = path.__dict__.setdefault("_period_cache", {})
            done = cache.get((kind, first, today))
            if done is None:
                done = merge_days(path.days(first, today - _dt.timedelta(days=1), now),
                                  lambda d: first)
                done = cache[(kind, first, today)] = done[0] if done else None
            if done is not None:
                bar = merge_days([done, bar], lambda d: first)[0]
        ts = _dt.datetime.combine(first, _dt.time(), path.tz).timestamp()
        return KBar(ts, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.turnover,
                    bar.last_close)

    def fill_kline(self, inst: Instrument, bar: KBar, k) -> None:
        k.time = _fmt(inst.market, bar.ts)
        k.isBlank = False
        k.highPrice = bar.high
        k.openPrice = bar.open
        k.lowPrice = bar.low
        k.closePrice = bar.close
        k.lastClosePrice = bar.last_close
        k.volume = bar.volume
        k.turnover = round(bar.turnover, 3)
        k.turnoverRate = round(bar.volume / inst.shares_out * 100, 4)
        k.changeRate = round((bar.close / bar.last_close - 1) * 100, 3) if bar.last_close else 0
        k.timestamp = bar.ts

    def time_shares(self, inst: Instrument, t0: float | None = None) -> list[tuple]:
        """Today's minutes up to now: (minute start, close, volume, turnover, avg price).
        Finished minutes are kept per day, so a push per tick costs one new bar."""
        now = self.now()
        path = inst.path
        day = path.local_day(now)
        day0 = path.day_bounds(day)[0]
        cache = path.__dict__.get("_rt_cache")
        if cache is None or cache[0] != day or cache[1] > now:
            cache = path.__dict__["_rt_cache"] = [day, day0, []]  # day, next minute, rows
        rows = cache[2]
        cum_vol = rows[-1][5] if rows else 0
        cum_turn = rows[-1][6] if rows else 0.0
        done_until = now - (now - day0) % 60  # start of the minute still forming
        if cache[1] < done_until:
            for start, (o, h, l_, c, vol, turn) in path.bars(1, cache[1], done_until - 1,
                                                             done_until):
                cum_vol += vol
                cum_turn += turn
                rows.append((start, c, vol, turn, cum_turn / cum_vol if cum_vol else c,
                             cum_vol, cum_turn))
            cache[1] = done_until
        out = [r[:5] for r in rows if t0 is None or r[0] >= t0]
        if now > done_until:
            for start, (o, h, l_, c, vol, turn) in path.bars(1, done_until, now, now):
                v, tt = cum_vol + vol, cum_turn + turn
                if t0 is None or start >= t0:
                    out.append((start, c, vol, turn, tt / v if v else c))
        return out

    def fill_time_share(self, inst: Instrument, row: tuple, r) -> None:
        start, close, vol, turn, avg = row
        local = local_time(inst.market, start)
        r.time = _fmt(inst.market, start)
        r.minute = local.hour * 60 + local.minute
        r.isBlank = False
        r.price = close
        r.lastClosePrice = inst.last_close
        r.avgPrice = round(avg, 4)
        r.volume = vol
        r.turnover = round(turn, 3)
        r.timestamp = start
