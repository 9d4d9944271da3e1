"""Body ciphers: opendeck.core.cipher (protocol.md §4)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from Crypto.Cipher import AES, PKCS1_v1_5
from Crypto.PublicKey import ECC, RSA
from Crypto.Util.Padding import pad
from hypothesis import given, settings
from hypothesis import strategies as st
from opendeck.core import errors
from opendeck.core.cipher import (
    PLAIN,
    RSA_CHUNK,
    AesCbcCipher,
    AesEcbCipher,
    BodyCipher,
    RsaCipher,
    aes_for,
    password_md5,
)
from seeded import drbg, rsa_key

PROPS = settings(max_examples=200, deadline=None)

KEY = b"0123456789abcdef"
IV = b"fedcba9876543210"


@pytest.fixture
def key_a() -> RSA.RsaKey:
    return rsa_key("a")


@pytest.fixture
def key_b() -> RSA.RsaKey:
    return rsa_key("b")


def peer_rsa_encrypt(key: RSA.RsaKey, plain: bytes, seed: bytes = b"pad") -> bytes:
    """What futu-api sends: 100-byte chunks, one PKCS#1 v1.5 block each (independent code)."""
    enc = PKCS1_v1_5.new(key.public_key(), randfunc=drbg(seed))
    return b"".join(enc.encrypt(plain[i:i + 100]) for i in range(0, len(plain), 100))


# --- identity -----------------------------------------------------------------------------


def test_plain_is_identity():
    assert isinstance(PLAIN, BodyCipher) and PLAIN.name == "none"
    assert PLAIN.encrypt(b"abc") == b"abc" and PLAIN.decrypt(b"abc") == b"abc"


# --- RSA ----------------------------------------------------------------------------------


def test_rsa_pem_is_pkcs1_and_loads(key_a):
    pem = key_a.export_key()
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    rsa = RsaCipher.from_pem(pem)
    assert rsa.name == "rsa" and rsa.key_bits == 1024
    assert RsaCipher.from_pem(pem.decode()).key_bits == 1024  # str is accepted too


@pytest.mark.parametrize("size,wire", [(1, 128), (31, 128), (40, 128), (100, 128), (101, 256),
                                       (200, 256), (250, 384)])
def test_rsa_sizes_follow_100_byte_chunks(key_a, size, wire):
    assert RSA_CHUNK == 100
    rsa = RsaCipher(key_a)
    plain = bytes(i % 256 for i in range(size))
    ct = rsa.encrypt(plain)
    assert len(ct) == wire
    assert rsa.decrypt(ct) == plain


def test_rsa_blocks_are_independent_pkcs1_v15_of_each_100_byte_chunk(key_a):
    plain = bytes(i % 251 for i in range(250))
    ct = RsaCipher(key_a).encrypt(plain)
    dec = PKCS1_v1_5.new(key_a)
    chunks = [dec.decrypt(ct[i:i + 128], None) for i in range(0, len(ct), 128)]
    assert chunks == [plain[:100], plain[100:200], plain[200:]]


def test_rsa_encrypt_is_randomised_pkcs1_v15(key_a):
    rsa = RsaCipher(key_a)
    assert rsa.encrypt(b"x" * 31) != rsa.encrypt(b"x" * 31)


def test_rsa_decrypts_what_a_peer_with_the_same_key_sends(key_a):
    plain = bytes(range(250))
    assert RsaCipher(key_a).decrypt(peer_rsa_encrypt(key_a, plain)) == plain


def test_rsa_two_ciphers_on_one_key_talk(key_a):
    pem = key_a.export_key()
    client, server = RsaCipher.from_pem(pem, "client"), RsaCipher.from_pem(pem, "server")
    assert server.decrypt(client.encrypt(b"hello")) == b"hello"
    assert client.decrypt(server.encrypt(b"world" * 40)) == b"world" * 40


