"""Method defaults and how parser configs combine."""

from ragloom.services.parser_config import (
    config_for_create,
    config_for_update,
    deep_merge,
    method_defaults,
)


def test_naive_defaults_match_ragflow() -> None:
    config = method_defaults("naive", llm_id="")
    assert config["chunk_token_num"] == 512
    assert config["delimiter"] == "\n"
    assert config["raptor"]["use_raptor"] is True
    assert config["graphrag"]["entity_types"] == ["organization", "person", "geo", "event", "category"]
    assert config["parent_child"] == {"use_parent_child": False, "children_delimiter": "\n"}
    assert config["children_delimiter"] == ""
    assert config["llm_id"] == ""


def test_other_methods_defaults() -> None:
    assert method_defaults("qa") == {
        "raptor": {"use_raptor": False},
        "graphrag": {"use_graphrag": False},
        "image_context_size": 0,
        "table_context_size": 0,
    }
    assert method_defaults("table") == {"image_context_size": 0, "table_context_size": 0}
    assert method_defaults("knowledge_graph")["chunk_token_num"] == 8192


def test_defaults_are_fresh_copies() -> None:
    method_defaults("naive")["raptor"]["use_raptor"] = False
    assert method_defaults("naive")["raptor"]["use_raptor"] is True


def test_deep_merge_merges_dicts_and_replaces_the_rest() -> None:
    base = {"a": {"x": 1, "y": [1]}, "b": 2}
    assert deep_merge(base, {"a": {"y": [2]}, "c": 3}) == {"a": {"x": 1, "y": [2]}, "b": 2, "c": 3}
    assert base == {"a": {"x": 1, "y": [1]}, "b": 2}


def test_create_merges_given_config_over_defaults_and_lifts_ext() -> None:
    config = config_for_create(
        "naive",
        {
            "chunk_token_num": 128,
            "ext": {"custom": True},
            "parent_child": {"use_parent_child": True, "children_delimiter": ";"},
        },
        llm_id="m@f",
    )
    assert config["chunk_token_num"] == 128
    assert config["custom"] is True
    assert "ext" not in config
    assert config["children_delimiter"] == ";"
    assert config["llm_id"] == "m@f"
    assert config["raptor"]["use_raptor"] is True


def test_update_turning_parent_child_off_resets_it() -> None:
    current = config_for_create("naive", None, llm_id="")
    updated = config_for_update(current, {"parent_child": {"use_parent_child": False}})
    assert updated["parent_child"] == {}
    assert updated["children_delimiter"] == ""
    assert updated["enable_children"] is False
    assert updated["chunk_token_num"] == 512
