"""Never a silent crash: an exception dialog with the traceback and a Copy button.

:func:`install` makes it ``sys.excepthook`` (which qasync's ``asyncSlot`` also calls), the
``threading.excepthook`` (marshalled to the GUI thread through a queued signal) and the asyncio
loop's exception handler (tasks nobody awaited, failing callbacks). Expected failures
(:class:`OpenDeckError`: connection refused, wrong password, ...) are not bugs: they get a short
message instead of a traceback, via :func:`show_problem`.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import traceback
from types import TracebackType

from opendeck.core.errors import OpenDeckError
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ExceptionDialog(QDialog):
    """Non-modal; repeated exceptions append to the open dialog instead of stacking windows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exceptionDialog")
        self.setWindowTitle("OpenDeck: unexpected error")
        self.resize(720, 420)
        self.count = 0
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        hint = QLabel("OpenDeck kept running. Please copy the details below into a bug report; "
                      "they contain no passwords.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def add(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None,
            where: str = "") -> None:
        self.count += 1
        text = "".join(traceback.format_exception(kind, value, tb))
        if where:
            text = f"{where}\n{text}"
        if self.count > 1:
            self.text.appendPlainText("\n" + "-" * 60 + "\n")
        self.text.appendPlainText(text.rstrip())
        title = f"{kind.__name__}: {value}"
        self.summary.setText(f"<b>{_escape(title[:300])}</b>" +
                             (f"<br>({self.count} errors so far)" if self.count > 1 else ""))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Bridge(QObject):
    """Carries exceptions from other threads to the GUI thread (queued connection)."""

    raised = Signal(object, object, object, str)


class ErrorReporter:
    def __init__(self) -> None:
        self.dialog: ExceptionDialog | None = None
        self.parent: QWidget | None = None
        self.reported = 0
        self._bridge = _Bridge()
        self._bridge.raised.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._prev_excepthook = sys.excepthook
        self._prev_thread_hook = threading.excepthook

    # hooks ---------------------------------------------------------------------
    def excepthook(self, kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._prev_excepthook(kind, value, tb)
            return
        traceback.print_exception(kind, value, tb)  # keep a trace on stderr too
        if threading.current_thread() is threading.main_thread():
            self._show(kind, value, tb, "")
        else:
            self._bridge.raised.emit(kind, value, tb, f"in thread {threading.current_thread().name}")

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback)
        where = f"in thread {args.thread.name if args.thread else '?'}"
        self._bridge.raised.emit(args.exc_type, args.exc_value, args.exc_traceback, where)

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        message = context.get("message", "")
        if isinstance(exc, asyncio.CancelledError):
            return
        if exc is None:
            loop.default_exception_handler(context)
            return
        task = context.get("task") or context.get("future")
        where = message + (f" ({task.get_name()})" if isinstance(task, asyncio.Task) else "")
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        self._show(type(exc), exc, exc.__traceback__, where)

    # ----------------------------------------------------------------------------
    def _show(self, kind, value, tb, where: str) -> None:
        self.reported += 1
        if QApplication.instance() is None:
            return
        if isinstance(value, OpenDeckError):  # an expected failure that escaped a handler
            show_problem(self.parent, "OpenDeck", str(value))
            return
        if self.dialog is None or not self.dialog.isVisible():
            self.dialog = ExceptionDialog(self.parent)
            self.dialog.count = 0
            self.dialog.text.clear()
        self.dialog.add(kind, value, tb, where)
        self.dialog.show()
        self.dialog.raise_()

    def report(self, exc: BaseException, where: str = "") -> None:
        """For code that catches an exception but wants it seen."""
        self._show(type(exc), exc, exc.__traceback__, where)


_reporter: ErrorReporter | None = None


def reporter() -> ErrorReporter:
    global _reporter
    if _reporter is None:
        _reporter = ErrorReporter()
    return _reporter


def install(parent: QWidget | None = None, loop: asyncio.AbstractEventLoop | None = None) -> ErrorReporter:
    r = reporter()
    r.parent = parent
    sys.excepthook = r.excepthook
    threading.excepthook = r.thread_hook
    if loop is not None:
        loop.set_exception_handler(r.loop_handler)
    return r


def report(exc: BaseException, where: str = "") -> None:
    """Show ``exc``: a short message for OpenDeckError, otherwise the traceback dialog.

    In tests (pytest-qt owns ``sys.excepthook``) it is handed to ``sys.excepthook`` so the test
    sees it."""
    if isinstance(exc, OpenDeckError):
        show_problem(reporter().parent, "OpenDeck", str(exc))
        return
    if _reporter is None or getattr(sys.excepthook, "__self__", None) is not _reporter:
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return
    traceback.print_exception(type(exc), exc, exc.__traceback__)
    _reporter.report(exc, where)


_open_boxes: list[QMessageBox] = []


def show_problem(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """A non-modal warning (``show()``, never ``exec()``): safe from async code."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("problemBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_boxes.append(box)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.finished.connect(lambda _r: _open_boxes.remove(box) if box in _open_boxes else None)
    box.show()
    return box
