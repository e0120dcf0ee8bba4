"""Finding and calling error handlers, and logging unhandled errors.

The bodies of :meth:`Quart.handle_user_exception`,
:meth:`Quart.handle_http_exception` and :meth:`Quart.log_exception`; the
pipeline reaches the first through its table of steps.
"""

from __future__ import annotations

from typing import cast
from typing import TYPE_CHECKING

from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException

from ..logging import escape_control_characters

if TYPE_CHECKING:
    from types import TracebackType

    from ..app import Quart
    from ..ctx import _BaseRequestWebsocketContext as Ctx
    from ..typing import ResponseReturnValue


async def user_exception(
    app: Quart, ctx: Ctx, error: Exception
) -> ResponseReturnValue | HTTPException:
    """Find and call the error handler for ``error`` (re-raised if none)."""
    if isinstance(error, BadRequestKeyError) and (
        app.debug or app.config["TRAP_BAD_REQUEST_ERRORS"]
    ):
        error.show_exception = True
    if isinstance(error, HTTPException) and not app.trap_http_exception(error):
        return await app.handle_http_exception(error)
    handler = app._find_error_handler(error, ctx.request_websocket.blueprints)
    if handler is None:
        try:
            raise error
        finally:
            # The error's traceback holds this frame: it must not hold the
            # error (a reference cycle per unhandled error).
            del error
    # Flask types handlers as returning its own ResponseReturnValue.
    return cast("ResponseReturnValue", await app.ensure_async(handler)(error))


async def http_exception(
    app: Quart, ctx: Ctx | None, error: HTTPException
) -> HTTPException | ResponseReturnValue:
    """Call the handler registered for an HTTP error, or return the error."""
    if error.code is None or isinstance(error, RoutingException):
        return error
    blueprints = ctx.request_websocket.blueprints if ctx is not None else []
    handler = app._find_error_handler(error, blueprints)
    if handler is None:
        return error
    # Flask types handlers as returning its own ResponseReturnValue.
    return cast("ResponseReturnValue", await app.ensure_async(handler)(error))


def log_exception(
    app: Quart,
    ctx: Ctx | None,
    exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None],
) -> None:
    """Log an unhandled error (path and method escaped: one line per request)."""
    if ctx is None:
        app.logger.error("Exception", exc_info=exc_info)
        return
    target = ctx.request_websocket
    kind = "websocket" if ctx._is_websocket else "request"
    what = f"{target.method} {escape_control_characters(target.path)}"
    app.logger.error(f"Exception on {kind} {what}", exc_info=exc_info)
