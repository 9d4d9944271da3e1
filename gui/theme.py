"""Light / dark theme: Fusion style plus a palette that follows the system colour scheme.

``apply(app)`` picks the scheme from ``QStyleHints.colorScheme()`` (or ``OPENDECK_THEME=light|dark``
when set), installs the palette, and re-applies it on ``colorSchemeChanged``. Widgets that draw
their own colours (state pills, charts) read :func:`colors` and listen to :data:`notifier`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from opendeck.core.events import ContextStatus
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle

S = ContextStatus


@dataclass(frozen=True)
class Colors:
    dark: bool
    text: str
    muted: str
    card: str
    border: str
    chart_bg: str
    chart_fg: str
    rtt: str
    error_text: str
    # state pill: background, text
    pills: dict


_PILLS_LIGHT = {
    S.READY: ("#2e7d32", "#ffffff"),
    S.CONNECTING: ("#1565c0", "#ffffff"),
    S.HANDSHAKING: ("#1565c0", "#ffffff"),
    S.RECONNECTING: ("#ef6c00", "#ffffff"),
    S.CLOSING: ("#757575", "#ffffff"),
    S.ERROR: ("#c62828", "#ffffff"),
    S.DISCONNECTED: ("#e0e0e0", "#424242"),
}
_PILLS_DARK = {
    S.READY: ("#388e3c", "#ffffff"),
    S.CONNECTING: ("#1e88e5", "#ffffff"),
    S.HANDSHAKING: ("#1e88e5", "#ffffff"),
    S.RECONNECTING: ("#f57c00", "#ffffff"),
    S.CLOSING: ("#616161", "#ffffff"),
    S.ERROR: ("#e53935", "#ffffff"),
    S.DISCONNECTED: ("#4a4a4a", "#d0d0d0"),
}

LIGHT = Colors(False, "#202020", "#6b6b6b", "#ffffff", "#d4d4d4", "#ffffff", "#505050",
               "#1565c0", "#c62828", _PILLS_LIGHT)
DARK = Colors(True, "#e6e6e6", "#9a9a9a", "#2b2b2b", "#454545", "#232323", "#b0b0b0",
              "#64b5f6", "#ef9a9a", _PILLS_DARK)


#: the outline of an unchecked check box / radio button in dark mode. Fusion draws it from the
#: window colour darkened, which on #2d2d2d is nearly invisible.
DARK_INDICATOR_EDGE = "#9a9a9a"


class OpenDeckStyle(QProxyStyle):
    """Fusion, with check box and radio button indicators outlined so that they show in dark
    mode (the light palette is Fusion's own)."""

    _EDGED = (QStyle.PrimitiveElement.PE_IndicatorCheckBox,
              QStyle.PrimitiveElement.PE_IndicatorRadioButton)

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(self, element, option, painter, widget=None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in self._EDGED or not _current.dark:
            return
        painter.save()
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        painter.setPen(QColor(DARK_INDICATOR_EDGE))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        r = option.rect.adjusted(1, 1, -1, -1)
        if element is QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(r.adjusted(0, 0, -1, -1))
        else:
            painter.drawRoundedRect(r.toRectF().adjusted(0.5, 0.5, -0.5, -0.5), 1.5, 1.5)
        painter.restore()


_style: OpenDeckStyle | None = None  # kept: the application does not own a Python style


class _Notifier(QObject):
    changed = Signal(bool)  # dark?


_notifier: _Notifier | None = None
_current: Colors = LIGHT
_hooked = False


def notifier() -> _Notifier:
    """The object whose ``changed(dark)`` signal fires after the palette changed."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier()
    return _notifier


def colors() -> Colors:
    return _current


def is_dark() -> bool:
    return _current.dark


def _want_dark() -> bool:
    forced = os.environ.get("OPENDECK_THEME", "").strip().lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, alt, text = QColor("#2d2d2d"), QColor("#232323"), QColor("#2b2b2b"), QColor("#e6e6e6")
    button, highlight, link = QColor("#353535"), QColor("#2f6fb3"), QColor("#64b5f6")
    disabled = QColor("#7a7a7a")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, alt)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, QColor("#3a3a3a"))
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor("#8a8a8a"))
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, button)
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.BrightText, QColor("#ff6b6b"))
        p.setColor(group, QPalette.ColorRole.Link, link)
        p.setColor(group, QPalette.ColorRole.Highlight, highlight)
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        p.setColor(group, QPalette.ColorRole.Light, QColor("#4a4a4a"))
        p.setColor(group, QPalette.ColorRole.Midlight, QColor("#3e3e3e"))
        p.setColor(group, QPalette.ColorRole.Mid, QColor("#303030"))
        p.setColor(group, QPalette.ColorRole.Dark, QColor("#1e1e1e"))
        p.setColor(group, QPalette.ColorRole.Shadow, QColor("#141414"))
    g = QPalette.ColorGroup.Disabled
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(g, role, disabled)
    p.setColor(g, QPalette.ColorRole.Window, window)
    p.setColor(g, QPalette.ColorRole.Base, QColor("#2a2a2a"))
    p.setColor(g, QPalette.ColorRole.Button, QColor("#303030"))
    p.setColor(g, QPalette.ColorRole.Highlight, QColor("#505050"))
    return p


def light_palette() -> QPalette:
    p = QApplication.style().standardPalette()
    p.setColor(QPalette.ColorRole.Link, QColor("#1565c0"))
    return p


def _apply_scheme(app: QApplication) -> None:
    global _current
    dark = _want_dark()
    _current = DARK if dark else LIGHT
    app.setPalette(dark_palette() if dark else light_palette())
    notifier().changed.emit(dark)


def apply(app: QApplication) -> None:
    """Fusion + palette now, and again whenever the system scheme changes."""
    global _hooked, _style
    if _style is None:
        _style = OpenDeckStyle()
    if app.style() is not _style:
        app.setStyle(_style)
    if not _hooked:
        _hooked = True
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _s: _apply_scheme(app))
    _apply_scheme(app)


def pill_colors(status: ContextStatus) -> tuple[str, str]:
    return _current.pills.get(status, _current.pills[S.DISCONNECTED])
