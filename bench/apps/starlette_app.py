"""The Starlette twin of ``quart_app.py`` (same routes, same responses).

Choices made to keep the comparison fair:

* Quart's ``before_request`` hook that sets ``g.user`` is mirrored by a tiny
  pure-ASGI middleware that sets ``request.state.user`` (stored in
  ``scope["state"]``) for every request. ``BaseHTTPMiddleware`` is avoided on
  purpose: it is known to be slow and is not what a careful Starlette user
  would pick for this.
* The same ~18 filler routes are registered first, before the benchmarked ones.
* Views are plain ``async def`` functions returning ``JSONResponse`` /
  ``PlainTextResponse`` (no thread-pool hops).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from endpoints import LARGE_FILE_ENV
from endpoints import STREAM_CHUNK
from endpoints import STREAM_CHUNKS
from endpoints import TEMPLATE_ITEMS
from endpoints import TEMPLATE_TITLE
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.responses import JSONResponse
from starlette.responses import PlainTextResponse
from starlette.responses import Response
from starlette.responses import StreamingResponse
from starlette.routing import Route
from starlette.routing import WebSocketRoute
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send
from starlette.websockets import WebSocket
from starlette.websockets import WebSocketDisconnect

STATIC_FILLERS = [f"/a{i}" for i in range(1, 13)]
PARAM_FILLERS = [
    "/users/{user_id:int}",
    "/users/{user_id:int}/posts",
    "/users/{user_id:int}/comments/{comment_id:int}",
    "/items/{name}",
    "/blog/{year:int}/{slug}",
    "/files/{filepath:path}",
]


class SetUserMiddleware:
    """Equivalent of Quart's ``before_request`` hook setting ``g.user``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["user"] = "bench"
        await self.app(scope, receive, send)


def _make_filler(name: str) -> Any:
    async def filler(request: Request) -> Response:
        return JSONResponse({"filler": name, **request.path_params})

    return filler


async def plaintext(request: Request) -> Response:
    return PlainTextResponse("Hello, World!")


async def json_view(request: Request) -> Response:
    return JSONResponse({"message": "Hello, World!"})


async def user_post(request: Request) -> Response:
    params = request.path_params
    return JSONResponse({"user_id": params["user_id"], "slug": params["slug"]})


async def query(request: Request) -> Response:
    args = request.query_params
    page = args.get("page")
    return JSONResponse(
        {
            "name": args.get("name"),
            "page": int(page) if page is not None else None,
            "token": request.headers.get("x-token"),
        }
    )


async def form(request: Request) -> Response:
    async with request.form() as data:
        return JSONResponse(dict(data))


async def echo(request: Request) -> Response:
    return JSONResponse(await request.json())


async def g_view(request: Request) -> Response:
    return JSONResponse({"user": request.state.user})


templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


async def template(request: Request) -> Response:
    # The same templates/bench.html as the Quart app (Jinja2, autoescaped).
    return templates.TemplateResponse(
        request,
        "bench.html",
        {"title": TEMPLATE_TITLE, "items": TEMPLATE_ITEMS, "user": request.state.user},
    )


async def ws_echo(websocket: WebSocket) -> None:
    # Text in, text out, like the Quart app's echo (which keeps the type).
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


async def large_file(request: Request) -> Response:
    # Large bodies, over the wire only (wire.py --large).
    return FileResponse(os.environ[LARGE_FILE_ENV], media_type="application/octet-stream")


async def large_stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(STREAM_CHUNKS):
            yield STREAM_CHUNK

    return StreamingResponse(chunks(), media_type="application/octet-stream")


def create_app() -> Starlette:
    routes = [
        Route(rule, _make_filler(str(i))) for i, rule in enumerate(STATIC_FILLERS + PARAM_FILLERS)
    ]
    routes += [
        Route("/plaintext", plaintext, methods=["GET"]),
        Route("/json", json_view, methods=["GET"]),
        Route("/users/{user_id:int}/posts/{slug}", user_post, methods=["GET"]),
        Route("/query", query, methods=["GET"]),
        Route("/form", form, methods=["POST"]),
        Route("/echo", echo, methods=["POST"]),
        Route("/g", g_view, methods=["GET"]),
        Route("/template", template, methods=["GET"]),
        WebSocketRoute("/ws", ws_echo),
        Route("/file", large_file, methods=["GET"]),
        Route("/stream", large_stream, methods=["GET"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SetUserMiddleware)])


app = create_app()
