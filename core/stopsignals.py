"""SIGINT / SIGTERM for the long-running commands (``gateway``, ``record``, ``monitor``)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable


def install_stop_signals(stop: asyncio.Event) -> list[Callable[[], None]]:
    """Set ``stop`` on SIGINT or SIGTERM; returns the undo steps (call each when done).

    The loop's own handlers where it has them; elsewhere (Windows, a thread that is not the
    main one) a plain signal handler that wakes the loop thread-safely.
    """
    loop = asyncio.get_running_loop()
    undo: list[Callable[[], None]] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            undo.append(lambda s=sig: loop.remove_signal_handler(s))
        except (NotImplementedError, RuntimeError, ValueError):
            try:
                old = signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
                undo.append(lambda s=sig, o=old: signal.signal(s, o))
            except (ValueError, OSError):
                pass
    return undo
