"""The application object: construction, config, routing, hooks, errors, make_response."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import NotFound

from quart import abort
from quart import after_this_request
from quart import g
from quart import make_response
from quart import Quart
from quart import request
from quart import Response
from quart.config import Config
from quart.testing import QuartClient

# -- construction and config ------------------------------------------------------


def test_constructor_arguments(tmp_path: Path) -> None:
    app = Quart(
        "myapp",
        static_url_path="/assets",
        static_folder="public",
        template_folder="views",
        instance_path=str(tmp_path / "instance"),
        instance_relative_config=True,
        root_path=str(tmp_path),
    )
    assert app.import_name == "myapp"
    assert app.name == "myapp"
    assert app.root_path == str(tmp_path)
    assert app.static_url_path == "/assets"
    assert app.static_folder == os.path.join(str(tmp_path), "public")
    assert app.template_folder == "views"
    assert app.instance_path == str(tmp_path / "instance")
    assert app.config.root_path == str(tmp_path / "instance")
    assert any(rule.rule == "/assets/<path:filename>" for rule in app.url_map.iter_rules())


def test_instance_path_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute"):
        Quart(__name__, instance_path="relative/path")


def test_static_host_needs_host_matching() -> None:
    with pytest.raises(ValueError):
        Quart(__name__, static_host="static.example.com")
    with pytest.raises(ValueError):
        Quart(__name__, host_matching=True)
    app = Quart(__name__, host_matching=True, static_host="static.example.com")
    assert app.url_map.host_matching


def test_no_static_folder_no_static_route() -> None:
    app = Quart(__name__, static_folder=None)
    assert "static" not in app.view_functions


def test_default_config() -> None:
    app = Quart(__name__)
    config = app.config
    assert isinstance(config, Config)
    # Flask's keys.
    for key in (
        "DEBUG",
        "TESTING",
        "PROPAGATE_EXCEPTIONS",
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
        "PERMANENT_SESSION_LIFETIME",
        "USE_X_SENDFILE",
        "TRUSTED_HOSTS",
        "SERVER_NAME",
        "APPLICATION_ROOT",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_DOMAIN",
        "SESSION_COOKIE_PATH",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_PARTITIONED",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_REFRESH_EACH_REQUEST",
        "MAX_CONTENT_LENGTH",
        "MAX_FORM_MEMORY_SIZE",
        "MAX_FORM_PARTS",
        "SEND_FILE_MAX_AGE_DEFAULT",
        "TRAP_BAD_REQUEST_ERRORS",
        "TRAP_HTTP_EXCEPTIONS",
        "EXPLAIN_TEMPLATE_LOADING",
        "PREFERRED_URL_SCHEME",
        "TEMPLATES_AUTO_RELOAD",
        "MAX_COOKIE_SIZE",
        "PROVIDE_AUTOMATIC_OPTIONS",
    ):
        assert key in config, key
    assert config["TESTING"] is False
    assert config["SECRET_KEY"] is None
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert config["APPLICATION_ROOT"] == "/"
    assert config["SESSION_COOKIE_NAME"] == "session"
    assert config["PREFERRED_URL_SCHEME"] == "http"
    assert config["MAX_FORM_MEMORY_SIZE"] == 500_000
    assert config["MAX_FORM_PARTS"] == 1_000
    # Quart's keys and Quart's values.
    assert config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert config["SEND_FILE_MAX_AGE_DEFAULT"] == timedelta(hours=12)
    assert config["BODY_TIMEOUT"] == 60
    assert config["RESPONSE_TIMEOUT"] == 60
    assert config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] == 5
    # The class attribute is the source of the defaults, and is read-only.
    assert Quart.default_config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    with pytest.raises(TypeError):
        Quart.default_config["TESTING"] = True  # type: ignore[index]


def test_config_is_per_app() -> None:
    first = Quart(__name__)
    second = Quart(__name__)
    first.config["TESTING"] = True
    assert second.config["TESTING"] is False
    assert first.testing and not second.testing


def test_from_prefixed_env_uses_quart_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_TESTING", "true")
    monkeypatch.setenv("QUART_BODY_TIMEOUT", "5")
    monkeypatch.setenv("QUART_SECRET_KEY", "not json")
    monkeypatch.setenv("QUART_NESTED__KEY", "1")
    monkeypatch.setenv("FLASK_DEBUG", "true")
    app = Quart(__name__)
    assert app.config.from_prefixed_env() is True
    assert app.config["TESTING"] is True
    assert app.config["BODY_TIMEOUT"] == 5
    assert app.config["SECRET_KEY"] == "not json"
    assert app.config["NESTED"] == {"KEY": 1}
    assert app.config["DEBUG"] is None  # FLASK_ variables are not read


def test_from_prefixed_env_custom_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_LIMIT", "[1, 2]")
    app = Quart(__name__)
    app.config.from_prefixed_env("MYAPP")
    assert app.config["LIMIT"] == [1, 2]


def test_debug_and_testing_properties() -> None:
    app = Quart(__name__)
    app.testing = True
    assert app.config["TESTING"] is True
    app.debug = True
    assert app.config["DEBUG"] is True and app.debug


# -- routing ------------------------------------------------------------------


async def test_route_and_method_shortcuts(app: Quart, client: QuartClient) -> None:
    async def view() -> str:
        return request.method

    for name in ("get", "post", "put", "delete", "patch"):
        decorator = getattr(app, name)
        returned = decorator(f"/{name}", endpoint=name)(view)
        assert returned is view

    for name in ("get", "post", "put", "delete", "patch"):
        response = await client.open(f"/{name}", method=name.upper())
        assert response.status_code == 200
        assert await response.get_data(as_text=True) == name.upper()
        other = "POST" if name != "post" else "PUT"
        assert (await client.open(f"/{name}", method=other)).status_code == 405


async def test_method_shortcut_rejects_methods_argument(app: Quart) -> None:
    with pytest.raises(TypeError):
        app.get("/", methods=["POST"])


async def test_route_methods_and_defaults(app: Quart, client: QuartClient) -> None:
    @app.route("/page", defaults={"number": 1}, methods=["GET", "POST"])
    @app.route("/page/<int:number>", methods=["GET", "POST"])
    async def page(number: int) -> str:
        return f"{request.method} {number}"

    assert await (await client.get("/page")).get_data(as_text=True) == "GET 1"
    assert await (await client.post("/page/7")).get_data(as_text=True) == "POST 7"
    response = await client.put("/page/7")
    assert response.status_code == 405


async def test_add_url_rule_and_endpoint(app: Quart, client: QuartClient) -> None:
    async def listing() -> str:
        return "listing"

    app.add_url_rule("/items", "items", listing)
    app.add_url_rule("/other", endpoint="other")

    @app.endpoint("other")
    async def other() -> str:
        return "other view"

    assert app.view_functions["items"] is listing
    assert await (await client.get("/items")).get_data(as_text=True) == "listing"
    assert await (await client.get("/other")).get_data(as_text=True) == "other view"


async def test_endpoint_collision_raises(app: Quart) -> None:
    @app.route("/a")
    async def view() -> str:
        return "a"

    async def different() -> str:
        return "b"

    with pytest.raises(AssertionError, match="overwriting"):
        app.add_url_rule("/b", "view", different)


async def test_sync_views_and_hooks(app: Quart, client: QuartClient) -> None:
    calls: list[str] = []

    @app.before_request
    def before() -> None:
        calls.append("before")

    @app.after_request
    def after(response: Response) -> Response:
        calls.append("after")
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @app.route("/")
    def index() -> str:
        return f"sync {request.path}"

    response = await client.get("/")
    assert await response.get_data(as_text=True) == "sync /"
    assert calls == ["before", "after", "teardown"]


async def test_sync_view_runs_off_the_event_loop_thread(app: Quart, client: QuartClient) -> None:
    loop_thread = threading.get_ident()

    @app.route("/sync")
    def sync_view() -> str:
        return str(threading.get_ident())

    @app.route("/async")
    async def async_view() -> str:
        return str(threading.get_ident())

    assert int(await (await client.get("/sync")).get_data(as_text=True)) != loop_thread
    assert int(await (await client.get("/async")).get_data(as_text=True)) == loop_thread


async def test_blocking_sync_view_does_not_block_async_routes(
    app: Quart, client: QuartClient
) -> None:
    released = threading.Event()

    @app.route("/blocking")
    def blocking() -> str:
        # Blocks its thread until the async route below has run; if this
        # blocked the event loop, the async route could never run.
        return "released" if released.wait(timeout=5) else "timed out"

    @app.route("/release")
    async def release() -> str:
        released.set()
        return "ok"

    async def later() -> Response:
        await asyncio.sleep(0)
        return await client.get("/release")

    async with asyncio.timeout(10):
        slow, fast = await asyncio.gather(client.get("/blocking"), later())
    assert await fast.get_data(as_text=True) == "ok"
    assert await slow.get_data(as_text=True) == "released"


async def test_ensure_async_wraps_once(app: Quart) -> None:
    def sync() -> int:
        return 1

    async def native() -> int:
        return 2

    wrapped = app.ensure_async(sync)
    assert app.ensure_async(sync) is wrapped
    assert app.ensure_async(native) is native
    assert await wrapped() == 1


# -- hooks ------------------------------------------------------------------------


async def test_before_request_return_value_short_circuits(app: Quart, client: QuartClient) -> None:
    calls: list[str] = []

    @app.before_request
    async def first() -> Any:
        calls.append("first")
        if request.args.get("stop"):
            return "stopped", 403
        return None

    @app.before_request
    async def second() -> None:
        calls.append("second")

    @app.after_request
    async def after(response: Response) -> Response:
        calls.append("after")
        response.headers["X-After"] = "yes"
        return response

    @app.route("/")
    async def index() -> str:
        calls.append("view")
        return "view"

    response = await client.get("/", query_string={"stop": "1"})
    assert response.status_code == 403
    assert await response.get_data(as_text=True) == "stopped"
    assert response.headers["X-After"] == "yes"
    assert calls == ["first", "after"]

    calls.clear()
    response = await client.get("/")
    assert await response.get_data(as_text=True) == "view"
    assert calls == ["first", "second", "view", "after"]


async def test_after_request_order_and_replacement(app: Quart, client: QuartClient) -> None:
    order: list[str] = []

    @app.after_request
    async def registered_first(response: Response) -> Response:
        order.append("first")
        return response

    @app.after_request
    async def registered_second(response: Response) -> Response:
        order.append("second")
        return Response("replaced", status=202)

    @app.route("/")
    async def index() -> str:
        return "original"

    response = await client.get("/")
    # Reverse registration order: the last registered runs first.
    assert order == ["second", "first"]
    assert response.status_code == 202
    assert await response.get_data(as_text=True) == "replaced"


async def test_after_this_request(app: Quart, client: QuartClient) -> None:
    order: list[str] = []

    @app.after_request
    async def app_hook(response: Response) -> Response:
        order.append("app")
        return response

    @app.route("/")
    async def index() -> str:
        @after_this_request
        async def once(response: Response) -> Response:
            order.append("once")
            response.headers["X-Once"] = "1"
            return response

        return "hello"

    @app.route("/plain")
    async def plain() -> str:
        return "plain"

    response = await client.get("/")
    assert response.headers["X-Once"] == "1"
    assert order == ["once", "app"]
    response = await client.get("/plain")
    assert "X-Once" not in response.headers


async def test_after_this_request_outside_request() -> None:
    with pytest.raises(RuntimeError):
        after_this_request(lambda response: response)


async def test_teardown_request_and_appcontext(app: Quart, client: QuartClient) -> None:
    seen: list[tuple[str, Any]] = []

    @app.teardown_request
    async def td_request(exc: BaseException | None) -> None:
        seen.append(("request", exc))

    @app.teardown_appcontext
    async def td_app(exc: BaseException | None) -> None:
        seen.append(("app", exc))

    @app.route("/")
    async def index() -> str:
        return "ok"

    await client.get("/")
    assert seen == [("request", None), ("app", None)]


async def test_teardown_runs_after_an_error(app: Quart, client: QuartClient) -> None:
    seen: list[str] = []

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        seen.append("teardown")

    @app.route("/")
    async def index() -> str:
        raise ValueError("boom")

    response = await client.get("/")
    assert response.status_code == 500
    assert seen == ["teardown"]


async def test_url_value_preprocessor_and_url_defaults(app: Quart, client: QuartClient) -> None:
    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values is not None:
            g.lang = values.pop("lang", None)

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = g.lang

    @app.route("/<lang>/page")
    async def page() -> str:
        from quart import url_for

        return f"{g.lang} {url_for('page')}"

    response = await client.get("/fr/page")
    assert await response.get_data(as_text=True) == "fr /fr/page"


# -- errors -----------------------------------------------------------------------


class BaseError(Exception):
    pass


class ChildError(BaseError):
    pass


class GrandChildError(ChildError):
    pass


async def test_errorhandler_by_code(app: Quart, client: QuartClient) -> None:
    @app.errorhandler(404)
    async def not_found(error: HTTPException) -> tuple[str, int]:
        return f"custom {error.code}", 404

    response = await client.get("/missing")
    assert response.status_code == 404
    assert await response.get_data(as_text=True) == "custom 404"


async def test_errorhandler_by_class_and_mro(app: Quart, client: QuartClient) -> None:
    @app.errorhandler(BaseError)
    async def base(error: Exception) -> tuple[str, int]:
        return f"base:{type(error).__name__}", 400

    @app.errorhandler(ChildError)
    async def child(error: Exception) -> tuple[str, int]:
        return f"child:{type(error).__name__}", 409

    @app.route("/<kind>")
    async def raiser(kind: str) -> str:
        raise {"base": BaseError, "child": ChildError, "grand": GrandChildError}[kind]()

    response = await client.get("/base")
    assert (response.status_code, await response.get_data(as_text=True)) == (400, "base:BaseError")
    response = await client.get("/child")
    assert (response.status_code, await response.get_data(as_text=True)) == (
        409,
        "child:ChildError",
    )
    # The most specific registered class wins for an unregistered subclass.
    response = await client.get("/grand")
    assert (response.status_code, await response.get_data(as_text=True)) == (
        409,
        "child:GrandChildError",
    )


async def test_register_error_handler_sync(app: Quart, client: QuartClient) -> None:
    def handle(error: Exception) -> tuple[str, int]:
        return f"handled {error}", 418

    app.register_error_handler(KeyError, handle)

    @app.route("/")
    async def index() -> str:
        raise KeyError("k")

    response = await client.get("/")
    assert response.status_code == 418
    assert await response.get_data(as_text=True) == "handled 'k'"


async def test_errorhandler_for_http_exception_class(app: Quart, client: QuartClient) -> None:
    @app.errorhandler(HTTPException)
    async def any_http(error: HTTPException) -> tuple[str, int]:
        return f"http {error.code}", error.code or 500

    @app.route("/")
    async def index() -> str:
        abort(403)

    assert await (await client.get("/")).get_data(as_text=True) == "http 403"
    assert await (await client.get("/missing")).get_data(as_text=True) == "http 404"


async def test_register_error_handler_rejects_unknown_code(app: Quart) -> None:
    with pytest.raises(ValueError):
        app.register_error_handler(999, lambda error: "x")


async def test_abort_and_http_exception_responses(app: Quart, client: QuartClient) -> None:
    @app.route("/abort/<int:code>")
    async def do_abort(code: int) -> str:
        abort(code)

    @app.route("/describe")
    async def describe() -> str:
        abort(400, description="you sent <b>bad</b> input")

    @app.route("/response")
    async def with_response() -> str:
        abort(Response("teapot body", status=418))

    @app.route("/raise")
    async def raise_it() -> str:
        raise NotFound()

    for code in (400, 401, 403, 404, 410, 418, 429, 500, 503):
        response = await client.get(f"/abort/{code}")
        assert response.status_code == code
    response = await client.get("/describe")
    assert response.status_code == 400
    body = await response.get_data(as_text=True)
    assert "&lt;b&gt;bad&lt;/b&gt;" in body
    response = await client.get("/response")
    assert response.status_code == 418
    assert await response.get_data(as_text=True) == "teapot body"
    assert (await client.get("/raise")).status_code == 404


async def test_returning_an_http_exception(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> Any:
        return NotFound()

    assert (await client.get("/")).status_code == 404


async def test_unhandled_exception_is_logged_and_500(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("kaboom")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await client.get("/boom")
    assert response.status_code == 500
    body = await response.get_data(as_text=True)
    assert "kaboom" not in body  # no details leak outside debug
    records = [r for r in caplog.records if r.name == app.logger.name]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.ERROR
    assert "GET /boom" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)


async def test_500_handler_receives_original_exception(app: Quart, client: QuartClient) -> None:
    @app.errorhandler(500)
    async def server_error(error: InternalServerError) -> tuple[str, int]:
        return f"500 from {type(error.original_exception).__name__}", 500

    @app.route("/")
    async def index() -> str:
        raise LookupError()

    response = await client.get("/")
    assert response.status_code == 500
    assert await response.get_data(as_text=True) == "500 from LookupError"


async def test_testing_propagates_from_handle_exception(app: Quart) -> None:
    app.testing = True
    async with app.test_request_context("/"):
        with pytest.raises(ValueError, match="inner"):
            await app.handle_exception(ValueError("inner"))


async def test_testing_gives_escaped_traceback_page(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = True

    @app.route("/")
    async def index() -> str:
        raise ValueError("<script>alert(1)</script>")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await client.get("/")
    assert response.status_code == 500
    body = await response.get_data(as_text=True)
    assert "ValueError" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>" not in body


async def test_propagate_exceptions_reaches_the_caller(app: Quart, client: QuartClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/")
    async def index() -> str:
        raise ValueError("to the server")

    with pytest.raises(ValueError, match="to the server"):
        await client.get("/")


async def test_propagate_exceptions_false_overrides_testing(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = True
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    async def index() -> str:
        raise ValueError("hidden")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await client.get("/")
    assert response.status_code == 500
    assert "hidden" not in await response.get_data(as_text=True)


async def test_http_exceptions_are_not_propagated_in_testing(
    app: Quart, client: QuartClient
) -> None:
    app.testing = True

    @app.route("/")
    async def index() -> str:
        abort(409)

    assert (await client.get("/")).status_code == 409


async def test_trap_http_exceptions(app: Quart, client: QuartClient) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/")
    async def index() -> str:
        abort(409)

    with pytest.raises(HTTPException):
        await client.get("/")


# -- reliability of the error path -------------------------------------------------


async def test_error_handler_that_raises(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    torn_down: list[str] = []

    @app.errorhandler(ValueError)
    async def broken_handler(error: Exception) -> str:
        raise RuntimeError("handler failed")

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        torn_down.append("request")

    @app.teardown_appcontext
    async def td_app(exc: BaseException | None) -> None:
        torn_down.append("app")

    @app.route("/")
    async def index() -> str:
        raise ValueError("original")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await client.get("/")
    assert response.status_code == 500
    assert "handler failed" not in await response.get_data(as_text=True)
    assert torn_down == ["request", "app"]


async def test_500_handler_that_raises(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.errorhandler(500)
    async def broken(error: Exception) -> str:
        raise RuntimeError("500 handler failed")

    @app.route("/")
    async def index() -> str:
        raise ValueError("original")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await client.get("/")
    assert response.status_code == 500


async def test_after_request_that_raises(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    torn_down: list[str] = []

    @app.after_request
    async def broken(response: Response) -> Response:
        raise RuntimeError("after failed")

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        torn_down.append("request")

    @app.route("/")
    async def index() -> str:
        return "fine"

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await client.get("/")
    assert response.status_code == 500
    assert "after failed" not in await response.get_data(as_text=True)
    assert torn_down == ["request"]


async def test_teardown_that_raises_runs_the_others(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    @app.teardown_request
    async def last(exc: BaseException | None) -> None:
        ran.append("last")

    @app.teardown_request
    async def broken(exc: BaseException | None) -> None:
        ran.append("broken")
        raise RuntimeError("teardown failed")

    @app.teardown_request
    async def first(exc: BaseException | None) -> None:
        ran.append("first")

    @app.teardown_appcontext
    async def app_level(exc: BaseException | None) -> None:
        ran.append("app")

    @app.route("/")
    async def index() -> str:
        return "fine"

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await client.get("/")
    assert response.status_code == 500
    assert "teardown failed" not in await response.get_data(as_text=True)
    assert ran == ["first", "broken", "last", "app"]
    assert any("teardown failed" in repr(r.exc_info) for r in caplog.records if r.exc_info)


# -- make_response ----------------------------------------------------------------


async def _made(app: Quart, value: Any) -> Response:
    async with app.app_context():
        return await app.make_response(value)  # type: ignore[return-value]


async def test_make_response_types(app: Quart) -> None:
    response = await _made(app, "text")
    assert (response.status_code, response.mimetype) == (200, "text/html")
    assert await response.get_data() == b"text"
    assert response.headers["Content-Length"] == "4"

    response = await _made(app, b"\x00bytes")
    assert await response.get_data() == b"\x00bytes"

    response = await _made(app, {"a": [1, 2]})
    assert response.mimetype == "application/json"
    assert await response.get_json() == {"a": [1, 2]}

    response = await _made(app, [1, "two"])
    assert response.mimetype == "application/json"
    assert await response.get_json() == [1, "two"]

    original = Response("as is", status=201)
    assert await _made(app, original) is original

    response = await _made(app, NotFound())
    assert response.status_code == 404


async def test_make_response_generators(app: Quart) -> None:
    def sync_gen() -> Any:
        yield "a"
        yield b"b"

    async def async_gen() -> Any:
        yield b"c"
        yield "d"

    assert await (await _made(app, sync_gen())).get_data() == b"ab"
    assert await (await _made(app, async_gen())).get_data() == b"cd"


async def test_make_response_tuples(app: Quart) -> None:
    response = await _made(app, ("created", 201))
    assert (response.status_code, await response.get_data(as_text=True)) == (201, "created")

    response = await _made(app, ("with headers", {"X-A": "1"}))
    assert response.status_code == 200 and response.headers["X-A"] == "1"

    response = await _made(app, ("with list headers", [("X-B", "2")]))
    assert response.headers["X-B"] == "2"

    response = await _made(app, ("all three", 202, {"X-C": "3"}))
    assert (response.status_code, response.headers["X-C"]) == (202, "3")

    response = await _made(app, ({"json": True}, 400))
    assert response.status_code == 400 and await response.get_json() == {"json": True}

    response = await _made(app, (Response("resp"), 203, {"X-D": "4"}))
    assert (response.status_code, response.headers["X-D"]) == (203, "4")

    response = await _made(app, ("text status", "299 CUSTOM"))
    assert response.status == "299 CUSTOM"


async def test_make_response_rejects_bad_values(app: Quart) -> None:
    with pytest.raises(TypeError, match="returned None"):
        await _made(app, None)
    with pytest.raises(TypeError, match="tuple"):
        await _made(app, ("a", 200, {}, "extra"))
    with pytest.raises(TypeError):
        await _made(app, 42)


async def test_view_returning_none_is_500_with_clear_log(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/")
    async def index() -> None:
        return None

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await client.get("/")
    assert response.status_code == 500
    errors = [r for r in caplog.records if r.exc_info]
    assert errors and isinstance(errors[0].exc_info[1], TypeError)  # type: ignore[index]
    assert "returned None" in str(errors[0].exc_info[1])  # type: ignore[index]


async def test_make_response_helper(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> Response:
        response = await make_response("made", 201, {"X-Made": "yes"})
        response.set_cookie("c", "v")
        return response

    @app.route("/empty")
    async def empty() -> Response:
        return await make_response()

    response = await client.get("/")
    assert response.status_code == 201
    assert response.headers["X-Made"] == "yes"
    assert "c=v" in response.headers["Set-Cookie"]
    response = await client.get("/empty")
    assert (response.status_code, await response.get_data()) == (200, b"")


async def test_overridden_pipeline_steps_are_called() -> None:
    # The app calls its private steps directly only when a subclass keeps
    # Quart's public ones; an override must still run, as in Quart.
    calls: list[str] = []

    class App(Quart):
        async def preprocess_request(self, request_context: Any = None) -> Any:
            calls.append("preprocess")
            return await super().preprocess_request(request_context)

        async def process_response(self, response: Any, request_context: Any = None) -> Any:
            calls.append("process")
            response.headers["X-Processed"] = "yes"
            return await super().process_response(response, request_context)

    app = App(__name__)

    @app.route("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get("/")
    assert response.headers["X-Processed"] == "yes"
    assert calls == ["preprocess", "process"]
