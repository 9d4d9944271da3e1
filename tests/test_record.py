"""``opendeck record``: committed counts, exit codes, signals, rotation, backpressure, SIGKILL.

The push source is bench/push_source.py in its own process (a minimal OpenD that blasts
Qot_UpdateBasicQot frames once subscribed); recorders run as subprocesses where a signal or a
kill is the point, in-process where a failure has to be injected.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from opendeck.core import journal as journal_mod
from opendeck.core import record
from opendeck.core.errors import ConfigError
from test_journal import small_tmpfs  # noqa: F401 - the fixture: a 1 MiB tmpfs (root only)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DEADLINE = 60.0
SUMMARY = re.compile(r"recorded (\d+) pushes in ([\d.]+) s \((\d+) pushes/s\) into (.+)")
PROGRESS = re.compile(r"([\d,]+) received, ([\d,]+) committed, journal lag ([\d,]+)")


class Source:
    """bench/push_source.py in a subprocess; ``n`` pushes per subscriber (0: until it leaves)."""

    def __init__(self, n: int) -> None:
        self.proc = subprocess.Popen([PY, str(ROOT / "bench" / "push_source.py"), "--n", str(n)],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line[:1] == ["listening"], line
        self.port = int(line[2])
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(DEADLINE)


@pytest.fixture
def source_factory():
    made: list[Source] = []

    def make(n: int) -> Source:
        made.append(Source(n))
        return made[-1]
    yield make
    for s in made:
        s.stop()


def recorder(port: int, journal: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([PY, "-m", "opendeck.core.record", f"127.0.0.1:{port}", "--subscribe",
                             "HK.00700", "--journal", str(journal), "--progress", *extra],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)


def journal_facts(path: Path) -> tuple[int, int, str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        count, top = db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM pushes").fetchone()
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    return count, top, ok


def read_progress_until(proc: subprocess.Popen, predicate) -> list[tuple[int, int, int]]:
    """Progress lines (received, committed, lag) until ``predicate(lines)``; stderr is read on
    this thread, so the wait ends when the recorder says enough happened."""
    seen: list[tuple[int, int, int]] = []
    end = time.monotonic() + DEADLINE
    for line in proc.stderr:
        m = PROGRESS.search(line)
        if m:
            seen.append(tuple(int(g.replace(",", "")) for g in m.groups()))
            if predicate(seen):
                return seen
        assert time.monotonic() < end, f"no progress in time: {seen}"
    raise AssertionError(f"the recorder ended early (exit {proc.wait()}): {seen}")


def test_pushes_n_exits_0_once_n_are_committed(source_factory, tmp_path):
    src = source_factory(20_000)
    p = recorder(src.port, tmp_path / "r.sqlite", "--pushes", "20000")
    _, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, err
    m = SUMMARY.search(err.splitlines()[-1])
    assert m and int(m.group(1)) == 20_000 and m.group(4) == str(tmp_path / "r.sqlite")
    assert journal_facts(tmp_path / "r.sqlite") == (20_000, 20_000, "ok")
    assert not (tmp_path / "r.sqlite-wal").exists() or (tmp_path / "r.sqlite-wal").stat().st_size == 0


def test_sigterm_commits_everything_received_and_exits_0(source_factory, tmp_path):
    src = source_factory(0)
    p = recorder(src.port, tmp_path / "r.sqlite")
    read_progress_until(p, lambda s: s[-1][1] > 0)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, err
    n = int(SUMMARY.search(err).group(1))
    count, top, ok = journal_facts(tmp_path / "r.sqlite")
    assert n == count == top > 0 and ok == "ok"
    assert re.search(rf"peak RSS \d+ MiB, {n} received", err)  # all received was committed


def test_sigkill_during_a_blast_leaves_a_sound_gap_free_prefix(source_factory, tmp_path):
    """A crash loses at most what was not committed: the file is sound, holds seq 1..k with no
    gap, and k is at least what the recorder had reported committed before the kill. The lag
    it reported stayed bounded by the journal's max_lag (it never queued without bound)."""
    src = source_factory(0)
    p = recorder(src.port, tmp_path / "r.sqlite")
    seen = read_progress_until(p, lambda s: len(s) >= 3 and s[-1][1] > 0)
    p.kill()
    p.wait(DEADLINE)
    p.stderr.close()
    count, top, ok = journal_facts(tmp_path / "r.sqlite")
    _received, committed, _lag = seen[-1]
    assert ok == "ok"
    assert count == top  # seq 1..count: a gap-free prefix
    assert count >= committed > 0
    assert all(lg <= 400_000 for _, _, lg in seen)


def test_duration_ends_the_recording_with_exit_0(source_factory, tmp_path):
    src = source_factory(0)
    p = recorder(src.port, tmp_path / "r.sqlite", "--duration", "1")
    _, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, err
    n = int(SUMMARY.search(err).group(1))
    assert journal_facts(tmp_path / "r.sqlite")[0] == n


def test_max_size_rotates_into_numbered_files_without_gaps(source_factory, tmp_path):
    src = source_factory(60_000)
    p = recorder(src.port, tmp_path / "r.sqlite", "--pushes", "60000", "--max-size", "4M")
    _, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, err
    files = sorted(tmp_path.glob("r*.sqlite"), key=lambda f: f.stat().st_mtime)
    assert len(files) >= 2 and {f.name for f in files} >= {"r.sqlite", "r-2.sqlite"}
    seqs = []
    for f in files:
        with contextlib.closing(sqlite3.connect(f)) as db:
            seqs += [s for (s,) in db.execute("SELECT seq FROM pushes ORDER BY seq")]
    assert sorted(seqs) == list(range(1, len(seqs) + 1)) and len(seqs) >= 60_000
    assert int(SUMMARY.search(err).group(1)) == len(seqs)


