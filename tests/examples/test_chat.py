"""The websocket chat example (examples/chat): broadcast between clients."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from examples.chat.app import app
from examples.chat.app import channels
from examples.chat.app import MAX_MESSAGE_LENGTH
from examples.chat.app import ROOM

from quart.testing import QuartClient
from quart.testing.connections import TestWebsocketConnection as WebsocketConnection

# Every wait in these tests is bounded: a lost message fails fast instead of hanging.
TIMEOUT = 1


@pytest.fixture
async def chat_client(caplog: pytest.LogCaptureFixture) -> AsyncIterator[QuartClient]:
    assert online() == 0
    yield app.test_client()  # type: ignore[misc]
    # Every connection left the room, and no task outlived its connection.
    assert online() == 0
    assert asyncio.all_tasks() == {asyncio.current_task()}
    # Clients leaving is normal: nothing is logged as an error.
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []


def online() -> int:
    """Clients subscribed to the room (in this process)."""
    return channels.subscriber_count(ROOM)


async def join(stack: AsyncExitStack, client: QuartClient) -> WebsocketConnection:
    """Connect a chat client and wait until it is subscribed to the room."""
    ws: WebsocketConnection = await stack.enter_async_context(client.websocket("/ws"))
    welcome = await ws.receive_json()
    assert welcome == {"type": "welcome"}
    return ws


def message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}


async def test_page(chat_client: QuartClient) -> None:
    response = await chat_client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = await response.get_data(as_text=True)
    assert "<title>Quart chat</title>" in html
    assert 'new WebSocket("ws://localhost/ws")' in html  # url_for("ws") in the script
    assert f'maxlength="{MAX_MESSAGE_LENGTH}"' in html


async def test_page_over_https_uses_wss(chat_client: QuartClient) -> None:
    response = await chat_client.get("/", scheme="https", headers={"Host": "chat.example"})
    assert 'new WebSocket("wss://chat.example/ws")' in await response.get_data(as_text=True)


async def test_welcome_comes_once_subscribed(chat_client: QuartClient) -> None:
    async with asyncio.timeout(TIMEOUT), AsyncExitStack() as stack:
        first = await stack.enter_async_context(chat_client.websocket("/ws"))
        assert await first.receive_json() == {"type": "welcome"}
        assert online() == 1
        second = await stack.enter_async_context(chat_client.websocket("/ws"))
        assert await second.receive_json() == {"type": "welcome"}
        assert online() == 2


async def test_message_reaches_every_client(chat_client: QuartClient) -> None:
    async with asyncio.timeout(TIMEOUT), AsyncExitStack() as stack:
        alice = await join(stack, chat_client)
        bob = await join(stack, chat_client)
        carol = await join(stack, chat_client)

        await alice.send("Hello from Alice")
        for ws in (alice, bob, carol):
            assert await ws.receive_json() == message("Hello from Alice")

        await bob.send("Hi Alice")
        await carol.send("Hey all")
        for ws in (alice, bob, carol):
            # One room: every client sees the messages in the same order.
            assert [await ws.receive_json(), await ws.receive_json()] == [
                message("Hi Alice"),
                message("Hey all"),
            ]


async def test_many_messages_in_order(chat_client: QuartClient) -> None:
    texts = [f"message {number}" for number in range(50)]
    async with asyncio.timeout(TIMEOUT), AsyncExitStack() as stack:
        sender = await join(stack, chat_client)
        listener = await join(stack, chat_client)
        for text in texts:
            await sender.send(text)
        assert [(await listener.receive_json())["text"] for _ in texts] == texts
        assert [(await sender.receive_json())["text"] for _ in texts] == texts


@pytest.mark.parametrize("leave", ["close", "disconnect", "exit"])
async def test_leaving_client_is_cleaned_up(chat_client: QuartClient, leave: str) -> None:
    async with asyncio.timeout(TIMEOUT), AsyncExitStack() as stack:
        alice = await join(stack, chat_client)
        async with chat_client.websocket("/ws") as bob:
            assert await bob.receive_json() == {"type": "welcome"}
            assert online() == 2
            if leave == "close":
                await bob.close(1000)
            elif leave == "disconnect":
                await bob.disconnect()
        # Leaving the block waited for bob's handler to finish.
        assert online() == 1

        await alice.send("anyone there?")
        assert await alice.receive_json() == message("anyone there?")

        carol = await join(stack, chat_client)
        assert online() == 2
        await carol.send("me")
        assert await alice.receive_json() == message("me")
        assert await carol.receive_json() == message("me")


async def test_blank_messages_are_ignored(chat_client: QuartClient) -> None:
    async with asyncio.timeout(TIMEOUT), AsyncExitStack() as stack:
        alice = await join(stack, chat_client)
        bob = await join(stack, chat_client)
        await alice.send("   ")
        await alice.send("")
        await alice.send("  padded  ")
        assert await bob.receive_json() == message("padded")
        assert await alice.receive_json() == message("padded")


async def test_long_and_binary_messages(chat_client: QuartClient) -> None:
    async with asyncio.timeout(TIMEOUT), AsyncExitStack() as stack:
        alice = await join(stack, chat_client)
        bob = await join(stack, chat_client)
        await alice.send("x" * (MAX_MESSAGE_LENGTH + 10))
        assert await bob.receive_json() == message("x" * MAX_MESSAGE_LENGTH)
        await alice.send("café ☕".encode())
        assert await bob.receive_json() == message("café ☕")


async def test_unicode_and_json_lookalikes_are_text(chat_client: QuartClient) -> None:
    async with asyncio.timeout(TIMEOUT), AsyncExitStack() as stack:
        alice = await join(stack, chat_client)
        bob = await join(stack, chat_client)
        for text in ('{"type": "welcome"}', "<b>bold</b>", "日本語"):
            await alice.send(text)
            assert await bob.receive_json() == message(text)
