"""Quart's own extensions install against this package and work.

Each test uses an extension the way its documentation shows; the extensions
are test dependencies (pyproject's ``test`` extra).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from quart import Quart
from quart import websocket

quart_cors = pytest.importorskip("quart_cors")
quart_auth = pytest.importorskip("quart_auth")
quart_rate_limiter = pytest.importorskip("quart_rate_limiter")
quart_schema = pytest.importorskip("quart_schema")


@dataclass
class Todo:
    task: str
    due: int | None = None


async def test_quart_cors_preflight_and_simple_request() -> None:
    app = quart_cors.cors(Quart(__name__), allow_origin="https://example.com")

    @app.post("/data")
    async def data() -> dict[str, bool]:
        return {"ok": True}

    client = app.test_client()
    preflight = await client.options(
        "/data",
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://example.com"
    response = await client.post("/data", headers={"Origin": "https://example.com"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://example.com"
    assert await response.get_json() == {"ok": True}


async def test_quart_auth_login_protects_routes() -> None:
    app = Quart(__name__)
    app.secret_key = "not secret"
    quart_auth.QuartAuth(app)

    @app.get("/login")
    async def login() -> str:
        quart_auth.login_user(quart_auth.AuthUser("bob"))
        return "welcome"

    @app.get("/me")
    @quart_auth.login_required
    async def me() -> dict[str, str | None]:
        return {"id": quart_auth.current_user.auth_id}

    client = app.test_client()
    assert (await client.get("/me", scheme="https")).status_code == 401
    assert (await client.get("/login", scheme="https")).status_code == 200
    response = await client.get("/me", scheme="https")
    assert response.status_code == 200
    assert await response.get_json() == {"id": "bob"}


async def test_quart_auth_testing_helpers_over_plain_http() -> None:
    # quart-auth's own documented testing pattern: its cookie is Secure by
    # default and the test client talks plain http.
    app = Quart(__name__)
    app.secret_key = "not secret"
    quart_auth.QuartAuth(app)

    @app.get("/me")
    @quart_auth.login_required
    async def me() -> dict[str, str | None]:
        return {"id": quart_auth.current_user.auth_id}

    client = app.test_client()
    async with quart_auth.authenticated_client(client, "22"):
        response = await client.get("/me")
        assert response.status_code == 200
        assert await response.get_json() == {"id": "22"}
    assert (await client.get("/me")).status_code == 401


async def test_quart_rate_limiter_limits() -> None:
    app = Quart(__name__)
    quart_rate_limiter.RateLimiter(app)

    @app.get("/")
    @quart_rate_limiter.rate_limit(2, timedelta(minutes=1))
    async def index() -> str:
        return "ok"

    client = app.test_client()
    statuses = [(await client.get("/")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_quart_schema_validation_and_openapi() -> None:
    app = Quart(__name__)
    quart_schema.QuartSchema(app)

    @app.post("/todo")
    @quart_schema.validate_request(Todo)
    @quart_schema.validate_response(Todo, 201)
    async def create(data: Todo) -> tuple[Todo, int]:
        return data, 201

    client = app.test_client()
    response = await client.post("/todo", json={"task": "write tests", "due": 3})
    assert response.status_code == 201
    assert await response.get_json() == {"task": "write tests", "due": 3}
    assert (await client.post("/todo", json={"nope": 1})).status_code == 400
    spec = await (await client.get("/openapi.json")).get_json()
    assert "/todo" in spec["paths"]


async def test_extensions_together_with_websockets() -> None:
    app = quart_cors.cors(Quart(__name__), allow_origin="*")
    app.secret_key = "s"
    quart_auth.QuartAuth(app)
    quart_schema.QuartSchema(app)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send("hello")

    client = app.test_client()
    # quart-cors refuses websockets without an Origin (its rule, not ours).
    async with client.websocket("/ws", headers={"Origin": "https://example.com"}) as connection:
        assert await connection.receive() == "hello"
