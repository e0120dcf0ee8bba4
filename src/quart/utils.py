"""Utilities: sync/async bridging, header encoding, file paths, the reloader."""

from __future__ import annotations

import os
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any
from typing import IO
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

from . import _lazy
from ._concurrency import cancel_tasks as cancel_tasks
from ._concurrency import raise_task_exceptions as raise_task_exceptions
from ._concurrency import run_in_thread
from ._concurrency import run_sync as run_sync
from ._concurrency import run_sync_iterable as run_sync_iterable
from ._lazy import LazyNames
from .typing import FilePath as FilePath

if TYPE_CHECKING:
    from ._devserver.reloader import run_reloader as run_reloader
    from .typing import Event

__all__ = [
    "MustReloadError",
    "cancel_tasks",
    "decode_headers",
    "encode_headers",
    "file_path_to_path",
    "observe_changes",
    "raise_task_exceptions",
    "restart",
    "run_reloader",
    "run_sync",
    "run_sync_iterable",
]


class MustReloadError(Exception):
    """Raised by :func:`observe_changes` when a loaded module's file changed."""


def file_path_to_path(*paths: FilePath) -> Path:
    """Join path parts (``str``, ``bytes`` or path-like) into a :class:`~pathlib.Path`."""
    return Path(*(os.fsdecode(path) for path in paths))


def encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs (lower-cased names) from Werkzeug headers, UTF-8
    encoded as Quart 0.22's.

    The server side does not use this: it sends headers as Latin-1 (HTTP's
    byte set) and refuses a header Latin-1 cannot carry.
    """
    return [(key.lower().encode(), value.encode()) for key, value in headers.items()]


def decode_headers(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """Werkzeug headers from ASGI header pairs."""
    return Headers([(key.decode("latin-1"), value.decode("latin-1")) for key, value in headers])


async def observe_changes(
    sleep: Callable[[float], Awaitable[object]], shutdown_event: Event
) -> None:
    """Poll the files of loaded modules; raise :class:`MustReloadError` on a change.

    :param sleep: ``asyncio.sleep`` (or an equivalent).
    :param shutdown_event: Stop polling once this is set.
    """
    from ._devserver.reloader import changed
    from ._devserver.reloader import module_mtimes

    last = module_mtimes()
    while not shutdown_event.is_set():
        await sleep(1)
        current = module_mtimes()
        if changed(last, current):
            raise MustReloadError()
        last = current


def restart() -> None:
    """Replace this process with a new run of its command line.

    Kept from Quart 0.22; the reloader now uses :func:`run_reloader`, which
    also works for console scripts.
    """
    from ._devserver.reloader import reloader_argv

    argv = reloader_argv()
    if argv is None:
        raise RuntimeError("This program cannot be restarted: it was not started from a file.")
    os.execv(argv[0], argv)


class AsyncFile:
    """A file whose blocking calls run in a worker thread.

    Returned by :func:`open_async` (and ``app.open_resource``) unopened:
    ``async with`` it, or ``await`` it, to open it::

        async with open_async("data.csv", "r") as file:
            async for line in file:
                ...

    :param path: The file to open.
    :param mode: The mode, as for :func:`open`.
    :param encoding: The text encoding (text modes only).
    """

    def __init__(self, path: FilePath, mode: str = "rb", encoding: str | None = None) -> None:
        self.path = path
        self.mode = mode
        self.encoding = encoding
        self._file: IO[Any] | None = None

    def _open(self) -> IO[Any]:
        if "b" in self.mode:
            return open(self.path, self.mode)
        return open(self.path, self.mode, encoding=self.encoding)

    @property
    def file(self) -> IO[Any]:
        """The underlying (open) file object."""
        if self._file is None:
            raise RuntimeError(
                "The file is not open: use 'async with open_async(...) as f' or"
                " 'f = await open_async(...)'."
            )
        return self._file

    async def __aenter__(self) -> AsyncFile:
        if self._file is None:
            self._file = await run_in_thread(self._open)
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __await__(self) -> Generator[object, None, AsyncFile]:
        return self.__aenter__().__await__()

    def __aiter__(self) -> AsyncFile:
        return self

    async def __anext__(self) -> Any:
        line = await self.readline()
        if not line:
            raise StopAsyncIteration
        return line

    async def read(self, size: int = -1) -> Any:
        """Read up to ``size`` bytes or characters (all by default)."""
        return await run_in_thread(self.file.read, size)

    async def readline(self, size: int = -1) -> Any:
        """Read one line (empty at the end of the file)."""
        return await run_in_thread(self.file.readline, size)

    async def readlines(self) -> list[Any]:
        """Read all remaining lines."""
        return await run_in_thread(self.file.readlines)

    async def write(self, data: object) -> int:
        """Write ``data``; return how much was written."""
        return await run_in_thread(self.file.write, data)

    async def flush(self) -> None:
        """Flush buffered writes to the operating system."""
        await run_in_thread(self.file.flush)

    async def seek(self, offset: int, whence: int = 0) -> int:
        """Move the position; return the new one."""
        return await run_in_thread(self.file.seek, offset, whence)

    async def tell(self) -> int:
        """The current position."""
        return await run_in_thread(self.file.tell)

    async def close(self) -> None:
        """Close the file (again is fine)."""
        if self._file is not None:
            file, self._file = self._file, None
            await run_in_thread(file.close)


def open_async(path: FilePath, mode: str = "rb", encoding: str | None = None) -> AsyncFile:
    """Open a file for async code, without blocking the event loop (no
    aiofiles needed): ``async with open_async(path) as f: data = await f.read()``.

    :param path: The file to open.
    :param mode: The mode, as for :func:`open`.
    :param encoding: The text encoding (text modes only; ignored for binary).
    """
    return AsyncFile(path, mode, encoding)


#: Imported on first use: the reloader is for development servers only.
_LAZY_NAMES: LazyNames = {"run_reloader": ("quart._devserver.reloader", "run_reloader")}


def __getattr__(name: str) -> Any:
    return _lazy.load(__name__, name, _LAZY_NAMES)


def __dir__() -> list[str]:
    return _lazy.names(__name__, _LAZY_NAMES)
