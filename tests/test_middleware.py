"""quart.middleware: DispatcherMiddleware (mounting ASGI and WSGI apps) and WSGIAdapter."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import Any

import flask
import pytest

from quart import Quart
from quart import request
from quart import url_for
from quart.middleware import DispatcherMiddleware
from quart.middleware import is_asgi_app
from quart.middleware import WSGIAdapter

pytest.importorskip("a2wsgi")


class Recorder:
    """An ASGI app that answers with the scope's root_path and path."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.scopes: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scopes.append(scope)
        body = f"{self.name} {scope.get('root_path', '')} {scope['path']}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


async def call(app: Any, path: str, root_path: str = "", query: bytes = b"") -> tuple[int, Any]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": query,
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
    }
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], (body, dict(start["headers"]))


async def test_longest_prefix_wins_at_segment_boundaries() -> None:
    main, a, ab = Recorder("main"), Recorder("a"), Recorder("ab")
    app = DispatcherMiddleware(main, {"/a": a, "/a/b": ab})
    assert (await call(app, "/a/x"))[1][0] == b"a /a /a/x"
    assert (await call(app, "/a/b/x"))[1][0] == b"ab /a/b /a/b/x"
    assert (await call(app, "/a/bx"))[1][0] == b"a /a /a/bx"
    assert (await call(app, "/ab"))[1][0] == b"main  /ab"
    assert (await call(app, "/"))[1][0] == b"main  /"


async def test_outer_root_path_is_kept() -> None:
    main, legacy = Recorder("main"), Recorder("legacy")
    app = DispatcherMiddleware(main, {"/legacy": legacy})
    assert (await call(app, "/app/legacy/x", root_path="/app"))[1][0] == (
        b"legacy /app/legacy /app/legacy/x"
    )
    # Outside the root path: the main app (which answers 404).
    assert (await call(app, "/legacy/x", root_path="/app"))[1][0] == b"main /app /legacy/x"


async def test_bare_prefix_of_an_asgi_app_redirects_with_a_slash() -> None:
    app = DispatcherMiddleware(Recorder("main"), {"/v2": Recorder("v2")})
    status, (body, headers) = await call(app, "/v2", query=b"page=2")
    assert status == 308
    assert headers[b"location"] == b"/v2/?page=2"


async def test_mounted_quart_app_routes_and_builds_urls_under_its_prefix() -> None:
    main = Quart("main")
    sub = Quart("sub")

    @sub.route("/items/<int:id>")
    async def item(id: int) -> str:
        return f"{request.path} {request.root_path} {url_for('item', id=id)}"

    main.asgi_app = DispatcherMiddleware(main.asgi_app, {"/sub/": sub})  # type: ignore[method-assign]
    response = await main.test_client().get("/sub/items/3")
    assert await response.get_data(as_text=True) == "/items/3 /sub /sub/items/3"
    assert (await main.test_client().get("/items/3")).status_code == 404


async def test_flask_app_gets_script_name_and_path_info() -> None:
    legacy = flask.Flask("legacy")

    @legacy.route("/<path:rest>")
    def show(rest: str) -> str:
        return f"{flask.request.script_root}|{flask.request.path}|{flask.url_for('show', rest='z')}"

    app = DispatcherMiddleware(Recorder("main"), {"/legacy": legacy})
    assert (await call(app, "/legacy/a/b"))[1][0] == b"/legacy|/a/b|/legacy/z"
    # The bare prefix reaches Flask with an empty PATH_INFO (no redirect by
    # the dispatcher): this app has no "/" rule, so it is Flask's 404.
    status, _ = await call(app, "/legacy")
    assert status == 404


async def test_script_name_environment_variable_does_not_override_the_mount(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCRIPT_NAME", "/elsewhere")

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    app = DispatcherMiddleware(Recorder("main"), {"/legacy": wsgi})
    assert (await call(app, "/legacy/x"))[1][0] == b"/legacy|/x"


@pytest.mark.parametrize("prefix", ["", "/", "legacy", "/a?b"])
def test_bad_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="mount prefix"):
        DispatcherMiddleware(Recorder("main"), {prefix: Recorder("x")})


def test_a_prefix_is_mounted_once() -> None:
    app = DispatcherMiddleware(Recorder("main"), {"/a": Recorder("a")})
    with pytest.raises(ValueError, match="already mounted"):
        app.mount("/a/", Recorder("b"))


def test_asgi_and_wsgi_apps_are_told_apart() -> None:
    async def asgi(scope: Any, receive: Any, send: Any) -> None: ...

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        return []

    def unclear(*args: Any) -> None: ...

    assert is_asgi_app(Quart("q"))
    assert is_asgi_app(asgi)
    assert is_asgi_app(Recorder("r"))
    assert not is_asgi_app(flask.Flask("f"))
    assert not is_asgi_app(wsgi)
    with pytest.raises(TypeError, match="WSGIAdapter"):
        is_asgi_app(unclear)
    # Wrapped explicitly, anything WSGI-shaped is accepted.
    app = DispatcherMiddleware(Recorder("main"), {"/x": WSGIAdapter(unclear, workers=1)})  # type: ignore[arg-type]
    assert isinstance(app.mounts["/x"], WSGIAdapter)
    assert isinstance(
        DispatcherMiddleware(Recorder("main"), {"/f": flask.Flask("f")}).mounts["/f"], WSGIAdapter
    )


