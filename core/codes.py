"""Names for the numbers on the wire: security codes, sub types, markets, trade enums.

Plain dicts, built once: the SDK rebuilds an enum object per conversion, we do a lookup.
Codes are written as the SDK writes them: ``HK.00700``, ``US.AAPL``.
"""

from __future__ import annotations

from .errors import ConfigError

# Qot_Common.QotMarket
QOT_MARKETS: dict[str, int] = {
    "HK": 1, "HK_FUTURE": 2, "US": 11, "SH": 21, "SZ": 22, "SG": 31, "JP": 41, "AU": 51,
    "MY": 61, "CA": 71, "FX": 81, "CC": 91,
}
QOT_MARKET_NAMES: dict[int, str] = {v: k for k, v in QOT_MARKETS.items()}

# Qot_Common.SubType, by the names the CLI and the window use
SUBTYPES: dict[str, int] = {
    "basic": 1, "orderbook": 2, "ticker": 4, "rt": 5, "kl_day": 6, "kl_5m": 7, "kl_15m": 8,
    "kl_30m": 9, "kl_60m": 10, "kl_1m": 11, "kl_week": 12, "kl_month": 13, "broker": 14,
    "kl_quarter": 15, "kl_year": 16, "kl_3m": 17, "kl_10m": 18, "kl_120m": 19, "kl_180m": 20,
    "kl_240m": 21, "orderbook_odd": 22,
}
SUBTYPE_NAMES: dict[int, str] = {v: k for k, v in SUBTYPES.items()}
# Aliases people type
SUBTYPES.update({"quote": 1, "order_book": 2, "kline": 11, "kl": 11, "k_1m": 11, "k_day": 6})

# Qot_Common.KLType -> short label
KL_TYPES: dict[int, str] = {1: "1m", 2: "day", 3: "week", 4: "month", 5: "year", 6: "5m",
                            7: "15m", 8: "30m", 9: "60m", 10: "3m", 11: "quarter", 12: "10m",
                            13: "120m", 14: "180m", 15: "240m"}

TICKER_DIR = {0: "?", 1: "bid", 2: "ask", 3: "neutral"}

# Trd_Common.TrdMarket
TRD_MARKETS: dict[str, int] = {
    "HK": 1, "US": 2, "CN": 3, "HKCC": 4, "FUTURES": 5, "SG": 6, "CRYPTO": 7, "AU": 8,
    "FUTURES_SIMULATE_HK": 10, "FUTURES_SIMULATE_US": 11, "FUTURES_SIMULATE_SG": 12,
    "FUTURES_SIMULATE_JP": 13, "JP": 15, "MY": 111, "CA": 112,
}
TRD_MARKET_NAMES: dict[int, str] = {v: k for k, v in TRD_MARKETS.items()}

# Trd_Common.SecurityFirm
SECURITY_FIRMS: dict[str, int] = {
    "FutuSecurities": 1, "FutuInc": 2, "FutuSG": 3, "FutuAU": 4, "FutuCA": 5, "FutuMY": 6,
    "FutuJP": 7,
}
SECURITY_FIRM_NAMES: dict[int, str] = {v: k for k, v in SECURITY_FIRMS.items()}

TRD_ENVS = {0: "SIMULATE", 1: "REAL"}
TRD_SIDES = {"BUY": 1, "SELL": 2, "SELL_SHORT": 3, "BUY_BACK": 4}
TRD_SIDE_NAMES = {v: k for k, v in TRD_SIDES.items()}
ORDER_TYPES = {"NORMAL": 1, "MARKET": 2, "ABSOLUTE_LIMIT": 5, "AUCTION": 6, "AUCTION_LIMIT": 7,
               "SPECIAL_LIMIT": 8}
ORDER_STATUS = {0: "Unsubmitted", -1: "Unknown", 1: "WaitingSubmit", 2: "Submitting",
                3: "SubmitFailed", 4: "TimeOut", 5: "Submitted", 10: "Filled_Part",
                11: "Filled_All", 12: "Cancelling_Part", 13: "Cancelling_All",
                14: "Cancelled_Part", 15: "Cancelled_All", 21: "Failed", 22: "Disabled",
                23: "Deleted", 24: "FillCancelled"}
# Trd_Common.TrdSecMarket for the security markets we place orders in
TRD_SEC_MARKETS = {"HK": 1, "US": 2, "SH": 31, "SZ": 32, "SG": 41, "JP": 51, "AU": 61}

QOT_MARKET_STATES = {0: "None", 1: "Auction", 2: "WaitingOpen", 3: "Morning", 4: "Rest",
                     5: "Afternoon", 6: "Closed", 8: "PreMarketBegin", 9: "PreMarketEnd",
                     10: "AfterHoursBegin", 11: "AfterHoursEnd", 32: "Night", 37: "Overnight"}
NOTIFY_TYPES = {0: "None", 1: "GtwEvent", 2: "ProgramStatus", 3: "ConnStatus", 4: "QotRight",
                5: "APILevel", 6: "APIQuota", 7: "UsedQuota"}
PROGRAM_STATUS = {0: "None", 1: "Loaded", 2: "Loging", 3: "NeedPicVerifyCode",
                  4: "NeedPhoneVerifyCode", 5: "LoginFailed", 6: "ForceUpdate",
                  7: "NessaryDataPreparing", 8: "NessaryDataMissing", 9: "UnAgreeDisclaimer",
                  10: "Ready", 11: "ForceLogout", 12: "DisclaimerPullFailed"}
USER_ATTRIBUTION = {0: "Unknown", 1: "NN", 2: "MM", 3: "SG", 4: "AU", 5: "JP", 6: "HK"}


def parse_code(text: str) -> tuple[int, str]:
    """``"HK.00700"`` -> ``(1, "00700")``; a clear ConfigError for anything else."""
    market, sep, code = text.strip().partition(".")
    if not sep or not code:
        raise ConfigError(f"security code {text!r} must look like HK.00700 or US.AAPL "
                          "(market, a dot, the code)")
    m = QOT_MARKETS.get(market.upper())
    if m is None:
        raise ConfigError(f"unknown market {market!r} in {text!r}; use one of "
                          + ", ".join(QOT_MARKETS))
    return m, code.upper() if m == QOT_MARKETS["US"] else code


def format_code(market: int, code: str) -> str:
    return f"{QOT_MARKET_NAMES.get(market, str(market))}.{code}"


def parse_codes(text: str | list[str]) -> list[tuple[int, str]]:
    items = text.split(",") if isinstance(text, str) else text
    return [parse_code(t) for t in items if t.strip()]


def parse_subtypes(text: str | list[str]) -> list[int]:
    items = text.split(",") if isinstance(text, str) else text
    out = []
    for t in items:
        t = t.strip().lower()
        if not t:
            continue
        if t not in SUBTYPES:
            raise ConfigError(f"unknown sub type {t!r}; use one of "
                              + ", ".join(k for k in SUBTYPE_NAMES.values()))
        out.append(SUBTYPES[t])
    if not out:
        raise ConfigError("give at least one sub type (e.g. basic,ticker,orderbook)")
    return out
