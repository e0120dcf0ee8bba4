"""The usage examples of the signals documentation (the seed document),
run as written against this framework.

Each example is kept verbatim in a string (only trailing spaces removed) and
executed in a namespace holding stubs for the names it uses without
defining or importing them (``metrics``, ``error_tracker``, ``request``...).
The tests then drive the app the example built and check that every
receiver ran and did what the example says.

One example cannot run as written: the websocket one awaits inside a plain
``def`` receiver, which Python rejects at compile time. It is run with that
receiver made ``async def`` (receivers may be async); nothing else changed.
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jinja2 import DictLoader

import quart
from quart import Quart
from quart import signals
from quart.wrappers import Response

MONITORING_EXAMPLE = r"""\
from quart import Quart, g
from quart.signals import (
    request_started, request_finished, request_tearing_down,
    got_request_exception, appcontext_pushed, appcontext_popped
)
import time

app = Quart(__name__)

# Request timing and monitoring
@request_started.connect_via(app)
def on_request_start(sender, **extra):
    g.request_start_time = time.time()
    g.request_id = generate_request_id()

@request_finished.connect_via(app)
def on_request_finish(sender, response, **extra):
    duration = time.time() - g.request_start_time

    # Log request metrics
    metrics.record_request_duration(duration)
    metrics.increment(f'requests.status.{response.status_code}')

    # Add timing header
    response.headers['X-Response-Time'] = f'{duration:.3f}s'
    response.headers['X-Request-ID'] = g.request_id

@got_request_exception.connect_via(app)
def on_request_exception(sender, exception, **extra):
    # Log exception with context
    error_logger.error(
        f"Request {g.request_id} failed: {exception}",
        extra={
            'request_id': g.request_id,
            'path': request.path,
            'method': request.method,
            'user_agent': request.headers.get('User-Agent'),
            'duration': time.time() - g.request_start_time
        }
    )

    # Report to error tracking service
    error_tracker.capture_exception(exception, {
        'request_id': g.request_id,
        'request': {
            'url': request.url,
            'method': request.method,
            'headers': dict(request.headers)
        }
    })

@request_tearing_down.connect_via(app)
def cleanup_request(sender, exc=None, **extra):
    # Clean up request-specific resources
    if hasattr(g, 'database_connection'):
        g.database_connection.close()

    if hasattr(g, 'cache_client'):
        g.cache_client.disconnect()
"""

WEBSOCKET_EXAMPLE = r"""\
from quart import Quart, websocket
from quart.signals import (
    websocket_started, websocket_finished, websocket_tearing_down,
    got_websocket_exception
)

app = Quart(__name__)

# Track active WebSocket connections
active_websockets = set()
websocket_stats = {'total_connections': 0, 'active_connections': 0}

@websocket_started.connect_via(app)
def on_websocket_start(sender, **extra):
    active_websockets.add(websocket)
    websocket_stats['total_connections'] += 1
    websocket_stats['active_connections'] = len(active_websockets)

    # Log connection details
    app.logger.info(f"WebSocket connected from {websocket.remote_addr}, "
                   f"total active: {len(active_websockets)}")

@websocket_finished.connect_via(app)
def on_websocket_finish(sender, **extra):
    active_websockets.discard(websocket)
    websocket_stats['active_connections'] = len(active_websockets)

    app.logger.info(f"WebSocket disconnected, "
                   f"remaining active: {len(active_websockets)}")

@websocket_tearing_down.connect_via(app)
def cleanup_websocket(sender, exc=None, **extra):
    # Clean up WebSocket-specific resources
    if hasattr(g, 'websocket_subscriptions'):
        for subscription in g.websocket_subscriptions:
            subscription.unsubscribe()

@got_websocket_exception.connect_via(app)
async def on_websocket_exception(sender, exception, **extra):
    app.logger.error(f"WebSocket error: {exception}")

    # Attempt graceful cleanup
    try:
        await websocket.close(code=1011, reason="Internal server error")
    except:
        pass

@app.websocket('/ws/stats')
async def websocket_stats_endpoint():
    await websocket.accept()

    try:
        while True:
            await websocket.send_json(websocket_stats)
            await asyncio.sleep(5)
    except ConnectionClosed:
        pass
"""

TEMPLATE_EXAMPLE = r"""\
from quart import Quart, render_template
from quart.signals import before_render_template, template_rendered
import time
from collections import defaultdict, Counter

app = Quart(__name__)

