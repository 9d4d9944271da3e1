"""The push log's detail pane: one push as a two-line summary over tabs (decoded tree with enum
names beside values, JSON, hex, header fields). Tabs are built when first looked at."""

from __future__ import annotations

import html
import json
import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..hexview import HexView
from .rows import format_time, proto_label

_TREE_AUTO_NODES = 400  # expand automatically while the tree stays this small
_TREE_AUTO_DEPTH = 4


class _ValueItem(QTreeWidgetItem):
    """A tree node that builds its children when first expanded."""

    def __init__(self, parent, key: str, value: Any) -> None:
        container = isinstance(value, (dict, list)) and len(value) > 0
        if isinstance(value, dict):
            shown = f"{{{len(value)} fields}}"
        elif isinstance(value, list):
            shown = f"[{len(value)} items]"
        else:
            shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            if len(shown) > 500:
                shown = shown[:499] + "…"
        super().__init__(parent, [key, shown])
        self.value = value if container else None
        self.populated = not container
        if container:
            self.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)

    def populate(self) -> int:
        if self.populated:
            return 0
        self.populated = True
        value, self.value = self.value, None
        items = value.items() if isinstance(value, dict) else ((f"[{i}]", v) for i, v in enumerate(value))
        n = 0
        for k, v in items:
            _ValueItem(self, str(k), v)
            n += 1
        return n


