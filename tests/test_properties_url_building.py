"""URL building (``url_for``) against Werkzeug's own ``MapAdapter.build``.

``quart._app.urls._build`` chooses the rule once per (endpoint, method,
names of the values) and makes the path from the rule's parts itself. For
generated rule sets and values, ``url_for`` gives exactly what Werkzeug's
build gives on the same adapter: the same URL, or a ``BuildError`` (which
``url_for`` raises too, as Quart does).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import event
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.routing import BaseConverter
from werkzeug.routing import BuildError

from quart import Quart
from quart import url_for
from quart._app import urls
from quart.globals import _cv_request

_SEGMENTS = st.sampled_from(
    ["a", "b b", "é", "<v>", "<int:v>", "<int(fixed_digits=3):v>", "<path:v>", "<float:v>",
     "<string(length=2):v>", "<any(a,b):v>", "<upper:v>", "x<v>", "<v>.json"]
)  # fmt: skip
_TEXTS = st.sampled_from(
    ["hello", "hello-world_1.2~", "a b", "a/b", "ü", "%", "?x=1", "#", "", "!$&'()*+,;=:@",
     "AB", "ab", "a\x00b", "\ud800"]
)  # fmt: skip
_VALUES = st.one_of(
    _TEXTS,
    st.integers(min_value=-5, max_value=10**20),
    st.booleans(),
    st.sampled_from([1.5, None, [1, 2], "7"]),
)


class _UpperConverter(BaseConverter):
    """A converter of the app's own: its ``to_url`` must be called."""

    def to_url(self, value: Any) -> str:
        return str(value).upper()


@st.composite
def _routes(draw: Any) -> list[dict[str, Any]]:
    routes = []
    for index in range(draw(st.integers(min_value=1, max_value=4))):
        segments = draw(st.lists(_SEGMENTS, max_size=3))
        named = [
            segment.replace("v>", f"v{position}>") for position, segment in enumerate(segments)
        ]
        routes.append(
            {
                "rule": "/" + "/".join(named),
                # Some endpoints get two rules (a second one, or one per method).
                "endpoint": f"e{draw(st.integers(min_value=0, max_value=index))}",
                "methods": sorted(draw(st.sets(st.sampled_from(["GET", "POST"]), min_size=1))),
                "defaults": draw(st.sampled_from([None, None, {"extra": 1}])),
                "websocket": draw(st.booleans()) and draw(st.booleans()),
            }
        )
    return routes


def _app(routes: list[dict[str, Any]]) -> Quart:
    app = Quart(__name__)
    app.url_map.converters["upper"] = _UpperConverter

    async def view(**_: object) -> str:
        return ""

    for route in routes:
        options: dict[str, Any] = {"defaults": route["defaults"]} if route["defaults"] else {}
        if route["websocket"]:
            options["websocket"] = True
        else:
            options["methods"] = route["methods"]
        app.add_url_rule(route["rule"], route["endpoint"], view, **options)
    return app


def _outcome(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except BuildError:
        return "BuildError"
    except (TypeError, ValueError, UnicodeError) as error:  # a converter's own error
        return type(error).__name__


@settings(deadline=None)
@given(
    routes=_routes(),
    calls=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),
            st.dictionaries(st.sampled_from(["v0", "v1", "v2", "extra", "q"]), _VALUES, max_size=4),
            st.sampled_from([None, None, "GET", "POST"]),
            st.sampled_from([False, False, True]),
            st.sampled_from([None, None, "https", "wss", "ftp"]),
        ),
        min_size=1,
        max_size=5,
    ),
    root_path=st.sampled_from(["", "/mount"]),
    request_scheme=st.sampled_from(["http", "https"]),
)
@example(
    routes=[{"rule": "/<v0>/<int:v1>", "endpoint": "e0", "methods": ["GET"],
             "defaults": None, "websocket": False}],
    calls=[(0, {"v0": "a b", "v1": 3}, None, False, None),
           (0, {"v0": "ok", "v1": True}, None, True, None),
           (0, {"v0": "ok", "v1": 3, "q": "x y"}, None, True, "https"),
           (0, {"v0": "x", "v1": None}, None, False, None)],
    root_path="/mount",
    request_scheme="https",
)  # fmt: skip
@example(
    # A rule with defaults suits some values of the same names and not others;
    # the usual paging pair: /page/ for n=1, /page/<int:n> for the rest.
    routes=[{"rule": "/x", "endpoint": "e0", "methods": ["GET"], "defaults": {"extra": 1},
             "websocket": False},
            {"rule": "/page/", "endpoint": "e1", "methods": ["GET"], "defaults": {"v0": 1},
             "websocket": False},
            {"rule": "/page/<int:v0>", "endpoint": "e1", "methods": ["GET"], "defaults": None,
             "websocket": False}],
    calls=[(0, {"extra": 1}, None, False, None), (0, {"extra": 2}, None, False, None),
           (1, {"v0": 1}, None, False, None), (1, {"v0": 2}, None, True, "wss")],
    root_path="",
    request_scheme="http",
)  # fmt: skip
def test_url_for_builds_what_werkzeug_builds(
    routes: list[dict[str, Any]],
    calls: list[tuple[int, dict[str, Any], str | None, bool, str | None]],
    root_path: str,
    request_scheme: str,
) -> None:
    asyncio.run(_check(_app(routes), calls, root_path, request_scheme))


