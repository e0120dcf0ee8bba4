"""Server-side sessions in a real Redis (SESSION_TYPE = "redis")."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as redis_asyncio
from redis_server import RedisServer

from quart import Quart
from quart import session
from quart import websocket
from quart.sessions import SecureCookieSessionInterface
from quart.sessions_redis import RedisSessionInterface
from quart.sessions_redis import regenerate_session
from quart.sessions_redis import SessionStoreUnavailable
from quart.testing import QuartClient


def make_app(source: Any, **config: Any) -> Quart:
    app = Quart(__name__)
    app.secret_key = "test secret"
    app.config.update(SESSION_TYPE="redis", SESSION_REDIS=source, **config)

    @app.post("/login")
    async def login() -> str:
        session["user"] = "ada"
        session["when"] = (2024, b"\x00bytes")  # tagged types survive
        regenerate_session()
        return "ok"

    @app.get("/whoami")
    async def whoami() -> dict[str, Any]:
        return {"user": session.get("user"), "when": repr(session.get("when"))}

    @app.post("/logout")
    async def logout() -> str:
        session.clear()
        return "bye"

    @app.get("/plain")
    async def plain() -> str:
        return "no session here"

    @app.websocket("/ws")
    async def ws() -> None:
        session["from_ws"] = await websocket.receive()
        await websocket.send("saved")

    return app


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[Any]:
    client = redis_asyncio.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
async def app(redis_server: RedisServer) -> AsyncIterator[Quart]:
    app = make_app(redis_server.url)
    async with app.test_app():
        yield app


def cookie(client: QuartClient) -> str:
    """The session cookie's value in the client's jar ("" when none)."""
    for item in client.cookie_jar or ():
        if item.name == "session":
            return item.value or ""
    return ""


def give_cookie(client: QuartClient, value: str) -> None:
    client.set_cookie("localhost", "session", value)


async def test_data_lives_in_redis_and_the_cookie_holds_a_signed_id(app: Quart, store: Any) -> None:
    assert isinstance(app.session_interface, RedisSessionInterface)
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    response = await client.post("/login")
    assert response.headers["Vary"] == "Cookie"
    value = cookie(client)
    assert "ada" not in value
    sid = value.rsplit(".", 1)[0]
    stored = await store.get(f"session:{sid}")
    assert stored.startswith(b"{") and b"ada" in stored  # JSON, not pickle
    ttl = await store.ttl(f"session:{sid}")
    assert timedelta(days=30) < timedelta(seconds=ttl) <= timedelta(days=31)
    assert "Expires=" in response.headers["Set-Cookie"]  # SESSION_PERMANENT

    data = await (await client.get("/whoami")).get_json()
    assert data == {"user": "ada", "when": repr((2024, b"\x00bytes"))}


async def test_untouched_requests_store_nothing(app: Quart, store: Any) -> None:
    client = app.test_client()
    response = await client.get("/plain")
    assert "Set-Cookie" not in response.headers
    await client.get("/whoami")  # read, never written
    assert await store.keys("session:*") == []
    assert cookie(client) == ""  # type: ignore[arg-type]


async def test_clear_deletes_the_session_server_side(app: Quart, store: Any) -> None:
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    await client.post("/login")
    stolen = cookie(client)
    assert len(await store.keys("session:*")) == 1
    response = await client.post("/logout")
    assert "session=;" in response.headers["Set-Cookie"]
    assert await store.keys("session:*") == []
    # A copy of the old cookie is worth nothing now.
    thief: QuartClient = app.test_client()  # type: ignore[assignment]
    give_cookie(thief, stolen)
    assert (await (await thief.get("/whoami")).get_json())["user"] is None


async def test_regenerate_rotates_the_id_and_keeps_the_data(app: Quart, store: Any) -> None:
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    await client.post("/login")
    before = cookie(client)
    await client.post("/login")  # log in again: a new id
    after = cookie(client)
    assert before != after
    assert len(await store.keys("session:*")) == 1  # the old id's data is gone
    assert (await (await client.get("/whoami")).get_json())["user"] == "ada"


@pytest.mark.parametrize(
    "value",
    ["garbage", "abc.def", "", "x" * 3000],
)
async def test_tampered_ids_give_an_empty_session(app: Quart, store: Any, value: str) -> None:
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    await client.post("/login")
    sid = cookie(client).rsplit(".", 1)[0]
    forged: QuartClient = app.test_client()  # type: ignore[assignment]
    give_cookie(forged, value or f"{sid}.forged")
    assert (await (await forged.get("/whoami")).get_json())["user"] is None


async def test_an_unknown_but_signed_id_is_never_adopted(app: Quart, store: Any) -> None:
    interface: Any = app.session_interface
    chosen = interface.get_signer(app).sign("attacker-chosen").decode()
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    give_cookie(client, chosen)
    assert (await (await client.get("/whoami")).get_json())["user"] is None
    await client.post("/login")
    assert await store.exists("session:attacker-chosen") == 0
    assert not cookie(client).startswith("attacker-chosen")


async def test_non_permanent_sessions_get_a_browser_session_cookie(
    redis_server: RedisServer, store: Any
) -> None:
    app = make_app(redis_server.url, SESSION_PERMANENT=False)
    async with app.test_app():
        response = await app.test_client().post("/login")
    assert "Expires=" not in response.headers["Set-Cookie"]
    [key] = await store.keys("session:*")
    assert 0 < await store.ttl(key) <= 31 * 24 * 3600  # the data still expires


async def test_two_apps_share_sessions_through_redis(redis_server: RedisServer) -> None:
    # Two machines behind a load balancer, no sticky sessions.
    first, second = make_app(redis_server.url), make_app(redis_server.url)
    async with first.test_app(), second.test_app():
        client_one: QuartClient = first.test_client()  # type: ignore[assignment]
        await client_one.post("/login")
        client_two: QuartClient = second.test_client()  # type: ignore[assignment]
        give_cookie(client_two, cookie(client_one))
        assert (await (await client_two.get("/whoami")).get_json())["user"] == "ada"


async def test_a_websocket_can_change_an_existing_session(app: Quart) -> None:
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    await client.post("/login")
    async with client.websocket("/ws") as ws:
        await ws.send("hello")
        assert await ws.receive() == "saved"
    for _ in range(100):  # saved after the handler returns
        async with client.session_transaction() as sess:
            if sess.get("from_ws") == "hello":
                break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the websocket's session change was not stored")


async def test_session_transaction_works(app: Quart) -> None:
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    async with client.session_transaction() as sess:
        sess["user"] = "grace"
    assert (await (await client.get("/whoami")).get_json())["user"] == "grace"


async def test_a_client_object_can_be_given(redis_server: RedisServer) -> None:
    client = redis_asyncio.Redis.from_url(redis_server.url)
    app = make_app(client)
    try:
        async with app.test_app():
            test_client: QuartClient = app.test_client()  # type: ignore[assignment]
            await test_client.post("/login")
            assert (await (await test_client.get("/whoami")).get_json())["user"] == "ada"
        assert await client.ping()  # not closed by the app: it is the user's
    finally:
        await client.aclose()


async def test_redis_down_during_requests_is_a_503_not_a_hang(
    redis_server: RedisServer, app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    await client.post("/login")
    redis_server.stop()
    started = time.monotonic()
    response = await client.get("/whoami")
    assert response.status_code == 503
    assert b"Traceback" not in await response.get_data()
    response = await client.post("/login")
    assert response.status_code == 503
    # A request that does not use the session is served as usual.
    assert (await client.get("/plain")).status_code == 200
    assert time.monotonic() - started < 10
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all("session store" in r.getMessage() for r in errors)
    assert all("Traceback" not in r.getMessage() for r in errors)
    assert any(redis_server.url.removesuffix("/0") in r.getMessage() for r in errors)
    redis_server.restart()  # Redis is back (empty, without persistence)
    response = await client.get("/whoami")
    assert response.status_code == 200


async def test_saving_while_redis_is_down_is_a_503(redis_server: RedisServer) -> None:
    app = make_app(redis_server.url)

    @app.post("/stop-and-write")
    async def stop_and_write() -> str:
        redis_server.stop()
        session["x"] = 1
        return "written"

    async with app.test_app():
        response = await app.test_client().post("/stop-and-write")
    assert response.status_code == 503


async def test_redis_unreachable_at_startup_refuses_to_start(redis_server: RedisServer) -> None:
    redis_server.stop()
    app = make_app(f"redis://:hunter2@127.0.0.1:{redis_server.port}/0")
    with pytest.raises(Exception) as info:
        async with app.test_app():
            pass
    message = str(info.value)
    assert f"Cannot reach the session store at redis://:***@127.0.0.1:{redis_server.port}/0" in (
        message
    )
    assert "hunter2" not in message
    with pytest.raises(SessionStoreUnavailable):
        await app.startup()


async def test_unknown_session_type_is_refused() -> None:
    app = Quart(__name__)
    app.config["SESSION_TYPE"] = "memcached"
    with pytest.raises(ValueError, match="SESSION_TYPE 'memcached' is not supported"):
        await app.startup()


async def test_the_cookie_session_stays_the_default() -> None:
    app = Quart(__name__)
    async with app.test_app():
        assert type(app.session_interface) is SecureCookieSessionInterface


async def test_an_explicit_interface_wins(redis_server: RedisServer) -> None:
    app = make_app(redis_server.url)
    mine = SecureCookieSessionInterface()
    app.session_interface = mine
    async with app.test_app():
        assert app.session_interface is mine


async def test_regenerate_needs_a_server_side_session() -> None:
    app = Quart(__name__)
    app.secret_key = "x"
    async with app.test_request_context("/"):
        with pytest.raises(TypeError, match="server-side session"):
            regenerate_session()
