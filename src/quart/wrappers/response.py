"""The response and its body types.

A body is a :class:`ResponseBody`: an async context manager that yields an
async iterable of bytes. The ASGI adapter sends a :class:`DataBody` in one
``http.response.body`` message without iterating it; other bodies are
streamed chunk by chunk and closed (so a generator's ``finally`` runs) when
the response ends for any reason.
"""

from __future__ import annotations

import hashlib
import os
import stat
from abc import ABC
from abc import abstractmethod
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterable
from collections.abc import AsyncIterator
from collections.abc import Iterable
from io import BytesIO
from types import TracebackType
from typing import Any
from typing import BinaryIO
from typing import cast
from typing import Literal as Literal
from typing import overload
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.sansio.response import Response as SansIOResponse
from werkzeug.utils import get_content_type

from .. import json
from .._concurrency import iterate_sync
from .._concurrency import run_in_thread
from .._concurrency import run_sync_iterable
from .._headers import FastHeaders
from ..globals import _cv_app
from ..globals import current_app as current_app

if TYPE_CHECKING:
    from .request import Request

__all__ = [
    "DataBody",
    "FileBody",
    "FileObjectBody",
    "IOBody",
    "IterableBody",
    "ReaderBody",
    "Response",
    "ResponseBody",
]


_CONTENT_TYPES: dict[str, str] = {}
_STATUS_LINES: dict[int, tuple[str, int]] = {}


def _content_type(mimetype: str) -> str:
    content_type = _CONTENT_TYPES.get(mimetype)
    if content_type is None:
        content_type = get_content_type(mimetype, "utf-8")
        if len(_CONTENT_TYPES) < 64:
            _CONTENT_TYPES[mimetype] = content_type
    return content_type


def _status_line(code: int) -> tuple[str, int]:
    line = _STATUS_LINES.get(code)
    if line is None:
        phrase = HTTP_STATUS_CODES.get(code, "unknown").upper()
        line = (f"{code} {phrase}", code)
        if len(_STATUS_LINES) < 128:
            _STATUS_LINES[code] = line
    return line


#: Headers a 304 drops: they describe a body it does not have.
_NOT_MODIFIED_DROP = (
    "Content-Length",
    "Content-Type",
    "Content-Encoding",
    "Content-Language",
    "Content-Range",
    "Content-Disposition",
)


