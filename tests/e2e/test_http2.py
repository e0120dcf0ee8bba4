"""HTTP/2 the way Quart apps are deployed: over TLS through Hypercorn.

The server is ``app.run_task(certfile=..., keyfile=...)`` (what ``app.run`` and
``quart run --certfile/--keyfile`` use) on 127.0.0.1, with a certificate from a
throwaway CA (trustme); ALPN picks h2. Clients: httpx with ``http2=True``, and
for what httpx hides (resetting one stream, server push) a few lines of the
``h2`` library (see ``h2_support``). Cleartext HTTP/2 (h2c) is tested as far as
Hypercorn supports it: prior knowledge and ``Upgrade: h2c``.

The server runs in the test's own event loop, so views and tests share events
and lists. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import h2_support
import httpx
import pytest
from h2_support import H2Connection
from h2_support import TLSFiles

from quart import make_push_promise
from quart import Quart
from quart import request
from quart import Response
from quart import session
from quart import url_for

BOUND = h2_support.BOUND


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return h2_support.tls_files(tmp_path_factory.mktemp("tls"))


def _client(tls: TLSFiles, port: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        http2=True,
        verify=tls.client_context(),
        base_url=f"https://127.0.0.1:{port}",
        timeout=BOUND,
    )


def _app() -> tuple[Quart, list[tuple[str, str | None]]]:
    """An app with the routes below; the list records teardowns and finallys."""
    app = Quart(__name__)
    app.secret_key = "not so secret"
    events: list[tuple[str, str | None]] = []

    @app.teardown_request
    async def teardown(error: BaseException | None) -> None:
        events.append(("teardown " + request.path, type(error).__name__ if error else None))

    @app.get("/")
    async def index() -> dict[str, Any]:
        return {
            "http_version": request.http_version,
            "scheme": request.scheme,
            "url": url_for("item", name="a b", _external=True),
            "client_port": request.scope["client"][1],
        }

    @app.get("/item/<name>")
    async def item(name: str) -> str:
        return f"item {name}"

    @app.post("/count")
    async def count() -> dict[str, Any]:
        session["n"] = session.get("n", 0) + 1
        response: dict[str, Any] = {"n": session["n"], "seen": request.cookies.get("seen")}
        return response

    @app.get("/cookie")
    async def cookie() -> Response:
        response = Response("set")
        response.set_cookie("seen", "yes", secure=True, httponly=True)
        return response

    return app, events


async def test_routing_over_tls_is_http2(tls: TLSFiles) -> None:
    app, _ = _app()
    async with h2_support.tls_hypercorn_server(app, tls) as port, _client(tls, port) as client:
        response = await client.get("/")
        assert response.http_version == "HTTP/2"
        assert response.json() == {
            "http_version": "2",
            "scheme": "https",
            "url": f"https://127.0.0.1:{port}/item/a%20b",
            "client_port": response.json()["client_port"],
        }
        assert (await client.get("/item/x")).text == "item x"
        missing = await client.get("/nowhere")
        assert (missing.status_code, missing.http_version) == (404, "HTTP/2")
        wrong = await client.put("/item/x")
        assert wrong.status_code == 405
        assert set(wrong.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


async def test_http11_clients_still_served_on_the_same_port(tls: TLSFiles) -> None:
    app, _ = _app()
    async with h2_support.tls_hypercorn_server(app, tls) as port:
        async with httpx.AsyncClient(verify=tls.client_context(("http/1.1",))) as client:
            response = await client.get(f"https://127.0.0.1:{port}/")
        assert response.http_version == "HTTP/1.1"
        assert response.json()["http_version"] == "1.1"


async def test_cookies_and_sessions(tls: TLSFiles) -> None:
    app, _ = _app()
    async with h2_support.tls_hypercorn_server(app, tls) as port, _client(tls, port) as client:
        assert (await client.post("/count")).json() == {"n": 1, "seen": None}
        set_cookie = await client.get("/cookie")
        assert "Secure" in set_cookie.headers["set-cookie"]
        assert (await client.post("/count")).json() == {"n": 2, "seen": "yes"}
        assert (await client.post("/count")).json() == {"n": 3, "seen": "yes"}
        # HTTP/2 sends each cookie as a header of its own or one joined by "; ";
        # either way the session and the cookie are both read.
        h2 = await H2Connection.open(port, tls)
        try:
            stream = await h2.request(
                "/count",
                method="POST",
                headers=[
                    ("cookie", f"session={client.cookies['session']}"),
                    ("cookie", "seen=split"),
                ],
            )
            response = await h2.response(stream)
            assert response.status == 200
            assert response.data == b'{"n":4,"seen":"split"}\n'
        finally:
            await h2.close()


async def test_streamed_response_arrives_chunk_by_chunk(tls: TLSFiles) -> None:
    app, events = _app()
    release = asyncio.Event()

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first;"
            await release.wait()  # Only once the client has seen the first chunk.
            for index in range(3):
                yield f"chunk {index};".encode()

        return chunks(), {"Content-Type": "text/plain"}

    async with h2_support.tls_hypercorn_server(app, tls) as port, _client(tls, port) as client:
        async with client.stream("GET", "/stream") as response:
            assert response.http_version == "HTTP/2"
            received = b""
            async for data in response.aiter_bytes():
                received += data
                if received == b"first;":
                    release.set()
        assert received == b"first;chunk 0;chunk 1;chunk 2;"
    assert ("teardown /stream", None) in events


async def test_fifty_concurrent_streams_on_one_connection(tls: TLSFiles) -> None:
    app, _ = _app()
    arrived = 0
    all_in = asyncio.Event()

    @app.get("/concurrent/<int:index>")
    async def concurrent(index: int) -> dict[str, int]:
        nonlocal arrived
        arrived += 1
        if arrived == 50:
            all_in.set()
        # Every view waits for all fifty: they can only finish if the
        # streams are really served at the same time.
        await asyncio.wait_for(all_in.wait(), BOUND)
        return {"index": index, "port": request.scope["client"][1]}

    async with h2_support.tls_hypercorn_server(app, tls) as port, _client(tls, port) as client:
        responses = await asyncio.gather(*(client.get(f"/concurrent/{i}") for i in range(50)))
    assert [response.json()["index"] for response in responses] == list(range(50))
    assert {response.http_version for response in responses} == {"HTTP/2"}
    assert len({response.json()["port"] for response in responses}) == 1  # one connection


async def test_large_upload_and_download(tls: TLSFiles) -> None:
    app, _ = _app()
    upload = os.urandom(8 * 1024 * 1024)
    download = os.urandom(12 * 1024 * 1024)

    @app.post("/upload")
    async def receive_upload() -> dict[str, Any]:
        data = await request.get_data()
        return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    @app.get("/download")
    async def send_download() -> bytes:
        return download

    async with h2_support.tls_hypercorn_server(app, tls) as port, _client(tls, port) as client:
        sent, got = await asyncio.gather(
            client.post("/upload", content=upload), client.get("/download")
        )
    assert sent.json() == {"size": len(upload), "sha256": hashlib.sha256(upload).hexdigest()}
    assert got.http_version == "HTTP/2"
    assert got.content == download


async def test_too_large_upload_is_refused_with_413(tls: TLSFiles) -> None:
    app, _ = _app()
    app.config["MAX_CONTENT_LENGTH"] = 1024

    @app.post("/upload")
    async def receive_upload() -> str:
        return str(len(await request.get_data()))

    async with h2_support.tls_hypercorn_server(app, tls) as port, _client(tls, port) as client:
        response = await client.post("/upload", content=b"x" * 4096)
        assert response.status_code == 413
        # The connection is still good for the next stream.
        assert (await client.post("/upload", content=b"x" * 10)).text == "10"


async def test_answer_before_the_body_keeps_the_connection(tls: TLSFiles) -> None:
    # Regression: Hypercorn (0.18.0) forgot a stream once its response was
    # sent, and the request body's next DATA frame raised KeyError in the
    # connection task, dropping every other stream of the connection. A user
    # hits it with any early answer to a POST: a login check in
    # before_request, a 404/405, a 413, a redirect.
    app, _ = _app()

    @app.before_request
    async def login_required() -> Any:
        if request.path == "/private" and "authorization" not in request.headers:
            return "log in first", 401
        return None

    @app.post("/private")
    async def private() -> str:  # pragma: no cover - never reached without login
        return str(len(await request.get_data()))

    async with h2_support.tls_hypercorn_server(app, tls) as port:
        h2 = await H2Connection.open(port, tls)
        try:
            pending = await h2.request("/item/pending")
            rejected = await h2.request(
                "/private", method="POST", headers=[("content-length", "3000")], body=None
            )
            answer = await h2.response(rejected)
            assert (answer.status, bytes(answer.data)) == (401, b"log in first")
            # The browser is still sending the form it had started to send.
            for _ in range(3):
                await h2.send_data(rejected, b"x" * 1000)
            h2.conn.end_stream(rejected)
            await h2.flush()
            assert bytes((await h2.response(pending)).data) == b"item pending"
            after = await h2.response(await h2.request("/item/after"))
            assert (after.status, bytes(after.data)) == (200, b"item after")
            assert not h2.terminated
        finally:
            await h2.close()


def test_the_hypercorn_fix_is_applied_once() -> None:
    import hypercorn.protocol.h2

    from quart.asgi import _hypercorn_fixes

    _hypercorn_fixes.apply()
    patched = hypercorn.protocol.h2.H2Protocol._handle_events
    assert getattr(patched, "_quart_fixed", False)
    _hypercorn_fixes.apply()
    assert hypercorn.protocol.h2.H2Protocol._handle_events is patched


async def _wait_for(condition: Any, timeout: float = BOUND) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_reset_stream_mid_response_cancels_only_that_view(tls: TLSFiles) -> None:
    app, events = _app()
    slow_release = asyncio.Event()

    @app.get("/forever")
    async def forever() -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"x" * 1024
                    await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                events.append(("generator cancelled", None))
                raise
            finally:
                events.append(("generator finally", None))

        return chunks()

    @app.get("/slow")
    async def slow() -> str:
        await asyncio.wait_for(slow_release.wait(), BOUND)
        return "slow done"

    async with h2_support.tls_hypercorn_server(app, tls) as port:
        h2 = await H2Connection.open(port, tls)
        try:
            doomed = await h2.request("/forever")
            other = await h2.request("/slow")
            await h2.wait(lambda: len(h2.streams[doomed].data) >= 4096)
            await h2.reset(doomed)
            await _wait_for(
                lambda: (
                    ("teardown /forever", None) in events and ("generator finally", None) in events
                )
            )
            assert ("generator cancelled", None) in events
            # The other stream on the same connection is unaffected ...
            slow_release.set()
            response = await h2.response(other)
            assert (response.status, bytes(response.data)) == (200, b"slow done")
            # ... and so is a new one.
            again = await h2.response(await h2.request("/item/again"))
            assert bytes(again.data) == b"item again"
            assert not h2.terminated
        finally:
            await h2.close()
    assert events.count(("teardown /forever", None)) == 1


async def test_reset_stream_mid_upload_ends_the_view_and_runs_teardown(
    tls: TLSFiles,
) -> None:
    app, events = _app()

    @app.post("/upload")
    async def receive_upload() -> str:
        return str(len(await request.get_data()))

    async with h2_support.tls_hypercorn_server(app, tls) as port:
        h2 = await H2Connection.open(port, tls)
        try:
            doomed = await h2.request(
                "/upload", method="POST", headers=[("content-length", "100000")], body=None
            )
            await h2.send_data(doomed, b"x" * 1000)
            await _wait_for(lambda: h2.conn.remote_flow_control_window(doomed) > 0)
            other = await h2.request("/upload", method="POST", body=b"y" * 5000)
            await h2.reset(doomed)
            response = await h2.response(other)
            assert (response.status, bytes(response.data)) == (200, b"5000")
            await _wait_for(lambda: len(events) == 2)
        finally:
            await h2.close()
    # The reset one: get_data() raised ClientDisconnectedError (the client is
    # gone, so no response is sent), and teardown ran once with it.
    assert sorted(events, key=str) == [
        ("teardown /upload", "ClientDisconnectedError"),
        ("teardown /upload", None),
    ]


async def test_push_promise_reaches_the_client(tls: TLSFiles) -> None:
    app, _ = _app()

    @app.get("/page")
    async def page() -> str:
        await make_push_promise("/style.css")
        return "<link rel=stylesheet href=/style.css>"

    @app.get("/style.css")
    async def style() -> Response:
        return Response("body { color: red }", mimetype="text/css")

    async with h2_support.tls_hypercorn_server(app, tls) as port:
        h2 = await H2Connection.open(port, tls)
        try:
            page_stream = await h2.request("/page", headers=[("accept-encoding", "identity")])
            page_response = await h2.response(page_stream)
            assert page_response.status == 200
            await h2.wait(lambda: bool(h2.pushes))
            pushed_id, parent, headers = h2.pushes[0]
            assert parent == page_stream
            assert dict(headers)[":path"] == "/style.css"
            pushed = await h2.response(pushed_id)
            assert pushed.status == 200
            assert dict(pushed.headers)["content-type"] == "text/css; charset=utf-8"
            assert bytes(pushed.data) == b"body { color: red }"
        finally:
            await h2.close()


async def test_h2c_prior_knowledge_on_a_plain_socket() -> None:
    app, _ = _app()
    import e2e_servers

    async with e2e_servers.hypercorn_server(app) as port:
        async with httpx.AsyncClient(http1=False, http2=True, timeout=BOUND) as client:
            response = await client.get(f"http://127.0.0.1:{port}/")
    assert response.http_version == "HTTP/2"
    assert response.json()["http_version"] == "2"
    assert response.json()["scheme"] == "http"


async def test_h2c_upgrade_from_http11() -> None:
    app, _ = _app()
    import e2e_servers

    async with e2e_servers.hypercorn_server(app) as port:
        h2, head = await H2Connection.upgrade(port, "/item/upgraded")
        try:
            assert head.startswith(b"HTTP/1.1 101 ")
            assert b"upgrade: h2c" in head.lower()
            first = await h2.response(1)  # The upgraded request is stream 1.
            assert (first.status, bytes(first.data)) == (200, b"item upgraded")
            second = await h2.response(await h2.request("/item/next"))
            assert bytes(second.data) == b"item next"
        finally:
            await h2.close()


# -- `quart run --certfile/--keyfile` and `app.run(certfile=...)` ---------------------

SCRIPT = """
import sys
from quart import Quart, request

