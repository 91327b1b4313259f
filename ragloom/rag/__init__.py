"""Retrieval above the index: query analysis, hybrid scoring, rerank. Identical on every backend."""
