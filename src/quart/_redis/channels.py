"""The Redis backend of :mod:`quart.channels`.

Theory of operation. Publishing is one MULTI transaction: PUBLISH to
``<prefix>channel:<name>`` and, when history is kept, LPUSH + LTRIM on
``<prefix>history:<name>``, so a message is in the history exactly when it
was published. A message travels as one bytes value: a type byte (``t`` for
text, ``b`` for bytes), the 16-character id, then the payload.

Receiving: one task per process owns one pub/sub connection, subscribed to
every channel that has a local subscriber, and hands each message to the
registry, which fans it out in-process. A new local channel is subscribed
before its subscription starts (the task resolves a future when Redis
confirms), so a message published after ``async with subscribe(...)`` is
entered is never missed. When the connection fails the task logs once,
retries with exponential backoff (0.1 s doubling to 5 s), subscribes again
to everything, and logs once more when it is back; messages published in
between are lost. Publishing during the outage raises ChannelsUnavailable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from typing import TYPE_CHECKING

from .._concurrency import create_task
from ..channels import ChannelsUnavailable
from ..channels import Message
from .client import client_from_url
from .client import connection_errors
from .client import DEFAULT_TIMEOUT
from .client import redact

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

#: Seconds of silence after which the pub/sub connection is pinged.
_HEALTH_INTERVAL = 15.0
_BACKOFF_START = 0.1
_BACKOFF_MAX = 5.0


def encode(message: Message) -> bytes:
    """``message`` as the one value stored and published in Redis."""
    if isinstance(message.data, str):
        return b"t" + message.id.encode() + message.data.encode()
    return b"b" + message.id.encode() + message.data


def decode(channel: str, value: bytes) -> Message | None:
    """The message in ``value``, or ``None`` if it is not one of ours."""
    if len(value) < 17 or value[:1] not in (b"t", b"b"):
        return None
    payload = value[17:]
    data: str | bytes = payload.decode("utf-8", "replace") if value[:1] == b"t" else payload
    return Message(channel, data, value[1:17].decode("ascii", "replace"))


class RedisBackend:
    """Channels through Redis pub/sub, one pub/sub connection per process."""

    def __init__(
        self,
        url: str,
        *,
        dispatch: Callable[[Message], None],
        history_size: int,
        prefix: str,
        logger: logging.Logger,
    ) -> None:
        self._url = url
        self._dispatch = dispatch
        self._history_size = history_size
        self._channel_prefix = f"{prefix}channel:".encode()
        self._history_prefix = f"{prefix}history:".encode()
        self._control = f"{prefix}control".encode()
        self._logger = logger
        # Any: set by start() before the backend is used (the hub hands it out
        # only once started), which the type checker cannot follow.
        self._client: Any = None
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._wanted: set[bytes] = set()
        self._confirm: dict[bytes, list[asyncio.Future[None]]] = {}
        self._errors = connection_errors()

    async def start(self) -> None:
        self._client = client_from_url(self._url)
        try:
            await self._client.ping()
        except self._errors as error:
            await self._client.aclose()
            raise ChannelsUnavailable(
                f"Cannot reach Redis at {redact(self._url)} (CHANNELS_URL): {error}"
            ) from None
        self._task = create_task(self._run(), name="quart-channels-redis")

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        while task is not None and not task.done():
            # redis-py may swallow a cancellation while it closes a broken
            # connection: cancel again until the task has ended.
            task.cancel()
            await asyncio.wait({task}, timeout=0.1)
        await self._close_pubsub()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def publish(self, message: Message) -> None:
        value = encode(message)
        name = message.channel.encode()
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.publish(self._channel_prefix + name, value)
                if self._history_size > 0:
                    key = self._history_prefix + name
                    pipe.lpush(key, value)
                    pipe.ltrim(key, 0, self._history_size - 1)
                await pipe.execute()
        except self._errors as error:
            raise ChannelsUnavailable(
                f"Cannot publish to {message.channel!r}: Redis at {redact(self._url)} is"
                f" unreachable ({error}); the message is lost."
            ) from None

    async def history(self, channels: Iterable[str], count: int) -> list[Message]:
        count = min(count, self._history_size)
        if count <= 0:
            return []
        names = list(channels)
        try:
            # One transaction: a consistent snapshot of every channel.
            async with self._client.pipeline(transaction=True) as pipe:
                for name in names:
                    pipe.lrange(self._history_prefix + name.encode(), 0, count - 1)
                lists = await pipe.execute()
        except self._errors as error:
            raise ChannelsUnavailable(
                f"Cannot read the history of {', '.join(names)}: Redis at"
                f" {redact(self._url)} is unreachable ({error})."
            ) from None
        replay: list[Message] = []
        for name, values in zip(names, lists, strict=True):
            for value in reversed(values):  # stored newest first
                message = decode(name, value)
                if message is not None:
                    replay.append(message)
        return replay

    async def listen(self, channels: Iterable[str]) -> None:
        keys = [self._channel_prefix + name.encode() for name in channels]
        self._wanted.update(keys)
        pubsub = self._pubsub
        if pubsub is None:
            return  # Reconnecting: the task subscribes to everything wanted.
        loop = asyncio.get_running_loop()
        futures = []
        for key in keys:
            future: asyncio.Future[None] = loop.create_future()
            self._confirm.setdefault(key, []).append(future)
            futures.append((key, future))
        try:
            await pubsub.subscribe(*keys)
            async with asyncio.timeout(DEFAULT_TIMEOUT):
                await asyncio.gather(*(future for _, future in futures))
        except self._errors:
            pass  # An outage: the task resubscribes once Redis is back.
        finally:
            for key, future in futures:
                waiting = self._confirm.get(key, [])
                if future in waiting:
                    waiting.remove(future)
                if not waiting:
                    self._confirm.pop(key, None)

    async def unlisten(self, channels: Iterable[str]) -> None:
        keys = [self._channel_prefix + name.encode() for name in channels]
        self._wanted.difference_update(keys)
        if self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe(*keys)
            except self._errors:
                pass

    # -- the reader task -------------------------------------------------

    async def _run(self) -> None:
        delay = _BACKOFF_START
        down = False
        while not self._stopping:
            try:
                pubsub = await self._connect()
                if down:
                    self._logger.warning(
                        "Reconnected to Redis at %s (channels).", redact(self._url)
                    )
                    down = False
                delay = _BACKOFF_START
                await self._read(pubsub)
            except Exception as error:  # the task's boundary: any failure reconnects
                await self._close_pubsub()
                if not down:
                    self._logger.error(
                        "Lost the connection to Redis at %s (channels): %s; reconnecting."
                        " Messages published until it is back are lost.",
                        redact(self._url),
                        error,
                    )
                    down = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)

    async def _connect(self) -> PubSub:
        pubsub: PubSub = self._client.pubsub()
        try:
            subscribed: set[bytes] = set()
            missing = {self._control} | self._wanted
            while missing:
                await pubsub.subscribe(*missing)
                subscribed |= missing
                missing = self._wanted - subscribed
        except BaseException:
            await _close(pubsub)
            raise
        # No await since the last check: every wanted channel is subscribed.
        self._pubsub = pubsub
        return pubsub

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            reply = await pubsub.get_message(timeout=_HEALTH_INTERVAL)
            if reply is None:
                await pubsub.ping()  # a dead connection fails here
                continue
            kind = reply.get("type")
            key = reply.get("channel")
            if not isinstance(key, bytes):
                continue  # the reply to a ping
            if kind == "message" and key.startswith(self._channel_prefix):
                name = key[len(self._channel_prefix) :].decode("utf-8", "replace")
                message = decode(name, reply["data"])
                if message is not None:
                    self._dispatch(message)
            elif kind == "subscribe":
                for future in self._confirm.pop(key, ()):
                    if not future.done():
                        future.set_result(None)

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            await _close(pubsub)


async def _close(pubsub: PubSub) -> None:
    try:
        await pubsub.aclose()
    except Exception:  # closing a broken connection; nothing to report
        pass
