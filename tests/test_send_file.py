"""send_file, send_from_directory, conditional and range responses, file bodies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import NotFound

from quart import Blueprint
from quart import Quart
from quart import request
from quart import Response
from quart import send_file
from quart import send_from_directory
from quart.utils import open_async
from quart.wrappers.response import FileBody

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Relative paths given to send_file and send_from_directory are relative
    # to the working directory (as on Quart).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "data.bin").write_bytes(DATA)
    (tmp_path / "files" / "notes.txt").write_text("notes")
    (tmp_path / "files" / "nested").mkdir()
    (tmp_path / "files" / "nested" / "deep.json").write_text('{"a": 1}')
    (tmp_path / "secret.txt").write_text("secret")
    return tmp_path


@pytest.fixture
def app(root: Path) -> Quart:
    app = Quart(__name__, root_path=str(root))

    @app.route("/file/<path:name>")
    async def file_view(name: str) -> Response:
        options = {key: value for key, value in request.args.items() if key != "conditional"}
        return await send_file(
            f"files/{name}", conditional="conditional" in request.args, **options
        )

    @app.route("/dir/<path:name>")
    async def dir_view(name: str) -> Response:
        return await send_from_directory("files", name)

    return app


async def asgi_call(
    app: Quart,
    path: str,
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    send_hook: Any = None,
) -> list[dict[str, Any]]:
    """Call the app over raw ASGI; return the messages it sent."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
        "extensions": {},
    }
    requested = False
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if send_hook is not None:
            await send_hook(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    await app(scope, receive, send)  # type: ignore[arg-type]
    return sent


# -- send_file: basics ---------------------------------------------------------------


async def test_send_file_streams_the_file_with_headers(app: Quart, root: Path) -> None:
    response = await app.test_client().get("/file/data.bin")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.content_length == len(DATA)
    assert await response.get_data() == DATA
    mtime = (root / "files" / "data.bin").stat().st_mtime
    assert response.last_modified == datetime.fromtimestamp(int(mtime), UTC)
    etag, weak = response.get_etag()
    assert etag is not None and not weak
    assert etag.startswith(f"{mtime}-{len(DATA)}-")
    assert response.cache_control.public
    assert response.cache_control.max_age == 43200
    assert "Content-Disposition" not in response.headers
    # conditional is off by default for send_file (as in Quart).
    assert "Accept-Ranges" not in response.headers


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [
        ("notes.txt", "text/plain"),
        ("nested/deep.json", "application/json"),
        ("data.bin", "application/octet-stream"),
    ],
)
async def test_mimetype_is_guessed(app: Quart, name: str, mimetype: str) -> None:
    response = await app.test_client().get(f"/file/{name}")
    assert response.mimetype == mimetype


async def test_send_file_accepts_path_types(root: Path) -> None:
    app = Quart(__name__, root_path=str(root))
    target = root / "files" / "notes.txt"
    async with app.test_request_context("/"):
        for value in (str(target), target, os.fsencode(target), "files/notes.txt"):
            response = await send_file(value)
            assert await response.get_data() == b"notes"


async def test_compressed_files_are_not_given_a_content_encoding(root: Path) -> None:
    (root / "files" / "report.csv.gz").write_bytes(b"\x1f\x8bdata")
    app = Quart(__name__, root_path=str(root))
    async with app.test_request_context("/"):
        response = await send_file("files/report.csv.gz")
    assert response.mimetype == "application/gzip"
    assert "Content-Encoding" not in response.headers


async def test_missing_file_or_directory_raises(app: Quart) -> None:
    async with app.test_request_context("/"):
        with pytest.raises(FileNotFoundError):
            await send_file("files/missing.txt")
        with pytest.raises(FileNotFoundError, match="regular file"):
            await send_file("files/nested")


async def test_file_that_grows_sends_the_announced_length(app: Quart, root: Path) -> None:
    path = root / "files" / "log.txt"
    path.write_bytes(b"line 1\n")
    async with app.test_request_context("/"):
        response = await send_file(path)
        with open(path, "ab") as file:
            file.write(b"line 2\n")
        assert response.content_length == 7
        assert await response.get_data() == b"line 1\n"


# -- send_file: open file objects (as Flask accepts) ----------------------------------------


async def test_send_open_file(app: Quart, root: Path) -> None:
    files: list[Any] = []

    @app.route("/open")
    async def open_view() -> Response:
        file = open(root / "files" / "data.bin", "rb")  # send_file closes it
        files.append(file)
        file.seek(240)  # sent from where it stands, as Flask does
        return await send_file(file, mimetype="application/octet-stream")

    response = await app.test_client().get("/open")
    assert response.status_code == 200
    assert response.content_length == len(DATA) - 240
    assert await response.get_data() == DATA[240:]
    assert "ETag" not in response.headers and response.last_modified is None
    assert files[0].closed


