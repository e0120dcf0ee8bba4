"""A client that goes away: the view or stream is cancelled promptly, teardown
runs once, nothing more is sent, and nothing leaks."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncGenerator
from collections.abc import Generator
from typing import Any

import pytest

from quart import Quart
from quart import request
from quart import stream_with_context
from quart.wrappers import ClientDisconnectedError

# The views below would run for 30 s; every test bounds its wait far below
# that, so passing means the disconnect cancelled them (the design notices a
# disconnect after roughly 25-50 ms).
_BOUND = 5


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class _Peer:
    """A raw ASGI client that can vanish, recording what the app sends."""

    def __init__(self, body: list[bytes] | None = None, complete: bool = True) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for index, chunk in enumerate(body or []):
            more = index < len(body or []) - 1 or not complete
            self.incoming.put_nowait({"type": "http.request", "body": chunk, "more_body": more})
        self.sent: list[dict[str, Any]] = []
        self.receive_calls = 0

    async def receive(self) -> dict[str, Any]:
        self.receive_calls += 1
        return await self.incoming.get()

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def vanish(self) -> None:
        self.incoming.put_nowait({"type": "http.disconnect"})


def _teardown_recorder(app: Quart) -> list[BaseException | None]:
    calls: list[BaseException | None] = []

    @app.teardown_request
    async def record(exc: BaseException | None) -> None:
        calls.append(exc)

    return calls


# -- mid-request ------------------------------------------------------------------


async def test_disconnect_cancels_a_slow_view(app: Quart, http_scope: Any) -> None:
    teardowns = _teardown_recorder(app)
    started = asyncio.Event()
    events: list[str] = []

    @app.route("/slow")
    async def slow() -> str:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        return "too late"  # pragma: no cover

    peer = _Peer()
    tasks_before = asyncio.all_tasks()
    async with asyncio.timeout(_BOUND):
        task = asyncio.create_task(app(http_scope("/slow"), peer.receive, peer.send))
        await started.wait()
        peer.vanish()
        await task  # returns quietly: the server sees a normal end
    assert events == ["cancelled"]
    assert peer.sent == []
    assert len(teardowns) == 1
    assert isinstance(teardowns[0], asyncio.CancelledError)
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == tasks_before


async def test_disconnect_with_the_test_client(app: Quart) -> None:
    teardowns = _teardown_recorder(app)
    started = asyncio.Event()
    events: list[str] = []

    @app.route("/slow")
    async def slow() -> str:
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            events.append("view finally")
        return "too late"  # pragma: no cover

    async with asyncio.timeout(_BOUND):
        async with app.test_client().request("/slow") as connection:
            await started.wait()
            await connection.disconnect()
    assert events == ["view finally"]
    assert connection.status_code is None
    assert bytes(connection.response_data) == b""
    assert len(teardowns) == 1


async def test_background_task_started_by_the_view_still_finishes(
    app: Quart, http_scope: Any
) -> None:
    started = asyncio.Event()
    release = asyncio.Event()
    done: list[str] = []

    async def job() -> None:
        await release.wait()
        done.append("job finished")

    @app.route("/")
    async def index() -> str:
        app.add_background_task(job)
        started.set()
        await asyncio.sleep(30)
        return "too late"  # pragma: no cover

    peer = _Peer()
    async with asyncio.timeout(_BOUND):
        async with app.test_app():
            task = asyncio.create_task(app(http_scope("/"), peer.receive, peer.send))
            await started.wait()
            peer.vanish()
            await task
            release.set()
    assert done == ["job finished"]
    assert peer.sent == []


async def test_disconnect_while_reading_the_body_raises_client_disconnected(
    app: Quart, http_scope: Any
) -> None:
    teardowns = _teardown_recorder(app)
    errors: list[BaseException] = []
    got_first = asyncio.Event()

    @app.post("/upload")
    async def upload() -> str:
        try:
            async for _ in request.body:
                got_first.set()
        except ClientDisconnectedError as error:
            errors.append(error)
            raise
        return "complete"  # pragma: no cover

    scope = http_scope("/upload", method="POST", headers=[(b"transfer-encoding", b"chunked")])
    peer = _Peer()
    peer.incoming.put_nowait({"type": "http.request", "body": b"part", "more_body": True})
    async with asyncio.timeout(_BOUND):
        task = asyncio.create_task(app(scope, peer.receive, peer.send))
        await got_first.wait()
        peer.vanish()
        await task
    assert [type(error) for error in errors] == [ClientDisconnectedError]
    assert peer.sent == []
    assert len(teardowns) == 1
    assert isinstance(teardowns[0], ClientDisconnectedError)


async def test_unread_small_body_is_read_ahead_to_notice_the_disconnect(
    app: Quart, http_scope: Any
) -> None:
    """A view that has not read its (small) body yet is still cancelled when
    the client leaves: the watcher reads the body into the request's buffer."""
    teardowns = _teardown_recorder(app)
    waiting = asyncio.Event()
    finally_ran = asyncio.Event()

    @app.post("/later")
    async def later() -> str:
        waiting.set()
        try:
            await asyncio.sleep(30)
        finally:
            finally_ran.set()
        return "never"  # pragma: no cover

    scope = http_scope("/later", method="POST", headers=[(b"content-length", b"10")])
    peer = _Peer([b"0123456789"])
    async with asyncio.timeout(_BOUND):
        task = asyncio.create_task(app(scope, peer.receive, peer.send))
        await waiting.wait()
        peer.vanish()
        await task
    assert finally_ran.is_set()
    assert peer.sent == []
    assert [type(exc) for exc in teardowns] == [asyncio.CancelledError]