async def _check(
    app: Quart,
    calls: list[tuple[int, dict[str, Any], str | None, bool, str | None]],
    root_path: str,
    request_scheme: str,
) -> None:
    async with app.test_request_context("/", root_path=root_path, scheme=request_scheme):
        adapter = _cv_request.get().url_adapter  # type: ignore[union-attr]
        assert adapter is not None
        # Twice over: the second time the rule is the remembered choice.
        for endpoint_number, values, method, external, scheme in calls * 2:
            endpoint = f"e{endpoint_number}"
            # url_for(_scheme=...) is an external URL in that scheme.
            external = external or scheme is not None
            expected = _outcome(
                adapter.build,
                endpoint,
                dict(values),
                method=method,
                force_external=external,
                url_scheme=scheme,
            )
            got = _outcome(
                url_for, endpoint, _method=method, _external=external, _scheme=scheme, **values
            )
            assert got == expected, (endpoint, values, method, external, scheme, got, expected)
            fast = _outcome(urls._build, adapter, endpoint, dict(values), method, external, scheme)
            assert fast is None or fast == expected
            event("built here" if fast is not None else "built by Werkzeug")


async def test_a_route_added_after_a_url_was_built_is_found() -> None:
    app = Quart(__name__)

    @app.route("/a/<name>")
    async def a(name: str) -> str:
        return name

    async with app.test_request_context("/"):
        assert url_for("a", name="x") == "/a/x"
        with pytest.raises(BuildError):
            url_for("b", name="x")
        # A second rule for an endpoint that was built already, for POST only,
        # and a new endpoint: both found.
        app.add_url_rule("/a-post/<name>", "a", a, methods=["POST"])
        app.add_url_rule("/b/<name>", "b", a)
        assert url_for("a", name="x", _method="POST") == "/a-post/x"
        assert url_for("b", name="x") == "/b/x"


async def test_quart_url_for_calls_an_overridden_url_for() -> None:
    class App(Quart):
        def url_for(self, endpoint: str, **values: Any) -> str:  # type: ignore[override]
            return f"class:{endpoint}"

    app = App(__name__)
    async with app.test_request_context("/"):
        assert url_for("anything") == "class:anything"

    plain = Quart(__name__)
    plain.url_for = lambda endpoint, **values: f"instance:{endpoint}"  # type: ignore[method-assign]
    async with plain.test_request_context("/"):
        assert url_for("anything") == "instance:anything"


async def test_an_overridden_inject_url_defaults_is_called() -> None:
    class App(Quart):
        def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
            values.setdefault("lang", "fr")

    app = App(__name__)

    @app.route("/<lang>/page")
    async def page(lang: str) -> str:
        return lang

    async with app.test_request_context("/"):
        # No url_defaults functions: the override is called all the same.
        assert url_for("page") == "/fr/page"
        assert url_for("page", lang="en") == "/en/page"


async def test_a_url_on_another_subdomain_is_built_as_werkzeug_builds_it() -> None:
    app = Quart(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/users/<int:uid>", subdomain="api")
    async def user(uid: int) -> str:
        return str(uid)

    @app.route("/home")
    async def home() -> str:
        return ""

    async with app.test_request_context("/home", headers={"Host": "example.test"}):
        adapter = _cv_request.get().url_adapter  # type: ignore[union-attr]
        expected = adapter.build("user", {"uid": 7})  # type: ignore[union-attr]
        assert url_for("user", uid=7) == expected == "http://api.example.test/users/7"
        assert url_for("home") == "/home"
    async with app.test_request_context("/users/1", headers={"Host": "api.example.test"}):
        assert url_for("user", uid=7) == "/users/7"
        assert url_for("home") == "http://example.test/home"
