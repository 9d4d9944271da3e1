"""Quote pulls about what the universe is: static info, plates and their members, the plates
a code belongs to, option chains, related warrants and futures, the user's watchlists and
price reminders; and the money-flow views read from the day's walk (capital flow and
capital distribution).

Unknown codes are refused before anything is looked up; requests for what the model does
not hold get retType -1 naming the proto and what is supported.
"""

from __future__ import annotations

import datetime as _dt

from .. import catalog
from . import market as mk
from .dispatch import Reject, handles
from .quote_pulls import known, known_all, parse_time
from .universe import CNSH, CNSZ, DRVT, FUTURE, HK, US, WARRANT, Spec, sec_str

#: the demo user's watchlists (Qot_GetUserSecurity groupName -> codes)
USER_GROUPS: dict[str, tuple[tuple[int, str], ...]] = {
    "Favorites": ((HK, "00700"), (HK, "09988"), (US, "AAPL"), (US, "NVDA"), (US, "TSLA")),
    "HK": ((HK, "00700"), (HK, "00005"), (HK, "01299"), (HK, "00388"), (HK, "02800")),
    "US": ((US, "AAPL"), (US, "MSFT"), (US, "NVDA"), (US, "AMZN"), (US, "QQQ")),
    "CN": ((CNSH, "600519"), (CNSZ, "300750"), (CNSH, "601318")),
}
USER_GROUPS["All"] = tuple(dict.fromkeys(k for g in list(USER_GROUPS.values()) for k in g))


def fill_static(spec: Spec, info) -> None:
    b = info.basic
    b.security.market, b.security.code = spec.key
    b.id = spec.sid
    b.lotSize = spec.lot
    b.secType = spec.sec_type
    b.name = spec.name
    b.listTime = spec.listed
    b.delisting = False
    b.listTimestamp = _dt.datetime.fromisoformat(spec.listed).replace(
        tzinfo=mk.market_tz(spec.market)).timestamp()
    b.exchType = spec.exch
    if spec.sec_type == WARRANT:
        info.warrantExData.type = spec.warrant_type
        info.warrantExData.owner.market, info.warrantExData.owner.code = spec.owner
    elif spec.sec_type == DRVT:
        o = info.optionExData
        o.type = spec.option_type
        o.owner.market, o.owner.code = spec.owner
        o.strikeTime = spec.expiry
        o.strikePrice = spec.strike
        o.suspend = False
        o.market = "HK" if spec.market == HK else "US"
        o.strikeTimestamp = _dt.datetime.fromisoformat(spec.expiry).replace(
            tzinfo=mk.market_tz(spec.market)).timestamp()
        o.indexOptionType = 0
        o.expirationCycle = 1
        o.optionStandardType = 1
        o.optionSettlementMode = 1
    elif spec.sec_type == FUTURE:
        f = info.futureExData
        f.lastTradeTime = spec.expiry
        f.lastTradeTimestamp = _dt.datetime.fromisoformat(spec.expiry).replace(
            tzinfo=mk.market_tz(spec.market)).timestamp()
        f.isMainContract = spec.main_contract


@handles(catalog.QOT_GET_STATIC_INFO)
def get_static_info(gw, c, c2s, resp):
    proto = "Qot_GetStaticInfo"
    u = gw.market.universe
    if c2s.securityList:
        specs = [i.spec for i in known_all(gw, c2s.securityList, proto)]
    else:
        if c2s.market not in (HK, US, CNSH, CNSZ):
            raise Reject(f"{proto}: market {c2s.market} is not modelled; supported: 1 HK, "
                         "11 US, 21 SH, 22 SZ (Qot_Common.QotMarket)")
        specs = [s for s in u.of_market(c2s.market)
                 if not c2s.secType or s.sec_type == c2s.secType]
    for spec in specs:
        fill_static(spec, resp.s2c.staticInfoList.add())


# -- plates ---------------------------------------------------------------------------------

@handles(catalog.QOT_GET_PLATE_SET)
def get_plate_set(gw, c, c2s, resp):
    proto = "Qot_GetPlateSet"
    if c2s.market not in (HK, US, CNSH, CNSZ):
        raise Reject(f"{proto}: market {c2s.market} is not modelled; supported: 1 HK, 11 US, "
                     "21 SH, 22 SZ")
    if c2s.plateSetType not in (0, 1, 2, 3, 4):
        raise Reject(f"{proto}: plateSetType {c2s.plateSetType} is not one of 0 all, "
                     "1 industry, 2 region, 3 concept, 4 other")
    for key, name, set_type in gw.market.universe.plates_of_market(c2s.market, c2s.plateSetType):
        p = resp.s2c.plateInfoList.add()
        p.plate.market, p.plate.code = key
        p.name = name
        p.plateType = set_type


