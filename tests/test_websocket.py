"""Websockets through the test client and through raw ASGI calls."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from quart import abort
from quart import after_this_websocket
from quart import Blueprint
from quart import copy_current_websocket_context
from quart import g
from quart import has_request_context
from quart import has_websocket_context
from quart import Quart
from quart import url_for
from quart import websocket
from quart.asgi import ASGIWebsocketConnection
from quart.signals import got_websocket_exception
from quart.signals import websocket_finished
from quart.signals import websocket_received
from quart.signals import websocket_sent
from quart.signals import websocket_started
from quart.signals import websocket_tearing_down
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError
from quart.testing.connections import WebsocketDisconnectError
from quart.wrappers import ClientDisconnectedError
from quart.wrappers import WebsocketDisconnect

TIMEOUT = 5


class ReadingConnection(ASGIWebsocketConnection):
    """Quart 0.22's connection class with a step overridden (reading messages,
    here unchanged): the app is served through the class's steps."""

    async def handle_messages(self, receive: Any) -> None:
        await super().handle_messages(receive)


@pytest.fixture(params=["engine", "connection-class"])
def app(request: pytest.FixtureRequest) -> Quart:
    """Every test here runs through the default engine and through a
    connection-class subclass overriding a step: they end connections alike."""
    app = Quart(__name__)
    if request.param == "connection-class":
        app.asgi_websocket_class = ReadingConnection
    return app


class FakeServer:
    """A raw ASGI websocket peer: ``incoming`` is what the client sends (then
    nothing, until :meth:`vanish`); every message the app sends is recorded."""

    def __init__(self, incoming: list[str | bytes] | None = None) -> None:
        self.incoming: list[dict[str, Any]] = [{"type": "websocket.connect"}]
        for data in incoming or []:
            key = "text" if isinstance(data, str) else "bytes"
            self.incoming.append({"type": "websocket.receive", key: data})
        self.pulls = 0
        self.sent: list[dict[str, Any]] = []
        self.accepted = asyncio.Event()
        self._gone = asyncio.Event()

    def vanish(self) -> None:
        self.incoming.append({"type": "websocket.disconnect", "code": 1006})
        self._gone.set()

    async def receive(self) -> dict[str, Any]:
        self.pulls += 1
        while not self.incoming:
            await self._gone.wait()
        return self.incoming.pop(0)

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "websocket.accept":
            self.accepted.set()

    def types(self) -> list[str]:
        return [message["type"] for message in self.sent]

    @property
    def close(self) -> dict[str, Any]:
        closes = [m for m in self.sent if m["type"] == "websocket.close"]
        assert len(closes) == 1, self.sent
        return closes[0]


async def _settle() -> None:
    """Let every ready task run until the loop has nothing left to do now."""
    for _ in range(50):
        await asyncio.sleep(0)


def _live_tasks() -> set[asyncio.Task[Any]]:
    return {task for task in asyncio.all_tasks() if not task.done()}


# -- routing and the basic API ----------------------------------------------


