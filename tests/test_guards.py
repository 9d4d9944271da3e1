"""Guards for known-bad builds of our dependencies (shared/packaging-notes.md §1.1)."""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3] if p.isdigit())


def test_pyside6_is_below_6_12():
    """PySide6 6.12.0 drops a reference to None on every void call and aborts Python 3.11."""
    import PySide6

    assert _version(PySide6.__version__) < (6, 12), (
        f"PySide6 {PySide6.__version__} is installed; pin PySide6-Essentials>=6.11,<6.12")


def test_void_calls_do_not_leak_references_to_none(qapp):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    label.setText("warm-up")
    before = sys.getrefcount(None)
    for i in range(10_000):
        label.setText(str(i & 7))
    after = sys.getrefcount(None)
    assert after >= before - 50, (
        f"sys.getrefcount(None) fell by {before - after} over 10,000 QLabel.setText calls: "
        "this PySide6 build loses a reference to None per void call (6.12.0 on Python 3.11), "
        "which aborts the interpreter; install PySide6-Essentials 6.11.x")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from 3.12 on")
def test_none_refcount_is_meaningful_here():
    before = sys.getrefcount(None)
    keep = [None] * 1000
    assert sys.getrefcount(None) >= before + 1000
    del keep
