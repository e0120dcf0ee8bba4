"""The response object: status, headers, cookies, bodies, data and JSON access."""

from __future__ import annotations

import io
from collections.abc import AsyncGenerator
from collections.abc import Generator
from datetime import datetime
from datetime import UTC
from typing import Any

import pytest
from werkzeug.datastructures import Headers
from werkzeug.http import parse_cookie

from quart import Quart
from quart import Response
from quart.testing import QuartClient
from quart.wrappers.response import DataBody
from quart.wrappers.response import IOBody
from quart.wrappers.response import IterableBody


async def test_defaults() -> None:
    response = Response()
    assert response.status_code == 200
    assert response.status == "200 OK"
    assert response.mimetype == "text/html"
    assert response.content_type == "text/html; charset=utf-8"
    assert await response.get_data() == b""


async def test_status_headers_mimetype() -> None:
    response = Response("body", status=201, headers={"X-A": "1"}, mimetype="text/plain")
    assert (response.status_code, response.status) == (201, "201 CREATED")
    assert response.headers["X-A"] == "1"
    assert response.content_type == "text/plain; charset=utf-8"
    response.status_code = 404
    assert response.status == "404 NOT FOUND"
    response.mimetype = "application/xml"
    assert response.content_type == "application/xml; charset=utf-8"
    response.headers.add("X-Multi", "a")
    response.headers.add("X-Multi", "b")
    assert response.headers.getlist("X-Multi") == ["a", "b"]
    assert Response(content_type="image/png").content_type == "image/png"
    headers = Headers([("X-H", "1")])
    assert Response("x", headers=headers).headers["X-H"] == "1"


async def test_set_data_and_data_property() -> None:
    response = Response("first")
    assert response.headers["Content-Length"] == "5"
    response.set_data("longer text")
    assert await response.get_data() == b"longer text"
    assert response.headers["Content-Length"] == "11"
    response.data = b"bytes"  # type: ignore[method-assign,assignment]
    assert await response.data == b"bytes"
    assert await response.get_data(as_text=True) == "bytes"
    response.set_data("é")
    assert response.headers["Content-Length"] == "2"


async def test_json_and_get_json() -> None:
    response = Response('{"a": 1}', mimetype="application/json")
    assert response.is_json
    assert await response.json == {"a": 1}
    assert await response.get_json() == {"a": 1}
    plain = Response('{"a": 1}')
    assert await plain.get_json() is None
    assert await plain.get_json(force=True) == {"a": 1}
    broken = Response("{no", mimetype="application/json")
    assert await broken.get_json(silent=True) is None
    with pytest.raises(ValueError):
        await broken.get_json()


async def test_bodies_from_bytes_str_and_iterables() -> None:
    def sync_gen() -> Generator[Any, None, None]:
        yield "a"
        yield b"b"

    async def async_gen() -> AsyncGenerator[Any, None]:
        yield b"c"
        yield "d"

    assert isinstance(Response(b"x").response, DataBody)
    assert isinstance(Response("x").response, DataBody)
    assert await Response([b"1", b"2"]).get_data() == b"12"
    assert await Response((b"3", "4")).get_data() == b"34"
    streamed = Response(sync_gen())
    assert isinstance(streamed.response, IterableBody)
    assert await streamed.get_data() == b"ab"
    # Once collected, the body can be read again.
    assert await streamed.get_data() == b"ab"
    assert await Response(async_gen()).get_data() == b"cd"


async def test_generator_finally_runs_when_closed() -> None:
    closed: list[str] = []

    async def gen() -> AsyncGenerator[bytes, None]:
        try:
            yield b"a"
            yield b"b"
        finally:
            closed.append("async")

    response = Response(gen())
    async with response.response as body:
        async for chunk in body:
            assert chunk == b"a"
            break
    assert closed == ["async"]


async def test_io_body_and_iter_encode() -> None:
    response = Response(IOBody(io.BytesIO(b"in memory")))
    chunks = [chunk async for chunk in response.iter_encode()]
    assert b"".join(chunks) == b"in memory"


