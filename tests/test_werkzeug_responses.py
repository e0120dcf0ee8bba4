"""Werkzeug responses and HTTP exceptions pass through ``make_response`` as on Quart.

Quart returns a :class:`werkzeug.wrappers.Response` as it is (with a tuple's
status and headers applied), and turns an ``HTTPException`` into Werkzeug's
response for it; ``after_request`` functions see those objects, and every
server and the test client send them.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import TooManyRequests
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response as WerkzeugResponse

from quart import abort
from quart import make_response
from quart import Quart
from quart import request
from quart import Response
from quart import session
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError


async def test_make_response_returns_the_werkzeug_response(app: Quart) -> None:
    original = WerkzeugResponse("plain", status=201, headers={"X-A": "1"})
    async with app.app_context():
        assert await make_response(original) is original
        made = await make_response(WerkzeugResponse("body"), 202, {"X-B": "2"})
        from_tuple = await app.make_response((original, {"X-C": "3"}))
    assert type(made) is WerkzeugResponse
    assert (made.status_code, made.headers["X-B"], made.get_data()) == (202, "2", b"body")
    assert from_tuple is original
    assert (original.status_code, original.headers["X-C"]) == (201, "3")


async def test_make_response_of_an_http_exception_is_werkzeugs(app: Quart) -> None:
    async with app.app_context():
        response = await app.make_response(NotFound())
        with_status = await app.make_response((NotFound(), 410, {"X-Gone": "yes"}))
    assert type(response) is WerkzeugResponse
    assert response.status_code == 404
    assert b"Not Found" in response.get_data()
    assert (with_status.status_code, with_status.headers["X-Gone"]) == (410, "yes")


class _Named(NotFound):
    name = "Gone Fishing"


class _Described(NotFound):
    # Its page depends on more than its class, code and description.
    def __init__(self, item: str) -> None:
        super().__init__()
        self.item = item

    def get_description(self, environ: Any = None, scope: Any = None) -> str:
        return f"<p>missing {self.item}</p>"


class _Custom(HTTPException):
    code = 499


@pytest.mark.parametrize(
    "make",
    [
        lambda: NotFound(),
        lambda: NotFound("<b>no such item</b>\nsecond line"),
        lambda: BadRequest(),
        lambda: MethodNotAllowed(["GET", "POST"]),
        lambda: Unauthorized(www_authenticate=WWWAuthenticate("basic", {"realm": "r"})),
        lambda: TooManyRequests(retry_after=5),
        lambda: _Named(),
        lambda: _Described("x"),
        lambda: _Described("y"),
        lambda: _Custom("custom"),
        lambda: NotFound(response=WerkzeugResponse("own", status=404)),
    ],
)
async def test_http_exception_pages_are_werkzeugs(app: Quart, make: Any) -> None:
    # The page is made once per class, code and description and kept: each
    # of these, made twice, gives the page Werkzeug's get_response gives.
    async with app.app_context():
        for _ in range(2):
            made = await app.make_response(make())
            expected = make().get_response()
            assert type(made) is type(expected)
            assert made.status_code == expected.status_code
            assert made.headers.to_wsgi_list() == expected.headers.to_wsgi_list()
            assert made.get_data() == expected.get_data()
            # The same state, attribute for attribute (the kept page is built
            # again without Werkzeug's __init__).
            assert vars(made).keys() == vars(expected).keys()
            assert (made.status, made.direct_passthrough, made._on_close) == (
                expected.status,
                expected.direct_passthrough,
                expected._on_close,
            )


async def test_a_changed_error_page_does_not_change_the_next_one(
    app: Quart, client: QuartClient
) -> None:
    @app.after_request
    async def mark(response: Any) -> Any:
        if request.args.get("mark"):
            response.headers["X-Marked"] = "yes"
            response.set_data(b"changed")
            response.status_code = 410
        return response

    first = await client.get("/nowhere?mark=1")
    second = await client.get("/nowhere")
    assert (first.status_code, first.headers.get("X-Marked"), await first.get_data()) == (
        410,
        "yes",
        b"changed",
    )
    assert second.status_code == 404
    assert "X-Marked" not in second.headers
    assert b"Not Found" in await second.get_data()


async def test_pages_of_exceptions_with_their_own_description(app: Quart) -> None:
    async with app.app_context():
        x = await app.make_response(_Described("x"))
        y = await app.make_response(_Described("y"))
    assert b"missing x" in x.get_data() and b"missing y" in y.get_data()


async def test_abort_pages_differ_by_description(app: Quart, client: QuartClient) -> None:
    @app.route("/item/<int:n>")
    async def item(n: int) -> str:
        abort(404, description=f"item {n} <missing>")

    first = await (await client.get("/item/1")).get_data()
    second = await (await client.get("/item/2")).get_data()
    again = await (await client.get("/item/1")).get_data()
    assert b"item 1 &lt;missing&gt;" in first and b"item 2 &lt;missing&gt;" in second
    assert again == first


async def test_view_returning_a_werkzeug_response(app: Quart, client: QuartClient) -> None:
    seen: list[Any] = []

    @app.after_request
    async def record(response: Any) -> Any:
        seen.append(response)
        response.headers["X-After"] = "ran"
        return response

    @app.route("/alone")
    async def alone() -> Any:
        return WerkzeugResponse("hello", status=201, headers={"X-A": "1"})

    @app.route("/tuple")
    async def in_a_tuple() -> Any:
        return WerkzeugResponse("hello"), 202, {"X-B": "2"}

    @app.route("/iterable")
    async def iterable() -> Any:
        return WerkzeugResponse(iter([b"a", "b", b"c"]), mimetype="text/plain")

    response = await client.get("/alone")
    assert (response.status_code, await response.get_data()) == (201, b"hello")
    assert (response.headers["X-A"], response.headers["X-After"]) == ("1", "ran")
    assert type(seen[-1]) is WerkzeugResponse

    response = await client.get("/tuple")
    assert (response.status_code, response.headers["X-B"]) == (202, "2")
    assert await response.get_data() == b"hello"

    response = await client.get("/iterable")
    assert (response.status_code, await response.get_data()) == (200, b"abc")


async def test_after_request_sees_werkzeugs_response_for_errors(
    app: Quart, client: QuartClient
) -> None:
    seen: list[tuple[type, int]] = []

    @app.after_request
    async def record(response: Any) -> Any:
        seen.append((type(response), response.status_code))
        return response

    @app.route("/abort")
    async def aborts() -> Any:
        abort(404)

    @app.route("/returned")
    async def returned() -> Any:
        return NotFound(), 410

    @app.route("/custom")
    async def custom() -> Any:
        abort(Response("teapot", status=418))

    assert (await client.get("/abort")).status_code == 404
    response = await client.get("/returned")
    assert response.status_code == 410
    assert b"Not Found" in await response.get_data()
    assert (await client.get("/missing")).status_code == 404
    response = await client.get("/custom")
    assert (response.status_code, await response.get_data()) == (418, b"teapot")
    assert seen == [
        (WerkzeugResponse, 404),
        (WerkzeugResponse, 410),
        (WerkzeugResponse, 404),
        (Response, 418),
    ]


async def test_slash_redirect_is_werkzeugs_redirect(app: Quart, client: QuartClient) -> None:
    @app.route("/folder/")
    async def folder() -> str:
        return "folder"

    response = await client.get("/folder?q=1")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/folder/?q=1"


async def test_session_is_saved_on_a_werkzeug_response(app: Quart, client: QuartClient) -> None:
    app.secret_key = "test secret"

    @app.route("/set")
    async def set_value() -> Any:
        session["user"] = "alice"
        return WerkzeugResponse("set")

    @app.route("/get")
    async def get_value() -> Any:
        return WerkzeugResponse(session.get("user", "nobody"))

    response = await client.get("/set")
    assert "session=" in response.headers["Set-Cookie"]
    assert await (await client.get("/get")).get_data() == b"alice"


async def test_websocket_refused_with_a_werkzeug_response(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> Any:
        return WerkzeugResponse("go away", status=403, headers={"X-Why": "because"})

    @app.websocket("/abort")
    async def ws_abort() -> Any:
        abort(401)

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    response = info.value.response
    assert (response.status_code, response.headers["X-Why"]) == (403, "because")
    assert await response.get_data() == b"go away"

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/abort") as connection:
            await connection.receive()
    assert info.value.response.status_code == 401
    assert b"Unauthorized" in await info.value.response.get_data()
