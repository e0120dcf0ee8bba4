"""The dispatch pipeline, one for HTTP requests and websockets.

Theory of operation::

    Steps.handle                        push the context, catch errors
      full_dispatch                     started signal, then
        preprocess                      url value preprocessors, before_* hooks
        dispatch                        routing errors, OPTIONS, the view
        (user_exception)                error handlers by code and class
      finalize                          make_response, then
        postprocess                     after_* hooks, session
        (compress)                      HTTP, COMPRESS_ENABLED: quart.compression
    (exception)                         unhandled: log, signal, 500
    context pop                         teardown_* functions, collected errors

Each kind of connection (:data:`HTTP`, :data:`WEBSOCKET`) has one table of
these steps per app class, a :class:`Steps`, built when the class is created
(``Quart.__init_subclass__``). A step that the class leaves as Quart's is
this module's private function, called with the context; a step that the
class overrides (``preprocess_request``, ``finalize_websocket``, ...) is a call
to the override with Quart 0.22's signature. So the dispatch runs straight
through the table, with no per-request test of what is overridden, and an
override is always honoured wherever the pipeline reaches its step.

The public methods of ``Quart`` call the private function of their own step
(never the table's entry for it, which may be the override calling them
through ``super()``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from itertools import chain
from typing import Any
from typing import cast
from typing import Generic
from typing import TYPE_CHECKING
from typing import TypeVar

from blinker import NamedSignal
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError

from .. import signals
from .._session_lifecycle import _save_for_response
from ..asgi._common import _being_cancelled
from ..asgi._disconnect import _CURRENT_TASKS
from ..ctx import _CollectErrors
from ..globals import _cv_request
from ..globals import _cv_websocket
from ..wrappers.base import ClientDisconnectedError
from ..wrappers.websocket import _is_disconnect
from . import responses as _responses
from ._overrides import _exception_with
from ._overrides import _finalize_with
from ._overrides import _make_response_public
from ._overrides import _postprocess_with
from ._overrides import _with_ctx
from .errors import user_exception

if TYPE_CHECKING:
    from ..app import Quart
    from ..ctx import _BaseRequestWebsocketContext as Ctx
    from ..typing import ResponseReturnValue
    from ..typing import ResponseTypes
    from ..wrappers import Response

    #: What a response is made of; ``None`` is a websocket's accepted end
    #: (and a TypeError for HTTP, raised by ``make_response``).
    Made = ResponseReturnValue | HTTPException
    Result = Made | None

_ResponseT = TypeVar("_ResponseT", bound="ResponseTypes | None")
#: What one kind's pipeline answers: a response (HTTP), or maybe none (websocket).
R = TypeVar("R", bound="ResponseTypes | None")


def current() -> Ctx | None:
    """The request or websocket context being handled, if any."""
    return _cv_request.get(None) or _cv_websocket.get(None)


def decide(owner: type[Quart] | Quart, overrides: frozenset[str]) -> None:
    """Record which public steps ``owner`` (an app class, or one app whose
    own attributes replace steps) overrides, and build its tables of steps."""
    # object.__setattr__: on an app, Quart.__setattr__ would call us again.
    set_attribute = type.__setattr__ if isinstance(owner, type) else object.__setattr__
    set_attribute(owner, "_overridden", overrides)
    http: Steps[ResponseTypes] = Steps(HTTP, overrides)
    websocket: Steps[ResponseTypes | None] = Steps(WEBSOCKET, overrides)
    set_attribute(owner, "_http_steps", http)
    set_attribute(owner, "_websocket_steps", websocket)


def overridden(cls: type, base: type) -> frozenset[str]:
    """The names of :data:`PUBLIC_STEPS` that ``cls`` defines differently from ``base``."""
    return frozenset(name for name in PUBLIC_STEPS if getattr(cls, name) is not getattr(base, name))


def really_cancelled(error: BaseException) -> bool:
    """Whether ``error`` is the serving task being cancelled, not a
    ``CancelledError`` app code raised on its own (which is an error)."""
    if not isinstance(error, asyncio.CancelledError):
        return False
    if _CURRENT_TASKS is None:
        return _being_cancelled()
    # _being_cancelled() without current_task()'s Python call on 3.11 (see
    # _CURRENT_TASKS; bench: ws_connect, where every connection ends so).
    task = _CURRENT_TASKS.get(asyncio.get_running_loop())
    return task is not None and task.cancelling() > 0


class Kind:
    """What differs between the HTTP and websocket runs of the pipeline: data
    (hook attributes, signals, the public names of each step), never flags."""

    __slots__ = (
        "after",
        "before",
        "finished",
        "got_exception",
        "names",
        "started",
        "teardown",
        "tearing_down",
        "title",
    )

    def __init__(self, prefix: str, title: str, names: dict[str, str]) -> None:
        self.title = title
        self.before = f"before_{prefix}_funcs"
        self.after = f"after_{prefix}_funcs"
        self.teardown = f"teardown_{prefix}_funcs"
        self.started: NamedSignal = getattr(signals, f"{prefix}_started")
        self.finished: NamedSignal = getattr(signals, f"{prefix}_finished")
        self.got_exception: NamedSignal = getattr(signals, f"got_{prefix}_exception")
        self.tearing_down: NamedSignal = getattr(signals, f"{prefix}_tearing_down")
        #: Table entry -> the public method that overrides it.
        self.names = names


HTTP = Kind(
    "request",
    "Request",
    {
        "full_dispatch": "full_dispatch_request",
        "preprocess": "preprocess_request",
        "dispatch": "dispatch_request",
        "finalize": "finalize_request",
        "postprocess": "process_response",
        "exception": "handle_exception",
    },
)
WEBSOCKET = Kind(
    "websocket",
    "Websocket",
    {
        "full_dispatch": "full_dispatch_websocket",
        "preprocess": "preprocess_websocket",
        "dispatch": "dispatch_websocket",
        "finalize": "finalize_websocket",
        "postprocess": "postprocess_websocket",
        "exception": "handle_websocket_exception",
    },
)

#: The public methods a subclass may override that the pipeline (or a
#: context's pop) reaches; decided once per class by :func:`overridden`.
PUBLIC_STEPS = frozenset(
    {*HTTP.names.values(), *WEBSOCKET.names.values(), "make_response", "handle_user_exception"}
    | {"do_teardown_appcontext", "do_teardown_request", "do_teardown_websocket"}
    | {"ensure_async"}
    # handle_request and request_context: handle_http skips both when neither
    # is overridden (Steps.direct); handle_websocket likewise for websockets.
    | {"handle_request", "request_context", "handle_websocket"}
    # create_url_adapter: a context calls routing.adapter_for_request itself
    # when it is not overridden.
    | {"create_url_adapter"}
    # quart.url_for calls _app.urls.url_for itself, which skips
    # inject_url_defaults when it has nothing to do, while neither is overridden.
    | {"url_for", "inject_url_defaults"}
)


def _awaitable(app: Quart, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """``app.ensure_async(func)``; read from its cache when the app's class
    keeps Quart's method (bench: plaintext, make bench-instr: a call per
    hook and view)."""
    if "ensure_async" not in app._overridden:
        try:
            cached = app._async_cache.get(func)
        except TypeError:  # an unhashable callable: ensure_async handles it
            cached = None
        if cached is not None:
            return cached
    return app.ensure_async(func)


def _drop_tracebacks(error: BaseException) -> None:
    """Drop the tracebacks of ``error`` and of the errors it was raised from
    or during."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__


