"""Bad input and limits through the real ASGI path: never a 500, never a hang."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import pytest

from quart import Quart
from quart import redirect
from quart import request
from quart import Response
from quart.datastructures import FileStorage
from quart.testing import QuartClient


@pytest.fixture
def body_app(app: Quart) -> Quart:
    @app.post("/data")
    async def data() -> str:
        return str(len(await request.get_data()))

    @app.post("/stream")
    async def stream() -> str:
        total = 0
        async for chunk in request.body:
            total += len(chunk)
        return str(total)

    @app.post("/form")
    async def form() -> dict[str, Any]:
        form = await request.form
        files = await request.files
        return {"fields": len(form), "files": len(files)}

    @app.post("/json")
    async def json_view() -> dict[str, Any]:
        return {"type": type(await request.get_json()).__name__}

    return app


class CountingReceive:
    """An ASGI receive that hands out body chunks and counts how many were read."""

    def __init__(self, chunks: list[bytes], complete: bool = True) -> None:
        self.chunks = list(chunks)
        self.complete = complete
        self.read = 0
        self.finished = asyncio.Event()

    async def __call__(self) -> dict[str, Any]:
        if self.chunks:
            self.read += 1
            chunk = self.chunks.pop(0)
            more = bool(self.chunks) or not self.complete
            return {"type": "http.request", "body": chunk, "more_body": more}
        await self.finished.wait()
        return {"type": "http.disconnect"}


async def _call(app: Quart, scope: dict[str, Any], receive: CountingReceive) -> list[Any]:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            receive.finished.set()

    async with asyncio.timeout(5):
        try:
            await app(scope, receive, send)  # type: ignore[arg-type]
        finally:
            receive.finished.set()
    return sent


def _status(sent: list[Any]) -> int:
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


# -- MAX_CONTENT_LENGTH -------------------------------------------------------------------


async def test_declared_length_over_limit_is_413_before_reading(
    body_app: Quart, http_scope: Any
) -> None:
    body_app.config["MAX_CONTENT_LENGTH"] = 10
    for path, content_type in (
        ("/data", b"text/plain"),
        ("/stream", b"text/plain"),
        ("/form", b"application/x-www-form-urlencoded"),
        ("/form", b"multipart/form-data; boundary=b"),
        ("/json", b"application/json"),
    ):
        receive = CountingReceive([b"x" * 100])
        scope = http_scope(
            path,
            method="POST",
            headers=[(b"content-length", b"100"), (b"content-type", content_type)],
        )
        sent = await _call(body_app, scope, receive)
        assert _status(sent) == 413, path
        assert receive.read == 0, path


async def test_chunked_body_over_limit_is_413_while_reading(
    body_app: Quart, http_scope: Any
) -> None:
    body_app.config["MAX_CONTENT_LENGTH"] = 10
    for path in ("/data", "/stream"):
        receive = CountingReceive([b"x" * 6, b"x" * 6, b"x" * 6, b"x" * 6])
        sent = await _call(body_app, http_scope(path, method="POST"), receive)
        assert _status(sent) == 413, path
        assert receive.read == 2, path  # stopped as soon as the limit was crossed


async def test_a_body_error_the_view_handles_leaves_no_body_deadline(
    body_app: Quart, http_scope: Any
) -> None:
    # The body read failed (413); the view handles it and works on for longer
    # than BODY_TIMEOUT: nothing may time it out later.
    from werkzeug.exceptions import RequestEntityTooLarge

    body_app.config["MAX_CONTENT_LENGTH"] = 10
    body_app.config["BODY_TIMEOUT"] = 0.05

    @body_app.post("/tolerant")
    async def tolerant() -> str:
        try:
            await request.get_data()
        except RequestEntityTooLarge:
            await asyncio.sleep(0.2)
            return "survived"
        return "read"

    receive = CountingReceive([b"x" * 6, b"x" * 6])
    sent = await _call(body_app, http_scope("/tolerant", method="POST"), receive)
    assert _status(sent) == 200
    assert sent[-1]["body"] == b"survived"


async def test_body_within_limit_is_served(body_app: Quart, http_scope: Any) -> None:
    body_app.config["MAX_CONTENT_LENGTH"] = 10
    receive = CountingReceive([b"x" * 5, b"x" * 5])
    sent = await _call(body_app, http_scope("/data", method="POST"), receive)
    assert _status(sent) == 200


async def test_max_content_length_set_in_before_request(
    body_app: Quart, client: QuartClient
) -> None:
    body_app.config["MAX_CONTENT_LENGTH"] = 100

    @body_app.before_request
    async def per_request_limit() -> None:
        if "limit" in request.args:
            request.max_content_length = int(request.args["limit"])

    assert (await client.post("/data", data=b"x" * 50)).status_code == 200
    assert (await client.post("/data?limit=10", data=b"x" * 50)).status_code == 413
    assert (await client.post("/stream?limit=10", data=b"x" * 50)).status_code == 413
    response = await client.post("/data?limit=1000", data=b"x" * 500)
    assert (response.status_code, await response.get_data(as_text=True)) == (200, "500")


async def test_max_content_length_set_in_view(body_app: Quart, client: QuartClient) -> None:
    @body_app.post("/small")
    async def small() -> str:
        request.max_content_length = 4
        return str(len(await request.get_data()))

    assert (await client.post("/small", data=b"abc")).status_code == 200
    assert (await client.post("/small", data=b"abcdef")).status_code == 413


async def test_default_limit_is_16_mib(body_app: Quart, http_scope: Any) -> None:
    receive = CountingReceive([b"x"])
    scope = http_scope(
        "/data", method="POST", headers=[(b"content-length", str(16 * 1024 * 1024 + 1).encode())]
    )
    sent = await _call(body_app, scope, receive)
    assert _status(sent) == 413
    assert receive.read == 0


# -- forms -------------------------------------------------------------------------------


async def test_max_form_memory_size_urlencoded(body_app: Quart, client: QuartClient) -> None:
    body_app.config["MAX_FORM_MEMORY_SIZE"] = 100
    response = await client.post("/form", form={"big": "x" * 200})
    assert response.status_code == 413
    response = await client.post("/form", form={"small": "x" * 10})
    assert response.status_code == 200


async def test_max_form_memory_size_multipart_field(body_app: Quart, client: QuartClient) -> None:
    body_app.config["MAX_FORM_MEMORY_SIZE"] = 100
    upload = FileStorage(io.BytesIO(b"f" * 1000), filename="big.bin")
    # A big file is fine: file content does not count towards the limit.
    response = await client.post("/form", form={"a": "1"}, files={"file": upload})
    assert response.status_code == 200
    upload = FileStorage(io.BytesIO(b"f"), filename="small.bin")
    response = await client.post("/form", form={"a": "x" * 200}, files={"file": upload})
    assert response.status_code == 413


async def test_max_form_memory_size_counts_across_chunks(body_app: Quart, http_scope: Any) -> None:
    body_app.config["MAX_FORM_MEMORY_SIZE"] = 100
    boundary = b"limitboundary"
    body = (
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="f"\r\n\r\n'
        + b"x" * 300
        + b"\r\n--"
        + boundary
        + b"--\r\n"
    )
    chunks = [body[i : i + 20] for i in range(0, len(body), 20)]
    scope = http_scope(
        "/form",
        method="POST",
        headers=[(b"content-type", b"multipart/form-data; boundary=" + boundary)],
    )
    sent = await _call(body_app, scope, CountingReceive(chunks))
    assert _status(sent) == 413


async def test_max_form_parts(body_app: Quart, client: QuartClient) -> None:
    body_app.config["MAX_FORM_PARTS"] = 5
    upload = FileStorage(io.BytesIO(b"f"), filename="f.bin")
    fields = {f"field{i}": "v" for i in range(10)}
    response = await client.post("/form", form=fields, files={"file": upload})
    assert response.status_code == 413
    response = await client.post("/form", form={"a": "1"}, files={"file": upload})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (b"multipart/form-data", b"--x\r\n"),  # no boundary
        (b"multipart/form-data; boundary=x", b"--x\r\nno headers end"),  # truncated
        (b"multipart/form-data; boundary=x", b"garbage without boundary"),
        (
            b"multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--\r\n",
        ),
    ],
)
async def test_malformed_multipart_is_400_or_parsed(
    body_app: Quart, http_scope: Any, content_type: bytes, body: bytes
) -> None:
    scope = http_scope("/form", method="POST", headers=[(b"content-type", content_type)])
    sent = await _call(body_app, scope, CountingReceive([body]))
    assert _status(sent) in {200, 400}


async def test_uploaded_files_are_closed_after_the_request(
    body_app: Quart, client: QuartClient
) -> None:
    kept: list[Any] = []

    @body_app.post("/keep")
    async def keep() -> str:
        kept.extend((await request.files).values())
        return "kept"

    upload = FileStorage(io.BytesIO(b"content"), filename="a.txt")
    await client.post("/keep", files={"f": upload})
    assert kept and all(f.stream.closed for f in kept)


# -- BODY_TIMEOUT ---------------------------------------------------------------------------


async def test_body_timeout_is_408(body_app: Quart, client: QuartClient) -> None:
    body_app.config["BODY_TIMEOUT"] = 0.2
    for path, content_type in (
        ("/data", "text/plain"),
        ("/json", "application/json"),
        ("/form", "application/x-www-form-urlencoded"),
        ("/form", "multipart/form-data; boundary=b"),
    ):
        async with asyncio.timeout(5):
            async with client.request(
                path, method="POST", headers={"Content-Type": content_type}
            ) as connection:
                await connection.send(b"--b\r\n")
                # ... and the rest of the body never comes.
            response = await connection.as_response()
        assert response.status_code == 408, path


# -- JSON --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"a": }',
        b"\xff\xfe\x00garbage",
        b'{"s": "\xff"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        b"1" * 10_000,
        b"[" + b"9" * 5_000 + b"]",
        b"",
    ],
    ids=[
        "malformed",
        "missing-value",
        "binary",
        "invalid-utf8",
        "deep-list",
        "deep-object",
        "huge-int",
        "huge-int-in-list",
        "empty",
    ],
)
async def test_bad_json_is_400(body_app: Quart, client: QuartClient, body: bytes) -> None:
    response = await client.post("/json", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400


async def test_good_json_still_works(body_app: Quart, client: QuartClient) -> None:
    response = await client.post("/json", json={"a": [1, 2]})
    assert await response.get_json() == {"type": "dict"}
    deep = b"[" * 50 + b"]" * 50
    response = await client.post("/json", data=deep, headers={"Content-Type": "application/json"})
    assert response.status_code == 200


# -- URLs, query strings, cookies ------------------------------------------------------------


@pytest.fixture
def echo_app(app: Quart) -> Quart:
    @app.route("/")
    @app.route("/<path:rest>")
    async def echo(rest: str = "") -> dict[str, Any]:
        return {
            "path": request.path,
            "args": request.args.to_dict(flat=False),
            "cookies": request.cookies.to_dict(),
            "url": request.url,
            "full_path": request.full_path,
        }

    return app


@pytest.mark.parametrize(
    ("path", "raw_path", "query"),
    [
        ("/%zz", b"/%zz", b""),
        ("/\udcff", b"/\xff", b""),
        ("/\ufffd", b"/%ff", b""),
        ("/ok", b"/ok", b"a=%zz&b=%ff&c=%&d=\xff&%ff=1"),
        ("/ok", b"/ok", b"\xff\xfe=\x00"),
        ("/\x00", b"/%00", b""),
    ],
)
async def test_bad_url_encoding_is_served(
    echo_app: Quart,
    http_scope: Any,
    asgi_call: Any,
    path: str,
    raw_path: bytes,
    query: bytes,
) -> None:
    scope = http_scope(path, raw_path=raw_path, query_string=query)
    result = await asgi_call(echo_app, scope)
    assert result.status in {200, 404}


async def test_bad_query_bytes_stay_percent_encoded(
    echo_app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    result = await asgi_call(echo_app, http_scope("/", query_string=b"a=%zz&b=%ff&c=ok"))
    assert result.status == 200
    args = json.loads(result.body)["args"]
    assert args["c"] == ["ok"]
    assert args["a"] == ["%zz"]
    assert args["b"][0].upper() == "%FF"


@pytest.mark.parametrize(
    "cookie",
    [b"a=%zz", b"a=\xff", b'a="unterminated', b";;;=;", b"\xff\xfe", b"a=1; a=2; =3"],
)
async def test_bad_cookies_are_served(
    echo_app: Quart, http_scope: Any, asgi_call: Any, cookie: bytes
) -> None:
    result = await asgi_call(echo_app, http_scope("/", headers=[(b"cookie", cookie)]))
    assert result.status == 200


async def test_bad_header_bytes_are_served(
    echo_app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    headers = [
        (b"accept", b"\xff/\xfe;q=abc"),
        (b"accept-language", b"\xff"),
        (b"authorization", b"Basic \xff\xff"),
        (b"content-type", b"\xff; charset=\xff"),
        (b"if-modified-since", b"not a date"),
        (b"range", b"bytes=\xff-"),
    ]
    result = await asgi_call(echo_app, http_scope("/", headers=headers))
    assert result.status == 200


# -- headers on the wire --------------------------------------------------------------------


def _no_crlf_on_the_wire(raw_headers: list[tuple[bytes, bytes]]) -> None:
    for name, value in raw_headers:
        for part in (name, value):
            assert b"\r" not in part and b"\n" not in part and b"\x00" not in part


@pytest.mark.parametrize(
    "target",
    [
        "/next\r\nSet-Cookie: evil=1",
        "/next\nX-Injected: 1",
        "/next\r",
        "http://example.test/é\x00",
        "/a b",
    ],
)
async def test_crlf_in_redirect_target_never_reaches_the_wire(
    app: Quart, http_scope: Any, asgi_call: Any, target: str
) -> None:
    @app.route("/go")
    async def go() -> Any:
        return redirect(request.args["to"])

    from urllib.parse import quote

    scope = http_scope("/go", query_string=b"to=" + quote(target).encode())
    result = await asgi_call(app, scope)
    assert result.status == 302
    _no_crlf_on_the_wire(result.raw_headers)
    location = result.headers["location"]
    assert "set-cookie" not in {name.decode().lower() for name, _ in result.raw_headers}
    assert location.isascii() and " " not in location


async def test_crlf_in_header_value_never_reaches_the_wire(
    app: Quart, http_scope: Any, asgi_call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/")
    async def index() -> Response:
        response = Response("x")
        response.headers["X-Echo"] = request.args["v"]
        return response

    with caplog.at_level(logging.ERROR):
        result = await asgi_call(app, http_scope("/", query_string=b"v=a%0D%0AX-Injected:%201"))
    _no_crlf_on_the_wire(result.raw_headers)
    assert "x-injected" not in result.headers


@pytest.mark.parametrize("streamed", [False, True])
async def test_header_that_is_not_latin_1_is_a_logged_500(
    app: Quart, http_scope: Any, asgi_call: Any, caplog: pytest.LogCaptureFixture, streamed: bool
) -> None:
    @app.route("/")
    async def index() -> Any:
        async def chunks() -> Any:
            yield b"never sent"

        return (chunks() if streamed else "never sent"), {"X-Name": "snow \u2603"}

    with caplog.at_level(logging.ERROR):
        result = await asgi_call(app, http_scope("/"))
    assert result.status == 500
    assert b"never sent" not in result.body
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "'X-Name'" in record.getMessage() and "Latin-1" in record.getMessage()
    # The app goes on serving.
    assert (await asgi_call(app, http_scope("/missing"))).status == 404


async def test_latin_1_header_values_are_sent(app: Quart, http_scope: Any, asgi_call: Any) -> None:
    @app.route("/")
    async def index() -> Any:
        return "ok", {"X-Name": "Jos\u00e9"}

    result = await asgi_call(app, http_scope("/"))
    assert result.status == 200
    assert (b"x-name", "Jos\u00e9".encode("latin-1")) in result.raw_headers


async def test_slash_redirect_keeps_raw_query_bytes_out_of_location(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/folder/")
    async def folder() -> str:
        return "folder"

    result = await asgi_call(
        app, http_scope("/folder", query_string=b"a=\xff&b=\r\nSet-Cookie:%20x&c=%zz")
    )
    assert result.status == 308
    _no_crlf_on_the_wire(result.raw_headers)
    location = result.headers["location"]
    assert location.startswith("http://localhost/folder/?")
    assert location.isascii() and " " not in location


# -- logs -----------------------------------------------------------------------------------


async def test_control_characters_in_path_are_escaped_in_the_log(
    app: Quart, http_scope: Any, asgi_call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    @app.before_request
    async def fail() -> None:
        raise ValueError("logged")

    path = "/x\nFAKE LOG LINE\r\x1b[31mred"
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        result = await asgi_call(app, http_scope(path))
    assert result.status == 500
    records = [r for r in caplog.records if r.name == app.logger.name]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "\n" not in message and "\r" not in message and "\x1b" not in message
    assert "\\n" in message and "\\x1b" in message
    assert "FAKE LOG LINE" in message


async def test_control_characters_escaped_in_the_testing_log(
    app: Quart, http_scope: Any, asgi_call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = True

    @app.before_request
    async def fail() -> None:
        raise ValueError("logged")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        await asgi_call(app, http_scope("/x\nFORGED"))
    records = [r for r in caplog.records if r.name == app.logger.name]
    assert len(records) == 1
    assert "\n" not in records[0].getMessage()