class PushDetail(QWidget):
    """One push: a two-line summary on top; the decoded message (tree or JSON), the hex and
    the full header fields in tabs below, so the message gets the room."""

    TREE, JSON, HEX, HEADER = range(4)

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("pushDetail")
        self.record: Any = None  # a PushRecord
        self.decoded: Any = None
        self.decode_error = ""
        self._dirty = [False, False, False]

        self.summary = QLabel(self)
        self.summary.setObjectName("pushDetailSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.summary.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 4)
        self.summary.setText("<i>Select a push to see it here.</i>")

        self.header = QLabel()
        self.header.setObjectName("pushDetailHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.header.setWordWrap(True)
        self.header.setContentsMargins(4, 4, 4, 4)
        self.header_scroll = QScrollArea(self)
        self.header_scroll.setObjectName("pushDetailHeaderTab")
        self.header_scroll.setWidgetResizable(True)
        self.header_scroll.setWidget(self.header)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("pushDetailTree")
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setUniformRowHeights(True)
        self.tree.itemExpanded.connect(self._on_expanded)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().resizeSection(0, 180)

        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.json = QPlainTextEdit(self)
        self.json.setObjectName("pushDetailJson")
        self.json.setReadOnly(True)
        self.json.setFont(fixed)
        self.json.setUndoRedoEnabled(False)
        self.hex = HexView(self)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("pushDetailTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.tree, "Tree")
        self.tabs.addTab(self.json, "JSON")
        self.tabs.addTab(self.hex, "Hex")
        self.tabs.addTab(self.header_scroll, "Header")
        self.tabs.currentChanged.connect(self._render_current)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)

    # --------------------------------------------------------------------------------
    def show_record(self, rec: Any, marker_text: str = "") -> None:
        self.record = rec
        self.decoded = None
        self.labelled = None
        self.decode_error = ""
        if rec is None:
            text = html.escape(marker_text) if marker_text else "<i>Select a push to see it here.</i>"
            self.summary.setText(text)
            self.summary.setToolTip(marker_text)
            self.header.setText(text)
            self.tree.clear()
            self.json.clear()
            self.hex.clear()
            self._dirty = [False, False, False]
            return
        try:
            self.decoded = rec.decode()
            self.labelled = _labelled(rec)
        except Exception as exc:  # noqa: BLE001 - show what went wrong, keep the window alive
            self.decode_error = f"{type(exc).__name__}: {exc}"
        self.header.setText(self._header_html(rec))
        self.summary.setText(self._summary_html(rec))
        self.summary.setToolTip(rec.summary)
        self._dirty = [True, True, True]
        self._render_current()

    def _summary_html(self, rec: Any) -> str:
        """Two lines: what and which; where and when (+ the error, if any)."""
        ep = self.session.endpoints.get(rec.endpoint)
        e = html.escape
        sec = e(rec.security or "\u2014")
        line1 = (f"<b>{e(proto_label(rec.proto_id))}</b> \u00b7 #{rec.seq} \u00b7 {sec} \u00b7 "
                 f"{rec.size:,} bytes")
        line2 = (f"{e(ep.name if ep is not None else rec.endpoint)} / {e(rec.context)} \u00b7 "
                 f"{format_time(rec.time)}")
        problem = rec.error or self.decode_error
        if problem:
            line2 += f" \u00b7 <span style='color:#c82828'>{e(problem[:80])}</span>"
        return f"<div style='white-space:pre'>{line1}<br>{line2}</div>"

    def _header_html(self, rec: Any) -> str:
        ep = self.session.endpoints.get(rec.endpoint)
        fields = [
            ("Proto", proto_label(rec.proto_id)),
            ("Seq", str(rec.seq)),
            ("Serial", str(rec.serial)),
            ("Format", {0: "protobuf", 1: "json"}.get(rec.fmt, f"fmt {rec.fmt}")),
            ("Size", f"{rec.size:,} bytes"),
            ("Endpoint", f"{ep.name} ({rec.endpoint})" if ep is not None else rec.endpoint),
            ("Context", rec.context),
            ("Time", f"{time.strftime('%Y-%m-%d', time.localtime(rec.time))} {format_time(rec.time)}"),
            ("Security", rec.security or "—"),
            ("Summary", rec.summary),
        ]
        if rec.error:
            fields.append(("Error", rec.error))
        if self.decode_error:
            fields.append(("Decode", self.decode_error))
        red = " style='color:#c82828'"
        rows = "".join(
            f"<tr><td style='padding-right:8px'><b>{k}</b></td>"
            f"<td{red if k in ('Error', 'Decode') else ''}>{html.escape(v)}</td></tr>"
            for k, v in fields)
        return f"<table cellspacing='0'>{rows}</table>"

    def _render_current(self, *_: Any) -> None:
        i = self.tabs.currentIndex()
        if i >= len(self._dirty) or not self._dirty[i] or self.record is None:
            return
        self._dirty[i] = False
        if i == self.TREE:
            self._render_tree()
        elif i == self.JSON:
            self._render_json()
        else:
            self.hex.set_bytes(self.record.body)

    def render_all(self) -> None:
        """Build every tab now (tests, copy actions)."""
        for i in range(3):
            if self._dirty[i] and self.record is not None:
                self._dirty[i] = False
                (self._render_tree, self._render_json,
                 lambda: self.hex.set_bytes(self.record.body))[i]()

    def _render_tree(self) -> None:
        self.tree.clear()
        if self.decoded is None:
            QTreeWidgetItem(self.tree, ["error", self.decode_error or "nothing decoded"])
            return
        value = self.labelled if self.labelled is not None else self.decoded
        root = value if isinstance(value, dict) else {"value": value}
        self.tree.setUpdatesEnabled(False)
        try:
            level = [_ValueItem(self.tree, str(k), v) for k, v in root.items()]
            budget = _TREE_AUTO_NODES - len(level)
            for _depth in range(_TREE_AUTO_DEPTH - 1):
                nxt = []
                for item in level:
                    if item.populated or budget <= 0:
                        continue
                    budget -= item.populate()
                    item.setExpanded(True)
                    nxt.extend(item.child(j) for j in range(item.childCount()))
                level = nxt
        finally:
            self.tree.setUpdatesEnabled(True)

    def _render_json(self) -> None:
        if self.decoded is None:
            self.json.setPlainText(self.decode_error or "nothing decoded")
        else:
            self.json.setPlainText(json.dumps(self.decoded, indent=2, ensure_ascii=False, default=str))

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        if isinstance(item, _ValueItem) and not item.populated:
            item.populate()

    def tree_texts(self) -> list[tuple[str, str]]:
        """(field, value) of every built tree node, depth first (tests, copy)."""
        out: list[tuple[str, str]] = []

        def walk(item: QTreeWidgetItem) -> None:
            out.append((item.text(0), item.text(1)))
            for j in range(item.childCount()):
                walk(item.child(j))

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return out


def _labelled(rec: Any) -> Any:
    """The decoded push with enum values named ("HK_Security (1)") for the tree; None if the
    core cannot label it (the tree then shows the plain numbers)."""
    from opendeck.core.summary import decode_push
    try:
        return decode_push(rec.proto_id, rec.fmt, rec.body, labels=True)
    except Exception:  # noqa: BLE001 - labels are a nicety; the plain decode is shown instead
        return None