# Template rendering statistics
template_stats = {
    'render_counts': Counter(),
    'render_times': defaultdict(list),
    'context_sizes': defaultdict(list)
}

@before_render_template.connect_via(app)
def on_before_render(sender, template, context, **extra):
    # Record template access
    template_stats['render_counts'][template.name] += 1

    # Store render start time in context
    context['_render_start'] = time.time()

    # Record context size
    context_size = len(str(context))
    template_stats['context_sizes'][template.name].append(context_size)

    # Add common template variables
    context['app_version'] = app.config.get('VERSION', '1.0.0')
    context['render_timestamp'] = time.time()

@template_rendered.connect_via(app)
def on_template_rendered(sender, template, context, **extra):
    # Calculate render time
    if '_render_start' in context:
        render_time = time.time() - context['_render_start']
        template_stats['render_times'][template.name].append(render_time)

        # Log slow templates
        if render_time > 0.1:  # 100ms threshold
            app.logger.warning(f"Slow template render: {template.name} "
                             f"took {render_time:.3f}s")

@app.route('/template-stats')
async def template_statistics():
    # Calculate statistics
    stats = {}
    for template_name in template_stats['render_counts']:
        times = template_stats['render_times'][template_name]
        sizes = template_stats['context_sizes'][template_name]

        stats[template_name] = {
            'render_count': template_stats['render_counts'][template_name],
            'avg_render_time': sum(times) / len(times) if times else 0,
            'max_render_time': max(times) if times else 0,
            'avg_context_size': sum(sizes) / len(sizes) if sizes else 0
        }

    return await render_template('template_stats.html', stats=stats)
"""

ERROR_TRACKING_EXAMPLE = r'''\
from quart import Quart, request
from quart.signals import (
    got_request_exception, got_websocket_exception,
    got_background_exception, got_serving_exception
)
from collections import deque
import asyncio

app = Quart(__name__)

# Error tracking
recent_errors = deque(maxlen=100)  # Keep last 100 errors
error_counts = Counter()

async def send_alert(error_type, exception, context=None):
    """Send alert for critical errors."""
    if app.config.get('ALERTS_ENABLED'):
        alert_data = {
            'type': error_type,
            'exception': str(exception),
            'timestamp': time.time(),
            'context': context or {}
        }

        # Send to monitoring service
        await monitoring_service.send_alert(alert_data)

@got_request_exception.connect_via(app)
def on_request_error(sender, exception, **extra):
    error_type = type(exception).__name__
    error_counts[error_type] += 1

    error_data = {
        'type': 'request_error',
        'exception': str(exception),
        'exception_type': error_type,
        'path': request.path,
        'method': request.method,
        'timestamp': time.time()
    }

    recent_errors.append(error_data)

    # Send alert for critical errors
    if error_type in ['DatabaseError', 'ExternalServiceError']:
        asyncio.create_task(send_alert('request_error', exception, {
            'path': request.path,
            'method': request.method
        }))

@got_websocket_exception.connect_via(app)
def on_websocket_error(sender, exception, **extra):
    error_type = type(exception).__name__
    error_counts[f'websocket_{error_type}'] += 1

    error_data = {
        'type': 'websocket_error',
        'exception': str(exception),
        'exception_type': error_type,
        'path': websocket.path,
        'timestamp': time.time()
    }

    recent_errors.append(error_data)

@got_background_exception.connect_via(app)
def on_background_error(sender, exception, **extra):
    error_type = type(exception).__name__
    error_counts[f'background_{error_type}'] += 1

    # Background errors are often critical
    asyncio.create_task(send_alert('background_error', exception))

@app.route('/error-dashboard')
async def error_dashboard():
    return await render_template('error_dashboard.html',
                               recent_errors=list(recent_errors),
                               error_counts=dict(error_counts))
'''

PLUGIN_EXAMPLE = r"""\
from quart import Quart
from quart.signals import appcontext_pushed
from blinker import Namespace

app = Quart(__name__)

# Custom application signals
app_signals = Namespace()
user_logged_in = app_signals.signal('user-logged-in')
data_updated = app_signals.signal('data-updated')

# Plugin registration system
@appcontext_pushed.connect_via(app)
def load_plugins(sender, **extra):
    if not hasattr(g, 'plugins_loaded'):
        # Load and initialize plugins
        for plugin_name in app.config.get('ENABLED_PLUGINS', []):
            plugin = load_plugin(plugin_name)
            plugin.initialize(app)

        g.plugins_loaded = True

