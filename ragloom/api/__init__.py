"""The HTTP layer: routers, envelopes, authentication."""

from ragloom.api.app import create_app

__all__ = ["create_app"]
