"""Deterministic randomness for crypto tests: the same keys and paddings on every run."""

from __future__ import annotations

import functools
import hashlib

from Crypto.PublicKey import RSA


def drbg(seed: bytes):
    """A randfunc for pycryptodome: SHA-256 in counter mode over ``seed``."""
    state = {"n": 0, "buf": b""}

    def randfunc(n: int) -> bytes:
        while len(state["buf"]) < n:
            state["buf"] += hashlib.sha256(seed + state["n"].to_bytes(8, "big")).digest()
            state["n"] += 1
        out, state["buf"] = state["buf"][:n], state["buf"][n:]
        return out

    return randfunc


@functools.cache
def rsa_key(name: str = "default", seed: bytes | None = None) -> RSA.RsaKey:
    """A 1024-bit key per name (or explicit seed), generated once per process."""
    return RSA.generate(1024, randfunc=drbg(seed or b"opendeck-test-key-" + name.encode()))