app = Quart(__name__)

@app.route("/")
async def index():
    return f"{request.http_version} {request.scheme}"

if __name__ == "__main__":
    app.run(port=int(sys.argv[1]), certfile="cert.pem", keyfile="key.pem", use_reloader=False)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get_when_up(tls: TLSFiles, port: int, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + BOUND
    async with _client(tls, port) as client:
        while True:
            try:
                response = await client.get("/")
                return f"{response.http_version} {response.text}"
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                await asyncio.sleep(0.05)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("how", ["quart run", "app.run"])
async def test_quart_run_and_app_run_serve_http2_over_tls(
    how: str, tls: TLSFiles, tmp_path: Path
) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(SCRIPT))
    for name in ("cert", "key"):
        (tmp_path / f"{name}.pem").write_bytes(getattr(tls, name).read_bytes())
    port = _free_port()
    if how == "quart run":
        bin_dir = Path(sys.executable).parent
        args = [str(bin_dir / "quart"), "--app", "app", "run", "--port", str(port)]
        args += ["--certfile", "cert.pem", "--keyfile", "key.pem", "--no-reload"]
    else:
        args = [sys.executable, "app.py", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUART_")}
    out = (tmp_path / "out.txt").open("wb")
    process = subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        assert await _get_when_up(tls, port, process) == "HTTP/2 2 https"
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, BOUND) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(BOUND)
        out.close()
    assert f"Running on https://127.0.0.1:{port}" in (tmp_path / "out.txt").read_text()
