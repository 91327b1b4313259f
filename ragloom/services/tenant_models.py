"""Remote models a tenant configures for itself through the API.

Server-wide models come from the settings file (``[[models.remote]]``); a tenant adds its
own — its OpenAI key, its Ollama server — without touching the server's configuration.
They are usable only by that tenant (datasets, chats, retrieval, parse workers all look
models up for the tenant they work for) and shadow a server-wide model of the same id.

Their ``base_url`` is the tenant's to choose, so it is held to the operator's
:class:`~ragloom.providers.address_guard.AddressPolicy`: a URL wrong on its face is refused
when saved, and every connection is vetted again when made.
"""

from __future__ import annotations

from typing import Any

from ragloom.clock import now_ms
from ragloom.errors import ArgumentError, DataError
from ragloom.ids import new_id
from ragloom.providers.address_guard import AddressPolicy
from ragloom.providers.catalog import BUILTIN_FACTORY, TenantModels, remote_entry
from ragloom.services.tenants import Caller
from ragloom.settings import RemoteModel
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import TenantModel


def tenant_model_reader(store: MetadataStore) -> TenantModels:
    """What the model catalog calls to learn one tenant's own models (read fresh each time, so
    a change made through one process is seen by every server and worker process)."""

    def read(tenant_id: str) -> list[RemoteModel]:
        with store.reading() as tx:
            rows = tx.tenant_models.of_tenant(tenant_id)
        return [RemoteModel.model_validate(row.settings) for row in rows]

    return read


class TenantModelService:
    """Adds, lists and removes a tenant's own remote models; ``addresses`` is what their URLs may name."""

    def __init__(self, store: MetadataStore, addresses: AddressPolicy) -> None:
        self._store = store
        self._addresses = addresses

    def list(self, caller: Caller) -> list[dict[str, Any]]:
        with self._store.reading() as tx:
            return [public(row) for row in tx.tenant_models.of_tenant(caller.tenant_id)]

    def put(self, caller: Caller, model: RemoteModel) -> dict[str, Any]:
        """Add ``model``, or replace the tenant's model of the same id and kind."""
        if model.factory.lower() == BUILTIN_FACTORY.lower():
            raise ArgumentError("Invalid model: factory: built-in models ship with ragloom and cannot be configured")
        problem = self._addresses.url_problem(model.base_url)
        if problem is not None:
            raise ArgumentError(f"Invalid model: base_url: {problem}")
        settings = model.model_dump(mode="json")
        settings["api_key"] = model.api_key.get_secret_value() if model.api_key is not None else None
        key = str(remote_entry(model).id).lower()
        now = now_ms()
        with self._store.writing() as tx:
            row = tx.tenant_models.find(caller.tenant_id, key, model.kind)
            if row is None:
                row = tx.tenant_models.add(
                    TenantModel(
                        id=new_id(),
                        tenant_id=caller.tenant_id,
                        model_key=key,
                        kind=model.kind,
                        settings=settings,
                        create_time=now,
                        update_time=now,
                    )
                )
            else:
                row.settings = settings
                row.update_time = now
            return public(row)

    def delete(self, caller: Caller, model_row_id: str) -> None:
        """Remove one of the tenant's models; an embedding model its datasets use is kept."""
        with self._store.writing() as tx:
            row = tx.tenant_models.get(caller.tenant_id, model_row_id)
            if row is None:
                raise DataError(f"The tenant has no model {model_row_id}")
            if row.kind == "embedding":
                model_id = f"{row.settings['name']}@{row.settings['factory']}".lower()
                users = [
                    dataset.name
                    for dataset in tx.datasets.of_tenant(caller.tenant_id)
                    if dataset.embedding_model.lower() == model_id
                ]
                if users:
                    raise DataError(f"Datasets embed with this model: {', '.join(sorted(users))}")
            tx.tenant_models.delete(row)


def public(row: TenantModel) -> dict[str, Any]:
    """A tenant model as the API shows it: the API key only as a hint."""
    settings = dict(row.settings)
    secret = settings.pop("api_key", None)
    return {
        "id": row.id,
        "model_id": f"{settings['name']}@{settings['factory']}",
        **settings,
        "api_key": f"{secret[:3]}...{secret[-4:]}" if isinstance(secret, str) and len(secret) > 8 else bool(secret),
        "create_time": row.create_time,
        "update_time": row.update_time,
    }
