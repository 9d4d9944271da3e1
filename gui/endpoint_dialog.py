"""The endpoint dialog: add or edit an endpoint, with the core's own checks under each field.

Transport: TCP (OpenD's API port, optional RSA), WebSocket, or WebSocket over TLS (a CA file
and certificate verification). A WebSocket key is never stored in the profile: it is asked for
on connect (and may be kept in the OS keyring), or read from a key file named here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from opendeck.core import codes
from opendeck.core.config import Endpoint, default_port
from opendeck.core.events import Transport

from . import theme

TRANSPORTS = ((Transport.TCP, "TCP (API port)"), (Transport.WS, "WebSocket"),
              (Transport.WSS, "WebSocket over TLS"))


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
        self.transport = QComboBox()
        self.transport.setObjectName("transportCombo")
        for t, label in TRANSPORTS:
            self.transport.addItem(label, str(t))
        self.transport.setCurrentIndex(max(0, self.transport.findData(str(endpoint.transport))))
        self.transport.setToolTip("TCP: OpenD's API port (futu-api for Python, C#, Java, C++). "
                                  "WebSocket: its WebSocket port (the JavaScript SDK), plain or TLS")
        self._row(form, "&Transport:", self.transport, "transport")
        self._transport = str(endpoint.transport)
        self.host = QLineEdit(endpoint.host)
        self.host.setObjectName("hostEdit")
        self.host.setPlaceholderText("127.0.0.1 or a host name")
        self._row(form, "&Host:", self.host, "host")
        self.port = QSpinBox()
        self.port.setObjectName("portSpin")
        self.port.setRange(0, 65535)
        self.port.setValue(endpoint.port)
        self.port.setToolTip("OpenD's API port (default 11111), WebSocket port (default 33333)")
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
        self.enc_row = enc_row
        # WebSocket: the key (a file, or asked on connect), and TLS
        self.key_file = QLineEdit(endpoint.websocket_key_file)
        self.key_file.setObjectName("keyFileEdit")
        self.key_file.setPlaceholderText("optional: a file holding OpenD's websocket_key; "
                                         "else it is asked on connect")
        self.key_row = self._file_row(self.key_file, "keyFileBrowse", "WebSocket key file")
        self._row(form, "WebSocket &key:", self.key_row, "websocket_key_file")
        self.ca_cert = QLineEdit(endpoint.ca_cert)
        self.ca_cert.setObjectName("caCertEdit")
        self.ca_cert.setPlaceholderText("optional: the CA or self-signed certificate (PEM) to trust")
        self.ca_row = self._file_row(self.ca_cert, "caCertBrowse", "CA certificate (PEM)")
        self._row(form, "&CA file:", self.ca_row, "ca_cert")
        self.tls_verify = QCheckBox("Verify the gateway's TLS certificate")
        self.tls_verify.setObjectName("tlsVerifyCheck")
        self.tls_verify.setChecked(endpoint.tls_verify)
        self.tls_verify.setToolTip("Turn off only for a gateway you trust on a network you trust")
        form.addRow("", self.tls_verify)
        self._form = form
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

        for w in (self.name, self.host, self.rsa_key, self.client_id, self.key_file, self.ca_cert):
            w.textChanged.connect(self.validate)
        self.transport.currentIndexChanged.connect(self._transport_changed)
        self.language.currentTextChanged.connect(self.validate)
        for w in (self.port, self.client_ver):
            w.valueChanged.connect(self.validate)
        for w in (self.encryption, self.push_format, self.trd_market, self.security_firm):
            w.currentIndexChanged.connect(self.validate)
        for w in (self.demo, self.ctx_quote, self.ctx_sec, self.ctx_future, self.recv_notify,
                  self.auto_reconnect, self.tls_verify):
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

    def _file_row(self, edit: QLineEdit, name: str, what: str) -> QWidget:
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(edit, 1)
        b = QPushButton("Browse\u2026")
        b.setObjectName(name)
        b.clicked.connect(lambda: self._browse_into(edit, what))
        lay.addWidget(b)
        return row

    def _browse_into(self, edit: QLineEdit, what: str) -> None:
        dlg = QFileDialog(self, what)
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.fileSelected.connect(edit.setText)
        self._file_dialog = dlg
        dlg.open()

    def _transport_changed(self, *_: Any) -> None:
        """A port left at the old transport's default moves to the new one's."""
        new = self.transport.currentData()
        if self.port.value() == default_port(self._transport):
            self.port.setValue(default_port(new))
        self._transport = new
        self.validate()

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
        transport = self.transport.currentData()
        tcp = transport == Transport.TCP
        rsa = self.rsa_key.text().strip() if self.encryption.currentIndex() == 1 and tcp else ""
        return dataclasses.replace(
            self._original, name=self.name.text().strip(), host=self.host.text().strip(),
            port=self.port.value(), rsa_key=rsa, client_id=self.client_id.text().strip(),
            client_ver=self.client_ver.value(), language=self.language.currentText().strip(),
            recv_notify=self.recv_notify.isChecked(), push_format=self.push_format.currentData(),
            auto_reconnect=self.auto_reconnect.isChecked(), contexts=contexts,
            trd_market=self.trd_market.currentData() or "",
            security_firm=self.security_firm.currentData() or "", demo=self.demo.isChecked(),
            transport=transport,
            websocket_key_file="" if tcp else self.key_file.text().strip(),
            ca_cert=self.ca_cert.text().strip() if transport == Transport.WSS else "",
            tls_verify=self.tls_verify.isChecked())

    def problems(self) -> dict[str, str]:
        ep = self.endpoint()
        p = ep.problems()  # the rules are the core's; only the two below are the dialog's own
        if (self.encryption.currentIndex() == 1 and not ep.rsa_key
                and ep.transport == Transport.TCP):  # a widget state, not a field
            p["rsa_key"] = "pick the PEM file OpenD's rsa_private_key uses, or choose None"
        if "name" not in p and self._name_taken(ep.name):
            p["name"] = f"an endpoint called {ep.name!r} exists already; pick another name"
        return p

    def validate(self, *_: Any) -> bool:
        demo = self.demo.isChecked()
        self.host.setEnabled(not demo)
        self.port.setEnabled(not demo)
        transport = self.transport.currentData()
        tcp, wss = transport == Transport.TCP, transport == Transport.WSS
        form = self._form
        form.setRowVisible(self.enc_row.parentWidget(), tcp)
        form.setRowVisible(self.key_row.parentWidget(), not tcp)
        form.setRowVisible(self.ca_row.parentWidget(), wss)
        form.setRowVisible(self.tls_verify, wss)
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
