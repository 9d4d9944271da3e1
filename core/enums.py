"""The wire's enums, read from the generated pb descriptors: one source for names and numbers.

Three layers, all built once at import from ``core/pb/*_pb2`` (nothing here copies a number):

* :class:`WireEnum` per proto enum (``QOT_MARKET = ENUMS["QotMarket"]``): value -> proto name
  without the type prefix (``1 -> "HK_Security"``) and back, and ``label(1) -> "HK_Security (1)"``.
* :data:`FIELD_ENUMS`: most enum-valued wire fields are plain ``int32`` (protocol.md §8), so the
  descriptors cannot say which enum a field holds. This is the one table that does, keyed by
  (message full name without the ``opendeck.`` package, field name). :func:`label` and
  :func:`labelled` use it for summaries, the detail tree and JSON.
* The short names people type (``HK``, ``basic``, ``kl_1m``, ``BUY``) are *derived* from the proto
  names by a few spelling rules (strip the prefix, case, ``Min`` -> ``m``) plus a handful of name
  fixes (the protos spell ``CNSH`` and ``Qurater``); :mod:`opendeck.core.codes` exposes them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from . import pb as _pb

_PACKAGE = "opendeck."


@dataclass(frozen=True)
class WireEnum:
    """One proto enum: ``names`` maps value -> short proto name, ``values`` the reverse."""

    full_name: str  # "Qot_Common.QotMarket"
    names: Mapping[int, str]
    values: Mapping[str, int] = field(repr=False)

    @property
    def name(self) -> str:
        return self.full_name.rpartition(".")[2]

    @classmethod
    def of(cls, desc: EnumDescriptor) -> WireEnum:
        prefix = desc.name + "_"
        names = {v.number: v.name.removeprefix(prefix) for v in desc.values}
        return cls(desc.full_name.removeprefix(_PACKAGE), names, {n: v for v, n in names.items()})

    def name_of(self, value: int) -> str:
        """``"HK_Security"``; a value this build does not know comes back as its number."""
        return self.names.get(value, str(value))

    def label(self, value: int) -> str:
        """``"HK_Security (1)"``; an unknown value is just ``"99"``."""
        name = self.names.get(value)
        return f"{name} ({value})" if name is not None else str(value)

    def known(self) -> dict[int, str]:
        """The values that mean something (the ``Unknown`` / ``None`` placeholders left out)."""
        return {v: n for v, n in self.names.items() if n not in _PLACEHOLDERS}


_PLACEHOLDERS = frozenset({"Unknown", "Unknow", "None", "NONE"})


_FIRST = ("Common", "Qot_Common", "Trd_Common")  # their names win if a later proto reuses one


def pb_modules() -> list[ModuleType]:
    """Every generated module in core/pb (the common ones first), imported."""
    names = sorted(m.name.removesuffix("_pb2") for m in pkgutil.iter_modules(_pb.__path__)
                   if m.name.endswith("_pb2"))
    ordered = [n for n in _FIRST if n in names] + [n for n in names if n not in _FIRST]
    return [importlib.import_module(f"{_pb.__name__}.{n}_pb2") for n in ordered]


def _load() -> tuple[dict[str, WireEnum], dict[str, WireEnum]]:
    by_name: dict[str, WireEnum] = {}
    by_full: dict[str, WireEnum] = {}
    for mod in _MODULES:
        for desc in mod.DESCRIPTOR.enum_types_by_name.values():
            e = WireEnum.of(desc)
            by_full[e.full_name] = e
            by_name.setdefault(desc.name, e)
    return by_name, by_full


_MODULES = pb_modules()
#: every enum of the shipped protos, by its short name ("QotMarket", "TrdSide", ...) and by its
#: full name ("Qot_Common.QotMarket"); a short name two protos share goes to the common one
ENUMS, ENUMS_BY_FULL_NAME = _load()

QOT_MARKET = ENUMS["QotMarket"]
SUB_TYPE = ENUMS["SubType"]
KL_TYPE = ENUMS["KLType"]
REHAB_TYPE = ENUMS["RehabType"]
TICKER_DIRECTION = ENUMS["TickerDirection"]
QOT_MARKET_STATE = ENUMS["QotMarketState"]
QOT_RIGHT = ENUMS["QotRight"]
TRD_ENV = ENUMS["TrdEnv"]
TRD_MARKET = ENUMS["TrdMarket"]
TRD_SEC_MARKET = ENUMS["TrdSecMarket"]
TRD_SIDE = ENUMS["TrdSide"]
ORDER_TYPE = ENUMS["OrderType"]
ORDER_STATUS = ENUMS["OrderStatus"]
ORDER_FILL_STATUS = ENUMS["OrderFillStatus"]
SECURITY_FIRM = ENUMS["SecurityFirm"]
NOTIFY_TYPE = ENUMS["NotifyType"]
GTW_EVENT_TYPE = ENUMS["GtwEventType"]
PROGRAM_STATUS_TYPE = ENUMS["ProgramStatusType"]
USER_ATTRIBUTION = ENUMS["UserAttribution"]
RET_TYPE = ENUMS["RetType"]


def _enum(enum_type: WireEnum | str) -> WireEnum:
    if isinstance(enum_type, WireEnum):
        return enum_type
    try:
        return ENUMS_BY_FULL_NAME.get(enum_type.removeprefix(_PACKAGE)) or ENUMS[enum_type]
    except KeyError:
        raise KeyError(f"no enum {enum_type!r} in core/pb; known: {', '.join(ENUMS)}") from None


def enum_name(enum_type: WireEnum | str, value: int) -> str:
    """``enum_name("QotMarket", 1) -> "HK_Security"``; an unknown value -> ``"99"``."""
    return _enum(enum_type).name_of(value)


# ------------------------------------------------------------------ int32 fields -> enum
# Fields the protos declare as int32 but that hold an enum (their comments say which).
_FIELDS = """
InitConnect.C2S: packetEncAlgo PacketEncAlgo, pushProtoFmt ProtoFmt
InitConnect.S2C: userAttribution UserAttribution
GetUserInfo.S2C: userAttribution UserAttribution
Notify.S2C: type NotifyType
Notify.GtwEvent: eventType GtwEventType
Qot_Common.QotHeader: securityFirm SecurityFirm
Qot_Common.Security: market QotMarket
Qot_Common.Ticker: dir TickerDirection, pushDataType PushDataType
Qot_Common.SubInfo: subType SubType
Qot_Common.ConnSubInfo: securityFirm SecurityFirm
Qot_Sub.C2S: subTypeList SubType, regPushRehabTypeList RehabType, session Session
Qot_RegQotPush.C2S: subTypeList SubType, rehabTypeList RehabType
Qot_UpdateKL.S2C: klType KLType, rehabType RehabType
Trd_Common.TrdHeader: trdEnv TrdEnv, trdMarket TrdMarket
Trd_Common.TrdAcc: trdEnv TrdEnv, trdMarketAuthList TrdMarket, securityFirm SecurityFirm
Trd_Common.Order: trdSide TrdSide, orderType OrderType, orderStatus OrderStatus,
    secMarket TrdSecMarket, timeInForce TimeInForce, trdMarket TrdMarket, session Session
