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

class SecurityType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SecurityType_Unknown: _ClassVar[SecurityType]
    SecurityType_Bond: _ClassVar[SecurityType]
    SecurityType_Bwrt: _ClassVar[SecurityType]
    SecurityType_Eqty: _ClassVar[SecurityType]
    SecurityType_Trust: _ClassVar[SecurityType]
    SecurityType_Warrant: _ClassVar[SecurityType]
    SecurityType_Index: _ClassVar[SecurityType]
    SecurityType_Plate: _ClassVar[SecurityType]
    SecurityType_Drvt: _ClassVar[SecurityType]
    SecurityType_PlateSet: _ClassVar[SecurityType]
    SecurityType_Future: _ClassVar[SecurityType]
    SecurityType_Forex: _ClassVar[SecurityType]
    SecurityType_Crypto: _ClassVar[SecurityType]

class PlateSetType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PlateSetType_All: _ClassVar[PlateSetType]
    PlateSetType_Industry: _ClassVar[PlateSetType]
    PlateSetType_Region: _ClassVar[PlateSetType]
    PlateSetType_Concept: _ClassVar[PlateSetType]
    PlateSetType_Other: _ClassVar[PlateSetType]

class WarrantType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WarrantType_Unknown: _ClassVar[WarrantType]
    WarrantType_Buy: _ClassVar[WarrantType]
    WarrantType_Sell: _ClassVar[WarrantType]
    WarrantType_Bull: _ClassVar[WarrantType]
    WarrantType_Bear: _ClassVar[WarrantType]
    WarrantType_InLine: _ClassVar[WarrantType]

class OptionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OptionType_Unknown: _ClassVar[OptionType]
    OptionType_Call: _ClassVar[OptionType]
    OptionType_Put: _ClassVar[OptionType]

class TradeDateMarket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TradeDateMarket_Unknown: _ClassVar[TradeDateMarket]
    TradeDateMarket_HK: _ClassVar[TradeDateMarket]
    TradeDateMarket_US: _ClassVar[TradeDateMarket]
    TradeDateMarket_CN: _ClassVar[TradeDateMarket]
    TradeDateMarket_NT: _ClassVar[TradeDateMarket]
    TradeDateMarket_ST: _ClassVar[TradeDateMarket]
    TradeDateMarket_JP_Future: _ClassVar[TradeDateMarket]
    TradeDateMarket_SG_Future: _ClassVar[TradeDateMarket]
    TradeDateMarket_SG: _ClassVar[TradeDateMarket]
    TradeDateMarket_MY: _ClassVar[TradeDateMarket]
    TradeDateMarket_JP: _ClassVar[TradeDateMarket]

class TradeDateType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TradeDateType_Whole: _ClassVar[TradeDateType]
    TradeDateType_Morning: _ClassVar[TradeDateType]
    TradeDateType_Afternoon: _ClassVar[TradeDateType]

class SecurityStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SecurityStatus_Unknown: _ClassVar[SecurityStatus]
    SecurityStatus_Normal: _ClassVar[SecurityStatus]
    SecurityStatus_Listing: _ClassVar[SecurityStatus]
    SecurityStatus_Purchasing: _ClassVar[SecurityStatus]
    SecurityStatus_Subscribing: _ClassVar[SecurityStatus]
    SecurityStatus_BeforeDrakTradeOpening: _ClassVar[SecurityStatus]
    SecurityStatus_DrakTrading: _ClassVar[SecurityStatus]
    SecurityStatus_DrakTradeEnd: _ClassVar[SecurityStatus]
    SecurityStatus_ToBeOpen: _ClassVar[SecurityStatus]
    SecurityStatus_Suspended: _ClassVar[SecurityStatus]
    SecurityStatus_Called: _ClassVar[SecurityStatus]
    SecurityStatus_ExpiredLastTradingDate: _ClassVar[SecurityStatus]
    SecurityStatus_Expired: _ClassVar[SecurityStatus]
    SecurityStatus_Delisted: _ClassVar[SecurityStatus]
    SecurityStatus_ChangeToTemporaryCode: _ClassVar[SecurityStatus]
    SecurityStatus_TemporaryCodeTradeEnd: _ClassVar[SecurityStatus]
    SecurityStatus_ChangedPlateTradeEnd: _ClassVar[SecurityStatus]
    SecurityStatus_ChangedCodeTradeEnd: _ClassVar[SecurityStatus]
    SecurityStatus_RecoverableCircuitBreaker: _ClassVar[SecurityStatus]
    SecurityStatus_UnRecoverableCircuitBreaker: _ClassVar[SecurityStatus]
    SecurityStatus_AfterCombination: _ClassVar[SecurityStatus]
    SecurityStatus_AfterTransation: _ClassVar[SecurityStatus]

