"""Trade session protos: Trd_GetAccList (2001), Trd_UnlockTrade (2005), Trd_SubAccPush (2008).
The accounts and the unlock are gateway-wide (one logged-in user); account pushes are per
connection. Orders and their pushes are the trading model's: trade_pulls.py."""

from __future__ import annotations

from .. import catalog
from ..cipher import password_md5
from ..pb import Trd_Common_pb2
from .dispatch import Reject, handles

_FIRMS_HERE = (Trd_Common_pb2.SecurityFirm_Unknown, Trd_Common_pb2.SecurityFirm_FutuSecurities)


@handles(catalog.TRD_GET_ACC_LIST)
def get_acc_list(gw, c, c2s, resp):
    # 0 stands for the logged-in user: JavaScript apps have no loginUserID (InitWebSocket
    # returns none) and send 0; whether real OpenD reads it so is not verified.
    if c2s.userID not in (0, gw.login_user_id):
        raise Reject(f"userID {c2s.userID} is not the logged-in user "
                     f"{gw.login_user_id} (use loginUserID from InitConnect, or "
                     "GetUserInfo's userID)")
    category = c2s.trdCategory if c2s.HasField("trdCategory") else 0
    for acc in gw.book.accounts_for(category):
        acc.fill(resp.s2c.accList.add())


@handles(catalog.TRD_UNLOCK_TRADE)
def unlock_trade(gw, c, c2s, resp):
    if c2s.HasField("securityFirm") and c2s.securityFirm not in _FIRMS_HERE:
        raise Reject(f"no account of securityFirm {c2s.securityFirm} on this gateway "
                     "(the demo accounts are FutuSecurities, 1)")
    if not c2s.unlock:
        gw.book.unlocked = False
        return
    if c2s.pwdMD5.lower() != password_md5(gw.trade_password):
        raise Reject("wrong trade password")
    gw.book.unlocked = True
    return


@handles(catalog.TRD_SUB_ACC_PUSH)
def sub_acc_push(gw, c, c2s, resp):
    unknown = [a for a in c2s.accIDList if a not in gw.book.accounts]
    if unknown:
        raise Reject(f"unknown accID {', '.join(map(str, unknown))}")
    c.acc_push = set(c2s.accIDList)
