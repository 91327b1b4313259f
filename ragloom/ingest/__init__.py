"""Ingestion: parsers (one per file type) -> chunkers (one per chunk_method) -> embed -> index."""
