"""The ASGI adapter: the only package that reads or writes ASGI messages.

Layout: ``_http`` serves requests, ``_websocket`` websockets, ``_lifespan``
the lifespan protocol; ``_disconnect`` notices clients that leave and
enforces ``BODY_TIMEOUT``; ``_common`` decodes scopes and encodes headers.

How a request flows: :func:`handle_http` decodes the scope once into a
:class:`~quart.wrappers.Request` (headers decoded and validated in one
pass), wires the body to ``receive`` (pulled on demand: no reader task, no
buffer), awaits :meth:`Quart.handle_request` in the server's own task, and
sends the response. A body held in memory goes out as one
``http.response.body`` message; a streamed body is sent chunk by chunk under
one ``RESPONSE_TIMEOUT`` deadline (not a timer per chunk), and the response
start is held back until the first chunk so a generator that fails before
producing anything still gets a clean 500.

Errors that escape the app (propagated, or raised by teardown functions)
stop here: a traceback page in debug/testing, otherwise a log line and a
plain 500; with ``PROPAGATE_EXCEPTIONS = True`` outside debug/testing they
are re-raised to the server. A vanished client ends the request quietly.

Websockets (:func:`handle_websocket`) run on the same pipeline; how their
messages, disconnects and closes work is described in the comment at the
top of ``quart.asgi._websocket``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..signals import websocket_received as websocket_received
from ..signals import websocket_sent as websocket_sent
from ..typing import ASGIReceiveCallable as ASGIReceiveCallable
from ..typing import ASGISendCallable as ASGISendCallable
from ..typing import ResponseTypes as ResponseTypes
from ._compat import ASGIHTTPConnection as ASGIHTTPConnection
from ._compat import ASGIWebsocketConnection as ASGIWebsocketConnection
from ._http import handle_http as handle_http
from ._http import send_response as send_response
from ._lifespan import handle_lifespan as handle_lifespan
from ._websocket import handle_websocket as handle_websocket

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import LifespanScope

__all__ = ["ASGIHTTPConnection", "ASGILifespan", "ASGIWebsocketConnection"]


class ASGILifespan:
    """Serves the ASGI lifespan protocol.

    :param app: The application.
    :param scope: The ASGI ``lifespan`` scope.
    """

    def __init__(self, app: Quart, scope: LifespanScope) -> None:
        self.app = app
        self.scope = scope

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the lifespan protocol until shutdown."""
        await handle_lifespan(self.app, self.scope, receive, send)