@handles(catalog.QOT_GET_PLATE_SECURITY)
def get_plate_security(gw, c, c2s, resp):
    proto = "Qot_GetPlateSecurity"
    key = (c2s.plate.market, c2s.plate.code)
    plate = gw.market.universe.plates.get(key)
    if plate is None:
        raise Reject(f"{proto}: unknown plate {sec_str(key)} (Qot_GetPlateSet lists the "
                     "plates of a market)")
    u = gw.market.universe
    specs = [u.spec(k) for k in plate[2]]
    if c2s.HasField("sortField") and c2s.sortField == 1:  # code
        specs.sort(key=lambda s: s.code, reverse=c2s.HasField("ascend") and not c2s.ascend)
    for spec in specs:
        fill_static(spec, resp.s2c.staticInfoList.add())


@handles(catalog.QOT_GET_OWNER_PLATE)
def get_owner_plate(gw, c, c2s, resp):
    proto = "Qot_GetOwnerPlate"
    if not c2s.securityList:
        raise Reject(f"{proto}: securityList must not be empty")
    u = gw.market.universe
    for inst in known_all(gw, c2s.securityList, proto):
        o = resp.s2c.ownerPlateList.add()
        o.security.market, o.security.code = inst.key
        o.name = inst.name
        for key, name, set_type in u.owner_plates(inst.key):
            p = o.plateInfoList.add()
            p.plate.market, p.plate.code = key
            p.name = name
            p.plateType = set_type


# -- derivatives and related codes ------------------------------------------------------------

@handles(catalog.QOT_GET_OPTION_CHAIN)
def get_option_chain(gw, c, c2s, resp):
    proto = "Qot_GetOptionChain"
    owner = known(gw, c2s.owner, proto)
    u = gw.market.universe
    options = u.options_of(owner.key)
    if not options:
        raise Reject(f"{proto}: no option chain for {sec_str(owner.key)}; the demo has "
                     f"chains for {', '.join(sec_str(k) for k in _chain_owners(u))}")
    first = _date(c2s.beginTime, proto)
    last = _date(c2s.endTime, proto)
    if c2s.HasField("condition") and c2s.condition not in (0, 1, 2):
        raise Reject(f"{proto}: condition {c2s.condition} is not 0 all, 1 within, 2 outside")
    price = owner.price
    by_expiry: dict[str, dict[float, dict[int, Spec]]] = {}
    for spec in options:
        exp = _dt.date.fromisoformat(spec.expiry)
        if not first <= exp <= last:
            continue
        if c2s.type in (1, 2) and spec.option_type != c2s.type:
            continue
        itm = price > spec.strike if spec.option_type == 1 else price < spec.strike
        if (c2s.condition == 1 and not itm) or (c2s.condition == 2 and itm):
            continue
        by_expiry.setdefault(spec.expiry, {}).setdefault(spec.strike, {})[spec.option_type] = spec
    for expiry in sorted(by_expiry):
        chain = resp.s2c.optionChain.add()
        chain.strikeTime = expiry
        chain.strikeTimestamp = _dt.datetime.fromisoformat(expiry).replace(
            tzinfo=mk.market_tz(owner.market)).timestamp()
        for strike in sorted(by_expiry[expiry]):
            pair = by_expiry[expiry][strike]
            item = chain.option.add()
            if 1 in pair:
                fill_static(pair[1], item.call)
            if 2 in pair:
                fill_static(pair[2], item.put)


def _chain_owners(u) -> list:
    return sorted({s.owner for s in u.specs.values() if s.sec_type == DRVT})


