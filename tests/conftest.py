from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import os
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgi_harness import _asgi_call
from asgi_harness import _make_http_scope
from asgi_harness import AsgiCall
from asgi_harness import HTTPScopeFactory
from hypothesis import HealthCheck
from hypothesis import settings
from redis_server import RedisServer

from quart import Quart
from quart.globals import _cv_app
from quart.globals import _cv_request
from quart.globals import _cv_websocket

# -- hypothesis profiles -------------------------------------------------------
# "ci" (the default) keeps the property tests fast and deterministic: the same
# examples on every run. HYPOTHESIS_PROFILE=thorough for a longer local run with
# fresh random examples each time.

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough",
    max_examples=2_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# -- hygiene: every test cleans up after itself ---------------------------------
# After each test: no asyncio task the test created is still pending, no app,
# request or websocket context is still pushed, and no file descriptor the
# test opened is still open. A test that legitimately leaves something behind
# says so with @pytest.mark.leaves_resources(reason="...").

_CONTEXT_VARS = (("app", _cv_app), ("request", _cv_request), ("websocket", _cv_websocket))
# Loop turns a task the test cancelled (or that is finishing) gets to end.
_SETTLE_TURNS = 20


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "leaves_resources(reason): the test legitimately leaves a task, a pushed context"
        " or an open file descriptor behind; the hygiene checks skip it",
    )


def _exempt(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("leaves_resources")
    if marker is None:
        return False
    reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
    assert reason, f"{item.nodeid}: leaves_resources needs a reason"
    return True


def _pushed_contexts() -> list[str]:
    return [name for name, var in _CONTEXT_VARS if var.get(None) is not None]


def _open_fds() -> dict[int, str]:
    fds: dict[int, str] = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            fds[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            pass  # the listing's own descriptor, already closed
    return fds


def _checked_coroutine(test: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an async test so that, in its own loop and context, it fails when
    it leaves a pending task or a pushed context behind."""

    @functools.wraps(test)
    async def checked(*args: Any, **kwargs: Any) -> None:
        current = asyncio.current_task()
        tasks_before = asyncio.all_tasks()
        contexts_before = [var.get(None) for _, var in _CONTEXT_VARS]
        await test(*args, **kwargs)
        left: set[asyncio.Task[Any]] = set()
        for _ in range(_SETTLE_TURNS):
            left = {
                task
                for task in asyncio.all_tasks() - tasks_before
                if task is not current and not task.done()
            }
            if not left:
                break
            await asyncio.sleep(0)
        described = sorted(map(repr, left))
        for task in left:
            task.cancel()  # so the leak does not spill into later tests
        assert not left, f"task(s) left pending: {described}"
        leaked = [
            name
            for (name, var), before in zip(_CONTEXT_VARS, contexts_before, strict=True)
            if var.get(None) is not before
        ]
        assert not leaked, f"context(s) left pushed: {leaked}"

    return checked


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    # pytest-asyncio runs an async test in a copy of the context, on a loop
    # it closes (cancelling what is left) after the fixtures' teardown; the
    # checks run inside the test's coroutine, where both are still visible.
    function = getattr(item, "obj", None)
    target: tuple[Any, str] | None = None
    if function is not None and not _exempt(item):
        hypothesis_handle = getattr(function, "hypothesis", None)
        if hypothesis_handle is not None:
            if inspect.iscoroutinefunction(hypothesis_handle.inner_test):
                target = (hypothesis_handle, "inner_test")
        elif inspect.iscoroutinefunction(function):
            target = (item, "obj")
    if target is None:
        return (yield)
    original = getattr(*target)
    setattr(*target, _checked_coroutine(original))
    try:
        return (yield)
    finally:
        setattr(*target, original)


@pytest.fixture(autouse=True)
def _hygiene(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test that leaves a context pushed or a file descriptor open."""
    if _exempt(request.node):
        yield
        return
    fds_before = _open_fds()
    yield
    leaked_contexts = _pushed_contexts()
    assert not leaked_contexts, f"context(s) left pushed: {leaked_contexts}"
    fds_after = _open_fds()
    if fds_after.keys() - fds_before.keys():
        # Something unreachable may still hold a descriptor until collected;
        # collecting turns it into a ResourceWarning, which fails the test.
        gc.collect()
        fds_after = _open_fds()
    leaked_fds = {fd: fds_after[fd] for fd in sorted(fds_after.keys() - fds_before.keys())}
    assert not leaked_fds, f"file descriptor(s) left open: {leaked_fds}"


# -- shared fixtures (additive) ---------------------------------------------


@pytest.fixture
def app() -> Quart:
    """A bare application; tests register the routes they need.

    The quart pytest plugin (this package's own) builds ``client``, ``runner``,
    ``test_app``, ``app_ctx`` and ``live_server`` on it.
    """
    return Quart(__name__)


@pytest.fixture
def http_scope() -> HTTPScopeFactory:
    """Factory for raw ASGI http scopes: ``http_scope("/path", method="POST")``."""
    return _make_http_scope


def _make_websocket_scope(path: str = "/ws", **extra: Any) -> dict[str, Any]:
    """A minimal, valid ASGI ``websocket`` scope (spec 2.3, with the denial
    response extension); ``extra`` replaces keys."""
    scope: dict[str, Any] = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}},
    }
    scope.update(extra)
    return scope


@pytest.fixture
def websocket_scope() -> Callable[..., dict[str, Any]]:
    """Factory for raw ASGI websocket scopes: ``websocket_scope("/ws", subprotocols=[...])``."""
    return _make_websocket_scope


@pytest.fixture
def asgi_call() -> AsgiCall:
    """``await asgi_call(app, scope, body)`` -> :class:`RawResponse`."""
    return _asgi_call


# -- a real redis-server (channels, server-side sessions) --------------------


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server on a free port, stopped after the test."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
