"""ragloom: a RAG engine that speaks RAGFlow's HTTP API, embedded by default."""

__version__ = "0.1.0"

__all__ = ["__version__"]