async def test_set_cookie_and_delete_cookie() -> None:
    response = Response("x")
    response.set_cookie(
        "name",
        "value",
        max_age=60,
        path="/p",
        domain="example.test",
        secure=True,
        httponly=True,
        samesite="Lax",
    )
    header = response.headers["Set-Cookie"]
    assert header.startswith("name=value;")
    for part in (
        "Max-Age=60",
        "Path=/p",
        "Domain=example.test",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
    ):
        assert part in header
    response.delete_cookie("gone", path="/")
    deleted = response.headers.getlist("Set-Cookie")[1]
    assert deleted.startswith("gone=;")
    assert "Max-Age=0" in deleted and "Expires=Thu, 01 Jan 1970" in deleted


async def test_cookie_value_cannot_inject_attributes() -> None:
    value = "abc; Domain=evil.test; Path=/\r\nX-Injected: 1"
    response = Response("x")
    response.set_cookie("session", value)
    header = response.headers["Set-Cookie"]
    assert "\r" not in header and "\n" not in header
    # Only the attributes set_cookie was asked for: Path, not the injected Domain.
    name_value, _, attributes = header.rpartition("; ")
    assert attributes == "Path=/"
    assert name_value.startswith('session="') and name_value.endswith('"')
    assert parse_cookie(name_value).to_dict() == {"session": value}


async def test_response_attributes_from_werkzeug() -> None:
    response = Response("x")
    response.cache_control.max_age = 30
    response.cache_control.public = True
    response.last_modified = datetime(2024, 1, 2, tzinfo=UTC)
    response.set_etag("abc")
    response.location = "/next"
    assert response.headers["Cache-Control"] in {"max-age=30, public", "public, max-age=30"}
    assert response.headers["Last-Modified"] == "Tue, 02 Jan 2024 00:00:00 GMT"
    assert response.headers["ETag"] == '"abc"'
    assert response.headers["Location"] == "/next"


async def test_add_etag() -> None:
    response = Response("etag me")
    await response.add_etag()
    etag, weak = response.get_etag()
    assert etag and not weak
    other = Response("etag me")
    await other.add_etag()
    assert other.get_etag()[0] == etag


async def test_make_conditional_not_modified_and_range(app: Quart) -> None:
    async with app.test_request_context("/", headers={"If-None-Match": '"v1"'}) as ctx:
        response = Response("full body")
        response.set_etag("v1")
        await response.make_conditional(ctx.request)
        assert response.status_code == 304
        assert await response.get_data() == b""
    async with app.test_request_context("/", headers={"Range": "bytes=0-3"}) as ctx:
        response = Response("full body")
        await response.make_conditional(ctx.request, accept_ranges=True, complete_length=9)
        assert response.status_code == 206
        assert await response.get_data() == b"full"
        assert response.headers["Content-Range"] == "bytes 0-3/9"


async def test_header_value_crlf_is_rejected() -> None:
    response = Response("x")
    with pytest.raises(ValueError):
        response.headers["X-Bad"] = "value\r\nInjected: yes"
    with pytest.raises(ValueError):
        response.headers.add("X-Bad", "a\nb")


async def test_response_returned_through_the_app(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> Response:
        response = Response("hello", status=202, mimetype="text/plain")
        response.headers["X-Extra"] = "1"
        response.set_cookie("k", "v")
        return response

    response = await client.get("/")
    assert response.status_code == 202
    assert response.mimetype == "text/plain"
    assert response.headers["X-Extra"] == "1"
    assert "k=v" in response.headers["Set-Cookie"]
    assert await response.get_data() == b"hello"


async def test_streamed_responses_through_the_app(app: Quart, client: QuartClient) -> None:
    @app.route("/sync")
    def sync_stream() -> Any:
        def gen() -> Generator[str, None, None]:
            yield "s1 "
            yield "s2"

        return gen()

    @app.route("/async")
    async def async_stream() -> Any:
        async def gen() -> AsyncGenerator[bytes, None]:
            yield b"a1 "
            yield b"a2"

        return gen(), 201, {"X-Stream": "yes"}

    response = await client.get("/sync")
    assert await response.get_data() == b"s1 s2"
    response = await client.get("/async")
    assert response.status_code == 201
    assert response.headers["X-Stream"] == "yes"
    assert await response.get_data() == b"a1 a2"
