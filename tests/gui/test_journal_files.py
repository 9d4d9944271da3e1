"""One journal per run under the data dir; old runs are pruned at start, recordings never."""

import os
import time


def _files(d, prefix, n):
    d.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        f = d / f"{prefix}-{i:02d}.sqlite"
        f.write_text("x")
        os.utime(f, (time.time() - 1000 + i, time.time() - 1000 + i))


def test_old_journals_are_pruned_to_the_last_runs(tmp_path):
    from opendeck.gui.paths import new_journal_path
    d = tmp_path / "journal"
    _files(d, "run", 25)
    (d / "run-00.sqlite-wal").write_text("w")
    new = new_journal_path(tmp_path, keep=5)
    left = sorted(p.name for p in d.iterdir())
    assert left == [f"run-{i:02d}.sqlite" for i in range(21, 25)]
    assert new.parent == d and not new.exists()


def test_pruning_run_journals_never_touches_recordings(tmp_path, monkeypatch):
    """`opendeck record` writes into recordings/ of the same data dir: those are the user's."""
    from opendeck.core import record
    from opendeck.gui.paths import new_journal_path
    monkeypatch.setenv("OPENDECK_DATA_DIR", str(tmp_path))
    rec = record.default_journal_path()
    _files(rec.parent, "record", 30)
    _files(tmp_path / "journal", "run", 30)
    new_journal_path(tmp_path, keep=2)
    assert len(list(rec.parent.glob("record-*.sqlite"))) == 30
    assert len(list((tmp_path / "journal").glob("run-*.sqlite"))) == 1
