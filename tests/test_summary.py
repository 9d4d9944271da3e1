"""One-line summaries of every push kind the catalog has a schema for, in both body formats."""

import pytest

from opendeck.core import catalog, enums
from opendeck.core.channel import encode_message
from opendeck.core.pb import (Notify_pb2, Qot_UpdateBasicQot_pb2, Qot_UpdateBroker_pb2, Qot_UpdateKL_pb2,
                              Qot_UpdateOrderBook_pb2, Qot_UpdateRT_pb2, Qot_UpdateTicker_pb2,
                              Trd_UpdateOrder_pb2, Trd_UpdateOrderFill_pb2)
from opendeck.core.summary import decode_push, summarize
from opendeck.core.wire import FMT_JSON, FMT_PROTOBUF

FORMATS = pytest.mark.parametrize("fmt", [FMT_PROTOBUF, FMT_JSON], ids=["protobuf", "json"])


def _sec(s, market=1, code="00700"):
    s.market, s.code = market, code


def basic():
    r = Qot_UpdateBasicQot_pb2.Response(retType=0)
    for code, price in (("00700", 345.2), ("09988", 80.0)):
        q = r.s2c.basicQotList.add()
        _sec(q.security, 1, code)
        q.isSuspended, q.listTime, q.priceSpread, q.updateTime = False, "2004-06-16", 0.2, "10:00:00"
        q.highPrice, q.openPrice, q.lowPrice, q.curPrice, q.lastClosePrice = 350, 340, 339, price, 340
        q.volume, q.turnover, q.turnoverRate, q.amplitude = 1_234_567, 1e9, 0.1, 3.2
    return catalog.QOT_UPDATE_BASIC_QOT, r


def ticker():
    r = Qot_UpdateTicker_pb2.Response(retType=0)
    _sec(r.s2c.security, 11, "AAPL")
    for seq, d in ((41, 2), (42, 1)):
        r.s2c.tickerList.add(time="10:00:00", sequence=seq, dir=d, price=190.5, volume=300, turnover=1)
    return catalog.QOT_UPDATE_TICKER, r


def book():
    r = Qot_UpdateOrderBook_pb2.Response(retType=0)
    _sec(r.s2c.security)
    r.s2c.orderBookBidList.add(price=345.0, volume=1200, orederCount=3)
    r.s2c.orderBookBidList.add(price=344.8, volume=500, orederCount=1)
    r.s2c.orderBookAskList.add(price=345.2, volume=800, orederCount=2)
    return catalog.QOT_UPDATE_ORDER_BOOK, r


def kl():
    r = Qot_UpdateKL_pb2.Response(retType=0)
    r.s2c.rehabType, r.s2c.klType = 1, 1  # forward, 1 min
    _sec(r.s2c.security)
    r.s2c.klList.add(time="2026-12-01 10:01:00", isBlank=False, highPrice=346, openPrice=345,
                     lowPrice=344.5, closePrice=345.5, volume=2_500_000)
    return catalog.QOT_UPDATE_KL, r


def rt():
    r = Qot_UpdateRT_pb2.Response(retType=0)
    _sec(r.s2c.security)
    r.s2c.rtList.add(time="2026-12-01 10:01:00", minute=601, isBlank=False, price=345.1, avgPrice=344.9,
                     volume=1500)
    return catalog.QOT_UPDATE_RT, r


def broker():
    r = Qot_UpdateBroker_pb2.Response(retType=0)
    _sec(r.s2c.security)
    r.s2c.brokerBidList.add(id=1, name="A", pos=1)
    r.s2c.brokerAskList.add(id=2, name="B", pos=1)
    r.s2c.brokerAskList.add(id=3, name="C", pos=2)
    return catalog.QOT_UPDATE_BROKER, r


def _trd_header(h):
    h.trdEnv, h.accID, h.trdMarket = 0, 281756455982434, 1


def order():
    r = Trd_UpdateOrder_pb2.Response(retType=0)
    _trd_header(r.s2c.header)
    o = r.s2c.order
    o.trdSide, o.orderType, o.orderStatus, o.orderID, o.orderIDEx = 1, 1, 10, 9007199254740993, "x"
    o.code, o.name, o.qty, o.price, o.createTime, o.updateTime = "00700", "Tencent", 200, 345.0, "t", "t"
    o.fillQty, o.secMarket = 100, 1
    return catalog.TRD_UPDATE_ORDER, r


