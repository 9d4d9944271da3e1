"""The monitor tests: helpers live in monitor_procs.py; the real-Prometheus test is marked."""

from __future__ import annotations

import os
import shutil

import pytest

PROM_TOOLS = ("prometheus", "promtool")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "prometheus: runs the real Prometheus and promtool "
                                       "(Debian package `prometheus`); fails in CI when they are missing")


@pytest.fixture
def prometheus_tools() -> None:
    """Skip locally without the tools; in CI (CI=true) their absence is a failure, not a skip."""
    missing = [t for t in PROM_TOOLS if shutil.which(t) is None]
    if not missing:
        return
    msg = (f"{' and '.join(missing)} not found: install the Debian package `prometheus` "
           "(apt-get install prometheus; .ci/run does)")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " -- CI must run the real-Prometheus test", pytrace=False)
    pytest.skip(msg)
