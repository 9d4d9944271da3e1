"""Push-log rows without Qt: the display-row shape, the builder that makes them from raw ring
rows, marker rows, and the filter predicate over raw rows.

Raw rows are the session ring's tuples (``core.journal.ROW_FIELDS`` order). Both shapes the core
has used are read: 11 fields with the summary at index 9, or 10 fields without it (the summary
is then built when a row is displayed, see :func:`summary_of`); the error is always last.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from opendeck.core import catalog, pushrow

COLUMNS = ("Time", "Endpoint", "Context", "Proto", "Security", "Summary", "Size")
COL_TIME, COL_ENDPOINT, COL_CONTEXT, COL_PROTO, COL_SECURITY, COL_SUMMARY, COL_SIZE = range(7)
SEQ = 7  # row[SEQ]: the push's seq (0 for a marker row)
KIND = 8  # row[KIND]: KIND_PUSH, KIND_ERROR or KIND_MARKER
KIND_PUSH, KIND_ERROR, KIND_MARKER = 0, 1, 2

SUMMARY_MAX = 160  # characters of the summary kept in the row; the detail pane has it all
DEFAULT_ROW_CAP = 50_000
SCAN_CHUNK = 15_000  # rows filtered per step of a re-filter / catch-up
# raw ring rows (core.journal.ROW_FIELDS order)
R_SEQ, R_TIME, R_EP, R_CTX, R_PID, R_FMT, R_SERIAL, R_BODY, R_SEC = range(9)
R_SUMM = 9  # only in 11-field rows
R_ERR = -1

# (time, endpoint, context, proto, security, summary, size, seq, kind): str/int only, so the
# tuple is untracked by the cyclic GC after its first collection. 50k tracked rows (holding a
# record or a brush) would add ~10 ms to every full collection, which is a loop stall.
Row = tuple


def summary_of(r: tuple) -> str:
    """The one-line summary of a raw row (stored in 11-field rows, built for 10-field ones)."""
    if len(r) == 11:
        return r[R_SUMM]
    return pushrow.summary(r)


def shown_summary(cell: str | tuple) -> str:
    """A display row's Summary cell as text. For 10-field rows the cell holds the raw row and
    the text is built only here, when the row is painted (a few dozen at a time), never for
    the thousands a flush appends at 100k pushes/s."""
    if not isinstance(cell, tuple):
        return cell
    summ = summary_of(cell)
    return _clip(summ) if len(summ) > SUMMARY_MAX or "\n" in summ else summ


def _clip(summ: str) -> str:
    summ = summ.replace("\n", " ")
    return summ[:SUMMARY_MAX - 1] + "\u2026" if len(summ) > SUMMARY_MAX else summ


def format_time(t: float) -> str:
    lt = time.localtime(t)
    return f"{lt.tm_hour:02d}:{lt.tm_min:02d}:{lt.tm_sec:02d}.{int(t * 1000) % 1000:03d}"


def proto_label(proto_id: int) -> str:
    return f"{proto_id} {catalog.name_of(proto_id)}"


class RowBuilder:
    """Turns PushRecords into display tuples; caches everything that repeats."""

    def __init__(self, endpoint_name: Callable[[str], str]) -> None:
        self._endpoint_name = endpoint_name
        self._names: dict[str, str] = {}
        self._protos: dict[int, str] = {}
        self._sizes: dict[int, str] = {}
        self._last_t = -1.0
        self._last_ts = ""

    def forget_names(self) -> None:
        self._names.clear()

    def proto(self, pid: int) -> str:
        s = self._protos.get(pid)
        if s is None:
            s = self._protos[pid] = proto_label(pid)
        return s

    def build(self, raw_rows: list[tuple]) -> list[Row]:
        """Display rows from raw ring rows (ROW_FIELDS order); no PushRecord is built."""
        names, protos, sizes = self._names, self._protos, self._sizes
        out = []
        append = out.append
        last_t, last_ts = self._last_t, self._last_ts
        for r in raw_rows:
            seq, t, endpoint, context, pid, body, security, error = (
                r[0], r[1], r[2], r[3], r[4], r[7], r[8], r[-1])
            # 11-field rows carry their summary; a 10-field row's is built when painted
            summ = r[9] if len(r) == 11 else r
            if t != last_t:  # a read batch shares one timestamp
                last_t, last_ts = t, format_time(t)
            ep = names.get(endpoint)
            if ep is None:
                ep = names[endpoint] = self._endpoint_name(endpoint)
            pl = protos.get(pid)
            if pl is None:
                pl = protos[pid] = proto_label(pid)
            n = len(body)
            sz = sizes.get(n)
            if sz is None:
                sz = str(n)
                if len(sizes) < 4096:
                    sizes[n] = sz
            if type(summ) is str and (len(summ) > SUMMARY_MAX or "\n" in summ):
                summ = _clip(summ)
            append((last_ts, ep, context, pl, security, summ, sz, seq,
                    KIND_ERROR if error else KIND_PUSH))
        self._last_t, self._last_ts = last_t, last_ts
        return out


def marker_row(text: str, t: float | None = None) -> Row:
    return (format_time(time.time() if t is None else t), "", "", "", "", text, "", 0, KIND_MARKER)


def skipped_text(n: int) -> str:
    return (f"⋯ {n:,} push{'es' if n != 1 else ''} skipped here: the memory ring evicted "
            f"{'them' if n != 1 else 'it'} before the view caught up (they are in the journal; "
            "export to see them)")


def make_filter(endpoint: str | None, context: str | None, proto_id: int | None,
                text: str) -> Callable[[tuple], bool] | None:
    """A predicate over raw ring rows (ROW_FIELDS order), or None when everything passes."""
    needle = text.strip().lower()
    if endpoint is None and context is None and proto_id is None and not needle:
        return None
    protos: dict[int, str] = {}  # proto id -> "3005 qot_updatebasicqot"

    def accept(r: tuple) -> bool:
        if endpoint is not None and r[R_EP] != endpoint:
            return False
        if context is not None and r[R_CTX] != context:
            return False
        if proto_id is not None and r[R_PID] != proto_id:
            return False
        if needle and needle not in r[R_SEC].lower() and needle not in summary_of(r).lower():
            p = protos.get(r[R_PID])
            if p is None:
                p = protos[r[R_PID]] = proto_label(r[R_PID]).lower()
            if needle not in p:
                return False
        return True

    return accept
