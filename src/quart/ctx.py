"""Application, request and websocket contexts.

How contexts work here: a :class:`RequestContext` (or
:class:`WebsocketContext`) is also the app context of its request. Pushing
it sets ``_cv_app`` and ``_cv_request`` to the same object, so ``g``,
``current_app``, ``request`` and ``session`` each resolve with one context
variable lookup, and a request costs one object instead of two. When an app
context for the same app is already active (``async with app.app_context()``
around ``test_request_context``), the request shares its ``g`` and leaves
the app-level teardown to the outer context, as Flask does.

The session is opened lazily: for the default cookie session, on first
access; a request that never touches ``session`` pays nothing. Custom
session interfaces with their own ``open_session`` are opened on push.
Those decisions are ``quart.sessions``'s: a context only keeps the session
(``_session``) and calls its entry points.

Teardown runs every function even when one raises; the errors are raised
together afterwards (one error as itself, several as an exception group).

Rule: contexts read no config (the ASGI adapter and the pipeline read it at
the edge and pass values in), build no ASGI message and create no task
(``tests/test_layers.py`` checks).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Iterator
from contextvars import ContextVar
from contextvars import Token
from operator import attrgetter
from types import TracebackType
from typing import Any
from typing import cast
from typing import ClassVar
from typing import NoReturn
from typing import overload
from typing import ParamSpec
from typing import Self
from typing import TYPE_CHECKING
from typing import TypeVar

from flask.ctx import _AppCtxGlobals as _AppCtxGlobals
from werkzeug.exceptions import HTTPException

from . import signals
from ._collect import _CollectErrors as _CollectErrors
from ._session_lifecycle import _open_for_context
from ._session_lifecycle import _session_of
from ._session_lifecycle import _session_to_share
from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .routing import adapter_for_request
from .routing import match
from .signals import appcontext_popped as appcontext_popped
from .signals import appcontext_pushed as appcontext_pushed
from .typing import AfterRequestCallable as AfterRequestCallable
from .typing import AfterWebsocketCallable as AfterWebsocketCallable

if TYPE_CHECKING:
    from blinker import NamedSignal
    from werkzeug.routing import MapAdapter

    from .app import Quart
    from .sessions import SessionMixin
    from .typing import AfterRequestCallable
    from .typing import AfterWebsocketCallable
    from .wrappers import Request
    from .wrappers import Websocket

__all__ = [
    "AppContext",
    "RequestContext",
    "WebsocketContext",
    "after_this_request",
    "after_this_websocket",
    "copy_current_app_context",
    "copy_current_request_context",
    "copy_current_websocket_context",
    "has_app_context",
    "has_request_context",
    "has_websocket_context",
]

P = ParamSpec("P")
T = TypeVar("T")
_sentinel: Any = object()
#: The teardown steps an app class may override (see _leave).
_TEARDOWN_STEPS = frozenset(
    {f"do_teardown_{kind}" for kind in ("request", "websocket", "appcontext")}
)


def _has_appcontext_teardown(app: Quart) -> bool:
    # A subclass overriding the method is always called (which steps a class
    # overrides is decided once per class: Quart.__init_subclass__).
    return bool(
        app.teardown_appcontext_funcs
        or signals.appcontext_tearing_down.has_receivers_for(app)
        or "do_teardown_appcontext" in app._overridden
    )


def _run_outside_a_loop(coroutine: Coroutine[object, None, object]) -> None:
    """Run ``coroutine`` to completion from sync code, in a short-lived event
    loop; the coroutine sees the current context variables (a copy)."""
    asyncio.run(coroutine)


def _in_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class AppContext:
    """The application context: ``current_app`` and ``g`` while it is pushed.

    Use it as ``async with app.app_context():``. Sync code (a script, a
    thread, a sync test) may use ``with app.app_context():`` as in Flask:
    the ``teardown_appcontext`` functions and ``appcontext_*`` signal
    receivers then run to completion in a short-lived event loop. Inside a
    running event loop that is only possible when there are none (there is
    no way to wait for them without blocking the loop), so there ``with``
    raises :class:`RuntimeError` asking for ``async with``.

    :param app: The application.
    """

    def __init__(self, app: Quart) -> None:
        #: The application.
        self.app = app
        #: Namespace for data during this context (``g``).
        self.g: _AppCtxGlobals = app.app_ctx_globals_class()
        self._url_adapter: MapAdapter | None = _sentinel
        self._tokens: list[Token[Any]] = []

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The URL adapter for building URLs (needs ``SERVER_NAME`` outside requests)."""
        if self._url_adapter is _sentinel:
            self._url_adapter = self.app.create_url_adapter(None)
        return self._url_adapter

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    def copy(self) -> AppContext:
        """A context sharing this one's app and ``g``, to push elsewhere."""
        new = self.__class__(self.app)
        new.g = self.g
        return new

    async def push(self) -> None:
        """Make this the current app context."""
        self._tokens.append(_cv_app.set(self))
        if signals.appcontext_pushed.has_receivers_for(self.app):
            await signals.appcontext_pushed.send_async(self.app)

    async def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Tear down and stop being the current app context.

        :param exc: The error that ended the context, if any (detected from
            the exception being handled when not given).
        """
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        try:
            if len(self._tokens) == 1:
                await self.app.do_teardown_appcontext(exc)
        finally:
            _cv_app.reset(self._tokens.pop())
        if signals.appcontext_popped.has_receivers_for(self.app):
            await signals.appcontext_popped.send_async(self.app)

    async def __aenter__(self) -> Self:
        await self.push()
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.pop(exc_value)

    def __enter__(self) -> Self:
        async_work = bool(
            signals.appcontext_pushed.has_receivers_for(self.app)
            or signals.appcontext_popped.has_receivers_for(self.app)
            or (not self._tokens and _has_appcontext_teardown(self.app))
        )
        if async_work and _in_running_loop():
            raise RuntimeError(
                "'with app.app_context()' cannot run this app's teardown_appcontext"
                " functions or appcontext signal receivers inside a running event loop"
                " without blocking it: use 'async with app.app_context()' in async code."
            )
        self._tokens.append(_cv_app.set(self))
        if signals.appcontext_pushed.has_receivers_for(self.app):
            _run_outside_a_loop(signals.appcontext_pushed.send_async(self.app))
        return self

    def __exit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if len(self._tokens) == 1 and _has_appcontext_teardown(self.app):
                if _in_running_loop():
                    raise RuntimeError(
                        "teardown_appcontext functions were added while a sync 'with"
                        " app.app_context()' was open inside a running event loop; they"
                        " cannot run: use 'async with app.app_context()' in async code."
                    )
                _run_outside_a_loop(self.app.do_teardown_appcontext(exc_value))
        finally:
            _cv_app.reset(self._tokens.pop())
        if signals.appcontext_popped.has_receivers_for(self.app) and not _in_running_loop():
            _run_outside_a_loop(signals.appcontext_popped.send_async(self.app))


class _BaseRequestWebsocketContext(AppContext):
    """The shared machinery of request and websocket contexts."""

    # Set by each subclass: the context variable it is current in, its
    # teardown functions (an app attribute), the signal sent after them, and
    # the app method that runs them.
    _var: ClassVar[ContextVar[Any]]
    _teardown_funcs: str
    _tearing_down: NamedSignal
    _teardown_method: str

    def __enter__(self) -> NoReturn:
        raise TypeError(
            "Request and websocket contexts open the session and run hooks"
            " asynchronously: use 'async with app.test_request_context(...)'"
            " (or 'async with app.app_context()' for current_app and g only)."
        )

    def __init__(
        self,
        app: Quart,
        request_websocket: Request | Websocket,
        session: SessionMixin | None = None,
    ) -> None:
        # RequestContext.__init__ and WebsocketContext.__init__ have a copy
        # of these lines: keep them in step.
        self.app = app
        self.g = _sentinel
        self._tokens = []
        #: The request (or websocket) this context is for (Quart's name).
        self.request_websocket = request_websocket
        self._session = session
        self._owns_app_context = True
        self._url_adapter = _sentinel
        #: Flashed messages loaded for this request (see ``get_flashed_messages``).
        self.flashes: list[tuple[str, str]] | None = None
        #: Whether this context was kept after the request (test client).
        self.preserved = False
        self._after_funcs: list[Callable[..., Any]] = []

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The URL adapter bound to this request's host and root path."""
        if self._url_adapter is _sentinel:
            self._url_adapter = self.app.create_url_adapter(self.request_websocket)
        return self._url_adapter

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    @property
    def session(self) -> SessionMixin:
        """The session, opened on first access. Reading this (as the
        ``session`` proxy does) marks the session accessed, so the response
        gets ``Vary: Cookie``."""
        session = self._session
        if session is None:
            session = _session_of(self)
        session.accessed = True
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    def match_request(self) -> None:
        """Match the request's URL, storing the rule and view arguments
        (or the routing error) on the request."""
        request = self.request_websocket
        try:
            # The url_adapter property, inlined (bench: plaintext, make bench-instr).
            adapter = self._url_adapter
            if adapter is _sentinel:
                app = self.app
                # Quart's create_url_adapter without the app's method (a
                # call less per request: bench: plaintext, make bench-instr).
                adapter = self._url_adapter = (
                    adapter_for_request(app, request)
                    if "create_url_adapter" not in app._overridden
                    else app.create_url_adapter(request)
                )
            if adapter is None:
                return
            # routing.match's remembered answer, read in place (bench:
            # plaintext, make bench-instr); match() on a miss.
            cache = getattr(adapter, "_quart_matches", None)
            hit = (
                cache.get((request.path, request.method, self._is_websocket))
                if type(cache) is dict
                else None
            )
            if hit:  # (False: a path seen once, not remembered yet.)
                args = hit[1]
                request.url_rule, request.view_args = hit[0], dict(args) if args else {}
                return
            rule, args = match(
                adapter, request.path, request.method, request.query_string, self._is_websocket
            )
            request.url_rule, request.view_args = rule, args
        except HTTPException as error:
            # Its traceback, kept for error handlers and logs, is dropped when
            # the request ends (pipeline.Steps.handle): the frames lead back
            # here, to this context and the request that holds the error.
            request.routing_exception = error

    _is_websocket = False
    #: Whether push and pop are the base's: the pipeline calls _enter and _leave then.
    _plain_push = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        base = _BaseRequestWebsocketContext
        cls._plain_push = cls.push is base.push and cls.pop is base.pop

    async def push(self) -> None:
        """Make this the current context: match the URL and open the session
        when the session interface needs it done up front."""
        rest = self._enter()
        if rest is not None:
            await rest

    def _enter(self) -> Awaitable[None] | None:
        # push()'s work, without a coroutine when nothing is async (no
        # appcontext_pushed receivers, a session opened on first access): the
        # pipeline calls it directly while push and pop are Quart's own
        # (_plain_push; bench: plaintext, make bench-instr). Returns the rest
        # to await, or None.
        app = self.app
        if self.g is _sentinel:
            outer = _cv_app.get(None)
            if outer is not None and outer.app is app:
                self.g = outer.g
                self._owns_app_context = False
            else:
                self.g = app.app_ctx_globals_class()
        tokens = self._tokens
        tokens.append(_cv_app.set(self))
        tokens.append(self._var.set(self))
        pushed = signals.appcontext_pushed
        if self._owns_app_context and pushed.receivers and pushed.has_receivers_for(app):
            return self._push_rest(pushed.send_async(app))
        # The session is opened before matching (as Flask does) so that URL
        # converters can use it: _open_for_context, whose None answers are
        # tested in place (bench: plaintext, make bench-instr; keep in step).
        if self._session is None and (
            getattr(type(app.session_interface), "_lazy_open", False) is not True
        ):
            return self._push_rest(None, _open_for_context(self))
        request = self.request_websocket
        if request.url_rule is None and request.routing_exception is None:
            self.match_request()
        return None

    async def _push_rest(self, signal: Awaitable[object] | None, opening: Any = None) -> None:
        if signal is not None:
            await signal
            opening = _open_for_context(self)
        if opening is not None:
            await opening
        request = self.request_websocket
        if request.url_rule is None and request.routing_exception is None:
            self.match_request()

    def _leave(self, exc: BaseException | None) -> Awaitable[None] | None:
        # pop(exc) without a coroutine when there is nothing to tear down, no
        # uploads to close and no appcontext_popped receivers (bench:
        # plaintext, make bench-instr); otherwise pop's coroutine, to await.
        app = self.app
        # A superset of pop's tests (a context sharing an outer app context
        # may go to pop needlessly: pop decides exactly).
        if len(self._tokens) == 2 and (
            getattr(app, self._teardown_funcs)
            or self._tearing_down.receivers
            or app.teardown_appcontext_funcs
            or signals.appcontext_tearing_down.receivers
            or not _TEARDOWN_STEPS.isdisjoint(app._overridden)
            or getattr(self.request_websocket, "_files", None)
        ):
            return self.pop(exc)
        popped = signals.appcontext_popped
        if self._owns_app_context and popped.receivers and popped.has_receivers_for(app):
            return self.pop(exc)
        self._var.reset(self._tokens.pop())
        _cv_app.reset(self._tokens.pop())
        return None

    async def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Run teardown functions and stop being the current context.

        :param exc: The error that ended the request, if any.
        """
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        # The collector is made only when there is teardown to run: most
        # requests have none (bench: plaintext, json count the instructions).
        collect: _CollectErrors | None = None
        app = self.app
        try:
            if len(self._tokens) == 2:
                # _has_teardown() and _has_appcontext_teardown(), inlined: four
                # calls per request (bench: plaintext, make bench-instr).
                overridden = app._overridden
                if (
                    getattr(app, self._teardown_funcs)
                    or self._tearing_down.receivers
                    or self._teardown_method in overridden
                ):
                    collect = _CollectErrors(BaseException)
                    with collect:
                        await self._teardown(exc)
                if self._owns_app_context and (
                    app.teardown_appcontext_funcs
                    or signals.appcontext_tearing_down.receivers
                    or "do_teardown_appcontext" in overridden
                ):
                    collect = collect or _CollectErrors(BaseException)
                    with collect:
                        await app.do_teardown_appcontext(exc)
                # Only a request that parsed uploads has files to close (a
                # websocket has no ``_files``; its ``close`` sends a close).
                if getattr(self.request_websocket, "_files", None):
                    await cast("Request", self.request_websocket).close()
        finally:
            self._var.reset(self._tokens.pop())
            _cv_app.reset(self._tokens.pop())
        popped = signals.appcontext_popped
        if self._owns_app_context and popped.receivers and popped.has_receivers_for(app):
            await signals.appcontext_popped.send_async(self.app)
        if collect is not None:
            collect.raise_any()

    async def _teardown(self, exc: BaseException | None) -> None:
        raise NotImplementedError

    def copy(self) -> Self:
        """A context for the same request (or websocket) and session, sharing ``g``."""
        new = self.__class__(self.app, self.request_websocket, _session_to_share(self))
        new.g = self.g
        return new

    @contextlib.contextmanager
    def _activated(self) -> Iterator[None]:
        """Make this context current without running any hooks (streaming)."""
        app_token = _cv_app.set(self)
        token = self._var.set(self)
        try:
            yield
        finally:
            self._var.reset(token)
            _cv_app.reset(app_token)

    async def auto_pop(self, exc: BaseException | None) -> None:
        """Pop unless the context is preserved (kept for the test client)."""
        if not self.preserved:
            await self.pop(exc)


class RequestContext(_BaseRequestWebsocketContext):
    """The context of one HTTP request: ``request``, ``session``, ``g``.

    :param app: The application.
    :param request: The request.
    :param session: A session to use instead of opening one.
    """

    _var = _cv_request
    _teardown_funcs = "teardown_request_funcs"
    _tearing_down = signals.request_tearing_down
    _teardown_method = "do_teardown_request"

    request_websocket: Request

    if TYPE_CHECKING:

        @property
        def request(self) -> Request:
            """The request."""

    else:
        # A property whose getter is C (attrgetter), not a Python function:
        # the ``request`` proxy resolves through it on every use (bench:
        # query_header, json_echo, make bench-instr).
        request = property(attrgetter("request_websocket"), doc="The request.")

    @property
    def _after_request_functions(self) -> list[Callable[..., Any]]:
        # Quart's name for the after_this_request functions (tests read it).
        return self._after_funcs

    def __init__(self, app: Quart, request: Request, session: SessionMixin | None = None) -> None:
        # _BaseRequestWebsocketContext.__init__, inlined (a call per request;
        # bench: plaintext, make bench-instr): keep the two in step.
        self.app = app
        self.g = _sentinel
        self._tokens = []
        self.request_websocket = request
        self._session = session
        self._owns_app_context = True
        self._url_adapter = _sentinel
        self.flashes = None
        self.preserved = False
        self._after_funcs = []

    async def _teardown(self, exc: BaseException | None) -> None:
        await self.app.do_teardown_request(exc, self)


class WebsocketContext(_BaseRequestWebsocketContext):
    """The context of one websocket connection: ``websocket``, ``session``, ``g``.

    :param app: The application.
    :param websocket: The websocket.
    :param session: A session to use instead of opening one.
    """

    _var = _cv_websocket
    _is_websocket = True
    _teardown_funcs = "teardown_websocket_funcs"
    _tearing_down = signals.websocket_tearing_down
    _teardown_method = "do_teardown_websocket"

    request_websocket: Websocket

    @property
    def websocket(self) -> Websocket:
        """The websocket."""
        return self.request_websocket

    @property
    def _after_websocket_functions(self) -> list[Callable[..., Any]]:
        # Quart's name for the after_this_websocket functions.
        return self._after_funcs

    def __init__(
        self, app: Quart, websocket: Websocket, session: SessionMixin | None = None
    ) -> None:
        # _BaseRequestWebsocketContext.__init__, inlined (a call per
        # connection; bench: ws_connect): keep the two in step.
        self.app = app
        self.g = _sentinel
        self._tokens = []
        self.request_websocket = websocket
        self._session = session
        self._owns_app_context = True
        self._url_adapter = _sentinel
        self.flashes = None
        self.preserved = False
        self._after_funcs = []

    async def _teardown(self, exc: BaseException | None) -> None:
        await self.app.do_teardown_websocket(exc, self)


def after_this_request(func: AfterRequestCallable) -> AfterRequestCallable:
    """Run ``func(response)`` after this request, before the app's
    ``after_request`` functions; it must return a response.

    :param func: Sync or async; receives and returns the response.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError("after_this_request can only be used inside a request.")
    ctx._after_funcs.append(func)
    return func


