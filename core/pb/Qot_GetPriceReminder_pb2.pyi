from opendeck.core.pb import Qot_Common_pb2 as _Qot_Common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PriceReminderItem(_message.Message):
    __slots__ = ("key", "type", "value", "note", "freq", "isEnable", "reminderSessionList")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    FREQ_FIELD_NUMBER: _ClassVar[int]
    ISENABLE_FIELD_NUMBER: _ClassVar[int]
    REMINDERSESSIONLIST_FIELD_NUMBER: _ClassVar[int]
    key: int
    type: int
    value: float
    note: str
    freq: int
    isEnable: bool
    reminderSessionList: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, key: _Optional[int] = ..., type: _Optional[int] = ..., value: _Optional[float] = ..., note: _Optional[str] = ..., freq: _Optional[int] = ..., isEnable: _Optional[bool] = ..., reminderSessionList: _Optional[_Iterable[int]] = ...) -> None: ...

class PriceReminder(_message.Message):
    __slots__ = ("security", "name", "itemList")
    SECURITY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ITEMLIST_FIELD_NUMBER: _ClassVar[int]
    security: _Qot_Common_pb2.Security
    name: str
    itemList: _containers.RepeatedCompositeFieldContainer[PriceReminderItem]
    def __init__(self, security: _Optional[_Union[_Qot_Common_pb2.Security, _Mapping]] = ..., name: _Optional[str] = ..., itemList: _Optional[_Iterable[_Union[PriceReminderItem, _Mapping]]] = ...) -> None: ...

class C2S(_message.Message):
    __slots__ = ("security", "market", "header")
    SECURITY_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    security: _Qot_Common_pb2.Security
    market: int
    header: _Qot_Common_pb2.QotHeader
    def __init__(self, security: _Optional[_Union[_Qot_Common_pb2.Security, _Mapping]] = ..., market: _Optional[int] = ..., header: _Optional[_Union[_Qot_Common_pb2.QotHeader, _Mapping]] = ...) -> None: ...

class S2C(_message.Message):
    __slots__ = ("priceReminderList",)
    PRICEREMINDERLIST_FIELD_NUMBER: _ClassVar[int]
    priceReminderList: _containers.RepeatedCompositeFieldContainer[PriceReminder]
    def __init__(self, priceReminderList: _Optional[_Iterable[_Union[PriceReminder, _Mapping]]] = ...) -> None: ...

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
