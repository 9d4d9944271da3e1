"""Small pieces the endpoint panel's cards share: labels, compact forms, an inline message."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QFormLayout, QLabel, QSizePolicy

from .. import theme

DASH = "\u2014"


def bold(label: QLabel, scale: float = 1.0) -> QLabel:
    f = label.font()
    f.setBold(True)
    if scale != 1.0:
        f.setPointSizeF(f.pointSizeF() * scale)
    label.setFont(f)
    return label


def value_label(name: str) -> QLabel:
    lab = QLabel(DASH)
    lab.setObjectName(name)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


def section(title: str) -> QLabel:
    lab = QLabel(title)
    bold(lab)
    return lab


def compact_form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(3)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class Message(QLabel):
    """An inline status line: muted for information, red for problems."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # its line is there while empty too: text arriving does not push the card's rows down
        self.setMinimumHeight(self.fontMetrics().lineSpacing())
        self.error = False
        theme.notifier().changed.connect(self._style)

    def show_text(self, text: str, error: bool = False) -> None:
        self.error = error
        self.setText(text)
        self.setToolTip(text if len(text) > 80 else "")
        self._style()

    def _style(self, *_: Any) -> None:
        c = theme.colors()
        self.setStyleSheet(f"color: {c.error_text if self.error else c.muted};")




class LineMessage(Message):
    """A one-line message for a card's header: it takes the room it is given (elided, the full
    text in its tooltip) and never changes the card's height when it appears or grows."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(0)

    def show_text(self, text: str, error: bool = False) -> None:
        super().show_text(text, error)
        self.setToolTip(text)

    def paintEvent(self, _event) -> None:
        c = theme.colors()
        p = QPainter(self)
        p.setPen(QColor(c.error_text if self.error else c.muted))
        r = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, r.width())
        p.drawText(r, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        p.end()
