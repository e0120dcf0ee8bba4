"""Sync code in an async app: ``ensure_async``, ``sync_to_async``, ``run_sync``
and sync views, hooks and handlers running in threads."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Generator
from typing import Any

import pytest

from quart import abort
from quart import current_app
from quart import g
from quart import Quart
from quart import request
from quart import session
from quart.utils import run_sync
from quart.utils import run_sync_iterable

_user_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_var")


# -- ensure_async / sync_to_async / run_sync ----------------------------------------


async def test_ensure_async_returns_coroutine_functions_unchanged(app: Quart) -> None:
    async def coro(value: int) -> int:
        return value

    class AsyncCallable:
        async def __call__(self, value: int) -> int:
            return value

    partial = functools.partial(coro, 3)
    callable_object = AsyncCallable()
    assert app.ensure_async(coro) is coro
    assert app.ensure_async(partial) is partial
    assert app.ensure_async(callable_object) is callable_object
    assert await app.ensure_async(partial)() == 3


async def test_ensure_async_runs_sync_functions_in_a_thread(app: Quart) -> None:
    loop_thread = threading.get_ident()

    def work(a: int, *, b: int) -> tuple[int, bool]:
        return a + b, threading.get_ident() != loop_thread

    wrapped = app.ensure_async(work)
    assert await wrapped(1, b=2) == (3, True)
    # Decided once: the same wrapper every time.
    assert app.ensure_async(work) is wrapped
    # An already wrapped function is not wrapped again.
    assert app.ensure_async(wrapped) is wrapped


async def test_sync_errors_propagate(app: Quart) -> None:
    def broken() -> None:
        raise ValueError("sync failure")

    with pytest.raises(ValueError, match="sync failure"):
        await app.sync_to_async(broken)()


async def test_context_variables_are_copied_into_the_thread(app: Quart) -> None:
    def read() -> str:
        return f"{_user_var.get()} {current_app.name}"

    token = _user_var.set("alice")
    try:
        async with app.app_context():
            assert await app.sync_to_async(read)() == f"alice {app.name}"
            assert await run_sync(read)() == f"alice {app.name}"
    finally:
        _user_var.reset(token)


async def test_changes_in_the_thread_stay_in_the_thread() -> None:
    def change() -> None:
        _user_var.set("changed in thread")

    token = _user_var.set("original")
    try:
        await run_sync(change)()
        assert _user_var.get() == "original"
    finally:
        _user_var.reset(token)


async def test_run_sync_turns_a_sync_generator_into_an_async_iterator() -> None:
    loop_thread = threading.get_ident()
    events: list[str] = []

    def numbers(limit: int) -> Generator[tuple[int, bool], None, None]:
        try:
            for number in range(limit):
                yield number, threading.get_ident() != loop_thread
        finally:
            events.append("closed")

    iterator = await run_sync(numbers)(3)
    items = [item async for item in iterator]  # type: ignore[attr-defined]
    assert items == [(0, True), (1, True), (2, True)]
    assert events == ["closed"]


async def test_run_sync_iterable_closes_the_generator_when_closed_early() -> None:
    events: list[str] = []

    def numbers() -> Generator[int, None, None]:
        try:
            yield 1
            yield 2  # pragma: no cover
        finally:
            events.append("closed")

    iterator: Any = run_sync_iterable(numbers())
    assert await anext(iterator) == 1
    await iterator.aclose()
    assert events == ["closed"]


async def test_run_sync_iterable_accepts_any_iterable() -> None:
    assert [item async for item in run_sync_iterable(iter("abc"))] == ["a", "b", "c"]


# -- sync views and hooks ------------------------------------------------------------


async def test_sync_view_and_hooks_see_the_request(app: Quart) -> None:
    app.secret_key = "not secret"
    loop_thread = threading.get_ident()
    threads: list[bool] = []

    @app.before_request
    def before() -> None:
        threads.append(threading.get_ident() != loop_thread)
        g.seen = [f"before {request.method}"]

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        threads.append(threading.get_ident() != loop_thread)
        session["visits"] = 1
        g.seen.append(f"view {request.args['q']}")
        return {"seen": g.seen}

    @app.after_request
    def after(response: Any) -> Any:
        response.headers["X-After"] = request.path
        return response

    response = await app.test_client().post("/", query_string={"q": "x"})
    assert response.status_code == 200
    assert await response.get_json() == {"seen": ["before POST", "view x"]}
    assert response.headers["X-After"] == "/"
    assert "session" in response.headers.get("Set-Cookie", "")
    assert threads == [True, True]


async def test_sync_error_handler_and_teardown(app: Quart) -> None:
    teardowns: list[Any] = []

    @app.route("/")
    def index() -> str:
        abort(418)

    @app.errorhandler(418)
    def teapot(error: Any) -> tuple[str, int]:
        return f"handled {request.path}", 418

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        teardowns.append(exc)

    response = await app.test_client().get("/")
    assert response.status_code == 418
    assert await response.get_data(as_text=True) == "handled /"
    assert teardowns == [None]


async def test_a_blocking_sync_view_does_not_block_async_routes(app: Quart) -> None:
    release = threading.Event()
    entered = threading.Event()

    @app.route("/blocking")
    def blocking() -> str:
        entered.set()
        release.wait(5)  # blocks its worker thread only
        return "unblocked"

    @app.route("/fast")
    async def fast() -> str:
        return "fast"

    client = app.test_client()
    async with asyncio.timeout(5):
        slow = asyncio.create_task(client.get("/blocking"))
        await asyncio.to_thread(entered.wait, 5)
        response = await client.get("/fast")
        assert await response.get_data() == b"fast"
        assert not slow.done()  # the async route answered while the sync one blocked
        release.set()
        assert await (await slow).get_data() == b"unblocked"


async def test_sync_view_returning_a_generator_streams_it(app: Quart) -> None:
    @app.route("/")
    def index() -> Any:
        name = request.args["name"]

        def generate() -> Generator[str, None, None]:
            yield "hello "
            yield name

        return generate()

    response = await app.test_client().get("/", query_string={"name": "sync"})
    assert await response.get_data(as_text=True) == "hello sync"
