"""What the fuzz targets share: running ASGI calls on one event loop, and the
allow-list of documented outcomes.

A target feeds fuzz bytes to one part of the framework; an exception that is
not on the allow-list, or a 5xx response, is a finding (libFuzzer saves the
input as ``crash-*``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import atheris

with atheris.instrument_imports(include=["quart", "werkzeug", "itsdangerous", "flask"]):
    import werkzeug.formparser
    import werkzeug.http
    import werkzeug.routing
    import werkzeug.sansio.multipart  # noqa: F401

    import quart  # noqa: F401

_loop = asyncio.new_event_loop()


def run(coroutine: Any) -> Any:
    """Run ``coroutine`` to completion on the harness's loop (with a bound, so
    a hang is a finding rather than a stuck fuzzer)."""

    async def bounded() -> Any:
        async with asyncio.timeout(10):
            return await coroutine

    return _loop.run_until_complete(bounded())


class Finding(Exception):
    """An outcome the framework documents as impossible."""


async def asgi_call(
    app: Any, scope: dict[str, Any], chunks: list[bytes]
) -> tuple[int, list[dict[str, Any]]]:
    """Call ``app`` with ``scope`` and the body ``chunks``; the response status
    and every message sent."""
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ] or [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    try:
        await app(scope, receive, send)
    finally:
        done.set()
    starts = [m for m in sent if m["type"] == "http.response.start"]
    if len(starts) != 1:
        raise Finding(f"{len(starts)} response starts: {sent!r}")
    return int(starts[0]["status"]), sent


def http_scope(
    path: str = "/",
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    query_string: bytes = b"",
    raw_path: bytes | None = None,
) -> dict[str, Any]:
    """An ASGI http scope, as a server builds it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path if raw_path is not None else path.encode("utf-8", "surrogateescape"),
        "query_string": query_string,
        "root_path": "",
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "extensions": {},
    }


def check_status(status: int, allowed: set[int] | None = None) -> None:
    """A 5xx (or a status outside ``allowed``) is a finding."""
    if status >= 500 or (allowed is not None and status not in allowed):
        raise Finding(f"status {status}")


def main(test_one_input: Callable[[bytes], None]) -> None:
    """Hand the target to libFuzzer (``sys.argv`` holds libFuzzer's flags)."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
