"""The knowledge graph of a dataset: extraction, merging, communities, records (no HTTP in here).

See :mod:`ragloom.enrich.graph.build` for the steps and :mod:`ragloom.enrich.graph.settings` for
the ``graphrag`` settings it reads.
"""

from ragloom.enrich.graph.build import GraphBuild, GraphBuilder
from ragloom.enrich.graph.settings import GraphSettings, Method, graph_requested, uses_graphrag

__all__ = ["GraphBuild", "GraphBuilder", "GraphSettings", "Method", "graph_requested", "uses_graphrag"]
