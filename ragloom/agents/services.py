"""What components need from the rest of ragloom, as small protocols (no HTTP, no SQL in here).

The service layer implements :class:`AgentServices` for one tenant; tests implement it with a
scripted chat model at the edge.
"""

from __future__ import annotations

from typing import Protocol

from ragloom.agents.toolbox import Toolbox
from ragloom.providers.chat.protocol import ChatModel


class AgentServices(Protocol):
    """The tenant a run works for and the models it may use."""

    @property
    def tenant_id(self) -> str: ...

    def chat_model(self, model_id: str) -> ChatModel:
        """The chat model ``model_id`` (``""``: the tenant's default), or the catalog's error."""
        ...

    @property
    def toolbox(self) -> Toolbox:
        """HTTP, web services, databases and the sandbox, as the operator lets this tenant reach them."""
        ...
