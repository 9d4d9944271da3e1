"""The push log's feed without Qt: counters, the pull per tick, the row cap, pause (hold),
catch-up and re-filter in steps, and clear. A plain ring and plain tuples; no widget, no loop."""

from __future__ import annotations

import subprocess
import sys

from opendeck.core.ring import PushLog
from opendeck.gui.pushlog.feed import PushFeed
from opendeck.gui.pushlog.rows import KIND_MARKER, SCAN_CHUNK, SEQ, RowBuilder


def push(ring: PushLog, n: int, *, endpoint: str = "ep-a", context: str = "quote",
         proto_id: int = 3005, security: str = "HK.00700", t: float = 1_760_000_000.0) -> None:
    """``n`` raw ring rows in the 10-field schema (no summary; the error last)."""
    rows = [(ring.next_seq(), t, endpoint, context, proto_id, 0, i, b"\x08\x00", security, "")
            for i in range(n)]
    ring.extend(rows)


def make(capacity: int = 1_000_000, row_cap: int = 1000) -> tuple[PushLog, PushFeed]:
    ring = PushLog(capacity)
    return ring, PushFeed(ring, RowBuilder(lambda ep: ep.upper()).build, row_cap)


def run(scan):
    """Drive a scan generator to its end; returns (steps, rows)."""
    steps = 0
    try:
        while True:
            next(scan)
            steps += 1
    except StopIteration as stop:
        return steps, stop.value


def test_the_feed_module_imports_no_qt():
    code = ("import sys, opendeck.gui.pushlog.feed, opendeck.gui.pushlog.rows; "
            "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60, check=False).returncode == 0


def test_pull_counts_every_push_once_and_builds_display_rows():
    ring, feed = make()
    assert feed.pull() == []
    push(ring, 5)
    rows = feed.pull()
    assert [r[SEQ] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0][1] == "EP-A" and rows[0][4] == "HK.00700"
    assert feed.seen == feed.shown_total == feed.matching == 5 and feed.accounted()
    assert feed.take_new_protos() == [3005] and feed.take_new_protos() == []
    assert feed.pull() == []


def test_the_filter_counts_what_it_keeps_out():
    ring, feed = make()
    assert feed.set_filter(("ep-b", None, None, "")) and not feed.set_filter(("ep-b", None, None, " "))
    push(ring, 3, endpoint="ep-a")
    push(ring, 2, endpoint="ep-b")
    rows = feed.pull()
    assert len(rows) == 2 and feed.filtered_out == 3 and feed.matching == 2 and feed.accounted()


def test_only_the_tail_under_the_cap_is_built():
    ring, feed = make(row_cap=10)
    push(ring, 25)
    rows = feed.pull()
    assert [r[SEQ] for r in rows] == list(range(16, 26)) and feed.trimmed == 15


def test_hold_buffers_and_a_big_backlog_is_caught_up_in_steps():
    ring, feed = make(row_cap=100)
    push(ring, 3)
    feed.pull()
    push(ring, SCAN_CHUNK * 2 + 5)
    feed.hold()  # paused: counted, not shown
    assert feed.buffered == SCAN_CHUNK * 2 + 5 and feed.last_seq == 3 and feed.accounted()
    assert feed.pull() is None  # too big for one tick
    steps, rows = run(feed.catch_up())
    assert steps == 2 and len(rows) == 100 and rows[-1][SEQ] == ring.last_seq
    assert feed.buffered == 0 and feed.accounted()


def test_evicted_before_pulled_is_skipped_with_a_marker():
    ring, feed = make(capacity=40, row_cap=1000)
    push(ring, 100)
    rows = feed.pull()
    assert rows[0][8] == KIND_MARKER and "skipped" in rows[0][5]
    assert feed.skipped == ring.first_seq - 1 and feed.accounted()


def test_refilter_scans_newest_first_and_clear_hides_what_was_shown():
    ring, feed = make(row_cap=5)
    push(ring, SCAN_CHUNK + 10, security="HK.00700")
    push(ring, 3, security="US.AAPL")
    run(feed.catch_up())
    feed.set_filter((None, None, None, "aapl"))
    steps, rows = run(feed.refilter())
    assert steps >= 1 and [r[4] for r in rows] == ["US.AAPL"] * 3 and feed.matching == 3
    feed.clear()
    _, rows = run(feed.refilter())
    assert rows == [] and feed.matching == 0
    push(ring, 1, security="US.AAPL")
    assert len(feed.pull()) == 1 and feed.matching == 1


def test_matching_rows_are_what_the_filter_shows_since_the_last_clear():
    ring, feed = make(row_cap=2)  # the cap limits the view, not the export
    push(ring, 4, endpoint="ep-a")
    push(ring, 3, endpoint="ep-b")
    feed.pull()
    feed.set_filter(("ep-b", None, None, ""))
    _, rows = run(feed.matching_rows())
    assert [r[0] for r in rows] == [5, 6, 7]
    push(ring, 2, endpoint="ep-b")  # not pulled yet: not shown, not exported
    _, rows = run(feed.matching_rows())
    assert len(rows) == 3
