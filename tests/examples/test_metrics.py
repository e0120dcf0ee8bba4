"""The metrics example (examples/metrics): traffic, then a scrape of /metrics."""

from __future__ import annotations

import weakref
from collections.abc import Iterator

import pytest

from quart import Quart
from quart.testing import QuartClient

pytest.importorskip("prometheus_client")

from examples.metrics.app import create_app
from prometheus_client.parser import text_string_to_metric_families


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
def app() -> Quart:
    return create_app()


async def scrape(client: QuartClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = await response.get_data(as_text=True)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def labels(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())


async def test_request_counters_and_histogram(client: QuartClient) -> None:
    for id in (1, 2, 3):
        assert (await client.get(f"/items/{id}")).status_code == 200
    assert (await client.get("/items/101")).status_code == 404
    assert (await client.get("/no/such/page")).status_code == 404
    assert (await client.post("/")).status_code == 405
    metrics = await scrape(client)

    item = labels(method="GET", endpoint="item")
    assert metrics["http_requests_total", item | labels(status="200")] == 3
    assert metrics["http_requests_total", item | labels(status="404")] == 1
    assert metrics["http_requests_total", labels(method="GET", endpoint="none", status="404")] == 1
    assert metrics["http_requests_total", labels(method="POST", endpoint="none", status="405")] == 1
    assert metrics["http_request_duration_seconds_count", item] == 4
    assert metrics["http_request_duration_seconds_bucket", item | labels(le="+Inf")] == 4
    assert metrics["http_request_duration_seconds_sum", item] > 0


async def test_unhandled_errors_are_counted(client: QuartClient) -> None:
    assert (await client.get("/fail")).status_code == 500
    assert (await client.get("/fail")).status_code == 500
    metrics = await scrape(client)
    fail = labels(method="GET", endpoint="fail")
    assert metrics["http_request_exceptions_total", fail | labels(exception="RuntimeError")] == 2
    assert metrics["http_requests_total", fail | labels(status="500")] == 2


async def test_websocket_connections_and_messages(client: QuartClient) -> None:
    async with client.websocket("/ws/echo") as first:
        await first.send("hello")
        assert await first.receive() == "hello"
        metrics = await scrape(client)
        assert metrics["websocket_connections_active", labels(endpoint="echo")] == 1
        async with client.websocket("/ws/echo") as second:
            await second.send("again")
            assert await second.receive() == "again"
    metrics = await scrape(client)
    echo = labels(endpoint="echo")
    assert metrics["websocket_connections_total", echo] == 2
    assert metrics["websocket_connections_active", echo] == 0
    assert metrics["websocket_messages_total", echo | labels(direction="received")] == 2
    assert metrics["websocket_messages_total", echo | labels(direction="sent")] == 2


async def test_websocket_errors_are_counted(client: QuartClient) -> None:
    async with client.websocket("/ws/echo") as connection:
        await connection.send("boom")
        with pytest.raises(Exception):  # noqa: B017 - the close, whatever its class
            await connection.receive()
    metrics = await scrape(client)
    echo = labels(endpoint="echo")
    assert metrics["websocket_exceptions_total", echo | labels(exception="ValueError")] == 1
    assert metrics["websocket_connections_active", echo] == 0
