"""Serving one HTTP request."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any
from typing import cast
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.sansio.response import Response as SansIOResponse

from .._headers import FastHeaders
from ..ctx import RequestContext
from ..logging import escape_control_characters
from ..wrappers._body_read import _parse_length
from ..wrappers.base import ClientDisconnectedError
from ..wrappers.response import _SeekableBody
from ..wrappers.response import DataBody
from ..wrappers.response import ReaderBody
from ._common import _BadHead
from ._common import _being_cancelled
from ._common import _decode_headers
from ._common import _default_host
from ._common import _encode_headers
from ._common import _encode_name
from ._common import _NAMES_OUT
from ._common import _safe_query
from ._common import _split_path
from ._common import _UnsendableHeader
from ._disconnect import _BodySource
from ._disconnect import _last_watchdog
from ._disconnect import cancel_watcher
from ._disconnect import current_watchdog
from ._messages import log_escaped
from ._messages import plain_500_response
from ._messages import plain_error
from ._messages import push_promise
from ._messages import reraises_escaped

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import ASGIReceiveCallable
    from ..typing import ASGISendCallable
    from ..typing import HTTPScope
    from ..wrappers import Request
    from ..wrappers import Response
    from ._messages import HTTPResponseBodyEvent
    from ._messages import HTTPResponseStartEvent


async def _push(send: ASGISendCallable, scope: HTTPScope, path: str, headers: Headers) -> None:
    if "http.response.push" in (scope.get("extensions") or {}):
        try:
            await send(push_promise(path, _encode_headers(headers)))
        except OSError as error:
            # The server could not write to the client (uvicorn's
            # ClientDisconnected is an OSError): the view sees the one
            # documented error, which then ends the request quietly.
            raise ClientDisconnectedError() from error


async def _no_push(path: str, headers: Headers) -> None:
    return None


_STATUS_CODE = SansIOResponse.status_code
_OBJECT_NEW = object.__new__
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})
#: A private scope key: send a HEAD response's body too (the test client's).
KEEP_HEAD_BODY = "_quart._keep_head_body"


async def _send_error(send: ASGISendCallable, status: int, close: bool = False) -> None:
    start, body = plain_error(status, close)
    await send(start)
    await send(body)


def request_from_scope(
    app: Quart, scope: HTTPScope, send_push_promise: Any
) -> tuple[Request, bool]:
    """Decode ``scope`` into the app's request class; also say whether the
    request declares that it has no body. Raises ``_BadHead`` for a head no
    app may serve."""
    # websocket_from_scope has a copy of these lines (a helper's call and
    # tuple cost 0.9k instructions per request: bench: plaintext, make
    # bench-instr): keep the two in step.
    http_version = scope.get("http_version", "1.1")
    headers, framing = _decode_headers(scope["headers"], http_version)
    if http_version != "1.1":
        _default_host(app, scope, headers)
    # The usual origin-form ASCII path outside any root path and ASCII query
    # need no work: _split_path and _safe_query only for the others
    # (bench: plaintext, make bench-instr).
    path = scope["path"]
    root_path = scope.get("root_path", "")
    if root_path or path[:1] != "/" or not path.isascii():
        root_path, path = _split_path(scope)
    query_string = scope["query_string"]
    if not query_string.isascii():
        query_string = _safe_query(query_string)
    config = app.config
    request_class = app.request_class
    length = framing[0]
    method = scope["method"]
    scheme = scope.get("scheme", "http")
    takes_length = request_class._takes_content_length
    content_length: int | None = None
    if takes_length and length is not None:
        # Found while decoding: the constructor need not look it up again.
        # Plain digits need no stripping or sign check (bench: json_echo).
        content_length = int(length) if length.isdecimal() else _parse_length(length)
    # (A subclass with Quart 0.22's __init__ signature takes no content_length.)
    if takes_length and request_class.__new__ is _OBJECT_NEW and type(request_class) is type:
        # request_class(...) as type.__call__ runs it, without the dict it
        # builds for the keywords and unpacks again for __init__ (bench:
        # plaintext, make bench-instr).
        request = _OBJECT_NEW(request_class)
        request.__init__(  # type: ignore[misc]
            method,
            scheme,
            path,
            query_string,
            headers,
            root_path,
            http_version,
            scope,
            max_content_length=config["MAX_CONTENT_LENGTH"],
            body_timeout=config["BODY_TIMEOUT"],
            send_push_promise=send_push_promise,
            content_length=content_length,
        )
    else:
        extra = {"content_length": content_length} if takes_length else {}
        request = request_class(
            method,
            scheme,
            path,
            query_string,
            headers,
            root_path,
            http_version,
            scope,
            max_content_length=config["MAX_CONTENT_LENGTH"],
            body_timeout=config["BODY_TIMEOUT"],
            send_push_promise=send_push_promise,
            **extra,
        )
    # Whether the request declares it has no body (inline, not a helper's
    # call: bench: plaintext, make bench-instr).
    chunked = framing[1]
    if length is not None:
        return request, length.strip() == "0"
    # With neither header HTTP/1.1 has no body (RFC 9112 §6.3), but not every
    # server passes framing headers through, and HTTP/2 bodies need no
    # length: only assume "no body" for methods that normally carry none.
    return request, not chunked and request.method in _BODYLESS_METHODS


async def handle_http(
    app: Quart, scope: HTTPScope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> None:
    """Serve one HTTP request."""
    push: Any = (
        functools.partial(_push, send, scope)
        if "http.response.push" in (scope.get("extensions") or {})
        else _no_push
    )
    try:
        request, no_body = request_from_scope(app, scope, push)
    except _BadHead:
        await _send_error(send, 400, close=True)
        return
    if no_body:
        # Nothing to read: the body starts complete, so the app never calls
        # receive() and the disconnect watcher may own it from the start.
        request.body._complete = True
    else:
        # The body pulls from the server (an attribute, not a setter method:
        # bench: json_echo, make bench-instr).
        request.body._pull = _BodySource(receive)
    # current_watchdog()'s usual answer, without the call (bench: plaintext,
    # make bench-instr).
    dog = _last_watchdog[0]
    if dog is None or dog._loop is not asyncio.get_running_loop():
        dog = current_watchdog()
    task = dog.add(receive, request)
    request._body_deadline = dog
    try:
        # respond(), inlined: a coroutine less per request (bench: plaintext,
        # make bench-instr). Keep the two in step.
        try:
            steps = app._http_steps
            if steps.direct:
                # app.handle_request(request) and app.request_context(request)
                # as Quart's own run them, when neither is overridden: a
                # coroutine and a call less (bench: plaintext, make bench-instr).
                response = await steps.handle(app, RequestContext(app, request))
            else:
                response = await app.handle_request(request)
        except ClientDisconnectedError:
            return
        except Exception as error:
            response = await _unhandled(app, request, error)
        except asyncio.CancelledError as error:
            if _being_cancelled():
                raise
            # Raised by the app itself (and propagated): an error, not a cancellation.
            response = await _unhandled(app, request, error)
        try:
            await send_response(app, request, response, send)
        except (ClientDisconnectedError, OSError):
            return
    except asyncio.CancelledError:
        if dog.left(task) and task is not None:
            # We cancelled the request because the client left: done, quietly.
            task.uncancel()
            return
        raise
    finally:
        watcher = dog.finish(task)
        if watcher is not None:
            await cancel_watcher(watcher)


async def respond(
    app: Quart,
    request: Request,
    send: ASGISendCallable,
    sender: Callable[[Quart, Request, Any, ASGISendCallable], Awaitable[None]] | None = None,
) -> None:
    """Run the app for ``request`` and send its answer (through ``sender``,
    :func:`send_response` by default): how every HTTP request ends, on the
    default path and through Quart 0.22's connection class alike
    (:func:`handle_http` has its own copy of these lines)."""
    try:
        steps = app._http_steps
        if steps.direct:
            response = await steps.handle(app, RequestContext(app, request))
        else:
            response = await app.handle_request(request)
    except ClientDisconnectedError:
        return
    except Exception as error:
        response = await _unhandled(app, request, error)
    except asyncio.CancelledError as error:
        if _being_cancelled():
            raise
        # Raised by the app itself (and propagated): an error, not a cancellation.
        response = await _unhandled(app, request, error)
    try:
        await (sender or send_response)(app, request, response, send)
    except (ClientDisconnectedError, OSError):
        return


async def _unhandled(app: Quart, request: Request, error: BaseException) -> Response:
    """An error escaped the app: traceback page, plain 500, or re-raise."""
    if reraises_escaped(app):
        raise error
    log_escaped(app, f"request {request.method}", request.path, error)
    if app.debug or app.testing:
        from ..debug import traceback_response

        # The page shows any exception (a CancelledError the app raised, too).
        return await traceback_response(cast(Exception, error))
    return plain_500_response(app)


async def send_response(
    app: Quart, request: Request, response: Any, send: ASGISendCallable
) -> None:
    """Send ``response``: in one message when held in memory, else streamed."""
    body = response.response
    data: bytes | None = None
    if isinstance(body, DataBody):
        data = body.data
        if body.begin or body.end != len(data):
            data = data[body.begin : body.end]
    elif (
        type(body) is list
        and not getattr(response, "direct_passthrough", True)
        and "Content-Type" in response.headers
    ):
        # A Werkzeug response held in memory (the page of an HTTPException,
        # as on Quart: bench/NOTES.md, "Session 6"): one message too. (One
        # without a Content-Type gets our default from the conversion below.)
        data = _joined(body)
    if data is not None:
        # _encode_headers, inlined for Quart's own headers (bench: plaintext,
        # make bench-instr); anything else, or a header that is not Latin-1,
        # goes through it.
        response_headers = response.headers
        headers: list[tuple[bytes, bytes]] | None = None
        if type(response_headers) is FastHeaders:
            headers = []
            names = _NAMES_OUT
            try:
                for key, value in response_headers._list:
                    name = names.get(key)
                    if name is None:
                        name = _encode_name(key)
                    headers.append((name, value.encode("latin-1")))
            except UnicodeEncodeError:
                headers = None
        if headers is None:
            try:
                headers = _encode_headers(response_headers)
            except _UnsendableHeader as error:
                await _unsendable(app, request, error, send)
                return
        # Typed literals, not builder calls: the hot path (bench: plaintext, json).
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            # Werkzeug's status_code property read in place, unless the class
            # has its own (bench: plaintext, make bench-instr).
            "status": response._status_code
            if type(response).status_code is _STATUS_CODE
            else response.status_code,
            "headers": headers,
            "trailers": False,
        }
        await send(start)
        end: HTTPResponseBodyEvent = {
            "type": "http.response.body",
            "body": b"" if request.method == "HEAD" and _drops_head_body(request) else data,
            "more_body": False,
        }
        await send(end)
        return
    if not hasattr(body, "__aenter__"):
        # A plain Werkzeug response body (an iterable of bytes).
        response = app.response_class(body, status=response.status_code, headers=response.headers)
        body = response.response
    timeout = response.timeout
    if timeout is Ellipsis:
        timeout = app.config["RESPONSE_TIMEOUT"]
    # A file's body (send_file, static files) may take as long as it needs
    # while the client keeps reading: the timeout then counts from the last
    # chunk sent. Any other body must be sent within the timeout as a whole.
    per_chunk = timeout is not None and isinstance(body, _SeekableBody | ReaderBody)
    try:
        async with asyncio.timeout(timeout) as deadline:
            idle = (deadline, timeout) if per_chunk else None
            await _stream_body(app, request, response, body, send, idle)
    except TimeoutError:
        app.logger.warning(
            "Response timed out after %s seconds; the connection was closed.", timeout
        )


def _joined(chunks: list[Any]) -> bytes | None:
    """A Werkzeug response's in-memory chunks as one body (``None`` unless
    they are all bytes)."""
    for chunk in chunks:
        if type(chunk) is not bytes:
            return None
    return b"".join(chunks)


def _drops_head_body(request: Request) -> bool:
    # A server drops a HEAD response's body anyway, so it is not produced;
    # the test client asks for it (KEEP_HEAD_BODY), as Quart's returns it.
    return KEEP_HEAD_BODY not in request.scope


async def _unsendable(
    app: Quart, request: Request, error: _UnsendableHeader, send: ASGISendCallable
) -> None:
    app.logger.error(
        f"Cannot answer {request.method} {escape_control_characters(request.path)}: {error}"
    )
    await _send_error(send, 500)


async def _stream_body(
    app: Quart,
    request: Request,
    response: Any,
    body: Any,
    send: ASGISendCallable,
    idle: tuple[asyncio.Timeout, float] | None = None,
) -> None:
    try:
        headers = _encode_headers(response.headers)
    except _UnsendableHeader as error:
        await _unsendable(app, request, error, send)
        return
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": response.status_code,
        "headers": headers,
        "trailers": False,
    }
    started = False
    try:
        async with body as chunks:
            if request.method != "HEAD" or not _drops_head_body(request):
                async for chunk in chunks:
                    if isinstance(chunk, str):
                        chunk = chunk.encode()
                    if not started:
                        await send(start)
                        started = True
                    body_chunk: HTTPResponseBodyEvent = {
                        "type": "http.response.body",
                        "body": chunk,
                        "more_body": True,
                    }
                    await send(body_chunk)
                    if idle is not None:
                        deadline, seconds = idle
                        deadline.reschedule(asyncio.get_running_loop().time() + seconds)
    except (ClientDisconnectedError, OSError):
        raise
    except (Exception, asyncio.CancelledError) as error:
        if isinstance(error, asyncio.CancelledError) and _being_cancelled():
            raise  # A real cancellation; one the body raised itself is an error.
        app.logger.error(
            "Exception while streaming the response to"
            f" {request.method} {escape_control_characters(request.path)}",
            exc_info=(type(error), error, error.__traceback__),
        )
        if started:
            return  # Unfinished response: the server closes the connection.
        await _send_error(send, 500)
        return
    if not started:
        await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"", "more_body": False}
    await send(end)
