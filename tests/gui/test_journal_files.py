"""One journal per run under the data dir; old runs are pruned at start."""

import os
import time


def test_old_journals_are_pruned_to_the_last_runs(tmp_path):
    from opendeck.gui.app import new_journal_path
    d = tmp_path / "journal"
    d.mkdir()
    for i in range(25):
        f = d / f"run-{i:02d}.sqlite"
        f.write_text("x")
        os.utime(f, (time.time() - 1000 + i, time.time() - 1000 + i))
    (d / "run-00.sqlite-wal").write_text("w")
    new = new_journal_path(tmp_path, keep=5)
    left = sorted(p.name for p in d.iterdir())
    assert left == [f"run-{i:02d}.sqlite" for i in range(21, 25)]
    assert new.parent == d and not new.exists()
