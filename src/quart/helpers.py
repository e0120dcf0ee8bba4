"""Helpers users call from views: ``url_for``, ``redirect``, ``abort``, ``flash``, files."""

from __future__ import annotations

import functools
import mimetypes
import os
from collections.abc import Callable
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn
from urllib.parse import quote
from zlib import adler32

from flask.sansio.scaffold import find_package as find_package
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import abort as _wz_abort
from werkzeug.security import safe_join
from werkzeug.utils import redirect as _wz_redirect

from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .globals import current_app
from .globals import request_ctx
from .globals import session
from .signals import message_flashed

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WerkzeugResponse

    from .typing import FilePath
    from .typing import ResponseTypes
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

#: The mimetype of a file whose type cannot be guessed.
DEFAULT_MIMETYPE = "application/octet-stream"

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
    **values: Any,
) -> str:
    """Build the URL of an endpoint.

    :param endpoint: The endpoint; ``.name`` is relative to the current blueprint.
    :param _anchor: Appended as ``#anchor``.
    :param _external: Absolute URL with scheme and host (the default outside requests).
    :param _method: The method the rule must accept.
    :param _scheme: The scheme for an external URL.
    :param values: The rule's variables; unknown ones become the query string.
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _external=_external,
        _method=_method,
        _scheme=_scheme,
        **values,
    )


def redirect(location: str, code: int = 302) -> WerkzeugResponse:
    """A redirect response to ``location``.

    :param location: The target URL.
    :param code: The status code (302 by default).
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.redirect(location, code=code)
    return _wz_redirect(location, code=code)


def abort(code: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Raise the :class:`~werkzeug.exceptions.HTTPException` for ``code``.

    :param code: A status code, or a response to send as is.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _wz_abort(code, *args, **kwargs)  # type: ignore[arg-type]


async def flash(message: str, category: str = "message") -> None:
    """Store a message for the next request (in the session).

    :param message: The message.
    :param category: A category such as ``"error"`` or ``"info"``.
    """
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if message_flashed.receivers:
        await message_flashed.send_async(
            app, _sync_wrapper=app.ensure_async, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Pop the flashed messages (the same list for the rest of the request).

    :param with_categories: Return ``(category, message)`` pairs.
    :param category_filter: Only messages of these categories.
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


def get_template_attribute(template_name: str, attribute: str) -> Any:
    """Load a macro (or other exported name) from a template.

    :param template_name: The template.
    :param attribute: The name to load from it.
    """
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


def stream_with_context(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an async generator function so it runs inside the current request
    context, which is otherwise gone by the time a streamed body is produced."""
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError("stream_with_context needs a request or websocket context.")

    @functools.wraps(func)
    async def generator(*args: Any, **kwargs: Any) -> Any:
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


def _file_etag(path: Path, stat: os.stat_result) -> str:
    checksum = adler32(os.fsencode(path)) & 0xFFFFFFFF
    return f"{stat.st_mtime}-{stat.st_size}-{checksum}"


def _content_disposition(filename: str) -> str:
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = filename.encode("ascii", "ignore").decode("ascii").replace('"', "")
        quoted = quote(filename, safe="")
        return f"attachment; filename=\"{simple}\"; filename*=UTF-8''{quoted}"
    escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
    return f'attachment; filename="{escaped}"'


async def send_file(
    filename_or_io: FilePath | BytesIO,
    mimetype: str | None = None,
    as_attachment: bool = False,
    attachment_filename: str | None = None,
    add_etags: bool = True,
    cache_timeout: int | None = None,
    conditional: bool = False,
    last_modified: datetime | None = None,
    *,
    download_name: str | None = None,
    etag: bool | str | None = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send a file from disk or an in-memory binary stream.

    Accepts Quart's argument names and Flask 2+'s (``download_name``,
    ``etag``, ``max_age``).

    :param filename_or_io: A path, or a :class:`io.BytesIO`.
    :param mimetype: The mimetype; guessed from the name when not given.
    :param as_attachment: Ask the browser to download rather than show it.
    :param attachment_filename: The download name (alias ``download_name``).
    :param add_etags: Send an ETag (alias ``etag``; a string sets it).
    :param cache_timeout: Cache max age in seconds (alias ``max_age``).
    :param conditional: Answer conditional and range requests (304/206/416).
    :param last_modified: Override the ``Last-Modified`` time.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    name = download_name if download_name is not None else attachment_filename
    if etag is not None:
        add_etags = etag  # type: ignore[assignment]
    if max_age is not None:
        cache_timeout = max_age(None) if callable(max_age) else max_age
    path: Path | None = None
    if isinstance(filename_or_io, BytesIO):
        if mimetype is None and name is not None:
            mimetype = mimetypes.guess_type(name)[0]
        if mimetype is None:
            raise ValueError(
                "Unable to infer MIME-type of a stream; pass mimetype= or download_name=."
            )
        response = app.response_class(app.response_class.io_body_class(filename_or_io))
    else:
        path = Path(os.fsdecode(filename_or_io))
        if not path.is_absolute():
            path = Path(app.root_path) / path
        if mimetype is None:
            mimetype = mimetypes.guess_type(name or path.name)[0] or DEFAULT_MIMETYPE
        response = app.response_class(app.response_class.file_body_class(path))
    response.mimetype = mimetype
    if as_attachment:
        response.headers["Content-Disposition"] = _content_disposition(
            name or (path.name if path is not None else "download")
        )
    if path is not None:
        stat = path.stat()
        response.content_length = stat.st_size
        response.last_modified = last_modified or datetime.fromtimestamp(
            stat.st_mtime, timezone.utc
        )
        if isinstance(add_etags, str):
            response.set_etag(add_etags)
        elif add_etags:
            response.set_etag(_file_etag(path, stat))
    else:
        response.content_length = len(filename_or_io.getbuffer())  # type: ignore[union-attr]
        if last_modified is not None:
            response.last_modified = last_modified
        if isinstance(add_etags, str):
            response.set_etag(add_etags)
    if cache_timeout is None:
        cache_timeout = app.get_send_file_max_age(None)
    if cache_timeout is not None:
        response.cache_control.public = True
        response.cache_control.max_age = cache_timeout
        response.expires = datetime.now(timezone.utc) + timedelta(seconds=cache_timeout)
    if conditional:
        await response.make_conditional(_cv_request.get().request, accept_ranges=True)
    return response


async def send_from_directory(
    directory: FilePath,
    file_name: str,
    *,
    mimetype: str | None = None,
    as_attachment: bool = False,
    attachment_filename: str | None = None,
    add_etags: bool = True,
    cache_timeout: int | None = None,
    conditional: bool = True,
    last_modified: datetime | None = None,
    download_name: str | None = None,
    etag: bool | str | None = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send ``file_name`` from ``directory``, refusing any path outside it.

    Every traversal attempt, a directory or a missing file gives the same 404.

    :param directory: The directory files are served from.
    :param file_name: The untrusted, relative file name.
    """
    safe = safe_join(os.fsdecode(directory), file_name)
    if safe is None:
        raise NotFound()
    path = Path(safe)
    if not path.is_absolute():
        path = Path(current_app.root_path) / path
    if not path.is_file():
        raise NotFound()
    return await send_file(
        path,
        mimetype=mimetype,
        as_attachment=as_attachment,
        attachment_filename=attachment_filename,
        add_etags=add_etags,
        cache_timeout=cache_timeout,
        conditional=conditional,
        last_modified=last_modified,
        download_name=download_name,
        etag=etag,
        max_age=max_age,
    )
