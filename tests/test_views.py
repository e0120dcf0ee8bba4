from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from quart import g
from quart import Quart
from quart import request
from quart.typing import ResponseReturnValue
from quart.views import MethodView
from quart.views import View
from quart.wrappers import Response


async def _text(response: Response) -> str:
    return await response.get_data(as_text=True)  # type: ignore[return-value]


async def test_view_with_url_variables_and_constructor_args(app: Quart) -> None:
    class Greet(View):
        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        async def dispatch_request(self, name: str) -> ResponseReturnValue:  # type: ignore[override]
            return f"{self.greeting} {name}"

    app.add_url_rule("/hello/<name>", view_func=Greet.as_view("hello", "Hello"))
    client = app.test_client()
    assert await _text(await client.get("/hello/world")) == "Hello world"
    assert (await client.post("/hello/world")).status_code == 405


async def test_sync_dispatch_request_runs_in_a_thread(app: Quart) -> None:
    class Sync(View):
        def dispatch_request(self) -> ResponseReturnValue:  # type: ignore[override]
            same = threading.current_thread() is threading.main_thread()
            return f"{request.method} main-thread={same}"

    app.add_url_rule("/", view_func=Sync.as_view("sync"))
    assert await _text(await app.test_client().get("/")) == "GET main-thread=False"


async def test_view_methods_and_endpoint(app: Quart) -> None:
    class Submit(View):
        methods = ["POST", "PUT"]

        async def dispatch_request(self) -> ResponseReturnValue:
            return f"{request.method} {request.endpoint}"

    app.add_url_rule("/submit", view_func=Submit.as_view("submit"))
    client = app.test_client()
    assert await _text(await client.post("/submit")) == "POST submit"
    assert await _text(await client.put("/submit")) == "PUT submit"
    assert (await client.get("/submit")).status_code == 405


async def test_init_every_request(app: Quart) -> None:
    instances: list[object] = []

    class Fresh(View):
        async def dispatch_request(self) -> ResponseReturnValue:
            instances.append(self)
            return "ok"

    class Shared(Fresh):
        init_every_request = False

    app.add_url_rule("/fresh", view_func=Fresh.as_view("fresh"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))
    client = app.test_client()
    await client.get("/fresh")
    await client.get("/fresh")
    assert instances[0] is not instances[1]
    instances.clear()
    await client.get("/shared")
    await client.get("/shared")
    assert instances[0] is instances[1]


def _tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(**kwargs: Any) -> Any:
            g.tags = [*getattr(g, "tags", []), label]
            return await view(**kwargs)

        return wrapper

    return decorator


async def test_decorators_applied_in_order(app: Quart) -> None:
    class Tagged(View):
        decorators = [_tag("inner"), _tag("outer")]

        async def dispatch_request(self) -> ResponseReturnValue:
            return ",".join(g.tags)

    view = Tagged.as_view("tagged")
    app.add_url_rule("/", view_func=view)
    assert await _text(await app.test_client().get("/")) == "outer,inner"
    assert view.__name__ == "tagged"
    assert view.view_class is Tagged  # type: ignore[attr-defined]


async def test_view_attributes() -> None:
    class Documented(View):
        """The docs."""

        methods = ["GET"]
        provide_automatic_options = False

        async def dispatch_request(self) -> ResponseReturnValue:
            return ""

    view = Documented.as_view("documented")
    assert view.__doc__ == "The docs."
    assert view.methods == ["GET"]  # type: ignore[attr-defined]
    assert view.provide_automatic_options is False  # type: ignore[attr-defined]


async def test_provide_automatic_options_false(app: Quart) -> None:
    class NoOptions(View):
        provide_automatic_options = False

        async def dispatch_request(self) -> ResponseReturnValue:
            return "ok"

    app.add_url_rule("/", view_func=NoOptions.as_view("no_options"))
    assert (await app.test_client().options("/")).status_code == 405


# -- MethodView ----------------------------------------------------------------


