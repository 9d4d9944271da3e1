"""The official futu-api against the demo gateway: the 51 calls of issue 11, in plaintext and
both AES modes, with values that only a consistent model gives.

The market runs on a frozen demo clock (pushes still flow on every tick, the prices do not
move), so a snapshot, a quote, the order book and the latest K-line of one moment can be
compared exactly; resting orders that fill when the price crosses are covered on a manual
clock in tests/gateway_model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import opendeck.core.gateway.quote_pulls  # noqa: F401  (registers the pull handlers)
import opendeck.core.gateway.quote_static  # noqa: F401
import opendeck.core.gateway.trade_pulls  # noqa: F401
from opendeck.core.cipher import RsaCipher
from opendeck.core.gateway import replay
from opendeck.core.gateway.market import Market
from opendeck.core.gateway.pricepath import ManualClock

DRIVER = Path(__file__).with_name("drive_futu_calls.py")
MODES = ("plain", "rsa-cbc", "rsa-ecb")
DEMO_T0 = 1_796_000_000.0  # a fixed demo moment (2026-11-30 UTC)

#: the 51 calls of issue 11 -> the driver lines that exercise them
CALLS = {
    "get_global_state": ["get_global_state"], "get_user_info": ["get_user_info"],
    "get_market_snapshot": ["get_market_snapshot"], "get_stock_quote": ["get_stock_quote"],
    "get_order_book": ["get_order_book"], "get_rt_ticker": ["get_rt_ticker"],
    "get_rt_data": ["get_rt_data"], "get_cur_kline": ["get_cur_kline", "get_cur_kline_1m"],
    "request_history_kline": ["request_history_kline", "request_history_kline_page2"],
    "get_broker_queue": ["get_broker_queue"],
    "get_stock_basicinfo": ["get_stock_basicinfo", "get_stock_basicinfo_codes"],
    "request_trading_days": ["request_trading_days"], "get_market_state": ["get_market_state"],
    "get_plate_list": ["get_plate_list"], "get_plate_stock": ["get_plate_stock"],
    "get_capital_flow": ["get_capital_flow"],
    "get_capital_distribution": ["get_capital_distribution"],
    "get_owner_plate": ["get_owner_plate"], "get_option_chain": ["get_option_chain"],
    "get_referencestock_list": ["get_referencestock_list"],
    "get_user_security": ["get_user_security"], "get_price_reminder": ["get_price_reminder"],
    "get_history_kl_quota": ["get_history_kl_quota"], "get_rehab": ["get_rehab"],
    "subscribe": ["subscribe", "subscribe_us"], "unsubscribe": ["unsubscribe"],
    "unsubscribe_all": ["unsubscribe_all"],
    "query_subscription": ["query_subscription", "query_subscription_after"],
    "get_acc_list": ["get_acc_list", "get_acc_list_us", "get_acc_list_future"],
    "unlock_trade": ["unlock_trade"],
    "accinfo_query": ["accinfo_query_before", "accinfo_query_after", "accinfo_query_future"],
    "position_list_query": ["position_list_query", "position_list_query_future"],
    "order_list_query": ["order_list_query", "order_list_query_filled"],
    "deal_list_query": ["deal_list_query", "deal_list_query_partial"],
    "history_order_list_query": ["history_order_list_query"],
    "history_deal_list_query": ["history_deal_list_query"],
    "place_order": ["place_order_resting", "place_order_marketable", "place_order_partial",
                    "place_order_future"],
    "modify_order": ["modify_order", "cancel_order"],
    "cancel_all_order": ["cancel_all_order"], "acctradinginfo_query": ["acctradinginfo_query"],
    "get_acc_cash_flow": ["get_acc_cash_flow"], "order_fee_query": ["order_fee_query"],
}
PUSH_CALLS = ("StockQuote", "Ticker", "OrderBook", "CurKline", "RTData", "Broker", "SysNotify",
              "TradeOrder", "TradeDeal")
assert len(CALLS) + len(PUSH_CALLS) == 51


def _run(port: int, home: Path, rsa_key: Path | None, timeout: float = 150.0,
         extra: tuple[str, ...] = ()) -> dict:
    cmd = [sys.executable, str(DRIVER), "--port", str(port), "--deadline", "20", *extra]
    if rsa_key is not None:
        cmd += ["--rsa-key", str(rsa_key)]
    env = dict(os.environ, HOME=str(home), USERPROFILE=str(home), PYTHONUNBUFFERED="1",
               PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=str(home))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    replayed = [x for x in lines if x["kind"] == "replayed"]
    calls: dict[str, dict] = {}
    pushes: dict[str, dict] = {}
    for x in lines:
        if x["kind"] == "call":
            calls[x["name"]] = x
        elif x["kind"] == "push":
            pushes.setdefault(x["what"], x)
    errors = [x for x in lines if x["kind"] == "error"]
    return {"calls": calls, "pushes": pushes, "errors": errors, "rc": proc.returncode,
            "replayed": replayed[0] if replayed else None,
            "tail": out[-4000:] + "\n--- stderr ---\n" + err[-2000:]}


@pytest.fixture(scope="module", params=MODES)
def calls_run(request, tmp_path_factory, rsa_pem, peer_kit):
    peer_kit.require_futu()
    mode = request.param
    rsa = RsaCipher.from_file(rsa_pem) if mode != "plain" else None
    home = tmp_path_factory.mktemp(f"futu-calls-{mode}")
    with peer_kit.GatewayThread(rsa=rsa, aes="ecb" if mode == "rsa-ecb" else "cbc",
                                push_rate=5.0, seed=7) as gt:
        gt.call(lambda: setattr(gt.gw, "market", Market(7, clock=ManualClock(DEMO_T0))))
        run = _run(gt.port, home, rsa_pem if rsa else None)
    run["mode"] = mode
    return run


def _ok(run, name):
    c = run["calls"].get(name)
    assert c is not None, f"{name} never ran\n{run['tail']}"
    assert c["ret"] == 0, f"{name}: {c.get('msg')}\n{c.get('tb', '')}"
    return c


def _rows(run, name):
    c = _ok(run, name)
    return c.get("rows") or c.get("data") or []


def test_every_call_answers(calls_run):
    run = calls_run
    assert run["rc"] == 0 and not run["errors"], run["errors"] or run["tail"]
    failed = {call: [n for n in names if run["calls"].get(n, {}).get("ret") != 0]
              for call, names in CALLS.items()}
    failed = {k: v for k, v in failed.items() if v}
    missing_pushes = [p for p in PUSH_CALLS if run["pushes"].get(p, {}).get("count", 0) < 1]
    working = len(CALLS) - len(failed) + len(PUSH_CALLS) - len(missing_pushes)
    print(f"\n{run['mode']}: {working} of 51 futu-api calls answer")
    assert not failed and not missing_pushes, (failed, missing_pushes)


def test_unknown_codes_are_refused(calls_run):
    for name in ("subscribe_unknown", "snapshot_unknown"):
        c = calls_run["calls"][name]
        assert c["ret"] == -1 and "ZZZZNOTREAL" in c["msg"], c
    fut = calls_run["calls"]["place_order_future_unknown"]
    assert fut["ret"] == -1 and "unknown stock" in fut["msg"]


def test_quote_views_agree(calls_run):
    run = calls_run
    snap = {r["code"]: r for r in _rows(run, "get_market_snapshot")}
    assert {"HK.00700", "US.AAPL", "HK.HSImain", "HK.800000", "HK.02800"} <= set(snap)
    tencent = snap["HK.00700"]
    last = tencent["last_price"]
    quote = _rows(run, "get_stock_quote")[0]
    assert quote["last_price"] == last and quote["volume"] == tencent["volume"]
    assert tencent["low_price"] <= last <= tencent["high_price"]
    assert tencent["lot_size"] == 100 and tencent["name"] == "TENCENT"
    book = _ok(run, "get_order_book")["data"]
    assert book["Bid"][0][0] == last and book["Ask"][0][0] > last
    assert tencent["bid_price"] == last and tencent["ask_price"] == book["Ask"][0][0]
    assert _rows(run, "get_rt_ticker")[-1]["price"] == last
    assert _rows(run, "get_rt_data")[-1]["cur_price"] == last
    day = _rows(run, "get_cur_kline")
    assert day[-1]["close"] == last and day[-1]["high"] == tencent["high_price"]
    for bar in day + _rows(run, "get_cur_kline_1m"):
        assert bar["low"] <= min(bar["open"], bar["close"]) <= \
            max(bar["open"], bar["close"]) <= bar["high"]
    assert _rows(run, "get_cur_kline_1m")[-1]["close"] == last


def test_history_pages_continue(calls_run):
    page1 = _rows(calls_run, "request_history_kline")
    page2 = _rows(calls_run, "request_history_kline_page2")
    assert len(page1) == 100 and page2
    assert page2[0]["time_key"] > page1[-1]["time_key"]
    assert page2[0]["last_close"] == page1[-1]["close"]  # one walk, no seam between pages
    quota = _ok(calls_run, "get_history_kl_quota")["data"]
    assert quota[0] >= 1 and quota[0] + quota[1] == 300


def test_static_and_relations(calls_run):
    run = calls_run
    hk = _rows(run, "get_stock_basicinfo")
    assert len(hk) >= 80 and all(r["code"].startswith("HK.") for r in hk)
    assert {r["code"] for r in _rows(run, "get_plate_stock")} >= {"HK.00700", "HK.09988"}
    assert "HK.BK1910" in {r["plate_code"] for r in _rows(run, "get_owner_plate")}
    chain = _rows(run, "get_option_chain")
    assert chain and {r["stock_owner"] for r in chain} == {"US.AAPL"}
    assert {r["option_type"] for r in chain} == {"CALL", "PUT"}
    assert {r["wrt_code"] for r in _rows(run, "get_referencestock_list")} == {"HK.00700"}
    states = {r["market_state"] for r in _rows(run, "get_market_state")}
    assert states <= {"MORNING", "AFTERNOON"}  # around the clock: continuous trading
    days = _rows(run, "request_trading_days")
    assert len(days) == 11  # every day, weekends included


def test_resting_modify_cancel(calls_run):
    run = calls_run
    locked = run["calls"]["place_order_locked"]
    assert locked["ret"] == -1 and "locked" in locked["msg"]
    rest = _rows(run, "place_order_resting")[0]
    listed = {r["order_id"]: r for r in _rows(run, "order_list_query")}
    assert listed[rest["order_id"]]["order_status"] == "SUBMITTED"
    modified = _rows(run, "order_list_query_modified")[0]
    assert modified["qty"] == 200 and modified["price"] > rest["price"]
    assert modified["order_status"] == "SUBMITTED"
    assert _rows(run, "order_list_query_cancelled")[0]["order_status"] == "CANCELLED_ALL"
    sim = _rows(run, "order_list_query_sim")
    assert len(sim) >= 2 and {r["order_status"] for r in sim} == {"CANCELLED_ALL"}


def test_fill_moves_cash_positions_and_lists(calls_run):
    run = calls_run
    filled = _rows(run, "order_list_query_filled")[0]
    assert filled["order_status"] == "FILLED_ALL" and filled["dealt_qty"] == 100
    price = filled["dealt_avg_price"]
    assert price <= filled["price"]  # a marketable buy fills at the ask, never above its limit
    deals = [d for d in _rows(run, "deal_list_query") if d["order_id"] == filled["order_id"]]
    assert [d["qty"] for d in deals] == [100] and deals[0]["price"] == price
    fee = _rows(run, "order_fee_query")[0]["fee_amount"]
    assert fee > 0
    before = _rows(run, "accinfo_query_before")[0]["cash"]
    after = _rows(run, "accinfo_query_after")[0]["cash"]
    assert before - after == pytest.approx(100 * price + fee, abs=0.02)
    held_before = {r["code"]: r["qty"] for r in _rows(run, "position_list_query_before")}
    held = {r["code"]: r for r in _rows(run, "position_list_query")}
    assert held["HK.00700"]["qty"] == held_before["HK.00700"] + 100
    max_qtys = _rows(run, "acctradinginfo_query")[0]
    assert max_qtys["max_position_sell"] == held["HK.00700"]["qty"]
    history = _rows(run, "history_deal_list_query")
    assert any(d["code"] == "HK.00700" and d["qty"] == 400 for d in history)  # seeded
    assert _rows(run, "history_order_list_query")
    flows = _rows(run, "get_acc_cash_flow")
    trade = [f for f in flows if f["cashflow_type"] == "Stock trade"]
    assert any(f["cashflow_amount"] == pytest.approx(-100 * price, abs=0.01) for f in trade)
    assert run["pushes"]["TradeDeal"]["count"] >= 1


def test_partial_fill_then_rest(calls_run):
    run = calls_run
    order = _rows(run, "order_list_query_partial")[0]
    assert order["dealt_qty"] == 80 and order["order_status"] == "FILLED_ALL"
    deals = [d["qty"] for d in _rows(run, "deal_list_query_partial")
             if d["order_id"] == order["order_id"]]
    assert deals == [50, 30]


def test_futures_order_fills_a_real_contract(calls_run):
    run = calls_run
    placed = _rows(run, "place_order_future")[0]
    assert placed["code"] == "HK.MHImain"
    held = {r["code"]: r["qty"] for r in _rows(run, "position_list_query_future")}
    assert held.get("HK.MHImain", 0) >= 1



def test_replay_a_recorded_session_into_futu(tmp_path, peer_kit):
    """Record the demo gateway with `opendeck record`, replay the journal at max speed into
    futu-api: the ticker and quote pushes futu sees end with exactly the recorded ones."""
    peer_kit.require_futu()
    journal = tmp_path / "session.sqlite"
    recorder = Path(sys.executable).with_name("opendeck")
    with peer_kit.GatewayThread(push_rate=20.0, seed=5) as gt:
        proc = subprocess.run([str(recorder), "record", f"127.0.0.1:{gt.port}",
                               "--subscribe", "HK.00700", "--subtypes", "basic,ticker",
                               "--pushes", "40", "--journal", str(journal)],
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    items = replay.load(journal)
    ticks = [[t.sequence, t.price, t.volume] for it in items if it.proto_id == 3011
             for t in it.resp.s2c.tickerList]
    quotes = [[q.curPrice, q.volume] for it in items if it.proto_id == 3005
              for q in it.resp.s2c.basicQotList]
    assert ticks and quotes
    with peer_kit.GatewayThread(push_rate=0.0, seed=99) as gt:
        rp = gt.call(lambda: replay.Replay(gt.gw, items, speed=None))
        gt.loop.call_soon_threadsafe(lambda: gt.loop.create_task(rp.run(1)))
        run = _run(gt.port, tmp_path, None, extra=("--parts", "replay", "--expect",
                                                   str(max(len(ticks), len(quotes)))))
        gt.wait_until(lambda: rp.done.is_set(), 20)
    seen = run["replayed"]
    assert seen is not None, run["tail"]
    assert seen["ticker"][-len(ticks):] == ticks
    assert seen["quote"][-len(quotes):] == quotes


def test_same_seed_and_start_time_give_futu_the_same_history(tmp_path, peer_kit):
    """Two gateways started apart with the same seed and --start-time serve futu-api the same
    daily history, bar for bar; another seed serves another one."""
    peer_kit.require_futu()
    start = 1_772_415_000.0  # 2026-03-02 01:30 UTC, a fixed demo start
    runs = []
    for seed in (3, 3, 4):
        with peer_kit.GatewayThread(push_rate=5.0, seed=seed, start_time=start) as gt:
            run = _run(gt.port, tmp_path, None, extra=("--parts", "quote", "--deadline", "5"))
        runs.append(_rows(run, "request_history_kline"))
    assert len(runs[0]) == 100 and runs[0] == runs[1]
    assert runs[2] != runs[0]
