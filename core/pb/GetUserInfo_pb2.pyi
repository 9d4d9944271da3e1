from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserInfoField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UserInfoField_Basic: _ClassVar[UserInfoField]
    UserInfoField_API: _ClassVar[UserInfoField]
    UserInfoField_QotRight: _ClassVar[UserInfoField]
    UserInfoField_Disclaimer: _ClassVar[UserInfoField]
    UserInfoField_Update: _ClassVar[UserInfoField]
    UserInfoField_WebKey: _ClassVar[UserInfoField]
UserInfoField_Basic: UserInfoField
UserInfoField_API: UserInfoField
UserInfoField_QotRight: UserInfoField
UserInfoField_Disclaimer: UserInfoField
UserInfoField_Update: UserInfoField
UserInfoField_WebKey: UserInfoField

class C2S(_message.Message):
    __slots__ = ("flag",)
    FLAG_FIELD_NUMBER: _ClassVar[int]
    flag: int
    def __init__(self, flag: _Optional[int] = ...) -> None: ...

class S2C(_message.Message):
    __slots__ = ("nickName", "avatarUrl", "apiLevel", "hkQotRight", "usQotRight", "cnQotRight", "isNeedAgreeDisclaimer", "userID", "updateType", "webKey", "hkOptionQotRight", "hasUSOptionQotRight", "hkFutureQotRight", "subQuota", "historyKLQuota", "usFutureQotRight", "usOptionQotRight", "webJumpUrlHead", "userAttribution", "updateWhatsNew", "isAppNNOrMM")
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    AVATARURL_FIELD_NUMBER: _ClassVar[int]
    APILEVEL_FIELD_NUMBER: _ClassVar[int]
    HKQOTRIGHT_FIELD_NUMBER: _ClassVar[int]
    USQOTRIGHT_FIELD_NUMBER: _ClassVar[int]
    CNQOTRIGHT_FIELD_NUMBER: _ClassVar[int]
    ISNEEDAGREEDISCLAIMER_FIELD_NUMBER: _ClassVar[int]
    USERID_FIELD_NUMBER: _ClassVar[int]
    UPDATETYPE_FIELD_NUMBER: _ClassVar[int]
    WEBKEY_FIELD_NUMBER: _ClassVar[int]
    HKOPTIONQOTRIGHT_FIELD_NUMBER: _ClassVar[int]
    HASUSOPTIONQOTRIGHT_FIELD_NUMBER: _ClassVar[int]
    HKFUTUREQOTRIGHT_FIELD_NUMBER: _ClassVar[int]
    SUBQUOTA_FIELD_NUMBER: _ClassVar[int]
    HISTORYKLQUOTA_FIELD_NUMBER: _ClassVar[int]
    USFUTUREQOTRIGHT_FIELD_NUMBER: _ClassVar[int]
    USOPTIONQOTRIGHT_FIELD_NUMBER: _ClassVar[int]
    WEBJUMPURLHEAD_FIELD_NUMBER: _ClassVar[int]
    USERATTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    UPDATEWHATSNEW_FIELD_NUMBER: _ClassVar[int]
    ISAPPNNORMM_FIELD_NUMBER: _ClassVar[int]
    nickName: str
    avatarUrl: str
    apiLevel: str
    hkQotRight: int
    usQotRight: int
    cnQotRight: int
    isNeedAgreeDisclaimer: bool
    userID: int
    updateType: int
    webKey: str
    hkOptionQotRight: int
    hasUSOptionQotRight: bool
    hkFutureQotRight: int
    subQuota: int
    historyKLQuota: int
    usFutureQotRight: int
    usOptionQotRight: int
    webJumpUrlHead: str
    userAttribution: int
    updateWhatsNew: str
    isAppNNOrMM: bool
    def __init__(self, nickName: _Optional[str] = ..., avatarUrl: _Optional[str] = ..., apiLevel: _Optional[str] = ..., hkQotRight: _Optional[int] = ..., usQotRight: _Optional[int] = ..., cnQotRight: _Optional[int] = ..., isNeedAgreeDisclaimer: _Optional[bool] = ..., userID: _Optional[int] = ..., updateType: _Optional[int] = ..., webKey: _Optional[str] = ..., hkOptionQotRight: _Optional[int] = ..., hasUSOptionQotRight: _Optional[bool] = ..., hkFutureQotRight: _Optional[int] = ..., subQuota: _Optional[int] = ..., historyKLQuota: _Optional[int] = ..., usFutureQotRight: _Optional[int] = ..., usOptionQotRight: _Optional[int] = ..., webJumpUrlHead: _Optional[str] = ..., userAttribution: _Optional[int] = ..., updateWhatsNew: _Optional[str] = ..., isAppNNOrMM: _Optional[bool] = ...) -> None: ...

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
