"""Push rows built from the protobuf classes, for the market tests and bench/market_feed.py.

The rows are what the session's ring holds: the 10-column core/pushrow.py tuple, or with
``legacy=True`` the 11-column form (summary at index 9, error at 10). Bodies are real
``Response`` messages encoded with the generated classes, so the feed decodes them exactly
as it decodes the gateway's.
"""

from __future__ import annotations

import itertools

from opendeck.core import catalog, codes
from opendeck.core.wire import FMT_PROTOBUF

QUOTE = catalog.QOT_UPDATE_BASIC_QOT
BOOK = catalog.QOT_UPDATE_ORDER_BOOK
TICKER = catalog.QOT_UPDATE_TICKER


def _response(pid: int):
    resp = catalog.response_type(pid)()
    resp.retType = 0
    return resp


def _security(msg, symbol: str) -> None:
    (market, code), = codes.parse_codes(symbol)
    msg.market, msg.code = market, code


def quote_body(symbol: str, last: float, prev_close: float, volume: int = 0,
               turnover: float = 0.0, update_time: str = "2026-12-01 10:00:00",
               name: str = "") -> bytes:
    resp = _response(QUOTE)
    q = resp.s2c.basicQotList.add()
    _security(q.security, symbol)
    q.isSuspended, q.listTime, q.priceSpread, q.updateTime = False, "2004-06-16", 0.2, update_time
    q.highPrice, q.openPrice, q.lowPrice = max(last, prev_close), prev_close, min(last, prev_close)
    q.curPrice, q.lastClosePrice, q.volume, q.turnover = last, prev_close, volume, turnover
    q.turnoverRate, q.amplitude = 0.0, 0.0
    if name:
        q.name = name
    return resp.SerializeToString()


def book_body(symbol: str, bids: list[tuple[float, int, int]],
              asks: list[tuple[float, int, int]]) -> bytes:
    """``bids`` / ``asks``: (price, volume, orders), best first."""
    resp = _response(BOOK)
    _security(resp.s2c.security, symbol)
    for price, vol, n in bids:
        resp.s2c.orderBookBidList.add(price=price, volume=vol, orederCount=n)
    for price, vol, n in asks:
        resp.s2c.orderBookAskList.add(price=price, volume=vol, orederCount=n)
    return resp.SerializeToString()


def ticker_body(symbol: str, ticks: list[tuple[float, int, int, int]],
                time: str = "10:00:00") -> bytes:
    """``ticks``: (price, volume, direction, sequence), oldest first."""
    resp = _response(TICKER)
    _security(resp.s2c.security, symbol)
    for price, vol, direction, seq in ticks:
        resp.s2c.tickerList.add(time=time, sequence=seq, dir=direction, price=price, volume=vol,
                                turnover=price * vol)
    return resp.SerializeToString()


class RowMaker:
    """Numbers rows like the ring does (seq from 1) in either width."""

    def __init__(self, endpoint: str = "demo", legacy: bool = False, start_seq: int = 1) -> None:
        self.endpoint = endpoint
        self.legacy = legacy
        self._seq = itertools.count(start_seq)

    def row(self, pid: int, body: bytes, security: str, t: float = 0.0, error: str = "",
            endpoint: str | None = None, fmt: int = FMT_PROTOBUF) -> tuple:
        seq = next(self._seq)
        ep = self.endpoint if endpoint is None else endpoint
        if self.legacy:
            return (seq, t, ep, "quote", pid, fmt, 0, body, security, "", error)
        return (seq, t, ep, "quote", pid, fmt, 0, body, security, error)

    def quote(self, symbol: str, last: float, prev_close: float, t: float = 0.0,
              endpoint: str | None = None, **kw) -> tuple:
        return self.row(QUOTE, quote_body(symbol, last, prev_close, **kw), symbol, t,
                        endpoint=endpoint)

    def book(self, symbol: str, bids, asks, t: float = 0.0, endpoint: str | None = None) -> tuple:
        return self.row(BOOK, book_body(symbol, bids, asks), symbol, t, endpoint=endpoint)

    def ticker(self, symbol: str, ticks, t: float = 0.0, endpoint: str | None = None) -> tuple:
        return self.row(TICKER, ticker_body(symbol, ticks), symbol, t, endpoint=endpoint)


def ladder(mid: float, step: float = 0.2, levels: int = 10, base: int = 1000):
    """A plausible book around ``mid``: (bids, asks), best first."""
    bids = [(round(mid - step * (i + 1), 3), base * (i + 1), i + 2) for i in range(levels)]
    asks = [(round(mid + step * (i + 1), 3), base * (levels - i), i + 1) for i in range(levels)]
    return bids, asks
