"""quart._matcher answers exactly as Werkzeug's own matcher does.

The app's URL map (``QuartMap``) matches with :class:`quart._matcher.Matcher`,
a closure-free walk of Werkzeug's states. These tests build the same rules
into a plain Werkzeug ``Map`` and into a ``QuartMap`` and compare what each
answers for generated paths, methods and websocket flags: the rule and its
arguments, or the same routing error (404, 405, a redirect with the same
location, a websocket mismatch).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.routing import RequestRedirect
from werkzeug.routing import Rule
from werkzeug.routing.converters import BaseConverter

from quart import Quart
from quart import routing
from quart._matcher import Matcher
from quart.routing import QuartMap

_SEGMENTS = [
    "a",
    "b",
    "users",
    "posts",
    "<name>",
    "<int:n>",
    "<int(max=20):lim>",
    "<int(signed=True):m>",
    "<float:f>",
    "<path:p>",
    "<any(a, b, c):k>",
    "<uuid:u>",
    "<string(length=2):s>",
    "v<int:version>",
    "<slug>.json",
    "<lower:w>",
    "7",
    "<int(fixed_digits=2):fd>",
]
_PATH_PARTS = [
    "a",
    "b",
    "c",
    "users",
    "posts",
    "12",
    "-3",
    "1.5",
    "xy",
    "abc",
    "abc.json",
    "v2",
    "",
    "123e4567-e89b-12d3-a456-426614174000",
]


# Rules around numbers: the default and int converters (whose parts of
# digits Matcher.shape generalises), and what may take some numbers only.
_NUMBER_SEGMENTS = [
    "users",
    "posts",
    "7",
    "<name>",
    "<int:n>",
    "<int:n2>",
    "<x>",
    "<slug>",
    "<int(max=20):lim>",
    "<string(length=2):s>",
    "<any('1', '22'):k>",
    "<lower:w>",
    "<path:p>",
]


@st.composite
def _rule_specs(
    draw: Any, segments_from: list[str] = _SEGMENTS, defaults: bool = True
) -> list[dict[str, Any]]:
    specs = []
    for index in range(draw(st.integers(1, 8))):
        segments = draw(st.lists(st.sampled_from(segments_from), min_size=0, max_size=4))
        # A variable name may appear once per rule.
        seen: set[str] = set()
        kept = []
        for segment in segments:
            name = segment.split(":")[-1].split(">")[0].lstrip("<") if "<" in segment else None
            if name is not None:
                if name in seen:
                    continue
                seen.add(name)
            kept.append(segment)
        string = "/" + "/".join(kept)
        if kept and draw(st.booleans()):
            string += "/"
        websocket = draw(st.booleans()) and draw(st.booleans())
        methods = draw(
            st.sampled_from(
                [None, ["GET"]] if websocket else [None, ["GET"], ["POST"], ["GET", "PUT"]]
            )
        )
        specs.append(
            {
                "string": string,
                "endpoint": f"e{index}",
                "methods": methods,
                "websocket": websocket,
                "strict_slashes": draw(st.sampled_from([None, False])),
                "merge_slashes": draw(st.sampled_from([None, False])),
                "defaults": draw(st.sampled_from([None, {"extra": 1}])) if defaults else None,
            }
        )
    return specs


class _Lower(BaseConverter):
    # A converter of the app's own: its pattern is not Werkzeug's.
    regex = "[a-z]+"

    def to_python(self, value: str) -> str:
        return value.upper()


def _maps(specs: list[dict[str, Any]], merge_slashes: bool) -> tuple[Map, QuartMap]:
    converters = {"lower": _Lower}
    plain = Map(
        [Rule(**spec) for spec in specs], merge_slashes=merge_slashes, converters=converters
    )
    ours = QuartMap(
        [Rule(**spec) for spec in specs], merge_slashes=merge_slashes, converters=converters
    )
    assert isinstance(ours._matcher, Matcher)
    return plain, ours


def _outcome(match: Callable[[], tuple[Rule, Any]]) -> Any:
    """A match's answer, or its routing error, in a form to compare."""
    try:
        rule, args = match()
    except RequestRedirect as redirect:
        return ("redirect", redirect.new_url)
    except HTTPException as error:
        return (type(error).__name__, sorted(getattr(error, "valid_methods", None) or []))
    return ("match", rule.rule, rule.endpoint, args)


def _answer(url_map: Map, path: str, method: str, websocket: bool) -> Any:
    adapter = url_map.bind("example.com", url_scheme="ws" if websocket else "http")
    return _werkzeug_answer(adapter, path, method, websocket)


