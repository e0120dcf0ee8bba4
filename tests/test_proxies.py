"""The ``request``, ``websocket``, ``g``, ``session`` and ``current_app``
proxies behave as Werkzeug's ``LocalProxy`` (what Flask and Quart use), bound
and unbound, although their attribute access is our own."""

from __future__ import annotations

import asyncio
import contextvars
import copy
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask.ctx import _AppCtxGlobals
from werkzeug.local import LocalProxy

from quart import copy_current_request_context
from quart import current_app
from quart import g
from quart import Quart
from quart import request
from quart import session
from quart import websocket
from quart.globals import _cv_app
from quart.globals import _cv_request
from quart.globals import _get_session
from quart.globals import app_ctx
from quart.globals import request_ctx
from quart.globals import websocket_ctx
from quart.wrappers import Request
from quart.wrappers import Websocket


@pytest.fixture
def app() -> Quart:
    app = Quart(__name__)
    app.secret_key = "secret"
    return app


ALL = [app_ctx, current_app, g, request_ctx, request, websocket_ctx, websocket, session]


@pytest.mark.parametrize("proxy", ALL, ids=[str(index) for index in range(len(ALL))])
def test_unbound_proxies_behave_as_werkzeugs(proxy: Any) -> None:
    assert isinstance(proxy, LocalProxy)
    assert not proxy
    assert repr(proxy) == "<LocalProxy unbound>"
    assert dir(proxy) == []
    assert proxy.__class__ is type(proxy)
    assert proxy.__doc__ == LocalProxy.__doc__
    assert proxy != 1
    with pytest.raises(TypeError, match="'LocalProxy' object is not iterable"):
        list(proxy)
    for use in (
        lambda: proxy.anything,
        lambda: hasattr(proxy, "anything"),
        lambda: getattr(proxy, "anything", None),
        lambda: setattr(proxy, "anything", 1),
        lambda: delattr(proxy, "anything"),
        lambda: "x" in proxy,
        lambda: proxy["x"],
        lambda: len(proxy),
        lambda: str(proxy),
        lambda: proxy._get_current_object(),
    ):
        with pytest.raises(RuntimeError, match="Not within"):
            use()


def test_unbound_messages() -> None:
    with pytest.raises(RuntimeError, match="^Not within a request context"):
        request.method  # noqa: B018
    with pytest.raises(RuntimeError, match="^Not within a websocket context"):
        websocket.receive  # noqa: B018
    with pytest.raises(RuntimeError, match="^Not within an app context"):
        g.user = "x"
    with pytest.raises(RuntimeError, match="^Not within an app context"):
        current_app.config  # noqa: B018
    with pytest.raises(RuntimeError, match="^Not within a request nor websocket context"):
        session.get("user")
    with pytest.raises(RuntimeError, match="^Not within a request nor websocket context"):
        session["user"] = 1


def test_unbound_wrapped_is_what_the_proxy_reads() -> None:
    assert request.__wrapped__ is _cv_request
    assert g.__wrapped__ is _cv_app
    assert session.__wrapped__ is _get_session


async def test_request_proxy_in_a_view(app: Quart) -> None:
    @app.route("/items/<int:item>", methods=["POST"])
    async def items(item: int) -> dict[str, Any]:
        assert isinstance(request, Request)
        assert isinstance(request, LocalProxy)
        assert request.__class__ is type(request._get_current_object())
        assert request == request._get_current_object()
        assert hash(request) == hash(request._get_current_object())
        assert repr(request) == repr(request._get_current_object())
        assert "method" in dir(request)
        assert request.__doc__ == Request.__doc__
        request.custom = "set through the proxy"
        assert request._get_current_object().custom == "set through the proxy"
        del request.custom
        assert not hasattr(request, "custom")
        return {
            "item": item,
            "method": request.method,
            "arg": request.args.get("a"),
            "json": await request.get_json(),
        }

    response = await app.test_client().post("/items/3?a=b", json={"x": 1})
    assert await response.get_json() == {"item": 3, "method": "POST", "arg": "b", "json": {"x": 1}}


async def test_g_as_flask_code_uses_it(app: Quart) -> None:
    async with app.app_context():
        assert isinstance(g, _AppCtxGlobals)
        assert not hasattr(g, "db")
        assert getattr(g, "db", None) is None
        assert "db" not in g
        g.db = "connection"
        assert g.db == "connection"
        assert "db" in g
        assert list(g) == ["db"]
        assert g.get("db") == "connection"
        assert g.setdefault("user", "anon") == "anon"
        assert g.pop("user") == "anon"
        del g.db
        assert "db" not in g
        with pytest.raises(AttributeError, match="^db$"):
            g.db  # noqa: B018
        assert copy.copy(g) is not g._get_current_object()
        assert bool(g)


