"""``send_file`` and ``send_from_directory``: the file-sending machinery
behind :mod:`quart.helpers` (which re-exports both, as Quart 0.22 has them).

Blocking file-system work (``stat``, ``open``, hashing) runs through
:mod:`quart._concurrency`; the body is a :mod:`quart.wrappers._bodies` class.
"""

from __future__ import annotations

import io
import mimetypes
import os
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from io import BytesIO
from typing import Any
from typing import BinaryIO
from typing import TYPE_CHECKING
from urllib.parse import quote
from zlib import adler32

from flask.sansio.scaffold import find_package as find_package
from werkzeug.exceptions import NotFound
from werkzeug.http import quote_header_value
from werkzeug.security import safe_join

from ._concurrency import run_in_thread
from .globals import _current_app
from .globals import _cv_request
from .typing import FilePath
from .wrappers._bodies import FileBody

if TYPE_CHECKING:
    from .app import Quart
    from .wrappers import Response
    from .wrappers.response import FileObjectBody
    from .wrappers.response import ReaderBody

#: The mimetype of a file whose type cannot be guessed.
DEFAULT_MIMETYPE = "application/octet-stream"


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
    st, contents = await run_in_thread(_stat_and_read, path)
    if not stat.S_ISREG(st.st_mode):
        raise FileNotFoundError(f"{path!r} is not a regular file; send_file sends files only.")
    return await _send_path(app, path, st, options, contents)


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
    body: ReaderBody | FileObjectBody
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


def _open_file_size(file: BinaryIO) -> int | None:
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


async def _send_path(
    app: Quart,
    path: str,
    st: os.stat_result,
    options: _SendOptions,
    contents: bytes | None = None,
) -> Response:
    name = options.name
    mimetype = options.mimetype
    if mimetype is None:
        mimetype = _guess_mimetype(name or os.path.basename(path)) or DEFAULT_MIMETYPE
    if options.as_attachment and name is None:
        name = os.path.basename(path)
    source, encoding = path, None
    if app.config["COMPRESS_ENABLED"]:  # a precompressed sibling the client accepts
        from .compression import precompressed

        source, st, encoding = await precompressed(app, path, st)
    body = app.response_class.file_body_class(source)
    if contents is not None and source == path and type(body) is FileBody:
        body._contents = contents  # read with the stat: sent from memory
    # Send the size announced in Content-Length even if the file grows
    # meanwhile; more bytes would break the HTTP/1.1 framing.
    body.end = st.st_size
    response = app.response_class(body)
    response.content_length = st.st_size
    response.last_modified = datetime.fromtimestamp(st.st_mtime, UTC)
    if encoding is not None:
        response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
    if isinstance(options.etag, str):
        response.set_etag(options.etag)
    elif options.etag:
        response.set_etag(_file_etag(source, st))
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


def _stat_file(path: str) -> tuple[os.stat_result, bytes | None] | None:
    """:func:`_stat_and_read` of ``path``, or ``None`` when it is not a
    regular file that is there."""
    try:
        st, contents = _stat_and_read(path)
    except (OSError, ValueError):
        # Missing, a name too long, a component that is a file, no permission:
        # all the same "not found" to the client.
        return None
    return (st, contents) if stat.S_ISREG(st.st_mode) else None


def _stat_and_read(path: str) -> tuple[os.stat_result, bytes | None]:
    """``os.stat(path)``, and the file's bytes when it is a regular file of
    at most one chunk (``None`` otherwise, or when it cannot be read now:
    the body then opens it when the response is sent, as for a larger one)."""
    # Each thread hop costs about as much as a whole plaintext request: a
    # small file read here, in the stat's hop, is sent with no other hop
    # (four before: stat, open, read, close).
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode) or st.st_size > _SMALL_FILE:
        return st, None
    try:
        with open(path, "rb", buffering=0) as file:
            opened = os.fstat(file.fileno())
            if not stat.S_ISREG(opened.st_mode) or opened.st_size > _SMALL_FILE:
                return st, None
            contents = file.read(opened.st_size + 1)
    except OSError:
        return st, None
    if len(contents) != opened.st_size:
        return st, None  # changing while read: sent the usual way
    return opened, contents


#: The largest file read along with its stat: one chunk of FileBody.
_SMALL_FILE = FileBody.buffer_size


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
    found = await run_in_thread(_stat_file, joined)
    if found is None:
        raise NotFound()
    app: Quart = _current_app()
    return await _send_path(app, joined, found[0], options, found[1])
