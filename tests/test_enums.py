"""The wire enums come from the pb descriptors: every table is full, round-trips and is consistent."""

import importlib
import pkgutil

import pytest
from google.protobuf.descriptor import FieldDescriptor

import opendeck.core.pb as pb
from opendeck.core import codes, enums
from opendeck.core.pb import Common_pb2, Qot_Common_pb2, Qot_UpdateBasicQot_pb2, Trd_UpdateOrder_pb2


def test_every_enum_of_the_protos_is_loaded_and_round_trips():
    assert len(enums.ENUMS) >= 25
    for name, e in enums.ENUMS.items():
        assert e.names and e.name == name
        for value, short in e.names.items():
            assert e.values[short] == value
            assert enums.enum_name(name, value) == short
            assert e.label(value) == f"{short} ({value})"


def test_enums_match_the_generated_classes():
    assert enums.QOT_MARKET.values["HK_Security"] == Qot_Common_pb2.QotMarket_HK_Security
    assert enums.PROGRAM_STATUS_TYPE.values["Ready"] == Common_pb2.ProgramStatusType_Ready
    assert enums.SUB_TYPE.values["KL_1Min"] == Qot_Common_pb2.SubType_KL_1Min


def test_every_enum_in_every_pb_module_is_known_by_its_full_name():
    full = set()
    for m in pkgutil.iter_modules(pb.__path__):
        mod = importlib.import_module(f"opendeck.core.pb.{m.name}")
        full |= {d.full_name.removeprefix("opendeck.") for d in mod.DESCRIPTOR.enum_types_by_name.values()}
    assert full == set(enums.ENUMS_BY_FULL_NAME)
    assert enums.ENUMS_BY_FULL_NAME["Qot_Common.QotMarket"] is enums.QOT_MARKET


def test_the_field_table_has_no_unresolved_entry():
    assert enums.UNRESOLVED == []


def test_unknown_values_show_their_number():
    assert enums.enum_name("QotMarket", 999) == "999"
    assert enums.QOT_MARKET.label(999) == "999"
    assert enums.enum_name(enums.TRD_SIDE, 2) == "Sell"
    assert enums.enum_name("Trd_Common.TrdSide", 2) == "Sell"
    with pytest.raises(KeyError, match="no enum 'Nope'"):
        enums.enum_name("Nope", 1)


def test_known_leaves_out_placeholders():
    assert 0 not in enums.QOT_MARKET.known() and 0 not in enums.TRD_SIDE.known()
    assert enums.TRD_ENV.known() == {0: "Simulate", 1: "Real"}  # 0 is a real value there


def _message(full: str):
    pkg_msg = full.split(".")
    mod = importlib.import_module(f"opendeck.core.pb.{pkg_msg[0]}_pb2")
    d = mod.DESCRIPTOR.message_types_by_name[pkg_msg[1]]
    for nested in pkg_msg[2:]:
        d = d.nested_types_by_name[nested]
    return d


def test_every_field_table_entry_names_a_real_int_or_enum_field():
    assert len(enums.FIELD_ENUMS) > 80
    for (msg, field), e in enums.FIELD_ENUMS.items():
        f = _message(msg).fields_by_name[field]  # KeyError = a typo in the table
        assert f.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_ENUM), (msg, field)
        assert isinstance(e, enums.WireEnum)


@pytest.mark.parametrize("msg, field, enum", [
    ("Qot_Common.Security", "market", "QotMarket"),
    ("Trd_Common.Order", "trdSide", "TrdSide"),
    ("Trd_Common.Order", "orderStatus", "OrderStatus"),
    ("Trd_Common.Order", "secMarket", "TrdSecMarket"),
    ("Trd_Common.TrdHeader", "trdMarket", "TrdMarket"),
    ("Trd_Common.OrderFill", "status", "OrderFillStatus"),
    ("Notify.S2C", "type", "NotifyType"),
    ("Notify.GtwEvent", "eventType", "GtwEventType"),
    ("Qot_UpdateKL.S2C", "klType", "KLType"),
    ("Qot_Common.Ticker", "dir", "TickerDirection"),
    ("GetGlobalState.S2C", "marketHK", "QotMarketState"),
    ("GetGlobalState.S2C", "marketJPFuture", "QotMarketState"),
    ("Notify.QotRight", "usOptionQotRight", "QotRight"),
    ("InitConnect.S2C", "userAttribution", "UserAttribution"),
    ("Qot_Sub.C2S", "subTypeList", "SubType"),
    ("Common.ProgramStatus", "type", "ProgramStatusType"),  # enum-typed in the proto itself
    ("Qot_UpdateTicker.Response", "retType", "RetType"),
])
def test_field_table(msg, field, enum):
    assert enums.field_enum(msg, field) is enums.ENUMS[enum]
    assert enums.field_enum("opendeck." + msg, field) is enums.ENUMS[enum]


def test_plain_numbers_are_not_in_the_table():
    assert enums.field_enum("GetGlobalState.S2C", "serverVer") is None
    assert enums.field_enum("Qot_Common.Broker", "pos") is None
    assert enums.label("Qot_Common.Broker", "pos", 3) == "3"


def test_label():
    assert enums.label("Qot_Common.Security", "market", 1) == "HK_Security (1)"
    assert enums.label("opendeck.Trd_Common.Order", "orderStatus", 11) == "Filled_All (11)"
    assert enums.label("Trd_Common.Order", "orderStatus", -1) == "Unknown (-1)"
    assert enums.label("Qot_Common.Security", "market", 777) == "777"
    assert enums.label("Common.ProgramStatus", "type", "ProgramStatusType_Ready") == "Ready (10)"


