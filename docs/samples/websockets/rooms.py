import asyncio

from quart import Quart, copy_current_websocket_context, websocket
from quart.wrappers import WebsocketDisconnect

app = Quart(__name__)
TOKEN = "let-me-in"
connected: set[asyncio.Queue] = set()
departures: list[int] = []


@app.websocket("/echo")
async def echo():
    while True:
        message = await websocket.receive()  # str for text, bytes for binary
        await websocket.send(message)


@app.websocket("/private")
async def private():
    if websocket.args.get("token") != TOKEN:
        return "Not allowed", 403  # the client gets this HTTP response
    await websocket.accept(subprotocol="json")
    await websocket.send_json({"hello": "friend"})


@app.websocket("/game")
async def game():
    try:
        while True:
            move = await websocket.receive_json()
            await websocket.send_json({"ok": move})
    finally:  # the client left: this handler was cancelled, as on Quart
        departures.append(websocket.close_code)


@app.websocket("/lobby")
async def lobby():
    websocket.raise_on_disconnect = True  # an exception instead of a cancellation
    try:
        while True:
            await websocket.send(await websocket.receive())
    except WebsocketDisconnect as closed:
        departures.append(("lobby", closed.code, closed.reason))


@app.websocket("/chat")
async def chat():
    queue = asyncio.Queue()
    connected.add(queue)
    try:

        async def forward():
            while True:
                await websocket.send(await queue.get())

        async def collect():
            while True:
                message = await websocket.receive()
                for other in connected:
                    other.put_nowait(message)

        async with asyncio.TaskGroup() as group:
            group.create_task(copy_current_websocket_context(forward)())
            group.create_task(copy_current_websocket_context(collect)())
    finally:
        connected.discard(queue)
