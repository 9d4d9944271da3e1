"""System protos: InitConnect (1001), KeepAlive (1004), GetGlobalState (1002),
GetUserInfo (1005)."""

from __future__ import annotations

import logging
import secrets
import string
import time

from .. import catalog
from ..cipher import aes_for
from ..pb import Common_pb2, Qot_Common_pb2
from ..wire import FMT_JSON, FMT_PROTOBUF
from . import market as mk
from .clientstate import new_conn_id
from .dispatch import handles

log = logging.getLogger("opendeck.gateway")

SERVER_BUILD_NO = 7108
_KEY_ALPHABET = string.ascii_letters + string.digits
_NN = Common_pb2.UserAttribution_NN
_LEVEL1 = Qot_Common_pb2.QotRight_Level1
_LEVEL2 = Qot_Common_pb2.QotRight_Level2


def random_key(n: int = 16) -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(n))


@handles(catalog.INIT_CONNECT)
def init_connect(gw, c, c2s, resp):
    c.conn_id = new_conn_id()
    c.client_id = c2s.clientID
    c.client_ver = c2s.clientVer
    c.recv_notify = c2s.recvNotify
    push_fmt = c2s.pushProtoFmt if c2s.HasField("pushProtoFmt") else FMT_PROTOBUF
    c.push_fmt = push_fmt if push_fmt in (FMT_PROTOBUF, FMT_JSON) else FMT_PROTOBUF
    key = random_key()
    iv = random_key() if gw.rsa is not None and gw.aes == "cbc" else None
    s2c = resp.s2c
    s2c.serverVer = gw.server_ver
    s2c.loginUserID = gw.login_user_id
    s2c.connID = c.conn_id
    s2c.connAESKey = key
    s2c.keepAliveInterval = gw.keepalive_interval
    if iv is not None:
        s2c.aesCBCiv = iv
    s2c.userAttribution = _NN

    def after() -> None:
        if gw.rsa is not None:
            c.channel.aes = aes_for(key, iv)
        # The ConnStatus notify goes out on the next market-task round, not glued to this
        # reply: a client that decodes a whole read with one cipher state would otherwise
        # see it before it has switched to AES.
        gw.mark_ready(c)
    return after


@handles(catalog.KEEP_ALIVE)
def keep_alive(gw, c, c2s, resp):
    gw.counters.keepalives += 1
    resp.s2c.time = int(time.time())


@handles(catalog.GET_GLOBAL_STATE)
def global_state(gw, c, c2s, resp):
    now = gw.market.now()  # the demo clock (--start-time), like every market view
    s = resp.s2c
    s.marketHK = mk.market_state(mk.HK, now)
    s.marketUS = mk.market_state(mk.US, now)
    s.marketSH = mk.market_state(mk.CNSH, now)
    s.marketSZ = mk.market_state(mk.CNSZ, now)
    s.marketHKFuture = mk.market_state(mk.HK_FUTURE, now)
    s.marketUSFuture = mk.market_state(mk.US, now)
    s.qotLogined = True
    s.trdLogined = True
    s.serverVer = gw.server_ver
    s.serverBuildNo = SERVER_BUILD_NO
    s.time = int(now)
    s.localTime = now
    s.programStatus.type = Common_pb2.ProgramStatusType_Ready
    s.qotSvrIpAddr = "127.0.0.1"
    s.trdSvrIpAddr = "127.0.0.1"
    s.connID = c.conn_id


@handles(catalog.GET_USER_INFO)
def user_info(gw, c, c2s, resp):
    s = resp.s2c
    s.nickName = "OpenDeck Demo"
    s.avatarUrl = ""
    s.apiLevel = "LV3"
    s.hkQotRight = _LEVEL2
    s.usQotRight = _LEVEL2
    s.cnQotRight = _LEVEL1
    s.isNeedAgreeDisclaimer = False
    s.userID = gw.login_user_id
    s.updateType = 0
    s.webKey = ""
    s.hkOptionQotRight = _LEVEL1
    s.hasUSOptionQotRight = True
    s.hkFutureQotRight = _LEVEL1
    s.subQuota = gw.quota
    s.historyKLQuota = 300
    s.usFutureQotRight = _LEVEL1
    s.usOptionQotRight = _LEVEL1
    s.userAttribution = _NN
    s.isAppNNOrMM = True