def fill():
    r = Trd_UpdateOrderFill_pb2.Response(retType=0)
    _trd_header(r.s2c.header)
    f = r.s2c.orderFill
    f.trdSide, f.fillID, f.fillIDEx, f.orderID, f.code, f.name = 2, 77, "f", 9007199254740993, "600000", "P"
    f.qty, f.price, f.createTime, f.secMarket = 100, 7.5, "t", 31
    return catalog.TRD_UPDATE_ORDER_FILL, r


def notify(kind: str):
    r = Notify_pb2.Response(retType=0)
    s = r.s2c
    if kind == "conn":
        s.type = 3
        s.connectStatus.qotLogined, s.connectStatus.trdLogined = True, False
    elif kind == "event":
        s.type = 1
        s.event.eventType, s.event.desc = 7, "kicked out by another login"
    elif kind == "program":
        s.type = 2
        s.programStatus.programStatus.type = 10
    elif kind == "quota":
        s.type = 6
        s.apiQuota.subQuota, s.apiQuota.historyKLQuota = 100, 30
    elif kind == "used":
        s.type = 7
        s.usedQuota.usedSubQuota, s.usedQuota.usedKLineQuota = 12, 3
    elif kind == "level":
        s.type = 5
        s.apiLevel.apiLevel = "Level 3"
    elif kind == "right":
        s.type = 4
        q = s.qotRight
        q.hkQotRight, q.usQotRight, q.cnQotRight = 3, 2, 5
    elif kind == "bare":
        s.type = 99
    return catalog.NOTIFY, r


CASES = [
    (basic, "HK.00700", "345.200 +5.200 (+1.53%) vol 1.23M H 350.000 L 339.000 (+1 more)"),
    (ticker, "US.AAPL", "2 ticks, last 190.500 x 300 bid #42"),
    (book, "HK.00700", "bid 345.000 x 1200 | ask 345.200 x 800 (2/1 levels)"),
    (kl, "HK.00700", "K 1m 2026-12-01 10:01:00 O 345.000 H 346.000 L 344.500 C 345.500 vol 2.50M"),
    (rt, "HK.00700", "RT 2026-12-01 10:01:00 345.100 avg 344.900 vol 1.50K"),
    (broker, "HK.00700", "brokers bid 1 / ask 2"),
    (order, "HK.00700",
     "order 9007199254740993 BUY 200 @ 345.000 Filled_Part filled 100 acc 281756455982434"),
    (fill, "SH.600000", "fill 77 order 9007199254740993 SELL 100 @ 7.500 acc 281756455982434"),
    (lambda: notify("conn"), "", "ConnStatus: quote logged in True, trade logged in False"),
    (lambda: notify("event"), "", "GtwEvent: KickedOut (7) kicked out by another login"),
    (lambda: notify("program"), "", "ProgramStatus: Ready"),
    (lambda: notify("quota"), "", "APIQuota: sub quota 100, history K quota 30"),
    (lambda: notify("used"), "", "UsedQuota: used sub 12, used K 3"),
    (lambda: notify("level"), "", "APILevel: API level Level 3"),
    (lambda: notify("right"), "", "QotRight: HK Level2, US Level1, CN No"),
    (lambda: notify("bare"), "", "99"),
]


@FORMATS
@pytest.mark.parametrize("make, sec, text", CASES, ids=[c[2].split()[0].rstrip(":") + str(i)
                                                        for i, c in enumerate(CASES)])
def test_summary_of_every_push_kind(make, sec, text, fmt):
    proto_id, resp = make()
    assert summarize(proto_id, fmt, encode_message(resp, fmt)) == (sec, text)


def test_every_push_kind_with_a_schema_is_covered():
    covered = {make()[0] for make, _, _ in CASES}
    with_schema = {pid for pid in catalog.PUSH_IDS if catalog.info(pid).has_schema}
    assert with_schema <= covered


@FORMATS
def test_order_without_a_market_shows_the_bare_code(fmt):
    pid, resp = order()
    resp.s2c.order.ClearField("secMarket")
    assert summarize(pid, fmt, encode_message(resp, fmt))[0] == "00700"