def _blueprint_names(request: Any) -> tuple[str, ...]:
    """``request.blueprints``, without its three property calls when the
    endpoint is not in a blueprint (bench: plaintext, make bench-instr)."""
    if request._plain_blueprints:
        rule = request.url_rule
        if rule is None or "." not in rule.endpoint:
            return ()
    return tuple(request.blueprints)


class Steps(Generic[R]):
    """The pipeline of one kind of connection, as one app class runs it;
    ``R`` is what it answers (``ResponseTypes``, or ``| None`` for websockets)."""

    __slots__ = (
        "direct",
        "dispatch",
        "dispatch_error",
        "exception",
        "finalize",
        "full_dispatch",
        "kind",
        "make_response",
        "make_response_now",
        "own_finalize",
        "own_preprocess",
        "postprocess",
        "preprocess",
        "user_exception",
    )
    full_dispatch: Callable[[Quart, Ctx], Awaitable[R]]
    preprocess: Callable[[Quart, Ctx], Awaitable[ResponseReturnValue | None]]
    dispatch: Callable[[Quart, Ctx], Awaitable[ResponseReturnValue | None]]
    finalize: Callable[..., Awaitable[R]]
    postprocess: Callable[[Quart, Ctx, R], Awaitable[R]]
    exception: Callable[[Quart, Ctx | None, Exception], Awaitable[R]]
    user_exception: Callable[[Quart, Ctx, Exception], Awaitable[Result]]
    dispatch_error: Callable[[Quart, Ctx, Exception], Awaitable[Result]]
    make_response: Callable[[Quart, Result], Awaitable[R]]

    def __init__(self, kind: Kind, overrides: frozenset[str]) -> None:
        self.kind = kind
        websocket = kind is WEBSOCKET
        own: tuple[tuple[str, object, Callable[[str], object]], ...] = (
            (
                "full_dispatch",
                self._full_dispatch_websocket if websocket else self._full_dispatch,
                _with_ctx,
            ),
            ("preprocess", self._preprocess, _with_ctx),
            ("dispatch", dispatch_websocket if websocket else dispatch_request, _with_ctx),
            ("finalize", self._finalize, _finalize_with),
            ("postprocess", self._postprocess, _postprocess_with),
            ("exception", self._exception, _exception_with),
        )
        for entry, default, call_override in own:
            name = kind.names[entry]
            setattr(self, entry, call_override(name) if name in overrides else default)
        names = kind.names
        #: Whether _full_dispatch runs Quart's own preprocess step, and its
        #: finalize and postprocess steps, in its own frame: a coroutine less
        #: for each (bench: plaintext, make bench-instr).
        self.own_preprocess = names["preprocess"] not in overrides
        self.own_finalize = names["finalize"] not in overrides and (
            names["postprocess"] not in overrides
        )
        #: Whether the ASGI adapter may run :meth:`handle` in a plain
        #: ``RequestContext`` itself, without ``app.handle_request`` and
        #: ``app.request_context`` (neither overridden): a coroutine and a
        #: call less per request (bench: plaintext, make bench-instr).
        self.direct = not websocket and not overrides & {"handle_request", "request_context"}
        self.user_exception = (
            user_exception
            if "handle_user_exception" not in overrides
            else lambda app, ctx, error: app.handle_user_exception(error)
        )
        self.dispatch_error = self._websocket_error if websocket else self._request_error
        make = _make_response if "make_response" not in overrides else _make_response_public
        #: Quart's own make_response, called without a coroutine around it
        #: (bench: plaintext, make bench-instr); None when overridden.
        self.make_response_now: Callable[[Quart, Any], Any] | None = (
            _responses.make_response if make is _make_response and not websocket else None
        )
        # A websocket view may return nothing (it was accepted): no response.
        # (R is ``| None`` exactly for the websocket kind, which mypy cannot
        # tell from ``kind``.)
        self.make_response = cast(
            "Callable[[Quart, Result], Awaitable[R]]", _or_none(make) if websocket else make
        )

    # -- the steps, as Quart's own ------------------------------------------

    async def handle(self, app: Quart, ctx: Ctx) -> R:
        """Run the whole pipeline in ``ctx``; push and pop it around."""
        # No push()/pop() coroutines while the class keeps them (bench: plaintext).
        plain = ctx._plain_push
        rest = ctx._enter() if plain else ctx.push()
        if rest is not None:
            await rest
        error: BaseException | None = None
        result: ResponseTypes | None = None
        try:
            try:
                result = await self.full_dispatch(app, ctx)
                return result
            except ClientDisconnectedError:
                raise
            except (Exception, asyncio.CancelledError) as exc:
                if really_cancelled(exc):
                    raise  # A real cancellation (client gone, shutdown, timeout).
                # Anything else, including a CancelledError the app raised
                # itself (no error handler can be registered for it), is an
                # unhandled error: teardown functions and the tearing-down
                # signals get it even though it becomes a 500, as in Flask.
                error = exc
                result = await self.exception(app, ctx, cast(Exception, exc))
                return result
        except BaseException as exc:
            error = exc
            raise
        finally:
            if self.kind is WEBSOCKET:
                # Before the teardown: fix the close code the websocket will
                # report (websocket.close_code) from how the pipeline ended.
                # Inline, not a helper: one call less per websocket (bench: ws_connect).
                connection = getattr(ctx.request_websocket, "_connection", None)
                if connection is not None:
                    connection.settle(result, error)
            try:
                if ctx.request_websocket.scope.get("_quart._preserve_context", False):
                    ctx.preserved = True
                    app._preserved_context = ctx
                else:
                    rest = ctx._leave(error) if plain else ctx.pop(error)
                    if rest is not None:
                        await rest
                    routing_error = ctx.request_websocket.routing_exception
                    if routing_error is not None:
                        # Its traceback's frames (and its context's) lead back
                        # to this context and the request that holds it: a
                        # reference cycle per 404 once the request is over
                        # (tests/test_no_cycles.py). Handlers and logs had it.
                        _drop_tracebacks(routing_error)
            finally:
                # The error's traceback holds this frame, whose ``error``
                # would hold the error: a reference cycle that kept the whole
                # connection (task, context, websocket, frames) for the cyclic
                # garbage collector (bench: ws_connect, where every
                # connection ends with a cancellation).
                error = None

    async def _full_dispatch(self, app: Quart, ctx: Ctx) -> R:
        # Flask marks the first request here, after which adding routes or
        # hooks raises; Quart does not, and apps (and their tests) that add
        # a route after serving a request rely on that, so neither do we.
        result: Result
        try:
            started = self.kind.started
            # Receivers for this app (or any sender), not just any receivers:
            # another app's receivers cost this one nothing.
            if started.receivers and started.has_receivers_for(app):
                await started.send_async(app)
            if self.own_preprocess:
                # _preprocess(app, ctx), inlined: a coroutine less per request
                # (bench: plaintext, make bench-instr). Keep the two in step.
                result = None
                request = ctx.request_websocket
                rule = request.url_rule
                if request._plain_blueprints and (rule is None or "." not in rule.endpoint):
                    names: tuple[str | None, ...] = (None,)
                else:
                    blueprints = request.blueprints
                    names = (None, *reversed(blueprints)) if blueprints else (None,)
                preprocessors = app.url_value_preprocessors
                if preprocessors:
                    for name in names:
                        for processor in preprocessors.get(name, ()):
                            processor(request.endpoint, request.view_args)
                hooks: dict[str | None, list[Callable[[], object]]] = getattr(app, self.kind.before)
                if hooks:
                    cache = app._async_cache if "ensure_async" not in app._overridden else {}
                    for name in names:
                        for func in hooks.get(name, ()):
                            try:
                                call = cache.get(func)
                            except TypeError:  # unhashable: ensure_async handles it
                                call = None
                            if call is None:
                                call = app.ensure_async(func)
                            result = await call()
                            if result is not None:
                                break
                        if result is not None:
                            break
            else:
                result = await self.preprocess(app, ctx)
            if result is None:
                if self.dispatch is dispatch_request:
                    # dispatch_request(app, ctx), inlined: a coroutine less
                    # per request (bench: plaintext, make bench-instr). Keep
                    # the two in step.
                    request = ctx.request_websocket
                    if request.routing_exception is not None:
                        app.raise_routing_exception(request)
                    rule = request.url_rule
                    if request.method == "OPTIONS" and getattr(
                        rule, "provide_automatic_options", False
                    ):
                        result = await app.make_default_options_response()
                    else:
                        view = app.view_functions[rule.endpoint]  # type: ignore[union-attr]
                        try:
                            call = (
                                app._async_cache.get(view)
                                if "ensure_async" not in app._overridden
                                else None
                            )
                        except TypeError:  # unhashable: ensure_async handles it
                            call = None
                        if call is None:
                            call = app.ensure_async(view)
                        # No ** call (a dict built and unpacked) for a view
                        # without arguments (bench: plaintext, make bench-instr).
                        view_args = request.view_args
                        result = await (call(**view_args) if view_args else call())
                else:
                    result = await self.dispatch(app, ctx)
        except Exception as error:
            # This frame is in the error's traceback and keeps its locals:
            # none may lead back to the error, or the request is left in a
            # reference cycle (tests/test_no_cycles.py). An error handler may
            # answer with the error itself: ``result``, dropped once the
            # response is made. (A routing error, held by the request, loses
            # its traceback when the request ends: see handle.)
            result = await self.dispatch_error(app, ctx, error)
        if not self.own_finalize:
            finalized = await self.finalize(app, ctx, result)
            result = None
            return finalized
        # _finalize(app, ctx, result) and _postprocess(app, ctx, response),
        # inlined: two coroutines less per request (bench: plaintext, make
        # bench-instr). Keep the three in step. (Not from an error handler,
        # so an error here propagates, as _finalize lets it.)
        make_now = self.make_response_now
        response: R
        if make_now is not None:
            response = make_now(app, result)
        else:
            response = await self.make_response(app, result)
        result = None
        after_funcs = ctx._after_funcs
        if after_funcs:
            for func in after_funcs:
                response = await app.ensure_async(func)(response)
        after: dict[str | None, list[Callable[[Any], Any]]] = getattr(app, self.kind.after)
        if after:
            for name in chain(_blueprint_names(ctx.request_websocket), (None,)):
                for func in reversed(after.get(name, ())):
                    response = await _awaitable(app, func)(response)
        saving = _save_for_response(ctx, response)
        if saving is not None:
            await saving
        if app.config["COMPRESS_ENABLED"] and self.kind is HTTP:
            from ..compression import compress_response  # imported once it is used

            response = await compress_response(app, ctx.request_websocket, response)
        finished = self.kind.finished
        if finished.receivers and finished.has_receivers_for(app):
            await finished.send_async(app, response=response)
        return response

    async def _full_dispatch_websocket(self, app: Quart, ctx: Ctx) -> R:
        # _full_dispatch for a websocket, with dispatch_websocket's lines
        # inlined and _preprocess not called when it has nothing to run: two
        # coroutines less per connection (bench: ws_connect). Keep the three
        # in step.
        result: Result
        try:
            started = self.kind.started
            if started.receivers and started.has_receivers_for(app):
                await started.send_async(app)
            if (
                not self.own_preprocess
                or app.url_value_preprocessors
                or getattr(app, self.kind.before)
            ):
                result = await self.preprocess(app, ctx)
            else:
                result = None
            if result is None:
                if self.dispatch is dispatch_websocket:
                    websocket = ctx.request_websocket
                    if websocket.routing_exception is not None:
                        app.raise_routing_exception(websocket)
                    view = app.view_functions[websocket.url_rule.endpoint]  # type: ignore[union-attr]
                    try:
                        call = (
                            app._async_cache.get(view)
                            if "ensure_async" not in app._overridden
                            else None
                        )
                    except TypeError:  # unhashable: ensure_async handles it
                        call = None
                    if call is None:
                        call = app.ensure_async(view)
                    result = await call(**(websocket.view_args or {}))
                else:
                    result = await self.dispatch(app, ctx)
        except Exception as error:
            # As in _full_dispatch: no local may lead back to the error.
            result = await self.dispatch_error(app, ctx, error)
        response = await self.finalize(app, ctx, result)
        result = None
        return response

    async def _request_error(self, app: Quart, ctx: Ctx, error: Exception) -> Result:
        try:
            if isinstance(error, ClientDisconnectedError):
                raise error  # Nobody to answer: handle_http ends the request quietly.
            return await self.user_exception(app, ctx, error)
        finally:
            # Re-raised, the error's traceback holds this frame: it must not
            # hold the error (a reference cycle per unhandled error).
            error = None  # type: ignore[assignment]

    async def _websocket_error(self, app: Quart, ctx: Ctx, error: Exception) -> Result:
        try:
            if _is_disconnect(error):
                # The client closed the websocket (maybe seen by a TaskGroup
                # of readers and writers): how one usually ends, not an
                # error, so the after hooks and websocket_finished still run.
                return None
            return await self.user_exception(app, ctx, error)
        finally:
            error = None  # type: ignore[assignment]  # as in _request_error

    async def _preprocess(self, app: Quart, ctx: Ctx) -> ResponseReturnValue | None:
        # _full_dispatch has a copy of these lines: keep the two in step.
        request = ctx.request_websocket
        # _blueprint_names(request), inlined (bench: plaintext, make bench-instr).
        rule = request.url_rule
        if request._plain_blueprints and (rule is None or "." not in rule.endpoint):
            names: tuple[str | None, ...] = (None,)
        else:
            blueprints = request.blueprints
            names = (None, *reversed(blueprints)) if blueprints else (None,)
        preprocessors = app.url_value_preprocessors
        if preprocessors:
            for name in names:
                for processor in preprocessors.get(name, ()):
                    processor(request.endpoint, request.view_args)
        hooks: dict[str | None, list[Callable[[], object]]] = getattr(app, self.kind.before)
        if hooks:
            # _awaitable(app, func), inlined (bench: plaintext, make bench-instr).
            cache = app._async_cache if "ensure_async" not in app._overridden else {}
            for name in names:
                for func in hooks.get(name, ()):
                    try:
                        call = cache.get(func)
                    except TypeError:  # unhashable: ensure_async handles it
                        call = None
                    if call is None:
                        call = app.ensure_async(func)
                    result = await call()
                    if result is not None:
                        return cast("ResponseReturnValue", result)
        return None

    async def _finalize(
        self, app: Quart, ctx: Ctx, result: Result, from_error_handler: bool = False
    ) -> R:
        # _full_dispatch has a copy of these lines (and _postprocess's): keep
        # the three in step.
        make_now = self.make_response_now
        response: R
        if make_now is not None:
            response = make_now(app, result)
        else:
            response = await self.make_response(app, result)
        try:
            response = await self.postprocess(app, ctx, response)
            if app.config["COMPRESS_ENABLED"] and self.kind is HTTP:
                from ..compression import compress_response  # imported once it is used

                response = await compress_response(app, ctx.request_websocket, response)
            finished = self.kind.finished
            if finished.receivers and finished.has_receivers_for(app):
                await finished.send_async(app, response=response)
        except (Exception, asyncio.CancelledError) as error:
            if not from_error_handler or really_cancelled(error):
                raise
            app.logger.error(
                f"{self.kind.title} finalizing failed with an error while handling an error",
                exc_info=(type(error), error, error.__traceback__),
            )
        return response

    async def _postprocess(self, app: Quart, ctx: Ctx, response: R) -> R:
        # _full_dispatch has a copy of these lines: keep the two in step.
        for func in ctx._after_funcs:
            response = await app.ensure_async(func)(response)
        hooks: dict[str | None, list[Callable[[Any], Any]]] = getattr(app, self.kind.after)
        if hooks:
            for name in chain(_blueprint_names(ctx.request_websocket), (None,)):
                for func in reversed(hooks.get(name, ())):
                    response = await _awaitable(app, func)(response)
        saving = _save_for_response(ctx, response)
        if saving is not None:
            await saving
        return response

    async def _exception(self, app: Quart, ctx: Ctx | None, error: Exception) -> R:
        exc_info = sys.exc_info()
        got_exception = self.kind.got_exception
        if got_exception.has_receivers_for(app):
            await got_exception.send_async(app, exception=error)
        propagate = app.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = app.testing or app.debug
        if propagate:
            if exc_info[1] is error:
                raise
            raise error
        if exc_info[1] is not error:
            # Called outside the ``except`` block: log ``error`` itself. Its
            # traceback is None if it was never raised, which logging accepts
            # but ``log_exception``'s (Flask's) signature does not.
            exc_info = (type(error), error, error.__traceback__)  # type: ignore[assignment]
        app.log_exception(exc_info)
        server_error = InternalServerError(original_exception=error)
        blueprints = ctx.request_websocket.blueprints if ctx is not None else []
        handler = app._find_error_handler(server_error, blueprints)
        result: object = server_error
        if handler is not None:
            result = await app.ensure_async(handler)(server_error)
        return await self.finalize(app, ctx, result, True)

    async def teardown(self, app: Quart, ctx: Ctx, exc: BaseException | None) -> None:
        """Run the teardown functions (all of them, even if some raise) and
        send the tearing-down signal."""
        collect = _CollectErrors()
        hooks: dict[str | None, list[Callable[[BaseException | None], object]]] = getattr(
            app, self.kind.teardown
        )
        if hooks:
            for name in chain(ctx.request_websocket.blueprints, (None,)):
                for func in reversed(hooks.get(name, ())):
                    with collect:
                        await app.ensure_async(func)(exc)
        tearing_down = self.kind.tearing_down
        if tearing_down.has_receivers_for(app):
            await tearing_down.send_async(app, exc=exc)
        collect.raise_any()


