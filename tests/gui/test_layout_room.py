"""Issue 12 rough edges: the push log's room, the empty RTT chart, Place keeping the scroll
position, cards that do not jump when an error line appears, visible check boxes in dark mode.
Offscreen, on the qasync loop (tests/gui/conftest.py); condition waits only."""

from __future__ import annotations

import pytest
from opendeck.gui.pushlog import COL_SUMMARY
from opendeck.gui.pushlog.rows import COL_CONTEXT, COL_ENDPOINT, COL_PROTO

pytestmark = [pytest.mark.gui, pytest.mark.asyncio]


def visible_rows(window) -> float:
    view = window.pushlog.view
    return view.viewport().height() / view.verticalHeader().defaultSectionSize()


async def make_window(qtbot, session, settings, tmp_path, size):
    from opendeck.gui import theme
    from opendeck.gui.mainwindow import MainWindow
    from PySide6.QtWidgets import QApplication

    theme.apply(QApplication.instance())
    w = MainWindow(session, profiles_path=tmp_path / "endpoints.toml", settings=settings)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    return w


@pytest.mark.parametrize("size,rows", [((1280, 800), 14), ((1024, 700), 10)])
async def test_push_log_gets_the_room_it_needs(qtbot, session, settings, tmp_path, wait_until,
                                               size, rows):
    w = await make_window(qtbot, session, settings, tmp_path, size)
    try:
        await wait_until(lambda: w._log_height is not None and visible_rows(w) >= rows, 5,
                         f">= {rows} push-log rows at {size}",
                         lambda: f"{visible_rows(w):.1f} rows, dock {w.pushlog.height()} px")
        hh = w.pushlog.view.horizontalHeader()
        summary = hh.sectionSize(COL_SUMMARY)
        for col in (COL_PROTO, COL_CONTEXT, COL_ENDPOINT):
            assert hh.sectionSize(col) < summary, (col, hh.sectionSize(col), summary)
        assert summary >= 0.3 * w.pushlog.view.viewport().width(), summary
    finally:
        await w.shutdown()


async def test_the_users_push_log_height_is_kept(qtbot, session, settings, tmp_path, wait_until):
    from PySide6.QtCore import Qt

    w = await make_window(qtbot, session, settings, tmp_path, (1280, 800))
    try:
        await wait_until(lambda: w._log_height is not None, 5, "the default log height")
        default = w._log_height
        w.resizeDocks([w.pushlog], [default - 120], Qt.Orientation.Vertical)  # as a drag does
        await wait_until(lambda: w.log_height() < default - 60, 5, "the dragged height",
                         lambda: str(w.log_height()))
        dragged = w.log_height()
    finally:
        await w.shutdown()  # saves window.ini
    assert int(settings.value("pushLogHeight")) == dragged
    w2 = await make_window(qtbot, session, settings, tmp_path, (1280, 800))
    try:
        await wait_until(lambda: w2._log_height is not None
                         and abs(w2.log_height() - dragged) <= 4, 5, "the kept height",
                         lambda: f"{w2.log_height()} (wanted {dragged})")
    finally:
        await w2.shutdown()


async def test_an_empty_rtt_chart_says_so_instead_of_odd_axis_labels(qtbot):
    from opendeck.gui.widgets import RttChart
    from PySide6.QtWidgets import QLabel

    chart = RttChart()
    qtbot.addWidget(chart)
    chart.resize(260, 110)
    chart.show()
    chart.set_points([])

    def shown_texts() -> list[str]:
        return [lab.text() for lab in chart.findChildren(QLabel) if lab.isVisible()]

    assert not chart.plot.isVisible()  # no axis at all, so no "00.250 00.500" ticks
    assert "no heartbeats yet" in shown_texts()
    chart.set_points([(1_764_000_000.0, 0.4), (1_764_000_001.0, 0.6)])
    assert chart.plot.isVisible()
    assert "no heartbeats yet" not in shown_texts()
    chart.set_points([])  # e.g. a new connection's handle
    assert not chart.plot.isVisible() and "no heartbeats yet" in shown_texts()


