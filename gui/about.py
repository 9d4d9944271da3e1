"""The About box (versions of OpenDeck and its libraries, file paths) and the journal note."""

from __future__ import annotations

import html
import platform

from opendeck.core import __version__
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox


def about(window) -> QMessageBox:
    """The About box over ``window`` (the main window)."""
    self = window
    box = QMessageBox(self)
    box.setObjectName("aboutBox")
    box.setWindowTitle("About OpenDeck")
    box.setIconPixmap(self.windowIcon().pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    info = versions()
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>&nbsp;{html.escape(v)}</td></tr>"
                   for k, v in info.items())
    journal = str(self.session.journal.path) if self.session.journal else "off for this run"
    paths = "".join(f"<li>{html.escape(k)}: <code>{html.escape(v)}</code></li>" for k, v in (
        ("Profiles", str(self.profiles_path)), ("Window settings", self.settings.fileName()),
        ("Journal", journal)))
    box.setText(f"<h3>OpenDeck {html.escape(__version__)}</h3>"
                "<p>Connection manager and live push monitor for Futu / moomoo OpenD gateways.</p>"
                f"<table>{rows}</table><p><b>Files</b></p><ul>{paths}</ul>")
    copy = box.addButton("Copy versions", QMessageBox.ButtonRole.ActionRole)
    copy.setObjectName("copyVersionsButton")
    box.addButton(QMessageBox.StandardButton.Ok)
    text = "\n".join(f"{k}: {v}" for k, v in info.items())
    text += f"\nProfiles: {self.profiles_path}\nJournal: {journal}"
    copy.setToolTip("Copy the versions and paths (for a bug report) and close")
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(text))
    self._keep(box)
    box.open()
    return box


def show_journal(self) -> None:
    j = self.session.journal
    text = (f"This run's pushes and events are written to\n{j.path}\n\nExport them from the push "
            "log (Export JSONL / CSV).") if j else "The journal is off for this run."
    box = QMessageBox(QMessageBox.Icon.Information, "Journal", text, QMessageBox.StandardButton.Ok, self)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    self._keep(box)
    box.open()


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    try:
        qasync_version = version("qasync")  # qasync has no __version__ attribute
    except PackageNotFoundError:  # pragma: no cover - a frozen build without metadata
        qasync_version = "?"
    out = {"OpenDeck": __version__, "Python": platform.python_version(),
           "Qt": qVersion(), "PySide6": pyside_version, "qasync": qasync_version}
    try:
        from google.protobuf import __version__ as pb_version
        out["protobuf"] = pb_version
    except ImportError:  # pragma: no cover
        out["protobuf"] = "missing"
    try:
        import pyqtgraph
        out["pyqtgraph"] = pyqtgraph.__version__
    except ImportError:  # pragma: no cover
        out["pyqtgraph"] = "missing"
    out["Platform"] = f"{platform.system()} {platform.release()} ({platform.machine()})"
    return out