def _gated_echo(app: Quart) -> tuple[asyncio.Event, asyncio.Event]:
    """A POST /echo view that sets the first event, waits for the second,
    then reads and returns its body."""
    started = asyncio.Event()
    proceed = asyncio.Event()

    @app.post("/echo")
    async def echo() -> bytes:
        started.set()
        await proceed.wait()
        return await request.get_data()  # type: ignore[return-value]

    return started, proceed


async def test_body_read_ahead_stays_for_the_app(app: Quart, http_scope: Any) -> None:
    """What the watcher read ahead is what the view then reads."""
    started, proceed = _gated_echo(app)
    scope = http_scope("/echo", method="POST", headers=[(b"content-length", b"6")])
    peer = _Peer([b"abc", b"def"])
    async with asyncio.timeout(_BOUND):
        task = asyncio.create_task(app(scope, peer.receive, peer.send))
        await started.wait()
        await asyncio.sleep(0.1)  # the watcher has read both chunks by now
        assert peer.receive_calls >= 2
        proceed.set()
        await task
    assert peer.sent[0]["status"] == 200
    assert (
        peer.sent[-1]["body"] == b"abcdef"
        or b"".join(m.get("body", b"") for m in peer.sent[1:]) == b"abcdef"
    )


async def test_a_chunk_the_watcher_reads_while_the_app_waits_is_not_lost(
    app: Quart, http_scope: Any
) -> None:
    """The app starts reading while the watcher is waiting for the last chunk:
    the watcher's chunk reaches the app (it was dropped once)."""
    started, proceed = _gated_echo(app)
    scope = http_scope("/echo", method="POST", headers=[(b"transfer-encoding", b"chunked")])
    peer = _Peer([b"first-"], complete=False)
    async with asyncio.timeout(_BOUND):
        task = asyncio.create_task(app(scope, peer.receive, peer.send))
        await started.wait()
        await asyncio.sleep(0.1)  # the watcher read "first-" and waits for more
        proceed.set()
        await asyncio.sleep(0.02)  # the view is now waiting behind the watcher
        peer.incoming.put_nowait({"type": "http.request", "body": b"last", "more_body": False})
        await task
    assert peer.sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in peer.sent[1:]) == b"first-last"


async def test_large_unread_body_notices_the_disconnect_when_the_app_reads(
    app: Quart, http_scope: Any
) -> None:
    """The remaining limit: beyond the 64 KiB read-ahead nothing reads for the
    app, so a disconnect behind a large unread body shows at the next read."""
    teardowns = _teardown_recorder(app)
    waiting = asyncio.Event()
    proceed = asyncio.Event()
    errors: list[BaseException] = []

    @app.post("/later")
    async def later() -> str:
        waiting.set()
        await proceed.wait()
        try:
            await request.get_data()
        except ClientDisconnectedError as error:
            errors.append(error)
            raise
        return "read"  # pragma: no cover

    size = 200 * 1024
    scope = http_scope("/later", method="POST", headers=[(b"content-length", str(size).encode())])
    # 96 KiB arrive (past the read-ahead), then the client vanishes.
    chunk = b"x" * (48 * 1024)
    peer = _Peer([chunk, chunk], complete=False)
    async with asyncio.timeout(_BOUND):
        task = asyncio.create_task(app(scope, peer.receive, peer.send))
        await waiting.wait()
        await asyncio.sleep(0.1)
        peer.vanish()
        await asyncio.sleep(0.1)
        proceed.set()
        await task
    assert [type(error) for error in errors] == [ClientDisconnectedError]
    assert peer.sent == []
    assert len(teardowns) == 1


async def test_interrupted_multipart_upload_leaves_no_open_temp_files(app: Quart) -> None:
    teardowns = _teardown_recorder(app)
    reading = asyncio.Event()

    @app.post("/upload")
    async def upload() -> str:
        reading.set()
        files = await request.files
        return str(len(files))  # pragma: no cover

    boundary = "xyzzy"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    fds_before = _open_fds()
    async with asyncio.timeout(_BOUND):
        async with app.test_client().request(
            "/upload",
            method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        ) as connection:
            await connection.send(head)
            for _ in range(16):  # 1 MiB: spooled to a temporary file
                await connection.send(b"\0" * 65536)
            await reading.wait()
            await asyncio.sleep(0.05)
            await connection.disconnect()
    assert connection.status_code is None
    assert len(teardowns) == 1
    assert _open_fds() == fds_before


