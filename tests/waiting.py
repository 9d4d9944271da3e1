"""Wait on a condition without sleeping: re-check it whenever something changed."""

from __future__ import annotations

import asyncio


class ChangeWaiter:
    """Call :meth:`poke` whenever state changes; :meth:`wait_for` re-checks then."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def poke(self) -> None:
        self._changed.set()

    def describe(self) -> str:
        return ""

    async def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition"):
        async def loop():
            while not predicate():
                self._changed.clear()
                await self._changed.wait()
        try:
            await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                 f"{self.describe()}") from None
