"""Garbage collection happens on the GUI thread, from a timer, never automatically."""

import gc
import threading
import weakref

from opendeck.gui.gcguard import GuiThreadCollector


class Node:
    pass


def test_cycles_are_collected_by_the_timer_on_the_gui_thread(qtbot):
    collector = GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        seen_threads = []
        node = Node()
        node.self = node  # a cycle: only the cyclic collector can free it
        node.probe = weakref.finalize(node, lambda: seen_threads.append(threading.current_thread()))
        del node
        # a worker allocates far past the gen-0 threshold: with automatic collection on, the
        # pass (and the finalizer) would run in the worker
        keep: list = []
        worker = threading.Thread(
            target=lambda: keep.extend([] for _ in range(gc.get_threshold()[0] * 20)),
            name="allocator")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: bool(seen_threads), timeout=5000)
        assert seen_threads == [threading.main_thread()]
    finally:
        collector.stop()


def test_stop_restores_automatic_collection(qtbot):
    was = gc.isenabled()
    collector = GuiThreadCollector()
    collector.stop()
    assert gc.isenabled() == was

