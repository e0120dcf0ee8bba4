"""Jinja2 templates rendered asynchronously, with Flask's loader and context.

The environment always runs in Jinja's async mode, so templates may call
async functions and ``render_template`` never blocks the event loop on
rendering. Loading uses Flask's dispatching loader (app and blueprint
template folders).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from typing import Any

from flask.templating import DispatchingJinjaLoader as DispatchingJinjaLoader

from jinja2 import Environment as BaseEnvironment
from jinja2 import Template

from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .globals import current_app
from .signals import before_render_template
from .signals import template_rendered

if TYPE_CHECKING:
    from .app import Quart

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]


class Environment(BaseEnvironment):
    """A Jinja environment bound to an app, always in async mode.

    :param app: The application.
    :param options: Jinja environment options.
    """

    def __init__(self, app: Quart, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        options["enable_async"] = True
        super().__init__(**options)
        self.app = app


def _default_template_ctx_processor() -> dict[str, Any]:
    """Put ``g``, ``request``/``websocket`` and ``session`` in the context."""
    context: dict[str, Any] = {}
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        context["g"] = app_ctx.g
    request_ctx = _cv_request.get(None)
    if request_ctx is not None:
        context["request"] = request_ctx.request
        context["session"] = request_ctx.session
    websocket_ctx = _cv_websocket.get(None)
    if websocket_ctx is not None:
        context["websocket"] = websocket_ctx.websocket
        context["session"] = websocket_ctx.session
    return context


async def _render(app: Quart, template: Template, context: dict[str, Any]) -> str:
    await app.update_template_context(context)
    if before_render_template.receivers:
        await before_render_template.send_async(
            app, _sync_wrapper=app.ensure_async, template=template, context=context
        )
    rendered = await template.render_async(context)
    if template_rendered.receivers:
        await template_rendered.send_async(
            app, _sync_wrapper=app.ensure_async, template=template, context=context
        )
    return rendered


async def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> str:
    """Render a template by name (or the first that exists of a list).

    :param template_name_or_list: The template name(s).
    :param context: Variables for the template.
    """
    app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return await _render(app, template, context)


async def render_template_string(source: str, **context: Any) -> str:
    """Render a template from source (autoescaped like an ``.html`` file).

    :param source: The template source.
    :param context: Variables for the template.
    """
    app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.from_string(source)
    return await _render(app, template, context)


async def _stream(app: Quart, template: Template, context: dict[str, Any]) -> AsyncIterator[str]:
    await app.update_template_context(context)
    if before_render_template.receivers:
        await before_render_template.send_async(
            app, _sync_wrapper=app.ensure_async, template=template, context=context
        )

    async def generate() -> AsyncGenerator[str, None]:
        async for chunk in template.generate_async(context):
            yield chunk
        if template_rendered.receivers:
            await template_rendered.send_async(
                app, _sync_wrapper=app.ensure_async, template=template, context=context
            )

    from .helpers import stream_with_context

    return stream_with_context(generate)()  # type: ignore[no-any-return]


async def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> AsyncIterator[str]:
    """Render a template as an async iterator of chunks, for a streamed response.

    The request context stays available while the chunks are produced.
    """
    app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return await _stream(app, template, context)


async def stream_template_string(source: str, **context: Any) -> AsyncIterator[str]:
    """Like :func:`stream_template`, from template source."""
    app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.from_string(source)
    return await _stream(app, template, context)
