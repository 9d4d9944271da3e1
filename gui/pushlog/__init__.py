"""The push log: rows and filtering (rows.py), the Qt-free feed with its counters and flush
logic (feed.py), the table model, the detail pane, the rate chart, export, and the dock.

Importing this package does not import Qt: ``rows`` and ``feed`` are plain Python; the Qt parts
are loaded when first named (``from opendeck.gui.pushlog import PushLogDock``).
"""

from __future__ import annotations

import importlib
from typing import Any

from .feed import PushFeed
from .rows import (
    COL_CONTEXT,
    COL_ENDPOINT,
    COL_PROTO,
    COL_SECURITY,
    COL_SIZE,
    COL_SUMMARY,
    COL_TIME,
    COLUMNS,
    DEFAULT_ROW_CAP,
    SCAN_CHUNK,
    RowBuilder,
    make_filter,
    marker_row,
)

_LAZY = {"PushLogDock": "dock", "DEFAULT_FLUSH_MS": "dock", "PushTableModel": "model",
         "PushDetail": "detail", "RatePlot": "rateplot", "RATE_WINDOW_S": "rateplot",
         "Export": "export", "ALL": "export", "FILTERED": "export"}

__all__ = ["COLUMNS", "COL_CONTEXT", "COL_ENDPOINT", "COL_PROTO", "COL_SECURITY", "COL_SIZE",
           "COL_SUMMARY", "COL_TIME", "DEFAULT_ROW_CAP", "SCAN_CHUNK", "PushFeed", "RowBuilder",
           "make_filter", "marker_row", "PushLogDock", "DEFAULT_FLUSH_MS", "PushTableModel",
           "PushDetail", "RatePlot", "RATE_WINDOW_S", "Export", "ALL", "FILTERED"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
