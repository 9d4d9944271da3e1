"""The endpoint list (left) with a state pill per endpoint, and the endpoint dialog."""

from __future__ import annotations

from typing import Any

from opendeck.core.config import Endpoint
from opendeck.core.events import ContextStatus
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import theme
from .statebook import StateBook
from .widgets import paint_pill

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 2
PILL_ROLE = Qt.ItemDataRole.UserRole + 3  # (state, text)
REASON_ROLE = Qt.ItemDataRole.UserRole + 4  # why it failed ("" unless error / reconnecting)


def describe(ep: Endpoint) -> str:
    """One line under the name: where it connects and what it opens."""
    short = {"quote": "quote", "trade-sec": "sec trade", "trade-future": "fut trade"}
    ctx = ", ".join(short.get(c, c) for c in ep.contexts) or "no contexts"
    if ep.demo:
        where = "built-in demo gateway" + (" (WebSocket)" if ep.is_websocket else "")
    elif ep.is_websocket:
        where = f"{ep.transport}://{ep.host}:{ep.port}"
    else:
        where = f"{ep.host}:{ep.port}"
    enc = " \u00b7 RSA" if ep.rsa_key and not ep.is_websocket else ""
    clear = " \u00b7 \u26a0 clear text" if ep.plaintext_remote else ""
    return f"{where}{enc}{clear} \u00b7 {ctx}"


class EndpointListModel(QAbstractListModel):
    def __init__(self, session, book: StateBook, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.book = book
        self._ids: list[str] = list(session.endpoints)
        self._pills: dict[str, tuple[str, str, str]] = {}
        self._reasons: dict[str, str] = {}

    # Qt API ------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        ep_id = self._ids[index.row()]
        ep = self.session.endpoints.get(ep_id)
        if ep is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return ep.name
        if role == ID_ROLE:
            return ep_id
        if role == SUBTITLE_ROLE:
            return describe(ep)
        pill = self._pills.get(ep_id) or self.book.endpoint_pill(ep_id)
        if role == PILL_ROLE:
            return pill[0], pill[1]
        if role == REASON_ROLE:
            return self._reasons.get(ep_id, "") if ep_id in self._pills else \
                self.book.endpoint_reason(ep_id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{ep.name} \u2014 {describe(ep)}\n{pill[2]}".rstrip()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{ep.name}, {pill[1]}"
        return None

    # ours --------------------------------------------------------------------------
    def ids(self) -> list[str]:
        return list(self._ids)

    def row_of(self, ep_id: str) -> int:
        try:
            return self._ids.index(ep_id)
        except ValueError:
            return -1

    def reload(self) -> None:
        """Endpoints were added, removed or edited."""
        new = list(self.session.endpoints)
        if new != self._ids:
            self.beginResetModel()
            self._ids = new
            self._pills.clear()
            self.endResetModel()
        else:
            self._pills.clear()
            if self._ids:
                self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))
        self.refresh_states()

    def refresh_states(self) -> None:
        """Recompute pills; emit dataChanged only for rows whose pill changed."""
        for row, ep_id in enumerate(self._ids):
            pill = self.book.endpoint_pill(ep_id)
            reason = self.book.endpoint_reason(ep_id)
            if self._pills.get(ep_id) != pill or self._reasons.get(ep_id) != reason:
                self._pills[ep_id] = pill
                self._reasons[ep_id] = reason
                ix = self.index(row)
                self.dataChanged.emit(ix, ix)

    def pill(self, ep_id: str) -> tuple[str, str, str]:
        return self._pills.get(ep_id) or self.book.endpoint_pill(ep_id)


class EndpointDelegate(QStyledItemDelegate):
    """Name in bold, the address below it, the state pill on the right."""

    PAD = 8

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        fm = QFontMetrics(option.font)
        return QSize(200, fm.height() * 2 + self.PAD * 2 + 2)

    def paint(self, painter, option: QStyleOptionViewItem, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        text_color = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        sub_color = text_color if selected else pal.color(QPalette.ColorRole.PlaceholderText)
        r = QRectF(opt.rect).adjusted(self.PAD + 2, self.PAD / 2, -self.PAD, -self.PAD / 2)
        state, text = index.data(PILL_ROLE) or (ContextStatus.DISCONNECTED, str(ContextStatus.DISCONNECTED))
        top = QRectF(r.left(), r.top(), r.width(), r.height() / 2)
        pill_w = paint_pill(painter, top, state, text, opt.font)
        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_color)
        name_rect = QRectF(top.left(), top.top(), top.width() - pill_w - 6, top.height())
        name = QFontMetrics(bold).elidedText(index.data() or "", Qt.TextElideMode.ElideRight,
                                             int(name_rect.width()))
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
        painter.setFont(opt.font)
        painter.setPen(sub_color)
        sub_rect = QRectF(r.left(), r.top() + r.height() / 2, r.width(), r.height() / 2)
        reason = index.data(REASON_ROLE) or ""
        if reason:  # a failing endpoint says why in place of its address (tooltip has both)
            reason = reason.replace("\n", " ")
            if not selected:
                painter.setPen(QColor(theme.colors().error_text))
        sub = QFontMetrics(opt.font).elidedText(reason or index.data(SUBTITLE_ROLE) or "",
                                                Qt.TextElideMode.ElideRight, int(sub_rect.width()))
        painter.drawText(sub_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, sub)
        painter.restore()


class EndpointListPanel(QWidget):
    """The left column: a heading, the list, and buttons for the endpoint actions."""

    def __init__(self, model: EndpointListModel, actions: dict, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("endpointPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.setSpacing(4)
        title = QLabel("Endpoints")
        f = title.font()
        f.setBold(True)
        title.setFont(f)
        layout.addWidget(title)
        self.view = QListView()
        self.view.setObjectName("endpointList")
        self.view.setModel(model)
        self.view.setItemDelegate(EndpointDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for key in ("connect_all", "disconnect_all", "edit", "duplicate", "remove"):
            self.view.addAction(actions[key])
        layout.addWidget(self.view, 1)
        row1 = QHBoxLayout()
        row1.setSpacing(2)
        for key in ("new", "edit", "duplicate", "remove"):
            row1.addWidget(self._button(actions[key]))
        row1.addStretch(1)
        layout.addLayout(row1)
        row2 = QHBoxLayout()
        row2.setSpacing(2)
        for key in ("import", "export"):
            row2.addWidget(self._button(actions[key]))
        row2.addStretch(1)
        layout.addLayout(row2)
        theme.notifier().changed.connect(self._repaint)

    def _repaint(self, *_: Any) -> None:
        self.view.viewport().update()

    @staticmethod
    def _button(action) -> QToolButton:
        b = QToolButton()
        b.setDefaultAction(action)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        b.setObjectName(f"btn_{action.objectName()}")
        return b


# ------------------------------------------------------------------------------------ dialog


# the endpoint dialog moved to endpoint_dialog.py; this name stays for existing imports
from .endpoint_dialog import LANGUAGES, EndpointDialog  # noqa: F401
