"""A push right behind the InitConnect reply, in the same read, is already AES-encrypted:
the client channel holds it until the cipher is switched, instead of failing its SHA-1."""

from Crypto.PublicKey import RSA

from opendeck.core import catalog
from opendeck.core.channel import Channel
from opendeck.core.cipher import AesCbcCipher, RsaCipher


def test_frames_behind_init_connect_wait_for_the_cipher_switch():
    rsa = RsaCipher(RSA.generate(1024))
    aes = AesCbcCipher(b"k" * 16, b"i" * 16)
    server = Channel(rsa=rsa)
    client = Channel(rsa=rsa, hold_after_init=True)
    reply = server.pack(catalog.INIT_CONNECT, 5, b"init-reply")
    server.aes = aes
    stream = reply + server.pack(catalog.NOTIFY, 0, b"notify-1") + server.pack(catalog.NOTIFY, 0, b"n2")
    first = client.receive(stream[:len(reply) + 10])
    assert [(p.proto_id, p.body, p.error) for p in first] == [(catalog.INIT_CONNECT, b"init-reply", None)]
    assert client.receive(stream[len(reply) + 10:]) == []  # still held
    held = client.set_aes(aes)
    assert [(p.body, p.error) for p in held] == [(b"notify-1", None), (b"n2", None)]
    later = client.receive(server.pack(catalog.KEEP_ALIVE, 9, b"ka"))
    assert [(p.body, p.error) for p in later] == [(b"ka", None)]


def test_without_hold_the_same_stream_fails_the_checksum():
    rsa = RsaCipher(RSA.generate(1024))
    aes = AesCbcCipher(b"k" * 16, b"i" * 16)
    server = Channel(rsa=rsa)
    client = Channel(rsa=rsa)
    reply = server.pack(catalog.INIT_CONNECT, 5, b"init-reply")
    server.aes = aes
    packets = client.receive(reply + server.pack(catalog.NOTIFY, 0, b"notify-1"))
    assert packets[1].error is not None
