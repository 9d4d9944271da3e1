"""One-line summaries of pushes, and the lazy full decode.

``summarize`` runs once per push as it arrives, so it reads a handful of fields and formats
one short string; the full dict view (``decode_push``) is built only when someone looks.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import unknown_fields

from . import catalog, codes, enums
from .channel import decode_message, message_to_dict
from .errors import OpenDeckError
from .wire import FMT_JSON


def _sec(s) -> str:
    return codes.format_code(s.market, s.code)


def _vol(v: float) -> str:
    v = float(v)
    for unit, div in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(v) >= div:
            return f"{v / div:.2f}{unit}"
    return f"{v:g}"


def _basic(s2c) -> tuple[str, str]:
    qs = s2c.basicQotList
    if not qs:
        return "", "empty quote list"
    q = qs[0]
    chg = q.curPrice - q.lastClosePrice
    pct = (chg / q.lastClosePrice * 100) if q.lastClosePrice else 0.0
    more = f" (+{len(qs) - 1} more)" if len(qs) > 1 else ""
    return _sec(q.security), (f"{q.curPrice:.3f} {chg:+.3f} ({pct:+.2f}%) vol {_vol(q.volume)}"
                              f" H {q.highPrice:.3f} L {q.lowPrice:.3f}{more}")


def _ticker(s2c) -> tuple[str, str]:
    ts = s2c.tickerList
    if not ts:
        return _sec(s2c.security), "no ticks"
    t = ts[-1]
    return _sec(s2c.security), (f"{len(ts)} tick{'s' if len(ts) > 1 else ''}, last "
                                f"{t.price:.3f} x {t.volume} {codes.TICKER_DIR.get(t.dir, t.dir)} "
                                f"#{t.sequence}")


def _book(s2c) -> tuple[str, str]:
    bid = s2c.orderBookBidList
    ask = s2c.orderBookAskList
    b = f"{bid[0].price:.3f} x {bid[0].volume}" if bid else "-"
    a = f"{ask[0].price:.3f} x {ask[0].volume}" if ask else "-"
    return _sec(s2c.security), f"bid {b} | ask {a} ({len(bid)}/{len(ask)} levels)"


def _kl(s2c) -> tuple[str, str]:
    kl = s2c.klList
    label = codes.KL_TYPES.get(s2c.klType, str(s2c.klType))
    if not kl:
        return _sec(s2c.security), f"K {label}: empty"
    k = kl[-1]
    return _sec(s2c.security), (f"K {label} {k.time} O {k.openPrice:.3f} H {k.highPrice:.3f} "
                                f"L {k.lowPrice:.3f} C {k.closePrice:.3f} vol {_vol(k.volume)}")


def _rt(s2c) -> tuple[str, str]:
    rt = s2c.rtList
    if not rt:
        return _sec(s2c.security), "RT: empty"
    r = rt[-1]
    return _sec(s2c.security), f"RT {r.time} {r.price:.3f} avg {r.avgPrice:.3f} vol {_vol(r.volume)}"


def _broker(s2c) -> tuple[str, str]:
    return _sec(s2c.security), (f"brokers bid {len(s2c.brokerBidList)} / ask "
                                f"{len(s2c.brokerAskList)}")


def _order(s2c) -> tuple[str, str]:
    o = s2c.order
    return (_trd_code(o.secMarket, o.code),
            f"order {o.orderID} {_side(o.trdSide)} {o.qty:g} @ "
            f"{o.price:.3f} {enums.ORDER_STATUS.name_of(o.orderStatus)} "
            f"filled {o.fillQty:g} acc {s2c.header.accID}")


def _side(side: int) -> str:
    return codes.TRD_SIDE_NAMES.get(side) or enums.TRD_SIDE.name_of(side)


def _fill(s2c) -> tuple[str, str]:
    f = s2c.orderFill
    return (_trd_code(f.secMarket, f.code),
            f"fill {f.fillID} order {f.orderID} {_side(f.trdSide)} "
            f"{f.qty:g} @ {f.price:.3f} acc {s2c.header.accID}")


def _trd_code(sec_market: int, code: str) -> str:
    """``HK.00700`` for an order's code; the bare code when its market is not set or unknown."""
    market = enums.SEC_TO_QOT_MARKET.get(sec_market)
    return codes.format_code(market, code) if market is not None else code


