"""Quote pulls that read the live model: snapshots, order book, tickers, RT data, current and
historical K-lines (with paging), broker queue, market states, trading days, the history
K-line quota and rehab (adjustment) factors.

Every handler validates each code against the universe first (an unknown code is refused
as real OpenD refuses it) and reads the same instrument state the pushes show, so a pull and
the push of the same moment agree. What the model does not cover is refused with retType -1
naming the proto and what is supported.
"""

from __future__ import annotations

import datetime as _dt
import math

from .. import catalog
from . import market as mk
from .dispatch import Reject, handles
from .universe import DRVT, EQTY, FUTURE, INDEX, TRUST, WARRANT, sec_str

HISTORY_KL_QUOTA = 300      # GetUserInfo.historyKLQuota says the same
MAX_KL_PAGE = 1000
MAX_SNAPSHOT = 400
#: Qot_Common.KLType -> the SubType a get_cur_kline needs
KLTYPE_SUBTYPE = {kl: st for st, (kl, _m) in mk.KL_SUBTYPES.items()}


def known(gw, sec, proto: str):
    """The instrument of a Security message, or Reject naming the unknown code."""
    key = (sec.market, sec.code)
    inst = gw.market.current(key)
    if inst is None:
        raise Reject(f"{proto}: unknown stock {sec_str(key)} (the demo gateway serves a fixed "
                     "universe: HSI and Nasdaq-100 constituents, large SSE/SZSE names, HSI/MHI "
                     "futures, ETFs, warrants and options on them)")
    return inst


def known_all(gw, secs, proto: str) -> list:
    unknown = [sec_str((s.market, s.code)) for s in secs
               if gw.market.spec((s.market, s.code)) is None]
    if unknown:
        raise Reject(f"{proto}: unknown stock {', '.join(unknown)} (not in the demo gateway's "
                     "universe)")
    return [gw.market.current((s.market, s.code)) for s in secs]


def need_sub(gw, key, subtype: int, proto: str, what: str) -> None:
    for o in gw.conns:
        if subtype in o.subs.get(key, {}):
            return
    raise Reject(f"{proto}: subscribe {what} first for {sec_str(key)} (Qot_Sub)")


def parse_time(text: str, tz, proto: str, *, end: bool = False) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            d = _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end:
            d = d.replace(hour=23, minute=59, second=59)
        return d.replace(tzinfo=tz).timestamp()
    raise Reject(f"{proto}: time {text!r} is not YYYY-MM-DD[ HH:MM:SS]")


# -- snapshot -----------------------------------------------------------------------------

@handles(catalog.QOT_GET_SECURITY_SNAPSHOT)
def get_security_snapshot(gw, c, c2s, resp):
    proto = "Qot_GetSecuritySnapshot"
    if not c2s.securityList:
        raise Reject(f"{proto}: securityList must not be empty")
    if len(c2s.securityList) > MAX_SNAPSHOT:
        raise Reject(f"{proto}: at most {MAX_SNAPSHOT} codes per request")
    for inst in known_all(gw, c2s.securityList, proto):
        fill_snapshot(gw, inst, resp.s2c.snapshotList.add())