def _wrong_key_ciphertexts(enc_key, dec_key, below_modulus: bool, count: int = 4) -> list[bytes]:
    """Deterministic one-block ciphertexts under ``enc_key`` whose integer is below (or not
    below) the modulus of ``dec_key``."""
    out = []
    for i in range(400):
        ct = peer_rsa_encrypt(enc_key, b"InitConnect" * 3, seed=b"wrong-%d" % i)
        if (int.from_bytes(ct, "big") < dec_key.n) == below_modulus:
            out.append(ct)
            if len(out) == count:
                return out
    raise AssertionError("test keys give no such ciphertext")


def _by_modulus(key_a, key_b):
    return (key_a, key_b) if key_a.n < key_b.n else (key_b, key_a)


def test_rsa_wrong_key_raises_cipher_error_naming_the_key_file(key_a, key_b, tmp_path):
    small, large = _by_modulus(key_a, key_b)
    path = tmp_path / "other_key.pem"
    path.write_bytes(large.export_key())
    wrong = RsaCipher.from_file(path)
    for ct in _wrong_key_ciphertexts(small, large, below_modulus=True):
        with pytest.raises(errors.CipherError) as info:
            wrong.decrypt(ct)
        assert str(path) in str(info.value)


def test_rsa_block_not_below_the_modulus_raises_cipher_error_not_value_error(key_a, key_b):
    """Wrong key with a smaller modulus, or garbage: pycryptodome raises ValueError
    ("Ciphertext too large") before any padding check. That must surface as CipherError."""
    small, large = _by_modulus(key_a, key_b)
    wrong = RsaCipher(small, "other_key.pem")
    for ct in _wrong_key_ciphertexts(large, small, below_modulus=False, count=2):
        with pytest.raises(errors.CipherError) as info:
            wrong.decrypt(ct)
        assert "other_key.pem" in str(info.value)
    with pytest.raises(errors.CipherError):
        wrong.decrypt(b"\xff" * 128)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.binary(min_size=128 * n, max_size=128 * n)))
def test_rsa_garbage_whole_blocks_raise_only_cipher_error(data):
    rsa = RsaCipher(rsa_key("a"), "k.pem")
    try:
        rsa.decrypt(data)
    except errors.CipherError:
        pass


@pytest.mark.parametrize("size", [1, 64, 127, 129, 255])
def test_rsa_partial_block_raises_cipher_error(key_a, size):
    with pytest.raises(errors.CipherError) as info:
        RsaCipher(key_a, "my.pem").decrypt(bytes(size))
    assert "my.pem" in str(info.value) and str(size) in str(info.value)


def test_rsa_public_only_key_is_a_config_error(key_a, tmp_path):
    with pytest.raises(errors.ConfigError):
        RsaCipher(key_a.public_key())
    path = tmp_path / "pub.pem"
    path.write_bytes(key_a.public_key().export_key())
    with pytest.raises(errors.ConfigError) as info:
        RsaCipher.from_file(path)
    assert str(path) in str(info.value) and "public" in str(info.value)


def test_rsa_from_file_missing_or_directory_is_a_config_error(tmp_path):
    missing = tmp_path / "nope.pem"
    with pytest.raises(errors.ConfigError) as info:
        RsaCipher.from_file(missing)
    assert str(missing) in str(info.value)
    with pytest.raises(errors.ConfigError):
        RsaCipher.from_file(tmp_path)


def test_rsa_from_file_expands_home(key_a, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "k.pem").write_bytes(key_a.export_key())
    assert RsaCipher.from_file("~/k.pem").key_bits == 1024


def _garbage_pems(key: RSA.RsaKey) -> list[bytes | str]:
    pem = key.export_key()
    return [
        b"", b"garbage", "\u00e9t\u00e9",
        b"-----BEGIN RSA PRIVATE KEY-----\n!!!!\n-----END RSA PRIVATE KEY-----\n",
        b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        pem[:200],                       # truncated
        pem[:-30],                       # no end line
        b"\x30\x03\x02\x01\x00",         # tiny DER
        b"\x30\x82\x00\x00",
        key.export_key(passphrase="pw"),  # encrypted, no passphrase given
        ECC.generate(curve="p256", randfunc=drbg(b"ecc")).export_key(format="PEM"),
        b"ssh-rsa AAAA",
    ]