def after_this_websocket(func: AfterWebsocketCallable) -> AfterWebsocketCallable:
    """Run ``func(response)`` after this websocket ends (``response`` may be ``None``).

    :param func: Sync or async.
    """
    ctx = _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError("after_this_websocket can only be used inside a websocket.")
    ctx._after_funcs.append(func)
    return func


def _copied(
    func: Callable[P, Awaitable[T]] | Callable[P, T], ctx: AppContext | None, what: str
) -> Callable[P, Coroutine[object, None, T]]:
    # ``func`` (sync or async) wrapped to run, awaited, in a copy of ``ctx``.
    if ctx is None:
        raise RuntimeError(f"Attempted to copy the {what} context outside of one.")
    copied = ctx.copy()

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        async with copied:
            return await copied.app.ensure_async(func)(*args, **kwargs)

    return wrapper


# Each has two overloads, as ``Quart.ensure_async``: given an async function,
# mypy cannot choose ``T`` in the union of the second.


@overload
def copy_current_app_context(
    func: Callable[P, Awaitable[T]],
) -> Callable[P, Coroutine[object, None, T]]: ...
@overload
def copy_current_app_context(func: Callable[P, T]) -> Callable[P, Coroutine[object, None, T]]: ...
def copy_current_app_context(
    func: Callable[P, Awaitable[T]] | Callable[P, T],
) -> Callable[P, Coroutine[object, None, T]]:
    """Wrap ``func`` (sync or async) to run in a copy of the current app context.

    Use it for tasks you spawn; the returned wrapper must be awaited.
    """
    return _copied(func, _cv_app.get(None), "app")


