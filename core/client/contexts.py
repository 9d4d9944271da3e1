"""Quote and trade contexts: thin layers over a Connection, named like the official SDK.

Each context records what the user did (subscriptions, unlock, account push subscriptions)
and replays it from a ready hook after every reconnect. The trade password is reduced to its
MD5 at once and kept only in memory, for that replay; it is never written anywhere.
"""

from __future__ import annotations

from typing import Any

from .. import catalog, codes
from ..channel import message_to_dict
from ..cipher import password_md5
from ..errors import ConfigError, NotConnected, OpenDeckError
from .connection import ClientInfo, Connection, next_serial

SUB_BATCH = 100  # codes per Qot_Sub, as the SDK batches them


def _pb(proto_id: int):
    return catalog.module(proto_id)


class BaseContext:
    kind = "base"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        conn.add_ready_hook(self._on_ready)

    async def _on_ready(self, reconnected: bool) -> None:
        pass

    @property
    def login_user_id(self) -> int:
        if self.conn.handshake is None:
            raise NotConnected(f"{self.conn.label} has not completed InitConnect")
        return self.conn.handshake.login_user_id

    async def open(self, timeout: float | None = None):
        await self.conn.open(timeout)
        return self

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self):
        return await self.open()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def get_global_state(self) -> dict[str, Any]:
        s2c = await self.conn.request(catalog.GET_GLOBAL_STATE,
                                      _pb(catalog.GET_GLOBAL_STATE).C2S(userID=self.login_user_id))
        return message_to_dict(s2c)


class QuoteContext(BaseContext):
    """``OpenQuoteContext``: subscriptions, push registration, sub info, global state."""

    kind = "quote"

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        #: what the user subscribed, replayed after a reconnect: code -> set of sub types
        self.subscriptions: dict[str, set[int]] = {}
        #: how each (code, sub type) was subscribed: (push registered, extended time)
        self._flags: dict[tuple[str, int], tuple[bool, bool]] = {}
        self.restored = 0  # how many times subscriptions were replayed

    async def subscribe(self, code_list: list[str] | str, subtypes: list[str] | list[int] | str, *,
                        reg_push: bool = True, first_push: bool = True,
                        extended_time: bool = False) -> None:
        secs = codes.parse_codes(code_list)
        types = _subtypes(subtypes)
        await self._send_sub(secs, types, True, reg_push, first_push, extended_time)
        for m, c in secs:
            key = codes.format_code(m, c)
            self.subscriptions.setdefault(key, set()).update(types)
            for t in types:
                self._flags[(key, t)] = (reg_push, extended_time)

    async def unsubscribe(self, code_list: list[str] | str, subtypes: list[str] | list[int] | str) -> None:
        secs = codes.parse_codes(code_list)
        types = _subtypes(subtypes)
        await self._send_sub(secs, types, False, True, False, False)
        for m, c in secs:
            key = codes.format_code(m, c)
            for t in types:
                self._flags.pop((key, t), None)
            left = self.subscriptions.get(key, set()) - set(types)
            if left:
                self.subscriptions[key] = left
            else:
                self.subscriptions.pop(key, None)

    async def unsubscribe_all(self) -> None:
        c2s = _pb(catalog.QOT_SUB).C2S(isSubOrUnSub=False, isUnsubAll=True)
        await self.conn.request(catalog.QOT_SUB, c2s)
        self.subscriptions.clear()
        self._flags.clear()

    async def _send_sub(self, secs, types, sub: bool, reg_push: bool, first_push: bool,
                        extended_time: bool) -> None:
        mod = _pb(catalog.QOT_SUB)
        for i in range(0, len(secs), SUB_BATCH):
            c2s = mod.C2S(isSubOrUnSub=sub, isRegOrUnRegPush=reg_push, isFirstPush=first_push,
                          extendedTime=extended_time, subTypeList=types)
            for m, c in secs[i:i + SUB_BATCH]:
                c2s.securityList.add(market=m, code=c)
            await self.conn.request(catalog.QOT_SUB, c2s)

    async def reg_push(self, code_list: list[str] | str, subtypes, register: bool = True) -> None:
        secs = codes.parse_codes(code_list)
        types = _subtypes(subtypes)
        c2s = _pb(catalog.QOT_REG_QOT_PUSH).C2S(isRegOrUnReg=register, subTypeList=types)
        for m, c in secs:
            c2s.securityList.add(market=m, code=c)
        await self.conn.request(catalog.QOT_REG_QOT_PUSH, c2s)
        for m, c in secs:
            key = codes.format_code(m, c)
            for t in types:
                if (key, t) in self._flags:
                    self._flags[(key, t)] = (register, self._flags[(key, t)][1])

    async def get_sub_info(self, all_connections: bool = False) -> dict[str, Any]:
        s2c = await self.conn.request(catalog.QOT_GET_SUB_INFO,
                                      _pb(catalog.QOT_GET_SUB_INFO).C2S(isReqAllConn=all_connections))
        return message_to_dict(s2c)

    async def get_basic_qot(self, code_list: list[str] | str) -> list[dict[str, Any]]:
        c2s = _pb(catalog.QOT_GET_BASIC_QOT).C2S()
        for m, c in codes.parse_codes(code_list):
            c2s.securityList.add(market=m, code=c)
        s2c = await self.conn.request(catalog.QOT_GET_BASIC_QOT, c2s)
        return [message_to_dict(q) for q in s2c.basicQotList]

    async def _on_ready(self, reconnected: bool) -> None:
        if not (reconnected and self.subscriptions):
            return
        # replay as subscribed: group codes by identical (sub types, flags), then in batches
        groups: dict[tuple[frozenset[int], bool, bool], list[str]] = {}
        for code, types in self.subscriptions.items():
            by_flags: dict[tuple[bool, bool], set[int]] = {}
            for t in types:
                by_flags.setdefault(self._flags.get((code, t), (True, False)), set()).add(t)
            for (reg, ext), ts in by_flags.items():
                groups.setdefault((frozenset(ts), reg, ext), []).append(code)
        for (types, reg, ext), code_list in groups.items():
            await self._send_sub(codes.parse_codes(code_list), sorted(types), True, reg, reg, ext)
        self.restored += 1