# -- steps that are the same for both kinds ---------------------------------


async def dispatch_request(app: Quart, ctx: Ctx) -> ResponseReturnValue:
    """Call the view for the request (or raise its routing error; answer
    automatic ``OPTIONS``). ``Steps._full_dispatch`` runs a copy of these
    lines: keep the two in step."""
    request = ctx.request_websocket
    if request.routing_exception is not None:
        app.raise_routing_exception(request)
    rule = request.url_rule
    if request.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
        return await app.make_default_options_response()
    view = app.view_functions[rule.endpoint]  # type: ignore[union-attr]
    # _awaitable(app, view), inlined (bench: plaintext, make bench-instr).
    try:
        call = app._async_cache.get(view) if "ensure_async" not in app._overridden else None
    except TypeError:  # unhashable: ensure_async handles it
        call = None
    if call is None:
        call = app.ensure_async(view)
    # Flask types views as returning its own ResponseReturnValue; annotated,
    # not cast(): cast is a Python call (bench: plaintext, make bench-instr).
    view_args = request.view_args
    result: ResponseReturnValue = await (call(**view_args) if view_args else call())
    return result


async def dispatch_websocket(app: Quart, ctx: Ctx) -> ResponseReturnValue | None:
    """Call the websocket view (or raise its routing error).
    ``Steps._full_dispatch_websocket`` runs a copy of these lines: keep the
    two in step."""
    websocket = ctx.request_websocket
    if websocket.routing_exception is not None:
        app.raise_routing_exception(websocket)
    view = app.view_functions[websocket.url_rule.endpoint]  # type: ignore[union-attr]
    # Flask types views as returning its own ResponseReturnValue.
    return cast(
        "ResponseReturnValue | None", await app.ensure_async(view)(**(websocket.view_args or {}))
    )


