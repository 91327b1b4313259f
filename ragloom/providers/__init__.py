"""Models behind small protocols, found by ``model_name@factory`` ids."""

from ragloom.providers.catalog import ModelCatalog, ModelEntry, ModelId, ModelKind

__all__ = ["ModelCatalog", "ModelEntry", "ModelId", "ModelKind"]
