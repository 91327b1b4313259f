"""Invoke: an HTTP call to a URL the DSL names — a canvas node, or a function an Agent's model calls.

RAGFlow's parameters: ``url`` (references rendered; ``http://`` added when it has no scheme),
``method`` (get, post, put), ``headers`` (a JSON object, its values' references rendered),
``variables`` (``[{key, ref | value}]``: the query string of a GET, else the body — JSON, or a
form with ``datatype: formdata``), ``timeout`` (seconds), ``proxy``, ``clean_html`` (the page's
text instead of its HTML) and ``max_retries``/``delay_after_error``. The output is ``result``:
the answer's body as text.

Where RAGFlow calls anything, ragloom's toolbox refuses loopback, private, link-local and
metadata addresses (after DNS, redirects included) unless the operator allows them, caps the
time (``agents.invoke_timeout_seconds``) and the body's size (``agents.invoke_max_response_size``),
and fails on an answer that is not 2xx — naming the URL and the status, never repeating the body.
As a tool, the model's arguments are the variables, by key.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragloom.agents.components.base import Component, ComponentParams, Invocation, ToolSpec
from ragloom.agents.components.tools.arguments import Argument, Function, retried
from ragloom.agents.toolbox import HttpMethod, HttpRequest
from ragloom.errors import ArgumentError

FUNCTION = "invoke_http"
HIDDEN_TAGS = ("script", "style", "noscript", "template", "svg", "head")


class InvokeVariable(BaseModel):
    model_config = ConfigDict(extra="allow")

    key: str = Field(min_length=1)
    ref: str = ""
    value: Any = None


class InvokeParams(ComponentParams):
    url: str = Field(min_length=1)
    method: HttpMethod = "get"
    headers: dict[str, Any] = Field(default_factory=dict)
    variables: list[InvokeVariable] = Field(default_factory=list)
    timeout: float = Field(default=60, gt=0)
    proxy: str | None = None
    clean_html: bool = False
    datatype: Literal["json", "formdata"] = "json"
    max_retries: int = Field(default=0, ge=0, le=10)
    delay_after_error: float = Field(default=2.0, ge=0, le=60)

    @field_validator("method", "datatype", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("headers", mode="before")
    @classmethod
    def _headers(cls, value: Any) -> Any:
        """RAGFlow saves the headers as JSON text; an empty text is no headers."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError("must be a JSON object of header names and values") from None
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object of header names and values")
        return value


class Invoke(Component):
    """Calls an HTTP endpoint; see the module docstring."""

    name = "Invoke"
    Params = InvokeParams

    def _params(self) -> InvokeParams:
        assert isinstance(self.params, InvokeParams)
        return self.params

    def bare_reference_texts(self) -> list[str]:
        return [variable.ref for variable in self._params().variables if variable.ref]

    def invoke(self, run: Invocation) -> dict[str, Any]:
        return self.call(run, {})

    def tool_spec(self) -> ToolSpec:
        params = self._params()
        arguments = [
            Argument(variable.key, "string", f"The request's `{variable.key}`.") for variable in params.variables
        ]
        described = f"Make an HTTP {params.method.upper()} request to {params.url}."
        return Function(FUNCTION, described, arguments).spec(params.description)

    def invoke_tool(self, run: Invocation, arguments: dict[str, Any]) -> dict[str, Any]:
        return self.call(run, arguments)

    def call(self, run: Invocation, overrides: dict[str, Any]) -> dict[str, Any]:
        """Make the request, ``overrides`` (the model's arguments) replacing variables by key."""
        params = self._params()
        values = {variable.key: self._value(run, variable) for variable in params.variables}
        values.update({key: value for key, value in overrides.items() if key in values})
        url = run.render(params.url).strip()
        if not url:
            raise ArgumentError(f"Invoke: the URL '{params.url}' is empty once its references are read.")
        if "://" not in url:
            url = "http://" + url
        body_fields = params.method != "get"
        request = HttpRequest(
            method=params.method,
            url=url,
            headers={
                name: run.render(value) if isinstance(value, str) else str(value)
                for name, value in params.headers.items()
            },
            params=None if body_fields else values,
            json=values if body_fields and params.datatype == "json" else None,
            form=values if body_fields and params.datatype == "formdata" else None,
            timeout_seconds=params.timeout,
            proxy=(params.proxy or "").strip(),
        )
        response = retried(lambda: run.services.toolbox.fetch(request), params.max_retries, params.delay_after_error)
        return {"result": page_text(response.body) if params.clean_html else response.text()}

    @staticmethod
    def _value(run: Invocation, variable: InvokeVariable) -> Any:
        if variable.value is not None and variable.value != "":
            return run.render(variable.value) if isinstance(variable.value, str) else variable.value
        if variable.ref:
            return run.value(variable.ref)
        return ""


def page_text(html: bytes) -> str:
    """The readable text of an HTML page: one line per block, scripts and styles left out."""
    from bs4 import BeautifulSoup  # lxml and Beautiful Soup load when a page is first read

    page = BeautifulSoup(html, "lxml")
    for hidden in page(HIDDEN_TAGS):
        hidden.decompose()
    lines = (line.strip() for line in page.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)