def test_labelled_dict_names_nested_and_repeated_values():
    resp = Qot_UpdateBasicQot_pb2.Response(retType=0)
    q = resp.s2c.basicQotList.add()
    q.security.market, q.security.code = 11, "AAPL"
    d = enums.labelled(resp)
    assert d["retType"] == "Succeed (0)"
    assert d["s2c"]["basicQotList"][0]["security"] == {"market": "US_Security (11)", "code": "AAPL"}
    order = Trd_UpdateOrder_pb2.Response(retType=0).s2c.order
    order.trdSide, order.orderStatus, order.secMarket, order.code = 1, 5, 31, "600000"
    od = enums.labelled(order)
    assert (od["trdSide"], od["orderStatus"], od["secMarket"]) == ("Buy (1)", "Submitted (5)", "CN_SH (31)")
    assert od["code"] == "600000"


def test_short_names_are_derived_not_copied():
    assert enums.QOT_MARKET_ALIASES["HK"] == Qot_Common_pb2.QotMarket_HK_Security
    assert enums.QOT_MARKET_ALIASES["SH"] == Qot_Common_pb2.QotMarket_CNSH
    assert enums.QOT_MARKET_ALIASES["HK_FUTURE"] == Qot_Common_pb2.QotMarket_HK_Future
    assert enums.SUBTYPE_ALIASES["kl_quarter"] == Qot_Common_pb2.SubType_KL_Qurater
    assert enums.SUBTYPE_ALIASES["kl_5m"] == Qot_Common_pb2.SubType_KL_5Min
    assert enums.KL_TYPE_SHORT[Qot_Common_pb2.KLType_240Min] == "240m"
    assert enums.TRD_SIDE_ALIASES["SELL_SHORT"] == 3
    assert enums.ORDER_TYPE_ALIASES["MARKET_IF_TOUCHED"] == 12
    # every meaningful value has exactly one short name
    assert set(enums.SUBTYPE_ALIASES.values()) == set(enums.SUB_TYPE.known())
    assert set(enums.QOT_MARKET_ALIASES.values()) == set(enums.QOT_MARKET.known())


def test_security_market_to_quote_market_by_name():
    assert enums.SEC_TO_QOT_MARKET[1] == 1  # HK
    assert enums.SEC_TO_QOT_MARKET[2] == 11  # US
    assert enums.SEC_TO_QOT_MARKET[31] == 21 and enums.SEC_TO_QOT_MARKET[32] == 22  # SH, SZ
    for sec, qot in enums.SEC_TO_QOT_MARKET.items():
        assert codes.QOT_MARKET_NAMES[qot] == next(a for a, v in codes.TRD_SEC_MARKETS.items() if v == sec)


TABLES = {name: getattr(codes, name) for name in (
    "QOT_MARKETS", "QOT_MARKET_NAMES", "SUBTYPES", "SUBTYPE_NAMES", "KL_TYPES", "TICKER_DIR",
    "TRD_MARKETS", "TRD_MARKET_NAMES", "SECURITY_FIRMS", "SECURITY_FIRM_NAMES", "TRD_ENVS",
    "TRD_SIDES", "TRD_SIDE_NAMES", "ORDER_TYPES", "ORDER_STATUS", "TRD_SEC_MARKETS",
    "QOT_MARKET_STATES", "NOTIFY_TYPES", "PROGRAM_STATUS", "USER_ATTRIBUTION")}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_codes_tables_are_non_empty(name):
    assert TABLES[name]


@pytest.mark.parametrize("names, values", [
    ("QOT_MARKET_NAMES", "QOT_MARKETS"), ("SUBTYPE_NAMES", "SUBTYPES"),
    ("TRD_MARKET_NAMES", "TRD_MARKETS"), ("SECURITY_FIRM_NAMES", "SECURITY_FIRMS"),
    ("TRD_SIDE_NAMES", "TRD_SIDES"),
])
def test_codes_tables_round_trip(names, values):
    for v, n in TABLES[names].items():
        assert TABLES[values][n] == v


def test_codes_tables_hold_what_the_sdk_names():
    assert codes.QOT_MARKETS["US"] == 11 and codes.TRD_MARKETS["FUTURES_SIMULATE_JP"] == 13
    assert codes.SECURITY_FIRMS["FutuSecurities"] == 1 and codes.TRD_ENVS == {0: "SIMULATE", 1: "REAL"}
    assert codes.ORDER_TYPES["NORMAL"] == 1 and codes.ORDER_STATUS[11] == "Filled_All"
    assert codes.TICKER_DIR[1] == "bid" and codes.KL_TYPES[2] == "day"
    assert codes.NOTIFY_TYPES[3] == "ConnStatus" and codes.PROGRAM_STATUS[10] == "Ready"
    assert codes.USER_ATTRIBUTION[1] == "NN" and codes.QOT_MARKET_STATES[6] == "Closed"
    assert codes.SUBTYPES["quote"] == codes.SUBTYPES["basic"] == 1
    assert codes.SUBTYPES["kline"] == codes.SUBTYPES["kl_1m"]
    assert "quote" not in codes.SUBTYPE_NAMES.values()  # spellings don't rename a type