def fill_snapshot(gw, inst, snap) -> None:
    m = gw.market
    spec = inst.spec
    b = snap.basic
    q = m.basic_qot(inst)
    b.security.CopyFrom(q.security)
    b.name = spec.name
    b.type = spec.sec_type
    b.isSuspend = False
    b.listTime = spec.listed
    b.lotSize = spec.lot
    b.priceSpread = q.priceSpread
    b.updateTime = q.updateTime
    b.updateTimestamp = q.updateTimestamp
    b.highPrice, b.openPrice, b.lowPrice = q.highPrice, q.openPrice, q.lowPrice
    b.lastClosePrice, b.curPrice = q.lastClosePrice, q.curPrice
    b.volume, b.turnover, b.turnoverRate = q.volume, q.turnover, q.turnoverRate
    b.amplitude = q.amplitude
    b.askPrice, b.bidPrice = inst.ask, inst.bid
    b.askVol, b.bidVol = m.touch_volumes(inst)
    b.avgPrice = round(inst.turnover / inst.volume, 4) if inst.volume else inst.price
    b.secStatus = 1
    year = m.klines(inst, 2, m.now() - 365 * 86400, m.now())
    b.highest52WeeksPrice = max([x.high for x in year] or [inst.high])
    b.lowest52WeeksPrice = min([x.low for x in year] or [inst.low])
    b.enableMargin = spec.sec_type not in (WARRANT, DRVT)
    b.enableShortSell = spec.sec_type not in (WARRANT, DRVT, INDEX)
    if spec.sec_type == EQTY:
        e = snap.equityExData
        e.issuedShares = e.outstandingShares = int(spec.shares_out)
        e.issuedMarketVal = e.outstandingMarketVal = round(spec.shares_out * inst.price, 2)
        e.netAssetPershare = round(inst.price / 3.2, 3)
        e.netAsset = round(e.netAssetPershare * spec.shares_out, 2)
        e.earningsPershare = round(inst.price / 18.5, 3)
        e.netProfit = round(e.earningsPershare * spec.shares_out, 2)
        e.eyRate = round(100 / 18.5, 3)
        e.peRate = e.peTTMRate = 18.5
        e.pbRate = 3.2
    elif spec.sec_type == WARRANT:
        w = snap.warrantExData
        w.conversionRate = 10.0
        w.warrantType = spec.warrant_type
        w.strikePrice = spec.strike
        w.maturityTime = w.endTradeTime = spec.expiry
        w.owner.market, w.owner.code = spec.owner
        w.recoveryPrice = spec.strike if spec.warrant_type in (3, 4) else 0.0
        w.streetVolumn, w.issueVolumn = 12_000_000, 80_000_000
        w.streetRate = 15.0
        w.delta, w.impliedVolatility, w.premium = _greeks(m, inst)[:3]
    elif spec.sec_type == DRVT:
        o = snap.optionExData
        o.type = spec.option_type
        o.owner.market, o.owner.code = spec.owner
        o.strikeTime = spec.expiry
        o.strikePrice = spec.strike
        o.contractSize = spec.lot
        o.openInterest = 1500
        o.delta, o.impliedVolatility, o.premium, o.gamma, o.vega, o.theta = _greeks(m, inst)
        o.rho = round(o.delta * 0.05, 4)
    elif spec.sec_type == FUTURE:
        f = snap.futureExData
        f.lastSettlePrice = inst.last_close
        f.position, f.positionChange = 120_000, 350
        f.lastTradeTime = spec.expiry
        f.isMainContract = spec.main_contract
    elif spec.sec_type == INDEX:
        x = snap.indexExData
        x.raiseCount, x.fallCount, x.equalCount = 41, 35, 6
    elif spec.sec_type == TRUST:
        t = snap.trustExData
        t.dividendYield, t.aum = 2.8, 1.2e11
        t.outstandingUnits = 5_000_000_000
        t.netAssetValue = inst.last_close
        t.premium = round((inst.price / inst.last_close - 1) * 100, 3)
        t.assetClass = 1


def _greeks(m, inst) -> tuple[float, float, float, float, float, float]:
    """(delta, implied vol %, premium %, gamma, vega, theta) of the model's own pricing: a
    finite difference of the value the walk is priced with (see pricepath.DerivedPath)."""
    path = inst.path
    owner = m.current(inst.spec.owner)
    s = owner.price
    day = path.local_day(m.now())
    bump = max(s * 0.001, 0.01)
    f = path.raw_value
    up, down, mid = f(s + bump, day), f(s - bump, day), f(s, day)
    per_share = path.ratio
    delta = (up - down) / (2 * bump) * per_share
    gamma = (up - 2 * mid + down) / bump ** 2 * per_share
    later = f(s, day + _dt.timedelta(days=1))
    theta = (later - mid) * per_share
    years = max(1, (path.expiry - day).days) / 365.0
    d = (s - inst.spec.strike) / (path.SIGMA * s * math.sqrt(years))
    vega = 0.0 if path.cbbc else s * math.sqrt(years) * math.exp(-d * d / 2) / \
        math.sqrt(2 * math.pi) * 0.01  # per volatility point, per share
    strike = inst.spec.strike
    breakeven = strike + mid * per_share if path.call else strike - mid * per_share
    premium = (breakeven / s - 1) * 100 if path.call else (1 - breakeven / s) * 100
    return (round(delta, 4), path.SIGMA * 100, round(premium, 3), round(gamma, 5),
            round(vega, 4), round(theta, 4))


# -- live views that need a subscription -----------------------------------------------------

@handles(catalog.QOT_GET_ORDER_BOOK)
def get_order_book(gw, c, c2s, resp):
    proto = "Qot_GetOrderBook"
    inst = known(gw, c2s.security, proto)
    odd = c2s.orderBookType == 1
    need_sub(gw, inst.key, mk.SUB_ORDER_BOOK_ODD if odd else mk.SUB_ORDER_BOOK, proto,
             "ORDER_BOOK")
    if c2s.num <= 0:
        raise Reject(f"{proto}: num must be positive")
    book = gw.market.order_book_s2c(inst, levels=min(c2s.num, mk.ORDER_BOOK_LEVELS))
    s = resp.s2c
    s.security.CopyFrom(book.security)
    s.name = book.name
    s.orderBookAskList.extend(book.orderBookAskList)
    s.orderBookBidList.extend(book.orderBookBidList)
    s.svrRecvTimeBid, s.svrRecvTimeAsk = book.svrRecvTimeBid, book.svrRecvTimeAsk
    s.svrRecvTimeBidTimestamp = book.svrRecvTimeBidTimestamp
    s.svrRecvTimeAskTimestamp = book.svrRecvTimeAskTimestamp


