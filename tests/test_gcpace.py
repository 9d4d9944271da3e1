"""core/gcpace.py: cyclic collection stepped on a cadence instead of automatically."""

from __future__ import annotations

import gc
import weakref

import pytest
from opendeck.core import gcpace
from opendeck.core.gcpace import PacedCollector


class Node:
    pass


@pytest.fixture
def pacer():
    p = PacedCollector()
    was = gc.isenabled()
    p.start()
    yield p
    p.stop()
    assert gc.isenabled() == was


def test_start_switches_automatic_collection_off_and_stop_hands_it_back():
    was = gc.isenabled()
    gc.enable()
    p = PacedCollector()
    p.start()
    assert not gc.isenabled() and p.running
    p.start()  # a second start changes nothing
    p.stop()
    assert gc.isenabled() and not p.running
    gc.disable()
    p.start()
    p.stop()
    assert not gc.isenabled()  # it was off before: it stays off
    (gc.enable if was else gc.disable)()


def test_a_cycle_waits_for_the_step_and_is_freed_by_it(pacer):
    freed = []
    node = Node()
    node.self = node  # only the cyclic collector can free it
    weakref.finalize(node, lambda: freed.append(True))
    del node
    keep = [[] for _ in range(pacer.thresholds[0] * 3)]  # far past generation 0's threshold
    assert not freed  # no automatic pass ran
    assert pacer.step() is not None
    assert freed == [True]
    del keep


def test_a_step_under_the_threshold_does_nothing(pacer, monkeypatch):
    t0 = pacer.thresholds[0]
    monkeypatch.setattr(gcpace.gc, "get_count", lambda: (t0, 0, 0))
    ran = []
    monkeypatch.setattr(gcpace.gc, "collect", lambda gen: ran.append(gen))
    assert pacer.step() is None and ran == [] and pacer.collections == [0, 0, 0]


@pytest.mark.parametrize("counts, gen", [
    ((1, 0, 0), 0),           # young objects only
    ((1, 1, 0), 1),           # enough young passes: the middle generation too
    ((1, 1, 1), 2),           # and enough middle passes: everything
    ((1, 0, 1), 0),           # the old count alone does not call for a full pass
])
def test_the_generation_is_the_one_the_interpreter_would_pick(pacer, monkeypatch, counts, gen):
    t0, t1, t2 = pacer.thresholds
    c0, c1, c2 = counts
    monkeypatch.setattr(gcpace.gc, "get_count",
                        lambda: (t0 + c0, t1 + c1 - (c1 == 0) * t1, t2 + c2 - (c2 == 0) * t2))
    ran = []
    monkeypatch.setattr(gcpace.gc, "collect", lambda g: ran.append(g))
    assert pacer.step() == gen and ran == [gen]
    assert pacer.collections[gen] == 1
