"""Startup and shutdown: ``before_serving``, ``while_serving``, ``after_serving``,
their blueprint variants, failures, and the ``TestApp`` harness."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from quart import Blueprint
from quart import current_app
from quart import g
from quart import has_app_context
from quart import has_request_context
from quart import Quart
from quart.signals import got_serving_exception
from quart.testing.app import LifespanError


class _Lifespan:
    """Drives the ASGI lifespan protocol by hand and records the replies."""

    def __init__(self, app: Quart) -> None:
        self.app = app
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> dict[str, Any]:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        self.task = asyncio.create_task(self.app(scope, self.incoming.get, self.replies.put))  # type: ignore[arg-type]
        await self.incoming.put({"type": "lifespan.startup"})
        async with asyncio.timeout(5):
            return await self.replies.get()

    async def stop(self) -> dict[str, Any]:
        await self.incoming.put({"type": "lifespan.shutdown"})
        async with asyncio.timeout(5):
            reply = await self.replies.get()
            assert self.task is not None
            await self.task
        return reply


# -- order and context ----------------------------------------------------------


async def test_hooks_run_in_order_with_while_serving_finalized_first(app: Quart) -> None:
    events: list[str] = []

    @app.before_serving
    async def before_one() -> None:
        events.append("before 1")

    @app.before_serving
    def before_two() -> None:  # sync hooks work too
        events.append("before 2")

    @app.while_serving
    async def outer() -> AsyncGenerator[None, None]:
        events.append("outer up")
        yield
        events.append("outer down")

    @app.while_serving
    async def inner() -> AsyncGenerator[None, None]:
        events.append("inner up")
        yield
        events.append("inner down")

    @app.after_serving
    async def after_one() -> None:
        events.append("after 1")

    @app.after_serving
    def after_two() -> None:
        events.append("after 2")

    async with app.test_app():
        assert events == ["before 1", "before 2", "outer up", "inner up"]
        events.append("serving")
    assert events == [
        "before 1",
        "before 2",
        "outer up",
        "inner up",
        "serving",
        "inner down",
        "outer down",
        "after 1",
        "after 2",
    ]


async def test_hooks_run_inside_an_app_context(app: Quart) -> None:
    seen: list[tuple[str, bool, bool, str]] = []

    def record(stage: str) -> None:
        seen.append((stage, has_app_context(), has_request_context(), current_app.name))

    @app.before_serving
    async def before() -> None:
        record("before")

    @app.while_serving
    async def around() -> AsyncGenerator[None, None]:
        record("while up")
        yield
        record("while down")

    @app.after_serving
    def after() -> None:  # a sync hook runs in a thread, with the context copied
        record("after")

    async with app.test_app():
        pass
    assert seen == [
        ("before", True, False, app.name),
        ("while up", True, False, app.name),
        ("while down", True, False, app.name),
        ("after", True, False, app.name),
    ]
    assert not has_app_context()


async def test_resource_made_at_startup_is_usable_in_requests(app: Quart) -> None:
    @app.before_serving
    async def open_pool() -> None:
        g.scratch = "startup g"  # g is per context: gone once startup ends
        app.config["POOL"] = {"loop": asyncio.get_running_loop(), "open": True}

    @app.after_serving
    async def close_pool() -> None:
        app.config["POOL"]["open"] = False

    @app.route("/")
    async def index() -> dict[str, Any]:
        pool = app.config["POOL"]
        return {
            "same_loop": pool["loop"] is asyncio.get_running_loop(),
            "open": pool["open"],
            "g_leaked": "scratch" in g,
        }

    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/")
        assert await response.get_json() == {"same_loop": True, "open": True, "g_leaked": False}
    assert app.config["POOL"]["open"] is False


async def test_blueprint_serving_hooks(app: Quart) -> None:
    events: list[str] = []
    blueprint = Blueprint("bp", __name__)

    @blueprint.before_app_serving
    async def bp_before() -> None:
        events.append(f"bp before {current_app.name}")

    @blueprint.while_app_serving
    async def bp_around() -> AsyncGenerator[None, None]:
        events.append("bp up")
        yield
        events.append("bp down")

    @blueprint.after_app_serving
    def bp_after() -> None:
        events.append("bp after")

    @app.while_serving
    async def app_around() -> AsyncGenerator[None, None]:
        events.append("app up")
        yield
        events.append("app down")

    app.register_blueprint(blueprint)
    async with app.test_app():
        pass
    assert events == [
        f"bp before {app.name}",
        "app up",
        "bp up",
        "bp down",
        "app down",
        "bp after",
    ]


async def test_blueprint_registered_twice_runs_its_serving_hooks_once(app: Quart) -> None:
    calls: list[str] = []
    blueprint = Blueprint("bp", __name__)

    @blueprint.before_app_serving
    async def bp_before() -> None:
        calls.append("before")

    app.register_blueprint(blueprint)
    app.register_blueprint(blueprint, name="bp2", url_prefix="/two")
    async with app.test_app():
        pass
    assert calls == ["before"]


async def test_shutdown_event_is_set_when_shutdown_begins(app: Quart) -> None:
    states: list[bool] = []

    @app.after_serving
    async def after() -> None:
        states.append(app.shutdown_event.is_set())

    test_app = app.test_app()
    await test_app.startup()
    assert not app.shutdown_event.is_set()
    await test_app.shutdown()
    assert states == [True]
    assert app.shutdown_event.is_set()


async def test_shutdown_event_wakes_a_long_running_background_loop(app: Quart) -> None:
    ticks: list[str] = []

    async def poller() -> None:
        while not app.shutdown_event.is_set():
            try:
                async with asyncio.timeout(30):
                    await app.shutdown_event.wait()
            except TimeoutError:  # pragma: no cover - would be a failure
                ticks.append("timed out")
        ticks.append("stopped")

    @app.before_serving
    async def start_poller() -> None:
        app.add_background_task(poller)

    async with asyncio.timeout(5):
        async with app.test_app():
            pass
    assert ticks == ["stopped"]


async def test_raw_lifespan_messages(app: Quart) -> None:
    events: list[str] = []

    @app.before_serving
    async def before() -> None:
        events.append("before")

    @app.after_serving
    async def after() -> None:
        events.append("after")

    lifespan = _Lifespan(app)
    assert await lifespan.start() == {"type": "lifespan.startup.complete"}
    assert events == ["before"]
    assert await lifespan.stop() == {"type": "lifespan.shutdown.complete"}
    assert events == ["before", "after"]


# -- failures ---------------------------------------------------------------------


async def test_startup_failure_sends_failed_message_and_signal(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[BaseException] = []

    @app.before_serving
    async def broken() -> None:
        raise ValueError("no database")

    async def on_error(sender: Quart, exception: BaseException) -> None:
        received.append(exception)

    got_serving_exception.connect(on_error, app)
    try:
        reply = await _Lifespan(app).start()
    finally:
        got_serving_exception.disconnect(on_error, app)
    assert reply["type"] == "lifespan.startup.failed"
    assert "no database" in reply["message"]
    assert [type(error) for error in received] == [ValueError]
    assert "no database" in caplog.text


async def test_failing_startup_raises_in_test_app_instead_of_hanging(app: Quart) -> None:
    @app.before_serving
    async def broken() -> None:
        raise RuntimeError("cannot start")

    async with asyncio.timeout(5):
        with pytest.raises(LifespanError, match="cannot start"):
            async with app.test_app():
                pytest.fail("the block must not run when startup fails")  # pragma: no cover


async def test_while_serving_failing_before_yield_fails_startup(app: Quart) -> None:
    @app.while_serving
    async def broken() -> AsyncGenerator[None, None]:
        raise RuntimeError("gen broke")
        yield  # pragma: no cover

    with pytest.raises(LifespanError, match="gen broke"):
        await app.test_app().startup()


async def test_while_serving_that_never_yields_fails_startup_with_a_clear_message(
    app: Quart,
) -> None:
    @app.while_serving
    async def empty() -> AsyncGenerator[None, None]:
        return
        yield  # pragma: no cover

    with pytest.raises(LifespanError, match="'empty' ended without yielding"):
        await app.test_app().startup()


async def test_startup_failure_unwinds_generators_already_started(app: Quart) -> None:
    events: list[str] = []

    @app.while_serving
    async def first() -> AsyncGenerator[None, None]:
        events.append("first up")
        try:
            yield
        finally:
            events.append("first cleaned up")

    @app.before_serving
    async def never() -> None:
        events.append("before")

    @app.while_serving
    async def second() -> AsyncGenerator[None, None]:
        raise RuntimeError("second broke")
        yield  # pragma: no cover

    with pytest.raises(LifespanError, match="second broke"):
        await app.test_app().startup()
    assert events == ["before", "first up", "first cleaned up"]


async def test_shutdown_failure_sends_failed_message_and_signal(app: Quart) -> None:
    received: list[BaseException] = []

    @app.after_serving
    async def broken() -> None:
        raise KeyError("lost handle")

    async def on_error(sender: Quart, exception: BaseException) -> None:
        received.append(exception)

    lifespan = _Lifespan(app)
    assert (await lifespan.start())["type"] == "lifespan.startup.complete"
    got_serving_exception.connect(on_error, app)
    try:
        reply = await lifespan.stop()
    finally:
        got_serving_exception.disconnect(on_error, app)
    assert reply["type"] == "lifespan.shutdown.failed"
    assert "lost handle" in reply["message"]
    assert [type(error) for error in received] == [KeyError]


async def test_failing_shutdown_raises_lifespan_error(app: Quart) -> None:
    @app.after_serving
    async def broken() -> None:
        raise RuntimeError("cannot stop")

    with pytest.raises(LifespanError, match="cannot stop"):
        async with app.test_app():
            pass


async def test_while_serving_that_yields_twice_is_an_error(app: Quart) -> None:
    @app.while_serving
    async def greedy() -> AsyncGenerator[None, None]:
        yield
        yield  # pragma: no cover - the second yield is the mistake

    test_app = app.test_app()
    await test_app.startup()
    with pytest.raises(LifespanError, match="yield"):
        await test_app.shutdown()


async def test_after_serving_runs_when_a_while_serving_generator_fails_at_shutdown(
    app: Quart,
) -> None:
    events: list[str] = []

    @app.while_serving
    async def outer() -> AsyncGenerator[None, None]:
        yield
        events.append("outer down")

    @app.while_serving
    async def inner() -> AsyncGenerator[None, None]:
        yield
        raise RuntimeError("inner down broke")

    @app.after_serving
    async def after() -> None:
        events.append("after")

    with pytest.raises(LifespanError, match="inner down broke"):
        async with app.test_app():
            pass
    assert events == ["outer down", "after"]


async def test_startup_that_hangs_times_out_and_leaves_no_task(app: Quart) -> None:
    release = asyncio.Event()

    @app.before_serving
    async def stuck() -> None:
        await release.wait()

    before = asyncio.all_tasks()
    test_app = app.test_app()
    test_app.startup_timeout = 0.05  # type: ignore[assignment]
    with pytest.raises(LifespanError, match="did not finish"):
        await test_app.startup()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == before


async def test_test_app_can_start_again_after_stopping(app: Quart) -> None:
    starts: list[int] = []

    @app.before_serving
    async def before() -> None:
        starts.append(1)

    async with app.test_app():
        pass
    async with app.test_app():
        assert not app.shutdown_event.is_set()
    assert starts == [1, 1]
