"""``make soak``: load and shutdown on real servers, loopback only, bounded.

Not part of ``make test`` or CI (minutes of load). Each scenario serves
``tools/soak/soak_app.py`` in a child process on 127.0.0.1 (Hypercorn and
uvicorn), drives it with raw asyncio sockets (10,000 connections need a lean
client), reads the server's own RSS, descriptors and tasks from its
``/_stats`` view, and prints a report:

1. slow requests: N concurrent requests held in their views (default 10,000),
   three rounds: RSS per request in flight, and RSS after each round (a
   plateau, not growth);
2. uploads the view never reads: 1,000 clients each sending an 8 MiB body as
   fast as the server lets them; what the server holds per upload
   (backpressure), and how much each client got to send;
3. a 60 s mixed soak (HTTP, streaming, websockets, clients that abort):
   descriptors, tasks and RSS after warm-up and after every 10 s of load;
4. SIGTERM while 500 requests and 100 websockets are in flight (app.run and
   uvicorn), plus requests longer than Hypercorn's graceful timeout.

Every count and every wait is bounded; the whole run stops after
``--budget`` seconds. ``python tools/soak/run.py --help`` for the knobs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import shutdown_driver  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

UPLOAD_SIZE = 8 * 1024 * 1024
CHUNK = 64 * 1024


def log(message: str) -> None:
    """Progress, on stderr (the report goes to stdout)."""
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def raise_fd_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target, hard


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_argv(kind: str, port: int) -> list[str]:
    if kind == "hypercorn":
        return [
            sys.executable, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}",
            "--backlog", "4096", "--keep-alive", "5", "soak_app:app",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", "soak_app:app", "--host", "127.0.0.1",
        "--port", str(port), "--backlog", "4096", "--log-level", "warning",
        "--no-access-log",
    ]  # fmt: skip


@contextlib.asynccontextmanager
async def serving(kind: str) -> AsyncIterator[int]:
    """Run the soak app on ``kind`` in its own process group; yield the port."""
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        server_argv(kind, port), cwd=HERE, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                await stats(port)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"{kind} did not start: {log.read().decode()}") from None
                await asyncio.sleep(0.1)
        yield port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
        log.close()


async def http(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request on its own connection (Connection: close)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 60)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head, _, content = data.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        content = _dechunk(content)
    return int(head.split(b" ", 2)[1]), content


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


async def stats(port: int) -> dict[str, int]:
    status, body = await http(port, "GET", "/_stats")
    assert status == 200, body
    result: dict[str, int] = json.loads(body)
    return result


async def settle(port: int, baseline: dict[str, int], seconds: float = 30) -> dict[str, int]:
    """Stats once nothing is in flight and descriptors and tasks are back to
    the baseline (or ``seconds`` have passed)."""
    deadline = time.monotonic() + seconds
    while True:
        now = await stats(port)
        done = now["in_flight"] == 0 and now["fds"] <= baseline["fds"]
        if (done and now["tasks"] <= baseline["tasks"]) or time.monotonic() > deadline:
            return now
        await asyncio.sleep(0.25)


# -- 1. slow requests ------------------------------------------------------------


async def _open_held(port: int, count: int, request: bytes) -> tuple[list[Any], list[str]]:
    """``count`` connections each sending ``request``; (streams, errors)."""
    gate = asyncio.Semaphore(500)  # connects in flight at once (the accept backlog)
    errors: list[str] = []

    async def one() -> Any:
        async with gate:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=4096)
                writer.write(request)
                await writer.drain()
                return reader, writer
            except OSError as error:
                errors.append(type(error).__name__)
                return None

    streams = [s for s in await asyncio.gather(*(one() for _ in range(count))) if s is not None]
    return streams, errors


async def _wait_in_flight(port: int, count: int, seconds: float) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while True:
        now = await stats(port)
        if now["in_flight"] >= count or time.monotonic() > deadline:
            return now
        await asyncio.sleep(0.25)


async def _finish(streams: list[Any], expect: bytes) -> int:
    """Read every response up to ``expect`` (its body) and close; how many
    were 200 with that body. (Not to the end: a server that answered before
    the upload ended may keep reading the rest of the body.)"""

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        try:
            data = await asyncio.wait_for(reader.readuntil(expect), 60)
            return data.startswith(b"HTTP/1.1 200")
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return False
        finally:
            if writer.transport.get_write_buffer_size():
                writer.transport.abort()  # An upload cut short: close() would wait for it.
            else:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    return sum(await asyncio.gather(*(one(r, w) for r, w in streams)))


async def slow_requests(kind: str, count: int, rounds: int) -> dict[str, Any]:
    async with serving(kind) as port:
        for _ in range(20):  # warm up: imports, caches, the first responses
            await http(port, "GET", "/hello")
        baseline = await settle(port, await stats(port), 2)
        out: dict[str, Any] = {"server": kind, "count": count, "rounds": []}
        request = b"GET /hold HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        for number in range(rounds):
            log(f"{kind}: slow requests, round {number + 1}: opening {count}")
            before = await settle(port, baseline)
            started = time.monotonic()
            streams, errors = await _open_held(port, count, request)
            during = await _wait_in_flight(port, len(streams), 120)
            opened_in = time.monotonic() - started
            await http(port, "POST", "/_release")
            ok = await _finish(streams, b"ok")
            after = await settle(port, before)
            held = max(during["in_flight"], 1)
            out["rounds"].append(
                {
                    "in_flight": during["in_flight"],
                    "connect_errors": len(errors),
                    "opened_in_s": round(opened_in, 1),
                    "rss_before_kib": before["rss_kib"],
                    "rss_during_kib": during["rss_kib"],
                    "rss_after_kib": after["rss_kib"],
                    "kib_per_request": round((during["rss_kib"] - before["rss_kib"]) / held, 1),
                    "answered_200": ok,
                    "fds_before_after": (before["fds"], after["fds"]),
                    "tasks_before_after": (before["tasks"], after["tasks"]),
                }
            )
        return out


# -- 2. uploads never read -------------------------------------------------------------


async def unread_uploads(kind: str, count: int) -> dict[str, Any]:
    async with serving(kind) as port:
        await http(port, "GET", "/hello")
        before = await settle(port, await stats(port), 2)
        head = (
            f"POST /ignore HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Length: {UPLOAD_SIZE}\r\n\r\n"
        ).encode()
        log(f"{kind}: {count} unread uploads")
        streams, errors = await _open_held(port, count, head)
        sent = [0] * len(streams)
        chunk = b"x" * CHUNK

        async def push(index: int, writer: asyncio.StreamWriter) -> None:
            """Write until the server stops taking data for 2 s (or all is sent)."""
            while sent[index] < UPLOAD_SIZE:
                writer.write(chunk)
                try:
                    await asyncio.wait_for(writer.drain(), 2)
                except TimeoutError:
                    return
                except OSError:
                    return
                sent[index] += len(chunk)

        await asyncio.gather(*(push(i, w) for i, (_, w) in enumerate(streams)))
        log(f"{kind}: uploads held, {sum(sent) // 2**20} MiB sent")
        during = await _wait_in_flight(port, len(streams), 30)
        log(f"{kind}: {during['in_flight']} in flight; releasing")
        await http(port, "POST", "/_release")
        ok = await _finish(streams, b"ignored")
        log(f"{kind}: {ok} answered")
        after = await settle(port, before)
        held = max(during["in_flight"], 1)
        return {
            "server": kind,
            "count": count,
            "connect_errors": len(errors),
            "in_flight": during["in_flight"],
            "client_sent_mib_total": round(sum(sent) / 2**20, 1),
            "client_sent_kib_per_upload_max": max(sent, default=0) // 1024,
            "rss_before_kib": before["rss_kib"],
            "rss_during_kib": during["rss_kib"],
            "rss_after_kib": after["rss_kib"],
            "kib_per_upload": round((during["rss_kib"] - before["rss_kib"]) / held, 1),
            "answered_200": ok,
            "fds_before_during_after": (before["fds"], during["fds"], after["fds"]),
            "tasks_before_during_after": (before["tasks"], during["tasks"], after["tasks"]),
        }


# -- 3. mixed soak ----------------------------------------------------------------------


async def _mixed_client(port: int, kind: int) -> None:
    if kind == 0:
        assert (await http(port, "GET", "/hello")) == (200, b"hello")
    elif kind == 1:
        status, body = await http(port, "GET", "/stream?n=20")
        assert (status, len(body)) == (200, 20 * 1024)
    elif kind == 2:
        async with connect(f"ws://127.0.0.1:{port}/ws", ping_interval=None) as ws:
            for index in range(5):
                await ws.send(f"m{index}")
                assert await ws.recv() == f"m{index}"
    elif kind == 3:  # aborts halfway through its body
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        writer.write(b"x" * 1000)
        await writer.drain()
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    elif kind == 4:  # leaves a stream after its first chunk
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /stream?n=500 HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        await reader.read(1024)
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    elif kind == 5:  # a websocket that vanishes without a close frame
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        writer.transport.abort()
    else:
        status, body = await http(port, "POST", "/echo", b"y" * 10_000)
        assert (status, len(body)) == (200, 10_000)


async def _load(port: int, seconds: float, workers: int, counts: list[int]) -> None:
    stop = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        turn = offset
        while time.monotonic() < stop:
            kind = turn % 7
            turn += 1
            try:
                await asyncio.wait_for(_mixed_client(port, kind), 30)
                counts[kind] += 1
            except (OSError, TimeoutError, AssertionError, Exception):
                counts[7] += 1

    await asyncio.gather(*(worker(i) for i in range(workers)))


async def mixed(kind: str, seconds: float, workers: int) -> dict[str, Any]:
    async with serving(kind) as port:
        log(f"{kind}: mixed soak, {seconds:.0f} s")
        counts = [0] * 8
        start = await stats(port)
        warm_up = min(10.0, seconds / 6)
        await _load(port, warm_up, workers, counts)
        warmed = await settle(port, start, 10)
        samples = []
        remaining = seconds - warm_up
        while remaining > 0:
            step = min(10.0, remaining)
            await _load(port, step, workers, counts)
            remaining -= step
            samples.append(await settle(port, warmed, 10))
        names = ["hello", "stream", "websocket", "abort-body", "abort-stream", "ws-vanish", "echo"]
        return {
            "server": kind,
            "seconds": seconds,
            "workers": workers,
            "clients": dict(zip(names, counts[:7], strict=True)),
            "client_errors": counts[7],
            "after_warm_up": warmed,
            "every_10s": samples,
        }


# -- 4. shutdown ----------------------------------------------------------------------


async def shutdown(kind: str, requests: int, websockets: int, seconds: float) -> dict[str, Any]:
    log(f"{kind}: SIGTERM with {requests} requests ({seconds} s) and {websockets} websockets")
    port = free_port()
    if kind == "app.run":
        argv = [sys.executable, str(shutdown_driver.APP), str(port)]
    else:
        argv = [
            sys.executable, "-m", "uvicorn", "shutdown_app:app", "--port", str(port),
            "--backlog", "4096", "--log-level", "warning",
        ]  # fmt: skip
    with tempfile.TemporaryDirectory() as workdir:
        result = await shutdown_driver.shutdown_under_load(
            argv, port, Path(workdir), requests, websockets, seconds, bound=120
        )
    events = result.events
    last_handler = max(
        (i for i, e in enumerate(events) if e.startswith(("request end", "websocket teardown"))),
        default=-1,
    )
    codes: dict[str, int] = {}
    for code in result.close_codes:
        codes[str(code)] = codes.get(str(code), 0) + 1
    outcomes: dict[str, int] = {}
    for outcome in result.requests:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {
        "server": kind,
        "requests": requests,
        "request_seconds": seconds,
        "websockets": websockets,
        "request_outcomes": outcomes,
        "websocket_close_codes": codes,
        "accepted_after_signal": result.accepted_after_signal,
        "refused_after_signal": result.refused_after_signal,
        "after_serving_after_last_handler": bool(events)
        and events[-1] == "after_serving"
        and last_handler < len(events) - 1,
        "exit_code": result.exit_code,
        "seconds_to_exit": round(result.seconds_to_exit, 2),
        "tracebacks_in_server_output": result.output.count("Traceback"),
    }


# -- the report -------------------------------------------------------------------------


def _print_section(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n== {title}")
    for row in rows:
        print(json.dumps(row, default=str))


async def main(args: argparse.Namespace) -> int:
    soft, hard = raise_fd_limit()
    servers = args.servers.split(",")
    print(
        f"soak {datetime.date.today()} on {platform.node()} ({os.cpu_count()} CPUs),"
        f" Python {platform.python_version()}, RLIMIT_NOFILE {soft}/{hard}"
    )
    needed = args.slow + 100
    if needed > soft:
        print(f"!! {args.slow} connections need about {needed} descriptors per process;"
              f" the limit is {soft}: using {soft - 100}")  # fmt: skip
        args.slow = soft - 100
    report: dict[str, Any] = {}
    async with asyncio.timeout(args.budget):
        if "slow" in args.only:
            report["slow"] = [await slow_requests(s, args.slow, args.rounds) for s in servers]
            _print_section(
                f"{args.slow} concurrent slow requests, {args.rounds} rounds", report["slow"]
            )
        if "uploads" in args.only:
            report["uploads"] = [await unread_uploads(s, args.uploads) for s in servers]
            _print_section(f"{args.uploads} uploads the view never reads", report["uploads"])
        if "mixed" in args.only:
            report["mixed"] = [await mixed(s, args.mixed_seconds, args.workers) for s in servers]
            _print_section(f"{args.mixed_seconds:.0f} s mixed soak", report["mixed"])
        if "shutdown" in args.only:
            report["shutdown"] = [
                await shutdown(s, args.shutdown_requests, args.shutdown_websockets, 2.0)
                for s in ("app.run", "uvicorn")
            ]
            # Longer than Hypercorn's 3 s graceful timeout: what do clients see?
            report["shutdown"].append(await shutdown("app.run", 5, 0, 6.0))
            _print_section("SIGTERM under load", report["shutdown"])
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))
    return 0


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=10_000, help="concurrent slow requests")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--uploads", type=int, default=1_000)
    parser.add_argument("--mixed-seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=40, help="mixed soak clients at once")
    parser.add_argument("--shutdown-requests", type=int, default=500)
    parser.add_argument("--shutdown-websockets", type=int, default=100)
    parser.add_argument("--servers", default="hypercorn,uvicorn")
    parser.add_argument("--only", default="slow,uploads,mixed,shutdown")
    parser.add_argument("--budget", type=float, default=1200, help="seconds for the whole run")
    parser.add_argument("--json", help="also write the report to this file")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
