"""The pure timing policy: transition table, backoff, KeepAlive clamp, liveness (fake clock)."""

from __future__ import annotations

import itertools

import pytest

from opendeck.core.client.policy import (TRANSITIONS, Backoff, IllegalTransition, Liveness,
                                         StateMachine, clamp_keepalive)
from opendeck.core.events import ConnState

S = ConnState

LEGAL = {
    (S.IDLE, S.CONNECTING), (S.IDLE, S.CLOSED),
    (S.CONNECTING, S.HANDSHAKING), (S.CONNECTING, S.RECONNECTING), (S.CONNECTING, S.FAILED),
    (S.CONNECTING, S.CLOSING),
    (S.HANDSHAKING, S.READY), (S.HANDSHAKING, S.RECONNECTING), (S.HANDSHAKING, S.FAILED),
    (S.HANDSHAKING, S.CLOSING),
    (S.READY, S.RECONNECTING), (S.READY, S.FAILED), (S.READY, S.CLOSING),
    (S.RECONNECTING, S.CONNECTING), (S.RECONNECTING, S.FAILED), (S.RECONNECTING, S.CLOSING),
    (S.CLOSING, S.CLOSED),
    (S.CLOSED, S.CONNECTING),
    (S.FAILED, S.CONNECTING), (S.FAILED, S.CLOSED),
}


@pytest.mark.parametrize("old, new", list(itertools.product(S, S)))
def test_every_pair_of_states_is_legal_or_raises(old, new):
    m = StateMachine(old)
    if (old, new) in LEGAL:
        assert m.can(new)
        assert m.move(new) is old and m.state is new
    else:
        assert not m.can(new)
        with pytest.raises(IllegalTransition, match=f"{old} -> {new}"):
            m.move(new)
        assert m.state is old


def test_the_table_is_exactly_the_documented_one():
    assert {(a, b) for a, bs in TRANSITIONS.items() for b in bs} == LEGAL
    assert set(TRANSITIONS) == set(S)


def test_backoff_doubles_to_the_cap_without_jitter():
    b = Backoff(base=1.0, cap=30.0, jitter=0.0)
    assert [b.next_delay() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_jitter_stays_within_its_band():
    values = iter([0.0, 1.0, 0.5])
    b = Backoff(base=4.0, cap=100.0, jitter=0.25, rng=lambda: next(values))
    assert b.next_delay() == pytest.approx(3.0)  # 4 x 0.75
    assert b.next_delay() == pytest.approx(10.0)  # 8 x 1.25
    assert b.next_delay() == pytest.approx(16.0)  # 16 x 1.0


def test_backoff_grows_across_handshake_then_fail_cycles():
    b = Backoff(base=1.0, cap=60.0, jitter=0.0, healthy_after=30.0)
    delays = []
    now = 0.0
    for _ in range(5):  # ready, then dropped 1 s later: never healthy
        b.on_ready(now)
        now += 1.0
        b.on_drop(now)
        delays.append(b.next_delay())
        now += delays[-1]
    assert delays == [1, 2, 4, 8, 16]


def test_backoff_resets_only_after_a_healthy_stretch():
    b = Backoff(base=1.0, cap=60.0, jitter=0.0, healthy_after=30.0)
    for _ in range(4):
        b.next_delay()
    b.on_ready(100.0)
    b.on_drop(129.9)  # 29.9 s: not yet healthy
    assert b.next_delay() == 16
    b.on_ready(200.0)
    b.on_drop(230.0)
    assert b.next_delay() == 1


def test_permanent_failures_wait_the_slow_cap():
    b = Backoff(jitter=0.0, permanent_delay=300.0)
    assert b.next_delay(permanent=True) == 300.0
    assert b.attempt == 0


@pytest.mark.parametrize("asked, used, noted", [(0, 1, True), (-5, 1, True), (1, 1, False),
                                                (10, 10, False), (120, 120, False),
                                                (121, 120, True), (2**31 - 1, 120, True)])
def test_keepalive_interval_is_clamped_and_said(asked, used, noted):
    interval, note = clamp_keepalive(asked)
    assert interval == used
    assert bool(note) is noted
    if noted:
        assert str(asked) in note


def test_liveness_beats_on_a_fixed_schedule_and_counts_misses():
    lv = Liveness(10.0, now=0.0)
    assert lv.period == 5.0 and lv.dead_after == 15.0
    assert not lv.due(4.9) and lv.due(5.0)
    assert lv.sent(1, 5.0) is False
    assert lv.answered(1, 5.2) == pytest.approx(0.2)
    assert lv.next_beat == 10.0
    lv.sent(2, 10.7)  # a late tick does not shift the schedule
    assert lv.next_beat == 15.0
    assert lv.sent(3, 15.0) is True and lv.missed == 1  # beat 2 never answered
    assert lv.answered(2, 15.1) is None  # a stale reply: no RTT, but a sign of life


def test_dead_peer_is_declared_at_one_and_a_half_intervals_of_silence():
    lv = Liveness(10.0, now=0.0)
    lv.received(3.0)
    assert not lv.dead(17.9)
    assert lv.dead(18.0)


def test_any_frame_counts_as_a_sign_of_life():
    lv = Liveness(10.0, now=0.0)
    for t in range(1, 100):  # pushes every second, no KeepAlive reply ever
        lv.received(float(t))
        if lv.due(float(t)):
            lv.sent(t, float(t))
        assert not lv.dead(float(t))
    assert lv.missed > 3  # misses are shown, but do not kill a connection that talks


def test_our_own_reading_pause_never_trips_detection():
    lv = Liveness(10.0, now=0.0)
    lv.hold(True, 1.0)
    assert not lv.dead(1000.0)
    lv.hold(False, 1000.0)
    assert not lv.dead(1014.0) and lv.dead(1015.0)


def test_identical_errors_are_folded_within_the_window():
    from opendeck.core.client.policy import ErrorFolder
    f = ErrorFolder(window=1.0)
    key = ("ProtocolError", "bad magic")
    assert f.offer(key, 0.0) is True
    assert [f.offer(key, t / 10) for t in range(1, 10)] == [False] * 9
    assert f.take(key) == 9 and f.take(key) == 0
    assert f.offer(key, 1.5) is True  # a new window
    assert f.offer(("ProtocolError", "other"), 1.6) is True  # another text is its own error