async def test_completed_multipart_upload_closes_its_temp_files(app: Quart) -> None:
    sizes: list[int] = []

    @app.post("/upload")
    async def upload() -> str:
        files = await request.files
        data = files["file"].read()
        sizes.append(len(data))
        return "ok"

    boundary = "xyzzy"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
        ).encode()
        + b"\1" * (1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    fds_before = _open_fds()
    response = await app.test_client().post(
        "/upload",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 200
    assert sizes == [1024 * 1024]
    assert _open_fds() == fds_before


# -- mid-stream -------------------------------------------------------------------


async def test_disconnect_mid_stream_cancels_the_generator(app: Quart) -> None:
    events: list[str] = []
    closed = asyncio.Event()

    @app.route("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncGenerator[bytes, None]:
            try:
                yield b"first"
                await asyncio.sleep(30)
                yield b"second"  # pragma: no cover
            except asyncio.CancelledError:
                events.append("cancelled")
                raise
            finally:
                events.append("finally")
                closed.set()

        return generate()

    tasks_before = asyncio.all_tasks()
    async with asyncio.timeout(_BOUND):
        async with app.test_client().request("/stream") as connection:
            assert await connection.receive() == b"first"
            await connection.disconnect()
            await closed.wait()
    assert events == ["cancelled", "finally"]
    assert bytes(connection.response_data) == b"first"
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == tasks_before


async def test_disconnect_mid_stream_sends_nothing_more(app: Quart, http_scope: Any) -> None:
    events: list[str] = []

    @app.route("/stream")
    async def stream() -> Any:
        @stream_with_context
        async def generate() -> AsyncGenerator[bytes, None]:
            try:
                yield request.path.encode()
                await asyncio.sleep(30)
                yield b"never"  # pragma: no cover
            finally:
                events.append("finally")

        return generate()

    peer = _Peer()
    async with asyncio.timeout(_BOUND):
        task = asyncio.create_task(app(http_scope("/stream"), peer.receive, peer.send))
        while len(peer.sent) < 2:
            await asyncio.sleep(0.005)
        peer.vanish()
        await task
    assert [m["type"] for m in peer.sent] == ["http.response.start", "http.response.body"]
    assert peer.sent[1]["body"] == b"/stream"
    assert events == ["finally"]


async def test_disconnect_mid_stream_of_a_blocking_sync_generator(app: Quart) -> None:
    step = threading.Event()
    closed = threading.Event()
    events: list[str] = []

    @app.route("/stream")
    def stream() -> Any:
        def generate() -> Generator[bytes, None, None]:
            try:
                yield b"first"
                step.wait(5)  # blocks its worker thread, not the loop
                yield b"second"
                yield b"third"  # pragma: no cover
            finally:
                events.append("finally")
                closed.set()

        return generate()

    async with asyncio.timeout(_BOUND):
        async with app.test_client().request("/stream") as connection:
            assert await connection.receive() == b"first"
            await connection.disconnect()
            await asyncio.sleep(0.2)  # the stream is cancelled while the thread blocks
            step.set()
            await asyncio.to_thread(closed.wait, _BOUND)
    assert events == ["finally"]
    assert b"third" not in connection.response_data


async def test_send_to_a_gone_client_ends_the_stream_quietly(
    app: Quart, http_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A server whose ``send`` fails (the socket is gone) ends the response
    quietly and closes the generator."""
    events: list[str] = []

    @app.route("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncGenerator[bytes, None]:
            try:
                for index in range(1000):
                    yield str(index).encode()
            finally:
                events.append("finally")

        return generate()

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        if len(sent) >= 3:
            raise OSError("connection reset by peer")
        sent.append(message)

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # pragma: no cover
        return {}  # pragma: no cover

    async with asyncio.timeout(_BOUND):
        await app(http_scope("/stream"), receive, send)
    assert len(sent) == 3
    assert events == ["finally"]
    assert "Traceback" not in caplog.text


async def test_client_disconnected_error_raised_by_a_view_sends_nothing(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/")
    async def index() -> str:
        raise ClientDisconnectedError()

    result = await asgi_call(app, http_scope("/"))
    assert result.messages == []


async def test_push_to_a_gone_client_raises_client_disconnected(
    app: Quart, http_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A server's ``send`` failing with ``OSError`` (uvicorn's
    ``ClientDisconnected`` is one) reaches the view as
    ``ClientDisconnectedError``, which ends the request quietly."""
    teardowns = _teardown_recorder(app)
    errors: list[BaseException] = []

    @app.route("/page")
    async def page() -> str:
        try:
            await request.send_push_promise("/style.css")
        except ClientDisconnectedError as error:
            errors.append(error)
            raise
        return "page"  # pragma: no cover

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        raise OSError("connection reset by peer")

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # pragma: no cover
        return {}  # pragma: no cover

    scope = http_scope("/page", http_version="2")
    scope["extensions"] = {"http.response.push": {}}
    async with asyncio.timeout(_BOUND):
        await app(scope, receive, send)
    assert [type(error) for error in errors] == [ClientDisconnectedError]
    assert sent == []
    assert len(teardowns) == 1
    assert isinstance(teardowns[0], ClientDisconnectedError)
    assert "Traceback" not in caplog.text
