"""Words for the state pills (Qt-free).

The statuses come from the core (:meth:`Session.context_status`, :meth:`Session.endpoint_status`,
``ContextHandle.status``); this only adds the text (with the reconnect countdown from
``handle.retry_in()``) and the tooltip (with the reason, ``handle.last_error``). A pill is
``(status, text, tooltip)`` with ``status`` a :class:`ContextStatus`.
"""

from __future__ import annotations

import math

from opendeck.core.errors import is_permanent
from opendeck.core.events import ConnState, ContextKind, ContextStatus

S = ContextStatus
PILL_TEXT = {s: str(s) for s in ContextStatus}
TROUBLE = (S.ERROR, S.RECONNECTING)  # the statuses that say why


def context_label(context: ContextKind | str | None) -> str:
    if context is None or context == "":
        return ""
    try:
        return ContextKind(str(context)).label
    except ValueError:
        return str(context)


class StateBook:
    def __init__(self, session) -> None:
        self.session = session

    def _keys(self, endpoint_id: str) -> list[str]:
        ep = self.session.endpoints.get(endpoint_id)
        keys = list(ep.contexts) if ep is not None else []
        return list(dict.fromkeys(keys + [h.key for h in self.session.handles_of(endpoint_id)]))

    def reason(self, endpoint_id: str, key: str) -> str:
        """Why the context failed (its last error), or ""."""
        h = self.session.handle(endpoint_id, key)
        err = h.last_error if h is not None else None
        return str(err) if err else ""

    def permanent_error(self, endpoint_id: str, key: str):
        """The error that stopped the context for good (retrying cannot fix it), or None."""
        h = self.session.handle(endpoint_id, key)
        if h is None or h.state is not ConnState.FAILED:
            return None
        err = h.last_error
        return err if err is not None and is_permanent(err) else None

    def _countdown(self, endpoint_id: str, key: str | None = None) -> float | None:
        hs = self.session.handles_of(endpoint_id)
        left = [h.retry_in() for h in hs if (key is None or h.key == key)
                and h.status is S.RECONNECTING]
        left = [x for x in left if x is not None]
        return min(left) if left else None

    def context_pill(self, endpoint_id: str, key: str) -> tuple[ContextStatus, str, str]:
        status = self.session.context_status(endpoint_id, key)
        h = self.session.handle(endpoint_id, key)
        where = h.address if h is not None else ""
        text = PILL_TEXT[status]
        if status is S.RECONNECTING:
            left = self._countdown(endpoint_id, key)
            if left is not None:
                text = f"reconnecting {math.ceil(left)} s"
            return status, text, self.reason(endpoint_id, key) or "reconnecting"
        if status is S.ERROR:
            return status, text, self.reason(endpoint_id, key) or "failed"
        if status is S.READY:
            return status, text, f"connected to {where}"
        if status in (S.CONNECTING, S.HANDSHAKING):
            return status, text, f"{status} to {where}"
        if status is S.CLOSING:
            return status, text, f"closing the connection to {where}"
        return status, text, "disconnected" if h is not None else "not connected"

    def endpoint_pill(self, endpoint_id: str) -> tuple[ContextStatus, str, str]:
        if endpoint_id not in self.session.endpoints:
            return S.DISCONNECTED, PILL_TEXT[S.DISCONNECTED], ""
        pills = {k: self.context_pill(endpoint_id, k) for k in self._keys(endpoint_id)}
        tip = "\n".join(f"{context_label(k)}: {p[1]}" + (f" \u2014 {p[2]}" if p[0] in TROUBLE else "")
                        for k, p in pills.items())
        status = self.session.endpoint_status(endpoint_id)
        text = PILL_TEXT[status]
        if status is S.RECONNECTING:
            left = self._countdown(endpoint_id)
            if left is not None:
                text = f"reconnecting {math.ceil(left)} s"
        return status, text, tip

    def endpoint_reason(self, endpoint_id: str) -> str:
        """A short reason for an endpoint in error or reconnecting (the list's second line)."""
        if self.session.endpoint_status(endpoint_id) not in TROUBLE:
            return ""
        for k in self._keys(endpoint_id):
            if self.session.context_status(endpoint_id, k) in TROUBLE:
                r = self.reason(endpoint_id, k)
                if r:
                    return r
        return ""
