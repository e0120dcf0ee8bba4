"""Property-based test of the routing fast path against Werkzeug.

For generated rule sets and paths, :func:`quart.routing.match` (with its
per-adapter cache, cold and warm) gives exactly what Werkzeug's own matcher
gives: the same endpoint and arguments, or the same redirect, 404 or 405.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.routing import RequestRedirect
from werkzeug.routing import Rule

from quart.routing import match
from quart.routing import QuartMap
from quart.routing import QuartRule

_RULE_SEGMENTS = st.sampled_from(
    ["a", "b", "a.txt", "<v>", "<int:v>", "<int(signed=True):v>", "<path:v>", "<float:v>",
     "<string(length=2):v>", "<any(a,b):v>", "<uuid:v>", "x<v>", "<v>.json"]
)  # fmt: skip
_METHODS = st.sets(st.sampled_from(["GET", "POST", "PUT", "DELETE"]), min_size=1, max_size=3)


@st.composite
def _rule(draw: Any, index: int) -> dict[str, Any]:
    segments = draw(st.lists(_RULE_SEGMENTS, max_size=4))
    # Each variable gets its own name.
    named = [segment.replace("v>", f"v{position}>") for position, segment in enumerate(segments)]
    path = "/" + "/".join(named)
    if named and draw(st.booleans()):
        path += "/"
    websocket = draw(st.booleans()) and draw(st.booleans())
    return {
        "string": path,
        "endpoint": f"e{index}",
        "methods": ["GET"] if websocket else sorted(draw(_METHODS)),
        "strict_slashes": draw(st.sampled_from([None, True, False])),
        "merge_slashes": draw(st.sampled_from([None, True, False])),
        "defaults": draw(st.sampled_from([None, {"extra": 1}])),
        "websocket": websocket,
    }


@st.composite
def _rules(draw: Any) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=1, max_value=6))
    return [draw(_rule(index)) for index in range(count)]


_PATH_SEGMENTS = st.sampled_from(
    ["a", "b", "a.txt", "1", "-1", "01", "1.5", "ab", "abc", "x1", "q.json", "",
     "12345678-1234-5678-1234-567812345678", "%20", "é", "a b"]
)  # fmt: skip
_PATHS = st.lists(_PATH_SEGMENTS, max_size=5).map(lambda parts: "/" + "/".join(parts))


def _outcome(call: Any) -> Any:
    try:
        rule, args = call()
    except RequestRedirect as redirect:
        return ("redirect", redirect.new_url, redirect.code)
    except HTTPException as error:
        valid = getattr(error, "valid_methods", None)
        return (error.code, sorted(valid) if valid else None)
    return (rule.endpoint, args)


def _maps(rules: list[dict[str, Any]]) -> tuple[Map, QuartMap]:
    reference = Map([Rule(**rule) for rule in rules])
    quart_map = QuartMap([QuartRule(**rule) for rule in rules])
    return reference, quart_map


@given(
    rules=_rules(),
    paths=st.lists(_PATHS, min_size=1, max_size=6),
    method=st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "PUT"]),
    websocket=st.booleans(),
    query=st.sampled_from([b"", b"q=1", b"a=%ff&b"]),
)
@example(
    rules=[{"string": "/a/", "endpoint": "e0", "methods": ["GET"], "strict_slashes": None,
            "merge_slashes": None, "defaults": None, "websocket": False}],
    paths=["/a", "/a/", "//a//"], method="GET", websocket=False, query=b"q=1",
)  # fmt: skip
def test_fast_path_matches_what_werkzeug_matches(
    rules: list[dict[str, Any]], paths: list[str], method: str, websocket: bool, query: bytes
) -> None:
    reference, quart_map = _maps(rules)
    reference_adapter = reference.bind("localhost", "/")
    adapter = quart_map.bind("localhost", "/")
    adapter._quart_matches = {}  # type: ignore[attr-defined]  # the cache, as bind_to_request sets it
    query_args = query.decode("latin-1") or None
    # Three times over: the second time a path is remembered, the third time
    # the cache answers.
    for path in paths * 3:
        expected = _outcome(
            lambda path=path: reference_adapter.match(
                path, method, return_rule=True, query_args=query_args, websocket=websocket
            )
        )
        got = _outcome(lambda path=path: match(adapter, path, method, query, websocket))
        assert got == expected, (path, got, expected)
        event(str(expected[0]) if expected[0] in {"redirect", 404, 405} else "matched")
