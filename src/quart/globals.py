"""Context variables and the proxies users import (``request``, ``g``, ...).

Only declarations live here. A pushed :class:`~quart.ctx.RequestContext` is
stored in both ``_cv_app`` and ``_cv_request`` (it *is* the app context of its
request), so one object carries ``g``, the request, the session and the URL
adapter, and ``current_app``/``request`` resolve with a single lookup.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from typing import cast
from typing import TYPE_CHECKING
from typing import TypeVar

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from flask.ctx import _AppCtxGlobals

    from .app import Quart
    from .ctx import AppContext
    from .ctx import RequestContext
    from .ctx import WebsocketContext
    from .sessions import SessionMixin
    from .wrappers import Request
    from .wrappers import Websocket

_no_app_msg = (
    "Not within an app context. This typically means you tried to use"
    " functionality that needs the current application outside a request or"
    " an 'async with app.app_context():' block. Push an app context to fix it."
)
_no_req_msg = (
    "Not within a request context. This typically means you tried to use"
    " functionality that needs an active HTTP request. Use"
    " 'async with app.test_request_context(...)' in tests, or"
    " copy_current_request_context for tasks you spawn."
)
_no_websocket_msg = (
    "Not within a websocket context. This typically means you tried to use"
    " functionality that needs an active websocket connection, or spawned a"
    " task without copy_current_websocket_context."
)
_no_session_msg = (
    "Not within a request nor websocket context. The session is only"
    " available while handling a request or websocket."
)

_cv_app: ContextVar[AppContext] = ContextVar("quart.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("quart.request_ctx")
_cv_websocket: ContextVar[WebsocketContext] = ContextVar("quart.websocket_ctx")

# -- the proxies ---------------------------------------------------------------
#
# Werkzeug's ``LocalProxy`` forwards every operation through a descriptor, so
# ``request.method``, ``websocket.receive`` or ``g.user = ...`` cost three
# Python calls each (``_ProxyLookup.__get__``, ``_get_current_object``, the
# binding function) before the real lookup (bench: ws_echo, two per echoed
# message; json_echo and g_hook, ``g.user = ...`` in a ``before_request``).
# Each proxy here is an instance of its own ``LocalProxy`` subclass whose
# ``__getattr__``, ``__setattr__`` and ``__delattr__`` are one plain function
# reading the context variable itself. Everything else (every other dunder,
# ``_get_current_object``, ``__wrapped__``, ``__class__``, the unbound
# fallbacks) is Werkzeug's own, inherited, and the unbound errors are the
# same ``RuntimeError`` messages.


def _subclass(namespace: dict[str, Any]) -> type[LocalProxy[Any]]:
    """A ``LocalProxy`` subclass with the functions in ``namespace``.

    Named ``LocalProxy`` so ``repr`` of an unbound proxy stays
    ``<LocalProxy unbound>``; no ``__dict__`` (``__slots__``), and Werkzeug's
    ``__doc__`` descriptor kept (a class body would shadow it with ``None``,
    and ``request.__doc__`` would stop being the request's).
    """
    namespace.update(__slots__=(), __module__=__name__, __doc__=LocalProxy.__dict__["__doc__"])
    return type("LocalProxy", (LocalProxy,), namespace)


def _context_proxy(var: ContextVar[Any], attr: str | None, unbound_message: str) -> LocalProxy[Any]:
    """A proxy to ``var``'s current value (or its attribute ``attr``), as
    ``LocalProxy(var, attr, unbound_message=...)`` with cheaper attribute
    access."""
    if attr is None:

        def __getattr__(self: LocalProxy[Any], name: str) -> Any:
            try:
                obj = var.get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            return getattr(obj, name)

        def __setattr__(self: LocalProxy[Any], name: str, value: Any) -> None:
            try:
                obj = var.get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            setattr(obj, name, value)

        def __delattr__(self: LocalProxy[Any], name: str) -> None:
            try:
                obj = var.get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            delattr(obj, name)

    else:

        def __getattr__(self: LocalProxy[Any], name: str) -> Any:
            try:
                obj = var.get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            return getattr(getattr(obj, attr), name)

        def __setattr__(self: LocalProxy[Any], name: str, value: Any) -> None:
            try:
                obj = var.get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            setattr(getattr(obj, attr), name, value)

        def __delattr__(self: LocalProxy[Any], name: str) -> None:
            try:
                obj = var.get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            delattr(getattr(obj, attr), name)

    cls = _subclass(
        {"__getattr__": __getattr__, "__setattr__": __setattr__, "__delattr__": __delattr__}
    )
    return cls(var, attr, unbound_message=unbound_message)


app_ctx = cast("AppContext", _context_proxy(_cv_app, None, _no_app_msg))
current_app = cast("Quart", _context_proxy(_cv_app, "app", _no_app_msg))
g = cast("_AppCtxGlobals", _context_proxy(_cv_app, "g", _no_app_msg))

request_ctx = cast("RequestContext", _context_proxy(_cv_request, None, _no_req_msg))
request = cast("Request", _context_proxy(_cv_request, "request_websocket", _no_req_msg))

websocket_ctx = cast("WebsocketContext", _context_proxy(_cv_websocket, None, _no_websocket_msg))
# The context's attribute, not its ``websocket`` property: one Python call
# less on every ``websocket.receive``/``websocket.send`` (bench: ws_echo).
websocket = cast("Websocket", _context_proxy(_cv_websocket, "request_websocket", _no_websocket_msg))


def _get_session() -> SessionMixin:
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError(_no_session_msg)
    return ctx.session


def _session_getattr(self: LocalProxy[Any], name: str) -> Any:
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError(_no_session_msg)
    return getattr(ctx.session, name)


def _session_setattr(self: LocalProxy[Any], name: str, value: Any) -> None:
    setattr(_get_session(), name, value)


def _session_delattr(self: LocalProxy[Any], name: str) -> None:
    delattr(_get_session(), name)


# A proxy over a function, as before (its unbound ``__wrapped__`` is
# ``_get_session``), with ``session.get(...)``, ``session.modified`` and the
# like read without Werkzeug's descriptor calls.
session = cast(
    "SessionMixin",
    _subclass(
        {
            "__getattr__": _session_getattr,
            "__setattr__": _session_setattr,
            "__delattr__": _session_delattr,
        }
    )(_get_session),
)


_Ctx = TypeVar("_Ctx", "RequestContext", "WebsocketContext")
_unbound: dict[ContextVar[RequestContext] | ContextVar[WebsocketContext], str] = {
    _cv_request: _no_req_msg,
    _cv_websocket: _no_websocket_msg,
}


def _given_or_current(ctx: _Ctx | None, var: ContextVar[_Ctx]) -> _Ctx:
    """``ctx`` if given, else the current context of ``var`` (``_cv_request``
    or ``_cv_websocket``): the optional-context argument of Quart 0.22's
    public pipeline methods, typed. Outside one, ``RuntimeError`` as the
    ``request_ctx`` and ``websocket_ctx`` proxies raise."""
    if ctx is not None:
        return ctx
    try:
        return var.get()
    except LookupError:
        raise RuntimeError(_unbound[var]) from None


def _current_app() -> Quart:
    """The current app itself (``current_app._get_current_object()``, typed)."""
    try:
        return _cv_app.get().app
    except LookupError:
        raise RuntimeError(_no_app_msg) from None


# -- names Quart 0.22's module has, for code that imports them from here --------


def _session_lookup() -> RequestContext | WebsocketContext:
    """The current request's (or else websocket's) context, which holds the
    session; ``RuntimeError`` outside both."""
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError("Not within a request nor websocket context")
    return ctx
