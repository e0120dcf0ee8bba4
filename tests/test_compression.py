"""Response compression (quart.compression, the COMPRESS_* keys), through the test client."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import brotli
import pytest
import zstandard

from quart import after_this_request
from quart import jsonify
from quart import Quart
from quart import request
from quart import Response
from quart import send_file
from quart import stream_template_string
from quart.compression import available_algorithms
from quart.sse import EventSourceResponse
from quart.sse import ServerSentEvent

TEXT = "The quick brown fox jumps over the lazy dog. " * 100  # 4,500 bytes
BIG = ("0123456789abcdef" * 4096 * 5).encode()  # 320 KiB: compressed in a thread


def decode(encoding: str | None, data: bytes) -> bytes:
    """The identity bytes of a body in ``encoding`` (streaming decoders, so
    frames without a content size and flushed streams decode too)."""
    if encoding is None:
        return data
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        return brotli.decompress(data)
    if encoding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    raise AssertionError(encoding)


@pytest.fixture
def app() -> Quart:
    app = Quart(__name__)
    app.config["COMPRESS_ENABLED"] = True

    @app.route("/text")
    async def text() -> Any:
        return TEXT

    @app.route("/json")
    async def json_view() -> Any:
        return jsonify(items=list(range(500)))

    @app.route("/small")
    async def small() -> Any:
        return "tiny"

    @app.route("/big")
    async def big() -> Any:
        return Response(BIG, mimetype="text/plain")

    @app.route("/png")
    async def png() -> Any:
        return Response(TEXT.encode(), mimetype="image/png")

    @app.route("/stream")
    async def stream() -> Any:
        async def chunks() -> AsyncGenerator[bytes, None]:
            for index in range(5):
                yield f"chunk {index} {TEXT}".encode()

        return chunks(), {"Content-Type": "text/plain"}

    @app.route("/status/<int:code>")
    async def status(code: int) -> Any:
        return TEXT, code

    @app.route("/headers")
    async def with_headers() -> Any:
        return TEXT, dict(request.args)

    return app


async def get(app: Quart, path: str, accept: str | None, **kwargs: Any) -> Any:
    headers = dict(kwargs.pop("headers", {}))
    if accept is not None:
        headers["Accept-Encoding"] = accept
    return await app.test_client().open(path, headers=headers, **kwargs)


# -- each algorithm, in memory and streamed --------------------------------------


def test_all_three_algorithms_are_installed_for_the_tests() -> None:
    assert available_algorithms() == ["zstd", "br", "gzip"]


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
@pytest.mark.parametrize("path", ["/text", "/json", "/big"])
async def test_each_algorithm_round_trips(app: Quart, encoding: str, path: str) -> None:
    plain = await get(app, path, None)
    identity = await plain.get_data()
    response = await get(app, path, encoding)
    data = await response.get_data()
    assert response.headers["Content-Encoding"] == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Content-Length"] == str(len(data))
    assert len(data) < len(identity)
    assert decode(encoding, data) == identity
    assert response.headers["Content-Type"] == plain.headers["Content-Type"]


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_streamed_bodies_are_compressed_without_a_length(app: Quart, encoding: str) -> None:
    response = await get(app, "/stream", encoding)
    assert response.headers["Content-Encoding"] == encoding
    assert "Content-Length" not in response.headers or response.headers["Content-Length"] == str(
        len(await response.get_data())
    )
    expected = "".join(f"chunk {index} {TEXT}" for index in range(5)).encode()
    assert decode(encoding, await response.get_data()) == expected


# -- negotiation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip", "gzip"),
        ("br", "br"),
        ("zstd", "zstd"),
        ("gzip, deflate, br, zstd", "zstd"),  # all equal: the server's order
        ("gzip, br", "br"),
        ("gzip;q=1, br;q=0.5", "gzip"),
        ("gzip;q=0.5, br;q=0.9, zstd;q=0.1", "br"),
        ("*", "zstd"),
        ("*;q=0.5, gzip", "gzip"),
        ("zstd;q=0, *", "br"),
        ("br;q=0, zstd;q=0, *", "gzip"),
        ("GZIP", "gzip"),
        ("x-gzip", "gzip"),
        ("deflate", None),
        ("identity", None),
        ("", None),
        ("gzip;q=0", None),
        ("*;q=0", None),
        ("identity;q=1, gzip;q=0.5", None),  # the client prefers the body as it is
        ("identity;q=0.5, gzip", "gzip"),
        ("identity;q=0, gzip", "gzip"),
        ("gzip;q=nonsense", None),
    ],
)
async def test_negotiation(app: Quart, accept: str, expected: str | None) -> None:
    response = await get(app, "/text", accept)
    assert response.headers.get("Content-Encoding") == expected
    assert decode(expected, await response.get_data()) == TEXT.encode()


async def test_no_accept_encoding_is_identity_with_vary(app: Quart) -> None:
    response = await get(app, "/text", None)
    assert "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding"
    assert await response.get_data(as_text=True) == TEXT


async def test_server_preference_follows_compress_algorithms(app: Quart) -> None:
    app.config["COMPRESS_ALGORITHMS"] = ["gzip", "br"]
    response = await get(app, "/text", "gzip, br, zstd")
    assert response.headers["Content-Encoding"] == "gzip"
    response = await get(app, "/text", "zstd")
    assert "Content-Encoding" not in response.headers


async def test_missing_package_is_skipped(app: Quart, monkeypatch: pytest.MonkeyPatch) -> None:
    from quart import compression

    monkeypatch.setitem(compression._CODECS, "zstd", None)
    monkeypatch.setitem(compression._CODECS, "br", None)
    assert available_algorithms() == ["gzip"]
    app.config["COMPRESS_ALGORITHMS"] = ["zstd", "br", "gzip"]  # rebuilt settings
    response = await get(app, "/text", "zstd, br, gzip")
    assert response.headers["Content-Encoding"] == "gzip"


# -- never compressed -------------------------------------------------------------


async def test_disabled_by_default() -> None:
    app = Quart(__name__)
    assert app.config["COMPRESS_ENABLED"] is False

    @app.route("/")
    async def index() -> Any:
        return TEXT

    response = await get(app, "/", "gzip, br, zstd")
    assert "Content-Encoding" not in response.headers
    assert "Vary" not in response.headers
    assert await response.get_data(as_text=True) == TEXT


async def test_head_is_not_compressed_but_varies(app: Quart) -> None:
    response = await get(app, "/text", "gzip", method="HEAD")
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Length"] == str(len(TEXT))
    assert response.headers["Vary"] == "Accept-Encoding"


async def test_small_bodies_are_not_compressed(app: Quart) -> None:
    response = await get(app, "/small", "gzip")
    assert "Content-Encoding" not in response.headers
    assert "Vary" not in response.headers
    app.config["COMPRESS_MIN_SIZE"] = 0
    response = await get(app, "/small", "gzip")
    # Compressing 4 bytes makes them bigger: sent as they are (still varying).
    assert "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding"
    assert await response.get_data() == b"tiny"


async def test_min_size_counts_the_identity_body(app: Quart) -> None:
    app.config["COMPRESS_MIN_SIZE"] = len(TEXT) + 1
    assert "Content-Encoding" not in (await get(app, "/text", "gzip")).headers
    app.config["COMPRESS_MIN_SIZE"] = len(TEXT)
    assert (await get(app, "/text", "gzip")).headers["Content-Encoding"] == "gzip"


async def test_other_mimetypes_are_not_compressed(app: Quart) -> None:
    response = await get(app, "/png", "gzip")
    assert "Content-Encoding" not in response.headers
    assert "Vary" not in response.headers
    app.config["COMPRESS_MIMETYPES"] = ["image/*"]
    assert (await get(app, "/png", "gzip")).headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in (await get(app, "/text", "gzip")).headers


@pytest.mark.parametrize("code", [204, 304, 101])
async def test_bodiless_statuses_are_not_compressed(app: Quart, code: int) -> None:
    response = await get(app, f"/status/{code}", "gzip")
    assert "Content-Encoding" not in response.headers


async def test_error_pages_are_compressed(app: Quart) -> None:
    response = await get(app, "/status/500", "gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert decode("gzip", await response.get_data()) == TEXT.encode()


@pytest.mark.parametrize(
    "query",
    [
        "Content-Encoding=br",
        "Cache-Control=no-transform",
        "Cache-Control=public,%20No-Transform",
        "Content-Range=bytes%200-9/4500",
    ],
)
async def test_already_encoded_or_untransformable(app: Quart, query: str) -> None:
    response = await get(app, f"/headers?{query}", "gzip")
    assert response.headers.get("Content-Encoding") != "gzip"
    assert await response.get_data(as_text=True) == TEXT


async def test_ranges_are_not_compressed(app: Quart) -> None:
    @app.route("/ranged")
    async def ranged() -> Any:
        response = Response(TEXT, mimetype="text/plain")
        return await response.make_conditional(
            request, accept_ranges=True, complete_length=len(TEXT)
        )

    response = await get(app, "/ranged", "gzip", headers={"Range": "bytes=0-999"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert await response.get_data(as_text=True) == TEXT[:1000]
    # The whole body is compressed; no ranges are offered on it.
    response = await get(app, "/ranged", "gzip")
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Ranges" not in response.headers


async def test_opt_out_per_response(app: Quart) -> None:
    @app.route("/opt-out")
    async def opt_out() -> Any:
        response = Response(TEXT, mimetype="text/plain")
        response.compress = False
        return response

    @app.route("/opt-out-hook")
    async def opt_out_hook() -> Any:
        @after_this_request
        def uncompressed(response: Response) -> Response:
            response.compress = False
            return response

        return TEXT

    for path in ("/opt-out", "/opt-out-hook"):
        response = await get(app, path, "gzip")
        assert "Content-Encoding" not in response.headers
        assert await response.get_data(as_text=True) == TEXT


async def test_after_request_sees_the_identity_response(app: Quart) -> None:
    seen: list[tuple[bytes, str | None]] = []

    @app.after_request
    async def record(response: Response) -> Response:
        if request.path == "/text":
            seen.append((await response.get_data(), response.headers.get("Content-Encoding")))
        return response

    response = await get(app, "/text", "gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert seen == [(TEXT.encode(), None)]


async def test_werkzeug_responses_are_left_alone(app: Quart) -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    @app.route("/werkzeug")
    async def werkzeug_view() -> Any:
        return WerkzeugResponse(TEXT, mimetype="text/plain")

    response = await get(app, "/werkzeug", "gzip")
    assert "Content-Encoding" not in response.headers
    assert await response.get_data(as_text=True) == TEXT


# -- header corrections ---------------------------------------------------------------


async def test_strong_etag_becomes_weak(app: Quart) -> None:
    @app.route("/etag")
    async def etag() -> Any:
        response = Response(TEXT, mimetype="text/plain")
        response.set_etag(request.args.get("tag", "abc"), weak="weak" in request.args)
        return response

    response = await get(app, "/etag", "br")
    assert response.headers["ETag"] == 'W/"abc"'
    response = await get(app, "/etag?weak=1", "br")
    assert response.headers["ETag"] == 'W/"abc"'
    response = await get(app, "/etag", None)
    assert response.headers["ETag"] == '"abc"'


async def test_vary_is_merged(app: Quart) -> None:
    for given, expected in [
        ("Cookie", "Cookie, Accept-Encoding"),
        ("accept-encoding", "accept-encoding"),
        ("Origin, Accept-Encoding", "Origin, Accept-Encoding"),
        ("*", "*"),
    ]:
        response = await get(app, "/headers", "gzip", query_string={"Vary": given})
        assert response.headers["Vary"] == expected
        assert response.headers.getlist("Vary") == [expected]


async def test_session_cookie_is_saved_before_compressing(app: Quart) -> None:
    from quart import session

    app.secret_key = "secret"

    @app.route("/session")
    async def with_session() -> Any:
        session["seen"] = True
        return TEXT

    response = await get(app, "/session", "gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert "session=" in response.headers["Set-Cookie"]


async def test_request_finished_sees_the_compressed_response(app: Quart) -> None:
    from quart.signals import request_finished

    seen: list[str | None] = []

    async def receiver(sender: Quart, response: Response, **extra: Any) -> None:
        seen.append(response.headers.get("Content-Encoding"))

    with request_finished.connected_to(receiver, app):
        await get(app, "/text", "gzip")
    assert seen == ["gzip"]


# -- configuration --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("COMPRESS_LEVEL", 30),
        ("COMPRESS_LEVEL", {"gzip": 0}),
        ("COMPRESS_LEVEL", {"br": "high"}),
        ("COMPRESS_MIN_SIZE", -1),
        ("COMPRESS_ALGORITHMS", ["gzip", "deflate"]),
        ("COMPRESS_ALGORITHMS", "gzip"),
        ("COMPRESS_MIMETYPES", "text/*"),
    ],
)
async def test_bad_settings_raise(app: Quart, key: str, value: Any) -> None:
    app.config[key] = value
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(ValueError, match=key):
        await get(app, "/text", "gzip")


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_levels(app: Quart, encoding: str) -> None:
    sizes = []
    for level in (1, 9):
        app.config["COMPRESS_LEVEL"] = {encoding: level}
        response = await get(app, "/big", encoding)
        data = await response.get_data()
        assert decode(encoding, data) == BIG
        sizes.append(len(data))
    assert sizes[1] <= sizes[0]


async def test_an_integer_level_applies_to_every_algorithm(app: Quart) -> None:
    app.config["COMPRESS_LEVEL"] = 1
    fast = await (await get(app, "/big", "gzip")).get_data()
    assert fast == zlib.compress(BIG, 1, wbits=31)


# -- streaming: one flushed, decodable piece per chunk ----------------------------


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_each_chunk_is_flushed(app: Quart, encoding: str) -> None:
    """Driven as raw ASGI: each chunk the app yields goes out as one body
    message that decodes to that chunk before the stream ends."""
    release = asyncio.Event()

    @app.route("/slow")
    async def slow() -> Any:
        async def chunks() -> AsyncGenerator[str, None]:
            yield "first " * 200
            await release.wait()
            yield "second " * 200

        return chunks(), {"Content-Type": "text/plain"}

    sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/slow",
        "raw_path": b"/slow",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"accept-encoding", encoding.encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not done.is_set():
            done.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # until cancelled
        raise AssertionError

    task = asyncio.create_task(app(scope, receive, sent.put))  # type: ignore[arg-type]
    try:
        async with asyncio.timeout(10):
            start = await sent.get()
            headers = dict(start["headers"])
            assert headers[b"content-encoding"] == encoding.encode()
            assert b"content-length" not in headers
            first = await sent.get()
            decoder = _decoder(encoding)
            assert decoder(first["body"]) == ("first " * 200).encode()
            release.set()
            rest = b""
            while True:
                message = await sent.get()
                rest += message["body"]
                if not message["more_body"]:
                    break
            assert decoder(rest) == ("second " * 200).encode()
            await task
    finally:
        task.cancel()


def _decoder(encoding: str) -> Any:
    if encoding == "gzip":
        return zlib.decompressobj(31).decompress
    if encoding == "br":
        return brotli.Decompressor().process
    return zstandard.ZstdDecompressor().decompressobj().decompress


async def test_server_sent_events_are_compressed(app: Quart) -> None:
    @app.route("/events")
    async def events() -> Any:
        async def generate() -> AsyncGenerator[ServerSentEvent, None]:
            for index in range(3):
                yield ServerSentEvent("x" * 300, id=str(index))

        return EventSourceResponse(generate(), ping=None)

    response = await get(app, "/events", "gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    text = decode("gzip", await response.get_data()).decode()
    assert text.count("data: " + "x" * 300) == 3


async def test_streamed_template_is_compressed(app: Quart) -> None:
    @app.route("/template")
    async def template() -> Any:
        return await stream_template_string("{% for i in range(200) %}<p>{{ i }}</p>{% endfor %}")

    response = await get(app, "/template", "br")
    assert response.headers["Content-Encoding"] == "br"
    expected = "".join(f"<p>{i}</p>" for i in range(200))
    assert decode("br", await response.get_data()).decode() == expected


async def test_a_stream_that_fails_is_closed(app: Quart) -> None:
    closed: list[bool] = []

    @app.route("/fails")
    async def fails() -> Any:
        async def chunks() -> AsyncGenerator[str, None]:
            try:
                yield TEXT
                raise RuntimeError("boom")
            finally:
                closed.append(True)

        return chunks(), {"Content-Type": "text/plain"}

    app.config["PROPAGATE_EXCEPTIONS"] = False
    await get(app, "/fails", "gzip")
    assert closed == [True]


# -- files ------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "app.js").write_text(TEXT)
    (tmp_path / "app.js.br").write_bytes(brotli.compress(TEXT.encode()))
    (tmp_path / "app.js.gz").write_bytes(gzip.compress(TEXT.encode()))
    (tmp_path / "style.css").write_text(TEXT)
    (tmp_path / "big.txt").write_bytes(BIG * 2)
    return tmp_path


@pytest.fixture
def file_app(app: Quart, files: Path) -> Quart:
    @app.route("/files/<name>")
    async def file_view(name: str) -> Any:
        return await send_file(files / name, conditional=True)

    return app


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("br, gzip", "br"),
        ("gzip", "gzip"),
        ("zstd, gzip;q=0.5", "gzip"),
        ("br;q=0.1, gzip", "gzip"),
    ],
)
async def test_precompressed_sibling_is_sent(
    file_app: Quart, files: Path, accept: str, expected: str
) -> None:
    suffix = {"br": ".br", "gzip": ".gz"}[expected]
    response = await get(file_app, "/files/app.js", accept)
    data = await response.get_data()
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == expected
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.mimetype == "text/javascript"
    assert data == (files / f"app.js{suffix}").read_bytes()
    assert response.headers["Content-Length"] == str(len(data))
    etag = response.headers["ETag"]
    assert not etag.startswith("W/")
    # Its own validator: a 304 for it, and not for the identity file's.
    again = await get(file_app, "/files/app.js", accept, headers={"If-None-Match": etag})
    assert again.status_code == 304
    identity = await get(file_app, "/files/app.js", None)
    assert identity.headers["ETag"] != etag
    assert await identity.get_data(as_text=True) == TEXT


async def test_precompressed_sibling_ranges_count_its_bytes(file_app: Quart, files: Path) -> None:
    response = await get(file_app, "/files/app.js", "br", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.headers["Content-Encoding"] == "br"
    sibling = (files / "app.js.br").read_bytes()
    assert response.headers["Content-Range"] == f"bytes 0-9/{len(sibling)}"
    assert await response.get_data() == sibling[:10]


async def test_no_sibling_compresses_the_file(file_app: Quart, files: Path) -> None:
    response = await get(file_app, "/files/style.css", "zstd, br")
    assert response.headers["Content-Encoding"] == "zstd"
    assert "Content-Length" not in response.headers or response.headers["Content-Length"] == str(
        len(await response.get_data())
    )
    assert response.headers["ETag"].startswith("W/")
    assert "Accept-Ranges" not in response.headers
    assert decode("zstd", await response.get_data()) == TEXT.encode()


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_large_file_is_compressed_while_read(
    file_app: Quart, files: Path, encoding: str
) -> None:
    response = await get(file_app, "/files/big.txt", encoding)
    assert response.headers["Content-Encoding"] == encoding
    assert decode(encoding, await response.get_data()) == BIG * 2


async def test_file_range_is_identity(file_app: Quart) -> None:
    response = await get(file_app, "/files/style.css", "gzip", headers={"Range": "bytes=5-14"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert await response.get_data(as_text=True) == TEXT[5:15]


async def test_siblings_need_compression_enabled(file_app: Quart) -> None:
    file_app.config["COMPRESS_ENABLED"] = False
    response = await get(file_app, "/files/app.js", "br, gzip")
    assert "Content-Encoding" not in response.headers
    assert await response.get_data(as_text=True) == TEXT


async def test_static_files_use_siblings(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "site.css").write_text(TEXT)
    (static / "site.css.gz").write_bytes(gzip.compress(TEXT.encode()))
    app = Quart(__name__, static_folder=str(static))
    app.config["COMPRESS_ENABLED"] = True
    response = await get(app, "/static/site.css", "gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/css"
    assert gzip.decompress(await response.get_data()) == TEXT.encode()
