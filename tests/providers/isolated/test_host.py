"""The model process's request loop, driven over real pipes with a scripted model at the edge."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

import pytest

from ragloom.providers.chat.protocol import Usage
from ragloom.providers.isolated.frames import Frame, read_frame, write_frame
from ragloom.providers.isolated.host import ModelHost
from ragloom.providers.isolated.spec import HostedKind, HostSpec


class ScriptedGenerator:
    """Writes ``word0 word1 …`` one word every ``pause`` seconds; records how each generation ended."""

    def __init__(self, pause: float = 0.02) -> None:
        self.pause = pause
        self.ended: list[tuple[str, str]] = []  # (first message, "finished" | "cancelled")

    def generate(
        self, messages: list[dict[str, str]], settings: dict[str, object], cancelled: Callable[[], bool]
    ) -> Iterator[str]:
        name = messages[0]["content"]
        if name == "explode":
            raise RuntimeError("the model broke")
        for position in range(int(str(settings.get("max_tokens", 5)))):
            if cancelled():
                self.ended.append((name, "cancelled"))
                return
            time.sleep(self.pause)
            yield f"word{position} "
        self.ended.append((name, "finished"))

    def usage(self, messages: list[dict[str, str]], answer: str) -> Usage:
        return Usage(len(messages), len(answer.split()))


class Pipes:
    """A host serving on one thread, with the server's ends of its two pipes."""

    def __init__(self, generator: ScriptedGenerator) -> None:
        to_host_read, to_host_write = os.pipe()
        from_host_read, from_host_write = os.pipe()
        self.requests: IO[bytes] = os.fdopen(to_host_write, "wb")
        self.replies: IO[bytes] = os.fdopen(from_host_read, "rb")
        self._host_in = os.fdopen(to_host_read, "rb")
        self._host_out = os.fdopen(from_host_write, "wb")
        host = ModelHost(HostSpec("scripted@Builtin", HostedKind.CHAT), self._host_out, model=generator)
        self.thread = threading.Thread(target=host.serve, args=(self._host_in,), daemon=True)
        self.thread.start()
        ready = read_frame(self.replies)
        assert ready == Frame({"id": 0, "kind": "ready"})  # the host says once that its model is loaded

    def send(self, **header: object) -> None:
        write_frame(self.requests, Frame(dict(header)))

    def read_until_final(self, request_id: int) -> list[Frame]:
        frames = []
        while (frame := read_frame(self.replies)) is not None:
            if frame.id == request_id:
                frames.append(frame)
                if frame.kind in ("done", "error"):
                    return frames
        raise AssertionError("the host closed its replies")

    def close(self) -> None:
        self.requests.close()
        self.thread.join(10)
        for stream in (self.replies, self._host_in, self._host_out):
            stream.close()


@pytest.fixture
def generator() -> ScriptedGenerator:
    return ScriptedGenerator()


@pytest.fixture
def pipes(generator: ScriptedGenerator) -> Iterator[Pipes]:
    opened = Pipes(generator)
    yield opened
    opened.close()


def generate(pipes: Pipes, request_id: int, name: str, max_tokens: int) -> None:
    pipes.send(
        id=request_id, kind="generate", messages=[{"role": "user", "content": name}], options={"max_tokens": max_tokens}
    )


def test_a_generation_streams_its_fragments_then_its_usage(pipes: Pipes) -> None:
    generate(pipes, 1, "a", 3)
    frames = pipes.read_until_final(1)
    assert [frame.header.get("text") for frame in frames[:-1]] == ["word0 ", "word1 ", "word2 "]
    assert frames[-1].header == {"id": 1, "kind": "done", "usage": {"prompt_tokens": 1, "completion_tokens": 3}}


def test_a_cancel_stops_the_running_generation_and_skips_a_queued_one(
    pipes: Pipes, generator: ScriptedGenerator
) -> None:
    generate(pipes, 1, "long", 10_000)
    generate(pipes, 2, "queued", 10_000)
    generate(pipes, 3, "next", 2)
    first = read_frame(pipes.replies)
    assert first is not None
    assert first.id == 1
    pipes.send(id=2, kind="cancel")
    pipes.send(id=1, kind="cancel")
    started = time.monotonic()
    assert [frame.kind for frame in pipes.read_until_final(3)] == ["text", "text", "done"]
    assert time.monotonic() - started < 5
    assert generator.ended == [("long", "cancelled"), ("next", "finished")]


def test_cancelling_a_finished_request_changes_nothing(pipes: Pipes) -> None:
    generate(pipes, 1, "a", 1)
    pipes.read_until_final(1)
    pipes.send(id=1, kind="cancel")
    generate(pipes, 2, "b", 1)
    assert pipes.read_until_final(2)[-1].kind == "done"


def test_a_failing_request_is_answered_with_its_error_and_the_next_is_served(pipes: Pipes) -> None:
    generate(pipes, 1, "explode", 3)
    assert pipes.read_until_final(1) == [Frame({"id": 1, "kind": "error", "message": "RuntimeError: the model broke"})]
    pipes.send(id=2, kind="embed", texts=["x"], query=True)
    assert "cannot answer 'embed'" in pipes.read_until_final(2)[0].header["message"]
    generate(pipes, 3, "fine", 1)
    assert pipes.read_until_final(3)[-1].kind == "done"


def test_closing_the_request_pipe_stops_a_generation_and_ends_the_loop(
    pipes: Pipes, generator: ScriptedGenerator
) -> None:
    generate(pipes, 1, "long", 10_000)
    assert read_frame(pipes.replies) is not None
    pipes.requests.close()
    pipes.thread.join(5)
    assert not pipes.thread.is_alive()
    assert generator.ended == [("long", "cancelled")]
