"""The push row: ONE schema for the session's ring, the journal, exports and the window.

A row is a plain tuple (exact tuples of str/int/float/bytes drop out of the cyclic GC, so a
full ring costs a collection nothing)::

    (seq, time, endpoint, context, proto_id, fmt, serial, body, security, error)

Index it with the ``SEQ`` ... ``ERROR`` constants, never with bare numbers. The row holds what
filtering and replay need; it holds no summary. Summaries are text for a person: they are
built where a person reads them (:func:`summary`, the window's visible rows, exports), never on
the ingest path, where they cost more than decoding the packet did.

``security`` is filled at ingest by :func:`security_of`: for the quote pushes it walks the
protobuf wire bytes to the ``Security`` sub-message (a few byte reads, no message object) and
looks the formatted code up in a small cache; for the rare pushes without a fixed path (trade
pushes, JSON bodies) it falls back to a full decode. So a text filter on
``security`` + :func:`summary` keeps working on rows as the window's filter did before.

The session calls :func:`rows_from_packets` once per read batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from . import catalog, codes
from .wire import FMT_PROTOBUF

#: schema version of a row (and of the journal table, ``PRAGMA user_version``)
SCHEMA_VERSION = 2
FIELDS = ("seq", "time", "endpoint", "context", "proto_id", "fmt", "serial", "body", "security",
          "error")
SEQ, TIME, ENDPOINT, CONTEXT, PROTO_ID, FMT, SERIAL, BODY, SECURITY, ERROR = range(len(FIELDS))
WIDTH = len(FIELDS)

Row = tuple  # (int, float, str, str, int, int, int, bytes, str, str)

# Field-number paths from a Response to its Qot_Common.Security (s2c is field 4 everywhere;
# a path element is the LEN field to enter; repeated fields: the first element).
_SEC_PATHS: dict[int, tuple[int, ...]] = {
    catalog.QOT_UPDATE_BASIC_QOT: (4, 1, 1),  # s2c.basicQotList[0].security
    catalog.QOT_UPDATE_TICKER: (4, 1),
    catalog.QOT_UPDATE_ORDER_BOOK: (4, 1),
    catalog.QOT_UPDATE_KL: (4, 3),
    catalog.QOT_UPDATE_RT: (4, 1),
    catalog.QOT_UPDATE_BROKER: (4, 1),
}
_NO_SECURITY = frozenset({catalog.NOTIFY})
_sec_cache: dict[bytes, str] = {}
_prefix_cache: dict[bytes, str] = {}
_PREFIX = 32
_SEC_CACHE_MAX = 65536


def _varint(b: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        c = b[pos]
        pos += 1
        result |= (c & 0x7F) << shift
        if c < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _enter(b: bytes, pos: int, end: int, want: int) -> tuple[int, int]:
    """(start, stop) of the first LEN field number ``want`` in b[pos:end]; (-1, -1) if none."""
    while pos < end:
        tag = b[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = _varint(b, pos)
        wt = tag & 7
        if wt == 2:
            if b[pos] < 0x80:
                n = b[pos]
                pos += 1
            else:
                n, pos = _varint(b, pos)
            if tag >> 3 == want:
                return (pos, pos + n) if pos + n <= end else (-1, -1)
            pos += n
        elif wt == 0:
            while b[pos] >= 0x80:
                pos += 1
            pos += 1
        elif wt == 1:
            pos += 8
        elif wt == 5:
            pos += 4
        else:
            return -1, -1
    return -1, -1


def _format_security(raw: bytes) -> str:
    market = 0
    code = ""
    pos, end = 0, len(raw)
    while pos < end:
        tag, pos = _varint(raw, pos)
        if tag == 0x08:
            market, pos = _varint(raw, pos)
            if market >= 1 << 63:
                market -= 1 << 64
        elif tag == 0x12:
            n, pos = _varint(raw, pos)
            code = raw[pos:pos + n].decode("utf-8", "replace")
            pos += n
        else:  # not a Security as we know it: let the slow path decide
            raise ValueError("unexpected field in Security")
    return codes.format_code(market, code)


def security_of(proto_id: int, fmt: int, body: bytes) -> str:
    """``"HK.00700"``-style code of the security a push is about, or ``""``; never raises.

    Two caches: by the first :data:`_PREFIX` bytes of the body when the Security sub-message
    ends inside them (the usual case: it is the first field of s2c, or of its first element),
    so most pushes cost one slice and one dict look-up; else by the Security bytes found by
    walking the wire format."""
    path = _SEC_PATHS.get(proto_id)
    if path is not None and fmt == FMT_PROTOBUF:
        key = body[:_PREFIX]
        sec = _prefix_cache.get(key)
        if sec is not None:
            return sec
        try:
            a, b = 0, len(body)
            for want in path:
                a, b = _enter(body, a, b, want)
                if a < 0:
                    return ""
            raw = body[a:b]
            sec = _sec_cache.get(raw)
            if sec is None:
                sec = _format_security(raw)
                if len(_sec_cache) >= _SEC_CACHE_MAX:
                    _sec_cache.clear()
                _sec_cache[raw] = sec
            if b <= _PREFIX:
                if len(_prefix_cache) >= _SEC_CACHE_MAX:
                    _prefix_cache.clear()
                _prefix_cache[key] = sec
            return sec
        except (IndexError, ValueError):
            pass
    if proto_id in _NO_SECURITY or catalog.response_type(proto_id) is None:
        return ""
    from .summary import summarize  # slow path: trade pushes, JSON bodies, odd bytes
    return summarize(proto_id, fmt, body)[0]


def rows_from_packets(packets: Sequence[Any], seq_start: int, now: float, endpoint: str,
                      context: str) -> list[Row]:
    """The rows of one read batch, numbered ``seq_start``, ``seq_start + 1``, ...

    ``packets`` are :class:`~opendeck.core.channel.Packet` s (tuples: proto_id, serial, fmt,
    body, wire_size, error). A packet with an error keeps its bytes and gets
    ``"ErrorType: message"`` in ``error``.
    """
    sec_of = security_of
    # exact str, not a ContextKind: rows of exact str/int/float/bytes leave the GC's tracking
    endpoint, context = str(endpoint), str(context)
    rows = []
    append = rows.append
    seq = seq_start
    for pid, serial, fmt, body, _size, err in packets:
        if err is None:
            append((seq, now, endpoint, context, pid, fmt, serial, body, sec_of(pid, fmt, body), ""))
        else:
            append((seq, now, endpoint, context, pid, fmt, serial, body, "",
                    f"{type(err).__name__}: {err}"))
        seq += 1
    return rows


def errors_in(rows: Iterable[Row]) -> int:
    """How many rows carry an error (for the session's one error event per batch)."""
    return sum(1 for r in rows if r[ERROR])


# --- read side: built on demand ------------------------------------------------------------

def summary(row: Row) -> str:
    """The one-line summary a person reads (built now; cache it where rows are shown)."""
    if row[ERROR]:
        return row[ERROR]
    from .summary import summarize
    return summarize(row[PROTO_ID], row[FMT], row[BODY])[1]


def matches(row: Row, needle: str, summary_text: str | None = None) -> bool:
    """The window's text filter: ``needle`` (lowercase) in the security or the summary."""
    if not needle:
        return True
    if needle in row[SECURITY].lower():
        return True
    return needle in (summary(row) if summary_text is None else summary_text).lower()


class PushRecord:
    """A row with names (the detail pane, tests). ``summary`` is built on first access."""

    __slots__ = FIELDS + ("_summary",)

    def __init__(self, seq: int, time: float, endpoint: str, context: str, proto_id: int,
                 fmt: int, serial: int, body: bytes, security: str = "", error: str = "") -> None:
        self.seq, self.time, self.endpoint, self.context = seq, time, endpoint, context
        self.proto_id, self.fmt, self.serial, self.body = proto_id, fmt, serial, body
        self.security, self.error = security, error
        self._summary: str | None = None

    @classmethod
    def of(cls, row: Row) -> PushRecord:
        return cls(*row)

    def row(self) -> Row:
        return (self.seq, self.time, self.endpoint, self.context, self.proto_id, self.fmt,
                self.serial, self.body, self.security, self.error)

    @property
    def summary(self) -> str:
        if self._summary is None:
            self._summary = summary(self.row())
        return self._summary

    @property
    def name(self) -> str:
        return catalog.name_of(self.proto_id)

    @property
    def size(self) -> int:
        return len(self.body)

    def decode(self) -> dict[str, Any]:
        """The full message as a dict (built on demand, never on the hot path)."""
        from .summary import decode_push
        return decode_push(self.proto_id, self.fmt, self.body)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PushRecord) and self.row() == other.row()

    def __repr__(self) -> str:
        return f"PushRecord{self.row()!r}"
