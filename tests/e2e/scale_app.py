"""The app the multi-process tests serve: channels and sessions in the Redis
at ``SCALE_REDIS_URL``, so any number of server processes share them."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

from quart import Quart
from quart import request
from quart import session
from quart import websocket
from quart.channels import Channels
from quart.sse import EventSourceResponse
from quart.sse import ServerSentEvent

app = Quart(__name__)
app.secret_key = "shared by every process"
app.config["CHANNELS_URL"] = os.environ["SCALE_REDIS_URL"]
app.config["SESSION_TYPE"] = "redis"
app.config["SESSION_REDIS"] = os.environ["SCALE_REDIS_URL"]
channels = Channels(app)


@app.get("/ready")
async def ready() -> str:
    return "ready"


@app.websocket("/ws/<room>")
async def room_socket(room: str) -> None:
    async with channels.subscribe(room) as messages:
        await websocket.send("subscribed")

        async def forward() -> None:
            async for message in messages:
                await websocket.send(message.data)

        async def publish() -> None:
            while True:
                await channels.publish(room, await websocket.receive())

        async with asyncio.TaskGroup() as group:
            group.create_task(forward())
            group.create_task(publish())


@app.get("/events/<room>")
async def room_events(room: str) -> EventSourceResponse:
    async def events() -> AsyncIterator[ServerSentEvent]:
        async with channels.subscribe(room) as messages:
            yield ServerSentEvent("subscribed", event="status")
            async for message in messages:
                yield ServerSentEvent(message.data, id=message.id)

    return EventSourceResponse(events(), ping=1)


@app.post("/session")
async def set_name() -> str:
    session["name"] = request.args["name"]
    return "stored"


@app.get("/session")
async def get_name() -> str:
    return str(session.get("name"))
