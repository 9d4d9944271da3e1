"""A push source for benchmarks: a separate process that plays a minimal OpenD and, once a
client subscribes, sends Qot_UpdateBasicQot frames as fast as the socket takes them.

    python bench/push_source.py --n 1000000 [--mode plain|cbc|ecb] [--rsa-key PEM] [--port 0]

It prints ``listening HOST PORT`` on stdout when it accepts connections, and
``sent N pushes in S s`` after each blast. Every connection is served on its own thread:
InitConnect (RSA when a key is given; then AES-CBC or FTAES_ECB after it), KeepAlive, and an
empty success for every other request. The first Qot_Sub starts the blast: a pool of distinct
frames (prices differ, each body is encrypted once) is joined into one buffer that is written
again and again, so the source costs almost nothing next to the client it measures.
``--n 0`` blasts until the client goes away (the SIGKILL test's "sustained blast").
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time

from opendeck.core import catalog
from opendeck.core.channel import Channel, decode_message, encode_message
from opendeck.core.cipher import AesCbcCipher, AesEcbCipher, RsaCipher
from opendeck.core.errors import OpenDeckError
from opendeck.core.pb import Qot_Common_pb2, Qot_UpdateBasicQot_pb2

AES_KEY = "0123456789abcdef"
AES_IV = "fedcba9876543210"
POOL = 1000


def basic_qot_body(i: int) -> bytes:
    """One Qot_UpdateBasicQot Response body (163 bytes: a 207-byte frame), price varying with ``i``."""
    resp = Qot_UpdateBasicQot_pb2.Response(retType=0)
    q: Qot_Common_pb2.BasicQot = resp.s2c.basicQotList.add()
    q.security.market = 1
    q.security.code = "00700"
    q.name = "TENCENT"
    q.isSuspended = False
    q.listTime = "2004-06-16"
    q.priceSpread = 0.2
    q.updateTime = "2026-12-01 10:15:30"
    q.updateTimestamp = 1796120130.0 + i
    q.highPrice = 391.2
    q.openPrice = 385.0
    q.lowPrice = 384.4
    q.curPrice = 388.0 + (i % 97) * 0.2
    q.lastClosePrice = 386.6
    q.volume = 12_345_678
    q.turnover = 4_791_234_567.125
    q.turnoverRate = 0.1302
    q.amplitude = 1.759
    q.secStatus = 1
    return resp.SerializeToString()


class _Client:
    def __init__(self, sock: socket.socket, args, rsa: RsaCipher | None) -> None:
        self.sock = sock
        self.args = args
        self.channel = Channel(rsa=rsa)
        self.lock = threading.Lock()  # whole frames only: the blast and the replies interleave
        self.blasting = False
        self.alive = True

    def send(self, data: bytes) -> None:
        with self.lock:
            self.sock.sendall(data)

    def serve(self) -> None:
        try:
            while self.alive:
                data = self.sock.recv(65536)
                if not data:
                    break
                for p in self.channel.receive(data):
                    self.answer(p)
        except (OSError, OpenDeckError):
            pass
        finally:
            self.alive = False
            try:
                self.sock.close()
            except OSError:
                pass

    def answer(self, p) -> None:
        cls = catalog.response_type(p.proto_id)
        if cls is None:
            return
        resp = cls(retType=0)
        if p.proto_id == catalog.INIT_CONNECT:
            s2c = resp.s2c
            s2c.serverVer, s2c.loginUserID, s2c.connID = 1000, 1, 1
            s2c.connAESKey, s2c.keepAliveInterval = AES_KEY, 10
            if self.args.mode == "cbc":
                s2c.aesCBCiv = AES_IV
            body = encode_message(resp, p.fmt)
            self.send(self.channel.pack(p.proto_id, p.serial, body, p.fmt))
            if self.channel.rsa is not None:
                self.channel.aes = cipher_of(self.args.mode)
            return
        if p.proto_id == catalog.KEEP_ALIVE:
            resp.s2c.time = int(time.time())
        else:
            resp.s2c.SetInParent()
        self.send(self.channel.pack(p.proto_id, p.serial, resp.SerializePartialToString(), p.fmt))
        if p.proto_id == catalog.QOT_SUB and not self.blasting:
            try:
                req = decode_message(catalog.request_type(p.proto_id), p.body, p.fmt)
            except OpenDeckError:
                return
            if req.c2s.isSubOrUnSub:
                self.blasting = True
                threading.Thread(target=self.blast, daemon=True).start()

    def blast(self) -> None:
        n = self.args.n
        frames = [self.channel.pack(catalog.QOT_UPDATE_BASIC_QOT, 0, basic_qot_body(i))
                  for i in range(POOL)]
        block = b"".join(frames)
        t0 = time.perf_counter()
        sent = 0
        try:
            while self.alive and (n == 0 or sent < n):
                take = POOL if n == 0 else min(POOL, n - sent)
                self.send(block if take == POOL else b"".join(frames[:take]))
                sent += take
        except OSError:
            pass
        dt = time.perf_counter() - t0
        print(f"sent {sent} pushes in {dt:.3f} s ({len(frames[0])}-byte frames)", flush=True)


def cipher_of(mode: str):
    if mode == "cbc":
        return AesCbcCipher(AES_KEY.encode(), AES_IV.encode())
    return AesEcbCipher(AES_KEY.encode())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--n", type=int, default=1_000_000, help="pushes per blast (0: until the "
                    "client goes away)")
    ap.add_argument("--mode", choices=("plain", "cbc", "ecb"), default="plain")
    ap.add_argument("--rsa-key", metavar="PEM", help="required for cbc and ecb")
    args = ap.parse_args(argv)
    if args.mode != "plain" and not args.rsa_key:
        ap.error("--mode cbc/ecb needs --rsa-key (OpenD encrypts only with an RSA key)")
    rsa = RsaCipher.from_file(args.rsa_key) if args.mode != "plain" else None
    srv = socket.create_server((args.host, args.port))
    print(f"listening {args.host} {srv.getsockname()[1]}", flush=True)
    try:
        while True:
            sock, _ = srv.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=_Client(sock, args, rsa).serve, daemon=True).start()
    except KeyboardInterrupt:
        return 0
    finally:
        srv.close()


if __name__ == "__main__":
    sys.exit(main())
