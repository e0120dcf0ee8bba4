"""The Litestar twin of ``quart_app.py`` (same routes, same responses).

Written the idiomatic Litestar way: decorated handler functions with type
annotations doing the work (path parameters ``{user_id:int}``, query parameters
and the ``X-Token`` header as typed handler arguments, the urlencoded form and
the JSON body as ``data`` with the matching ``Body`` media type), responses
serialised from return values (msgspec), an app-level ``before_request`` hook
that sets ``request.state.user`` (the equivalent of Quart's ``before_request``
+ ``g``), ``Template`` responses through the Jinja2 engine, and a
``@websocket`` handler for the echo. POST handlers are set to answer 200 (the
Litestar default for POST is 201).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from typing import Any

from endpoints import TEMPLATE_ITEMS
from endpoints import TEMPLATE_TITLE
from litestar import get
from litestar import Litestar
from litestar import MediaType
from litestar import post
from litestar import Request
from litestar import WebSocket
from litestar import websocket
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.enums import RequestEncodingType
from litestar.exceptions import WebSocketDisconnect
from litestar.params import Body
from litestar.params import Parameter
from litestar.response import Template
from litestar.template.config import TemplateConfig

#: Endpoints of ``endpoints.py`` this framework cannot serve (shown as ``—``).
UNSUPPORTED: frozenset[str] = frozenset()

STATIC_FILLERS = [f"/a{i}" for i in range(1, 13)]
PARAM_FILLERS = [
    "/users/{user_id:int}",
    "/users/{user_id:int}/posts",
    "/users/{user_id:int}/comments/{comment_id:int}",
    "/items/{name:str}",
    "/blog/{year:int}/{slug:str}",
    "/files/{filepath:path}",
]


def _make_filler(i: int, rule: str) -> Any:
    async def filler(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"filler": str(i), **request.path_params}

    return get(rule, name=f"filler_{i}")(filler)


async def set_user(request: Request[Any, Any, Any]) -> None:
    # Runs for every request (all routes), like Quart's before_request hook.
    request.state.user = "bench"


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    return "Hello, World!"


@get("/json")
async def json_view() -> dict[str, str]:
    return {"message": "Hello, World!"}


@get("/users/{user_id:int}/posts/{slug:str}")
async def user_post(user_id: int, slug: str) -> dict[str, Any]:
    return {"user_id": user_id, "slug": slug}


@get("/query")
async def query(
    name: str | None = None,
    page: int | None = None,
    token: Annotated[str | None, Parameter(header="X-Token")] = None,
) -> dict[str, Any]:
    return {"name": name, "page": page, "token": token}


@post("/form", status_code=200)
async def form(
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> dict[str, str]:
    return data


@post("/echo", status_code=200)
async def echo(data: dict[str, Any]) -> dict[str, Any]:
    return data


@get("/g")
async def g_view(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {"user": request.state.user}


@get("/template")
async def template(request: Request[Any, Any, Any]) -> Template:
    return Template(
        template_name="bench.html",
        context={"title": TEMPLATE_TITLE, "items": TEMPLATE_ITEMS, "user": request.state.user},
    )


@websocket("/ws")
async def ws_echo(socket: WebSocket[Any, Any, Any]) -> None:
    await socket.accept()
    try:
        while True:
            await socket.send_text(await socket.receive_text())
    except WebSocketDisconnect:
        pass


def create_app() -> Litestar:
    fillers = [_make_filler(i, rule) for i, rule in enumerate(STATIC_FILLERS + PARAM_FILLERS)]
    return Litestar(
        route_handlers=[
            *fillers,
            plaintext,
            json_view,
            user_post,
            query,
            form,
            echo,
            g_view,
            template,
            ws_echo,
        ],
        before_request=set_user,
        template_config=TemplateConfig(
            directory=Path(__file__).parent / "templates", engine=JinjaTemplateEngine
        ),
    )


app = create_app()