def program_status_type(status) -> int:
    """``Common.ProgramStatus.type`` as a raw int.

    It is a closed proto2 enum: a value this build does not know (a newer OpenD) is moved to
    the unknown fields and the field reads as unset. Read it from there instead of showing 0.
    """
    if status.HasField("type"):
        return status.type
    for f in unknown_fields.UnknownFieldSet(status):
        if f.field_number == 1 and f.wire_type == 0:
            return f.data
    return 0


def _notify(s2c) -> tuple[str, str]:
    kind = enums.NOTIFY_TYPE.name_of(s2c.type)
    if s2c.HasField("connectStatus"):
        c = s2c.connectStatus
        return "", f"{kind}: quote logged in {c.qotLogined}, trade logged in {c.trdLogined}"
    if s2c.HasField("event"):
        ev = s2c.event
        return "", f"{kind}: {enums.GTW_EVENT_TYPE.label(ev.eventType)} {ev.desc}".rstrip()
    if s2c.HasField("programStatus"):
        st = s2c.programStatus.programStatus
        t = program_status_type(st)
        return "", f"{kind}: {enums.PROGRAM_STATUS_TYPE.name_of(t)} {st.strExtDesc}".rstrip()
    if s2c.HasField("apiQuota"):
        q = s2c.apiQuota
        return "", f"{kind}: sub quota {q.subQuota}, history K quota {q.historyKLQuota}"
    if s2c.HasField("usedQuota"):
        q = s2c.usedQuota
        return "", f"{kind}: used sub {q.usedSubQuota}, used K {q.usedKLineQuota}"
    if s2c.HasField("apiLevel"):
        return "", f"{kind}: API level {s2c.apiLevel.apiLevel}"
    if s2c.HasField("qotRight"):
        r = s2c.qotRight
        return "", f"{kind}: " + ", ".join(f"{m} {enums.QOT_RIGHT.name_of(getattr(r, f))}"
                                           for m, f in _RIGHTS if r.HasField(f))
    return "", kind


_RIGHTS = (("HK", "hkQotRight"), ("US", "usQotRight"), ("CN", "cnQotRight"),
           ("HK future", "hkFutureQotRight"), ("US option", "usOptionQotRight"))


_SUMMARIZERS = {
    catalog.QOT_UPDATE_BASIC_QOT: _basic, catalog.QOT_UPDATE_TICKER: _ticker,
    catalog.QOT_UPDATE_ORDER_BOOK: _book, catalog.QOT_UPDATE_KL: _kl,
    catalog.QOT_UPDATE_RT: _rt, catalog.QOT_UPDATE_BROKER: _broker,
    catalog.TRD_UPDATE_ORDER: _order, catalog.TRD_UPDATE_ORDER_FILL: _fill,
    catalog.NOTIFY: _notify,
}


def summarize(proto_id: int, fmt: int, body: bytes) -> tuple[str, str]:
    """``(security, summary)`` for a push body; never raises."""
    fn = _SUMMARIZERS.get(proto_id)
    cls = catalog.response_type(proto_id) if fn is not None else None
    if cls is None:
        return "", f"{len(body)} bytes, no schema for {catalog.name_of(proto_id)}"
    try:
        resp = decode_message(cls, body, fmt, proto_id)
        if resp.retType != 0:
            return "", f"retType {resp.retType}: {resp.retMsg}"
        return fn(resp.s2c)
    except (OpenDeckError, AttributeError, IndexError, ValueError, TypeError) as exc:
        return "", f"undecodable {'JSON' if fmt == FMT_JSON else 'protobuf'}: {exc}"


def decode_push(proto_id: int, fmt: int, body: bytes, *, labels: bool = False) -> dict[str, Any]:
    """The whole push as a dict with proto field names (S2C only), or a raw view.

    ``labels=True`` writes enum values as ``"HK_Security (1)"`` (the detail tree); exports keep
    the numbers.
    """
    cls = catalog.response_type(proto_id)
    if cls is None:
        return {"raw_hex": body.hex(), "note": f"no schema for {catalog.name_of(proto_id)}"}
    resp = decode_message(cls, body, fmt, proto_id)
    if not resp.HasField("s2c"):
        return {}
    return enums.labelled(resp.s2c) if labels else message_to_dict(resp.s2c)
