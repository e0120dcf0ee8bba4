"""Streamed responses (generators, SSE, timeouts) and streamed request bodies."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from collections.abc import Generator
from typing import Any

import pytest

from quart import g
from quart import Quart
from quart import request
from quart import Response
from quart import stream_with_context
from quart.testing.connections import HTTPDisconnectError

# -- streamed responses ---------------------------------------------------------


async def test_first_chunk_arrives_before_an_async_generator_finishes(app: Quart) -> None:
    release = asyncio.Event()
    finished: list[str] = []

    @app.route("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncGenerator[bytes, None]:
            yield b"first"
            await release.wait()
            yield b"second"
            finished.append("done")

        return generate(), 200, {"X-Stream": "yes"}

    async with asyncio.timeout(5):
        async with app.test_client().request("/stream") as connection:
            assert await connection.receive() == b"first"
            assert connection.status_code == 200
            assert connection.headers is not None
            assert connection.headers["X-Stream"] == "yes"
            assert finished == []
            release.set()
            assert await connection.receive() == b"second"
            with pytest.raises(HTTPDisconnectError):
                await connection.receive()
            response = await connection.as_response()
    assert finished == ["done"]
    assert await response.get_data() == b"firstsecond"


async def test_first_chunk_arrives_before_a_sync_generator_finishes(app: Quart) -> None:
    release = threading.Event()
    threads: list[bool] = []
    loop_thread = threading.get_ident()

    @app.route("/stream")
    def stream() -> Any:
        def generate() -> Generator[str, None, None]:
            threads.append(threading.get_ident() != loop_thread)
            yield "first"
            # Blocking is fine: each step of a sync generator runs in a thread.
            release.wait(5)
            yield "second"

        return generate()

    async with asyncio.timeout(5):
        async with app.test_client().request("/stream") as connection:
            assert await connection.receive() == b"first"
            release.set()
            assert await connection.receive() == b"second"
            response = await connection.as_response()
    assert threads == [True]
    assert await response.get_data(as_text=True) == "firstsecond"


async def test_get_collects_a_streamed_body(app: Quart) -> None:
    @app.route("/")
    async def index() -> Any:
        async def generate() -> AsyncGenerator[str, None]:
            for word in ("a", "b", "c"):
                yield word

        return generate(), {"Content-Type": "text/plain"}

    response = await app.test_client().get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert await response.get_data(as_text=True) == "abc"


async def test_each_chunk_is_its_own_asgi_message(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/")
    async def index() -> Any:
        async def generate() -> AsyncGenerator[bytes, None]:
            yield b"one"
            yield b"two"

        return generate()

    result = await asgi_call(app, http_scope("/"))
    assert result.status == 200
    assert [(m["body"], m["more_body"]) for m in result.body_messages] == [
        (b"one", True),
        (b"two", True),
        (b"", False),
    ]
    # A stream has no known length.
    assert "content-length" not in result.headers


async def test_a_list_body_is_sent(app: Quart) -> None:
    @app.route("/")
    async def index() -> Response:
        return Response(["a", "b"], mimetype="text/plain")

    response = await app.test_client().get("/")
    assert await response.get_data() == b"ab"


async def test_stream_with_context_keeps_request_and_g(app: Quart) -> None:
    @app.route("/")
    async def index() -> Any:
        g.user = "alice"

        @stream_with_context
        async def generate() -> AsyncGenerator[str, None]:
            yield f"{request.method} {request.args['name']} "
            await asyncio.sleep(0)
            yield g.user

        return generate()

    response = await app.test_client().get("/", query_string={"name": "bob"})
    assert await response.get_data(as_text=True) == "GET bob alice"


async def test_without_stream_with_context_the_request_is_gone(app: Quart) -> None:
    @app.route("/")
    async def index() -> Any:
        async def generate() -> AsyncGenerator[str, None]:
            try:
                yield request.method
            except RuntimeError:
                yield "no request"

        return generate()

    response = await app.test_client().get("/")
    assert await response.get_data(as_text=True) == "no request"


async def test_stream_with_context_outside_a_request_is_an_error(app: Quart) -> None:
    async def generate() -> AsyncGenerator[str, None]:
        yield "x"  # pragma: no cover

    with pytest.raises(RuntimeError, match="request"):
        stream_with_context(generate)


async def test_generator_is_closed_when_the_stream_ends(app: Quart) -> None:
    events: list[str] = []

    @app.route("/")
    async def index() -> Any:
        async def generate() -> AsyncGenerator[str, None]:
            try:
                yield "x"
            finally:
                events.append("closed")

        return generate()

    assert await (await app.test_client().get("/")).get_data() == b"x"
    assert events == ["closed"]


async def test_error_before_the_first_chunk_gives_a_clean_500(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    @app.route("/")
    async def index() -> Any:
        async def generate() -> AsyncGenerator[str, None]:
            try:
                raise ValueError("generator broke")
                yield "never"  # pragma: no cover
            finally:
                events.append("closed")

        return generate()

    response = await app.test_client().get("/")
    assert response.status_code == 500
    assert events == ["closed"]
    assert "generator broke" in caplog.text


async def test_error_after_the_first_chunk_cuts_the_stream(
    app: Quart, http_scope: Any, asgi_call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    @app.route("/")
    async def index() -> Any:
        async def generate() -> AsyncGenerator[str, None]:
            try:
                yield "partial"
                raise ValueError("generator broke late")
            finally:
                events.append("closed")

        return generate()

    result = await asgi_call(app, http_scope("/"))
    assert result.status == 200
    # No final ``more_body=False`` message: the server closes the connection,
    # so the client can tell the response is incomplete.
    assert [(m["body"], m["more_body"]) for m in result.body_messages] == [(b"partial", True)]
    assert events == ["closed"]
    assert "generator broke late" in caplog.text


async def test_sync_generator_is_closed_when_the_stream_ends_early(app: Quart) -> None:
    events: list[str] = []

    @app.route("/")
    async def index() -> Any:
        def generate() -> Generator[str, None, None]:
            try:
                yield "partial"
                raise ValueError("sync broke")
            finally:
                events.append("closed")

        return generate()

    app.logger.disabled = True
    try:
        await app.test_client().get("/")
    finally:
        app.logger.disabled = False
    assert events == ["closed"]


async def test_head_sends_no_body_and_closes_the_generator(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    events: list[str] = []

    @app.route("/")
    async def index() -> Any:
        async def generate() -> AsyncGenerator[str, None]:
            events.append("started")  # pragma: no cover - HEAD never iterates
            yield "body"  # pragma: no cover

        return generate()

    # Over ASGI, as a server sees it (the test client, as Quart's, returns
    # the body the view produced).
    sent = await asgi_call(app, http_scope("/", method="HEAD"))
    assert sent.status == 200
    assert sent.body == b""
    assert events == []


# -- timeouts ---------------------------------------------------------------------


async def test_response_timeout_stops_a_stream_and_closes_the_generator(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["RESPONSE_TIMEOUT"] = 0.05
    events: list[str] = []

    @app.route("/")
    async def index() -> Any:
        async def generate() -> AsyncGenerator[str, None]:
            try:
                yield "start"
                await asyncio.sleep(30)
                yield "never"  # pragma: no cover
            except asyncio.CancelledError:
                events.append("cancelled")
                raise
            finally:
                events.append("closed")

        return generate()

    async with asyncio.timeout(5):  # far less than the generator's 30 s
        response = await app.test_client().get("/")
    assert await response.get_data() == b"start"
    assert events == ["cancelled", "closed"]
    assert "timed out" in caplog.text


async def test_per_response_timeout_overrides_the_config(app: Quart) -> None:
    app.config["RESPONSE_TIMEOUT"] = None
    events: list[str] = []

    @app.route("/")
    async def index() -> Response:
        async def generate() -> AsyncGenerator[str, None]:
            try:
                yield "start"
                await asyncio.sleep(30)
            finally:
                events.append("closed")

        response = Response(generate())
        response.timeout = 0.05
        return response

    app.logger.disabled = True
    try:
        async with asyncio.timeout(5):
            response = await app.test_client().get("/")
    finally:
        app.logger.disabled = False
    assert await response.get_data() == b"start"
    assert events == ["closed"]


async def test_timeout_none_lets_a_stream_outlive_response_timeout(app: Quart) -> None:
    app.config["RESPONSE_TIMEOUT"] = 0.05
    release = asyncio.Event()

    @app.route("/")
    async def index() -> Response:
        async def generate() -> AsyncGenerator[str, None]:
            yield "start"
            await release.wait()
            yield "end"

        response = Response(generate())
        response.timeout = None
        return response

    async with asyncio.timeout(5):
        async with app.test_client().request("/") as connection:
            assert await connection.receive() == b"start"
            await asyncio.sleep(0.2)  # well past RESPONSE_TIMEOUT
            release.set()
            assert await connection.receive() == b"end"
            response = await connection.as_response()
    assert await response.get_data() == b"startend"


async def test_server_sent_events(app: Quart) -> None:
    app.config["RESPONSE_TIMEOUT"] = 0.05
    release = asyncio.Event()

    @app.route("/events")
    async def events() -> Response:
        async def generate() -> AsyncGenerator[str, None]:
            yield "event: greeting\ndata: hello\n\n"
            await release.wait()
            yield "data: bye\n\n"

        response = Response(generate(), mimetype="text/event-stream")
        response.headers["Cache-Control"] = "no-cache"
        response.timeout = None
        return response

    async with asyncio.timeout(5):
        async with app.test_client().request("/events") as connection:
            assert await connection.receive() == b"event: greeting\ndata: hello\n\n"
            assert connection.headers is not None
            assert connection.headers["Content-Type"].startswith("text/event-stream")
            await asyncio.sleep(0.1)  # past RESPONSE_TIMEOUT: the stream stays open
            release.set()
            assert await connection.receive() == b"data: bye\n\n"


# -- streamed request bodies -------------------------------------------------------


async def test_body_arrives_in_the_pieces_the_client_sends(app: Quart) -> None:
    @app.post("/upload")
    async def upload() -> dict[str, Any]:
        chunks = [chunk.decode() async for chunk in request.body]
        return {"chunks": chunks}

    async with asyncio.timeout(5):
        async with app.test_client().request("/upload", method="POST") as connection:
            await connection.send(b"a")
            await connection.send(b"b")
            await connection.send_complete()
            response = await connection.as_response()
    assert await response.get_json() == {"chunks": ["a", "b"]}


async def test_view_processes_each_chunk_as_it_arrives(app: Quart) -> None:
    seen: list[bytes] = []
    progress = asyncio.Queue[bytes]()

    @app.post("/upload")
    async def upload() -> str:
        async for chunk in request.body:
            seen.append(chunk)
            await progress.put(chunk)
        return str(len(seen))

    async with asyncio.timeout(5):
        async with app.test_client().request("/upload", method="POST") as connection:
            await connection.send(b"one")
            assert await progress.get() == b"one"  # before the body is complete
            await connection.send(b"two")
            assert await progress.get() == b"two"
            await connection.send_complete()
            response = await connection.as_response()
    assert await response.get_data() == b"2"


async def test_body_is_read_as_the_app_consumes_it(app: Quart, http_scope: Any) -> None:
    consumed: list[bytes] = []
    proceed = asyncio.Event()
    received = 0
    # 200 KiB: more than the 64 KiB a disconnect watcher may read ahead.
    chunks = [b"x" * 1024] * 200

    @app.post("/upload")
    async def upload() -> str:
        iterator = aiter(request.body)
        consumed.append(await anext(iterator))
        await proceed.wait()
        async for chunk in iterator:
            consumed.append(chunk)
        return "ok"

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        if received <= len(chunks):
            return {
                "type": "http.request",
                "body": chunks[received - 1],
                "more_body": received < len(chunks),
            }
        await asyncio.Event().wait()  # pragma: no cover - never reached
        return {}  # pragma: no cover

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = http_scope(
        "/upload", method="POST", headers=[(b"content-length", str(200 * 1024).encode())]
    )
    async with asyncio.timeout(5):
        task = asyncio.create_task(app(scope, receive, send))
        while not consumed:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # give a read-ahead every chance to happen
        # The view consumed one chunk; beyond it, at most the watcher's 64 KiB
        # read-ahead was pulled from the server, not the whole body.
        assert received <= len(consumed) + 1 + 64
        proceed.set()
        await task
    assert len(consumed) == 200
    assert sent[0]["status"] == 200


async def test_await_body_reads_everything(app: Quart) -> None:
    @app.post("/")
    async def index() -> bytes:
        return await request.body

    async with app.test_client().request("/", method="POST") as connection:
        await connection.send(b"hello ")
        await connection.send(b"world")
        await connection.send_complete()
        response = await connection.as_response()
    assert await response.get_data() == b"hello world"


async def test_streamed_body_over_the_limit_is_413(app: Quart) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10
    events: list[str] = []

    @app.post("/")
    async def index() -> str:
        try:
            async for _ in request.body:
                pass
        finally:
            events.append("view ended")
        return "accepted"  # pragma: no cover

    async with asyncio.timeout(5):
        async with app.test_client().request("/", method="POST") as connection:
            await connection.send(b"x" * 6)
            await connection.send(b"x" * 6)
            response = await connection.as_response()
    assert response.status_code == 413
    assert events == ["view ended"]


async def test_slow_body_with_get_data_is_408(app: Quart) -> None:
    app.config["BODY_TIMEOUT"] = 0.05

    @app.post("/")
    async def index() -> bytes:
        return await request.get_data()  # type: ignore[return-value]

    async with asyncio.timeout(5):
        async with app.test_client().request("/", method="POST") as connection:
            await connection.send(b"partial")  # and then nothing more
            response = await connection.as_response()
    assert response.status_code == 408


async def test_request_connection_exposes_response_as_it_streams(app: Quart) -> None:
    @app.post("/echo")
    async def echo() -> Any:
        async def generate() -> AsyncGenerator[bytes, None]:
            async for chunk in request.body:
                yield chunk.upper()

        return stream_with_context(generate)(), 201

    async with asyncio.timeout(5):
        async with app.test_client().request("/echo", method="POST") as connection:
            await connection.send(b"ping")
            assert await connection.receive() == b"PING"
            assert connection.status_code == 201
            await connection.send(b"pong")
            assert await connection.receive() == b"PONG"
            await connection.send_complete()
            with pytest.raises(HTTPDisconnectError):
                await connection.receive()
    assert bytes(connection.response_data) == b"PINGPONG"
