"""What the canvas runtime may use on behalf of one tenant: its chat models (its default for ``""``)
and the toolbox its tool components reach the outside through."""

from __future__ import annotations

from ragloom.agents.toolbox import Toolbox
from ragloom.providers.chat import ChatModel, ChatModels
from ragloom.services.model_defaults import ModelDefaultsService
from ragloom.services.tenants import Caller


class TenantAgentServices:
    """:class:`~ragloom.agents.services.AgentServices` for one caller."""

    def __init__(
        self, caller: Caller, chat_models: ChatModels, defaults: ModelDefaultsService, *, toolbox: Toolbox
    ) -> None:
        self._caller = caller
        self._chat_models = chat_models
        self._defaults = defaults
        self._toolbox = toolbox

    @property
    def tenant_id(self) -> str:
        return self._caller.tenant_id

    def chat_model(self, model_id: str) -> ChatModel:
        chosen = model_id.strip() or self._defaults.get(self._caller).llm_id
        return self._chat_models.get(chosen, self._caller.tenant_id)

    @property
    def toolbox(self) -> Toolbox:
        return self._toolbox
