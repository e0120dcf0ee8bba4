"""The app's lifespan: startup and shutdown, and background tasks.

:meth:`Quart.startup` and :meth:`Quart.shutdown` stay the public override
points; they call these functions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import _session_lifecycle
from .. import signals
from .._concurrency import call_soon_in_loop
from .._concurrency import cancel_tasks
from .._concurrency import context_without
from .._concurrency import create_task
from ..ctx import _CollectErrors
from ..globals import _cv_app
from ..globals import _cv_request
from ..globals import _cv_websocket

if TYPE_CHECKING:
    from ..app import Quart


def add_background_task(
    app: Quart, func: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    """Start ``func(*args, **kwargs)`` as a background task of ``app`` (see
    :meth:`Quart.add_background_task`), from the loop's thread or any other."""

    async def _run() -> None:
        try:
            async with app.app_context():
                await app.ensure_async(func)(*args, **kwargs)
        except Exception as error:
            await app.handle_background_exception(error)

    # Other context variables (a log correlation id...) carry over.
    context = context_without(_cv_app, _cv_request, _cv_websocket)

    def _start() -> None:
        name = f"quart-background-{getattr(func, '__name__', 'task')}"
        task = create_task(_run(), name=name, context=context)
        app.background_tasks.add(task)
        task.add_done_callback(app.background_tasks.discard)

    call_soon_in_loop(_start)


async def startup(app: Quart) -> None:
    """Run ``before_serving`` functions, then the first half of each
    ``while_serving`` generator, in an app context.

    If a step fails, the generators already started are closed (their
    ``finally`` blocks run) before the error propagates.
    """
    app.shutdown_event = app.event_class()
    try:
        async with app.app_context():
            # SESSION_TYPE picks the session store first, so that startup
            # code can already use it.
            await _session_lifecycle._start_store(app)
            for func in app.before_serving_funcs:
                await app.ensure_async(func)()
            for gen_func in app.while_serving_gens:
                gen = gen_func()
                try:
                    await gen.__anext__()
                except StopAsyncIteration:
                    raise RuntimeError(
                        f"The while_serving generator {gen_func.__name__!r} ended without"
                        " yielding; it must yield exactly once."
                    ) from None
                app._running_gens.append(gen)
    except Exception as error:
        await _serving_exception(app, error)
        async with app.app_context():
            while app._running_gens:
                try:
                    await app._running_gens.pop().aclose()
                except Exception as close_error:  # logged; the startup error wins
                    await _serving_exception(app, close_error)
        raise


async def shutdown(app: Quart) -> None:
    """Wait for background tasks (then cancel them), finish the
    ``while_serving`` generators in reverse order, then run
    ``after_serving`` functions.

    Every step runs even if an earlier one fails; each error is logged and
    sent as ``got_serving_exception``, then the first is raised.
    """
    app.shutdown_event.set()
    if app.background_tasks:
        await _drain_background_tasks(app, app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"])
    collect = _CollectErrors()
    async with app.app_context():
        while app._running_gens:
            gen = app._running_gens.pop()
            with collect:
                if await _yields_again(gen):
                    collect.errors.append(
                        RuntimeError("A while_serving generator must yield exactly once.")
                    )
                    with collect:
                        await gen.aclose()
        for func in app.after_serving_funcs:
            with collect:
                await app.ensure_async(func)()
        with collect:
            await _session_lifecycle._stop_store(app)
    for failure in collect.errors:
        await _serving_exception(app, failure)
    if collect.errors:
        raise collect.errors[0]


async def _yields_again(gen: AsyncGenerator[None, None]) -> bool:
    # Runs the second half of a while_serving generator: False when it ends.
    try:
        await gen.__anext__()
    except StopAsyncIteration:
        return False
    return True


async def _drain_background_tasks(app: Quart, timeout: float | None) -> None:
    # Tasks may start more tasks while we wait: wait for those too, all
    # under the one deadline, then cancel whatever is left.
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    while pending := {task for task in app.background_tasks if not task.done()}:
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            break
        await asyncio.wait(pending, timeout=remaining)
    await cancel_tasks(app.background_tasks, raise_errors=False)


async def _serving_exception(app: Quart, error: BaseException) -> None:
    if signals.got_serving_exception.has_receivers_for(app):
        await signals.got_serving_exception.send_async(app, exception=error)
    if getattr(error, "_one_line", False):
        # A service the app needs is unreachable (the error names its URL and
        # config key): one clear line says why the app refuses to start; a
        # traceback through the lifespan would only bury it.
        app.logger.error(f"Cannot start: {error}")
        return
    app.logger.error("Exception in serving", exc_info=(type(error), error, error.__traceback__))


async def background_exception(app: Quart, error: Exception) -> None:
    """Log a background task's error and send ``got_background_exception``."""
    if signals.got_background_exception.has_receivers_for(app):
        await signals.got_background_exception.send_async(app, exception=error)
    app.logger.error(
        "Exception in background task", exc_info=(type(error), error, error.__traceback__)
    )
