"""An app for the graceful-shutdown tests: slow requests and echo websockets
that record what happens to them (one line per event, appended to the file
named by ``SHUTDOWN_EVENTS``). ``python shutdown_app.py PORT`` serves it with
``app.run`` as a user would; ``uvicorn shutdown_app:app`` also works."""

from __future__ import annotations

import asyncio
import os
import sys

from quart import Quart
from quart import request
from quart import websocket

app = Quart(__name__)
EVENTS = os.environ.get("SHUTDOWN_EVENTS", "events.txt")


def record(event: str) -> None:
    with open(EVENTS, "a") as file:
        file.write(event + "\n")


@app.before_serving
async def startup() -> None:
    record("startup")


@app.after_serving
async def shutdown() -> None:
    record("after_serving")


@app.get("/slow")
async def slow() -> str:
    record("request start")
    await asyncio.sleep(float(request.args.get("seconds", "1")))
    record("request end")
    return "done"


@app.websocket("/ws")
async def echo() -> None:
    record("websocket open")
    while True:
        await websocket.send(await websocket.receive())


@app.websocket("/ticks")
async def ticks() -> None:
    """Sends only, never receives: shutdown has to cancel it."""
    record("websocket open")
    await websocket.accept()
    while True:
        await websocket.send("tick")
        await asyncio.sleep(0.1)


@app.teardown_websocket
async def websocket_ended(error: BaseException | None) -> None:
    record(f"websocket teardown {type(error).__name__ if error else None}")


if __name__ == "__main__":
    app.run(port=int(sys.argv[1]), use_reloader=False)
