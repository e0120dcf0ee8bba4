"""Noticing a client that left, and enforcing BODY_TIMEOUT, without a timer or task per request."""

from __future__ import annotations

import asyncio
import weakref
from contextlib import AbstractAsyncContextManager
from typing import Any
from typing import TYPE_CHECKING

from ..wrappers.base import ClientDisconnectedError

if TYPE_CHECKING:
    from ..typing import ASGIReceiveCallable
    from ..wrappers import Request
    from ..wrappers.request import Body


# How long a request may run before we start watching for the client leaving.
# Most requests finish sooner and never pay for a watcher task; a client that
# leaves a slow view or a stream is noticed within about twice this delay.
_WATCH_DELAY = 0.025
# The most of an unread request body a watcher reads ahead to see a disconnect.
_READ_AHEAD = 64 * 1024


class _Watchdog:
    """One per event loop: finds requests that have run for a while and starts
    a disconnect watcher for each (see :class:`_DisconnectWatch`).

    A per-request timer cost more than the rest of a small request's routing;
    this costs a dict insert and delete per request, plus one sweep every
    ``_WATCH_DELAY`` seconds while requests are in flight.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._active: dict[_DisconnectWatch, float] = {}
        # Body reads under BODY_TIMEOUT: a dict entry instead of a timer per
        # read (asyncio.timeout cost ~9 µs per request body in the benchmark).
        self._deadlines: dict[_DisconnectWatch, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def add(self, watch: _DisconnectWatch) -> None:
        self._active[watch] = self._loop.time()
        self._arm()

    def discard(self, watch: _DisconnectWatch) -> None:
        self._active.pop(watch, None)
        self._deadlines.pop(watch, None)

    def set_deadline(self, watch: _DisconnectWatch, when: float) -> None:
        self._deadlines[watch] = when
        self._arm()

    def clear_deadline(self, watch: _DisconnectWatch) -> None:
        self._deadlines.pop(watch, None)

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self._loop.call_later(_WATCH_DELAY, self._sweep)

    def _sweep(self) -> None:
        self._timer = None
        now = self._loop.time()
        for watch, started in list(self._active.items()):
            if now - started >= _WATCH_DELAY and watch._start():
                del self._active[watch]
        for watch, when in list(self._deadlines.items()):
            if now >= when:
                del self._deadlines[watch]
                watch._expire()
        if self._active or self._deadlines:
            self._arm()


_watchdogs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watchdog] = (
    weakref.WeakKeyDictionary()
)


class _BodySource:
    """Pulls request body chunks from ``receive`` when the app asks for them.

    Normally the app is the only caller of ``receive`` while its body is
    unread. When a disconnect watcher takes over reading (see
    :meth:`_DisconnectWatch._watch_body`) both go through ``lock``, and the
    watcher leaves what it read in the body's buffer for the app.
    """

    __slots__ = ("body", "lock", "receive")

    def __init__(self, receive: ASGIReceiveCallable, body: Body) -> None:
        self.receive = receive
        self.body = body
        self.lock: asyncio.Lock | None = None

    async def __call__(self) -> tuple[bytes, bool]:
        if self.lock is None:
            return await self._pull()
        async with self.lock:
            if self.body._chunks or self.body._complete:
                # The watcher read while we waited: the body has it now.
                return b"", True
            return await self._pull()

    async def _pull(self) -> tuple[bytes, bool]:
        message: Any = await self.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnectedError()
        return message.get("body", b""), message.get("more_body", False)


def _complete(body: Body) -> bool:
    # A call rather than the attribute inline: it changes across awaits, and
    # mypy would keep an inline check's narrowing.
    return body._complete


def _current_watchdog() -> _Watchdog:
    # The WeakKeyDictionary lookup builds a weak reference each time; a server
    # runs one loop, so remember the last answer.
    loop = asyncio.get_running_loop()
    dog = _last_watchdog[0]
    if dog is None or dog._loop is not loop:
        dog = _watchdogs.get(loop)
        if dog is None:
            dog = _watchdogs[loop] = _Watchdog(loop)
        _last_watchdog[0] = dog
    return dog


_last_watchdog: list[_Watchdog | None] = [None]


class _DisconnectWatch:
    """Cancel the request's task when the client disconnects.

    How it works: the request registers with its loop's :class:`_Watchdog`.
    If it is still running a little later, one task awaits ``receive()``; on
    ``http.disconnect`` it cancels the request's task, which unwinds the view
    or the streaming generator (their ``finally`` blocks run) and the context
    teardown. If the body is not fully read yet, the watcher first reads it on
    the app's behalf (sharing ``receive`` through :class:`_BodySource`'s lock,
    leaving the data in the body's buffer), up to ``_READ_AHEAD`` bytes; a
    larger unread body is left to the app, whose own reads then notice a
    disconnect.
    """

    __slots__ = (
        "__weakref__",
        "_dog",
        "_receive",
        "_request",
        "_task",
        "_watcher",
        "disconnected",
        "timed_out",
    )

    def __init__(self, receive: ASGIReceiveCallable, request: Request) -> None:
        self._receive = receive
        self._request = request
        self._task = asyncio.current_task()
        self._watcher: asyncio.Task[None] | None = None
        self.disconnected = False
        self.timed_out = False
        dog = _current_watchdog()
        self._dog = dog
        dog.add(self)

    def deadline(self, when: float) -> AbstractAsyncContextManager[Any]:
        """The request's ``BODY_TIMEOUT`` guard (see ``Request._deadline_guard``)."""
        if asyncio.current_task() is not self._task:
            # The body is read from another task: it cannot be cancelled for us.
            return asyncio.timeout_at(when)
        return _Deadline(self, when)

    def _expire(self) -> None:
        self.timed_out = True
        if self._task is not None:
            self._task.cancel()

    def _start(self) -> bool:
        body = self._request.body
        if body._complete:
            watch = self._watch()
        elif isinstance(body._pull, _BodySource) and body._received < _READ_AHEAD:
            watch = self._watch_body(body._pull, body)
        else:
            return False
        self._watcher = asyncio.get_running_loop().create_task(watch)
        return True

    async def _watch_body(self, source: _BodySource, body: Body) -> None:
        # The app has not read its (small) body yet: read it on its behalf,
        # into the body's buffer, so a disconnect behind it is seen. At most
        # _READ_AHEAD bytes; past that, stop watching and leave the rest to
        # the app (whose own reads then notice a disconnect).
        if source.lock is None:
            source.lock = asyncio.Lock()
        while not _complete(body):
            async with source.lock:
                if _complete(body):  # the app read the rest while we waited
                    break
                message: Any = await self._receive()
                if message["type"] == "http.disconnect":
                    self._disconnected()
                    return
                data = message.get("body", b"")
                if data:
                    body.append(data)
                if not message.get("more_body", False):
                    body._complete = True
            if body._received >= _READ_AHEAD:
                return
        await self._watch()

    def _disconnected(self) -> None:
        self.disconnected = True
        if self._task is not None:
            self._task.cancel()

    async def _watch(self) -> None:
        while True:
            # The body is complete (or declared empty): any http.request
            # message still arriving carries nothing the app will read.
            message: Any = await self._receive()
            if message["type"] == "http.disconnect":
                self._disconnected()
                return

    def stop(self) -> asyncio.Task[None] | None:
        """Stop watching; return a watcher task still to be cancelled, if any."""
        self._dog.discard(self)
        watcher = self._watcher
        if watcher is not None and not watcher.done():
            return watcher
        return None


class _Deadline:
    """``async with`` a body read that must finish by ``when`` (loop time);
    raises ``TimeoutError`` like :func:`asyncio.timeout_at`."""

    __slots__ = ("_watch", "_when")

    def __init__(self, watch: _DisconnectWatch, when: float) -> None:
        self._watch = watch
        self._when = when

    async def __aenter__(self) -> None:
        self._watch._dog.set_deadline(self._watch, self._when)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        watch = self._watch
        watch._dog.clear_deadline(watch)
        if watch.timed_out:
            watch.timed_out = False
            task = watch._task
            if task is not None and task.uncancel() == 0 and exc_type is asyncio.CancelledError:
                raise TimeoutError() from exc


async def _cancel_watcher(watcher: asyncio.Task[None]) -> None:
    watcher.cancel()
    try:
        await watcher
    except asyncio.CancelledError:
        pass
