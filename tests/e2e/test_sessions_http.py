"""Chat sessions over raw HTTP against a live server (contract §9.1–§9.6, §2.4, §2.6).

Conversations are written into sessions the way the completions route stores them
(:func:`store_turns`), since these tests have no model to hold one with.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.chats_support import HTTP_DATE, NO_AUTHORIZATION, SESSION_KEYS, Api, is_uuid1_hex, refused, store_turns
from tests.e2e.conftest import LiveServer

PROLOGUE = {"role": "assistant", "content": "Hi! I'm your assistant. What can I do for you?"}
REFERENCE_CHUNK_KEYS = {
    "id",
    "content",
    "document_id",
    "document_name",
    "dataset_id",
    "image_id",
    "positions",
    "url",
    "similarity",
    "vector_similarity",
    "term_similarity",
    "row_id",
    "doc_type",
    "document_metadata",
}


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Api:
    return Api(live_server)


@pytest.fixture(scope="module")
def other_http(live_server: LiveServer) -> Api:
    return Api(live_server, live_server.other_key)


@pytest.fixture
def chat(http: Api, unique_name: str) -> dict[str, Any]:
    return http.create_chat(unique_name, icon="data:image/png;base64,AAAA")


def turn(message_id: str, question: str, answer: str) -> list[dict[str, Any]]:
    """A question and its answer as completions stores them (the answer reuses the question's id)."""
    return [
        {"role": "user", "content": question, "id": message_id},
        {"role": "assistant", "content": answer, "id": message_id, "created_at": 1755055623.64},
    ]


def reference(label: str) -> dict[str, Any]:
    return {
        "chunks": [
            {
                "id": f"chunk-{label}",
                "content": f"content {label}",
                "document_id": "doc",
                "document_name": "a.txt",
                "dataset_id": "ds",
                "image_id": "",
                "positions": [],
                "url": None,
                "similarity": 0.5,
                "vector_similarity": 0.4,
                "term_similarity": 0.6,
                "row_id": None,
                "doc_type": "",
                "document_metadata": None,
            }
        ],
        "doc_aggs": [{"doc_name": "a.txt", "doc_id": "doc", "count": 1}],
    }


# ---- create -------------------------------------------------------------------------------------


def test_create_session(http, chat):
    session = http.create_session(chat["id"])
    assert set(session) == SESSION_KEYS
    assert is_uuid1_hex(session["id"])
    assert session["chat_id"] == chat["id"]
    assert session["name"] == "New session"
    assert session["messages"] == [PROLOGUE]
    assert session["reference"] == []
    assert session["user_id"] == chat["tenant_id"]
    assert session["update_time"] == session["create_time"]
    assert HTTP_DATE.match(session["create_date"])
    assert HTTP_DATE.match(session["update_date"])


def test_the_first_message_is_the_chats_prologue(http, unique_name):
    chat = http.create_chat(unique_name, prompt_config={"prologue": "Ask me about fruit."})
    assert http.create_session(chat["id"])["messages"] == [{"role": "assistant", "content": "Ask me about fruit."}]
    http.data("PUT", f"/chats/{chat['id']}", json={"prompt_config": {"system": "x"}})
    assert http.create_session(chat["id"])["messages"] == [{"role": "assistant", "content": ""}]


def test_session_names(http, chat):
    assert http.create_session(chat["id"], name="  Fruit  ")["name"] == "Fruit"
    assert http.create_session(chat["id"], name="x" * 300)["name"] == "x" * 255
    # duplicates are allowed
    assert http.create_session(chat["id"], name="Fruit")["name"] == "Fruit"
    assert http.data("POST", f"/chats/{chat['id']}/sessions")["name"] == "New session"
    for name in ["", "   ", None, 5, ["a"]]:
        refused(http.error("POST", f"/chats/{chat['id']}/sessions", json={"name": name}), "`name` can not be empty.")


def test_the_user_is_always_the_caller(http, chat):
    session = http.create_session(chat["id"], user_id="someone-else")
    assert session["user_id"] == chat["tenant_id"]


# ---- list ---------------------------------------------------------------------------------------


def test_list_sessions(http, chat):
    created = []
    for name in ("b", "c", "a"):
        created.append(http.create_session(chat["id"], name=name))
        time.sleep(0.01)
    ids = [session["id"] for session in created]
    path = f"/chats/{chat['id']}/sessions"

    def listed(**params: Any) -> list[str]:
        return [session["id"] for session in http.data("GET", path, params=params)]

    sessions = http.data("GET", path)
    assert [session["id"] for session in sessions] == ids[::-1]
    assert all(set(session) == SESSION_KEYS for session in sessions)
    assert listed(desc="false") == ids
    assert listed(desc="FALSE") == ids
    assert listed(orderby="name", desc="false") == [ids[2], ids[0], ids[1]]
    assert listed(page=1, page_size=2) == ids[::-1][:2]
    assert listed(page=2, page_size=2) == ids[:1]
    assert listed(page=3, page_size=2) == []
    assert listed(page_size=0) == []
    assert listed(id=ids[1]) == [ids[1]]
    assert listed(name="a") == [ids[2]]
    assert listed(name="A") == []
    assert listed(user_id=chat["tenant_id"]) == ids[::-1]
    assert listed(user_id="someone") == []
    assert listed(id="0" * 32) == []


def test_list_keeps_references_raw(http, live_server, chat):
    session = http.create_session(chat["id"])
    raw = {"chunks": [{"chunk_id": "c1", "content_with_weight": "text", "doc_id": "d1"}], "doc_aggs": []}
    store_turns(live_server, session["id"], [PROLOGUE, *turn("m1", "q", "a")], [raw])
    (listed,) = http.data("GET", f"/chats/{chat['id']}/sessions", params={"id": session["id"]})
    assert listed["reference"] == [raw]
    assert "avatar" not in listed


def test_list_parameter_errors(http, chat):
    path = f"/chats/{chat['id']}/sessions"
    assert http.call("GET", path, params={"page_size": 101}) == {
        "code": 100,
        "message": "ValueError('page_size must be less than or equal to 100')",
        "data": None,
    }
    assert http.call("GET", path, params={"page_size": "x"}) == {
        "code": 100,
        "message": "ValueError(\"invalid literal for int() with base 10: 'x'\")",
        "data": None,
    }


# ---- get ----------------------------------------------------------------------------------------


def test_get_session_adds_the_avatar_and_formats_references(http, live_server, chat):
    session = http.create_session(chat["id"])
    internal = {
        "chunk_id": "c1",
        "content_with_weight": "Apples grow in cold orchards.",
        "doc_id": "d1",
        "docnm_kwd": "fruit.txt",
        "kb_id": "k1",
        "img_id": "",
        "position_int": [[1, 2, 3, 4, 5]],
        "doc_type_kwd": "",
        "similarity": 0.9,
        "vector_similarity": 0.8,
        "term_similarity": 0.95,
        "content_ltks": "apple grow",
    }
    messages = [PROLOGUE, *turn("m1", "Apples?", "Cold orchards [ID:0]."), *turn("m2", "Quote off?", "Yes.")]
    store_turns(live_server, session["id"], messages, [{"chunks": [internal], "doc_aggs": []}, {}])

    fetched = http.data("GET", f"/chats/{chat['id']}/sessions/{session['id']}")
    assert set(fetched) == SESSION_KEYS | {"avatar"}
    assert fetched["avatar"] == chat["icon"]
    assert fetched["messages"] == messages
    first, second = fetched["reference"]
    (chunk,) = first["chunks"]
    assert set(chunk) == REFERENCE_CHUNK_KEYS
    assert chunk == {
        "id": "c1",
        "content": "Apples grow in cold orchards.",
        "document_id": "d1",
        "document_name": "fruit.txt",
        "dataset_id": "k1",
        "image_id": "",
        "positions": [[1, 2, 3, 4, 5]],
        "url": None,
        "similarity": 0.9,
        "vector_similarity": 0.8,
        "term_similarity": 0.95,
        "row_id": None,
        "doc_type": "",
        "document_metadata": None,
    }
    assert first["doc_aggs"] == []
    assert second == {"chunks": []}

    # the public shape stays as it is
    store_turns(live_server, session["id"], messages[:3], [reference("x")])
    fetched = http.data("GET", f"/chats/{chat['id']}/sessions/{session['id']}")
    assert fetched["reference"] == [reference("x")]


def test_get_session_errors(http, chat, unique_name):
    other_chat = http.create_chat(f"{unique_name}-other")
    elsewhere = http.create_session(other_chat["id"])
    refused(http.error("GET", f"/chats/{chat['id']}/sessions/{'0' * 32}"), "Session not found!")
    refused(
        http.error("GET", f"/chats/{chat['id']}/sessions/{elsewhere['id']}"), "Session does not belong to this chat!"
    )


# ---- rename -------------------------------------------------------------------------------------


def test_rename_session(http, chat):
    session = http.create_session(chat["id"])
    path = f"/chats/{chat['id']}/sessions/{session['id']}"
    time.sleep(0.01)

    renamed = http.data("PATCH", path, json={"name": "  Fruit questions  ", "user_id": "x", "chat_id": "y"})
    assert renamed["name"] == "Fruit questions"
    assert (renamed["user_id"], renamed["chat_id"]) == (session["user_id"], chat["id"])
    assert renamed["update_time"] > session["update_time"]
    assert set(renamed) == SESSION_KEYS
    assert http.data("PUT", path, json={"name": "y" * 300})["name"] == "y" * 255
    assert http.data("PATCH", path, json={})["name"] == "y" * 255
    assert http.data("PATCH", path, json={"name": None})["name"] == "y" * 255


def test_rename_errors(http, chat, unique_name):
    session = http.create_session(chat["id"])
    path = f"/chats/{chat['id']}/sessions/{session['id']}"
    for body, message in [
        ({"messages": []}, "`messages` cannot be changed."),
        ({"message": [], "name": "x"}, "`messages` cannot be changed."),
        ({"reference": []}, "`reference` cannot be changed."),
        ({"name": ""}, "`name` can not be empty."),
        ({"name": "  "}, "`name` can not be empty."),
        ({"name": 3}, "`name` can not be empty."),
    ]:
        for method in ("PATCH", "PUT"):
            refused(http.error(method, path, json=body), message)
    other_chat = http.create_chat(f"{unique_name}-other")
    elsewhere = http.create_session(other_chat["id"])
    # a session of another chat is simply not found here
    refused(
        http.error("PATCH", f"/chats/{chat['id']}/sessions/{elsewhere['id']}", json={"name": "x"}), "Session not found!"
    )
    refused(http.error("PATCH", f"/chats/{chat['id']}/sessions/{'0' * 32}", json={"name": "x"}), "Session not found!")
    assert http.data("GET", path)["name"] == "New session"


# ---- delete -------------------------------------------------------------------------------------


def test_delete_sessions(http, chat, unique_name):
    one, two, three = (http.create_session(chat["id"], name=str(n)) for n in range(3))
    other_chat = http.create_chat(f"{unique_name}-other")
    elsewhere = http.create_session(other_chat["id"])
    path = f"/chats/{chat['id']}/sessions"

    assert http.call("DELETE", path, json={"ids": [one["id"]]}) == {"code": 0, "message": "success", "data": True}
    body = http.call("DELETE", path, json={"ids": [two["id"], elsewhere["id"], two["id"], one["id"]]})
    assert body == {
        "code": 0,
        "message": "Partially deleted 1 sessions with 3 errors",
        "data": {
            "success_count": 1,
            "errors": [
                f"The chat doesn't own the session {elsewhere['id']}",
                f"The chat doesn't own the session {one['id']}",
                f"Duplicate session ids: {two['id']}",
            ],
        },
    }
    refused(
        http.error("DELETE", path, json={"ids": [one["id"], "nope"]}),
        f"The chat doesn't own the session {one['id']}; The chat doesn't own the session nope",
    )
    assert [session["id"] for session in http.data("GET", path)] == [three["id"]]
    # the other chat's session is untouched
    assert http.data("GET", f"/chats/{other_chat['id']}/sessions/{elsewhere['id']}")["id"] == elsewhere["id"]


def test_delete_sessions_with_nothing_named_does_nothing(http, chat):
    session = http.create_session(chat["id"])
    path = f"/chats/{chat['id']}/sessions"
    for body in [None, {}, {"ids": None}, {"ids": []}, {"ids": None, "delete_all": False}, {"delete_all": 1}]:
        options = {} if body is None else {"json": body}
        assert http.data("DELETE", path, **options) == {}
    assert [listed["id"] for listed in http.data("GET", path)] == [session["id"]]


def test_delete_all_sessions(http, chat, unique_name):
    for _ in range(3):
        http.create_session(chat["id"])
    other_chat = http.create_chat(f"{unique_name}-other")
    kept = http.create_session(other_chat["id"])
    path = f"/chats/{chat['id']}/sessions"
    assert http.data("DELETE", path, json={"ids": None, "delete_all": True}) is True
    assert http.data("GET", path) == []
    assert http.data("DELETE", path, json={"delete_all": True}) == {}
    assert [session["id"] for session in http.data("GET", f"/chats/{other_chat['id']}/sessions")] == [kept["id"]]


# ---- messages -----------------------------------------------------------------------------------


def test_delete_a_message_removes_the_turn_and_its_reference(http, live_server, chat):
    session = http.create_session(chat["id"])
    messages = [PROLOGUE, *turn("m1", "q1", "a1"), *turn("m2", "q2", "a2"), *turn("m3", "q3", "a3")]
    references = [reference("1"), reference("2"), reference("3")]
    store_turns(live_server, session["id"], messages, references)
    path = f"/chats/{chat['id']}/sessions/{session['id']}/messages"

    after = http.data("DELETE", f"{path}/m2")
    assert set(after) == SESSION_KEYS
    assert after["messages"] == [PROLOGUE, *turn("m1", "q1", "a1"), *turn("m3", "q3", "a3")]
    assert after["reference"] == [reference("1"), reference("3")]
    assert http.data("GET", f"/chats/{chat['id']}/sessions/{session['id']}")["messages"] == after["messages"]

    # an unknown id changes nothing
    assert http.data("DELETE", f"{path}/unknown")["messages"] == after["messages"]

    after = http.data("DELETE", f"{path}/m1")
    assert after["messages"] == [PROLOGUE, *turn("m3", "q3", "a3")]
    assert after["reference"] == [reference("3")]

    after = http.data("DELETE", f"{path}/m3")
    assert (after["messages"], after["reference"]) == ([PROLOGUE], [])


def test_delete_a_question_without_an_answer_keeps_the_references(http, live_server, chat):
    session = http.create_session(chat["id"])
    messages = [PROLOGUE, *turn("m1", "q1", "a1"), {"role": "user", "content": "q2", "id": "m2"}]
    store_turns(live_server, session["id"], messages, [reference("1")])
    after = http.data("DELETE", f"/chats/{chat['id']}/sessions/{session['id']}/messages/m2")
    assert (after["messages"], after["reference"]) == ([PROLOGUE, *turn("m1", "q1", "a1")], [reference("1")])


def test_message_routes_need_a_session_of_the_chat(http, chat, unique_name):
    other_chat = http.create_chat(f"{unique_name}-other")
    elsewhere = http.create_session(other_chat["id"])
    for session_id in (elsewhere["id"], "0" * 32):
        base = f"/chats/{chat['id']}/sessions/{session_id}/messages/m1"
        refused(http.error("DELETE", base), "Session not found!")
        refused(http.error("PUT", f"{base}/feedback", json={"thumbup": True}), "Session not found!")


def test_feedback(http, live_server, chat):
    session = http.create_session(chat["id"])
    messages = [PROLOGUE, *turn("m1", "q1", "a1"), *turn("m2", "q2", "a2")]
    store_turns(live_server, session["id"], messages, [reference("1"), reference("2")])
    path = f"/chats/{chat['id']}/sessions/{session['id']}/messages/m1/feedback"

    down = http.data("PUT", path, json={"thumbup": False, "feedback": "Wrong fruit"})
    assert set(down) == SESSION_KEYS
    question, answer = down["messages"][1:3]
    assert "thumbup" not in question
    assert (answer["thumbup"], answer["feedback"]) == (False, "Wrong fruit")
    assert down["messages"][3:] == messages[3:]
    assert down["reference"] == [reference("1"), reference("2")]

    up = http.data("PUT", path, json={"thumbup": True, "feedback": "ignored"})
    assert up["messages"][2]["thumbup"] is True
    assert "feedback" not in up["messages"][2]

    down = http.data("PUT", path, json={"thumbup": False})
    assert down["messages"][2]["thumbup"] is False
    assert "feedback" not in down["messages"][2]
    stored = http.data("GET", f"/chats/{chat['id']}/sessions/{session['id']}")
    assert stored["messages"] == down["messages"]

    for body in [{}, {"thumbup": "true"}, {"thumbup": 1}, {"thumbup": None}]:
        refused(http.error("PUT", path, json=body), "thumbup must be a boolean")
    # an unknown message changes nothing
    unchanged = http.data("PUT", path.replace("/m1/", "/nope/"), json={"thumbup": True})
    assert unchanged["messages"] == down["messages"]


# ---- tenant isolation -----------------------------------------------------------------------------


def test_another_tenants_chat_is_not_authorized_on_every_session_route(http, other_http, chat):
    session = http.create_session(chat["id"])
    base = f"/chats/{chat['id']}/sessions"
    one = f"{base}/{session['id']}"
    calls = [
        ("POST", base, {"json": {"name": "x"}}),
        ("GET", base, {}),
        ("DELETE", base, {"json": {"ids": [session["id"]]}}),
        ("DELETE", base, {"json": {"delete_all": True}}),
        ("GET", one, {}),
        ("PATCH", one, {"json": {"name": "x"}}),
        ("PUT", one, {"json": {"name": "x"}}),
        ("DELETE", f"{one}/messages/m1", {}),
        ("PUT", f"{one}/messages/m1/feedback", {"json": {"thumbup": True}}),
    ]
    for method, path, options in calls:
        assert other_http.call(method, path, **options) == NO_AUTHORIZATION, (method, path)
        unknown = path.replace(chat["id"], "0" * 32)
        assert http.call(method, unknown, **options) == NO_AUTHORIZATION, (method, unknown)
    assert http.data("GET", one)["name"] == "New session"


def test_an_empty_chat_id_is_a_wrong_method(http):
    for method in ("POST", "GET", "DELETE"):
        assert http.call(method, "/chats//sessions", json={"name": "x"}) == {
            "code": 100,
            "message": "<MethodNotAllowed '405: Method Not Allowed'>",
            "data": None,
        }
