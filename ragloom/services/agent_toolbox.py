"""The outside world as the operator's ``[agents]`` settings open it to agents' tools.

:class:`AgentTools` is built once per server (it holds the database engines); each run gets a
:class:`TenantToolbox`, the :class:`~ragloom.agents.toolbox.Toolbox` of the tenant it works for.
"""

from __future__ import annotations

from ragloom.agents.toolbox import (
    CodeResult,
    CodeRun,
    HttpRequest,
    HttpResponse,
    SqlQuery,
    StatementResult,
    WebResult,
    WebSearch,
)
from ragloom.errors import ConfigError, ProviderError
from ragloom.providers.address_guard import AddressPolicy
from ragloom.providers.tools.databases import ConfiguredDatabases
from ragloom.providers.tools.fetch import Call, send, shown
from ragloom.providers.tools.sandbox import Sandbox
from ragloom.providers.tools.search import SERVICES, Endpoint
from ragloom.settings import AgentSettings

INVOKE_PURPOSE = "agents' HTTP calls"


class AgentTools:
    """What every tenant's toolbox shares: the settings, the address policy, databases, the sandbox."""

    def __init__(self, settings: AgentSettings) -> None:
        self.settings = settings
        self.policy = AddressPolicy(
            allow_private=settings.invoke_allow_private_urls,
            allowed_networks=tuple(settings.invoke_allowed_networks),
            purpose=INVOKE_PURPOSE,
        )
        self.databases = ConfiguredDatabases(settings.databases)
        self.sandbox = Sandbox(settings.sandbox)

    def for_tenant(self, tenant_id: str) -> TenantToolbox:
        return TenantToolbox(self, tenant_id)

    def close(self) -> None:
        self.databases.close()


class TenantToolbox:
    """:class:`~ragloom.agents.toolbox.Toolbox` for one tenant."""

    def __init__(self, tools: AgentTools, tenant_id: str) -> None:
        self._tools = tools
        self._tenant_id = tenant_id

    def fetch(self, request: HttpRequest) -> HttpResponse:
        settings = self._tools.settings
        what = f"Invoke: {request.method.upper()} {shown(request.url)}"
        for url, role in ((request.url, "URL"), (request.proxy, "proxy")):
            problem = self._tools.policy.url_problem(url) if url else None
            if problem is not None:
                raise ProviderError(f"{what} was not made: its {role} {problem}")
        answer = send(
            Call(
                what=what,
                method=request.method,
                url=request.url,
                timeout_seconds=min(request.timeout_seconds, settings.invoke_timeout_seconds),
                max_bytes=settings.invoke_max_response_size,
                headers=dict(request.headers),
                params=dict(request.params) if request.params is not None else None,
                json=request.json,
                form=dict(request.form) if request.form is not None else None,
            ),
            guard=self._tools.policy,
            proxy=request.proxy,
        )
        return HttpResponse(answer.status, answer.content_type, answer.body)

    def search_web(self, search: WebSearch) -> list[WebResult]:
        settings = self._tools.settings.search
        entry = SERVICES[search.service]
        configured = getattr(settings, entry.setting)
        if not configured:
            variable = f"RAGLOOM_AGENTS__SEARCH__{entry.setting.upper()}"
            raise ConfigError(
                f"{entry.title} is not configured: the operator sets agents.search.{entry.setting} ({variable})."
            )
        api_key = settings.tavily_api_key.get_secret_value() if settings.tavily_api_key is not None else ""
        endpoint = Endpoint(
            url=settings.tavily_url if entry.setting == "tavily_api_key" else str(configured),
            timeout_seconds=settings.timeout_seconds,
            max_bytes=settings.max_response_size,
            api_key=api_key,
            email=settings.pubmed_email,
        )
        return entry.client(endpoint, search)

    def run_sql(self, query: SqlQuery) -> list[StatementResult]:
        return self._tools.databases.run(self._tenant_id, query)

    def run_code(self, run: CodeRun) -> CodeResult:
        return self._tools.sandbox.run(run)