class Items(MethodView):
    async def get(self, id: int | None = None) -> ResponseReturnValue:
        return f"get {id}"

    def post(self) -> ResponseReturnValue:  # a sync handler
        return "post", 201

    async def delete(self, id: int) -> ResponseReturnValue:
        return f"delete {id}"


def test_methods_inferred() -> None:
    assert Items.methods == {"GET", "POST", "DELETE"}


async def test_method_view_dispatch(app: Quart) -> None:
    view = Items.as_view("items")
    app.add_url_rule("/items", view_func=view, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:id>", view_func=view, methods=["GET", "DELETE"])
    client = app.test_client()
    assert await _text(await client.get("/items")) == "get None"
    assert await _text(await client.get("/items/3")) == "get 3"
    response = await client.post("/items")
    assert (response.status_code, await _text(response)) == (201, "post")
    assert await _text(await client.delete("/items/4")) == "delete 4"
    assert (await client.put("/items/4")).status_code == 405


async def test_head_falls_back_to_get(app: Quart) -> None:
    calls: list[str] = []

    class OnlyGet(MethodView):
        async def get(self) -> ResponseReturnValue:
            calls.append(request.method)
            return "body"

    app.add_url_rule("/", view_func=OnlyGet.as_view("only_get"))
    response = await app.test_client().head("/")
    assert response.status_code == 200
    assert calls == ["HEAD"]


async def test_explicit_head_handler_wins(app: Quart) -> None:
    class WithHead(MethodView):
        async def get(self) -> ResponseReturnValue:
            return "get"

        async def head(self) -> ResponseReturnValue:
            return "", 204

    app.add_url_rule("/", view_func=WithHead.as_view("with_head"))
    assert (await app.test_client().head("/")).status_code == 204


async def test_methods_inherited_from_bases() -> None:
    class Getter(MethodView):
        async def get(self) -> ResponseReturnValue:
            return "get"

    class Poster:
        def post(self) -> ResponseReturnValue:
            return "post"

    class Both(Getter, Poster):
        pass

    class Explicit(Getter):
        methods = ["GET"]

        async def put(self) -> ResponseReturnValue:
            return "put"

    assert Both.methods == {"GET", "POST"}
    assert Explicit.methods == ["GET"]


async def test_method_view_in_blueprint_with_decorators(app: Quart) -> None:
    from quart import Blueprint

    class Tagged(MethodView):
        decorators = [_tag("auth")]

        def get(self) -> ResponseReturnValue:
            return ",".join(g.tags)

    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("/", view_func=Tagged.as_view("tagged"))
    app.register_blueprint(bp)
    assert await _text(await app.test_client().get("/bp/")) == "auth"


async def test_method_listed_without_handler_is_a_clear_error(app: Quart) -> None:
    class Incomplete(MethodView):
        methods = ["GET", "PATCH"]

        async def get(self) -> ResponseReturnValue:
            return "get"

    async with app.test_request_context("/", method="PATCH"):
        with pytest.raises(RuntimeError, match="no 'patch' method"):
            await Incomplete().dispatch_request()


async def test_view_instances_are_not_kept_alive(app: Quart) -> None:
    alive: list[weakref.ref[object]] = []

    class Counted(MethodView):
        def __init__(self) -> None:
            alive.append(weakref.ref(self))

        async def get(self) -> ResponseReturnValue:
            return "ok"

        def post(self) -> ResponseReturnValue:
            return "ok"

    class CountedView(View):
        def __init__(self) -> None:
            alive.append(weakref.ref(self))

        def dispatch_request(self) -> ResponseReturnValue:  # type: ignore[override]
            return "ok"

    app.add_url_rule("/m", view_func=Counted.as_view("m"))
    app.add_url_rule("/v", view_func=CountedView.as_view("v"))
    client = app.test_client()
    for _ in range(5):
        await client.get("/m")
        await client.post("/m")
        await client.get("/v")
    gc.collect()
    assert len(alive) == 15
    assert [ref for ref in alive if ref() is not None] == []
