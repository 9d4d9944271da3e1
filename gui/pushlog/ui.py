"""The push log dock's widgets: the filter and control bar, the rate chart box, the table with
the detail pane beside it, and the status line."""

from __future__ import annotations

from opendeck.core.events import ContextKind
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .detail import PushDetail
from .export import FILTERED
from .rows import COL_CONTEXT, COL_ENDPOINT, COL_PROTO, COL_SECURITY, COL_SIZE, COL_SUMMARY, COL_TIME

CONTEXT_CHOICES = ((ContextKind.QUOTE, "Quote"), (ContextKind.TRADE_SEC, "Sec trade"),
                   (ContextKind.TRADE_FUTURE, "Fut trade"))


def _fit_popup(combo: QComboBox) -> None:
    """The combo keeps its steady width; its list opens wide enough for the longest item."""
    fm = combo.fontMetrics()
    widest = max((fm.horizontalAdvance(combo.itemText(i)) for i in range(combo.count())), default=0)
    combo.view().setMinimumWidth(widest + 32)


def build_ui(self, rate_chart: bool) -> None:
    """Build the dock's widgets onto ``self`` (the PushLogDock)."""
    body = QWidget(self)
    body.setObjectName("pushLogBody")
    outer = QVBoxLayout(body)
    outer.setContentsMargins(4, 4, 4, 4)
    outer.setSpacing(4)

    # filter + controls bar
    bar = QHBoxLayout()
    bar.setSpacing(4)
    self.endpoint_combo = QComboBox(body)
    self.endpoint_combo.setObjectName("pushFilterEndpoint")
    self.endpoint_combo.addItem("All endpoints", None)
    self.context_combo = QComboBox(body)
    self.context_combo.setObjectName("pushFilterContext")
    self.context_combo.addItem("All contexts", None)
    for key, label in CONTEXT_CHOICES:
        self.context_combo.addItem(label, str(key))
    self.proto_combo = QComboBox(body)
    self.proto_combo.setObjectName("pushFilterProto")
    self.proto_combo.addItem("All protos", None)
    self.text_edit = QLineEdit(body)
    self.text_edit.setObjectName("pushFilterText")
    self.text_edit.setPlaceholderText("Filter: security, summary, proto…")
    self.text_edit.setClearButtonEnabled(True)
    for combo in (self.endpoint_combo, self.context_combo, self.proto_combo):
        combo.currentIndexChanged.connect(self._apply_widgets_filter)
        # a steady width that fits 1024 px, not the longest name or proto seen so far
        combo.setMinimumContentsLength(14)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    self.text_edit.setMinimumWidth(180)
    self.text_edit.textChanged.connect(lambda _t: self._text_timer.start())
    self.text_edit.returnPressed.connect(self._apply_widgets_filter)

    self.pause_button = QPushButton("Pause", body)
    self.pause_button.setObjectName("pushPauseButton")
    self.pause_button.setCheckable(True)
    self.pause_button.setToolTip("Pause the view (Space in the table). Pushes keep arriving "
                                 "and are counted; Resume shows them.")
    self.pause_button.toggled.connect(self._on_pause_toggled)
    self.buffered_label = QLabel("", body)
    self.buffered_label.setObjectName("pushBufferedLabel")
    self.clear_button = QPushButton("Clear", body)
    self.clear_button.setObjectName("pushClearButton")
    self.clear_button.setToolTip("Clear the view (the journal keeps every push)")
    self.clear_button.clicked.connect(self.clear)
    self.export_button = QToolButton(body)
    self.export_button.setObjectName("pushExportButton")
    self.export_button.setText("Export")
    self.export_button.setToolTip("Export every push of this run (from the journal), or only "
                              "what the filter shows")
    self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    menu = QMenu(self.export_button)
    self.export_jsonl_action = menu.addAction("All pushes: JSON Lines (decoded bodies)…")
    self.export_jsonl_action.setObjectName("pushExportJsonl")
    self.export_jsonl_action.triggered.connect(lambda: self.open_export_dialog("jsonl"))
    self.export_csv_action = menu.addAction("All pushes: CSV (one row per push)…")
    self.export_csv_action.setObjectName("pushExportCsv")
    self.export_csv_action.triggered.connect(lambda: self.open_export_dialog("csv"))
    menu.addSeparator()
    self.export_filtered_jsonl_action = menu.addAction("What the filter shows: JSON Lines\u2026")
    self.export_filtered_jsonl_action.setObjectName("pushExportFilteredJsonl")
    self.export_filtered_jsonl_action.triggered.connect(
        lambda: self.open_export_dialog("jsonl", FILTERED))
    self.export_filtered_csv_action = menu.addAction("What the filter shows: CSV\u2026")
    self.export_filtered_csv_action.setObjectName("pushExportFilteredCsv")
    self.export_filtered_csv_action.triggered.connect(lambda: self.open_export_dialog("csv", FILTERED))
    self.export_button.setMenu(menu)
    self.rate_button = QToolButton(body)
    self.rate_button.setObjectName("pushRateToggle")
    self.rate_button.setText("Rate")
    self.rate_button.setCheckable(True)
    self.rate_button.setToolTip("Show pushes per second per endpoint over the last two minutes")

    bar.addWidget(self.endpoint_combo)
    bar.addWidget(self.context_combo)
    bar.addWidget(self.proto_combo)
    bar.addWidget(self.text_edit, 1)
    bar.addWidget(self.pause_button)
    bar.addWidget(self.buffered_label)
    bar.addWidget(self.clear_button)
    bar.addWidget(self.export_button)
    bar.addWidget(self.rate_button)
    outer.addLayout(bar)

    # rate chart (toggle)
    self.rate_label = QLabel("0 push/s", body)
    self.rate_label.setObjectName("pushRateLabel")
    self.rate_plot = None  # a RatePlot once the chart is first shown
    self._rate_box = QWidget(body)
    rate_lay = QVBoxLayout(self._rate_box)
    rate_lay.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(self._rate_box)
    self._rate_box.setVisible(False)
    self.rate_button.toggled.connect(self._on_rate_toggled)

    # table + detail
    self.view = QTableView(body)
    self.view.setObjectName("pushTable")
    self.view.setModel(self.model)
    self.view.setSortingEnabled(False)
    self.view.setWordWrap(False)
    self.view.setShowGrid(False)
    self.view.setAlternatingRowColors(True)
    self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
    self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
    vh = self.view.verticalHeader()
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(max(16, self.view.fontMetrics().height() + 4))
    vh.setMinimumSectionSize(1)
    vh.hide()
    hh = self.view.horizontalHeader()
    hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    hh.setHighlightSections(False)
    hh.setStretchLastSection(False)
    fm = self.view.fontMetrics()
    # Summary is what people read: the others start narrow (elided, full text in the detail
    # pane, widened by dragging) and Summary takes the rest of the width
    widths = {COL_TIME: "00:00:00.000", COL_ENDPOINT: "Demo ga", COL_CONTEXT: "trade-s",
              COL_PROTO: "3005 Qot_UpdateBas", COL_SECURITY: "HK.00700.",
              COL_SUMMARY: "x" * 40, COL_SIZE: "9999"}
    for col, sample in widths.items():
        hh.resizeSection(col, fm.horizontalAdvance(sample) + 12)
    hh.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
    self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
    vsb = self.view.verticalScrollBar()
    vsb.valueChanged.connect(self._on_scroll_value)
    vsb.rangeChanged.connect(self._on_scroll_range)
    self.space_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), self.view)
    self.space_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    self.space_shortcut.activated.connect(self.toggle_pause)

    self.detail = PushDetail(self.session, body)
    self.splitter = QSplitter(Qt.Orientation.Horizontal, body)
    self.splitter.setObjectName("pushLogSplitter")
    self.splitter.addWidget(self.view)
    self.splitter.addWidget(self.detail)
    self.splitter.setStretchFactor(0, 7)
    self.splitter.setStretchFactor(1, 3)
    self.splitter.setSizes([700, 300])  # the summary column needs the room more
    self.splitter.setChildrenCollapsible(True)
    outer.addWidget(self.splitter, 1)

    # status line
    status = QHBoxLayout()
    self.counts_label = QLabel("", body)
    self.counts_label.setObjectName("pushCountsLabel")
    self.counts_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    self.status_label = QLabel("", body)
    self.status_label.setObjectName("pushStatusLabel")
    self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    status.addWidget(self.counts_label, 1)
    status.addWidget(self.status_label)
    status.addWidget(self.rate_label)
    outer.addLayout(status)

    self.setWidget(body)
    if rate_chart:
        self.rate_button.setChecked(True)
