"""What response compression costs (quart.compression).

Two tables, in-process, on this package:

1. **Codecs**: each installed algorithm at a few levels compressing a 1 MiB
   text corpus (JSON and HTML, generated here, deterministic): ms per MB of
   input, MB/s and the ratio. ``one-shot`` is a body in memory; ``stream``
   is the same MiB as 16 chunks of 64 KiB, flushed after each chunk (what a
   streamed response pays).
2. **100 KB JSON response**: one ``GET`` answered with ~100 KB of JSON (made
   once, so ``json.dumps`` is not in the figures) through
   the whole app (the ``inproc.py`` way: ``await app(scope, receive, send)``),
   with compression off, and on for each algorithm at its default level:
   µs per request, requests per second on one core, and bytes sent.

Not a test and not in CI::

    make bench-compress                          # ~30 s
    .venv/bin/python bench/compress.py --quick   # a few seconds
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

LEVELS = {"gzip": (1, 6, 9), "br": (1, 4, 6, 9), "zstd": (1, 3, 9)}


def corpus(size: int = 1024 * 1024) -> bytes:
    """About ``size`` bytes of JSON records and HTML rows (deterministic)."""
    parts = []
    total = 0
    index = 0
    while total < size:
        record = {
            "id": index,
            "name": f"user {index * 7919 % 10007}",
            "email": f"user{index * 31 % 997}@example.com",
            "tags": ["alpha", "beta", "gamma"][: index % 3 + 1],
            "score": (index * 2654435761) % 1000 / 10,
        }
        part = json.dumps(record) + f"\n<tr><td>{index}</td><td>{record['name']}</td></tr>\n"
        parts.append(part)
        total += len(part)
        index += 1
    return "".join(parts).encode()[:size]


def best_of(rounds: int, func: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def codec_table(rounds: int) -> list[dict[str, Any]]:
    from quart.compression import _codec
    from quart.compression import available_algorithms

    data = corpus()
    mb = len(data) / 1e6
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    rows = []
    for name in available_algorithms():
        codec = _codec(name)
        assert codec is not None
        for level in LEVELS[name]:
            size = len(codec.one_shot(data, level))
            one = best_of(rounds, lambda codec=codec, level=level: codec.one_shot(data, level))

            def streamed(codec: Any = codec, level: int = level) -> int:
                stream = codec.stream(level, True)
                out = sum(len(stream.compress(chunk)) for chunk in chunks)
                return out + len(stream.finish())

            stream_size = streamed()
            many = best_of(rounds, streamed)
            rows.append(
                {
                    "algorithm": name,
                    "level": level,
                    "ms_per_mb": one * 1000 / mb,
                    "mb_s": mb / one,
                    "ratio": len(data) / size,
                    "stream_ms_per_mb": many * 1000 / mb,
                    "stream_ratio": len(data) / stream_size,
                }
            )
    return rows


def make_app(algorithm: str | None) -> Any:
    """The bench app: ``GET /json`` answers ~100 KB of JSON, serialised once
    (so the figures are the framework's and the compression's, not ``json.dumps``'s)."""
    from quart import Quart
    from quart import Response

    app = Quart("compress_bench")
    app.config["COMPRESS_ENABLED"] = algorithm is not None
    items = [
        {"id": index, "name": f"item {index}", "price": index * 1.25, "tags": ["a", "b"]}
        for index in range(1420)
    ]
    body = json.dumps({"items": items}).encode()

    @app.get("/json")
    async def json_view() -> Any:
        return Response(body, mimetype="application/json")

    return app


class _Exchange:
    def __init__(self) -> None:
        self.status = 0
        self.sent = 0
        self.received = False
        self.done = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if not self.received:
            self.received = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            self.sent += len(message.get("body", b""))
            if not message.get("more_body", False):
                self.done.set()


def response_table(rounds: int, n: int) -> list[dict[str, Any]]:
    from quart.compression import available_algorithms

    rows = []
    loop = asyncio.new_event_loop()
    try:
        for algorithm in [None, *available_algorithms()]:
            app = make_app(algorithm)
            accept = algorithm.encode() if algorithm else b"identity"
            scope = {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": "/json",
                "raw_path": b"/json",
                "query_string": b"",
                "root_path": "",
                "headers": [(b"host", b"bench"), (b"accept-encoding", accept)],
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 80),
            }
            sent = 0

            async def batch(count: int, app: Any = app, scope: Any = scope) -> None:
                nonlocal sent
                for _ in range(count):
                    exchange = _Exchange()
                    await app(dict(scope), exchange.receive, exchange.send)
                    if exchange.status != 200:
                        raise RuntimeError(f"status {exchange.status}")
                    sent = exchange.sent

            loop.run_until_complete(batch(20))  # warm up
            seconds = best_of(rounds, lambda: loop.run_until_complete(batch(n)))
            rows.append(
                {
                    "compression": algorithm or "off",
                    "us": seconds / n * 1e6,
                    "rps": n / seconds,
                    "bytes": sent,
                }
            )
    finally:
        loop.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    rounds, n = (2, 50) if args.quick else (5, 300)
    codecs = codec_table(rounds)
    print("## Compression cost per MB (1 MiB of JSON and HTML)\n")
    print("| algorithm | level | ms/MB | MB/s | ratio | streamed ms/MB | streamed ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in codecs:
        print(
            f"| {row['algorithm']} | {row['level']} | {row['ms_per_mb']:.1f} |"
            f" {row['mb_s']:.0f} | {row['ratio']:.1f} | {row['stream_ms_per_mb']:.1f} |"
            f" {row['stream_ratio']:.1f} |"
        )
    responses = response_table(rounds, n)
    print("\n## A 100 KB JSON response, in-process\n")
    print("| compression | µs/request | requests/s | bytes sent |")
    print("|---|---:|---:|---:|")
    for row in responses:
        print(f"| {row['compression']} | {row['us']:.0f} | {row['rps']:.0f} | {row['bytes']:,} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"codecs": codecs, "responses": responses}))


if __name__ == "__main__":
    main()
