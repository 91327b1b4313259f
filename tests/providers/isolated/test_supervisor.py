"""A model process under supervision: real child processes, real signals.

The built-in Universal Sentence Encoder (pure numpy, quick to load) is the hosted model; the
local chat model's process is tested in ``test_chat.py``.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from ragloom.errors import ProviderError
from ragloom.providers.embedding.builtin import BUILTIN_USE, load_builtin_embedding
from ragloom.providers.isolated import IsolatedEmbedding
from ragloom.providers.isolated.supervisor import describe_exit

pytestmark = pytest.mark.slow


@pytest.fixture
def model() -> Iterator[IsolatedEmbedding]:
    isolated = IsolatedEmbedding(BUILTIN_USE, 512, threads=1, stall_seconds=60)
    yield isolated
    isolated.close()


def wait_for_exit(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} is still alive")


def test_vectors_from_the_model_process_equal_the_model_run_here(model: IsolatedEmbedding) -> None:
    texts = ["Pandas eat bamboo.", "熊猫吃竹子。", ""]
    inline = load_builtin_embedding(BUILTIN_USE, threads=1)
    assert model.process.pid is None  # started by the first request, not before
    documents = model.embed_documents(texts)
    assert model.process.pid is not None
    assert model.process.pid != os.getpid()
    assert documents.shape == (3, 512)
    assert documents.dtype == np.float32
    np.testing.assert_allclose(documents, inline.embed_documents(texts), atol=1e-5)
    np.testing.assert_allclose(
        model.embed_query("Where do pandas live?"), inline.embed_query("Where do pandas live?"), atol=1e-5
    )
    assert model.embed_documents([]).shape == (0, 512)


def test_a_killed_model_process_fails_the_request_it_held_and_the_next_one_is_answered(
    model: IsolatedEmbedding,
) -> None:
    model.embed_query("warm up")
    first = model.process.pid
    assert first is not None
    os.kill(first, signal.SIGSTOP)  # hold the request in the process, then kill it under the request
    outcome: list[object] = []
    asking = threading.Thread(target=lambda: outcome.append(_try(lambda: model.embed_query("held"))))
    asking.start()
    time.sleep(0.3)
    os.kill(first, signal.SIGKILL)
    asking.join(10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], ProviderError)
    message = outcome[0].message
    assert message.startswith(f"Embedding model {BUILTIN_USE} stopped: ")
    assert "SIGKILL" in message
    assert model.embed_query("after the crash").shape == (512,)
    assert model.process.pid not in (None, first)


def test_every_waiting_request_hears_of_the_death(model: IsolatedEmbedding) -> None:
    model.embed_query("warm up")
    pid = model.process.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    outcomes: list[object] = []
    askers = [
        threading.Thread(target=lambda i=i: outcomes.append(_try(lambda: model.embed_query(f"question {i}"))))
        for i in range(4)
    ]
    for asker in askers:
        asker.start()
    time.sleep(0.3)
    os.kill(pid, signal.SIGILL)  # what an unsupported instruction in native code does
    os.kill(pid, signal.SIGCONT)
    for asker in askers:
        asker.join(10)
    assert len(outcomes) == 4
    assert all(isinstance(outcome, ProviderError) and "SIGILL" in outcome.message for outcome in outcomes)


def test_a_process_that_stops_answering_is_killed_and_replaced() -> None:
    model = IsolatedEmbedding(BUILTIN_USE, 512, threads=1, stall_seconds=1.5)
    try:
        model.embed_query("warm up")
        pid = model.process.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)  # hung: alive, silent
        started = time.monotonic()
        with pytest.raises(ProviderError, match=r"stopped answering for 1\.5 s"):
            model.embed_query("never answered")
        assert time.monotonic() - started < 10
        wait_for_exit(pid)
        assert model.embed_query("answered by the next process").shape == (512,)
    finally:
        model.close()


def test_a_process_still_loading_its_model_is_not_taken_for_stalled() -> None:
    model = IsolatedEmbedding(BUILTIN_USE, 512, threads=1, stall_seconds=1.0)
    try:
        exchange = model.process.call({"kind": "embed", "texts": ["slow start"], "query": True})
        pid = model.process.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)  # a load far slower than the stall limit
        replies: list[object] = []
        reader = threading.Thread(target=lambda: replies.append(_try(lambda: next(exchange.replies()))))
        reader.start()
        time.sleep(3.0)
        assert reader.is_alive()  # still waiting, not killed
        os.kill(pid, signal.SIGCONT)
        reader.join(30)
        exchange.finish()
        assert len(replies) == 1
        assert not isinstance(replies[0], ProviderError)
        assert model.process.pid == pid
    finally:
        model.close()


def test_a_load_failure_is_each_request_s_error_and_the_process_stays_up() -> None:
    model = IsolatedEmbedding("no-such-model@Builtin", 512, threads=1, stall_seconds=60)
    try:
        for _ in range(2):
            with pytest.raises(ProviderError, match="no-such-model@Builtin failed: it could not be loaded"):
                model.embed_query("x")
        pid = model.process.pid
        assert pid is not None
        with pytest.raises(ProviderError):
            model.embed_query("y")
        assert model.process.pid == pid
    finally:
        model.close()


def test_close_ends_the_process(model: IsolatedEmbedding) -> None:
    model.embed_query("warm up")
    pid = model.process.pid
    assert pid is not None
    model.close()
    wait_for_exit(pid)
    with pytest.raises(ProviderError, match="shutting down"):
        model.embed_query("after close")


def test_the_model_process_dies_with_its_parent() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from ragloom.providers.isolated import IsolatedEmbedding\n"
        f"model = IsolatedEmbedding({BUILTIN_USE!r}, 512, threads=1, stall_seconds=60)\n"
        "model.embed_query('x')\n"
        "print(model.process.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as parent:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        os.kill(child, 0)
        parent.kill()
        parent.wait()
        wait_for_exit(child)


def test_a_process_started_from_a_short_lived_thread_outlives_the_thread(model: IsolatedEmbedding) -> None:
    starter = threading.Thread(target=lambda: model.embed_query("started here"))
    starter.start()
    starter.join()
    pid = model.process.pid
    time.sleep(0.5)
    assert model.embed_query("still the same process").shape == (512,)
    assert model.process.pid == pid


def test_exit_descriptions_name_the_signal_or_status_and_the_last_line() -> None:
    assert describe_exit(-4, "") == "its process was killed by signal SIGILL"
    assert describe_exit(1, "MemoryError") == "its process exited with status 1 (last output: MemoryError)"


def _try(action: object) -> object:
    try:
        return action()  # type: ignore[operator]
    except ProviderError as error:
        return error
