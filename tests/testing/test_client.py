"""The in-process test client: methods, bodies, redirects, cookies, preserved context."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.datastructures import Authorization

from quart import g
from quart import has_request_context
from quart import Quart
from quart import redirect
from quart import request
from quart import Response
from quart.datastructures import FileStorage
from quart.testing import QuartClient


@pytest.fixture
def echo_app(app: Quart) -> Quart:
    @app.route(
        "/echo",
        methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"],
        provide_automatic_options=False,
    )
    async def echo() -> dict[str, Any]:
        files = await request.files
        return {
            "method": request.method,
            "scheme": request.scheme,
            "root_path": request.root_path,
            "path": request.path,
            "args": request.args.to_dict(flat=False),
            "headers": {k: v for k, v in request.headers.items() if k.startswith("X-")},
            "data": (await request.get_data(as_text=True)) if not files else "",
            "form": (await request.form).to_dict(flat=False),
            "files": {name: f.filename for name, f in files.items()},
            "json": await request.get_json(silent=True),
            "auth": request.authorization.username if request.authorization else None,
            "content_type": request.content_type,
        }

    return app


async def test_every_method_shortcut(echo_app: Quart) -> None:
    client = echo_app.test_client()
    for name in ("get", "post", "put", "delete", "patch", "options", "trace"):
        response = await getattr(client, name)("/echo")
        assert response.status_code == 200, name
        assert (await response.get_json())["method"] == name.upper()
    response = await client.head("/echo")
    assert response.status_code == 200
    # As Quart's test client: the body the view produced (servers drop it).
    assert (await response.get_json())["method"] == "HEAD"
    response = await client.open("/echo", method="PATCH")
    assert (await response.get_json())["method"] == "PATCH"


async def test_headers_query_string_and_data(echo_app: Quart) -> None:
    client = echo_app.test_client()
    response = await client.post(
        "/echo",
        headers={"X-Token": "t"},
        query_string={"a": "1", "b": ["2", "3"]},
        data=b"raw body",
    )
    body = await response.get_json()
    assert body["headers"] == {"X-Token": "t"}
    assert body["args"] == {"a": ["1"], "b": ["2", "3"]}
    assert body["data"] == "raw body"
    response = await client.get("/echo?x=1&x=2")
    assert (await response.get_json())["args"] == {"x": ["1", "2"]}
    with pytest.raises(ValueError):
        await client.get("/echo?x=1", query_string={"y": "2"})


async def test_form_files_and_json(echo_app: Quart) -> None:
    client = echo_app.test_client()
    body = await (await client.post("/echo", form={"f": "v"})).get_json()
    assert body["form"] == {"f": ["v"]}
    assert body["content_type"] == "application/x-www-form-urlencoded"

    upload = FileStorage(io.BytesIO(b"file data"), filename="up.txt", content_type="text/plain")
    body = await (await client.post("/echo", form={"f": "v"}, files={"doc": upload})).get_json()
    assert body["form"] == {"f": ["v"]}
    assert body["files"] == {"doc": "up.txt"}
    assert body["content_type"].startswith("multipart/form-data; boundary=")

    body = await (await client.post("/echo", json={"k": [1, 2]})).get_json()
    assert body["json"] == {"k": [1, 2]}
    assert body["content_type"] == "application/json"

    body = await (await client.post("/echo", json=None)).get_json()
    assert body["data"] == "null"

    with pytest.raises(ValueError):
        await client.post("/echo", json={"a": 1}, data=b"x")
    with pytest.raises(ValueError):
        await client.post("/echo", form={"a": "1"}, json={"a": 1})


async def test_auth_scheme_and_root_path(echo_app: Quart) -> None:
    client = echo_app.test_client()
    body = await (await client.get("/echo", auth=("alice", "pw"))).get_json()
    assert body["auth"] == "alice"
    auth = Authorization("basic", {"username": "bob", "password": "pw"})
    body = await (await client.get("/echo", auth=auth)).get_json()
    assert body["auth"] == "bob"
    body = await (await client.get("/app/echo", scheme="https", root_path="/app")).get_json()
    assert (body["scheme"], body["root_path"], body["path"]) == ("https", "/app", "/echo")


async def test_follow_redirects(app: Quart, client: QuartClient) -> None:
    @app.route("/start", methods=["GET", "POST"])
    async def start() -> Response:
        return redirect("/middle")  # type: ignore[return-value]

    @app.route("/middle")
    async def middle() -> Response:
        return redirect("/end?x=1", code=301)  # type: ignore[return-value]

    @app.route("/end")
    async def end() -> str:
        return f"end {request.method} {request.args['x']}"

    @app.route("/loop")
    async def loop() -> Response:
        return redirect("/loop")  # type: ignore[return-value]

    response = await client.get("/start")
    assert response.status_code == 302
    assert response.headers["Location"] == "/middle"
    response = await client.get("/start", follow_redirects=True)
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == "end GET 1"
    response = await client.post("/start", follow_redirects=True)
    assert await response.get_data(as_text=True) == "end GET 1"
    with pytest.raises(RuntimeError, match="redirect"):
        await client.get("/loop", follow_redirects=True)


async def test_non_ascii_paths_reach_the_app_as_a_client_sends_them(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/<name>")
    async def page(name: str) -> dict[str, str]:
        return {"name": name, "path": request.path, "raw": request.scope["raw_path"].decode()}

    response = await client.get("/caf\u00e9\u2764")
    assert await response.get_json() == {
        "name": "caf\u00e9\u2764",
        "path": "/caf\u00e9\u2764",
        "raw": "/caf%C3%A9%E2%9D%A4",
    }


async def test_cookie_jar(app: Quart, client: QuartClient) -> None:
    @app.route("/set")
    async def set_cookie() -> Response:
        response = Response("set")
        response.set_cookie("flavour", "oat")
        return response

    @app.route("/unset")
    async def unset_cookie() -> Response:
        response = Response("unset")
        response.delete_cookie("flavour")
        return response

    @app.route("/read")
    async def read() -> dict[str, str]:
        return request.cookies.to_dict()

    await client.get("/set")
    assert await (await client.get("/read")).get_json() == {"flavour": "oat"}
    await client.get("/unset")
    assert await (await client.get("/read")).get_json() == {}

    client.set_cookie("localhost", "manual", "yes")
    assert await (await client.get("/read")).get_json() == {"manual": "yes"}
    client.delete_cookie("localhost", "manual")
    assert await (await client.get("/read")).get_json() == {}


async def test_cookie_jar_respects_path_not_domain(app: Quart, client: QuartClient) -> None:
    # As Quart's test client: a cookie is sent whatever server name it was
    # set for; its path still limits where it goes.
    @app.route("/read")
    @app.route("/sub/read", endpoint="sub_read")
    @app.route("/subway/read", endpoint="subway_read")
    async def read() -> dict[str, str]:
        return request.cookies.to_dict()

    client.set_cookie("localhost", "scoped", "1", path="/sub")
    client.set_cookie("other.test", "foreign", "1")
    assert await (await client.get("/read")).get_json() == {"foreign": "1"}
    assert await (await client.get("/subway/read")).get_json() == {"foreign": "1"}
    assert await (await client.get("/sub/read")).get_json() == {"foreign": "1", "scoped": "1"}


async def test_secure_cookies_are_sent_over_http_too(app: Quart, client: QuartClient) -> None:
    # As Quart's and Werkzeug's test clients do: tests use http by default.
    @app.route("/set")
    async def set_cookie() -> Response:
        response = Response("set")
        response.set_cookie("auth", "token", secure=True, httponly=True, samesite="Strict")
        return response

    @app.route("/read")
    async def read() -> dict[str, str]:
        return request.cookies.to_dict()

    await client.get("/set")
    assert await (await client.get("/read")).get_json() == {"auth": "token"}
    client.set_cookie("localhost", "manual", "yes", secure=True)
    assert await (await client.get("/read")).get_json() == {"auth": "token", "manual": "yes"}


async def test_cookies_disabled(app: Quart) -> None:
    @app.route("/set")
    async def set_cookie() -> Response:
        response = Response("set")
        response.set_cookie("a", "1")
        return response

    @app.route("/read")
    async def read() -> dict[str, str]:
        return request.cookies.to_dict()

    client = app.test_client(use_cookies=False)
    await client.get("/set")
    assert await (await client.get("/read")).get_json() == {}


async def test_explicit_cookie_header_is_sent(app: Quart, client: QuartClient) -> None:
    @app.route("/read")
    async def read() -> dict[str, str]:
        return request.cookies.to_dict()

    client.set_cookie("localhost", "jar", "1")
    response = await client.get("/read", headers={"Cookie": "explicit=2"})
    assert await response.get_json() == {"explicit": "2", "jar": "1"}


async def test_preserved_context_with_async_with(app: Quart, client: QuartClient) -> None:
    @app.route("/first")
    async def first() -> str:
        g.which = "first"
        return "1"

    @app.route("/second")
    async def second() -> str:
        g.which = "second"
        return "2"

    async with client:
        await client.get("/first?x=1")
        assert has_request_context()
        assert request.path == "/first"
        assert request.args["x"] == "1"
        assert g.which == "first"
        await client.get("/second")
        assert request.path == "/second"
        assert g.which == "second"
    assert not has_request_context()


async def test_preserved_context_teardown_runs_on_exit(app: Quart, client: QuartClient) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    @app.route("/a")
    @app.route("/b", endpoint="b")
    async def view() -> str:
        return "x"

    async with client:
        await client.get("/a")
        assert torn_down == []
        await client.get("/b")
        assert torn_down == ["/a"]
    assert torn_down == ["/a", "/b"]


async def test_nested_client_use_is_refused(app: Quart, client: QuartClient) -> None:
    async with client:
        with pytest.raises(RuntimeError):
            async with client:
                pass


async def test_no_context_kept_without_async_with(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        return "x"

    await client.get("/")
    assert not has_request_context()


async def test_streaming_request_and_response(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def stream() -> Any:
        body = request.body  # the generator runs after the request context is gone

        async def gen() -> Any:
            async for chunk in body:
                yield chunk.upper()

        return gen()

    async with client.request("/", method="POST") as connection:
        await connection.send(b"ab")
        await connection.send(b"cd")
        await connection.send_complete()
    response = await connection.as_response()
    assert response.status_code == 200
    assert await response.get_data() == b"ABCD"


async def test_test_client_class_is_replaceable(app: Quart) -> None:
    class MyClient(QuartClient):
        pass

    app.test_client_class = MyClient  # type: ignore[assignment]
    assert isinstance(app.test_client(), MyClient)
