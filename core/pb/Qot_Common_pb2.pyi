from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QotMarket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QotMarket_Unknown: _ClassVar[QotMarket]
    QotMarket_HK_Security: _ClassVar[QotMarket]
    QotMarket_HK_Future: _ClassVar[QotMarket]
    QotMarket_US_Security: _ClassVar[QotMarket]
    QotMarket_CNSH: _ClassVar[QotMarket]
    QotMarket_CNSZ: _ClassVar[QotMarket]
    QotMarket_SG: _ClassVar[QotMarket]
    QotMarket_JP: _ClassVar[QotMarket]
    QotMarket_AU: _ClassVar[QotMarket]
    QotMarket_MY: _ClassVar[QotMarket]
    QotMarket_CA: _ClassVar[QotMarket]
    QotMarket_FX: _ClassVar[QotMarket]
    QotMarket_CC: _ClassVar[QotMarket]
    QotMarket_EventContract: _ClassVar[QotMarket]

class SubType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SubType_None: _ClassVar[SubType]
    SubType_Basic: _ClassVar[SubType]
    SubType_OrderBook: _ClassVar[SubType]
    SubType_Ticker: _ClassVar[SubType]
    SubType_RT: _ClassVar[SubType]
    SubType_KL_Day: _ClassVar[SubType]
    SubType_KL_5Min: _ClassVar[SubType]
    SubType_KL_15Min: _ClassVar[SubType]
    SubType_KL_30Min: _ClassVar[SubType]
    SubType_KL_60Min: _ClassVar[SubType]
    SubType_KL_1Min: _ClassVar[SubType]
    SubType_KL_Week: _ClassVar[SubType]
    SubType_KL_Month: _ClassVar[SubType]
    SubType_Broker: _ClassVar[SubType]
    SubType_KL_Qurater: _ClassVar[SubType]
    SubType_KL_Year: _ClassVar[SubType]
    SubType_KL_3Min: _ClassVar[SubType]
    SubType_KL_10Min: _ClassVar[SubType]
    SubType_KL_120Min: _ClassVar[SubType]
    SubType_KL_180Min: _ClassVar[SubType]
    SubType_KL_240Min: _ClassVar[SubType]
    SubType_OrderBook_Odd: _ClassVar[SubType]

class KLType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KLType_1Min: _ClassVar[KLType]
    KLType_Day: _ClassVar[KLType]
    KLType_Week: _ClassVar[KLType]
    KLType_Month: _ClassVar[KLType]
    KLType_Year: _ClassVar[KLType]
    KLType_5Min: _ClassVar[KLType]
    KLType_15Min: _ClassVar[KLType]
    KLType_30Min: _ClassVar[KLType]
    KLType_60Min: _ClassVar[KLType]
    KLType_3Min: _ClassVar[KLType]
    KLType_Quarter: _ClassVar[KLType]
    KLType_10Min: _ClassVar[KLType]
    KLType_120Min: _ClassVar[KLType]
    KLType_180Min: _ClassVar[KLType]
    KLType_240Min: _ClassVar[KLType]

class RehabType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RehabType_None: _ClassVar[RehabType]
    RehabType_Forward: _ClassVar[RehabType]
    RehabType_Backward: _ClassVar[RehabType]

