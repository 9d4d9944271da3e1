"""The endpoint list (left) with a state pill per endpoint, and the endpoint dialog."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from opendeck.core import codes
from opendeck.core.config import Endpoint
from opendeck.core.events import ContextStatus
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSpinBox,
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
    where = "built-in demo gateway" if ep.demo else f"{ep.host}:{ep.port}"
    enc = " \u00b7 RSA" if ep.rsa_key else ""
    return f"{where}{enc} \u00b7 {ctx}"


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

LANGUAGES = ["Python", "Java", "C#", "C++", "JavaScript", "Go", "Rust"]
FIELDS = ["name", "host", "port", "rsa_key", "client_id", "client_ver", "language",
          "push_format", "contexts", "trd_market", "security_firm"]


class EndpointDialog(QDialog):
    """Add or edit an endpoint. Problems from ``Endpoint.problems()`` appear under the fields
    as you type; OK stays disabled while there are any. Open it with ``open()``."""

    def __init__(self, endpoint: Endpoint, title: str = "Endpoint", parent=None,
                 name_taken: Callable[[str], bool] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endpointDialog")
        self.setWindowTitle(title)
        self._original = endpoint
        self._name_taken = name_taken or (lambda _name: False)  # session.name_taken
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}  # field name -> its widget (focus_field)
        outer = QVBoxLayout(self)

        conn_box = QGroupBox("Connection")
        form = QFormLayout(conn_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name = QLineEdit(endpoint.name)
        self.name.setObjectName("nameEdit")
        self.name.setPlaceholderText("e.g. Local OpenD")
        self._row(form, "&Name:", self.name, "name")
        self.demo = QCheckBox("Run the built-in demo gateway in-process (host and port are chosen)")
        self.demo.setObjectName("demoCheck")
        self.demo.setChecked(endpoint.demo)
        form.addRow("", self.demo)
        self.host = QLineEdit(endpoint.host)
        self.host.setObjectName("hostEdit")
        self.host.setPlaceholderText("127.0.0.1 or a host name")
        self._row(form, "&Host:", self.host, "host")
        self.port = QSpinBox()
        self.port.setObjectName("portSpin")
        self.port.setRange(0, 65535)
        self.port.setValue(endpoint.port)
        self.port.setToolTip("OpenD's API port (default 11111)")
        self._row(form, "&Port:", self.port, "port")
        enc_row = QWidget()
        enc_l = QHBoxLayout(enc_row)
        enc_l.setContentsMargins(0, 0, 0, 0)
        self.encryption = QComboBox()
        self.encryption.setObjectName("encryptionCombo")
        self.encryption.addItems(["None", "RSA private key"])
        self.encryption.setCurrentIndex(1 if endpoint.rsa_key else 0)
        enc_l.addWidget(self.encryption)
        self.rsa_key = QLineEdit(endpoint.rsa_key)
        self.rsa_key.setObjectName("rsaKeyEdit")
        self.rsa_key.setPlaceholderText("PEM file (OpenD's rsa_private_key)")
        enc_l.addWidget(self.rsa_key, 1)
        self.browse = QPushButton("Browse\u2026")
        self.browse.setObjectName("rsaBrowse")
        self.browse.clicked.connect(self._browse)
        enc_l.addWidget(self.browse)
        self._row(form, "&Encryption:", enc_row, "rsa_key")
        outer.addWidget(conn_box)

        client_box = QGroupBox("Client (InitConnect)")
        cform = QFormLayout(client_box)
        self.client_id = QLineEdit(endpoint.client_id)
        self.client_id.setObjectName("clientIdEdit")
        self._row(cform, "Client &id:", self.client_id, "client_id")
        self.client_ver = QSpinBox()
        self.client_ver.setObjectName("clientVerSpin")
        self.client_ver.setRange(0, 2_000_000_000)
        self.client_ver.setValue(endpoint.client_ver)
        self._row(cform, "Client &version:", self.client_ver, "client_ver")
        self.language = QComboBox()
        self.language.setObjectName("languageCombo")
        self.language.setEditable(True)
        self.language.addItems(LANGUAGES)
        self.language.setCurrentText(endpoint.language)
        self._row(cform, "&Language:", self.language, "language")
        self.push_format = QComboBox()
        self.push_format.setObjectName("pushFormatCombo")
        self.push_format.addItem("Protobuf", "protobuf")
        self.push_format.addItem("JSON", "json")
        self.push_format.setCurrentIndex(max(0, self.push_format.findData(endpoint.push_format)))
        self._row(cform, "Push &format:", self.push_format, "push_format")
        self.recv_notify = QCheckBox("Receive system notifications")
        self.recv_notify.setObjectName("recvNotifyCheck")
        self.recv_notify.setChecked(endpoint.recv_notify)
        cform.addRow("", self.recv_notify)
        self.auto_reconnect = QCheckBox("Reconnect automatically after a drop")
        self.auto_reconnect.setObjectName("autoReconnectCheck")
        self.auto_reconnect.setChecked(endpoint.auto_reconnect)
        cform.addRow("", self.auto_reconnect)
        outer.addWidget(client_box)

        ctx_box = QGroupBox("Contexts to open")
        xform = QFormLayout(ctx_box)
        self.ctx_quote = QCheckBox("&Quote")
        self.ctx_quote.setObjectName("ctxQuote")
        self.ctx_quote.setChecked("quote" in endpoint.contexts)
        xform.addRow(self.ctx_quote)
        self.ctx_sec = QCheckBox("&Securities trade")
        self.ctx_sec.setObjectName("ctxTradeSec")
        self.ctx_sec.setChecked("trade-sec" in endpoint.contexts)
        xform.addRow(self.ctx_sec)
        self.trd_market = QComboBox()
        self.trd_market.setObjectName("trdMarketCombo")
        self.trd_market.addItem("All markets", "")
        for name in codes.TRD_MARKETS:
            self.trd_market.addItem(name, name)
        self.trd_market.setCurrentIndex(max(0, self.trd_market.findData(endpoint.trd_market.upper())))
        self._row(xform, "    Market filter:", self.trd_market, "trd_market")
        self.security_firm = QComboBox()
        self.security_firm.setObjectName("securityFirmCombo")
        self.security_firm.addItem("Any", "")
        for name in codes.SECURITY_FIRMS:
            self.security_firm.addItem(name, name)
        self.security_firm.setCurrentIndex(max(0, self.security_firm.findData(endpoint.security_firm)))
        self._row(xform, "    Security firm:", self.security_firm, "security_firm")
        self.ctx_future = QCheckBox("F&utures trade")
        self.ctx_future.setObjectName("ctxTradeFuture")
        self.ctx_future.setChecked("trade-future" in endpoint.contexts)
        xform.addRow(self.ctx_future)
        err = self._error_label("contexts")
        xform.addRow(err)
        outer.addWidget(ctx_box)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setObjectName("okButton")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

        for w in (self.name, self.host, self.rsa_key, self.client_id):
            w.textChanged.connect(self.validate)
        self.language.currentTextChanged.connect(self.validate)
        for w in (self.port, self.client_ver):
            w.valueChanged.connect(self.validate)
        for w in (self.encryption, self.push_format, self.trd_market, self.security_firm):
            w.currentIndexChanged.connect(self.validate)
        for w in (self.demo, self.ctx_quote, self.ctx_sec, self.ctx_future, self.recv_notify,
                  self.auto_reconnect):
            w.toggled.connect(self.validate)
        self._file_dialog: QFileDialog | None = None
        self.validate()
        self.resize(max(520, self.sizeHint().width()), self.sizeHint().height())

    # building --------------------------------------------------------------------
    def _error_label(self, field: str) -> QLabel:
        lab = QLabel()
        lab.setObjectName(f"err_{field}")
        lab.setWordWrap(True)
        lab.setVisible(False)
        lab.setStyleSheet(f"color: {theme.colors().error_text};")
        self._errors[field] = lab
        return lab

    def focus_field(self, field: str) -> QWidget | None:
        """Put the cursor in ``field`` (``rsa_key`` focuses the Encryption choice)."""
        w = self._fields.get(field)
        if field == "rsa_key":
            w = self.encryption
        if w is not None:
            w.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(w, QLineEdit):
                w.selectAll()
        return w

    def _row(self, form: QFormLayout, label: str, widget: QWidget, field: str) -> None:
        self._fields[field] = widget
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(1)
        v.addWidget(widget)
        v.addWidget(self._error_label(field))
        form.addRow(label, box)
        lab = form.labelForField(box)
        if isinstance(lab, QLabel):
            lab.setBuddy(widget)

    def _browse(self) -> None:
        dlg = QFileDialog(self, "RSA private key (the PEM OpenD uses)")
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.setNameFilters(["PEM keys (*.pem *.key *.txt)", "All files (*)"])
        dlg.fileSelected.connect(self._picked)
        self._file_dialog = dlg
        dlg.open()

    def _picked(self, path: str) -> None:
        if path:
            self.rsa_key.setText(path)
            self.encryption.setCurrentIndex(1)

    # values ----------------------------------------------------------------------
    def endpoint(self) -> Endpoint:
        contexts = [k for k, cb in (("quote", self.ctx_quote), ("trade-sec", self.ctx_sec),
                                    ("trade-future", self.ctx_future)) if cb.isChecked()]
        rsa = self.rsa_key.text().strip() if self.encryption.currentIndex() == 1 else ""
        return dataclasses.replace(
            self._original, name=self.name.text().strip(), host=self.host.text().strip(),
            port=self.port.value(), rsa_key=rsa, client_id=self.client_id.text().strip(),
            client_ver=self.client_ver.value(), language=self.language.currentText().strip(),
            recv_notify=self.recv_notify.isChecked(), push_format=self.push_format.currentData(),
            auto_reconnect=self.auto_reconnect.isChecked(), contexts=contexts,
            trd_market=self.trd_market.currentData() or "",
            security_firm=self.security_firm.currentData() or "", demo=self.demo.isChecked())

    def problems(self) -> dict[str, str]:
        ep = self.endpoint()
        p = ep.problems()  # the rules are the core's; only the two below are the dialog's own
        if self.encryption.currentIndex() == 1 and not ep.rsa_key:  # a widget state, not a field
            p["rsa_key"] = "pick the PEM file OpenD's rsa_private_key uses, or choose None"
        if "name" not in p and self._name_taken(ep.name):
            p["name"] = f"an endpoint called {ep.name!r} exists already; pick another name"
        return p

    def validate(self, *_: Any) -> bool:
        demo = self.demo.isChecked()
        self.host.setEnabled(not demo)
        self.port.setEnabled(not demo)
        rsa = self.encryption.currentIndex() == 1
        self.rsa_key.setEnabled(rsa)
        self.browse.setEnabled(rsa)
        sec = self.ctx_sec.isChecked()
        self.trd_market.setEnabled(sec)
        self.security_firm.setEnabled(sec or self.ctx_future.isChecked())
        problems = self.problems()
        for field, lab in self._errors.items():
            msg = problems.get(field, "")
            lab.setText(msg)
            lab.setVisible(bool(msg))
        self.ok.setEnabled(not problems)
        self.ok.setToolTip("" if not problems else "Fix the fields marked in red first")
        return not problems

    def _accept(self) -> None:
        if self.validate():
            self.accept()