def _hash_file(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha1").hexdigest()


class ResponseBody(ABC):
    """A response body: ``async with body as chunks: async for chunk in chunks``."""

    @abstractmethod
    async def __aenter__(self) -> AsyncIterable[Any]:
        """Open the body and return an async iterable of its chunks."""

    @abstractmethod
    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Release what the body holds (files, generators)."""


class DataBody(ResponseBody):
    """A body held in memory.

    :param data: The bytes to send.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.begin = 0
        self.end = len(data)

    async def __aenter__(self) -> DataBody:
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass

    def __aiter__(self) -> AsyncIterator[bytes]:
        async def _single() -> AsyncGenerator[bytes, None]:
            yield self.data[self.begin : self.end]

        return _single()

    async def make_conditional(self, begin: int, end: int | None) -> int:
        """Restrict the body to the byte range ``[begin, end)``; return the full length."""
        self.begin = begin
        self.end = len(self.data) if end is None else min(end, len(self.data))
        return len(self.data)


class IterableBody(ResponseBody):
    """A body produced by a sync or async iterable (e.g. a generator).

    Sync generators are pulled in a thread so they may block; lists and
    tuples are iterated directly.

    :param iterable: The chunks, as ``str`` or ``bytes``.
    """

    def __init__(self, iterable: AsyncIterable[Any] | Iterable[Any]) -> None:
        self.iter: AsyncIterator[Any]
        if isinstance(iterable, AsyncIterable):
            self.iter = aiter(iterable)
        elif isinstance(iterable, list | tuple):
            self.iter = iterate_sync(iterable)
        else:
            self.iter = run_sync_iterable(iterable)

    async def __aenter__(self) -> IterableBody:
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        aclose = getattr(self.iter, "aclose", None)
        if aclose is not None:
            await aclose()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self.iter


class _SeekableBody(ResponseBody):
    """A body that can start and stop anywhere: the base of file and stream bodies.

    ``begin``/``end`` delimit the bytes to send (``end=None``: to the end);
    :meth:`make_conditional` narrows them for a range request.
    """

    #: Bytes per chunk. 64 KiB, not 8 KiB: each chunk costs a thread hop and
    #: an ASGI message, and a 64 MiB download through Hypercorn on loopback
    #: ran at ~100 MB/s with 8 KiB chunks and ~700 MB/s with 64 KiB (256 KiB
    #: gained little more, for four times the memory per download).
    buffer_size = 64 * 1024

    def __init__(self, *, buffer_size: int | None = None) -> None:
        if buffer_size is not None:
            if buffer_size < 1:
                raise ValueError("buffer_size must be a positive number of bytes.")
            self.buffer_size = buffer_size
        self.begin = 0
        self.end: int | None = None

    async def _size(self) -> int:
        raise NotImplementedError

    async def _read(self, size: int) -> bytes:
        raise NotImplementedError

    def __aiter__(self) -> _SeekableBody:
        return self

    async def __anext__(self) -> bytes:
        size = self.buffer_size
        if self.end is not None:
            size = min(size, self.end - self.begin)
            if size <= 0:
                raise StopAsyncIteration
        chunk = await self._read(size)
        if not chunk:
            raise StopAsyncIteration
        self.begin += len(chunk)
        return chunk

    async def make_conditional(self, begin: int, end: int | None) -> int:
        """Restrict the body to the byte range ``[begin, end)``; return the full length.

        Call before the body is opened.

        :param begin: The first byte to send.
        :param end: One past the last byte to send (``None``: to the end).
        """
        size = await self._size()
        self.begin = begin
        self.end = size if end is None else min(end, size)
        return size


def _open_at(path: str | os.PathLike[str], begin: int) -> tuple[BinaryIO, int | None]:
    """Open ``path`` at ``begin``; also return its size if it is a regular file."""
    # Unbuffered: each read is one system call that returns what is there
    # (a buffered read of a pipe would wait to fill the whole chunk), and
    # chunks are not copied through a second buffer. Closed by
    # FileBody.__aexit__, or here if positioning fails.
    file = open(path, "rb", buffering=0)
    try:
        st = os.fstat(file.fileno())
        if begin:
            file.seek(begin)
    except BaseException:
        file.close()
        raise
    # A pipe or device reports size 0 but has data: read those to the end.
    return file, st.st_size if stat.S_ISREG(st.st_mode) else None


class FileBody(_SeekableBody):
    """A body read from a file on disk, in chunks, off the event loop.

    Opening, each read and closing run in a worker thread, so a slow disk
    or a huge file never blocks other requests.

    :param file_path: The file to send.
    :param buffer_size: Bytes per chunk (64 KiB by default).
    """

    def __init__(
        self, file_path: str | os.PathLike[str], *, buffer_size: int | None = None
    ) -> None:
        super().__init__(buffer_size=buffer_size)
        self.file_path = file_path
        self._file: BinaryIO | None = None

    async def _size(self) -> int:
        return await run_in_thread(os.path.getsize, self.file_path)

    async def _read(self, size: int) -> bytes:
        if self._file is None:
            raise RuntimeError("Open the body first: 'async with body as chunks:'.")
        return await run_in_thread(self._file.read, size)

    async def __aenter__(self) -> FileBody:
        # One thread hop opens, sizes and positions the file; knowing the
        # size lets iteration stop at the end without an extra empty read.
        self._file, size = await run_in_thread(_open_at, self.file_path, self.begin)
        if size is not None:
            self.end = size if self.end is None else min(self.end, size)
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            await run_in_thread(file.close)


class IOBody(_SeekableBody):
    """A body read from an in-memory binary stream such as :class:`io.BytesIO`.

    The whole stream is sent, from its start; it is closed afterwards.
    Reads are memory copies, so they run on the event loop.

    :param io_stream: The stream to send.
    :param buffer_size: Bytes per chunk (64 KiB by default).
    """

    def __init__(self, io_stream: BytesIO, *, buffer_size: int | None = None) -> None:
        super().__init__(buffer_size=buffer_size)
        self.io_stream = io_stream

    async def _size(self) -> int:
        return self.io_stream.getbuffer().nbytes

    async def _read(self, size: int) -> bytes:
        return self.io_stream.read(size)

    async def __aenter__(self) -> IOBody:
        self.io_stream.seek(self.begin)
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.io_stream.close()


class FileObjectBody(_SeekableBody):
    """A body read from an open binary file of known size (``open(path, "rb")``).

    Sent from the file's position when the body was made; reads (and the
    final close) run in a worker thread.

    :param file: The open file.
    :param size: The bytes to send, from the file's current position.
    :param buffer_size: Bytes per chunk (64 KiB by default).
    """

    def __init__(self, file: BinaryIO, size: int, *, buffer_size: int | None = None) -> None:
        super().__init__(buffer_size=buffer_size)
        self.file = file
        self._origin = file.tell()
        self._length = size

    async def _size(self) -> int:
        return self._length

    async def _read(self, size: int) -> bytes:
        return await run_in_thread(self.file.read, size)

    async def __aenter__(self) -> FileObjectBody:
        if self.begin:
            await run_in_thread(self.file.seek, self._origin + self.begin)
        if self.end is None:
            self.end = self._length
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await run_in_thread(self.file.close)


class ReaderBody(ResponseBody):
    """A body read from any binary file-like object (its ``read(n)``) to the end.

    For objects whose size cannot be known (a pipe, a ``gzip`` or ``zipfile``
    member, a temporary file wrapper): sent from the current position, without
    ``Content-Length`` and without range support, as Werkzeug does. Reads
    run in a worker thread; the object is closed afterwards.

    :param reader: The object to read.
    :param buffer_size: Bytes per read (64 KiB by default).
    """

    def __init__(self, reader: Any, *, buffer_size: int | None = None) -> None:
        self.reader = reader
        self.buffer_size = buffer_size or _SeekableBody.buffer_size

    async def __aenter__(self) -> ReaderBody:
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        close = getattr(self.reader, "close", None)
        if close is not None:
            await run_in_thread(close)

    def __aiter__(self) -> ReaderBody:
        return self

    async def __anext__(self) -> bytes:
        chunk = await run_in_thread(self.reader.read, self.buffer_size)
        if not chunk:
            raise StopAsyncIteration
        if not isinstance(chunk, bytes):
            raise TypeError(
                f"send_file needs a binary file; read() returned {type(chunk).__name__}."
            )
        return chunk


async def _release(body: Any) -> None:
    """Close a body that will never be sent (an open file object's, say)."""
    if isinstance(body, ResponseBody) and not isinstance(body, DataBody):
        await body.__aexit__(None, None, None)


class Response(SansIOResponse):
    """An HTTP response.

    :param response: The body: ``str``, ``bytes``, a (sync or async)
        iterable of chunks, or a :class:`ResponseBody`.
    :param status: The status code (200 by default).
    :param headers: Headers to send.
    :param mimetype: The mimetype; ``charset=utf-8`` is added for text types.
    :param content_type: The full ``Content-Type`` (overrides ``mimetype``).
    """

    automatically_set_content_length = True
    default_mimetype = "text/html"
    implicit_sequence_conversion = True
    json_module: Any = json
    data_body_class = DataBody
    file_body_class = FileBody
    file_object_body_class = FileObjectBody
    io_body_class = IOBody
    reader_body_class = ReaderBody
    iterable_body_class = IterableBody
    #: ``False`` sends this response uncompressed even when
    #: ``COMPRESS_ENABLED`` is on (set it in the view or an ``after_request``).
    compress = True

    def __init__(
        self,
        response: ResponseBody | str | bytes | Iterable[Any] | AsyncIterable[Any] | None = None,
        status: int | None = None,
        headers: dict[str, Any] | Headers | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
    ) -> None:
        #: Seconds allowed to send the body; ``...`` means ``RESPONSE_TIMEOUT``,
        #: ``None`` means no limit (server-sent events, long streams).
        self.timeout: Any = Ellipsis
        self.response: ResponseBody
        if (
            headers is None
            and content_type is None
            and (status is None or type(status) is int)
            and isinstance(response, str | bytes)
        ):
            # The common case (a view returning text or JSON), built directly:
            # the generic path below costs several microseconds more.
            data = response.encode() if isinstance(response, str) else response
            self.headers = FastHeaders()
            self.headers._list = [
                ("Content-Type", _content_type(mimetype or self.default_mimetype)),
                ("Content-Length", str(len(data))),
            ]
            self._status, self._status_code = _status_line(status or self.default_status)
            self.response = self.data_body_class(data)
            return
        if headers is None:
            headers = FastHeaders()
        elif not isinstance(headers, Headers):
            headers = FastHeaders(headers)
        super().__init__(status, headers, mimetype, content_type)
        if response is None:
            self.response = self.data_body_class(b"")
            if self.automatically_set_content_length:
                self.headers["Content-Length"] = "0"
        elif isinstance(response, ResponseBody):
            self.response = response
        elif isinstance(response, str | bytes):
            self.set_data(response)
        elif isinstance(response, bytearray):
            self.set_data(bytes(response))
        else:
            self.response = self.iterable_body_class(response)

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """The cookie size Werkzeug warns about (``MAX_COOKIE_SIZE``)."""
        ctx = _cv_app.get(None)
        if ctx is not None:
            return int(ctx.app.config["MAX_COOKIE_SIZE"])
        return super().max_cookie_size

    def set_data(self, data: str | bytes) -> None:
        """Replace the body (and ``Content-Length``) with ``data``."""
        if isinstance(data, str):
            data = data.encode()
        self.response = self.data_body_class(bytes(data))
        if self.automatically_set_content_length:
            self.headers["Content-Length"] = str(len(data))

    @overload
    async def get_data(self, as_text: Literal[False] = False) -> bytes: ...
    @overload
    async def get_data(self, as_text: Literal[True]) -> str: ...
    @overload
    async def get_data(self, as_text: bool = False) -> str | bytes: ...
    async def get_data(self, as_text: bool = False) -> str | bytes:
        """Collect the whole body (consuming a streamed one) and return it.

        :param as_text: Decode as UTF-8.
        """
        if not isinstance(self.response, DataBody):
            await self.make_sequence()
        assert isinstance(self.response, DataBody)  # make_sequence guarantees it
        body = self.response
        data = body.data[body.begin : body.end]
        return data.decode() if as_text else data

    @property
    async def data(self) -> bytes:
        """The body as bytes (awaitable)."""
        return await self.get_data()

    @data.setter
    def data(self, value: bytes) -> None:
        self.set_data(value)

    @property
    async def json(self) -> Any:
        """The body parsed as JSON (awaitable)."""
        return await self.get_json()

    async def get_json(self, force: bool = False, silent: bool = False) -> Any:
        """Parse the body as JSON; ``None`` if the mimetype is not JSON.

        :param force: Parse whatever the mimetype.
        :param silent: Return ``None`` on invalid JSON instead of raising.
        """
        if not (force or self.is_json):
            return None
        data = await self.get_data()
        try:
            return self.json_module.loads(data)
        except ValueError:
            if silent:
                return None
            raise

    async def make_sequence(self) -> None:
        """Read a streamed body into memory so it can be read again."""
        chunks = []
        async with self.response as body:
            async for chunk in body:
                chunks.append(chunk.encode() if isinstance(chunk, str) else chunk)
        self.response = self.data_body_class(b"".join(chunks))

    async def freeze(self) -> None:
        """Read the body into memory (see :meth:`make_sequence`)."""
        await self.make_sequence()

    async def iter_encode(self) -> AsyncGenerator[bytes, None]:
        """Yield the body as bytes, chunk by chunk."""
        async with self.response as body:
            async for chunk in body:
                yield chunk.encode() if isinstance(chunk, str) else chunk

    async def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ETag from a SHA-1 hash of the body.

        A file body is hashed in a worker thread without loading it into
        memory; any other streamed body is read into memory first.

        :param overwrite: Replace an existing ETag.
        :param weak: Make it a weak ETag.
        """
        if not overwrite and "etag" in self.headers:
            return
        body = self.response
        if isinstance(body, FileBody):
            digest = await run_in_thread(_hash_file, body.file_path)
        else:
            data = await self.get_data()
            digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        self.set_etag(digest, weak)

    async def make_conditional(
        self,
        request: Request,
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Answer the request's conditional and range headers (for ``GET``
        and ``HEAD`` of a successful response; other requests are left alone).

        In the order of RFC 9110: a failing ``If-Match`` (or, without it,
        ``If-Unmodified-Since``) gives 412; a matching ``If-None-Match`` (or,
        without it, ``If-Modified-Since``) gives 304; then, when
        ``complete_length`` is given (as Werkzeug and Quart require), a single
        satisfiable byte
        ``Range`` (still valid per ``If-Range``) gives 206 with
        ``Content-Range``. What is satisfiable is decided against the body the
        response really has, with Werkzeug's rules: a range starting past its
        end, a range of an empty body (when ``complete_length`` asks for
        ranges), several ranges or a malformed header raise
        :class:`~werkzeug.exceptions.RequestedRangeNotSatisfiable` (416), as
        on Quart. Ranges in other units are ignored (RFC 9110). A body that
        cannot seek (a generator) is read into memory first and then sliced.

        :param request: The request whose headers to apply.
        :param accept_ranges: Send ``Accept-Ranges`` and answer ``Range``
            (``True`` means ``bytes``).
        :param complete_length: Given (and not 0), ``Range`` is answered
            (without it, the whole body is sent, as on Quart); the body's own
            length is what the range is checked against and what
            ``Content-Range`` reports.
        """
        if request.method not in {"GET", "HEAD"} or not 200 <= self.status_code < 300:
            return self
        if not self._preconditions_pass(request):
            self.status_code = 412
            unsent = self.response
            self.set_data(b"")
            await _release(unsent)
            return self
        if self._not_modified(request):
            self.status_code = 304
            unsent = self.response
            self.response = self.data_body_class(b"")
            await _release(unsent)
            # A 304 carries the validators and caching headers, but no
            # metadata about a body it does not have (RFC 9110, 15.4.5).
            for name in _NOT_MODIFIED_DROP:
                self.headers.pop(name, None)
            return self
        if accept_ranges:
            self.accept_ranges = "bytes" if accept_ranges is True else accept_ranges
        if (
            complete_length
            and self.status_code == 200
            and await self._process_range_request(request, complete_length)
        ):
            # As in Werkzeug and Quart, ranges are answered only when the app
            # gives the complete length (send_file does); accept_ranges
            # decides the Accept-Ranges header.
            self.status_code = 206
        return self

    def _preconditions_pass(self, request: Request) -> bool:
        if "If-Match" in request.headers:
            if_match = request.if_match
            if if_match.star_tag:
                return True
            etag, weak = self.get_etag()
            # If-Match uses the strong comparison: a weak ETag never matches.
            return etag is not None and not weak and if_match.contains(etag)
        since = request.if_unmodified_since
        last_modified = self.last_modified
        if since is not None and last_modified is not None:
            return last_modified.replace(microsecond=0) <= since
        return True

    def _not_modified(self, request: Request) -> bool:
        if "If-None-Match" in request.headers:
            etag, _ = self.get_etag()
            if_none_match = request.if_none_match
            if if_none_match.star_tag:
                return True
            return etag is not None and if_none_match.contains_weak(etag)
        since = request.if_modified_since
        last_modified = self.last_modified
        if since is not None and last_modified is not None:
            return last_modified.replace(microsecond=0) <= since
        return False

    def _is_range_request_processable(self, request: Request) -> bool:
        if "If-Range" not in request.headers:
            return True
        if_range = request.if_range
        if if_range.etag is not None:
            # If-Range uses the strong comparison: weak ETags on either side
            # never match (Werkzeug's parser drops the request's "W/").
            if request.headers["If-Range"].lstrip().startswith("W/"):
                return False
            etag, weak = self.get_etag()
            return etag is not None and not weak and if_range.etag == etag
        last_modified = self.last_modified
        if if_range.date is not None and last_modified is not None:
            return last_modified.replace(microsecond=0) == if_range.date
        # Unparseable, or nothing to compare with: send the whole body.
        return False

    async def _process_range_request(
        self,
        request: Request,
        complete_length: int | None = None,
        accept_ranges: str | None = None,
    ) -> bool:
        if "Range" not in request.headers:
            return False
        if complete_length == 0:
            return False  # The app says there is nothing to slice.
        body = self.response
        if not isinstance(body, DataBody | _SeekableBody):
            if complete_length is None:
                return False  # A stream of unknown length: send it whole.
            # The app gave the length, so it wants ranges of this stream
            # answered: read it into memory first (as Quart does).
            await self.make_sequence()
            body = cast(DataBody, self.response)
        if not self._is_range_request_processable(request):
            return False
        # Werkzeug's parser is linear in the header's length and returns
        # None for anything malformed, overlapping or out of order, so
        # thousands of ranges or huge numbers cost one pass, then a 416.
        parsed = request.range
        if parsed is not None and parsed.units != "bytes":
            return False  # RFC 9110, 14.2: ignore units we do not know.
        # The range is checked against the body the response really has,
        # so the headers can never promise bytes that are not sent:
        # complete_length only says that ranges are wanted (as on Quart).
        length = await body.make_conditional(0, None)
        if length == 0 and complete_length is None:
            return False  # Nothing to slice: send the empty body.
        # Werkzeug's rules (as on Quart): several ranges, and ranges that
        # start past the end, are not satisfiable.
        bounds = parsed.range_for_length(length) if parsed is not None else None
        if bounds is None:
            raise RequestedRangeNotSatisfiable(length)
        begin, end = bounds
        await body.make_conditional(begin, end)
        self.content_range = f"bytes {begin}-{end - 1}/{length}"
        self.content_length = end - begin
        return True

    def _set_or_pop_header(self, key: str, value: str) -> None:
        if value == "":
            self.headers.pop(key, None)
        else:
            self.headers[key] = value


# -- names Quart 0.22's module has, for code that imports them from here --------

from werkzeug.datastructures import ContentRange as ContentRange  # noqa: E402
from werkzeug.http import is_resource_modified as is_resource_modified  # noqa: E402
from werkzeug.http import parse_etags as parse_etags  # noqa: E402

from ..utils import file_path_to_path as file_path_to_path  # noqa: E402


def _raise_if_invalid_range(begin: int, end: int, size: int) -> None:
    """Raise :class:`~werkzeug.exceptions.RequestedRangeNotSatisfiable` unless
    ``[begin, end)`` is a non-empty range within ``size`` bytes."""
    if begin >= end or abs(begin) > size:
        raise RequestedRangeNotSatisfiable()


def _clean_accept_ranges(accept_ranges: bool | str) -> str:
    """The ``Accept-Ranges`` value for a ``make_conditional`` argument:
    ``True`` is ``"bytes"``, ``False`` is ``"none"``, a string is itself."""
    if accept_ranges is True:
        return "bytes"
    if accept_ranges is False:
        return "none"
    if isinstance(accept_ranges, str):
        return accept_ranges
    raise ValueError("Invalid accept_ranges value")


class _DataBodyGen(AsyncIterator[bytes]):
    """Iterates a :class:`DataBody` once: its selected bytes, in one chunk."""

    def __init__(self, data_body: DataBody) -> None:
        self._data_body = data_body
        self._iterated = False

    async def __anext__(self) -> bytes:
        """The body's bytes from ``begin`` to ``end``, then the end."""
        if self._iterated:
            raise StopAsyncIteration
        self._iterated = True
        return self._data_body.data[self._data_body.begin : self._data_body.end]
