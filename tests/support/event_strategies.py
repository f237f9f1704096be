"""Hypothesis strategies for hostile events: real fixtures mutated at every path, ids made
of junk, arbitrary JSON values."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from tests.support.fixtures import event_names, load_event

VPC = "vpc-0a1b2c3d4e5f67890"


VPCE_1 = "vpce-0a1b2c3d4e5f60001"


SUBNET_A = "subnet-0aaaa1111bbbb2222"


RTB = "rtb-0a1b2c3d4e5f60001"


SG = "sg-0123456789abcdef0"


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
    | st.from_regex(r"(vpc|vpce|subnet|rtb|sg)-[0-9a-fA-F./ ]{0,20}", fullmatch=True)
    | st.sampled_from([VPC, VPCE_1, SG, RTB, SUBNET_A, "Client.DryRunOperation", "x" * 20_000])
)


json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _wrap(value: Any, how: str) -> Any:
    return {
        "list": [value],
        "tag": {"tag": 1, "content": value},
        "items": {"items": [value]},
        "deep": [[[{"content": [value]}]]],
        "twice": [value, value],
    }[how]


ID_LIKE = re.compile(r"(vpc|vpce|subnet|rtb|sg)-")


id_junk = st.from_regex(r"(vpc|vpce|subnet|rtb|sg)-[0-9a-fA-FxZ./ \n]{0,20}", fullmatch=True)


def _targets(event: Any) -> list[tuple[Any, ...]]:
    """Paths worth mutating more often: ids, and the objects that hold them."""
    paths = _paths(event)
    ids = [
        p for p in paths if p and isinstance(_at(event, p), str) and ID_LIKE.match(_at(event, p))
    ]
    holders = [p[:-1] for p in ids if len(p) > 1]
    return ids + holders or paths


def _at(root: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        root = root[key]
    return root


@st.composite
def mutated_events(draw: st.DrawFn, seeds: Sequence[Any] = ()) -> Any:
    """A real fixture (or one of ``seeds``), 1 to 4 times mutated: a key dropped, a value
    retyped, or nested."""
    if seeds:
        event: Any = copy.deepcopy(draw(st.sampled_from(list(seeds))))
    else:
        event = load_event(draw(st.sampled_from(event_names())))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        targeted = draw(st.booleans())
        path = draw(st.sampled_from(_targets(event) if targeted else _paths(event)))
        action = draw(st.sampled_from(["drop", "retype", "nest"]))
        if action == "retype":
            new = draw(id_junk | json_values if targeted else json_values)
        elif action == "nest":
            how = draw(st.sampled_from(["list", "tag", "items", "deep", "twice"]))
            new = _wrap(_at(event, path), how)
        if not path:
            if action != "drop":
                event = new
            continue
        parent = _at(event, path[:-1])
        if action == "drop":
            del parent[path[-1]]
        else:
            parent[path[-1]] = new
    return event
