"""Code only the type checker reads (``make lint`` runs mypy on it): what a
Quart user's annotated app looks like must type-check, as it does with Quart."""

from __future__ import annotations

from quart import Quart
from quart import ResponseReturnValue
from quart import websocket
from quart.testing import QuartClient
from quart.typing import ResponseTypes

app = Quart(__name__)


@app.route("/")
async def index() -> ResponseReturnValue:
    """A view annotated with Quart's return type."""
    return "hi"


@app.get("/tuple")
async def with_status() -> ResponseReturnValue:
    """The tuple forms."""
    return {"ok": True}, 201, {"X-A": "b"}


def sync_view() -> ResponseReturnValue:
    """A sync view."""
    return "sync"


app.add_url_rule("/sync", view_func=sync_view)


@app.websocket("/ws")
async def ws() -> None:
    """A websocket view."""
    await websocket.send(await websocket.receive())


@app.after_request
async def tag(response: ResponseTypes) -> ResponseTypes:
    """An after_request function."""
    response.headers["X-Tag"] = "1"
    return response


@app.cli.command("hello")
def hello() -> None:
    """A CLI command."""


async def check(client: QuartClient) -> str:
    """Test-client responses: ``get_data(as_text=True)`` is ``str``."""
    response = await client.get("/")
    data: bytes = await response.get_data()
    text: str = await response.get_data(as_text=True)
    return text + data.decode()
