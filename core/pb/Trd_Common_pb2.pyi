from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class TrdEnv(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TrdEnv_Simulate: _ClassVar[TrdEnv]
    TrdEnv_Real: _ClassVar[TrdEnv]

class TrdCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TrdCategory_Unknown: _ClassVar[TrdCategory]
    TrdCategory_Security: _ClassVar[TrdCategory]
    TrdCategory_Future: _ClassVar[TrdCategory]
    TrdCategory_Crypto: _ClassVar[TrdCategory]

class TrdMarket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TrdMarket_Unknown: _ClassVar[TrdMarket]
    TrdMarket_HK: _ClassVar[TrdMarket]
    TrdMarket_US: _ClassVar[TrdMarket]
    TrdMarket_CN: _ClassVar[TrdMarket]
    TrdMarket_HKCC: _ClassVar[TrdMarket]
    TrdMarket_Futures: _ClassVar[TrdMarket]
    TrdMarket_SG: _ClassVar[TrdMarket]
    TrdMarket_Crypto: _ClassVar[TrdMarket]
    TrdMarket_AU: _ClassVar[TrdMarket]
    TrdMarket_Futures_Simulate_HK: _ClassVar[TrdMarket]
    TrdMarket_Futures_Simulate_US: _ClassVar[TrdMarket]
    TrdMarket_Futures_Simulate_SG: _ClassVar[TrdMarket]
    TrdMarket_Futures_Simulate_JP: _ClassVar[TrdMarket]
    TrdMarket_JP: _ClassVar[TrdMarket]
    TrdMarket_Prediction: _ClassVar[TrdMarket]
    TrdMarket_MY: _ClassVar[TrdMarket]
    TrdMarket_CA: _ClassVar[TrdMarket]
    TrdMarket_HK_Fund: _ClassVar[TrdMarket]
    TrdMarket_US_Fund: _ClassVar[TrdMarket]
    TrdMarket_SG_Fund: _ClassVar[TrdMarket]
    TrdMarket_MY_Fund: _ClassVar[TrdMarket]
    TrdMarket_JP_Fund: _ClassVar[TrdMarket]

class TrdSecMarket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TrdSecMarket_Unknown: _ClassVar[TrdSecMarket]
    TrdSecMarket_HK: _ClassVar[TrdSecMarket]
    TrdSecMarket_US: _ClassVar[TrdSecMarket]
    TrdSecMarket_CN_SH: _ClassVar[TrdSecMarket]
    TrdSecMarket_CN_SZ: _ClassVar[TrdSecMarket]
    TrdSecMarket_SG: _ClassVar[TrdSecMarket]
    TrdSecMarket_JP: _ClassVar[TrdSecMarket]
    TrdSecMarket_AU: _ClassVar[TrdSecMarket]
    TrdSecMarket_MY: _ClassVar[TrdSecMarket]
    TrdSecMarket_CA: _ClassVar[TrdSecMarket]
    TrdSecMarket_FX: _ClassVar[TrdSecMarket]
    TrdSecMarket_CC: _ClassVar[TrdSecMarket]
    TrdSecMarket_EC: _ClassVar[TrdSecMarket]

class TrdSide(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TrdSide_Unknown: _ClassVar[TrdSide]
    TrdSide_Buy: _ClassVar[TrdSide]
    TrdSide_Sell: _ClassVar[TrdSide]
    TrdSide_SellShort: _ClassVar[TrdSide]
    TrdSide_BuyBack: _ClassVar[TrdSide]

class OrderType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OrderType_Unknown: _ClassVar[OrderType]
    OrderType_Normal: _ClassVar[OrderType]
    OrderType_Market: _ClassVar[OrderType]
    OrderType_AbsoluteLimit: _ClassVar[OrderType]
    OrderType_Auction: _ClassVar[OrderType]
    OrderType_AuctionLimit: _ClassVar[OrderType]
    OrderType_SpecialLimit: _ClassVar[OrderType]
    OrderType_SpecialLimit_All: _ClassVar[OrderType]
    OrderType_Stop: _ClassVar[OrderType]
    OrderType_StopLimit: _ClassVar[OrderType]
    OrderType_MarketifTouched: _ClassVar[OrderType]
    OrderType_LimitifTouched: _ClassVar[OrderType]
    OrderType_TrailingStop: _ClassVar[OrderType]
    OrderType_TrailingStopLimit: _ClassVar[OrderType]
    OrderType_TWAP_Market: _ClassVar[OrderType]
    OrderType_TWAP_Limit: _ClassVar[OrderType]
    OrderType_VWAP_Market: _ClassVar[OrderType]
    OrderType_VWAP_Limit: _ClassVar[OrderType]

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OrderStatus_Unsubmitted: _ClassVar[OrderStatus]
    OrderStatus_Unknown: _ClassVar[OrderStatus]
    OrderStatus_WaitingSubmit: _ClassVar[OrderStatus]
    OrderStatus_Submitting: _ClassVar[OrderStatus]
    OrderStatus_SubmitFailed: _ClassVar[OrderStatus]
    OrderStatus_TimeOut: _ClassVar[OrderStatus]
    OrderStatus_Submitted: _ClassVar[OrderStatus]
    OrderStatus_Filled_Part: _ClassVar[OrderStatus]
    OrderStatus_Filled_All: _ClassVar[OrderStatus]
    OrderStatus_Cancelling_Part: _ClassVar[OrderStatus]
    OrderStatus_Cancelling_All: _ClassVar[OrderStatus]
    OrderStatus_Cancelled_Part: _ClassVar[OrderStatus]
    OrderStatus_Cancelled_All: _ClassVar[OrderStatus]
    OrderStatus_Failed: _ClassVar[OrderStatus]
    OrderStatus_Disabled: _ClassVar[OrderStatus]
    OrderStatus_Deleted: _ClassVar[OrderStatus]
    OrderStatus_FillCancelled: _ClassVar[OrderStatus]

class OrderFillStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OrderFillStatus_OK: _ClassVar[OrderFillStatus]
    OrderFillStatus_Cancelled: _ClassVar[OrderFillStatus]
    OrderFillStatus_Changed: _ClassVar[OrderFillStatus]
    OrderFillStatus_Payout: _ClassVar[OrderFillStatus]

class ModifyOrderOp(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ModifyOrderOp_Unknown: _ClassVar[ModifyOrderOp]
    ModifyOrderOp_Normal: _ClassVar[ModifyOrderOp]
    ModifyOrderOp_Cancel: _ClassVar[ModifyOrderOp]
    ModifyOrderOp_Disable: _ClassVar[ModifyOrderOp]
    ModifyOrderOp_Enable: _ClassVar[ModifyOrderOp]
    ModifyOrderOp_Delete: _ClassVar[ModifyOrderOp]

class TimeInForce(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TimeInForce_DAY: _ClassVar[TimeInForce]
    TimeInForce_GTC: _ClassVar[TimeInForce]
    TimeInForce_IOC: _ClassVar[TimeInForce]
    TimeInForce_GTD: _ClassVar[TimeInForce]

class SecurityFirm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SecurityFirm_Unknown: _ClassVar[SecurityFirm]
    SecurityFirm_FutuSecurities: _ClassVar[SecurityFirm]
    SecurityFirm_FutuInc: _ClassVar[SecurityFirm]
    SecurityFirm_FutuSG: _ClassVar[SecurityFirm]
    SecurityFirm_FutuAU: _ClassVar[SecurityFirm]
    SecurityFirm_FutuCA: _ClassVar[SecurityFirm]
    SecurityFirm_FutuMY: _ClassVar[SecurityFirm]
    SecurityFirm_FutuJP: _ClassVar[SecurityFirm]
TrdEnv_Simulate: TrdEnv
TrdEnv_Real: TrdEnv
TrdCategory_Unknown: TrdCategory
TrdCategory_Security: TrdCategory
TrdCategory_Future: TrdCategory
TrdCategory_Crypto: TrdCategory
TrdMarket_Unknown: TrdMarket
TrdMarket_HK: TrdMarket
TrdMarket_US: TrdMarket
TrdMarket_CN: TrdMarket
TrdMarket_HKCC: TrdMarket
TrdMarket_Futures: TrdMarket
TrdMarket_SG: TrdMarket
TrdMarket_Crypto: TrdMarket
TrdMarket_AU: TrdMarket
TrdMarket_Futures_Simulate_HK: TrdMarket
TrdMarket_Futures_Simulate_US: TrdMarket
TrdMarket_Futures_Simulate_SG: TrdMarket
TrdMarket_Futures_Simulate_JP: TrdMarket
TrdMarket_JP: TrdMarket
TrdMarket_Prediction: TrdMarket
TrdMarket_MY: TrdMarket
TrdMarket_CA: TrdMarket
TrdMarket_HK_Fund: TrdMarket
TrdMarket_US_Fund: TrdMarket
TrdMarket_SG_Fund: TrdMarket
TrdMarket_MY_Fund: TrdMarket
TrdMarket_JP_Fund: TrdMarket
TrdSecMarket_Unknown: TrdSecMarket
TrdSecMarket_HK: TrdSecMarket
TrdSecMarket_US: TrdSecMarket
TrdSecMarket_CN_SH: TrdSecMarket
TrdSecMarket_CN_SZ: TrdSecMarket
TrdSecMarket_SG: TrdSecMarket
TrdSecMarket_JP: TrdSecMarket
TrdSecMarket_AU: TrdSecMarket
TrdSecMarket_MY: TrdSecMarket
TrdSecMarket_CA: TrdSecMarket
TrdSecMarket_FX: TrdSecMarket
TrdSecMarket_CC: TrdSecMarket
TrdSecMarket_EC: TrdSecMarket
TrdSide_Unknown: TrdSide
TrdSide_Buy: TrdSide
TrdSide_Sell: TrdSide
TrdSide_SellShort: TrdSide
TrdSide_BuyBack: TrdSide
OrderType_Unknown: OrderType
OrderType_Normal: OrderType
OrderType_Market: OrderType
OrderType_AbsoluteLimit: OrderType
OrderType_Auction: OrderType
OrderType_AuctionLimit: OrderType
OrderType_SpecialLimit: OrderType
OrderType_SpecialLimit_All: OrderType
OrderType_Stop: OrderType
OrderType_StopLimit: OrderType
OrderType_MarketifTouched: OrderType
OrderType_LimitifTouched: OrderType
OrderType_TrailingStop: OrderType
OrderType_TrailingStopLimit: OrderType
OrderType_TWAP_Market: OrderType
OrderType_TWAP_Limit: OrderType
OrderType_VWAP_Market: OrderType
OrderType_VWAP_Limit: OrderType
OrderStatus_Unsubmitted: OrderStatus
OrderStatus_Unknown: OrderStatus
OrderStatus_WaitingSubmit: OrderStatus
OrderStatus_Submitting: OrderStatus
OrderStatus_SubmitFailed: OrderStatus
OrderStatus_TimeOut: OrderStatus
OrderStatus_Submitted: OrderStatus
OrderStatus_Filled_Part: OrderStatus
OrderStatus_Filled_All: OrderStatus
OrderStatus_Cancelling_Part: OrderStatus
OrderStatus_Cancelling_All: OrderStatus
OrderStatus_Cancelled_Part: OrderStatus
OrderStatus_Cancelled_All: OrderStatus
OrderStatus_Failed: OrderStatus
OrderStatus_Disabled: OrderStatus
OrderStatus_Deleted: OrderStatus
OrderStatus_FillCancelled: OrderStatus
OrderFillStatus_OK: OrderFillStatus
OrderFillStatus_Cancelled: OrderFillStatus
OrderFillStatus_Changed: OrderFillStatus
OrderFillStatus_Payout: OrderFillStatus
ModifyOrderOp_Unknown: ModifyOrderOp
ModifyOrderOp_Normal: ModifyOrderOp
ModifyOrderOp_Cancel: ModifyOrderOp
ModifyOrderOp_Disable: ModifyOrderOp
ModifyOrderOp_Enable: ModifyOrderOp
ModifyOrderOp_Delete: ModifyOrderOp
TimeInForce_DAY: TimeInForce
TimeInForce_GTC: TimeInForce
TimeInForce_IOC: TimeInForce
TimeInForce_GTD: TimeInForce
SecurityFirm_Unknown: SecurityFirm
SecurityFirm_FutuSecurities: SecurityFirm
SecurityFirm_FutuInc: SecurityFirm
SecurityFirm_FutuSG: SecurityFirm
SecurityFirm_FutuAU: SecurityFirm
SecurityFirm_FutuCA: SecurityFirm
SecurityFirm_FutuMY: SecurityFirm
SecurityFirm_FutuJP: SecurityFirm

class TrdHeader(_message.Message):
    __slots__ = ("trdEnv", "accID", "trdMarket", "jpAccType")
    TRDENV_FIELD_NUMBER: _ClassVar[int]
    ACCID_FIELD_NUMBER: _ClassVar[int]
    TRDMARKET_FIELD_NUMBER: _ClassVar[int]
    JPACCTYPE_FIELD_NUMBER: _ClassVar[int]
    trdEnv: int
    accID: int
    trdMarket: int
    jpAccType: int
    def __init__(self, trdEnv: _Optional[int] = ..., accID: _Optional[int] = ..., trdMarket: _Optional[int] = ..., jpAccType: _Optional[int] = ...) -> None: ...

class TrdAcc(_message.Message):
    __slots__ = ("trdEnv", "accID", "trdMarketAuthList", "accType", "cardNum", "securityFirm", "simAccType", "uniCardNum", "accStatus", "accRole", "jpAccType", "competitionAccName")
    TRDENV_FIELD_NUMBER: _ClassVar[int]
    ACCID_FIELD_NUMBER: _ClassVar[int]
    TRDMARKETAUTHLIST_FIELD_NUMBER: _ClassVar[int]
    ACCTYPE_FIELD_NUMBER: _ClassVar[int]
    CARDNUM_FIELD_NUMBER: _ClassVar[int]
    SECURITYFIRM_FIELD_NUMBER: _ClassVar[int]
    SIMACCTYPE_FIELD_NUMBER: _ClassVar[int]
    UNICARDNUM_FIELD_NUMBER: _ClassVar[int]
    ACCSTATUS_FIELD_NUMBER: _ClassVar[int]
    ACCROLE_FIELD_NUMBER: _ClassVar[int]
    JPACCTYPE_FIELD_NUMBER: _ClassVar[int]
    COMPETITIONACCNAME_FIELD_NUMBER: _ClassVar[int]
    trdEnv: int
    accID: int
    trdMarketAuthList: _containers.RepeatedScalarFieldContainer[int]
    accType: int
    cardNum: str
    securityFirm: int
    simAccType: int
    uniCardNum: str
    accStatus: int
    accRole: int
    jpAccType: _containers.RepeatedScalarFieldContainer[int]
    competitionAccName: str
    def __init__(self, trdEnv: _Optional[int] = ..., accID: _Optional[int] = ..., trdMarketAuthList: _Optional[_Iterable[int]] = ..., accType: _Optional[int] = ..., cardNum: _Optional[str] = ..., securityFirm: _Optional[int] = ..., simAccType: _Optional[int] = ..., uniCardNum: _Optional[str] = ..., accStatus: _Optional[int] = ..., accRole: _Optional[int] = ..., jpAccType: _Optional[_Iterable[int]] = ..., competitionAccName: _Optional[str] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("trdSide", "orderType", "orderStatus", "orderID", "orderIDEx", "code", "name", "qty", "price", "createTime", "updateTime", "fillQty", "fillAvgPrice", "lastErrMsg", "secMarket", "createTimestamp", "updateTimestamp", "remark", "timeInForce", "fillOutsideRTH", "auxPrice", "trailType", "trailValue", "trailSpread", "currency", "trdMarket", "session", "jpAccType", "expireTime", "orderAmount", "strategyType")
    TRDSIDE_FIELD_NUMBER: _ClassVar[int]
    ORDERTYPE_FIELD_NUMBER: _ClassVar[int]
    ORDERSTATUS_FIELD_NUMBER: _ClassVar[int]
    ORDERID_FIELD_NUMBER: _ClassVar[int]
    ORDERIDEX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QTY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    CREATETIME_FIELD_NUMBER: _ClassVar[int]
    UPDATETIME_FIELD_NUMBER: _ClassVar[int]
    FILLQTY_FIELD_NUMBER: _ClassVar[int]
    FILLAVGPRICE_FIELD_NUMBER: _ClassVar[int]
    LASTERRMSG_FIELD_NUMBER: _ClassVar[int]
    SECMARKET_FIELD_NUMBER: _ClassVar[int]
    CREATETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    UPDATETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    REMARK_FIELD_NUMBER: _ClassVar[int]
    TIMEINFORCE_FIELD_NUMBER: _ClassVar[int]
    FILLOUTSIDERTH_FIELD_NUMBER: _ClassVar[int]
    AUXPRICE_FIELD_NUMBER: _ClassVar[int]
    TRAILTYPE_FIELD_NUMBER: _ClassVar[int]
    TRAILVALUE_FIELD_NUMBER: _ClassVar[int]
    TRAILSPREAD_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TRDMARKET_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    JPACCTYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRETIME_FIELD_NUMBER: _ClassVar[int]
    ORDERAMOUNT_FIELD_NUMBER: _ClassVar[int]
    STRATEGYTYPE_FIELD_NUMBER: _ClassVar[int]
    trdSide: int
    orderType: int
    orderStatus: int
    orderID: int
    orderIDEx: str
    code: str
    name: str
    qty: float
    price: float
    createTime: str
    updateTime: str
    fillQty: float
    fillAvgPrice: float
    lastErrMsg: str
    secMarket: int
    createTimestamp: float
    updateTimestamp: float
    remark: str
    timeInForce: int
    fillOutsideRTH: bool
    auxPrice: float
    trailType: int
    trailValue: float
    trailSpread: float
    currency: int
    trdMarket: int
    session: int
    jpAccType: int
    expireTime: str
    orderAmount: float
    strategyType: int
    def __init__(self, trdSide: _Optional[int] = ..., orderType: _Optional[int] = ..., orderStatus: _Optional[int] = ..., orderID: _Optional[int] = ..., orderIDEx: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[str] = ..., qty: _Optional[float] = ..., price: _Optional[float] = ..., createTime: _Optional[str] = ..., updateTime: _Optional[str] = ..., fillQty: _Optional[float] = ..., fillAvgPrice: _Optional[float] = ..., lastErrMsg: _Optional[str] = ..., secMarket: _Optional[int] = ..., createTimestamp: _Optional[float] = ..., updateTimestamp: _Optional[float] = ..., remark: _Optional[str] = ..., timeInForce: _Optional[int] = ..., fillOutsideRTH: _Optional[bool] = ..., auxPrice: _Optional[float] = ..., trailType: _Optional[int] = ..., trailValue: _Optional[float] = ..., trailSpread: _Optional[float] = ..., currency: _Optional[int] = ..., trdMarket: _Optional[int] = ..., session: _Optional[int] = ..., jpAccType: _Optional[int] = ..., expireTime: _Optional[str] = ..., orderAmount: _Optional[float] = ..., strategyType: _Optional[int] = ...) -> None: ...

class OrderFill(_message.Message):
    __slots__ = ("trdSide", "fillID", "fillIDEx", "orderID", "orderIDEx", "code", "name", "qty", "price", "createTime", "counterBrokerID", "counterBrokerName", "secMarket", "createTimestamp", "updateTimestamp", "status", "trdMarket", "jpAccType")
    TRDSIDE_FIELD_NUMBER: _ClassVar[int]
    FILLID_FIELD_NUMBER: _ClassVar[int]
    FILLIDEX_FIELD_NUMBER: _ClassVar[int]
    ORDERID_FIELD_NUMBER: _ClassVar[int]
    ORDERIDEX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QTY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    CREATETIME_FIELD_NUMBER: _ClassVar[int]
    COUNTERBROKERID_FIELD_NUMBER: _ClassVar[int]
    COUNTERBROKERNAME_FIELD_NUMBER: _ClassVar[int]
    SECMARKET_FIELD_NUMBER: _ClassVar[int]
    CREATETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    UPDATETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRDMARKET_FIELD_NUMBER: _ClassVar[int]
    JPACCTYPE_FIELD_NUMBER: _ClassVar[int]
    trdSide: int
    fillID: int
    fillIDEx: str
    orderID: int
    orderIDEx: str
    code: str
    name: str
    qty: float
    price: float
    createTime: str
    counterBrokerID: int
    counterBrokerName: str
    secMarket: int
    createTimestamp: float
    updateTimestamp: float
    status: int
    trdMarket: int
    jpAccType: int
    def __init__(self, trdSide: _Optional[int] = ..., fillID: _Optional[int] = ..., fillIDEx: _Optional[str] = ..., orderID: _Optional[int] = ..., orderIDEx: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[str] = ..., qty: _Optional[float] = ..., price: _Optional[float] = ..., createTime: _Optional[str] = ..., counterBrokerID: _Optional[int] = ..., counterBrokerName: _Optional[str] = ..., secMarket: _Optional[int] = ..., createTimestamp: _Optional[float] = ..., updateTimestamp: _Optional[float] = ..., status: _Optional[int] = ..., trdMarket: _Optional[int] = ..., jpAccType: _Optional[int] = ...) -> None: ...

class TrdFilterConditions(_message.Message):
    __slots__ = ("codeList", "idList", "beginTime", "endTime", "orderIDExList", "filterMarket")
    CODELIST_FIELD_NUMBER: _ClassVar[int]
    IDLIST_FIELD_NUMBER: _ClassVar[int]
    BEGINTIME_FIELD_NUMBER: _ClassVar[int]
    ENDTIME_FIELD_NUMBER: _ClassVar[int]
    ORDERIDEXLIST_FIELD_NUMBER: _ClassVar[int]
    FILTERMARKET_FIELD_NUMBER: _ClassVar[int]
    codeList: _containers.RepeatedScalarFieldContainer[str]
    idList: _containers.RepeatedScalarFieldContainer[int]
    beginTime: str
    endTime: str
    orderIDExList: _containers.RepeatedScalarFieldContainer[str]
    filterMarket: int
    def __init__(self, codeList: _Optional[_Iterable[str]] = ..., idList: _Optional[_Iterable[int]] = ..., beginTime: _Optional[str] = ..., endTime: _Optional[str] = ..., orderIDExList: _Optional[_Iterable[str]] = ..., filterMarket: _Optional[int] = ...) -> None: ...