def _werkzeug_answer(adapter: MapAdapter, path: str, method: str, websocket: bool) -> Any:
    return _outcome(
        lambda: adapter.match(path, method, return_rule=True, websocket=websocket)  # type: ignore[return-value]
    )


def _quart_answer(url_map: Map, path: str, method: str, websocket: bool) -> Any:
    # The app's own route to the matcher (quart.routing.match), which skips
    # the adapter's layer unless Werkzeug must build a redirect.
    adapter = url_map.bind("example.com", url_scheme="ws" if websocket else "http")
    return _cached_answer(adapter, path, method, websocket)


def _caching(adapter: MapAdapter) -> MapAdapter:
    adapter._quart_matches = {}  # type: ignore[attr-defined]  # As an app's adapters have.
    return adapter


def _cached_answer(adapter: MapAdapter, path: str, method: str, websocket: bool) -> Any:
    # Through the adapter's cache of paths and shapes, when it has one.
    return _outcome(lambda: routing.match(adapter, path, method, b"", websocket))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=_rule_specs(),
    merge_slashes=st.booleans(),
    paths=st.lists(
        st.lists(st.sampled_from(_PATH_PARTS), min_size=0, max_size=5),
        min_size=1,
        max_size=6,
    ),
    method=st.sampled_from(["GET", "POST", "PUT", "HEAD", "OPTIONS"]),
    websocket=st.booleans(),
)
def test_matches_as_werkzeug_does(
    specs: list[dict[str, Any]],
    merge_slashes: bool,
    paths: list[list[str]],
    method: str,
    websocket: bool,
) -> None:
    plain, ours = _maps(specs, merge_slashes)
    for parts in paths:
        path = "/" + "/".join(parts)
        expected = _answer(plain, path, method, websocket)
        assert _answer(ours, path, method, websocket) == expected, (specs, path, method)
        assert _quart_answer(ours, path, method, websocket) == expected, (specs, path, method)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=_rule_specs(_NUMBER_SEGMENTS, defaults=False),
    data=st.data(),
    numbers=st.lists(
        st.sampled_from(["7", "12", "0", "20", "21", "05", "123", "\u0663", "9" * 5000]),
        min_size=3,
        max_size=8,
    ),
    method=st.sampled_from(["GET", "POST"]),
    websocket=st.booleans(),
)
def test_paths_of_one_shape_answer_as_werkzeug_does(
    specs: list[dict[str, Any]],
    data: st.DataObject,
    numbers: list[str],
    method: str,
    websocket: bool,
) -> None:
    # Paths that differ only in their parts of digits ("#" below) come again
    # and again through one adapter, whose cache answers them by their shape
    # once it may (quart.routing.match, Matcher.shape): always as Werkzeug.
    # The paths follow the rules' own, a variable's part a number or a word.
    plain, ours = _maps(specs, merge_slashes=True)
    adapter = _caching(ours.bind("example.com", url_scheme="ws" if websocket else "http"))
    templates = []
    for spec in specs:
        template = [
            data.draw(st.sampled_from(["#", "#", *_PATH_PARTS])) if "<" in segment else segment
            for segment in spec["string"].split("/")[1:]
        ]
        templates.append(template)
    for template in templates:
        for number in numbers:
            path = "/" + "/".join(number if part == "#" else part for part in template)
            expected = _answer(plain, path, method, websocket)
            got = _cached_answer(adapter, path, method, websocket)
            assert got == expected, (specs, path, method, websocket)


@pytest.mark.parametrize(
    "strings, paths",
    [
        # A static part of digits where the number goes: its own rule.
        (["/users/<int:n>/x", "/users/7/x"], ["/users/1/x", "/users/2/x", "/users/7/x"]),
        # A pattern that takes some numbers only (two digits): not a shape.
        (["/t/<string(length=2):two>"], ["/t/12", "/t/34", "/t/123", "/t/5"]),
        # The walk took a static part, failed, and came back: for 7 the
        # static branch holds.
        (["/users/7/x", "/<name>/<int:m>/x"], ["/users/8/x", "/users/9/x", "/users/7/x"]),
        # The walk took another dynamic part first, failed, and came back.
        (
            ["/<any('u', 'v'):k>/7", "/<name>/<int:n>"],
            ["/u/8", "/u/9", "/u/7", "/w/7", "/w/8", "/w/9"],
        ),
    ],
)
def test_a_shape_answers_as_werkzeug_where_digits_could_matter(
    strings: list[str], paths: list[str]
) -> None:
    plain = Map([Rule(string, endpoint=string) for string in strings])
    adapter = _caching(
        QuartMap([Rule(string, endpoint=string) for string in strings]).bind("example.com")
    )
    for path in paths * 2:
        assert _cached_answer(adapter, path, "GET", False) == _answer(plain, path, "GET", False)


