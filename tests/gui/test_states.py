"""Issue 12 in the window: a failure retrying cannot fix ends in an error state with its fix,
stale global state, restore at launch, drop notifications, and the connection log's view of
observer failures and folded errors. Real sessions and the in-process demo gateway."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from opendeck.core import config
from opendeck.core.cipher import RsaCipher
from opendeck.core.config import Endpoint, Subscription
from opendeck.core.events import (ConnState, ContextKind, ContextStatus, ErrorRaised,
                                  StateChanged)
from opendeck.core.gateway.server import DemoGateway
from opendeck.gui.endpoints import EndpointDialog

pytestmark = [pytest.mark.gui, pytest.mark.asyncio]
LEFT = Qt.MouseButton.LeftButton


async def test_encryption_mismatch_stops_in_an_error_state_with_its_fix(window, qtbot, wait_until,
                                                                        rsa_key_pem):
    session = window.session
    attempts = []
    unsubscribe = session.subscribe(lambda ev: attempts.append(ev) if isinstance(ev, StateChanged)
                                    and ev.new is ConnState.CONNECTING else None)
    async with DemoGateway(port=0, rsa=RsaCipher.from_pem(rsa_key_pem)) as gw:
        ep = session.add_endpoint(Endpoint(name="Locked box", host="127.0.0.1", port=gw.port,
                                           contexts=["quote"], auto_reconnect=True))
        window.select(ep.id)
        card = window.panel_for(ep.id).cards[ContextKind.QUOTE]
        qtbot.mouseClick(card.connect_btn, LEFT)
        await wait_until(lambda: not card.error_box.isHidden(), 10, "the error box")
        h = session.handle(ep.id, "quote")
        assert h.state is ConnState.FAILED and h.retry_in() is None
        assert card.pill.state is ContextStatus.ERROR
        assert window.model.pill(ep.id)[0] is ContextStatus.ERROR
        assert "RSA" in card.error_box.reason.text()
        assert "Encryption" in card.error_box.advice.text()
        assert card.error_box.fix_btn.text().startswith("Edit encryption")
        assert not card.retry.isVisible() and card.connect_btn.isEnabled()
        assert not card.message.isVisible()  # the reason is said once, in the box
        before = len(attempts)
        qtbot.mouseClick(card.error_box.fix_btn, LEFT)
        dialogs = [d for d in window._dialogs if isinstance(d, EndpointDialog)]
        assert dialogs and dialogs[-1].windowTitle() == "Edit Locked box"
        assert dialogs[-1].focus_field("rsa_key") is dialogs[-1].encryption
        dialogs[-1].reject()
        window.tick()  # a 1 Hz refresh later: still stopped, nothing retried
        assert h.state is ConnState.FAILED and len(attempts) == before == 1
        await session.close(ep.id, "quote")
    unsubscribe()


async def test_global_state_goes_stale_when_its_context_is_not_ready(window, qtbot, wait_until):
    panel = window.panel_for("demo")
    qtbot.mouseClick(panel.cards[ContextKind.QUOTE].connect_btn, LEFT)
    bar = panel.global_bar
    await wait_until(lambda: "logged in" in bar.label.text(), 10, "the global state")
    assert not bar.stale and not bar.label.text().startswith("as of")
    await window.session.stop_demo("demo")
    await wait_until(lambda: bar.stale, 10, "the stale mark")
    text = bar.label.text()
    assert text.startswith("as of ") and ("reconnecting" in text or "disconnected" in text)
    assert "logged in" in text  # what it was, greyed, not erased
    await window.session.start_demo("demo")
    window.session.handle("demo", "quote").reconnect_now()
    await wait_until(lambda: not bar.stale and not bar.label.text().startswith("as of"), 15,
                     "fresh again after the reconnect")


async def test_launch_connects_what_was_marked_and_restores_subscriptions(window, wait_until):
    session = window.session
    ep = session.endpoints["demo"]
    ep.connect_on_start = ["quote"]
    ep.subscriptions = [Subscription("HK.00700", ["basic", "ticker"])]
    await window.restore_on_start()
    h = session.handle("demo", "quote")
    await wait_until(lambda: h is not None and h.ready and "HK.00700" in h.ctx.subscriptions, 10,
                     "the saved subscription")
    assert {t for t in h.ctx.subscriptions["HK.00700"]} == {1, 4}  # basic, ticker
    assert session.handle("demo", "trade-sec") is None  # not marked: not connected
    # what the user does next is remembered in the profile file
    card = window.panel_for("demo").cards[ContextKind.QUOTE]
    assert await card.subscribe("US.AAPL", ["basic"])
    saved = {e.id: e for e in config.load(window.profiles_path)}["demo"]
    assert saved.connect_on_start == ["quote"]
    assert {(s.codes, tuple(s.types)) for s in saved.subscriptions} == {
        ("HK.00700", ("basic", "ticker")), ("US.AAPL", ("basic",))}
    await card.disconnect_context()
    assert config.load(window.profiles_path)[0].connect_on_start == []


async def test_first_start_connects_the_demo_endpoint_with_a_few_codes(window, wait_until):
    session = window.session
    session.endpoints["demo"].connect_on_start = list(config.demo_endpoint().connect_on_start)
    await window.restore_on_start(first_start=True)
    h = session.handle("demo", "quote")
    await wait_until(lambda: h.ready and len(h.ctx.subscriptions) == 2, 10, "the default codes")
    assert all(session.handle("demo", k) is not None for k in session.endpoints["demo"].connect_on_start)


@pytest.mark.parametrize("demo", [False, True])
async def test_a_drop_is_notified_once_and_not_for_the_demo(window, demo):
    session = window.session
    ep = session.add_endpoint(Endpoint(name="Far box", host="127.0.0.1", port=1, contexts=["quote"],
                                       demo=demo))
    n = window.notifier
    n.sent.clear()

    def state(old, new, **kw):
        window._on_event(StateChanged(endpoint=ep.id, context=ContextKind.QUOTE, old=old, new=new, **kw))

    n.in_background = lambda: True
    state(ConnState.READY, ConnState.RECONNECTING, reason="connection lost", retry_in=2.0)
    state(ConnState.CONNECTING, ConnState.RECONNECTING, reason="refused", retry_in=4.0)
    if demo:
        assert n.sent == []
        return
    assert len(n.sent) == 1
    title, text = n.sent[0]
    assert "Far box" in title and "dropped" in title and "connection lost" in text
    state(ConnState.HANDSHAKING, ConnState.READY)
    state(ConnState.READY, ConnState.FAILED, reason="refused for good")
    assert len(n.sent) == 2 and "stopped" in n.sent[1][0]
    window.actions_by_key["notify"].trigger()  # View > Notify... off
    assert not n.enabled and window.settings.value("notifyDrops") in (False, "false")
    state(ConnState.HANDSHAKING, ConnState.READY)
    state(ConnState.READY, ConnState.RECONNECTING, reason="lost again")
    assert len(n.sent) == 2
    n.enabled = True
    n.in_background = lambda: False  # in front: the window itself shows it
    state(ConnState.READY, ConnState.RECONNECTING, reason="lost in front")
    assert len(n.sent) == 2


async def test_observer_failures_and_folded_errors_reach_the_connection_log(window, wait_until):
    session = window.session

    def broken(_ev):
        raise ValueError("listener bug")

    unsubscribe = session.subscribe(broken)
    try:
        session.log("poke")
    finally:
        unsubscribe()
    await wait_until(lambda: "listener bug" in window.connlog.plain_text(), 5, "the bug line")
    line = next(x for x in window.connlog.visible_lines() if "listener bug" in x)
    assert " bug " in line and "ValueError" in line and "data path went on" in line
    window._on_event(ErrorRaised(endpoint="demo", error_type="ChecksumError", text="3 bad pushes",
                                 count=3))
    assert any("3 bad pushes (x3)" in x for x in window.connlog.visible_lines())


async def test_folded_cards_are_remembered_and_the_wheel_scrolls_the_page(window, qtbot, settings,
                                                                          tmp_path, wait_until):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    from opendeck.gui.mainwindow import MainWindow

    panel = window.panel_for("demo")
    qtbot.mouseClick(panel.cards[ContextKind.QUOTE].connect_btn, LEFT)
    card = panel.cards[ContextKind.QUOTE]
    await wait_until(lambda: card.chart is not None, 10, "the RTT chart")
    # the wheel over the chart moves the page, not the chart (until the chart is clicked)
    window.resize(1024, 700)
    panel.scroll.widget().setMinimumHeight(3000)  # room to scroll at any window size
    bar = panel.scroll.verticalScrollBar()
    await wait_until(lambda: bar.maximum() > 0, 5, "a scrollable page")
    bar.setValue(0)
    vp = card.chart.plot.viewport()
    ev = QWheelEvent(QPointF(10, 10), QPointF(vp.mapToGlobal(QPoint(10, 10))), QPoint(0, 0),
                     QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, ev)
    assert card.chart.wheel_passed == 1 and bar.value() > 0
    # fold the quote card: a new window on the same settings shows it folded
    card.fold.setChecked(False)
    assert card.body.isHidden()
    window.save_layout()
    w2 = MainWindow(window.session, profiles_path=tmp_path / "e2.toml", settings=settings)
    qtbot.addWidget(w2)
    card2 = w2.panel_for("demo").cards[ContextKind.QUOTE]
    assert not card2.fold.isChecked() and card2.body.isHidden()
    card2.fold.setChecked(True)
    assert "demo/quote" not in w2.folds
    w2.shut_down = True  # the session belongs to the fixture's window
    w2.close()


async def test_every_sub_type_is_offered_grouped(window):
    from opendeck.core import codes

    card = window.panel_for("demo").cards[ContextKind.QUOTE]
    offered = set(card.subtype_boxes) | set(card.kline_actions)
    assert offered == set(codes.SUBTYPE_NAMES.values()) and len(offered) == 21
    assert all(n.startswith("kl_") for n in card.kline_actions)
    card.kline_actions["kl_5m"].setChecked(True)
    card.kline_actions["kl_day"].setChecked(True)
    assert "5m" in card.kline_button.text() and "day" in card.kline_button.text()
    assert {"kl_5m", "kl_day"} <= set(card.selected_subtypes())


async def test_the_watchlist_follows_the_ring_on_the_push_log_timer(window, wait_until):
    assert window.market is None  # not built until its tab is first shown
    assert window.show_watchlist() and window.market is not None
    assert window._flush_market in window.pushlog.flush_hooks
    await window.autostart("demo", codes="HK.00700", subtypes=["basic", "orderbook"])
    await wait_until(lambda: any(st.symbol == "HK.00700" for st in window.market.feed.symbols), 10,
                     "the subscribed symbol in the watchlist")
