"""HTTP/2 server push: ``make_push_promise`` and ``request.send_push_promise``."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from quart import make_push_promise
from quart import Quart
from quart import request
from quart import stream_with_context


def _push_app(app: Quart) -> Quart:
    @app.route("/page")
    async def page() -> str:
        await make_push_promise("/static/style.css")
        await request.send_push_promise("/static/app.js")
        return "page"

    return app


async def test_test_client_records_push_promises(app: Quart) -> None:
    client = _push_app(app).test_client()
    response = await client.get(
        "/page",
        http_version="2",  # As in Quart, push needs HTTP/2 (or 3).
        headers={
            "Accept": "text/css",
            "Accept-Encoding": "gzip",
            "Accept-Language": "fr",
            "Cache-Control": "no-cache",
            "User-Agent": "pusher/1.0",
            "Cookie": "secret=1",
            "X-Custom": "not copied",
        },
    )
    assert await response.get_data() == b"page"
    assert [path for path, _ in client.push_promises] == ["/static/style.css", "/static/app.js"]
    headers = client.push_promises[0][1]
    assert headers["Accept"] == "text/css"
    assert headers["Accept-Encoding"] == "gzip"
    assert headers["Accept-Language"] == "fr"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["User-Agent"] == "pusher/1.0"
    # Only the headers that shape the pushed response are copied.
    assert "Cookie" not in headers
    assert "X-Custom" not in headers


async def test_test_client_records_push_promises_of_streaming_requests(app: Quart) -> None:
    client = _push_app(app).test_client()
    async with client.request("/page", http_version="2") as connection:
        response = await connection.as_response()
    assert await response.get_data() == b"page"
    expected = ["/static/style.css", "/static/app.js"]
    assert [path for path, _ in connection.push_promises] == expected
    assert [path for path, _ in client.push_promises] == expected


async def test_push_sends_the_asgi_extension_message(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    scope = http_scope("/page", http_version="2", headers=[(b"accept", b"text/css")])
    scope["extensions"] = {"http.response.push": {}}
    result = await asgi_call(_push_app(app), scope)
    pushes = [m for m in result.messages if m["type"] == "http.response.push"]
    assert [m["path"] for m in pushes] == ["/static/style.css", "/static/app.js"]
    assert (b"accept", b"text/css") in pushes[0]["headers"]
    # Pushes go out before the response they belong to.
    assert result.messages[0]["type"] == "http.response.push"
    assert result.body == b"page"


async def test_push_is_a_no_op_without_server_support(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    scope = http_scope("/page")
    scope["extensions"] = {}
    result = await asgi_call(_push_app(app), scope)
    assert [m["type"] for m in result.messages] == ["http.response.start", "http.response.body"]
    assert result.body == b"page"

    del scope["extensions"]
    result = await asgi_call(app, scope)
    assert result.body == b"page"


async def test_push_from_a_stream_with_context(app: Quart) -> None:
    @app.route("/stream")
    async def stream() -> Any:
        @stream_with_context
        async def generate() -> AsyncGenerator[str, None]:
            await make_push_promise("/late.css")
            yield "streamed"

        return generate()

    client = app.test_client()
    response = await client.get("/stream", http_version="2")
    assert await response.get_data() == b"streamed"
    assert [path for path, _ in client.push_promises] == ["/late.css"]


async def test_push_in_a_test_request_context_is_a_no_op(app: Quart) -> None:
    async with app.test_request_context("/"):
        await make_push_promise("/nothing.css")  # no server: nothing happens
