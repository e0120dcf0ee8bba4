"""Application and request contexts, the proxies, and copying contexts into tasks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from quart import copy_current_app_context
from quart import copy_current_request_context
from quart import current_app
from quart import g
from quart import has_app_context
from quart import has_request_context
from quart import has_websocket_context
from quart import Quart
from quart import request
from quart import session
from quart import url_for
from quart import websocket
from quart.ctx import AppContext
from quart.ctx import RequestContext
from quart.ctx import WebsocketContext
from quart.globals import app_ctx
from quart.globals import request_ctx
from quart.globals import websocket_ctx
from quart.testing import QuartClient


async def test_app_context(app: Quart) -> None:
    assert not has_app_context()
    async with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert app_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
        assert app_ctx.app is app
        g.value = 1
        assert ctx.g.value == 1
    assert not has_app_context()


async def test_app_context_push_pop(app: Quart) -> None:
    ctx = app.app_context()
    await ctx.push()
    try:
        assert current_app.name == app.name
    finally:
        await ctx.pop()
    assert not has_app_context()


async def test_each_app_context_has_its_own_g(app: Quart) -> None:
    async with app.app_context():
        g.value = "first"
    async with app.app_context():
        assert "value" not in g


async def test_g_behaves_like_a_namespace(app: Quart) -> None:
    async with app.app_context():
        g.a = 1
        assert "a" in g
        assert g.get("a") == 1
        assert g.get("missing", "default") == "default"
        assert g.setdefault("b", 2) == 2
        assert sorted(g) == ["a", "b"]
        assert g.pop("a") == 1
        assert "a" not in g


async def test_request_context(app: Quart) -> None:
    @app.route("/items/<int:item_id>")
    async def item(item_id: int) -> str:
        return "item"

    async with app.test_request_context("/items/3", method="GET") as ctx:
        assert isinstance(ctx, RequestContext)
        assert has_request_context() and has_app_context() and not has_websocket_context()
        assert request.path == "/items/3"
        assert request.view_args == {"item_id": 3}
        assert request_ctx.request is ctx.request
        assert request_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
        assert request_ctx.url_adapter is not None
        assert request_ctx.session is session._get_current_object()  # type: ignore[attr-defined]
        g.thing = "x"
        assert request_ctx.g.thing == "x"
        assert url_for("item", item_id=4) == "/items/4"
        assert app_ctx.app is app
    assert not has_request_context()


async def test_test_request_context_options(app: Quart) -> None:
    async with app.test_request_context(
        "/p",
        method="PUT",
        headers={"X-A": "1"},
        query_string={"q": "v"},
        scheme="https",
        root_path="/root",
        auth=("u", "p"),
    ):
        assert request.method == "PUT"
        assert request.headers["X-A"] == "1"
        assert request.args["q"] == "v"
        assert request.scheme == "https"
        assert request.root_path == "/root"
        assert request.url == "https://localhost/root/p?q=v"
        assert request.authorization is not None and request.authorization.username == "u"


async def test_test_request_context_does_not_run_before_request(app: Quart) -> None:
    @app.before_request
    async def hook() -> None:
        g.hooked = True

    async with app.test_request_context("/"):
        assert "hooked" not in g


async def test_request_context_shares_g_with_an_outer_app_context(app: Quart) -> None:
    async with app.app_context():
        g.outer = True
        async with app.test_request_context("/"):
            assert g.outer is True
            g.inner = True
        assert g.inner is True


async def test_session_without_secret_key_is_null(app: Quart) -> None:
    async with app.test_request_context("/"):
        assert session.get("x") is None
        with pytest.raises(RuntimeError, match="secret key"):
            session["x"] = 1


async def test_request_context_teardown_on_exit(app: Quart) -> None:
    seen: list[Any] = []

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        seen.append(("request", exc))

    @app.teardown_appcontext
    async def td_app(exc: BaseException | None) -> None:
        seen.append(("app", exc))

    async with app.test_request_context("/"):
        pass
    assert seen == [("request", None), ("app", None)]

    seen.clear()
    error = ValueError("inside")
    with pytest.raises(ValueError):
        async with app.test_request_context("/"):
            raise error
    assert seen == [("request", error), ("app", error)]


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        (lambda: current_app.name, "Not within an app context"),
        (lambda: g.value, "Not within an app context"),
        (lambda: app_ctx.g, "Not within an app context"),
        (lambda: request.path, "Not within a request context"),
        (lambda: request_ctx.request, "Not within a request context"),
        (lambda: websocket.path, "Not within a websocket context"),
        (lambda: websocket_ctx.websocket, "Not within a websocket context"),
        (lambda: session.get("x"), "Not within a request nor websocket context"),
    ],
)
def test_errors_outside_a_context_say_what_to_do(proxy: Any, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        proxy()


async def test_request_proxy_needs_request_even_in_app_context(app: Quart) -> None:
    async with app.app_context():
        with pytest.raises(RuntimeError, match="Not within a request context"):
            request.path  # noqa: B018
        with pytest.raises(RuntimeError, match="Not within a websocket context"):
            websocket.path  # noqa: B018


def test_websocket_context_class() -> None:
    assert issubclass(WebsocketContext, AppContext)
    assert issubclass(RequestContext, AppContext)


async def test_copy_current_request_context_in_spawned_task(
    app: Quart, client: QuartClient
) -> None:
    results: dict[str, Any] = {}

    @app.route("/spawn")
    async def spawn() -> str:
        g.marker = "from view"

        @copy_current_request_context
        async def background(suffix: str) -> None:
            results["path"] = request.path + suffix
            results["arg"] = request.args["a"]
            results["g"] = g.marker

        await asyncio.create_task(background("!"))
        return "spawned"

    response = await client.get("/spawn?a=1")
    assert await response.get_data(as_text=True) == "spawned"
    assert results == {"path": "/spawn!", "arg": "1", "g": "from view"}


async def test_copied_request_context_outlives_the_request(app: Quart, client: QuartClient) -> None:
    tasks: list[asyncio.Task[str]] = []

    @app.route("/")
    async def index() -> str:
        @copy_current_request_context
        async def later() -> str:
            await asyncio.sleep(0)
            return request.path

        tasks.append(asyncio.ensure_future(later()))
        return "done"

    await client.get("/")
    async with asyncio.timeout(5):
        assert await tasks[0] == "/"


async def test_copy_current_request_context_sync_function(app: Quart) -> None:
    async with app.test_request_context("/sync-copy"):

        @copy_current_request_context
        def sync_work() -> str:
            return request.path

    async with asyncio.timeout(5):
        assert await sync_work() == "/sync-copy"


async def test_copy_current_app_context(app: Quart) -> None:
    async with app.app_context():
        g.value = 42

        @copy_current_app_context
        async def work() -> tuple[str, int]:
            return current_app.name, g.value

    async with asyncio.timeout(5):
        assert await asyncio.create_task(work()) == (app.name, 42)


def test_copy_outside_a_context_raises() -> None:
    with pytest.raises(RuntimeError):
        copy_current_request_context(lambda: None)
    with pytest.raises(RuntimeError):
        copy_current_app_context(lambda: None)


async def test_context_is_popped_after_each_request(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        return str(has_request_context())

    assert await (await client.get("/")).get_data(as_text=True) == "True"
    assert not has_request_context()
    assert not has_app_context()


async def test_g_is_per_request(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        previous = g.get("count", 0)
        g.count = previous + 1
        return str(g.count)

    assert await (await client.get("/")).get_data(as_text=True) == "1"
    assert await (await client.get("/")).get_data(as_text=True) == "1"


# -- sync "with app.app_context()" (as in Flask) ------------------------------------------


def test_sync_app_context_in_sync_code() -> None:
    app = Quart(__name__)
    app.config["SERVER_NAME"] = "example.com"
    torn_down: list[Any] = []
    pushed: list[Any] = []

    @app.route("/item/<int:n>")
    async def item(n: int) -> str:
        return str(n)

    @app.teardown_appcontext
    def sync_teardown(exc: BaseException | None) -> None:
        torn_down.append(("sync", exc, g.get("name")))

    @app.teardown_appcontext
    async def async_teardown(exc: BaseException | None) -> None:
        torn_down.append(("async", exc, current_app.name))

    def on_pushed(sender: Quart) -> None:
        pushed.append(sender)

    from quart.signals import appcontext_pushed

    with appcontext_pushed.connected_to(on_pushed, app):
        with app.app_context() as ctx:
            assert isinstance(ctx, AppContext)
            assert current_app._get_current_object() is app  # type: ignore[attr-defined]
            g.name = "script"
            assert url_for("item", n=3) == "http://example.com/item/3"
            assert torn_down == []
    assert not has_app_context()
    assert pushed == [app]
    assert sorted(torn_down, key=str) == [("async", None, app.name), ("sync", None, "script")]

    torn_down.clear()
    with pytest.raises(KeyError):
        with app.app_context():
            raise KeyError("boom")
    assert [entry[1].__class__ for entry in torn_down] == [KeyError, KeyError]
    assert not has_app_context()


async def test_sync_app_context_in_async_code(app: Quart) -> None:
    # Nothing to await at the end: fine inside the loop too.
    with app.app_context():
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    assert not has_app_context()

    @app.teardown_appcontext
    async def teardown(exc: BaseException | None) -> None:
        pass

    with pytest.raises(RuntimeError, match="async with app.app_context"):
        with app.app_context():
            pass  # pragma: no cover - never entered
    assert not has_app_context()


async def test_sync_app_context_in_a_thread(app: Quart) -> None:
    torn_down: list[str] = []

    @app.teardown_appcontext
    async def teardown(exc: BaseException | None) -> None:
        torn_down.append(current_app.name)

    def work() -> str:
        with app.app_context():
            return str(current_app.name)

    assert await asyncio.to_thread(work) == app.name
    assert torn_down == [app.name]


async def test_request_contexts_need_async_with(app: Quart) -> None:
    with pytest.raises(TypeError, match="async with app.test_request_context"):
        with app.test_request_context("/"):
            pass  # pragma: no cover - never entered
    assert not has_request_context()


async def test_a_mock_url_adapter_is_matched_through(app: Quart) -> None:
    # A test double for the URL adapter (a common testing pattern) is asked
    # to match; the framework's match cache stays out of its way.
    from unittest.mock import Mock

    from quart.routing import QuartRule

    rule = QuartRule("/", methods={"GET"}, endpoint="index")
    adapter = Mock()
    adapter.match.return_value = (rule, {"arg": "value"})
    app.create_url_adapter = lambda request: adapter  # type: ignore[method-assign,assignment]
    async with app.test_request_context("/"):
        assert request.url_rule is rule
        assert request.view_args == {"arg": "value"}
    adapter.match.assert_called_once()


async def test_after_this_request_functions_under_quarts_names(app: Quart) -> None:
    from quart import after_this_request

    async with app.test_request_context("/") as ctx:

        def hook(response: Any) -> Any:
            return response

        after_this_request(hook)
        assert ctx._after_request_functions == [hook]  # type: ignore[attr-defined]
