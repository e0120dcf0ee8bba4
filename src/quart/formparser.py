"""Parsing of form request bodies, read asynchronously chunk by chunk.

Two encodings are understood: ``application/x-www-form-urlencoded`` and
``multipart/form-data``. Anything else parses to two empty
:class:`~werkzeug.datastructures.MultiDict` objects without reading the body.

Multipart bodies are decoded by Werkzeug's sans-IO
:class:`~werkzeug.sansio.multipart.MultipartDecoder`; this module only feeds
it chunks and collects its events. Fields are kept in memory, files are
written to streams made by a stream factory (spooled temporary files by
default).

Limits and errors:

- ``max_content_length``: more body bytes than this (declared or received)
  is a ``413 Request Entity Too Large``.
- ``max_form_memory_size``: the largest urlencoded body, the largest
  multipart field value, and the most undecoded data (part headers,
  preamble) held at any one time. Exceeding it is a ``413``. File content
  does not count, as it is streamed out of memory.
- ``max_form_parts``: the most parts of a multipart body, ``413`` beyond
  that. It does not apply to urlencoded bodies.
- A malformed multipart body (no valid boundary, missing headers, ends
  before the closing boundary, ...) is a ``400 Bad Request``. Files already
  opened for it are closed first.

Unlike Werkzeug's parser, which raises :exc:`ValueError` for malformed data
and swallows it in ``silent`` mode (giving empty forms), malformed input here
is always reported as :exc:`~werkzeug.exceptions.BadRequest`, whatever
``silent`` says: a client sending a broken upload gets told so instead of
the application seeing a form that silently lost its content. ``silent``
still swallows any :exc:`ValueError` that escapes a parse function (for
example from a custom stream factory or a parse function added by a
subclass).

A completely empty multipart body parses to empty forms rather than an
error, matching what clients that send a leftover ``Content-Type`` header
with no content expect.

The result does not depend on how the body is split into chunks (barring
garbage such as long runs of blanks after a boundary): bytes that could be
the start of a delimiter are held back from the decoder until it is clear
whether they are one.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any
from typing import cast
from typing import IO
from typing import NoReturn
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import default_stream_factory
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data
from werkzeug.sansio.multipart import Epilogue
from werkzeug.sansio.multipart import Event
from werkzeug.sansio.multipart import Field
from werkzeug.sansio.multipart import File
from werkzeug.sansio.multipart import MultipartDecoder
from werkzeug.sansio.multipart import NeedData
from werkzeug.sansio.multipart import State

from .datastructures import FileStorage

__all__ = [
    "FormDataParser",
    "MultiPartParser",
    "ParserFunc",
    "StreamFactory",
]

#: Makes the stream an uploaded file's content is written to. Called with
#: ``(total_content_length, content_type, filename, content_length)``, the
#: same positional order as :func:`werkzeug.formparser.default_stream_factory`.
StreamFactory = Callable[[int | None, str | None, str | None, int | None], IO[bytes]]

#: A parse function as stored in :attr:`FormDataParser.parse_functions`. It is
#: called as ``func(parser, body, mimetype, content_length, options)``.
ParserFunc = Callable[
    ["FormDataParser", AsyncIterable[bytes], str, int | None, dict[str, str]],
    Awaitable[tuple[MultiDict[str, str], MultiDict[str, FileStorage]]],
]

# RFC 2046 section 5.1.1: 1 to 70 characters from "bchars", not ending with
# a space.
_BOUNDARY_RE = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")

# Only these charsets are honoured for field values; anything else is UTF-8.
_SAFE_CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})


def _is_valid_boundary(boundary: str | bytes) -> bool:
    if isinstance(boundary, bytes):
        try:
            boundary = boundary.decode("ascii")
        except UnicodeDecodeError:
            return False
    return _BOUNDARY_RE.fullmatch(boundary) is not None


def _check_total(total: int, limit: int | None) -> None:
    if limit is not None and total > limit:
        raise RequestEntityTooLarge()


def _unquote(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "replace")


def _split_plain_pairs(text: str) -> list[tuple[str, str]]:
    # No escapes at all (the common case): splitting is all there is to do.
    items: list[tuple[str, str]] = []
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            items.append((name, value))
    return items


_MULTIDICT_INIT = MultiDict.__init__
_DICT_NEW = dict.__new__


def _plain_multidict(cls: type[MultiDict[str, str]], text: str) -> MultiDict[str, str]:
    """``cls(_split_plain_pairs(text))``: when ``cls`` keeps Werkzeug's
    ``MultiDict.__init__``, its dict of lists is built here and handed to
    ``dict.__init__`` as that ``__init__`` does, without its Python loop
    over the pairs (bench: query_header, make bench-instr)."""
    if cls.__init__ is not _MULTIDICT_INIT or cls.__new__ is not _DICT_NEW:
        return cls(_split_plain_pairs(text))
    lists: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            values = lists.get(name)
            if values is None:
                lists[name] = [value]
            else:
                values.append(value)
    result = cls.__new__(cls)
    dict.__init__(result, lists)  # type: ignore[misc]
    return result


def _plain_text(data: bytes | bytearray) -> str | None:
    """``data`` as text when it is ASCII with nothing to unescape (no ``%``,
    no ``+``), else ``None``."""
    # Tested on the decoded str: CPython's ``b"%" in data`` first tries the
    # operand as an int and makes (and drops) a formatted TypeError, about
    # 1.2k instructions per test (bench: form and query_header, make
    # bench-instr).
    if not data.isascii():
        return None
    text = data.decode("ascii")
    if "%" in text or "+" in text:
        return None
    return text


def _parse_urlencoded_pairs(data: bytes) -> list[tuple[str, str]]:
    """The pairs of a urlencoded body that has escapes or non-ASCII bytes
    (a plain one is split by :func:`_plain_multidict`)."""
    # Same splitting rules as urllib.parse.parse_qsl(keep_blank_values=True),
    # but percent-decoding works on bytes so that raw non-ASCII bytes and
    # invalid escapes never raise; the result is decoded as UTF-8 with
    # replacement characters.
    items: list[tuple[str, str]] = []
    for pair in data.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        items.append((_unquote(name), _unquote(value)))
    return items


class FormDataParser:
    """Parse a request body holding form data into form and files.

    :param cls: The :class:`~werkzeug.datastructures.MultiDict` class used
        for the results. ``None`` means ``MultiDict``.
    :param max_content_length: The most body bytes to accept, ``413``
        beyond. ``None`` for no limit.
    :param max_form_memory_size: The largest urlencoded body or multipart
        field value to accept, ``413`` beyond. ``None`` for no limit.
    :param max_form_parts: The most multipart parts to accept, ``413``
        beyond. ``None`` for no limit.
    :param silent: Return empty results instead of raising when a parse
        function raises :exc:`ValueError`. Malformed bodies raise
        :exc:`~werkzeug.exceptions.BadRequest`, which is not affected.
    :param stream_factory: Makes the streams uploaded files are written to.
    """

    #: The class wrapping each uploaded file.
    file_storage_class: type[FileStorage] = FileStorage

    def __init__(
        self,
        *,
        cls: type[MultiDict[str, Any]] | None = MultiDict,
        max_content_length: int | None = None,
        max_form_memory_size: int | None = None,
        max_form_parts: int | None = None,
        silent: bool = True,
        stream_factory: StreamFactory = default_stream_factory,
    ) -> None:
        self.cls: type[MultiDict[str, Any]] = MultiDict if cls is None else cls
        self.max_content_length = max_content_length
        self.max_form_memory_size = max_form_memory_size
        self.max_form_parts = max_form_parts
        self.silent = silent
        self.stream_factory = stream_factory

    def get_parse_func(self, mimetype: str, options: dict[str, str]) -> ParserFunc | None:
        """Return the parse function for a mimetype, or ``None`` if the
        mimetype is not a form encoding.

        :param mimetype: The body's mimetype, without parameters.
        :param options: The mimetype's parameters.
        """
        return self.parse_functions.get(mimetype.strip().lower())

    async def parse(
        self,
        body: AsyncIterable[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        """Read and parse a form body.

        Errors raised while reading ``body`` (such as
        :exc:`~werkzeug.exceptions.RequestTimeout`) propagate unchanged.

        :param body: The body, as an async iterable of byte chunks.
        :param mimetype: The body's mimetype, without parameters.
        :param content_length: The declared body length, if known.
        :param options: The mimetype's parameters, such as ``boundary``.
        :return: A ``(form, files)`` tuple.
        """
        if options is None:
            options = {}
        parse_func = self.get_parse_func(mimetype, options)
        if parse_func is None:
            return self.cls(), self.cls()
        if content_length is not None:
            _check_total(content_length, self.max_content_length)
        try:
            return await parse_func(self, body, mimetype, content_length, options)
        except ValueError:
            if not self.silent:
                raise
        return self.cls(), self.cls()

    async def _parse_multipart(
        self,
        body: AsyncIterable[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        boundary = options.get("boundary")
        if boundary is None or not _is_valid_boundary(boundary):
            raise BadRequest("Missing or invalid multipart boundary.")
        parser = MultiPartParser(
            cls=self.cls,
            file_storage_cls=self.file_storage_class,
            max_content_length=self.max_content_length,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            stream_factory=self.stream_factory,
        )
        return await parser.parse(body, boundary.encode("ascii"), content_length)

    async def _parse_urlencoded(
        self,
        body: AsyncIterable[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        memory_limit = self.max_form_memory_size
        if content_length is not None:
            _check_total(content_length, memory_limit)
        data = bytearray()
        async for chunk in body:
            total = len(data) + len(chunk)
            _check_total(total, self.max_content_length)
            _check_total(total, memory_limit)
            data += chunk
        text = _plain_text(data)
        if text is not None:
            return _plain_multidict(self.cls, text), self.cls()
        return self.cls(_parse_urlencoded_pairs(bytes(data))), self.cls()

    #: Maps a mimetype to the function that parses it.
    parse_functions: dict[str, ParserFunc] = {
        "multipart/form-data": _parse_multipart,
        "application/x-www-form-urlencoded": _parse_urlencoded,
        "application/x-url-encoded": _parse_urlencoded,
    }


class _PartCollector:
    """Turns decoder events into fields and files for one parse."""

    def __init__(self, parser: MultiPartParser, content_length: int | None) -> None:
        self.parser = parser
        self.content_length = content_length
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.streams: list[IO[bytes]] = []
        self.part: Field | File | None = None
        self.name: str | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.stream: IO[bytes] | None = None

    def handle(self, event: Event) -> None:
        if isinstance(event, Field | File):
            self.part = event
            # The decoder gives ``None`` for a part without a name, even
            # though the event is annotated as ``str``.
            self.name = cast("str | None", event.name)
            self.chunks = []
            self.size = 0
            self.stream = None
            if isinstance(event, File) and self.name is not None:
                self.stream = self.parser.start_file_streaming(event, self.content_length)
                self.streams.append(self.stream)
        elif isinstance(event, Data):
            self._data(event)

    def _data(self, event: Data) -> None:
        part = self.part
        if part is None:
            self.parser.fail("Part data before part headers.")
        if isinstance(part, Field):
            self.size += len(event.data)
            _check_total(self.size, self.parser.max_form_memory_size)
            if self.name is not None:
                self.chunks.append(event.data)
        elif self.stream is not None:
            self.stream.write(event.data)
        if event.more_data:
            return
        self.part = None
        if self.name is None:
            return
        if isinstance(part, Field):
            charset = self.parser.get_part_charset(part.headers)
            value = b"".join(self.chunks).decode(charset, "replace")
            self.fields.append((self.name, value))
            self.chunks = []
        elif self.stream is not None:
            self.stream.seek(0)
            storage = self.parser.file_storage_cls(
                self.stream,
                part.filename,
                self.name,
                content_type=part.headers.get("content-type"),
                headers=part.headers,
            )
            self.files.append((self.name, storage))
            self.stream = None

    def close(self) -> None:
        for stream in self.streams:
            try:
                stream.close()
            except Exception:
                pass  # Cleaning up must not hide the error being raised.


class MultiPartParser:
    """Parse a ``multipart/form-data`` body, read chunk by chunk.

    :param buffer_size: The most bytes handed to the decoder at once; larger
        chunks are split.
    :param cls: The :class:`~werkzeug.datastructures.MultiDict` class used
        for the results.
    :param file_storage_cls: The class wrapping each uploaded file.
    :param max_content_length: The most body bytes to accept, ``413``
        beyond. ``None`` for no limit.
    :param max_form_memory_size: The largest field value, and the most
        undecoded data held at once, ``413`` beyond. ``None`` for no limit.
    :param max_form_parts: The most parts to accept, ``413`` beyond.
        ``None`` for no limit.
    :param stream_factory: Makes the streams uploaded files are written to.
    """

    def __init__(
        self,
        *,
        buffer_size: int = 64 * 1024,
        cls: type[MultiDict[str, Any]] = MultiDict,
        file_storage_cls: type[FileStorage] = FileStorage,
        max_content_length: int | None = None,
        max_form_memory_size: int | None = None,
        max_form_parts: int | None = None,
        stream_factory: StreamFactory = default_stream_factory,
    ) -> None:
        self.buffer_size = max(1, buffer_size)
        self.cls = cls
        self.file_storage_cls = file_storage_cls
        self.max_content_length = max_content_length
        self.max_form_memory_size = max_form_memory_size
        self.max_form_parts = max_form_parts
        self.stream_factory = stream_factory

    def fail(self, message: str) -> NoReturn:
        """Reject the body as malformed.

        :param message: Why the body is malformed.
        :raise werkzeug.exceptions.BadRequest: Always.
        """
        raise BadRequest(message)

    def get_part_charset(self, headers: Headers) -> str:
        """Return the charset to decode a field's value with.

        Only ASCII, UTF-8 and ISO-8859-1 are honoured when named by the
        part's ``Content-Type``; anything else gives ``"utf-8"``.

        :param headers: The part's headers.
        """
        content_type = headers.get("content-type")
        if content_type:
            charset = parse_options_header(content_type)[1].get("charset", "").lower()
            if charset in _SAFE_CHARSETS:
                return charset
        return "utf-8"

    def start_file_streaming(self, event: File, total_content_length: int | None) -> IO[bytes]:
        """Make the stream an uploaded file's content is written to.

        :param event: The decoder event that starts the file part.
        :param total_content_length: The declared length of the whole body,
            if known.
        """
        content_type = event.headers.get("content-type")
        raw_length = event.headers.get("content-length", "").strip()
        content_length = int(raw_length) if raw_length.isascii() and raw_length.isdigit() else None
        return self.stream_factory(
            total_content_length, content_type, event.filename, content_length
        )

    async def parse(
        self,
        body: AsyncIterable[bytes],
        boundary: bytes,
        content_length: int | None,
    ) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        """Read and parse a multipart body.

        :param body: The body, as an async iterable of byte chunks.
        :param boundary: The boundary from the ``Content-Type`` header.
        :param content_length: The declared body length, if known.
        :return: A ``(form, files)`` tuple.
        :raise werkzeug.exceptions.BadRequest: The body is malformed.
        :raise werkzeug.exceptions.RequestEntityTooLarge: A limit is
            exceeded.
        """
        if not _is_valid_boundary(boundary):
            self.fail("Invalid multipart boundary.")
        collector = _PartCollector(self, content_length)
        feed = _DecoderFeed(self, boundary, collector)
        received = 0
        try:
            async for chunk in body:
                if not chunk:
                    continue
                received += len(chunk)
                _check_total(received, self.max_content_length)
                feed.feed(chunk)
            if received == 0:
                return self.cls(), self.cls()
            feed.finish()
        except BaseException:
            collector.close()
            raise
        return self.cls(collector.fields), self.cls(collector.files)


# Werkzeug's decoder does not always decode a body the same way when it
# arrives in different chunks. Given data that ends right after
# ``CRLF--boundary-`` or ``CRLF--boundary`` plus blanks, it hands out the
# delimiter (or just its CR) as part data; given data that ends in a line
# break after a part's headers, it may miss a delimiter that starts with
# that line break. So :class:`_DecoderFeed` only ends a piece where the text
# since the last line break can no longer grow into a delimiter line, and
# holds back the rest until more data arrives. Blanks after a boundary are
# only trusted up to this many; more, and a delimiter split there may be
# misread (no real client sends any).
_MAX_TRANSPORT_PADDING = 64

_LINE_BREAK_BYTES = b"\r\n"


class _DecoderFeed:
    """Hands body bytes to a :class:`MultipartDecoder` in safe pieces.

    Also splits data so that each piece fits the decoder's free buffer room:
    the decoder rejects any single ``receive_data`` call that would make its
    buffer exceed ``max_form_memory_size``, even when the data is file
    content that would be streamed straight out. Feeding it pieces that fit
    keeps that check to what it is meant for: headers and preamble piling up
    undecoded.
    """

    def __init__(self, parser: MultiPartParser, boundary: bytes, collector: _PartCollector) -> None:
        self.parser = parser
        self.collector = collector
        self.decoder = MultipartDecoder(
            boundary,
            parser.max_form_memory_size,
            max_parts=parser.max_form_parts,
        )
        self.marker = b"--" + boundary
        self.max_segment = len(self.marker) + _MAX_TRANSPORT_PADDING
        # Held-back data longer than this only happens in garbage bodies;
        # it is then fed as it is.
        self.max_hold = 2 * self.max_segment
        self.pending = b""
        # Where looking for a safe place in ``pending`` carries on.
        self.resume = 0
        # Whether the data fed so far ends with a line break.
        self.after_break = False
        self.ended = False

    def feed(self, chunk: bytes) -> None:
        """Decode a body chunk, holding back bytes that are not safe to feed yet."""
        if self.ended:
            return  # Past the closing delimiter: the epilogue is discarded.
        start = 0
        data = chunk
        if self.pending:
            data = self.pending + chunk
            safe_end, self.resume = self._safe_end_after(data, 0, self.resume)
            if safe_end is None:
                self.pending = data
                return
            self.pending = b""
            self._feed_piece(data, 0, safe_end)
            start = safe_end
        size = len(data)
        while start < size and not self.ended:
            end = min(size, start + self._room())
            safe_end = self._safe_end_before(data, start, end)
            if safe_end == start:
                later_end, resume = self._safe_end_after(data, start, start)
                if later_end is None:
                    self.pending = data[start:]
                    self.resume = resume - start
                    return
                safe_end = later_end
            self._feed_piece(data, start, safe_end)
            start = safe_end

    def finish(self) -> None:
        """Decode what is left and check that the body was complete."""
        data = self.pending
        self.pending = b""
        start = 0
        while start < len(data) and not self.ended:
            end = min(len(data), start + self._room())
            self._feed_piece(data, start, end)
            start = end
        self._receive(None)
        if not self._drain():
            self.parser.fail("Incomplete multipart body.")

    def _room(self) -> int:
        room = self.parser.buffer_size
        memory_limit = self.parser.max_form_memory_size
        if memory_limit is not None:
            room = min(room, max(1, memory_limit - len(self.decoder.buffer)))
        return room

    def _feed_piece(self, data: bytes, start: int, end: int) -> None:
        self._receive(data if start == 0 and end == len(data) else data[start:end])
        self.after_break = data[end - 1] in _LINE_BREAK_BYTES
        self._drain()
        if self.decoder.state is State.EPILOGUE:
            self.ended = True

    def _viable_length(self, segment: bytes) -> int:
        # The length of the longest start of ``segment`` (text following a
        # line break) that could still grow into a delimiter line.
        marker = self.marker
        common = 0
        for own, expected in zip(segment, marker, strict=False):
            if own != expected:
                return common
            common += 1
        if common < len(marker):
            return common
        rest = segment[common:]
        if rest[:1] == b"-":
            return common + 1
        return common + len(rest) - len(rest.lstrip(b" \t"))

    def _is_viable(self, segment: bytes) -> bool:
        return len(segment) <= self.max_segment and self._viable_length(segment) == len(segment)

    def _safe_end_before(self, data: bytes, start: int, end: int) -> int:
        # The last safe place to end a piece in data[start:end], or
        # ``start`` if there is none. A place is safe when the text since
        # the last line break cannot grow into a delimiter line, or when
        # that text is empty but another line break follows (a delimiter
        # can only use the last line break before it).
        position = end
        while position > start:
            low = max(start, position - self.max_segment - 1)
            last_break = max(data.rfind(b"\r", low, position), data.rfind(b"\n", low, position))
            if last_break < 0:
                if low > start or not self.after_break:
                    return position
                last_break = start - 1
            if not self._is_viable(data[last_break + 1 : position]):
                return position
            if last_break < start:
                break
            position = last_break
            if data[position] == 0x0A and position > start and data[position - 1] == 0x0D:
                position -= 1
            if position > start and data[position - 1] in _LINE_BREAK_BYTES:
                return position
            if end - position > self.max_hold:
                return end
        return start

    def _safe_end_after(self, data: bytes, start: int, resume: int) -> tuple[int | None, int]:
        # The first safe place to end a piece starting at ``start``, where
        # the text could still grow into a delimiter line, looking from
        # ``resume`` on. If data ends before one, ``None`` and where to
        # resume once more data has arrived.
        size = len(data)
        index = resume
        while index - start <= self.max_hold:
            if data[index] in _LINE_BREAK_BYTES:
                if data[index] == 0x0D and index + 1 == size:
                    return None, index  # Maybe the first half of CRLF.
                after = index + (2 if data[index : index + 2] == b"\r\n" else 1)
                if after == size:
                    return None, index
                if data[after] in _LINE_BREAK_BYTES:
                    return after, after
                index = after
            limit = min(size, index + self.max_segment + 1)
            breaks = [
                found
                for found in (data.find(b"\r", index, limit), data.find(b"\n", index, limit))
                if found >= 0
            ]
            segment_end = min(breaks, default=limit)
            segment = data[index:segment_end]
            viable_length = self._viable_length(segment)
            if viable_length < len(segment):
                return index + viable_length + 1, index
            if segment_end == size:
                return None, index
            if not breaks:
                return segment_end, segment_end  # Too long for a delimiter line.
            index = segment_end
        return index, index

    def _receive(self, data: bytes | None) -> None:
        try:
            self.decoder.receive_data(data)
        except ValueError:
            self.parser.fail("Malformed multipart body.")

    def _drain(self) -> bool:
        """Handle events until the decoder needs data (``False``) or has
        reached the end of the body (``True``)."""
        while True:
            try:
                event = self.decoder.next_event()
            except ValueError:
                self.parser.fail("Malformed multipart body.")
            if isinstance(event, NeedData):
                return False
            if isinstance(event, Epilogue):
                return True
            self.collector.handle(event)
