"""Ask for a WebSocket endpoint's key when the session needs it (``errors.NeedsKey``).

A non-modal dialog (``open()``, never ``exec()``): a password field and "remember in the OS
keyring" (offered only where a keyring exists). The key goes to ``session.keys.put`` and nowhere
else: not the profile, not a log; the field is cleared when the dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QVBoxLayout, QWidget)


class KeyDialog(QDialog):
    def __init__(self, parent: QWidget | None, endpoint_name: str, keyring: bool,
                 on_key: Callable[[str, bool], None]) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.setWindowTitle(f"WebSocket key for {endpoint_name}")
        self._on_key = on_key
        lay = QVBoxLayout(self)
        intro = QLabel(f"{endpoint_name} connects to OpenD's WebSocket port, which needs the key "
                       "set in OpenD (websocket_key). OpenDeck never writes it to the profile.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.key = QLineEdit()
        self.key.setObjectName("keyEdit")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Key:", self.key)
        self.remember = QCheckBox("Remember it in the OS keyring")
        self.remember.setObjectName("rememberKeyCheck")
        self.remember.setEnabled(keyring)
        self.remember.setToolTip("" if keyring else "No OS keyring here: the key is kept in memory "
                                 "until OpenDeck quits")
        form.addRow("", self.remember)
        lay.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Connect")
        self.ok.setEnabled(False)
        self.key.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        buttons.accepted.connect(self._give)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.finished.connect(lambda _r: self.key.clear())

    def _give(self) -> None:
        key = self.key.text().strip()
        self.key.clear()
        if key:
            self.accept()
            self._on_key(key, self.remember.isChecked())
