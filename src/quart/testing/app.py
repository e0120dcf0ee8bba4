"""``TestApp``: run the app's lifespan (startup and shutdown) in tests."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING

from .._concurrency import cancel_tasks
from .._concurrency import create_task
from ..typing import ASGIReceiveEvent as ASGIReceiveEvent
from ..typing import ASGISendEvent as ASGISendEvent
from ..typing import LifespanScope as LifespanScope
from ..typing import TestClientProtocol as TestClientProtocol

if TYPE_CHECKING:
    from ..app import Quart

__all__ = ["DEFAULT_TIMEOUT", "LifespanError", "TestApp"]

#: Seconds allowed for startup and for shutdown.
DEFAULT_TIMEOUT = 6


class LifespanError(Exception):
    """Startup or shutdown failed (the message says why)."""


class TestApp:
    """Drive the app's ASGI lifespan: ``async with app.test_app() as test_app:``.

    :param app: The application.
    :param startup_timeout: Seconds allowed for startup.
    :param shutdown_timeout: Seconds allowed for shutdown.
    """

    def __init__(
        self,
        app: Quart,
        startup_timeout: int = DEFAULT_TIMEOUT,
        shutdown_timeout: int = DEFAULT_TIMEOUT,
    ) -> None:
        self.app = app
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self._receive_queue: asyncio.Queue[ASGIReceiveEvent] = asyncio.Queue()
        self._replies: asyncio.Queue[ASGISendEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        # The lifespan scope's state: what startup put there reaches every
        # request made through test_client() (a copy each, as servers do).
        self._state: dict[str, object] = {}

    def test_client(self) -> TestClientProtocol:
        """A test client for the app whose requests carry a copy of the
        lifespan ``state`` (``scope["state"]``), as under a server."""
        from .client import QuartClient

        client = self.app.test_client()
        if isinstance(client, QuartClient):
            client._lifespan_state = self._state
        return client

    async def startup(self) -> None:
        """Run startup; raise :class:`LifespanError` if it fails or hangs."""
        scope: LifespanScope = {
            "type": "lifespan",
            "asgi": {"spec_version": "2.0"},
            "state": self._state,
        }
        self._task = create_task(self.app(scope, self._asgi_receive, self._asgi_send))
        await self._receive_queue.put({"type": "lifespan.startup"})
        try:
            await self._wait("startup", self.startup_timeout)
        except BaseException:
            # Failed or hung: there is nothing to shut down, so stop the
            # lifespan task now rather than leak it into the rest of the test.
            await cancel_tasks([self._task], raise_errors=False)
            self._task = None
            raise

    async def shutdown(self) -> None:
        """Run shutdown; raise :class:`LifespanError` if it fails or hangs."""
        if self._task is None:
            return
        await self._receive_queue.put({"type": "lifespan.shutdown"})
        try:
            await self._wait("shutdown", self.shutdown_timeout)
        finally:
            await cancel_tasks([self._task], raise_errors=False)
            self._task = None

    async def _wait(self, stage: str, timeout: float) -> None:
        assert self._task is not None
        getter = create_task(self._replies.get())
        try:
            done, _ = await asyncio.wait(
                {getter, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            await cancel_tasks([getter], raise_errors=False) if not getter.done() else None
        if getter in done:
            message = getter.result()
            if message["type"].endswith(".failed"):
                raise LifespanError(f"{stage} failed: {message.get('message', '')}")
            return
        if self._task in done:
            error = self._task.exception()
            raise LifespanError(f"{stage} failed: the app's lifespan ended ({error!r})")
        raise LifespanError(f"{stage} did not finish within {timeout} seconds")

    async def _asgi_receive(self) -> ASGIReceiveEvent:
        return await self._receive_queue.get()

    async def _asgi_send(self, message: ASGISendEvent) -> None:
        await self._replies.put(message)

    async def __aenter__(self) -> TestApp:
        await self.startup()
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.shutdown()
