"""Body ciphers used by OpenD: RSA for InitConnect, AES after it.

* RSA: PKCS#1 v1.5, plaintext cut into 100-byte chunks, one modulus-sized block per chunk.
  Both sides hold the same private key; each encrypts with the public half.
* AES-128-CBC with PKCS#7 when InitConnect's reply carries ``aesCBCiv``. A fresh cipher with the
  same IV is used for every packet (no chaining across packets). Because every packet restarts
  from that IV, :meth:`AesCbcCipher.decrypt_many` decrypts all packets of one read with ONE
  ECB call over their joined ciphertexts and ONE XOR against the "previous block" stream
  (the IV at each packet's start, else the ciphertext block before): that is CBC decryption
  by its definition, P[i] = D(C[i]) xor C[i-1], with C[-1] = IV.
* "FTAES_ECB" otherwise: zero-pad to 16, ECB, then a clear 16-byte tail whose last byte is
  ``len % 16``.

All crypto comes from pycryptodome; nothing here implements a primitive.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from Crypto.Cipher import AES, PKCS1_v1_5
from Crypto.PublicKey import RSA
from Crypto.Util.Padding import pad, unpad
from Crypto.Util.strxor import strxor

from .errors import CipherError, ConfigError

RSA_CHUNK = 100
AES_BLOCK = 16


class BodyCipher:
    """Identity cipher; the base of the others."""

    name = "none"

    def encrypt(self, plain: bytes) -> bytes:
        return plain

    def decrypt(self, data: bytes) -> bytes:
        return data

    def decrypt_many(self, src: bytes, starts: list[int], lengths: list[int]) -> list:
        """The bodies ``src[start:start + length]``, each decrypted: a list with, per body, its
        plaintext or the :class:`CipherError` it raised. Subclasses batch this."""
        out: list = []
        for a, n in zip(starts, lengths):
            try:
                out.append(self.decrypt(src[a:a + n]))
            except CipherError as exc:
                out.append(exc)
        return out


PLAIN = BodyCipher()


class RsaCipher(BodyCipher):
    name = "rsa"

    def __init__(self, key: RSA.RsaKey, source: str = "the RSA key") -> None:
        if not key.has_private():
            raise ConfigError(f"{source} is a public key; OpenD's rsa_private_key setting and "
                              "OpenDeck both need the PKCS#1 private key (BEGIN RSA PRIVATE KEY)")
        self._key = key
        self.source = source
        self._block = key.size_in_bytes()
        self._enc = PKCS1_v1_5.new(key.public_key())
        self._dec = PKCS1_v1_5.new(key)

    @classmethod
    def from_pem(cls, pem: bytes | str, source: str = "the RSA key") -> RsaCipher:
        try:
            key = RSA.import_key(pem)
        except (ValueError, IndexError, TypeError) as exc:
            raise ConfigError(f"cannot read {source} as an RSA key ({exc}); give the PEM file "
                              "that OpenD's rsa_private_key setting points at") from None
        return cls(key, source)

    @classmethod
    def from_file(cls, path: str | Path) -> RsaCipher:
        p = Path(path).expanduser()
        try:
            pem = p.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read RSA key file {p}: {exc.strerror or exc}") from None
        return cls.from_pem(pem, str(p))

    @property
    def key_bits(self) -> int:
        return self._key.size_in_bits()

    def encrypt(self, plain: bytes) -> bytes:
        enc = self._enc.encrypt
        return b"".join(enc(plain[i:i + RSA_CHUNK]) for i in range(0, len(plain), RSA_CHUNK))

    def decrypt(self, data: bytes) -> bytes:
        n = self._block
        if len(data) % n:
            raise CipherError(f"RSA body of {len(data)} bytes is not a whole number of "
                              f"{n}-byte blocks: the gateway uses a different key size than {self.source}")
        sentinel = object()
        out = []
        for i in range(0, len(data), n):
            try:
                part = self._dec.decrypt(data[i:i + n], sentinel)
            except ValueError:  # block >= modulus: garbage, or a key with a smaller modulus
                part = sentinel
            if part is sentinel:
                raise CipherError(f"RSA decrypt failed: the gateway's rsa_private_key does not "
                                  f"match {self.source}")
            out.append(part)
        return b"".join(out)


class AesCbcCipher(BodyCipher):
    name = "aes-cbc"

    def __init__(self, key: bytes, iv: bytes) -> None:
        if len(key) != 16 or len(iv) != 16:
            raise CipherError(f"AES-CBC needs a 16-byte key and IV, got {len(key)} and {len(iv)} "
                              "bytes from InitConnect")
        self.key = key
        self.iv = iv
        self._ecb = AES.new(key, AES.MODE_ECB)  # the block primitive of decrypt_many

    def encrypt(self, plain: bytes) -> bytes:
        return AES.new(self.key, AES.MODE_CBC, self.iv).encrypt(pad(plain, AES_BLOCK))

    def decrypt(self, data: bytes) -> bytes:
        if not data or len(data) % AES_BLOCK:
            raise _cbc_length_error(len(data))
        try:
            return unpad(AES.new(self.key, AES.MODE_CBC, self.iv).decrypt(data), AES_BLOCK)
        except ValueError:
            raise _cbc_padding_error() from None

    def decrypt_many(self, src: bytes, starts: list[int], lengths: list[int]) -> list:
        out: list = [None] * len(starts)
        mv = memoryview(src)
        parts = []
        good = []
        for i, (a, n) in enumerate(zip(starts, lengths)):
            if not n or n % AES_BLOCK:
                out[i] = _cbc_length_error(n)
            else:
                parts.append(mv[a:a + n])
                good.append(i)
        if not parts:
            return out
        iv = self.iv
        ct = b"".join(parts)
        prev = bytearray(iv)  # C[-1] = IV at the start of every packet, else C[i-1]
        prev += memoryview(ct)[:-AES_BLOCK]
        off = 0
        for i in good:
            if off:
                prev[off:off + AES_BLOCK] = iv
            off += lengths[i]
        plain = strxor(self._ecb.decrypt(ct), prev)
        pads = _PADS
        off = 0
        for i in good:
            end = off + lengths[i]
            k = plain[end - 1]
            if 1 <= k <= AES_BLOCK and plain[end - k:end] == pads[k]:
                out[i] = plain[off:end - k]
            else:
                out[i] = _cbc_padding_error()
            off = end
        return out


class AesEcbCipher(BodyCipher):
    """Futu's modified ECB ("FTAES_ECB"). ECB keeps no state, so one cipher object serves all."""

    name = "aes-ecb"

    def __init__(self, key: bytes) -> None:
        if len(key) != 16:
            raise CipherError(f"AES needs a 16-byte key, got {len(key)} bytes from InitConnect")
        self.key = key
        self._ecb = AES.new(key, AES.MODE_ECB)

    def encrypt(self, plain: bytes) -> bytes:
        rem = len(plain) % AES_BLOCK
        padded = plain + bytes(AES_BLOCK - rem) if rem else plain
        return self._ecb.encrypt(padded) + bytes(AES_BLOCK - 1) + bytes((rem,))

    def decrypt(self, data: bytes) -> bytes:
        if len(data) < AES_BLOCK or len(data) % AES_BLOCK:
            raise CipherError(f"AES-ECB body of {len(data)} bytes is not a multiple of 16 with a "
                              "16-byte tail: the peer is not using FTAES_ECB with this key")
        rem = data[-1]
        if rem >= AES_BLOCK:
            raise CipherError(f"AES-ECB tail says {rem} trailing bytes (must be below 16): the "
                              "peer is not using FTAES_ECB")
        if rem and len(data) == AES_BLOCK:
            raise CipherError(f"AES-ECB tail says {rem} trailing bytes but there is no data block")
        plain = self._ecb.decrypt(data[:-AES_BLOCK])
        return plain[:len(plain) - (AES_BLOCK - rem)] if rem else plain

    def decrypt_many(self, src: bytes, starts: list[int], lengths: list[int]) -> list:
        out: list = [None] * len(starts)
        mv = memoryview(src)
        parts = []
        good = []
        for i, (a, n) in enumerate(zip(starts, lengths)):
            if n < AES_BLOCK or n % AES_BLOCK or src[a + n - 1] >= AES_BLOCK or (
                    n == AES_BLOCK and src[a + n - 1]):
                try:
                    out[i] = self.decrypt(src[a:a + n])  # raises the error that says why
                except CipherError as exc:
                    out[i] = exc
                continue
            parts.append(mv[a:a + n - AES_BLOCK])
            good.append(i)
        if not parts:
            return out
        plain = self._ecb.decrypt(b"".join(parts))
        off = 0
        for i in good:
            a, n = starts[i], lengths[i]
            rem = src[a + n - 1]
            end = off + n - AES_BLOCK
            out[i] = plain[off:end - AES_BLOCK + rem] if rem else plain[off:end]
            off = end
        return out


_PADS = [bytes((k,)) * k for k in range(AES_BLOCK + 1)]


def _cbc_length_error(n: int) -> CipherError:
    return CipherError(f"AES-CBC body of {n} bytes is not a multiple of 16: "
                       "the peer is not using AES-CBC with this key")


def _cbc_padding_error() -> CipherError:
    return CipherError("AES-CBC padding is wrong after decrypt: the peer uses another "
                       "AES key or mode")


def aes_for(key: str | bytes, iv: str | bytes | None) -> BodyCipher:
    """The AES cipher an InitConnect reply selects: CBC when it carries an IV, else FTAES_ECB."""
    k = key.encode() if isinstance(key, str) else key
    if iv:
        return AesCbcCipher(k, iv.encode() if isinstance(iv, str) else iv)
    return AesEcbCipher(k)


def password_md5(password: str) -> str:
    """Trd_UnlockTrade wants the lowercase hex MD5 of the trade password."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()