def test_unknown_enum_values_show_their_number():
    pid, resp = order()
    resp.s2c.order.trdSide, resp.s2c.order.orderStatus = 9, 77
    assert " 9 200 @ 345.000 77 " in summarize(pid, 0, resp.SerializeToString())[1]
    pid, resp = kl()
    resp.s2c.klType = 42
    assert summarize(pid, 0, resp.SerializeToString())[1].startswith("K 42 ")


@FORMATS
@pytest.mark.parametrize("make", [basic, ticker, book, kl, rt, broker, order, fill, lambda: notify("conn")])
def test_a_refused_push_shows_its_ret_type(make, fmt):
    pid, resp = make()
    resp.retType, resp.retMsg = -1, "no right"
    resp.ClearField("s2c")
    assert summarize(pid, fmt, encode_message(resp, fmt)) == ("", "retType -1: no right")


@pytest.mark.parametrize("fmt, body, words", [
    (FMT_PROTOBUF, b"\xff\xff\xff", "undecodable protobuf"),
    (FMT_JSON, b"{not json", "undecodable JSON"),
    (FMT_JSON, b'{"retType": "zero"}', "undecodable JSON"),
    (FMT_JSON, b'[1, 2]', "undecodable JSON"),
    (FMT_JSON, b"\xff\xfe", "undecodable JSON"),
])
def test_undecodable_bodies_never_raise(fmt, body, words):
    for pid in (catalog.QOT_UPDATE_BASIC_QOT, catalog.TRD_UPDATE_ORDER, catalog.NOTIFY):
        sec, text = summarize(pid, fmt, body)
        assert sec == "" and text.startswith(words)


def test_empty_lists_are_said():
    assert summarize(catalog.QOT_UPDATE_BASIC_QOT, 0, Qot_UpdateBasicQot_pb2.Response(
        retType=0, s2c={}).SerializeToString()) == ("", "empty quote list")
    pid, resp = ticker()
    resp.s2c.ClearField("tickerList")
    assert summarize(pid, 0, resp.SerializeToString()) == ("US.AAPL", "no ticks")
    pid, resp = book()
    resp.s2c.ClearField("orderBookBidList")
    resp.s2c.ClearField("orderBookAskList")
    assert summarize(pid, 0, resp.SerializeToString())[1] == "bid - | ask - (0/0 levels)"
    pid, resp = kl()
    resp.s2c.ClearField("klList")
    assert summarize(pid, 0, resp.SerializeToString())[1] == "K 1m: empty"
    pid, resp = rt()
    resp.s2c.ClearField("rtList")
    assert summarize(pid, 0, resp.SerializeToString())[1] == "RT: empty"


def test_no_schema_keeps_the_bytes():
    assert summarize(3019, 0, b"abc") == ("", "3 bytes, no schema for Qot_UpdatePriceReminder")
    assert decode_push(9999, 0, b"\x01") == {"raw_hex": "01", "note": "no schema for Proto9999"}


@FORMATS
def test_decode_push_with_and_without_labels(fmt):
    pid, resp = order()
    body = encode_message(resp, fmt)
    plain = decode_push(pid, fmt, body)
    assert plain["order"]["trdSide"] == 1 and plain["header"]["accID"] == "281756455982434"
    named = decode_push(pid, fmt, body, labels=True)
    assert named["order"]["trdSide"] == "Buy (1)" and named["order"]["orderStatus"] == "Filled_Part (10)"
    assert named["order"]["secMarket"] == "HK (1)" and named["header"]["trdMarket"] == "HK (1)"
    assert named["header"]["trdEnv"] == "Simulate (0)" and named["order"]["code"] == "00700"


def test_labels_in_quote_pushes():
    pid, resp = kl()
    named = decode_push(pid, 0, resp.SerializeToString(), labels=True)
    assert named["klType"] == enums.KL_TYPE.label(1) == "1Min (1)"
    assert named["security"]["market"] == "HK_Security (1)"
    pid, resp = ticker()
    assert decode_push(pid, 0, resp.SerializeToString(), labels=True)["tickerList"][1]["dir"] == "Bid (1)"
    pid, resp = notify("program")
    d = decode_push(pid, 0, resp.SerializeToString(), labels=True)
    assert d["type"] == "ProgramStatus (2)" and d["programStatus"]["programStatus"]["type"] == "Ready (10)"
