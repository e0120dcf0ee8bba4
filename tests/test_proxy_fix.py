"""ProxyFix: X-Forwarded-* from trusted proxies applied to http and websocket scopes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from quart import Quart
from quart import request
from quart import url_for
from quart import websocket
from quart.proxy_fix import ProxyFix
from quart.testing import QuartClient


def make_app(**counts: int) -> Quart:
    app = Quart(__name__)

    @app.route("/")
    async def index() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "url": request.url,
            "root": request.script_root,
            "external": url_for("index", _external=True),
        }

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send(f"{websocket.scheme} {websocket.host} {websocket.remote_addr}")

    app.asgi_app = ProxyFix(app.asgi_app, **counts)  # type: ignore[method-assign]
    return app


async def get(app: Quart, headers: dict[str, str], path: str = "/") -> dict[str, Any]:
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    response = await client.get(path, headers=headers)
    assert response.status_code == 200
    return json.loads(await response.get_data(as_text=True))  # type: ignore[no-any-return]


async def test_defaults_trust_one_proxy_for_client_and_scheme() -> None:
    seen = await get(
        make_app(),
        {
            "X-Forwarded-For": "6.6.6.6, 203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
        },
    )
    assert seen["remote_addr"] == "203.0.113.7"  # The client's own value is ignored.
    assert seen["scheme"] == "https"
    assert seen["host"] == "localhost"  # Host is not trusted by default.
    assert seen["url"] == "https://localhost/"


async def test_more_hops_and_too_few_values() -> None:
    app = make_app(x_for=2)
    assert (await get(app, {"X-Forwarded-For": "1.1.1.1, 2.2.2.2, 3.3.3.3"}))[
        "remote_addr"
    ] == "2.2.2.2"
    # Fewer values than trusted proxies: the header is ignored entirely (the
    # test client, as Quart's, has no client address: "<local>").
    assert (await get(app, {"X-Forwarded-For": "3.3.3.3"}))["remote_addr"] == "<local>"


async def test_repeated_header_lines_count_as_one_list() -> None:
    app = make_app()
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    scope_headers = [("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "9.9.9.9")]
    response = await client.get("/", headers=scope_headers)  # type: ignore[arg-type]
    assert json.loads(await response.get_data(as_text=True))["remote_addr"] == "9.9.9.9"


async def test_host_port_and_prefix() -> None:
    app = make_app(x_host=1, x_port=1, x_prefix=1)
    seen = await get(
        app,
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "www.example.com",
            "X-Forwarded-Port": "8443",
            "X-Forwarded-Prefix": "/shop/",
        },
    )
    assert seen["host"] == "www.example.com:8443"
    assert seen["root"] == "/shop"
    assert seen["url"] == "https://www.example.com:8443/shop/"
    assert seen["external"] == "https://www.example.com:8443/shop/"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Host": "bad host"},
        {"X-Forwarded-Host": "a/b"},
        {"X-Forwarded-Port": "99999"},
        {"X-Forwarded-Port": "http"},
        {"X-Forwarded-Proto": "gopher"},
        {"X-Forwarded-Prefix": "no-slash"},
        {"X-Forwarded-Prefix": "/with space"},
    ],
)
async def test_invalid_values_are_ignored(headers: dict[str, str]) -> None:
    seen = await get(make_app(x_host=1, x_port=1, x_prefix=1), headers)
    assert seen["host"] == "localhost"
    assert seen["scheme"] == "http"
    assert seen["root"] == ""


async def test_websocket_scheme_and_client() -> None:
    app = make_app(x_host=1)
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "ws.example.com",
        "X-Forwarded-For": "198.51.100.2",
    }
    async with client.websocket("/ws", headers=headers) as connection:
        assert await connection.receive() == "wss ws.example.com 198.51.100.2"


def test_fix_scope_copies_and_sets_server() -> None:
    fix = ProxyFix(lambda *args: None, x_host=1)  # type: ignore[arg-type,return-value]
    scope: dict[str, Any] = {
        "type": "http",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "client": ("10.0.0.1", 4000),
        "server": ("10.0.0.2", 8000),
        "headers": [(b"host", b"upstream:8000"), (b"x-forwarded-host", b"[2001:db8::1]:8080")],
    }
    fixed = fix.fix_scope(scope)
    assert fixed["server"] == ("2001:db8::1", 8080)
    assert (b"host", b"[2001:db8::1]:8080") in fixed["headers"]
    assert (b"host", b"upstream:8000") not in fixed["headers"]
    assert scope["server"] == ("10.0.0.2", 8000)  # The server's scope is untouched.


def test_control_characters_in_forwarded_host_are_ignored() -> None:
    fix = ProxyFix(lambda *args: None, x_host=1)  # type: ignore[arg-type,return-value]
    scope = {
        "type": "http",
        "headers": [(b"host", b"a"), (b"x-forwarded-host", b"b\r\nX-Injected: 1")],
    }
    assert fix.fix_scope(scope)["headers"] == scope["headers"]


async def test_lifespan_passes_through() -> None:
    seen: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    scope = {"type": "lifespan"}
    await ProxyFix(inner)(scope, None, None)  # type: ignore[arg-type]
    assert seen == [scope] and seen[0] is scope


@pytest.mark.parametrize("bad", [-1, "1", True])
def test_counts_must_be_non_negative_integers(bad: Any) -> None:
    with pytest.raises(ValueError, match="number of proxies"):
        ProxyFix(lambda *args: None, x_for=bad)  # type: ignore[arg-type,return-value]