@handles(catalog.QOT_GET_TICKER)
def get_ticker(gw, c, c2s, resp):
    proto = "Qot_GetTicker"
    inst = known(gw, c2s.security, proto)
    need_sub(gw, inst.key, mk.SUB_TICKER, proto, "TICKER")
    if c2s.maxRetNum <= 0:
        raise Reject(f"{proto}: maxRetNum must be positive")
    t = gw.market.ticker_s2c(inst, min(c2s.maxRetNum, mk.TICKER_HISTORY))
    resp.s2c.security.CopyFrom(t.security)
    resp.s2c.name = t.name
    resp.s2c.tickerList.extend(t.tickerList)


@handles(catalog.QOT_GET_RT)
def get_rt(gw, c, c2s, resp):
    proto = "Qot_GetRT"
    inst = known(gw, c2s.security, proto)
    need_sub(gw, inst.key, mk.SUB_RT, proto, "RT_DATA")
    m = gw.market
    resp.s2c.security.CopyFrom(c2s.security)
    resp.s2c.name = inst.name
    for row in m.time_shares(inst):
        m.fill_time_share(inst, row, resp.s2c.rtList.add())


@handles(catalog.QOT_GET_BROKER)
def get_broker(gw, c, c2s, resp):
    proto = "Qot_GetBroker"
    inst = known(gw, c2s.security, proto)
    if inst.market != mk.HK:
        raise Reject(f"{proto}: the broker queue is HK only, not {sec_str(inst.key)}")
    need_sub(gw, inst.key, mk.SUB_BROKER, proto, "BROKER")
    b = gw.market.broker_s2c(inst)
    resp.s2c.security.CopyFrom(b.security)
    resp.s2c.name = b.name
    resp.s2c.brokerAskList.extend(b.brokerAskList)
    resp.s2c.brokerBidList.extend(b.brokerBidList)


@handles(catalog.QOT_GET_KL)
def get_kl(gw, c, c2s, resp):
    proto = "Qot_GetKL"
    inst = known(gw, c2s.security, proto)
    if c2s.klType not in KLTYPE_SUBTYPE:
        raise Reject(f"{proto}: klType {c2s.klType} is not modelled; supported: "
                     f"{sorted(KLTYPE_SUBTYPE)} (Qot_Common.KLType)")
    need_sub(gw, inst.key, KLTYPE_SUBTYPE[c2s.klType], proto, f"K-line type {c2s.klType}")
    num = max(1, min(c2s.reqNum, MAX_KL_PAGE))
    m = gw.market
    bars = m.klines(inst, c2s.klType, _lookback(c2s.klType, num, m.now()), m.now())[-num:]
    resp.s2c.security.CopyFrom(c2s.security)
    resp.s2c.name = inst.name
    for bar in bars:
        m.fill_kline(inst, bar, resp.s2c.klList.add())


def _lookback(kltype: int, num: int, now: float) -> float:
    minutes = mk.KL_MINUTES.get(kltype)
    if minutes:
        return now - (num + 1) * minutes * 60
    days = {2: 1, 3: 7, 4: 31, 11: 92, 5: 366}[kltype]
    return now - (num + 1) * days * 86400


# -- history K-lines, quota, rehab ----------------------------------------------------------

