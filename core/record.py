"""``opendeck record HOST:PORT``: the headless recorder. Every push into a journal, nothing lost.

    opendeck record 127.0.0.1:11111 --subscribe HK.00700,US.AAPL --subtypes basic,ticker
    opendeck record HOST:PORT --pushes 1000000 --journal run.sqlite
    opendeck record HOST:PORT --duration 3600 --max-size 2G

Pushes become rows of the one push-row schema (:mod:`~opendeck.core.pushrow`, no summary is
built) and go to the same :class:`~opendeck.core.journal.Journal` the window writes. When the
journal falls behind, reading the socket pauses (TCP pushes back on the gateway) until it
catches up; the pause does not count against the gateway's liveness.

Exit status: 0 when ``--pushes`` were committed, ``--duration`` ended or SIGINT/SIGTERM
arrived (everything received is committed first); 2 when connecting, the handshake or a
request failed, or the connection was lost; 3 when the journal cannot be written (disk full,
read-only, locked): never a false success. The last line on stderr is
``recorded N pushes in S s (R pushes/s) into FILE`` (S from the first push to the last commit).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from pathlib import Path

from . import codes, pushrow
from .errors import ConfigError, JournalError, OpenDeckError
from .events import ConnState, StateChanged
from .gcpace import PacedCollector
from .journal import Journal, JournalUnavailable
from .stopsignals import install_stop_signals

TICK = 0.05  # how often the main task looks at the counters (no timer per push)
_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def add_connection_arguments(p: argparse.ArgumentParser) -> None:
    """The shared connection group (address, --rsa-key, WebSocket key options ...)."""
    from .connopts import add_connection_options
    add_connection_options(p)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_connection_arguments(p)
    p.add_argument("--context", choices=("quote", "trade-sec", "trade-future"), default="quote")
    p.add_argument("--subscribe", metavar="CODES", default="",
                   help="quote context: codes to subscribe, e.g. HK.00700,US.AAPL")
    p.add_argument("--subtypes", metavar="TYPES", default="basic",
                   help="sub types for --subscribe: " + ",".join(codes.SUBTYPE_NAMES.values()))
    p.add_argument("--journal", metavar="FILE", help="the journal to write (default: a new file "
                   "in the recordings folder of the data dir, which run-journal pruning never touches)")
    p.add_argument("--pushes", type=int, default=0, metavar="N",
                   help="exit 0 once N pushes are committed to the journal")
    p.add_argument("--duration", type=float, default=0.0, metavar="SEC",
                   help="exit 0 after SEC seconds of recording")
    p.add_argument("--max-size", default="", metavar="SIZE",
                   help="start a new journal file (FILE-2.sqlite, -3 ...) when one reaches SIZE "
                        "(e.g. 500M, 2G)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SEC",
                   help="for connecting, the handshake and each request")
    p.add_argument("--progress", action="store_true",
                   help="a progress line every second even when stderr is not a terminal")
    p.add_argument("--stats", action="store_true",
                   help="one more line at the end: peak RSS, commits, pauses, catch-up time")


def parse_size(text: str) -> int:
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = t[-1:] if t[-1:] in _SIZE_UNITS else ""
    try:
        n = float(t[:-1] if unit else t) * _SIZE_UNITS[unit]
    except ValueError:
        raise ConfigError(f"--max-size {text!r} must be a size like 500M or 2G") from None
    if n < 1024 * 1024:
        raise ConfigError(f"--max-size {text!r} is below 1 MiB; give e.g. 500M")
    return int(n)


def default_journal_path() -> Path:
    try:
        from .config import recordings_dir
        base = recordings_dir()
    except ImportError:  # an older config module
        from .config import data_dir
        base = data_dir() / "recordings"
    return base / time.strftime(f"record-%Y%m%d-%H%M%S-{os.getpid()}.sqlite")


def rotated_path(first: Path, n: int) -> Path:
    return first.with_name(f"{first.stem}-{n}{first.suffix}")


class Recorder:
    """The connection's listener: rows into the journal, one call per read batch."""

    def __init__(self, journal: Journal, endpoint: str, context: str, max_size: int = 0) -> None:
        self.journal = journal
        self.paths = [journal.path]
        self.endpoint = endpoint
        self.context = context
        self.max_size = max_size
        self.seq = journal.first_seq
        self.received = 0
        self.first_push: float | None = None
        self.last_push: float | None = None
        self.caught_up: float | None = None  # monotonic time the journal had all received
        self.closing: list[Journal] = []
        self.conn = None
        self.lost_connection: OpenDeckError | None = None
        self.closed = asyncio.Event()
        self.paused_total = 0.0
        self.pauses = 0
        self._paused_at: float | None = None

    # ConnectionListener
    def on_event(self, conn, event) -> None:
        if isinstance(event, StateChanged) and event.new in (ConnState.CLOSED, ConnState.FAILED):
            self.closed.set()

    def on_pushes(self, conn, packets) -> None:
        self.last_push = time.monotonic()
        if self.first_push is None:
            self.first_push = self.last_push
        rows = pushrow.rows_from_packets(packets, self.seq, time.time(), self.endpoint,
                                         self.context)
        self.seq += len(rows)
        self.received += len(rows)
        j = self.journal
        j.add_pushes(rows)
        if j.behind and self._paused_at is None:
            self._paused_at = time.monotonic()
            self.pauses += 1
            conn.set_reading_paused(True)

    def resume(self) -> None:  # on the loop, scheduled by the journal's writer thread
        if self._paused_at is not None and self.conn is not None and not self.journal.behind:
            self.paused_total += time.monotonic() - self._paused_at
            self._paused_at = None
            self.conn.set_reading_paused(False)

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    @property
    def committed(self) -> int:
        return self.journal.written + sum(j.written for j in self.closing)

    @property
    def error(self) -> JournalError | None:
        return self.journal.error or next((j.error for j in self.closing if j.error), None)

    def size(self) -> int:
        p = self.journal.path
        return sum(f.stat().st_size for f in (p, p.with_name(p.name + "-wal")) if f.exists())

    def rotate(self, loop: asyncio.AbstractEventLoop) -> Journal:
        """A new journal file; the old one commits and closes on a worker thread."""
        old = self.journal
        new = open_journal(rotated_path(self.paths[0], len(self.paths) + 1), loop, self)
        self.paths.append(new.path)
        self.closing.append(old)
        old.set_resume_callback(None)
        self.journal = new
        return old


