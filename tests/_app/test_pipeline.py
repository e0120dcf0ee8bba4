"""The pipeline honours a subclass's override of every public step, on the
HTTP and the websocket path alike (see quart._app.pipeline)."""

from __future__ import annotations

from typing import Any

import pytest

from quart import abort
from quart import Quart
from quart import websocket
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError

# step -> the path that reaches it: "ok" (a plain request or websocket),
# "missing" (a 404 through the error handlers), "boom" (an unhandled error),
# "refuse" (a websocket refused with a response).
HTTP_STEPS = {
    "handle_request": "ok",
    "request_context": "ok",
    "create_url_adapter": "ok",
    "full_dispatch_request": "ok",
    "preprocess_request": "ok",
    "dispatch_request": "ok",
    "finalize_request": "ok",
    "process_response": "ok",
    "make_response": "ok",
    "do_teardown_request": "ok",
    "do_teardown_appcontext": "ok",
    "handle_user_exception": "missing",
    "handle_http_exception": "missing",
    "handle_exception": "boom",
    "log_exception": "boom",
}
WEBSOCKET_STEPS = {
    "handle_websocket": "ok",
    "create_url_adapter": "ok",
    "full_dispatch_websocket": "ok",
    "preprocess_websocket": "ok",
    "dispatch_websocket": "ok",
    "finalize_websocket": "ok",
    "postprocess_websocket": "ok",
    "do_teardown_websocket": "ok",
    "do_teardown_appcontext": "ok",
    "make_response": "refuse",
    "handle_user_exception": "missing",
    "handle_http_exception": "missing",
    "handle_websocket_exception": "boom",
    "log_exception": "boom",
}


def _recording_app(name: str, calls: list[str]) -> Quart:
    def override(self: Quart, *args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return getattr(super(cls, self), name)(*args, **kwargs)

    cls = type("RecordingQuart", (Quart,), {name: override})
    app = cls(__name__)

    @app.get("/ok")
    async def ok() -> str:
        return "ok"

    @app.get("/boom")
    async def boom() -> str:
        raise ValueError("boom")

    @app.websocket("/ok")
    async def ws_ok() -> None:
        await websocket.send("ok")

    @app.websocket("/boom")
    async def ws_boom() -> None:
        await websocket.accept()
        raise ValueError("boom")

    @app.websocket("/refuse")
    async def ws_refuse() -> Any:
        return "no", 403

    @app.websocket("/missing")
    async def ws_missing() -> None:
        abort(404)

    return app


@pytest.mark.parametrize(("name", "path"), sorted(HTTP_STEPS.items()))
async def test_an_overridden_http_step_is_honoured(name: str, path: str) -> None:
    calls: list[str] = []
    client = _recording_app(name, calls).test_client()
    response = await client.get("/nowhere" if path == "missing" else f"/{path}")
    assert response.status_code == {"ok": 200, "missing": 404, "boom": 500}[path]
    assert name in calls


@pytest.mark.parametrize(("name", "path"), sorted(WEBSOCKET_STEPS.items()))
async def test_an_overridden_websocket_step_is_honoured(name: str, path: str) -> None:
    calls: list[str] = []
    client: QuartClient = _recording_app(name, calls).test_client()  # type: ignore[assignment]
    try:
        async with client.websocket(f"/{path}") as ws:
            await ws.receive()
    except WebsocketResponseError as error:
        assert path in {"refuse", "missing"}
        assert error.response.status_code == {"refuse": 403, "missing": 404}[path]
    except Exception:  # the server closed the socket (1011 after the error)
        assert path == "boom"
    assert name in calls


async def test_a_step_replaced_on_one_app_is_honoured() -> None:
    # As quart-schema does: app.make_response = wrap(app.make_response).
    app = Quart(__name__)
    other = Quart(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    original = app.make_response

    async def make_response(result: Any) -> Any:
        response = await original(result)
        response.headers["X-Wrapped"] = "yes"
        return response

    app.make_response = make_response  # type: ignore[method-assign]
    response = await app.test_client().get("/")
    assert response.headers["X-Wrapped"] == "yes"
    assert "make_response" in app._overridden
    assert "make_response" not in other._overridden  # the class is untouched


@pytest.mark.parametrize("name", ["handle_request", "request_context"])
async def test_handle_request_or_request_context_replaced_on_one_app_is_honoured(
    name: str,
) -> None:
    # The ASGI adapter runs the pipeline itself only while neither is replaced.
    app = Quart(__name__)
    calls: list[str] = []

    @app.get("/")
    async def index() -> str:
        return "ok"

    original = getattr(app, name)

    def replaced(*args: Any) -> Any:
        calls.append(name)
        return original(*args)

    setattr(app, name, replaced)
    response = await app.test_client().get("/")
    assert response.status_code == 200
    assert calls == [name]
    assert not app._http_steps.direct
    assert Quart(__name__)._http_steps.direct


async def test_handle_websocket_replaced_on_one_app_is_honoured() -> None:
    # The engine skips Quart.handle_websocket's own coroutine; a replacement
    # on the instance (or a subclass, above) is still called.
    app = Quart(__name__)
    calls: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send("ok")

    original = app.handle_websocket

    async def handle_websocket(ws: Any) -> Any:
        calls.append("handle_websocket")
        return await original(ws)

    app.handle_websocket = handle_websocket  # type: ignore[method-assign]
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    async with client.websocket("/ws") as connection:
        assert await connection.receive() == "ok"
    assert calls == ["handle_websocket"]
    assert "handle_websocket" in app._overridden
