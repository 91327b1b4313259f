"""Clients of the web search services agents' tools call, one per service, by name."""

from ragloom.providers.tools.search.base import Endpoint, SearchClient
from ragloom.providers.tools.search.registry import SERVICES, ServiceEntry

__all__ = ["SERVICES", "Endpoint", "SearchClient", "ServiceEntry"]