def test_a_number_past_the_digit_limit_after_a_shape_is_werkzeugs_404() -> None:
    # int() refuses a number longer than sys.get_int_max_str_digits(); an app
    # may lower that limit (640 at least), under a shape's path length.
    plain = Map([Rule("/n/<int:n>", endpoint="n")])
    adapter = _caching(QuartMap([Rule("/n/<int:n>", endpoint="n")]).bind("example.com"))
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        for path in ["/n/1", "/n/2", "/n/" + "9" * 700, "/n/3"]:
            assert _cached_answer(adapter, path, "GET", False) == _answer(plain, path, "GET", False)
    finally:
        sys.set_int_max_str_digits(limit)


@pytest.mark.parametrize("host", ["api.example.com", "shop.example.com", "example.com", "12.x.org"])
def test_shapes_per_host_answer_as_werkzeug_does(host: str) -> None:
    # Each host has its adapter and cache; a host's own rules (a static
    # 7 on one of them) decide its shapes.
    def rules() -> list[Rule]:
        return [
            Rule("/users/<int:n>", host="<sub>.example.com", endpoint="sub"),
            Rule("/users/7", host="api.example.com", endpoint="seven"),
            Rule("/users/<int:n>", host="example.com", endpoint="bare"),
            Rule("/u/<name>", host="<int:number>.x.org", endpoint="number"),
        ]

    reference = Map(rules(), host_matching=True).bind(host)
    adapter = _caching(QuartMap(rules(), host_matching=True).bind(host))
    for number in ["1", "2", "7", "8", "7", "9"]:
        for path in [f"/users/{number}", f"/u/{number}"]:
            expected = _werkzeug_answer(reference, path, "GET", False)
            assert _cached_answer(adapter, path, "GET", False) == expected, (host, path)


@pytest.mark.parametrize(
    "path, method, expected",
    [
        ("/users/42/posts/hello", "GET", ("match", "/users/<int:id>/posts/<slug>", "post")),
        ("/users/me/posts/hello", "GET", ("match", "/users/me/posts/<slug>", "mine")),
        ("/users/42/posts/hello", "POST", ("MethodNotAllowed", ["GET", "HEAD"])),
        ("/files/a/b/c.txt", "GET", ("match", "/files/<path:name>", "file")),
        ("/dir", "GET", ("redirect", "http://example.com/dir/")),
        ("//users//42//posts//x", "GET", ("redirect", "http://example.com/users/42/posts/x")),
        ("/users/x/posts/hello", "GET", ("NotFound", [])),
    ],
)
def test_known_answers(path: str, method: str, expected: tuple[Any, ...]) -> None:
    specs = [
        {"string": "/users/<int:id>/posts/<slug>", "endpoint": "post", "methods": ["GET"]},
        {"string": "/users/me/posts/<slug>", "endpoint": "mine", "methods": ["GET"]},
        {"string": "/files/<path:name>", "endpoint": "file"},
        {"string": "/dir/", "endpoint": "dir"},
    ]
    plain, ours = _maps(specs, merge_slashes=True)
    assert _answer(plain, path, method, False)[: len(expected)] == expected
    assert _answer(ours, path, method, False)[: len(expected)] == expected
    assert _quart_answer(ours, path, method, False)[: len(expected)] == expected


@pytest.mark.parametrize(
    "path",
    [
        "/n/42",
        "/n/0",  # below min=1: a 404, as Werkzeug (not the next rule)
        "/n/" + "9" * 5000,  # past int()'s digit limit: not a number, as Werkzeug says
        "/d/007",
        "/d/07",  # not 3 digits: no rule
        "/s/-5",
        "/s/" + "1" * 5000,
        "/u/" + "1" * 5000,
        "/f/1.5",
        "/p/a/b",
        "/u/\u0663",  # an Arabic-Indic 3: a decimal digit, as \\d says
        "/u/\u00b2",  # a superscript 2: a digit, but not a decimal one
        "/n/\u00b2",  # ... so not the int rule's: the next rule's
        "/u/1\n",
        "/n/",  # the default converter wants one character at least
        "/n/a\tb",
    ],
)
def test_converters_answer_as_werkzeugs(path: str) -> None:
    # Werkzeug's plain converters are applied without their methods (int(),
    # the value as it is): the answers, errors included, stay Werkzeug's.
    specs = [
        {"string": "/n/<int(min=1):n>", "endpoint": "positive"},
        {"string": "/n/<x>", "endpoint": "other"},
        {"string": "/d/<int(fixed_digits=3):d>", "endpoint": "digits"},
        {"string": "/s/<int(signed=True):s>", "endpoint": "signed"},
        {"string": "/u/<int:u>", "endpoint": "plain"},
        {"string": "/f/<float:f>", "endpoint": "float"},
        {"string": "/p/<path:p>", "endpoint": "path"},
    ]
    plain, ours = _maps(specs, merge_slashes=True)
    expected = _answer(plain, path, "GET", False)
    assert _answer(ours, path, "GET", False) == expected
    assert _quart_answer(ours, path, "GET", False) == expected