@overload
def copy_current_request_context(
    func: Callable[P, Awaitable[T]],
) -> Callable[P, Coroutine[object, None, T]]: ...
@overload
def copy_current_request_context(
    func: Callable[P, T],
) -> Callable[P, Coroutine[object, None, T]]: ...
def copy_current_request_context(
    func: Callable[P, Awaitable[T]] | Callable[P, T],
) -> Callable[P, Coroutine[object, None, T]]:
    """Wrap ``func`` (sync or async) to run in a copy of the current request
    context, so a spawned task can use ``request`` and ``session``."""
    return _copied(func, _cv_request.get(None), "request")


@overload
def copy_current_websocket_context(
    func: Callable[P, Awaitable[T]],
) -> Callable[P, Coroutine[object, None, T]]: ...
@overload
def copy_current_websocket_context(
    func: Callable[P, T],
) -> Callable[P, Coroutine[object, None, T]]: ...
def copy_current_websocket_context(
    func: Callable[P, Awaitable[T]] | Callable[P, T],
) -> Callable[P, Coroutine[object, None, T]]:
    """Wrap ``func`` (sync or async) to run in a copy of the current websocket context."""
    return _copied(func, _cv_websocket.get(None), "websocket")


def has_app_context() -> bool:
    """Whether an app context (or request/websocket context) is active."""
    return _cv_app.get(None) is not None


def has_request_context() -> bool:
    """Whether a request context is active."""
    return _cv_request.get(None) is not None


def has_websocket_context() -> bool:
    """Whether a websocket context is active."""
    return _cv_websocket.get(None) is not None


# -- names Quart 0.22's module has, for code that imports them from here --------

from flask.sessions import SessionMixin as SessionMixin  # noqa: E402

from .wrappers import BaseRequestWebsocket as BaseRequestWebsocket  # noqa: E402
from .wrappers import Request as Request  # noqa: E402
from .wrappers import Websocket as Websocket  # noqa: E402
