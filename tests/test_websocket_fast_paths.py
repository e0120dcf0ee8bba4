"""The websocket path's inlined copies do what the code they copy does."""

from __future__ import annotations

from typing import Any

from quart import Quart
from quart.ctx import _BaseRequestWebsocketContext
from quart.ctx import WebsocketContext


def test_inlined_context_init_sets_what_the_base_sets() -> None:
    app = Quart(__name__)
    websocket: Any = object()
    own = WebsocketContext(app, websocket)
    base = WebsocketContext.__new__(WebsocketContext)
    _BaseRequestWebsocketContext.__init__(base, app, websocket)
    assert vars(own) == vars(base)
    shared: Any = object()
    assert WebsocketContext(app, websocket, shared)._session is shared


def test_inlined_websocket_init_sets_what_the_base_sets() -> None:
    from werkzeug.datastructures import Headers

    from quart.wrappers import Websocket
    from quart.wrappers.base import BaseRequestWebsocket

    async def nothing(*args: Any) -> Any:
        return None

    for client in (("1.2.3.4", 5), None):
        scope: Any = {"client": client, "server": ("example.com", 80)}
        args = ("ws", "a/b", b"x=1", Headers({"Host": "h"}), "/root/", "1.1")
        own = Websocket(
            args[1], args[2], args[0], args[3], args[4], args[5], [], *[nothing] * 4, scope
        )
        base = Websocket.__new__(Websocket)
        BaseRequestWebsocket.__init__(
            base, "GET", *args[:1], args[1], args[2], args[3], args[4], args[5], scope
        )
        own_vars = {k: v for k, v in vars(own).items() if not k.startswith("_")}
        assert own_vars == vars(base)
