"""Jinja2 templates rendered asynchronously, with Flask's loader and context.

The environment always runs in Jinja's async mode: ``render_template`` is a
coroutine, templates may call async functions (their results are awaited
automatically) and ``stream_template`` yields chunks as they are rendered.
Templates load through Flask's dispatching loader, which looks in the app's
template folder, then in each blueprint's, in registration order.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Coroutine
from typing import Any
from typing import TYPE_CHECKING
from typing import TypeVar

from flask.templating import DispatchingJinjaLoader as DispatchingJinjaLoader
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template

from .globals import _current_app
from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .globals import app_ctx as app_ctx
from .globals import current_app as current_app
from .globals import request_ctx as request_ctx
from .globals import session
from .signals import before_render_template
from .signals import template_rendered

if TYPE_CHECKING:
    from .app import Quart

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "get_template_attribute",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]

T = TypeVar("T")


class Environment(BaseEnvironment):
    """The app's Jinja environment: always in async mode, loading templates
    through the app's :class:`DispatchingJinjaLoader` unless ``loader`` is given.

    :param app: The application.
    :param options: Jinja environment options (``app.jinja_options``).
    """

    def __init__(self, app: Quart, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        options["enable_async"] = True
        super().__init__(**options)
        #: The application this environment belongs to.
        self.app = app


def create_environment(app: Quart) -> Environment:
    """The body of :meth:`Quart.create_jinja_environment`: the async
    environment with Quart's globals."""
    from .globals import g
    from .globals import request
    from .globals import session
    from .helpers import get_flashed_messages

    options = dict(app.jinja_options)
    options.setdefault("autoescape", app.select_jinja_autoescape)
    if "auto_reload" not in options:
        auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
        options["auto_reload"] = app.debug if auto_reload is None else auto_reload
    env = app.jinja_environment(app, **options)
    env.globals.update(
        config=app.config,
        g=g,
        get_flashed_messages=get_flashed_messages,
        request=request,
        session=session,
        url_for=app.url_for,
    )
    env.policies["json.dumps_function"] = app.json.dumps
    return env


async def update_context(app: Quart, context: dict[str, Any]) -> None:
    """The body of :meth:`Quart.update_template_context`: add the context
    processors' values (app first, then blueprints), explicit values winning."""
    names: tuple[str | None, ...] = (None,)
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is not None:
        names = (None, *reversed(ctx.request_websocket.blueprints))
    original = context.copy()
    for name in names:
        for processor in app.template_context_processors.get(name, ()):
            context.update(await app.ensure_async(processor)())
    context.update(original)


async def _default_template_ctx_processor() -> dict[str, Any]:
    """Put ``g``, ``request`` (or ``websocket``) and ``session`` in the context."""
    # A coroutine function, though it never waits: ``ensure_async`` would
    # run a sync one in a worker thread, at a cost of ~100 us per render.
    context: dict[str, Any] = {}
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        context["g"] = app_ctx.g
    request_ctx = _cv_request.get(None)
    if request_ctx is not None:
        context["request"] = request_ctx.request
        # The proxy, not the session: only a template that uses the session
        # loads it (and so adds "Vary: Cookie" to the response).
        context["session"] = session
    websocket_ctx = _cv_websocket.get(None)
    if websocket_ctx is not None:
        context["websocket"] = websocket_ctx.websocket
        context["session"] = session
    return context


def _app() -> Quart:
    return _current_app()


async def _prepare(app: Quart, template: Template, context: dict[str, Any]) -> None:
    await app.update_template_context(context)
    # Receivers get the very dict the template renders with, so what they
    # add (as the signals documentation's examples do) reaches the template.
    if before_render_template.receivers:
        await before_render_template.send_async(
            app, _sync_wrapper=app.ensure_async, template=template, context=context
        )


async def _rendered(app: Quart, template: Template, context: dict[str, Any]) -> None:
    if template_rendered.receivers:
        await template_rendered.send_async(
            app, _sync_wrapper=app.ensure_async, template=template, context=context
        )


