"""``asyncio.CancelledError`` raised by app code is an error, not a cancellation.

A database driver may map its own query timeout to ``CancelledError``. Only a
cancellation of the serving task itself (the client left, shutdown,
``RESPONSE_TIMEOUT``) ends a request quietly; a ``CancelledError`` that app
code raises on its own goes through the error handling like any other
exception: ``got_request_exception``, a 500 (through the 500 handler),
teardown functions get it, and an extension's connection goes back to its
pool. Real cancellations are covered in test_disconnect.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from quart import Quart
from quart import websocket
from quart.asgi import ASGIHTTPConnection
from quart.asgi import ASGIWebsocketConnection
from quart.signals import got_request_exception
from quart.signals import got_websocket_exception
from quart.testing import QuartClient
from quart.testing.connections import WebsocketDisconnectError

TIMEOUT = 5


class Pool:
    """A database extension: a connection per request, back to the pool at teardown."""

    def __init__(self, app: Quart) -> None:
        self.free = 1
        self.teardowns: list[BaseException | None] = []
        app.teardown_appcontext(self.release)

    def acquire(self) -> Pool:
        self.free -= 1
        return self

    async def query(self) -> None:
        await asyncio.sleep(0)
        raise asyncio.CancelledError()  # The driver's own timeout, mapped like this.

    async def release(self, exc: BaseException | None) -> None:
        self.teardowns.append(exc)
        self.free = 1


def _record(app: Quart) -> list[Any]:
    events: list[Any] = []

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", type(exc)))

    @app.teardown_websocket
    async def teardown_ws(exc: BaseException | None) -> None:
        events.append(("teardown", type(exc)))

    @app.errorhandler(500)
    async def server_error(error: Any) -> Any:
        events.append(("500", type(error.original_exception)))
        return "the database timed out", 500

    def got(sender: Any, exception: BaseException, **kwargs: Any) -> None:
        events.append(("got", type(exception)))

    got_request_exception.connect(got, app, weak=False)
    got_websocket_exception.connect(got, app, weak=False)
    return events


@pytest.mark.parametrize("where", ["view", "before_request", "after_request"])
async def test_cancelled_error_from_app_code_is_a_500(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    pool = Pool(app)
    events = _record(app)

    @app.get("/")
    async def index() -> str:
        connection = pool.acquire()
        if where == "view":
            await connection.query()
        return "ok"

    if where == "before_request":

        @app.before_request
        async def before() -> None:
            await pool.acquire().query()

    if where == "after_request":

        @app.after_request
        async def after(response: Any) -> Any:
            await pool.query()
            return response

    with caplog.at_level(logging.ERROR):
        response = await client.get("/")
    assert response.status_code == 500
    assert await response.get_data(as_text=True) == "the database timed out"
    assert events == [
        ("got", asyncio.CancelledError),
        ("500", asyncio.CancelledError),
        ("teardown", asyncio.CancelledError),
    ]
    assert pool.free == 1
    assert [type(exc) for exc in pool.teardowns] == [asyncio.CancelledError]
    assert any("Exception on request GET /" in r.getMessage() for r in caplog.records)


async def test_in_testing_mode_it_is_a_traceback_500_not_an_escaping_error(
    app: Quart, client: QuartClient
) -> None:
    app.testing = True
    pool = Pool(app)

    @app.get("/")
    async def index() -> str:
        await pool.acquire().query()
        return "ok"  # pragma: no cover

    response = await client.get("/")
    assert response.status_code == 500
    assert "CancelledError" in await response.get_data(as_text=True)
    assert pool.free == 1


async def test_a_streamed_body_raising_it_is_a_500(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/stream")
    async def stream() -> Any:
        async def rows() -> Any:
            await asyncio.sleep(0)
            raise asyncio.CancelledError()
            yield b"never"  # pragma: no cover

        return rows()

    with caplog.at_level(logging.ERROR):
        response = await client.get("/stream")
    assert response.status_code == 500
    assert any("Exception while streaming" in r.getMessage() for r in caplog.records)


async def test_a_websocket_handler_raising_it_closes_1011(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    pool = Pool(app)
    events = _record(app)

    @app.websocket("/ws")
    async def ws() -> None:
        connection = pool.acquire()
        await websocket.receive()
        await connection.query()

    with caplog.at_level(logging.ERROR):
        async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
            await connection.send("query")
            with pytest.raises(WebsocketDisconnectError) as info:
                await connection.receive()
    assert info.value.code == 1011
    assert events[0] == ("got", asyncio.CancelledError)
    assert events[-1] == ("teardown", asyncio.CancelledError)
    assert pool.free == 1
    assert any("Exception on websocket" in r.getMessage() for r in caplog.records)


async def test_a_websocket_handler_raising_it_before_accepting_is_refused_500(
    app: Quart, client: QuartClient
) -> None:
    app.testing = True

    @app.websocket("/ws")
    async def ws() -> None:
        raise asyncio.CancelledError()

    from quart.testing import WebsocketResponseError

    with pytest.raises(WebsocketResponseError) as info:
        async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
            await connection.receive()
    assert info.value.response.status_code == 500


async def test_a_real_cancellation_inside_app_code_stays_a_cancellation(
    app: Quart, http_scope: Any
) -> None:
    # App code that turns the cancellation it receives into a CancelledError
    # of its own is still being cancelled: the request ends quietly.
    events = _record(app)
    started = asyncio.Event()

    @app.get("/")
    async def index() -> str:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise asyncio.CancelledError("driver cleanup") from None
        return "never"  # pragma: no cover

    sent: list[Any] = []
    incoming: asyncio.Queue[Any] = asyncio.Queue()
    incoming.put_nowait({"type": "http.request", "body": b"", "more_body": False})

    async def send(message: Any) -> None:
        sent.append(message)

    task = asyncio.create_task(app(http_scope("/"), incoming.get, send))  # type: ignore[arg-type]
    await asyncio.wait_for(started.wait(), TIMEOUT)
    task.cancel()  # The server cancels the request (shutdown).
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, TIMEOUT)
    assert sent == []
    assert events == [("teardown", asyncio.CancelledError)]


# -- Quart's connection classes (a subclass overriding a step) ------------------


class TaggingHTTPConnection(ASGIHTTPConnection):
    """Overrides a step, so requests are served through Quart's steps."""

    async def _send_response(self, send: Any, response: Any) -> None:
        response.headers["X-Tagged"] = "yes"
        await super()._send_response(send, response)


class TaggingWebsocketConnection(ASGIWebsocketConnection):
    """Overrides a step, so websockets are served through Quart's steps."""

    async def send_data(self, send: Any, data: str | bytes) -> None:
        await super().send_data(send, data)


async def test_the_connection_classes_path_treats_it_as_an_error(
    app: Quart, client: QuartClient
) -> None:
    app.asgi_http_class = TaggingHTTPConnection
    app.asgi_websocket_class = TaggingWebsocketConnection
    pool = Pool(app)
    events = _record(app)

    @app.get("/")
    async def index() -> str:
        await pool.acquire().query()
        return "ok"  # pragma: no cover

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await pool.acquire().query()

    response = await client.get("/")
    assert response.status_code == 500
    assert response.headers["X-Tagged"] == "yes"
    assert ("teardown", asyncio.CancelledError) in events
    assert pool.free == 1
    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        with pytest.raises(WebsocketDisconnectError) as info:
            await connection.receive()
    assert info.value.code in {1000, 1011}
    assert pool.free == 1
    assert [type(exc) for exc in pool.teardowns] == [asyncio.CancelledError] * 2
