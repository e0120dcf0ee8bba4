"""A real Flask app (and a Quart sub-app) mounted under a Quart app with
``quart.middleware.DispatcherMiddleware``, all served by Hypercorn in this
process on 127.0.0.1.

Every wait is bounded: the views that prove streaming wait on events the
client sets, with a timeout that turns a buffered body into a failed
assertion rather than a hang.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import threading
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import e2e_servers
import flask
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from quart import Quart
from quart import request
from quart import session
from quart import url_for
from quart import websocket
from quart.middleware import DispatcherMiddleware

pytest.importorskip("a2wsgi")

TIMEOUT = 10
MIB = 1024 * 1024


class Events:
    """Hand-offs between the client (a thread) and the Flask views (threads)."""

    def __init__(self) -> None:
        self.first_chunk_read = threading.Event()
        self.first_chunk_received = threading.Event()
        self.upload_reads: list[int] = []
        self.lifespan: list[str] = []
        self.endless_closed = threading.Event()


def _flask_app(events: Events, shared_session: bool) -> flask.Flask:
    legacy = flask.Flask("legacy")
    if shared_session:
        # Same key, same cookie: one session for both apps.
        legacy.config["SECRET_KEY"] = "quart-secret"
    else:
        legacy.config["SECRET_KEY"] = "flask-secret"
        # Both apps call their cookie "session" by default: keep them apart.
        legacy.config["SESSION_COOKIE_NAME"] = "legacy_session"

    @legacy.route("/")
    def index() -> str:
        return f"flask {flask.request.path} {flask.url_for('index')} {flask.url_for('user', id=7)}"

    @legacy.route("/users/<int:id>")
    def user(id: int) -> str:
        return f"flask user {id}"

    @legacy.route("/session/<value>", methods=["POST"])
    def set_session(value: str) -> str:
        flask.session["who"] = value
        return "set"

    @legacy.route("/session")
    def get_session() -> str:
        return str(flask.session.get("who"))

    @legacy.route("/stream")
    def stream() -> flask.Response:
        def generate() -> Iterator[str]:
            yield "first;"
            # The client sets this once it has the first chunk: a buffered
            # response would never get there, and the timeout says so.
            if events.first_chunk_received.wait(TIMEOUT):
                yield "second"
            else:
                yield "buffered"

        return flask.Response(generate(), mimetype="text/plain")

    @legacy.route("/endless")
    def endless() -> flask.Response:
        def generate() -> Iterator[bytes]:
            try:
                while True:
                    yield b"x" * 1000
            finally:
                events.endless_closed.set()

        return flask.Response(generate(), mimetype="application/octet-stream")

    @legacy.route("/upload", methods=["POST"])
    def upload() -> dict[str, Any]:
        digest = hashlib.sha256()
        total = 0
        while True:
            chunk = flask.request.stream.read(64 * 1024)
            if not chunk:
                break
            events.upload_reads.append(len(chunk))
            events.first_chunk_read.set()
            digest.update(chunk)
            total += len(chunk)
        return {"size": total, "sha256": digest.hexdigest()}

    @legacy.route("/boom")
    def boom() -> str:
        raise RuntimeError("legacy failure")

    return legacy


def _quart_sub_app(events: Events) -> Quart:
    sub = Quart("v2")

    @sub.before_serving
    async def startup() -> None:
        events.lifespan.append("v2 startup")

    @sub.after_serving
    async def shutdown() -> None:
        events.lifespan.append("v2 shutdown")

    @sub.route("/items/<int:id>")
    async def item(id: int) -> str:
        return f"v2 {request.path} {url_for('item', id=id)}"

    @sub.websocket("/ws")
    async def ws() -> None:
        await websocket.send(f"v2 ws {websocket.path} {url_for('ws')}")

    return sub


def _app(events: Events, shared_session: bool = False) -> Quart:
    app = Quart("main")
    app.config["SECRET_KEY"] = "quart-secret"

    @app.route("/")
    async def index() -> str:
        return f"quart {request.path} {url_for('index')}"

    @app.route("/session/<value>", methods=["POST"])
    async def set_session(value: str) -> str:
        session["who"] = value
        return "set"

    @app.route("/session")
    async def get_session() -> str:
        return str(session.get("who"))

    app.asgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        app.asgi_app,
        {"/legacy": _flask_app(events, shared_session), "/v2": _quart_sub_app(events)},
    )
    return app


class Client:
    """A minimal HTTP client keeping cookies, as a browser would (path ``/``)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            headers = {}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.read()
        finally:
            connection.close()