def open_journal(path: Path, loop: asyncio.AbstractEventLoop, rec: Recorder | None) -> Journal:
    if path.exists() and path.stat().st_size > 0:
        probe = Journal(path)
        n = probe.count()
        probe.close()
        if n:
            raise JournalUnavailable(f"{path} already holds {n} pushes; give a new file with "
                                     "--journal (a recording never appends to another)")
    j = Journal(path)
    if rec is not None:
        j.set_resume_callback(lambda: loop.call_soon_threadsafe(rec.resume))
    return j


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(args: argparse.Namespace) -> int:
    from .client.connection import ClientInfo
    from .client.contexts import QuoteContext, TradeContext
    from .connopts import make_connection, parse_target
    target = parse_target(args.address)
    if args.pushes < 0 or args.duration < 0 or args.timeout <= 0:
        raise ConfigError("--pushes and --duration must be 0 or more, --timeout positive")
    if args.context == "quote" and not args.subscribe:
        raise ConfigError("record needs --subscribe on a quote context (nothing is pushed for "
                          "securities you did not subscribe)")
    secs = codes.parse_codes(args.subscribe) if args.subscribe else []
    types = codes.parse_subtypes(args.subtypes) if secs else []
    max_size = parse_size(args.max_size) if args.max_size else 0
    path = Path(args.journal).expanduser() if args.journal else default_journal_path()
    loop = asyncio.get_running_loop()
    try:
        journal = open_journal(path, loop, None)
    except JournalError as exc:
        print(f"opendeck record: {exc}", file=sys.stderr)
        return 3
    rec = Recorder(journal, str(target), args.context, max_size)
    journal.set_resume_callback(lambda: loop.call_soon_threadsafe(rec.resume))
    try:
        conn = make_connection(target, args, rec, auto_reconnect=False,
                               connect_timeout=min(args.timeout, 20.0), request_timeout=args.timeout,
                               client=ClientInfo(client_id=args.client_id or "OpenDeckRecord"))
    except BaseException:  # a bad key file, say: the journal's writer must not outlive it
        await asyncio.to_thread(journal.close)
        raise
    rec.conn = conn
    # the writer thread must get the GIL back quickly while the loop decodes flat out
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(old_interval, 0.001))
    # cyclic GC on the 50 ms tick, not on every 700th row tuple (gcpace.py: 14 % of the loop)
    collector = PacedCollector()
    collector.start()
    stop = asyncio.Event()
    undo_signals = install_stop_signals(stop)
    status = 0
    started = time.monotonic()
    try:
        try:
            await conn.open(args.timeout)
            if args.context == "quote":
                await QuoteContext(conn).subscribe(args.subscribe, types)
            else:
                ctx = TradeContext(conn, "securities" if args.context == "trade-sec" else "futures")
                if await ctx.get_acc_list():
                    await ctx.sub_acc_push()
        except OpenDeckError as exc:
            print(f"opendeck record: {exc}", file=sys.stderr)
            status = 2
        else:
            started = time.monotonic()
            status = await _record(args, rec, stop, loop, started, collector)
    finally:
        collector.stop()
        await conn.close()
        for undo in undo_signals:
            undo()
        closing = rec.closing + [rec.journal]
        await asyncio.to_thread(lambda: [j.close() for j in closing])
        sys.setswitchinterval(old_interval)
    total = sum(j.written for j in closing)
    # the span ends at the last commit that held pushes (not at the close and the WAL
    # checkpoint after it, nor at the tick that noticed): N pushes / S s is the committed rate
    commits = [j.last_rows_commit for j in closing if j.last_rows_commit is not None]
    end = max(commits) if commits else time.monotonic()
    rec.caught_up = end if total >= rec.received else None
    if (args.progress or sys.stderr.isatty()) and sys.stderr.isatty():
        print(file=sys.stderr)  # end the \r progress line
    span = end - (rec.first_push or started)
    err = rec.error
    if err is not None:
        lost = rec.received - total
        print(f"opendeck record: journal stopped: {err} \u2014 {lost} pushes not saved",
              file=sys.stderr)
        status = 3
    if getattr(args, "stats", False) or args.progress:
        print(f"peak RSS {_peak_rss_mib():.0f} MiB, {rec.received} received, "
              f"{sum(j.commits for j in closing)} commits, reading paused {rec.pauses} times "
              f"for {rec.paused_total:.2f} s, "
              f"{len(rec.paths)} file(s), journal caught up "
              f"{(rec.caught_up - rec.last_push) if rec.caught_up and rec.last_push else 0:.3f} s "
              "after the last push", file=sys.stderr)
    where = str(rec.paths[0]) if len(rec.paths) == 1 else f"{rec.paths[0]} (+{len(rec.paths) - 1} more)"
    rate = total / span if span > 0 and total else 0.0
    print(f"recorded {total} pushes in {span:.2f} s ({rate:.0f} pushes/s) into {where}",
          file=sys.stderr, flush=True)
    return status