class CompanyAct(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CompanyAct_None: _ClassVar[CompanyAct]
    CompanyAct_Split: _ClassVar[CompanyAct]
    CompanyAct_Join: _ClassVar[CompanyAct]
    CompanyAct_Bonus: _ClassVar[CompanyAct]
    CompanyAct_Transfer: _ClassVar[CompanyAct]
    CompanyAct_Allot: _ClassVar[CompanyAct]
    CompanyAct_Add: _ClassVar[CompanyAct]
    CompanyAct_Dividend: _ClassVar[CompanyAct]
    CompanyAct_SPDividend: _ClassVar[CompanyAct]
    CompanyAct_SpinOff: _ClassVar[CompanyAct]

class ExchType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ExchType_Unknown: _ClassVar[ExchType]
    ExchType_HK_MainBoard: _ClassVar[ExchType]
    ExchType_HK_GEMBoard: _ClassVar[ExchType]
    ExchType_HK_HKEX: _ClassVar[ExchType]
    ExchType_US_NYSE: _ClassVar[ExchType]
    ExchType_US_Nasdaq: _ClassVar[ExchType]
    ExchType_US_Pink: _ClassVar[ExchType]
    ExchType_US_AMEX: _ClassVar[ExchType]
    ExchType_US_Option: _ClassVar[ExchType]
    ExchType_US_NYMEX: _ClassVar[ExchType]
    ExchType_US_COMEX: _ClassVar[ExchType]
    ExchType_US_CBOT: _ClassVar[ExchType]
    ExchType_US_CME: _ClassVar[ExchType]
    ExchType_US_CBOE: _ClassVar[ExchType]
    ExchType_CN_SH: _ClassVar[ExchType]
    ExchType_CN_SZ: _ClassVar[ExchType]
    ExchType_CN_STIB: _ClassVar[ExchType]
    ExchType_SG_SGX: _ClassVar[ExchType]
    ExchType_JP_OSE: _ClassVar[ExchType]
    ExchType_CC_CRYPTO: _ClassVar[ExchType]
    ExchType_MY_MYX: _ClassVar[ExchType]
    ExchType_JP_TSE: _ClassVar[ExchType]
    ExchType_JP_Nikkei: _ClassVar[ExchType]
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
SecurityType_Unknown: SecurityType
SecurityType_Bond: SecurityType
SecurityType_Bwrt: SecurityType
SecurityType_Eqty: SecurityType
SecurityType_Trust: SecurityType
SecurityType_Warrant: SecurityType
SecurityType_Index: SecurityType
SecurityType_Plate: SecurityType
SecurityType_Drvt: SecurityType
SecurityType_PlateSet: SecurityType
SecurityType_Future: SecurityType
SecurityType_Forex: SecurityType
SecurityType_Crypto: SecurityType
PlateSetType_All: PlateSetType
PlateSetType_Industry: PlateSetType
PlateSetType_Region: PlateSetType
PlateSetType_Concept: PlateSetType
PlateSetType_Other: PlateSetType
WarrantType_Unknown: WarrantType
WarrantType_Buy: WarrantType
WarrantType_Sell: WarrantType
WarrantType_Bull: WarrantType
WarrantType_Bear: WarrantType
WarrantType_InLine: WarrantType
OptionType_Unknown: OptionType
OptionType_Call: OptionType
OptionType_Put: OptionType
TradeDateMarket_Unknown: TradeDateMarket
TradeDateMarket_HK: TradeDateMarket
TradeDateMarket_US: TradeDateMarket
TradeDateMarket_CN: TradeDateMarket
TradeDateMarket_NT: TradeDateMarket
TradeDateMarket_ST: TradeDateMarket
TradeDateMarket_JP_Future: TradeDateMarket
TradeDateMarket_SG_Future: TradeDateMarket
TradeDateMarket_SG: TradeDateMarket
TradeDateMarket_MY: TradeDateMarket
TradeDateMarket_JP: TradeDateMarket
TradeDateType_Whole: TradeDateType
TradeDateType_Morning: TradeDateType
TradeDateType_Afternoon: TradeDateType
SecurityStatus_Unknown: SecurityStatus
SecurityStatus_Normal: SecurityStatus
SecurityStatus_Listing: SecurityStatus
SecurityStatus_Purchasing: SecurityStatus
SecurityStatus_Subscribing: SecurityStatus
SecurityStatus_BeforeDrakTradeOpening: SecurityStatus
SecurityStatus_DrakTrading: SecurityStatus
SecurityStatus_DrakTradeEnd: SecurityStatus
SecurityStatus_ToBeOpen: SecurityStatus
SecurityStatus_Suspended: SecurityStatus
SecurityStatus_Called: SecurityStatus
SecurityStatus_ExpiredLastTradingDate: SecurityStatus
SecurityStatus_Expired: SecurityStatus
SecurityStatus_Delisted: SecurityStatus
SecurityStatus_ChangeToTemporaryCode: SecurityStatus
SecurityStatus_TemporaryCodeTradeEnd: SecurityStatus
SecurityStatus_ChangedPlateTradeEnd: SecurityStatus
SecurityStatus_ChangedCodeTradeEnd: SecurityStatus
SecurityStatus_RecoverableCircuitBreaker: SecurityStatus
SecurityStatus_UnRecoverableCircuitBreaker: SecurityStatus
SecurityStatus_AfterCombination: SecurityStatus
SecurityStatus_AfterTransation: SecurityStatus
CompanyAct_None: CompanyAct
CompanyAct_Split: CompanyAct
CompanyAct_Join: CompanyAct
CompanyAct_Bonus: CompanyAct
CompanyAct_Transfer: CompanyAct
CompanyAct_Allot: CompanyAct
CompanyAct_Add: CompanyAct
CompanyAct_Dividend: CompanyAct
CompanyAct_SPDividend: CompanyAct
CompanyAct_SpinOff: CompanyAct
ExchType_Unknown: ExchType
ExchType_HK_MainBoard: ExchType
ExchType_HK_GEMBoard: ExchType
ExchType_HK_HKEX: ExchType
ExchType_US_NYSE: ExchType
ExchType_US_Nasdaq: ExchType
ExchType_US_Pink: ExchType
ExchType_US_AMEX: ExchType
ExchType_US_Option: ExchType
ExchType_US_NYMEX: ExchType
ExchType_US_COMEX: ExchType
ExchType_US_CBOT: ExchType
ExchType_US_CME: ExchType
ExchType_US_CBOE: ExchType
ExchType_CN_SH: ExchType
ExchType_CN_SZ: ExchType
ExchType_CN_STIB: ExchType
ExchType_SG_SGX: ExchType
ExchType_JP_OSE: ExchType
ExchType_CC_CRYPTO: ExchType
ExchType_MY_MYX: ExchType
ExchType_JP_TSE: ExchType
ExchType_JP_Nikkei: ExchType

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

class PreAfterMarketData(_message.Message):
    __slots__ = ("price", "highPrice", "lowPrice", "volume", "turnover", "changeVal", "changeRate", "amplitude")
    PRICE_FIELD_NUMBER: _ClassVar[int]
    HIGHPRICE_FIELD_NUMBER: _ClassVar[int]
    LOWPRICE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    TURNOVER_FIELD_NUMBER: _ClassVar[int]
    CHANGEVAL_FIELD_NUMBER: _ClassVar[int]
    CHANGERATE_FIELD_NUMBER: _ClassVar[int]
    AMPLITUDE_FIELD_NUMBER: _ClassVar[int]
    price: float
    highPrice: float
    lowPrice: float
    volume: int
    turnover: float
    changeVal: float
    changeRate: float
    amplitude: float
    def __init__(self, price: _Optional[float] = ..., highPrice: _Optional[float] = ..., lowPrice: _Optional[float] = ..., volume: _Optional[int] = ..., turnover: _Optional[float] = ..., changeVal: _Optional[float] = ..., changeRate: _Optional[float] = ..., amplitude: _Optional[float] = ...) -> None: ...

class SecurityStaticBasic(_message.Message):
    __slots__ = ("security", "id", "lotSize", "secType", "name", "listTime", "delisting", "listTimestamp", "exchType")
    SECURITY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LOTSIZE_FIELD_NUMBER: _ClassVar[int]
    SECTYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LISTTIME_FIELD_NUMBER: _ClassVar[int]
    DELISTING_FIELD_NUMBER: _ClassVar[int]
    LISTTIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    EXCHTYPE_FIELD_NUMBER: _ClassVar[int]
    security: Security
    id: int
    lotSize: int
    secType: int
    name: str
    listTime: str
    delisting: bool
    listTimestamp: float
    exchType: int
    def __init__(self, security: _Optional[_Union[Security, _Mapping]] = ..., id: _Optional[int] = ..., lotSize: _Optional[int] = ..., secType: _Optional[int] = ..., name: _Optional[str] = ..., listTime: _Optional[str] = ..., delisting: _Optional[bool] = ..., listTimestamp: _Optional[float] = ..., exchType: _Optional[int] = ...) -> None: ...

class WarrantStaticExData(_message.Message):
    __slots__ = ("type", "owner")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    type: int
    owner: Security
    def __init__(self, type: _Optional[int] = ..., owner: _Optional[_Union[Security, _Mapping]] = ...) -> None: ...

class OptionStaticExData(_message.Message):
    __slots__ = ("type", "owner", "strikeTime", "strikePrice", "suspend", "market", "strikeTimestamp", "indexOptionType", "expirationCycle", "optionStandardType", "optionSettlementMode")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    STRIKETIME_FIELD_NUMBER: _ClassVar[int]
    STRIKEPRICE_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    STRIKETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    INDEXOPTIONTYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRATIONCYCLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONSTANDARDTYPE_FIELD_NUMBER: _ClassVar[int]
    OPTIONSETTLEMENTMODE_FIELD_NUMBER: _ClassVar[int]
    type: int
    owner: Security
    strikeTime: str
    strikePrice: float
    suspend: bool
    market: str
    strikeTimestamp: float
    indexOptionType: int
    expirationCycle: int
    optionStandardType: int
    optionSettlementMode: int
    def __init__(self, type: _Optional[int] = ..., owner: _Optional[_Union[Security, _Mapping]] = ..., strikeTime: _Optional[str] = ..., strikePrice: _Optional[float] = ..., suspend: _Optional[bool] = ..., market: _Optional[str] = ..., strikeTimestamp: _Optional[float] = ..., indexOptionType: _Optional[int] = ..., expirationCycle: _Optional[int] = ..., optionStandardType: _Optional[int] = ..., optionSettlementMode: _Optional[int] = ...) -> None: ...

class FutureStaticExData(_message.Message):
    __slots__ = ("lastTradeTime", "lastTradeTimestamp", "isMainContract")
    LASTTRADETIME_FIELD_NUMBER: _ClassVar[int]
    LASTTRADETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ISMAINCONTRACT_FIELD_NUMBER: _ClassVar[int]
    lastTradeTime: str
    lastTradeTimestamp: float
    isMainContract: bool
    def __init__(self, lastTradeTime: _Optional[str] = ..., lastTradeTimestamp: _Optional[float] = ..., isMainContract: _Optional[bool] = ...) -> None: ...

class SecurityStaticInfo(_message.Message):
    __slots__ = ("basic", "warrantExData", "optionExData", "futureExData")
    BASIC_FIELD_NUMBER: _ClassVar[int]
    WARRANTEXDATA_FIELD_NUMBER: _ClassVar[int]
    OPTIONEXDATA_FIELD_NUMBER: _ClassVar[int]
    FUTUREEXDATA_FIELD_NUMBER: _ClassVar[int]
    basic: SecurityStaticBasic
    warrantExData: WarrantStaticExData
    optionExData: OptionStaticExData
    futureExData: FutureStaticExData
    def __init__(self, basic: _Optional[_Union[SecurityStaticBasic, _Mapping]] = ..., warrantExData: _Optional[_Union[WarrantStaticExData, _Mapping]] = ..., optionExData: _Optional[_Union[OptionStaticExData, _Mapping]] = ..., futureExData: _Optional[_Union[FutureStaticExData, _Mapping]] = ...) -> None: ...

class PlateInfo(_message.Message):
    __slots__ = ("plate", "name", "plateType")
    PLATE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLATETYPE_FIELD_NUMBER: _ClassVar[int]
    plate: Security
    name: str
    plateType: int
    def __init__(self, plate: _Optional[_Union[Security, _Mapping]] = ..., name: _Optional[str] = ..., plateType: _Optional[int] = ...) -> None: ...

class Rehab(_message.Message):
    __slots__ = ("time", "companyActFlag", "fwdFactorA", "fwdFactorB", "bwdFactorA", "bwdFactorB", "splitBase", "splitErt", "joinBase", "joinErt", "bonusBase", "bonusErt", "transferBase", "transferErt", "allotBase", "allotErt", "allotPrice", "addBase", "addErt", "addPrice", "dividend", "spDividend", "spinOffBase", "spinOffErt", "timestamp")
    TIME_FIELD_NUMBER: _ClassVar[int]
    COMPANYACTFLAG_FIELD_NUMBER: _ClassVar[int]
    FWDFACTORA_FIELD_NUMBER: _ClassVar[int]
    FWDFACTORB_FIELD_NUMBER: _ClassVar[int]
    BWDFACTORA_FIELD_NUMBER: _ClassVar[int]
    BWDFACTORB_FIELD_NUMBER: _ClassVar[int]
    SPLITBASE_FIELD_NUMBER: _ClassVar[int]
    SPLITERT_FIELD_NUMBER: _ClassVar[int]
    JOINBASE_FIELD_NUMBER: _ClassVar[int]
    JOINERT_FIELD_NUMBER: _ClassVar[int]
    BONUSBASE_FIELD_NUMBER: _ClassVar[int]
    BONUSERT_FIELD_NUMBER: _ClassVar[int]
    TRANSFERBASE_FIELD_NUMBER: _ClassVar[int]
    TRANSFERERT_FIELD_NUMBER: _ClassVar[int]
    ALLOTBASE_FIELD_NUMBER: _ClassVar[int]
    ALLOTERT_FIELD_NUMBER: _ClassVar[int]
    ALLOTPRICE_FIELD_NUMBER: _ClassVar[int]
    ADDBASE_FIELD_NUMBER: _ClassVar[int]
    ADDERT_FIELD_NUMBER: _ClassVar[int]
    ADDPRICE_FIELD_NUMBER: _ClassVar[int]
    DIVIDEND_FIELD_NUMBER: _ClassVar[int]
    SPDIVIDEND_FIELD_NUMBER: _ClassVar[int]
    SPINOFFBASE_FIELD_NUMBER: _ClassVar[int]
    SPINOFFERT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    time: str
    companyActFlag: int
    fwdFactorA: float
    fwdFactorB: float
    bwdFactorA: float
    bwdFactorB: float
    splitBase: int
    splitErt: int
    joinBase: int
    joinErt: int
    bonusBase: int
    bonusErt: int
    transferBase: int
    transferErt: int
    allotBase: int
    allotErt: int
    allotPrice: float
    addBase: int
    addErt: int
    addPrice: float
    dividend: float
    spDividend: float
    spinOffBase: float
    spinOffErt: float
    timestamp: float
    def __init__(self, time: _Optional[str] = ..., companyActFlag: _Optional[int] = ..., fwdFactorA: _Optional[float] = ..., fwdFactorB: _Optional[float] = ..., bwdFactorA: _Optional[float] = ..., bwdFactorB: _Optional[float] = ..., splitBase: _Optional[int] = ..., splitErt: _Optional[int] = ..., joinBase: _Optional[int] = ..., joinErt: _Optional[int] = ..., bonusBase: _Optional[int] = ..., bonusErt: _Optional[int] = ..., transferBase: _Optional[int] = ..., transferErt: _Optional[int] = ..., allotBase: _Optional[int] = ..., allotErt: _Optional[int] = ..., allotPrice: _Optional[float] = ..., addBase: _Optional[int] = ..., addErt: _Optional[int] = ..., addPrice: _Optional[float] = ..., dividend: _Optional[float] = ..., spDividend: _Optional[float] = ..., spinOffBase: _Optional[float] = ..., spinOffErt: _Optional[float] = ..., timestamp: _Optional[float] = ...) -> None: ...