class QotMarketState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QotMarketState_None: _ClassVar[QotMarketState]
    QotMarketState_Auction: _ClassVar[QotMarketState]
    QotMarketState_WaitingOpen: _ClassVar[QotMarketState]
    QotMarketState_Morning: _ClassVar[QotMarketState]
    QotMarketState_Rest: _ClassVar[QotMarketState]
    QotMarketState_Afternoon: _ClassVar[QotMarketState]
    QotMarketState_Closed: _ClassVar[QotMarketState]
    QotMarketState_PreHoursBegin: _ClassVar[QotMarketState]
    QotMarketState_PreHoursEnd: _ClassVar[QotMarketState]
    QotMarketState_AfterHoursBegin: _ClassVar[QotMarketState]
    QotMarketState_AfterHoursEnd: _ClassVar[QotMarketState]
    QotMarketState_FUTU_SWITCH_DATE: _ClassVar[QotMarketState]
    QotMarketState_CLOSE_AUCTION: _ClassVar[QotMarketState]
    QotMarketState_AFTERNOON_END: _ClassVar[QotMarketState]
    QotMarketState_NIGHT: _ClassVar[QotMarketState]
    QotMarketState_OVERNIGHT_BEGIN: _ClassVar[QotMarketState]
    QotMarketState_OVERNIGHT_END: _ClassVar[QotMarketState]
    QotMarketState_TRADE_AT_LAST: _ClassVar[QotMarketState]
    QotMarketState_TRADE_AUCTION: _ClassVar[QotMarketState]
    QotMarketState_OVERNIGHT: _ClassVar[QotMarketState]

class TickerDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TickerDirection_Unknown: _ClassVar[TickerDirection]
    TickerDirection_Bid: _ClassVar[TickerDirection]
    TickerDirection_Ask: _ClassVar[TickerDirection]
    TickerDirection_Neutral: _ClassVar[TickerDirection]

class PushDataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PushDataType_Unknow: _ClassVar[PushDataType]
    PushDataType_Realtime: _ClassVar[PushDataType]
    PushDataType_ByDisConn: _ClassVar[PushDataType]
    PushDataType_Cache: _ClassVar[PushDataType]

