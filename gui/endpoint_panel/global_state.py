"""The endpoint's global-state strip (Qot GetGlobalState): market states, logins, server build.

What it shows is a snapshot of one context's answer. Whenever that context is not ready the
strip is marked stale: greyed, and prefixed "as of HH:MM:SS, <status>", so a stopped gateway
never goes on saying "logged in \u2713".
"""

from __future__ import annotations

import time
from typing import Any

from opendeck.core import codes
from opendeck.core.events import ContextStatus
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from .. import theme
from ..widgets import fmt_clock
from .ui import section

GLOBAL_MARKETS = [("marketHK", "HK"), ("marketUS", "US"), ("marketSH", "SH"), ("marketSZ", "SZ"),
                  ("marketHKFuture", "HK fut"), ("marketUSFuture", "US fut"),
                  ("marketSGFuture", "SG fut"), ("marketJPFuture", "JP fut")]


def format_global_state(gs: dict[str, Any]) -> str:
    def yes(v: Any) -> str:
        return "\u2713" if v else "\u2717"

    markets = " \u00b7 ".join(f"{label} {codes.QOT_MARKET_STATES.get(int(gs[k]), gs[k])}"
                              for k, label in GLOBAL_MARKETS if k in gs)
    prog = gs.get("programStatus", {})
    ptype = str(prog.get("type", "")).replace("ProgramStatusType_", "") if isinstance(prog, dict) else ""
    at = gs.get("localTime")
    when = fmt_clock(float(at), ms=False) if at else ""
    return (f"{markets}\nquote logged in {yes(gs.get('qotLogined'))} \u00b7 trade logged in "
            f"{yes(gs.get('trdLogined'))} \u00b7 server {gs.get('serverVer', '?')} build "
            f"{gs.get('serverBuildNo', '?')}" + (f" \u00b7 {ptype}" if ptype else "")
            + (f" \u00b7 at {when}" if when else ""))


class GlobalStateBar(QFrame):
    """``show_state(gs, source_key)`` after a fetch; ``set_source_status(status)`` on every
    state change / tick: anything but READY marks the snapshot stale."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("globalState")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        gl = QHBoxLayout(self)
        gl.setContentsMargins(10, 4, 6, 4)
        gl.setSpacing(10)
        gl.addWidget(section("Global state"))
        self.label = QLabel("not fetched yet")
        self.label.setObjectName("globalStateText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        gl.addWidget(self.label, 1)
        self.button = QPushButton("Refresh")
        self.button.setObjectName("refreshGlobalButton")
        self.button.setToolTip("Ask the gateway for its global state (F5)")
        gl.addWidget(self.button)
        self.state: dict[str, Any] | None = None
        self.source_key = ""  # the context the snapshot came from
        self.fetched_at: float | None = None
        self.stale = False
        self._status = ContextStatus.READY
        theme.notifier().changed.connect(self._theme_changed)

    def _theme_changed(self, *_: object) -> None:
        self._render()

    def show_text(self, text: str) -> None:
        """A message instead of a state ("connect a context first", "failed: ...")."""
        self.state = None
        self.stale = False
        self.label.setText(text)
        self.label.setToolTip("")
        self._render()

    def show_state(self, gs: dict[str, Any], source_key: str, at: float | None = None) -> None:
        self.state = gs
        self.source_key = source_key
        self.fetched_at = time.time() if at is None else at
        self._status = ContextStatus.READY
        self.label.setToolTip("\n".join(f"{k}: {v}" for k, v in gs.items()))
        self._render()

    def set_source_status(self, status: ContextStatus) -> None:
        if status is not self._status:
            self._status = status
            self._render()

    def _render(self) -> None:
        if self.state is None:
            self.label.setStyleSheet("")
            return
        text = format_global_state(self.state)
        self.stale = self._status is not ContextStatus.READY
        if self.stale:
            when = time.strftime("%H:%M:%S", time.localtime(self.fetched_at or time.time()))
            text = f"as of {when}, {self._status} \u2014 " + text
            self.label.setStyleSheet(f"color: {theme.colors().muted};")
        else:
            self.label.setStyleSheet("")
        if self.label.text() != text:
            self.label.setText(text)
