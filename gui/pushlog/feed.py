"""The push log's feed, without Qt: what to show next, and every counter.

The dock's flush timer calls :meth:`PushFeed.pull` once per tick; it pulls the new raw rows from
the session's ring once (``pushes.rows_since``), filters them, builds display rows only for what
can stay under the row cap, and returns them for **one** model insert. Big scans (a catch-up
after a long pause, a re-filter over the whole ring) are generators that yield between chunks
of :data:`SCAN_CHUNK` rows and return their rows at the end (``rows = yield from ...``).

Accounting (every push is counted exactly once)::

    seen == shown_total + filtered_out + skipped + buffered

``skipped`` are pushes the ring evicted before the feed pulled them (a very long pause); they
are still in the journal, and a marker row says so.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from .rows import R_PID, R_SEQ, SCAN_CHUNK, Row, make_filter, marker_row, skipped_text

FilterArgs = tuple[str | None, str | None, int | None, str]
Scan = Generator[None, None, list[Row]]


class PushFeed:
    def __init__(self, pushes, build: Callable[[list[tuple]], list[Row]], row_cap: int) -> None:
        self.pushes = pushes  # the session's PushLog ring
        self.build = build
        self.row_cap = row_cap
        self.base_seq = pushes.first_seq - 1  # pushes evicted before we existed are not ours
        self.last_seq = self.base_seq  # highest seq pulled from the ring
        self.floor_seq = self.base_seq  # clear(): rows up to here are not shown again
        self.seen = 0
        self.shown_total = 0
        self.filtered_out = 0
        self.skipped = 0
        self.trimmed = 0
        self.buffered = 0
        self.buffered_evicted = 0
        self.matching = 0  # pushes matching the current filter (in memory at refilter, + new)
        self.filter_args: FilterArgs = (None, None, None, "")
        self.accept: Callable[[tuple], bool] | None = None
        self.proto_ids: set[int] = set()
        self._new_protos: list[int] = []

    @property
    def cap(self) -> int:
        return max(1, self.row_cap)

    def accounted(self) -> bool:
        return self.seen == self.shown_total + self.filtered_out + self.skipped + self.buffered

    # ------------------------------------------------------------------ protos seen
    def _note_protos(self, rows: list[tuple]) -> None:
        if rows:
            new = {r[R_PID] for r in rows} - self.proto_ids
            if new:
                self.proto_ids |= new
                self._new_protos.extend(sorted(new))

    def take_new_protos(self) -> list[int]:
        """Proto ids seen since the last call (for the filter combo)."""
        out, self._new_protos = self._new_protos, []
        return out

    # ------------------------------------------------------------------ filter
    def set_filter(self, args: FilterArgs) -> bool:
        """True when the filter changed (the caller then runs :meth:`refilter`)."""
        norm = (args[0], args[1], args[2], args[3].strip().lower())
        if norm == self.filter_args:
            return False
        self.filter_args = norm
        self.accept = make_filter(*norm)
        return True

    # ------------------------------------------------------------------ the tick
    def hold(self) -> None:
        """Paused (or a scan owns the view): count what arrives, show nothing."""
        head = self.pushes.last_seq
        self.seen = head - self.base_seq
        self.buffered = head - self.last_seq
        self.buffered_evicted = max(0, self.pushes.first_seq - 1 - self.last_seq)

    def pull(self) -> list[Row] | None:
        """Display rows to append ([] when nothing new passes), or None when the backlog is
        bigger than one step (run :meth:`catch_up` in steps instead)."""
        pushes = self.pushes
        head = pushes.last_seq
        self.seen = head - self.base_seq
        if head == self.last_seq:
            self.buffered = 0
            self.buffered_evicted = 0
            return []
        if head - self.last_seq > SCAN_CHUNK:
            return None
        gap = max(0, pushes.first_seq - 1 - self.last_seq)  # evicted before we pulled them
        new = pushes.rows_since(self.last_seq)
        self.last_seq = head
        self.buffered = 0
        self.buffered_evicted = 0
        self.skipped += gap
        self._note_protos(new)
        accept = self.accept
        passed = new if accept is None else [r for r in new if accept(r)]
        self.filtered_out += len(new) - len(passed)
        self.shown_total += len(passed)
        self.matching += len(passed)
        cap = self.cap
        rows: list[Row] = [marker_row(skipped_text(gap))] if gap else []
        if len(passed) + len(rows) > cap:  # only the tail can stay: skip building the rest
            keep = cap - len(rows) if len(rows) < cap else cap
            self.trimmed += len(passed) - keep
            passed = passed[-keep:] if keep else []
            if len(rows) >= cap:
                rows = []
        rows.extend(self.build(passed))
        return rows

    def catch_up(self) -> Scan:
        """Pull a big backlog in chunks (oldest first): every push is counted, only the last
        ``row_cap`` that pass the filter are built."""
        pushes = self.pushes
        gap = max(0, pushes.first_seq - 1 - self.last_seq)
        if gap:
            self.skipped += gap
            self.last_seq += gap
        todo = pushes.rows_since(self.last_seq)  # a snapshot: eviction meanwhile is harmless
        cap = self.cap
        keep: list[tuple] = []
        accept = self.accept
        for i in range(0, len(todo), SCAN_CHUNK):
            chunk = todo[i:i + SCAN_CHUNK]
            self._note_protos(chunk)
            passed = chunk if accept is None else [r for r in chunk if accept(r)]
            self.filtered_out += len(chunk) - len(passed)
            self.shown_total += len(passed)
            self.matching += len(passed)
            keep.extend(passed)
            if len(keep) > 2 * cap:
                self.trimmed += len(keep) - cap
                del keep[:-cap]
            self.last_seq = chunk[-1][R_SEQ]
            self.buffered = pushes.last_seq - self.last_seq
            if i + SCAN_CHUNK < len(todo):
                yield
        rows: list[Row] = [marker_row(skipped_text(gap))] if gap else []
        room = max(0, cap - len(rows))
        if len(keep) > room:
            self.trimmed += len(keep) - room
            keep = keep[len(keep) - room:] if room else []
        rows.extend(self.build(keep))
        return rows[-cap:] if len(rows) > cap else rows

    def matching_rows(self) -> Generator[None, None, list[tuple]]:
        """Every raw row already pulled (not cleared) that passes the filter, oldest first,
        scanned in steps (the export of "what the filter shows")."""
        held = self.pushes.rows_since(self.floor_seq)
        upto = len(held) - max(0, self.pushes.last_seq - self.last_seq)
        accept = self.accept
        if accept is None:
            return list(held[:upto])
        out: list[tuple] = []
        for i in range(0, upto, SCAN_CHUNK):
            out.extend(r for r in held[i:min(upto, i + SCAN_CHUNK)] if accept(r))
            if i + SCAN_CHUNK < upto:
                yield
        return out

    def refilter(self) -> Scan:
        """Newest first over what was already pulled (a paused view does not jump ahead):
        keeps the newest ``row_cap`` matches, counts them all."""
        pushes = self.pushes
        accept = self.accept
        cap = self.cap
        lo = self.floor_seq
        held = pushes.rows_since(lo)
        upto = len(held) - max(0, pushes.last_seq - self.last_seq)
        if accept is None:
            picked = held[max(0, upto - cap):upto]
            matching = upto
        else:
            picked = []
            matching = 0
            i = upto
            while i > 0:
                start = max(0, i - SCAN_CHUNK)
                for j in range(i - 1, start - 1, -1):
                    r = held[j]
                    if accept(r):
                        matching += 1
                        if len(picked) < cap:
                            picked.append(r)
                i = start
                if i > 0:
                    yield
            picked.reverse()
        rows = self.build(picked)
        gone = max(0, pushes.first_seq - 1 - lo)
        if gone and len(rows) < cap:
            rows.insert(0, marker_row(f"\u22ef {gone:,} earlier push{'es' if gone != 1 else ''} are "
                                      "no longer in memory (they are in the journal; export to "
                                      "see them)"))
        self.matching = matching
        return rows

    def clear(self) -> None:
        """The view was emptied: what was pulled so far is not shown again."""
        self.floor_seq = self.last_seq
        self.matching = 0
