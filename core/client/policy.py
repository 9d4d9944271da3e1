"""Pure timing policy of a client connection: the state table, reconnect backoff, liveness.

Nothing here reads a clock or a random source of its own: every method takes ``now`` (any
monotonic seconds) and the backoff takes a ``rng`` callable, so all of it is unit-tested on a
fake clock (tests/test_policy.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ..events import ConnState

S = ConnState

#: Every legal change of :class:`ConnState`. Anything else is a bug and raises.
TRANSITIONS: dict[ConnState, frozenset[ConnState]] = {
    S.IDLE: frozenset({S.CONNECTING, S.CLOSED}),
    S.CONNECTING: frozenset({S.HANDSHAKING, S.RECONNECTING, S.FAILED, S.CLOSING}),
    S.HANDSHAKING: frozenset({S.READY, S.RECONNECTING, S.FAILED, S.CLOSING}),
    S.READY: frozenset({S.RECONNECTING, S.FAILED, S.CLOSING}),
    S.RECONNECTING: frozenset({S.CONNECTING, S.FAILED, S.CLOSING}),
    S.CLOSING: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.CONNECTING}),
    S.FAILED: frozenset({S.CONNECTING, S.CLOSED}),
}


class IllegalTransition(RuntimeError):
    """A state change the table does not allow: a bug in OpenDeck, never a network event."""


class StateMachine:
    __slots__ = ("state",)

    def __init__(self, state: ConnState = S.IDLE) -> None:
        self.state = state

    def can(self, new: ConnState) -> bool:
        return new in TRANSITIONS[self.state]

    def move(self, new: ConnState) -> ConnState:
        """Change state; returns the old one. Raises :class:`IllegalTransition`."""
        old = self.state
        if new not in TRANSITIONS[old]:
            raise IllegalTransition(f"connection state {old} -> {new} is not allowed")
        self.state = new
        return old


@dataclass
class Backoff:
    """Exponential reconnect backoff with jitter that grows across handshake-then-fail cycles.

    The attempt counter is reset only once a connection has stayed ready for
    ``healthy_after`` seconds: a gateway that handshakes and then drops (or sends garbage) at
    once is retried ever more slowly, not once a second forever. Permanent failures (a wrong
    key, an encryption mismatch) wait ``permanent_delay`` where a caller retries them at all.
    """

    base: float = 1.0
    cap: float = 30.0
    jitter: float = 0.25  # +- fraction
    healthy_after: float = 30.0
    permanent_delay: float = 300.0
    rng: Callable[[], float] = random.random
    attempt: int = 0
    ready_since: float | None = None

    def on_ready(self, now: float) -> None:
        self.ready_since = now

    def on_drop(self, now: float) -> None:
        """The connection ended; a healthy stretch before it resets the growth."""
        if self.ready_since is not None and now - self.ready_since >= self.healthy_after:
            self.attempt = 0
        self.ready_since = None

    def next_delay(self, permanent: bool = False) -> float:
        if permanent:
            raw = self.permanent_delay
        else:
            raw = min(self.cap, self.base * (2 ** min(self.attempt, 30)))
            self.attempt += 1
        return raw * (1.0 + self.jitter * (2.0 * self.rng() - 1.0))


KEEPALIVE_MIN = 1
KEEPALIVE_MAX = 120


def clamp_keepalive(interval: int) -> tuple[int, str]:
    """The negotiated KeepAlive interval, clamped to [1, 120] s, and a note when clamped."""
    if interval < KEEPALIVE_MIN:
        return KEEPALIVE_MIN, f"gateway asked for a {interval} s KeepAlive interval; using {KEEPALIVE_MIN} s"
    if interval > KEEPALIVE_MAX:
        return KEEPALIVE_MAX, f"gateway asked for a {interval} s KeepAlive interval; using {KEEPALIVE_MAX} s"
    return interval, ""


class Liveness:
    """Heartbeat schedule and dead-peer detection for one connection.

    A beat goes out every ``interval / 2`` on a fixed schedule. A beat with no reply by the
    time the next is due is *missed* (shown to the user). The peer is declared dead when
    nothing at all has been received for ``dead_after`` = 1.5 x interval: any frame counts as a
    sign of life (so a push flood that delays KeepAlive replies never trips it), and so does a
    pause in reading that we made ourselves (backpressure): :meth:`hold`.
    """

    __slots__ = (
        "dead_after",
        "held",
        "last_rx",
        "missed",
        "missed_total",
        "next_beat",
        "outstanding",
        "period",
    )

    def __init__(self, interval: float, now: float, missed_limit: int = 3) -> None:
        self.period = interval / 2.0
        self.dead_after = self.period * missed_limit
        self.next_beat = now + self.period
        self.last_rx = now
        self.outstanding: tuple[int, float] | None = None  # (beat id, sent at)
        self.missed = 0  # in a row
        self.missed_total = 0
        self.held = False

    def received(self, now: float) -> None:
        self.last_rx = now

    def hold(self, held: bool, now: float) -> None:
        """Reading is paused by us (journal backpressure): the silence is ours, not the peer's."""
        self.held = held
        self.last_rx = now

    def due(self, now: float) -> bool:
        return now >= self.next_beat

    def sent(self, beat_id: int, now: float) -> bool:
        """A beat goes out now; returns True when the previous one was never answered."""
        missed = self.outstanding is not None
        if missed:
            self.missed += 1
            self.missed_total += 1
        self.outstanding = (beat_id, now)
        # fixed schedule: the next beat is due one period after this one was *due*
        self.next_beat += self.period
        if self.next_beat <= now:  # we were late (a stalled loop): do not burst
            self.next_beat = now + self.period
        return missed

    def answered(self, beat_id: int, now: float) -> float | None:
        """The reply to ``beat_id`` arrived; returns its RTT in seconds (None if stale)."""
        self.last_rx = now
        if self.outstanding is None or self.outstanding[0] != beat_id:
            return None
        rtt = now - self.outstanding[1]
        self.outstanding = None
        self.missed = 0
        return rtt

    def dead(self, now: float) -> bool:
        if self.held:
            self.last_rx = now
            return False
        return now - self.last_rx >= self.dead_after

    def deadline(self) -> float:
        return min(self.next_beat, self.last_rx + self.dead_after)


class ErrorFolder:
    """Identical errors (same type and text) within ``window`` seconds become one event.

    :meth:`offer` says whether to emit now; a folded one is counted, and :meth:`take` returns
    (and clears) the count so the caller can emit "the same error, N more times" once the
    window has passed. A gateway that sends garbage 300,000 times makes a few events, not
    300,000.
    """

    __slots__ = ("window", "max_keys", "_slots")

    def __init__(self, window: float = 1.0, max_keys: int = 64) -> None:
        self.window = window
        self.max_keys = max_keys
        self._slots: dict[tuple[str, str], list] = {}  # key -> [emitted at, folded count]

    def offer(self, key: tuple[str, str], now: float) -> bool:
        """True: emit this one now. False: folded (the first fold of a window returns False
        with a count of 1; schedule :meth:`take` after ``window``)."""
        slot = self._slots.get(key)
        if slot is not None and now - slot[0] < self.window:
            slot[1] += 1
            return False
        if len(self._slots) >= self.max_keys:
            self._slots.clear()
        self._slots[key] = [now, 0]
        return True

    def first_fold(self, key: tuple[str, str]) -> bool:
        slot = self._slots.get(key)
        return slot is not None and slot[1] == 1

    def take(self, key: tuple[str, str]) -> int:
        slot = self._slots.pop(key, None)
        return slot[1] if slot else 0
