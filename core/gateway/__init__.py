"""The demo OpenD gateway (see server.py for the API and the fault knobs)."""

from .server import ClientInfo, DemoGateway, GatewayStats, new_conn_id

__all__ = ["ClientInfo", "DemoGateway", "GatewayStats", "new_conn_id"]
