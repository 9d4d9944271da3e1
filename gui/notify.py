"""A system notification (tray message, where the platform has one) when a context drops or
stops for good while the window is in the background.

One notice per drop: a context that keeps failing its reconnects is not announced again until
it was ready once more. Off for demo endpoints unless asked for; the whole thing can be turned
off (View > Notify when a connection drops; saved as ``notifyDrops`` in window.ini).
"""

from __future__ import annotations

from opendeck.core.events import ConnState, StateChanged
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from .statebook import context_label

DROPS = (ConnState.RECONNECTING, ConnState.FAILED)


class DropNotifier:
    def __init__(self, window, *, enabled: bool = True, demo: bool = False) -> None:
        self.window = window
        self.enabled = enabled
        self.demo = demo  # also for the built-in demo gateway (off by default)
        self.sent: list[tuple[str, str]] = []  # what was announced (title, text), newest last
        self._down: set[tuple[str, str]] = set()  # (endpoint, context) announced, not ready since
        self._tray: QSystemTrayIcon | None = None
        #: whether OpenDeck is in the background now (tests replace it)
        self.in_background = lambda: not window.isActiveWindow()

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def _wanted(self, ev: StateChanged) -> bool:
        if not self.enabled:
            return False
        ep = self.window.session.endpoints.get(ev.endpoint)
        if ep is None or (ep.demo and not self.demo):
            return False
        return self.in_background()

    def on_state(self, ev: StateChanged, endpoint_name: str) -> None:
        key = (ev.endpoint, str(ev.context or ""))
        if ev.new is ConnState.READY:
            self._down.discard(key)
            return
        if ev.new not in DROPS or (key in self._down and ev.new is not ConnState.FAILED):
            return
        if ev.new is ConnState.RECONNECTING and ev.old not in (ConnState.READY, ConnState.HANDSHAKING,
                                                               ConnState.CONNECTING):
            return
        if not self._wanted(ev):
            return
        self._down.add(key)
        what = "stopped" if ev.new is ConnState.FAILED else "dropped"
        title = f"OpenDeck: {endpoint_name} {context_label(ev.context).lower()} {what}"
        text = ev.reason or str(ev.new)
        if ev.new is ConnState.RECONNECTING and ev.retry_in is not None:
            text = f"reconnecting in {ev.retry_in:.0f} s \u2014 {text}"
        self.show(title, text, critical=ev.new is ConnState.FAILED)

    def show(self, title: str, text: str, critical: bool = False) -> None:
        self.sent.append((title, text))
        del self.sent[:-50]
        if not self.available:
            return
        if self._tray is None:
            icon = QApplication.windowIcon()
            self._tray = QSystemTrayIcon(icon if not icon.isNull() else QIcon(), self.window)
            self._tray.setToolTip("OpenDeck")
            self._tray.messageClicked.connect(self._raise_window)
            self._tray.show()
        level = (QSystemTrayIcon.MessageIcon.Critical if critical
                 else QSystemTrayIcon.MessageIcon.Warning)
        self._tray.showMessage(title, text, level, 8000)

    def _raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray = None
