"""The demo OpenD gateway (server.py has the API and a map of the package)."""

from .clientstate import ClientInfo, new_conn_id
from .server import DemoGateway
from .stats import GatewayStats

__all__ = ["ClientInfo", "DemoGateway", "GatewayStats", "new_conn_id"]