def test_rsa_garbage_pem_is_a_config_error(key_a, tmp_path):
    for i, pem in enumerate(_garbage_pems(key_a)):
        with pytest.raises(errors.ConfigError):
            RsaCipher.from_pem(pem, "bad.pem")
        path = tmp_path / f"bad{i}.pem"
        path.write_bytes(pem.encode() if isinstance(pem, str) else pem)
        with pytest.raises(errors.ConfigError) as info:
            RsaCipher.from_file(path)
        assert str(path) in str(info.value)


@PROPS
@given(st.binary(max_size=300))
def test_rsa_random_pem_bytes_are_a_config_error(data):
    wrapped = (b"-----BEGIN RSA PRIVATE KEY-----\n" + base64.encodebytes(b"\x30\x82" + data)
               + b"-----END RSA PRIVATE KEY-----\n")
    for pem in (data, wrapped):
        with pytest.raises(errors.ConfigError):
            RsaCipher.from_pem(pem)


# --- AES-CBC ------------------------------------------------------------------------------


@pytest.mark.parametrize("size,wire", [(0, 16), (7, 16), (15, 16), (16, 32), (32, 48), (43, 48),
                                       (148, 160)])
def test_cbc_pkcs7_sizes(size, wire):
    cbc = AesCbcCipher(KEY, IV)
    plain = bytes(range(size))
    ct = cbc.encrypt(plain)
    assert len(ct) == wire
    assert cbc.decrypt(ct) == plain


@pytest.mark.parametrize("size", [0, 7, 16, 32, 43])
def test_cbc_padding_is_pkcs7_with_a_full_block_when_aligned(size):
    ct = AesCbcCipher(KEY, IV).encrypt(b"a" * size)
    raw = AES.new(KEY, AES.MODE_CBC, IV).decrypt(ct)
    n = 16 - size % 16
    assert raw == b"a" * size + bytes([n]) * n


def test_cbc_fresh_cipher_per_packet():
    cbc = AesCbcCipher(KEY, IV)
    a1 = cbc.encrypt(b"first packet")
    b = cbc.encrypt(b"second packet")
    a2 = cbc.encrypt(b"first packet")
    assert a1 == a2 != b
    assert a1 == AES.new(KEY, AES.MODE_CBC, IV).encrypt(pad(b"first packet", 16))
    # decrypt too: order does not matter
    assert cbc.decrypt(b) == b"second packet" and cbc.decrypt(a1) == b"first packet"
    assert cbc.decrypt(a1) == b"first packet"


def test_cbc_decrypts_a_peer_packet():
    plain = b"Qot_Sub request body of 32 byte"[:32].ljust(32, b"!")
    ct = AES.new(KEY, AES.MODE_CBC, IV).encrypt(pad(plain, 16))
    assert AesCbcCipher(KEY, IV).decrypt(ct) == plain


@pytest.mark.parametrize("size", [0, 1, 15, 17, 33])
def test_cbc_non_block_body_is_a_cipher_error(size):
    with pytest.raises(errors.CipherError) as info:
        AesCbcCipher(KEY, IV).decrypt(bytes(size))
    assert str(size) in str(info.value)


def test_cbc_wrong_key_is_a_cipher_error():
    ct = AesCbcCipher(KEY, IV).encrypt(b"a body that the other side sends")
    with pytest.raises(errors.CipherError):
        AesCbcCipher(b"another 16B key!", IV).decrypt(ct)


@pytest.mark.parametrize("key,iv", [(b"short", IV), (KEY, b"short"), (KEY * 2, IV), (b"", b"")])
def test_cbc_bad_key_or_iv_length_is_a_cipher_error(key, iv):
    with pytest.raises(errors.CipherError):
        AesCbcCipher(key, iv)


