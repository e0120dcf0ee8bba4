"""Helpers users call from views: ``url_for``, ``redirect``, ``abort``, ``flash``, files."""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncGenerator
from collections.abc import Callable
from collections.abc import Iterable
from datetime import UTC as UTC  # Quart 0.22 has it here (api_gap, test_module_names).
from typing import Any
from typing import NoReturn
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask.sansio.scaffold import find_package as find_package
from werkzeug.exceptions import abort as _wz_abort
from werkzeug.utils import redirect as _wz_redirect

from ._app import urls
from ._send_file import DEFAULT_MIMETYPE as DEFAULT_MIMETYPE
from ._send_file import send_file as send_file
from ._send_file import send_from_directory as send_from_directory
from .globals import _current_app
from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .globals import current_app
from .globals import request as request
from .globals import request_ctx
from .globals import session
from .signals import message_flashed
from .templating import get_template_attribute as get_template_attribute
from .typing import FilePath as FilePath
from .typing import ResponseReturnValue as ResponseReturnValue
from .typing import ResponseTypes as ResponseTypes

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WerkzeugResponse

    from .wrappers import Response

__all__ = [
    "DEFAULT_MIMETYPE",
    "abort",
    "find_package",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_template_attribute",
    "locked_cached_property",
    "make_push_promise",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]

#: Kept for old code; a plain property.
locked_cached_property = property


def get_debug_flag() -> bool:
    """Whether ``QUART_DEBUG`` asks for debug mode (``0``, ``false``, ``no`` do not)."""
    value = os.environ.get("QUART_DEBUG", "")
    return bool(value) and value.lower() not in {"0", "false", "no"}


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files (``QUART_SKIP_DOTENV`` turns it off).

    :param default: The answer when the variable is not set.
    """
    value = os.environ.get("QUART_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in {"0", "false", "no"}


async def make_response(*args: Any) -> ResponseTypes:
    """Make a response from view-style arguments, to add headers before returning.

    ``make_response("body", 201, {"X": "y"})`` is the same as returning that
    tuple; with no arguments, an empty response.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return await current_app.make_response(args)


async def make_push_promise(path: str) -> None:
    """Push ``path`` to the client ahead of its request (HTTP/2 only; a no-op otherwise)."""
    await request_ctx.request.send_push_promise(path)


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _external: bool | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    **values: object,
) -> str:
    """Build the URL of an endpoint.

    :param endpoint: The endpoint; ``.name`` is relative to the current blueprint.
    :param _anchor: Appended as ``#anchor``.
    :param _external: Absolute URL with scheme and host (the default outside requests).
    :param _method: The method the rule must accept.
    :param _scheme: The scheme for an external URL.
    :param values: The rule's variables; unknown ones become the query string.
    """
    ctx = _cv_app.get(None)
    if ctx is not None and "url_for" not in ctx.app._overridden:
        # Quart.url_for's body, without its call (which repacks the values).
        return urls.url_for(ctx.app, endpoint, _anchor, _external, _method, _scheme, values)
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _external=_external,
        _method=_method,
        _scheme=_scheme,
        **values,
    )


def _safe_location(location: str) -> str:
    """Percent-encode what may not appear raw in a ``Location`` header:
    control characters (CR and LF would split the header), spaces and
    non-ASCII. Existing escapes are kept, so encoding twice changes nothing."""
    if location.isascii() and location.isprintable() and " " not in location:
        return location
    return "".join(
        char if "!" <= char <= "~" else quote(char, safe="", errors="surrogatepass")
        for char in location
    )


def redirect(location: str, code: int = 302) -> WerkzeugResponse:
    """A redirect response to ``location``.

    :param location: The target URL (control characters, spaces and
        non-ASCII characters are percent-encoded).
    :param code: The status code (302 by default).
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.redirect(location, code=code)
    return _wz_redirect(_safe_location(location), code=code)


def abort(code: int | Response, *args: object, **kwargs: object) -> NoReturn:
    """Raise the :class:`~werkzeug.exceptions.HTTPException` for ``code``.

    :param code: A status code, or a response to send as is.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _wz_abort(code, *args, **kwargs)


async def flash(message: str, category: str = "message") -> None:
    """Store a message in the session for a later request to show (with
    :func:`get_flashed_messages`), and send ``message_flashed``. Must be
    awaited, and needs a session that can be saved (``SECRET_KEY``).

    :param message: The message.
    :param category: A category such as ``"error"`` or ``"info"``.
    """
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    app = _current_app()
    if message_flashed.has_receivers_for(app):
        await message_flashed.send_async(app, message=message, category=category)


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Take the flashed messages out of the session. Later calls in the same
    request return the same messages, so a template and a view can both
    show them.

    :param with_categories: Return ``(category, message)`` pairs.
    :param category_filter: Only return messages of these categories (all
        flashed messages are removed from the session regardless).
    """
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError("get_flashed_messages needs a request or websocket context.")
    flashes = ctx.flashes
    if flashes is None:
        flashes = ctx.session.pop("_flashes") if "_flashes" in ctx.session else []
        ctx.flashes = flashes
    if category_filter:
        wanted = set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if not with_categories:
        return [item[1] for item in flashes]
    return [(item[0], item[1]) for item in flashes]


def stream_with_context(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an async generator function so it runs inside the current request
    context, which is otherwise gone by the time a streamed body is produced."""
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError("stream_with_context needs a request or websocket context.")

    @functools.wraps(func)
    async def generator(*args: object, **kwargs: object) -> AsyncGenerator[object, None]:
        # The context is made current only while the wrapped generator runs,
        # never across a yield, so it cannot leak into the consumer's code.
        with ctx._activated():
            gen = func(*args, **kwargs)
        try:
            while True:
                with ctx._activated():
                    try:
                        item = await gen.__anext__()
                    except StopAsyncIteration:
                        return
                yield item
        finally:
            with ctx._activated():
                await gen.aclose()

    return generator


# -- names Quart 0.22's module has, for code that imports them from here --------

from flask.helpers import get_root_path as get_root_path  # noqa: E402
from werkzeug.exceptions import abort as werkzeug_abort  # noqa: E402, F401
from werkzeug.utils import redirect as werkzeug_redirect  # noqa: E402, F401
from werkzeug.wrappers import Response as WerkzeugResponse  # noqa: E402

from .utils import file_path_to_path as file_path_to_path  # noqa: E402
from .wrappers import Response as Response  # noqa: E402
from .wrappers.response import ResponseBody as ResponseBody  # noqa: E402


@functools.cache
def _split_blueprint_path(name: str) -> list[str]:
    """``"a.b.c"`` as ``["a.b.c", "a.b", "a"]``: a blueprint and its parents."""
    names = [name]
    while "." in names[-1]:
        names.append(names[-1].rpartition(".")[0])
    return names
