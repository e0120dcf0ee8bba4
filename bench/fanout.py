"""Fan-out: one message to 1,000 websocket subscribers over 2 workers.

Run it with ``make bench-fanout`` (``.venv/bin/python bench/fanout.py``).

It starts a throwaway redis-server (no persistence) and ``hypercorn
--workers 2`` serving the ``app`` below, with channels in that Redis; opens
``--clients`` websockets (each subscribed to one channel); then

- latency: publishes ``--messages`` messages, ``--gap`` seconds apart, each
  carrying its send time, and records the delay of every delivery (one per
  message per subscriber): p50, p99, max;
- throughput: publishes ``--burst`` messages back to back and times until
  every subscriber has every one: deliveries (messages x subscribers) per
  second;
- memory: the workers' resident memory before and after the clients
  connect, divided by the number of clients.

The clients run in this process, on the same 2-core machine as the workers
and Redis, so the figures are for the whole system, client included.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quart import Quart
from quart import request
from quart import websocket
from quart.channels import Channels

ROOT = Path(__file__).resolve().parents[1]
CHANNEL = "fanout"

app = Quart(__name__)
app.config["CHANNELS_URL"] = os.environ.get("FANOUT_REDIS_URL", "memory://")
app.config["CHANNELS_SUBSCRIBER_QUEUE"] = 10_000
channels = Channels(app)


@app.websocket("/sub")
async def subscriber() -> None:
    async with channels.subscribe(CHANNEL) as messages:
        await websocket.send("ready")
        async for message in messages:
            await websocket.send(message.data)


@app.post("/publish")
async def publish() -> str:
    await channels.publish(CHANNEL, await request.get_data(as_text=True))
    return "ok"


# -- the driver ------------------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def workers(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children]


async def http_post(port: int, body: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = body.encode()
    writer.write(
        b"POST /publish HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        + f"Content-Length: {len(data)}\r\n\r\n".encode()
        + data
    )
    await reader.read()
    writer.close()


async def drive(port: int, server: int, args: argparse.Namespace) -> None:
    from websockets.asyncio.client import connect

    await asyncio.sleep(1)
    before = {pid: rss_kib(pid) for pid in workers(server)}
    sockets = []
    for start in range(0, args.clients, 100):
        batch = [
            connect(f"ws://127.0.0.1:{port}/sub", max_queue=None)
            for _ in range(min(100, args.clients - start))
        ]
        opened = await asyncio.gather(*batch)
        for ws in opened:
            assert await ws.recv() == "ready"
        sockets.extend(opened)
    await asyncio.sleep(1)
    after = {pid: rss_kib(pid) for pid in workers(server)}
    per_client = (sum(after.values()) - sum(before.values())) / args.clients

    delays: list[float] = []
    received = [0] * len(sockets)

    async def listen(index: int, ws: object) -> None:
        async for data in ws:  # type: ignore[attr-defined]
            delays.append(time.monotonic() - float(data))
            received[index] += 1

    listeners = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(sockets)]
    for _ in range(args.messages):
        await http_post(port, repr(time.monotonic()))
        await asyncio.sleep(args.gap)
    target = args.messages
    async with asyncio.timeout(60):
        while min(received) < target:
            await asyncio.sleep(0.01)
    latency = sorted(delays)

    started = time.monotonic()
    for _ in range(args.burst):  # back to back, each publish acknowledged
        await http_post(port, repr(time.monotonic()))
    target += args.burst
    try:
        async with asyncio.timeout(120):
            while min(received) < target:
                await asyncio.sleep(0.005)
    except TimeoutError:
        short = sum(1 for count in received if count < target)
        raise SystemExit(
            f"{short} subscribers missed messages: {min(received)} of {target}"
        ) from None
    elapsed = time.monotonic() - started
    for task in listeners:
        task.cancel()
    for ws in sockets:
        await ws.close()

    def ms(value: float) -> str:
        return f"{value * 1000:.1f} ms"

    print(f"subscribers: {args.clients} over {args.workers} workers, Redis channels")
    print(
        f"latency ({args.messages} messages x {args.clients} = {len(latency)} deliveries):"
        f" p50 {ms(statistics.median(latency))},"
        f" p99 {ms(latency[int(len(latency) * 0.99) - 1])}, max {ms(latency[-1])}"
    )
    deliveries = args.burst * args.clients
    print(
        f"throughput (burst of {args.burst}): {deliveries} deliveries in {elapsed:.2f} s ="
        f" {deliveries / elapsed:,.0f} deliveries/s ({args.burst / elapsed:,.1f} messages/s"
        " fanned out to every subscriber)"
    )
    print(f"memory: {per_client:.1f} KiB per subscriber (worker RSS growth / subscribers)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--gap", type=float, default=0.05)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "tests"))
    from redis_server import RedisServer

    with tempfile.TemporaryDirectory() as directory:
        redis = RedisServer(Path(directory))
        redis.start()
        port = _free_port()
        env = {**os.environ, "FANOUT_REDIS_URL": redis.url, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "hypercorn", "--workers", str(args.workers)]
            + ["--bind", f"127.0.0.1:{port}", "--backlog", "2048", "bench.fanout:app"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            _wait_for_port(port)
            asyncio.run(drive(port, server.pid, args))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
            redis.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("hypercorn did not start")


if __name__ == "__main__":
    main()