# Plugin example: Audit logging
class AuditLogPlugin:
    def initialize(self, app):
        user_logged_in.connect(self.log_user_login, app)
        data_updated.connect(self.log_data_update, app)

    def log_user_login(self, sender, user, **extra):
        audit_log.info(f"User {user.username} logged in from {request.remote_addr}")

    def log_data_update(self, sender, model, action, **extra):
        audit_log.info(f"Data update: {model.__class__.__name__} {action}")

# Usage in application code
@app.route('/login', methods=['POST'])
async def login():
    user = await authenticate_user(request.form)
    if user:
        session['user_id'] = user.id

        # Emit custom signal
        user_logged_in.send(app, user=user)

        return redirect(url_for('dashboard'))

@app.route('/api/data', methods=['POST'])
async def update_data():
    data = await request.get_json()
    model = await update_model(data)

    # Emit custom signal
    data_updated.send(app, model=model, action='update')

    return jsonify({'status': 'updated'})
"""


_QUART_SIGNALS = [
    value for value in vars(signals).values() if isinstance(value, signals.QuartSignal)
]


@pytest.fixture
def run_example() -> Iterator[Any]:
    """Execute an example with stubs; disconnect its receivers afterwards."""
    namespaces: list[dict[str, Any]] = []

    def _run(source: str, name: str, **stubs: Any) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__name__": __name__, **stubs}
        exec(compile(source, f"<seed example: {name}>", "exec"), namespace)
        namespaces.append(namespace)
        return namespace

    yield _run
    for namespace in namespaces:
        for value in list(namespace.values()):
            if callable(value):
                for signal in _QUART_SIGNALS:
                    signal.disconnect(value)


async def _text(response: Response) -> str:
    return await response.get_data(as_text=True)  # type: ignore[return-value]


# -- Application Monitoring ---------------------------------------------------------


class _Metrics:
    def __init__(self) -> None:
        self.durations: list[float] = []
        self.counts: collections.Counter[str] = collections.Counter()

    def record_request_duration(self, duration: float) -> None:
        self.durations.append(duration)

    def increment(self, name: str) -> None:
        self.counts[name] += 1


class _Recorder:
    """Records every method call made on it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))

        return record


async def test_application_monitoring_example(run_example: Any) -> None:
    ids = iter(range(1, 100))
    metrics = _Metrics()
    error_logger = _Recorder()
    error_tracker = _Recorder()
    namespace = run_example(
        MONITORING_EXAMPLE,
        "monitoring",
        generate_request_id=lambda: f"req-{next(ids)}",
        metrics=metrics,
        error_logger=error_logger,
        error_tracker=error_tracker,
        request=quart.request,
    )
    app: Quart = namespace["app"]
    resources = _Recorder()

    @app.route("/ok")
    async def ok() -> str:
        return "ok"

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("broken")

    @app.route("/db")
    async def db() -> str:
        quart.g.database_connection = resources
        quart.g.cache_client = resources
        return "db"

    client = app.test_client()
    response = await client.get("/ok")
    assert await _text(response) == "ok"
    assert re.fullmatch(r"\d+\.\d{3}s", response.headers["X-Response-Time"])
    assert response.headers["X-Request-ID"] == "req-1"

    response = await client.get("/boom")
    assert response.status_code == 500
    [(method, args, kwargs)] = error_logger.calls
    assert (method, args) == ("error", ("Request req-2 failed: broken",))
    assert kwargs["extra"]["path"] == "/boom"
    assert kwargs["extra"]["method"] == "GET"
    [(method, args, _)] = error_tracker.calls
    assert method == "capture_exception"
    assert isinstance(args[0], ValueError)
    assert args[1]["request_id"] == "req-2"
    assert args[1]["request"]["url"] == "http://localhost/boom"

    await client.get("/db")
    assert [name for name, *_ in resources.calls] == ["close", "disconnect"]
    assert metrics.counts == {"requests.status.200": 2, "requests.status.500": 1}
    assert len(metrics.durations) == 3


# -- WebSocket Connection Management -----------------------------------------------


def test_websocket_example_as_printed_does_not_compile() -> None:
    printed = WEBSOCKET_EXAMPLE.replace(
        "async def on_websocket_exception", "def on_websocket_exception"
    )
    with pytest.raises(SyntaxError, match="'await' outside async function"):
        compile(printed, "<seed example: websocket>", "exec")


