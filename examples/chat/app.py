"""A websocket chat room: every message a client sends goes to every client.

Run it with::

    .venv/bin/hypercorn examples.chat.app:app

and open http://127.0.0.1:8000/ in two browser windows.

Each connection has its own queue in the broker. A reader task takes the
client's messages and publishes them to every queue; a writer task sends
whatever arrives on the connection's queue. When the client leaves, the
reader sees the disconnect, the task group cancels the writer, and the
queue leaves the broker.

Every client first gets ``{"type": "welcome", "online": <clients>}``, then
``{"type": "message", "text": ...}`` for each message anyone sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from quart import Quart
from quart import render_template
from quart import websocket

#: The longest chat message accepted, in characters.
MAX_MESSAGE_LENGTH = 1000


class Broker:
    """Hands every published message to every subscribed connection."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()

    def __len__(self) -> int:
        return len(self._queues)

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        """A queue receiving every message published while the block runs."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def publish(self, message: dict[str, Any]) -> None:
        """Queue ``message`` for every subscriber."""
        for queue in self._queues:
            queue.put_nowait(message)


app = Quart(__name__)
broker = Broker()


@app.get("/")
async def index() -> str:
    """The chat page."""
    return await render_template("index.html", max_length=MAX_MESSAGE_LENGTH)


async def _read_messages() -> None:
    """Publish each message the client sends (ends when the client leaves)."""
    while True:
        data = await websocket.receive()
        text = data if isinstance(data, str) else data.decode("utf-8", "replace")
        text = text.strip()[:MAX_MESSAGE_LENGTH]
        if text:
            broker.publish({"type": "message", "text": text})


async def _write_messages(queue: asyncio.Queue[dict[str, Any]]) -> None:
    """Send the client everything published to its queue."""
    while True:
        message = await queue.get()
        await websocket.send_json(message)


@app.websocket("/ws")
async def ws() -> None:
    """One chat client."""
    await websocket.accept()
    with broker.subscribe() as queue:
        await websocket.send_json({"type": "welcome", "online": len(broker)})
        async with asyncio.TaskGroup() as group:
            group.create_task(_read_messages())
            group.create_task(_write_messages(queue))


if __name__ == "__main__":
    app.run()
