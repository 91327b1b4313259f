"""The mind-map outline parser: RAGFlow's tree from a model's markdown, exactly."""

from __future__ import annotations

import pytest

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.mind_map import MAX_CHILDREN, MAX_DEPTH, clean_text, parse_outline


def leaf(text: str) -> dict[str, object]:
    return {"id": text, "children": []}


def test_headings_and_bullets_nest_under_one_root() -> None:
    answer = """```markdown
# Bananas
Some prose the model added.
## Nutrition
- **Potassium**: high
  - good for muscles
- Fibre
## Growing
* Tropical climates
1. Harvest green
```"""
    assert parse_outline(answer) == {
        "id": "Bananas",
        "children": [
            {
                "id": "Nutrition",
                "children": [
                    {"id": "Potassium: high", "children": [leaf("good for muscles")]},
                    leaf("Fibre"),
                ],
            },
            {"id": "Growing", "children": [leaf("Tropical climates"), leaf("Harvest green")]},
        ],
    }


def test_several_top_level_items_hang_under_root() -> None:
    answer = "## Fruit\n- [Bananas](http://x)\n## Bread\n- Sourdough:\n"
    assert parse_outline(answer) == {
        "id": "root",
        "children": [
            {"id": "Fruit", "children": [leaf("Bananas")]},
            {"id": "Bread", "children": [leaf("Sourdough")]},
        ],
    }


def test_a_repeated_item_is_left_out_with_what_hangs_under_it() -> None:
    answer = "# Map\n## A\n- x\n## B\n- X\n  - under the repeat\n- y\n"
    assert parse_outline(answer) == {
        "id": "Map",
        "children": [{"id": "A", "children": [leaf("x")]}, {"id": "B", "children": [leaf("y")]}],
    }


def test_depth_and_width_are_bounded() -> None:
    deep = "\n".join("#" * level + f" level {level}" for level in range(1, MAX_DEPTH + 3))
    tree = parse_outline(deep)
    depth = 0
    node = tree
    while node["children"]:
        (node,) = node["children"]
        depth += 1
    assert depth + 1 == MAX_DEPTH
    wide = "# Many\n" + "\n".join(f"- item {number}\n  - under {number}" for number in range(MAX_CHILDREN + 3))
    children = parse_outline(wide)["children"]
    assert [child["id"] for child in children] == [f"item {number}" for number in range(MAX_CHILDREN)]
    assert all(child["children"] == [leaf(f"under {number}")] for number, child in enumerate(children))


def test_the_same_answer_gives_the_same_tree() -> None:
    answer = "# T\n- b\n- a\n\t- c\n"
    assert (
        parse_outline(answer)
        == parse_outline(answer)
        == {
            "id": "T",
            "children": [leaf("b"), {"id": "a", "children": [leaf("c")]}],
        }
    )


@pytest.mark.parametrize("answer", ["", "Just prose, no outline.", "# \n- **  **"])
def test_an_answer_without_an_outline_is_unreadable(answer: str) -> None:
    with pytest.raises(UnreadableReplyError):
        parse_outline(answer)


def test_clean_text() -> None:
    assert clean_text("  `Key`  **term** ~~old~~ ##") == "Key term old"
    assert clean_text("Summary：") == "Summary"