async def test_open_file_range_request_counts_from_its_position(app: Quart, root: Path) -> None:
    @app.route("/open")
    async def open_view() -> Response:
        file = open(root / "files" / "data.bin", "rb", buffering=0)
        file.seek(1000)
        return await send_file(file, download_name="data.bin", conditional=True)

    response = await app.test_client().get("/open", headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 10-19/{len(DATA) - 1000}"
    assert await response.get_data() == DATA[1010:1020]


async def test_open_file_is_closed_when_the_range_is_unsatisfiable(app: Quart, root: Path) -> None:
    files: list[Any] = []

    @app.route("/open")
    async def open_view() -> Response:
        files.append(open(root / "files" / "data.bin", "rb"))  # send_file closes it
        return await send_file(files[-1], mimetype="text/plain", conditional=True)

    response = await app.test_client().get("/open", headers={"Range": "bytes=99999-"})
    assert response.status_code == 416
    assert files[0].closed


class Reader:
    """A file-like object of unknown size (like a zip member or a pipe)."""

    def __init__(self, data: bytes) -> None:
        self.stream = BytesIO(data)
        self.closed = False
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return self.stream.read(size)

    def close(self) -> None:
        self.closed = True


async def test_send_a_reader_of_unknown_size(app: Quart) -> None:
    big = DATA * 20  # several chunks
    readers: list[Reader] = []

    @app.route("/reader")
    async def reader_view() -> Response:
        readers.append(Reader(big))
        return await send_file(readers[-1], mimetype="text/csv", conditional=True)

    sent = await asgi_call(app, "/reader", headers=[(b"range", b"bytes=0-9")])
    # Unknown size: no Content-Length, no ranges, the whole body (as Werkzeug).
    start = sent[0]
    assert start["status"] == 200
    names = {name for name, _ in start["headers"]}
    assert b"content-length" not in names and b"accept-ranges" not in names
    assert b"".join(m.get("body", b"") for m in sent[1:]) == big
    assert readers[0].closed and readers[0].reads > 2
    # A HEAD reads nothing and still closes it.
    sent = await asgi_call(app, "/reader", method="HEAD")
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b""
    assert readers[1].closed and readers[1].reads == 0


async def test_a_file_object_is_closed_when_a_304_replaces_it(app: Quart) -> None:
    readers: list[Reader] = []

    @app.route("/reader")
    async def reader_view() -> Response:
        readers.append(Reader(b"data"))
        return await send_file(readers[-1], mimetype="text/plain", etag="v1", conditional=True)

    response = await app.test_client().get("/reader", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 304
    assert readers[0].closed and readers[0].reads == 0


async def test_file_objects_that_cannot_be_sent(app: Quart, root: Path) -> None:
    async with app.test_request_context("/"):
        with open(root / "files" / "notes.txt") as text:
            with pytest.raises(ValueError, match="binary"):
                await send_file(text)  # type: ignore[arg-type]
        with open(root / "files" / "notes.txt", "rb") as file:
            with pytest.raises(ValueError, match="mimetype"):
                await send_file(file)
        with pytest.raises(TypeError, match="binary file object"):
            await send_file(42)  # type: ignore[arg-type]


async def test_explicit_mimetype_and_last_modified(app: Quart) -> None:
    when = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with app.test_request_context("/"):
        response = await send_file("files/data.bin", mimetype="image/png", last_modified=when)
        assert response.mimetype == "image/png"
        assert response.last_modified == when
        response = await send_file("files/data.bin", last_modified=when.timestamp())
        assert response.last_modified == when


# -- send_file: BytesIO ----------------------------------------------------------------


async def test_send_bytesio(app: Quart) -> None:
    @app.route("/io")
    async def io_view() -> Response:
        return await send_file(BytesIO(b"in memory"), mimetype="text/plain")

    response = await app.test_client().get("/io")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.content_length == 9
    assert await response.get_data() == b"in memory"
    assert "ETag" not in response.headers


async def test_bytesio_mimetype_from_download_name(app: Quart) -> None:
    async with app.test_request_context("/"):
        response = await send_file(BytesIO(b"{}"), download_name="data.json")
        assert response.mimetype == "application/json"
        assert response.headers["Content-Disposition"] == "inline; filename=data.json"
        response = await send_file(
            BytesIO(b"x"), attachment_filename="x.csv", as_attachment=True, etag="v1"
        )
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == "attachment; filename=x.csv"
        assert response.get_etag() == ("v1", False)


async def test_bytesio_needs_a_mimetype(app: Quart) -> None:
    async with app.test_request_context("/"):
        with pytest.raises(ValueError, match="mimetype"):
            await send_file(BytesIO(b"x"))
        with pytest.raises(TypeError, match="download_name"):
            await send_file(BytesIO(b"x"), mimetype="text/plain", as_attachment=True)


async def test_bytesio_range_request(app: Quart) -> None:
    @app.route("/io")
    async def io_view() -> Response:
        return await send_file(BytesIO(DATA), mimetype="application/octet-stream", conditional=True)

    response = await app.test_client().get("/io", headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    assert await response.get_data() == DATA[100:200]


# -- Content-Disposition -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("report.pdf", "attachment; filename=report.pdf"),  # a token: unquoted (Werkzeug's)
        ("my report.pdf", 'attachment; filename="my report.pdf"'),
        ('say "hi".txt', 'attachment; filename="say \\"hi\\".txt"'),
        ("back\\slash.txt", 'attachment; filename="back\\\\slash.txt"'),
        (
            "résumé.pdf",
            "attachment; filename=resume.pdf; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        ),
        (
            "日本語.txt",
            "attachment; filename=.txt; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt",
        ),
        ("日本", "attachment; filename*=UTF-8''%E6%97%A5%E6%9C%AC"),
        (
            "evil\r\nSet-Cookie: a=b.txt",
            'attachment; filename="evilSet-Cookie: a=b.txt";'
            " filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20a%3Db.txt",
        ),
    ],
)
async def test_content_disposition(app: Quart, name: str, header: str) -> None:
    async with app.test_request_context("/"):
        response = await send_file("files/notes.txt", as_attachment=True, download_name=name)
    assert response.headers["Content-Disposition"] == header


async def test_attachment_defaults_to_the_file_name(app: Quart) -> None:
    response = await app.test_client().get("/file/notes.txt?as_attachment=1")
    assert response.headers["Content-Disposition"] == "attachment; filename=notes.txt"


async def test_crlf_in_name_never_reaches_the_wire(app: Quart) -> None:
    @app.route("/evil")
    async def evil() -> Response:
        return await send_file(
            "files/notes.txt", as_attachment=True, download_name="a\r\nX-Injected: 1"
        )

    messages = await asgi_call(app, "/evil")
    start = messages[0]
    assert start["status"] == 200
    for name, value in start["headers"]:
        assert b"\r" not in value and b"\n" not in value
        assert name != b"x-injected"


# -- Quart's and Flask's argument names ------------------------------------------------------


@pytest.mark.parametrize(
    ("quart_kwargs", "flask_kwargs"),
    [
        (
            {"attachment_filename": "a.txt", "as_attachment": True},
            {"download_name": "a.txt", "as_attachment": True},
        ),
        ({"cache_timeout": 60}, {"max_age": 60}),
        ({"add_etags": False}, {"etag": False}),
    ],
)
async def test_quart_and_flask_names_agree(
    app: Quart, quart_kwargs: dict[str, Any], flask_kwargs: dict[str, Any]
) -> None:
    async with app.test_request_context("/"):
        quart_response = await send_file("files/notes.txt", **quart_kwargs)
        flask_response = await send_file("files/notes.txt", **flask_kwargs)
    for header in ("Content-Disposition", "Cache-Control", "ETag"):
        assert quart_response.headers.get(header) == flask_response.headers.get(header)


async def test_both_names_at_once_is_an_error(app: Quart) -> None:
    async with app.test_request_context("/"):
        with pytest.raises(TypeError, match="not both"):
            await send_file("files/notes.txt", attachment_filename="a", download_name="b")
        with pytest.raises(TypeError, match="not both"):
            await send_file("files/notes.txt", cache_timeout=1, max_age=2)


async def test_etag_string_and_max_age_callable(app: Quart, root: Path) -> None:
    seen: list[str | None] = []

    def max_age(path: str | None) -> int:
        seen.append(path)
        return 5

    async with app.test_request_context("/"):
        response = await send_file("files/notes.txt", etag="custom", max_age=max_age)
    assert response.get_etag() == ("custom", False)
    assert response.cache_control.max_age == 5
    assert seen == ["files/notes.txt"]


async def test_cache_timeout_zero_and_none(app: Quart) -> None:
    async with app.test_request_context("/"):
        response = await send_file("files/notes.txt", cache_timeout=0)
        assert response.cache_control.max_age == 0
        assert not response.cache_control.public
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = None
        response = await send_file("files/notes.txt")
        assert response.cache_control.no_cache
        assert response.expires is None


# -- conditional requests ----------------------------------------------------------------------


async def get_file(app: Quart, headers: dict[str, str], conditional: bool = True) -> Response:
    path = "/file/data.bin?conditional=1" if conditional else "/file/data.bin"
    return await app.test_client().get(path, headers=headers)


async def validators(app: Quart) -> tuple[str, str]:
    response = await get_file(app, {})
    return response.headers["ETag"], response.headers["Last-Modified"]


async def test_conditional_off_ignores_validators_and_ranges(app: Quart) -> None:
    etag, _ = await validators(app)
    response = await get_file(app, {"If-None-Match": etag, "Range": "bytes=0-1"}, False)
    assert response.status_code == 200
    assert await response.get_data() == DATA


@pytest.mark.parametrize(
    "header",
    ["{etag}", "W/{etag}", '"other", {etag}', "*"],
)
async def test_if_none_match_gives_304(app: Quart, header: str) -> None:
    etag, _ = await validators(app)
    value = header.format(etag=etag)
    response = await get_file(app, {"If-None-Match": value})
    assert response.status_code == 304
    assert await response.get_data() == b""
    assert response.headers["ETag"] == etag
    assert response.cache_control.max_age == 43200
    # On the wire: validators and caching headers, nothing about a body.
    messages = await asgi_call(app, "/dir/data.bin", headers=[(b"if-none-match", value.encode())])
    sent = dict(messages[0]["headers"])
    assert messages[0]["status"] == 304
    assert b"etag" in sent and b"cache-control" in sent and b"last-modified" in sent
    assert b"content-type" not in sent and b"content-length" not in sent


async def test_if_none_match_mismatch_gives_200(app: Quart) -> None:
    response = await get_file(app, {"If-None-Match": '"something-else"'})
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_if_modified_since(app: Quart) -> None:
    _, last_modified = await validators(app)
    response = await get_file(app, {"If-Modified-Since": last_modified})
    assert response.status_code == 304
    older = "Sat, 01 Jan 2000 00:00:00 GMT"
    assert (await get_file(app, {"If-Modified-Since": older})).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    both = await get_file(
        app, {"If-None-Match": '"something-else"', "If-Modified-Since": last_modified}
    )
    assert both.status_code == 200


async def test_if_match_and_if_unmodified_since_give_412(app: Quart) -> None:
    etag, last_modified = await validators(app)
    assert (await get_file(app, {"If-Match": '"other"'})).status_code == 412
    assert (await get_file(app, {"If-Match": f"W/{etag}"})).status_code == 412
    assert (await get_file(app, {"If-Match": etag})).status_code == 200
    assert (await get_file(app, {"If-Match": "*"})).status_code == 200
    older = "Sat, 01 Jan 2000 00:00:00 GMT"
    assert (await get_file(app, {"If-Unmodified-Since": older})).status_code == 412
    assert (await get_file(app, {"If-Unmodified-Since": last_modified})).status_code == 200


async def test_post_is_not_made_conditional(app: Quart, root: Path) -> None:
    @app.post("/upload")
    async def upload() -> Response:
        return await send_from_directory("files", "notes.txt")

    response = await app.test_client().post(
        "/upload", headers={"If-None-Match": "*", "Range": "bytes=0-0"}
    )
    assert response.status_code == 200
    assert await response.get_data() == b"notes"


# -- range requests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "begin", "end"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=10000-", 10000, len(DATA)),
        ("bytes=-40", len(DATA) - 40, len(DATA)),
        ("bytes=100-999999", 100, len(DATA)),
        ("bytes=0-" + "9" * 30, 0, len(DATA)),
        ("bytes=5-5", 5, 6),
    ],
)
async def test_single_range_gives_206(app: Quart, header: str, begin: int, end: int) -> None:
    response = await get_file(app, {"Range": header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {begin}-{end - 1}/{len(DATA)}"
    assert response.content_length == end - begin
    assert response.headers["Accept-Ranges"] == "bytes"
    assert await response.get_data() == DATA[begin:end]


many_ranges = "bytes=" + ",".join(f"{i * 2}-{i * 2}" for i in range(5000))
overlapping = "bytes=" + ",".join("0-10" for _ in range(5000))


@pytest.mark.parametrize(
    "header",
    [
        f"bytes={len(DATA)}-",
        "bytes=99999999999999999999-",
        "bytes=" + "9" * 5000 + "-",
        "bytes=0-1,5-6",
        many_ranges,
        overlapping,
        "bytes=5-1",
        "bytes=abc",
        "bytes=-0",
        "bytes=",
        "bytes=--1",
    ],
)
async def test_unsatisfiable_or_pathological_range_gives_416(app: Quart, header: str) -> None:
    response = await get_file(app, {"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"


async def test_range_in_unknown_units_is_ignored(app: Quart) -> None:
    response = await get_file(app, {"Range": "items=0-5"})
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_if_range(app: Quart) -> None:
    etag, last_modified = await validators(app)
    matching = await get_file(app, {"Range": "bytes=0-9", "If-Range": etag})
    assert matching.status_code == 206
    assert await matching.get_data() == DATA[:10]
    by_date = await get_file(app, {"Range": "bytes=0-9", "If-Range": last_modified})
    assert by_date.status_code == 206
    for stale in ('"old-etag"', f"W/{etag}", "Sat, 01 Jan 2000 00:00:00 GMT", "garbage"):
        response = await get_file(app, {"Range": "bytes=0-9", "If-Range": stale})
        assert response.status_code == 200, stale
        assert await response.get_data() == DATA


async def test_head_range(app: Quart) -> None:
    response = await app.test_client().head(
        "/file/data.bin?conditional=1", headers={"Range": "bytes=0-9"}
    )
    assert response.status_code == 206
    assert response.content_length == 10
    # As Quart's test client: the body the view produced (a server drops it).
    assert await response.get_data() == DATA[:10]


async def test_empty_file_ignores_ranges(app: Quart, root: Path) -> None:
    (root / "files" / "empty.txt").write_bytes(b"")
    response = await app.test_client().get("/dir/empty.txt", headers={"Range": "bytes=0-"})
    assert response.status_code == 200
    assert await response.get_data() == b""


# -- Response.make_conditional and add_etag on other bodies ------------------------------------


async def test_make_conditional_on_a_data_response(app: Quart) -> None:
    @app.route("/data")
    async def data_view() -> Response:
        response = Response(b"0123456789", mimetype="text/plain")
        await response.add_etag()
        return await response.make_conditional(request, accept_ranges=True, complete_length=10)

    client = app.test_client()
    full = await client.get("/data")
    assert full.headers["ETag"]
    partial = await client.get("/data", headers={"Range": "bytes=2-4"})
    assert partial.status_code == 206
    assert await partial.get_data() == b"234"
    assert partial.headers["Content-Range"] == "bytes 2-4/10"
    cached = await client.get("/data", headers={"If-None-Match": full.headers["ETag"]})
    assert cached.status_code == 304


@pytest.mark.parametrize(
    ("options", "header", "status", "body"),
    [
        ({}, "bytes=0-3", 200, b"abcdef"),  # neither: ranges are not answered
        ({"complete_length": 6}, "bytes=0-3", 206, b"abcd"),  # a known length: answered
        ({"complete_length": 6}, "bytes=8-16", 416, None),
        # accept_ranges alone does not answer ranges (as in Werkzeug and Quart).
        ({"accept_ranges": True}, "bytes=2-", 200, b"abcdef"),
        ({"accept_ranges": True, "complete_length": 6}, "bytes=2-", 206, b"cdef"),
    ],
)
async def test_make_conditional_answers_ranges_given_a_length(
    app: Quart, options: dict[str, Any], header: str, status: int, body: bytes | None
) -> None:
    @app.route("/data")
    async def data_view() -> Response:
        response = Response(b"abcdef", mimetype="text/plain")
        return await response.make_conditional(request, **options)

    response = await app.test_client().get("/data", headers={"Range": header})
    assert response.status_code == status
    if body is not None:
        assert await response.get_data() == body
    assert ("Accept-Ranges" in response.headers) == ("accept_ranges" in options)


async def test_make_conditional_ignores_ranges_of_a_generator(app: Quart) -> None:
    @app.route("/gen")
    async def gen_view() -> Response:
        async def chunks() -> Any:
            yield b"abc"
            yield b"def"

        response = Response(chunks(), mimetype="text/plain")
        return await response.make_conditional(request, accept_ranges=True)

    response = await app.test_client().get("/gen", headers={"Range": "bytes=0-1"})
    assert response.status_code == 200
    assert await response.get_data() == b"abcdef"


@pytest.mark.parametrize(
    ("body", "complete_length", "headers", "status", "content_range", "sent"),
    [
        # The range is checked against the body the response has, whatever
        # complete_length says: past its end (or any range of an empty
        # body) is a 416, never a 206 promising bytes that are not there.
        (b"abcdef", 10, {"Range": "bytes=6-9"}, 416, "bytes */6", None),
        (b"abcdef", 10, {"Range": "bytes=0-3"}, 206, "bytes 0-3/6", b"abcd"),
        (b"abcdef", 10, {"Range": "bytes=2-"}, 206, "bytes 2-5/6", b"cdef"),
        (b"abcdef", 3, {"Range": "bytes=4-"}, 206, "bytes 4-5/6", b"ef"),
        (b"", 10, {"Range": "bytes=0-3"}, 416, "bytes */0", None),
        (b"abcdef", 6, {"Range": "bytes=-2"}, 206, "bytes 4-5/6", b"ef"),
        (b"abcdef", 6, {"Range": "bytes=-7"}, 416, "bytes */6", None),
        (b"abcdef", 6, {"Range": "bytes=0-0,2-3"}, 416, "bytes */6", None),
        (b"abcdef", 6, {"Range": "bytes=7-9", "If-Range": '"other"'}, 200, None, b"abcdef"),
        (b"abcdef", 0, {"Range": "bytes=7-9"}, 200, None, b"abcdef"),
    ],
)
async def test_make_conditional_checks_ranges_against_the_body(
    app: Quart,
    body: bytes,
    complete_length: int,
    headers: dict[str, str],
    status: int,
    content_range: str | None,
    sent: bytes | None,
) -> None:
    @app.route("/data")
    async def data_view() -> Response:
        response = Response(body, mimetype="text/plain")
        response.set_etag("current")
        return await response.make_conditional(
            request, accept_ranges=True, complete_length=complete_length
        )

    response = await app.test_client().get("/data", headers=headers)
    assert response.status_code == status
    assert response.headers.get("Content-Range") == content_range
    if sent is not None:
        assert await response.get_data() == sent
        assert response.content_length == len(sent)


async def test_make_conditional_slices_a_generator_given_its_length(app: Quart) -> None:
    @app.route("/gen")
    async def gen_view() -> Response:
        async def chunks() -> Any:
            yield b"abc"
            yield b"def"

        response = Response(chunks(), mimetype="text/plain")
        return await response.make_conditional(request, accept_ranges=True, complete_length=6)

    client = app.test_client()
    response = await client.get("/gen", headers={"Range": "bytes=1-3"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 1-3/6"
    assert await response.get_data() == b"bcd"
    assert (await client.get("/gen", headers={"Range": "bytes=6-"})).status_code == 416


async def test_make_conditional_leaves_errors_alone(app: Quart) -> None:
    @app.route("/missing")
    async def missing_view() -> Response:
        response = Response(b"gone", status=404)
        response.set_etag("x")
        return await response.make_conditional(request, accept_ranges=True)

    response = await app.test_client().get(
        "/missing", headers={"If-None-Match": '"x"', "Range": "bytes=0-0"}
    )
    assert response.status_code == 404
    assert await response.get_data() == b"gone"


async def test_add_etag(app: Quart, root: Path) -> None:
    async with app.test_request_context("/"):
        data = Response(b"hello")
        await data.add_etag()
        etag = data.get_etag()[0]
        assert etag is not None
        same = Response(b"hello")
        await same.add_etag(weak=True)
        assert same.get_etag() == (etag, True)
        data.set_etag("kept")
        await data.add_etag()
        assert data.get_etag()[0] == "kept"
        await data.add_etag(overwrite=True)
        assert data.get_etag()[0] == etag

        # A file body is hashed without being read into the response.
        (root / "files" / "hello.txt").write_bytes(b"hello")
        response = await send_file("files/hello.txt", etag=False)
        await response.add_etag()
        assert response.get_etag()[0] == etag
        assert isinstance(response.response, FileBody)


# -- send_from_directory ----------------------------------------------------------------------


async def test_send_from_directory(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/dir/nested/deep.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert await response.get_data() == b'{"a": 1}'
    # conditional is on by default for send_from_directory.
    assert response.headers["Accept-Ranges"] == "bytes"
    partial = await client.get("/dir/data.bin", headers={"Range": "bytes=0-0"})
    assert partial.status_code == 206


async def test_send_from_directory_takes_flasks_path_keyword(app: Quart) -> None:
    async with app.test_request_context("/"):
        response = await send_from_directory("files", path="notes.txt")
        assert await response.get_data() == b"notes"
        with pytest.raises(NotFound):
            await send_from_directory("files", path="../secret.txt")
        with pytest.raises(TypeError, match="not both"):
            await send_from_directory("files", "notes.txt", path="notes.txt")
        with pytest.raises(TypeError, match="file name"):
            await send_from_directory("files")


@pytest.mark.parametrize(
    "name",
    ["../secret.txt", "nested/../../secret.txt", "/etc/passwd", "..\\secret.txt", "nested", "nope"],
)
async def test_send_from_directory_refuses_with_404(app: Quart, name: str) -> None:
    async with app.test_request_context("/"):
        with pytest.raises(NotFound):
            await send_from_directory("files", name)


async def test_send_from_directory_404_needs_no_app_context(root: Path) -> None:
    # As on Quart: a name that is not a file inside the directory is a 404
    # before anything needs the app.
    for directory, name in [
        ("files", "missing.txt"),
        ("files", "../secret.txt"),
        (root / "files", "nested"),
    ]:
        with pytest.raises(NotFound):
            await send_from_directory(directory, name)
    with pytest.raises(RuntimeError, match="app context"):
        await send_from_directory("files", "notes.txt")


async def test_relative_paths_are_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cwd" / "files").mkdir(parents=True)
    (tmp_path / "cwd" / "files" / "where.txt").write_text("working directory")
    (tmp_path / "app" / "files").mkdir(parents=True)
    (tmp_path / "app" / "files" / "where.txt").write_text("app root")
    monkeypatch.chdir(tmp_path / "cwd")
    app = Quart(__name__, root_path=str(tmp_path / "app"))
    async with app.test_request_context("/"):
        from_directory = await send_from_directory("files", "where.txt")
        assert await from_directory.get_data() == b"working directory"
        assert await (await send_file("files/where.txt")).get_data() == b"working directory"


async def test_send_from_directory_options(app: Quart, root: Path) -> None:
    async with app.test_request_context("/"):
        response = await send_from_directory(
            root / "files",
            "notes.txt",
            as_attachment=True,
            download_name="n.txt",
            max_age=7,
            etag=False,
            mimetype="text/markdown",
        )
    assert response.headers["Content-Disposition"] == "attachment; filename=n.txt"
    assert response.cache_control.max_age == 7
    assert "ETag" not in response.headers
    assert response.mimetype == "text/markdown"


# -- file bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, FileBody.buffer_size, FileBody.buffer_size + 1])
async def test_a_small_file_is_sent_after_one_thread_hop(
    app: Quart, root: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    # A file of one chunk or less is read along with its stat: one hop to a
    # worker thread for the whole response (each costs about as much as a
    # plaintext request); a larger one is opened, read and closed as sent.
    import quart._send_file
    import quart.wrappers._bodies

    data = os.urandom(size)
    (root / "files" / "sized.bin").write_bytes(data)
    hops: list[object] = []
    real = quart._send_file.run_in_thread

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(quart._send_file, "run_in_thread", counting)
    monkeypatch.setattr(quart.wrappers._bodies, "run_in_thread", counting)
    for path, headers in (
        ("/file/sized.bin", []),
        ("/dir/sized.bin", []),
        ("/dir/sized.bin", [(b"range", b"bytes=1-3")]),
    ):
        hops.clear()
        messages = await asgi_call(app, path, headers=headers)
        start = messages[0]
        body = b"".join(m["body"] for m in messages if m["type"] == "http.response.body")
        sent_headers = dict(start["headers"])
        if headers and size > 3:
            assert (start["status"], body) == (206, data[1:4])
            assert sent_headers[b"content-range"] == f"bytes 1-3/{size}".encode()
        elif not headers:
            assert (start["status"], body) == (200, data)
            assert sent_headers[b"content-length"] == str(size).encode()
        if size <= FileBody.buffer_size:
            assert len(hops) == 1
        else:
            assert len(hops) > 1


async def test_large_file_streams_in_chunks(app: Quart, root: Path) -> None:
    big = os.urandom(1024 * 1024 + 123)
    (root / "files" / "big.bin").write_bytes(big)
    messages = await asgi_call(app, "/dir/big.bin")
    bodies = [m["body"] for m in messages if m["type"] == "http.response.body"]
    assert b"".join(bodies) == big
    assert len(bodies) > 2
    assert max(len(body) for body in bodies) <= FileBody.buffer_size


@pytest.mark.parametrize("stall", [False, True])
async def test_response_timeout_counts_from_the_last_chunk_of_a_file(
    app: Quart, root: Path, caplog: pytest.LogCaptureFixture, stall: bool
) -> None:
    # The whole download takes longer than RESPONSE_TIMEOUT, but the client
    # keeps reading: it is not cut. A client that stops reading for longer
    # than the timeout is.
    app.config["RESPONSE_TIMEOUT"] = 0.3

    @app.route("/slow")
    async def slow() -> Response:
        return Response(FileBody(root / "files" / "data.bin", buffer_size=512))

    chunks = 0

    async def slow_reader(message: dict[str, Any]) -> None:
        nonlocal chunks
        if message["type"] == "http.response.body":
            chunks += 1
            await asyncio.sleep(1.0 if stall and chunks == 3 else 0.03)

    with caplog.at_level("WARNING"):
        messages = await asgi_call(app, "/slow", send_hook=slow_reader)
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    if stall:
        assert body == DATA[:1536]
        assert "timed out" in caplog.text
    else:
        assert body == DATA  # 21 messages x 0.03 s: longer than the timeout in all
        assert messages[-1]["more_body"] is False


async def test_a_generator_body_is_bounded_as_a_whole(app: Quart) -> None:
    app.config["RESPONSE_TIMEOUT"] = 0.2

    @app.route("/gen")
    async def gen_view() -> Response:
        async def chunks() -> Any:
            for _ in range(10):
                await asyncio.sleep(0.05)
                yield b"x"

        return Response(chunks())

    messages = await asgi_call(app, "/gen")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    assert 0 < len(body) < 10  # cut at RESPONSE_TIMEOUT, as in Quart


async def test_file_body_buffer_size_and_range(root: Path) -> None:
    body = FileBody(root / "files" / "data.bin", buffer_size=1000)
    assert await body.make_conditional(500, 3000) == len(DATA)
    async with body as chunks:
        received = [chunk async for chunk in chunks]
    assert b"".join(received) == DATA[500:3000]
    assert [len(chunk) for chunk in received] == [1000, 1000, 500]
    with pytest.raises(ValueError, match="positive"):
        FileBody(root / "files" / "data.bin", buffer_size=0)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
async def test_file_body_reads_off_the_event_loop(tmp_path: Path) -> None:
    """Opening and reading a file that blocks (a named pipe with no data yet)
    must leave the event loop free: here the loop itself supplies the data,
    one piece each time the reader has taken the previous one."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    writer: list[int] = []
    rescued = threading.Event()

    def rescue() -> None:
        # A regression blocks the loop in an open or read of the pipe. Ending
        # the pipe from this thread unblocks it, so the test fails instead of
        # hanging (the loop is stuck meanwhile, so nothing races with this).
        rescued.set()
        if writer:
            os.close(writer.pop())
        else:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    async def read_all() -> None:
        async with FileBody(fifo, buffer_size=64) as chunks:
            async for chunk in chunks:
                received.append(chunk)

    timer = threading.Timer(10, rescue)
    timer.start()
    reader = asyncio.ensure_future(read_all())
    try:
        async with asyncio.timeout(30):
            while not writer:
                await asyncio.sleep(0.01)
                assert not rescued.is_set(), "opening the file blocked the event loop"
                with contextlib.suppress(OSError):  # No reader has opened the pipe yet.
                    writer.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            sent = b""
            for piece in (b"one", b"two", b"three"):
                os.write(writer[0], piece)
                sent += piece
                # The reader takes the piece, then waits in a read for the next.
                while len(b"".join(received)) < len(sent):
                    await asyncio.sleep(0.01)
                assert not rescued.is_set(), "reading the file blocked the event loop"
    finally:
        timer.cancel()
        if writer:
            os.close(writer.pop())  # End of file for the reader, however the test went.
        await reader
    assert b"".join(received) == b"onetwothree"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts /proc/self/fd")
async def test_disconnect_mid_file_closes_it(app: Quart, root: Path) -> None:
    (root / "files" / "big.bin").write_bytes(bytes(1024 * 1024))

    async def vanish(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            raise OSError("client went away")

    before = len(os.listdir("/proc/self/fd"))
    messages = await asgi_call(app, "/dir/big.bin", send_hook=vanish)
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert len(os.listdir("/proc/self/fd")) == before


# -- open_resource / open_instance_resource -----------------------------------------------------


async def test_open_resource(app: Quart, root: Path) -> None:
    (root / "schema.sql").write_text("CREATE TABLE t;\nSELECT 1;\n", encoding="utf-8")
    async with await app.open_resource("schema.sql") as file:
        assert await file.read() == b"CREATE TABLE t;\nSELECT 1;\n"
    async with await app.open_resource("schema.sql", "r", encoding="utf-8") as file:
        assert [line async for line in file] == ["CREATE TABLE t;\n", "SELECT 1;\n"]
    file = await (await app.open_resource("schema.sql"))
    assert await file.read(6) == b"CREATE"
    assert await file.tell() == 6
    await file.close()
    with pytest.raises(ValueError, match="reading only"):
        await app.open_resource("schema.sql", "w")


async def test_open_instance_resource(root: Path) -> None:
    instance = root / "instance"
    instance.mkdir()
    app = Quart(__name__, root_path=str(root), instance_path=str(instance))
    async with await app.open_instance_resource("state.txt", "w", encoding="utf-8") as file:
        await file.write("é")
    async with await app.open_instance_resource("state.txt") as file:
        assert await file.read() == "é".encode()


async def test_blueprint_open_resource(root: Path) -> None:
    (root / "bp").mkdir()
    (root / "bp" / "data.txt").write_bytes(b"bp data")
    bp = Blueprint("bp", __name__, root_path=str(root / "bp"))
    async with await bp.open_resource("data.txt") as file:
        assert await file.read() == b"bp data"
    with pytest.raises(ValueError, match="reading only"):
        await bp.open_resource("data.txt", "a")


async def test_open_async_needs_opening_first(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    file = open_async(tmp_path / "f")
    with pytest.raises(RuntimeError, match="not open"):
        await file.read()


async def test_expires_matches_max_age(app: Quart) -> None:
    async with app.test_request_context("/"):
        response = await send_file("files/notes.txt", max_age=3600)
    assert response.expires is not None
    delta = response.expires - datetime.now(UTC)
    assert timedelta(minutes=59) < delta <= timedelta(hours=1)