def default_options_response(app: Quart, ctx: Ctx) -> Response:
    """The automatic ``OPTIONS`` response: 200 with ``Allow``."""
    adapter = ctx.url_adapter
    methods = adapter.allowed_methods(ctx.request_websocket.path) if adapter is not None else []
    response = app.response_class("")
    response.allow.update(methods)
    return response


async def _make_response(app: Quart, result: Made) -> ResponseTypes:
    return _responses.make_response(app, result)


def _or_none(
    make: Callable[[Quart, Made], Awaitable[ResponseTypes]],
) -> Callable[[Quart, Result], Awaitable[ResponseTypes | None]]:
    async def make_or_none(app: Quart, result: Result) -> ResponseTypes | None:
        return None if result is None else await make(app, result)

    return make_or_none


async def teardown_appcontext(app: Quart, exc: BaseException | None) -> None:
    """Run the ``teardown_appcontext`` functions (all of them, even if some
    raise) and send ``appcontext_tearing_down``."""
    collect = _CollectErrors()
    for func in reversed(app.teardown_appcontext_funcs):
        with collect:
            await app.ensure_async(func)(exc)
    tearing_down = signals.appcontext_tearing_down
    if tearing_down.has_receivers_for(app):
        await tearing_down.send_async(app, exc=exc)
    collect.raise_any()
