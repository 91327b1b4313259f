"""Tool components: an Agent's functions and canvas nodes that reach outside ragloom through the
run's :class:`~ragloom.agents.toolbox.Toolbox` (HTTP, SQL, web search, code execution)."""

from ragloom.agents.components.tools.code_exec import CodeExec
from ragloom.agents.components.tools.exesql import ExeSQL
from ragloom.agents.components.tools.invoke import Invoke
from ragloom.agents.components.tools.web_tools import (
    ArXiv,
    DuckDuckGo,
    PubMed,
    SearXNG,
    TavilyExtract,
    TavilySearch,
    Wikipedia,
)

TOOL_COMPONENTS = (Invoke, ExeSQL, CodeExec, SearXNG, TavilySearch, TavilyExtract, DuckDuckGo, Wikipedia, ArXiv, PubMed)
"""Every tool component, in the order ``builtin_components`` registers them."""

__all__ = [
    "TOOL_COMPONENTS",
    "ArXiv",
    "CodeExec",
    "DuckDuckGo",
    "ExeSQL",
    "Invoke",
    "PubMed",
    "SearXNG",
    "TavilyExtract",
    "TavilySearch",
    "Wikipedia",
]
