"""futu-api driver for the issue-11 call matrix: every quote, subscription and trade call a
typical strategy script makes, against a demo gateway; one JSON line per call.

    python drive_futu_calls.py --port PORT [--rsa-key PEM] [--parts quote,trade,future]

Each call is reported as {"kind": "call", "name": ..., "ret": ..., "rows" | "data" | "msg"};
pushes as {"kind": "push", "what": ..., "count": n} at the end of a part. Run in a subprocess
only (see tests/peer/conftest.py for why). Uses the SDK's public API only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import threading
import time
import traceback

from drive_futu import emit, records, run_parts  # same folder: the script's directory is on sys.path


def _plain(data):
    if hasattr(data, "to_json"):
        return {"rows": records(data)}
    if isinstance(data, (list, tuple)) and any(hasattr(x, "to_json") for x in data):
        return {"data": [records(x) if hasattr(x, "to_json") else x for x in data]}
    if isinstance(data, (dict, list, tuple, str, int, float)) or data is None:
        return {"data": data}
    return {"data": repr(data)}


def call(ft, name: str, fn, *args, **kwargs):
    """Run one SDK call, report it, and hand back (ret, data)."""
    t0 = time.monotonic()
    try:
        res = fn(*args, **kwargs)
        ret, data = res[0], (res[1] if len(res) == 2 else list(res[1:]))
    except Exception as exc:
        emit("call", name=name, ret="raised", msg=f"{type(exc).__name__}: {exc}",
             tb=traceback.format_exc())
        return None, None
    out = _plain(data) if ret == ft.RET_OK else {"msg": str(data)}
    emit("call", name=name, ret=ret, seconds=round(time.monotonic() - t0, 3), **out)
    return ret, data


class Pushes:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.last: dict[str, object] = {}
        self.lock = threading.Lock()

    def hit(self, what: str, data) -> None:
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1
            self.last[what] = data

    def wait(self, whats, n: int, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if all(self.counts.get(w, 0) >= n for w in whats):
                    return True
            time.sleep(0.05)
        return False

    def report(self) -> None:
        for what, count in sorted(self.counts.items()):
            last = self.last.get(what)
            emit("push", what=what, count=count, **_plain(last))


def handler(base, what: str, pushes: Pushes):
    class H(base):
        def on_recv_rsp(self, rsp_pb):
            res = super().on_recv_rsp(rsp_pb)
            ret, data = res[0], (res[1] if len(res) == 2 else list(res[1:]))
            if ret == 0:
                pushes.hit(what, data)
            else:
                pushes.hit(what + "_error", str(data))
            return res
    return H()


def run_quote(ft, args) -> None:
    pushes = Pushes()
    ctx = ft.OpenQuoteContext(host=args.host, port=args.port, is_encrypt=args.encrypt)
    try:
        for base, what in ((ft.StockQuoteHandlerBase, "StockQuote"),
                           (ft.TickerHandlerBase, "Ticker"),
                           (ft.OrderBookHandlerBase, "OrderBook"),
                           (ft.CurKlineHandlerBase, "CurKline"),
                           (ft.RTDataHandlerBase, "RTData"),
                           (ft.BrokerHandlerBase, "Broker"),
                           (ft.SysNotifyHandlerBase, "SysNotify")):
            ctx.set_handler(handler(base, what, pushes))
        S = ft.SubType
        call(ft, "get_global_state", ctx.get_global_state)
        call(ft, "get_user_info", ctx.get_user_info)
        call(ft, "subscribe_unknown", ctx.subscribe, ["US.ZZZZNOTREAL"], [S.QUOTE])
        call(ft, "snapshot_unknown", ctx.get_market_snapshot, ["US.ZZZZNOTREAL"])
        call(ft, "subscribe", ctx.subscribe, ["HK.00700"],
             [S.QUOTE, S.TICKER, S.ORDER_BOOK, S.K_DAY, S.K_1M, S.RT_DATA, S.BROKER])
        call(ft, "subscribe_us", ctx.subscribe, ["US.AAPL"], [S.QUOTE, S.TICKER, S.K_1M])
        call(ft, "query_subscription", ctx.query_subscription)
        pushes.wait(("StockQuote", "Ticker", "OrderBook", "CurKline", "RTData", "Broker"), 2,
                    args.deadline)
        call(ft, "get_stock_quote", ctx.get_stock_quote, ["HK.00700"])
        call(ft, "get_market_snapshot", ctx.get_market_snapshot,
             ["HK.00700", "US.AAPL", "HK.HSImain", "HK.800000", "HK.02800"])
        call(ft, "get_order_book", ctx.get_order_book, "HK.00700", num=10)
        call(ft, "get_rt_ticker", ctx.get_rt_ticker, "HK.00700", num=20)
        call(ft, "get_rt_data", ctx.get_rt_data, "HK.00700")
        call(ft, "get_cur_kline", ctx.get_cur_kline, "HK.00700", num=30, ktype=ft.KLType.K_DAY)
        call(ft, "get_cur_kline_1m", ctx.get_cur_kline, "HK.00700", num=30,
             ktype=ft.KLType.K_1M)
        today = _dt.date.today()
        start = (today - _dt.timedelta(days=400)).isoformat()
        ret, data, key = ctx.request_history_kline("HK.00700", start=start,
                                                   end=today.isoformat(),
                                                   ktype=ft.KLType.K_DAY, max_count=100)
        emit("call", name="request_history_kline", ret=ret,
             **(_plain(data) if ret == ft.RET_OK else {"msg": str(data)}),
             page_key=key is not None)
        if ret == ft.RET_OK and key is not None:
            ret2, data2, _key2 = ctx.request_history_kline(
                "HK.00700", start=start, end=today.isoformat(), ktype=ft.KLType.K_DAY,
                max_count=100, page_req_key=key)
            emit("call", name="request_history_kline_page2", ret=ret2,
                 **(_plain(data2) if ret2 == ft.RET_OK else {"msg": str(data2)}))
        call(ft, "get_broker_queue", ctx.get_broker_queue, "HK.00700")
        call(ft, "get_stock_basicinfo", ctx.get_stock_basicinfo, ft.Market.HK,
             ft.SecurityType.STOCK)
        call(ft, "get_stock_basicinfo_codes", ctx.get_stock_basicinfo, ft.Market.US,
             ft.SecurityType.STOCK, ["US.AAPL", "US.NVDA"])
        call(ft, "request_trading_days", ctx.request_trading_days, ft.TradeDateMarket.HK,
             start=(today - _dt.timedelta(days=10)).isoformat(), end=today.isoformat())
        call(ft, "get_market_state", ctx.get_market_state, ["HK.00700", "US.AAPL", "SH.600519"])
        call(ft, "get_plate_list", ctx.get_plate_list, ft.Market.HK, ft.Plate.ALL)
        call(ft, "get_plate_stock", ctx.get_plate_stock, "HK.BK1910")
        call(ft, "get_capital_flow", ctx.get_capital_flow, "HK.00700")
        call(ft, "get_capital_distribution", ctx.get_capital_distribution, "HK.00700")
        call(ft, "get_owner_plate", ctx.get_owner_plate, ["HK.00700"])
        call(ft, "get_option_chain", ctx.get_option_chain, "US.AAPL")
        call(ft, "get_referencestock_list", ctx.get_referencestock_list, "HK.00700",
             ft.SecurityReferenceType.WARRANT)
        call(ft, "get_user_security", ctx.get_user_security, "Favorites")
        call(ft, "get_price_reminder", ctx.get_price_reminder, "HK.00700")
        call(ft, "get_history_kl_quota", ctx.get_history_kl_quota, get_detail=True)
        call(ft, "get_rehab", ctx.get_rehab, "HK.00700")
        call(ft, "unsubscribe", ctx.unsubscribe, ["US.AAPL"], [S.TICKER])
        call(ft, "unsubscribe_all", ctx.unsubscribe_all)
        call(ft, "query_subscription_after", ctx.query_subscription)
        pushes.report()
    finally:
        ctx.close()


def _trade_handlers(ft, ctx, pushes: Pushes) -> None:
    ctx.set_handler(handler(ft.TradeOrderHandlerBase, "TradeOrder", pushes))
    ctx.set_handler(handler(ft.TradeDealHandlerBase, "TradeDeal", pushes))


def run_trade(ft, args) -> None:
    pushes = Pushes()
    ctx = ft.OpenSecTradeContext(filter_trdmarket=ft.TrdMarket.HK, host=args.host,
                                 port=args.port, is_encrypt=args.encrypt)
    qctx = ft.OpenQuoteContext(host=args.host, port=args.port, is_encrypt=args.encrypt)
    try:
        _trade_handlers(ft, ctx, pushes)
        real = ft.TrdEnv.REAL
        call(ft, "get_acc_list", ctx.get_acc_list)
        call(ft, "place_order_locked", ctx.place_order, price=500.0, qty=100, code="HK.00700",
             trd_side=ft.TrdSide.BUY, trd_env=real)
        call(ft, "unlock_trade", ctx.unlock_trade, password=args.password)
        call(ft, "accinfo_query_before", ctx.accinfo_query, trd_env=real)
        call(ft, "position_list_query_before", ctx.position_list_query, trd_env=real)
        ret, snap = qctx.get_market_snapshot(["HK.00700"])
        last = float(snap["last_price"][0]) if ret == ft.RET_OK else 400.0
        emit("call", name="reference_price", ret=ret, data=last)
        low = round(last * 0.8, 1)
        ret, data = call(ft, "place_order_resting", ctx.place_order, price=low, qty=100,
                         code="HK.00700", trd_side=ft.TrdSide.BUY, trd_env=real)
        rest_id = data["order_id"][0] if ret == ft.RET_OK else ""
        call(ft, "order_list_query", ctx.order_list_query, trd_env=real)
        call(ft, "modify_order", ctx.modify_order, ft.ModifyOrderOp.NORMAL, rest_id, qty=200,
             price=round(last * 0.81, 1), trd_env=real)
        call(ft, "order_list_query_modified", ctx.order_list_query, order_id=rest_id,
             trd_env=real)
        call(ft, "cancel_order", ctx.modify_order, ft.ModifyOrderOp.CANCEL, rest_id, 0, 0,
             trd_env=real)
        call(ft, "order_list_query_cancelled", ctx.order_list_query, order_id=rest_id,
             trd_env=real)
        ret, data = call(ft, "place_order_marketable", ctx.place_order,
                         price=round(last * 1.05, 1), qty=100, code="HK.00700",
                         trd_side=ft.TrdSide.BUY, trd_env=real)
        fill_id = data["order_id"][0] if ret == ft.RET_OK else ""
        pushes.wait(("TradeDeal",), 1, args.deadline)
        call(ft, "order_list_query_filled", ctx.order_list_query, order_id=fill_id,
             trd_env=real)
        call(ft, "deal_list_query", ctx.deal_list_query, trd_env=real)
        call(ft, "accinfo_query_after", ctx.accinfo_query, trd_env=real)
        call(ft, "position_list_query", ctx.position_list_query, trd_env=real)
        call(ft, "order_fee_query", ctx.order_fee_query, order_id_list=[fill_id], trd_env=real)
        call(ft, "acctradinginfo_query", ctx.acctradinginfo_query, ft.OrderType.NORMAL,
             "HK.00700", last, trd_env=real)
        call(ft, "history_order_list_query", ctx.history_order_list_query, trd_env=real)
        call(ft, "history_deal_list_query", ctx.history_deal_list_query, trd_env=real)
        ret, deals = ctx.deal_list_query(trd_env=real)
        day = str(deals["create_time"].iloc[-1])[:10] if ret == ft.RET_OK and len(deals) \
            else _dt.date.today().isoformat()
        call(ft, "get_acc_cash_flow", ctx.get_acc_cash_flow, clearing_date=day, trd_env=real)
        # simulated account: two resting orders, then cancel-all
        sim = ft.TrdEnv.SIMULATE
        for n in (1, 2):
            call(ft, f"place_order_sim_{n}", ctx.place_order, price=round(last * 0.7, 1),
                 qty=100, code="HK.00700", trd_side=ft.TrdSide.BUY, trd_env=sim)
        call(ft, "cancel_all_order", ctx.cancel_all_order, trd_env=sim)
        call(ft, "order_list_query_sim", ctx.order_list_query, trd_env=sim)
        pushes.report()
    finally:
        ctx.close()
        qctx.close()


def run_us(ft, args) -> None:
    """A partial fill: 80 AAPL against a touch of 50 lots fills 50 and then 30."""
    pushes = Pushes()
    ctx = ft.OpenSecTradeContext(filter_trdmarket=ft.TrdMarket.US, host=args.host,
                                 port=args.port, is_encrypt=args.encrypt)
    try:
        _trade_handlers(ft, ctx, pushes)
        sim = ft.TrdEnv.SIMULATE
        call(ft, "get_acc_list_us", ctx.get_acc_list)
        ret, data = call(ft, "place_order_partial", ctx.place_order, price=100000.0, qty=80,
                         code="US.AAPL", trd_side=ft.TrdSide.BUY, trd_env=sim,
                         order_type=ft.OrderType.MARKET)
        pushes.wait(("TradeDeal",), 2, args.deadline)
        oid = data["order_id"][0] if ret == ft.RET_OK else ""
        call(ft, "order_list_query_partial", ctx.order_list_query, order_id=oid, trd_env=sim)
        call(ft, "deal_list_query_partial", ctx.deal_list_query, code="US.AAPL", trd_env=sim)
        pushes.report()
    finally:
        ctx.close()


def run_future(ft, args) -> None:
    pushes = Pushes()
    ctx = ft.OpenFutureTradeContext(host=args.host, port=args.port, is_encrypt=args.encrypt)
    try:
        _trade_handlers(ft, ctx, pushes)
        sim = ft.TrdEnv.SIMULATE
        call(ft, "get_acc_list_future", ctx.get_acc_list)
        call(ft, "accinfo_query_future", ctx.accinfo_query, trd_env=sim)
        call(ft, "place_order_future", ctx.place_order, price=99999.0, qty=1, code="HK.MHImain",
             trd_side=ft.TrdSide.BUY, trd_env=sim)
        pushes.wait(("TradeDeal",), 1, args.deadline)
        call(ft, "position_list_query_future", ctx.position_list_query, trd_env=sim)
        call(ft, "place_order_future_unknown", ctx.place_order, price=1.0, qty=1,
             code="HK.ZZZmain", trd_side=ft.TrdSide.BUY, trd_env=sim)
        pushes.report()
    finally:
        ctx.close()


def run_replay(ft, args) -> None:
    """Subscribe HK.00700 quote + ticker and report every push (for the replay test)."""
    seen: dict[str, list] = {"ticker": [], "quote": []}
    lock = threading.Lock()

    class Tick(ft.TickerHandlerBase):
        def on_recv_rsp(self, rsp_pb):
            ret, data = super().on_recv_rsp(rsp_pb)
            if ret == ft.RET_OK:
                with lock:
                    seen["ticker"] += [[r["sequence"], r["price"], r["volume"]]
                                       for r in records(data)]
            return ret, data

    class Quote(ft.StockQuoteHandlerBase):
        def on_recv_rsp(self, rsp_pb):
            ret, data = super().on_recv_rsp(rsp_pb)
            if ret == ft.RET_OK:
                with lock:
                    seen["quote"] += [[r["last_price"], r["volume"]] for r in records(data)]
            return ret, data

    ctx = ft.OpenQuoteContext(host=args.host, port=args.port, is_encrypt=args.encrypt)
    try:
        ctx.set_handler(Tick())
        ctx.set_handler(Quote())
        call(ft, "subscribe_replay", ctx.subscribe, ["HK.00700"],
             [ft.SubType.QUOTE, ft.SubType.TICKER])
        end = time.monotonic() + args.deadline
        while time.monotonic() < end:
            with lock:
                if len(seen["ticker"]) >= args.expect and len(seen["quote"]) >= args.expect:
                    break
            time.sleep(0.05)
        time.sleep(0.3)  # anything still in flight
        with lock:
            emit("replayed", **seen)
    finally:
        ctx.close()


PARTS = {"quote": run_quote, "trade": run_trade, "us": run_us, "future": run_future,
         "replay": run_replay}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rsa-key", default=None)
    p.add_argument("--parts", default="quote,trade,us,future")
    p.add_argument("--password", default="123456")
    p.add_argument("--deadline", type=float, default=15.0)
    p.add_argument("--expect", type=int, default=0, help="replay part: pushes of each kind")
    args = p.parse_args()
    args.encrypt = bool(args.rsa_key)
    try:
        import futu as ft
    except ImportError as exc:
        emit("error", where="import", msg=f"futu-api is not importable ({exc})")
        return 3
    ft.SysConfig.set_all_thread_daemon(True)
    if args.rsa_key:
        ft.SysConfig.set_init_rsa_file(args.rsa_key)
    emit("start", encrypt=args.encrypt, pid=os.getpid())
    return run_parts(ft, args, PARTS)


if __name__ == "__main__":
    rc = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)
