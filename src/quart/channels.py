"""Channels: publish a message once, deliver it to every subscriber, in this
process or (through Redis) in every worker on every machine.

::

    channels = Channels(app)          # CHANNELS_URL: "memory://" or "redis://..."
    await channels.publish("room-1", "hello")
    async with channels.subscribe("room-1") as messages:
        async for message in messages:
            ...

Theory of operation. Each process keeps one registry, channel name to local
subscriptions, and fans a message out to them without awaiting anything:
each :class:`Subscription` has its own bounded queue, so a slow subscriber
never slows the others (``CHANNELS_SUBSCRIBER_QUEUE`` messages, then
``CHANNELS_OVERFLOW`` decides: drop the oldest and count, or end that
subscription). The backend only moves messages between processes:
``memory://`` hands them straight to the registry; ``redis://`` (also
``rediss://`` and ``unix://``) publishes them through Redis, where one
pub/sub connection per process, subscribed to the channels that have local
subscribers, feeds the registry. History (``subscribe(..., history=N)``)
is a bounded list per channel (``CHANNELS_HISTORY_SIZE``), kept in Redis for
the Redis backend; a message published while a subscription starts is
delivered once, not twice.

Errors (every one a :class:`ChannelsError`):

- :class:`ChannelsUnavailable`: the backend cannot be reached (publishing
  while Redis is down, or a Redis backend that was never started).
- :class:`MessageTooLarge` (also a ``ValueError``): a message over
  ``CHANNELS_MAX_MESSAGE_SIZE`` bytes, or a channel name over
  :data:`MAX_CHANNEL_NAME` bytes.
- :class:`SubscriberOverflow`: raised by a subscription that fell more than
  ``CHANNELS_SUBSCRIBER_QUEUE`` messages behind, when ``CHANNELS_OVERFLOW``
  is ``"error"``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol
from typing import TYPE_CHECKING

from ._redis.client import REDIS_SCHEMES

if TYPE_CHECKING:
    from .app import Quart

__all__ = [
    "MAX_CHANNEL_NAME",
    "Channels",
    "ChannelsError",
    "ChannelsUnavailable",
    "Message",
    "MessageTooLarge",
    "Subscription",
    "SubscriberOverflow",
]

#: The longest channel name accepted, in UTF-8 bytes.
MAX_CHANNEL_NAME = 1024

#: The values ``CHANNELS_OVERFLOW`` accepts.
OVERFLOW_POLICIES = ("drop_oldest", "error")


class ChannelsError(Exception):
    """Base class of the errors raised by :mod:`quart.channels`."""


class ChannelsUnavailable(ChannelsError):
    """The channels backend cannot be reached: Redis is down, or was never
    connected. Messages published meanwhile are lost."""

    # Logged as one line when it stops the app from starting (_lifecycle).
    _one_line = True


class MessageTooLarge(ChannelsError, ValueError):
    """A message or channel name is larger than the configured limit."""


class SubscriberOverflow(ChannelsError):
    """A subscription fell too far behind and was ended
    (``CHANNELS_OVERFLOW = "error"``)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One message received from a channel."""

    #: The channel it was published to.
    channel: str
    #: What was published: ``str`` or ``bytes``, as it was sent.
    data: str | bytes
    #: A unique, opaque id given when it was published (usable as an SSE id).
    id: str


class _Backend(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, message: Message) -> None: ...
    async def listen(self, channels: Iterable[str]) -> None: ...
    async def unlisten(self, channels: Iterable[str]) -> None: ...
    async def history(self, channels: Iterable[str], count: int) -> list[Message]: ...


class Subscription:
    """Messages from one or more channels, in the order they were published
    (per channel): an async context manager and an async iterator.

    Made by :meth:`Channels.subscribe`; iterate it inside the ``async with``
    block. Iteration ends when the app shuts down.
    """

    def __init__(self, hub: Channels, channels: tuple[str, ...], history: int) -> None:
        self._hub = hub
        #: The channels this subscription receives.
        self.channels = channels
        self._history = history
        self._queue: deque[Message] = deque()
        self._replay: deque[Message] = deque()
        self._seen: set[str] = set()
        self._waiter: asyncio.Future[None] | None = None
        self._ended = False
        self._error: BaseException | None = None
        self._maxsize = 1000
        self._drop = True
        #: How many messages were dropped because this subscriber was slow
        #: (``CHANNELS_OVERFLOW = "drop_oldest"``).
        self.dropped = 0

    async def __aenter__(self) -> Subscription:
        await self._hub._add(self)
        if self._history:
            try:
                replay = await self._hub._backend_now().history(self.channels, self._history)
            except BaseException:
                await self._hub._remove(self)
                raise
            self._replay.extend(replay)
            self._seen.update(message.id for message in replay)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._hub._remove(self)
        self._end(None)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Message:
        if self._replay:
            return self._replay.popleft()
        while True:
            while not self._queue:
                if self._ended:
                    if self._error is not None:
                        raise self._error
                    raise StopAsyncIteration
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
            message = self._queue.popleft()
            if message.id in self._seen:
                # Published while the subscription started: already replayed.
                self._seen.discard(message.id)
                continue
            return message

    def _deliver(self, message: Message) -> None:
        if self._ended:
            return
        if len(self._queue) >= self._maxsize:
            if not self._drop:
                self._end(
                    SubscriberOverflow(
                        f"The subscription to {', '.join(self.channels)} fell more than"
                        f" {self._maxsize} messages behind (CHANNELS_SUBSCRIBER_QUEUE) and was"
                        " ended; read faster, raise the limit, or set CHANNELS_OVERFLOW to"
                        ' "drop_oldest".'
                    )
                )
                return
            self._queue.popleft()
            self.dropped += 1
            if self.dropped == 1:
                self._hub._logger.warning(
                    "A subscriber to %s is more than %d messages behind; dropping its oldest"
                    " messages (CHANNELS_SUBSCRIBER_QUEUE).",
                    ", ".join(self.channels),
                    self._maxsize,
                )
        self._queue.append(message)
        self._wake()

    def _end(self, error: BaseException | None) -> None:
        if not self._ended:
            self._ended = True
            self._error = error
            if error is not None:
                self._queue.clear()
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class Channels:
    """Named channels for the app: :meth:`publish` a message, and every
    :meth:`subscribe`\\ r of that channel gets it, across workers and
    machines when ``CHANNELS_URL`` is a Redis URL.

    Configuration (read when the app starts): ``CHANNELS_URL``
    (``"memory://"``), ``CHANNELS_SUBSCRIBER_QUEUE`` (1,000),
    ``CHANNELS_OVERFLOW`` (``"drop_oldest"`` or ``"error"``),
    ``CHANNELS_MAX_MESSAGE_SIZE`` (1 MiB), ``CHANNELS_HISTORY_SIZE`` (100
    messages per channel; 0 keeps none) and ``CHANNELS_KEY_PREFIX``
    (``"quart:"``, for the Redis keys and channels).

    The Redis backend connects when the app starts (the ASGI lifespan; in
    tests, ``app.test_app()``), refusing to start if Redis is unreachable,
    and disconnects when it stops. The memory backend also works without
    the lifespan.

    :param app: The app; or call :meth:`init_app` later.
    """

    def __init__(self, app: Quart | None = None) -> None:
        self._app: Quart | None = None
        self._backend: _Backend | None = None
        self._subscribers: dict[str, set[Subscription]] = {}
        self._logger: logging.Logger = logging.getLogger("quart.channels")
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Quart) -> None:
        """Attach to ``app``: start with its lifespan (before its other
        ``before_serving`` functions) and stop after its ``after_serving``
        functions.

        :param app: The application.
        """
        self._app = app
        self._logger = app.logger
        app.extensions["channels"] = self
        app.before_serving_funcs.insert(0, self._startup)

    async def _startup(self) -> None:
        app = self._require_app()
        await self._stop_backend()
        backend = self._make_backend()
        await backend.start()
        self._backend = backend
        # Registered now, so it runs after every after_serving function
        # registered before the app started.
        app.after_serving_funcs.append(self._shutdown)

    async def _shutdown(self) -> None:
        app = self._require_app()
        if self._shutdown in app.after_serving_funcs:
            app.after_serving_funcs.remove(self._shutdown)
        for subscriptions in list(self._subscribers.values()):
            for subscription in list(subscriptions):
                subscription._end(None)
        self._subscribers.clear()
        await self._stop_backend()

    async def _stop_backend(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            await backend.stop()

    @property
    def url(self) -> str:
        """``CHANNELS_URL`` of the app."""
        return str(self._require_app().config["CHANNELS_URL"])

    async def publish(self, channel: str, data: str | bytes) -> None:
        """Send ``data`` to every subscriber of ``channel``.

        :param channel: The channel name.
        :param data: ``str`` or ``bytes``; subscribers get the same type.
        :raises MessageTooLarge: ``data`` is over ``CHANNELS_MAX_MESSAGE_SIZE``
            bytes (UTF-8 for ``str``) or the name over :data:`MAX_CHANNEL_NAME`.
        :raises ChannelsUnavailable: Redis cannot be reached; the message is lost.
        """
        _check_channel(channel)
        if not isinstance(data, str | bytes):
            raise TypeError(f"A channel message is str or bytes, not {type(data).__name__}.")
        limit = self._require_app().config["CHANNELS_MAX_MESSAGE_SIZE"]
        size = len(data.encode()) if isinstance(data, str) else len(data)
        if limit is not None and size > limit:
            raise MessageTooLarge(
                f"The message to {channel!r} is {size} bytes, over CHANNELS_MAX_MESSAGE_SIZE"
                f" ({limit} bytes)."
            )
        message = Message(channel, data, os.urandom(8).hex())
        await self._backend_now().publish(message)

    def subscribe(self, *channels: str, history: int = 0) -> Subscription:
        """Receive the messages published to ``channels`` from now on::

            async with channels.subscribe("room-1", "room-2") as messages:
                async for message in messages:
                    print(message.channel, message.data)

        :param channels: One or more channel names.
        :param history: First replay up to this many of the most recent
            messages of each channel (at most ``CHANNELS_HISTORY_SIZE``).
        :raises ChannelsUnavailable: ``history`` was asked for while Redis
            is unreachable (without history, the subscription waits instead).
        """
        if not channels:
            raise TypeError("subscribe() needs at least one channel name.")
        for channel in channels:
            _check_channel(channel)
        if type(history) is not int or history < 0:
            raise ValueError("history must be a non-negative number of messages.")
        config = self._require_app().config
        subscription = Subscription(self, tuple(dict.fromkeys(channels)), history)
        subscription._maxsize = max(1, int(config["CHANNELS_SUBSCRIBER_QUEUE"]))
        overflow = config["CHANNELS_OVERFLOW"]
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError(
                f"CHANNELS_OVERFLOW is {overflow!r}; use one of {', '.join(OVERFLOW_POLICIES)}."
            )
        subscription._drop = overflow == "drop_oldest"
        return subscription

    def subscriber_count(self, channel: str) -> int:
        """How many subscriptions to ``channel`` are open in this process."""
        return len(self._subscribers.get(channel, ()))

    # -- the registry (private) ------------------------------------------

    async def _add(self, subscription: Subscription) -> None:
        backend = self._backend_now()
        new = []
        for channel in subscription.channels:
            subscribers = self._subscribers.setdefault(channel, set())
            if not subscribers:
                new.append(channel)
            subscribers.add(subscription)
        if new:
            await backend.listen(new)

    async def _remove(self, subscription: Subscription) -> None:
        gone = []
        for channel in subscription.channels:
            subscribers = self._subscribers.get(channel)
            if subscribers is None or subscription not in subscribers:
                continue
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[channel]
                gone.append(channel)
        if gone and self._backend is not None:
            await self._backend.unlisten(gone)

    def _dispatch(self, message: Message) -> None:
        for subscription in tuple(self._subscribers.get(message.channel, ())):
            subscription._deliver(message)

    def _backend_now(self) -> _Backend:
        if self._backend is None:
            if _scheme(self.url) != "memory":
                raise ChannelsUnavailable(
                    f"Channels on {self.url.split('://')[0]}:// are not connected: they connect"
                    " when the app starts (serve it, or use `async with app.test_app()` in"
                    " tests)."
                )
            # The memory backend needs no I/O, so it also works without the
            # lifespan (the plain test client).
            self._backend = self._make_backend()
        return self._backend

    def _make_backend(self) -> _Backend:
        config = self._require_app().config
        url = self.url
        scheme = _scheme(url)
        history = int(config["CHANNELS_HISTORY_SIZE"])
        if scheme == "memory":
            return _MemoryBackend(self._dispatch, history)
        if scheme in REDIS_SCHEMES:
            from ._redis.channels import RedisBackend

            return RedisBackend(
                url,
                dispatch=self._dispatch,
                history_size=history,
                prefix=str(config["CHANNELS_KEY_PREFIX"]),
                logger=self._logger,
            )
        raise ValueError(
            f"CHANNELS_URL {url!r} is not supported: use memory://, redis://, rediss:// or unix://."
        )

    def _require_app(self) -> Quart:
        if self._app is None:
            raise RuntimeError(
                "These channels are not attached to an app: call channels.init_app(app)."
            )
        return self._app


class _MemoryBackend:
    """One process: publishing is handing the message to the registry."""

    def __init__(self, dispatch: Callable[[Message], None], history_size: int) -> None:
        self._dispatch = dispatch
        self._history_size = history_size
        self._history: dict[str, deque[Message]] = {}

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def publish(self, message: Message) -> None:
        if self._history_size > 0:
            kept = self._history.get(message.channel)
            if kept is None:
                kept = self._history[message.channel] = deque(maxlen=self._history_size)
            kept.append(message)
        self._dispatch(message)

    async def listen(self, channels: Iterable[str]) -> None:
        pass

    async def unlisten(self, channels: Iterable[str]) -> None:
        pass

    async def history(self, channels: Iterable[str], count: int) -> list[Message]:
        replay: list[Message] = []
        for channel in channels:
            kept = self._history.get(channel, ())
            replay.extend(list(kept)[-count:])
        return replay


def _check_channel(channel: object) -> None:
    if not isinstance(channel, str) or not channel:
        raise TypeError(f"A channel name is a non-empty str, not {channel!r}.")
    if len(channel.encode()) > MAX_CHANNEL_NAME:
        raise MessageTooLarge(
            f"The channel name {channel[:40]!r}... is over {MAX_CHANNEL_NAME} bytes."
        )


def _scheme(url: str) -> str:
    return url.partition("://")[0].lower()