async def _record(args, rec: Recorder, stop: asyncio.Event, loop, started: float,
                  collector: PacedCollector) -> int:
    show = args.progress or sys.stderr.isatty()
    tty = sys.stderr.isatty()
    next_line = time.monotonic() + 1.0
    last_count, last_t = 0, time.monotonic()
    while True:
        if rec.error is not None:
            return 3
        now = time.monotonic()
        if stop.is_set():
            return 0
        if args.duration and now - started >= args.duration:
            return 0
        if args.pushes and rec.committed >= args.pushes:
            return 0
        if rec.closed.is_set():
            print(f"opendeck record: connection lost: {rec.conn.last_error or 'closed by the gateway'}",
                  file=sys.stderr)
            return 2
        if rec.max_size and rec.size() >= rec.max_size:
            try:
                old = rec.rotate(loop)
            except JournalError as exc:
                print(f"opendeck record: cannot start the next journal file: {exc}",
                      file=sys.stderr)
                return 3
            asyncio.get_running_loop().run_in_executor(None, old.close)
        if show and now >= next_line:
            n = rec.received
            rate = (n - last_count) / (now - last_t)
            last_count, last_t = n, now
            next_line = now + 1.0
            line = (f"{rate:,.0f} pushes/s, {rec.received:,} received, {rec.committed:,} "
                    f"committed, journal lag "
                    f"{rec.journal.lag:,}" + (", reading paused" if rec.paused else ""))
            print(("\r" + line + "\x1b[K") if tty else line, end="" if tty else "\n",
                  file=sys.stderr, flush=True)
        collector.step()
        try:
            await asyncio.wait_for(stop.wait(), TICK)
        except TimeoutError:
            pass


def main(argv: list[str] | None = None) -> int:
    """``python -m opendeck.core.record`` (until cli.py registers ``opendeck record``)."""
    p = argparse.ArgumentParser(prog="opendeck record", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        return asyncio.run(run(args))
    except ConfigError as exc:
        print(f"opendeck record: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
