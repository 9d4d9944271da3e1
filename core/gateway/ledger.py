"""The money side of a demo account: cash per currency, positions, fees and cash flow.

Pure bookkeeping, no I/O and no clock of its own: :class:`Ledger.apply_fill` is called by
the trading book for every fill and keeps cash, positions and the cash-flow list in step.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

CURRENCY_HKD, CURRENCY_USD, CURRENCY_CNH = 1, 2, 3
#: value of one unit in HKD (fixed demo rates)
FX_HKD = {CURRENCY_HKD: 1.0, CURRENCY_USD: 7.8, CURRENCY_CNH: 1.08}
#: futures contract multipliers (HKD per index point)
MULTIPLIER = {"HSI": 50, "MHI": 10}
FUTURES_MARGIN_RATE = 0.12
FLOW_IN, FLOW_OUT = 1, 2


def convert(amount: float, cur_from: int, cur_to: int) -> float:
    if cur_from == cur_to:
        return amount
    return amount * FX_HKD.get(cur_from, 1.0) / FX_HKD.get(cur_to, 1.0)


def multiplier(code: str, is_future: bool) -> int:
    return MULTIPLIER.get(code[:3], 1) if is_future else 1


def fees(currency: int, is_future: bool, is_buy: bool, qty: float,
         price: float) -> list[tuple[str, float]]:
    """The fee items of one fill, in the trade's currency (a typical retail schedule)."""
    if is_future:
        return [("Commission", round(10.0 * qty, 2)), ("Exchange fee", round(10.0 * qty, 2))]
    value = qty * price
    if currency == CURRENCY_USD:
        return [("Commission", round(max(0.99, 0.0049 * qty), 2)),
                ("Platform fee", round(max(1.0, 0.005 * qty), 2)),
                ("Settlement fee", round(0.003 * qty, 2))]
    items = [("Commission", round(max(3.0, value * 0.0003), 2)),
             ("Platform fee", 15.0),
             ("Trading fee", round(max(0.01, value * 0.0000565), 2)),
             ("SFC levy", round(max(0.01, value * 0.000027), 2))]
    if currency == CURRENCY_HKD:
        items.append(("Stamp duty", float(math.ceil(value * 0.001))))
    else:
        items.append(("Stamp duty", round(value * 0.0005, 2) if not is_buy else 0.0))
    return items


@dataclass
class Position:
    key: tuple[int, str]
    code: str
    name: str
    sec_market: int
    currency: int
    multiplier: int = 1
    is_future: bool = False
    qty: float = 0.0
    avg_cost: float = 0.0
    realized: float = 0.0
    td_buy_qty: float = 0.0
    td_buy_val: float = 0.0
    td_sell_qty: float = 0.0
    td_sell_val: float = 0.0
    td_day: str = ""  # the day the td_* counters are for

    def roll(self, day: str) -> None:
        """Start the td_* counters afresh on a new trading day."""
        if self.td_day != day:
            self.td_day = day
            self.td_buy_qty = self.td_buy_val = self.td_sell_qty = self.td_sell_val = 0.0

    @property
    def position_id(self) -> int:  # stable across runs (str hashes are salted per process)
        return zlib.crc32(f"{self.key[0]}.{self.key[1]}".encode()) + 10 ** 12

    def market_value(self, price: float) -> float:
        return self.qty * price * self.multiplier

    def unrealized(self, price: float) -> float:
        return (price - self.avg_cost) * self.qty * self.multiplier


@dataclass
class CashFlow:
    flow_id: int
    ts: float
    day: str
    currency: int
    kind: str
    direction: int
    amount: float
    remark: str


@dataclass
class Ledger:
    cash: dict[int, float]
    base: int
    positions: dict[tuple[int, str], Position] = field(default_factory=dict)
    flows: list[CashFlow] = field(default_factory=list)
    _next_flow: int = 1

    def flow(self, ts: float, day: str, currency: int, kind: str, amount: float,
             remark: str) -> None:
        if not amount:
            return
        self.flows.append(CashFlow(self._next_flow, ts, day, currency, kind,
                                   FLOW_IN if amount > 0 else FLOW_OUT, round(amount, 2), remark))
        self._next_flow += 1

    def apply_fill(self, pos: Position, is_buy: bool, qty: float, price: float, fee: float,
                   ts: float, day: str, today: bool, remark: str) -> None:
        """Cash and position after one fill (a buy adds qty, a sell removes it). Securities
        move cash by the traded value; futures only by realised P&L (and fees)."""
        cur = pos.currency
        signed = qty if is_buy else -qty
        value = qty * price * pos.multiplier
        old = pos.qty
        closing = min(abs(old), qty) if old and (old > 0) != (signed > 0) else 0.0
        pnl = 0.0
        if closing:
            pnl = (price - pos.avg_cost) * closing * pos.multiplier * (1 if old > 0 else -1)
            pos.realized += pnl
        opening = qty - closing
        if opening:
            kept = abs(old) - closing
            pos.avg_cost = (pos.avg_cost * kept + price * opening) / (kept + opening)
        pos.qty = old + signed
        if pos.qty == 0:
            pos.avg_cost = 0.0
        if today:
            pos.roll(day)
            if is_buy:
                pos.td_buy_qty += qty
                pos.td_buy_val += value
            else:
                pos.td_sell_qty += qty
                pos.td_sell_val += value
        if pos.is_future:
            self.cash[cur] = self.cash.get(cur, 0.0) + pnl
            self.flow(ts, day, cur, "Futures P&L", pnl, remark)
        else:
            self.cash[cur] = self.cash.get(cur, 0.0) + (-value if is_buy else value)
            self.flow(ts, day, cur, "Stock trade", -value if is_buy else value, remark)
        self.cash[cur] = self.cash.get(cur, 0.0) - fee
        self.flow(ts, day, cur, "Fee", -fee, remark)
