"""The push log's rate chart: pushes per second per endpoint (``session.rates``, sampled by the
dock once a second), over a trailing window."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

RATE_WINDOW_S = 120  # the chart's trailing window (PushRates keeps 120 samples)


class RatePlot(QWidget):
    """A compact pyqtgraph plot of ``session.rates`` (one line per endpoint), redrawn once a
    second: wall-clock x axis over a trailing window, y from 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyqtgraph as pg  # imported here so the module loads fast for tests of the model

        self._pg = pg
        self.setObjectName("pushRatePlot")
        self.plot = pg.PlotWidget(self, background=None,
                                  axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "push/s")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.getPlotItem().setContentsMargins(0, 0, 0, 0)
        self.plot.setLimits(yMin=0)
        self.legend = self.plot.addLegend(offset=(4, 2), labelTextSize="7pt")
        self.curves: dict[str, Any] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)
        self.setMinimumHeight(70)
        self.setMaximumHeight(130)

    def update_series(self, rates, names: dict[str, str], now: float | None = None) -> None:
        """``rates``: the session's PushRates (read only; the dock samples it)."""
        t_end = time.time() if now is None else now
        top = 1.0
        for ep in list(names) + [e for e in rates.latest if e not in names]:
            pts = rates.history(ep)
            if not pts:
                continue
            t_end = max(t_end, pts[-1][0])
            curve = self.curves.get(ep)
            if curve is None:
                pen = self._pg.mkPen(self._pg.intColor(len(self.curves), hues=8), width=1)
                curve = self.curves[ep] = self.plot.plot([], [], pen=pen, name=names.get(ep, ep))
            curve.setData([t for t, _r in pts], [r for _t, r in pts])
            top = max(top, max(r for _t, r in pts))
        self.plot.setXRange(t_end - RATE_WINDOW_S, t_end, padding=0)
        self.plot.setYRange(0, top * 1.15, padding=0)
