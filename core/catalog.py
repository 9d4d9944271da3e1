"""Proto id catalog: id -> name, push flag, and the generated message module if we have one.

The id table is futu-api 10.11's ``ProtoId`` list (shared/protocol.md §7), cmd 1 of the WebSocket
port (InitWebSocket, websocket.md), plus the legacy ids
the old docs name. A packet whose id is unknown here is still shown as ``Proto<id>`` with its
raw bytes; nothing is dropped for want of a schema.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType

# "<id> <name> [push] [legacy]; ..." -- parsed once at import.
_TABLE = """
1 InitWebSocket;
1001 InitConnect; 1002 GetGlobalState; 1003 Notify push; 1004 KeepAlive; 1005 GetUserInfo;
1006 Verification; 1007 GetDelayStatistics; 1008 TestCmd; 1009 InitQuantMode;
2001 Trd_GetAccList; 2005 Trd_UnlockTrade; 2008 Trd_SubAccPush; 2101 Trd_GetFunds;
2102 Trd_GetPositionList; 2111 Trd_GetMaxTrdQtys; 2112 Trd_GetComboMaxTrdQtys;
2201 Trd_GetOrderList; 2202 Trd_PlaceOrder; 2205 Trd_ModifyOrder; 2208 Trd_UpdateOrder push;
2211 Trd_GetOrderFillList; 2218 Trd_UpdateOrderFill push; 2221 Trd_GetHistoryOrderList;
2222 Trd_GetHistoryOrderFillList; 2223 Trd_GetMarginRatio; 2225 Trd_GetOrderFee;
2226 Trd_FlowSummary; 2227 Trd_PlaceComboOrder; 3001 Qot_Sub; 3002 Qot_RegQotPush;
3003 Qot_GetSubInfo; 3004 Qot_GetBasicQot; 3005 Qot_UpdateBasicQot push; 3006 Qot_GetKL;
3007 Qot_UpdateKL push; 3008 Qot_GetRT; 3009 Qot_UpdateRT push; 3010 Qot_GetTicker;
3011 Qot_UpdateTicker push; 3012 Qot_GetOrderBook; 3013 Qot_UpdateOrderBook push;
3014 Qot_GetBroker; 3015 Qot_UpdateBroker push; 3016 Qot_GetOrderDetail legacy; 3017 Qot_UpdateOrderDetail push legacy;
3019 Qot_UpdatePriceReminder push; 3100 Qot_GetHistoryKL legacy;
3101 Qot_GetHistoryKLPoints legacy; 3102 Qot_GetRehab legacy; 3103 Qot_RequestHistoryKL;
3104 Qot_RequestHistoryKLQuota; 3105 Qot_RequestRehab; 3200 Qot_GetTradeDate legacy;
3201 Qot_GetSuspend; 3202 Qot_GetStaticInfo; 3203 Qot_GetSecuritySnapshot;
3204 Qot_GetPlateSet; 3205 Qot_GetPlateSecurity; 3206 Qot_GetReference;
3207 Qot_GetOwnerPlate; 3208 Qot_GetHoldingChangeList; 3209 Qot_GetOptionChain;
3210 Qot_GetWarrant; 3211 Qot_GetCapitalFlow; 3212 Qot_GetCapitalDistribution;
3213 Qot_GetUserSecurity; 3214 Qot_ModifyUserSecurity; 3215 Qot_StockFilter;
3216 Qot_GetCodeChange; 3217 Qot_GetIpoList; 3218 Qot_GetFutureInfo;
3219 Qot_RequestTradeDate; 3220 Qot_SetPriceReminder; 3221 Qot_GetPriceReminder;
3222 Qot_GetUserSecurityGroup; 3223 Qot_GetMarketState; 3224 Qot_GetOptionExpirationDate;
3225 Qot_GetFinancialsEarningsPriceMove; 3226 Qot_GetFinancialsEarningsPriceHistory;
3227 Qot_GetFinancialsStatements; 3228 Qot_GetFinancialsRevenueBreakdown;
3229 Qot_GetResearchAnalystConsensus; 3230 Qot_GetResearchRatingSummary;
3231 Qot_GetResearchMorningstarReport; 3232 Qot_GetValuationDetail;
3233 Qot_GetValuationPlateStockList; 3234 Qot_GetCorporateActionsDividends;
3235 Qot_GetCorporateActionsBuybacks; 3236 Qot_GetCorporateActionsStockSplits;
3237 Qot_GetShareholdersOverview; 3238 Qot_GetShareholdersHoldingChanges;
3239 Qot_GetShareholdersHolderDetail; 3240 Qot_GetShareholdersInstitutional;
3241 Qot_GetInsiderHolderList; 3242 Qot_GetInsiderTradeList; 3243 Qot_GetCompanyProfile;
3244 Qot_GetCompanyExecutives; 3245 Qot_GetCompanyExecutiveBackground;
3246 Qot_GetCompanyOperationalEfficiency; 3247 Qot_GetTopTenBuySellBrokers;
3248 Qot_GetDailyShortVolume; 3249 Qot_GetShortInterest; 3250 Qot_GetOptionVolatility;
3251 Qot_GetOptionExerciseProbability; 3252 Qot_StockScreen; 3253 Qot_OptionScreen;
3254 Qot_WarrantScreen; 3255 Qot_GetOptionQuote; 3256 Qot_GetOptionStrategy;
3257 Qot_GetOptionStrategyAnalysis; 3258 Qot_GetOptionStrategySpread;
3259 Qot_GetIndicatorList; 3260 Qot_RequestIndicatorCalc; 3261 Qot_PushIndicatorCalc push;
3262 Qot_GetSearchQuote; 3263 Qot_GetSearchNews; 3301 Qot_GetOptionMarketStatistic;
3302 Qot_GetOptionUnderlyingHisStatistic; 3303 Qot_GetOptionUnderlyingOverview;
3304 Qot_GetOptionUnderlyingHisVolatility; 3305 Qot_GetOptionUnderlyingRank;
3306 Qot_GetOptionRank; 3307 Qot_GetOptionEvent; 3308 Qot_GetOptionEventAlert;
3309 Qot_SetOptionEventAlert; 3310 Qot_UpdateOptionEvent push;
3311 Qot_GetOptionZeroDteScreener; 3312 Qot_GetOptionZeroDteContract;
3313 Qot_GetOptionEarningsScreener; 3314 Qot_GetOptionSellerScreener;
3401 Qot_GetEarningsCalendar; 3402 Qot_GetMacroIndicatorList;
3403 Qot_GetMacroIndicatorHistory; 3404 Qot_GetFedWatchTargetRate;
3405 Qot_GetFedWatchDotPlot; 3406 Qot_GetEarningsBeatRank; 3407 Qot_GetDividendRank;
3408 Qot_GetDividendCalendar; 3409 Qot_GetEconomicCalendar; 3410 Qot_GetUSPreMarketRank;
3411 Qot_GetUSAfterHoursRank; 3412 Qot_GetUSOvernightRank; 3413 Qot_GetTopMoversRank;
3414 Qot_GetHotList; 3415 Qot_GetShortSellingRank; 3416 Qot_GetPeriodChangeRank;
3417 Qot_GetHighDividendSOERank; 3418 Qot_GetInstitutionList; 3419 Qot_GetInstitutionProfile;
3420 Qot_GetInstitutionDistribution; 3421 Qot_GetInstitutionHoldingChange;
3422 Qot_GetInstitutionHoldingList; 3423 Qot_GetArkFundHolding; 3424 Qot_GetArkStockDynamic;
3425 Qot_GetArkActiveTransaction; 3426 Qot_GetRatingChange; 3427 Qot_GetIndustrialChainList;
3428 Qot_GetIndustrialChainDetail; 3429 Qot_GetIndustrialChainByPlate;
3430 Qot_GetIndustrialPlateInfo; 3431 Qot_GetIndustrialPlateStock; 3432 Qot_GetHeatMapData;
3433 Qot_GetRiseFallDistribution; 3434 Qot_GetEventContractCategory;
3435 Qot_FilterCompetition; 3436 Qot_GetEventContractSeriesList;
3437 Qot_GetEventContractEventList; 3438 Qot_GetEventContract;
3439 Qot_GetEventContractMilestoneList; 3445 Qot_GetEventContractSnapshot;
3446 Qot_GetEventContractOrderBook; 3447 Qot_GetEventContractKline;
3448 Qot_GetEventContractTicker; 3450 Qot_UpdateEventContractOrderBook push;
3451 Qot_UpdateEventContractKline push; 3452 Qot_UpdateEventContractTicker push;
3453 Qot_GetEventContractComboList; 3454 Qot_GetEventContractComboRfq;
3455 Qot_SubEventContract; 3456 Qot_RequestHistoryEventContractKL;
3801 SkillWrap_TechnicalUnusual; 3802 SkillWrap_FinancialUnusual;
3803 SkillWrap_DerivativeUnusual;
"""

#: The .proto files we ship (core/pb). Ids whose name is in here can be fully decoded.
SCHEMAS = frozenset((
    "InitWebSocket",  # cmd 1 of OpenD's WebSocket port (websocket.md), not a TCP proto id
    "InitConnect", "GetGlobalState", "Notify", "KeepAlive", "GetUserInfo",
    "Trd_GetAccList", "Trd_UnlockTrade", "Trd_SubAccPush", "Trd_PlaceOrder",
    "Trd_UpdateOrder", "Trd_UpdateOrderFill",
    "Qot_Sub", "Qot_RegQotPush", "Qot_GetSubInfo", "Qot_GetBasicQot", "Qot_UpdateBasicQot",
    "Qot_UpdateKL", "Qot_UpdateRT", "Qot_UpdateTicker", "Qot_UpdateOrderBook", "Qot_UpdateBroker",
    # quote pulls (issue 11)
    "Qot_GetSecuritySnapshot", "Qot_GetOrderBook", "Qot_GetTicker", "Qot_GetRT", "Qot_GetKL",
    "Qot_RequestHistoryKL", "Qot_GetBroker", "Qot_GetStaticInfo", "Qot_RequestTradeDate",
    "Qot_GetMarketState", "Qot_GetPlateSet", "Qot_GetPlateSecurity", "Qot_GetCapitalFlow",
    "Qot_GetCapitalDistribution", "Qot_GetOwnerPlate", "Qot_GetOptionChain", "Qot_GetReference",
    "Qot_GetUserSecurity", "Qot_GetPriceReminder", "Qot_RequestHistoryKLQuota",
    "Qot_RequestRehab",
    # trade pulls and actions (issue 11)
    "Trd_GetFunds", "Trd_GetPositionList", "Trd_GetOrderList", "Trd_GetOrderFillList",
    "Trd_GetHistoryOrderList", "Trd_GetHistoryOrderFillList", "Trd_ModifyOrder",
    "Trd_GetMaxTrdQtys", "Trd_FlowSummary", "Trd_GetOrderFee",
))


@dataclass(frozen=True, slots=True)
class ProtoInfo:
    proto_id: int
    name: str
    is_push: bool = False
    legacy: bool = False

    @property
    def has_schema(self) -> bool:
        return self.name in SCHEMAS


def _parse(table: str) -> dict[int, ProtoInfo]:
    out: dict[int, ProtoInfo] = {}
    for item in table.replace("\n", " ").split(";"):
        words = item.split()
        if not words:
            continue
        pid = int(words[0])
        out[pid] = ProtoInfo(pid, words[1], "push" in words[2:], "legacy" in words[2:])
    return out


CATALOG: dict[int, ProtoInfo] = _parse(_TABLE)
BY_NAME: dict[str, ProtoInfo] = {info.name: info for info in CATALOG.values()}
PUSH_IDS = frozenset(pid for pid, info in CATALOG.items() if info.is_push)

# The ids the core talks about by name.
INIT_CONNECT = 1001
GET_GLOBAL_STATE = 1002
NOTIFY = 1003
KEEP_ALIVE = 1004
GET_USER_INFO = 1005
TRD_GET_ACC_LIST = 2001
TRD_UNLOCK_TRADE = 2005
TRD_SUB_ACC_PUSH = 2008
TRD_PLACE_ORDER = 2202
TRD_UPDATE_ORDER = 2208
TRD_UPDATE_ORDER_FILL = 2218
QOT_SUB = 3001
QOT_REG_QOT_PUSH = 3002
QOT_GET_SUB_INFO = 3003
QOT_GET_BASIC_QOT = 3004
QOT_UPDATE_BASIC_QOT = 3005
QOT_UPDATE_KL = 3007
QOT_UPDATE_RT = 3009
QOT_UPDATE_TICKER = 3011
QOT_UPDATE_ORDER_BOOK = 3013
QOT_UPDATE_BROKER = 3015
TRD_GET_FUNDS = 2101
TRD_GET_POSITION_LIST = 2102
TRD_GET_MAX_TRD_QTYS = 2111
TRD_GET_ORDER_LIST = 2201
TRD_MODIFY_ORDER = 2205
TRD_GET_ORDER_FILL_LIST = 2211
TRD_GET_HISTORY_ORDER_LIST = 2221
TRD_GET_HISTORY_ORDER_FILL_LIST = 2222
TRD_GET_ORDER_FEE = 2225
TRD_FLOW_SUMMARY = 2226
QOT_GET_KL = 3006
QOT_GET_RT = 3008
QOT_GET_TICKER = 3010
QOT_GET_ORDER_BOOK = 3012
QOT_GET_BROKER = 3014
QOT_REQUEST_HISTORY_KL = 3103
QOT_REQUEST_HISTORY_KL_QUOTA = 3104
QOT_REQUEST_REHAB = 3105
QOT_GET_STATIC_INFO = 3202
QOT_GET_SECURITY_SNAPSHOT = 3203
QOT_GET_PLATE_SET = 3204
QOT_GET_PLATE_SECURITY = 3205
QOT_GET_REFERENCE = 3206
QOT_GET_OWNER_PLATE = 3207
QOT_GET_OPTION_CHAIN = 3209
QOT_GET_CAPITAL_FLOW = 3211
QOT_GET_CAPITAL_DISTRIBUTION = 3212
QOT_GET_USER_SECURITY = 3213
QOT_REQUEST_TRADE_DATE = 3219
QOT_GET_PRICE_REMINDER = 3221
QOT_GET_MARKET_STATE = 3223


def info(proto_id: int) -> ProtoInfo:
    """What we know of an id; an unknown id gets a placeholder name, never an error."""
    found = CATALOG.get(proto_id)
    return found if found is not None else ProtoInfo(proto_id, f"Proto{proto_id}")


def name_of(proto_id: int) -> str:
    return info(proto_id).name


def is_push(proto_id: int) -> bool:
    return proto_id in PUSH_IDS


@cache
def module(proto_id: int) -> ModuleType | None:
    """The generated ``*_pb2`` module for an id, or None when we ship no schema for it."""
    found = CATALOG.get(proto_id)
    if found is None or not found.has_schema:
        return None
    return importlib.import_module(f"opendeck.core.pb.{found.name}_pb2")


def response_type(proto_id: int):
    """The ``Response`` message class of an id (pushes included), or None."""
    mod = module(proto_id)
    return None if mod is None else mod.Response


def request_type(proto_id: int):
    """The ``Request`` message class of an id, or None (pushes have none)."""
    mod = module(proto_id)
    return getattr(mod, "Request", None) if mod is not None else None
