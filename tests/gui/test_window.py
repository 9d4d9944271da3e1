"""The window, driven through its real widgets against the in-process demo gateway.

Everything runs offscreen on a qasync loop (tests/gui/conftest.py). Waits are condition waits
with timeouts (``wait_until``); there are no sleeps and no timing assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import sqlite3
import sys
from pathlib import Path

import pytest
from opendeck.core import config
from opendeck.core.errors import OpenDeckError
from opendeck.core.events import ConnState, ContextStatus, ErrorRaised
from opendeck.gui.endpoint_panel import DASH
from opendeck.gui.pushlog import COL_SECURITY
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QProxyStyle, QPushButton, QToolButton

pytestmark = [pytest.mark.gui, pytest.mark.asyncio]

LEFT = Qt.MouseButton.LeftButton
WRONG_PASSWORD = "Wr0ng-Pa55word!"  # distinctive: a search for it cannot match by chance
wait_until = None  # set by the autouse fixture below (the helper lives in conftest.py)


@pytest.fixture(autouse=True)
def _helpers(wait_until):
    globals()["wait_until"] = wait_until


def click(qtbot, widget) -> None:
    """A real left click; on check boxes, on the box itself (a wide row's centre is not)."""
    assert widget.isVisible() and widget.isEnabled(), f"{widget.objectName()} is not clickable"
    if isinstance(widget, QCheckBox):
        qtbot.mouseClick(widget, LEFT, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, LEFT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def describe_states(window) -> str:
    return ", ".join(f"{h.key}={h.state} ({h.last_error})" for h in window.session.all_handles())


async def connect(qtbot, window, *keys: str) -> None:
    panel = window.panel_for("demo")
    for key in keys:
        click(qtbot, panel.cards[key].connect_btn)
    for key in keys:
        card = panel.cards[key]
        await wait_until(lambda: card.pill.state is ContextStatus.READY, 10, f"{key} ready",
                         lambda: describe_states(window))


async def subscribe(qtbot, card, codes: str = "HK.00700, US.AAPL",
                    types: tuple[str, ...] = ("basic", "ticker", "orderbook")) -> None:
    card.codes.clear()
    qtbot.keyClicks(card.codes, codes)
    for name, box in card.subtype_boxes.items():
        if box.isChecked() != (name in types):
            click(qtbot, box)
    click(qtbot, card.sub_btn)
    n = len([c for c in codes.split(",") if c.strip()])
    await wait_until(lambda: card.subs.rowCount() == n, 10, "the subscriptions table",
                     lambda: card.message.text())


# ------------------------------------------------------------------------------------ tests

async def test_window_starts_on_the_demo_endpoint(window, qtbot):
    assert window.pushlog.objectName() == "pushLogDock"
    assert window.connlog.objectName() == "connectionLogDock"
    assert window.model.rowCount() == 1
    assert window.current_id() == "demo"
    panel = window.current_panel()
    assert panel is window.panel_for("demo")
    assert set(panel.cards) == {"quote", "trade-sec", "trade-future"}
    for card in panel.cards.values():
        assert card.pill.state is ContextStatus.DISCONNECTED
        assert card.connect_btn.isEnabled() and not card.disconnect_btn.isEnabled()
        assert not card.body.isVisible()
    assert window.model.pill("demo")[0] is ContextStatus.DISCONNECTED
    shortcuts = {k: a.shortcut().toString() for k, a in window.actions_by_key.items()}
    assert shortcuts["new"] == "Ctrl+N" and shortcuts["quit"] == "Ctrl+Q"
    assert shortcuts["connect_all"] == "Ctrl+Return" and shortcuts["find"] == "Ctrl+F"
    assert shortcuts["disconnect_all"] == "Ctrl+Shift+Return" and shortcuts["refresh"] == "F5"
    box = window.about()
    text = box.text()
    for name in ("OpenDeck", "Python", "Qt", "PySide6", "qasync", "protobuf"):
        assert name in text
    from importlib.metadata import version
    assert f"qasync</td><td>&nbsp;{version('qasync')}<" in text  # not "?"
    assert "<li>Profiles: <code>" in text and "<li>Journal: <code>" in text
    assert box.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    copy = box.findChild(QPushButton, "copyVersionsButton")
    click(qtbot, copy)
    assert f"qasync: {version('qasync')}" in QGuiApplication.clipboard().text()
    box.close()


async def test_add_endpoint_through_the_dialog(window, qtbot, tmp_path):
    click(qtbot, window.endpoint_panel.findChild(QToolButton, "btn_action_new"))
    await wait_until(lambda: window._dialogs, 5, "the endpoint dialog")
    dlg = window._dialogs[-1]
    assert dlg.objectName() == "endpointDialog" and dlg.isVisible()

    # inline validation: an empty name and a bad host are explained, OK is disabled
    qtbot.keyClick(dlg.name, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dlg.name, Qt.Key.Key_Backspace)
    assert dlg._errors["name"].isVisible() and "name" in dlg._errors["name"].text()
    assert not dlg.ok.isEnabled()
    qtbot.keyClicks(dlg.name, "Paper box")
    dlg.host.clear()
    qtbot.keyClicks(dlg.host, "bad host!")
    assert dlg._errors["host"].isVisible() and not dlg.ok.isEnabled()
    dlg.host.clear()
    qtbot.keyClicks(dlg.host, "127.0.0.1")
    assert not dlg._errors["host"].isVisible()
    port = free_port()  # nobody listens there: the connection must fail with a reason
    dlg.port.lineEdit().selectAll()
    qtbot.keyClicks(dlg.port.lineEdit(), str(port))
    qtbot.keyClick(dlg.encryption, Qt.Key.Key_Down)  # RSA key chosen but no file: invalid
    assert dlg.encryption.currentIndex() == 1
    assert dlg._errors["rsa_key"].isVisible() and not dlg.ok.isEnabled()
    qtbot.keyClick(dlg.encryption, Qt.Key.Key_Up)
    click(qtbot, dlg.auto_reconnect)  # off: a refused connection ends in "error"
    click(qtbot, dlg.ctx_sec)  # untick securities trade: quote only
    assert dlg.ok.isEnabled(), dlg.problems()
    click(qtbot, dlg.ok)

    await wait_until(lambda: window.model.rowCount() == 2, 5, "the new endpoint in the list")
    ep = next(e for e in window.session.endpoints.values() if e.name == "Paper box")
    assert (ep.host, ep.port, ep.auto_reconnect, ep.contexts) == ("127.0.0.1", port, False, ["quote"])
    assert window.current_id() == ep.id
    saved = config.load(tmp_path / "endpoints.toml")
    assert [e.name for e in saved] == ["Demo gateway", "Paper box"]

    # connecting to a port nobody listens on: error pill with the reason as tooltip
    panel = window.current_panel()
    assert set(panel.cards) == {"quote"}
    click(qtbot, panel.cards["quote"].connect_btn)
    card = panel.cards["quote"]
    await wait_until(lambda: card.pill.state is ContextStatus.ERROR, 10, "the error pill")
    assert "cannot connect" in card.pill.toolTip()
    await wait_until(lambda: window.model.pill(ep.id)[0] is ContextStatus.ERROR, 5, "the list pill")
    assert "cannot connect" in window.model.data(window.model.index(1), Qt.ItemDataRole.ToolTipRole)


async def test_endpoint_list_model_and_edit_dialog(window, qtbot, qtmodeltester, tmp_path):
    qtmodeltester.check(window.model)
    window.duplicate_endpoint()
    qtmodeltester.check(window.model)
    window.select("demo")
    dlg = window.edit_endpoint()
    assert dlg.host.isEnabled() is False  # the demo gateway picks its own host and port
    qtbot.keyClick(dlg.name, Qt.Key.Key_End)
    qtbot.keyClicks(dlg.name, " (copy)")  # the duplicate's name: taken
    assert dlg._errors["name"].isVisible() and not dlg.ok.isEnabled()
    qtbot.keyClicks(dlg.name, " 2")
    click(qtbot, dlg.ok)
    await wait_until(lambda: window.session.endpoints["demo"].name == "Demo gateway (copy) 2", 5,
                     "the edited name")
    assert window.current_id() == "demo"
    assert window.model.data(window.model.index(0)) == "Demo gateway (copy) 2"
    assert window.panel_for("demo").name.text() == "Demo gateway (copy) 2"
    assert config.load(tmp_path / "endpoints.toml")[0].name == "Demo gateway (copy) 2"


async def test_duplicate_export_import_and_remove(window, qtbot, tmp_path):
    window.duplicate_endpoint()
    assert [e.name for e in window.session.endpoints.values()] == ["Demo gateway", "Demo gateway (copy)"]
    out = tmp_path / "export.toml"
    assert window.export_file(str(out))
    assert window.import_file(str(out)) == 2
    assert window.model.rowCount() == 4
    assert len(config.load(tmp_path / "endpoints.toml")) == 4
    window.select(list(window.session.endpoints)[-1])
    box = window.remove_endpoint()
    box.accept()
    await wait_until(lambda: window.model.rowCount() == 3, 5, "the endpoint to go")
    assert len(config.load(tmp_path / "endpoints.toml")) == 3


async def test_connect_shows_handshake_and_heartbeats(window, qtbot):
    await connect(qtbot, window, "quote", "trade-sec")
    panel = window.panel_for("demo")
    for key in ("quote", "trade-sec"):
        card = panel.cards[key]
        info = card.handle.handshake
        await wait_until(lambda: card.hs["conn_id"].text() == str(info.conn_id), 5, "handshake fields")
        assert card.hs["server_ver"].text() == str(info.server_ver)
        assert card.hs["login_user_id"].text() == str(info.login_user_id)
        assert card.hs["keepalive"].text().startswith("1 s")
        assert card.hs["encryption"].text().startswith("none")
        assert "ms" in card.hs["timing"].text()
        assert card.body.isVisible() and card.disconnect_btn.isEnabled()
        assert not card.connect_btn.isEnabled()
        # the AES key is masked until revealed
        key_text = info.aes_key
        assert key_text and card.aes.edit.text() != key_text and "\u2022" in card.aes.edit.text()
        click(qtbot, card.aes.reveal)
        assert card.aes.edit.text() == key_text
        click(qtbot, card.aes.copy)
        assert QGuiApplication.clipboard().text() == key_text
        click(qtbot, card.aes.reveal)
        assert card.aes.edit.text() != key_text
    quote = panel.cards["quote"]
    # heartbeats (1 s keepalive): RTTs, chart points, "last received"
    await wait_until(lambda: quote.chart.points >= 2, 10, "RTT points in the chart")
    assert quote.hb["rtt"].text() != DASH and "ms" in quote.hb["rtt"].text()
    assert quote.hb["missed"].text().startswith("0 in a row")
    assert quote.hb["received"].text() not in ("", DASH)
    assert quote.hb["sent"].text() != f"{DASH} / {DASH}"
    # the trade card lists the demo accounts and the global state arrives
    trade = panel.cards["trade-sec"]
    await wait_until(lambda: trade.accounts.rowCount() >= 2, 5, "the account list")
    await wait_until(lambda: "logged in" in panel.global_label.text(), 5, "the global state")
    log = window.connlog.plain_text()
    assert "handshake" in log and "InitConnect ok" in log and "-> ready" in log
    assert window.model.pill("demo")[0] is ContextStatus.READY


async def test_trade_unlock_push_subscription_and_order(window, qtbot):
    await connect(qtbot, window, "trade-sec")
    card = window.panel_for("demo").cards["trade-sec"]
    await wait_until(lambda: card.accounts.rowCount() >= 2, 5, "the account list")
    click(qtbot, card.unlock_btn)
    dlg = card.password_dialog
    assert dlg is not None and dlg.textEchoMode() == dlg.textEchoMode().Password
    dlg.setTextValue(WRONG_PASSWORD)
    dlg.accept()
    await wait_until(lambda: "unlock failed" in card.status.text(), 5, "the wrong-password message")
    click(qtbot, card.unlock_btn)
    card.password_dialog.setTextValue("123456")
    card.password_dialog.accept()
    await wait_until(lambda: card.handle.ctx.unlocked, 5, "unlock")
    await wait_until(lambda: card.status.text().startswith("unlocked"), 3, "the unlocked status")
    assert "123456" not in window.connlog.plain_text()
    click(qtbot, card.push_btn)
    await wait_until(lambda: card.handle.ctx.push_acc_ids, 5, "account push subscription")
    before = window.session.pushes.last_seq
    await wait_until(lambda: card.order_btn.isEnabled(), 3, "the order form")
    card.order_price.setText("320")
    click(qtbot, card.order_btn)
    # the confirmation is next to the form: the id, then the status its pushes report
    await wait_until(lambda: card.order_watch.order_id is not None
                     and f"order {card.order_watch.order_id}" in card.confirm.text(), 5, "the order",
                     lambda: card.confirm.text())
    order_id = card.order_watch.order_id
    assert card.confirm.isVisible() and "HK.00700" in card.confirm.text()
    await wait_until(lambda: any(r.name.startswith("Trd_UpdateOrder")
                                 for r in window.session.pushes.since(before)), 5, "order pushes")
    await wait_until(lambda: (card.tick(), card.order_watch.status)[1], 5, "the order's status",
                     lambda: card.confirm.text())
    assert card.confirm.text().startswith(f"order {order_id}: {card.order_watch.status}")
    click(qtbot, card.lock_btn)
    await wait_until(lambda: not card.handle.ctx.unlocked, 5, "lock")

    # the passwords (and their MD5, which is what goes on the wire) are written nowhere
    window.save_layout()
    window.save_enabled = True
    window.save_profiles()
    journal = window.session.journal
    assert journal.flush(5)
    files = [journal.path, Path(window.settings.fileName()), window.profiles_path]
    files += [journal.path.with_name(journal.path.name + x) for x in ("-wal", "-shm")]
    blobs = {f.name: f.read_bytes() for f in files if f.exists()}
    assert {"window.ini", "endpoints.toml", journal.path.name} <= set(blobs)
    secrets = []
    for pw in ("123456", WRONG_PASSWORD):
        md5 = hashlib.md5(pw.encode()).hexdigest()
        secrets += [md5.encode(), md5.upper().encode()]
    secrets.append(WRONG_PASSWORD.encode())
    for name, data in blobs.items():
        for secret in secrets:
            assert secret not in data, f"{secret!r} found in {name}"
    for name in ("window.ini", "endpoints.toml"):
        assert b"123456" not in blobs[name]
    db = sqlite3.connect(journal.path)
    try:
        events = " ".join(m for (m,) in db.execute("select message from events"))
    finally:
        db.close()
    assert "123456" not in events
    assert "123456" not in window.connlog.plain_text()


async def test_subscribe_filter_pause_and_resume(window, qtbot):
    await connect(qtbot, window, "quote")
    card = window.panel_for("demo").cards["quote"]
    await subscribe(qtbot, card)
    dock = window.pushlog
    model = dock.model
    await wait_until(lambda: model.rowCount() >= 10, 10, "push rows in the push log")
    secs = {model.data(model.index(r, COL_SECURITY)) for r in range(model.rowCount())}
    assert {"HK.00700", "US.AAPL"} <= secs
    await wait_until(lambda: "quota" in card.quota.text(), 5, "the quota")

    # filter (Ctrl+F focuses it); it applies to the rows shown and to new rows
    window.actions_by_key["find"].trigger()
    qtbot.keyClicks(dock.text_edit, "AAPL")
    await wait_until(lambda: dock.filter[3] == "aapl", 3, "the filter to apply")
    n0 = dock.shown_total
    await wait_until(lambda: dock.shown_total > n0 + 3, 10, "new filtered rows")
    rows = [model.data(model.index(r, COL_SECURITY)) for r in range(model.rowCount())]
    assert rows and all(s == "US.AAPL" for s in rows if s)
    dock.text_edit.clear()
    await wait_until(lambda: dock.filter[3] == "", 3, "the filter to clear")

    # pause: pushes keep coming and are counted; resume shows every one of them
    click(qtbot, dock.pause_button)
    assert dock.paused
    rows_paused = model.rowCount()
    await wait_until(lambda: dock.buffered >= 20, 10, "buffered pushes")
    assert model.rowCount() == rows_paused
    assert str(dock.buffered) in dock.buffered_label.text().replace(",", "")
    click(qtbot, dock.pause_button)
    assert not dock.paused and dock.buffered == 0
    assert dock.seen == window.session.pushes.last_seq
    assert dock.seen == dock.shown_total + dock.filtered_out + dock.skipped + dock.buffered
    # the journal keeps everything too
    assert window.session.journal.flush(5)
    db = sqlite3.connect(window.session.journal.path)
    try:
        assert db.execute("select count(*) from pushes").fetchone()[0] >= dock.seen
    finally:
        db.close()

    # unsubscribe one security through the form
    card.codes.clear()
    qtbot.keyClicks(card.codes, "HK.00700")
    click(qtbot, card.unsub_btn)
    await wait_until(lambda: card.subs.rowCount() == 1, 5, "one subscription left")
    assert card.subs.item(0, 0).text() == "US.AAPL"


async def test_gateway_restart_reconnects_and_pushes_resume(window, qtbot):
    session = window.session
    await connect(qtbot, window, "quote")
    panel = window.panel_for("demo")
    card = panel.cards["quote"]
    await subscribe(qtbot, card, "HK.00700", ("basic", "ticker"))
    await wait_until(lambda: window.pushlog.model.rowCount() > 0, 10, "pushes")
    conn_id = card.handle.handshake.conn_id

    assert panel.demo_btn.text() == "Stop gateway"
    click(qtbot, panel.demo_btn)  # the real button, as a person would
    await wait_until(lambda: session.demo_gateway("demo") is None, 10, "the gateway to stop")
    await wait_until(lambda: card.pill.state is ContextStatus.RECONNECTING, 10, "the reconnecting pill",
                     lambda: describe_states(window))
    assert card.pill.text().startswith("reconnecting")
    await wait_until(lambda: window.model.pill("demo")[0] is ContextStatus.RECONNECTING, 5, "the list pill")
    assert card.retry.isVisible()
    assert "reconnect" in window.connlog.plain_text()
    assert panel.demo_btn.text() == "Start gateway"

    # the reason is on the card while it reconnects, said once (no second countdown label)
    await wait_until(lambda: card.message.isVisible() and card.message.error, 5, "the reason")
    assert card.message.text() == str(card.handle.last_error)
    seq = session.pushes.last_seq
    await wait_until(lambda: panel.demo_btn.isEnabled(), 5, "the gateway button")
    click(qtbot, panel.demo_btn)  # "Start gateway": also skips the rest of the backoff
    await wait_until(lambda: session.demo_gateway("demo") is not None, 10, "the gateway to start")
    await wait_until(lambda: card.pill.state is ContextStatus.READY, 15, "ready again", lambda: describe_states(window))
    await wait_until(lambda: card.handle.handshake.conn_id != conn_id, 5, "a new handshake")
    await wait_until(lambda: card.hs["conn_id"].text() == str(card.handle.handshake.conn_id), 5,
                     "the new connection id shown")
    # subscriptions were restored by the core, so pushes flow again
    await wait_until(lambda: session.pushes.last_seq > seq + 3, 10, "pushes after the restart")
    await wait_until(lambda: window.pushlog.seen >= session.pushes.last_seq - 50, 5, "the log to follow")
    assert not card.retry.isVisible()
    assert not card.message.isVisible()  # the reason went with the failure
    assert window.model.pill("demo")[0] is ContextStatus.READY


async def test_connect_all_shortcut_and_disconnect_all(window, qtbot):
    panel = window.panel_for("demo")
    window.activateWindow()  # window shortcuts need the active window (xcb without a WM too)
    await wait_until(window.isActiveWindow, 5, "the window to become active")
    window.endpoint_list.setFocus()
    qtbot.keyClick(window.endpoint_list, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    for key in ("quote", "trade-sec", "trade-future"):
        card = panel.cards[key]
        await wait_until(lambda: card.pill.state is ContextStatus.READY, 10, f"{key} ready",
                         lambda: describe_states(window))
    click(qtbot, panel.disconnect_all_btn)
    for card in panel.cards.values():
        # (the core calls a closing context "disconnected" already; Connect waits for closed)
        await wait_until(lambda: card.pill.state is ContextStatus.DISCONNECTED and card.connect_btn.isEnabled(),
                         10, "disconnected", lambda: describe_states(window))
        assert not card.disconnect_btn.isEnabled()
    assert all(h.state is ConnState.CLOSED for h in window.session.all_handles())
    assert window.model.pill("demo")[0] is ContextStatus.DISCONNECTED
    # a single context can be connected again afterwards
    await connect(qtbot, window, "quote")
    click(qtbot, panel.cards["quote"].disconnect_btn)
    await wait_until(lambda: panel.cards["quote"].pill.state is ContextStatus.DISCONNECTED, 10, "disconnected")


async def test_layout_is_saved_and_restored(window, qtbot, session, settings, tmp_path):
    from opendeck.gui.mainwindow import MainWindow

    window.connlog.close()
    window.splitter.setSizes([320, 960])
    window.save_layout()
    w2 = MainWindow(session, profiles_path=tmp_path / "endpoints.toml", settings=settings)
    qtbot.addWidget(w2)
    w2.show()
    w2.resize(1280, 800)  # offscreen's small virtual screen clamps the restored geometry
    try:
        assert not w2.connlog.isVisible()
        assert w2.pushlog.isVisible()
        await wait_until(lambda: abs(w2.splitter.sizes()[0] - 320) <= 2, 3, "the endpoint list width",
                         lambda: str(w2.splitter.sizes()))
    finally:
        await w2.shutdown()


async def test_theme_follows_the_scheme(window, monkeypatch):
    from opendeck.gui import theme

    app = QApplication.instance()
    monkeypatch.setenv("OPENDECK_THEME", "dark")
    theme.apply(app)
    assert theme.is_dark()
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 100
    pill = window.panel_for("demo").cards["quote"].pill
    assert theme.pill_colors("disconnected")[0] in pill.styleSheet()
    monkeypatch.setenv("OPENDECK_THEME", "light")
    theme.apply(app)
    assert not theme.is_dark()
    assert app.palette().color(QPalette.ColorRole.Window).lightness() > 150
    assert theme.pill_colors("disconnected")[0] in pill.styleSheet()
    style = app.style()  # Fusion, maybe under OpenDeck's proxy (check box outlines)
    base = style.baseStyle() if isinstance(style, QProxyStyle) else style
    assert base.name().lower() == "fusion"


async def test_exception_dialog_has_traceback_and_copy(qtbot):
    from opendeck.gui.errors import ErrorReporter

    rep = ErrorReporter()
    try:
        raise ValueError("boom in a slot")
    except ValueError as exc:
        rep.report(exc, "in a test")
    dlg = rep.dialog
    assert dlg is not None and dlg.isVisible()
    qtbot.addWidget(dlg)
    assert "Traceback" in dlg.text.toPlainText() and "boom in a slot" in dlg.text.toPlainText()
    click(qtbot, dlg.copy_button)
    assert "boom in a slot" in QGuiApplication.clipboard().text()
    # a second error goes into the same dialog
    rep.report(RuntimeError("second"))
    assert rep.dialog is dlg and dlg.count == 2
    # asyncio task errors reach it through the loop handler
    loop = asyncio.get_running_loop()
    err = KeyError("from a task")
    rep.loop_handler(loop, {"message": "Task exception was never retrieved", "exception": err})
    assert dlg.count == 3 and "from a task" in dlg.text.toPlainText()
    dlg.close()


async def test_no_display_message(monkeypatch, capsys):
    from opendeck.gui import app

    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.main([]) == 2
    err = capsys.readouterr().err
    assert "opendeck probe" in err and "QT_QPA_PLATFORM=offscreen" in err


async def test_stale_display_exits_with_the_help_not_a_qt_abort(tmp_path):
    """DISPLAY names an X server that is gone: a message and exit 2, not Qt's abort (134)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("X11 sockets")
    from opendeck.gui.app import _x_reachable

    n = next(n for n in range(97, 400) if not _x_reachable(f":{n}"))
    env = _env(tmp_path)
    for var in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY"):
        env.pop(var, None)
    env["DISPLAY"] = f":{n}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; from opendeck.gui import app; sys.exit(app.main([]))",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode == 2, text[-2000:]
    assert f"DISPLAY=:{n}" in text and "cannot reach the display" in text
    assert "QT_QPA_PLATFORM=offscreen" in text and "opendeck probe" in text
    assert "qt.qpa" not in text  # Qt was never asked


# ----------------------------------------------------------------- the real app, as a process

def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", OPENDECK_CONFIG_DIR=str(tmp_path / "cfg"),
               OPENDECK_DATA_DIR=str(tmp_path / "data"))
    return env


async def test_self_test_command(tmp_path):
    shot = tmp_path / "shot.png"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "opendeck.gui.launcher", "gui", "--self-test", "--screenshot", str(shot),
        "--timeout", "40", env=_env(tmp_path), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    text = out.decode()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert "window shown after" in text and "self-test ok:" in text
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "cfg").exists()  # the self-test ignores and writes no profiles


async def test_first_start_shows_live_data_and_sigterm_closes_cleanly(tmp_path):
    """`opendeck` on a first start auto-connects the demo gateway; SIGTERM closes everything."""
    if sys.platform.startswith("win"):
        pytest.skip("POSIX signals")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "opendeck.gui.launcher", env=_env(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        journal_dir = tmp_path / "data" / "journal"

        def pushes_in_journal() -> int:
            files = list(journal_dir.glob("*.sqlite")) if journal_dir.exists() else []
            if not files:
                return 0
            try:
                db = sqlite3.connect(files[0])
                try:
                    return db.execute("select count(*) from pushes").fetchone()[0]
                finally:
                    db.close()
            except sqlite3.Error:
                return 0

        await wait_until(lambda: pushes_in_journal() > 0 or proc.returncode is not None, 40,
                         "pushes from the auto-connected demo gateway")
        assert proc.returncode is None
        proc.terminate()
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()[-2000:]
    db = sqlite3.connect(next(journal_dir.glob("*.sqlite")))
    try:
        closed = db.execute("select count(*) from events where kind='state' and message like "
                            "'%-> closed%'").fetchone()[0]
        ready = db.execute("select count(*) from events where kind='state' and message like "
                           "'%-> ready%'").fetchone()[0]
    finally:
        db.close()
    assert ready >= 3 and closed >= 3  # every context that opened was closed before the exit
    # nothing was saved: the demo endpoint is not written until the user changes something
    assert not (tmp_path / "cfg" / "endpoints.toml").exists()
    assert (tmp_path / "cfg" / "window.ini").exists()  # the layout is


# ------------------------------------------------------------------- review follow-ups (P3)

async def test_narrow_window_keeps_every_card_button_reachable(window, qtbot):
    """At 1024x700 the cards reflow instead of running off the right edge: every card's
    Connect / Disconnect is inside the visible width (no sideways scrolling needed)."""
    window.resize(1024, 700)
    panel = window.panel_for("demo")
    await connect(qtbot, window, "quote", "trade-sec", "trade-future")  # bodies shown: widest
    viewport = panel.scroll.viewport()
    await wait_until(lambda: all(c.columns < 3 for c in panel.cards.values()), 5,
                     "the cards to reflow", lambda: f"viewport {viewport.width()}")
    await wait_until(lambda: panel.scroll.horizontalScrollBar().maximum() == 0, 5,
                     "no sideways scrolling", lambda: str(panel.scroll.horizontalScrollBar().maximum()))
    bar = panel.scroll.verticalScrollBar()
    for key, card in panel.cards.items():
        bar.setValue(min(bar.maximum(), card.y()))  # vertical only: the cards are stacked
        for b in (card.connect_btn, card.disconnect_btn):
            right = b.mapTo(viewport, b.rect().topRight()).x()
            assert right <= viewport.width(), f"{key} {b.text()} ends at {right} > {viewport.width()}"
            await wait_until(lambda b=b: not b.visibleRegion().isEmpty(), 3, f"{key} {b.text()} visible")
    quote = panel.cards["quote"]
    bar.setValue(min(bar.maximum(), quote.y() + quote.extra_box.y()))
    await wait_until(lambda: not quote.sub_btn.visibleRegion().isEmpty(), 3, "Subscribe visible")
    # wide again: three columns side by side
    window.resize(1400, 800)
    await wait_until(lambda: all(c.columns == 3 for c in panel.cards.values()), 5, "three columns",
                     lambda: f"viewport {viewport.width()}")


async def test_failure_reason_shows_when_the_endpoint_is_selected_afterwards(window, qtbot):
    """The endpoint fails while another one is selected; selecting it later still says why,
    on the card and on the list row's second line."""
    from opendeck.core.config import Endpoint
    from opendeck.core.errors import OpenDeckError
    from opendeck.gui.endpoints import REASON_ROLE

    session = window.session
    ep = session.add_endpoint(Endpoint(name="Dead box", host="127.0.0.1", port=free_port(),
                                       contexts=["quote"], auto_reconnect=False))
    assert window.current_id() == "demo"
    assert ep.id not in window.panels  # no card exists yet to see the failure happen
    try:
        await session.open(ep.id, "quote")
    except OpenDeckError:
        pass  # the failure is the point; where it is reported is the core's business
    await wait_until(lambda: session.context_status(ep.id, "quote") is ContextStatus.ERROR, 10, "the failure")
    reason = str(session.handle(ep.id, "quote").last_error)
    row = window.model.row_of(ep.id)
    await wait_until(lambda: window.model.data(window.model.index(row), REASON_ROLE) == reason, 5,
                     "the reason on the list row")
    assert window.model.pill(ep.id)[0] is ContextStatus.ERROR

    window.select(ep.id)
    card = window.panel_for(ep.id).cards["quote"]
    assert window.current_panel() is window.panel_for(ep.id)
    assert card.pill.state is ContextStatus.ERROR
    assert card.message.isVisible() and card.message.error and card.message.text() == reason
    assert "cannot connect" in reason or "refused" in reason


async def test_an_exception_in_an_async_slot_reaches_the_error_dialog(window, qtbot, monkeypatch):
    """A bug inside a button's async slot is shown (traceback dialog), not lost in a task."""
    from opendeck.gui.errors import ErrorReporter

    rep = ErrorReporter()
    monkeypatch.setattr(sys, "excepthook", rep.excepthook)  # what errors.install() does
    card = window.panel_for("demo").cards["quote"]

    async def broken() -> None:
        await asyncio.sleep(0)  # fail after the slot's first await, inside its task
        raise RuntimeError("boom inside an async slot")

    monkeypatch.setattr(card, "connect_context", broken)
    click(qtbot, card.connect_btn)
    await wait_until(lambda: rep.dialog is not None and rep.dialog.isVisible(), 5, "the error dialog")
    qtbot.addWidget(rep.dialog)
    text = rep.dialog.text.toPlainText()
    assert "boom inside an async slot" in text and "Traceback" in text and "broken" in text
    rep.dialog.close()


async def test_window_pause_and_resume_keep_sequence_numbers_contiguous(window, qtbot):
    await connect(qtbot, window, "quote")
    card = window.panel_for("demo").cards["quote"]
    await subscribe(qtbot, card)
    dock = window.pushlog
    await wait_until(lambda: dock.model.rowCount() >= 5, 10, "push rows")
    click(qtbot, dock.pause_button)
    before = dock.model.rowCount()
    await wait_until(lambda: dock.buffered >= 15, 10, "pushes buffered while paused")
    assert dock.model.rowCount() == before
    click(qtbot, dock.pause_button)
    assert not dock.paused and dock.buffered == 0
    seqs = [dock.model.seq(r) for r in range(dock.model.rowCount()) if not dock.model.is_marker(r)]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # nothing lost, nothing twice
    assert seqs[-1] == dock.last_seq == window.session.pushes.last_seq
    assert dock.seen == dock.shown_total + dock.filtered_out + dock.skipped + dock.buffered


# ------------------------------------------------------------------------------------ connection log

def log_lines(window) -> list[str]:
    return window.connlog.visible_lines()


async def test_a_failed_reconnect_is_one_folded_line(window, qtbot):
    """Error + "reconnecting, retry in ...: <the same error>" is one line, not two or three;
    every failure the core reported is in the log exactly once, with its reason."""
    from opendeck.core.config import Endpoint

    session = window.session
    port = free_port()
    ep = session.add_endpoint(Endpoint(name="Dead box", host="127.0.0.1", port=port,
                                       contexts=["quote"], auto_reconnect=True))
    errors = []
    unsubscribe = session.subscribe(
        lambda ev: errors.append(ev.text) if isinstance(ev, ErrorRaised) and ev.endpoint == ep.id else None)
    try:
        with contextlib.suppress(OpenDeckError):
            await session.open(ep.id, "quote")  # fails; the retries go on in the background

        def folded() -> list[str]:
            return [x for x in log_lines(window) if "reconnect Dead box / Quote: retry in " in x]

        # two folded lines: the first failure and a failed *re*connect
        await wait_until(lambda: len(folded()) >= 2, 15, "two folded failures",
                         lambda: "\n".join(log_lines(window)[-8:]))
        await session.close(ep.id, "quote")  # no more retries; anything held is written now
    finally:
        unsubscribe()
    reason = errors[0]
    assert f"127.0.0.1:{port}" in reason and "refused" in reason
    lines = [x for x in log_lines(window) if "Dead box" in x]
    with_reason = [x for x in lines if reason in x]
    # each failure is there: the folded line, or (for one cut short by the close, or repeats the
    # core folded into one later event with a count) the error line
    assert len(with_reason) >= len(errors), "\n".join(lines)
    assert len(folded()) >= len(errors) - 1
    assert all(reason in x for x in folded())
    # no reconnect line without its reason: the error was folded into it
    assert all(reason in x for x in lines if " reconnect " in x), "the reconnect was folded"
    assert sum(" error " in x for x in lines) <= 1
    first = folded()[0]
    stamp, rest = first.split("  ", 1)
    assert len(stamp) == 12 and stamp[2] == ":" and stamp[8] == "."  # HH:MM:SS.mmm
    assert rest.startswith("reconnect Dead box / Quote: retry in ")
    assert rest.endswith(f" s: {reason}")
    # the other facts are still there: the attempts, and the close
    assert any("connecting to 127.0.0.1" in x for x in lines)
    assert any("closed by user" in x for x in lines)


async def test_a_failure_without_reconnect_folds_into_the_close(window, qtbot):
    from opendeck.core.config import Endpoint

    session = window.session
    port = free_port()
    ep = session.add_endpoint(Endpoint(name="Dead box", host="127.0.0.1", port=port,
                                       contexts=["quote"], auto_reconnect=False))
    with contextlib.suppress(OpenDeckError):
        await session.open(ep.id, "quote")
    await wait_until(lambda: session.context_status(ep.id, "quote") is ContextStatus.ERROR, 10, "the failure")
    reason = str(session.handle(ep.id, "quote").last_error)
    await wait_until(lambda: any("failed    Dead box / Quote: " in x for x in log_lines(window)),
                     5, "the folded line", lambda: "\n".join(log_lines(window)[-5:]))
    lines = [x for x in log_lines(window) if "Dead box" in x]
    assert sum(reason in x for x in lines) == 1, "\n".join(lines)
    assert next(x for x in lines if reason in x).endswith(f"failed    Dead box / Quote: {reason}")


async def test_connection_log_filters_by_endpoint_and_text(window, qtbot):
    from opendeck.core.config import Endpoint

    session = window.session
    dock = window.connlog
    dock.show()
    dock.raise_()
    combo, text = dock.endpoint_filter, dock.text_filter
    assert combo.itemText(0) == "All endpoints" and combo.count() == 1 + len(session.endpoints)
    other = session.add_endpoint(Endpoint(name="Other box", host="127.0.0.1", port=free_port(),
                                          contexts=["quote"]))
    # the combo follows the endpoint list
    await wait_until(lambda: combo.findData(other.id) > 0, 5, "the new endpoint in the combo")
    assert combo.itemText(combo.findData(other.id)) == "Other box"

    session.log("hello from the demo", "demo", "quote")
    session.log("hello from the other box", other.id, "quote")
    session.log("a global note")
    await wait_until(lambda: "a global note" in dock.plain_text(), 5, "the lines")

    combo.setCurrentIndex(combo.findData(other.id))
    assert "hello from the other box" in dock.plain_text()
    assert "hello from the demo" not in dock.plain_text()
    assert "a global note" not in dock.plain_text()
    assert dock.shown_label.text().endswith(f"of {len(dock.entries)} lines")
    # lines arriving while the filter is set are filtered too
    session.log("second line of the demo", "demo", "quote")
    session.log("second line of the other box", other.id, "quote")
    await wait_until(lambda: "second line of the other box" in dock.plain_text(), 5, "a new line")
    assert "second line of the demo" not in dock.plain_text()

    combo.setCurrentIndex(0)  # all endpoints: everything is back, in order
    log = dock.plain_text()
    order = ["hello from the demo", "hello from the other box", "a global note",
             "second line of the demo", "second line of the other box"]
    assert [log.index(x) for x in order] == sorted(log.index(x) for x in order)
    assert dock.shown_label.text() == ""

    qtbot.keyClicks(text, "SECOND line")  # case-insensitive substring, typed as a person would
    assert dock.visible_lines() and all("second line" in x for x in dock.visible_lines())
    assert len(dock.visible_lines()) == 2
    session.log("Another SECOND LINE", "demo", "")
    session.log("not this one", "demo", "")
    await wait_until(lambda: "Another SECOND LINE" in dock.plain_text(), 5, "a new matching line")
    assert "not this one" not in dock.plain_text()

    combo.setCurrentIndex(combo.findData("demo"))  # both filters at once
    assert len(dock.visible_lines()) == 2
    assert all("demo" in x.lower() or "Demo" in x for x in dock.visible_lines())

    text.clear()
    combo.setCurrentIndex(combo.findData(other.id))
    await session.remove_endpoint(other.id)  # the filtered endpoint goes: back to all
    await wait_until(lambda: combo.findData(other.id) < 0, 5, "the endpoint out of the combo")
    assert combo.currentIndex() == 0
    assert "not this one" in dock.plain_text() and "hello from the other box" in dock.plain_text()

    click(qtbot, dock.clear_btn)
    assert dock.plain_text() == "" and not dock.entries


async def test_a_closing_context_says_closing(window, qtbot, monkeypatch):
    """While the core closes a context the card says closing (grey) and offers no action."""
    await connect(qtbot, window, "quote")
    card = window.panel_for("demo").cards["quote"]
    handle_type = type(card.handle)
    monkeypatch.setattr(handle_type, "state", property(lambda _h: ConnState.CLOSING))
    monkeypatch.setattr(handle_type, "status", property(lambda _h: ContextStatus.CLOSING))
    card.refresh_state()
    assert card.pill.text() == "closing"
    assert card.pill.state is ContextStatus.CLOSING
    assert not card.connect_btn.isEnabled() and not card.disconnect_btn.isEnabled()
    monkeypatch.undo()
    card.refresh_state()
    assert card.pill.text() == "ready"
