"""The ASGI adapter: the only package that reads or writes ASGI messages.

Layout: ``_http`` serves requests; ``_websocket_serve`` starts a websocket
and runs its pipeline, ``_websocket`` is the connection (messages,
disconnects, closes); ``_lifespan`` the lifespan protocol; ``_disconnect``
notices clients that leave and enforces ``BODY_TIMEOUT``; ``_common``
decodes scopes and encodes headers; ``_messages`` builds the typed messages,
the plain-error answers and the policy for errors that escape the app;
``_refusal`` sends a websocket's HTTP refusal; ``_compat`` adapts Quart
0.22's connection classes to this engine; ``_hypercorn_fixes`` works around
two Hypercorn bugs.

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

from typing import Any
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers as Headers
from werkzeug.wrappers import Response as WerkzeugResponse  # noqa: F401

from .. import _lazy
from ..signals import websocket_received as websocket_received
from ..signals import websocket_sent as websocket_sent
from ..typing import ResponseTypes as ResponseTypes
from ..utils import cancel_tasks as cancel_tasks
from ..utils import encode_headers as encode_headers
from ..utils import raise_task_exceptions as raise_task_exceptions
from ..wrappers import Request as Request
from ..wrappers import Response as Response
from ..wrappers import Websocket as Websocket
from ._compat import ASGIHTTPConnection as ASGIHTTPConnection
from ._compat import ASGIWebsocketConnection as ASGIWebsocketConnection
from ._http import handle_http as handle_http
from ._http import send_response as send_response
from ._lifespan import handle_lifespan as handle_lifespan
from ._websocket_serve import handle_websocket as handle_websocket

if TYPE_CHECKING:
    from ..app import Quart
    from ..debug import traceback_response as traceback_response
    from ..typing import ASGIReceiveCallable as ASGIReceiveCallable
    from ..typing import ASGISendCallable as ASGISendCallable
    from ..typing import HTTPScope as HTTPScope
    from ..typing import LifespanScope as LifespanScope
    from ..typing import Scope
    from ..typing import WebsocketScope as WebsocketScope

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


async def serve_through_class(
    app: Quart, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> None:
    """Serve a connection through the app's ``asgi_*_class`` (Quart 0.22's
    connection classes; always for ``lifespan``)."""
    handler: Any
    if scope["type"] == "http":
        handler = app.asgi_http_class(app, scope)
    elif scope["type"] == "websocket":
        handler = app.asgi_websocket_class(app, scope)
    elif scope["type"] == "lifespan":
        handler = app.asgi_lifespan_class(app, scope)
    else:
        raise RuntimeError(
            f"Quart cannot serve ASGI scope type {scope['type']!r}; it serves 'http',"
            " 'websocket' and 'lifespan'."
        )
    await handler(receive, send)


# -- Quart 0.22's module-level helpers, for code that imports them from here ----


def _convert_version(raw: str) -> list[int]:
    """An ASGI spec version such as ``"2.3"`` as a list of ints, ``[2, 3]``."""
    return list(map(int, raw.split(".")))


async def _handle_exception(app: Quart, error: Exception) -> Response:
    """The answer to an error that escaped the app: the traceback page in
    debug or testing mode; otherwise the error is raised again."""
    if app.debug or app.testing:
        from ..debug import traceback_response

        return await traceback_response(error)
    raise error


def _normalise_path(path: str, root_path: str) -> str:
    """``path`` with ``root_path`` cut from its start, as Quart 0.22 does it:
    a path that is the root path itself, or does not start with it, becomes
    ``" "`` (which matches no ordinary route). Requests are routed with
    :func:`quart.routing.split_root_path`, not with this."""
    if path == root_path or not path.startswith(root_path):
        return " "
    return path.removeprefix(root_path)


#: Imported on first use (quart._lazy): the debug page, and the ASGI types
#: (Hypercorn's TypedDicts, annotations only) that Quart's module imports.
_LAZY_NAMES: _lazy.LazyNames = {
    "traceback_response": ("quart.debug", "traceback_response"),
    **{
        name: ("quart.typing", name)
        for name in (
            "ASGIReceiveCallable",
            "ASGISendCallable",
            "HTTPScope",
            "LifespanScope",
            "WebsocketScope",
        )
    },
    **{
        name: ("hypercorn.typing", name)
        for name in (
            "HTTPResponseBodyEvent",
            "HTTPResponseStartEvent",
            "LifespanShutdownCompleteEvent",
            "LifespanShutdownFailedEvent",
            "LifespanStartupCompleteEvent",
            "LifespanStartupFailedEvent",
            "WebsocketAcceptEvent",
            "WebsocketCloseEvent",
            "WebsocketResponseBodyEvent",
            "WebsocketResponseStartEvent",
        )
    },
}


def __getattr__(name: str) -> Any:
    return _lazy.load(__name__, name, _LAZY_NAMES)


def __dir__() -> list[str]:
    return _lazy.names(__name__, _LAZY_NAMES)
