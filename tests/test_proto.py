"""The protobuf sources in core/pb and their generated modules (protocol.md §2, §8, §9)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from google.protobuf import json_format

REPO = Path(__file__).resolve().parent.parent
PB_DIR = REPO / "core" / "pb"
GEN_SCRIPT = REPO / "scripts" / "gen_proto.py"

NAMES = [
    "Common", "InitConnect", "KeepAlive", "GetGlobalState", "Notify", "GetUserInfo",
    "Qot_Common", "Qot_Sub", "Qot_RegQotPush", "Qot_GetSubInfo", "Qot_GetBasicQot",
    "Qot_UpdateBasicQot", "Qot_UpdateTicker", "Qot_UpdateOrderBook", "Qot_UpdateKL",
    "Qot_UpdateRT", "Qot_UpdateBroker",
    "Trd_Common", "Trd_GetAccList", "Trd_UnlockTrade", "Trd_SubAccPush", "Trd_PlaceOrder",
    "Trd_UpdateOrder", "Trd_UpdateOrderFill", "Trd_Notify", "InitWebSocket",
    # pulls for the 51 futu-api calls (issue 11)
    "Qot_GetSecuritySnapshot", "Qot_GetOrderBook", "Qot_GetTicker", "Qot_GetRT", "Qot_GetKL",
    "Qot_RequestHistoryKL", "Qot_GetBroker", "Qot_GetStaticInfo", "Qot_RequestTradeDate",
    "Qot_GetMarketState", "Qot_GetPlateSet", "Qot_GetPlateSecurity", "Qot_GetCapitalFlow",
    "Qot_GetCapitalDistribution", "Qot_GetOwnerPlate", "Qot_GetOptionChain", "Qot_GetReference",
    "Qot_GetUserSecurity", "Qot_GetPriceReminder", "Qot_RequestHistoryKLQuota", "Qot_RequestRehab",
    "Trd_GetFunds", "Trd_GetPositionList", "Trd_GetOrderList", "Trd_GetOrderFillList",
    "Trd_GetHistoryOrderList", "Trd_GetHistoryOrderFillList", "Trd_ModifyOrder",
    "Trd_GetMaxTrdQtys", "Trd_FlowSummary", "Trd_GetOrderFee",
]
COMMON_FILES = {"Common", "Qot_Common", "Trd_Common"}
PUSH_ONLY = {
    "Notify", "Qot_UpdateBasicQot", "Qot_UpdateTicker", "Qot_UpdateOrderBook", "Qot_UpdateKL",
    "Qot_UpdateRT", "Qot_UpdateBroker", "Trd_UpdateOrder", "Trd_UpdateOrderFill", "Trd_Notify",
}
ENVELOPED = [n for n in NAMES if n not in COMMON_FILES]


def pb2(name: str):
    return importlib.import_module(f"opendeck.core.pb.{name}_pb2")


# --- sources and regeneration -------------------------------------------------------------


def test_source_set_is_exactly_the_listed_files():
    assert sorted(p.stem for p in PB_DIR.glob("*.proto")) == sorted(NAMES)


def test_committed_modules_match_a_fresh_regeneration(tmp_path):
    """Fails if someone edited a .proto without running `python scripts/gen_proto.py`."""
    pytest.importorskip("grpc_tools", reason="needs the dev extras: pip install -e .[dev]")
    proc = subprocess.run(
        [sys.executable, str(GEN_SCRIPT), "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(f"{n}_pb2{ext}" for n in NAMES for ext in (".py", ".pyi"))
    for name in fresh:
        committed = PB_DIR / name
        assert committed.is_file(), f"{name} is not committed; run scripts/gen_proto.py"
        assert committed.read_bytes() == (tmp_path / name).read_bytes(), (
            f"{name} is stale; run scripts/gen_proto.py"
        )


# --- modules, envelopes, names --------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_module_imports_under_prefixed_file_and_package(name):
    mod = pb2(name)
    assert mod.DESCRIPTOR.name == f"opendeck/core/pb/{name}.proto"
    assert mod.DESCRIPTOR.package == f"opendeck.{name}"
    source = (PB_DIR / f"{name}.proto").read_text(encoding="utf-8")
    assert 'syntax = "proto2";' in source


def test_initconnect_descriptor_name():
    assert pb2("InitConnect").DESCRIPTOR.name == "opendeck/core/pb/InitConnect.proto"
    assert pb2("Qot_Sub").Response.DESCRIPTOR.full_name == "opendeck.Qot_Sub.Response"


@pytest.mark.parametrize("name", ENVELOPED)
def test_envelope_shape_and_rettype_default(name):
    mod = pb2(name)
    rsp = mod.Response.DESCRIPTOR
    assert [(f.number, f.name) for f in rsp.fields] == [
        (1, "retType"), (2, "retMsg"), (3, "errCode"), (4, "s2c")
    ]
    assert rsp.fields_by_name["retType"].default_value == -400
    assert mod.Response().retType == -400
    assert not mod.Response().HasField("retType")
    assert rsp.fields_by_name["s2c"].message_type is mod.S2C.DESCRIPTOR
    if name in PUSH_ONLY:
        assert not hasattr(mod, "Request") and not hasattr(mod, "C2S")
    else:
        req = mod.Request.DESCRIPTOR
        assert [(f.number, f.name) for f in req.fields] == [(1, "c2s")]
        assert req.fields_by_name["c2s"].message_type is mod.C2S.DESCRIPTOR


def test_common_files_have_no_envelope():
    for name in COMMON_FILES:
        mod = pb2(name)
        assert not hasattr(mod, "Request") and not hasattr(mod, "Response")


# --- wire vectors (protocol.md §2, §5.1, §8) ------------------------------------------------


def _init_connect(enc_algo: int) -> bytes:
    ic = pb2("InitConnect")
    req = ic.Request()
    c2s = req.c2s
    c2s.clientVer = 300
    c2s.clientID = "PyNormal"
    c2s.recvNotify = True
    c2s.packetEncAlgo = enc_algo
    c2s.pushProtoFmt = 0
    c2s.programmingLanguage = "Python"
    c2s.aiType = 0
    return req.SerializeToString()


def test_initconnect_request_is_40_bytes_without_encryption():
    body = _init_connect(-1)
    assert len(body) == 40  # -1 is a 10-byte varint because the field is int32
    back = pb2("InitConnect").Request.FromString(body)
    assert back.c2s.packetEncAlgo == -1 and back.c2s.clientID == "PyNormal"


def test_initconnect_request_is_31_bytes_with_aes_cbc():
    assert len(_init_connect(2)) == 31


@pytest.mark.parametrize("name", ["Qot_Sub", "Qot_RegQotPush", "Trd_UnlockTrade", "Trd_SubAccPush"])
def test_empty_s2c_success_response_is_two_bytes(name):
    mod = pb2(name)
    assert mod.S2C.DESCRIPTOR.fields == []
    rsp = mod.Response(retType=0)
    assert rsp.SerializeToString() == b"\x08\x00"
    rsp.s2c.SetInParent()  # an (empty) s2c present adds its tag and zero length
    assert rsp.SerializeToString() == b"\x08\x00\x22\x00"


def test_negative_rettype_is_ten_byte_varint():
    rsp = pb2("KeepAlive").Response(retType=-1, retMsg="x")
    assert len(rsp.SerializeToString()) == 1 + 10 + 1 + 1 + 1


# --- JSON mode (names matter there) ---------------------------------------------------------


def test_orderbook_json_round_trip_keeps_misspelled_key():
    ob = pb2("Qot_UpdateOrderBook")
    rsp = ob.Response(retType=0)
    s2c = rsp.s2c
    s2c.security.market = 1
    s2c.security.code = "00700"
    ask = s2c.orderBookAskList.add(price=320.2, volume=1500, orederCount=3)
    ask.detailList.add(orderID=42, volume=500)
    s2c.orderBookBidList.add(price=320.0, volume=800, orederCount=1)
    s2c.svrRecvTimeAsk = "2024-01-02 09:30:00.123"
    s2c.name = "TENCENT"

    text = json_format.MessageToJson(rsp)
    assert '"orederCount"' in text and '"orderCount"' not in text
    back = json_format.Parse(text, ob.Response())
    assert back == rsp
    assert back.SerializeToString() == rsp.SerializeToString()

    # and a body as OpenD would send it in JSON mode parses with the sic key
    raw = '{"retType": 0, "s2c": {"security": {"market": 1, "code": "00700"},' \
          ' "orderBookBidList": [{"price": 1.5, "volume": "10", "orederCount": 2}]}}'
    parsed = json_format.Parse(raw, ob.Response())
    assert parsed.s2c.orderBookBidList[0].orederCount == 2


# --- the one closed enum --------------------------------------------------------------------


def test_program_status_type_is_a_closed_enum():
    """Common.ProgramStatus.type is really enum-typed (protocol.md §2), and proto2 enums are
    closed: a value the enum does not know (99 here) is moved to the unknown fields, so the
    field reads as unset, HasField('type') is False and the message is not initialized.
    The value survives re-serialization; a client that needs it must read it as a raw int."""
    common = pb2("Common")
    assert common.ProgramStatus.DESCRIPTOR.fields_by_name["type"].enum_type is \
        common.ProgramStatusType.DESCRIPTOR

    wire = b"\x08\x63"  # field 1, varint 99
    msg = common.ProgramStatus.FromString(wire)
    assert not msg.HasField("type")
    assert msg.type == common.ProgramStatusType_None == 0
    assert not msg.IsInitialized()
    assert msg.SerializePartialToString() == wire  # kept as an unknown field

    known = common.ProgramStatus.FromString(b"\x08\x0a")
    assert known.HasField("type") and known.type == common.ProgramStatusType_Ready == 10


def test_int32_enum_fields_accept_unknown_values():
    """Every other enum-valued field is plain int32, so unknown values pass through."""
    qc = pb2("Qot_Common")
    sec = qc.Security.FromString(qc.Security(market=999, code="X").SerializeToString())
    assert sec.market == 999


# --- field spot checks against the tables ---------------------------------------------------


def test_field_spot_checks():
    qc, trd, notify, gui = pb2("Qot_Common"), pb2("Trd_Common"), pb2("Notify"), pb2("GetUserInfo")
    ob = qc.OrderBook.DESCRIPTOR.fields_by_name["orederCount"]
    assert ob.number == 3 and ob.is_required
    assert sorted(f.number for f in qc.BasicQot.DESCRIPTOR.fields) == [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 21, 24, 26
    ]
    assert [f.number for f in notify.QotRight.DESCRIPTOR.fields] == list(range(4, 28))
    assert notify.QotRight.DESCRIPTOR.fields_by_name["hasUSOptionQotRight"].number == 8
    assert gui.S2C.DESCRIPTOR.fields_by_name["isAppNNOrMM"].number == 30
    for name in ("Qot_Sub", "Qot_RegQotPush", "Qot_GetSubInfo", "Qot_GetBasicQot"):
        header = pb2(name).C2S.DESCRIPTOR.fields_by_name["header"]
        assert header.number == 100 and header.message_type is qc.QotHeader.DESCRIPTOR
    place = pb2("Trd_PlaceOrder").C2S.DESCRIPTOR
    assert place.fields_by_name["packetID"].message_type is pb2("Common").PacketID.DESCRIPTOR
    assert place.fields_by_name["header"].message_type is trd.TrdHeader.DESCRIPTOR
    assert max(f.number for f in trd.Order.DESCRIPTOR.fields) == 31  # 32 comboLegs: unknown
    assert pb2("Trd_Notify").S2C.DESCRIPTOR.fields_by_name["type"].number == 2


# --- coexistence with futu-api's bare-named registrations ------------------------------------


def test_coexists_with_a_foreign_bare_common_proto():
    """futu-api registers `Common.proto` (package `Common`) in the default pool. Ours are
    prefixed, so both can live in one process. Checked in a subprocess so the foreign file
    does not leak into this test session's default pool."""
    code = textwrap.dedent(
        """
        from google.protobuf import descriptor_pb2, descriptor_pool
        fdp = descriptor_pb2.FileDescriptorProto(name="Common.proto", package="Common",
                                                 syntax="proto2")
        m = fdp.message_type.add(name="PacketID")
        m.field.add(name="connID", number=1, type=4, label=2)
        descriptor_pool.Default().AddSerializedFile(fdp.SerializeToString())
        from opendeck.core.pb import Common_pb2, Trd_PlaceOrder_pb2
        assert Common_pb2.PacketID.DESCRIPTOR.full_name == "opendeck.Common.PacketID"
        assert descriptor_pool.Default().FindMessageTypeByName("Common.PacketID")
        print("ok")
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_every_schema_file_is_in_the_catalog_with_its_id():
    """Each enveloped file is named by one catalog id, so the gateway and the decoder find it."""
    from opendeck.core import catalog
    for name in ENVELOPED:
        if name == "Trd_Notify":  # no proto id is wired for it (protocol.md §6)
            continue
        assert name in catalog.SCHEMAS, name
        info = catalog.BY_NAME[name]
        assert catalog.module(info.proto_id) is pb2(name)


def test_pull_field_spot_checks():
    """A few numbers that futu-api's parser depends on (issue 11 pulls)."""
    kl = pb2("Qot_RequestHistoryKL").C2S.DESCRIPTOR.fields_by_name
    assert kl["maxAckKLNum"].number == 6 and kl["nextReqKey"].number == 8
    assert pb2("Qot_RequestHistoryKL").S2C.DESCRIPTOR.fields_by_name["nextReqKey"].number == 3
    mod = pb2("Trd_ModifyOrder").C2S.DESCRIPTOR.fields_by_name
    assert mod["forAll"].number == 5 and mod["modifyOrderOp"].number == 4
    funds = pb2("Trd_Common").Funds.DESCRIPTOR.fields_by_name
    assert funds["power"].is_required and funds["cashInfoList"].number == 15
    static = pb2("Qot_Common").SecurityStaticBasic.DESCRIPTOR.fields_by_name
    assert static["lotSize"].number == 3 and static["secType"].number == 4
