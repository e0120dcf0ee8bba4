import os

from quart import Quart, request, websocket
from quart.channels import Channels
from quart.sse import EventSourceResponse, ServerSentEvent

app = Quart(__name__)
# memory:// serves one process; a redis:// URL serves every worker on every machine.
app.config["CHANNELS_URL"] = os.environ.get("CHANNELS_URL", "memory://")
channels = Channels(app)


@app.websocket("/rooms/<room>")
async def room(room):
    async with channels.subscribe(room, history=20) as messages:
        async for message in messages:  # message.channel, .data, .id
            await websocket.send(message.data)


@app.get("/rooms/<room>/events")
async def room_events(room):
    async def generate():
        async with channels.subscribe(room, history=20) as messages:
            async for message in messages:
                yield ServerSentEvent(message.data, event="chat", id=message.id)

    return EventSourceResponse(generate(), ping=15.0)


@app.post("/rooms/<room>")
async def post(room):
    await channels.publish(room, await request.get_data(as_text=True))
    return "", 204
