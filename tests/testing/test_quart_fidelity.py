"""The test client behaves as Quart 0.22's does where Quart users' tests rely on it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict

from quart import Quart
from quart import request
from quart import websocket
from quart.datastructures import FileStorage
from quart.testing import make_test_body_with_headers
from quart.testing import make_test_scope


def _form_app(app: Quart) -> Quart:
    @app.route("/", methods=["POST"])
    async def index() -> dict[str, Any]:
        form = await request.form
        files = await request.files
        return {
            "content_type": request.mimetype,
            "form": form.to_dict(flat=False),
            "files": {
                name: [f.filename, f.content_type, f.read().decode()]
                for name, f in files.items(multi=True)
            },
        }

    return app


# -- data= with a dict (as Flask's test client) --------------------------------


async def test_data_dict_is_sent_as_a_form(app: Quart) -> None:
    client = _form_app(app).test_client()
    response = await client.post("/", data={"name": "x", "count": 3})
    assert await response.get_json() == {
        "content_type": "application/x-www-form-urlencoded",
        "form": {"name": ["x"], "count": ["3"]},
        "files": {},
    }


async def test_data_multidict_and_lists_send_every_value(app: Quart) -> None:
    client = _form_app(app).test_client()
    response = await client.post("/", data=MultiDict([("tag", "a"), ("tag", "b")]))
    assert (await response.get_json())["form"] == {"tag": ["a", "b"]}
    response = await client.post("/", data={"tag": ["a", "b"], "one": "1"})
    assert (await response.get_json())["form"] == {"tag": ["a", "b"], "one": ["1"]}


async def test_data_dict_with_files_is_sent_multipart(app: Quart, tmp_path: Path) -> None:
    client = _form_app(app).test_client()
    path = tmp_path / "notes.txt"
    path.write_bytes(b"from disk")
    with path.open("rb") as opened:
        response = await client.post(
            "/",
            data={
                "name": "x",
                "tuple": (io.BytesIO(b"tuple body"), "t.csv"),
                "typed": (io.BytesIO(b"{}"), "t.bin", "application/json"),
                "storage": FileStorage(io.BytesIO(b"stored"), filename="s.txt"),
                "opened": opened,
            },
        )
    assert await response.get_json() == {
        "content_type": "multipart/form-data",
        "form": {"name": ["x"]},
        "files": {
            "tuple": ["t.csv", "text/csv", "tuple body"],
            "typed": ["t.bin", "application/json", "{}"],
            "storage": ["s.txt", "text/plain", "stored"],
            "opened": [str(path), "text/plain", "from disk"],
        },
    }


async def test_test_request_context_accepts_a_data_dict(app: Quart) -> None:
    async with app.test_request_context("/", method="POST", data={"name": "x"}):
        assert (await request.form).to_dict() == {"name": "x"}


# -- HEAD ------------------------------------------------------------------------


async def test_head_response_keeps_the_body_the_view_produced(app: Quart) -> None:
    @app.route("/")
    async def index() -> str:
        return "hello world"

    @app.route("/stream")
    async def stream() -> Any:
        async def chunks() -> Any:
            yield b"ab"
            yield b"cd"

        return chunks()

    client = app.test_client()
    response = await client.head("/")
    assert response.status_code == 200
    assert await response.get_data() == b"hello world"
    assert response.headers["Content-Length"] == "11"
    response = await client.head("/stream")
    assert await response.get_data() == b"abcd"
    assert response.headers["Content-Length"] == "4"


# -- the ASGI scope ----------------------------------------------------------------


def _recording(app: Quart) -> list[dict[str, Any]]:
    scopes: list[dict[str, Any]] = []
    inner = app.asgi_app

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            scopes.append(dict(scope))
        await inner(scope, receive, send)

    app.asgi_app = middleware  # type: ignore[method-assign]
    return scopes


def test_make_test_scope_matches_quart() -> None:
    headers = Headers({"X-A": "b"})
    assert make_test_scope("http", "/a b", "GET", headers, b"q=1", "http", "", "1.1", None) == {
        "type": "http",
        "http_version": "1.1",
        "asgi": {"spec_version": "2.1"},
        "method": "GET",
        "scheme": "http",
        "path": "/a b",
        "raw_path": b"/a%20b",
        "query_string": b"q=1",
        "root_path": "",
        "headers": [(b"x-a", b"b")],
        "extensions": {},
        "_quart._preserve_context": False,
    }
    scope = make_test_scope("http", "/a", "GET", Headers(), b"", "https", "/r", "2", None)
    assert scope["extensions"] == {"http.response.push": {}}
    assert scope["path"] == "/a"
    assert scope["root_path"] == "/r"
    scope = make_test_scope(
        "websocket", "/ws", "GET", Headers(), b"", "ws", "", "1.1", {"extensions": {"x": {}}}
    )
    assert scope["extensions"] == {"websocket.http.response": {}}
    assert scope["method"] == "GET"  # type: ignore[typeddict-item]
    assert "subprotocols" not in scope


async def test_scope_reaching_the_app_matches_quart(app: Quart) -> None:
    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        return "ok"

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send("hi")

    scopes = _recording(app)
    client = app.test_client()
    await client.post("/", form={"a": "b"}, auth=("u", "p"))
    async with client.websocket("/ws") as connection:
        await connection.receive()
    http_scope, ws_scope = scopes
    assert http_scope == {
        "type": "http",
        "http_version": "1.1",
        "asgi": {"spec_version": "2.1"},
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"authorization", b"Basic dTpw"),
            (b"user-agent", b"Quart"),
            (b"host", b"localhost"),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ],
        "extensions": {},
        "_quart._preserve_context": False,
    }
    assert ws_scope == {
        "type": "websocket",
        "http_version": "1.1",
        "asgi": {"spec_version": "2.1"},
        "method": "GET",
        "scheme": "ws",
        "path": "/ws",
        "raw_path": b"/ws",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"user-agent", b"Quart"), (b"host", b"localhost")],
        "extensions": {"websocket.http.response": {}},
        "_quart._preserve_context": False,
    }


async def test_requests_from_test_app_get_a_copy_of_the_lifespan_state(app: Quart) -> None:
    @app.route("/")
    async def index() -> str:
        return "ok"

    scopes = _recording(app)
    await app.test_client().get("/")
    async with app.test_app() as test_app:
        await test_app.test_client().get("/")
    plain, from_test_app = scopes
    assert "state" not in plain
    assert from_test_app["state"] == {}


# -- the multipart body ------------------------------------------------------------


def test_multipart_body_matches_quart() -> None:
    body, headers = make_test_body_with_headers(
        files={"f": FileStorage(io.BytesIO(b"abc"), filename="a.txt", content_type="text/plain")},
        form={"x": "1"},
    )
    assert headers["Content-Type"] == "multipart/form-data; boundary=----QuartBoundary"
    assert body == (
        b"\r\n------QuartBoundary\r\n"
        b'Content-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nabc\r\n"
        b"------QuartBoundary\r\n"
        b'Content-Disposition: form-data; name="x"\r\n\r\n1\r\n'
        b"------QuartBoundary--\r\n"
    )


# -- the cookie jar ------------------------------------------------------------------


async def test_cookies_set_for_any_server_name_are_sent(app: Quart) -> None:
    @app.route("/")
    async def index() -> dict[str, str]:
        return request.cookies.to_dict()

    client = app.test_client()
    client.set_cookie("quart", "name", "value")
    client.set_cookie("example.com", "other", "1")
    response = await client.get("/")
    assert await response.get_json() == {"name": "value", "other": "1"}


# -- importable names ------------------------------------------------------------------


def test_names_quart_exports_import() -> None:
    from quart.testing import QuartCliRunner  # noqa: F401
    from quart.testing import ScriptInfo  # noqa: F401
    from quart.testing.app import DEFAULT_TIMEOUT  # noqa: F401
    from quart.testing.app import LifespanError  # noqa: F401
    from quart.testing.app import LifespanScope  # noqa: F401
    from quart.testing.app import TestClientProtocol  # noqa: F401
    from quart.testing.client import _TestCookieJarResponse  # noqa: F401
    from quart.testing.client import _TestWrapper  # noqa: F401
    from quart.testing.client import FileStorage as ClientFileStorage  # noqa: F401
    from quart.testing.client import Response as ClientResponse  # noqa: F401
    from quart.testing.client import TestHTTPConnectionProtocol  # noqa: F401
    from quart.testing.client import TestWebsocketConnectionProtocol  # noqa: F401
    from quart.testing.connections import dumps  # noqa: F401
    from quart.testing.connections import HTTPDisconnectError  # noqa: F401
    from quart.testing.connections import HTTPScope  # noqa: F401
    from quart.testing.connections import loads  # noqa: F401
    from quart.testing.connections import WebsocketDisconnectError  # noqa: F401
    from quart.testing.connections import WebsocketScope  # noqa: F401
    from quart.testing.utils import encode_headers  # noqa: F401
    from quart.testing.utils import FileStorage as UtilsFileStorage  # noqa: F401
    from quart.testing.utils import iri_to_uri  # noqa: F401
    from quart.testing.utils import no_op_push  # noqa: F401
    from quart.testing.utils import sentinel  # noqa: F401
