from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import flask.signals
import pytest
from blinker import NamedSignal

import quart
from quart import abort
from quart import flash
from quart import g
from quart import Quart
from quart import render_template_string
from quart import request
from quart import signals
from quart import websocket
from quart.signals import QuartSignal
from quart.wrappers import Response

Connect = Callable[..., Callable[..., Any]]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Connect a receiver (strongly) for the duration of one test."""
    connected: list[tuple[NamedSignal, Callable[..., Any]]] = []

    def _connect(signal: NamedSignal, sender: Any = None) -> Callable[..., Any]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            if sender is None:
                signal.connect(func, weak=False)
            else:
                signal.connect(func, sender, weak=False)
            connected.append((signal, func))
            return func

        return decorator

    yield _connect
    for signal, func in connected:
        signal.disconnect(func)


def _recorder(events: list[tuple[Any, ...]], name: str) -> Callable[..., None]:
    def receive(sender: Any, **kwargs: Any) -> None:
        events.append((name, sender, kwargs))

    return receive


ALL_SIGNALS = [
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_background_exception",
    "got_request_exception",
    "got_serving_exception",
    "got_websocket_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
    "websocket_finished",
    "websocket_received",
    "websocket_sent",
    "websocket_started",
    "websocket_tearing_down",
]


@pytest.mark.parametrize("name", ALL_SIGNALS)
def test_signals_are_exported_and_distinct_from_flasks(name: str) -> None:
    signal = getattr(signals, name)
    assert isinstance(signal, QuartSignal)
    assert getattr(quart, name) is signal
    assert getattr(flask.signals, name, None) is not signal


def test_signals_available() -> None:
    assert signals.signals_available is True
    assert quart.signals_available is True


# -- the request lifecycle ----------------------------------------------------


async def test_request_signals_order_senders_and_arguments(app: Quart, connect: Connect) -> None:
    order: list[str] = []
    seen: dict[str, Any] = {}

    @connect(signals.appcontext_pushed, app)
    def pushed(sender: Quart, **extra: Any) -> None:
        order.append("appcontext_pushed")
        g.from_pushed = "g works"
        seen["pushed"] = (sender, extra)

    @connect(signals.request_started, app)
    def started(sender: Quart, **extra: Any) -> None:
        order.append("request_started")
        seen["started"] = (sender, extra, request.path)

    @app.before_request
    async def before() -> None:
        order.append("before_request")

    @app.route("/")
    async def index() -> str:
        order.append("view")
        return g.from_pushed

    @app.after_request
    async def after(response: Response) -> Response:
        order.append("after_request")
        return response

    @connect(signals.request_finished, app)
    async def finished(sender: Quart, response: Response, **extra: Any) -> None:
        order.append("request_finished")
        seen["finished"] = (sender, response.status_code, extra)
        response.headers["X-Finished"] = "yes"

    @app.teardown_request
    async def teardown_request(exc: BaseException | None) -> None:
        order.append("teardown_request")

    @connect(signals.request_tearing_down, app)
    def request_tearing_down(sender: Quart, exc: BaseException | None, **extra: Any) -> None:
        order.append("request_tearing_down")
        seen["request_tearing_down"] = (sender, exc)

    @app.teardown_appcontext
    async def teardown_app(exc: BaseException | None) -> None:
        order.append("teardown_appcontext")

    @connect(signals.appcontext_tearing_down, app)
    def app_tearing_down(sender: Quart, exc: BaseException | None, **extra: Any) -> None:
        order.append("appcontext_tearing_down")
        seen["appcontext_tearing_down"] = (sender, exc)

    @connect(signals.appcontext_popped, app)
    def popped(sender: Quart, **extra: Any) -> None:
        order.append("appcontext_popped")
        seen["popped"] = sender

    response = await app.test_client().get("/")
    assert await response.get_data(as_text=True) == "g works"
    assert response.headers["X-Finished"] == "yes"
    assert order == [
        "appcontext_pushed",
        "request_started",
        "before_request",
        "view",
        "after_request",
        "request_finished",
        "teardown_request",
        "request_tearing_down",
        "teardown_appcontext",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    assert seen["pushed"] == (app, {})
    assert seen["started"] == (app, {}, "/")
    assert seen["finished"] == (app, 200, {})
    assert seen["request_tearing_down"] == (app, None)
    assert seen["appcontext_tearing_down"] == (app, None)
    assert seen["popped"] is app


async def test_got_request_exception_for_unhandled_errors_only(
    app: Quart, connect: Connect
) -> None:
    events: list[tuple[Any, ...]] = []

    @connect(signals.got_request_exception, app)
    def on_exception(sender: Quart, exception: Exception, **extra: Any) -> None:
        # The request context is still there for the receiver to report on.
        events.append((sender, type(exception).__name__, str(exception), request.path))

    teardown_excs: list[Any] = []

    @connect(signals.request_tearing_down, app)
    def on_teardown(sender: Quart, exc: BaseException | None, **extra: Any) -> None:
        teardown_excs.append(exc)

    class Handled(Exception):
        pass

    @app.errorhandler(Handled)
    async def handle(error: Handled) -> tuple[str, int]:
        return "handled", 418

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("kaboom")

    @app.route("/handled")
    async def handled() -> str:
        raise Handled()

    @app.route("/missing")
    async def missing() -> str:
        abort(404)

    client = app.test_client()
    assert (await client.get("/boom")).status_code == 500
    assert (await client.get("/handled")).status_code == 418
    assert (await client.get("/missing")).status_code == 404
    assert (await client.get("/no-route")).status_code == 404
    assert events == [(app, "ValueError", "kaboom", "/boom")]
    # Teardown sees the unhandled error (which became a 500), not handled ones.
    assert [type(exc).__name__ for exc in teardown_excs] == [
        "ValueError",
        "NoneType",
        "NoneType",
        "NoneType",
    ]


async def test_tearing_down_signals_receive_the_error(app: Quart, connect: Connect) -> None:
    excs: dict[str, Any] = {}

    @connect(signals.request_tearing_down)
    def request_td(sender: Quart, exc: BaseException | None, **extra: Any) -> None:
        excs["request"] = exc

    @connect(signals.appcontext_tearing_down)
    def app_td(sender: Quart, exc: BaseException | None, **extra: Any) -> None:
        excs["app"] = exc

    error = RuntimeError("inside")
    async with app.test_request_context("/"):
        pass
    assert excs == {"request": None, "app": None}
    with pytest.raises(RuntimeError):
        async with app.test_request_context("/"):
            raise error
    assert excs == {"request": error, "app": error}


async def test_app_context_signals_outside_requests(app: Quart, connect: Connect) -> None:
    events: list[tuple[Any, ...]] = []
    connect(signals.appcontext_pushed, app)(_recorder(events, "pushed"))
    connect(signals.appcontext_tearing_down, app)(_recorder(events, "tearing_down"))
    connect(signals.appcontext_popped, app)(_recorder(events, "popped"))
    async with app.app_context():
        assert events == [("pushed", app, {})]
    assert events == [
        ("pushed", app, {}),
        ("tearing_down", app, {"exc": None}),
        ("popped", app, {}),
    ]


async def test_request_inside_app_context_does_not_repush_it(app: Quart, connect: Connect) -> None:
    events: list[tuple[Any, ...]] = []
    connect(signals.appcontext_pushed, app)(_recorder(events, "pushed"))
    async with app.app_context():
        async with app.test_request_context("/"):
            pass
    assert [name for name, *_ in events] == ["pushed"]


async def test_message_flashed(app: Quart, connect: Connect) -> None:
    app.secret_key = "secret"
    events: list[tuple[Any, ...]] = []
    connect(signals.message_flashed, app)(_recorder(events, "flashed"))

    @app.route("/")
    async def index() -> str:
        await flash("Saved", "info")
        await flash("Plain")
        return "ok"

    await app.test_client().get("/")
    assert events == [
        ("flashed", app, {"message": "Saved", "category": "info"}),
        ("flashed", app, {"message": "Plain", "category": "message"}),
    ]


async def test_template_signals(app: Quart, connect: Connect) -> None:
    events: list[tuple[Any, ...]] = []

    @connect(signals.before_render_template, app)
    def before(sender: Quart, template: Any, context: dict[str, Any], **extra: Any) -> None:
        events.append(("before", sender, template, "extra" in context))
        context["extra"] = "added by a receiver"

    @connect(signals.template_rendered, app)
    async def rendered(sender: Quart, template: Any, context: dict[str, Any], **extra: Any) -> None:
        events.append(("rendered", sender, template, context["value"]))

    @app.route("/")
    async def index() -> str:
        return await render_template_string("{{ value }} {{ extra }}", value=1)

    response = await app.test_client().get("/")
    assert await response.get_data(as_text=True) == "1 added by a receiver"
    template = events[0][2]
    assert events == [("before", app, template, False), ("rendered", app, template, 1)]


async def test_got_background_exception(app: Quart, connect: Connect) -> None:
    received = asyncio.Event()
    events: list[tuple[Any, ...]] = []

    @connect(signals.got_background_exception, app)
    def on_error(sender: Quart, exception: Exception, **extra: Any) -> None:
        events.append((sender, exception))
        received.set()

    error = LookupError("in the background")

    async def task() -> None:
        raise error

    async with app.test_app():
        app.add_background_task(task)
        await asyncio.wait_for(received.wait(), 5)
    assert events == [(app, error)]


async def test_got_serving_exception(app: Quart, connect: Connect) -> None:
    events: list[tuple[Any, ...]] = []
    connect(signals.got_serving_exception, app)(_recorder(events, "serving"))
    error = ConnectionError("database down")

    @app.before_serving
    async def start() -> None:
        raise error

    with pytest.raises(Exception):  # noqa: B017 - the harness wraps the error
        async with app.test_app():
            pass
    assert events == [("serving", app, {"exception": error})]


async def test_got_serving_exception_at_shutdown(app: Quart, connect: Connect) -> None:
    events: list[tuple[Any, ...]] = []
    connect(signals.got_serving_exception, app)(_recorder(events, "serving"))
    error = ConnectionError("could not close")

    @app.after_serving
    async def stop() -> None:
        raise error

    with pytest.raises(Exception):  # noqa: B017 - the harness wraps the error
        async with app.test_app():
            pass
    assert events == [("serving", app, {"exception": error})]


# -- websockets -----------------------------------------------------------------


async def test_websocket_signals(app: Quart, connect: Connect) -> None:
    order: list[str] = []
    seen: dict[str, Any] = {}

    @connect(signals.websocket_started, app)
    def started(sender: Quart, **extra: Any) -> None:
        order.append("websocket_started")
        seen["started"] = (sender, websocket.path)

    @app.before_websocket
    async def before() -> None:
        order.append("before_websocket")

    @app.websocket("/ws")
    async def ws() -> None:
        order.append("view")
        await websocket.send("hello")
        await websocket.receive()

    done = asyncio.Event()

    @connect(signals.websocket_finished, app)
    def finished(sender: Quart, **extra: Any) -> None:
        order.append("websocket_finished")
        seen["finished"] = (sender, extra)
        done.set()

    @connect(signals.websocket_tearing_down, app)
    def tearing_down(sender: Quart, exc: BaseException | None, **extra: Any) -> None:
        order.append("websocket_tearing_down")
        seen["tearing_down"] = (sender, exc)

    async with app.test_client().websocket("/ws") as connection:
        assert await connection.receive() == "hello"
        await connection.send("bye")
        await asyncio.wait_for(done.wait(), 5)
    assert order == [
        "websocket_started",
        "before_websocket",
        "view",
        "websocket_finished",
        "websocket_tearing_down",
    ]
    assert seen["started"] == (app, "/ws")
    assert seen["finished"] == (app, {"response": None})
    assert seen["tearing_down"] == (app, None)


async def test_got_websocket_exception(app: Quart, connect: Connect) -> None:
    events: list[tuple[Any, ...]] = []

    @connect(signals.got_websocket_exception, app)
    def on_error(sender: Quart, exception: Exception, **extra: Any) -> None:
        events.append((sender, str(exception), websocket.path))

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        raise ValueError("broken socket")

    async with app.test_client().websocket("/ws") as connection:
        with pytest.raises(Exception):  # noqa: B017 - the close surfaces as an error
            await connection.receive()
    assert events == [(app, "broken socket", "/ws")]


# -- receivers --------------------------------------------------------------------


async def test_sync_receivers_run_on_the_event_loop(app: Quart, connect: Connect) -> None:
    seen: list[Any] = []

    @connect(signals.request_started, app)
    def on_start(sender: Quart, **extra: Any) -> None:
        seen.append(threading.current_thread() is threading.main_thread())
        seen.append(asyncio.get_running_loop() is not None)

    @app.route("/")
    async def index() -> str:
        return "ok"

    await app.test_client().get("/")
    assert seen == [True, True]


async def test_async_callable_objects_are_awaited(app: Quart, connect: Connect) -> None:
    seen: list[str] = []

    class Receiver:
        async def __call__(self, sender: Quart, **extra: Any) -> None:
            await asyncio.sleep(0)
            seen.append("called")

    connect(signals.request_started, app)(Receiver())

    @app.route("/")
    async def index() -> str:
        return "ok"

    await app.test_client().get("/")
    assert seen == ["called"]


async def test_connect_via_filters_by_sender(app: Quart, connect: Connect) -> None:
    other = Quart("other")
    events: list[tuple[Any, ...]] = []
    connect(signals.request_started, app)(_recorder(events, "mine"))
    connect(signals.request_started)(_recorder(events, "any"))

    for target in (app, other):

        @target.route("/")
        async def index() -> str:
            return "ok"

    await other.test_client().get("/")
    assert events == [("any", other, {})]
    events.clear()
    await app.test_client().get("/")
    assert sorted(name for name, *_ in events) == ["any", "mine"]


async def test_connect_via_decorator(app: Quart) -> None:
    seen: list[Any] = []

    @signals.request_started.connect_via(app)
    async def on_start(sender: Quart, **extra: Any) -> None:
        seen.append(sender)

    try:

        @app.route("/")
        async def index() -> str:
            return "ok"

        await app.test_client().get("/")
    finally:
        signals.request_started.disconnect(on_start)
    assert seen == [app]


async def test_flask_signal_receivers_are_not_called(app: Quart) -> None:
    seen: list[Any] = []

    def receiver(sender: Any, **extra: Any) -> None:
        seen.append(sender)

    @app.route("/")
    async def index() -> str:
        return "ok"

    with flask.signals.request_started.connected_to(receiver):
        await app.test_client().get("/")
    assert seen == []


async def test_a_raising_receiver_propagates(app: Quart, connect: Connect) -> None:
    @connect(signals.request_started, app)
    def broken(sender: Quart, **extra: Any) -> None:
        raise KeyError("receiver bug")

    @app.route("/")
    async def index() -> str:
        return "ok"

    assert (await app.test_client().get("/")).status_code == 500


@pytest.mark.parametrize("other_app_listens", [False, True])
async def test_signals_without_receivers_are_not_sent(
    app: Quart, monkeypatch: pytest.MonkeyPatch, other_app_listens: bool
) -> None:
    # Another app's receivers (connected for that app only) are not this
    # app's: nothing is sent for them, and a sync app context still opens
    # inside the running loop. (Without the second case this test depended
    # on whether an earlier test's app had been collected yet.)
    other = Quart("other")
    every_signal = [value for value in vars(signals).values() if isinstance(value, QuartSignal)]

    def receiver(sender: Any, **extra: Any) -> None:
        raise AssertionError("sent to another app's receiver")

    if other_app_listens:
        for signal in every_signal:
            signal.connect(receiver, sender=other)

    async def must_not_send(self: QuartSignal, *args: Any, **kwargs: Any) -> list[Any]:
        raise AssertionError(f"{self.name} was sent with no receivers")

    monkeypatch.setattr(QuartSignal, "send_async", must_not_send)
    try:
        await _serve_without_receivers(app)
        with app.app_context():
            pass
    finally:
        for signal in every_signal:
            signal.disconnect(receiver)


async def _serve_without_receivers(app: Quart) -> None:
    app.secret_key = "secret"

    @app.route("/")
    async def index() -> str:
        await flash("hi")
        return await render_template_string("ok")

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError()

    client = app.test_client()
    assert (await client.get("/")).status_code == 200
    assert (await client.get("/boom")).status_code == 500
    async with app.test_app():
        pass


async def test_send_async_default_and_custom_wrapper() -> None:
    signal = QuartSignal("custom")
    seen: list[str] = []

    def sync_receiver(sender: Any, **extra: Any) -> str:
        seen.append("sync")
        return "sync result"

    signal.connect(sync_receiver)
    assert await signal.send_async("me") == [(sync_receiver, "sync result")]

    def wrapper(func: Callable[..., Any]) -> Callable[..., Any]:
        async def call(*args: Any, **kwargs: Any) -> str:
            seen.append("wrapped")
            return str(func(*args, **kwargs))

        return call

    assert await signal.send_async("me", _sync_wrapper=wrapper) == [(sync_receiver, "sync result")]
    assert seen == ["sync", "wrapped", "sync"]