@handles(catalog.QOT_REQUEST_HISTORY_KL)
def request_history_kl(gw, c, c2s, resp):
    proto = "Qot_RequestHistoryKL"
    inst = known(gw, c2s.security, proto)
    if c2s.klType not in mk.KL_TYPES:
        raise Reject(f"{proto}: klType {c2s.klType} is not modelled; supported: "
                     f"{sorted(mk.KL_TYPES)} (Qot_Common.KLType)")
    m = gw.market
    tz = inst.path.tz
    t0 = parse_time(c2s.beginTime, tz, proto)
    t1 = parse_time(c2s.endTime, tz, proto, end=True)
    if t0 is None or t1 is None:
        raise Reject(f"{proto}: beginTime and endTime are required")
    if t1 < t0:
        raise Reject(f"{proto}: endTime {c2s.endTime} is before beginTime {c2s.beginTime}")
    if c2s.nextReqKey:
        try:
            t0 = float(c2s.nextReqKey.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise Reject(f"{proto}: nextReqKey is not one this gateway gave out") from None
    if not m.note_history_request(inst.key):
        raise Reject(f"{proto}: history K-line quota used up ({HISTORY_KL_QUOTA} codes in "
                     "30 days)")
    page = c2s.maxAckKLNum if c2s.HasField("maxAckKLNum") and c2s.maxAckKLNum > 0 \
        else MAX_KL_PAGE
    page = min(page, MAX_KL_PAGE)
    minutes = mk.KL_MINUTES.get(c2s.klType)
    if minutes:  # bars are contiguous (around the clock): build only this page and one more
        t0 = max(t0, _dt.datetime.combine(inst.path.listed, _dt.time(), inst.path.tz).timestamp())
        t1 = min(t1, t0 + (page + 1) * minutes * 60)
    bars = m.klines(inst, c2s.klType, t0, t1)
    resp.s2c.security.CopyFrom(c2s.security)
    resp.s2c.name = inst.name
    for bar in bars[:page]:
        m.fill_kline(inst, bar, resp.s2c.klList.add())
    if len(bars) > page:
        resp.s2c.nextReqKey = repr(bars[page].ts).encode("ascii")


@handles(catalog.QOT_REQUEST_HISTORY_KL_QUOTA)
def request_history_kl_quota(gw, c, c2s, resp):
    used = gw.market.history_requests
    resp.s2c.usedQuota = len(used)
    resp.s2c.remainQuota = max(0, HISTORY_KL_QUOTA - len(used))
    if c2s.bGetDetail:
        for key, ts in used.items():
            d = resp.s2c.detailList.add()
            d.security.market, d.security.code = key
            d.name = gw.market.spec(key).name
            d.requestTime = mk.fmt_time(mk.local_time(key[0], ts))
            d.requestTimeStamp = int(ts)


@handles(catalog.QOT_REQUEST_REHAB)
def request_rehab(gw, c, c2s, resp):
    inst = known(gw, c2s.security, "Qot_RequestRehab")
    if inst.spec.sec_type not in (EQTY, TRUST):
        return  # no corporate actions for warrants, options, futures, indices
    listed = inst.path.listed
    today = inst.path.local_day(gw.market.now())
    year = max(listed.year + 1, today.year - 9)
    factor = 1.0
    while year <= today.year:
        day = _dt.date(year, 6, 12)
        if day < today:
            close = inst.path.day(day).last_close
            dividend = round(close * 0.012, 3)
            r = resp.s2c.rehabList.add()
            r.time = day.isoformat()
            r.companyActFlag = 64  # CompanyAct_Dividend
            r.fwdFactorA = 1.0
            r.fwdFactorB = -dividend
            factor *= 1 - dividend / close
            r.bwdFactorA = round(1 / (1 - dividend / close), 6)
            r.bwdFactorB = 0.0
            r.dividend = dividend
            r.timestamp = _dt.datetime.combine(day, _dt.time(), inst.path.tz).timestamp()
        year += 1


# -- market state, trading days -------------------------------------------------------------

@handles(catalog.QOT_GET_MARKET_STATE)
def get_market_state(gw, c, c2s, resp):
    proto = "Qot_GetMarketState"
    if not c2s.securityList:
        raise Reject(f"{proto}: securityList must not be empty")
    now = gw.market.now()
    for inst in known_all(gw, c2s.securityList, proto):
        info = resp.s2c.marketInfoList.add()
        info.security.market, info.security.code = inst.key
        info.name = inst.name
        info.marketState = mk.market_state(inst.market, now)


#: Qot_Common.TradeDateMarket -> a QotMarket whose clock it follows
_TRADE_DATE_MARKETS = {1: mk.HK, 2: mk.US, 3: mk.CNSH}


@handles(catalog.QOT_REQUEST_TRADE_DATE)
def request_trade_date(gw, c, c2s, resp):
    proto = "Qot_RequestTradeDate"
    market = _TRADE_DATE_MARKETS.get(c2s.market)
    if market is None:
        raise Reject(f"{proto}: market {c2s.market} is not modelled; supported: 1 HK, 2 US, "
                     "3 CN (Qot_Common.TradeDateMarket)")
    if c2s.HasField("security"):
        known(gw, c2s.security, proto)
    tz = mk.market_tz(market)
    t0 = parse_time(c2s.beginTime, tz, proto)
    t1 = parse_time(c2s.endTime, tz, proto, end=True)
    if t0 is None or t1 is None or t1 < t0:
        raise Reject(f"{proto}: give beginTime <= endTime (YYYY-MM-DD)")
    d = _dt.datetime.fromtimestamp(t0, tz).date()
    last = _dt.datetime.fromtimestamp(t1, tz).date()
    if (last - d).days > 366 * 3:
        raise Reject(f"{proto}: at most three years per request")
    while d <= last:  # the demo markets trade every day, weekends included
        td = resp.s2c.tradeDateList.add()
        td.time = d.isoformat()
        td.timestamp = _dt.datetime.combine(d, _dt.time(), tz).timestamp()
        td.tradeDateType = 0  # whole day
        d += _dt.timedelta(days=1)
