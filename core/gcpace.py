"""Cyclic garbage collection on a cadence, from one thread, instead of on every 700th allocation.

At a few hundred thousand pushes per second the interpreter's automatic collector runs a
young-generation pass more than a thousand times a second, each one a fixed cost plus a walk
over the rows just made (a row is a tuple; it stops being tracked at the first pass it
survives). In ``opendeck record`` that was 14 % of the loop thread's time. It also runs in
whichever thread allocates when a threshold is crossed, the journal writer included.

:class:`PacedCollector` switches automatic collection off and is stepped by its owner on a
cadence (the recorder's 50 ms tick, the window's QTimer in :mod:`opendeck.gui.gcguard`). Each
step makes the choice the interpreter would make with the same thresholds: nothing while
generation 0 is under its threshold, otherwise the youngest generation whose elders have not
piled up. Nothing is skipped for good: every object the interpreter would have collected is
collected, at most one cadence later, so memory stays bounded by what one cadence allocates.
"""

from __future__ import annotations

import gc


class PacedCollector:
    """``start()`` once, ``step()`` on a cadence from one thread, ``stop()`` to hand back."""

    def __init__(self) -> None:
        self.thresholds = gc.get_threshold()
        self.collections = [0, 0, 0]  # passes run, per generation
        self._was_enabled: bool | None = None

    @property
    def running(self) -> bool:
        return self._was_enabled is not None

    def start(self) -> None:
        if self._was_enabled is None:
            self._was_enabled = gc.isenabled()
            gc.disable()

    def step(self) -> int | None:
        """One pass if the counts call for it; returns the generation collected, or None."""
        t0, t1, t2 = self.thresholds
        c0, c1, c2 = gc.get_count()
        if c0 <= t0:
            return None
        # as the interpreter does: an older generation only once enough younger passes piled up
        gen = 2 if c1 > t1 and c2 > t2 else 1 if c1 > t1 else 0
        gc.collect(gen)
        self.collections[gen] += 1
        return gen

    def stop(self) -> None:
        """Automatic collection back as it was before :meth:`start`."""
        if self._was_enabled is not None:
            if self._was_enabled:
                gc.enable()
            self._was_enabled = None