def _date(text: str, proto: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise Reject(f"{proto}: date {text!r} is not YYYY-MM-DD") from None


@handles(catalog.QOT_GET_REFERENCE)
def get_reference(gw, c, c2s, resp):
    proto = "Qot_GetReference"
    inst = known(gw, c2s.security, proto)
    u = gw.market.universe
    if c2s.referenceType == 1:
        specs = u.warrants_of(inst.key)
    elif c2s.referenceType == 2:
        if inst.spec.sec_type == FUTURE:
            root = inst.code[:3]
            specs = [s for s in u.futures_of((HK, "800000")) if s.code.startswith(root)]
        else:
            specs = u.futures_of(inst.key)
    else:
        raise Reject(f"{proto}: referenceType {c2s.referenceType} is not modelled; supported: "
                     "1 warrant, 2 future")
    for spec in specs:
        fill_static(spec, resp.s2c.staticInfoList.add())


@handles(catalog.QOT_GET_USER_SECURITY)
def get_user_security(gw, c, c2s, resp):
    group = USER_GROUPS.get(c2s.groupName)
    if group is None:
        raise Reject(f"Qot_GetUserSecurity: no watchlist named {c2s.groupName!r}; the demo "
                     f"user has {', '.join(sorted(USER_GROUPS))}")
    u = gw.market.universe
    for key in group:
        fill_static(u.spec(key), resp.s2c.staticInfoList.add())


#: the demo user's price reminders: code -> (key, type, value, note)
#: (Qot_Common.PriceReminderType: 1 price up to, 2 price down to)
PRICE_REMINDERS = {
    (HK, "00700"): ((9001, 1, 450.0, "take profit"), (9002, 2, 380.0, "add")),
    (US, "AAPL"): ((9003, 1, 250.0, "new high"),),
}


@handles(catalog.QOT_GET_PRICE_REMINDER)
def get_price_reminder(gw, c, c2s, resp):
    proto = "Qot_GetPriceReminder"
    if c2s.HasField("security"):
        known(gw, c2s.security, proto)
        keys = [(c2s.security.market, c2s.security.code)]
    elif c2s.HasField("market"):
        keys = [k for k in PRICE_REMINDERS if k[0] == c2s.market]
    else:
        raise Reject(f"{proto}: give a security or a market")
    u = gw.market.universe
    for key in keys:
        items = PRICE_REMINDERS.get(key)
        if not items:
            continue
        pr = resp.s2c.priceReminderList.add()
        pr.security.market, pr.security.code = key
        pr.name = u.spec(key).name
        for rid, rtype, value, note in items:
            it = pr.itemList.add()
            it.key, it.type, it.value, it.note = rid, rtype, value, note
            it.freq = 1  # always
            it.isEnable = True


# -- money flow ------------------------------------------------------------------------------

def _flows(gw, inst, t0: float | None = None) -> list[tuple[float, float]]:
    """(minute start, net inflow) for today: a minute's turnover counts in when its close is
    above the previous close, out when below."""
    m = gw.market
    rows = m.time_shares(inst)
    out = []
    prev = inst.last_close
    for start, close, _vol, turn, _avg in rows:
        sign = 1 if close > prev else -1 if close < prev else 0
        prev = close
        if t0 is None or start >= t0:
            out.append((start, sign * turn))
    return out


@handles(catalog.QOT_GET_CAPITAL_FLOW)
def get_capital_flow(gw, c, c2s, resp):
    proto = "Qot_GetCapitalFlow"
    inst = known(gw, c2s.security, proto)
    period = c2s.periodType if c2s.HasField("periodType") else 1
    m = gw.market
    s = resp.s2c
    if period == 1:  # intraday: cumulative net inflow per minute
        total = 0.0
        for start, flow in _flows(gw, inst):
            total += flow
            item = s.flowItemList.add()
            _fill_flow(item, total, start, inst)
    elif period in (2, 3, 4):
        kl = {2: 2, 3: 3, 4: 4}[period]
        tz = inst.path.tz
        t0 = parse_time(c2s.beginTime, tz, proto) or m.now() - 365 * 86400
        t1 = parse_time(c2s.endTime, tz, proto, end=True) or m.now()
        for bar in m.klines(inst, kl, t0, t1):
            sign = 1 if bar.close >= bar.open else -1
            item = s.flowItemList.add()
            _fill_flow(item, sign * bar.turnover * 0.08, bar.ts, inst)
    else:
        raise Reject(f"{proto}: periodType {period} is not modelled; supported: 1 intraday, "
                     "2 day, 3 week, 4 month")
    now = m.now()
    s.lastValidTime = mk.fmt_time(mk.local_time(inst.market, now))
    s.lastValidTimestamp = now


def _fill_flow(item, flow: float, ts: float, inst) -> None:
    item.inFlow = round(flow, 2)
    item.time = mk.fmt_time(mk.local_time(inst.market, ts))
    item.timestamp = ts
    item.superInFlow = round(flow * 0.35, 2)
    item.bigInFlow = round(flow * 0.25, 2)
    item.mainInFlow = round(item.superInFlow + item.bigInFlow, 2)
    item.midInFlow = round(flow * 0.22, 2)
    item.smlInFlow = round(flow - item.superInFlow - item.bigInFlow - item.midInFlow, 2)


@handles(catalog.QOT_GET_CAPITAL_DISTRIBUTION)
def get_capital_distribution(gw, c, c2s, resp):
    inst = known(gw, c2s.security, "Qot_GetCapitalDistribution")
    flows = _flows(gw, inst)
    inflow = sum(f for _t, f in flows if f > 0)
    outflow = -sum(f for _t, f in flows if f < 0)
    neutral = max(0.0, inst.turnover - inflow - outflow) / 2
    s = resp.s2c
    for share, (a, b) in ((0.30, ("capitalInSuper", "capitalOutSuper")),
                          (0.25, ("capitalInBig", "capitalOutBig")),
                          (0.25, ("capitalInMid", "capitalOutMid")),
                          (0.20, ("capitalInSmall", "capitalOutSmall"))):
        setattr(s, a, round((inflow + neutral) * share, 2))
        setattr(s, b, round((outflow + neutral) * share, 2))
    now = gw.market.now()
    s.updateTime = mk.fmt_time(mk.local_time(inst.market, now))
    s.updateTimestamp = now
