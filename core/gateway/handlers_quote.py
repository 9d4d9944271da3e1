"""Quote protos: Qot_Sub (3001), Qot_RegQotPush (3002), Qot_GetSubInfo (3003),
Qot_GetBasicQot (3004). Subscriptions are per connection; the quota counts distinct
(security, SubType) pairs over all connections."""

from __future__ import annotations

from .. import catalog
from . import market as mk
from . import pushes
from .dispatch import Reject, handles


def _sub_pairs(gw, c2s, *, create: bool) -> list[tuple[mk.SecKey, int]]:
    keys = [(s.market, s.code) for s in c2s.securityList]
    subtypes = list(dict.fromkeys(c2s.subTypeList))
    if not keys or not subtypes:
        raise Reject("securityList and subTypeList must not be empty")
    bad = [st for st in subtypes if st not in mk.SUBTYPES]
    if bad:
        raise Reject(f"unknown SubType {bad[0]} (see Qot_Common.SubType)")
    if create:
        # every check before anything is created: a refused request leaves no trace
        unknown = [mk.sec_str(k) for k in keys if gw.market.spec(k) is None]
        if unknown:
            raise Reject(f"unknown stock {', '.join(unknown)}: not in the demo gateway's "
                         "universe (Qot_GetStaticInfo lists it)")
        if mk.SUB_BROKER in subtypes:
            not_hk = [mk.sec_str(k) for k in keys if k[0] != mk.HK]
            if not_hk:
                raise Reject(f"Broker queue is HK only, not for {', '.join(not_hk)}")
    return [(k, st) for k in dict.fromkeys(keys) for st in subtypes]


def _after_quota(gw, before: int):
    return (lambda: pushes.quota_changed(gw)) if gw.used_quota() != before else None


@handles(catalog.QOT_SUB)
def qot_sub(gw, c, c2s, resp):
    before = gw.used_quota()
    if c2s.isUnsubAll:
        c.subs.clear()
        return _after_quota(gw, before)
    pairs = _sub_pairs(gw, c2s, create=c2s.isSubOrUnSub)
    if c2s.regPushRehabTypeList:
        c.rehab_types = tuple(dict.fromkeys(c2s.regPushRehabTypeList))
    if not c2s.isSubOrUnSub:
        for key, st in pairs:
            types = c.subs.get(key)
            if types is not None:
                types.pop(st, None)
                if not types:
                    del c.subs[key]
        return _after_quota(gw, before)
    held: set = set()
    for other in gw.conns:
        held |= other.pairs()
    new = {p for p in pairs if p not in held}
    if before + len(new) > gw.quota:
        raise Reject(f"subscription quota exceeded: {before} used, {len(new)} more "
                     f"requested, quota {gw.quota}")
    for key in dict.fromkeys(k for k, _ in pairs):  # accepted: now bring them to life
        gw.market.ensure(key)
    has_reg = c2s.HasField("isRegOrUnRegPush")
    for key, st in pairs:
        types = c.subs.setdefault(key, {})
        types[st] = c2s.isRegOrUnRegPush if has_reg else types.get(st, False)
    first = [p for p in pairs if c.subs[p[0]][p[1]]] if c2s.isFirstPush else []
    quota_post = _after_quota(gw, before)

    def after() -> None:
        if first:
            pushes.first_push(gw, c, first)
        if quota_post is not None:
            quota_post()
    return after


@handles(catalog.QOT_REG_QOT_PUSH)
def reg_qot_push(gw, c, c2s, resp):
    pairs = _sub_pairs(gw, c2s, create=False)
    missing = [f"{mk.sec_str(k)}/{st}" for k, st in pairs if st not in c.subs.get(k, {})]
    if missing:
        raise Reject(f"not subscribed on this connection: {', '.join(missing)} "
                     "(Qot_Sub first)")
    for key, st in pairs:
        c.subs[key][st] = c2s.isRegOrUnReg
    if c2s.rehabTypeList:
        c.rehab_types = tuple(dict.fromkeys(c2s.rehabTypeList))
    if c2s.isRegOrUnReg and c2s.isFirstPush:
        return lambda: pushes.first_push(gw, c, pairs)
    return None


@handles(catalog.QOT_GET_SUB_INFO)
def get_sub_info(gw, c, c2s, resp):
    conns = [o for o in gw.conns if o.ready] if c2s.isReqAllConn else [c]
    s = resp.s2c
    for o in conns:
        info = s.connSubInfoList.add()
        by_type: dict[int, list[mk.SecKey]] = {}
        for key, types in o.subs.items():
            for st in types:
                by_type.setdefault(st, []).append(key)
        for st in sorted(by_type):
            sub = info.subInfoList.add()
            sub.subType = st
            for market, code in by_type[st]:
                sec = sub.securityList.add()
                sec.market = market
                sec.code = code
        info.usedQuota = sum(len(t) for t in o.subs.values())
        info.isOwnConnData = o is c
    used = gw.used_quota()
    s.totalUsedQuota = used
    s.remainQuota = max(0, gw.quota - used)


@handles(catalog.QOT_GET_BASIC_QOT)
def get_basic_qot(gw, c, c2s, resp):
    keys = [(s.market, s.code) for s in c2s.securityList]
    if not keys:
        raise Reject("securityList must not be empty")
    subscribed = {k for o in gw.conns for k, t in o.subs.items() if mk.SUB_BASIC in t}
    missing = [mk.sec_str(k) for k in keys if k not in subscribed]
    if missing:
        raise Reject(f"subscribe Basic (QUOTE) first for {', '.join(missing)}")
    for key in keys:
        gw.market.basic_qot(gw.market.get(key), resp.s2c.basicQotList.add())
