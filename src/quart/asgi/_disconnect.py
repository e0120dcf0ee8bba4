"""Noticing a client that left, and enforcing BODY_TIMEOUT, without a timer or task per request.

How it works: every event loop has one :class:`_Watchdog`. A request
registers its task with it (a dict entry: no object, timer or task of its
own) and unregisters when it ends. While requests are in flight the watchdog
sweeps every ``_WATCH_DELAY`` seconds:

* a request still running after ``_WATCH_DELAY`` gets a watcher task
  (:class:`_Watcher`) that awaits ``receive()``; on ``http.disconnect`` it
  cancels the request's task, which unwinds the view or the streaming
  generator (their ``finally`` blocks run) and the context teardown. If the
  body is not fully read yet, the watcher first reads it on the app's behalf
  (sharing ``receive`` through :class:`_BodySource`'s lock, leaving the data
  in the body's buffer), up to ``_READ_AHEAD`` bytes; a larger unread body is
  left to the app, whose own reads then notice a disconnect;
* a body read past its ``BODY_TIMEOUT`` deadline has its task cancelled, and
  :meth:`_Watchdog.end` tells the reader so, which turns that cancellation
  into a 408 (the ``BodyDeadline`` protocol of :mod:`quart.wrappers._body_read`).

A timer per request, or ``asyncio.timeout`` per body read, cost more than
routing a small request; this costs two dict operations per request.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import weakref
from collections.abc import Callable
from typing import Any
from typing import TYPE_CHECKING

from ..wrappers.base import ClientDisconnectedError

if TYPE_CHECKING:
    from ..typing import ASGIReceiveCallable
    from ..wrappers import Request
    from ..wrappers.request import Body

_Task = asyncio.Task[Any]

# Where asyncio.current_task() is the Python function that reads this dict
# (Python 3.11), read it directly: a call less per request (bench: plaintext,
# make bench-instr). Elsewhere (a C current_task) None, and it is called.
_CURRENT_TASKS: dict[asyncio.AbstractEventLoop, _Task] | None = (
    getattr(asyncio.tasks, "_current_tasks", None)
    if inspect.isfunction(asyncio.current_task)
    and asyncio.current_task.__module__ == "asyncio.tasks"
    else None
)

# How long a request may run before we start watching for the client leaving.
# Most requests finish sooner and never pay for a watcher task; a client that
# leaves a slow view or a stream is noticed within about twice this delay.
_WATCH_DELAY = 0.025
# The most of an unread request body a watcher reads ahead to see a disconnect.
_READ_AHEAD = 64 * 1024


class _Watchdog:
    """Watches the requests in flight on one event loop (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        # The loop's clock: asyncio's own loop.time() is a Python method
        # around time.monotonic(), called per request (bench: plaintext, make
        # bench-instr); another loop's (uvloop's) is used as it is.
        self._time: Callable[[], float] = (
            time.monotonic if type(loop).time is asyncio.BaseEventLoop.time else loop.time
        )
        # Request task -> (start time, receive, request), until a watcher starts.
        self._pending: dict[_Task, tuple[float, ASGIReceiveCallable, Request]] = {}
        # Request task -> its watcher task.
        self._watchers: dict[_Task, _Task] = {}
        # Request task -> the loop time its body read must finish by.
        self._deadlines: dict[_Task, float] = {}
        self._disconnected: set[_Task] = set()
        self._timed_out: set[_Task] = set()
        self._timer: asyncio.TimerHandle | None = None

    def add(self, receive: ASGIReceiveCallable, request: Request) -> _Task | None:
        """Watch the current task's request; return the task (``None``
        outside a task, where nothing is watched). Called in this watchdog's
        loop."""
        tasks = _CURRENT_TASKS
        task = tasks.get(self._loop) if tasks is not None else asyncio.current_task()
        if task is not None:
            self._pending[task] = (self._time(), receive, request)
            if self._timer is None:
                self._arm()
        return task

    def finish(self, task: _Task | None) -> _Task | None:
        """Stop watching ``task``; return a watcher still to be cancelled."""
        if task is None:
            return None
        self._pending.pop(task, None)
        # The others are empty for almost every request: test before calling
        # (bench: plaintext, make bench-instr).
        if self._deadlines:
            self._deadlines.pop(task, None)
        if self._disconnected:
            self._disconnected.discard(task)
        if self._timed_out:
            self._timed_out.discard(task)
        if self._watchers:
            watcher = self._watchers.pop(task, None)
            if watcher is not None and not watcher.done():
                return watcher
        return None

    def left(self, task: _Task | None) -> bool:
        """Whether ``task`` was cancelled because its client disconnected."""
        return task in self._disconnected

    # The BODY_TIMEOUT protocol of ``Request._body_deadline`` (BodyDeadline).

    def start(self, when: float) -> _Task | None:
        """Give the current task's body read until ``when`` (loop time);
        return the token for :meth:`end`."""
        tasks = _CURRENT_TASKS
        # What asyncio.current_task() does on 3.11, without the call (bench:
        # json_echo, make bench-instr).
        task = (
            tasks.get(asyncio.get_running_loop()) if tasks is not None else asyncio.current_task()
        )
        if task is not None:
            # Any task: a body read from a task the view started is cancelled
            # (and uncancelled by end()) the same way.
            self._deadlines[task] = when
            if self._timer is None:
                self._arm()
        return task

    def end(self, task: _Task | None, cancelled: bool) -> bool:
        """End the deadline :meth:`start` gave; return whether the read was
        cancelled because it ran out of time."""
        if task is None:
            return False
        self._deadlines.pop(task, None)
        if task in self._timed_out:
            self._timed_out.discard(task)
            return task.uncancel() == 0 and cancelled
        return False

    def _disconnect(self, task: _Task) -> None:
        self._disconnected.add(task)
        task.cancel()

    def _arm(self) -> None:
        self._timer = self._loop.call_later(_WATCH_DELAY, self._sweep)

    def _sweep(self) -> None:
        self._timer = None
        now = self._time()
        for task, (started, receive, request) in list(self._pending.items()):
            if now - started >= _WATCH_DELAY:
                watcher = _Watcher(self, task, receive, request).start()
                if watcher is not None:
                    del self._pending[task]
                    self._watchers[task] = watcher
        for task, when in list(self._deadlines.items()):
            if now >= when:
                del self._deadlines[task]
                self._timed_out.add(task)
                task.cancel()
        if self._pending or self._deadlines:
            self._arm()


_watchdogs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watchdog] = (
    weakref.WeakKeyDictionary()
)
_last_watchdog: list[_Watchdog | None] = [None]