@pytest.mark.parametrize("workers", [0, -1, True, 2.5])
def test_bad_worker_counts_are_refused(workers: Any) -> None:
    with pytest.raises(ValueError, match="workers"):
        WSGIAdapter(flask.Flask("f"), workers=workers)


@pytest.mark.parametrize(("workers", "all_met"), [(2, False), (3, True)])
async def test_wsgi_requests_run_in_at_most_workers_threads(workers: int, all_met: bool) -> None:
    # Three requests meet at a barrier: only possible with three threads.
    barrier = threading.Barrier(3, timeout=2)
    outcomes: list[str] = []

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        try:
            barrier.wait()
            outcomes.append("met")
        except threading.BrokenBarrierError:
            outcomes.append("alone")
        start_response("200 OK", [])
        return [b"ok"]

    app = DispatcherMiddleware(Recorder("main"), {"/w": wsgi}, wsgi_workers=workers)
    async with asyncio.timeout(10):
        await asyncio.gather(*(call(app, "/w/") for _ in range(3)))
    assert (outcomes == ["met"] * 3) is all_met


async def test_websocket_to_a_wsgi_app_is_refused() -> None:
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(message)

    app = DispatcherMiddleware(Recorder("main"), {"/legacy": flask.Flask("f")})
    scope = {"type": "websocket", "path": "/legacy/ws", "root_path": "", "headers": []}
    await app(scope, receive, send)
    assert [message["type"] for message in sent] == ["websocket.close"]


class LifespanApp:
    """An ASGI app recording its lifespan events (optionally failing one)."""

    def __init__(self, name: str, log: list[str], fail: str = "", support: bool = True) -> None:
        self.name, self.log, self.fail, self.support = name, log, fail, support

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        if not self.support:
            raise RuntimeError("no lifespan here")
        while True:
            message = await receive()
            event = message["type"].removeprefix("lifespan.")
            self.log.append(f"{self.name} {event}")
            if event == self.fail:
                await send({"type": f"lifespan.{event}.failed", "message": f"{self.name} broke"})
                return
            await send({"type": f"lifespan.{event}.complete"})
            if event == "shutdown":
                return


async def run_lifespan(app: Any) -> list[str]:
    incoming: asyncio.Queue[Any] = asyncio.Queue()
    replies: list[str] = []

    async def send(message: Any) -> None:
        detail = f": {message['message']}" if "message" in message else ""
        replies.append(message["type"] + detail)
        if message["type"] == "lifespan.startup.complete":
            await incoming.put({"type": "lifespan.shutdown"})

    await incoming.put({"type": "lifespan.startup"})
    async with asyncio.timeout(10):
        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, incoming.get, send)
    return replies


async def test_lifespan_runs_mounted_asgi_apps_in_order() -> None:
    log: list[str] = []
    app = DispatcherMiddleware(
        LifespanApp("main", log),
        {"/a": LifespanApp("a", log), "/b": LifespanApp("b", log), "/f": flask.Flask("f")},
    )
    assert await run_lifespan(app) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert log == [
        "main startup",
        "a startup",
        "b startup",
        "b shutdown",
        "a shutdown",
        "main shutdown",
    ]


async def test_a_failed_mount_startup_fails_and_undoes_the_startup() -> None:
    log: list[str] = []
    app = DispatcherMiddleware(
        LifespanApp("main", log), {"/a": LifespanApp("a", log, fail="startup")}
    )
    assert await run_lifespan(app) == ["lifespan.startup.failed: a broke"]
    assert log == ["main startup", "a startup", "main shutdown"]


async def test_mounts_without_lifespan_support_are_left_out() -> None:
    log: list[str] = []
    app = DispatcherMiddleware(
        LifespanApp("main", log), {"/a": LifespanApp("a", log, support=False)}
    )
    assert await run_lifespan(app) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert log == ["main startup", "main shutdown"]


async def test_mount_lifespan_can_be_turned_off() -> None:
    log: list[str] = []
    app = DispatcherMiddleware(
        LifespanApp("main", log), {"/a": LifespanApp("a", log)}, mount_lifespan=False
    )
    assert await run_lifespan(app) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert log == ["main startup", "main shutdown"]


async def test_shutdown_failures_are_reported() -> None:
    log: list[str] = []
    app = DispatcherMiddleware(
        LifespanApp("main", log), {"/a": LifespanApp("a", log, fail="shutdown")}
    )
    assert await run_lifespan(app) == [
        "lifespan.startup.complete",
        "lifespan.shutdown.failed: a broke",
    ]
    assert log == ["main startup", "a startup", "a shutdown", "main shutdown"]
