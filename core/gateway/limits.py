"""Bounds on what one client can make the demo gateway hold or do (issue 10).

All of them are plain attributes of :class:`Limits` (``DemoGateway.limits``), so tests and
the CLI can set them:

* ``max_connections`` -- open connections over both ports together; one more is refused.
* ``handshake_timeout`` -- seconds from accept to a finished InitConnect / InitWebSocket.
* ``idle_factor`` -- a TCP connection that sends nothing for this many keepAliveIntervals
  is closed (WebSocket connections are kept alive by pings and their pongs instead).
* ``max_request_bytes`` -- a larger request body is answered retType -1 (the framing's
  own hard cap, far above it, still closes the stream).
* ``max_list_len`` -- any repeated field of a request longer than this is answered
  retType -1 before a handler (and so any table) sees it.
* ``max_pending_replies`` -- replies to one read are built and written in chunks of about
  this many bytes, each drained before the next packet is handled: a connection that does
  not read its replies is not read either, and is dropped after ``DemoGateway.drain_timeout``.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

DEFAULT_MAX_CONNECTIONS = 128  # OpenD documents 128 per gateway
DEFAULT_HANDSHAKE_TIMEOUT = 10.0
DEFAULT_IDLE_FACTOR = 3.0
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
DEFAULT_MAX_LIST_LEN = 2048
DEFAULT_MAX_PENDING_REPLIES = 256 * 1024


@dataclass
class Limits:
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT
    idle_factor: float = DEFAULT_IDLE_FACTOR
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_list_len: int = DEFAULT_MAX_LIST_LEN
    max_pending_replies: int = DEFAULT_MAX_PENDING_REPLIES

    def check_size(self, nbytes: int) -> str | None:
        if nbytes > self.max_request_bytes:
            return (f"the request body is {nbytes} bytes, over the demo gateway's cap of "
                    f"{self.max_request_bytes} bytes; split it into smaller requests")
        return None

    def check_lists(self, msg: Message) -> str | None:
        """The first repeated field (at any depth) longer than ``max_list_len``, as a
        sentence, or None. Items are only walked once their list passed the check."""
        cap = self.max_list_len
        todo = [(msg, "")]
        while todo:
            m, path = todo.pop()
            for field, value in m.ListFields():
                name = f"{path}{field.name}"
                is_msg = field.message_type is not None
                if field.is_repeated:
                    if len(value) > cap:
                        return (f"{name} has {len(value)} entries, over the demo gateway's "
                                f"cap of {cap} per list; split the request")
                    if is_msg:
                        todo.extend((item, f"{name}[].") for item in value)
                elif is_msg:
                    todo.append((value, f"{name}."))
        return None
