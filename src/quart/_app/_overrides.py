"""Calls to an app subclass's override of a pipeline step, with Quart
0.22's signatures (the entries :class:`quart._app.pipeline.Steps` puts in
its table for a step the class overrides)."""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import Quart
    from ..ctx import _BaseRequestWebsocketContext as Ctx
    from ..typing import ResponseTypes
    from .pipeline import Made
    from .pipeline import Result


def _with_ctx(name: str) -> Callable[[Quart, Ctx], Awaitable[object]]:
    return lambda app, ctx: getattr(app, name)(ctx)


def _postprocess_with(name: str) -> Callable[[Quart, Ctx, object], Awaitable[object]]:
    return lambda app, ctx, response: getattr(app, name)(response, ctx)


def _finalize_with(name: str) -> Callable[..., Awaitable[object]]:
    def finalize(
        app: Quart, ctx: Ctx | None, result: Result, from_error_handler: bool = False
    ) -> Awaitable[object]:
        method: Callable[..., Awaitable[object]] = getattr(app, name)
        if from_error_handler:
            return method(result, from_error_handler=True)
        return method(result, ctx)

    return finalize


def _exception_with(name: str) -> Callable[[Quart, Ctx, Exception], Awaitable[object]]:
    return lambda app, ctx, error: getattr(app, name)(error)


def _make_response_public(app: Quart, result: Made) -> Awaitable[ResponseTypes]:
    return app.make_response(result)