async def test_an_app_matches_without_reference_cycles() -> None:
    # Werkzeug's matcher builds a recursive closure per match (a cycle for
    # the garbage collector); a route with varying arguments matches anew on
    # every request.
    app = Quart(__name__)

    @app.get("/users/<int:user_id>")
    async def user(user_id: int) -> str:
        return str(user_id)

    client = app.test_client()
    await client.get("/users/0")
    gc.collect()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        adapter = app.url_map.bind("localhost")
        for number in range(20):
            assert adapter.match(f"/users/{number}") == ("user", {"user_id": number})
        gc.collect()
        assert gc.garbage == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize(
    "host, path",
    [
        ("example.com", "/"),
        ("api.example.com", "/users/7"),
        ("api.example.com", "/users/x"),
        ("other.org", "/"),
        ("shop.example.com", "/items/"),
        ("shop.example.com", "/items"),
    ],
)
def test_host_matching_as_werkzeug_does(host: str, path: str) -> None:
    def rules() -> list[Rule]:
        return [
            Rule("/", host="example.com", endpoint="home"),
            Rule("/users/<int:id>", host="<sub>.example.com", endpoint="user"),
            Rule("/items/", host="shop.example.com", endpoint="items"),
            Rule("/", host="<name>.org", endpoint="org"),
        ]

    plain = Map(rules(), host_matching=True)
    ours = QuartMap(rules(), host_matching=True)

    def answer(url_map: Map) -> Any:
        try:
            return url_map.bind(host).match(path)
        except RequestRedirect as redirect:
            return ("redirect", redirect.new_url)
        except HTTPException as error:
            return type(error).__name__

    assert answer(ours) == answer(plain)


@pytest.mark.parametrize("host", ["api", "a/b", "7"])
def test_a_host_of_one_converter_as_werkzeug_says(host: str) -> None:
    # The domain is the walk's first part and, unlike the path's parts, may
    # hold a slash: a bare <name> host does not match one.
    def rules() -> list[Rule]:
        return [Rule("/", host="<name>", endpoint="any"), Rule("/", host="<int:n>", endpoint="n")]

    def answer(url_map: Map) -> Any:
        try:
            return url_map.bind(host).match("/")
        except HTTPException as error:
            return type(error).__name__

    assert answer(QuartMap(rules(), host_matching=True)) == answer(Map(rules(), host_matching=True))


@pytest.mark.parametrize("path", ["/n/5", "/n/50"])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_a_converter_refusing_reports_what_the_walk_saw(path: str, method: str) -> None:
    # /n/50 reaches the GET rule, whose converter refuses 50: Werkzeug then
    # reports what it saw on the way (the POST rule before it: 405).
    def rules() -> list[Rule]:
        return [
            Rule("/n/<int(max=20):lim>", methods=["POST"], endpoint="post"),
            Rule("/n/<int(max=20):lim>", methods=["GET"], endpoint="get"),
        ]

    plain = Map(rules())
    ours = QuartMap(rules())
    expected = _answer(plain, path, method, False)
    assert _answer(ours, path, method, False) == expected
    assert _quart_answer(ours, path, method, False) == expected


def test_rules_given_to_the_constructor_keep_their_order_and_build_only() -> None:
    def rules() -> list[Rule]:
        return [
            Rule("/p", endpoint="a"),
            Rule("/x", endpoint="b"),
            Rule("/x", endpoint="a"),
            Rule("/secret", endpoint="s", build_only=True),
        ]

    for path in ("/x", "/p", "/secret"):
        assert _answer(QuartMap(rules()), path, "GET", False) == _answer(
            Map(rules()), path, "GET", False
        )
    assert _answer(QuartMap(rules()), "/x", "GET", False)[2] == "b"
    assert _answer(QuartMap(rules()), "/secret", "GET", False)[0] == "NotFound"
