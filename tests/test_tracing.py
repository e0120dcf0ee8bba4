"""quart.tracing: OpenTelemetry spans named after the matched route,
checked with the SDK's in-memory exporter."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from quart import Quart
from quart import websocket
from quart.middleware import DispatcherMiddleware
from quart.tracing import instrument

pytest.importorskip("opentelemetry.instrumentation.asgi")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.trace import StatusCode


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


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _app() -> Quart:
    app = Quart(__name__)

    @app.route("/users/<int:id>")
    async def user(id: int) -> str:
        return f"user {id}"

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("kaput")

    @app.websocket("/ws/<room>")
    async def chat(room: str) -> None:
        await websocket.send(f"room {room}")

    return app


def server_spans(exporter: InMemorySpanExporter) -> list[Any]:
    return [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]


async def test_http_span_is_named_after_the_rule(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    app = _app()
    instrument(app, tracer_provider=provider)
    client = app.test_client()
    assert (await client.get("/users/7")).status_code == 200
    assert (await client.get("/users/8")).status_code == 200
    spans = server_spans(exporter)
    assert [span.name for span in spans] == ["GET /users/<int:id>"] * 2
    assert spans[0].attributes["http.route"] == "/users/<int:id>"
    assert spans[0].attributes["quart.endpoint"] == "user"


async def test_unmatched_request_span_is_named_after_the_method(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    app = _app()
    instrument(app, tracer_provider=provider)
    assert (await app.test_client().get("/no/such/page")).status_code == 404
    (span,) = server_spans(exporter)
    assert span.name == "GET"
    assert "quart.endpoint" not in span.attributes


async def test_unhandled_error_is_recorded_on_the_span(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    app = _app()
    instrument(app, tracer_provider=provider)
    assert (await app.test_client().get("/boom")).status_code == 500
    (span,) = server_spans(exporter)
    assert span.name == "GET /boom"
    assert span.status.status_code == StatusCode.ERROR
    (event,) = [event for event in span.events if event.name == "exception"]
    assert event.attributes["exception.type"] == "ValueError"
    assert event.attributes["exception.message"] == "kaput"


async def test_websocket_span_is_named_after_the_rule(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    app = _app()
    instrument(app, tracer_provider=provider)
    async with app.test_client().websocket("/ws/lobby") as connection:
        assert await connection.receive() == "room lobby"
    (span,) = server_spans(exporter)
    assert span.name == "/ws/<room>"
    assert span.attributes["http.route"] == "/ws/<room>"
    assert span.attributes["quart.endpoint"] == "chat"


async def test_instrumenting_twice_wraps_once(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    app = _app()
    instrument(app, tracer_provider=provider)
    instrument(app, tracer_provider=provider)
    await app.test_client().get("/users/1")
    assert len(server_spans(exporter)) == 1


async def test_uninstrumented_apps_are_left_alone(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    instrumented, plain = _app(), _app()
    instrument(instrumented, tracer_provider=provider)
    # Spans opened around the plain app by hand keep the instrumentation's names.
    plain.asgi_app = OpenTelemetryMiddleware(plain.asgi_app, tracer_provider=provider)  # type: ignore[method-assign]
    await plain.test_client().get("/users/3")
    assert [span.name for span in server_spans(exporter)] == ["GET /users/3"]


async def test_mounted_app_spans_carry_the_prefix(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    main, sub = Quart("main"), _app()
    instrument(sub, wrap=False)  # The main app's middleware opens the spans.
    main.asgi_app = DispatcherMiddleware(main.asgi_app, {"/v2": sub})  # type: ignore[method-assign]
    instrument(main, tracer_provider=provider)
    assert (await main.test_client().get("/v2/users/5")).status_code == 200
    (span,) = server_spans(exporter)
    assert span.name == "GET /v2/users/<int:id>"
    assert span.attributes["http.route"] == "/v2/users/<int:id>"
