"""The demo gateway's limits: the timing rules on numbers (no clock), the folded log on a
fake clock, list caps on messages, accept-error folding, and the TCP idle timeout."""

from __future__ import annotations

import asyncio
import logging

import pytest
from opendeck.core.gateway import DemoGateway
from opendeck.core.gateway.limits import Limits
from opendeck.core.gateway.server import is_loopback
from opendeck.core.gateway.stats import FoldedLog
from opendeck.core.gateway.tcpport import read_budget
from opendeck.core.pb import Qot_Sub_pb2, Trd_GetOrderList_pb2
from test_gateway import RawClient


def test_read_budget_before_and_after_the_handshake():
    # before InitConnect: what is left of the window since accept
    assert read_budget(False, accepted_at=100.0, now=100.0, handshake_timeout=10,
                       idle_timeout=30) == 10
    assert read_budget(False, 100.0, 107.5, 10, 30) == 2.5
    assert read_budget(False, 100.0, 111.0, 10, 30) <= 0  # time is up
    # after it: the idle timeout on every read, however long ago the accept was
    assert read_budget(True, 100.0, 5000.0, 10, 30) == 30


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_folded_log_writes_once_per_interval_with_a_count(caplog):
    clock = FakeClock()
    folded = FoldedLog(logging.getLogger("test.folded"), 1.0, clock=clock)
    with caplog.at_level(logging.WARNING, "test.folded"):
        assert folded.report("accept failed")
        for _ in range(499):
            clock.t += 0.001
            assert not folded.report("accept failed")
        clock.t = 1.0
        assert folded.report("accept failed")
        clock.t = 1.5
        assert not folded.report("accept failed")
        clock.t = 10.0
        assert folded.report("accept failed")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["accept failed",
                     "accept failed (and 499 more like it in the last 1s)",
                     "accept failed (and 1 more like it in the last 1s)"]
    assert folded.total == 503


def test_list_caps_find_nested_lists_and_pass_short_ones():
    lim = Limits(max_list_len=3)
    sub = Qot_Sub_pb2.Request()
    for code in ("1", "2", "3"):
        sub.c2s.securityList.add(market=1, code=code)
    sub.c2s.subTypeList.extend([1, 2])
    assert lim.check_lists(sub) is None
    sub.c2s.subTypeList.extend([4, 5])
    assert "c2s.subTypeList has 4 entries" in lim.check_lists(sub)
    orders = Trd_GetOrderList_pb2.Request()
    orders.c2s.filterConditions.codeList.extend(["a", "b", "c", "d"])
    assert "c2s.filterConditions.codeList has 4 entries" in lim.check_lists(orders)
    assert "split it into smaller requests" in lim.check_size(10**7)
    assert lim.check_size(10) is None


@pytest.mark.parametrize("host, expected", [("127.0.0.1", True), ("::1", True),
                                            ("localhost", True), ("0.0.0.0", False),
                                            ("", False), ("192.168.1.4", False)])
def test_loopback_hosts(host, expected):
    assert is_loopback(host) is expected


@pytest.mark.asyncio
async def test_accept_errors_are_folded_and_the_old_handler_comes_back():
    loop = asyncio.get_running_loop()
    seen: list[dict] = []
    before = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: seen.append(ctx))
    previous = loop.get_exception_handler()
    try:
        gw = DemoGateway(port=0)
        await gw.start()
        listener = gw._server.sockets[0]
        for _ in range(50):
            loop.call_exception_handler({"message": "socket.accept() out of system resource",
                                         "exception": OSError(24, "Too many open files"),
                                         "socket": listener})
        loop.call_exception_handler({"message": "something else"})
        assert gw.stats.accept_errors == 50
        assert gw.accept_errors.suppressed == 49  # one line written, 49 folded into the next
        assert [c["message"] for c in seen] == ["something else"]
        await gw.stop()
        assert loop.get_exception_handler() is previous
    finally:
        loop.set_exception_handler(before)


@pytest.mark.asyncio
async def test_idle_tcp_connection_is_closed_after_its_window():
    async with DemoGateway(port=0, keepalive_interval=1, limits=Limits(idle_factor=0.2)) as gw:
        c = await RawClient.open(gw)
        await c.init()
        await c.wait_eof(timeout=10)
        await gw.wait_until(lambda: not gw.conns)
        assert gw.stats.timeouts == 1 and gw.stats.handshakes == 1
        await c.close()


@pytest.mark.asyncio
async def test_push_wait_never_drops_and_gives_up_on_a_client_that_does_not_read():
    from opendeck.core.gateway import pushes
    from opendeck.core.pb import Notify_pb2

    async with DemoGateway(port=0, push_rate=0) as gw:
        gw.max_push_buffer = 0  # any unsent byte means "no room": every push must wait
        reader = await RawClient.open(gw)
        await reader.init()
        idle = await RawClient.open(gw)
        await idle.init()
        idle._task.cancel()  # this one never reads again
        conns = {c.conn_id: c for c in gw.conns}
        fast = conns[reader.init_s2c.connID]
        slow = conns[idle.init_s2c.connID]
        s2c = Notify_pb2.S2C(type=pushes.NOTIFY_GTW_EVENT)
        s2c.event.eventType = 1
        s2c.event.desc = "x" * 60_000
        resp = pushes.notify_response(s2c)
        for _ in range(100):
            assert await pushes.push_wait(gw, fast, 1003, resp)
        await reader.wait_packet(lambda p: len(reader.pushes(1003)) >= 100, timeout=20)
        assert gw.stats.pushes_dropped == 0
        gw.drain_timeout = 0.3
        results = [await pushes.push_wait(gw, slow, 1003, resp) for _ in range(400)]
        assert results[0] and not results[-1]  # sent until the socket filled, then dropped
        assert gw.stats.slow_clients_dropped == 1 and gw.stats.pushes_dropped == 0
        await gw.wait_until(lambda: slow not in gw.conns)
        await reader.close()
