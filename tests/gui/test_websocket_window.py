"""Issue 8 in the window: a WebSocket endpoint added by clicks, its key asked on connect,
the handshake shown, its pushes in the push log, and the key written nowhere."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton
from test_window import click

from opendeck.core.events import ContextKind, ContextStatus, Transport
from opendeck.core.gateway.server import DemoGateway

pytestmark = [pytest.mark.gui, pytest.mark.asyncio]
KEY = "window-ws-key-0123"


async def test_websocket_endpoint_by_clicks_asks_the_key_and_shows_pushes(window, qtbot, wait_until,
                                                                          tmp_path):
    window.session.keys.use_keyring = False  # the machine's keyring is not the test's
    async with DemoGateway(port=0, websocket_port=0, websocket_key=KEY, push_rate=20) as gw:
        click(qtbot, window.endpoint_panel.findChild(QToolButton, "btn_action_new"))
        await wait_until(lambda: window._dialogs, 5, "the endpoint dialog")
        dlg = window._dialogs[-1]
        qtbot.keyClick(dlg.name, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dlg.name, "JS box")
        dlg.transport.setCurrentIndex(dlg.transport.findData(str(Transport.WS)))
        assert dlg.port.value() == 33333  # the transport's default port moved with it
        dlg.port.lineEdit().selectAll()
        qtbot.keyClicks(dlg.port.lineEdit(), str(gw.websocket_port))
        if dlg.ctx_sec.isChecked():
            click(qtbot, dlg.ctx_sec)
        assert dlg.ok.isEnabled(), dlg.problems()
        click(qtbot, dlg.ok)
        await wait_until(lambda: any(e.name == "JS box" for e in window.session.endpoints.values()),
                         5, "the new endpoint")
        ep = next(e for e in window.session.endpoints.values() if e.name == "JS box")
        assert ep.transport is Transport.WS and ep.port == gw.websocket_port

        window.select(ep.id)
        card = window.panel_for(ep.id).cards[ContextKind.QUOTE]
        click(qtbot, card.connect_btn)
        await wait_until(lambda: card.key_dialog is not None and card.key_dialog.isVisible(), 5,
                         "the key prompt")
        qtbot.keyClicks(card.key_dialog.key, KEY)
        click(qtbot, card.key_dialog.ok)
        await wait_until(lambda: card.pill.state is ContextStatus.READY, 10, "ready over WebSocket")
        info = card.handle.handshake
        await wait_until(lambda: card.hs["conn_id"].text() == str(info.conn_id), 5, "handshake shown")
        assert card.hs["transport"].text().startswith("WebSocket")
        assert "ping" in card.hs["keepalive"].text()
        await card.handle.ctx.subscribe("HK.00700", "basic,ticker")
        await wait_until(lambda: any(r.endpoint == ep.id for r in window.session.pushes.since(0)),
                         10, "a WebSocket push in the ring")
        window.tick()
        await wait_until(lambda: window.pushlog.model.rowCount() > 0, 5, "rows in the push log")
        await window.session.close(ep.id, "quote")
    # the key lives in memory only: not in the profile, not in the journal
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
