"""quart.channels: the same tests over the memory and the Redis backend,
then what only Redis has (several processes, outages)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import redis.asyncio as redis_asyncio
from redis_server import RedisServer

from quart import Quart
from quart.channels import Channels
from quart.channels import ChannelsUnavailable
from quart.channels import Message
from quart.channels import MessageTooLarge
from quart.channels import SubscriberOverflow

# Every wait is bounded: a lost message fails the test instead of hanging it.
TIMEOUT = 3


def make_app(url: str, **config: Any) -> tuple[Quart, Channels]:
    app = Quart(__name__)
    app.config["CHANNELS_URL"] = url
    app.config.update(config)
    return app, Channels(app)


@pytest.fixture(params=["memory", "redis"])
def url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


@pytest.fixture
def config() -> dict[str, Any]:
    """Extra config for the ``channels`` fixture (tests change it first)."""
    return {}


@pytest.fixture
async def channels(url: str, config: dict[str, Any]) -> AsyncIterator[Channels]:
    app, channels = make_app(url, **config)
    async with app.test_app():
        yield channels
    # The app stopped: nothing is left subscribed, no task is left running.
    assert channels._subscribers == {}
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def next_message(messages: Any) -> Message:
    return await asyncio.wait_for(anext(messages), TIMEOUT)  # type: ignore[no-any-return]


async def test_str_and_bytes_arrive_as_sent(channels: Channels) -> None:
    sent: list[str | bytes] = ["hello", b"\x00\xffbinary", "", b"", "caf\u00e9 \u2615\nline 2"]
    async with channels.subscribe("room-1") as messages:
        for data in sent:
            await channels.publish("room-1", data)
        received = [await next_message(messages) for _ in sent]
    assert [message.data for message in received] == sent
    assert [type(message.data) for message in received] == [type(data) for data in sent]
    assert {message.channel for message in received} == {"room-1"}
    assert len({message.id for message in received}) == len(sent)


async def test_several_channels_and_only_those(channels: Channels) -> None:
    async with channels.subscribe("a", "b") as messages:
        await channels.publish("c", "not for us")
        await channels.publish("a", "1")
        await channels.publish("b", "2")
        received = [await next_message(messages) for _ in range(2)]
    assert [(message.channel, message.data) for message in received] == [("a", "1"), ("b", "2")]


async def test_every_subscriber_gets_every_message_in_order(channels: Channels) -> None:
    texts = [f"message {number}" for number in range(200)]
    async with AsyncExitStack() as stack:
        subscriptions = [
            await stack.enter_async_context(channels.subscribe("room")) for _ in range(5)
        ]
        for text in texts:
            await channels.publish("room", text)
        ids = []
        for messages in subscriptions:
            received = [await next_message(messages) for _ in texts]
            assert [message.data for message in received] == texts
            assert messages.dropped == 0
            ids.append([message.id for message in received])
    # The same message has the same id for every subscriber.
    assert all(each == ids[0] for each in ids)


async def test_leaving_unsubscribes(channels: Channels) -> None:
    async with channels.subscribe("room") as first, channels.subscribe("room") as second:
        assert channels.subscriber_count("room") == 2
    assert channels.subscriber_count("room") == 0
    async with channels.subscribe("room") as third:
        await channels.publish("room", "after")
        assert (await next_message(third)).data == "after"
    # Messages published while nobody listened went nowhere.
    assert not first._queue and not second._queue


async def test_history_replays_the_last_messages_then_live_ones(channels: Channels) -> None:
    for number in range(5):
        await channels.publish("room", f"old {number}")
    async with channels.subscribe("room", history=3) as messages:
        await channels.publish("room", "new")
        received = [(await next_message(messages)).data for _ in range(4)]
    assert received == ["old 2", "old 3", "old 4", "new"]
    async with channels.subscribe("room") as messages:
        await channels.publish("room", "live only")
        assert (await next_message(messages)).data == "live only"


@pytest.mark.parametrize("config", [{"CHANNELS_HISTORY_SIZE": 4}])
async def test_history_is_bounded_per_channel(channels: Channels) -> None:
    for number in range(10):
        await channels.publish("room", str(number))
    await channels.publish("other", "x")
    async with channels.subscribe("room", "other", history=100) as messages:
        received = [(await next_message(messages)).data for _ in range(5)]
    assert received == ["6", "7", "8", "9", "x"]


async def test_message_published_while_subscribing_arrives_once(channels: Channels) -> None:
    backend: Any = channels._backend_now()
    original = backend.history

    async def history_racing_a_publish(names: Any, count: int) -> list[Message]:
        # Published after the subscription listens, before history is read:
        # it is both in the history and on its way live.
        await channels.publish("room", "during")
        await asyncio.sleep(0.1)
        return await original(names, count)  # type: ignore[no-any-return]

    backend.history = history_racing_a_publish
    async with channels.subscribe("room", history=10) as messages:
        await channels.publish("room", "after")
        received = [(await next_message(messages)).data for _ in range(2)]
        assert received == ["during", "after"]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(messages), 0.2)


@pytest.mark.parametrize("config", [{"CHANNELS_SUBSCRIBER_QUEUE": 5}])
async def test_slow_subscriber_drops_its_oldest_and_slows_nobody(
    channels: Channels, caplog: pytest.LogCaptureFixture
) -> None:
    async with channels.subscribe("room") as slow, channels.subscribe("room") as fast:
        received = []
        for number in range(20):
            await channels.publish("room", str(number))
            received.append((await next_message(fast)).data)
        assert received == [str(number) for number in range(20)]
        assert fast.dropped == 0
        assert slow.dropped == 15
        assert [(await next_message(slow)).data for _ in range(5)] == ["15", "16", "17", "18", "19"]
    warnings = [record for record in caplog.records if "dropping its oldest" in record.message]
    assert len(warnings) == 1  # once per subscriber, not per message


@pytest.mark.parametrize("config", [{"CHANNELS_SUBSCRIBER_QUEUE": 3, "CHANNELS_OVERFLOW": "error"}])
async def test_overflow_can_end_the_subscription_instead(channels: Channels) -> None:
    async with channels.subscribe("room") as slow, channels.subscribe("room") as fast:
        for number in range(4):
            await channels.publish("room", str(number))
            assert (await next_message(fast)).data == str(number)
        with pytest.raises(SubscriberOverflow, match="more than 3 messages behind"):
            await next_message(slow)
        await channels.publish("room", "still flowing")
        assert (await next_message(fast)).data == "still flowing"


@pytest.mark.parametrize("config", [{"CHANNELS_MAX_MESSAGE_SIZE": 10}])
async def test_too_large_messages_and_names_are_refused(channels: Channels) -> None:
    async with channels.subscribe("room") as messages:
        await channels.publish("room", "x" * 10)  # exactly the limit
        with pytest.raises(MessageTooLarge, match="11 bytes, over CHANNELS_MAX_MESSAGE_SIZE"):
            await channels.publish("room", b"x" * 11)
        with pytest.raises(MessageTooLarge, match="12 bytes"):
            await channels.publish("room", "\u00e9" * 6)  # counted in UTF-8
        with pytest.raises(MessageTooLarge, match="channel name"):
            await channels.publish("r" * 1025, "x")
        with pytest.raises(MessageTooLarge):
            channels.subscribe("r" * 1025)
        with pytest.raises(TypeError, match="str or bytes"):
            await channels.publish("room", 42)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="non-empty str"):
            await channels.publish("", "x")
        assert (await next_message(messages)).data == "x" * 10
        with pytest.raises(TimeoutError):  # nothing refused was delivered
            await asyncio.wait_for(anext(messages), 0.1)


async def test_shutdown_ends_subscriptions(url: str) -> None:
    app, channels = make_app(url)
    received: list[str | bytes] = []
    subscribed = asyncio.Event()

    async def listen() -> None:
        async with channels.subscribe("room") as messages:
            subscribed.set()
            async for message in messages:
                received.append(message.data)

    async with app.test_app():
        task = asyncio.create_task(listen())
        await asyncio.wait_for(subscribed.wait(), TIMEOUT)
        await channels.publish("room", "before shutdown")
        while not received:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(task, TIMEOUT)  # the loop ended by itself
    assert received == ["before shutdown"]


async def test_memory_channels_work_without_the_lifespan() -> None:
    app, channels = make_app("memory://")
    async with channels.subscribe("room") as messages:
        await channels.publish("room", "hi")
        assert (await next_message(messages)).data == "hi"


async def test_redis_channels_need_the_app_started(redis_server: RedisServer) -> None:
    app, channels = make_app(redis_server.url)
    with pytest.raises(ChannelsUnavailable, match="connect when the app starts"):
        await channels.publish("room", "hi")


async def test_unknown_url_scheme_stops_startup() -> None:
    app, channels = make_app("kafka://somewhere")
    with pytest.raises(Exception, match="CHANNELS_URL 'kafka://somewhere' is not supported"):
        async with app.test_app():
            pass


async def test_no_app_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="init_app"):
        await Channels().publish("room", "x")


# -- Redis only ---------------------------------------------------------------


async def test_two_apps_sharing_redis_see_each_others_messages(redis_server: RedisServer) -> None:
    # Two processes in miniature: each app has its own connections.
    first_app, first = make_app(redis_server.url)
    second_app, second = make_app(redis_server.url)
    async with first_app.test_app(), second_app.test_app():
        async with first.subscribe("room") as here, second.subscribe("room") as there:
            await first.publish("room", "from the first")
            await second.publish("room", b"from the second")
            for messages in (here, there):
                received = [await next_message(messages), await next_message(messages)]
                assert [message.data for message in received] == [
                    "from the first",
                    b"from the second",
                ]
        # History is shared too: it lives in Redis.
        async with second.subscribe("room", history=1) as messages:
            assert (await next_message(messages)).data == b"from the second"


async def test_one_pubsub_connection_however_many_subscribers(redis_server: RedisServer) -> None:
    app, channels = make_app(redis_server.url)
    inspector = redis_asyncio.Redis.from_url(redis_server.url)
    try:
        async with app.test_app(), AsyncExitStack() as stack:
            for number in range(50):
                await stack.enter_async_context(channels.subscribe(f"room-{number % 10}"))
            clients = await inspector.client_list(_type="pubsub")
            assert len(clients) == 1
            numsub = dict(
                await inspector.pubsub_numsub(*(f"quart:channel:room-{n}" for n in range(10)))
            )
            assert set(numsub.values()) == {1}
        # The app closed its connection; Redis notices the closed socket on
        # its next event loop turn, so ask until it has (bounded).
        async with asyncio.timeout(5):
            while await inspector.client_list(_type="pubsub"):
                await asyncio.sleep(0.01)
    finally:
        await inspector.aclose()


async def test_redis_unreachable_at_startup_names_the_url(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server.stop()
    url = f"redis://:hunter2@127.0.0.1:{redis_server.port}/0"
    app, channels = make_app(url)
    with pytest.raises(Exception) as info:
        async with app.test_app():
            pass
    message = str(info.value)
    assert f"Cannot reach Redis at redis://:***@127.0.0.1:{redis_server.port}/0" in message
    assert "CHANNELS_URL" in message
    assert "hunter2" not in message
    # The log says why in one line, with no traceback to bury it.
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage().startswith("Cannot start: Cannot reach Redis at redis://:***@")
    assert record.exc_info is None


async def test_redis_outage_subscribers_wait_and_resume(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app, channels = make_app(redis_server.url)
    async with app.test_app(), channels.subscribe("room") as messages:
        await channels.publish("room", "before")
        assert (await next_message(messages)).data == "before"

        # The event loop keeps running throughout: nothing blocks it.
        gaps: list[float] = []

        async def heartbeat() -> None:
            loop = asyncio.get_running_loop()
            last = loop.time()
            while True:
                await asyncio.sleep(0.01)
                gaps.append(loop.time() - last)
                last = loop.time()

        beat = asyncio.create_task(heartbeat())
        redis_server.stop()
        for _ in range(3):
            with pytest.raises(ChannelsUnavailable, match="the message is lost"):
                await channels.publish("room", "during")
        await asyncio.sleep(1)  # several reconnect attempts fail meanwhile
        await asyncio.to_thread(redis_server.restart)

        # Published once the subscriber is back (the reconnect takes up to
        # the backoff's current delay), it arrives; nothing from the outage does.
        async with asyncio.timeout(10):
            while True:
                try:
                    await channels.publish("room", "after")
                except ChannelsUnavailable:
                    await asyncio.sleep(0.05)
                    continue
                try:
                    message = await asyncio.wait_for(anext(messages), 0.3)
                except TimeoutError:
                    continue
                break
        assert message.data == "after"
        beat.cancel()
        assert max(gaps) < 0.5
    lost = [r for r in caplog.records if "Lost the connection to Redis" in r.message]
    back = [r for r in caplog.records if "Reconnected to Redis" in r.message]
    assert len(lost) == 1 and len(back) == 1
    assert redis_server.url.split("//")[1].split("/")[0] in lost[0].message


async def test_history_during_an_outage_is_a_clear_error(redis_server: RedisServer) -> None:
    app, channels = make_app(redis_server.url)
    logging.getLogger(app.name).setLevel(logging.CRITICAL)
    async with app.test_app():
        redis_server.stop()
        with pytest.raises(ChannelsUnavailable, match="Cannot read the history"):
            async with channels.subscribe("room", history=5):
                pass
        assert channels.subscriber_count("room") == 0
