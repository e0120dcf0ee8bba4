"""OpenTelemetry spans named after the matched route.

``opentelemetry-instrumentation-asgi`` opens a span for each HTTP request and
websocket before the app runs, so it can only name it after the raw path
(``GET /users/42``): one span name per user, useless for grouping.
:func:`instrument` wraps the app in that middleware and, once the framework
has matched the route, renames the span after the rule and records the
endpoint::

    from quart.tracing import instrument

    instrument(app)   # spans: "GET /users/<int:id>", http.route, quart.endpoint

It works from the framework's signals (``request_started``,
``websocket_started``, ``got_request_exception``,
``got_websocket_exception``) connected to this app only, so other apps and
uninstrumented ones pay nothing. Needs ``pip install quart[otel]``
(``opentelemetry-api`` and ``opentelemetry-instrumentation-asgi``); configure
the SDK (tracer provider, exporter) as usual.
"""

from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING

from .globals import _cv_request
from .globals import _cv_websocket
from .globals import _given_or_current
from .signals import got_request_exception
from .signals import got_websocket_exception
from .signals import request_started
from .signals import websocket_started

if TYPE_CHECKING:
    from opentelemetry.trace import Span

    from .app import Quart
    from .wrappers import BaseRequestWebsocket

__all__ = ["ENDPOINT_ATTRIBUTE", "ROUTE_ATTRIBUTE", "instrument"]

#: The span attribute holding the matched rule (the root path included), as
#: OpenTelemetry's semantic conventions name it.
ROUTE_ATTRIBUTE = "http.route"
#: The span attribute holding the endpoint (``"users.show"``).
ENDPOINT_ATTRIBUTE = "quart.endpoint"

_EXTENSION = "quart.tracing"
# The methods OpenTelemetry's conventions name spans after; others are "HTTP".
_KNOWN_METHODS = frozenset(
    ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")
)


def instrument(app: Quart, *, wrap: bool = True, **middleware_options: Any) -> None:
    """Name ``app``'s request and websocket spans after their route.

    Each span is renamed once routing is done: ``"GET /users/<int:id>"`` for
    HTTP (the method and the rule, with the app's ``root_path`` in front, so a
    mounted app's spans show its prefix), ``"/ws/<room>"`` for a websocket
    (the instrumentation names websocket spans without a method), and just
    ``"GET"`` for a request no rule matched (OpenTelemetry's convention, which
    keeps a scan of random paths from making a span name each). It gets the
    attributes ``http.route`` (the rule) and ``quart.endpoint``; an error no
    error handler dealt with is recorded on it as an exception event.

    Calling this twice for one app does nothing more.

    :param app: The app.
    :param wrap: Wrap ``app.asgi_app`` in
        ``opentelemetry.instrumentation.asgi.OpenTelemetryMiddleware``. Pass
        ``False`` when something outside already opens the spans: a middleware
        of your own, or the main app of a :class:`~quart.middleware.DispatcherMiddleware`
        this app is mounted in (instrument the mounted app with ``wrap=False``
        and the main one normally).
    :param middleware_options: Passed to ``OpenTelemetryMiddleware``
        (``tracer_provider=``, ``excluded_urls=``...).
    """
    if _EXTENSION in app.extensions:
        return
    if wrap:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        app.asgi_app = OpenTelemetryMiddleware(  # type: ignore[method-assign, assignment]
            app.asgi_app, **middleware_options
        )
    request_started.connect(_request_started, sender=app)
    websocket_started.connect(_websocket_started, sender=app)
    got_request_exception.connect(_got_exception, sender=app)
    got_websocket_exception.connect(_got_exception, sender=app)
    app.extensions[_EXTENSION] = True


def _current_span() -> Span | None:
    from opentelemetry import trace

    span = trace.get_current_span()
    return span if span.is_recording() else None


def _name_span(connection: BaseRequestWebsocket, http: bool) -> None:
    span = _current_span()
    if span is None:
        return
    rule = connection.url_rule
    method = connection.method if connection.method in _KNOWN_METHODS else "HTTP"
    if rule is None:
        if http:
            span.update_name(method)
        return
    route = connection.root_path + rule.rule
    span.update_name(f"{method} {route}" if http else route)
    span.set_attribute(ROUTE_ATTRIBUTE, route)
    span.set_attribute(ENDPOINT_ATTRIBUTE, rule.endpoint)


def _request_started(sender: object, **extra: object) -> None:
    _name_span(_given_or_current(None, _cv_request).request, http=True)


def _websocket_started(sender: object, **extra: object) -> None:
    _name_span(_given_or_current(None, _cv_websocket).websocket, http=False)


def _got_exception(sender: object, exception: BaseException, **extra: object) -> None:
    span = _current_span()
    if span is not None:
        from opentelemetry.trace import Status
        from opentelemetry.trace import StatusCode

        span.record_exception(exception)
        span.set_status(Status(StatusCode.ERROR, f"{type(exception).__name__}: {exception}"))
