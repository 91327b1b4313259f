"""The metadata store: SQLAlchemy models, repositories and migrations."""

from ragloom.storage.metadata.store import MetadataStore, Transaction

__all__ = ["MetadataStore", "Transaction"]
