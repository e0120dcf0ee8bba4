"""The response.

Its body is a :class:`ResponseBody` (the body classes are in
:mod:`quart.wrappers._bodies`; Quart 0.22's names for them stay importable
from here).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterable
from collections.abc import Iterable
from types import EllipsisType
from typing import Any
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
from .._concurrency import run_in_thread
from .._headers import FastHeaders
from ..globals import _cv_app
from ..globals import current_app as current_app
from ._bodies import _DataBodyGen as _DataBodyGen
from ._bodies import _open_at as _open_at
from ._bodies import _release
from ._bodies import _SeekableBody as _SeekableBody
from ._bodies import DataBody as DataBody
from ._bodies import FileBody as FileBody
from ._bodies import FileObjectBody as FileObjectBody
from ._bodies import IOBody as IOBody
from ._bodies import IterableBody as IterableBody
from ._bodies import ReaderBody as ReaderBody
from ._bodies import ResponseBody as ResponseBody

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


# A tuple, not ``str | bytes``: a union in isinstance() is built on every
# call (bench: plaintext, make bench-instr).
_STR_OR_BYTES = (str, bytes)
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
    #: Seconds allowed to send the body; ``...`` means ``RESPONSE_TIMEOUT``,
    #: ``None`` means no limit (server-sent events, long streams). A class
    #: default until set (a store less per response; bench: plaintext).
    timeout: float | None | EllipsisType = Ellipsis

    def __init__(
        self,
        response: ResponseBody | str | bytes | Iterable[Any] | AsyncIterable[Any] | None = None,
        status: int | None = None,
        headers: dict[str, Any] | Headers | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
    ) -> None:
        self.response: ResponseBody
        if (
            headers is None
            and (status is None or type(status) is int)
            and isinstance(response, _STR_OR_BYTES)
            and (
                content_type is None
                # A content type as it is, as Werkzeug takes it (make_response
                # passes a view's {"Content-Type": ...}: bench: plaintext).
                or (
                    type(content_type) is str
                    and "\n" not in content_type
                    and "\r" not in content_type
                )
            )
        ):
            # The common case (a view returning text or JSON), built directly:
            # the generic path below costs several microseconds more (bench:
            # plaintext and json, `make bench-instr`).
            data = response.encode() if isinstance(response, str) else response
            # Without Headers.__init__, which only makes the list.
            self.headers = headers = FastHeaders.__new__(FastHeaders)
            # The two caches read in place, their functions only on a miss
            # (bench: plaintext, json, make bench-instr: two calls per response).
            if content_type is None:
                mimetype = mimetype or self.default_mimetype
                content_type = _CONTENT_TYPES.get(mimetype) or _content_type(mimetype)
            headers._list = [("Content-Type", content_type), ("Content-Length", str(len(data)))]
            code = status or self.default_status
            self._status, self._status_code = _STATUS_LINES.get(code) or _status_line(code)
            body_class = self.data_body_class
            if body_class is DataBody:
                # DataBody.__init__, inlined (bench: plaintext, make
                # bench-instr): keep the two in step.
                body = DataBody.__new__(DataBody)
                body.data = data
                body.begin = 0
                body.end = len(data)
                self.response = body
            else:
                self.response = body_class(data)
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
        elif isinstance(response, _STR_OR_BYTES):
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
