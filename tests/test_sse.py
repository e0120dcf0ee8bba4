"""quart.sse: event framing, the streaming response, pings, disconnects,
resuming with Last-Event-ID, and an SSE feed of a channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from quart import Quart
from quart.channels import Channels
from quart.sse import EventSourceResponse
from quart.sse import last_event_id
from quart.sse import ServerSentEvent
from quart.testing import QuartClient

TIMEOUT = 3


def test_event_fields_and_multiline_data() -> None:
    event = ServerSentEvent("one\ntwo\r\nthree\rfour", event="update", id="7", retry=2500)
    assert event.encode() == (
        b"event: update\nid: 7\nretry: 2500\ndata: one\ndata: two\ndata: three\ndata: four\n\n"
    )
    assert ServerSentEvent("plain").encode() == b"data: plain\n\n"
    assert ServerSentEvent(" leading space").encode() == b"data:  leading space\n\n"
    assert ServerSentEvent(b"caf\xc3\xa9").encode() == "data: caf\u00e9\n\n".encode()
    # Line separators other than CR and LF are data, not line breaks.
    assert ServerSentEvent("a\u2028b").encode() == "data: a\u2028b\n\n".encode()


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\r\ndata: injected"])
def test_line_breaks_in_event_or_id_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="line break"):
        ServerSentEvent("x", event=bad)
    with pytest.raises(ValueError, match="line break"):
        ServerSentEvent("x", id=bad)


def test_other_bad_fields() -> None:
    with pytest.raises(ValueError, match="NUL"):
        ServerSentEvent("x", id="a\0b")
    for retry in (-1, True, 1.5):
        with pytest.raises(ValueError, match="retry"):
            ServerSentEvent("x", retry=retry)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ServerSentEvent({"a": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="async iterable"):
        EventSourceResponse(["x"])  # type: ignore[arg-type]


@pytest.fixture
def sse_app() -> Quart:
    app = Quart(__name__)
    app.closed = asyncio.Event()  # type: ignore[attr-defined]

    @app.get("/finite")
    async def finite() -> EventSourceResponse:
        async def events() -> AsyncIterator[ServerSentEvent | str]:
            yield ServerSentEvent("first", event="greeting", id="1")
            yield "second"

        return EventSourceResponse(events())

    @app.get("/slow")
    async def slow() -> EventSourceResponse:
        async def events() -> AsyncIterator[str]:
            try:
                await asyncio.sleep(0.35)
                yield "late"
                await asyncio.sleep(3600)
                yield "never"
            finally:
                app.closed.set()  # type: ignore[attr-defined]

        return EventSourceResponse(events(), ping=0.1)

    @app.get("/resume")
    async def resume() -> EventSourceResponse:
        start = int(last_event_id() or 0) + 1

        async def events() -> AsyncIterator[ServerSentEvent]:
            for number in range(start, start + 2):
                yield ServerSentEvent(f"event {number}", id=str(number))

        return EventSourceResponse(events())

    return app


async def test_response_headers_and_body(sse_app: Quart) -> None:
    response = await sse_app.test_client().get("/finite")
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert await response.get_data() == (
        b": open\n\nevent: greeting\nid: 1\ndata: first\n\ndata: second\n\n"
    )


async def test_pings_while_idle_and_close_when_the_client_goes(sse_app: Quart) -> None:
    client: QuartClient = sse_app.test_client()  # type: ignore[assignment]
    async with asyncio.timeout(TIMEOUT):
        async with client.request("/slow") as connection:
            await connection.send_complete()
            chunks = [await connection.receive()]
            while b"late" not in chunks[-1]:
                chunks.append(await connection.receive())
            assert chunks[0] == b": open\n\n"
            assert chunks.count(b": ping\n\n") >= 2  # sent at 0.1 s intervals before the event
            assert chunks[-1] == b"data: late\n\n"
            await connection.disconnect()
        # The generator was closed (its finally ran) when the client left.
        await sse_app.closed.wait()  # type: ignore[attr-defined]


async def test_last_event_id_resumes(sse_app: Quart) -> None:
    client = sse_app.test_client()
    first = await (await client.get("/resume")).get_data()
    assert b"id: 1\ndata: event 1" in first and b"id: 2\n" in first
    again = await (await client.get("/resume", headers={"Last-Event-ID": "2"})).get_data()
    assert again == b": open\n\nid: 3\ndata: event 3\n\nid: 4\ndata: event 4\n\n"


async def test_an_sse_feed_of_a_channel() -> None:
    app = Quart(__name__)
    channels = Channels(app)

    # The README's example: a channel as an event stream.
    @app.get("/rooms/<room>/events")
    async def room_events(room: str) -> EventSourceResponse:
        async def events() -> AsyncIterator[ServerSentEvent]:
            async with channels.subscribe(room) as messages:
                async for message in messages:
                    yield ServerSentEvent(message.data, event="chat", id=message.id)

        return EventSourceResponse(events())

    client: QuartClient = app.test_client()  # type: ignore[assignment]
    async with asyncio.timeout(TIMEOUT), app.test_app():
        async with client.request("/rooms/lobby/events") as connection:
            await connection.send_complete()
            assert await connection.receive() == b": open\n\n"
            while channels.subscriber_count("lobby") == 0:
                await asyncio.sleep(0.01)
            await channels.publish("lobby", "hello\nworld")
            chunk = await connection.receive()
            assert chunk.startswith(b"event: chat\nid: ")
            assert chunk.endswith(b"\ndata: hello\ndata: world\n\n")
            await connection.disconnect()
        while channels.subscriber_count("lobby"):
            await asyncio.sleep(0.01)  # the subscription ended with the stream