async def test_attribute_errors_are_the_objects_and_raised_once(app: Quart) -> None:
    calls: list[str] = []

    class Globals(_AppCtxGlobals):
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            raise AttributeError(f"no {name} here")

        @property
        def broken(self) -> Any:
            calls.append("broken")
            raise AttributeError("broken inside")

    app.app_ctx_globals_class = Globals
    async with app.app_context():
        with pytest.raises(AttributeError, match="^no user here$"):
            g.user  # noqa: B018
        assert calls == ["user"]
        assert getattr(g, "other", 3) == 3
        assert calls == ["user", "other"]
        # Python's own rule for the object: the property fails, then its
        # __getattr__ runs; once each, as without a proxy.
        with pytest.raises(AttributeError, match="^no broken here$"):
            g.broken  # noqa: B018
        assert calls == ["user", "other", "broken", "broken"]


async def test_attribute_errors_in_threads_name_their_own_attribute(app: Quart) -> None:
    errors: list[str] = []

    def miss(name: str) -> None:
        for _ in range(2000):
            try:
                getattr(g, name)
            except AttributeError as error:
                if name not in str(error):
                    errors.append(str(error))

    async with app.app_context():
        threads = [
            threading.Thread(target=contextvars.copy_context().run, args=(miss, f"name{i}"))
            for i in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


async def test_current_app(app: Quart) -> None:
    async with app.app_context():
        assert isinstance(current_app, Quart)
        assert current_app == app
        assert current_app.name == app.name
        assert bool(current_app)
        current_app.config["X"] = 1
        assert app.config["X"] == 1


async def test_session_proxy(app: Quart) -> None:
    @app.route("/set")
    async def set_() -> str:
        session["user"] = "alice"
        assert "user" in session
        assert len(session) == 1
        assert list(session) == ["user"]
        assert session.get("user") == "alice"
        assert session.modified
        session.permanent = True
        assert session["_permanent"]
        return "ok"

    @app.route("/get")
    async def get() -> str:
        user = session["user"]
        del session["user"]
        session.pop("_permanent")
        assert "user" not in session
        assert not session
        return user

    client = app.test_client()
    await client.get("/set")
    response = await client.get("/get")
    assert await response.get_data(as_text=True) == "alice"


async def test_websocket_proxy(app: Quart) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        assert isinstance(websocket, Websocket)
        assert websocket_ctx.websocket is websocket._get_current_object()
        while True:
            message = await websocket.receive()
            await websocket.send(f"{websocket.path}: {message}")

    async with app.test_client().websocket("/ws") as test_websocket:
        await test_websocket.send("hi")
        assert await test_websocket.receive() == "/ws: hi"


async def test_proxies_in_a_copied_context(app: Quart) -> None:
    results: list[Any] = []

    @app.before_request
    async def set_user() -> None:
        g.user = "bob"

    @app.route("/")
    async def index() -> str:
        @copy_current_request_context
        async def later() -> None:
            results.append((request.path, g.user, session.get("k")))

        await asyncio.ensure_future(later())
        return "ok"

    await app.test_client().get("/")
    assert results == [("/", "bob", None)]


OPERATIONS: list[tuple[str, Callable[[Any], Any]]] = [
    ("repr", repr),
    ("str", str),
    ("bool", bool),
    ("len", len),
    ("list", list),
    ("in", lambda proxy: "a" in proxy),
    ("getitem", lambda proxy: proxy["a"]),
    ("eq", lambda proxy: proxy == {"a": 1}),
    ("class", lambda proxy: proxy.__class__),
    ("doc", lambda proxy: proxy.__doc__),
    ("wrapped", lambda proxy: proxy.__wrapped__),
    ("dir", lambda proxy: "keys" in dir(proxy)),
    ("method", lambda proxy: proxy.keys()),
    ("missing", lambda proxy: proxy.missing),
    ("hasattr", lambda proxy: hasattr(proxy, "missing")),
    ("copy", copy.copy),
]


def _outcome(operation: Callable[[Any], Any], proxy: Any) -> Any:
    try:
        return ("value", operation(proxy))
    except Exception as error:
        return ("error", type(error), str(error))


@pytest.mark.parametrize("name, operation", OPERATIONS)
async def test_same_outcome_as_a_werkzeug_proxy(
    app: Quart, name: str, operation: Callable[[Any], Any]
) -> None:
    class Globals(_AppCtxGlobals, dict):  # type: ignore[misc]
        """A g that is also a mapping, so every operation has something to do."""

    app.app_ctx_globals_class = Globals
    theirs = LocalProxy(_cv_app, "g", unbound_message="Not within an app context.")
    ours = g
    unbound = _outcome(operation, ours), _outcome(operation, theirs)
    if name not in ("repr", "wrapped", "class", "doc"):  # the proxy itself
        assert unbound[0][:2] == unbound[1][:2]
    async with app.app_context():
        g._get_current_object()["a"] = 1
        assert _outcome(operation, ours) == _outcome(operation, theirs)
