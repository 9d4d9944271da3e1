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

from .universe import CNSH, CNSZ, HK, US

# Trd_Common enums used here
ENV_SIMULATE = 0
ENV_REAL = 1
CATEGORY_SECURITY = 1
CATEGORY_FUTURE = 2
TRD_HK, TRD_US, TRD_CN, TRD_HKCC, TRD_FUTURES = 1, 2, 3, 4, 5
TRD_FUT_SIM_HK, TRD_FUT_SIM_US = 10, 11
SEC_HK, SEC_US, SEC_CN_SH, SEC_CN_SZ = 1, 2, 31, 32
FIRM_FUTU_SECURITIES = 1
ACC_CASH, ACC_MARGIN = 1, 2
SIM_STOCK, SIM_FUTURES = 1, 3
STATUS_SUBMITTED = 5
STATUS_FILLED_PART = 10
STATUS_FILLED_ALL = 11
STATUS_CANCELLED_PART = 14
STATUS_CANCELLED_ALL = 15
OPEN_STATUSES = frozenset({STATUS_SUBMITTED, STATUS_FILLED_PART})
ORDER_LIMIT = 1
ORDER_MARKET = 2
#: order types treated as a plain limit order
LIMIT_LIKE = frozenset({ORDER_LIMIT, 5, 8})  # Normal, AbsoluteLimit, SpecialLimit
SIDE_BUY, SIDE_SELL, SIDE_SELL_SHORT, SIDE_BUY_BACK = 1, 2, 3, 4
TOUCH_LOTS = 50
CURRENCY_HKD, CURRENCY_USD, CURRENCY_CNH = 1, 2, 3

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
