"""Client side: one Connection per context, and contexts named like the official SDK."""

from .connection import ClientInfo, Connection, HandshakeInfo, State
from .contexts import (OpenFutureTradeContext, OpenQuoteContext, OpenSecTradeContext, QuoteContext,
                       TradeContext)

__all__ = ["ClientInfo", "Connection", "HandshakeInfo", "State", "QuoteContext", "TradeContext",
           "OpenQuoteContext", "OpenSecTradeContext", "OpenFutureTradeContext"]
