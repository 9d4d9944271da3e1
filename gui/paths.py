"""Where the window keeps its files. ``endpoints.toml`` and ``window.ini`` live in
``core.config.config_dir()``, journals in ``core.config.journal_dir()``: both honour
``OPENDECK_CONFIG_DIR`` / ``OPENDECK_DATA_DIR`` (the core's functions; nothing here reads them).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from opendeck.core import config

KEEP_JOURNALS = 20  # runs whose journals are kept; older ones are deleted at start


def profiles_path(args=None) -> Path:
    if getattr(args, "config", None):
        return Path(args.config).expanduser()
    return config.default_profiles_path()


def window_settings_path() -> Path:
    return config.config_dir() / "window.ini"


def new_journal_path(base: Path | None = None, keep: int = KEEP_JOURNALS) -> Path:
    """A fresh journal file for this run (under ``base``/journal, default the core's journal
    dir); journals of all but the last ``keep`` runs go."""
    d = base / "journal" if base is not None else config.journal_dir()
    old = sorted(d.glob("run-*.sqlite"), key=lambda p: p.stat().st_mtime) if d.is_dir() else []
    for stale in old[:max(0, len(old) - (keep - 1))]:
        for f in (stale, stale.with_name(stale.name + "-wal"), stale.with_name(stale.name + "-shm")):
            try:
                f.unlink(missing_ok=True)
            except OSError:  # in use by another OpenDeck, or read-only: keep it
                pass
    return d / time.strftime(f"run-%Y%m%d-%H%M%S-{os.getpid()}.sqlite")
