"""The demo accounts: who can trade what, what each starts with, and the Trd_Common values
the trading model uses (no I/O).

The list covers what futu-api's contexts look for (shared/protocol.md §5.5): a real and
simulated securities account with HK/US authority, a real futures account and simulated
futures accounts (TrdMarket Futures_Simulate_*). Each starts with the cash of
:data:`START_CASH` and the filled orders of :data:`SEED_HISTORY` (placed on past demo days at
the walk's price then), so positions, cash, history and cash flow agree from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..pb import Trd_Common_pb2
from .universe import CNSH, CNSZ, HK, US

_T = Trd_Common_pb2  # wire values from the generated descriptors (one source, issue 7)
ENV_SIMULATE, ENV_REAL = _T.TrdEnv_Simulate, _T.TrdEnv_Real
CATEGORY_SECURITY, CATEGORY_FUTURE = _T.TrdCategory_Security, _T.TrdCategory_Future
TRD_HK, TRD_US, TRD_CN, TRD_HKCC = _T.TrdMarket_HK, _T.TrdMarket_US, _T.TrdMarket_CN, \
    _T.TrdMarket_HKCC
TRD_FUTURES = _T.TrdMarket_Futures
TRD_FUT_SIM_HK, TRD_FUT_SIM_US = _T.TrdMarket_Futures_Simulate_HK, _T.TrdMarket_Futures_Simulate_US
SEC_HK, SEC_US = _T.TrdSecMarket_HK, _T.TrdSecMarket_US
SEC_CN_SH, SEC_CN_SZ = _T.TrdSecMarket_CN_SH, _T.TrdSecMarket_CN_SZ
FIRM_FUTU_SECURITIES = _T.SecurityFirm_FutuSecurities
ACC_CASH, ACC_MARGIN = _T.TrdAccType_Cash, _T.TrdAccType_Margin
SIM_STOCK, SIM_FUTURES = _T.SimAccType_Stock, _T.SimAccType_Futures
STATUS_SUBMITTED = _T.OrderStatus_Submitted
STATUS_FILLED_PART = _T.OrderStatus_Filled_Part
STATUS_FILLED_ALL = _T.OrderStatus_Filled_All
STATUS_CANCELLED_PART = _T.OrderStatus_Cancelled_Part
STATUS_CANCELLED_ALL = _T.OrderStatus_Cancelled_All
OPEN_STATUSES = frozenset({STATUS_SUBMITTED, STATUS_FILLED_PART})
ORDER_LIMIT, ORDER_MARKET = _T.OrderType_Normal, _T.OrderType_Market
#: order types treated as a plain limit order
LIMIT_LIKE = frozenset({ORDER_LIMIT, _T.OrderType_AbsoluteLimit, _T.OrderType_SpecialLimit})
SIDE_BUY, SIDE_SELL = _T.TrdSide_Buy, _T.TrdSide_Sell
SIDE_SELL_SHORT, SIDE_BUY_BACK = _T.TrdSide_SellShort, _T.TrdSide_BuyBack
CURRENCY_HKD, CURRENCY_USD, CURRENCY_CNH = _T.Currency_HKD, _T.Currency_USD, _T.Currency_CNH
TOUCH_LOTS = 50  # the most one match fills, in lots

#: TrdSecMarket -> QotMarket
SEC_TO_QOT = {SEC_HK: HK, SEC_US: US, SEC_CN_SH: CNSH, SEC_CN_SZ: CNSZ}
#: TrdMarket -> TrdSecMarket (the usual one)
TRD_TO_SEC = {TRD_HK: SEC_HK, TRD_US: SEC_US, TRD_HKCC: SEC_CN_SH, TRD_CN: SEC_CN_SH,
              TRD_FUT_SIM_HK: SEC_HK, TRD_FUT_SIM_US: SEC_US}
CURRENCY_OF_SEC = {SEC_HK: CURRENCY_HKD, SEC_US: CURRENCY_USD, SEC_CN_SH: CURRENCY_CNH,
                   SEC_CN_SZ: CURRENCY_CNH}


@dataclass(frozen=True)
class Account:
    acc_id: int
    env: int
    category: int
    markets: tuple[int, ...]
    acc_type: int
    card_num: str
    sim_acc_type: int = 0
    firm: int = FIRM_FUTU_SECURITIES
    status: int = 0  # Active

    def fill(self, msg) -> None:
        msg.trdEnv = self.env
        msg.accID = self.acc_id
        msg.trdMarketAuthList.extend(self.markets)
        msg.accType = self.acc_type
        msg.cardNum = self.card_num
        msg.uniCardNum = self.card_num
        msg.securityFirm = self.firm
        if self.sim_acc_type:
            msg.simAccType = self.sim_acc_type
        msg.accStatus = self.status
        msg.accRole = 1  # Normal


DEFAULT_ACCOUNTS: tuple[Account, ...] = (
    Account(281756478396547001, ENV_REAL, CATEGORY_SECURITY, (TRD_HK, TRD_US, TRD_HKCC),
            ACC_MARGIN, "1001289417402813"),
    Account(8036275, ENV_SIMULATE, CATEGORY_SECURITY, (TRD_HK,), ACC_CASH, "",
            sim_acc_type=SIM_STOCK),
    Account(8036276, ENV_SIMULATE, CATEGORY_SECURITY, (TRD_US,), ACC_MARGIN, "",
            sim_acc_type=SIM_STOCK),
    Account(281756478396547002, ENV_REAL, CATEGORY_FUTURE, (TRD_FUTURES,), ACC_MARGIN,
            "1001289417402899"),
    Account(9036277, ENV_SIMULATE, CATEGORY_FUTURE, (TRD_FUT_SIM_HK,), ACC_MARGIN, "",
            sim_acc_type=SIM_FUTURES),
    Account(9036278, ENV_SIMULATE, CATEGORY_FUTURE, (TRD_FUT_SIM_US,), ACC_MARGIN, "",
            sim_acc_type=SIM_FUTURES),
)



#: starting cash per account (currency -> amount), before the seeded history
START_CASH = {
    281756478396547001: {CURRENCY_HKD: 1_000_000.0, CURRENCY_USD: 200_000.0,
                         CURRENCY_CNH: 300_000.0},
    8036275: {CURRENCY_HKD: 1_000_000.0},
    8036276: {CURRENCY_USD: 1_000_000.0},
    281756478396547002: {CURRENCY_HKD: 2_000_000.0},
    9036277: {CURRENCY_HKD: 2_000_000.0},
    9036278: {CURRENCY_USD: 1_000_000.0},
}
#: the filled orders each account starts with: (QotMarket, code, days before the demo's
#: first day, qty)
SEED_HISTORY = {
    281756478396547001: ((HK, "00700", 20, 400), (US, "AAPL", 12, 50), (HK, "00005", 7, 800),
                         (US, "NVDA", 3, 30)),
    8036275: ((HK, "00700", 15, 200), (HK, "09988", 6, 500)),
    8036276: ((US, "TSLA", 9, 20), (US, "MSFT", 4, 10)),
    281756478396547002: ((HK, "MHImain", 2, 2),),
    9036277: ((HK, "HSImain", 1, 1),),
}
QOT_TO_SEC = {v: k for k, v in SEC_TO_QOT.items()}
#: TrdMarket an account trades a QotMarket in
_MARKET_AUTH = {HK: (TRD_HK, TRD_FUTURES, TRD_FUT_SIM_HK), US: (TRD_US, TRD_FUT_SIM_US),
                CNSH: (TRD_HKCC, TRD_CN), CNSZ: (TRD_HKCC, TRD_CN)}
