"""The endpoint panel: one endpoint's contexts as cards (panel, context card, quote card, trade
card, global-state strip, small ui helpers)."""

from .card import ContextCard
from .global_state import GlobalStateBar, format_global_state
from .panel import EndpointPanel
from .quote import QuoteCard
from .trade import TradeCard
from .ui import DASH

__all__ = ["DASH", "ContextCard", "EndpointPanel", "GlobalStateBar", "QuoteCard", "TradeCard",
           "format_global_state"]