@pytest.fixture
def events() -> Events:
    return Events()


async def test_each_app_builds_its_own_prefixed_urls(events: Events) -> None:
    async with e2e_servers.hypercorn_server(_app(events)) as port:
        client = Client(port)
        get = client.request
        assert await asyncio.to_thread(get, "GET", "/") == (200, b"quart / /")
        assert await asyncio.to_thread(get, "GET", "/legacy/") == (
            200,
            b"flask / /legacy/ /legacy/users/7",
        )
        assert await asyncio.to_thread(get, "GET", "/legacy/users/3") == (200, b"flask user 3")
        assert await asyncio.to_thread(get, "GET", "/v2/items/5") == (
            200,
            b"v2 /items/5 /v2/items/5",
        )
        # A path that is no mount's is the main app's 404; a prefix must end at a "/".
        assert (await asyncio.to_thread(get, "GET", "/legacyx"))[0] == 404
        assert (await asyncio.to_thread(get, "GET", "/users/3"))[0] == 404


async def test_sessions_of_each_app_are_separate(events: Events) -> None:
    async with e2e_servers.hypercorn_server(_app(events)) as port:
        client = Client(port)
        assert await asyncio.to_thread(client.request, "POST", "/session/quart-user") == (
            200,
            b"set",
        )
        assert await asyncio.to_thread(client.request, "POST", "/legacy/session/flask-user") == (
            200,
            b"set",
        )
        assert set(client.cookies) == {"session", "legacy_session"}
        assert await asyncio.to_thread(client.request, "GET", "/session") == (200, b"quart-user")
        assert await asyncio.to_thread(client.request, "GET", "/legacy/session") == (
            200,
            b"flask-user",
        )


async def test_apps_can_share_one_session(events: Events) -> None:
    async with e2e_servers.hypercorn_server(_app(events, shared_session=True)) as port:
        client = Client(port)
        assert await asyncio.to_thread(client.request, "POST", "/legacy/session/flask-user") == (
            200,
            b"set",
        )
        assert set(client.cookies) == {"session"}
        assert await asyncio.to_thread(client.request, "GET", "/session") == (200, b"flask-user")
        assert await asyncio.to_thread(client.request, "POST", "/session/quart-user") == (
            200,
            b"set",
        )
        assert await asyncio.to_thread(client.request, "GET", "/legacy/session") == (
            200,
            b"quart-user",
        )


