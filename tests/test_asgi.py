"""The app as a raw ASGI callable: messages in, messages out."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from quart import Quart
from quart import request
from quart import Response
from quart import url_for
from quart.testing import QuartClient


async def test_small_body_is_one_message(app: Quart, http_scope: Any, asgi_call: Any) -> None:
    @app.route("/")
    async def index() -> str:
        return "hello"

    result = await asgi_call(app, http_scope("/"))
    assert [m["type"] for m in result.messages] == ["http.response.start", "http.response.body"]
    assert result.status == 200
    body = result.body_messages[0]
    assert body["body"] == b"hello"
    assert body.get("more_body", False) is False
    headers = result.raw_headers
    assert all(name == name.lower() and isinstance(name, bytes) for name, _ in headers)
    assert result.headers["content-length"] == "5"
    assert result.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "path, method, status",
    [("/missing", "GET", 404), ("/", "POST", 405), ("/teapot", "GET", 418)],
)
async def test_error_page_is_one_message(
    app: Quart, http_scope: Any, asgi_call: Any, path: str, method: str, status: int
) -> None:
    # An HTTP error's page is Werkzeug's response (as on Quart), held in
    # memory: sent in one body message, like any small body.
    @app.route("/")
    async def index() -> str:
        return "hello"

    @app.route("/teapot")
    async def teapot() -> str:
        from quart import abort

        abort(418)

    result = await asgi_call(app, http_scope(path, method=method))
    assert [m["type"] for m in result.messages] == ["http.response.start", "http.response.body"]
    assert result.status == status
    body = result.body_messages[0]
    assert body.get("more_body", False) is False
    assert str(status).encode() in body["body"]
    assert result.headers["content-length"] == str(len(body["body"]))
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    if status == 405:
        assert set(result.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    head = await asgi_call(app, http_scope("/missing", method="HEAD"))
    assert head.status == 404
    assert head.body == b""


async def test_werkzeug_response_without_content_type_gets_the_default(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    @app.route("/")
    async def index() -> WerkzeugResponse:
        response = WerkzeugResponse(b"plain")
        del response.headers["Content-Type"]
        return response

    result = await asgi_call(app, http_scope("/"))
    assert result.status == 200
    assert result.body == b"plain"
    assert result.headers["content-type"] == "text/html; charset=utf-8"


async def test_head_sends_no_body_but_keeps_length(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/")
    async def index() -> str:
        return "twelve bytes"

    result = await asgi_call(app, http_scope("/", method="HEAD"))
    assert result.status == 200
    assert result.headers["content-length"] == "12"
    assert result.body == b""


async def test_head_of_streamed_response_sends_no_body(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/")
    async def index() -> Any:
        async def gen() -> Any:
            yield b"data"

        return gen()

    result = await asgi_call(app, http_scope("/", method="HEAD"))
    assert result.status == 200
    assert result.body == b""


async def test_streamed_body_is_sent_chunk_by_chunk(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/")
    async def index() -> Any:
        async def gen() -> Any:
            yield b"one"
            yield "two"
            yield b"three"

        return gen()

    result = await asgi_call(app, http_scope("/"))
    bodies = [m["body"] for m in result.body_messages if m["body"]]
    assert bodies == [b"one", b"two", b"three"]
    assert result.body_messages[-1].get("more_body", False) is False
    assert all(m["more_body"] for m in result.body_messages[:-1])


async def test_generator_failing_before_first_chunk_gives_500(
    app: Quart, http_scope: Any, asgi_call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/")
    async def index() -> Any:
        async def gen() -> Any:
            raise ValueError("no data")
            yield b""  # pragma: no cover

        return gen()

    with caplog.at_level(logging.ERROR):
        result = await asgi_call(app, http_scope("/"))
    assert result.status == 500
    assert any("no data" in repr(r.exc_info) for r in caplog.records if r.exc_info)


async def test_request_body_over_several_messages(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.post("/")
    async def index() -> bytes:
        return await request.get_data()

    result = await asgi_call(app, http_scope("/", method="POST"), [b"a", b"b", b"c"])
    assert result.body == b"abc"


async def test_unknown_scope_type(app: Quart) -> None:
    async def receive() -> Any:
        raise AssertionError("not called")

    async def send(message: Any) -> None:
        raise AssertionError("not called")

    with pytest.raises(RuntimeError, match="'other'"):
        await app({"type": "other"}, receive, send)  # type: ignore[arg-type,typeddict-item]


async def _lifespan(app: Quart, *events: str) -> list[dict[str, Any]]:
    queue: list[dict[str, Any]] = [{"type": event} for event in events]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    async with asyncio.timeout(5):
        await app(scope, receive, send)  # type: ignore[arg-type]
    return sent


async def test_lifespan_startup_and_shutdown(app: Quart) -> None:
    calls: list[str] = []

    @app.before_serving
    async def start() -> None:
        calls.append("start")

    @app.after_serving
    def stop() -> None:
        calls.append("stop")

    sent = await _lifespan(app, "lifespan.startup", "lifespan.shutdown")
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert calls == ["start", "stop"]


async def test_lifespan_startup_failure(app: Quart, caplog: pytest.LogCaptureFixture) -> None:
    @app.before_serving
    async def start() -> None:
        raise ValueError("database unreachable")

    with caplog.at_level(logging.ERROR):
        sent = await _lifespan(app, "lifespan.startup")
    assert len(sent) == 1
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "database unreachable" in sent[0]["message"]


async def test_lifespan_shutdown_failure(app: Quart, caplog: pytest.LogCaptureFixture) -> None:
    @app.after_serving
    async def stop() -> None:
        raise RuntimeError("flush failed")

    with caplog.at_level(logging.ERROR):
        sent = await _lifespan(app, "lifespan.startup", "lifespan.shutdown")
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.failed"]
    assert "flush failed" in sent[1]["message"]


async def test_root_path(app: Quart, http_scope: Any, asgi_call: Any) -> None:
    @app.route("/page")
    async def page() -> dict[str, str]:
        return {
            "root_path": request.root_path,
            "path": request.path,
            "url": request.url,
            "url_for": url_for("page"),
            "external": url_for("page", _external=True),
        }

    result = await asgi_call(app, http_scope("/prefix/page", root_path="/prefix"))
    assert result.status == 200
    assert json.loads(result.body) == {
        "root_path": "/prefix",
        "path": "/page",
        "url": "http://localhost/prefix/page",
        "url_for": "/prefix/page",
        "external": "http://localhost/prefix/page",
    }


async def test_root_path_prefix_must_match_whole_segment(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/prefixed/page")
    async def page() -> str:
        return request.path

    # "/prefixed" does not start with the segment "/prefix/": the path lies
    # outside the root path (ASGI paths include it), so nothing matches.
    result = await asgi_call(app, http_scope("/prefixed/page", root_path="/prefix"))
    assert result.status == 404


async def test_absolute_form_target(app: Quart, http_scope: Any, asgi_call: Any) -> None:
    @app.route("/abs")
    async def page() -> str:
        return request.path

    result = await asgi_call(app, http_scope("http://localhost/abs"))
    assert (result.status, result.body) == (200, b"/abs")


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-length", b"3"), (b"transfer-encoding", b"chunked")],
        [(b"transfer-encoding", b"chunked"), (b"content-length", b"3")],
    ],
)
async def test_content_length_and_transfer_encoding(
    app: Quart, http_scope: Any, asgi_call: Any, headers: list[tuple[bytes, bytes]]
) -> None:
    called: list[bool] = []

    @app.post("/")
    async def index() -> str:
        called.append(True)
        return "should not run"

    result = await asgi_call(app, http_scope("/", method="POST", headers=headers), b"abc")
    assert result.status == 400
    assert result.headers["connection"] == "close"
    assert called == []


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", [(b"content-length", b"3")], b"abc"),
        ("GET", [(b"Transfer-Encoding", b"chunked")], b"abc"),
        ("GET", [], b""),  # no framing: a GET carries no body
        ("POST", [], b"abc"),  # no framing (HTTP/2): a POST may still carry one
        ("POST", [(b"CONTENT-LENGTH", b"3")], b"abc"),
        ("POST", [(b"content-length", b" 0 ")], b""),
    ],
)
async def test_request_framing_decides_whether_a_body_is_read(
    app: Quart,
    http_scope: Any,
    asgi_call: Any,
    method: str,
    headers: list[tuple[bytes, bytes]],
    expected: bytes,
) -> None:
    @app.route("/", methods=[method])
    async def index() -> dict[str, Any]:
        data = await request.get_data()
        # The headers stay the app's to change.
        request.headers["Content-Length"] = "99"
        return {"data": data.decode(), "length": request.headers.get("Content-Length")}

    result = await asgi_call(app, http_scope("/", method=method, headers=headers), b"abc")
    assert result.status == 200
    assert json.loads(result.body) == {"data": expected.decode(), "length": "99"}


async def test_http11_without_host(app: Quart, http_scope: Any, asgi_call: Any) -> None:
    @app.route("/")
    async def index() -> str:
        return "ok"

    result = await asgi_call(app, http_scope("/", host=None))
    assert result.status == 400
    assert result.headers["connection"] == "close"


async def test_http11_with_two_hosts(app: Quart, http_scope: Any, asgi_call: Any) -> None:
    @app.route("/")
    async def index() -> str:
        return "ok"

    result = await asgi_call(app, http_scope("/", headers=[(b"host", b"evil.test")]))
    assert result.status == 400
    assert result.headers["connection"] == "close"


async def test_http10_without_host_is_served(app: Quart, http_scope: Any, asgi_call: Any) -> None:
    @app.route("/")
    async def index() -> str:
        return request.host

    result = await asgi_call(app, http_scope("/", host=None, http_version="1.0"))
    assert result.status == 200
    assert result.body == b"localhost"  # from scope["server"], default port dropped
    app.config["SERVER_NAME"] = "configured.test"
    result = await asgi_call(app, http_scope("/", host=None, http_version="1.0"))
    assert result.body == b"configured.test"


async def test_client_disconnect_before_body_sends_nothing(app: Quart, http_scope: Any) -> None:
    torn_down: list[Any] = []

    @app.post("/")
    async def index() -> bytes:
        return await request.get_data()

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        torn_down.append(exc)

    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    async with asyncio.timeout(5):
        await app(http_scope("/", method="POST"), receive, send)
    assert sent == []
    assert len(torn_down) == 1


async def test_propagate_exceptions_reaches_the_server(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/")
    async def index() -> str:
        raise KeyError("server sees this")

    with pytest.raises(KeyError, match="server sees this"):
        await asgi_call(app, http_scope("/"))


async def test_testing_mode_answers_escaped_traceback(
    app: Quart, http_scope: Any, asgi_call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = True

    @app.route("/")
    async def index() -> str:
        raise ValueError("<img src=x onerror=alert(1)>")

    with caplog.at_level(logging.ERROR):
        result = await asgi_call(app, http_scope("/"))
    assert result.status == 500
    assert result.headers["content-type"].startswith("text/html")
    assert b"&lt;img src=x onerror=alert(1)&gt;" in result.body
    assert b"<img" not in result.body


async def test_asgi_middleware_wraps_asgi_app(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        return request.scope.get("marker", "none")  # type: ignore[return-value]

    inner = app.asgi_app

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "marker": "wrapped"}
        await inner(scope, receive, send)

    app.asgi_app = middleware  # type: ignore[method-assign]
    response = await client.get("/")
    assert await response.get_data(as_text=True) == "wrapped"


async def test_response_timeout_stops_a_stalled_stream(
    app: Quart, http_scope: Any, asgi_call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    finished: list[bool] = []

    @app.route("/")
    async def index() -> Response:
        async def gen() -> Any:
            try:
                yield b"first"
                await asyncio.Event().wait()
            finally:
                finished.append(True)

        response = Response(gen())
        response.timeout = 0.05
        return response

    with caplog.at_level(logging.WARNING):
        result = await asgi_call(app, http_scope("/"))
    assert result.body == b"first"
    assert finished == [True]
    # No final "more_body: False": the server closes the unfinished response.
    assert result.body_messages[-1]["more_body"] is True
