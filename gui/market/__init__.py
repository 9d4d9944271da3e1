"""Market views (issue 12): the watchlist, the order-book ladder, the ticker tape and push rates.

* ``feed.py`` -- the Qt-free per-symbol state (:class:`~.feed.MarketFeed`), fed ring rows in
  batches; unit-tested without Qt.
* ``models.py`` -- the Qt models over it, told about changes once per flush.
* ``delegates.py`` -- the sparkline and depth-bar painting.
* ``dock.py`` -- :class:`MarketDock`, the widget the main window shows and flushes.
* ``preview.py`` -- ``python -m opendeck.gui.market.preview``: the dock alone on the demo gateway.

``MarketDock`` is imported lazily so ``opendeck.gui.market.feed`` stays importable without Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dock import MarketDock

__all__ = ["MarketDock"]


def __getattr__(name: str) -> Any:
    if name == "MarketDock":
        from .dock import MarketDock
        return MarketDock
    raise AttributeError(name)
