"""The ASGI messages Quart sends, typed, and its plain-error answers.

Rule: every dict handed to an ASGI ``send`` is built here, or, on the
per-message hot path, written in place as a literal annotated with one of the
TypedDicts named here. Either way mypy checks its keys. A TypedDict literal
costs nothing at run time, where a builder is one more call per message: the
hot messages (``http.response.start`` and ``http.response.body`` of every
response, ``websocket.send`` of every frame) stay literals; measure with
``python bench/run.py --callgrind --only ours --endpoints plaintext,json,ws_echo``
before turning one into a call. The types are hypercorn's
(:mod:`hypercorn.typing`), which :mod:`quart.typing` re-exports.

Also here, once: the plain answers sent when no response of the app's can be
(:func:`plain_error`, :func:`plain_500_response`), and what happens to an
error that escaped the app (:func:`reraises_escaped`, :func:`log_escaped`).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import cast
from typing import TYPE_CHECKING

from werkzeug.exceptions import InternalServerError

from .._headers import FastHeaders
from ..logging import escape_control_characters

if TYPE_CHECKING:
    from hypercorn.typing import HTTPResponseBodyEvent as HTTPResponseBodyEvent
    from hypercorn.typing import HTTPResponseStartEvent as HTTPResponseStartEvent
    from hypercorn.typing import HTTPServerPushEvent
    from hypercorn.typing import LifespanShutdownCompleteEvent
    from hypercorn.typing import LifespanShutdownFailedEvent
    from hypercorn.typing import LifespanStartupCompleteEvent
    from hypercorn.typing import LifespanStartupFailedEvent
    from hypercorn.typing import WebsocketAcceptEvent as WebsocketAcceptEvent
    from hypercorn.typing import WebsocketCloseEvent
    from hypercorn.typing import WebsocketDisconnectEvent
    from hypercorn.typing import WebsocketResponseBodyEvent
    from hypercorn.typing import WebsocketResponseStartEvent
    from hypercorn.typing import WebsocketSendEvent as WebsocketSendEvent

    from ..app import Quart
    from ..wrappers import Response

    LifespanReply = (
        LifespanStartupCompleteEvent
        | LifespanStartupFailedEvent
        | LifespanShutdownCompleteEvent
        | LifespanShutdownFailedEvent
    )

RawHeaders = Iterable[tuple[bytes, bytes]]


# -- HTTP -----------------------------------------------------------------------


def plain_error(
    status: int, close: bool = False
) -> tuple[HTTPResponseStartEvent, HTTPResponseBodyEvent]:
    """The text answer (``400 Bad Request``, ``500 Error``) for a request no
    response of the app's can answer: a head no app may serve, a header that
    cannot be sent, a body that failed before its first chunk."""
    body = f"{status} {'Bad Request' if status == 400 else 'Error'}".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    return (
        {"type": "http.response.start", "status": status, "headers": headers, "trailers": False},
        {"type": "http.response.body", "body": body, "more_body": False},
    )


def push_promise(path: str, headers: RawHeaders) -> HTTPServerPushEvent:
    """An HTTP/2 server push of ``path`` (the ``http.response.push`` extension)."""
    return {"type": "http.response.push", "path": path, "headers": headers}


# -- websocket ------------------------------------------------------------------


def websocket_close(code: int, reason: str | None) -> WebsocketCloseEvent:
    """Close with ``code``; ``reason`` ``None`` for a server that speaks an
    ASGI websocket spec before 2.3, which has no ``reason`` key."""
    if reason is None:
        # hypercorn's TypedDict makes ``reason`` required (spec 2.3 and later).
        return cast("WebsocketCloseEvent", {"type": "websocket.close", "code": code})
    return {"type": "websocket.close", "code": code, "reason": reason}


def websocket_disconnect_info(message: WebsocketDisconnectEvent) -> tuple[int, str]:
    """The close code and reason of a ``websocket.disconnect`` (1005 and ``""``
    when absent; ``reason`` is spec 2.3's, which hypercorn's type lacks)."""
    keys: Mapping[str, object] = message
    reason = keys.get("reason")
    return message.get("code") or 1005, reason if isinstance(reason, str) else ""


def websocket_refusal(
    status: int, headers: RawHeaders, body: bytes
) -> tuple[WebsocketResponseStartEvent, WebsocketResponseBodyEvent]:
    """An HTTP response refusing the handshake (the ``websocket.http.response``
    extension)."""
    return (
        {"type": "websocket.http.response.start", "status": status, "headers": headers},
        {"type": "websocket.http.response.body", "body": body, "more_body": False},
    )


# -- lifespan -------------------------------------------------------------------


def lifespan_reply(kind: str, error: Exception | None = None) -> LifespanReply:
    """The answer to ``lifespan.startup`` or ``lifespan.shutdown`` (``kind``):
    complete, or failed with ``error``'s class and text."""
    if error is None:
        if kind == "lifespan.startup":
            return {"type": "lifespan.startup.complete"}
        return {"type": "lifespan.shutdown.complete"}
    text = f"{type(error).__name__}: {error}"
    if kind == "lifespan.startup":
        return {"type": "lifespan.startup.failed", "message": text}
    return {"type": "lifespan.shutdown.failed", "message": text}


# -- errors that escaped the app --------------------------------------------------


def reraises_escaped(app: Quart) -> bool:
    """Whether an error that escaped the app goes on to the server
    (``PROPAGATE_EXCEPTIONS`` outside debug and testing) instead of being
    logged and answered with a 500 (or, in debug, the traceback page)."""
    return bool(app.config["PROPAGATE_EXCEPTIONS"]) and not (app.debug or app.testing)


def log_escaped(app: Quart, what: str, path: str, error: BaseException) -> None:
    """Log an error that escaped the app, once, with its traceback; ``what``
    is ``"request GET"`` or ``"websocket"`` (control characters in the path
    are escaped: one line per connection)."""
    app.logger.error(
        f"Exception on {what} {escape_control_characters(path)}",
        exc_info=(type(error), error, error.__traceback__),
    )


def plain_500_response(app: Quart) -> Response:
    """Werkzeug's plain ``500 Internal Server Error`` page, as the app's
    response class."""
    plain = InternalServerError()
    return app.response_class(
        plain.get_body(), status=500, headers=FastHeaders(plain.get_headers())
    )