def test_a_refused_connection_exits_2(tmp_path):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    p = recorder(port, tmp_path / "r.sqlite", "--timeout", "5")
    _, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 2, err
    assert "recorded 0 pushes" in err


def test_an_unwritable_journal_exits_3_before_connecting(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    p = recorder(1, blocker / "r.sqlite")
    _, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 3 and "cannot create the journal" in err


def test_an_existing_recording_is_never_appended_to(tmp_path):
    j = journal_mod.Journal(tmp_path / "r.sqlite")
    j.add_pushes([(1, 1.0, "e", "quote", 3005, 0, 1, b"x", "", "")])
    j.close()
    p = recorder(1, tmp_path / "r.sqlite")
    _, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 3 and "already holds 1 pushes" in err


# --- in-process: injected journal failures and slowness ------------------------------------------

def _args(port: int, journal: Path, **kw) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    record.add_arguments(p)
    argv = [f"127.0.0.1:{port}", "--subscribe", "HK.00700", "--journal", str(journal)]
    for k, v in kw.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    args = p.parse_args(argv)
    args.stats = True
    return args


def _patched_journal(monkeypatch, **journal_kw):
    real = journal_mod.Journal

    def make(path, **kw):
        return real(path, **{**kw, **journal_kw})
    monkeypatch.setattr(record, "Journal", make)


def test_a_full_disk_mid_recording_exits_3_with_the_truth(source_factory, tmp_path, monkeypatch, capsys):
    def capped(*a, **k):
        db = sqlite3.connect(*a, **k)
        db.execute("PRAGMA max_page_count = 300")  # SQLite's own SQLITE_FULL after ~1 MiB
        return db
    _patched_journal(monkeypatch, connect=capped)
    src = source_factory(100_000)
    status = asyncio.run(record.run(_args(src.port, tmp_path / "r.sqlite", pushes=100_000)))
    err = capsys.readouterr().err
    assert status == 3, err
    assert "journal stopped: disk full" in err and "pushes not saved" in err
    n = int(SUMMARY.search(err).group(1))
    assert n == journal_facts(tmp_path / "r.sqlite")[0] < 100_000  # written = committed, no more


def test_a_really_full_disk_exits_3_and_says_so(source_factory, small_tmpfs):  # noqa: F811
    src = source_factory(200_000)
    p = recorder(src.port, small_tmpfs / "r.sqlite", "--pushes", "200000")
    _, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 3, err
    assert "journal stopped: disk full" in err
    n = int(SUMMARY.search(err).group(1))
    assert n < 200_000 and journal_facts(small_tmpfs / "r.sqlite")[0] == n  # committed only


class SlowConnection(sqlite3.Connection):
    """A slow disk: every push INSERT statement takes 20 ms more."""

    def executemany(self, sql, *a):
        if sql.startswith("INSERT INTO pushes"):
            time.sleep(0.02)
        return super().executemany(sql, *a)

    def execute(self, sql, *a):
        if sql.startswith("INSERT INTO pushes"):
            time.sleep(0.02)
        return super().execute(sql, *a)


def test_a_slow_journal_pauses_reading_and_loses_nothing(source_factory, tmp_path, monkeypatch, capsys):
    _patched_journal(monkeypatch, high_water=5_000, low_water=1_000, max_lag=20_000,
                     connect=lambda *a, **k: sqlite3.connect(*a, factory=SlowConnection, **k))
    src = source_factory(60_000)
    gc_was = gc.isenabled()
    status = asyncio.run(record.run(_args(src.port, tmp_path / "r.sqlite", pushes=60_000)))
    assert gc.isenabled() == gc_was  # the paced collector hands automatic collection back
    err = capsys.readouterr().err
    assert status == 0, err
    pauses = int(re.search(r"reading paused (\d+) times", err).group(1))
    assert pauses >= 1
    n = int(SUMMARY.search(err).group(1))
    assert n == 60_000 == journal_facts(tmp_path / "r.sqlite")[0]
    assert re.search(r"60000 received", err)  # nothing refused past max_lag, nothing lost


def test_a_bad_key_file_is_a_config_error_and_leaves_nothing_running(tmp_path):
    gc_was, interval = gc.isenabled(), sys.getswitchinterval()
    writers = {t for t in threading.enumerate() if t.name == "opendeck-journal"}
    with pytest.raises(ConfigError, match="cannot read RSA key file"):
        asyncio.run(record.run(_args(1, tmp_path / "r.sqlite", rsa_key=tmp_path / "missing.pem")))
    assert gc.isenabled() == gc_was and sys.getswitchinterval() == interval
    assert {t for t in threading.enumerate() if t.name == "opendeck-journal"} <= writers


def test_sizes_parse():
    assert record.parse_size("500M") == 500 * 1024 ** 2 and record.parse_size("2GiB") == 2 * 1024 ** 3
    with pytest.raises(record.ConfigError):
        record.parse_size("12")
    with pytest.raises(record.ConfigError):
        record.parse_size("lots")


def test_the_default_journal_is_a_new_file_in_the_recordings_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENDECK_DATA_DIR", str(tmp_path))
    path = record.default_journal_path()
    assert path.parent == tmp_path / "recordings" and path.suffix == ".sqlite" and not path.exists()
    assert os.getpid() and str(os.getpid()) in path.name