class QotRight(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QotRight_Unknow: _ClassVar[QotRight]
    QotRight_Bmp: _ClassVar[QotRight]
    QotRight_Level1: _ClassVar[QotRight]
    QotRight_Level2: _ClassVar[QotRight]
    QotRight_SF: _ClassVar[QotRight]
    QotRight_No: _ClassVar[QotRight]
    QotRight_Level3: _ClassVar[QotRight]
QotMarket_Unknown: QotMarket
QotMarket_HK_Security: QotMarket
QotMarket_HK_Future: QotMarket
QotMarket_US_Security: QotMarket
QotMarket_CNSH: QotMarket
QotMarket_CNSZ: QotMarket
QotMarket_SG: QotMarket
QotMarket_JP: QotMarket
QotMarket_AU: QotMarket
QotMarket_MY: QotMarket
QotMarket_CA: QotMarket
QotMarket_FX: QotMarket
QotMarket_CC: QotMarket
QotMarket_EventContract: QotMarket
SubType_None: SubType
SubType_Basic: SubType
SubType_OrderBook: SubType
SubType_Ticker: SubType
SubType_RT: SubType
SubType_KL_Day: SubType
SubType_KL_5Min: SubType
SubType_KL_15Min: SubType
SubType_KL_30Min: SubType
SubType_KL_60Min: SubType
SubType_KL_1Min: SubType
SubType_KL_Week: SubType
SubType_KL_Month: SubType
SubType_Broker: SubType
SubType_KL_Qurater: SubType
SubType_KL_Year: SubType
SubType_KL_3Min: SubType
SubType_KL_10Min: SubType
SubType_KL_120Min: SubType
SubType_KL_180Min: SubType
SubType_KL_240Min: SubType
SubType_OrderBook_Odd: SubType
KLType_1Min: KLType
KLType_Day: KLType
KLType_Week: KLType
KLType_Month: KLType
KLType_Year: KLType
KLType_5Min: KLType
KLType_15Min: KLType
KLType_30Min: KLType
KLType_60Min: KLType
KLType_3Min: KLType
KLType_Quarter: KLType
KLType_10Min: KLType
KLType_120Min: KLType
KLType_180Min: KLType
KLType_240Min: KLType
RehabType_None: RehabType
RehabType_Forward: RehabType
RehabType_Backward: RehabType
QotMarketState_None: QotMarketState
QotMarketState_Auction: QotMarketState
QotMarketState_WaitingOpen: QotMarketState
QotMarketState_Morning: QotMarketState
QotMarketState_Rest: QotMarketState
QotMarketState_Afternoon: QotMarketState
QotMarketState_Closed: QotMarketState
QotMarketState_PreHoursBegin: QotMarketState
QotMarketState_PreHoursEnd: QotMarketState
QotMarketState_AfterHoursBegin: QotMarketState
QotMarketState_AfterHoursEnd: QotMarketState
QotMarketState_FUTU_SWITCH_DATE: QotMarketState
QotMarketState_CLOSE_AUCTION: QotMarketState
QotMarketState_AFTERNOON_END: QotMarketState
QotMarketState_NIGHT: QotMarketState
QotMarketState_OVERNIGHT_BEGIN: QotMarketState
QotMarketState_OVERNIGHT_END: QotMarketState
QotMarketState_TRADE_AT_LAST: QotMarketState
QotMarketState_TRADE_AUCTION: QotMarketState
QotMarketState_OVERNIGHT: QotMarketState
TickerDirection_Unknown: TickerDirection
TickerDirection_Bid: TickerDirection
TickerDirection_Ask: TickerDirection
TickerDirection_Neutral: TickerDirection
PushDataType_Unknow: PushDataType
PushDataType_Realtime: PushDataType
PushDataType_ByDisConn: PushDataType
PushDataType_Cache: PushDataType
QotRight_Unknow: QotRight
QotRight_Bmp: QotRight
QotRight_Level1: QotRight
QotRight_Level2: QotRight
QotRight_SF: QotRight
QotRight_No: QotRight
QotRight_Level3: QotRight

class QotHeader(_message.Message):
    __slots__ = ("securityFirm",)
    SECURITYFIRM_FIELD_NUMBER: _ClassVar[int]
    securityFirm: int
    def __init__(self, securityFirm: _Optional[int] = ...) -> None: ...

class Security(_message.Message):
    __slots__ = ("market", "code")
    MARKET_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    market: int
    code: str
    def __init__(self, market: _Optional[int] = ..., code: _Optional[str] = ...) -> None: ...

class BasicQot(_message.Message):
    __slots__ = ("security", "isSuspended", "listTime", "priceSpread", "updateTime", "highPrice", "openPrice", "lowPrice", "curPrice", "lastClosePrice", "volume", "turnover", "turnoverRate", "amplitude", "darkStatus", "listTimestamp", "updateTimestamp", "secStatus", "name", "hpVolume")
    SECURITY_FIELD_NUMBER: _ClassVar[int]
    ISSUSPENDED_FIELD_NUMBER: _ClassVar[int]
    LISTTIME_FIELD_NUMBER: _ClassVar[int]
    PRICESPREAD_FIELD_NUMBER: _ClassVar[int]
    UPDATETIME_FIELD_NUMBER: _ClassVar[int]
    HIGHPRICE_FIELD_NUMBER: _ClassVar[int]
    OPENPRICE_FIELD_NUMBER: _ClassVar[int]
    LOWPRICE_FIELD_NUMBER: _ClassVar[int]
    CURPRICE_FIELD_NUMBER: _ClassVar[int]
    LASTCLOSEPRICE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    TURNOVER_FIELD_NUMBER: _ClassVar[int]
    TURNOVERRATE_FIELD_NUMBER: _ClassVar[int]
    AMPLITUDE_FIELD_NUMBER: _ClassVar[int]
    DARKSTATUS_FIELD_NUMBER: _ClassVar[int]
    LISTTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    UPDATETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SECSTATUS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    HPVOLUME_FIELD_NUMBER: _ClassVar[int]
    security: Security
    isSuspended: bool
    listTime: str
    priceSpread: float
    updateTime: str
    highPrice: float
    openPrice: float
    lowPrice: float
    curPrice: float
    lastClosePrice: float
    volume: int
    turnover: float
    turnoverRate: float
    amplitude: float
    darkStatus: int
    listTimestamp: float
    updateTimestamp: float
    secStatus: int
    name: str
    hpVolume: float
    def __init__(self, security: _Optional[_Union[Security, _Mapping]] = ..., isSuspended: _Optional[bool] = ..., listTime: _Optional[str] = ..., priceSpread: _Optional[float] = ..., updateTime: _Optional[str] = ..., highPrice: _Optional[float] = ..., openPrice: _Optional[float] = ..., lowPrice: _Optional[float] = ..., curPrice: _Optional[float] = ..., lastClosePrice: _Optional[float] = ..., volume: _Optional[int] = ..., turnover: _Optional[float] = ..., turnoverRate: _Optional[float] = ..., amplitude: _Optional[float] = ..., darkStatus: _Optional[int] = ..., listTimestamp: _Optional[float] = ..., updateTimestamp: _Optional[float] = ..., secStatus: _Optional[int] = ..., name: _Optional[str] = ..., hpVolume: _Optional[float] = ...) -> None: ...

class Ticker(_message.Message):
    __slots__ = ("time", "sequence", "dir", "price", "volume", "turnover", "recvTime", "type", "typeSign", "pushDataType", "timestamp", "hpVolume")
    TIME_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DIR_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    TURNOVER_FIELD_NUMBER: _ClassVar[int]
    RECVTIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TYPESIGN_FIELD_NUMBER: _ClassVar[int]
    PUSHDATATYPE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    HPVOLUME_FIELD_NUMBER: _ClassVar[int]
    time: str
    sequence: int
    dir: int
    price: float
    volume: int
    turnover: float
    recvTime: float
    type: int
    typeSign: int
    pushDataType: int
    timestamp: float
    hpVolume: float
    def __init__(self, time: _Optional[str] = ..., sequence: _Optional[int] = ..., dir: _Optional[int] = ..., price: _Optional[float] = ..., volume: _Optional[int] = ..., turnover: _Optional[float] = ..., recvTime: _Optional[float] = ..., type: _Optional[int] = ..., typeSign: _Optional[int] = ..., pushDataType: _Optional[int] = ..., timestamp: _Optional[float] = ..., hpVolume: _Optional[float] = ...) -> None: ...

class OrderBookDetail(_message.Message):
    __slots__ = ("orderID", "volume")
    ORDERID_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    orderID: int
    volume: int
    def __init__(self, orderID: _Optional[int] = ..., volume: _Optional[int] = ...) -> None: ...

class OrderBook(_message.Message):
    __slots__ = ("price", "volume", "orederCount", "detailList", "hpVolume")
    PRICE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    OREDERCOUNT_FIELD_NUMBER: _ClassVar[int]
    DETAILLIST_FIELD_NUMBER: _ClassVar[int]
    HPVOLUME_FIELD_NUMBER: _ClassVar[int]
    price: float
    volume: int
    orederCount: int
    detailList: _containers.RepeatedCompositeFieldContainer[OrderBookDetail]
    hpVolume: float
    def __init__(self, price: _Optional[float] = ..., volume: _Optional[int] = ..., orederCount: _Optional[int] = ..., detailList: _Optional[_Iterable[_Union[OrderBookDetail, _Mapping]]] = ..., hpVolume: _Optional[float] = ...) -> None: ...

class KLine(_message.Message):
    __slots__ = ("time", "isBlank", "highPrice", "openPrice", "lowPrice", "closePrice", "lastClosePrice", "volume", "turnover", "turnoverRate", "pe", "changeRate", "timestamp", "hpVolume")
    TIME_FIELD_NUMBER: _ClassVar[int]
    ISBLANK_FIELD_NUMBER: _ClassVar[int]
    HIGHPRICE_FIELD_NUMBER: _ClassVar[int]
    OPENPRICE_FIELD_NUMBER: _ClassVar[int]
    LOWPRICE_FIELD_NUMBER: _ClassVar[int]
    CLOSEPRICE_FIELD_NUMBER: _ClassVar[int]
    LASTCLOSEPRICE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    TURNOVER_FIELD_NUMBER: _ClassVar[int]
    TURNOVERRATE_FIELD_NUMBER: _ClassVar[int]
    PE_FIELD_NUMBER: _ClassVar[int]
    CHANGERATE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    HPVOLUME_FIELD_NUMBER: _ClassVar[int]
    time: str
    isBlank: bool
    highPrice: float
    openPrice: float
    lowPrice: float
    closePrice: float
    lastClosePrice: float
    volume: int
    turnover: float
    turnoverRate: float
    pe: float
    changeRate: float
    timestamp: float
    hpVolume: float
    def __init__(self, time: _Optional[str] = ..., isBlank: _Optional[bool] = ..., highPrice: _Optional[float] = ..., openPrice: _Optional[float] = ..., lowPrice: _Optional[float] = ..., closePrice: _Optional[float] = ..., lastClosePrice: _Optional[float] = ..., volume: _Optional[int] = ..., turnover: _Optional[float] = ..., turnoverRate: _Optional[float] = ..., pe: _Optional[float] = ..., changeRate: _Optional[float] = ..., timestamp: _Optional[float] = ..., hpVolume: _Optional[float] = ...) -> None: ...

class TimeShare(_message.Message):
    __slots__ = ("time", "minute", "isBlank", "price", "lastClosePrice", "avgPrice", "volume", "turnover", "timestamp", "hpVolume")
    TIME_FIELD_NUMBER: _ClassVar[int]
    MINUTE_FIELD_NUMBER: _ClassVar[int]
    ISBLANK_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    LASTCLOSEPRICE_FIELD_NUMBER: _ClassVar[int]
    AVGPRICE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    TURNOVER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    HPVOLUME_FIELD_NUMBER: _ClassVar[int]
    time: str
    minute: int
    isBlank: bool
    price: float
    lastClosePrice: float
    avgPrice: float
    volume: int
    turnover: float
    timestamp: float
    hpVolume: float
    def __init__(self, time: _Optional[str] = ..., minute: _Optional[int] = ..., isBlank: _Optional[bool] = ..., price: _Optional[float] = ..., lastClosePrice: _Optional[float] = ..., avgPrice: _Optional[float] = ..., volume: _Optional[int] = ..., turnover: _Optional[float] = ..., timestamp: _Optional[float] = ..., hpVolume: _Optional[float] = ...) -> None: ...

class Broker(_message.Message):
    __slots__ = ("id", "name", "pos", "orderID", "volume")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POS_FIELD_NUMBER: _ClassVar[int]
    ORDERID_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    pos: int
    orderID: int
    volume: int
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., pos: _Optional[int] = ..., orderID: _Optional[int] = ..., volume: _Optional[int] = ...) -> None: ...

