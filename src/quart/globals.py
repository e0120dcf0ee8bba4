"""Context variables and the proxies users import (``request``, ``g``, ...).

Only declarations live here. A pushed :class:`~quart.ctx.RequestContext` is
stored in both ``_cv_app`` and ``_cv_request`` (it *is* the app context of its
request), so one object carries ``g``, the request, the session and the URL
adapter, and ``current_app``/``request`` resolve with a single lookup.
"""

from __future__ import annotations

from contextvars import ContextVar
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

app_ctx = cast("AppContext", LocalProxy(_cv_app, unbound_message=_no_app_msg))
current_app = cast("Quart", LocalProxy(_cv_app, "app", unbound_message=_no_app_msg))
g = cast("_AppCtxGlobals", LocalProxy(_cv_app, "g", unbound_message=_no_app_msg))

request_ctx = cast("RequestContext", LocalProxy(_cv_request, unbound_message=_no_req_msg))
request = cast("Request", LocalProxy(_cv_request, "request", unbound_message=_no_req_msg))

websocket_ctx = cast(
    "WebsocketContext", LocalProxy(_cv_websocket, unbound_message=_no_websocket_msg)
)
# The context's attribute, not its ``websocket`` property: one Python call
# less on every ``websocket.receive``/``websocket.send`` (bench: ws_echo).
websocket = cast(
    "Websocket", LocalProxy(_cv_websocket, "request_websocket", unbound_message=_no_websocket_msg)
)


def _get_session() -> SessionMixin:
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError(_no_session_msg)
    return ctx.session


session = cast("SessionMixin", LocalProxy(_get_session))


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
