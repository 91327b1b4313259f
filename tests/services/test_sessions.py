"""Chat session rules, tested on the service without HTTP (contract §9.1–§9.6)."""

from __future__ import annotations

from typing import Any

import pytest

from ragloom.errors import AuthorizationError, DataError
from ragloom.services.container import Services
from ragloom.services.sessions import SessionListing, reply_index, session_name, with_feedback, without_turn
from ragloom.services.tenants import Caller

PROLOGUE = {"role": "assistant", "content": "Hi"}


def turn(message_id: str) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": f"q{message_id}", "id": message_id},
        {"role": "assistant", "content": f"a{message_id}", "id": message_id},
    ]


def test_session_names() -> None:
    assert session_name("  x ") == "x"
    assert session_name("y" * 300) == "y" * 255
    for value in ("", "  ", None, 3):
        with pytest.raises(DataError, match="^`name` can not be empty.$"):
            session_name(value)


def test_replies_pair_with_references_after_the_prologue() -> None:
    messages = [PROLOGUE, *turn("1"), *turn("2")]
    assert [reply_index(messages, position) for position in range(5)] == [None, None, 0, None, 1]
    # without a prologue the first reply still owns the first entry
    messages = [*turn("1"), *turn("2")]
    assert [reply_index(messages, position) for position in range(4)] == [None, 0, None, 1]
    assert reply_index([PROLOGUE, PROLOGUE], 1) is None


def test_without_turn_removes_the_pair_and_its_reference() -> None:
    messages = [PROLOGUE, *turn("1"), *turn("2"), *turn("3")]
    assert without_turn(messages, ["r1", "r2", "r3"], "2") == ([PROLOGUE, *turn("1"), *turn("3")], ["r1", "r3"])
    assert without_turn(messages, ["r1", "r2", "r3"], "1") == ([PROLOGUE, *turn("2"), *turn("3")], ["r2", "r3"])
    assert without_turn(messages, ["r1", "r2", "r3"], "x") == (messages, ["r1", "r2", "r3"])
    # a missing reference entry is not an error
    assert without_turn(messages, ["r1"], "3") == ([PROLOGUE, *turn("1"), *turn("2")], ["r1"])
    # a question still waiting for its answer owns no reference
    waiting = [PROLOGUE, *turn("1"), {"role": "user", "content": "q2", "id": "2"}]
    assert without_turn(waiting, ["r1"], "2") == ([PROLOGUE, *turn("1")], ["r1"])


def test_feedback_marks_only_the_answer() -> None:
    messages = [PROLOGUE, *turn("1")]
    down = with_feedback(messages, "1", False, "bad")
    assert down[1] == messages[1]
    assert down[2] == {**messages[2], "thumbup": False, "feedback": "bad"}
    assert "thumbup" not in messages[2]  # the input is not changed
    up = with_feedback(down, "1", True, "ignored")
    assert up[2] == {**messages[2], "thumbup": True}
    assert with_feedback(messages, "x", True, "") == messages


def test_session_lifecycle(services: Services, caller: Caller) -> None:
    chat = services.chats.create(caller, {"name": "c", "prompt_config": {"prologue": "Hello"}}).record
    session = services.sessions.create(caller, chat.id, {"name": " s ", "user_id": "ignored"})
    assert (session.name, session.user_id, session.tenant_id) == ("s", caller.tenant_id, caller.tenant_id)
    assert session.messages == [{"role": "assistant", "content": "Hello"}]
    assert services.sessions.get(caller, chat.id, session.id).avatar == ""
    assert services.sessions.list_page(caller, chat.id, SessionListing(page_size=0)) == []
    assert [s.id for s in services.sessions.list_page(caller, chat.id, SessionListing())] == [session.id]
    renamed = services.sessions.rename(caller, chat.id, session.id, {"name": "t"})
    assert renamed.name == "t"
    deletion = services.sessions.delete_many(caller, chat.id, [session.id, session.id], False)
    assert deletion is not None
    assert (deletion.success_count, deletion.errors) == (1, [f"Duplicate session ids: {session.id}"])
    with pytest.raises(DataError, match="^The chat doesn't own the session x$"):
        services.sessions.delete_many(caller, chat.id, ["x"], False)


def test_sessions_of_another_tenants_chat(services: Services, caller: Caller, other_caller: Caller) -> None:
    chat = services.chats.create(caller, {"name": "c"}).record
    session = services.sessions.create(caller, chat.id, {})
    for attempt in (
        lambda: services.sessions.create(other_caller, chat.id, {}),
        lambda: services.sessions.list_page(other_caller, chat.id, SessionListing()),
        lambda: services.sessions.get(other_caller, chat.id, session.id),
        lambda: services.sessions.rename(other_caller, chat.id, session.id, {"name": "x"}),
        lambda: services.sessions.delete_many(other_caller, chat.id, None, True),
        lambda: services.sessions.delete_message(other_caller, chat.id, session.id, "1"),
        lambda: services.sessions.set_feedback(other_caller, chat.id, session.id, "1", {"thumbup": True}),
    ):
        with pytest.raises(AuthorizationError):
            attempt()