class SubInfo(_message.Message):
    __slots__ = ("subType", "securityList")
    SUBTYPE_FIELD_NUMBER: _ClassVar[int]
    SECURITYLIST_FIELD_NUMBER: _ClassVar[int]
    subType: int
    securityList: _containers.RepeatedCompositeFieldContainer[Security]
    def __init__(self, subType: _Optional[int] = ..., securityList: _Optional[_Iterable[_Union[Security, _Mapping]]] = ...) -> None: ...

class ConnSubInfo(_message.Message):
    __slots__ = ("subInfoList", "usedQuota", "isOwnConnData", "securityFirm", "optionUsedQuota")
    SUBINFOLIST_FIELD_NUMBER: _ClassVar[int]
    USEDQUOTA_FIELD_NUMBER: _ClassVar[int]
    ISOWNCONNDATA_FIELD_NUMBER: _ClassVar[int]
    SECURITYFIRM_FIELD_NUMBER: _ClassVar[int]
    OPTIONUSEDQUOTA_FIELD_NUMBER: _ClassVar[int]
    subInfoList: _containers.RepeatedCompositeFieldContainer[SubInfo]
    usedQuota: int
    isOwnConnData: bool
    securityFirm: int
    optionUsedQuota: int
    def __init__(self, subInfoList: _Optional[_Iterable[_Union[SubInfo, _Mapping]]] = ..., usedQuota: _Optional[int] = ..., isOwnConnData: _Optional[bool] = ..., securityFirm: _Optional[int] = ..., optionUsedQuota: _Optional[int] = ...) -> None: ...
