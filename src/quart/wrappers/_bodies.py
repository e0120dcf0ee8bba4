"""Response bodies: what a :class:`~quart.wrappers.response.Response` sends.

A body is a :class:`ResponseBody`: an async context manager that yields an
async iterable of bytes. The ASGI adapter sends a :class:`DataBody` in one
``http.response.body`` message without iterating it; other bodies are
streamed chunk by chunk and closed (so a generator's ``finally`` runs) when
the response ends for any reason. Quart 0.22 has these in
:mod:`quart.wrappers.response`, which re-exports them.

Rule: no ASGI here (sans-IO, as the rest of ``wrappers/``); file and
blocking work goes through :mod:`quart._concurrency`.
"""

from __future__ import annotations

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

from .._concurrency import iterate_sync
from .._concurrency import run_in_thread
from .._concurrency import run_sync_iterable


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
        # Response.__init__ has a copy of these lines: keep the two in step.
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
    #: gained little more, for four times the memory per download; bench:
    #: `make bench-large`).
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
        # The whole file, when send_file read a small one along with its
        # stat (one thread hop for the whole response; see _send_file).
        self._contents: bytes | None = None

    async def _size(self) -> int:
        if self._contents is not None:
            return len(self._contents)
        return await run_in_thread(os.path.getsize, self.file_path)

    async def _read(self, size: int) -> bytes:
        if self._contents is not None:
            return self._contents[self.begin : self.begin + size]
        if self._file is None:
            raise RuntimeError("Open the body first: 'async with body as chunks:'.")
        return await run_in_thread(self._file.read, size)

    async def __aenter__(self) -> FileBody:
        if self._contents is not None:
            if self.end is None:
                self.end = len(self._contents)
            return self
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


async def _release(body: object) -> None:
    """Close a body that will never be sent (an open file object's, say)."""
    if isinstance(body, ResponseBody) and not isinstance(body, DataBody):
        await body.__aexit__(None, None, None)


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
