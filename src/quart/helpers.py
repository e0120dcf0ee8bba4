"""Helpers users call from views: ``url_for``, ``redirect``, ``abort``, ``flash``, files."""

from __future__ import annotations

import functools
import io
import mimetypes
import os
import stat
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from io import BytesIO
from typing import Any
from typing import BinaryIO
from typing import NoReturn
from typing import TYPE_CHECKING
from urllib.parse import quote
from zlib import adler32

from flask.sansio.scaffold import find_package as find_package
from werkzeug.exceptions import abort as _wz_abort
from werkzeug.exceptions import NotFound
from werkzeug.http import quote_header_value
from werkzeug.security import safe_join
from werkzeug.utils import redirect as _wz_redirect

from ._concurrency import run_in_thread
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

    from .app import Quart
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


def abort(code: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
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
    if message_flashed.receivers:
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


def _file_etag(path: str, st: os.stat_result) -> str:
    checksum = adler32(os.fsencode(path)) & 0xFFFFFFFF
    return f"{st.st_mtime}-{st.st_size}-{checksum}"


def _content_disposition(kind: str, filename: str) -> str:
    """``attachment``/``inline`` with the file name, per RFC 6266.

    A printable ASCII name goes in ``filename=``. Any other name also goes,
    UTF-8 and percent-encoded (RFC 5987), in ``filename*=``, which browsers
    prefer, with an ASCII approximation in ``filename=`` for old clients.
    Control characters (CR, LF) only ever appear percent-encoded, so a name
    cannot add a header.
    """
    # Quoted only when not a plain token, as Werkzeug (so Flask and Quart)
    # writes parameters: filename=report.pdf, filename="my report.pdf".
    if filename.isascii() and filename.isprintable():
        return f"{kind}; filename={quote_header_value(filename)}"
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(char for char in fallback if char.isprintable()).strip()
    # RFC 5987 attr-char: letters, digits and these marks stay as they are.
    encoded = quote(filename, safe="!#$&+-.^_`|~")
    if fallback:
        return f"{kind}; filename={quote_header_value(fallback)}; filename*=UTF-8''{encoded}"
    return f"{kind}; filename*=UTF-8''{encoded}"


#: Mimetypes of compressed files: ``report.csv.gz`` is sent as gzip data,
#: not as CSV with a ``Content-Encoding`` the browser would undo.
_COMPRESSED_MIMETYPES = {
    "br": "application/x-brotli",
    "bzip2": "application/x-bzip2",
    "compress": "application/x-compress",
    "gzip": "application/gzip",
    "xz": "application/x-xz",
}


def _guess_mimetype(name: str) -> str | None:
    mimetype, encoding = mimetypes.guess_type(name)
    if encoding is not None:
        return _COMPRESSED_MIMETYPES.get(encoding, DEFAULT_MIMETYPE)
    return mimetype


_MaxAge = int | Callable[[str | None], int | None] | None


@dataclass(frozen=True, slots=True)
class _SendOptions:
    """The arguments of :func:`send_file`, with Flask's and Quart's names merged."""

    mimetype: str | None
    as_attachment: bool
    name: str | None
    etag: bool | str
    max_age: _MaxAge
    conditional: bool
    last_modified: datetime | float | None


def _options(
    mimetype: str | None,
    as_attachment: bool,
    attachment_filename: str | None,
    add_etags: bool,
    cache_timeout: int | None,
    conditional: bool,
    last_modified: datetime | float | None,
    download_name: str | None,
    etag: bool | str | None,
    max_age: _MaxAge,
) -> _SendOptions:
    return _SendOptions(
        mimetype=mimetype,
        as_attachment=as_attachment,
        name=_either("attachment_filename", attachment_filename, "download_name", download_name),
        etag=add_etags if etag is None else etag,
        max_age=_either("cache_timeout", cache_timeout, "max_age", max_age),
        conditional=conditional,
        last_modified=last_modified,
    )


def _either(quart_name: str, quart_value: Any, flask_name: str, flask_value: Any) -> Any:
    if flask_value is None:
        return quart_value
    if quart_value is not None:
        raise TypeError(f"Pass {flask_name}= or {quart_name}=, not both (they are the same).")
    return flask_value


async def send_file(
    filename_or_io: FilePath | BytesIO | BinaryIO,
    mimetype: str | None = None,
    as_attachment: bool = False,
    attachment_filename: str | None = None,
    add_etags: bool = True,
    cache_timeout: int | None = None,
    conditional: bool = False,
    last_modified: datetime | float | None = None,
    *,
    download_name: str | None = None,
    etag: bool | str | None = None,
    max_age: _MaxAge = None,
) -> Response:
    """Send a file from disk, an in-memory :class:`io.BytesIO`, or an open binary file.

    A file is streamed in chunks read in a worker thread, so a large file
    does not hold up other requests. Quart's argument names and Flask 2's
    (``download_name``, ``etag``, ``max_age``) are both accepted.

    Unlike Flask, ``conditional`` is off by default (as in Quart): pass
    ``conditional=True`` to answer ``If-None-Match``/``If-Modified-Since``
    with 304, failed ``If-Match`` with 412 and ``Range`` with 206 (or 416).
    :func:`send_from_directory` and the static route have it on.

    :param filename_or_io: A path (a relative path is relative to the
        current working directory, as on Quart); a :class:`io.BytesIO`, sent whole; or
        an open binary file (any object with ``read(n)``), sent from its
        current position and closed afterwards. A file from ``open(path,
        "rb")`` gets a ``Content-Length`` and range support; other objects
        are streamed to their end.
    :param mimetype: The mimetype; guessed from the (download) name when not
        given. A stream without a name needs one.
    :param as_attachment: Ask the browser to save the file rather than show it
        (``Content-Disposition: attachment``).
    :param attachment_filename: The name the browser should save it as (the
        file's own name by default). Given without ``as_attachment``, it is
        sent as ``Content-Disposition: inline``. Flask's name: ``download_name``.
    :param add_etags: Send an ``ETag`` computed from the file's modification
        time, size and path (files only). Flask's name: ``etag``, which may
        also be a string to use as the ETag.
    :param cache_timeout: Seconds browsers may cache the file; by default the
        app's :meth:`~quart.Quart.get_send_file_max_age`
        (``SEND_FILE_MAX_AGE_DEFAULT``). ``None`` there means
        ``Cache-Control: no-cache``: browsers revalidate each time. Flask's
        name: ``max_age``, which may also be a function of the path.
    :param conditional: Answer conditional and range requests (see above).
    :param last_modified: The ``Last-Modified`` time (a datetime or a
        timestamp); a file's modification time by default.
    """
    app: Quart = _current_app()
    options = _options(
        mimetype, as_attachment, attachment_filename, add_etags, cache_timeout, conditional,
        last_modified, download_name, etag, max_age,
    )  # fmt: skip
    if isinstance(filename_or_io, BytesIO):
        return await _send_stream(app, filename_or_io, options)
    if not isinstance(filename_or_io, str | bytes | os.PathLike):
        return await _send_file_object(app, filename_or_io, options)
    path = os.fsdecode(filename_or_io)
    st = await run_in_thread(os.stat, path)
    if not stat.S_ISREG(st.st_mode):
        raise FileNotFoundError(f"{path!r} is not a regular file; send_file sends files only.")
    return await _send_path(app, path, st, options)


async def _send_stream(app: Quart, stream: BytesIO, options: _SendOptions) -> Response:
    mimetype = _stream_mimetype(options)
    response = app.response_class(app.response_class.io_body_class(stream))
    response.content_length = stream.getbuffer().nbytes
    if isinstance(options.etag, str):
        response.set_etag(options.etag)
    return await _finish(app, response, None, mimetype, options.name, options)


def _stream_mimetype(options: _SendOptions) -> str:
    name = options.name
    mimetype = options.mimetype
    if mimetype is None and name is not None:
        mimetype = _guess_mimetype(name) or DEFAULT_MIMETYPE
    if mimetype is None:
        raise ValueError(
            "Cannot guess the mimetype of a stream: pass mimetype= (or a"
            " download_name= / attachment_filename= with an extension)."
        )
    if options.as_attachment and name is None:
        raise TypeError("Sending a stream as an attachment needs download_name= (its file name).")
    return mimetype


async def _send_file_object(app: Quart, file: Any, options: _SendOptions) -> Response:
    """An open binary file, or any object with ``read(n)`` returning bytes
    (Flask accepts these too); closed once sent."""
    if isinstance(file, io.TextIOBase):
        raise ValueError("send_file needs a file opened in binary mode ('rb'), or a BytesIO.")
    if not callable(getattr(file, "read", None)):
        raise TypeError(
            "send_file takes a path, an io.BytesIO or a binary file object,"
            f" not {type(file).__name__}."
        )
    mimetype = _stream_mimetype(options)
    size = await run_in_thread(_open_file_size, file)
    body: Any
    if size is None:
        body = app.response_class.reader_body_class(file)
        response = app.response_class(body)
    else:
        body = app.response_class.file_object_body_class(file, size)
        response = app.response_class(body)
        response.content_length = size
    if isinstance(options.etag, str):
        response.set_etag(options.etag)
    try:
        return await _finish(app, response, None, mimetype, options.name, options)
    except BaseException:
        await body.__aexit__(None, None, None)  # a 416, say: close the file now
        raise


def _open_file_size(file: Any) -> int | None:
    """The bytes left in ``file`` if it is a plain file opened on disk, else ``None``.

    Only ``open()``'s own objects are trusted: a wrapper's ``fileno()`` (gzip,
    bz2, a temporary file's) may name a file of another size than what
    ``read()`` returns.
    """
    raw = file.raw if isinstance(file, io.BufferedReader | io.BufferedRandom) else file
    if type(raw) is not io.FileIO:
        return None
    try:
        st = os.fstat(raw.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None
        left: int = st.st_size - file.tell()
        return max(left, 0)
    except (OSError, ValueError):
        return None


async def _send_path(app: Quart, path: str, st: os.stat_result, options: _SendOptions) -> Response:
    name = options.name
    mimetype = options.mimetype
    if mimetype is None:
        mimetype = _guess_mimetype(name or os.path.basename(path)) or DEFAULT_MIMETYPE
    if options.as_attachment and name is None:
        name = os.path.basename(path)
    body = app.response_class.file_body_class(path)
    # Send the size announced in Content-Length even if the file grows
    # meanwhile; more bytes would break the HTTP/1.1 framing.
    body.end = st.st_size
    response = app.response_class(body)
    response.content_length = st.st_size
    response.last_modified = datetime.fromtimestamp(st.st_mtime, UTC)
    if isinstance(options.etag, str):
        response.set_etag(options.etag)
    elif options.etag:
        response.set_etag(_file_etag(path, st))
    return await _finish(app, response, path, mimetype, name, options)


async def _finish(
    app: Quart,
    response: Response,
    path: str | None,
    mimetype: str,
    name: str | None,
    options: _SendOptions,
) -> Response:
    response.mimetype = mimetype
    if name is not None:
        kind = "attachment" if options.as_attachment else "inline"
        response.headers["Content-Disposition"] = _content_disposition(kind, name)
    last_modified = options.last_modified
    if isinstance(last_modified, int | float):
        last_modified = datetime.fromtimestamp(last_modified, UTC)
    if last_modified is not None:
        response.last_modified = last_modified
    max_age = options.max_age
    if callable(max_age):
        max_age = max_age(path)
    elif max_age is None:
        max_age = app.get_send_file_max_age(path)
    if max_age is None:
        response.cache_control.no_cache = True
    else:
        if max_age > 0:
            response.cache_control.public = True
        response.cache_control.max_age = max_age
        response.expires = datetime.now(UTC) + timedelta(seconds=max_age)
    request_context = _cv_request.get(None)
    if options.conditional and request_context is not None:
        # A body of unknown size cannot be sliced: do not advertise ranges.
        ranges = not isinstance(response.response, app.response_class.reader_body_class)
        await response.make_conditional(
            request_context.request, accept_ranges=ranges, complete_length=response.content_length
        )
    return response


def _safe_path(directory: str, file_name: str) -> str | None:
    """``directory/file_name`` if ``file_name`` stays inside ``directory``, else ``None``.

    Werkzeug's ``safe_join`` refuses ``..``, absolute paths and (on Windows)
    device names. Backslashes, NUL and a trailing slash are refused
    everywhere, so a URL behaves the same whichever system serves it.
    """
    # A trailing slash names a directory, even after "file.txt/".
    if "\\" in file_name or "\x00" in file_name or file_name.endswith("/"):
        return None
    return safe_join(directory, file_name)


def _stat_file(path: str) -> os.stat_result | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        # Missing, a name too long, a component that is a file, no permission:
        # all the same "not found" to the client.
        return None
    return st if stat.S_ISREG(st.st_mode) else None


async def send_from_directory(
    directory: FilePath,
    file_name: str | None = None,
    *,
    mimetype: str | None = None,
    as_attachment: bool = False,
    attachment_filename: str | None = None,
    add_etags: bool = True,
    cache_timeout: int | None = None,
    conditional: bool = True,
    last_modified: datetime | float | None = None,
    download_name: str | None = None,
    etag: bool | str | None = None,
    max_age: _MaxAge = None,
    path: str | None = None,
) -> Response:
    """Send ``file_name`` from ``directory``: the safe way to send a file
    named by the client.

    Any name that would leave the directory (``..`` in any form, absolute
    or Windows-style paths, backslashes), a directory and a missing file all
    raise the same :class:`~werkzeug.exceptions.NotFound` (404). Symlinks
    inside the directory are followed: only put trusted files there.
    Conditional and range requests are answered (``conditional=True``).
    The other arguments are those of :func:`send_file`.

    :param directory: The directory to serve from (a relative path is
        relative to the current working directory, as on Quart).
    :param file_name: The untrusted, ``/``-separated name inside ``directory``.
    :param path: Flask's name for ``file_name``.
    """
    options = _options(
        mimetype, as_attachment, attachment_filename, add_etags, cache_timeout, conditional,
        last_modified, download_name, etag, max_age,
    )  # fmt: skip
    name = _either("file_name", file_name, "path", path)
    if name is None:
        raise TypeError("send_from_directory() needs the file name (file_name=, or Flask's path=).")
    # As on Quart, the 404 checks come first and need no app: only a file
    # that is there to send needs the app (its response class and config).
    joined = _safe_path(os.fsdecode(directory), name)
    if joined is None:
        raise NotFound()
    st = await run_in_thread(_stat_file, joined)
    if st is None:
        raise NotFound()
    app: Quart = _current_app()
    return await _send_path(app, joined, st, options)


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
