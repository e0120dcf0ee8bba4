"""``app.add_background_task``: fresh app context, errors, shutdown draining."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from quart import current_app
from quart import g
from quart import has_app_context
from quart import has_request_context
from quart import Quart
from quart import request
from quart.signals import got_background_exception


async def test_task_runs_after_the_response_in_a_fresh_app_context(app: Quart) -> None:
    release = asyncio.Event()
    seen: dict[str, Any] = {}

    async def job(value: int, *, label: str) -> None:
        await release.wait()
        seen.update(
            value=value,
            label=label,
            app=current_app.name,
            app_context=has_app_context(),
            request_context=has_request_context(),
            g_from_request="user" in g,
        )

    @app.post("/start")
    async def start() -> str:
        g.user = "alice"
        app.add_background_task(job, 7, label="seven")
        return "started", 202

    async with app.test_app() as test_app:
        response = await test_app.test_client().post("/start")
        # The response did not wait for the task.
        assert response.status_code == 202
        assert seen == {}
        assert len(app.background_tasks) == 1
        release.set()
    assert seen == {
        "value": 7,
        "label": "seven",
        "app": app.name,
        "app_context": True,
        "request_context": False,
        "g_from_request": False,
    }
    assert app.background_tasks == set()


async def test_sync_task_runs_in_a_thread_with_an_app_context(app: Quart) -> None:
    seen: dict[str, Any] = {}
    loop_thread = threading.get_ident()

    def job(name: str) -> None:
        seen.update(
            name=name,
            in_other_thread=threading.get_ident() != loop_thread,
            app=current_app.name,
        )

    @app.route("/")
    async def index() -> str:
        app.add_background_task(job, name="sync")
        return "ok"

    async with app.test_app() as test_app:
        assert (await test_app.test_client().get("/")).status_code == 200
    assert seen == {"name": "sync", "in_other_thread": True, "app": app.name}


async def test_task_can_be_added_outside_a_request(app: Quart) -> None:
    done: list[str] = []

    async def job() -> None:
        done.append(current_app.name)

    @app.before_serving
    async def start_job() -> None:
        app.add_background_task(job)

    async with app.test_app():
        pass
    assert done == [app.name]


async def test_failing_task_is_logged_and_signalled_and_the_app_keeps_serving(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[BaseException] = []

    async def broken() -> None:
        raise ValueError("background boom")

    def broken_sync() -> None:
        raise KeyError("sync boom")

    async def on_error(sender: Quart, exception: BaseException) -> None:
        received.append(exception)

    @app.route("/")
    async def index() -> str:
        app.add_background_task(broken)
        app.add_background_task(broken_sync)
        return "ok"

    got_background_exception.connect(on_error, app)
    try:
        async with app.test_app() as test_app:
            client = test_app.test_client()
            assert (await client.get("/")).status_code == 200
            while app.background_tasks:
                await asyncio.sleep(0.01)
            # Still serving after the failures.
            assert (await client.get("/")).status_code == 200
    finally:
        got_background_exception.disconnect(on_error, app)
    assert sorted(type(error).__name__ for error in received) == [
        "KeyError",
        "KeyError",
        "ValueError",
        "ValueError",
    ]
    assert "background boom" in caplog.text
    assert "sync boom" in caplog.text


async def test_shutdown_waits_for_running_tasks(app: Quart) -> None:
    events: list[str] = []

    async def slow_job() -> None:
        await app.shutdown_event.wait()
        events.append("job saw shutdown")
        for _ in range(20):  # keep going for a while after shutdown began
            await asyncio.sleep(0)
        events.append("job done")

    @app.route("/")
    async def index() -> str:
        app.add_background_task(slow_job)
        return "ok"

    @app.after_serving
    async def after() -> None:
        events.append("after_serving")

    async with asyncio.timeout(5):
        async with app.test_app() as test_app:
            await test_app.test_client().get("/")
    assert events == ["job saw shutdown", "job done", "after_serving"]


async def test_shutdown_cancels_tasks_after_the_timeout_then_runs_after_serving(
    app: Quart,
) -> None:
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 0.1
    events: list[str] = []
    started = asyncio.Event()

    async def endless() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append("job cancelled")
            raise
        events.append("job finished")  # pragma: no cover

    @app.route("/")
    async def index() -> str:
        app.add_background_task(endless)
        return "ok"

    @app.after_serving
    async def after() -> None:
        events.append("after_serving")

    async with asyncio.timeout(5):  # far less than the job's 30 s
        async with app.test_app() as test_app:
            await test_app.test_client().get("/")
            await started.wait()
    assert events == ["job cancelled", "after_serving"]
    assert app.background_tasks == set()


async def test_sync_view_can_add_a_task(app: Quart) -> None:
    done: list[str] = []

    async def job(path: str) -> None:
        done.append(path)

    @app.route("/sync")
    def sync_view() -> str:
        app.add_background_task(job, request.path)
        return "ok"

    async with app.test_app() as test_app:
        assert (await test_app.test_client().get("/sync")).status_code == 200
    assert done == ["/sync"]


async def test_task_adding_another_task_is_waited_for_at_shutdown(app: Quart) -> None:
    done: list[str] = []

    async def second() -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        done.append("second")

    async def first() -> None:
        await app.shutdown_event.wait()
        app.add_background_task(second)
        done.append("first")

    @app.before_serving
    async def start() -> None:
        app.add_background_task(first)

    async with asyncio.timeout(5):
        async with app.test_app():
            pass
    assert done == ["first", "second"]
