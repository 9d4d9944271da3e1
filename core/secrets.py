"""Where a WebSocket key lives: memory, the OS keyring, or a key file. Never a profile.

The window asks for the key on connect and hands it to :class:`KeyStore`; "remember" puts it
in the OS keyring through the ``keyring`` library where one is available (Secret Service,
macOS Keychain, Windows Credential Locker). Nothing here writes a file, a journal or a log.
"""

from __future__ import annotations

import logging

log = logging.getLogger("opendeck.secrets")

SERVICE = "OpenDeck"


def _keyring():
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring setup is "no keyring"
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


class KeyStore:
    """WebSocket keys by endpoint id: in memory first, then the OS keyring."""

    def __init__(self, use_keyring: bool = True) -> None:
        self._memory: dict[str, str] = {}
        self.use_keyring = use_keyring

    @property
    def keyring_available(self) -> bool:
        return self.use_keyring and _keyring() is not None

    def get(self, endpoint_id: str) -> str | None:
        key = self._memory.get(endpoint_id)
        if key is not None:
            return key
        kr = _keyring() if self.use_keyring else None
        if kr is None:
            return None
        try:
            return kr.get_password(SERVICE, f"websocket:{endpoint_id}")
        except Exception as exc:  # noqa: BLE001 - a locked or broken keyring is no key
            log.warning("the OS keyring could not be read (%s); asking for the key instead",
                        type(exc).__name__)
            return None

    def put(self, endpoint_id: str, key: str, *, remember: bool = False) -> bool:
        """Keep ``key`` in memory; with ``remember`` also in the OS keyring (True if stored)."""
        self._memory[endpoint_id] = key
        kr = _keyring() if (remember and self.use_keyring) else None
        if kr is None:
            return False
        try:
            kr.set_password(SERVICE, f"websocket:{endpoint_id}", key)
            return True
        except Exception as exc:  # noqa: BLE001
            log.warning("the OS keyring refused the key (%s); it is kept in memory only",
                        type(exc).__name__)
            return False

    def forget(self, endpoint_id: str) -> None:
        self._memory.pop(endpoint_id, None)
        kr = _keyring() if self.use_keyring else None
        if kr is not None:
            try:
                kr.delete_password(SERVICE, f"websocket:{endpoint_id}")
            except Exception as exc:  # noqa: BLE001 - nothing stored is fine
                log.debug("no key to forget in the OS keyring (%s)", type(exc).__name__)
