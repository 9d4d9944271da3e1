from opendeck.core.pb import Trd_Common_pb2 as _Trd_Common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TrdCashFlowDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TrdCashFlowDirection_Unknown: _ClassVar[TrdCashFlowDirection]
    TrdCashFlowDirection_In: _ClassVar[TrdCashFlowDirection]
    TrdCashFlowDirection_Out: _ClassVar[TrdCashFlowDirection]
TrdCashFlowDirection_Unknown: TrdCashFlowDirection
TrdCashFlowDirection_In: TrdCashFlowDirection
TrdCashFlowDirection_Out: TrdCashFlowDirection

class FlowSummaryInfo(_message.Message):
    __slots__ = ("clearingDate", "settlementDate", "currency", "cashFlowType", "cashFlowDirection", "cashFlowAmount", "cashFlowRemark", "cashFlowID", "createTime")
    CLEARINGDATE_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENTDATE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CASHFLOWTYPE_FIELD_NUMBER: _ClassVar[int]
    CASHFLOWDIRECTION_FIELD_NUMBER: _ClassVar[int]
    CASHFLOWAMOUNT_FIELD_NUMBER: _ClassVar[int]
    CASHFLOWREMARK_FIELD_NUMBER: _ClassVar[int]
    CASHFLOWID_FIELD_NUMBER: _ClassVar[int]
    CREATETIME_FIELD_NUMBER: _ClassVar[int]
    clearingDate: str
    settlementDate: str
    currency: int
    cashFlowType: str
    cashFlowDirection: int
    cashFlowAmount: float
    cashFlowRemark: str
    cashFlowID: int
    createTime: str
    def __init__(self, clearingDate: _Optional[str] = ..., settlementDate: _Optional[str] = ..., currency: _Optional[int] = ..., cashFlowType: _Optional[str] = ..., cashFlowDirection: _Optional[int] = ..., cashFlowAmount: _Optional[float] = ..., cashFlowRemark: _Optional[str] = ..., cashFlowID: _Optional[int] = ..., createTime: _Optional[str] = ...) -> None: ...

class C2S(_message.Message):
    __slots__ = ("header", "clearingDate", "cashFlowDirection", "startCreateDate", "endCreateDate")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CLEARINGDATE_FIELD_NUMBER: _ClassVar[int]
    CASHFLOWDIRECTION_FIELD_NUMBER: _ClassVar[int]
    STARTCREATEDATE_FIELD_NUMBER: _ClassVar[int]
    ENDCREATEDATE_FIELD_NUMBER: _ClassVar[int]
    header: _Trd_Common_pb2.TrdHeader
    clearingDate: str
    cashFlowDirection: int
    startCreateDate: str
    endCreateDate: str
    def __init__(self, header: _Optional[_Union[_Trd_Common_pb2.TrdHeader, _Mapping]] = ..., clearingDate: _Optional[str] = ..., cashFlowDirection: _Optional[int] = ..., startCreateDate: _Optional[str] = ..., endCreateDate: _Optional[str] = ...) -> None: ...

class S2C(_message.Message):
    __slots__ = ("header", "flowSummaryInfoList")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    FLOWSUMMARYINFOLIST_FIELD_NUMBER: _ClassVar[int]
    header: _Trd_Common_pb2.TrdHeader
    flowSummaryInfoList: _containers.RepeatedCompositeFieldContainer[FlowSummaryInfo]
    def __init__(self, header: _Optional[_Union[_Trd_Common_pb2.TrdHeader, _Mapping]] = ..., flowSummaryInfoList: _Optional[_Iterable[_Union[FlowSummaryInfo, _Mapping]]] = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ("c2s",)
    C2S_FIELD_NUMBER: _ClassVar[int]
    c2s: C2S
    def __init__(self, c2s: _Optional[_Union[C2S, _Mapping]] = ...) -> None: ...

class Response(_message.Message):
    __slots__ = ("retType", "retMsg", "errCode", "s2c")
    RETTYPE_FIELD_NUMBER: _ClassVar[int]
    RETMSG_FIELD_NUMBER: _ClassVar[int]
    ERRCODE_FIELD_NUMBER: _ClassVar[int]
    S2C_FIELD_NUMBER: _ClassVar[int]
    retType: int
    retMsg: str
    errCode: int
    s2c: S2C
    def __init__(self, retType: _Optional[int] = ..., retMsg: _Optional[str] = ..., errCode: _Optional[int] = ..., s2c: _Optional[_Union[S2C, _Mapping]] = ...) -> None: ...
