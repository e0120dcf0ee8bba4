"""The application: Flask's sans-IO app, the registration API and Quart
0.22's public override points.

This module is the public surface. The dispatch pipeline (for HTTP requests
and websockets alike) is in :mod:`quart._app.pipeline`, URL building in
:mod:`quart._app.urls`; each public step here is a thin call into them.
Sync hooks and views are wrapped once (cached by :meth:`ensure_async`),
never per request. Rule: no ASGI message is built here, no task created
(``tests/test_layers.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from collections.abc import AsyncGenerator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from types import TracebackType
from typing import Any
from typing import ClassVar
from typing import NoReturn
from typing import overload
from typing import ParamSpec
from typing import TYPE_CHECKING
from typing import TypeVar

from flask.sansio.app import App
from flask.sansio.scaffold import setupmethod
from werkzeug.datastructures import ImmutableDict
from werkzeug.exceptions import Aborter
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response as WerkzeugResponse

from . import _lazy
from ._app import errors
from ._app import lifecycle as _lifecycle
from ._app import pipeline
from ._app import responses as _responses
from ._app import urls
from ._app.scaffold import QuartScaffold
from ._appgroup import AppGroup
from ._concurrency import is_async_callable
from ._concurrency import run_sync
from ._namespace import _AppCtxGlobals
from .asgi import ASGIHTTPConnection
from .asgi import ASGILifespan
from .asgi import ASGIWebsocketConnection
from .asgi import handle_http
from .asgi import handle_websocket
from .asgi import serve_through_class
from .config import Config
from .config import DEFAULT_CONFIG
from .ctx import _BaseRequestWebsocketContext
from .ctx import AppContext
from .ctx import RequestContext
from .ctx import WebsocketContext
from .globals import _cv_request
from .globals import _cv_websocket
from .globals import _given_or_current
from .globals import g as g
from .globals import request as request
from .globals import session as session
from .globals import websocket as websocket
from .helpers import _safe_location
from .helpers import get_debug_flag
from .json.provider import DefaultJSONProvider
from .routing import QuartMap
from .routing import QuartRule
from .sessions import SecureCookieSessionInterface
from .templating import _default_template_ctx_processor
from .templating import create_environment
from .templating import Environment
from .templating import update_context
from .typing import AfterServingCallable as AfterServingCallable
from .typing import AfterWebsocketCallable as AfterWebsocketCallable
from .typing import BeforeServingCallable as BeforeServingCallable
from .typing import BeforeWebsocketCallable as BeforeWebsocketCallable
from .typing import FilePath as FilePath
from .typing import ResponseReturnValue as ResponseReturnValue
from .typing import ResponseTypes as ResponseTypes
from .typing import TeardownCallable as TeardownCallable
from .typing import TestAppProtocol
from .typing import TestClientProtocol
from .typing import WhileServingCallable as WhileServingCallable
from .utils import AsyncFile
from .utils import open_async
from .wrappers import BaseRequestWebsocket
from .wrappers import Request
from .wrappers import Response
from .wrappers import Websocket

if TYPE_CHECKING:
    from .testing import QuartCliRunner
    from .typing import ASGIHTTPProtocol
    from .typing import ASGILifespanProtocol
    from .typing import ASGIReceiveCallable as ASGIReceiveCallable
    from .typing import ASGISendCallable as ASGISendCallable
    from .typing import ASGIWebsocketProtocol
    from .typing import Scope as Scope

__all__ = ["Quart"]

P = ParamSpec("P")
T = TypeVar("T")
T_after_serving = TypeVar("T_after_serving", bound="AfterServingCallable")
T_before_serving = TypeVar("T_before_serving", bound="BeforeServingCallable")
T_while_serving = TypeVar("T_while_serving", bound="WhileServingCallable")


class Quart(QuartScaffold, App):
    """The application object: register routes and hooks on it, serve it with
    any ASGI server.

    :param import_name: The name of the application package (``__name__``).
    :param static_url_path: URL prefix of the static route (``/static``).
    :param static_folder: Folder of static files, relative to the root path.
    :param static_host: Host of the static route, with ``host_matching``.
    :param host_matching: Match rules on the host too.
    :param subdomain_matching: Match subdomains relative to ``SERVER_NAME``.
    :param template_folder: Folder of templates, relative to the root path.
    :param instance_path: The instance folder (default: ``instance`` beside the app).
    :param instance_relative_config: Load config files relative to the instance folder.
    :param root_path: The app's folder, if it cannot be found from ``import_name``.
    """

    aborter_class = Aborter
    app_ctx_globals_class = _AppCtxGlobals
    asgi_http_class: type[ASGIHTTPProtocol] = ASGIHTTPConnection
    asgi_lifespan_class: type[ASGILifespanProtocol] = ASGILifespan
    asgi_websocket_class: type[ASGIWebsocketProtocol] = ASGIWebsocketConnection
    config_class = Config
    event_class = asyncio.Event
    # An async-rendering Jinja environment, not Flask's sync one.
    jinja_environment = Environment  # type: ignore[assignment]
    json_provider_class = DefaultJSONProvider
    lock_class = asyncio.Lock
    request_class: type[Request] = Request
    response_class: type[Response] = Response
    session_interface = SecureCookieSessionInterface()
    # The test classes are imported on first use: serving does not need
    # quart.testing. Flask's are ``FlaskClient`` and ``FlaskCliRunner``.
    if TYPE_CHECKING:
        test_app_class: type[TestAppProtocol]
        test_client_class: type[TestClientProtocol]  # type: ignore[assignment]
        test_cli_runner_class: type[QuartCliRunner]  # type: ignore[assignment]
    else:
        test_app_class = _lazy.ClassAttribute("quart.testing", "TestApp")
        test_client_class = _lazy.ClassAttribute("quart.testing", "QuartClient")
        test_cli_runner_class = _lazy.ClassAttribute("quart.testing", "QuartCliRunner")
    url_map_class = QuartMap
    url_rule_class: type[QuartRule] = QuartRule
    websocket_class: type[Websocket] = Websocket

    #: Flask's defaults plus Quart's keys (see :data:`quart.config.DEFAULT_CONFIG`).
    default_config = ImmutableDict(DEFAULT_CONFIG)

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_url_path=static_url_path,
            static_folder=static_folder,
            static_host=static_host,
            host_matching=host_matching,
            subdomain_matching=subdomain_matching,
            template_folder=template_folder,
            instance_path=instance_path,
            instance_relative_config=instance_relative_config,
            root_path=root_path,
        )
        self.cli: AppGroup = AppGroup()
        self.cli.name = self.name
        self.after_websocket_funcs = defaultdict(list)
        self.before_websocket_funcs = defaultdict(list)
        self.teardown_websocket_funcs = defaultdict(list)
        #: Functions run when the server starts.
        self.before_serving_funcs: list[BeforeServingCallable] = []
        #: Functions run when the server stops.
        self.after_serving_funcs: list[AfterServingCallable] = []
        #: Async generator functions run around serving.
        self.while_serving_gens: list[Callable[[], AsyncGenerator[None, None]]] = []
        #: Tasks started with :meth:`add_background_task` still running.
        self.background_tasks: set[asyncio.Task[None]] = set()
        #: Set when the server starts shutting down (created at startup).
        self.shutdown_event: asyncio.Event = self.event_class()
        self._running_gens: list[AsyncGenerator[None, None]] = []
        self._async_cache: dict[Any, Callable[..., Awaitable[Any]]] = {}
        self._preserved_context: _BaseRequestWebsocketContext | None = None
        self.template_context_processors[None] = [_default_template_ctx_processor]

        if self.has_static_folder:
            urls.add_static_route(self, static_host, host_matching)

    # -- ASGI --------------------------------------------------------------

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """The ASGI entry point; calls :meth:`asgi_app` (wrap that with middleware)."""
        await self.asgi_app(scope, receive, send)

    async def asgi_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve one ASGI connection (``http``, ``websocket`` or ``lifespan``).

        Replace this attribute with ASGI middleware wrapping it, so the test
        client goes through the middleware too.
        """
        # A connection class overriding none of its steps only forwards: skip it.
        if scope["type"] == "http" and not getattr(self.asgi_http_class, "_overrides", True):
            await handle_http(self, scope, receive, send)
        elif scope["type"] == "websocket" and not getattr(
            self.asgi_websocket_class, "_overrides", True
        ):
            await handle_websocket(self, scope, receive, send)
        else:
            await serve_through_class(self, scope, receive, send)

    # -- registration ---------------------------------------------------

    @setupmethod
    def before_serving(self, func: T_before_serving) -> T_before_serving:
        """Run ``func`` (in an app context) when the server starts."""
        self.before_serving_funcs.append(func)
        return func

    @setupmethod
    def after_serving(self, func: T_after_serving) -> T_after_serving:
        """Run ``func`` (in an app context) when the server stops."""
        self.after_serving_funcs.append(func)
        return func

    @setupmethod
    def while_serving(self, func: T_while_serving) -> T_while_serving:
        """Run an async generator function around serving: the code before its
        ``yield`` at startup, the code after it at shutdown."""
        self.while_serving_gens.append(func)
        return func

    # -- sync/async -------------------------------------------------------

    # The first overload is for async functions alone: given one, mypy
    # cannot choose ``T`` in the union of the second.
    @overload
    def ensure_async(self, func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]: ...
    @overload
    def ensure_async(
        self, func: Callable[P, Awaitable[T]] | Callable[P, T]
    ) -> Callable[P, Awaitable[T]]: ...
    def ensure_async(
        self, func: Callable[P, Awaitable[T]] | Callable[P, T]
    ) -> Callable[P, Awaitable[T]]:
        """Return an awaitable version of ``func``: coroutine functions as they
        are, sync functions wrapped to run in a thread. The result is cached
        per function, so the check happens once, not on every call."""
        try:
            return self._async_cache[func]
        except KeyError:
            pass
        except TypeError:  # unhashable callable
            return self._make_async(func)
        wrapped = self._make_async(func)
        self._async_cache[func] = wrapped
        return wrapped

    def _make_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        if is_async_callable(func) or getattr(func, "_quart_async_wrapper", False):
            return func
        return self.sync_to_async(func)

    def sync_to_async(self, func: Callable[P, T]) -> Callable[P, Awaitable[T]]:
        """Wrap a sync function to run in a thread with the context copied."""
        return run_sync(func)

    # -- contexts ---------------------------------------------------------

    def app_context(self) -> AppContext:
        """A new app context: ``async with app.app_context():``."""
        return AppContext(self)

    def request_context(self, request: Request) -> RequestContext:
        """A context for ``request``: ``async with app.request_context(request):``."""
        return RequestContext(self, request)

    def websocket_context(self, websocket: Websocket) -> WebsocketContext:
        """A context for ``websocket``."""
        return WebsocketContext(self, websocket)

    def test_request_context(self, path: str, **kwargs: Any) -> RequestContext:
        """A request context for a made-up request, for tests.

        Takes the same arguments as the test client's ``open`` (``method``,
        ``headers``, ``query_string``, ``data``, ``form``, ``json``, ...).
        Before-request hooks are not run.
        """
        from .testing.utils import make_test_request

        return self.request_context(make_test_request(self, path, **kwargs))

    # -- URL building -----------------------------------------------------

    def create_url_adapter(self, request: BaseRequestWebsocket | None) -> MapAdapter | None:
        """Bind the URL map to ``request``, or to ``SERVER_NAME`` without one."""
        return urls.create_url_adapter(self, request)

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _external: bool | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        **values: object,
    ) -> str:
        """Build the URL of ``endpoint`` (see :func:`quart.url_for`)."""
        return urls.url_for(self, endpoint, _anchor, _external, _method, _scheme, values)

    def redirect(self, location: str, code: int = 302) -> WerkzeugResponse:
        """A redirect response (see :func:`quart.redirect`).

        Control characters, spaces and non-ASCII characters in ``location``
        are percent-encoded, so a target built from user input can neither
        split the ``Location`` header nor make the response fail.

        :param location: The target URL.
        :param code: The status code (302 by default).
        """
        return super().redirect(_safe_location(location), code)

    # -- the request pipeline (see quart._app.pipeline) --------------------

    #: The public steps this class overrides, and its tables of steps.
    _overridden: ClassVar[frozenset[str]]
    _http_steps: ClassVar[pipeline.Steps[ResponseTypes]]
    _websocket_steps: ClassVar[pipeline.Steps[ResponseTypes | None]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        pipeline.decide(cls, pipeline.overridden(cls, Quart))

    def __setattr__(self, name: str, value: object) -> None:
        # A step replaced on one app (quart-schema wraps app.make_response) is
        # honoured too: that app gets its own tables. Reading pays nothing.
        object.__setattr__(self, name, value)
        if name in pipeline.PUBLIC_STEPS:
            pipeline.decide(self, self._overridden | {name})

    async def handle_request(self, request: Request) -> ResponseTypes:
        """Handle one HTTP request from start to finish and return the response."""
        return await self._http_steps.handle(self, self.request_context(request))

    async def handle_websocket(self, websocket: Websocket) -> ResponseTypes | None:
        """Handle one websocket from start to finish; a response means it was refused."""
        return await self._websocket_steps.handle(self, self.websocket_context(websocket))

    async def full_dispatch_request(
        self, request_context: RequestContext | None = None
    ) -> ResponseTypes:
        """Send ``request_started``, run the hooks and the view, handle errors,
        and finalize the response."""
        ctx = _given_or_current(request_context, _cv_request)
        return await self._http_steps._full_dispatch(self, ctx)

    async def full_dispatch_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> ResponseTypes | None:
        """The websocket equivalent of :meth:`full_dispatch_request`."""
        ctx = _given_or_current(websocket_context, _cv_websocket)
        return await self._websocket_steps._full_dispatch(self, ctx)

    async def preprocess_request(
        self, request_context: RequestContext | None = None
    ) -> ResponseReturnValue | None:
        """Run URL value preprocessors and ``before_request`` functions (app
        first, then blueprints outer to inner); a non-``None`` result wins."""
        ctx = _given_or_current(request_context, _cv_request)
        return await self._http_steps._preprocess(self, ctx)

    async def preprocess_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> ResponseReturnValue | None:
        """Run URL value preprocessors and ``before_websocket`` functions."""
        ctx = _given_or_current(websocket_context, _cv_websocket)
        return await self._websocket_steps._preprocess(self, ctx)

    async def dispatch_request(
        self, request_context: RequestContext | None = None
    ) -> ResponseReturnValue:
        """Call the view for the request (or raise its routing error; answer
        automatic ``OPTIONS``)."""
        ctx = _given_or_current(request_context, _cv_request)
        return await pipeline.dispatch_request(self, ctx)

    async def dispatch_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> ResponseReturnValue | None:
        """Call the websocket view (or raise its routing error)."""
        ctx = _given_or_current(websocket_context, _cv_websocket)
        return await pipeline.dispatch_websocket(self, ctx)

    def raise_routing_exception(self, request: BaseRequestWebsocket) -> NoReturn:
        """Raise the request's routing error (404, 405, or a slash redirect)."""
        raise request.routing_exception  # type: ignore[misc]

    async def make_default_options_response(self) -> Response:
        """The automatic ``OPTIONS`` response: 200 with ``Allow``."""
        return pipeline.default_options_response(self, _cv_request.get())

    async def finalize_request(
        self,
        result: ResponseReturnValue | HTTPException,
        request_context: RequestContext | None = None,
        from_error_handler: bool = False,
    ) -> ResponseTypes:
        """Turn the view's result into a response, run the after hooks, save
        the session and send ``request_finished``."""
        ctx = _given_or_current(request_context, _cv_request)
        return await self._http_steps._finalize(self, ctx, result, from_error_handler)

    async def finalize_websocket(
        self,
        result: ResponseReturnValue | HTTPException | None,
        websocket_context: WebsocketContext | None = None,
        from_error_handler: bool = False,
    ) -> ResponseTypes | None:
        """Turn a websocket view's result (if any) into a response and run the
        after hooks and ``websocket_finished``."""
        ctx = _given_or_current(websocket_context, _cv_websocket)
        return await self._websocket_steps._finalize(self, ctx, result, from_error_handler)

    async def process_response(
        self, response: ResponseTypes, request_context: RequestContext | None = None
    ) -> ResponseTypes:
        """Run ``after_this_request`` and ``after_request`` functions (inner
        blueprints first, app last) and save the session."""
        ctx = _given_or_current(request_context, _cv_request)
        return await self._http_steps._postprocess(self, ctx, response)

    async def postprocess_websocket(
        self,
        response: ResponseTypes | None,
        websocket_context: WebsocketContext | None = None,
    ) -> ResponseTypes | None:
        """Run ``after_this_websocket`` and ``after_websocket`` functions and save the session."""
        ctx = _given_or_current(websocket_context, _cv_websocket)
        return await self._websocket_steps._postprocess(self, ctx, response)

    # -- responses ------------------------------------------------------

    async def make_response(self, result: ResponseReturnValue | HTTPException) -> ResponseTypes:
        """Turn a view's return value into a response.

        Accepts ``str``, ``bytes``, ``dict``/``list`` (JSON), a response (a
        Werkzeug response is returned as it is, as Quart does), an
        ``HTTPException`` (Werkzeug's response for it), sync or async
        generators and iterables, and the tuples ``(body, status)``,
        ``(body, headers)``, ``(body, status, headers)``.
        """
        return _responses.make_response(self, result)

    # -- errors ---------------------------------------------------------

    async def handle_user_exception(self, error: Exception) -> HTTPException | ResponseReturnValue:
        """Find and call the error handler for ``error`` (re-raised if none)."""
        return await errors.user_exception(self, pipeline.current(), error)  # type: ignore[arg-type]

    async def handle_http_exception(
        self, error: HTTPException
    ) -> HTTPException | ResponseReturnValue:
        """Call the handler registered for an HTTP error, or return the error
        itself (which becomes its default response)."""
        return await errors.http_exception(self, pipeline.current(), error)

    async def handle_exception(self, error: Exception) -> ResponseTypes:
        """Handle an error no handler dealt with: send ``got_request_exception``,
        then re-raise (``PROPAGATE_EXCEPTIONS``, on in debug and testing) or log
        it and answer 500 (through a 500 handler if there is one)."""
        return await self._http_steps._exception(self, _cv_request.get(None), error)

    async def handle_websocket_exception(self, error: Exception) -> ResponseTypes | None:
        """The websocket equivalent of :meth:`handle_exception`."""
        return await self._websocket_steps._exception(self, _cv_websocket.get(None), error)

    def log_exception(
        self,
        exception_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None],
    ) -> None:
        """Log an unhandled error (path and method escaped: one line per request)."""
        errors.log_exception(self, pipeline.current(), exception_info)

    # -- teardown -------------------------------------------------------

    async def do_teardown_request(
        self, exc: BaseException | None, request_context: RequestContext | None = None
    ) -> None:
        """Run ``teardown_request`` functions (all of them, even if some raise)
        and send ``request_tearing_down``."""
        ctx = _given_or_current(request_context, _cv_request)
        await self._http_steps.teardown(self, ctx, exc)

    async def do_teardown_websocket(
        self, exc: BaseException | None, websocket_context: WebsocketContext | None = None
    ) -> None:
        """Run ``teardown_websocket`` functions and send ``websocket_tearing_down``."""
        ctx = _given_or_current(websocket_context, _cv_websocket)
        await self._websocket_steps.teardown(self, ctx, exc)

    async def do_teardown_appcontext(self, exc: BaseException | None) -> None:
        """Run ``teardown_appcontext`` functions and send ``appcontext_tearing_down``."""
        await pipeline.teardown_appcontext(self, exc)

    # -- templates ------------------------------------------------------

    def create_jinja_environment(self) -> Environment:  # type: ignore[override]
        """Create the async Jinja environment with Quart's globals."""
        return create_environment(self)

    async def update_template_context(self, context: dict[str, Any]) -> None:
        """Add the context processors' values to ``context`` (explicit values win)."""
        await update_context(self, context)

    # -- files ----------------------------------------------------------

    async def open_instance_resource(
        self, path: FilePath, mode: str = "rb", encoding: str | None = None
    ) -> AsyncFile:
        """Open a file relative to the :attr:`instance_path`, in any mode
        (``async with await app.open_instance_resource("app.db", "wb") as f:``).

        :param path: The file, relative to the instance folder.
        :param mode: The mode, as for :func:`open`.
        :param encoding: The text encoding, for text mode.
        """
        return open_async(os.path.join(self.instance_path, os.fsdecode(path)), mode, encoding)

    # -- lifespan and background tasks ------------------------------------

    def add_background_task(
        self, func: Callable[..., object], *args: object, **kwargs: object
    ) -> None:
        """Run ``func(*args, **kwargs)`` (sync or async) in the background,
        in a fresh app context. Errors are logged and sent as
        ``got_background_exception``; shutdown waits for the task up to
        ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT``.

        The task outlives the request that started it (a client disconnect
        does not cancel it) and sees no request context, only its own app
        context. Sync views may call this too.
        """
        _lifecycle.add_background_task(self, func, args, kwargs)

    async def handle_background_exception(self, error: Exception) -> None:
        """Log a background task's error and send ``got_background_exception``."""
        await _lifecycle.background_exception(self, error)

    async def startup(self) -> None:
        """Run ``before_serving`` functions, then the first half of each
        ``while_serving`` generator, in an app context.

        If a step fails, the generators already started are closed (their
        ``finally`` blocks run) before the error propagates.
        """
        await _lifecycle.startup(self)

    async def shutdown(self) -> None:
        """Wait for background tasks (then cancel them), finish the
        ``while_serving`` generators in reverse order, then run
        ``after_serving`` functions.

        Every step runs even if an earlier one fails; each error is logged and
        sent as ``got_serving_exception``, then the first is raised.
        """
        await _lifecycle.shutdown(self)

    # -- serving and testing factories --------------------------------------

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        use_reloader: bool = True,
        loop: asyncio.AbstractEventLoop | None = None,
        ca_certs: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        **kwargs: object,
    ) -> None:
        """Serve the app on Hypercorn for development (see :mod:`quart._devserver.serving`).

        Not for production: use ``hypercorn module:app`` there.
        """
        from ._devserver.serving import run

        run(self, host, port, debug, use_reloader, loop, ca_certs, certfile, keyfile, **kwargs)

    def run_task(
        self,
        host: str = "127.0.0.1",
        port: int = 5000,
        debug: bool | None = None,
        ca_certs: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        shutdown_trigger: Callable[..., Awaitable[None]] | None = None,
    ) -> Coroutine[None, None, None]:
        """A coroutine that serves the app on Hypercorn in the running loop."""
        from ._devserver.serving import run_task

        return run_task(self, host, port, debug, ca_certs, certfile, keyfile, shutdown_trigger)

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> TestClientProtocol:
        """A client that calls the app in-process: ``await client.get("/")``."""
        return self.test_client_class(self, use_cookies=use_cookies, **kwargs)

    def test_app(self) -> TestAppProtocol:
        """A harness that runs startup/shutdown: ``async with app.test_app():``."""
        return self.test_app_class(self)

    def test_cli_runner(self, **kwargs: object) -> QuartCliRunner:
        """A click runner that invokes the app's CLI commands."""
        return self.test_cli_runner_class(self, **kwargs)

    def make_shell_context(self) -> dict[str, Any]:
        """The namespace of ``quart shell``: ``app``, ``g`` and shell context processors."""
        context = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            context.update(processor())
        return context

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create :attr:`config` from :attr:`default_config`.

        Unlike Flask's, this leaves ``DEBUG`` unset rather than reading
        ``FLASK_DEBUG``; :attr:`debug` falls back to ``QUART_DEBUG``.

        :param instance_relative: Load files relative to the instance folder.
        """
        root_path = self.instance_path if instance_relative else self.root_path
        return self.config_class(root_path, dict(self.default_config))

    @property
    def debug(self) -> bool:
        """Debug mode (``DEBUG``; when unset, ``QUART_DEBUG`` as it was when
        the app was created)."""
        value = self.config["DEBUG"]
        if value is None:
            # Read once: JSON responses consult this on every request, and an
            # environment lookup costs more than the rest (bench: json).
            env = self.__dict__.get("_env_debug")
            if env is None:
                env = self.__dict__["_env_debug"] = get_debug_flag()
            return env
        return bool(value)

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    @cached_property
    def logger(self) -> logging.Logger:
        """The app's :class:`logging.Logger`, named :attr:`name`, with
        :data:`quart.logging.default_handler` added when nothing else would
        print its records (``app.logger.removeHandler(default_handler)``
        removes it)."""
        from .logging import create_logger

        return create_logger(self)


pipeline.decide(Quart, frozenset())


# Quart 0.22's module-level names (Flask, Headers, cancel_tasks, ...), some
# imported only when asked for (the module's __getattr__).
from ._app.names import *  # noqa: E402, F403
from ._app.names import app_module_dir as __dir__  # noqa: E402, F401
from ._app.names import app_module_getattr as __getattr__  # noqa: E402, F401
