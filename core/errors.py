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
    """InitConnect failed or was refused."""


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
