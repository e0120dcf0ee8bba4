"""The benchmark app written against the Quart API.

The very same module is imported by the project's package (``--framework ours``,
run with the project's ``.venv``) and by the real Quart from PyPI
(``--framework quart``, run with ``bench/.venv-ref``); which ``quart`` gets
imported is decided by the interpreter that runs ``inproc.py``.

Routes must stay behaviourally identical to ``starlette_app.py``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

from endpoints import LARGE_FILE_ENV
from endpoints import STREAM_CHUNK
from endpoints import STREAM_CHUNKS
from endpoints import TEMPLATE_ITEMS
from endpoints import TEMPLATE_TITLE

from quart import g
from quart import Quart
from quart import render_template
from quart import request
from quart import send_file
from quart import websocket

PLAINTEXT_HEADERS = {"Content-Type": "text/plain; charset=utf-8"}

# ~18 routes that are never requested, so the benchmarked ones are matched in a
# router of realistic size (~25 rules). They are registered first, which is the
# unfavourable position for linear matchers (Starlette) and irrelevant for
# Werkzeug's state-machine matcher.
STATIC_FILLERS = [f"/a{i}" for i in range(1, 13)]
PARAM_FILLERS = [
    "/users/<int:user_id>",
    "/users/<int:user_id>/posts",
    "/users/<int:user_id>/comments/<int:comment_id>",
    "/items/<name>",
    "/blog/<int:year>/<slug>",
    "/files/<path:filepath>",
]


def _make_filler(name: str) -> Any:
    async def filler(**kwargs: Any) -> Any:
        return {"filler": name, **kwargs}

    filler.__name__ = f"filler_{name}"
    return filler


def create_app() -> Quart:
    app = Quart(__name__)

    for i, rule in enumerate(STATIC_FILLERS + PARAM_FILLERS):
        app.add_url_rule(rule, f"filler_{i}", _make_filler(str(i)))

    @app.before_request
    async def set_user() -> None:
        # Runs for every request (all routes); the Starlette app does the
        # equivalent in a pure-ASGI middleware.
        g.user = "bench"

    @app.get("/plaintext")
    async def plaintext() -> Any:
        return "Hello, World!", PLAINTEXT_HEADERS

    @app.get("/json")
    async def json_view() -> Any:
        return {"message": "Hello, World!"}

    @app.get("/users/<int:user_id>/posts/<slug>")
    async def user_post(user_id: int, slug: str) -> Any:
        return {"user_id": user_id, "slug": slug}

    @app.get("/query")
    async def query() -> Any:
        return {
            "name": request.args.get("name"),
            "page": request.args.get("page", type=int),
            "token": request.headers.get("X-Token"),
        }

    @app.post("/form")
    async def form() -> Any:
        data = await request.form
        return data.to_dict()

    @app.post("/echo")
    async def echo() -> Any:
        return await request.get_json()

    @app.get("/g")
    async def g_view() -> Any:
        return {"user": g.user}

    @app.get("/template")
    async def template() -> Any:
        # templates/bench.html: a small page with a loop, autoescaped values
        # and the hook's user; compiled once, then cached by Jinja.
        return await render_template(
            "bench.html", title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS, user=g.user
        )

    @app.websocket("/ws")
    async def ws_echo() -> None:
        # Ends when the client disconnects (ours: WebsocketDisconnect from
        # receive(); Quart 0.22: the handler is cancelled).
        while True:
            await websocket.send(await websocket.receive())

    # Large bodies, over the wire only (wire.py --large).
    @app.get("/file")
    async def large_file() -> Any:
        return await send_file(os.environ[LARGE_FILE_ENV], mimetype="application/octet-stream")

    @app.get("/stream")
    async def large_stream() -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(STREAM_CHUNKS):
                yield STREAM_CHUNK

        return chunks(), {"Content-Type": "application/octet-stream"}

    return app


app = create_app()
