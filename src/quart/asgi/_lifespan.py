"""The ASGI lifespan protocol: startup and shutdown."""

from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING

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
        message: Any = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await app.startup()
            except Exception as error:
                await send(
                    {
                        "type": "lifespan.startup.failed",
                        "message": f"{type(error).__name__}: {error}",
                    }
                )
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await app.shutdown()
            except Exception as error:
                await send(
                    {
                        "type": "lifespan.shutdown.failed",
                        "message": f"{type(error).__name__}: {error}",
                    }
                )
                return
            await send({"type": "lifespan.shutdown.complete"})
            return
