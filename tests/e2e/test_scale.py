"""Many processes, one Redis: two server processes on two ports (two machines
in miniature), and the chat example on ``hypercorn --workers 2``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AsyncExitStack
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import e2e_servers
import redis.asyncio as redis_asyncio
from redis_server import RedisServer
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10


@contextmanager
def hypercorn(app: str, redis_url: str, *extra: str) -> Iterator[int]:
    """Serve ``app`` with the hypercorn command in its own process group."""
    sock = e2e_servers.listening_socket()
    port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "e2e")]),
        "SCALE_REDIS_URL": redis_url,
        "QUART_CHANNELS_URL": redis_url,
    }
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "hypercorn", "--bind", f"fd://{sock.fileno()}", *extra, app],
        cwd=ROOT,
        env=env,
        pass_fds=[sock.fileno()],
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sock.close()
    try:
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(e2e_servers.BOUND)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(e2e_servers.BOUND)
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
        if "Traceback" in output:
            print(output)  # shown with the failing test


async def http(port: int, method: str, path: str, cookie: str = "") -> tuple[int, str, str]:
    """One request over a fresh connection: status, Set-Cookie value, body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        writer.write(f"{head}Content-Length: 0\r\n\r\n".encode())
        raw = await reader.read()
    finally:
        writer.close()
    header_block, _, body = raw.decode().partition("\r\n\r\n")
    lines = header_block.split("\r\n")
    set_cookie = ""
    for line in lines[1:]:
        name, _, value = line.partition(": ")
        if name.lower() == "set-cookie":
            set_cookie = value.split(";", 1)[0]
    return int(lines[0].split()[1]), set_cookie, body


async def wait_ready(port: int) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                if (await http(port, "GET", "/ready"))[0] == 200:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.1)


async def test_two_servers_share_channels_sse_and_sessions(redis_server: RedisServer) -> None:
    with (
        hypercorn("scale_app:app", redis_server.url) as first,
        hypercorn("scale_app:app", redis_server.url) as second,
    ):
        await wait_ready(first)
        await wait_ready(second)
        async with asyncio.timeout(TIMEOUT), AsyncExitStack() as stack:
            here = await stack.enter_async_context(connect(f"ws://127.0.0.1:{first}/ws/lobby"))
            there = await stack.enter_async_context(connect(f"ws://127.0.0.1:{second}/ws/lobby"))
            assert await here.recv() == "subscribed"
            assert await there.recv() == "subscribed"

            # An SSE client on the second server.
            reader, writer = await asyncio.open_connection("127.0.0.1", second)
            stack.callback(writer.close)
            writer.write(b"GET /events/lobby HTTP/1.1\r\nHost: localhost\r\n\r\n")
            stream = b""
            while b"data: subscribed" not in stream:
                stream += await reader.read(4096)
            assert b"content-type: text/event-stream" in stream.lower()

            await here.send("hello from the first server")
            assert await here.recv() == "hello from the first server"
            assert await there.recv() == "hello from the first server"
            while b"data: hello from the first server\n\n" not in stream:
                stream += await reader.read(4096)

            # A session set through the first server is read through the second.
            status, cookie, _ = await http(first, "POST", "/session?name=ada")
            assert status == 200 and cookie.startswith("session=")
            status, refreshed, name = await http(second, "GET", "/session", cookie)
            assert (status, name) == (200, "ada")
            assert refreshed == cookie  # a permanent session's cookie is refreshed, same id


async def test_chat_example_on_two_workers(redis_server: RedisServer) -> None:
    inspector: Any = redis_asyncio.Redis.from_url(redis_server.url)
    try:
        with hypercorn("examples.chat.app:app", redis_server.url, "--workers", "2") as port:
            await wait_ready_chat(port)
            async with asyncio.timeout(60), AsyncExitStack() as stack:
                clients: list[Any] = []

                async def join() -> None:
                    ws = await stack.enter_async_context(connect(f"ws://127.0.0.1:{port}/ws"))
                    assert await ws.recv() == '{"type": "welcome"}'
                    clients.append(ws)

                # Connect until both workers have chat clients (each worker
                # holds one Redis subscription to the room). The workers
                # share one listening socket, and connections made one after
                # the other may all go to the worker that is idle first (or
                # the only one started yet), so connect in concurrent
                # batches: while one worker handles a handshake, the other
                # accepts.
                workers = 0
                for _ in range(40):
                    await asyncio.gather(*(join() for _ in range(8)))
                    [(_, workers)] = await inspector.pubsub_numsub("quart:channel:chat")
                    if workers == 2:
                        break
                    await asyncio.sleep(0.2)  # The second worker may still be starting.
                assert workers == 2, "the kernel gave every connection to one worker"
                await clients[0].send("hello, everyone")
                for ws in clients:
                    assert await ws.recv() == '{"type": "message", "text": "hello, everyone"}'
    finally:
        await inspector.aclose()


async def wait_ready_chat(port: int) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                if (await http(port, "GET", "/"))[0] == 200:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.1)
