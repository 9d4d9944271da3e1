"""One small error hierarchy for the whole core.

Every message says what happened and what to do about it. The GUI shows it on the endpoint,
the CLI prints it and exits non-zero.
"""

from __future__ import annotations


class OpenDeckError(Exception):
    """Base of every error OpenDeck raises on purpose."""


class ProtocolError(OpenDeckError):
    """The bytes on the wire do not follow the OpenD protocol."""


class BadMagicError(ProtocolError):
    """A frame did not start with b"FT"; the stream cannot be resynchronised."""


class BodyTooLargeError(ProtocolError):
    """A frame header announced a body larger than the configured cap."""


class ChecksumError(ProtocolError):
    """SHA-1 in the header does not match the plaintext body."""


class DecodeError(ProtocolError):
    """A body could not be parsed as the message its proto id names."""


class CipherError(OpenDeckError):
    """RSA or AES could not encrypt or decrypt a body."""


class HandshakeError(OpenDeckError):
    """InitConnect (or InitWebSocket) failed or was refused."""


class PermanentHandshakeError(HandshakeError):
    """A handshake failure that retrying cannot fix: the user has to change a setting.

    The window stops in an error state with the fix; headless modes retry on a slow cap.
    ``field`` names the endpoint setting to change (``encryption``, ``websocket_key``, ...).
    """

    field = ""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        if field:
            self.field = field


class EncryptionMismatch(PermanentHandshakeError):
    """OpenDeck and the gateway disagree on RSA (one has a key, the other not)."""

    field = "rsa_key"


class BadRsaKey(PermanentHandshakeError):
    """The RSA key is not the one the gateway uses (its reply cannot be decrypted)."""

    field = "rsa_key"


class KeyRefused(PermanentHandshakeError):
    """The WebSocket gateway refused the key."""

    field = "websocket_key"


class LoginRefused(PermanentHandshakeError):
    """The gateway answered the handshake with a refusal (retType != 0)."""


class TransportError(OpenDeckError):
    """The transport below the protocol failed: TLS, a WebSocket upgrade, a frame type."""


class JournalError(OpenDeckError):
    """The journal cannot write (disk full, read-only, locked): pushes are no longer saved."""


class RequestError(OpenDeckError):
    """The gateway answered a request with retType != 0."""

    def __init__(self, message: str, *, proto_id: int = 0, ret_type: int = 0, err_code: int = 0):
        super().__init__(message)
        self.proto_id = proto_id
        self.ret_type = ret_type
        self.err_code = err_code


class RequestTimeout(OpenDeckError):
    """No response arrived in time."""


class ConnectionLost(OpenDeckError):
    """The TCP stream closed or the peer stopped answering."""


class NotConnected(OpenDeckError):
    """A request was made on a connection that is not ready."""


class ConfigError(OpenDeckError):
    """An endpoint profile or a command-line value is invalid."""


class NeedsKey(ConfigError):
    """A WebSocket endpoint has no key yet: ask the user (the window) or fail (headless)."""

    def __init__(self, message: str, *, endpoint_id: str = "") -> None:
        super().__init__(message)
        self.endpoint_id = endpoint_id


def is_permanent(error: BaseException) -> bool:
    """True for failures that retrying cannot fix (see :class:`PermanentHandshakeError`)."""
    return isinstance(error, PermanentHandshakeError)
