"""The demo gateway's request dispatch: a registry of handlers keyed by proto id.

How to add a handler (a new proto the demo gateway answers):

1. In a ``handlers_*.py`` module of this package, write ``def h(gw, c, c2s, resp)`` and put
   ``@handles(proto_id)`` on it. ``gw`` is the DemoGateway, ``c`` the ClientState of the
   asking connection, ``c2s`` the decoded request's c2s, ``resp`` the Response to fill (its
   retType is already 0). The proto needs Request/Response types in core/pb and the catalog.
2. ``raise Reject("what is wrong and what to do")`` answers retType -1 with that text.
3. Return None, or a callable run right after the reply is queued (pushes that must follow
   the reply, e.g. an order update after PlaceOrder).
4. Add the module to the import line at the end of this file, the one list of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import catalog
from ..channel import Packet, decode_message, encode_message
from ..errors import DecodeError
from ..pb import InitConnect_pb2
from ..wire import FMT_JSON, FMT_PROTOBUF, encode_frame
from . import pushes

if TYPE_CHECKING:
    from .clientstate import ClientState
    from .server import DemoGateway

log = logging.getLogger("opendeck.gateway")

Handler = Callable[["DemoGateway", "ClientState", Any, Any], "Callable[[], None] | None"]

#: proto id -> handler; filled by the ``@handles`` decorators of the handler modules
handlers: dict[int, Handler] = {}

# Any Response works for a bare {retType, retMsg}: fields 1 and 2 are the same in every file.
GenericResponse = InitConnect_pb2.Response


class Reject(Exception):
    """Raised by a handler: the request is answered with retType -1 and this message."""


def handles(proto_id: int) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``proto_id`` (once per id)."""
    def register(fn: Handler) -> Handler:
        old = handlers.get(proto_id)
        if old is not None and old is not fn:
            raise RuntimeError(f"proto {proto_id} already has a handler: {old.__module__}."
                               f"{old.__qualname__}")
        handlers[proto_id] = fn
        return fn
    return register


def error_frame(gw: DemoGateway, c: ClientState, pkt: Packet, fmt: int, msg: str) -> bytes:
    resp = GenericResponse(retType=-1, retMsg=msg)
    return pushes.frame(gw, c, pkt.proto_id, pkt.serial, encode_message(resp, fmt), fmt)


def dispatch(gw: DemoGateway, c: ClientState, pkt: Packet, out: list[bytes]) -> None:
    """Answer one packet: append the reply (and any pushes that follow it) to ``out``."""
    pid = pkt.proto_id
    fmt = pkt.fmt if pkt.fmt in (FMT_PROTOBUF, FMT_JSON) else FMT_PROTOBUF
    gw.counters.packets_in += 1
    name = catalog.name_of(pid)
    if pkt.error is not None:
        gw.counters.bad_packets += 1
        if pid == catalog.INIT_CONNECT and not c.ready:
            _bad_init_connect(gw, c, pkt, fmt, out)
        else:
            out.append(error_frame(gw, c, pkt, fmt, str(pkt.error)))
        return
    if pid == catalog.INIT_CONNECT and c.ready:
        out.append(error_frame(gw, c, pkt, fmt, "InitConnect was already done on this "
                               "connection; open a new connection to start over"))
        return
    if pid != catalog.INIT_CONNECT and not c.ready:
        out.append(error_frame(gw, c, pkt, fmt, f"{name} before InitConnect: send "
                               "InitConnect (1001) first"))
        return
    c.notify_at = 0.0  # the client spoke after its handshake: it knows its connID
    if pid == catalog.KEEP_ALIVE and not gw.answer_keepalive:
        gw.counters.keepalives_ignored += 1
        return
    handler = handlers.get(pid)
    req_cls = catalog.request_type(pid) if handler is not None else None
    if handler is None or req_cls is None:
        out.append(error_frame(gw, c, pkt, fmt, f"unsupported by the demo gateway: {name}"))
        return
    problem = gw.limits.check_size(len(pkt.body))
    if problem is not None:
        gw.counters.requests_too_large += 1
        out.append(error_frame(gw, c, pkt, fmt, f"{name}: {problem}"))
        return
    try:
        req = decode_message(req_cls, pkt.body, fmt, pid)
    except DecodeError as exc:
        out.append(error_frame(gw, c, pkt, fmt, str(exc)))
        return
    if not req.IsInitialized():
        missing = ", ".join(req.FindInitializationErrors())
        out.append(error_frame(gw, c, pkt, fmt, f"{name} request is missing required "
                               f"fields: {missing}"))
        return
    problem = gw.limits.check_lists(req)
    if problem is not None:
        gw.counters.requests_too_large += 1
        out.append(error_frame(gw, c, pkt, fmt, f"{name}: {problem}"))
        return
    resp = catalog.response_type(pid)()
    resp.retType = 0
    try:
        post = handler(gw, c, req.c2s, resp)
    except Reject as exc:
        out.append(error_frame(gw, c, pkt, fmt, str(exc)))
        return
    except Exception as exc:
        log.exception("demo gateway: %s handler failed", name)
        out.append(error_frame(gw, c, pkt, fmt, f"demo gateway error in {name}: "
                               f"{type(exc).__name__}: {exc}"))
        return
    out.append(pushes.frame(gw, c, pid, pkt.serial, encode_message(resp, fmt), fmt))
    if post is not None:
        try:
            post()
        except Exception:
            log.exception("demo gateway: %s follow-up failed", name)


def _bad_init_connect(gw: DemoGateway, c: ClientState, pkt: Packet, fmt: int,
                      out: list[bytes]) -> None:
    """An InitConnect that did not decrypt or check: answer in plaintext, then close."""
    plain_ok = False
    try:
        req = decode_message(InitConnect_pb2.Request, pkt.body, fmt, catalog.INIT_CONNECT)
        plain_ok = req.IsInitialized()
    except DecodeError:
        pass
    if gw.rsa is not None and plain_ok:
        msg = ("this gateway requires encryption: the InitConnect arrived in plaintext. "
               "Configure the client with the gateway's RSA private key (futu-api: "
               "SysConfig.set_init_rsa_file(path) and is_encrypt=True)")
    elif gw.rsa is not None:
        msg = (f"InitConnect could not be decrypted ({pkt.error}): the client's RSA key "
               "does not match the gateway's")
    else:
        msg = (f"InitConnect could not be read ({pkt.error}): if the client encrypts, "
               "start the gateway with the same RSA key (--rsa-key)")
    resp = GenericResponse(retType=-1, retMsg=msg)
    plain = encode_message(resp, fmt)
    out.append(pushes.count_out(gw, c, encode_frame(pkt.proto_id, pkt.serial, plain, fmt=fmt)))
    c.close_after = True
    gw.counters.handshakes_failed += 1
    log.info("connection %s: %s", c.peer, msg)


# The handler modules, the one list of them: importing a module registers its handlers.
from . import (  # noqa: F401
    handlers_quote,
    handlers_system,
    handlers_trade,
    quote_pulls,
    quote_static,
    trade_pulls,
)