async def test_echo_keeps_message_types_including_empty(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            await websocket.send(await websocket.receive())

    async with client.websocket("/ws") as connection:
        for message in ["hello", b"\x00binary", "", b""]:
            await connection.send(message)
            echoed = await connection.receive()
            assert echoed == message
            assert type(echoed) is type(message)


async def test_empty_messages_reach_the_app_with_their_type(
    app: Quart, websocket_scope: Any
) -> None:
    got: list[str | bytes] = []

    @app.websocket("/ws")
    async def ws() -> None:
        got.append(await websocket.receive())
        got.append(await websocket.receive())

    server = FakeServer(["", b""])
    await app(websocket_scope(), server.receive, server.send)  # type: ignore[arg-type]
    assert got == ["", b""]
    assert [type(item) for item in got] == [str, bytes]


async def test_add_websocket_and_blueprint_routes(app: Quart, client: QuartClient) -> None:
    async def plain() -> None:
        await websocket.send(url_for("plain"))

    app.add_websocket("/added", "plain", plain)
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.websocket("/ws/<int:number>")
    async def numbered(number: int) -> None:
        await websocket.send(f"{websocket.endpoint} {number} {url_for('.numbered', number=2)}")

    app.register_blueprint(bp)
    async with client.websocket("/added") as connection:
        assert await connection.receive() == "ws://localhost/added"
    async with client.websocket("/bp/ws/7") as connection:
        assert await connection.receive() == "bp.numbered 7 ws://localhost/bp/ws/2"


async def test_http_and_websocket_share_a_path(app: Quart, client: QuartClient) -> None:
    @app.route("/same")
    async def http_view() -> str:
        return "http"

    @app.websocket("/same")
    async def ws_view() -> None:
        await websocket.send("websocket")

    response = await client.get("/same")
    assert (response.status_code, await response.get_data()) == (200, b"http")
    async with client.websocket("/same") as connection:
        assert await connection.receive() == "websocket"


async def test_http_request_to_websocket_only_route_is_400(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send("never")

    response = await client.get("/ws")
    assert response.status_code == 400


@pytest.mark.parametrize(("path", "status"), [("/http-only", 400), ("/missing", 404)])
async def test_websocket_to_http_only_or_unknown_route_is_refused(
    app: Quart, client: QuartClient, path: str, status: int
) -> None:
    @app.route("/http-only")
    async def http_view() -> str:
        return "http"

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket(path) as connection:
            await connection.receive()
    assert info.value.response.status_code == status
    assert connection.accepted is False


async def test_websocket_has_the_request_attributes(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws/<name>")
    async def ws(name: str) -> None:
        await websocket.send_json(
            {
                "name": name,
                "view_args": websocket.view_args,
                "method": websocket.method,
                "path": websocket.path,
                "url": websocket.url,
                "scheme": websocket.scheme,
                "args": websocket.args.to_dict(),
                "header": websocket.headers["X-Token"],
                "cookie": websocket.cookies.get("flavour"),
                "subprotocols": websocket.requested_subprotocols,
                "remote_addr": websocket.remote_addr,
                "endpoint": websocket.endpoint,
                "has_websocket": has_websocket_context(),
                "has_request": has_request_context(),
            }
        )

    client.set_cookie("localhost", "flavour", "oat")
    async with client.websocket(
        "/ws/ann",
        headers={"X-Token": "t0k"},
        query_string={"page": "2"},
        subprotocols=["chat", "json"],
    ) as connection:
        data = await connection.receive_json()
    assert data == {
        "name": "ann",
        "view_args": {"name": "ann"},
        "method": "GET",
        "path": "/ws/ann",
        "url": "ws://localhost/ws/ann?page=2",
        "scheme": "ws",
        "args": {"page": "2"},
        "header": "t0k",
        "cookie": "oat",
        "subprotocols": ["chat", "json"],
        "remote_addr": "<local>",  # No client in the test scope, as in Quart.
        "endpoint": "ws",
        "has_websocket": True,
        "has_request": False,
    }


async def test_json_helpers(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        data = await websocket.receive_json()
        await websocket.send_json(data)
        await websocket.send_json(a=1)
        await websocket.send_json(1, 2)

    async with client.websocket("/ws") as connection:
        await connection.send_json({"x": [1, 2]})
        assert await connection.receive_json() == {"x": [1, 2]}
        assert await connection.receive_json() == {"a": 1}
        assert await connection.receive_json() == [1, 2]


async def test_send_rejects_other_types(app: Quart, client: QuartClient) -> None:
    errors: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            await websocket.send({"not": "text"})  # type: ignore[arg-type]
        except TypeError as error:
            errors.append(str(error))
        await websocket.send(bytearray(b"ok"))

    async with client.websocket("/ws") as connection:
        assert await connection.receive() == b"ok"
    assert "send_json()" in errors[0]


# -- accept and close -----------------------------------------------------------


async def test_accept_with_subprotocol_and_headers(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept(headers={"X-Server": "yes"}, subprotocol="json")
        await websocket.accept()  # idempotent
        await websocket.send("hi")

    async with client.websocket("/ws", subprotocols=["chat", "json"]) as connection:
        assert await connection.receive() == "hi"
    assert connection.accepted
    assert connection.subprotocol == "json"
    assert connection.accept_headers is not None
    assert connection.accept_headers["X-Server"] == "yes"


@pytest.mark.parametrize("first", ["send", "receive"])
async def test_accept_is_implicit_and_sent_once(
    app: Quart, first: str, websocket_scope: Any
) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        if first == "send":
            await websocket.send("a")
        else:
            await websocket.receive()
        await websocket.accept()
        await websocket.send("b")

    server = FakeServer(["x"])
    await app(websocket_scope(), server.receive, server.send)  # type: ignore[arg-type]
    types = server.types()
    assert types[0] == "websocket.accept"
    assert types.count("websocket.accept") == 1
    assert server.close["code"] == 1000


async def test_accept_headers_need_spec_2_1(app: Quart, websocket_scope: Any) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept(headers={"X-Server": "yes"})

    server = FakeServer()
    scope = websocket_scope(asgi={"version": "3.0", "spec_version": "2.0"})
    with pytest.warns(RuntimeWarning, match="accept"):
        await app(scope, server.receive, server.send)  # type: ignore[arg-type]
    assert server.sent[0] == {"type": "websocket.accept", "subprotocol": None, "headers": []}


async def test_close_reason_only_sent_with_spec_2_3(app: Quart, websocket_scope: Any) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.close(4000, "done")

    old = FakeServer()
    await app(websocket_scope(asgi={"spec_version": "2.2"}), old.receive, old.send)  # type: ignore[arg-type]
    assert old.close == {"type": "websocket.close", "code": 4000}
    new = FakeServer()
    await app(websocket_scope(), new.receive, new.send)  # type: ignore[arg-type]
    assert new.close == {"type": "websocket.close", "code": 4000, "reason": "done"}


@pytest.mark.parametrize("path", ["/close", "/close-reason", "/return", "/error", "/refuse"])
async def test_asgi_messages_carry_every_key_quart_sends(
    app: Quart, websocket_scope: Any, path: str
) -> None:
    # Libraries test their Quart integration with their own ASGI client and
    # read message["reason"], message["bytes"]... as Quart always sends them.
    @app.websocket("/close")
    async def close() -> None:
        await websocket.send("text")
        await websocket.send(b"binary")
        await websocket.close(1000)

    @app.websocket("/close-reason")
    async def close_reason() -> None:
        await websocket.accept(headers={"X-Server": "yes"}, subprotocol="chat")
        await websocket.close(4000, "done")

    @app.websocket("/return")
    async def returns() -> None:
        await websocket.accept()

    @app.websocket("/error")
    async def error() -> None:
        await websocket.accept()
        raise ValueError("boom")

    @app.websocket("/refuse")
    async def refuse() -> Any:
        return "no", 401

    app.testing = False
    server = FakeServer()
    scope = websocket_scope(path, subprotocols=["chat"])
    await app(scope, server.receive, server.send)  # type: ignore[arg-type]
    required = {
        "websocket.accept": {"subprotocol", "headers"},
        "websocket.send": {"bytes", "text"},
        "websocket.close": {"code", "reason"},
        "websocket.http.response.start": {"status", "headers"},
        "websocket.http.response.body": {"body", "more_body"},
    }
    assert server.sent
    for message in server.sent:
        assert required[message["type"]] <= message.keys(), message
    sends = [m for m in server.sent if m["type"] == "websocket.send"]
    assert [(m["text"], m["bytes"]) for m in sends] in ([], [("text", None), (None, b"binary")])
    closes = [m for m in server.sent if m["type"] == "websocket.close"]
    if path == "/close":
        assert closes == [{"type": "websocket.close", "code": 1000, "reason": ""}]
    if path == "/close-reason":
        assert server.sent[0]["headers"] == [(b"x-server", b"yes")]
        assert server.sent[0]["subprotocol"] == "chat"


async def test_app_close_reaches_client_and_closing_twice_is_an_error(
    app: Quart, client: QuartClient
) -> None:
    outcomes: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.close(4003, "go away")
        try:
            await websocket.close(1000)
        except RuntimeError as error:
            outcomes.append(str(error))
        try:
            await websocket.send("late")
        except WebsocketDisconnect as error:
            outcomes.append(f"send {error.code} {error.reason}")

    # The test client's scope says ASGI spec 2.1 (as Quart's), which has no
    # close reason: claim 2.3 for the reason to reach the client.
    spec = {"asgi": {"spec_version": "2.3"}}
    async with client.websocket("/ws", scope_base=spec) as connection:
        for _ in range(2):  # Every receive after the close says so.
            with pytest.raises(WebsocketDisconnectError) as info:
                await connection.receive()
            assert (info.value.code, info.value.reason) == (4003, "go away")
    assert connection.close_code == 4003
    assert "already closed" in outcomes[0]
    assert outcomes[1] == "send 4003 go away"


@pytest.mark.parametrize(("code", "reason"), [(1006, ""), (999, ""), (5000, ""), (1000, "x" * 124)])
async def test_close_rejects_bad_codes_and_long_reasons(
    app: Quart, client: QuartClient, code: int, reason: str
) -> None:
    errors: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        try:
            await websocket.close(code, reason)
        except ValueError as error:
            errors.append(str(error))

    async with client.websocket("/ws") as connection:
        with pytest.raises(WebsocketDisconnectError):
            await connection.receive()
    assert len(errors) == 1
    assert connection.close_code == 1000  # The handler returned: a normal close.


async def test_close_before_accept_refuses(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.close(1008)

    async with client.websocket("/ws") as connection:
        with pytest.raises(WebsocketDisconnectError) as info:
            await connection.receive()
    assert info.value.code == 1008
    assert not connection.accepted


@pytest.mark.parametrize(
    ("result", "code"), [(None, 1000), ("done", 1000), (("bad", 400), 1008), (("down", 503), 1011)]
)
async def test_close_code_after_the_handler_returns(
    app: Quart, client: QuartClient, result: Any, code: int
) -> None:
    @app.websocket("/ws")
    async def ws() -> Any:
        await websocket.accept()
        return result

    async with client.websocket("/ws") as connection:
        with pytest.raises(WebsocketDisconnectError) as info:
            await connection.receive()
    assert info.value.code == code
    assert connection.accepted


# -- refusing before accept ---------------------------------------------------------


async def test_returning_a_response_refuses_with_it(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> Any:
        return "nope", 403, {"X-Why": "because"}

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    response = info.value.response
    assert response.status_code == 403
    assert response.headers["X-Why"] == "because"
    assert await response.get_data() == b"nope"
    assert connection.status_code == 403


async def test_unread_refusal_is_raised_on_exit(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        abort(401)

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws"):
            pass
    assert info.value.response.status_code == 401


async def test_streamed_refusal_body(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> Any:
        async def body() -> Any:
            yield "not "
            yield b"today"

        return body(), 429

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    assert info.value.response.status_code == 429
    assert await info.value.response.get_data() == b"not today"


async def test_refusal_without_the_extension_is_a_plain_close(
    app: Quart, client: QuartClient
) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        abort(403)

    # The test client always offers the extension (as Quart's): take it away.
    connection = client.websocket("/ws")
    connection.scope["extensions"] = {}  # type: ignore[attr-defined]
    async with connection:
        with pytest.raises(WebsocketDisconnectError):
            await connection.receive()
    assert not connection.accepted
    assert connection.status_code is None  # The server turns the close into its 403.


async def test_before_websocket_hook_refuses(app: Quart, client: QuartClient) -> None:
    calls: list[str] = []

    @app.before_websocket
    async def check() -> Any:
        calls.append("before")
        if websocket.args.get("token") != "ok":
            return "unauthorised", 401
        return None

    @app.websocket("/ws")
    async def ws() -> None:
        calls.append("view")
        await websocket.send("welcome")

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    assert info.value.response.status_code == 401
    async with client.websocket("/ws", query_string={"token": "ok"}) as connection:
        assert await connection.receive() == "welcome"
    assert calls == ["before", "before", "view"]


async def test_error_handlers_apply(app: Quart, client: QuartClient) -> None:
    class Forbidden(Exception):
        pass

    @app.errorhandler(Forbidden)
    async def forbidden(error: Forbidden) -> Any:
        return "forbidden here", 403

    bp = Blueprint("bp", __name__)

    @bp.errorhandler(404)
    async def bp_missing(error: Exception) -> Any:
        return "bp missing", 404

    @bp.websocket("/bp")
    async def bp_ws() -> None:
        abort(404)

    @app.websocket("/ws")
    async def ws() -> None:
        raise Forbidden()

    app.register_blueprint(bp)
    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    assert await info.value.response.get_data() == b"forbidden here"
    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/bp") as connection:
            await connection.receive()
    assert await info.value.response.get_data() == b"bp missing"


# -- errors -------------------------------------------------------------------------


@pytest.mark.parametrize("testing", [True, False])
async def test_error_after_accept_closes_1011_and_logs(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture, testing: bool
) -> None:
    app.testing = testing
    signalled: list[BaseException] = []

    async def on_exception(sender: Quart, exception: BaseException, **extra: Any) -> None:
        signalled.append(exception)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR), got_websocket_exception.connected_to(on_exception, app):
        async with client.websocket("/ws") as connection:
            with pytest.raises(WebsocketDisconnectError) as info:
                await connection.receive()
    assert info.value.code == 1011
    assert [type(error) for error in signalled] == [ValueError]
    records = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(records) == 1
    assert "Exception on websocket" in records[0].getMessage()
    assert "/ws" in records[0].getMessage()
    assert records[0].exc_info is not None and records[0].exc_info[0] is ValueError


async def test_error_before_accept_refuses_with_500(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR), pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    assert info.value.response.status_code == 500
    assert any("Exception on websocket" in r.getMessage() for r in caplog.records)


async def test_refusal_with_a_header_that_is_not_latin_1_is_a_500(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.websocket("/ws")
    async def ws() -> Any:
        return "nope", 403, {"X-Why": "\u2603"}

    with caplog.at_level(logging.ERROR), pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    assert info.value.response.status_code == 500
    assert any("'X-Why'" in r.getMessage() for r in caplog.records)


async def test_propagated_error_closes_then_reaches_the_server(
    app: Quart, websocket_scope: Any
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        raise ValueError("boom")

    server = FakeServer()
    with pytest.raises(ValueError, match="boom"):
        await app(websocket_scope(), server.receive, server.send)  # type: ignore[arg-type]
    assert server.close["code"] == 1011


# -- the client's close is visible (Quart issue #281) -----------------------------


async def test_client_close_code_and_reason_reach_the_handler(
    app: Quart, client: QuartClient
) -> None:
    app.config["WEBSOCKET_DISCONNECT_EXCEPTION"] = True
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            while True:
                seen.append(await websocket.receive())
        except WebsocketDisconnect as error:
            seen.append((error.code, error.reason, isinstance(error, ClientDisconnectedError)))
            raise

    async with client.websocket("/ws") as connection:
        await connection.send("one")
        await connection.close(4001, "bye now")
    assert seen == ["one", (4001, "bye now", True)]


async def test_messages_sent_before_the_close_come_first(app: Quart, client: QuartClient) -> None:
    seen: list[Any] = []

    @app.before_websocket
    async def slow_check() -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            while True:
                message = await websocket.receive()
                for _ in range(3):  # Busy with each message for a while.
                    await asyncio.sleep(0)
                seen.append(message)
        except asyncio.CancelledError:
            seen.append(websocket.close_code)
            raise

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        for message in ["a", b"b", "c"]:
            await connection.send(message)
        await connection.close(4000)
    assert seen == ["a", b"b", "c", 4000]


async def test_send_fails_once_the_client_is_known_to_have_left(
    app: Quart, client: QuartClient
) -> None:
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            while True:
                message = await websocket.receive()
                seen.append(message)
                for _ in range(5):  # Busy: meanwhile "b" and the close are read.
                    await asyncio.sleep(0)
                await websocket.send(f"got {message}")
        except WebsocketDisconnect as error:
            seen.append(error.code)

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        await connection.send("a")
        await connection.send("b")
        await connection.close(1000)
    assert seen == ["a", 1000]


async def test_opted_in_disconnect_escaping_the_view_is_a_normal_end(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["WEBSOCKET_DISCONNECT_EXCEPTION"] = True
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        after_this_websocket(lambda response: events.append(("after_this", response)))
        while True:
            await websocket.receive()

    @app.after_websocket
    async def after(response: Any) -> Any:
        events.append(("after", response))
        return response

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", exc))

    async def finished(sender: Quart, response: Any, **extra: Any) -> None:
        events.append(("finished", response))

    with caplog.at_level(logging.ERROR), websocket_finished.connected_to(finished, app):
        async with client.websocket("/ws") as connection:
            await connection.close(1000)
    assert events == [
        ("after_this", None),
        ("after", None),
        ("finished", None),
        ("teardown", None),
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_opted_in_taskgroup_reader_and_writer_end_normally(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["WEBSOCKET_DISCONNECT_EXCEPTION"] = True
    ended: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()

        async def reader() -> None:
            while True:
                await queue.put(await websocket.receive())  # type: ignore[arg-type]

        async def writer() -> None:
            while True:
                await websocket.send((await queue.get()).upper())

        async with asyncio.TaskGroup() as group:
            group.create_task(copy_current_websocket_context(reader)())
            group.create_task(copy_current_websocket_context(writer)())

    @app.after_websocket
    async def after(response: Any) -> Any:
        ended.append("after")
        return response

    with caplog.at_level(logging.ERROR):
        async with client.websocket("/ws") as connection:
            await connection.send("hi")
            assert await connection.receive() == "HI"
            await connection.close(1001)
    assert ended == ["after"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- as on Quart: the handler is cancelled; websocket.close_code says why ----------


async def test_leaving_cancels_a_handler_in_receive_as_quart_does(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        events.append(("open", websocket.close_code, websocket.close_reason))
        try:
            while True:
                await websocket.receive()
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        finally:
            events.append(("finally", websocket.close_code, websocket.close_reason))

    @app.after_websocket
    async def after(response: Any) -> Any:
        events.append("after")  # Skipped, as on Quart: the handler did not finish.
        return response

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", type(exc), websocket.close_code))

    spec = {"asgi": {"spec_version": "2.3"}}
    with caplog.at_level(logging.ERROR):
        async with (
            asyncio.timeout(TIMEOUT),
            client.websocket("/ws", scope_base=spec) as connection,
        ):
            await connection.send("hello")
            await connection.close(4001, "bye now")
    assert events == [
        ("open", None, None),
        "cancelled",
        ("finally", 4001, "bye now"),
        ("teardown", asyncio.CancelledError, 4001),
    ]
    assert connection.close_code is None  # Nothing is sent to a client that left.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_except_exception_loop_still_ends_when_the_client_leaves(
    app: Quart, client: QuartClient
) -> None:
    # Quart code that survives bad messages: the disconnect is no Exception.
    handled: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            try:
                handled.append(await websocket.receive_json())
            except Exception as error:
                handled.append(type(error).__name__)

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        await connection.send("not json")
        await connection.send_json(1)
        await connection.disconnect()
    assert handled == ["JSONDecodeError", 1]


async def test_an_echo_loop_through_wait_for_keeps_order_and_ends_when_the_client_leaves(
    app: Quart, client: QuartClient
) -> None:
    # On 3.11 wait_for receives in a task of its own; from 3.12 in the handler's.
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            while True:
                await websocket.send(await asyncio.wait_for(websocket.receive(), TIMEOUT))
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", type(exc)))

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        for text in ("one", "two", "three"):
            await connection.send(text)
        assert [await connection.receive() for _ in range(3)] == ["one", "two", "three"]
        await connection.disconnect()
    assert events == ["cancelled", ("teardown", asyncio.CancelledError)]


async def test_taskgroup_reader_and_writer_end_by_cancellation(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()

        async def reader() -> None:
            while True:
                await queue.put(await websocket.receive())  # type: ignore[arg-type]

        async def writer() -> None:
            while True:
                await websocket.send((await queue.get()).upper())

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(copy_current_websocket_context(reader)())
                group.create_task(copy_current_websocket_context(writer)())
        except asyncio.CancelledError:
            events.append(("cancelled", websocket.close_code))
            raise

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", type(exc)))

    before = _live_tasks()
    with caplog.at_level(logging.ERROR):
        async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
            await connection.send("hi")
            assert await connection.receive() == "HI"
            await connection.close(1001)
    # Each copied context tears down too (as on Quart): the two tasks', then the handler's.
    assert events == [
        ("teardown", asyncio.CancelledError),
        ("teardown", asyncio.CancelledError),
        ("cancelled", 1001),
        ("teardown", asyncio.CancelledError),
    ]
    assert _live_tasks() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_raise_on_disconnect_in_one_handler(app: Quart, client: QuartClient) -> None:
    seen: list[Any] = []

    @app.websocket("/opted-in")
    async def opted_in() -> None:
        websocket.raise_on_disconnect = True
        try:
            await websocket.receive()
        except WebsocketDisconnect as error:
            seen.append(("exception", error.code, websocket.close_code))

    @app.websocket("/default")
    async def default() -> None:
        assert websocket.raise_on_disconnect is False
        try:
            await websocket.receive()
        except asyncio.CancelledError:
            seen.append(("cancelled", websocket.close_code))
            raise

    async with asyncio.timeout(TIMEOUT):
        async with client.websocket("/opted-in") as connection:
            await connection.close(4002)
        async with client.websocket("/default") as connection:
            await connection.close(4003)
    assert seen == [("exception", 4002, 4002), ("cancelled", 4003)]


async def test_opted_in_disconnect_runs_after_websocket_with_the_close_code(
    app: Quart, client: QuartClient
) -> None:
    app.config["WEBSOCKET_DISCONNECT_EXCEPTION"] = True
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            await websocket.receive()

    @app.after_websocket
    async def after(response: Any) -> Any:
        events.append(("after", websocket.close_code))
        return response

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", exc, websocket.close_code))

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        await connection.close(4004)
    assert events == [("after", 4004), ("teardown", None, 4004)]


@pytest.mark.parametrize(
    ("ending", "expected"),
    [("return", 1000), ("raise", 1011), ("abort", 1008), ("close", 4100)],
)
async def test_close_code_in_the_hooks_says_how_the_app_ended(
    app: Quart,
    client: QuartClient,
    caplog: pytest.LogCaptureFixture,
    ending: str,
    expected: int,
) -> None:
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> Any:
        await websocket.send("hi")
        try:
            if ending == "raise":
                raise ValueError("boom")
            if ending == "abort":
                abort(403)
            if ending == "close":
                await websocket.close(4100, "done")
        finally:
            events.append(("finally", websocket.close_code))
        return None

    @app.after_websocket
    async def after(response: Any) -> Any:
        events.append(("after", websocket.close_code))
        return response

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", websocket.close_code))

    with caplog.at_level(logging.CRITICAL):
        async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
            assert await connection.receive() == "hi"
            with pytest.raises(WebsocketDisconnectError) as info:
                await connection.receive()
    assert info.value.code == expected
    closed_by_app = expected if ending == "close" else None
    # after_websocket may still change the response, so the code the app's own
    # ending gives is decided after it, just before teardown.
    assert events == [
        ("finally", closed_by_app),
        ("after", closed_by_app),
        ("teardown", expected),
    ]


async def test_close_code_is_none_for_a_refusal(app: Quart, client: QuartClient) -> None:
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> Any:
        return "no", 403

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        seen.append(websocket.close_code)

    with pytest.raises(WebsocketResponseError):
        async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
            await connection.receive()
    assert seen == [None]


async def test_oversized_message_is_1009_in_teardown(app: Quart, client: QuartClient) -> None:
    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 4
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            await websocket.receive()

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        seen.append((type(exc), websocket.close_code, websocket.close_reason))

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        await connection.send("far too long")
        with pytest.raises(WebsocketDisconnectError):
            await connection.receive()
    assert seen == [(asyncio.CancelledError, 1009, "message larger than 4 bytes")]


async def test_server_cancelling_the_handler_is_1001(app: Quart, websocket_scope: Any) -> None:
    # Hypercorn, at the end of its graceful timeout, cancels the app's task.
    seen: list[Any] = []
    waiting = asyncio.Event()

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        waiting.set()
        try:
            await asyncio.Event().wait()
        finally:
            seen.append(("finally", websocket.close_code))

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        seen.append(("teardown", type(exc), websocket.close_code))

    server = FakeServer()
    task = asyncio.create_task(app(websocket_scope(), server.receive, server.send))  # type: ignore[arg-type]
    async with asyncio.timeout(TIMEOUT):
        await waiting.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    # In finally it is not known yet (the server's cancellation looks like any other).
    assert seen == [("finally", None), ("teardown", asyncio.CancelledError, 1001)]


async def test_a_cancelled_error_the_handler_raises_is_still_an_error(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        raise asyncio.CancelledError()  # A driver's own timeout, say.

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        seen.append((type(exc), websocket.close_code))

    with caplog.at_level(logging.CRITICAL):
        async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
            with pytest.raises(WebsocketDisconnectError) as info:
                await connection.receive()
    assert info.value.code == 1011
    assert seen == [(asyncio.CancelledError, 1011)]


# -- a vanished client -------------------------------------------------------------


async def test_vanished_client_cancels_a_busy_handler_and_leaves_no_task(
    app: Quart, client: QuartClient
) -> None:
    events: list[Any] = []
    busy = asyncio.Event()

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        busy.set()
        try:
            await asyncio.Event().wait()  # Something that never happens.
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", type(exc)))

    before = _live_tasks()
    async with asyncio.timeout(TIMEOUT):
        async with client.websocket("/ws") as connection:
            await busy.wait()
            await connection.send("unread")  # Held by the framework, never read.
            await connection.disconnect()
    assert events == ["cancelled", ("teardown", asyncio.CancelledError)]
    assert _live_tasks() == before


async def test_clean_close_cancels_a_handler_busy_elsewhere(
    app: Quart, client: QuartClient
) -> None:
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        events.append(await websocket.receive())
        try:
            await asyncio.Event().wait()  # Busy with something else, nothing unread.
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        await connection.send("subscribe")
        await connection.close(1001, "going away")
    assert events == ["subscribe", "cancelled", "teardown"]


async def test_a_handler_busy_while_its_own_task_receives_is_cancelled_when_the_client_leaves(
    app: Quart, client: QuartClient
) -> None:
    # The receiving is done by a task the handler started, which then waits
    # for something else too: the framework must still read on to see the
    # client leave, and cancel the handler.
    events: list[Any] = []
    received = asyncio.Event()

    @app.websocket("/ws")
    async def ws() -> None:
        async def consume() -> None:
            events.append(await websocket.receive())
            received.set()
            await asyncio.Event().wait()

        task = asyncio.ensure_future(consume())
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            events.append("cancelled")
            task.cancel()
            raise

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        await connection.send("hello")
        await received.wait()
        await connection.close(1000)
    assert events == ["hello", "cancelled"]


async def test_a_timed_out_receive_loses_nothing(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        try:
            async with asyncio.timeout(0.01):
                await websocket.receive()
        except TimeoutError:
            await websocket.send("timed out")
        await websocket.send(await websocket.receive())

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        assert await connection.receive() == "timed out"
        await connection.send("still here")
        assert await connection.receive() == "still here"


async def test_vanished_client_is_seen_by_a_waiting_receive(
    app: Quart, client: QuartClient
) -> None:
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        websocket.raise_on_disconnect = True  # This handler only.
        try:
            await websocket.receive()
        except WebsocketDisconnect as error:
            seen.append(error.code)
            try:
                await websocket.send("anyone?")
            except WebsocketDisconnect as again:
                seen.append(("send", again.code))
            raise

    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        await connection.disconnect()
    assert seen == [1006, ("send", 1006)]


async def test_vanished_client_stops_a_send_loop(app: Quart, websocket_scope: Any) -> None:
    # Some servers drop sends to a gone client without ever suspending; the
    # framework must still yield so the disconnect is seen.
    sends = 0
    server = FakeServer()
    tore_down = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        nonlocal sends
        if message["type"] == "websocket.send":
            sends += 1
            if sends == 10:
                server.vanish()
            assert sends < 10_000, "the send loop never yielded to the event loop"

    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            await websocket.send("tick")

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        tore_down.set()

    async with asyncio.timeout(TIMEOUT):
        await app(websocket_scope(), server.receive, send)  # type: ignore[arg-type]
    assert tore_down.is_set()


async def test_send_failing_in_the_server_raises_disconnect_quietly(
    app: Quart, caplog: pytest.LogCaptureFixture, websocket_scope: Any
) -> None:
    seen: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            raise ConnectionResetError()

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            await websocket.send("x")
        except WebsocketDisconnect as error:
            seen.append(error.code)
            raise

    server = FakeServer()
    with caplog.at_level(logging.ERROR):
        await app(websocket_scope(), server.receive, send)  # type: ignore[arg-type]
    assert seen == [1006]
    assert not caplog.records


class _Broker:
    """The in-memory broker of Quart's broadcast example."""

    def __init__(self) -> None:
        self.connections: set[asyncio.Queue[str | bytes]] = set()

    async def publish(self, message: str | bytes) -> None:
        for connection in self.connections:
            await connection.put(message)

    async def subscribe(self) -> Any:
        connection: asyncio.Queue[str | bytes] = asyncio.Queue()
        self.connections.add(connection)
        try:
            while True:
                yield await connection.get()
        finally:
            self.connections.remove(connection)


async def test_leaving_ends_a_handler_whose_spawned_task_receives(
    app: Quart, client: QuartClient
) -> None:
    # Quart's broadcast example: a task the handler starts receives, the
    # handler itself waits on the broker. Leaving cancels the handler, its
    # finally completes (awaiting the receiving task), and nothing leaks.
    broker = _Broker()
    events: list[str] = []

    async def _receive() -> None:
        while True:
            message = await websocket.receive()
            await broker.publish(message)

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            task = asyncio.ensure_future(_receive())
            async for message in broker.subscribe():
                await websocket.send(message)
        finally:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, WebsocketDisconnect):
                events.append("receiver ended")
            events.append("finally done")

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    before = _live_tasks()
    async with asyncio.timeout(TIMEOUT):
        async with client.websocket("/ws") as connection:
            echo = asyncio.ensure_future(connection.receive())
            await connection.send("hello")
            assert await echo == "hello"
    assert events == ["receiver ended", "finally done", "teardown"]
    assert broker.connections == set()
    assert _live_tasks() == before


async def test_leaving_ends_a_handler_awaiting_its_receiving_task(
    app: Quart, client: QuartClient
) -> None:
    # The receiving task does not let the disconnect escape: the handler,
    # awaiting something else, is cancelled all the same.
    app.config["WEBSOCKET_DISCONNECT_EXCEPTION"] = True
    events: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        async def receive_until_closed() -> None:
            try:
                while True:
                    await websocket.send(await websocket.receive())
            except WebsocketDisconnect:
                events.append("receiver told")

        task = asyncio.ensure_future(receive_until_closed())
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            events.append("handler cancelled")
            await task
            raise

    async with asyncio.timeout(TIMEOUT):
        async with client.websocket("/ws") as connection:
            await connection.send("hi")
            assert await connection.receive() == "hi"
    assert events == ["receiver told", "handler cancelled"]


class _YieldingPeer:
    """A raw ASGI client whose send yields to the loop (as a network write
    may), recording what the app sends."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.incoming.put_nowait({"type": "websocket.connect"})
        self.sent: list[dict[str, Any]] = []
        self.changed = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    async def send(self, message: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        self.sent.append(message)
        self.changed.set()

    async def wait_for(self, kind: str) -> dict[str, Any]:
        while True:
            for message in self.sent:
                if message["type"] == kind:
                    return message
            self.changed.clear()
            await self.changed.wait()


def _handshake_deadline_app(app: Quart, expired: asyncio.Event, events: list[Any]) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()

        async def deadline() -> None:
            await expired.wait()
            await websocket.close(4408, "Connection initialisation timeout")

        timer = asyncio.create_task(copy_current_websocket_context(deadline)())
        try:
            while True:
                message = await websocket.receive()
                if message == "ping":
                    await websocket.send("pong")
        except asyncio.CancelledError:  # Told as on Quart: cancelled.
            events.append((websocket.close_code, websocket.close_reason))
            raise
        finally:
            timer.cancel()
            events.append("ended")


async def test_a_close_from_another_task_reaches_the_client_first(
    app: Quart, websocket_scope: Any
) -> None:
    # The handler waits in receive() while a deadline task closes: the close
    # goes out before receive() raises, so the handler's cleanup (cancelling
    # the deadline task) cannot stop it.
    expired = asyncio.Event()
    events: list[Any] = []
    _handshake_deadline_app(app, expired, events)
    peer = _YieldingPeer()
    task = asyncio.create_task(app(websocket_scope(), peer.receive, peer.send))  # type: ignore[arg-type]
    try:
        async with asyncio.timeout(TIMEOUT):
            peer.incoming.put_nowait({"type": "websocket.receive", "text": "ping"})
            await peer.wait_for("websocket.send")  # The handler is back in receive().
            expired.set()
            close = await peer.wait_for("websocket.close")
            peer.incoming.put_nowait({"type": "websocket.disconnect", "code": 4408})
            await task
    finally:
        task.cancel()
    assert close == {
        "type": "websocket.close",
        "code": 4408,
        "reason": "Connection initialisation timeout",
    }
    assert [m["type"] for m in peer.sent].count("websocket.close") == 1
    assert events == [(4408, "Connection initialisation timeout"), "ended"]


async def test_a_close_from_another_task_through_the_test_client(
    app: Quart, client: QuartClient
) -> None:
    expired = asyncio.Event()
    events: list[Any] = []
    _handshake_deadline_app(app, expired, events)
    # ASGI spec 2.3 (the test client says 2.1, as Quart's) carries the reason.
    spec = {"asgi": {"spec_version": "2.3"}}
    async with (
        asyncio.timeout(TIMEOUT),
        client.websocket("/ws", scope_base=spec) as connection,
    ):
        await connection.send("ping")
        assert await connection.receive() == "pong"
        expired.set()
        with pytest.raises(WebsocketDisconnectError) as info:
            await connection.receive()
    assert (info.value.code, info.value.reason) == (4408, "Connection initialisation timeout")
    assert events[-1] == "ended"


# -- backpressure and limits ----------------------------------------------------------


async def test_handler_that_does_not_read_holds_only_a_few_messages(
    app: Quart, websocket_scope: Any
) -> None:
    if app.asgi_websocket_class is not ASGIWebsocketConnection:
        pytest.skip("Quart 0.22's handle_messages reads ahead without bound, by design")
    release = asyncio.Event()
    got: list[str | bytes] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await release.wait()
        for _ in range(20):
            got.append(await websocket.receive())

    server = FakeServer([str(number) for number in range(100)])
    async with asyncio.timeout(TIMEOUT):
        task = asyncio.create_task(app(websocket_scope(), server.receive, server.send))  # type: ignore[arg-type]
        await server.accepted.wait()
        await _settle()
        assert server.pulls <= 1 + 5  # The connect message, then a handful.
        release.set()
        await task
    assert got == [str(number) for number in range(20)]
    assert server.close["code"] == 1000


@pytest.mark.parametrize(
    ("message", "too_big"), [("x" * 10, False), (b"x" * 11, True), ("é" * 6, True)]
)
async def test_message_size_limit_closes_1009(
    app: Quart, client: QuartClient, message: str | bytes, too_big: bool
) -> None:
    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 10
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            seen.append(await websocket.receive())
        except asyncio.CancelledError:
            seen.append(websocket.close_code)
            raise

    async with client.websocket("/ws") as connection:
        await connection.send(message)
        with pytest.raises(WebsocketDisconnectError) as info:
            await connection.receive()
    assert info.value.code == (1009 if too_big else 1000)
    assert seen == ([1009] if too_big else [message])


# -- hooks, signals and context helpers ---------------------------------------------


async def test_hooks_run_in_order_for_app_and_blueprint(app: Quart, client: QuartClient) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    def record(name: str) -> Any:
        async def hook(*args: Any) -> Any:
            calls.append(name)
            return args[0] if name.startswith("after") else None

        hook.__name__ = name
        return hook

    app.before_websocket(record("before_app"))
    app.after_websocket(record("after_app"))
    app.teardown_websocket(record("teardown_app"))
    bp.before_websocket(record("before_bp"))
    bp.after_websocket(record("after_bp"))
    bp.teardown_websocket(record("teardown_bp"))
    bp.before_app_websocket(record("before_app_from_bp"))
    bp.after_app_websocket(record("after_app_from_bp"))
    bp.teardown_app_websocket(record("teardown_app_from_bp"))

    @bp.websocket("/ws")
    async def bp_ws() -> None:
        g.value = "set in view"
        calls.append("view")
        await websocket.send(g.value)

    @app.websocket("/ws")
    async def app_ws() -> None:
        calls.append("app view")

    app.register_blueprint(bp)
    async with client.websocket("/bp/ws") as connection:
        assert await connection.receive() == "set in view"
    assert calls == [
        "before_app",
        "before_app_from_bp",
        "before_bp",
        "view",
        "after_bp",
        "after_app_from_bp",
        "after_app",
        "teardown_bp",
        "teardown_app_from_bp",
        "teardown_app",
    ]
    calls.clear()
    async with client.websocket("/ws") as connection:
        with pytest.raises(WebsocketDisconnectError):
            await connection.receive()
    assert calls == [
        "before_app",
        "before_app_from_bp",
        "app view",
        "after_app_from_bp",
        "after_app",
        "teardown_app_from_bp",
        "teardown_app",
    ]


async def test_signals(app: Quart, client: QuartClient) -> None:
    events: list[Any] = []

    def started(sender: Any, **extra: Any) -> None:
        events.append(("started", sender is app, extra))

    async def finished(sender: Any, **extra: Any) -> None:
        events.append(("finished", sender is app, extra))

    def tearing_down(sender: Any, **extra: Any) -> None:
        events.append(("tearing_down", sender is app, extra))

    def received(sender: Any, **extra: Any) -> None:
        events.append(("received", sender, extra))

    async def sent(sender: Any, **extra: Any) -> None:
        events.append(("sent", sender, extra))

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send(await websocket.receive())

    with (
        websocket_started.connected_to(started, app),
        websocket_finished.connected_to(finished, app),
        websocket_tearing_down.connected_to(tearing_down, app),
        websocket_received.connected_to(received),
        websocket_sent.connected_to(sent),
    ):
        async with client.websocket("/ws") as connection:
            await connection.send(b"ping")
            assert await connection.receive() == b"ping"
    assert events == [
        ("started", True, {}),
        ("received", b"ping", {}),
        ("sent", b"ping", {}),
        ("finished", True, {"response": None}),
        ("tearing_down", True, {"exc": None}),
    ]


async def test_copy_current_websocket_context_in_a_task(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        g.who = "view"

        async def push() -> None:
            await websocket.send(f"{websocket.path} {g.who} {has_websocket_context()}")

        await asyncio.create_task(copy_current_websocket_context(push)())

    async with client.websocket("/ws") as connection:
        assert await connection.receive() == "/ws view True"


async def test_receive_from_two_tasks(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        first = asyncio.create_task(copy_current_websocket_context(websocket.receive)())
        second = asyncio.create_task(copy_current_websocket_context(websocket.receive)())
        results = await asyncio.gather(first, second)
        await websocket.send_json(sorted(results))

    async with client.websocket("/ws") as connection:
        await connection.send("a")
        await connection.send("b")
        assert await connection.receive_json() == ["a", "b"]


# -- the test client ---------------------------------------------------------------


async def test_test_client_reports_an_app_that_ends_without_closing(
    app: Quart, client: QuartClient
) -> None:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})

    app.asgi_app = middleware  # type: ignore[method-assign]
    async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
        with pytest.raises(WebsocketDisconnectError) as info:
            await connection.receive()
    assert info.value.code is None


async def test_test_client_raises_an_app_crash(app: Quart, client: QuartClient) -> None:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise RuntimeError("middleware bug")

    app.asgi_app = middleware  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="middleware bug"):
        async with asyncio.timeout(TIMEOUT), client.websocket("/ws") as connection:
            await connection.receive()


# -- the documented examples ---------------------------------------------------------


async def test_broadcast_chat_example(app: Quart, client: QuartClient) -> None:
    connected: set[asyncio.Queue[str]] = set()

    @app.websocket("/chat")
    async def chat() -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()
        connected.add(queue)
        try:

            async def forward() -> None:
                while True:
                    await websocket.send(await queue.get())

            async def collect() -> None:
                while True:
                    message = await websocket.receive()
                    for other in connected:
                        other.put_nowait(message)  # type: ignore[arg-type]

            async with asyncio.TaskGroup() as group:
                group.create_task(copy_current_websocket_context(forward)())
                group.create_task(copy_current_websocket_context(collect)())
        finally:
            connected.discard(queue)

    async with asyncio.timeout(TIMEOUT):
        async with client.websocket("/chat") as alice, client.websocket("/chat") as bob:
            while len(connected) < 2:  # Both handlers are running.
                await asyncio.sleep(0)
            await alice.send("hello")
            assert await alice.receive() == "hello"
            assert await bob.receive() == "hello"
            await bob.send("hi alice")
            assert await alice.receive() == "hi alice"
            assert await bob.receive() == "hi alice"
        assert connected == set()
