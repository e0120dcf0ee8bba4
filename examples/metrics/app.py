"""Request metrics from the framework's signals, exposed at /metrics for Prometheus.

Nothing in the views knows about metrics: :func:`collect_metrics` connects
receivers to this app's signals (``request_started``, ``request_finished``,
``got_request_exception``, ``websocket_started``, ``websocket_tearing_down``,
``got_websocket_exception``, ``websocket_received``, ``websocket_sent``) and
records them with ``prometheus-client``.

There is no module-level ``app``: the receivers are connected per app, and
an app made at import would keep them connected in every process that
imports this module. Run it::

    .venv/bin/hypercorn "examples.metrics.app:create_app()"
    curl http://127.0.0.1:8000/items/1; curl http://127.0.0.1:8000/metrics

Across several worker processes each worker has its own counters: use
prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) or scrape
each worker.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import generate_latest
from prometheus_client import Histogram

from quart import abort
from quart import current_app
from quart import g
from quart import Quart
from quart import request
from quart import Response
from quart import websocket
from quart.signals import got_request_exception
from quart.signals import got_websocket_exception
from quart.signals import request_finished
from quart.signals import request_started
from quart.signals import websocket_received
from quart.signals import websocket_sent
from quart.signals import websocket_started
from quart.signals import websocket_tearing_down

#: The label of requests no rule matched (keeps random paths out of the labels).
UNMATCHED = "none"


def collect_metrics(app: Quart, registry: CollectorRegistry) -> None:
    """Record ``app``'s requests and websockets in ``registry``, from signals."""
    requests_total = Counter(
        "http_requests",
        "HTTP requests answered.",
        ["method", "endpoint", "status"],
        registry=registry,
    )
    duration = Histogram(
        "http_request_duration_seconds",
        "Time from request_started to request_finished (before the body is sent).",
        ["method", "endpoint"],
        registry=registry,
    )
    exceptions = Counter(
        "http_request_exceptions",
        "Errors no error handler dealt with (answered 500).",
        ["method", "endpoint", "exception"],
        registry=registry,
    )
    ws_total = Counter(
        "websocket_connections", "Websockets opened.", ["endpoint"], registry=registry
    )
    ws_active = Gauge(
        "websocket_connections_active", "Websockets open now.", ["endpoint"], registry=registry
    )
    ws_exceptions = Counter(
        "websocket_exceptions",
        "Websocket errors no error handler dealt with.",
        ["endpoint", "exception"],
        registry=registry,
    )
    ws_messages = Counter(
        "websocket_messages", "Websocket messages.", ["endpoint", "direction"], registry=registry
    )

    def endpoint(connection: Any) -> str:
        return connection.endpoint or UNMATCHED

    def on_request_started(sender: Quart, **extra: Any) -> None:
        g._metrics_started = time.perf_counter()

    def on_request_finished(sender: Quart, response: Response, **extra: Any) -> None:
        labels = (request.method, endpoint(request))
        requests_total.labels(*labels, str(response.status_code)).inc()
        duration.labels(*labels).observe(time.perf_counter() - g._metrics_started)

    def on_request_exception(sender: Quart, exception: BaseException, **extra: Any) -> None:
        exceptions.labels(request.method, endpoint(request), type(exception).__name__).inc()

    def on_websocket_started(sender: Quart, **extra: Any) -> None:
        g._metrics_endpoint = endpoint(websocket)
        ws_total.labels(g._metrics_endpoint).inc()
        ws_active.labels(g._metrics_endpoint).inc()

    def on_websocket_tearing_down(sender: Quart, **extra: Any) -> None:
        if "_metrics_endpoint" in g:
            ws_active.labels(g._metrics_endpoint).dec()

    def on_websocket_exception(sender: Quart, exception: BaseException, **extra: Any) -> None:
        ws_exceptions.labels(endpoint(websocket), type(exception).__name__).inc()

    # websocket_received and websocket_sent have the message as their sender,
    # so they are connected for every app: count this app's only. They are
    # async so they run inline: these two signals run a plain receiver in a
    # thread (as Quart does), a thread hop per message.
    async def on_received(message: Any, **extra: Any) -> None:
        if current_app._get_current_object() is app:  # type: ignore[attr-defined]
            ws_messages.labels(endpoint(websocket), "received").inc()

    async def on_sent(message: Any, **extra: Any) -> None:
        if current_app._get_current_object() is app:  # type: ignore[attr-defined]
            ws_messages.labels(endpoint(websocket), "sent").inc()

    # weak=False: blinker keeps only weak references to receivers by default,
    # and these closures have no other owner.
    request_started.connect(on_request_started, sender=app, weak=False)
    request_finished.connect(on_request_finished, sender=app, weak=False)
    got_request_exception.connect(on_request_exception, sender=app, weak=False)
    websocket_started.connect(on_websocket_started, sender=app, weak=False)
    websocket_tearing_down.connect(on_websocket_tearing_down, sender=app, weak=False)
    got_websocket_exception.connect(on_websocket_exception, sender=app, weak=False)
    websocket_received.connect(on_received, weak=False)
    websocket_sent.connect(on_sent, weak=False)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def create_app() -> Quart:
    """A small app with its metrics at ``/metrics`` (a registry of its own)."""
    app = Quart(__name__)
    collect_metrics(app, CollectorRegistry())

    @app.get("/")
    async def index() -> str:
        return "Hello, metrics!\n"

    @app.get("/items/<int:id>")
    async def item(id: int) -> dict[str, int]:
        if id > 100:
            abort(404)
        return {"id": id}

    @app.get("/fail")
    async def fail() -> str:
        raise RuntimeError("something broke")

    @app.websocket("/ws/echo")
    async def echo() -> None:
        while True:
            message = await websocket.receive()
            if message == "boom":
                raise ValueError("bad message")
            await websocket.send(message)

    return app
