"""The main window's actions (with their shortcuts and tips) and its menu bar."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence


def _action(self, key: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    a = QAction(text, self)
    a.setObjectName(f"action_{key}")
    if shortcut is not None:
        if isinstance(shortcut, list):
            a.setShortcuts(shortcut)
        else:
            a.setShortcut(shortcut)
    if tip:
        a.setToolTip(tip)
        a.setStatusTip(tip)
    a.triggered.connect(slot)
    self.actions_by_key[key] = a
    self.addAction(a)
    return a


def make_actions(self) -> None:
    """The window's actions (menus, shortcuts), in ``self.actions_by_key``."""
    self.actions_by_key: dict[str, QAction] = {}
    A, K, SK = (lambda *a, **k: _action(self, *a, **k)), QKeySequence, QKeySequence.StandardKey
    A("new", "&New\u2026", self.new_endpoint, K(SK.New), "Add an endpoint (Ctrl+N)")
    A("edit", "&Edit\u2026", self.edit_endpoint, K("F2"), "Edit the selected endpoint (F2)")
    A("duplicate", "D&uplicate", self.duplicate_endpoint, K("Ctrl+D"),
      "Copy the selected endpoint (Ctrl+D)")
    A("remove", "&Remove\u2026", self.remove_endpoint, None,
      "Remove the selected endpoint (Delete in the list)")
    A("import", "&Import\u2026", self.import_profiles, K("Ctrl+O"),
      "Add endpoints from a TOML profile file (Ctrl+O)")
    A("export", "E&xport\u2026", self.export_profiles, K("Ctrl+Shift+S"),
      "Save every endpoint to a TOML profile file (Ctrl+Shift+S)")
    A("connect_all", "&Connect all", self.connect_all,
      [K("Ctrl+Return"), K("Ctrl+Enter")], "Open every context of the selected endpoint (Ctrl+Enter)")
    A("disconnect_all", "&Disconnect all", self.disconnect_all,
      [K("Ctrl+Shift+Return"), K("Ctrl+Shift+Enter")],
      "Close every context of the selected endpoint (Ctrl+Shift+Enter)")
    A("refresh", "&Refresh", self.refresh, K("F5"),
      "Refresh global state, quota and accounts of the selected endpoint (F5)")
    A("quit", "&Quit", self.close, K("Ctrl+Q"), "Close every connection and quit (Ctrl+Q)")
    A("find", "&Filter pushes", self.focus_filter, K(SK.Find), "Focus the push log filter (Ctrl+F)")
    A("pause", "&Pause / resume push log", self.toggle_pause, K("Ctrl+P"),
      "Pause or resume the push log view (Ctrl+P; Space in the log table)")
    A("clear", "C&lear push log", lambda: self.pushlog.clear(), K("Ctrl+L"),
      "Clear the push log view; the journal keeps everything (Ctrl+L)")
    A("reset_layout", "Reset &layout", self.reset_layout, None, "Put the docks back where they started")
    A("about", "&About OpenDeck", self.about, None, "Versions of OpenDeck and its libraries")
    n = A("notify", "&Notify when a connection drops", self._set_notify, None,
          "A system notification when a context drops or stops while OpenDeck is in the "
          "background (not for the demo gateway)")
    n.setCheckable(True)
    n.setChecked(self.notifier.enabled)
    A("journal", "Show &journal location", self.show_journal, None)


def make_menus(self) -> None:
    a = self.actions_by_key
    mb = self.menuBar()
    m = mb.addMenu("&File")
    m.addActions([a["import"], a["export"]])
    m.addSeparator()
    m.addAction(a["journal"])
    m.addSeparator()
    m.addAction(a["quit"])
    m = mb.addMenu("&Endpoint")
    m.addActions([a["new"], a["edit"], a["duplicate"], a["remove"]])
    m.addSeparator()
    m.addActions([a["connect_all"], a["disconnect_all"], a["refresh"]])
    m = mb.addMenu("&View")
    m.addActions([a["find"], a["pause"], a["clear"]])
    m.addSeparator()
    m.addAction(self.pushlog.toggleViewAction())
    m.addAction(self.connlog.toggleViewAction())
    if self.market_dock is not None:
        m.addAction(self.market_dock.toggleViewAction())
    m.addAction(a["reset_layout"])
    m.addSeparator()
    m.addAction(a["notify"])
    m = mb.addMenu("&Help")
    m.addAction(a["about"])
