"""The session's push ring and push rates: what every view reads pushes from.

Rows are plain tuples in the one push-row schema; readers poll ``rows_since(seq)`` from a
timer, so nothing is scheduled per push.
"""

from __future__ import annotations

import time
from collections import deque

from .pushrow import PushRecord


class PushLog:
    """Bounded ring of pushes with sequence numbers; ``since(seq)`` is O(new rows).

    It holds plain tuples in :data:`pushrow.FIELDS` order and builds :class:`PushRecord` s only
    when read. Exact tuples of str/int/float/bytes drop out of the cyclic GC's tracking, so a
    full ring (200k pushes) costs a full collection nothing; 200k record objects cost it
    ~50 ms each time, which at 20k pushes/s stalled the window every few seconds.
    """

    def __init__(self, capacity: int = 200_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._items: list[tuple] = []
        self._first = 1  # seq of _items[0]
        self.last_seq = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def first_seq(self) -> int:
        return self._first

    def next_seq(self) -> int:
        self.last_seq += 1
        return self.last_seq

    def extend(self, rows: list[tuple]) -> None:
        """Append rows (tuples in pushrow.FIELDS order, numbered with :meth:`next_seq`)."""
        items = self._items
        items.extend(rows)
        over = len(items) - self.capacity
        if over > self.capacity // 4 or (over > 0 and len(rows) >= len(items)):
            del items[:over]  # amortised: trim in chunks, not per append
            self._first += over
            self.evicted += over

    def rows_since(self, seq: int) -> list[tuple]:
        """Raw rows (pushrow.FIELDS order) with seq > ``seq``: filter these, build records only
        for what you keep (``PushRecord(*row)``)."""
        return self._items[max(0, seq + 1 - self._first):]

    def since(self, seq: int, limit: int | None = None) -> list[PushRecord]:
        """Records with seq > ``seq``, oldest first (those still held)."""
        start = max(0, seq + 1 - self._first)
        stop = None if limit is None else start + limit
        return [PushRecord(*t) for t in self._items[start:stop]]

    def latest(self, n: int) -> list[PushRecord]:
        return [PushRecord(*t) for t in self._items[-n:]] if n > 0 else []

    def get(self, seq: int) -> PushRecord | None:
        i = seq - self._first
        return PushRecord(*self._items[i]) if 0 <= i < len(self._items) else None

    def clear(self) -> None:
        self._first = self.last_seq + 1
        self.evicted += len(self._items)
        self._items.clear()


class PushRates:
    """Pushes per second per endpoint, from the session's counters.

    One owner calls :meth:`sample` about once a second (the window's push log does); every
    other reader uses ``latest``, ``total`` and :meth:`history`, so all views agree.
    """

    def __init__(self, counts: dict[str, int], keep: int = 120) -> None:
        self._counts = counts
        self._prev: tuple[float, dict[str, int]] | None = None
        self._history: dict[str, deque[tuple[float, float]]] = {}
        self._keep = keep
        self.latest: dict[str, float] = {}

    @property
    def total(self) -> float:
        return sum(self.latest.values())

    def sample(self, now: float | None = None) -> dict[str, float]:
        now = time.time() if now is None else now
        counts = dict(self._counts)
        if self._prev is not None and now > self._prev[0]:
            t0, before = self._prev
            dt = now - t0
            self.latest = {ep: (n - before.get(ep, 0)) / dt for ep, n in counts.items()}
            for ep, rate in self.latest.items():
                self._history.setdefault(ep, deque(maxlen=self._keep)).append((now, rate))
        self._prev = (now, counts)
        return self.latest

    def history(self, endpoint_id: str) -> list[tuple[float, float]]:
        return list(self._history.get(endpoint_id, ()))