def current_watchdog() -> _Watchdog:
    """The running loop's watchdog."""
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


class _BodySource:
    """Pulls request body chunks from ``receive`` when the app asks for them.

    Normally the app is the only caller of ``receive`` while its body is
    unread. When a watcher takes over reading (see :meth:`_Watcher._watch_body`)
    both go through ``lock``, and the watcher leaves what it read in the
    body's buffer for the app. A watcher never starts reading while the app
    is inside a lock-free ``receive`` (``busy``): both would wait on the
    server's queue, and the one woken second can take the chunk first, which
    put the body's chunks out of order.
    """

    __slots__ = ("body", "busy", "lock", "receive")

    def __init__(self, receive: ASGIReceiveCallable) -> None:
        self.receive = receive
        # Set with ``lock``, when a watcher starts: holding the body from the
        # start would make body -> source -> body a reference cycle per
        # request, freed only by the cyclic GC, with the server's request
        # object behind ``receive`` (uvicorn, `json_echo`: 13 objects per
        # request; 29 µs/request of GC; bench/NOTES.md, "Over the wire").
        self.body: Body | None = None
        self.lock: asyncio.Lock | None = None
        self.busy = False

    async def __call__(self) -> tuple[bytes, bool]:
        if self.lock is None:
            # _pull inlined: this is every request body's path.
            self.busy = True
            try:
                message: Any = await self.receive()
            finally:
                self.busy = False
            if message["type"] == "http.disconnect":
                raise ClientDisconnectedError()
            return message.get("body", b""), message.get("more_body", False)
        body = self.body
        assert body is not None  # set with the lock
        async with self.lock:
            if body._chunks or body._complete:
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


class _Watcher:
    """Awaits ``receive()`` for one long-running request (see the module docstring)."""

    __slots__ = ("_dog", "_receive", "_request", "_task")

    def __init__(
        self, dog: _Watchdog, task: _Task, receive: ASGIReceiveCallable, request: Request
    ) -> None:
        self._dog = dog
        self._task = task
        self._receive = receive
        self._request = request

    def start(self) -> _Task | None:
        body = self._request.body
        if body._complete:
            watch = self._watch()
        elif isinstance(body._pull, _BodySource) and body._received < _READ_AHEAD:
            source = body._pull
            if source.busy:
                # The app is waiting for its body itself (it will see a
                # disconnect there): look again at the next sweep.
                return None
            if source.lock is None:
                # Now, not when the task first runs: from here on the app's
                # reads wait for the watcher's. The source gets the body only
                # now (see _BodySource.__init__).
                source.body = body
                source.lock = asyncio.Lock()
            watch = self._watch_body(source, body)
        else:
            return None
        return asyncio.get_running_loop().create_task(watch)

    async def _watch_body(self, source: _BodySource, body: Body) -> None:
        # The app has not read its (small) body yet: read it on its behalf,
        # into the body's buffer, so a disconnect behind it is seen. At most
        # _READ_AHEAD bytes; past that, stop watching and leave the rest to
        # the app (whose own reads then notice a disconnect).
        assert source.lock is not None  # Set by start().
        while not _complete(body):
            async with source.lock:
                if _complete(body):  # the app read the rest while we waited
                    break
                message: Any = await self._receive()
                if message["type"] == "http.disconnect":
                    self._dog._disconnect(self._task)
                    return
                data = message.get("body", b"")
                if data:
                    body.append(data)
                if not message.get("more_body", False):
                    body._complete = True
            if body._received >= _READ_AHEAD:
                return
        await self._watch()

    async def _watch(self) -> None:
        while True:
            # The body is complete (or declared empty): any http.request
            # message still arriving carries nothing the app will read.
            message: Any = await self._receive()
            if message["type"] == "http.disconnect":
                self._dog._disconnect(self._task)
                return


async def cancel_watcher(watcher: asyncio.Task[Any]) -> None:
    """Cancel a watcher task and wait for it to end."""
    watcher.cancel()
    try:
        await watcher
    except asyncio.CancelledError:
        pass
