"""The live server answers and the SDK's basic dataset round trip works."""

import requests


def test_server_answers_ping_and_health(live_server):
    assert requests.get(f"{live_server.api_url}/system/ping", timeout=5).text == "pong"
    health = requests.get(f"{live_server.api_url}/system/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"


def test_sdk_creates_lists_and_deletes_a_dataset(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    assert [d.id for d in rag.list_datasets(name=unique_name)] == [dataset.id]
    rag.delete_datasets(ids=[dataset.id])
    assert unique_name not in [d.name for d in rag.list_datasets(page_size=100)]
