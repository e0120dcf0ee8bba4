"""Bridging sync code into the event loop, and task helpers.

Rule: besides :mod:`quart.asgi`, this is the only module that creates tasks or
uses executors. Everything else asks for what it needs through these helpers,
so the places where concurrency starts are easy to find and to audit
(``tests/test_layers.py`` checks).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any
from typing import cast
from typing import Never
from typing import ParamSpec
from typing import TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_STOP = object()

# The event loop a worker thread started by run_in_thread serves, so sync
# code there can still hand work to the loop (see call_soon_in_loop).
_event_loop: contextvars.ContextVar[asyncio.AbstractEventLoop] = contextvars.ContextVar(
    "quart._event_loop"
)


def is_async_callable(func: object) -> bool:
    """Whether calling ``func`` returns an awaitable (coroutine function or
    an object whose ``__call__`` is one, possibly behind ``functools.partial``)."""
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(func, "__call__", None)  # noqa: B004
    return call is not None and inspect.iscoroutinefunction(call)


async def run_in_thread(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``func`` in the default executor with the current context copied."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    ctx.run(_event_loop.set, loop)
    call = functools.partial(ctx.run, func, *args, **kwargs)
    return await loop.run_in_executor(None, call)


def run_sync(func: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """Wrap a sync callable so awaiting it runs it in a thread.

    Context variables are copied into the thread, so ``request`` and friends
    work inside. A sync generator (function) result becomes an async iterator
    that pulls each item in the executor.
    """

    @functools.wraps(func)
    async def _wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        result = await run_in_thread(func, *args, **kwargs)
        if inspect.isgenerator(result):
            # Awaited, a sync generator's result is an async iterator of its items.
            return cast(T, run_sync_iterable(result))
        return result

    _wrapper._quart_async_wrapper = True  # type: ignore[attr-defined]
    return _wrapper


def run_sync_iterable(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Turn a (possibly blocking) sync iterable into an async iterator.

    Each ``next()`` runs in the executor; the iterator's ``close()`` runs
    when the async iterator is closed, so a generator's ``finally`` runs.
    Closed while a ``next()`` is still running in its thread (the client
    left mid-step), it is closed in a thread as soon as that step returns:
    a running generator cannot be closed, and a thread cannot be interrupted.
    """
    iterator = iter(iterable)
    ctx = contextvars.copy_context()
    step = threading.Lock()

    def _next() -> Any:
        with step:
            try:
                return ctx.run(next, iterator)
            except StopIteration:
                return _STOP

    def _close_after_step(close: Callable[[], object]) -> None:
        with step:
            ctx.run(close)

    async def _gen() -> AsyncGenerator[T, None]:
        loop = asyncio.get_running_loop()
        ctx.run(_event_loop.set, loop)
        in_step = False
        try:
            while True:
                in_step = True
                item = await loop.run_in_executor(None, _next)
                in_step = False
                if item is _STOP:
                    return
                yield item
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                if in_step:
                    _ = loop.run_in_executor(None, _close_after_step, close)
                else:
                    ctx.run(close)

    return _gen()


def iterate_sync(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Async view of a sync iterable that is known not to block (lists, tuples)."""

    async def _gen() -> AsyncGenerator[T, None]:
        iterator: Iterator[T] = iter(iterable)
        try:
            for item in iterator:
                yield item
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    return _gen()


def create_task(
    coro: Coroutine[object, Never, T],
    *,
    name: str | None = None,
    context: contextvars.Context | None = None,
) -> asyncio.Task[T]:
    """Create a task on the running loop (the one sanctioned place besides asgi)."""
    return asyncio.get_running_loop().create_task(coro, name=name, context=context)


def call_soon_in_loop(callback: Callable[[], None]) -> None:
    """Call ``callback`` now when on the event loop, or schedule it on the
    loop when called from sync code in a worker thread (a sync view).

    Callbacks scheduled from a thread run before the loop sees the thread's
    result, so work started by a sync view exists once the view returns.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = _event_loop.get(None)
        if loop is None:
            raise RuntimeError(
                "No running event loop: call this from async code or from a sync"
                " function the app runs (a sync view, hook or background task)."
            ) from None
        loop.call_soon_threadsafe(callback)
    else:
        callback()


def context_without(*variables: contextvars.ContextVar[Any]) -> contextvars.Context:
    """A copy of the current context in which ``variables`` are unset."""
    fresh = contextvars.Context()
    for variable, value in contextvars.copy_context().items():
        if variable not in variables:
            fresh.run(variable.set, value)
    return fresh


async def cancel_tasks(tasks: Iterable[asyncio.Task[object]], *, raise_errors: bool = True) -> None:
    """Cancel ``tasks`` and wait until every one of them has finished.

    Then, as Quart 0.22's :func:`quart.utils.cancel_tasks` (this function),
    raise the first exception a task ended with other than its cancellation
    (see :func:`raise_task_exceptions`); the framework's own callers, which
    only stop helper tasks, pass ``raise_errors=False``.
    """
    tasks = list(tasks)
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    if raise_errors:
        raise_task_exceptions(tasks)


def raise_task_exceptions(tasks: Iterable[asyncio.Task[object]]) -> None:
    """Raise the first exception held by a finished, non-cancelled task."""
    for task in tasks:
        if task.done() and not task.cancelled():
            exc = task.exception()
            if exc is not None:
                raise exc
