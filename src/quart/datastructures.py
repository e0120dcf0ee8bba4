"""Data structures used by requests, extending Werkzeug's where needed.

Werkzeug's :class:`~werkzeug.datastructures.FileStorage` does blocking file
I/O in :meth:`~werkzeug.datastructures.FileStorage.save`. The subclass here
turns the I/O methods into coroutines that hand the copying to a worker
thread, so awaiting them never stalls the event loop.
"""

from __future__ import annotations

import io
import os
import shutil
from typing import IO

from werkzeug.datastructures import FileStorage as WerkzeugFileStorage

from ._concurrency import run_in_thread

__all__ = ["FileStorage"]


def _copy_to_path(source: IO[bytes], path: str | os.PathLike[str], buffer_size: int) -> None:
    with open(path, "wb") as target:
        shutil.copyfileobj(source, target, buffer_size)


def _copy_from_path(path: str | os.PathLike[str], target: IO[bytes], buffer_size: int) -> None:
    with open(path, "rb") as source:
        shutil.copyfileobj(source, target, buffer_size)


class FileStorage(WerkzeugFileStorage):
    """An uploaded file, as found in :attr:`Request.files <quart.Request.files>`.

    It behaves like Werkzeug's
    :class:`~werkzeug.datastructures.FileStorage` (attribute access is
    proxied to :attr:`stream`, and ``filename``, ``name``, ``content_type``
    and ``headers`` describe the upload), except that :meth:`save` and
    :meth:`load` are coroutines whose blocking I/O runs in a worker thread.
    """

    async def save(  # type: ignore[override]
        self,
        destination: str | os.PathLike[str] | IO[bytes],
        buffer_size: int = 16384,
    ) -> None:
        """Copy the file's content to a path or to a binary file object.

        Copying starts at the stream's current position. When given a path,
        the file there is created (or truncated), written and closed. When
        given a file object, it is written to but left open: closing it is
        the caller's job.

        For choosing a safe name from user input see
        :func:`werkzeug.utils.secure_filename`.

        :param destination: A filesystem path, or an open binary file object
            to write to.
        :param buffer_size: How many bytes to copy at a time.
        """
        if isinstance(destination, str | os.PathLike):
            await run_in_thread(_copy_to_path, self.stream, destination, buffer_size)
        else:
            await run_in_thread(shutil.copyfileobj, self.stream, destination, buffer_size)

    async def load(self, source: str | os.PathLike[str], buffer_size: int = 16384) -> None:
        """Replace :attr:`stream` with the content of a file on disk.

        The content is read into a new in-memory stream, positioned at the
        start. This is mostly useful for building uploads in tests. The
        previous stream is replaced but not closed.

        :param source: The path of the file to read.
        :param buffer_size: How many bytes to copy at a time.
        """
        stream = io.BytesIO()
        await run_in_thread(_copy_from_path, source, stream, buffer_size)
        stream.seek(0)
        self.stream = stream


# -- names Quart 0.22's module has, for code that imports them from here --------

from werkzeug.datastructures import Headers as Headers  # noqa: E402
