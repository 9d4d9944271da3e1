"""Endpoint actions of the window (new, edit, duplicate, remove, import, export, save), as a
mixin of :class:`~opendeck.gui.mainwindow.MainWindow`: they need its session, list and dialogs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from opendeck.core import config
from opendeck.core.config import Endpoint
from opendeck.core.errors import ConfigError
from opendeck.core.events import ConnState

from . import errors
from .endpoints import EndpointDialog
from .widgets import spawn


class EndpointActions:
    session: Any
    profiles_path: Path
    save_enabled: bool
    _dialogs: list[Any]

    def _keep(self, dlg) -> None:
        self._dialogs.append(dlg)
        dlg.finished.connect(lambda _r: self._dialogs.remove(dlg) if dlg in self._dialogs else None)

    def new_endpoint(self) -> EndpointDialog:
        base = "Local OpenD"
        name, n = base, 2
        while self.session.name_taken(name):
            name, n = f"{base} {n}", n + 1
        dlg = EndpointDialog(Endpoint(name=name, contexts=["quote", "trade-sec"]), "New endpoint",
                             self, self.session.name_taken)
        dlg.accepted.connect(lambda: self._added(dlg.endpoint()))
        self._keep(dlg)
        dlg.open()
        return dlg

    def _added(self, ep: Endpoint) -> None:
        try:
            self.session.add_endpoint(ep)
        except ConfigError as exc:
            errors.show_problem(self, "Cannot add the endpoint", str(exc))
            return
        self.save_profiles()
        self.select(ep.id)

    def edit_endpoint(self, field: str = "") -> EndpointDialog | None:
        """The endpoint dialog for the selected endpoint; ``field`` (e.g. ``rsa_key``, from a
        card's Fix button) gets the focus."""
        ep_id = self.current_id()
        if ep_id is None:
            return None
        ep = self.session.endpoints[ep_id]
        dlg = EndpointDialog(ep.copy(contexts=list(ep.contexts)), f"Edit {ep.name}", self,
                             lambda name: self.session.name_taken(name, except_id=ep_id))
        dlg.accepted.connect(lambda: self._edited(dlg.endpoint()))
        self._keep(dlg)
        dlg.open()
        if field:
            dlg.focus_field(field)
        return dlg

    def _edited(self, ep: Endpoint) -> None:
        try:
            self.session.update_endpoint(ep)
        except ConfigError as exc:
            errors.show_problem(self, "Cannot save the endpoint", str(exc))
            return
        self.save_profiles()
        if any(h.state is not ConnState.CLOSED for h in self.session.handles_of(ep.id)):
            self.statusBar().showMessage("Saved. Open contexts keep their settings until you "
                                         "disconnect and connect them again.", 8000)

    def duplicate_endpoint(self) -> None:
        ep_id = self.current_id()
        if ep_id is None:
            return
        ep = self.session.endpoints[ep_id].duplicate()
        n = 2
        while self.session.name_taken(ep.name):
            ep.name = f"{self.session.endpoints[ep_id].name} (copy {n})"
            n += 1
        self._added(ep)

    def remove_endpoint(self) -> QMessageBox | None:
        ep_id = self.current_id()
        if ep_id is None:
            return None
        ep = self.session.endpoints[ep_id]
        box = QMessageBox(QMessageBox.Icon.Question, "Remove endpoint",
                          f"Remove {ep.name!r}? Its open connections are closed.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("removeBox")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: spawn(self._remove(ep_id), name="remove-endpoint"))
        self._keep(box)
        box.open()
        return box

    async def _remove(self, ep_id: str) -> None:
        if ep_id not in self.session.endpoints:
            return
        await self.session.remove_endpoint(ep_id)
        self._drop_panel(ep_id)
        self.save_profiles()
        ids = self.model.ids()
        if ids:
            self.select(ids[0])

    def import_profiles(self) -> QFileDialog:
        dlg = QFileDialog(self, "Import endpoint profiles")
        dlg.setObjectName("importDialog")
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.setNameFilters(["OpenDeck profiles (*.toml)", "All files (*)"])
        dlg.fileSelected.connect(self.import_file)
        self._keep(dlg)
        dlg.open()
        return dlg

    def import_file(self, path: str) -> int:
        try:
            eps = config.read_file(path)
        except (OSError, ConfigError) as exc:
            errors.show_problem(self, "Import failed", str(exc))
            return 0
        added = 0
        for ep in eps:
            if ep.id in self.session.endpoints:
                ep = ep.copy(id=Endpoint(name="x").id)
            base, n = ep.name, 2
            while self.session.name_taken(ep.name):
                ep.name = f"{base} ({n})"
                n += 1
            try:
                self.session.add_endpoint(ep)
            except ConfigError as exc:
                errors.show_problem(self, "Import: endpoint skipped", str(exc))
                continue
            added += 1
        self.save_profiles()
        self.statusBar().showMessage(f"Imported {added} endpoint(s) from {path}", 8000)
        return added

    def export_profiles(self) -> QFileDialog:
        dlg = QFileDialog(self, "Export endpoint profiles")
        dlg.setObjectName("exportDialog")
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setNameFilter("OpenDeck profiles (*.toml)")
        dlg.setDefaultSuffix("toml")
        dlg.selectFile("opendeck-endpoints.toml")
        dlg.fileSelected.connect(self.export_file)
        self._keep(dlg)
        dlg.open()
        return dlg

    def export_file(self, path: str) -> bool:
        try:
            config.save(list(self.session.endpoints.values()), path)
        except OSError as exc:
            errors.show_problem(self, "Export failed", f"cannot write {path}: {exc.strerror or exc}")
            return False
        self.statusBar().showMessage(f"Exported {len(self.session.endpoints)} endpoint(s) to {path}", 8000)
        return True

    def save_profiles(self) -> None:
        if not self.save_enabled:
            return
        try:
            config.save(list(self.session.endpoints.values()), self.profiles_path)
        except OSError as exc:
            errors.show_problem(self, "Cannot save the endpoints",
                                f"cannot write {self.profiles_path}: {exc.strerror or exc}")