async def test_place_keeps_the_scroll_position_and_shows_the_confirmation(window, qtbot, wait_until):
    from opendeck.core.events import ContextStatus
    from PySide6.QtCore import QEvent, QPoint, QRect, Qt
    from PySide6.QtWidgets import QApplication

    panel = window.panel_for("demo")
    for key in ("quote", "trade-sec", "trade-future"):
        qtbot.mouseClick(panel.cards[key].connect_btn, Qt.MouseButton.LeftButton)
    for key in ("quote", "trade-sec", "trade-future"):
        await wait_until(lambda k=key: panel.cards[k].pill.state is ContextStatus.READY, 10, f"{key} ready")
    card = panel.cards["trade-sec"]
    quote = panel.cards["quote"]
    await wait_until(lambda: card.order_acc.count() > 0 and card.order_btn.isEnabled()
                     and card.status.text() and quote.quota.text(), 5, "the order form and status")
    scroll = panel.scroll

    def form_in_view() -> bool:  # as a user scrolls to the form (re-done until the layout settled)
        # settle the column of cards first (height-for-width), as any later layout request would
        panel.cards_host.updateGeometry()
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        scroll.ensureWidgetVisible(card.confirm, 10, 10)
        return all(w.visibleRegion().boundingRect().height() == w.height()
                   for w in (card.order_btn, card.confirm) if w.isVisible())

    await wait_until(form_in_view, 3, "the order form scrolled into view")
    bar = scroll.verticalScrollBar()
    before = bar.value()
    card_height = card.height()
    card.order_price.setText("320")
    # the button has the keyboard focus, as after a real click: disabling it would hand the
    # focus on to the next widget (in the next card) and the scroll area would follow it
    window.activateWindow()
    card.order_btn.setFocus(Qt.FocusReason.MouseFocusReason)
    await wait_until(lambda: card.order_btn.hasFocus(), 3, "the Place button focused",
                     lambda: str(QApplication.focusWidget()))
    qtbot.mouseClick(card.order_btn, Qt.MouseButton.LeftButton)
    await wait_until(lambda: card.order_watch.order_id is not None
                     and f"order {card.order_watch.order_id}" in card.confirm.text(), 5, "the order",
                     lambda: card.confirm.text())
    await wait_until(lambda: card.order_btn.text() == "Place", 3, "the form back")
    assert bar.value() == before, f"the panel scrolled from {before} to {bar.value()} (confirm h {card.confirm.height()}, {card.confirm.text()!r}, {card.message.text()!r} {[(k, c.height()) for k, c in panel.cards.items()]})"
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    assert card.height() == card_height, "the card grew when the confirmation appeared"
    top_left = card.confirm.mapTo(scroll.viewport(), QPoint(0, 0))
    shown = QRect(top_left, card.confirm.size())
    assert card.confirm.isVisible() and scroll.viewport().rect().contains(shown), \
        (shown, scroll.viewport().rect())


async def test_an_error_line_does_not_re_lay_the_card_out(window, wait_until):
    from PySide6.QtWidgets import QApplication

    panel = window.panel_for("demo")
    card = panel.cards["quote"]
    await wait_until(lambda: card.isVisible() and card.height() > 0, 5, "the card")
    QApplication.processEvents()
    before = (card.height(), card.body.y(), card.connect_btn.geometry())
    card.show_message("cannot connect to 127.0.0.1:11111: connection refused; "
                      "the gateway may not be running there, reconnecting in 6 s " * 3, error=True)
    await wait_until(lambda: card.message.isVisible(), 3, "the error line")
    QApplication.processEvents()
    assert (card.height(), card.body.y(), card.connect_btn.geometry()) == before
    assert card.message.error and "connection refused" in card.message.toolTip()
    card.show_message("")
    QApplication.processEvents()
    assert not card.message.isVisible()
    assert (card.height(), card.body.y(), card.connect_btn.geometry()) == before


def _lum(c) -> float:
    return 0.2126 * c.red() + 0.7152 * c.green() + 0.0722 * c.blue()


async def test_unchecked_check_boxes_show_in_dark_mode(qtbot, monkeypatch):
    from opendeck.gui import theme
    from PySide6.QtWidgets import QApplication, QCheckBox, QStyle, QStyleOptionButton

    monkeypatch.setenv("OPENDECK_THEME", "dark")
    app = QApplication.instance()
    theme.apply(app)
    try:
        box = QCheckBox("orderbook")
        qtbot.addWidget(box)
        box.show()
        img = box.grab().toImage()
        opt = QStyleOptionButton()
        opt.initFrom(box)
        ind = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, opt, box)
        bg = _lum(box.palette().window().color())
        # the indicator's outline: the most contrasting pixel on its edge
        edge = [img.pixelColor(x, y) for x in range(ind.left(), ind.right() + 1)
                for y in (ind.top() + 1, ind.bottom() - 1)]
        edge += [img.pixelColor(x, y) for y in range(ind.top(), ind.bottom() + 1)
                 for x in (ind.left() + 1, ind.right() - 1)]
        contrast = max(abs(_lum(c) - bg) for c in edge)
        assert contrast >= 60, f"the unchecked box's edge differs from the window by {contrast:.0f}"
    finally:
        monkeypatch.setenv("OPENDECK_THEME", "light")
        theme.apply(app)
