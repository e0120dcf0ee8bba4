"""How a request body is read: the ``BODY_TIMEOUT`` deadline protocol, the
chunk iterator behind ``async for chunk in request.body``, and the
``Content-Length`` parser.

Private to :mod:`quart.wrappers` and the ASGI adapter (which gives its
requests a :class:`BodyDeadline` driven by its watchdog); it imports no
other part of the package at run time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any
from typing import Protocol
from typing import TYPE_CHECKING
from typing import TypeVar

from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestTimeout

if TYPE_CHECKING:
    from .request import Body

T = TypeVar("T")


class BodyDeadline(Protocol):
    """How ``BODY_TIMEOUT`` is enforced on a body read: the one protocol.

    ``start(when)`` arms a deadline (loop time) for the current task and
    returns a token; ``end(token, cancelled)`` disarms it and says whether
    the read was cancelled because it ran out of time (``cancelled``: the
    read ended with ``CancelledError``). The ASGI adapter gives its requests
    one driven by its watchdog (no timer per read); anywhere else
    :data:`_LOOP_DEADLINE` uses a loop timer.
    """

    def start(self, when: float) -> Any: ...

    def end(self, token: Any, cancelled: bool) -> bool: ...


class _LoopDeadline:
    """A :class:`BodyDeadline` from a loop timer that cancels the task, as
    :func:`asyncio.timeout_at` does, without an ``async with``."""

    __slots__ = ()

    def start(self, when: float) -> list[Any]:
        task = asyncio.current_task()
        token: list[Any] = [task, None, False]  # task, timer, expired
        if task is not None:
            token[1] = asyncio.get_running_loop().call_at(when, self._expire, token)
        return token

    @staticmethod
    def _expire(token: list[Any]) -> None:
        token[2] = True
        token[0].cancel()

    def end(self, token: list[Any], cancelled: bool) -> bool:
        task, timer, expired = token
        if timer is not None:
            timer.cancel()
        return bool(expired) and task.uncancel() == 0 and cancelled


_LOOP_DEADLINE = _LoopDeadline()


async def _before(deadline: BodyDeadline, when: float, read: Awaitable[T]) -> T:
    """Await ``read``, which must end by ``when``; ``RequestTimeout`` (408) if not."""
    token = deadline.start(when)
    try:
        result = await read
    except asyncio.CancelledError:
        if deadline.end(token, True):
            raise RequestTimeout() from None
        raise
    except BaseException:
        deadline.end(token, False)  # a 413, a disconnect...
        raise
    deadline.end(token, False)
    return result


def _declared_length(headers: Headers) -> int | None:
    # What ``request.content_length`` computes, minus Werkzeug's cached
    # property machinery (a request with both framing headers is refused
    # before it gets here).
    return _parse_length(headers.get("Content-Length"))


def _parse_length(value: str | None) -> int | None:
    """A ``Content-Length`` value as an int (``None`` if absent or invalid)."""
    if value is None:
        return None
    try:
        length = int(value.strip())
    except ValueError:
        return None
    return length if length >= 0 else None


class _BodyIterator:
    """Iterates a :class:`Body`, optionally against a deadline (``BODY_TIMEOUT``)."""

    __slots__ = ("_body", "_deadline", "_done", "_when")

    def __init__(
        self, body: Body, when: float | None, deadline: BodyDeadline = _LOOP_DEADLINE
    ) -> None:
        self._body = body
        self._when = when
        self._deadline = deadline
        self._done = False

    def __aiter__(self) -> _BodyIterator:
        return self

    async def __anext__(self) -> bytes:
        body = self._body
        if body._data is not None:
            # Already read whole: yield it once.
            if self._done or not body._data:
                raise StopAsyncIteration
            self._done = True
            return body._data
        while True:
            if self._when is None:
                chunk = await body._next_chunk()
            else:
                chunk = await _before(self._deadline, self._when, body._next_chunk())
            if chunk is None:
                raise StopAsyncIteration
            if chunk:
                return chunk