@PROPS
@given(st.binary(max_size=300))
def test_cbc_round_trip(plain):
    cbc = AesCbcCipher(KEY, IV)
    ct = cbc.encrypt(plain)
    assert len(ct) == (len(plain) // 16 + 1) * 16
    assert cbc.decrypt(ct) == plain


@PROPS
@given(st.binary(max_size=200))
def test_cbc_garbage_raises_only_cipher_error(data):
    try:
        out = AesCbcCipher(KEY, IV).decrypt(data)
    except errors.CipherError:
        return
    assert isinstance(out, bytes) and len(out) < len(data)


# --- FTAES_ECB ----------------------------------------------------------------------------


@pytest.mark.parametrize("size,wire", [(0, 16), (7, 32), (15, 32), (16, 32), (17, 48), (32, 48)])
def test_ecb_sizes(size, wire):
    ecb = AesEcbCipher(KEY)
    plain = bytes(range(size))
    ct = ecb.encrypt(plain)
    assert len(ct) == wire
    assert ecb.decrypt(ct) == plain


@pytest.mark.parametrize("size", [0, 7, 16, 32, 43])
def test_ecb_tail_is_clear_15_zeros_then_len_mod_16(size):
    plain = bytes(range(1, size + 1))
    ct = AesEcbCipher(KEY).encrypt(plain)
    assert ct[-16:] == bytes(15) + bytes([size % 16])
    # the body is plain ECB of the zero-padded plaintext; the tail is not encrypted
    padded = plain + bytes(-size % 16)
    assert ct[:-16] == AES.new(KEY, AES.MODE_ECB).encrypt(padded)


def test_ecb_decrypts_a_peer_packet():
    plain = b"seven!!"
    ct = AES.new(KEY, AES.MODE_ECB).encrypt(plain + bytes(9)) + bytes(15) + b"\x07"
    assert AesEcbCipher(KEY).decrypt(ct) == plain


@pytest.mark.parametrize("data", [b"", bytes(15), bytes(17), bytes(31),
                                  bytes(31) + b"\x10", bytes(31) + b"\xff", bytes(15) + b"\x10"])
def test_ecb_bad_length_or_tail_is_a_cipher_error(data):
    with pytest.raises(errors.CipherError):
        AesEcbCipher(KEY).decrypt(data)


def test_ecb_bad_key_length_is_a_cipher_error():
    with pytest.raises(errors.CipherError):
        AesEcbCipher(b"0123456789abcde")


@PROPS
@given(st.binary(max_size=300))
def test_ecb_round_trip(plain):
    ecb = AesEcbCipher(KEY)
    ct = ecb.encrypt(plain)
    assert len(ct) == -(-len(plain) // 16) * 16 + 16
    assert ecb.decrypt(ct) == plain


@PROPS
@given(st.binary(max_size=200))
def test_ecb_garbage_raises_only_cipher_error(data):
    try:
        out = AesEcbCipher(KEY).decrypt(data)
    except errors.CipherError:
        return
    assert isinstance(out, bytes) and len(out) <= len(data) - 16


# --- aes_for and password_md5 --------------------------------------------------------------


def test_aes_for_picks_cbc_when_the_reply_has_an_iv():
    c = aes_for("0123456789abcdef", "fedcba9876543210")
    assert isinstance(c, AesCbcCipher) and c.name == "aes-cbc"
    assert c.key == KEY and c.iv == IV
    assert isinstance(aes_for(KEY, IV), AesCbcCipher)


@pytest.mark.parametrize("iv", [None, "", b""])
def test_aes_for_picks_ftaes_ecb_without_an_iv(iv):
    # an unset proto2 optional string reads as "": that also means "no IV"
    c = aes_for("0123456789abcdef", iv)
    assert isinstance(c, AesEcbCipher) and c.name == "aes-ecb" and c.key == KEY


def test_aes_for_cipher_matches_the_direct_construction():
    assert aes_for("0123456789abcdef", "fedcba9876543210").encrypt(b"x") == \
        AesCbcCipher(KEY, IV).encrypt(b"x")
    assert aes_for("0123456789abcdef", None).encrypt(b"x") == AesEcbCipher(KEY).encrypt(b"x")


@pytest.mark.parametrize("key,iv", [("short", None), ("short", "fedcba9876543210"),
                                    ("0123456789abcdef", "short"),
                                    ("\u00e9" * 16, None)])  # 16 chars but 32 UTF-8 bytes
def test_aes_for_bad_sizes_are_cipher_errors(key, iv):
    with pytest.raises(errors.CipherError):
        aes_for(key, iv)


@pytest.mark.parametrize("password,digest", [
    ("123456", "e10adc3949ba59abbe56e057f20f883e"),
    ("", "d41d8cd98f00b204e9800998ecf8427e"),
    ("Password", "dc647eb65e6711e155375218212b3964"),
])
def test_password_md5_is_lowercase_hex(password, digest):
    assert password_md5(password) == digest


def test_password_md5_hashes_utf8():
    out = password_md5("\u5bc6\u78bcAbc")
    assert re.fullmatch(r"[0-9a-f]{32}", out)
    assert out == hashlib.md5("\u5bc6\u78bcAbc".encode("utf-8")).hexdigest()


# --- batched decrypt (decrypt_many): one AES call per read ----------------------------------

def _batch(bodies: list[bytes], gaps: list[bytes]) -> tuple[bytes, list[int], list[int]]:
    """The bodies laid out in one buffer with junk between them (as headers would be)."""
    src = bytearray()
    starts = []
    for body, gap in zip(bodies, gaps):
        src += gap
        starts.append(len(src))
        src += body
    return bytes(src), starts, [len(b) for b in bodies]


@PROPS
@given(key=st.binary(min_size=16, max_size=16), iv=st.binary(min_size=16, max_size=16),
       plains=st.lists(st.binary(max_size=300), max_size=40), data=st.data())
def test_batched_cbc_equals_pycryptodome_cbc(key, iv, plains, data):
    gaps = [data.draw(st.binary(max_size=44)) for _ in plains]
    bodies = [AES.new(key, AES.MODE_CBC, iv).encrypt(pad(p, 16)) for p in plains]
    src, starts, lengths = _batch(bodies, gaps)
    assert AesCbcCipher(key, iv).decrypt_many(src, starts, lengths) == plains


@PROPS
@given(key=st.binary(min_size=16, max_size=16), iv=st.binary(min_size=16, max_size=16),
       bodies=st.lists(st.binary(max_size=120), max_size=20))
def test_batched_cbc_on_arbitrary_bytes_agrees_with_one_by_one(key, iv, bodies):
    """Wrong lengths and bad padding give the same outcome per body as decrypt() alone."""
    src, starts, lengths = _batch(bodies, [b"h" * 3] * len(bodies))
    cipher = AesCbcCipher(key, iv)
    for got, body in zip(cipher.decrypt_many(src, starts, lengths), bodies, strict=True):
        try:
            want = cipher.decrypt(body)
        except errors.CipherError as exc:
            assert isinstance(got, errors.CipherError) and str(got) == str(exc)
        else:
            assert got == want


@PROPS
@given(key=st.binary(min_size=16, max_size=16), plains=st.lists(st.binary(max_size=300), max_size=40),
       junk=st.lists(st.binary(max_size=64), max_size=5))
def test_batched_ftaes_ecb_equals_one_by_one(key, plains, junk):
    cipher = AesEcbCipher(key)
    bodies = [cipher.encrypt(p) for p in plains] + junk
    src, starts, lengths = _batch(bodies, [b"\x00" * 7] * len(bodies))
    got = cipher.decrypt_many(src, starts, lengths)
    assert got[:len(plains)] == plains
    for g, body in zip(got[len(plains):], junk, strict=True):
        try:
            assert g == cipher.decrypt(body)
        except errors.CipherError as exc:
            assert isinstance(g, errors.CipherError) and str(g) == str(exc)


def test_decrypt_many_of_the_base_and_of_rsa_is_one_by_one():
    assert PLAIN.decrypt_many(b"..abc.de", [2, 6], [3, 2]) == [b"abc", b"de"]
    rsa = RsaCipher(rsa_key())
    ct = rsa.encrypt(b"hello")
    [bad, good] = rsa.decrypt_many(b"xyz" + ct, [0, 3], [3, len(ct)])
    assert isinstance(bad, errors.CipherError) and good == b"hello"
