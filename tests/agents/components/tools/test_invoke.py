"""Invoke: HTTP calls to a real local server, through ragloom's address guard and limits."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.agents.components.tools.stand_ins import BIG, SECRET, StandIns
from tests.agents.components.tools.support import call_tool, node_error, run_node, tool_services
from tests.agents.scripted import answer, component, dsl, refusal, run

ALLOW_LOCAL = {"invoke_allow_private_urls": True}


@pytest.fixture
def target() -> Iterator[StandIns]:
    server = StandIns().start()
    yield server
    server.close()


def test_a_get_renders_its_url_and_sends_variables_as_the_query(target: StandIns) -> None:
    with tool_services(**ALLOW_LOCAL) as services:
        events, state = run_node(
            "Invoke",
            "{Tool:1@result}",
            services,
            query="bamboo",
            url=target.url.removeprefix("http://") + "/{sys.query}/../echo",
            headers='{"X-Token": "{sys.user_id}"}',
            variables=[{"key": "q", "ref": "sys.query"}, {"key": "limit", "value": "3"}],
        )
    sent = json.loads(answer(events))
    assert sent["method"] == "GET"
    assert sent["query"] == {"q": "bamboo", "limit": "3"}
    assert sent["token"] == "user-1"
    assert json.loads(state.outputs["Tool:1"]["result"]) == sent


@pytest.mark.parametrize(("datatype", "expected"), [("json", '{"q": "bamboo"}'), ("formdata", "q=bamboo")])
def test_a_post_sends_its_variables_as_the_body(target: StandIns, datatype: str, expected: str) -> None:
    with tool_services(**ALLOW_LOCAL) as services:
        events, _ = run_node(
            "Invoke",
            "{Tool:1@result}",
            services,
            query="bamboo",
            url=f"{target.url}/echo",
            method="POST",
            datatype=datatype,
            variables=[{"key": "q", "ref": "{sys.query}"}],
        )
    sent = json.loads(answer(events))
    assert sent["method"] == "POST"
    assert sent["body"].replace(" ", "") == expected.replace(" ", "")


def test_clean_html_keeps_the_page_s_text(target: StandIns) -> None:
    with tool_services(**ALLOW_LOCAL) as services:
        events, _ = run_node("Invoke", "{Tool:1@result}", services, url=f"{target.url}/page", clean_html=True)
    assert answer(events) == "Pandas\nEat bamboo."


def test_as_a_tool_the_model_s_arguments_are_the_variables(target: StandIns) -> None:
    with tool_services(**ALLOW_LOCAL) as services:
        outputs, _ = call_tool(
            "Invoke",
            {"city": "Chengdu", "unknown": "ignored"},
            services,
            url=f"{target.url}/echo",
            variables=[{"key": "city", "value": "Beijing"}],
            description="Weather of a city.",
        )
        spec = run_spec(services, target)
    assert json.loads(outputs["result"])["query"] == {"city": "Chengdu"}
    assert spec["name"] == "invoke_http"
    assert spec["parameters"]["properties"]["city"]["type"] == "string"


def run_spec(services: object, target: StandIns) -> dict[str, object]:
    from ragloom.agents import Canvas, builtin_components

    tool = component("Invoke", url=f"{target.url}/x", variables=[{"key": "city", "value": "Beijing"}])
    document = dsl(begin=component("Begin", ["Tool:1"]), **{"Tool:1": tool})
    spec = Canvas.build(document, builtin_components()).components["Tool:1"].tool_spec()
    assert spec is not None
    return spec.as_openai()["function"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("{base}/echo", "the address 127.0.0.1 is not allowed for agents' HTTP calls"),
        ("http://localhost:{port}/echo", "the address of localhost is not allowed for agents' HTTP calls"),
        ("http://169.254.169.254/latest/meta-data", "the address 169.254.169.254 is not allowed"),
        ("http://[::1]:{port}/echo", "the address ::1 is not allowed"),
        ("ftp://example.com/file", "must start with http:// or https://"),
    ],
)
def test_loopback_private_and_metadata_addresses_are_refused_by_default(
    target: StandIns, url: str, reason: str
) -> None:
    port = target.url.rsplit(":", 1)[1]
    with tool_services() as services:
        events, _ = run_node("Invoke", "{Tool:1@result}", services, url=url.format(base=target.url, port=port))
    assert reason in node_error(events)
    assert target.requests == []


def test_metadata_stays_refused_when_private_addresses_are_allowed(target: StandIns) -> None:
    with tool_services(**ALLOW_LOCAL) as services:
        events, _ = run_node("Invoke", "{Tool:1@result}", services, url="http://169.254.169.254/latest")
    assert "169.254.169.254 is not allowed" in node_error(events)


def test_a_redirect_to_a_refused_address_is_refused(target: StandIns) -> None:
    with tool_services(invoke_allowed_networks=["127.0.0.1/32"]) as services:
        events, _ = run_node(
            "Invoke", "{Tool:1@result}", services, url=f"{target.url}/redirect?to=http://169.254.169.254/latest"
        )
    assert "the address of 169.254.169.254 is not allowed" in node_error(events)


def test_an_allowed_network_opens_that_network_only(target: StandIns) -> None:
    with tool_services(invoke_allowed_networks=["127.0.0.0/8"]) as services:
        events, _ = run_node("Invoke", "{Tool:1@result}", services, url=f"{target.url}/redirect?to=/echo")
    assert json.loads(answer(events))["method"] == "GET"


def test_an_error_status_fails_without_repeating_the_body(target: StandIns) -> None:
    with tool_services(**ALLOW_LOCAL) as services:
        events, _ = run_node("Invoke", "{Tool:1@result}", services, url=f"{target.url}/fail")
    error = node_error(events)
    assert "HTTP 500" in error
    assert SECRET not in json.dumps([event.data for event in events])


def test_a_slow_answer_times_out(target: StandIns) -> None:
    target.delay = 3.0
    with tool_services(**ALLOW_LOCAL, invoke_timeout_seconds=1) as services:
        events, _ = run_node("Invoke", "{Tool:1@result}", services, url=f"{target.url}/slow", timeout=60)
    assert "did not answer within 1 seconds" in node_error(events)


def test_an_oversized_answer_is_refused(target: StandIns) -> None:
    with tool_services(**ALLOW_LOCAL, invoke_max_response_size=BIG - 1) as services:
        events, _ = run_node("Invoke", "{Tool:1@result}", services, url=f"{target.url}/big")
    assert f"answered more than {BIG - 1} bytes" in node_error(events)


def test_a_failure_can_take_the_exception_branch(target: StandIns) -> None:
    with tool_services(**ALLOW_LOCAL) as services:
        events, _ = run(
            dsl(
                begin=component("Begin", ["Tool:1"]),
                **{
                    "Tool:1": component(
                        "Invoke",
                        ["Message:1"],
                        url=f"{target.url}/fail",
                        exception_method="comment",
                        exception_default_value="The service is down.",
                    ),
                    "Message:1": component("Message", content=["{Tool:1@result}"]),
                },
            ),
            services=services,
        )
    assert answer(events).startswith("The service is down.")


def test_bad_parameters_are_refused_when_the_dsl_is_loaded() -> None:
    def flow(**params: object) -> dict[str, object]:
        return dsl(begin=component("Begin", ["Tool:1"]), **{"Tool:1": component("Invoke", **params)})

    assert "'url'" in refusal(flow(url=""))
    assert "'method'" in refusal(flow(url="http://x", method="delete"))
    assert "'headers'" in refusal(flow(url="http://x", headers="{not json"))
