"""The ASGI lifespan protocol: startup and shutdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _hypercorn_fixes
from ._messages import lifespan_reply

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import ASGIReceiveCallable
    from ..typing import ASGISendCallable
    from ..typing import LifespanScope


async def handle_lifespan(
    app: Quart, scope: LifespanScope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> None:
    """Run startup and shutdown when the server says so."""
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "lifespan.startup":
            _hypercorn_fixes.apply()  # Before the server takes its first connection.
            step, last = app.startup, False
        elif kind == "lifespan.shutdown":
            step, last = app.shutdown, True
        else:
            continue
        try:
            await step()
        except Exception as error:
            await send(lifespan_reply(kind, error))
            return
        await send(lifespan_reply(kind))
        if last:
            return
