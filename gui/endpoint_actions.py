"""Endpoint actions of the window (new, edit, duplicate, remove, import, export, save, and the
restore at launch: connect_on_start with saved subscriptions), as a mixin of
:class:`~opendeck.gui.mainwindow.MainWindow`: they need its session, list and dialogs."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from opendeck.core import config
from opendeck.core.config import Endpoint
from opendeck.core.errors import ConfigError, OpenDeckError
from opendeck.core.events import ConnState, ContextKind
from PySide6.QtWidgets import QFileDialog, QMessageBox

from . import errors
from .endpoints import EndpointDialog
from .widgets import spawn

DEFAULT_CODES = "HK.00700, US.AAPL"
DEFAULT_SUBTYPES = ["basic", "ticker", "orderbook"]


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

    # ---------------------------------------------------------------- restore at launch
    async def autostart(self, endpoint_id: str, codes: str = DEFAULT_CODES,
                        subtypes: list[str] | None = None, timeout: float = 15.0) -> None:
        """Connect every context of an endpoint, subscribe a few securities and account pushes
        (the self-test, and tests)."""
        await self.restore_endpoint(endpoint_id, keys=None, subs=[(codes, subtypes or DEFAULT_SUBTYPES)],
                                    acc_push=True, timeout=timeout)

    async def restore_on_start(self, first_start: bool = False) -> None:
        """At launch: connect what every endpoint marks ``connect_on_start`` and restore its saved
        subscriptions and account pushes. A first start (the demo endpoint alone, marked to
        connect everything) subscribes a few securities so there is something to watch."""
        tasks = []
        for ep in list(self.session.endpoints.values()):
            if not ep.connect_on_start:
                continue
            subs = [(x.codes, list(x.types)) for x in ep.subscriptions]
            if not subs and first_start and ep.demo:
                subs = [(DEFAULT_CODES, list(DEFAULT_SUBTYPES))]
            tasks.append(spawn(self.restore_endpoint(ep.id, list(ep.connect_on_start), subs, ep.acc_push),
                               name=f"restore-{ep.id}"))
        if tasks:
            await asyncio.wait(tasks)

    async def restore_endpoint(self, endpoint_id: str, keys: list[str] | None,
                               subs: list[tuple[str, list[str]]], acc_push: bool,
                               timeout: float = 15.0) -> None:
        panel = self.panel_for(endpoint_id)
        if self.current_id() is None or keys is None:
            self.select(endpoint_id)
        await panel.connect_all(keys, remember=False)
        quote = panel.cards.get(ContextKind.QUOTE)
        if subs and quote is not None and quote.handle is not None:
            with contextlib.suppress(OpenDeckError, TimeoutError):
                await quote.handle.wait_ready(timeout)
                for codes, types in subs:
                    await quote.subscribe(codes, types, remember=False)
        if not acc_push:
            return
        for key in (ContextKind.TRADE_SEC, ContextKind.TRADE_FUTURE):
            card = panel.cards.get(key)
            if card is not None and card.handle is not None:
                with contextlib.suppress(OpenDeckError, TimeoutError):
                    await card.handle.wait_ready(timeout)
                    if await card.load_accounts():
                        await card.sub_acc_push(None)
