"""futu-api driver for the peer tests: runs the official SDK against a gateway, prints JSON lines.

    python drive_futu.py --port PORT [--host H] [--rsa-key PEM] [--parts quote,trade,future]
                         [--password PWD] [--deadline SEC]

Run in a subprocess only (tests/peer/conftest.py does): importing futu replaces the SIGINT
handler, starts threads and writes logs under $HOME. Every line on stdout is one JSON object
with a "kind"; the last one is {"kind": "done"}. Failures are reported as {"kind": "error"}
lines, never as a traceback only, so the test can say what went wrong.

Only the SDK's public API is used (contexts, handler base classes, SysConfig).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import traceback

_out_lock = threading.Lock()


def emit(kind: str, **data) -> None:
    line = json.dumps({"kind": kind, **data}, default=_jsonable, sort_keys=True)
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _jsonable(value):
    for attr in ("item", "tolist"):  # numpy scalars / arrays
        fn = getattr(value, attr, None)
        if callable(fn):
            return fn()
    return str(value)


def records(frame) -> list[dict]:
    """A pandas DataFrame as plain dicts (what the handlers hand us)."""
    try:
        return json.loads(frame.to_json(orient="records"))
    except Exception:
        return [{"repr": repr(frame)}]


class Counter:
    """Counts pushes per kind and wakes the main thread when every goal is reached."""

    def __init__(self, goals: dict[str, int]) -> None:
        self.goals = dict(goals)
        self.counts = {k: 0 for k in goals}
        self.cond = threading.Condition()

    def hit(self, kind: str) -> int:
        with self.cond:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.cond.notify_all()
            return self.counts[kind]

    def wait(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        with self.cond:
            while not all(self.counts.get(k, 0) >= n for k, n in self.goals.items()):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True


def run_quote(ft, args) -> None:
    counter = Counter({"quote": 2, "ticker": 2, "order_book": 2})
    max_lines = 3

    def recording(base, what, fields):
        """A futu handler class that reports the first pushes of one kind as JSON lines."""
        class Handler(base):
            def on_recv_rsp(self, rsp_pb):
                ret, data = super().on_recv_rsp(rsp_pb)
                if ret != ft.RET_OK:
                    emit("push_error", what=what, msg=str(data))
                elif counter.hit(what) <= max_lines:
                    emit(what, **fields(data))
                return ret, data
        return Handler

    Quote = recording(ft.StockQuoteHandlerBase, "quote", lambda d: {"rows": records(d)})
    Ticker = recording(ft.TickerHandlerBase, "ticker", lambda d: {"rows": records(d)})
    Book = recording(ft.OrderBookHandlerBase, "order_book", lambda d: {
        "code": d["code"], "name": d.get("name"),
        "bid": [list(x[:3]) for x in d["Bid"]], "ask": [list(x[:3]) for x in d["Ask"]]})

    class Notify(ft.SysNotifyHandlerBase):
        def on_recv_rsp(self, rsp_pb):
            ret, data = super().on_recv_rsp(rsp_pb)
            emit("notify", ret=ret, data=data)
            return ret, data

    ctx = ft.OpenQuoteContext(host=args.host, port=args.port, is_encrypt=args.encrypt)
    try:
        for h in (Quote(), Ticker(), Book(), Notify()):
            ctx.set_handler(h)
        codes = ["HK.00700", "US.AAPL"]
        ret, msg = ctx.subscribe(codes, [ft.SubType.QUOTE, ft.SubType.TICKER,
                                         ft.SubType.ORDER_BOOK])
        emit("subscribe", ret=ret, msg=msg)
        if ret == ft.RET_OK:
            ret, data = ctx.query_subscription()
            emit("query_subscription", ret=ret, data=data if ret == ft.RET_OK else str(data))
            ret, data = ctx.get_stock_quote(codes)
            emit("stock_quote", ret=ret,
                 rows=records(data) if ret == ft.RET_OK else None,
                 msg=None if ret == ft.RET_OK else str(data))
            ret, data = ctx.get_global_state()
            emit("global_state", ret=ret, data=data if ret == ft.RET_OK else str(data))
        ok = counter.wait(args.deadline)
        emit("quote_pushes", complete=ok, counts=counter.counts)
    finally:
        ctx.close()


def run_trade(ft, args) -> None:
    orders: dict[str, list[str]] = {}
    counter = Counter({"order_filled": 2})

    class Orders(ft.TradeOrderHandlerBase):
        def on_recv_rsp(self, rsp_pb):
            ret, data = super().on_recv_rsp(rsp_pb)
            if ret != ft.RET_OK:
                emit("push_error", what="order", msg=str(data))
                return ret, data
            row = records(data)[0]
            emit("order_push", order_id=row["order_id"], status=row["order_status"],
                 trd_env=row["trd_env"], code=row["code"], qty=row["qty"],
                 dealt_qty=row["dealt_qty"], price=row["price"])
            orders.setdefault(row["order_id"], []).append(row["order_status"])
            if row["order_status"] == ft.OrderStatus.FILLED_ALL:
                counter.hit("order_filled")
            return ret, data

    class Deals(ft.TradeDealHandlerBase):
        def on_recv_rsp(self, rsp_pb):
            ret, data = super().on_recv_rsp(rsp_pb)
            if ret != ft.RET_OK:
                emit("push_error", what="deal", msg=str(data))
                return ret, data
            row = records(data)[0]
            emit("deal_push", order_id=row["order_id"], deal_id=row["deal_id"],
                 qty=row["qty"], price=row["price"], code=row["code"])
            return ret, data

    ctx = ft.OpenSecTradeContext(filter_trdmarket=ft.TrdMarket.HK, host=args.host,
                                 port=args.port, is_encrypt=args.encrypt)
    try:
        ctx.set_handler(Orders())
        ctx.set_handler(Deals())
        ret, data = ctx.get_acc_list()
        emit("sec_acc_list", ret=ret, rows=records(data) if ret == ft.RET_OK else None,
             msg=None if ret == ft.RET_OK else str(data))

        ret, data = ctx.place_order(price=380.0, qty=100, code="HK.00700",
                                    trd_side=ft.TrdSide.BUY, trd_env=ft.TrdEnv.REAL)
        emit("place_real_locked", ret=ret, msg=str(data) if ret != ft.RET_OK else None)

        ret, data = ctx.unlock_trade(password="not-the-password")
        emit("unlock_wrong", ret=ret, msg=str(data))
        ret, data = ctx.unlock_trade(password=args.password)
        emit("unlock", ret=ret, msg=None if data is None else str(data))

        # market orders: they fill at the touch (the demo rests limit orders off the market)
        for env in (ft.TrdEnv.SIMULATE, ft.TrdEnv.REAL):
            ret, data = ctx.place_order(price=0.0, qty=100, code="HK.00700",
                                        trd_side=ft.TrdSide.BUY, trd_env=env,
                                        order_type=ft.OrderType.MARKET,
                                        remark="opendeck peer test")
            if ret == ft.RET_OK:
                row = records(data)[0]
                emit("place_order", ret=ret, env=env, order_id=row["order_id"])
            else:
                emit("place_order", ret=ret, env=env, msg=str(data))
        ok = counter.wait(args.deadline)
        emit("order_pushes", complete=ok, orders=orders)
    finally:
        ctx.close()


def run_future(ft, args) -> None:
    ctx = ft.OpenFutureTradeContext(host=args.host, port=args.port, is_encrypt=args.encrypt)
    try:
        ret, data = ctx.get_acc_list()
        emit("future_acc_list", ret=ret, rows=records(data) if ret == ft.RET_OK else None,
             msg=None if ret == ft.RET_OK else str(data))
    finally:
        ctx.close()


def run_hold(ft, args) -> None:
    """Open a quote context and keep it until stdin closes (the test decides when)."""
    ctx = ft.OpenQuoteContext(host=args.host, port=args.port, is_encrypt=args.encrypt)
    try:
        emit("holding")
        sys.stdin.readline()
    finally:
        ctx.close()


PARTS = {"quote": run_quote, "trade": run_trade, "future": run_future, "hold": run_hold}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rsa-key", default=None)
    p.add_argument("--parts", default="quote,trade,future")
    p.add_argument("--password", default="123456")
    p.add_argument("--deadline", type=float, default=15.0,
                   help="seconds to wait for pushes in each part")
    args = p.parse_args()
    args.encrypt = bool(args.rsa_key)

    try:
        import futu as ft
    except ImportError as exc:
        emit("error", where="import", msg=f"futu-api is not importable ({exc}); "
             "pip install -e .[peer]")
        return 3
    ft.SysConfig.set_all_thread_daemon(True)
    if args.rsa_key:
        ft.SysConfig.set_init_rsa_file(args.rsa_key)
    emit("start", futu=getattr(ft, "__version__", "?"), encrypt=args.encrypt,
         pid=os.getpid())
    return run_parts(ft, args, PARTS)


def run_parts(ft, args, parts: dict) -> int:
    """Each part of ``args.parts`` in turn; a part that raises is reported and the rest run."""
    code = 0
    for name in args.parts.split(","):
        emit("part", name=name)
        try:
            parts[name](ft, args)
        except Exception as exc:
            code = 1
            emit("error", where=name, msg=f"{type(exc).__name__}: {exc}",
                 tb=traceback.format_exc())
    emit("done", code=code)
    return code


if __name__ == "__main__":
    rc = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # futu keeps threads around after ctx.close(); they are daemons (set_all_thread_daemon),
    # but leave without waiting on any of them.
    os._exit(rc)