def _subtypes(subtypes) -> list[int]:
    if isinstance(subtypes, str):
        return codes.parse_subtypes(subtypes)
    out = [s if isinstance(s, int) else codes.parse_subtypes([s])[0] for s in subtypes]
    if not out:
        raise ConfigError("give at least one sub type (e.g. basic,ticker,orderbook)")
    return out


class TradeContext(BaseContext):
    """``OpenSecTradeContext`` / ``OpenFutureTradeContext``.

    ``kind`` is ``securities`` or ``futures``; ``market`` filters accounts by their trade
    market authority (e.g. ``HK``), ``security_firm`` by firm (e.g. ``FutuSecurities``).
    """

    def __init__(self, conn: Connection, kind: str = "securities", market: str | None = None,
                 security_firm: str | None = None) -> None:
        if kind not in ("securities", "futures"):
            raise ConfigError(f"trade context kind {kind!r} must be 'securities' or 'futures'")
        if market and market.upper() not in codes.TRD_MARKETS:
            raise ConfigError(f"unknown trade market {market!r}; use one of {', '.join(codes.TRD_MARKETS)}")
        if security_firm and security_firm not in codes.SECURITY_FIRMS:
            raise ConfigError(f"unknown security firm {security_firm!r}; use one of "
                              f"{', '.join(codes.SECURITY_FIRMS)}")
        super().__init__(conn)
        self.kind = kind
        self.market = market.upper() if market else None
        self.security_firm = security_firm or None
        self.accounts: list[dict[str, Any]] = []
        self.unlocked = False
        self.push_acc_ids: list[int] = []
        self.restored = 0
        self._pwd_md5: str | None = None  # memory only, for replay after a reconnect

    @property
    def context_key(self) -> str:
        return "trade-sec" if self.kind == "securities" else "trade-future"

    async def get_acc_list(self) -> list[dict[str, Any]]:
        c2s = _pb(catalog.TRD_GET_ACC_LIST).C2S(
            userID=self.login_user_id, trdCategory=1 if self.kind == "securities" else 2,
            needGeneralSecAccount=True)
        s2c = await self.conn.request(catalog.TRD_GET_ACC_LIST, c2s)
        accs = []
        want_market = codes.TRD_MARKETS.get(self.market) if self.market else None
        want_firm = codes.SECURITY_FIRMS.get(self.security_firm) if self.security_firm else None
        for acc in s2c.accList:
            if want_market is not None and want_market not in acc.trdMarketAuthList:
                continue
            # simulated accounts carry no firm; keep them whatever the filter says
            if want_firm is not None and acc.trdEnv == 1 and acc.securityFirm not in (0, want_firm):
                continue
            d = message_to_dict(acc)
            d["accID"] = acc.accID  # keep the uint64 as an int, not the JSON string
            accs.append(d)
        self.accounts = accs
        return accs

    async def unlock(self, password: str) -> None:
        if not password:
            raise ConfigError("the trade password is empty; type the password you unlock "
                              "trading with in the Futu / moomoo app")
        if self.conn.plaintext_remote:
            self.conn.warn(f"unlocking over an unencrypted connection to {self.conn.host}: the "
                           "password's MD5 crosses the network in the clear; use OpenD's RSA key "
                           "(TCP) or wss:// for a remote gateway")
        md5 = password_md5(password)
        await self._send_unlock(True, md5)
        self._pwd_md5 = md5
        self.unlocked = True

    async def lock(self) -> None:
        await self._send_unlock(False, None)
        self._pwd_md5 = None
        self.unlocked = False

    async def _send_unlock(self, unlock: bool, md5: str | None) -> None:
        c2s = _pb(catalog.TRD_UNLOCK_TRADE).C2S(unlock=unlock)
        if md5:
            c2s.pwdMD5 = md5
        if self.security_firm:
            c2s.securityFirm = codes.SECURITY_FIRMS[self.security_firm]
        await self.conn.request(catalog.TRD_UNLOCK_TRADE, c2s)

    async def sub_acc_push(self, acc_ids: list[int] | None = None) -> list[int]:
        if acc_ids is None:
            if not self.accounts:
                await self.get_acc_list()
            acc_ids = [a["accID"] for a in self.accounts]
        await self.conn.request(catalog.TRD_SUB_ACC_PUSH,
                                _pb(catalog.TRD_SUB_ACC_PUSH).C2S(accIDList=acc_ids))
        self.push_acc_ids = list(acc_ids)
        return self.push_acc_ids

    def account(self, acc_id: int) -> dict[str, Any]:
        for a in self.accounts:
            if a["accID"] == acc_id:
                return a
        raise ConfigError(f"account {acc_id} is not in this context's account list; "
                          "call get_acc_list() and pick one of its accID values")

    async def place_order(self, acc_id: int, code: str, side: str, qty: float,
                          price: float | None = None, order_type: str = "NORMAL",
                          remark: str = "") -> dict[str, Any]:
        acc = self.account(acc_id)
        side_no = codes.TRD_SIDES.get(side.upper())
        if side_no is None:
            raise ConfigError(f"order side {side!r} must be one of {', '.join(codes.TRD_SIDES)}")
        type_no = codes.ORDER_TYPES.get(order_type.upper())
        if type_no is None:
            raise ConfigError(f"order type {order_type!r} must be one of {', '.join(codes.ORDER_TYPES)}")
        if qty <= 0:
            raise ConfigError(f"order quantity must be positive, got {qty}")
        market, sym = codes.parse_code(code)
        hs = self.conn.handshake
        if hs is None:
            raise NotConnected(f"{self.conn.label} is not ready")
        auth = acc.get("trdMarketAuthList") or [1]
        serial = next_serial()
        mod = _pb(catalog.TRD_PLACE_ORDER)
        c2s = mod.C2S(trdSide=side_no, orderType=type_no, code=sym, qty=qty,
                      secMarket=codes.TRD_SEC_MARKETS.get(codes.QOT_MARKET_NAMES.get(market, ""), 0))
        c2s.packetID.connID = hs.conn_id
        c2s.packetID.serialNo = serial
        c2s.header.trdEnv = 1 if acc.get("trdEnv") in (1, "1") else 0
        c2s.header.accID = acc_id
        c2s.header.trdMarket = int(auth[0])
        if price is not None:
            c2s.price = price
        if remark:
            c2s.remark = remark
        s2c = await self.conn.request(catalog.TRD_PLACE_ORDER, c2s, serial=serial)
        return {"order_id": s2c.orderID, "order_id_ex": s2c.orderIDEx}

    async def _on_ready(self, reconnected: bool) -> None:
        """Unlock, account list, account push subscription: each step on its own, so a
        refused unlock (password changed meanwhile) still brings the pushes back."""
        if not reconnected:
            return
        first: OpenDeckError | None = None
        if self._pwd_md5:
            try:
                await self._send_unlock(True, self._pwd_md5)
            except OpenDeckError as exc:
                self._pwd_md5 = None
                self.unlocked = False
                first = exc
        if self.accounts or self.push_acc_ids:
            try:
                await self.get_acc_list()
            except OpenDeckError as exc:
                first = first or exc
        if self.push_acc_ids:
            try:
                await self.sub_acc_push(self.push_acc_ids)
            except OpenDeckError as exc:
                first = first or exc
        self.restored += 1
        if first is not None:
            raise first


def _conn(host: str, port: int, **kwargs) -> Connection:
    rsa = kwargs.pop("rsa", None)
    client = kwargs.pop("client", None) or ClientInfo()
    return Connection(host, port, rsa=rsa, client=client, **kwargs)


def OpenQuoteContext(host: str = "127.0.0.1", port: int = 11111, **kwargs) -> QuoteContext:
    """A quote context (not yet connected: ``await ctx.open()`` or ``async with``)."""
    return QuoteContext(_conn(host, port, **kwargs))


def OpenSecTradeContext(host: str = "127.0.0.1", port: int = 11111, *, market: str | None = None,
                        security_firm: str | None = "FutuSecurities", **kwargs) -> TradeContext:
    return TradeContext(_conn(host, port, **kwargs), "securities", market, security_firm)


def OpenFutureTradeContext(host: str = "127.0.0.1", port: int = 11111, *,
                           security_firm: str | None = "FutuSecurities", **kwargs) -> TradeContext:
    return TradeContext(_conn(host, port, **kwargs), "futures", None, security_firm)


__all__ = ["QuoteContext", "TradeContext", "OpenQuoteContext", "OpenSecTradeContext",
           "OpenFutureTradeContext", "OpenDeckError"]
