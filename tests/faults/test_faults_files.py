"""Fault matrix, files: a SIGKILLed recorder, a full disk, a read-only data dir, corrupt
profile files of every kind (issue 10).

CI runs as root, where permissions do not stop writes: the failures are injected (a journal
connection whose database may not grow, or that is opened read-only; a data dir under a
regular file; an fsync that fails with ENOSPC). Each row: no crash, a typed error whose
message says what to fix, counters that tell the truth, and nothing already saved lost.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from opendeck.core import config as cfg
from opendeck.core.errors import ConfigError, JournalError, OpenDeckError

ROOT = Path(__file__).resolve().parents[2]


def _rows(n: int, start: int = 1) -> list[tuple]:
    from opendeck.core import pushrow
    width = pushrow.WIDTH
    base = (0.0, "ep", "quote", 3005, 0, 0, b"x" * 200, "HK.00700", "")
    assert len(base) + 1 == width
    return [(start + i, *base) for i in range(n)]


def _flush(j) -> None:
    assert j.flush(10.0), "the journal did not settle within 10 s"


# ------------------------------------------------------------------ journal: disk full
def test_disk_full_stops_the_journal_truthfully(tmp_path):
    """A disk that fills up mid-run (injected: the writer's database may not grow past a few
    pages, which SQLite reports as SQLITE_FULL, as on a full disk): the journal keeps a typed
    JournalError that says 'disk full', counts as written only what is in the file, counts
    the rest as unsaved/lost, and add_pushes after it neither raises nor grows memory."""
    from opendeck.core.journal import Journal

    def small_disk(path, **kw):
        db = sqlite3.connect(path, **kw)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + 40}")
        return db
    j = Journal(tmp_path / "j.sqlite", connect=small_disk, commit_rows=500)
    try:
        for k in range(40):
            j.add_pushes(_rows(500, 1 + 500 * k))
            _flush(j)
            if j.error is not None:
                break
        assert isinstance(j.error, JournalError), j.error
        assert "disk full" in str(j.error)
        j.add_pushes(_rows(1000, 10 ** 6))  # after the failure: counted, not queued
        _flush(j)
    finally:
        j.close()
    with sqlite3.connect(tmp_path / "j.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        in_file = db.execute("SELECT COUNT(*) FROM pushes").fetchone()[0]
    assert j.written == in_file > 0
    assert j.unsaved == j.handed - in_file and j.lost >= 1000
    assert j.lag == 0


def test_read_only_journal_and_data_dir(tmp_path):
    """A journal file that turns read-only (injected: the writer opens it with mode=ro) gives
    a typed JournalError saying read-only, with nothing counted as written; a data dir that
    cannot be created (its parent is a regular file) gives a typed error at once, not a
    traceback later."""
    from opendeck.core.journal import Journal

    path = tmp_path / "ro.sqlite"

    def read_only(p, **kw):
        return sqlite3.connect(f"file:{p}?mode=ro", uri=True, **kw)
    j = Journal(path, connect=read_only)
    try:
        j.add_pushes(_rows(100))
        _flush(j)
        assert isinstance(j.error, JournalError) and "read-only" in str(j.error)
        assert j.written == 0 and j.unsaved == 100
    finally:
        j.close()

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    with pytest.raises(OpenDeckError) as info:
        Journal(blocker / "journal" / "run.sqlite")
    assert isinstance(info.value, (JournalError, ConfigError)) and str(info.value)


@pytest.mark.asyncio
async def test_record_into_an_unwritable_data_dir_exits_3(tmp_path):
    """`opendeck record` whose data dir cannot be created exits 3 with a one-line reason on
    stderr and no traceback: never a false success."""
    from opendeck.core.gateway.server import DemoGateway
    blocker = tmp_path / "blocked"
    blocker.write_text("x")
    env = {**os.environ, "OPENDECK_DATA_DIR": str(blocker / "data"), "HOME": str(tmp_path)}
    async with DemoGateway(port=0, push_rate=20) as gw:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "opendeck.core.cli", "record", f"127.0.0.1:{gw.port}",
            "--subscribe", "HK.00700", "--pushes", "5", "--timeout", "10",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
        try:
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    text = err.decode(errors="replace")
    assert proc.returncode == 3, (proc.returncode, text[-1500:])
    assert "Traceback" not in text and text.strip()


# ------------------------------------------------------------------ recorder: SIGKILL
@pytest.mark.asyncio
async def test_sigkill_of_the_recorder_keeps_a_sound_prefix(tmp_path):
    """SIGKILL of `opendeck record` during a sustained blast: the journal passes
    PRAGMA integrity_check, holds a gap-free prefix 1..N of the sequence, and what is missing
    is no more than a commit window plus what was still in flight in the sockets."""
    from opendeck.core.gateway.server import DemoGateway
    journal = tmp_path / "rec.sqlite"
    env = {**os.environ, "HOME": str(tmp_path), "OPENDECK_DATA_DIR": str(tmp_path / "data")}
    async with DemoGateway(port=0, push_rate=0) as gw:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "opendeck.core.cli", "record", f"127.0.0.1:{gw.port}",
            "--subscribe", "HK.00700", "--journal", str(journal), "--timeout", "20",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env)
        blasting = None
        try:
            await gw.wait_until(lambda: any(c.subs for c in gw.conns), 30)

            async def blast_forever():
                while True:
                    if not await gw.blast(20_000, batch=256, drain_timeout=5.0):
                        await asyncio.sleep(0.01)  # nobody subscribed right now: yield
                    await asyncio.sleep(0)
            blasting = asyncio.ensure_future(blast_forever())
            deadline = time.monotonic() + 60
            committed = 0
            while committed < 30_000:
                assert time.monotonic() < deadline, \
                    f"the recorder committed {committed} in 60 s; sent {gw.stats.pushes_sent}"
                await asyncio.sleep(0.05)  # polling the journal file under a deadline
                if journal.exists():
                    try:
                        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True) as db:
                            committed = db.execute("SELECT COUNT(*) FROM pushes").fetchone()[0]
                    except sqlite3.Error:
                        committed = 0
            proc.send_signal(signal.SIGKILL)  # our own child, by its pid
            await asyncio.wait_for(proc.wait(), 30)
        finally:
            if blasting is not None:
                blasting.cancel()
                await asyncio.gather(blasting, return_exceptions=True)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        sent = gw.stats.pushes_sent
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(journal) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n, lo, hi = db.execute("SELECT COUNT(*), MIN(seq), MAX(seq) FROM pushes").fetchone()
    assert n >= 30_000 and lo == 1 and hi == n, (n, lo, hi)
    # a commit is <= 50k rows; the socket buffers hold a few MB of 200-byte pushes at most
    assert sent - n <= 50_000 + 60_000, (sent, n)


# ------------------------------------------------------------------ config: corrupt files
GOOD = """version = 2
[[endpoint]]
name = "Office OpenD"
host = "127.0.0.1"
port = 11111
"""

CORRUPT = {
    "not-utf8": b"version = 2\n[[endpoint]]\nname = \"B\xe9rse\"\nhost = \"127.0.0.1\"\n",
    "not-toml": b"version = 2\n[[endpoint]\nname = \n",
    "newer-version": b"version = 99\n",
    "version-not-int": b"version = \"two\"\n",
    "unknown-top-key": b"version = 2\ncolour = \"red\"\n",
    "endpoint-not-array": b"version = 2\nendpoint = 5\n",
    "truncated": GOOD.encode()[:-12],
    "nul-bytes": b"\x00" * 64,
    "empty": b"",
    "binary": bytes(range(256)) * 4,
}

PARTIAL = {
    "bad-port-type": GOOD + '[[endpoint]]\nname = "Bad"\nhost = "127.0.0.1"\nport = "eleven"\n',
    "duplicate-name": GOOD + '[[endpoint]]\nname = "Office OpenD"\nhost = "127.0.0.2"\nport = 1\n',
    "port-out-of-range": GOOD + '[[endpoint]]\nname = "Far"\nhost = "127.0.0.1"\nport = 70000\n',
    "bad-context": GOOD + '[[endpoint]]\nname = "Ctx"\nhost = "127.0.0.1"\ncontexts = ["x"]\n',
}


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_corrupt_profile_file(tmp_path, kind):
    """A profile file broken as a whole (not UTF-8, not TOML, a newer or odd version, an
    unknown key, a bad layout, cut short, NULs, empty, binary): load() raises a ConfigError
    that says what to fix (an empty file is just no endpoints to it); load_or_recover() never raises, gives the demo endpoint so the
    window opens, keeps the file untouched, and (when it had content) a timestamped backup
    with the same bytes."""
    path = tmp_path / "endpoints.toml"
    data = CORRUPT[kind]
    path.write_bytes(data)
    if data.strip():  # an empty file is "no endpoints" to the strict loader
        with pytest.raises(ConfigError) as info:
            cfg.load(path)
        assert len(str(info.value)) > 20
    eps, problem, backup = cfg.load_or_recover(path)
    assert isinstance(problem, ConfigError) and str(problem)
    assert [e.demo for e in eps] == [True]
    assert path.read_bytes() == data, "the broken file itself was changed"
    if data.strip():
        assert backup is not None and backup.read_bytes() == data
        assert ".broken-" in backup.name


@pytest.mark.parametrize("kind", sorted(PARTIAL))
def test_partly_broken_profile_file(tmp_path, kind):
    """One bad endpoint (wrong type, duplicate name, port out of range, unknown context)
    costs only itself: the good endpoint loads, the problem is a ConfigError naming the
    endpoint, the file is kept as a backup."""
    path = tmp_path / "endpoints.toml"
    path.write_text(PARTIAL[kind], encoding="utf-8")
    eps, problem, backup = cfg.load_or_recover(path)
    assert [e.name for e in eps] == ["Office OpenD"]
    assert isinstance(problem, ConfigError) and "endpoint 2" in str(problem)
    assert backup is not None and backup.read_text(encoding="utf-8") == PARTIAL[kind]


def test_each_distinct_broken_file_is_kept(tmp_path):
    """Defect 9: a non-UTF-8 file is a ConfigError (not UnicodeDecodeError); a second,
    different corruption gets its own backup although one exists already; the same bytes
    broken again do not pile up copies."""
    path = tmp_path / "endpoints.toml"
    path.write_bytes(CORRUPT["not-utf8"])
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    assert "UTF-8" in str(info.value)
    _eps, _p, first = cfg.load_or_recover(path, now=1_000_000.0)
    path.write_bytes(CORRUPT["not-toml"])
    _eps, _p, second = cfg.load_or_recover(path, now=1_000_000.0)  # same second, other bytes
    _eps, _p, again = cfg.load_or_recover(path, now=1_000_100.0)
    assert first is not None and second is not None and first != second
    assert again == second
    backups = sorted(tmp_path.glob("endpoints.toml.broken-*"))
    assert len(backups) == 2
    assert {b.read_bytes() for b in backups} == {CORRUPT["not-utf8"], CORRUPT["not-toml"]}


def test_unreadable_profile_path_is_typed(tmp_path):
    """A profile path that is a directory (unreadable as a file): a ConfigError from load();
    load_or_recover() opens the demo endpoint and says why."""
    path = tmp_path / "endpoints.toml"
    path.mkdir()
    with pytest.raises(ConfigError):
        cfg.load(path)
    eps, problem, _backup = cfg.load_or_recover(path)
    assert [e.demo for e in eps] == [True] and isinstance(problem, ConfigError)


def test_save_on_a_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    """Saving profiles when the disk is full (injected: fsync fails with ENOSPC): the save
    fails loudly (OSError / ConfigError), the previous file is intact and no temp file is
    left behind."""
    path = tmp_path / "endpoints.toml"
    path.write_text(GOOD, encoding="utf-8")
    eps = cfg.load(path)

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises((OSError, ConfigError)):
        cfg.save(eps + [eps[0].copy(name="Second", id="second")], path)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == GOOD
    assert [p.name for p in tmp_path.iterdir()] == ["endpoints.toml"]
