"""The request object: URL and header attributes, body, forms, files, JSON."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from quart import Quart
from quart import request
from quart.datastructures import FileStorage
from quart.testing import QuartClient
from quart.wrappers import Request


async def test_url_attributes(app: Quart, client: QuartClient) -> None:
    @app.route("/path/<name>")
    async def view(name: str) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "base_url": request.base_url,
            "host": request.host,
            "host_url": request.host_url,
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "root_path": request.root_path,
            "args": request.args.to_dict(flat=False),
            "query_string": request.query_string.decode(),
        }

    response = await client.get(
        "/path/x y", query_string={"a": ["1", "2"], "b": "é"}, headers={"Host": "example.test"}
    )
    data = await response.get_json()
    assert data == {
        "method": "GET",
        "path": "/path/x y",
        # Werkzeug's rules: full_path is unquoted, url is an IRI.
        "full_path": "/path/x y?a=1&a=2&b=%C3%A9",
        "url": "http://example.test/path/x%20y?a=1&a=2&b=é",
        "base_url": "http://example.test/path/x%20y",
        "host": "example.test",
        "host_url": "http://example.test/",
        "scheme": "http",
        "is_secure": False,
        "root_path": "",
        "args": {"a": ["1", "2"], "b": ["é"]},
        "query_string": "a=1&a=2&b=%C3%A9",
    }


async def test_https_scheme_and_root_path(app: Quart, client: QuartClient) -> None:
    @app.route("/here")
    async def view() -> dict[str, Any]:
        return {
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "root_path": request.root_path,
            "script_root": request.script_root,
            "path": request.path,
            "url": request.url,
            "url_root": request.url_root,
        }

    # As in Quart, the path given includes the root path (ASGI's rule).
    response = await client.get("/mount/here", scheme="https", root_path="/mount")
    assert await response.get_json() == {
        "scheme": "https",
        "is_secure": True,
        "root_path": "/mount",
        "script_root": "/mount",
        "path": "/here",
        "url": "https://localhost/mount/here",
        "url_root": "https://localhost/mount/",
    }


async def test_headers_cookies_and_remote_addr(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def view() -> dict[str, Any]:
        return {
            "x_custom": request.headers.get("X-Custom"),
            "x_custom_lower": request.headers.get("x-custom"),
            "multi": request.headers.getlist("X-Multi"),
            "cookies": request.cookies.to_dict(),
            "remote_addr": request.remote_addr,
            "user_agent": request.user_agent.string,
        }

    headers = Headers([("X-Custom", "value"), ("X-Multi", "1"), ("X-Multi", "2")])
    headers["Cookie"] = "a=1; b=two"
    response = await client.get("/", headers=headers)
    assert await response.get_json() == {
        "x_custom": "value",
        "x_custom_lower": "value",
        "multi": ["1", "2"],
        "cookies": {"a": "1", "b": "two"},
        "remote_addr": "<local>",  # No client in the test scope, as in Quart.
        "user_agent": "Quart",
    }


async def test_content_and_accept_attributes(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        return {
            "content_type": request.content_type,
            "mimetype": request.mimetype,
            "charset": request.mimetype_params.get("charset"),
            "content_length": request.content_length,
            "is_json": request.is_json,
            "best_mime": request.accept_mimetypes.best_match(["application/json", "text/html"]),
            "best_language": request.accept_languages.best_match(["en", "fr"]),
            "accepts_gzip": "gzip" in request.accept_encodings,
            "accept_charset": request.accept_charsets.best,
        }

    response = await client.post(
        "/",
        data=b"abcd",
        headers={
            # Sent explicitly: like Quart's, the test client sends none.
            "Content-Length": "4",
            "Content-Type": "text/plain; charset=latin-1",
            "Accept": "text/html;q=0.5, application/json",
            "Accept-Language": "fr, en;q=0.8",
            "Accept-Encoding": "gzip, br",
            "Accept-Charset": "utf-8",
        },
    )
    assert await response.get_json() == {
        "content_type": "text/plain; charset=latin-1",
        "mimetype": "text/plain",
        "charset": "latin-1",
        "content_length": 4,
        "is_json": False,
        "best_mime": "application/json",
        "best_language": "fr",
        "accepts_gzip": True,
        "accept_charset": "utf-8",
    }


async def test_authorization(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def view() -> dict[str, Any]:
        auth = request.authorization
        if auth is None:
            return {"auth": None}
        return {"type": auth.type, "username": auth.username, "password": auth.password}

    assert await (await client.get("/")).get_json() == {"auth": None}
    response = await client.get("/", auth=("user", "pa:ss"))
    assert await response.get_json() == {"type": "basic", "username": "user", "password": "pa:ss"}
    raw = base64.b64encode(b"raw:secret").decode()
    response = await client.get("/", headers={"Authorization": f"Basic {raw}"})
    assert (await response.get_json())["password"] == "secret"


# -- body ----------------------------------------------------------------------------


async def test_get_data_variants(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        raw = await request.get_data()
        text = await request.get_data(as_text=True)
        again = await request.data
        return {
            "raw_is_bytes": isinstance(raw, bytes),
            "text": text,
            "same": raw == again,
            "cached": (await request.get_data(cache=False)) == raw,
        }

    response = await client.post("/", data="héllo".encode())
    assert await response.get_json() == {
        "raw_is_bytes": True,
        "text": "héllo",
        "same": True,
        "cached": True,
    }


async def test_get_data_parse_form_data(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        data = await request.get_data(parse_form_data=True)
        form = await request.form
        return {"form": form.to_dict(), "data_type": type(data).__name__}

    response = await client.post("/", form={"a": "1"})
    body = await response.get_json()
    assert body["form"] == {"a": "1"}


async def test_body_streams_chunks_without_buffering(app: Quart, client: QuartClient) -> None:
    received: list[bytes] = []
    arrived = asyncio.Event()

    @app.post("/upload")
    async def upload() -> str:
        async for chunk in request.body:
            received.append(chunk)
            arrived.set()
        return "|".join(c.decode() for c in received)

    async with asyncio.timeout(5):
        async with client.request("/upload", method="POST") as connection:
            for part in (b"one", b"two", b"three"):
                arrived.clear()
                await connection.send(part)
                # The view sees each chunk before the next one is even sent,
                # so nothing waits for (or buffers) the whole body.
                await arrived.wait()
                assert received[-1] == part
            await connection.send_complete()
        response = await connection.as_response()
    assert await response.get_data(as_text=True) == "one|two|three"
    assert received == [b"one", b"two", b"three"]


async def test_await_body(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> bytes:
        return await request.body

    async with asyncio.timeout(5):
        async with client.request("/", method="POST") as connection:
            await connection.send(b"ab")
            await connection.send(b"cd")
            await connection.send_complete()
        response = await connection.as_response()
    assert await response.get_data() == b"abcd"


async def test_body_read_after_get_data(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> bytes:
        await request.get_data()
        return b"".join([chunk async for chunk in request.body])

    assert await (await client.post("/", data=b"xyz")).get_data() == b"xyz"


# -- forms and files ------------------------------------------------------------------


async def test_urlencoded_form_and_values(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        form = await request.form
        values = await request.values
        return {
            "form": form.to_dict(flat=False),
            "values": values.to_dict(flat=False),
            "files": len(await request.files),
        }

    response = await client.post(
        "/", form={"name": "Ann é", "multi": ["1", "2"]}, query_string={"q": "s"}
    )
    assert await response.get_json() == {
        "form": {"name": ["Ann é"], "multi": ["1", "2"]},
        "values": {"q": ["s"], "name": ["Ann é"], "multi": ["1", "2"]},
        "files": 0,
    }


async def test_values_skips_form_for_get(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def view() -> dict[str, Any]:
        return (await request.values).to_dict()

    response = await client.get(
        "/?q=1", data=b"x=2", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert await response.get_json() == {"q": "1"}


async def test_multipart_form_and_files(app: Quart, client: QuartClient, tmp_path: Path) -> None:
    saved = tmp_path / "saved.bin"

    @app.post("/")
    async def view() -> dict[str, Any]:
        form = await request.form
        files = await request.files
        upload = files["upload"]
        await upload.save(saved)
        return {
            "form": form.to_dict(),
            "file_class": type(upload).__name__,
            "is_quart_storage": isinstance(upload, FileStorage),
            "filename": upload.filename,
            "content_type": upload.content_type,
            "name": upload.name,
        }

    payload = bytes(range(256)) * 4
    response = await client.post(
        "/",
        form={"field": "value"},
        files={
            "upload": FileStorage(
                io.BytesIO(payload), filename="data.bin", content_type="application/octet-stream"
            )
        },
    )
    assert response.status_code == 200
    assert await response.get_json() == {
        "form": {"field": "value"},
        "file_class": "FileStorage",
        "is_quart_storage": True,
        "filename": "data.bin",
        "content_type": "application/octet-stream",
        "name": "upload",
    }
    assert saved.read_bytes() == payload


async def test_file_save_to_file_object(app: Quart, client: QuartClient) -> None:
    target = io.BytesIO()

    @app.post("/")
    async def view() -> str:
        upload = (await request.files)["f"]
        await upload.save(target)
        return "ok"

    await client.post("/", files={"f": FileStorage(io.BytesIO(b"content"), filename="a.txt")})
    assert target.getvalue() == b"content"


async def test_form_is_parsed_once_when_awaited_concurrently(
    app: Quart, client: QuartClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    parses = 0
    original = Request.make_form_data_parser

    def counting(self: Request) -> Any:
        nonlocal parses
        parses += 1
        return original(self)

    monkeypatch.setattr(Request, "make_form_data_parser", counting)

    @app.post("/")
    async def view() -> dict[str, Any]:
        first, second = await asyncio.gather(
            asyncio.ensure_future(request.form), asyncio.ensure_future(request.form)
        )
        return {"same": first is second, "value": first["a"]}

    response = await client.post("/", form={"a": "1"})
    assert await response.get_json() == {"same": True, "value": "1"}
    assert parses == 1


async def test_form_of_other_content_type_is_empty(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        return {"form": (await request.form).to_dict(), "data": (await request.get_data()).decode()}

    response = await client.post("/", data=b"a=1", headers={"Content-Type": "text/plain"})
    assert await response.get_json() == {"form": {}, "data": "a=1"}


# -- JSON ----------------------------------------------------------------------------


async def test_json_and_get_json(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        return {
            "json": await request.json,
            "get_json": await request.get_json(),
            "is_json": request.is_json,
        }

    response = await client.post("/", json={"a": [1, None, "é"]})
    assert await response.get_json() == {
        "json": {"a": [1, None, "é"]},
        "get_json": {"a": [1, None, "é"]},
        "is_json": True,
    }


async def test_json_content_type_variants(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        return {"value": await request.get_json()}

    for content_type in (
        "application/json",
        "application/vnd.api+json",
        "application/json; charset=utf-8",
    ):
        response = await client.post("/", data=b"[1]", headers={"Content-Type": content_type})
        assert await response.get_json() == {"value": [1]}, content_type


async def test_get_json_non_json_content_type(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        return {
            "plain": await request.get_json(),
            "forced": await request.get_json(force=True),
        }

    response = await client.post("/", data=b'{"x": 1}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 200
    assert await response.get_json() == {"plain": None, "forced": {"x": 1}}


async def test_get_json_silent_and_cache(app: Quart, client: QuartClient) -> None:
    @app.post("/silent")
    async def silent() -> dict[str, Any]:
        return {"value": await request.get_json(silent=True)}

    @app.post("/cache")
    async def cache() -> dict[str, Any]:
        first = await request.get_json()
        first["mutated"] = True
        cached = await request.get_json()
        fresh = await request.get_json(cache=False)
        return {"cached": cached, "fresh": fresh}

    response = await client.post(
        "/silent", data=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert await response.get_json() == {"value": None}

    response = await client.post("/cache", json={"a": 1})
    assert await response.get_json() == {
        "cached": {"a": 1, "mutated": True},
        "fresh": {"a": 1},
    }


async def test_on_json_loading_failed_override(app: Quart, client: QuartClient) -> None:
    class CustomRequest(Request):
        def on_json_loading_failed(self, error: Exception) -> Any:
            return {"fallback": True}

    app.request_class = CustomRequest

    @app.post("/")
    async def view() -> dict[str, Any]:
        return {"value": await request.get_json()}

    response = await client.post("/", data=b"nope", headers={"Content-Type": "application/json"})
    assert await response.get_json() == {"value": {"fallback": True}}


async def test_stream_attribute_points_to_body(app: Quart) -> None:
    async with app.test_request_context("/"):
        with pytest.raises(NotImplementedError, match="request.body"):
            request.stream  # noqa: B018


async def test_test_request_context_body(app: Quart) -> None:
    async with app.test_request_context("/", method="POST", json={"k": "v"}):
        assert await request.get_json() == {"k": "v"}
    async with app.test_request_context("/", method="POST", form={"k": "v"}):
        assert (await request.form)["k"] == "v"
    async with app.test_request_context("/", method="POST", data=b"raw"):
        assert await request.get_data() == b"raw"


# -- a body filled by another task (tests, custom servers) -----------------------------


async def test_a_body_filled_by_another_task() -> None:
    from quart.wrappers.request import Body

    body = Body(None, None)

    async def fill() -> None:
        body.append(b"a")
        await asyncio.sleep(0)
        body.append(b"b")
        body.set_complete()

    filler = asyncio.ensure_future(fill())
    async with asyncio.timeout(5):
        assert await body == b"ab"
    await filler

    streamed = Body(None, None)
    chunks: list[bytes] = []

    async def read() -> None:
        async for chunk in streamed:
            chunks.append(chunk)

    reader = asyncio.ensure_future(read())
    await asyncio.sleep(0)
    streamed.append(b"1")
    await asyncio.sleep(0)
    streamed.append(b"2")
    streamed.set_complete()
    async with asyncio.timeout(5):
        await reader
    assert chunks == [b"1", b"2"]


async def test_an_unfilled_request_body_times_out_with_408() -> None:
    from werkzeug.exceptions import RequestTimeout

    request = Request(
        "POST",
        "http",
        "/",
        b"",
        Headers({"Content-Length": "3"}),
        "",
        "1.1",
        {},  # type: ignore[arg-type]
        body_timeout=0.05,  # type: ignore[arg-type]
        send_push_promise=None,  # type: ignore[arg-type]
    )
    with pytest.raises(RequestTimeout):
        async with asyncio.timeout(5):
            await request.get_data()


async def test_the_declared_length_can_be_given_explicitly() -> None:
    from werkzeug.exceptions import RequestEntityTooLarge

    def make(**kwargs: Any) -> Request:
        return Request(
            "POST",
            "http",
            "/",
            b"",
            Headers({"Content-Length": "3"}),
            "",
            "1.1",
            {},  # type: ignore[arg-type]
            max_content_length=4,
            send_push_promise=None,  # type: ignore[arg-type]
            **kwargs,
        )

    assert make().body._expected == 3  # read from the headers
    request = make(content_length=10)  # what the caller parsed wins
    request.body.set_result(b"abc")
    with pytest.raises(RequestEntityTooLarge):
        await request.get_data()


async def test_an_unfilled_body_iterated_outside_the_adapter_times_out() -> None:
    from werkzeug.exceptions import RequestTimeout

    request = Request(
        "POST",
        "http",
        "/",
        b"",
        Headers({"Content-Type": "multipart/form-data; boundary=b"}),
        "",
        "1.1",
        {},  # type: ignore[arg-type]
        body_timeout=0.05,  # type: ignore[arg-type]
        send_push_promise=None,  # type: ignore[arg-type]
    )
    request.body.append(b"--b\r\n")
    with pytest.raises(RequestTimeout):
        async with asyncio.timeout(5):
            await request.form
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_request_subclass_with_quart_022s_init_signature(app: Quart) -> None:
    # Written for Quart 0.22: the constructor's keywords are Quart's, no more.
    class TaggedRequest(Request):
        def __init__(
            self,
            method: str,
            scheme: str,
            path: str,
            query_string: bytes,
            headers: Headers,
            root_path: str,
            http_version: str,
            scope: Any,
            *,
            max_content_length: int | None = None,
            body_timeout: int | None = None,
            send_push_promise: Any,
        ) -> None:
            super().__init__(
                method,
                scheme,
                path,
                query_string,
                headers,
                root_path,
                http_version,
                scope,
                max_content_length=max_content_length,
                body_timeout=body_timeout,
                send_push_promise=send_push_promise,
            )
            self.tag = "tagged"

    app.request_class = TaggedRequest

    @app.post("/")
    async def index() -> str:
        return f"{request.tag} {await request.get_data(as_text=True)}"  # type: ignore[attr-defined]

    response = await app.test_client().post("/", data=b"body", headers={"Content-Length": "4"})
    assert await response.get_data(as_text=True) == "tagged body"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("max_content_length", "MAX_CONTENT_LENGTH"),
        ("max_form_memory_size", "MAX_FORM_MEMORY_SIZE"),
        ("max_form_parts", "MAX_FORM_PARTS"),
    ],
)
async def test_limit_falls_back_to_config_and_can_be_overridden(
    app: Quart, name: str, key: str
) -> None:
    app.config[key] = 123
    async with app.test_request_context("/", method="POST"):
        assert getattr(request, name) == 123  # the app's config
        app.config[key] = 456
        setattr(request, name, 7)
        assert getattr(request, name) == 7  # this request's override
        assert app.config[key] == 456
        setattr(request, name, None)
        assert getattr(request, name) == 456  # None: back to the config
    assert isinstance(getattr(Request, name).__doc__, str)


def test_limit_outside_an_app_context_is_none_unless_set() -> None:
    made = Request(
        "POST",
        "http",
        "/",
        b"",
        Headers(),
        "",
        "1.1",
        {},  # type: ignore[arg-type]
        send_push_promise=None,  # type: ignore[arg-type]
    )
    assert made.max_form_parts is None
    assert made.max_content_length is None
    made.max_content_length = 10
    assert made.max_content_length == 10
    assert made.body._max == 10  # the body enforces a limit set on the request
    made.max_form_parts = 3
    assert made.max_form_parts == 3
