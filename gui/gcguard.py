"""Run Python's cyclic garbage collector on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate when a threshold is
crossed: the journal writer, a gateway thread. If that pass frees a cycle holding a Qt
object, its C++ destructor runs off the GUI thread, cannot unregister the object's timers,
and the next timer event lands on freed memory (we saw exactly this segfault in the test
suite: QTimerInfoList::activateTimers -> notify on a dead receiver).

So automatic collection is switched off and a QTimer on the GUI thread steps a
:class:`~opendeck.core.gcpace.PacedCollector` instead, generation by generation, using the
thresholds Python itself would have used. This is the well-known remedy for Qt apps
(pyqtgraph ships one too; importing it costs ~0.26 s at start, this does not).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from ..core.gcpace import PacedCollector


class GuiThreadCollector(QObject):
    #: often enough that a young generation never holds a stall's worth of objects: at 100k
    #: pushes/s a 500 ms cadence let 100k+ young tuples pile up into one 20-40 ms collection
    def __init__(self, interval_ms: int = 50, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pacer = PacedCollector()
        self.thresholds = self.pacer.thresholds
        self.collections = self.pacer.collections
        self.pacer.start()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(interval_ms)

    def collect(self) -> None:
        self.pacer.step()

    def stop(self) -> None:
        self.timer.stop()
        self.pacer.stop()
