"""Names for the numbers on the wire: security codes, sub types, markets, trade enums.

Every table here is derived from the generated pb descriptors through
:mod:`opendeck.core.enums`; none copies a number. They are plain dicts built once (the SDK
rebuilds an enum object per conversion, we do a lookup). Codes are written as the SDK writes
them: ``HK.00700``, ``US.AAPL``.
"""

from __future__ import annotations

from . import enums
from .errors import ConfigError

# Qot_Common.QotMarket by short name ("HK", "HK_FUTURE", "US", "SH", ...)
QOT_MARKETS: dict[str, int] = dict(enums.QOT_MARKET_ALIASES)
QOT_MARKET_NAMES: dict[int, str] = {v: k for k, v in QOT_MARKETS.items()}

# Qot_Common.SubType, by the names the CLI and the window use ("basic", "kl_1m", ...)
SUBTYPES: dict[str, int] = dict(enums.SUBTYPE_ALIASES)
SUBTYPE_NAMES: dict[int, str] = {v: k for k, v in SUBTYPES.items()}
#: other spellings people type -> the canonical short name
SUBTYPE_SPELLINGS = {"quote": "basic", "order_book": "orderbook", "kline": "kl_1m", "kl": "kl_1m",
                     "k_1m": "kl_1m", "k_day": "kl_day"}
SUBTYPES.update({alias: SUBTYPES[name] for alias, name in SUBTYPE_SPELLINGS.items()})

# Qot_Common.KLType -> short label ("1m", "day")
KL_TYPES: dict[int, str] = dict(enums.KL_TYPE_SHORT)
TICKER_DIR: dict[int, str] = {v: n.lower() for v, n in enums.TICKER_DIRECTION.names.items()}

# Trd_Common.TrdMarket
TRD_MARKETS: dict[str, int] = dict(enums.TRD_MARKET_ALIASES)
TRD_MARKET_NAMES: dict[int, str] = {v: k for k, v in TRD_MARKETS.items()}

# Trd_Common.SecurityFirm ("FutuSecurities", ...)
SECURITY_FIRMS: dict[str, int] = {n: v for v, n in enums.SECURITY_FIRM.known().items()}
SECURITY_FIRM_NAMES: dict[int, str] = {v: k for k, v in SECURITY_FIRMS.items()}

TRD_ENVS: dict[int, str] = {v: n.upper() for v, n in enums.TRD_ENV.names.items()}
TRD_SIDES: dict[str, int] = dict(enums.TRD_SIDE_ALIASES)
TRD_SIDE_NAMES: dict[int, str] = {v: k for k, v in TRD_SIDES.items()}
ORDER_TYPES: dict[str, int] = dict(enums.ORDER_TYPE_ALIASES)
ORDER_STATUS: dict[int, str] = dict(enums.ORDER_STATUS.names)
# Trd_Common.TrdSecMarket by the short name of the quote market it trades ("HK", "SH", ...)
TRD_SEC_MARKETS: dict[str, int] = dict(enums.TRD_SEC_MARKET_ALIASES)

QOT_MARKET_STATES: dict[int, str] = dict(enums.QOT_MARKET_STATE.names)
NOTIFY_TYPES: dict[int, str] = dict(enums.NOTIFY_TYPE.names)
PROGRAM_STATUS: dict[int, str] = dict(enums.PROGRAM_STATUS_TYPE.names)
USER_ATTRIBUTION: dict[int, str] = dict(enums.USER_ATTRIBUTION.names)


def parse_code(text: str) -> tuple[int, str]:
    """``"HK.00700"`` -> ``(1, "00700")``; a clear ConfigError for anything else."""
    market, sep, code = text.strip().partition(".")
    market, code = market.strip(), code.strip()
    if not sep or not code or not market or any(c.isspace() for c in code):
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
