from opendeck.core.pb import Qot_Common_pb2 as _Qot_Common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OptionCondType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OptionCondType_Unknow: _ClassVar[OptionCondType]
    OptionCondType_WithIn: _ClassVar[OptionCondType]
    OptionCondType_Outside: _ClassVar[OptionCondType]
OptionCondType_Unknow: OptionCondType
OptionCondType_WithIn: OptionCondType
OptionCondType_Outside: OptionCondType

class DataFilter(_message.Message):
    __slots__ = ("impliedVolatilityMin", "impliedVolatilityMax", "deltaMin", "deltaMax", "gammaMin", "gammaMax", "vegaMin", "vegaMax", "thetaMin", "thetaMax", "rhoMin", "rhoMax", "netOpenInterestMin", "netOpenInterestMax", "openInterestMin", "openInterestMax", "volMin", "volMax")
    IMPLIEDVOLATILITYMIN_FIELD_NUMBER: _ClassVar[int]
    IMPLIEDVOLATILITYMAX_FIELD_NUMBER: _ClassVar[int]
    DELTAMIN_FIELD_NUMBER: _ClassVar[int]
    DELTAMAX_FIELD_NUMBER: _ClassVar[int]
    GAMMAMIN_FIELD_NUMBER: _ClassVar[int]
    GAMMAMAX_FIELD_NUMBER: _ClassVar[int]
    VEGAMIN_FIELD_NUMBER: _ClassVar[int]
    VEGAMAX_FIELD_NUMBER: _ClassVar[int]
    THETAMIN_FIELD_NUMBER: _ClassVar[int]
    THETAMAX_FIELD_NUMBER: _ClassVar[int]
    RHOMIN_FIELD_NUMBER: _ClassVar[int]
    RHOMAX_FIELD_NUMBER: _ClassVar[int]
    NETOPENINTERESTMIN_FIELD_NUMBER: _ClassVar[int]
    NETOPENINTERESTMAX_FIELD_NUMBER: _ClassVar[int]
    OPENINTERESTMIN_FIELD_NUMBER: _ClassVar[int]
    OPENINTERESTMAX_FIELD_NUMBER: _ClassVar[int]
    VOLMIN_FIELD_NUMBER: _ClassVar[int]
    VOLMAX_FIELD_NUMBER: _ClassVar[int]
    impliedVolatilityMin: float
    impliedVolatilityMax: float
    deltaMin: float
    deltaMax: float
    gammaMin: float
    gammaMax: float
    vegaMin: float
    vegaMax: float
    thetaMin: float
    thetaMax: float
    rhoMin: float
    rhoMax: float
    netOpenInterestMin: float
    netOpenInterestMax: float
    openInterestMin: float
    openInterestMax: float
    volMin: float
    volMax: float
    def __init__(self, impliedVolatilityMin: _Optional[float] = ..., impliedVolatilityMax: _Optional[float] = ..., deltaMin: _Optional[float] = ..., deltaMax: _Optional[float] = ..., gammaMin: _Optional[float] = ..., gammaMax: _Optional[float] = ..., vegaMin: _Optional[float] = ..., vegaMax: _Optional[float] = ..., thetaMin: _Optional[float] = ..., thetaMax: _Optional[float] = ..., rhoMin: _Optional[float] = ..., rhoMax: _Optional[float] = ..., netOpenInterestMin: _Optional[float] = ..., netOpenInterestMax: _Optional[float] = ..., openInterestMin: _Optional[float] = ..., openInterestMax: _Optional[float] = ..., volMin: _Optional[float] = ..., volMax: _Optional[float] = ...) -> None: ...

class C2S(_message.Message):
    __slots__ = ("owner", "indexOptionType", "type", "condition", "beginTime", "endTime", "dataFilter", "header")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    INDEXOPTIONTYPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    BEGINTIME_FIELD_NUMBER: _ClassVar[int]
    ENDTIME_FIELD_NUMBER: _ClassVar[int]
    DATAFILTER_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    owner: _Qot_Common_pb2.Security
    indexOptionType: int
    type: int
    condition: int
    beginTime: str
    endTime: str
    dataFilter: DataFilter
    header: _Qot_Common_pb2.QotHeader
    def __init__(self, owner: _Optional[_Union[_Qot_Common_pb2.Security, _Mapping]] = ..., indexOptionType: _Optional[int] = ..., type: _Optional[int] = ..., condition: _Optional[int] = ..., beginTime: _Optional[str] = ..., endTime: _Optional[str] = ..., dataFilter: _Optional[_Union[DataFilter, _Mapping]] = ..., header: _Optional[_Union[_Qot_Common_pb2.QotHeader, _Mapping]] = ...) -> None: ...

class OptionItem(_message.Message):
    __slots__ = ("call", "put")
    CALL_FIELD_NUMBER: _ClassVar[int]
    PUT_FIELD_NUMBER: _ClassVar[int]
    call: _Qot_Common_pb2.SecurityStaticInfo
    put: _Qot_Common_pb2.SecurityStaticInfo
    def __init__(self, call: _Optional[_Union[_Qot_Common_pb2.SecurityStaticInfo, _Mapping]] = ..., put: _Optional[_Union[_Qot_Common_pb2.SecurityStaticInfo, _Mapping]] = ...) -> None: ...

class OptionChain(_message.Message):
    __slots__ = ("strikeTime", "option", "strikeTimestamp")
    STRIKETIME_FIELD_NUMBER: _ClassVar[int]
    OPTION_FIELD_NUMBER: _ClassVar[int]
    STRIKETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    strikeTime: str
    option: _containers.RepeatedCompositeFieldContainer[OptionItem]
    strikeTimestamp: float
    def __init__(self, strikeTime: _Optional[str] = ..., option: _Optional[_Iterable[_Union[OptionItem, _Mapping]]] = ..., strikeTimestamp: _Optional[float] = ...) -> None: ...

class S2C(_message.Message):
    __slots__ = ("optionChain",)
    OPTIONCHAIN_FIELD_NUMBER: _ClassVar[int]
    optionChain: _containers.RepeatedCompositeFieldContainer[OptionChain]
    def __init__(self, optionChain: _Optional[_Iterable[_Union[OptionChain, _Mapping]]] = ...) -> None: ...

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
