"""quart.tracing over a real server: Hypercorn on 127.0.0.1, the in-memory exporter."""

from __future__ import annotations

import asyncio
import http.client
import weakref
from collections.abc import Iterator

import e2e_servers
import pytest
import websockets

from quart import Quart
from quart import websocket
from quart.tracing import instrument

pytest.importorskip("opentelemetry.instrumentation.asgi")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind


@pytest.fixture(autouse=True)
def _disconnect_new_receivers() -> Iterator[None]:
    """Disconnect the receivers a test connected (blinker keeps a receiver
    connected for an app listed after the app is gone, and every app would
    then send that signal)."""
    from quart import signals

    every = [getattr(signals, name) for name in signals.__all__ if name != "signals_available"]
    every = [signal for signal in every if isinstance(signal, signals.QuartSignal)]
    before = {signal: set(signal.receivers) for signal in every}
    yield
    for signal, known in before.items():
        for receiver_id in set(signal.receivers) - known:
            receiver = signal.receivers[receiver_id]
            signal.disconnect(receiver() if isinstance(receiver, weakref.ref) else receiver)


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


async def test_spans_over_hypercorn() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = Quart(__name__)

    @app.route("/users/<int:id>")
    async def user(id: int) -> str:
        return f"user {id}"

    @app.websocket("/ws/<room>")
    async def chat(room: str) -> None:
        await websocket.send(f"room {room}")

    instrument(app, tracer_provider=provider)
    async with e2e_servers.hypercorn_server(app) as port:
        assert await asyncio.to_thread(_get, port, "/users/42") == 200
        async with asyncio.timeout(10):
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/den") as connection:
                assert await connection.recv() == "room den"
    names = sorted(
        span.name for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER
    )
    assert names == ["/ws/<room>", "GET /users/<int:id>"]
