from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class C2S(_message.Message):
    __slots__ = ("IP", "Port", "RSAPrivateKey", "websocketKey", "clientID", "programmingLanguage")
    IP_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    RSAPRIVATEKEY_FIELD_NUMBER: _ClassVar[int]
    WEBSOCKETKEY_FIELD_NUMBER: _ClassVar[int]
    CLIENTID_FIELD_NUMBER: _ClassVar[int]
    PROGRAMMINGLANGUAGE_FIELD_NUMBER: _ClassVar[int]
    IP: str
    Port: int
    RSAPrivateKey: str
    websocketKey: str
    clientID: str
    programmingLanguage: str
    def __init__(self, IP: _Optional[str] = ..., Port: _Optional[int] = ..., RSAPrivateKey: _Optional[str] = ..., websocketKey: _Optional[str] = ..., clientID: _Optional[str] = ..., programmingLanguage: _Optional[str] = ...) -> None: ...

class S2C(_message.Message):
    __slots__ = ("serverTime", "connID")
    SERVERTIME_FIELD_NUMBER: _ClassVar[int]
    CONNID_FIELD_NUMBER: _ClassVar[int]
    serverTime: int
    connID: int
    def __init__(self, serverTime: _Optional[int] = ..., connID: _Optional[int] = ...) -> None: ...

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