Trd_Common.OrderFill: trdSide TrdSide, secMarket TrdSecMarket, status OrderFillStatus,
    trdMarket TrdMarket
Trd_Common.TrdFilterConditions: filterMarket TrdMarket
Trd_GetAccList.C2S: trdCategory TrdCategory
Trd_PlaceOrder.C2S: trdSide TrdSide, orderType OrderType, secMarket TrdSecMarket,
    timeInForce TimeInForce, session Session
Trd_UnlockTrade.C2S: securityFirm SecurityFirm
Qot_Common.BasicQot: secStatus SecurityStatus
Qot_Common.SecurityStaticBasic: secType SecurityType, exchType ExchType
Qot_Common.WarrantStaticExData: type WarrantType
Qot_Common.OptionStaticExData: type OptionType
Qot_Common.PlateInfo: plateType PlateSetType
Trd_Common.Order: currency Currency
Trd_Common.AccCashInfo: currency Currency
Trd_Common.AccMarketInfo: trdMarket TrdMarket
Trd_Common.Funds: currency Currency
Trd_Common.Position: positionSide PositionSide, secMarket TrdSecMarket, currency Currency,
    trdMarket TrdMarket
Trd_Common.MaxTrdQtys: session Session
Qot_GetKL.C2S: rehabType RehabType, klType KLType
Qot_RequestHistoryKL.C2S: rehabType RehabType, klType KLType, session Session
Qot_GetMarketState.MarketInfo: marketState QotMarketState
Qot_GetPlateSet.C2S: market QotMarket, plateSetType PlateSetType
Qot_GetStaticInfo.C2S: market QotMarket, secType SecurityType
Qot_GetSecuritySnapshot.SnapshotBasicData: type SecurityType, secStatus SecurityStatus
Qot_GetSecuritySnapshot.WarrantSnapshotExData: warrantType WarrantType
Qot_GetSecuritySnapshot.OptionSnapshotExData: type OptionType
Qot_GetOptionChain.C2S: type OptionType, condition OptionCondType
Qot_GetReference.C2S: referenceType ReferenceType
Qot_RequestTradeDate.C2S: market TradeDateMarket
Qot_RequestTradeDate.TradeDate: tradeDateType TradeDateType
Trd_FlowSummary.C2S: cashFlowDirection TrdCashFlowDirection
Trd_FlowSummary.FlowSummaryInfo: currency Currency, cashFlowDirection TrdCashFlowDirection
Trd_GetFunds.C2S: currency Currency
Trd_GetPositionList.C2S: currency Currency
Trd_GetOrderList.C2S: filterStatusList OrderStatus
Trd_GetHistoryOrderList.C2S: filterStatusList OrderStatus
Trd_GetMaxTrdQtys.C2S: orderType OrderType, secMarket TrdSecMarket, session Session
Trd_ModifyOrder.C2S: modifyOrderOp ModifyOrderOp, trdMarket TrdMarket
"""
# Families the descriptors let us find by name (every field so named in those messages).
_FAMILIES = (
    ("GetGlobalState.S2C", re.compile(r"market[A-Z]\w*"), "QotMarketState"),
    ("GetUserInfo.S2C", re.compile(r"\w+QotRight"), "QotRight"),
    ("Notify.QotRight", re.compile(r"\w+QotRight"), "QotRight"),
)


def _messages() -> dict[str, Descriptor]:
    out: dict[str, Descriptor] = {}

    def walk(d: Descriptor) -> None:
        out[d.full_name.removeprefix(_PACKAGE)] = d
        for n in d.nested_types:
            walk(n)

    for mod in _MODULES:
        for d in mod.DESCRIPTOR.message_types_by_name.values():
            walk(d)
    return out


def _field_table() -> dict[tuple[str, str], WireEnum]:
    table: dict[tuple[str, str], WireEnum] = {}
    messages = _messages()
    for line in re.sub(r",\s*\n\s+", ", ", _FIELDS).strip().splitlines():
        msg, _, pairs = line.partition(":")
        msg = msg.strip()
        for pair in pairs.split(","):
            fname, enum_type = pair.split()
            d = messages.get(msg)
            if enum_type in ENUMS and d is not None and fname in d.fields_by_name:
                table[(msg, fname)] = ENUMS[enum_type]
            else:  # a proto changed under the table: never break the import; tests list these
                UNRESOLVED.append(f"{msg}.{fname} -> {enum_type}")
    for msg, pattern, enum_type in _FAMILIES:
        for f in messages[msg].fields if msg in messages else ():
            if f.type == FieldDescriptor.TYPE_INT32 and pattern.fullmatch(f.name):
                table[(msg, f.name)] = ENUMS[enum_type]
    for msg, d in messages.items():  # every reply's retType is a Common.RetType
        if msg.endswith(".Response") and "retType" in d.fields_by_name:
            table[(msg, "retType")] = RET_TYPE
        for f in d.fields:  # and the few fields that are enum-typed in the protos themselves
            if f.type == FieldDescriptor.TYPE_ENUM:
                table[(msg, f.name)] = ENUMS_BY_FULL_NAME[f.enum_type.full_name.removeprefix(_PACKAGE)]
    return table


UNRESOLVED: list[str] = []  # entries of _FIELDS that name no field or no enum (a test keeps it empty)
#: (message full name, field name) -> the enum its int32 values come from
FIELD_ENUMS: dict[tuple[str, str], WireEnum] = _field_table()


def field_enum(msg_full_name: str, field_name: str) -> WireEnum | None:
    return FIELD_ENUMS.get((msg_full_name.removeprefix(_PACKAGE), field_name))


def label(msg_full_name: str, field_name: str, value: Any) -> str:
    """``label("Qot_Common.Security", "market", 1) -> "HK_Security (1)"``.

    A field no enum is known for, or a value the enum does not define, is shown as it is.
    ``value`` may also be a name (``MessageToDict`` writes enum-typed fields as names).
    """
    e = field_enum(msg_full_name, field_name)
    if e is None:
        return str(value)
    if isinstance(value, str):
        n = value.removeprefix(e.name + "_")
        return e.label(e.values[n]) if n in e.values else value
    return e.label(int(value))


def labelled(msg: Message) -> dict[str, Any]:
    """``MessageToDict`` of ``msg`` (proto field names) with every enum value as its label.

    For the detail tree and human-facing JSON; exports keep numbers (see ``message_to_dict``).
    """
    d = json_format.MessageToDict(msg, preserving_proto_field_name=True)
    _label_dict(msg.DESCRIPTOR, d)
    return d


def _label_dict(desc: Descriptor, d: dict[str, Any]) -> None:
    msg = desc.full_name.removeprefix(_PACKAGE)
    for key, value in d.items():
        f = desc.fields_by_name.get(key)
        if f is None:
            continue
        if f.message_type is not None:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    _label_dict(f.message_type, item)
        elif (msg, key) in FIELD_ENUMS:
            d[key] = ([label(msg, key, v) for v in value] if isinstance(value, list)
                      else label(msg, key, value))


# ------------------------------------------------------------ the short names people type
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: proto names whose short form is not what the rules give (name -> name, no numbers)
_NAME_FIXES = {
    "QotMarket_CNSH": "SH", "QotMarket_CNSZ": "SZ", "QotMarket_EventContract": "EC",
    "SubType_KL_Qurater": "kl_quarter",  # sic in the proto
    "OrderType_MarketifTouched": "MARKET_IF_TOUCHED", "OrderType_LimitifTouched": "LIMIT_IF_TOUCHED",
}


def _fixed(e: WireEnum, value: int) -> str | None:
    return _NAME_FIXES.get(f"{e.name}_{e.names[value]}")


def _minutes(name: str) -> str:
    return re.sub(r"(\d+)min\b", r"\1m", name.lower())


def market_alias(e: WireEnum, value: int) -> str:
    """QotMarket / TrdSecMarket / TrdMarket -> ``HK``, ``US``, ``SH``, ``HK_FUTURE``, ..."""
    fixed = _fixed(e, value)
    if fixed is not None:
        return fixed
    name = e.names[value].removesuffix("_Security")
    return name.removeprefix("CN_").upper()


def subtype_alias(value: int) -> str:
    """SubType -> ``basic``, ``orderbook``, ``kl_1m``, ``kl_quarter``, ``orderbook_odd``."""
    return _fixed(SUB_TYPE, value) or _minutes(SUB_TYPE.names[value])


def snake_upper(e: WireEnum, value: int) -> str:
    """TrdSide / OrderType -> ``SELL_SHORT``, ``ABSOLUTE_LIMIT`` (as the SDKs spell them)."""
    return _fixed(e, value) or _CAMEL.sub("_", e.names[value]).upper()


def aliases(e: WireEnum, rule, values: Iterable[int] | None = None) -> dict[str, int]:
    """alias -> value for the meaningful values of ``e`` (insertion order = proto order)."""
    out: dict[str, int] = {}
    for v in (e.known() if values is None else values):
        a = rule(e, v)
        if a in out:
            raise RuntimeError(f"{e.full_name}: two values give the short name {a!r}")
        out[a] = v
    return out


#: short market name -> QotMarket / TrdSecMarket value
QOT_MARKET_ALIASES = aliases(QOT_MARKET, market_alias)
TRD_SEC_MARKET_ALIASES = aliases(TRD_SEC_MARKET, market_alias)
TRD_MARKET_ALIASES = aliases(TRD_MARKET, market_alias)
#: TrdSecMarket value -> QotMarket value, matched by short name (HK -> HK, SH -> SH, ...)
SEC_TO_QOT_MARKET = {v: QOT_MARKET_ALIASES[a] for a, v in TRD_SEC_MARKET_ALIASES.items()
                     if a in QOT_MARKET_ALIASES}
SUBTYPE_ALIASES = aliases(SUB_TYPE, lambda _e, v: subtype_alias(v))
#: KLType value -> "1m", "day", "quarter", ...
KL_TYPE_SHORT = {v: _minutes(n) for v, n in KL_TYPE.names.items()}
TRD_SIDE_ALIASES = aliases(TRD_SIDE, snake_upper)
ORDER_TYPE_ALIASES = aliases(ORDER_TYPE, snake_upper)