def _read_stream(port: int, events: Events) -> tuple[bytes, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", "/legacy/stream")
        response = connection.getresponse()
        assert response.status == 200
        first = response.read1()  # What has arrived so far: only the first chunk.
        events.first_chunk_received.set()
        return first, response.read()
    finally:
        connection.close()


async def test_flask_response_is_streamed(events: Events) -> None:
    async with e2e_servers.hypercorn_server(_app(events)) as port:
        first, rest = await asyncio.to_thread(_read_stream, port, events)
    assert first == b"first;"
    assert rest == b"second"


def _upload(port: int, events: Events, body: bytes) -> tuple[int, bytes, bool]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.putrequest("POST", "/legacy/upload")
        connection.putheader("Content-Length", str(len(body)))
        connection.putheader("Content-Type", "application/octet-stream")
        connection.endheaders()
        connection.send(body[:MIB])
        # The view reads the first chunk while most of the body is unsent:
        # nothing waits for the whole upload before the app sees it.
        read_while_sending = events.first_chunk_read.wait(TIMEOUT)
        for start in range(MIB, len(body), MIB):
            connection.send(body[start : start + MIB])
        response = connection.getresponse()
        return response.status, response.read(), read_while_sending
    finally:
        connection.close()


async def test_large_upload_to_flask_is_streamed(events: Events) -> None:
    body = bytes(range(256)) * (20 * MIB // 256)  # 20 MiB
    async with e2e_servers.hypercorn_server(_app(events)) as port:
        status, answer, read_while_sending = await asyncio.to_thread(_upload, port, events, body)
    assert status == 200
    assert flask.json.loads(answer) == {
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    assert read_while_sending
    assert max(events.upload_reads) <= 64 * 1024


def _chunked_upload(port: int, parts: list[bytes]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("POST", "/legacy/upload", body=iter(parts), encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


async def test_chunked_upload_to_flask(events: Events) -> None:
    parts = [b"a" * 100_000, b"b" * 50_000, b"c"]
    async with e2e_servers.hypercorn_server(_app(events)) as port:
        status, answer = await asyncio.to_thread(_chunked_upload, port, parts)
    assert status == 200
    assert flask.json.loads(answer)["size"] == 150_001


async def test_flask_error_pages(events: Events, caplog: pytest.LogCaptureFixture) -> None:
    async with e2e_servers.hypercorn_server(_app(events)) as port:
        client = Client(port)
        status, body = await asyncio.to_thread(client.request, "GET", "/legacy/boom")
        assert status == 500
        assert b"<title>500 Internal Server Error</title>" in body
        # Flask answers its own 404s (its page, not a Quart one) under its prefix.
        status, body = await asyncio.to_thread(client.request, "GET", "/legacy/missing")
        assert status == 404
        assert b"<title>404 Not Found</title>" in body
    assert any(
        "legacy failure" in str(record.exc_info[1]) for record in caplog.records if record.exc_info
    )


async def test_websockets_dispatch_by_prefix(events: Events) -> None:
    async with e2e_servers.hypercorn_server(_app(events)) as port:
        async with asyncio.timeout(TIMEOUT):
            async with websockets.connect(f"ws://127.0.0.1:{port}/v2/ws") as connection:
                # A websocket rule's URL is external (ws://...), as in Quart.
                assert await connection.recv() == f"v2 ws /ws ws://127.0.0.1:{port}/v2/ws"
            # WSGI has no websockets: the handshake is refused.
            with pytest.raises(InvalidStatus) as refused:
                async with websockets.connect(f"ws://127.0.0.1:{port}/legacy/ws"):
                    pass  # pragma: no cover
            assert refused.value.response.status_code == 403


async def test_mounted_quart_app_gets_the_lifespan(events: Events) -> None:
    async with e2e_servers.hypercorn_server(_app(events)) as port:
        # Hypercorn serves requests once the startup is complete.
        assert await asyncio.to_thread(Client(port).request, "GET", "/") == (200, b"quart / /")
        assert events.lifespan == ["v2 startup"]
    assert events.lifespan == ["v2 startup", "v2 shutdown"]


def _leave_early(port: int) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", "/legacy/endless")
        response = connection.getresponse()
        return response.read(5000)
    finally:
        assert connection.sock is not None
        connection.sock.close()
        connection.close()


@pytest.mark.parametrize(
    "serve",
    e2e_servers.server_params(e2e_servers.hypercorn_server, e2e_servers.uvicorn_server),
)
async def test_client_leaving_stops_an_endless_flask_response(events: Events, serve: Any) -> None:
    async with serve(_app(events)) as port:
        assert await asyncio.to_thread(_leave_early, port) == b"x" * 5000
        # The generator is closed (its thread freed) rather than run forever.
        assert await asyncio.to_thread(events.endless_closed.wait, TIMEOUT)