async def _render(app: Quart, template: Template, context: dict[str, Any]) -> str:
    await _prepare(app, template, context)
    rendered = await template.render_async(context)
    await _rendered(app, template, context)
    return rendered


async def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> str:
    """Render a template from the template folders (app first, then blueprints).

    ``await render_template("page.html", title="Home")``. The context also
    holds ``config``, ``g``, ``request``, ``session``, ``url_for``,
    ``get_flashed_messages`` and what the context processors return;
    ``before_render_template`` and ``template_rendered`` are sent around it.

    :param template_name_or_list: The template's name, or a list: the first
        that exists is rendered.
    :param context: Variables for the template.
    """
    app = _app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return await _render(app, template, context)


async def render_template_string(source: str, **context: Any) -> str:
    """Render a template given as a string (autoescaped, as ``.html`` files are).

    The source is compiled on every call: for a page rendered often, a
    template file is faster (compiled once, then cached).

    :param source: The template source.
    :param context: Variables for the template.
    """
    app = _app()
    template = app.jinja_env.from_string(source)
    return await _render(app, template, context)


async def _stream(app: Quart, template: Template, context: dict[str, Any]) -> AsyncIterator[str]:
    await _prepare(app, template, context)

    async def generate() -> AsyncGenerator[str, None]:
        async for chunk in template.generate_async(context):
            yield chunk
        await _rendered(app, template, context)

    if _cv_request.get(None) is None and _cv_websocket.get(None) is None:
        return generate()
    # Imported here: helpers imports this module (for get_template_attribute).
    from .helpers import stream_with_context

    # The chunks are produced while the response is sent, after the view
    # returned; keep its request context current for them.
    return stream_with_context(generate)()  # type: ignore[no-any-return]


async def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> AsyncIterator[str]:
    """Render a template chunk by chunk, for a streamed response.

    ``return await stream_template("feed.html", items=items)``: the client
    gets the page as it renders. ``request``, ``session`` and ``g`` stay
    usable in the template while it streams. ``template_rendered`` is sent
    once the last chunk is produced.

    :param template_name_or_list: The template's name, or a list of names.
    :param context: Variables for the template.
    """
    app = _app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return await _stream(app, template, context)


async def stream_template_string(source: str, **context: Any) -> AsyncIterator[str]:
    """Like :func:`stream_template`, from template source.

    :param source: The template source.
    :param context: Variables for the template.
    """
    app = _app()
    template = app.jinja_env.from_string(source)
    return await _stream(app, template, context)


def get_template_attribute(template_name: str, attribute: str) -> Any:
    """Load a macro (or a variable set at the template's top level) from a template.

    In async mode a macro returns a coroutine: await its result::

        hello = get_template_attribute("_macros.html", "hello")
        html = await hello("World")

    :param template_name: The template.
    :param attribute: The name to load from it.
    """
    template = _app().jinja_env.get_template(template_name)
    module = _run_without_loop(template.make_module_async())
    return getattr(module, attribute)


def _run_without_loop(coro: Coroutine[Any, Any, T]) -> T:
    # Jinja has no synchronous way to build a module in async mode, but a
    # template's top level (macro definitions, {% set %}, imports through
    # the synchronous loader) never waits on anything: drive the coroutine
    # by hand, and refuse the rare template that does wait.
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError(
        "This template awaits something at its top level, so its attributes cannot"
        " be loaded synchronously. Use 'await template.make_module_async()' instead."
    )


# -- names Quart 0.22's module has, for code that imports them from here --------

from .ctx import has_app_context as has_app_context  # noqa: E402
from .ctx import has_request_context as has_request_context  # noqa: E402


def __getattr__(name: str) -> Any:
    """``stream_with_context``, which Quart's module imports (from
    :mod:`quart.helpers`, which imports this module: looked up on use)."""
    if name == "stream_with_context":
        from .helpers import stream_with_context

        return stream_with_context
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
