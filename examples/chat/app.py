"""A websocket chat room: every message a client sends goes to every client,
on every worker and machine.

Run it with::

    .venv/bin/hypercorn examples.chat.app:app

and open http://127.0.0.1:8000/ in two browser windows. Messages travel
through :mod:`quart.channels`: in memory by default (one process), or
through Redis with one config line (here read from the environment), which
lets it run on many workers and machines::

    QUART_CHANNELS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/hypercorn --workers 4 examples.chat.app:app

A reader task takes the client's messages and publishes them to the room's
channel; a writer task sends the client whatever the channel delivers. When
the client leaves, the reader sees the disconnect, the task group cancels
the writer, and the subscription ends.

Every client first gets ``{"type": "welcome"}``, then
``{"type": "message", "text": ...}`` for each message anyone sends.
"""

from __future__ import annotations

import asyncio
import json

from quart import Quart
from quart import render_template
from quart import websocket
from quart.channels import Channels
from quart.channels import Subscription

#: The longest chat message accepted, in characters.
MAX_MESSAGE_LENGTH = 1000
#: The channel every message goes through.
ROOM = "chat"

app = Quart(__name__)
app.config["CHANNELS_URL"] = "memory://"  # "redis://127.0.0.1:6379/0" for many workers
app.config.from_prefixed_env()  # QUART_CHANNELS_URL=... overrides it
channels = Channels(app)


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
            await channels.publish(ROOM, json.dumps({"type": "message", "text": text}))


async def _write_messages(messages: Subscription) -> None:
    """Send the client everything published to the room."""
    async for message in messages:
        await websocket.send(message.data)


@app.websocket("/ws")
async def ws() -> None:
    """One chat client."""
    await websocket.accept()
    async with channels.subscribe(ROOM) as messages:
        await websocket.send_json({"type": "welcome"})
        async with asyncio.TaskGroup() as group:
            group.create_task(_read_messages())
            group.create_task(_write_messages(messages))


if __name__ == "__main__":
    app.run()