async def test_websocket_connection_management_example(run_example: Any) -> None:
    class ConnectionClosed(Exception):
        pass

    namespace = run_example(
        WEBSOCKET_EXAMPLE,
        "websocket",
        g=quart.g,
        asyncio=asyncio,
        ConnectionClosed=ConnectionClosed,
    )
    app: Quart = namespace["app"]
    stats = namespace["websocket_stats"]
    unsubscribed = asyncio.Event()
    finished = asyncio.Event()

    class Subscription:
        def unsubscribe(self) -> None:
            unsubscribed.set()

    @app.websocket("/ws/echo")
    async def echo() -> None:
        quart.g.websocket_subscriptions = [Subscription()]
        await quart.websocket.send(await quart.websocket.receive())
        await quart.websocket.receive()

    @signals.websocket_finished.connect_via(app)
    def note_finished(sender: Quart, **extra: Any) -> None:
        finished.set()

    namespace["note_finished"] = note_finished

    client = app.test_client()
    async with client.websocket("/ws/stats") as connection:
        assert await connection.receive_json() == {
            "total_connections": 1,
            "active_connections": 1,
        }
    async with client.websocket("/ws/echo") as connection:
        await connection.send("ping")
        assert await connection.receive() == "ping"
        await connection.send("bye")
        # The echo socket finishes normally, so it is removed from the set again,
        await asyncio.wait_for(finished.wait(), 5)
        # and the tearing-down receiver unsubscribes what it subscribed.
        await asyncio.wait_for(unsubscribed.wait(), 5)
    assert stats["total_connections"] == 2
    assert stats["active_connections"] == len(namespace["active_websockets"])


async def test_websocket_example_exception_receiver(run_example: Any) -> None:
    namespace = run_example(
        WEBSOCKET_EXAMPLE,
        "websocket",
        g=quart.g,
        asyncio=asyncio,
        ConnectionClosed=ConnectionError,
    )
    app: Quart = namespace["app"]
    logged: list[str] = []
    app.logger.error = lambda message, *args, **kwargs: logged.append(str(message))  # type: ignore[method-assign]

    @app.websocket("/ws/broken")
    async def broken() -> None:
        await quart.websocket.accept()
        raise RuntimeError("socket bug")

    async with app.test_client().websocket("/ws/broken") as connection:
        with pytest.raises(Exception):  # noqa: B017 - the server closed the socket
            await connection.receive()
    assert "WebSocket error: socket bug" in logged


# -- Template Rendering Analytics --------------------------------------------------


async def test_template_rendering_analytics_example(run_example: Any) -> None:
    namespace = run_example(TEMPLATE_EXAMPLE, "templates")
    app: Quart = namespace["app"]
    app.jinja_options = {
        "loader": DictLoader(
            {
                "page.html": "version {{ app_version }}",
                "template_stats.html": (
                    "{% for name, s in stats|dictsort %}"
                    "{{ name }}:{{ s.render_count }}:{{ s.max_render_time >= 0 }};"
                    "{% endfor %}"
                ),
            }
        )
    }
    app.config["VERSION"] = "2.5"

    @app.route("/page")
    async def page() -> str:
        return await quart.render_template("page.html")

    client = app.test_client()
    # before_render_template adds app_version to the context the template sees.
    assert await _text(await client.get("/page")) == "version 2.5"
    assert await _text(await client.get("/page")) == "version 2.5"
    body = await _text(await client.get("/template-stats"))
    # The stats are computed before their own template renders.
    assert body == "page.html:2:True;"
    assert await _text(await client.get("/template-stats")) == (
        "page.html:2:True;template_stats.html:1:True;"
    )
    stats = namespace["template_stats"]
    assert len(stats["render_times"]["page.html"]) == 2
    assert len(stats["context_sizes"]["page.html"]) == 2


# -- Error Tracking and Alerting ---------------------------------------------------


class _MonitoringService:
    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.alerted = asyncio.Event()

    async def send_alert(self, alert: dict[str, Any]) -> None:
        self.alerts.append(alert)
        self.alerted.set()


class DatabaseError(Exception):
    pass


