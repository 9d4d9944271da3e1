"""The official futu-api SDK (in a subprocess) as a client of the demo gateway.

One driver run per transport mode (plaintext, RSA-1024 + AES-CBC, RSA-1024 + FTAES_ECB)
exercises the quote, securities-trade and futures-trade contexts; the tests below assert on
what the SDK reported and on what the gateway saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from opendeck.core.cipher import RsaCipher
from opendeck.core.gateway import ClientInfo, GatewayStats

pytestmark = pytest.mark.peer

MODES = ("plain", "rsa-cbc", "rsa-ecb")
ENCRYPTION = {"plain": "none", "rsa-cbc": "aes-cbc", "rsa-ecb": "aes-ecb"}
CODES = {"HK.00700", "US.AAPL"}


@dataclass
class PeerResult:
    mode: str
    run: object  # conftest.DriverRun
    stats: GatewayStats
    handshakes: list[ClientInfo]


@pytest.fixture(scope="module", params=MODES)
def futu_run(request, tmp_path_factory, rsa_pem, peer_kit) -> PeerResult | None:
    mode = request.param
    if not peer_kit.futu_available():
        return None  # each test then fails with the install hint (a failure, not a skip)
    rsa = RsaCipher.from_file(rsa_pem) if mode != "plain" else None
    home = tmp_path_factory.mktemp(f"home-{mode}")
    with peer_kit.GatewayThread(rsa=rsa, aes="ecb" if mode == "rsa-ecb" else "cbc",
                                push_rate=20, seed=11) as gt:
        run = peer_kit.run_driver(gt.port, home, rsa_key=rsa_pem if rsa else None)
        # futu closes its sockets before the driver exits; wait for the gateway to notice
        gt.wait_until(lambda: gt.gw.stats.connections_open == 0)
        stats = gt.gw.stats
        handshakes = gt.call(lambda: list(gt.gw.handshake_log))
    assert not run.timed_out, run.report()
    assert run.returncode == 0 and run.lines and run.lines[-1]["kind"] == "done", run.report()
    assert not run.of("error"), run.report()
    return PeerResult(mode, run, stats, handshakes)


def test_gateway_saw_the_expected_transport(futu_run, peer_kit):
    peer_kit.require_futu()
    r = futu_run
    # one connection per context: quote, securities trade, futures trade
    assert r.stats.handshakes == 3, r.run.report()
    assert {h.encryption for h in r.handshakes} == {ENCRYPTION[r.mode]}
    assert {h.client_id for h in r.handshakes} == {"PyNormal"}
    assert all(h.recv_notify for h in r.handshakes)
    assert len({h.conn_id for h in r.handshakes}) == 3
    assert r.stats.bad_packets == 0 and r.stats.handshakes_failed == 0
    assert r.stats.pushes_sent > 0


def test_quote_context_receives_quote_ticker_and_order_book(futu_run, peer_kit):
    peer_kit.require_futu()
    run = futu_run.run
    assert run.one("subscribe")["ret"] == 0, run.report()
    pushes = run.one("quote_pushes")
    assert pushes["complete"], run.report()
    assert not run.of("push_error"), run.report()

    quote_rows = [row for line in run.of("quote") for row in line["rows"]]
    assert {row["code"] for row in quote_rows} <= CODES and quote_rows
    for row in quote_rows:
        assert row["last_price"] > 0 and row["low_price"] <= row["high_price"]
        assert row["data_date"] and row["data_time"]

    ticker_rows = [row for line in run.of("ticker") for row in line["rows"]]
    assert ticker_rows and {row["code"] for row in ticker_rows} <= CODES
    assert all(row["ticker_direction"] in ("BUY", "SELL", "NEUTRAL") for row in ticker_rows)

    books = run.of("order_book")
    assert books and {b["code"] for b in books} <= CODES
    for b in books:
        assert len(b["bid"]) == 10 and len(b["ask"]) == 10
        assert b["ask"][0][0] > b["bid"][0][0]

    sub = run.one("query_subscription")
    assert sub["ret"] == 0 and sub["data"]["total_used"] == 6
    assert set(sub["data"]["sub_list"]) == {"QUOTE", "TICKER", "ORDER_BOOK"}
    sq = run.one("stock_quote")
    assert sq["ret"] == 0 and {row["code"] for row in sq["rows"]} == CODES
    gs = run.one("global_state")
    assert gs["ret"] == 0 and gs["data"]["program_status_type"] == "READY"
    assert gs["data"]["qot_logined"] is True


def test_sec_trade_context_accounts_unlock_orders_and_pushes(futu_run, peer_kit):
    peer_kit.require_futu()
    run = futu_run.run
    accs = run.one("sec_acc_list")
    assert accs["ret"] == 0, run.report()
    envs = {row["trd_env"] for row in accs["rows"]}
    assert envs == {"REAL", "SIMULATE"}
    assert all("HK" in row["trdmarket_auth"] for row in accs["rows"])
    real = [row for row in accs["rows"] if row["trd_env"] == "REAL"]
    assert all(row["security_firm"] == "FUTUSECURITIES" for row in real)

    locked = run.one("place_real_locked")
    assert locked["ret"] == -1 and "locked" in locked["msg"]
    wrong = run.one("unlock_wrong")
    assert wrong["ret"] == -1 and "wrong trade password" in wrong["msg"]
    assert run.one("unlock")["ret"] == 0

    placed = run.of("place_order")
    assert [p["ret"] for p in placed] == [0, 0], run.report()
    assert [p["env"] for p in placed] == ["SIMULATE", "REAL"]
    pushes = run.one("order_pushes")
    assert pushes["complete"], run.report()
    for p in placed:
        assert pushes["orders"][p["order_id"]] == ["SUBMITTED", "FILLED_ALL"]
    order_lines = run.of("order_push")
    assert {o["trd_env"] for o in order_lines} == {"SIMULATE", "REAL"}
    assert all(o["code"] == "HK.00700" and o["qty"] == 100 for o in order_lines)
    deals = run.of("deal_push")
    assert {d["order_id"] for d in deals} == {p["order_id"] for p in placed}


def test_future_trade_context_lists_accounts(futu_run, peer_kit):
    peer_kit.require_futu()
    run = futu_run.run
    accs = run.one("future_acc_list")
    assert accs["ret"] == 0, run.report()
    envs = {row["trd_env"] for row in accs["rows"]}
    assert envs == {"REAL", "SIMULATE"}
    for row in accs["rows"]:
        assert {"FUTURES", "FUTURES_SIMULATE_HK", "FUTURES_SIMULATE_US"} & \
            set(row["trdmarket_auth"]), row


def test_futu_without_the_key_is_told_to_configure_it(tmp_path, rsa_pem, peer_kit):
    peer_kit.require_futu()
    with peer_kit.GatewayThread(rsa=RsaCipher.from_file(rsa_pem), push_rate=0) as gt:
        run = peer_kit.run_driver_until(gt.port, tmp_path, "this gateway requires encryption")
        gt.wait_until(lambda: gt.gw.stats.handshakes_failed >= 1)
    assert not run.timed_out, run.report()
    assert "set_init_rsa_file" in run.stdout


def test_futu_keepalive_against_short_interval(tmp_path, rsa_pem, peer_kit):
    """keepAliveInterval=1: futu sends KeepAlive about every second (its 1 s tick) over
    RSA+FTAES_ECB, and keeps the connection while the gateway answers."""
    peer_kit.require_futu()
    with peer_kit.GatewayThread(rsa=RsaCipher.from_file(rsa_pem), aes="ecb",
                                keepalive_interval=1, push_rate=0) as gt:
        proc = peer_kit.start_driver(gt.port, tmp_path, rsa_key=rsa_pem)
        try:
            gt.wait_until(lambda: gt.gw.stats.keepalives >= 2, timeout=20)
            assert gt.gw.stats.connections_open == 1
        finally:
            run = peer_kit.finish_driver(proc)
    assert not run.timed_out and run.returncode == 0, run.report()
    assert run.one("holding") and run.lines[-1]["kind"] == "done"
