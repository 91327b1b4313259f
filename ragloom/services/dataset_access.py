"""The caller's datasets, refused in the words each RAGFlow route uses.

RAGFlow words "not yours" differently from route to route, and clients match the text, so
each service names its refusal; the check itself is always the same: the dataset exists and
belongs to the caller's tenant (an unknown id and another tenant's id are refused alike).
"""

from __future__ import annotations

from collections.abc import Iterable

from ragloom.errors import DataError, RagloomError
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import Transaction
from ragloom.storage.metadata.tables import Dataset

NO_AUTHORIZATION = "no authorization"


def no_authorization() -> DataError:
    """Tags, ingestion logs and indexes of a dataset that is not the caller's."""
    return DataError(NO_AUTHORIZATION)


def not_authorized_for(dataset_id: str) -> DataError:
    """Routes naming several datasets in their query string (tag aggregation, flattened metadata)."""
    return DataError(f"No authorization for dataset '{dataset_id}'")


def owned_dataset(tx: Transaction, caller: Caller, dataset_id: str, refusal: RagloomError) -> Dataset:
    """The caller's dataset, or ``refusal``."""
    dataset = tx.datasets.owned(caller.tenant_id, dataset_id)
    if dataset is None:
        raise refusal
    return dataset


def owned_datasets(tx: Transaction, caller: Caller, dataset_ids: Iterable[str]) -> list[str]:
    """The ids, each the caller's, without repeats; the first that is not refuses them all."""
    wanted = list(dict.fromkeys(dataset_ids))
    owned = tx.datasets.owned_ids(caller.tenant_id, wanted)
    for dataset_id in wanted:
        if dataset_id not in owned:
            raise not_authorized_for(dataset_id)
    return wanted
