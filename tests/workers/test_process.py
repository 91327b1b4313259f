"""The worker loop: it claims nothing until the models it was asked to load are loaded."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from ragloom.services.container import Services
from ragloom.services.task_ledger import ClaimedTask, TaskLedger
from ragloom.settings import Settings
from ragloom.workers import process


def test_a_worker_claims_nothing_until_its_models_are_loaded(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    loading, release = threading.Event(), threading.Event()
    loaded: list[Sequence[str]] = []
    claims: list[bool] = []  # per claim: whether the models were loaded by then

    def slow_load(_services: Services, models: Sequence[str]) -> None:
        loading.set()
        release.wait(10)
        loaded.append(models)

    def claim(_ledger: TaskLedger, _worker: str) -> ClaimedTask | None:
        claims.append(bool(loaded))
        return None

    monkeypatch.setattr(process, "_load", slow_load)
    monkeypatch.setattr(TaskLedger, "claim", claim)
    stop = threading.Event()
    worker = threading.Thread(target=process.run_worker, args=(settings, stop), kwargs={"warm": ("model",)})
    worker.start()
    try:
        assert loading.wait(10)
        stop.wait(3 * settings.workers.poll_interval_seconds)
        assert claims == []
        release.set()
        for _ in range(100):
            if claims:
                break
            stop.wait(0.1)
        assert claims
        assert all(claims)
    finally:
        release.set()
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
