"""The push row: ONE schema for the session's ring, the journal, exports and the window.

A row is a plain tuple (exact tuples of str/int/float/bytes drop out of the cyclic GC, so a
full ring costs a collection nothing)::

    (seq, time, endpoint, context, proto_id, fmt, serial, body, security, error)

Index it with the ``SEQ`` ... ``ERROR`` constants, never with bare numbers. The row holds what
filtering and replay need; it holds no summary. Summaries are text for a person: they are
built where a person reads them (:func:`summary`, the window's visible rows, exports), never on
the ingest path, where they cost more than decoding the packet did.

``security`` is filled at ingest by :func:`security_of`: for the quote pushes a cache keyed by
the first bytes of the body answers, and on a miss protobuf's own parser reads a projection
message that declares only the path to the ``Security``; for the rare pushes without a fixed
path (trade pushes, JSON bodies) it falls back to a full decode. So a text filter on
``security`` + :func:`summary` keeps working on rows as the window's filter did before.

The session calls :func:`rows_from_packets` once per read batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from google.protobuf.message import DecodeError

from . import catalog, codes
from .wire import FMT_PROTOBUF

#: schema version of a row (and of the journal table, ``PRAGMA user_version``)
SCHEMA_VERSION = 2
FIELDS = ("seq", "time", "endpoint", "context", "proto_id", "fmt", "serial", "body", "security",
          "error")
SEQ, TIME, ENDPOINT, CONTEXT, PROTO_ID, FMT, SERIAL, BODY, SECURITY, ERROR = range(len(FIELDS))
WIDTH = len(FIELDS)

Row = tuple  # (int, float, str, str, int, int, int, bytes, str, str)

# Projections: tiny protobuf messages that declare only the path from a push's Response to
# its Qot_Common.Security, built once in a private descriptor pool. Parsing a body with one
# of them is protobuf's own parser (upb, in C) skipping everything else; no field is walked
# by hand. (path elements: the field number to enter; repeated fields: the first element)
_SEC_PATHS: dict[int, tuple[int, ...]] = {
    catalog.QOT_UPDATE_BASIC_QOT: (4, 1, 1),  # s2c.basicQotList[0].security
    catalog.QOT_UPDATE_TICKER: (4, 1),
    catalog.QOT_UPDATE_ORDER_BOOK: (4, 1),
    catalog.QOT_UPDATE_KL: (4, 3),
    catalog.QOT_UPDATE_RT: (4, 1),
    catalog.QOT_UPDATE_BROKER: (4, 1),
}
_REPEATED = {(catalog.QOT_UPDATE_BASIC_QOT, 1)}  # (proto id, depth) of a repeated step
_NO_SECURITY = frozenset({catalog.NOTIFY})
_prefix_cache: dict[bytes, str] = {}
_PREFIX = 32
_SEC_CACHE_MAX = 65536
_SEC_KEYS = frozenset(_SEC_PATHS)
_prefix_of = itemgetter(slice(0, _PREFIX))


def _build_projections() -> dict[int, Any]:
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fd = descriptor_pb2.FileDescriptorProto(name="opendeck_push_projection.proto",
                                            package="opendeck.projection", syntax="proto2")
    sec = fd.message_type.add(name="Security")
    sec.field.add(name="market", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
                  label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    sec.field.add(name="code", number=2, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
                  label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    for pid, path in _SEC_PATHS.items():
        inner = ".opendeck.projection.Security"
        for depth in range(len(path) - 1, -1, -1):  # innermost step first
            name = f"P{pid}_{depth}"
            msg = fd.message_type.add(name=name)
            label = (descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED if (pid, depth) in _REPEATED
                     else descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
            msg.field.add(name="f", number=path[depth], label=label, type_name=inner,
                          type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE)
            inner = f".opendeck.projection.{name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return {pid: message_factory.GetMessageClass(
        pool.FindMessageTypeByName(f"opendeck.projection.P{pid}_0")) for pid in _SEC_PATHS}


_PROJECTIONS = _build_projections()


def _walk(proto_id: int, body: bytes):
    """The Security sub-message of a quote push (parsed by protobuf), or None."""
    node = _PROJECTIONS[proto_id].FromString(body)
    for depth in range(len(_SEC_PATHS[proto_id])):
        if (proto_id, depth) in _REPEATED:
            if not node.f:
                return None
            node = node.f[0]
        else:
            if not node.HasField("f"):
                return None
            node = node.f
    return node


def security_of(proto_id: int, fmt: int, body: bytes) -> str:
    """``"HK.00700"``-style code of the security a push is about, or ``""``; never raises.

    A cache by the first :data:`_PREFIX` bytes of the body (the Security is the first field of
    s2c, or of its first element, so those bytes name it): most pushes cost one slice and one
    dict look-up; the others one parse of a projection message."""
    path = _SEC_PATHS.get(proto_id)
    if path is not None and fmt == FMT_PROTOBUF:
        key = body[:_PREFIX]
        sec = _prefix_cache.get(key)
        if sec is not None:
            return sec
        try:
            node = _walk(proto_id, body)
            if node is None:
                return ""
            sec = codes.format_code(node.market, node.code)
            if len(_prefix_cache) >= _SEC_CACHE_MAX:
                _prefix_cache.clear()
            raw = node.SerializeToString()  # a miss: rare once a code has been seen
            at = body.find(raw)
            if 0 <= at and at + len(raw) <= _PREFIX:  # the prefix holds the whole path to it
                _prefix_cache[key] = sec
            return sec
        except DecodeError:
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

    The common batch (quote pushes of a known shape, no error) is built column by column:
    ``zip`` transposes the packets and builds the rows, the security of each comes from the
    prefix cache through ``map``, and only cache misses take :func:`security_of`. That is
    about a third cheaper per push than a loop making each row; anything else takes the loop.
    """
    n = len(packets)
    if not n:
        return []
    # exact str, not a ContextKind: rows of exact str/int/float/bytes leave the GC's tracking
    endpoint, context = str(endpoint), str(context)
    pids, serials, fmts, bodies, _sizes, errs = zip(*packets)
    if errs.count(None) == n and fmts.count(FMT_PROTOBUF) == n and _SEC_KEYS.issuperset(pids):
        secs = list(map(_prefix_cache.get, map(_prefix_of, bodies)))
        if None in secs:
            for i, sec in enumerate(secs):
                if sec is None:
                    secs[i] = security_of(pids[i], FMT_PROTOBUF, bodies[i])
        return list(zip(range(seq_start, seq_start + n), repeat(now, n), repeat(endpoint, n),
                        repeat(context, n), pids, fmts, serials, bodies, secs, repeat("", n)))
    sec_of = security_of
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
