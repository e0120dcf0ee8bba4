"""Context variables and the proxies users import (``request``, ``g``, ...).

Only declarations live here. A pushed :class:`~quart.ctx.RequestContext` is
stored in both ``_cv_app`` and ``_cv_request`` (it *is* the app context of its
request), so one object carries ``g``, the request, the session and the URL
adapter, and ``current_app``/``request`` resolve with a single lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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
# Werkzeug's ``LocalProxy`` reaches the proxied object's attributes through
# ``__getattr__``, which Python calls only after its ordinary lookup failed:
# on Python 3.11 that failure builds and formats an ``AttributeError``
# (~3.8k instructions), then ``__getattr__`` is a descriptor whose
# ``__get__``, ``_get_current_object`` and binding function are three more
# Python calls. ``request.method``, ``websocket.receive`` or ``g.user`` thus
# cost ~5k instructions each (bench: ws_echo, two per echoed message;
# query_header, three; json_echo, one), and ``g.user = ...`` ~3k (the
# ``before_request`` of every bench endpoint; g_hook).
#
# Each proxy here is an instance of its own ``LocalProxy`` subclass whose
# ``__getattribute__`` is one plain function: a name the proxy class itself
# has (``_get_current_object``, ``__class__``, ``__wrapped__``, the
# dunders' descriptors...) is looked up as Python would have, anything else
# is read from the context variable's current object directly. What the
# ordinary lookup then did is unchanged: every dunder, the unbound
# fallbacks (``bool``, ``repr``, ``dir``, ``__class__``, ``__wrapped__``)
# and the ``RuntimeError`` messages are Werkzeug's, inherited.
# ``__setattr__``/``__delattr__`` are one plain function too.

_object_getattribute = object.__getattribute__


class _Missed(threading.local):
    # The proxied object's ``AttributeError`` that ``__getattribute__`` just
    # raised, with the name, for the ``__getattr__`` call Python makes right
    # after it: that call re-raises it instead of asking the object again (a
    # property or ``__getattr__`` of the object runs once per lookup, as with
    # Werkzeug's proxy). Per thread; no other code of the thread runs
    # between the two calls.
    missed: tuple[str, AttributeError] | None = None


_missed = _Missed()


def _after_miss(name: str, own: frozenset[str], current: Callable[[], Any]) -> Any:
    """``__getattr__`` of the proxies: the proxied object's error again if
    ``__getattribute__`` forwarded ``name`` and it failed; else (a name of
    the proxy class whose lookup failed, such as ``__wrapped__`` when the
    object has none) the object's attribute, as Werkzeug's ``__getattr__``."""
    if name not in own:
        missed = _missed.missed
        _missed.missed = None
        if missed is not None and missed[0] == name:
            raise missed[1]
    return getattr(current(), name)


def _container_methods(current: Callable[[], Any]) -> dict[str, Any]:
    """``bool``, ``len``, ``iter``, ``in`` and item access, each one plain
    function over ``current`` (the proxied object, or ``RuntimeError``).

    Werkzeug's descriptors for these look up ``_get_current_object`` on the
    proxy, which our ``__getattribute__`` makes a Python call: these keep
    ``"user" in g``, ``session["user"]`` and ``if current_app`` cheaper than
    before rather than dearer (no bench endpoint has them; callgrind on a
    loop: ``session["x"]`` 6.7k instructions with Werkzeug's proxy).
    Behaviour as Werkzeug's: ``bool`` is ``False`` when unbound, the others
    raise the ``RuntimeError`` (``iter`` a ``TypeError``, as Werkzeug's).
    """

    def __bool__(self: LocalProxy[Any]) -> bool:
        try:
            obj = current()
        except RuntimeError:
            return False
        return bool(obj)

    def __len__(self: LocalProxy[Any]) -> int:
        return len(current())

    def __iter__(self: LocalProxy[Any]) -> Any:
        # Unbound, Werkzeug's gives this TypeError (Python, finding no
        # ``__iter__``, tries ``__getitem__``, which fails as well); ours
        # must say the same now that ``__getitem__`` is a plain function.
        try:
            obj = current()
        except RuntimeError:
            raise TypeError(f"{type(self).__name__!r} object is not iterable") from None
        return iter(obj)

    def __contains__(self: LocalProxy[Any], item: Any) -> bool:
        return item in current()

    def __getitem__(self: LocalProxy[Any], key: Any) -> Any:
        return current()[key]

    def __setitem__(self: LocalProxy[Any], key: Any, value: Any) -> None:
        current()[key] = value

    def __delitem__(self: LocalProxy[Any], key: Any) -> None:
        del current()[key]

    return {
        "__bool__": __bool__,
        "__len__": __len__,
        "__iter__": __iter__,
        "__contains__": __contains__,
        "__getitem__": __getitem__,
        "__setitem__": __setitem__,
        "__delitem__": __delitem__,
    }


def _own_names(cls: type) -> frozenset[str]:
    """Every name Python's ordinary lookup finds on ``cls`` (its MRO)."""
    return frozenset(name for klass in cls.__mro__ for name in vars(klass))


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

    def current() -> Any:
        try:
            obj = var.get()
        except LookupError:
            raise RuntimeError(unbound_message) from None
        return obj if attr is None else getattr(obj, attr)

    def __getattribute__(self: LocalProxy[Any], name: str) -> Any:
        if name in own:
            return _object_getattribute(self, name)
        try:
            obj = var.get()
        except LookupError:
            raise RuntimeError(unbound_message) from None
        try:
            return getattr(obj if attr is None else getattr(obj, attr), name)
        except AttributeError as error:
            _missed.missed = (name, error)
            raise

    def __getattr__(self: LocalProxy[Any], name: str) -> Any:
        return _after_miss(name, own, current)

    def __setattr__(self: LocalProxy[Any], name: str, value: Any) -> None:
        # current() inlined: ``g.user = ...`` runs on every bench request
        # (plaintext, g_hook).
        try:
            obj = var.get()
        except LookupError:
            raise RuntimeError(unbound_message) from None
        setattr(obj if attr is None else getattr(obj, attr), name, value)

    def __delattr__(self: LocalProxy[Any], name: str) -> None:
        delattr(current(), name)

    cls = _subclass(
        {
            "__getattribute__": __getattribute__,
            "__getattr__": __getattr__,
            "__setattr__": __setattr__,
            "__delattr__": __delattr__,
            **_container_methods(current),
        }
    )
    own = _own_names(cls)
    return cls(var, attr, unbound_message=unbound_message)


app_ctx = cast("AppContext", _context_proxy(_cv_app, None, _no_app_msg))
current_app = cast("Quart", _context_proxy(_cv_app, "app", _no_app_msg))
g = cast("_AppCtxGlobals", _context_proxy(_cv_app, "g", _no_app_msg))

request_ctx = cast("RequestContext", _context_proxy(_cv_request, None, _no_req_msg))
# The context's attribute, not its ``request``/``websocket`` property (a
# call each time; bench: query_header, ws_echo).
request = cast("Request", _context_proxy(_cv_request, "request_websocket", _no_req_msg))

websocket_ctx = cast("WebsocketContext", _context_proxy(_cv_websocket, None, _no_websocket_msg))
websocket = cast("Websocket", _context_proxy(_cv_websocket, "request_websocket", _no_websocket_msg))


def _get_session() -> SessionMixin:
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError(_no_session_msg)
    return ctx.session


def _session_getattribute(self: LocalProxy[Any], name: str) -> Any:
    if name in _session_own:
        return _object_getattribute(self, name)
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError(_no_session_msg)
    try:
        return getattr(ctx.session, name)
    except AttributeError as error:
        _missed.missed = (name, error)
        raise


def _session_getattr(self: LocalProxy[Any], name: str) -> Any:
    return _after_miss(name, _session_own, _get_session)


def _session_setattr(self: LocalProxy[Any], name: str, value: Any) -> None:
    setattr(_get_session(), name, value)


def _session_delattr(self: LocalProxy[Any], name: str) -> None:
    delattr(_get_session(), name)


# A proxy over a function, as before (its unbound ``__wrapped__`` is
# ``_get_session``); ``session.get(...)`` and the like read as the other
# proxies' attributes.
_session_class = _subclass(
    {
        "__getattribute__": _session_getattribute,
        "__getattr__": _session_getattr,
        "__setattr__": _session_setattr,
        "__delattr__": _session_delattr,
        **_container_methods(_get_session),
    }
)
_session_own = _own_names(_session_class)
session = cast("SessionMixin", _session_class(_get_session))

#: The classes of the proxies above (each its own ``LocalProxy`` subclass),
#: for code that tells the framework's proxies apart by type (the template
#: render's sync check: bench: template).
_PROXY_TYPES: frozenset[type] = frozenset(
    type(proxy)
    for proxy in (app_ctx, current_app, g, request_ctx, request, websocket_ctx, websocket, session)
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
