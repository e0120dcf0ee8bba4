"""Utilities: sync/async bridging, header encoding, file paths, the reloader."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.datastructures import Headers

from ._concurrency import cancel_tasks as _cancel_tasks
from ._concurrency import raise_task_exceptions as raise_task_exceptions
from ._concurrency import run_in_thread
from ._concurrency import run_sync as run_sync
from ._concurrency import run_sync_iterable as run_sync_iterable

if TYPE_CHECKING:
    from .typing import Event
    from .typing import FilePath

__all__ = [
    "MustReloadError",
    "cancel_tasks",
    "decode_headers",
    "encode_headers",
    "file_path_to_path",
    "observe_changes",
    "raise_task_exceptions",
    "restart",
    "run_sync",
    "run_sync_iterable",
]


class MustReloadError(Exception):
    """Raised by :func:`observe_changes` when a loaded module's file changed."""


def file_path_to_path(*paths: FilePath) -> Path:
    """Join path parts (``str``, ``bytes`` or path-like) into a :class:`~pathlib.Path`."""
    return Path(*(os.fsdecode(path) for path in paths))


def encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs (lower-cased names, latin-1) from Werkzeug headers."""
    return [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers.items()]


def decode_headers(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """Werkzeug headers from ASGI header pairs."""
    return Headers([(key.decode("latin-1"), value.decode("latin-1")) for key, value in headers])


async def cancel_tasks(tasks: set[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until they have all finished."""
    await _cancel_tasks(tasks)


def _module_mtimes() -> dict[str, float]:
    mtimes: dict[str, float] = {}
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if not filename:
            continue
        try:
            mtimes[filename] = os.stat(filename).st_mtime
        except OSError:
            continue
    return mtimes


async def observe_changes(sleep: Callable[[float], Awaitable[Any]], shutdown_event: Event) -> None:
    """Poll the files of loaded modules; raise :class:`MustReloadError` on a change.

    :param sleep: ``asyncio.sleep`` (or an equivalent).
    :param shutdown_event: Stop polling once this is set.
    """
    last = _module_mtimes()
    while not shutdown_event.is_set():
        await sleep(1)
        current = _module_mtimes()
        for filename, mtime in current.items():
            if last.get(filename, mtime) != mtime:
                raise MustReloadError()
        last = current


def restart() -> None:
    """Restart the current process with the same command line (the reloader)."""
    args = [sys.executable, *_original_argv()]
    os.execv(sys.executable, args)


def _original_argv() -> list[str]:
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name not in {"__main__", None}:
        name = spec.name
        if name.endswith(".__main__"):
            name = name[: -len(".__main__")]
        return ["-m", name, *sys.argv[1:]]
    return list(sys.argv)


class _AsyncFile:
    """A file whose methods run in a thread: ``async with`` it, then ``await f.read()``."""

    def __init__(self, path: str, mode: str) -> None:
        self._path = path
        self._mode = mode
        self._file: Any = None

    async def __aenter__(self) -> _AsyncFile:
        self._file = await run_in_thread(open, self._path, self._mode)
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await run_in_thread(self._file.close)

    def __await__(self) -> Any:
        return self.__aenter__().__await__()

    async def read(self, size: int = -1) -> Any:
        """Read up to ``size`` (all by default)."""
        return await run_in_thread(self._file.read, size)

    async def write(self, data: Any) -> int:
        """Write ``data``."""
        return await run_in_thread(self._file.write, data)  # type: ignore[no-any-return]

    async def seek(self, offset: int, whence: int = 0) -> int:
        """Move the position."""
        return await run_in_thread(self._file.seek, offset, whence)  # type: ignore[no-any-return]

    async def close(self) -> None:
        """Close the file."""
        await run_in_thread(self._file.close)


def open_async(path: str, mode: str = "rb") -> _AsyncFile:
    """Open ``path`` for use from async code (no aiofiles needed)."""
    return _AsyncFile(path, mode)
