"""Replay a recorded journal through the demo gateway: ``opendeck gateway --replay JOURNAL``.

A journal written by the window or by ``opendeck record`` holds every push as it arrived
(:mod:`~opendeck.core.pushrow` rows). :class:`Replay` serves its quote pushes to whoever
subscribes, on the recorded timeline: at recorded pace, ``speed`` times faster, or as fast as
the connections take them (``speed=None``, "max"). Each push goes to every connection
subscribed to its (security, SubType) with push registration, re-encoded in the connection's
push format; Notify rows go to every connection that asked for notifies.

Passes. The timeline starts with the first subscription that names a pair the journal holds,
so a script that connects late misses nothing; a connection that subscribes while a pass is
under way gets the rest of that pass. A pass ends when the timeline runs out, or as soon as no
connection is subscribed to any of the journal's pairs any more (everyone left mid-way). The
replay then rewinds and waits: the next connection that subscribes to one of the journal's
pairs (a new one, or one that let go of them all and subscribes again) starts a new pass from
the first push; the connections that were still subscribed at the end of the last pass do not
start one by staying. So the same script can be pointed at the gateway again and again.

Memory stays bounded whatever the journal's size: :func:`load` checks the file and surveys it
with SQL (how many rows, and for each security the first push, decoded for its code, name and
price) without holding its rows; a pass reads the rows in chunks of :data:`CHUNK` ordered by
``seq`` (keyset pagination, a read-only connection) and decodes each row just before it is
sent. Rows without a ``security`` (older journals) are found by decoding them, still chunk by
chunk, keeping only one push per code.

The journal's codes are admitted into the market's universe even where the universe lacks
them, so a real session from a real OpenD can be replayed into a user's own script offline.
Run the gateway with ``push_rate=0`` alongside, so the live model does not push over it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from google.protobuf.message import DecodeError as PbDecodeError

from .. import catalog
from ..channel import decode_message
from ..errors import ConfigError, DecodeError
from ..wire import FMT_PROTOBUF
from . import market as mk
from . import pushes
from .universe import EQTY, Spec, stock_id

log = logging.getLogger("opendeck.gateway")

#: push proto id -> the SubType a subscriber needs (K-lines: from the body's klType)
SUBTYPE_OF_PUSH = {catalog.QOT_UPDATE_BASIC_QOT: mk.SUB_BASIC,
                   catalog.QOT_UPDATE_TICKER: mk.SUB_TICKER,
                   catalog.QOT_UPDATE_ORDER_BOOK: mk.SUB_ORDER_BOOK,
                   catalog.QOT_UPDATE_RT: mk.SUB_RT,
                   catalog.QOT_UPDATE_BROKER: mk.SUB_BROKER}
KLTYPE_SUBTYPE = {kl: st for st, (kl, _m) in mk.KL_SUBTYPES.items()}
BATCH = 256  # rows sent between two yields at max speed
CHUNK = 2048  # rows read from the journal at once
POLL = 0.05  # seconds between two looks for a subscriber (and for everyone having left)

#: the proto ids a replay serves (trade pushes and others belong to an account: not replayed)
REPLAYED = (catalog.NOTIFY, catalog.QOT_UPDATE_KL, *SUBTYPE_OF_PUSH)
_RESPONSE = {pid: catalog.response_type(pid) for pid in REPLAYED}
_WHERE = f"error = '' AND proto_id IN ({','.join(str(p) for p in REPLAYED)})"


class Item(NamedTuple):
    t: float
    proto_id: int
    key: tuple[int, str] | None  # None: Notify
    subtype: int
    resp: object


class Source:
    """A journal opened for replay: checked and surveyed at once (:func:`load`), its rows read
    in chunks each time it is iterated. Iterating yields :class:`Item` s, oldest first, each
    decoded when it is reached; ``len()`` is the number of replayable rows."""

    def __init__(self, path: Path | str, chunk: int = CHUNK) -> None:
        self.path = Path(path)
        self.chunk = chunk
        #: one decoded push per (code, proto id) of the journal, for keys and admission
        self.heads: list[Item] = []
        #: the ``security`` column's values -> the (market, code) their pushes carry
        self.keymap: dict[str, tuple[int, str]] = {}
        self.count = 0
        self._sec = "''"  # the security column, when the journal has one
        if not self.path.is_file():
            raise ConfigError(f"no journal at {self.path}: give a file written by the window "
                              "or by `opendeck record`")
        try:
            self._survey()
        except sqlite3.Error as exc:
            raise ConfigError(f"{self.path} is not a readable OpenDeck journal ({exc}): give a "
                              "file written by the window or by `opendeck record`") from None

    def __len__(self) -> int:
        return self.count

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)

    def _survey(self) -> None:
        db = self._connect()
        try:
            cols = {r[1] for r in db.execute("PRAGMA table_info(pushes)")}
            if not cols:
                raise sqlite3.DatabaseError("it has no table pushes")
            if "security" in cols:
                self._sec = "security"
            groups = db.execute(f"SELECT {self._sec}, proto_id, COUNT(*), MIN(seq) FROM pushes "
                                f"WHERE {_WHERE} GROUP BY 1, 2").fetchall()
            self.count = sum(g[2] for g in groups)
            seen: set[tuple[tuple[int, str], int]] = set()
            for security, pid, _n, first in groups:
                if pid == catalog.NOTIFY:
                    continue
                # a security column: its first push that decodes stands for the whole group;
                # none (older journals): every row of the proto is decoded, one kept per code
                chunks = self.chunks(f"{self._sec} = ? AND proto_id = ?", (security, pid),
                                     first - 1, 16 if security else self.chunk, db)
                for it in _decoded(chunks):
                    if security:
                        self.keymap[security] = it.key
                    if (it.key, pid) not in seen:
                        seen.add((it.key, pid))
                        self.heads.append(it)
                    if security:
                        break
        finally:
            db.close()

    def chunks(self, cond: str = "1", args: tuple = (), after: int = -(1 << 63),
               size: int = 0, db: sqlite3.Connection | None = None) -> Iterator[list[tuple]]:
        """The replayable rows matching ``cond`` after seq ``after``, oldest first, ``size``
        (default :attr:`chunk`) at a time: lists of (seq, time, proto_id, fmt, body,
        security)."""
        size = size or self.chunk
        sql = (f"SELECT seq, time, proto_id, fmt, body, {self._sec} FROM pushes "
               f"WHERE seq > ? AND {_WHERE} AND {cond} ORDER BY seq LIMIT ?")
        own = db is None
        if own:
            db = self._connect()
        try:
            while True:
                rows = db.execute(sql, (after, *args, size)).fetchall()
                if rows:
                    yield rows
                if len(rows) < size:
                    return
                after = rows[-1][0]
        finally:
            if own:
                db.close()

    def __iter__(self) -> Iterator[Item]:
        return _decoded(self.chunks())


def _decoded(chunks: Iterable[list[tuple]]) -> Iterator[Item]:
    for rows in chunks:
        for _seq, t, pid, fmt, body, _security in rows:
            item = _item(t, pid, fmt, body)
            if item is not None:
                yield item


def load(path: Path | str) -> Source:
    """The replayable rows of a journal, oldest first, read lazily (:class:`Source`). Raises
    ConfigError at once when the file is missing or not a journal."""
    return Source(path)


def _item(t: float, pid: int, fmt: int, body: bytes) -> Item | None:
    cls = _RESPONSE.get(pid)
    if cls is None:
        return None  # trade pushes and others: not replayed (they belong to an account)
    try:
        resp = decode_message(cls, body, fmt, pid)
    except DecodeError:
        return None
    if pid == catalog.NOTIFY:
        return Item(t, pid, None, 0, resp)
    s2c = resp.s2c
    if pid == catalog.QOT_UPDATE_BASIC_QOT and not s2c.basicQotList:
        return None
    sec = s2c.basicQotList[0].security if pid == catalog.QOT_UPDATE_BASIC_QOT else s2c.security
    if pid == catalog.QOT_UPDATE_KL:
        subtype = KLTYPE_SUBTYPE.get(s2c.klType)
        if subtype is None:
            return None
    else:
        subtype = SUBTYPE_OF_PUSH[pid]
    return Item(t, pid, (sec.market, sec.code), subtype, resp)


class _Body:
    """A recorded protobuf body on its way out: protobuf connections get the bytes as they
    were recorded (what decoding and re-encoding would give, without either: it stands in
    for the message in :func:`~opendeck.core.channel.encode_message`, which asks a message for
    ``SerializePartialToString()``); other formats get :meth:`message`, parsed once."""

    __slots__ = ("_msg", "body", "cls")

    def __init__(self, cls, body: bytes) -> None:
        self.cls, self.body, self._msg = cls, body, None

    def SerializePartialToString(self) -> bytes:  # the protobuf method's name
        return self.body

    def message(self):
        if self._msg is None:
            self._msg = self.cls.FromString(self.body)
        return self._msg

    def decoded(self):
        """:meth:`message`, or None when the body does not parse."""
        try:
            return self.message()
        except PbDecodeError:
            return None

    def __getattr__(self, name: str):  # a reader of the push (a test, a hook) sees the message
        return getattr(self.message(), name)


def _entries(source: Source) -> Iterator[tuple]:
    """(t, proto id, key, subtype, resp) of each replayable row of a journal, oldest first,
    decoded row by row. The hot path: a protobuf push whose ``security`` the survey knows
    takes its key from the column and travels as a :class:`_Body`; the others (K-lines,
    Notify, JSON bodies, rows without a security) are decoded by :func:`_item`."""
    keymap, subtypes, classes = source.keymap, SUBTYPE_OF_PUSH, _RESPONSE
    for rows in source.chunks():
        for _seq, t, pid, fmt, body, security in rows:
            st = subtypes.get(pid)
            key = keymap.get(security)
            if st is None or key is None or fmt != FMT_PROTOBUF:
                it = _item(t, pid, fmt, body)
                if it is not None:
                    yield it
                continue
            yield t, pid, key, st, _Body(classes[pid], body)


def admit(market: mk.Market, items: Iterable[Item]) -> int:
    """Put the journal's codes into the universe (named from their pushes, a basic quote's
    name and price first); returns how many were new. ``items``: a :class:`Source`'s
    ``heads``, or any Items."""
    names: dict[tuple[int, str], str] = {}
    prices: dict[tuple[int, str], float] = {}
    for it in items:
        if it.key is None or it.key in prices:
            continue
        s2c = it.resp.s2c
        if it.proto_id == catalog.QOT_UPDATE_BASIC_QOT:
            q = s2c.basicQotList[0]
            names[it.key] = q.name or it.key[1]
            prices[it.key] = q.curPrice or q.lastClosePrice
        elif it.key not in names:
            names[it.key] = getattr(s2c, "name", "") or it.key[1]
    new = 0
    for key, name in names.items():
        if market.universe.spec(key) is None:
            spec = Spec(key, name, 1, EQTY, "2000-01-01", prices.get(key) or 100.0,
                        sid=stock_id(key))
            market.universe.specs[key] = spec
            new += 1
    return new


class Replay:
    """The replay of one journal into one gateway, pass after pass (see the module docstring).

    ``sent`` counts the pushes sent over all passes, ``passes`` the passes started; ``done`` is
    set while no pass is under way after one has ended."""

    def __init__(self, gw, items: Source | list[Item], speed: float | None = 1.0) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive, or None for as fast as possible")
        self.gw = gw
        self.items = items
        self.speed = speed
        self.sent = 0
        self.passes = 0
        self.done = asyncio.Event()
        heads = items.heads if isinstance(items, Source) else items
        self.keys = {it.key for it in heads if it.key is not None}
        admit(gw.market, heads)

    @classmethod
    def from_file(cls, gw, path: Path | str, speed: float | None = 1.0) -> Replay:
        return cls(gw, load(path), speed)

    def _audience(self) -> dict[int, object]:
        """The connections subscribed to a pair of the journal, by id."""
        keys = self.keys
        return {id(c): c for c in self.gw.conns if any(k in keys for k in c.subs)}

    async def run(self, limit: int | None = None) -> int:
        """Serve passes until cancelled (or until ``limit`` passes have been played): wait
        for a new subscriber, play the timeline from the start; returns the pushes sent."""
        served: dict[int, object] = {}  # still subscribed at the end of the last pass
        while limit is None or self.passes < limit:
            while True:
                now = self._audience()
                # one that let go of the journal's pairs is new again when it comes back
                served = {i: c for i, c in served.items() if i in now}
                if len(now) > len(served):
                    break
                await asyncio.sleep(POLL)
            self.passes += 1
            self.done.clear()
            try:
                n, complete = await self._play()
            except sqlite3.Error as exc:
                log.error("replay stopped: %s can no longer be read (%s)", self._name(), exc)
                self.done.set()
                break
            served = self._audience()
            self.done.set()
            why = "timeline played" if complete else "no subscriber left"
            log.info("replay pass %d: %s, %d pushes sent; rewound to the start, the next "
                     "subscriber starts pass %d", self.passes, why, n, self.passes + 1)
        return self.sent

    def _name(self) -> str:
        return str(self.items.path) if isinstance(self.items, Source) else "the journal"

    async def _play(self) -> tuple[int, bool]:
        """One pass: (pushes sent, whether the timeline ran to its end)."""
        loop = asyncio.get_running_loop()
        speed, sent, start, t0 = self.speed, 0, 0.0, None
        items = self.items
        timeline = _entries(items) if isinstance(items, Source) else iter(items)
        for i, (t, pid, key, subtype, resp) in enumerate(timeline):
            if speed is not None:
                if t0 is None:
                    t0, start = t, loop.time()
                due = start + (t - t0) / speed
                while (delay := due - loop.time()) > 0:
                    await asyncio.sleep(min(delay, POLL * 10))
                    if not self._audience():
                        return sent, False
                if i % BATCH == BATCH - 1 and not self._audience():
                    return sent, False
            elif i % BATCH == BATCH - 1:
                await asyncio.sleep(0)
                if not self._audience():
                    return sent, False
            n = self._send(pid, key, subtype, resp)
            sent += n
            self.sent += n
        return sent, True

    def _send(self, pid: int, key: tuple[int, str] | None, subtype: int, resp) -> int:
        n = 0
        gw = self.gw
        for c in gw.conns:
            if not c.ready or c.closing:
                continue
            if key is None:
                if c.recv_notify:
                    pushes.push(gw, c, pid, resp)
                    n += 1
                continue
            types = c.subs.get(key)
            if types and types.get(subtype):
                if type(resp) is _Body and c.push_fmt != FMT_PROTOBUF:
                    msg = resp.decoded()
                    if msg is None:
                        continue  # a body that does not parse cannot be re-encoded
                    pushes.push(gw, c, pid, msg)
                else:
                    pushes.push(gw, c, pid, resp)
                n += 1
        return n


def parse_speed(text: str) -> float | None:
    """``--speed`` values: a positive number, or ``max``."""
    if text.strip().lower() == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"--speed {text!r}: give a positive number or 'max'") from None
    if value <= 0:
        raise ConfigError(f"--speed {text!r}: give a positive number or 'max'")
    return value
