"""SIGTERM under load, measured from outside: used by the graceful-shutdown
e2e test (small numbers) and by ``make soak`` (500 requests, 100 websockets).

:func:`shutdown_under_load` starts a server process serving
``shutdown_app.py`` on 127.0.0.1, opens websockets and slow HTTP/1.1
requests (half the websockets echo, so their handler waits in ``receive()``;
half only send, so it never does), sends SIGTERM once all the requests are
inside their views, then reports what every client saw, whether a new connection was accepted after
the signal, the exit status, and the app's own event log (so the order of
``after_serving`` and the last handler can be checked). Every wait is
bounded and the process group is killed at the end whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

HERE = Path(__file__).parent
APP = HERE / "shutdown_app.py"


@dataclass
class ShutdownResult:
    """What the clients and the app saw."""

    exit_code: int | None = None
    #: Per request: "200 done", or the error that ended it.
    requests: list[str] = field(default_factory=list)
    #: Per websocket: the close code received (None: closed without a close frame).
    close_codes: list[int | None] = field(default_factory=list)
    #: Connections the server accepted after SIGTERM (then closed or answered).
    accepted_after_signal: int = 0
    refused_after_signal: int = 0
    events: list[str] = field(default_factory=list)
    seconds_to_exit: float = 0.0
    output: str = ""


async def _wait_until_up(port: int, process: subprocess.Popen[bytes], bound: float) -> None:
    deadline = time.monotonic() + bound
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            await asyncio.sleep(0.05)
        else:
            writer.close()
            await writer.wait_closed()
            return


async def _slow_request(port: int, seconds: float) -> str:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**16)
    except OSError as error:
        return f"connect {type(error).__name__}"
    try:
        writer.write(
            f"GET /slow?seconds={seconds} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        data = await reader.read()
        if not data:
            return "closed without a response"
        status = data.split(b" ", 2)[1].decode()
        body = data.rpartition(b"\r\n\r\n")[2].decode()
        return f"{status} {body}"
    except OSError as error:
        return f"{type(error).__name__}"
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def _websocket(
    port: int, path: str, opened: asyncio.Event, count: list[int], total: int
) -> int | None:
    async with connect(f"ws://127.0.0.1:{port}{path}", open_timeout=30, ping_interval=None) as ws:
        if path == "/ws":
            await ws.send("hello")
            assert await ws.recv() == "hello"
        else:
            assert await ws.recv() == "tick"
        count[0] += 1
        if count[0] == total:
            opened.set()
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
    return None  # pragma: no cover


async def _probe_new_connections(port: int, result: ShutdownResult, stop: asyncio.Event) -> None:
    """Try to connect every 50 ms from 100 ms after the signal until the end."""
    await asyncio.sleep(0.1)
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            result.refused_after_signal += 1
        else:
            result.accepted_after_signal += 1
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
        await asyncio.sleep(0.05)


def _events(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def shutdown_under_load(
    argv: list[str],
    port: int,
    workdir: Path,
    requests: int,
    websockets: int,
    request_seconds: float = 1.0,
    bound: float = 30.0,
) -> ShutdownResult:
    """Run ``argv`` (a server of ``shutdown_app`` on ``port``), load it, SIGTERM it."""
    events_path = workdir / "events.txt"
    events_path.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUART_")}
    env["SHUTDOWN_EVENTS"] = str(events_path)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    result = ShutdownResult()
    out = (workdir / "server-output.txt").open("wb")
    process = subprocess.Popen(
        argv, cwd=HERE, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        async with asyncio.timeout(bound):
            await _wait_until_up(port, process, bound)
            opened = asyncio.Event()
            count = [0]
            socket_tasks = [
                asyncio.create_task(
                    _websocket(port, ("/ws", "/ticks")[index % 2], opened, count, websockets)
                )
                for index in range(websockets)
            ]
            if websockets:
                await opened.wait()
            request_tasks = [
                asyncio.create_task(_slow_request(port, request_seconds)) for _ in range(requests)
            ]
            while _events(events_path).count("request start") < requests:
                await asyncio.sleep(0.02)
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            stop_probing = asyncio.Event()
            probe = asyncio.create_task(_probe_new_connections(port, result, stop_probing))
            result.requests = list(await asyncio.gather(*request_tasks))
            result.close_codes = list(await asyncio.gather(*socket_tasks))
            result.exit_code = await asyncio.to_thread(process.wait, bound)
            result.seconds_to_exit = time.monotonic() - signalled
            stop_probing.set()
            await probe
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(bound)
        out.close()
        result.events = _events(events_path)
        result.output = (workdir / "server-output.txt").read_text(errors="replace")
    return result
