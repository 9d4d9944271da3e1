"""Numbers as the market views show them (Qt-free, so the tests read them without a view)."""

from __future__ import annotations

import math
import time


def decimals_of(price: float, floor: int = 2, cap: int = 4) -> int:
    """How many decimals ``price`` needs (its tick size shows through), between floor and cap."""
    if not math.isfinite(price):
        return floor
    s = f"{abs(price):.{cap}f}".rstrip("0")
    return max(floor, min(cap, len(s) - s.index(".") - 1))


def price(p: float, decimals: int = 3) -> str:
    return f"{p:,.{decimals}f}" if math.isfinite(p) else "\u2013"


def signed(v: float, decimals: int = 3) -> str:
    return f"{v:+,.{decimals}f}" if math.isfinite(v) else "\u2013"


def pct(v: float) -> str:
    return f"{v:+.2f}%" if math.isfinite(v) else "\u2013"


def compact(v: float) -> str:
    """1234 -> "1,234"; 12_345_678 -> "12.35M" (volume, turnover, sizes)."""
    if not math.isfinite(v):
        return "\u2013"
    a = abs(v)
    for unit, div in (("B", 1e9), ("M", 1e6)):
        if a >= div:
            return f"{v / div:,.2f}{unit}"
    if a >= 100_000:
        return f"{v / 1e3:,.1f}K"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def size(v: int) -> str:
    return compact(v) if v else ""


def clock(ts: float, ms: bool = False) -> str:
    """Local wall-clock time of a receive timestamp (to the millisecond with ``ms``)."""
    if not ts:
        return ""
    lt = time.localtime(ts)
    hms = f"{lt.tm_hour:02d}:{lt.tm_min:02d}:{lt.tm_sec:02d}"
    return f"{hms}.{int(ts * 1000) % 1000:03d}" if ms else hms


def rate(r: float) -> str:
    if r <= 0:
        return "0"
    return f"{r:,.0f}" if r >= 10 else f"{r:.1f}"
