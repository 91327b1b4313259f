"""The metadata store: SQLAlchemy models, repositories and migrations."""

from ragloom.storage.metadata.store import MetadataStore, Transaction, retried

__all__ = ["MetadataStore", "Transaction", "retried"]
