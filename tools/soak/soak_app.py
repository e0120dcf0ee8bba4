"""The app ``make soak`` serves: views that hold until released, an upload view
that never reads its body, a stream, a websocket echo, and ``/_stats`` (the
serving process's RSS, descriptors, tasks and requests in flight)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

from quart import Quart
from quart import request
from quart import websocket

app = Quart(__name__)


class _State:
    in_flight = 0
    release = asyncio.Event()


state = _State()


def _rss_kib() -> int:
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0  # pragma: no cover


@app.get("/_stats")
async def stats() -> dict[str, int]:
    return {
        "rss_kib": _rss_kib(),
        "fds": len(os.listdir("/proc/self/fd")),
        "tasks": len(asyncio.all_tasks()),
        "in_flight": state.in_flight,
    }


@app.post("/_release")
async def release() -> str:
    """Let every held view finish; later ones wait for the next release."""
    state.release.set()
    state.release = asyncio.Event()
    return "released"


@app.get("/hold")
async def hold() -> str:
    event = state.release
    state.in_flight += 1
    try:
        await event.wait()
    finally:
        state.in_flight -= 1
    return "ok"


@app.post("/ignore")
async def ignore() -> str:
    """Never reads the body it is sent (backpressure must hold the client)."""
    event = state.release
    state.in_flight += 1
    try:
        await event.wait()
    finally:
        state.in_flight -= 1
    return "ignored"


@app.get("/hello")
async def hello() -> str:
    return "hello"


@app.post("/echo")
async def echo() -> bytes:
    return await request.get_data()


@app.get("/stream")
async def stream() -> AsyncIterator[bytes]:
    count = int(request.args.get("n", "20"))

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield b"x" * 1024
            await asyncio.sleep(0.005)

    return chunks()


@app.websocket("/ws")
async def ws() -> None:
    while True:
        await websocket.send(await websocket.receive())
