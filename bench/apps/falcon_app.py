"""The Falcon (ASGI) twin of ``quart_app.py`` (same routes, same responses).

Written the idiomatic Falcon way: resource classes with ``on_get``/``on_post``
responders on a ``falcon.asgi.App``, typed URI fields (``{user_id:int}``),
``req.get_param*`` for the query, ``req.get_media()`` for both the urlencoded
form and the JSON body (Falcon's default media handlers), ``resp.media`` for
JSON out, and a middleware's ``process_request`` for the per-request hook (the
equivalent of Quart's ``before_request`` + ``g``: it sets ``req.context.user``).
Falcon has no templating of its own; the documented way is to render with
Jinja2 directly (a sync ``Environment``, autoescaped, template cached by Jinja).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
from endpoints import TEMPLATE_ITEMS
from endpoints import TEMPLATE_TITLE
from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import select_autoescape

#: Endpoints of ``endpoints.py`` this framework cannot serve (shown as ``—``).
UNSUPPORTED: frozenset[str] = frozenset()

STATIC_FILLERS = [f"/a{i}" for i in range(1, 13)]
PARAM_FILLERS = [
    "/users/{user_id:int}",
    "/users/{user_id:int}/posts",
    "/users/{user_id:int}/comments/{comment_id:int}",
    "/items/{name}",
    "/blog/{year:int}/{slug}",
    "/files/{filepath:path}",
]

JINJA = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(),
)


class SetUser:
    """Middleware: runs for every request, like Quart's before_request hook."""

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        req.context.user = "bench"


class Filler:
    def __init__(self, name: str) -> None:
        self.name = name

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, **params: Any
    ) -> None:
        resp.media = {"filler": self.name, **params}


class Plaintext:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class JsonView:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"message": "Hello, World!"}


class UserPost:
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, user_id: int, slug: str
    ) -> None:
        resp.media = {"user_id": user_id, "slug": slug}


class Query:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {
            "name": req.get_param("name"),
            "page": req.get_param_as_int("page"),
            "token": req.get_header("X-Token"),
        }


class Form:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = await req.get_media()


class Echo:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = await req.get_media()


class GView:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"user": req.context.user}


class TemplateView:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = JINJA.get_template("bench.html").render(
            title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS, user=req.context.user
        )


class WsEcho:
    async def on_websocket(self, req: falcon.asgi.Request, ws: falcon.asgi.WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except falcon.WebSocketDisconnected:
            pass


def create_app() -> falcon.asgi.App:
    app = falcon.asgi.App(middleware=[SetUser()])
    for i, rule in enumerate(STATIC_FILLERS + PARAM_FILLERS):
        app.add_route(rule, Filler(str(i)))
    app.add_route("/plaintext", Plaintext())
    app.add_route("/json", JsonView())
    app.add_route("/users/{user_id:int}/posts/{slug}", UserPost())
    app.add_route("/query", Query())
    app.add_route("/form", Form())
    app.add_route("/echo", Echo())
    app.add_route("/g", GView())
    app.add_route("/template", TemplateView())
    app.add_route("/ws", WsEcho())
    return app


app = create_app()
