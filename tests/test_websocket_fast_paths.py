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
