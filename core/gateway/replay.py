"""Replay a recorded journal through the demo gateway: ``opendeck gateway --replay JOURNAL``.

A journal written by the window or by ``opendeck record`` holds every push as it arrived
(:mod:`~opendeck.core.pushrow` rows). :class:`Replay` serves its quote pushes to whoever
subscribes, on the recorded timeline: at recorded pace, ``speed`` times faster, or as fast as
the connections take them (``speed=None``, "max"). The timeline starts with the first
subscription that names a pair the journal holds, so a script that connects late misses
nothing. Each push goes to every connection subscribed to its (security, SubType) with push
registration, re-encoded in the connection's push format; Notify rows go to every connection
that asked for notifies.

The journal's codes are admitted into the market's universe even where the universe lacks
them, so a real session from a real OpenD can be replayed into a user's own script offline.
Run the gateway with ``push_rate=0`` alongside, so the live model does not push over it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .. import catalog
from ..channel import decode_message
from ..errors import ConfigError
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


@dataclass(frozen=True)
class Item:
    t: float
    proto_id: int
    key: tuple[int, str] | None  # None: Notify
    subtype: int
    resp: object


def load(path: Path | str) -> list[Item]:
    """The replayable rows of a journal, oldest first. Raises ConfigError when unreadable."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"no journal at {p}: give a file written by the window or by "
                          "`opendeck record`")
    try:
        db = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT time, proto_id, fmt, body FROM pushes WHERE error = '' "
                              "ORDER BY seq").fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise ConfigError(f"{p} is not a readable OpenDeck journal ({exc})") from None
    items = []
    for t, pid, fmt, body in rows:
        item = _item(t, pid, fmt, bytes(body))
        if item is not None:
            items.append(item)
    return items


def _item(t: float, pid: int, fmt: int, body: bytes) -> Item | None:
    if pid != catalog.NOTIFY and pid not in SUBTYPE_OF_PUSH and pid != catalog.QOT_UPDATE_KL:
        return None  # trade pushes and others: not replayed (they belong to an account)
    cls = catalog.response_type(pid)
    try:
        resp = decode_message(cls, body, fmt, pid)
    except Exception:
        return None
    if pid == catalog.NOTIFY:
        return Item(t, pid, None, 0, resp)
    s2c = resp.s2c
    sec = s2c.basicQotList[0].security if pid == catalog.QOT_UPDATE_BASIC_QOT else s2c.security
    if pid == catalog.QOT_UPDATE_KL:
        subtype = KLTYPE_SUBTYPE.get(s2c.klType)
        if subtype is None:
            return None
    else:
        subtype = SUBTYPE_OF_PUSH[pid]
    return Item(t, pid, (sec.market, sec.code), subtype, resp)


def admit(market: mk.Market, items: list[Item]) -> int:
    """Put the journal's codes into the universe (named from their pushes); returns how many
    were new."""
    names: dict[tuple[int, str], str] = {}
    prices: dict[tuple[int, str], float] = {}
    for it in items:
        if it.key is None or it.key in names:
            continue
        s2c = it.resp.s2c
        if it.proto_id == catalog.QOT_UPDATE_BASIC_QOT:
            q = s2c.basicQotList[0]
            names[it.key] = q.name or it.key[1]
            prices[it.key] = q.curPrice or q.lastClosePrice
        else:
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
    """The replay of one journal into one gateway (see the module docstring)."""

    def __init__(self, gw, items: list[Item], speed: float | None = 1.0) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive, or None for as fast as possible")
        self.gw = gw
        self.items = items
        self.speed = speed
        self.sent = 0
        self.done = asyncio.Event()
        self.keys = {it.key for it in items if it.key is not None}
        admit(gw.market, items)

    @classmethod
    def from_file(cls, gw, path: Path | str, speed: float | None = 1.0) -> Replay:
        return cls(gw, load(path), speed)

    def _wanted(self) -> bool:
        return any(k in self.keys for c in self.gw.conns for k in c.subs)

    async def run(self) -> int:
        """Wait for a first subscriber, then play the timeline once; returns pushes sent."""
        loop = asyncio.get_running_loop()
        while not self._wanted():
            await asyncio.sleep(0.05)
        if not self.items:
            self.done.set()
            return 0
        t0 = self.items[0].t
        start = loop.time()
        for i, it in enumerate(self.items):
            if self.speed is not None:
                due = start + (it.t - t0) / self.speed
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif i % BATCH == BATCH - 1:
                await asyncio.sleep(0)
            self.sent += self._send(it)
        self.done.set()
        log.info("replay done: %d items, %d pushes sent", len(self.items), self.sent)
        return self.sent

    def _send(self, it: Item) -> int:
        n = 0
        for c in self.gw.conns:
            if not c.ready or c.closing:
                continue
            if it.key is None:
                if c.recv_notify:
                    pushes.push(self.gw, c, it.proto_id, it.resp)
                    n += 1
                continue
            types = c.subs.get(it.key)
            if types and types.get(it.subtype):
                pushes.push(self.gw, c, it.proto_id, it.resp)
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
