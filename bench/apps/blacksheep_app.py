"""The BlackSheep twin of ``quart_app.py`` (same routes, same responses).

Written the idiomatic BlackSheep way: handlers registered on ``app.router``,
route values bound by name (``{int:user_id}``), ``text``/``json`` response
helpers, a middleware for the per-request hook (the equivalent of Quart's
``before_request`` + ``g``: it stores the user on the request), and the
built-in Jinja2 renderer (``view``, synchronous rendering, autoescaped) for the
template. ``APP_JINJA_EXTENSION`` is BlackSheep's documented setting for the
template file extension; it is set so the shared ``bench.html`` is found.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("APP_JINJA_EXTENSION", ".html")

from blacksheep import Application
from blacksheep import json
from blacksheep import Request
from blacksheep import Response
from blacksheep import text
from blacksheep import WebSocket
from blacksheep.server.rendering.jinja2 import JinjaRenderer
from blacksheep.server.responses import view
from blacksheep.server.websocket import WebSocketDisconnectError
from blacksheep.settings.html import html_settings
from endpoints import TEMPLATE_ITEMS
from endpoints import TEMPLATE_TITLE
from jinja2 import FileSystemLoader

#: Endpoints of ``endpoints.py`` this framework cannot serve (shown as ``—``).
UNSUPPORTED: frozenset[str] = frozenset()

STATIC_FILLERS = [f"/a{i}" for i in range(1, 13)]
PARAM_FILLERS = [
    "/users/{int:user_id}",
    "/users/{int:user_id}/posts",
    "/users/{int:user_id}/comments/{int:comment_id}",
    "/items/{name}",
    "/blog/{int:year}/{slug}",
    "/files/{path:filepath}",
]


def _make_filler(name: str) -> Any:
    async def filler(request: Request) -> Response:
        return json({"filler": name, **request.route_values})

    return filler


async def set_user(request: Request, handler: Callable[[Request], Awaitable[Response]]) -> Any:
    # Runs for every request (all routes), like Quart's before_request hook.
    request.scope["state"]["user"] = "bench"
    return await handler(request)


def create_app() -> Application:
    app = Application()
    html_settings.use(JinjaRenderer(FileSystemLoader(Path(__file__).parent / "templates")))
    app.middlewares.append(set_user)
    get, post = app.router.get, app.router.post

    for i, rule in enumerate(STATIC_FILLERS + PARAM_FILLERS):
        get(rule)(_make_filler(str(i)))

    @get("/plaintext")
    async def plaintext() -> Response:
        return text("Hello, World!")

    @get("/json")
    async def json_view() -> Response:
        return json({"message": "Hello, World!"})

    @get("/users/{int:user_id}/posts/{slug}")
    async def user_post(user_id: int, slug: str) -> Response:
        return json({"user_id": user_id, "slug": slug})

    @get("/query")
    async def query(request: Request) -> Response:
        args = request.query
        token = request.get_first_header(b"X-Token")
        return json(
            {
                "name": args["name"][0] if "name" in args else None,
                "page": int(args["page"][0]) if "page" in args else None,
                "token": token.decode() if token is not None else None,
            }
        )

    @post("/form")
    async def form(request: Request) -> Response:
        return json(await request.form())

    @post("/echo")
    async def echo(request: Request) -> Response:
        return json(await request.json())

    @get("/g")
    async def g_view(request: Request) -> Response:
        return json({"user": request.scope["state"]["user"]})

    @get("/template")
    async def template(request: Request) -> Response:
        return view(
            "bench.html",
            {
                "title": TEMPLATE_TITLE,
                "items": TEMPLATE_ITEMS,
                "user": request.scope["state"]["user"],
            },
        )

    @app.router.ws("/ws")
    async def ws_echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnectError:
            pass

    return app


app = create_app()