@pytest.fixture
def error_app(run_example: Any) -> tuple[Quart, dict[str, Any], _MonitoringService]:
    service = _MonitoringService()
    namespace = run_example(
        ERROR_TRACKING_EXAMPLE,
        "errors",
        Counter=collections.Counter,
        time=time,
        monitoring_service=service,
        websocket=quart.websocket,
        render_template=quart.render_template,
    )
    app: Quart = namespace["app"]
    app.config["ALERTS_ENABLED"] = True
    app.jinja_options = {
        "loader": DictLoader(
            {
                "error_dashboard.html": (
                    "{% for k, v in error_counts|dictsort %}{{ k }}={{ v }};{% endfor %}"
                    " {{ recent_errors|length }}"
                )
            }
        )
    }

    @app.route("/db")
    async def db() -> str:
        raise DatabaseError("connection refused")

    @app.route("/other")
    async def other() -> str:
        raise KeyError("missing")

    return app, namespace, service


async def test_error_tracking_request_errors(
    error_app: tuple[Quart, dict[str, Any], _MonitoringService],
) -> None:
    app, namespace, service = error_app
    client = app.test_client()
    assert (await client.get("/other")).status_code == 500
    assert service.alerts == []
    assert (await client.get("/db")).status_code == 500
    # The receiver is sync and schedules the alert with asyncio.create_task.
    await asyncio.wait_for(service.alerted.wait(), 5)
    [alert] = service.alerts
    assert alert["type"] == "request_error"
    assert alert["exception"] == "connection refused"
    assert alert["context"] == {"path": "/db", "method": "GET"}
    assert [error["path"] for error in namespace["recent_errors"]] == ["/other", "/db"]
    body = await _text(await client.get("/error-dashboard"))
    assert body == "DatabaseError=1;KeyError=1; 2"


async def test_error_tracking_background_errors(
    error_app: tuple[Quart, dict[str, Any], _MonitoringService],
) -> None:
    app, namespace, service = error_app

    async def job() -> None:
        raise RuntimeError("job failed")

    async with app.test_app():
        app.add_background_task(job)
        await asyncio.wait_for(service.alerted.wait(), 5)
    assert namespace["error_counts"] == {"background_RuntimeError": 1}
    assert service.alerts[0]["type"] == "background_error"
    assert service.alerts[0]["exception"] == "job failed"


async def test_error_tracking_websocket_errors(
    error_app: tuple[Quart, dict[str, Any], _MonitoringService],
) -> None:
    app, namespace, service = error_app

    @app.websocket("/ws")
    async def ws() -> None:
        await quart.websocket.accept()
        raise ValueError("bad frame")

    async with app.test_client().websocket("/ws") as connection:
        with pytest.raises(Exception):  # noqa: B017 - the server closed the socket
            await connection.receive()
    assert namespace["error_counts"] == {"websocket_ValueError": 1}
    [error] = namespace["recent_errors"]
    assert (error["type"], error["path"], error["exception"]) == (
        "websocket_error",
        "/ws",
        "bad frame",
    )


# -- Signal-Based Plugin System ----------------------------------------------------


class _User:
    id = 7
    username = "alice"


class Model:
    pass


async def test_signal_based_plugin_system_example(run_example: Any) -> None:
    audit_log = _Recorder()
    namespace: dict[str, Any] = {}
    loaded: dict[str, Any] = {}

    def load_plugin(name: str) -> Any:
        # A plugin registry keeps its plugins alive: blinker holds the bound
        # methods the plugin connects only weakly.
        if name not in loaded:
            loaded[name] = namespace[name]()
        return loaded[name]

    async def authenticate_user(form: Any) -> _User | None:
        data = await form
        return _User() if data.get("username") == "alice" else None

    async def update_model(data: dict[str, Any]) -> Model:
        return Model()

    namespace.update(
        run_example(
            PLUGIN_EXAMPLE,
            "plugins",
            g=quart.g,
            request=quart.request,
            session=quart.session,
            redirect=quart.redirect,
            url_for=quart.url_for,
            jsonify=quart.jsonify,
            load_plugin=load_plugin,
            audit_log=audit_log,
            authenticate_user=authenticate_user,
            update_model=update_model,
        )
    )
    app: Quart = namespace["app"]
    app.secret_key = "plugin secret"
    app.config["ENABLED_PLUGINS"] = ["AuditLogPlugin"]

    @app.route("/dashboard")
    async def dashboard() -> str:
        return f"user {quart.session['user_id']}"

    client = app.test_client()
    response = await client.post("/login", form={"username": "alice"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert await _text(await client.get("/dashboard")) == "user 7"

    response = await client.post("/api/data", json={"value": 1})
    assert await response.get_json() == {"status": "updated"}

    messages = [args[0] for name, args, _ in audit_log.calls if name == "info"]
    assert messages == ["User alice logged in from <local>", "Data update: Model update"]
