"""The session lifecycle: when a request's or websocket's session is opened
and saved, and the session store started and stopped with the app.

A context keeps its session in ``ctx._session`` (``None`` until opened) and
decides nothing: these functions do, and the contexts and the pipeline call
them. Opening: :func:`_open_for_context` when a context is pushed,
:func:`_session_of` on first access, :func:`_session_to_share` for a copy of
the context. Saving: :func:`_save_for_response`. Each hot-path entry point
is a plain function that answers ``None`` when there is nothing to await,
so a request that never touches the session creates no coroutine for it.
The interfaces themselves are :mod:`quart.sessions`'.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from ._session_config import _SessionConfig
from .sessions import _is_lazy
from .sessions import _open_or_null_session
from .sessions import _save_session

if TYPE_CHECKING:
    from .app import Quart
    from .ctx import _BaseRequestWebsocketContext as Ctx
    from .sessions import SessionMixin
    from .typing import ResponseTypes


def _open_for_context(ctx: Ctx) -> Awaitable[None] | None:
    """Open the session of ``ctx`` as the context is pushed, if its interface
    needs I/O to open one (a custom ``open_session``): await what this
    returns. ``None`` when there is nothing to do now: the session is already
    there, or the interface opens it for free on first access
    (:func:`_session_of`), as the default cookie session does. The session
    is opened before the URL is matched, so URL converters can use it."""
    # _is_lazy, inlined: this runs on every request. RequestContext._enter
    # has a copy of this test: keep the two in step.
    if ctx._session is not None or (
        getattr(type(ctx.app.session_interface), "_lazy_open", False) is True
    ):
        return None
    return _open_on_push(ctx)


async def _open_on_push(ctx: Ctx) -> None:
    app = ctx.app
    ctx._session = await _open_or_null_session(app.session_interface, app, ctx.request_websocket)


def _session_of(ctx: Ctx) -> SessionMixin:
    """The session of ``ctx``, opened now if it was not yet: only an interface
    that opens on first access can be (another raises :class:`RuntimeError`
    until the context is pushed). Does not mark the session accessed: the
    context's ``session`` property, the user's door, does."""
    session = ctx._session
    if session is None:
        app = ctx.app
        interface = app.session_interface
        session = interface._open_session_now(app, ctx.request_websocket)
        if session is None:
            session = interface._null_session_now(app)
        ctx._session = session
    return session


def _session_to_share(ctx: Ctx) -> SessionMixin | None:
    """The session a copy of ``ctx`` must share, so that what a task changes
    in it reaches this request's response: a lazy session is opened now;
    ``None`` when an interface that opens on push has not opened it yet."""
    if ctx._session is None and _is_lazy(ctx.app.session_interface):
        return _session_of(ctx)
    return ctx._session


def _save_for_response(ctx: Ctx, response: ResponseTypes | None) -> Awaitable[None] | None:
    """Save (or refresh) the session of ``ctx`` for ``response``, once the
    after hooks ran (the last step of finalizing a request or websocket):
    await what this returns. ``None`` when there is nothing to do: a session
    never touched, on a request without cookies, has nothing to save or
    refresh, and costs nothing.

    :param ctx: The request or websocket context.
    :param response: The response; ``None`` after an accepted websocket.
    """
    if ctx._session is None:
        # ``"Cookie" in headers``, inlined: every request comes here, and a
        # call costs as much as the scan (bench/instr.py, plaintext).
        for name, _ in ctx.request_websocket.headers._list:
            if name.lower() == "cookie":
                break
        else:
            return None
    return _save_now(ctx, response)


async def _save_now(ctx: Ctx, response: ResponseTypes | None) -> None:
    app = ctx.app
    interface = app.session_interface
    session = ctx._session
    if response is None:
        # An accepted websocket: no response to carry a cookie, but a
        # server-side interface can still store what changed (Quart
        # calls save_session with response=None).
        if session is not None and not interface.is_null_session(session):
            await _save_session(interface, app, session, None)
        return
    if session is None:
        # Never touched: only a permanent cookie that must be refreshed
        # each request needs opening (Flask's SESSION_REFRESH_EACH_REQUEST).
        request = ctx.request_websocket
        if not (
            _is_lazy(interface)
            and _SessionConfig(app).refresh_each_request
            and "cookie" in request.headers
            and interface.get_cookie_name(app) in request.cookies
        ):
            return
        session = _session_of(ctx)
        if not session.permanent:
            return
    if interface.is_null_session(session):
        return
    await _save_session(interface, app, session, response)


# -- the session store, chosen from SESSION_TYPE when the app starts ---------


async def _start_store(app: Quart) -> None:
    """At startup, before ``before_serving``: install the session store that
    ``SESSION_TYPE`` names (see :mod:`quart.sessions_redis`), so that startup
    code can already use it. The store's module (and Redis) is imported only
    when a store other than the signed cookie is asked for."""
    if _SessionConfig(app).store not in (None, "", "cookie"):
        from .sessions_redis import start_session_store

        await start_session_store(app)


async def _stop_store(app: Quart) -> None:
    """At shutdown: close the store :func:`_start_store` opened, if any."""
    # No store to close if quart.sessions_redis was never imported.
    sessions_redis = sys.modules.get("quart.sessions_redis")
    if sessions_redis is not None:
        await sessions_redis.stop_session_store(app)
