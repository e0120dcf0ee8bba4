"""Jinja2 templates rendered asynchronously, with Flask's loader and context.

The environment always runs in Jinja's async mode: ``render_template`` is a
coroutine, templates may call async functions (their results are awaited
automatically) and ``stream_template`` yields chunks as they are rendered.
Templates load through Flask's dispatching loader, which looks in the app's
template folder, then in each blueprint's, in registration order.

``render_template`` renders most templates synchronously all the same: Jinja's
async code (an async generator per template, an ``await auto_await(...)`` per
attribute, call and filter) costs a third more than the sync code for a page
that awaits nothing (bench: template endpoint, ``make bench-instr``). Each app
environment has a sync twin (same loader, globals, filters and tests; its own
compiled templates) whose attribute look-ups, item look-ups, calls, user
filters and tests check what they return: on the first awaitable (or async
iterable) the sync render is abandoned, the template is marked as needing
async and rendered by the async environment. A context holding async
functions, awaitables, async iterables or one-shot iterators goes to the async
environment directly (a restarted render would find an iterator already
consumed). That machinery, and the environment's template and context
classes, are :mod:`quart._template_render`'s.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Coroutine
from typing import Any
from typing import TYPE_CHECKING
from typing import TypeGuard
from typing import TypeVar

from flask.templating import DispatchingJinjaLoader as DispatchingJinjaLoader
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template
from jinja2.utils import LRUCache

from ._template_render import _Context
from ._template_render import _context_is_sync
from ._template_render import _dict_first_getattr
from ._template_render import _NeedsAsync
from ._template_render import _render_async
from ._template_render import _render_sync
from ._template_render import _sync_twin
from ._template_render import _Template
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

    template_class = _Template
    context_class = _Context

    def __init__(self, app: Quart, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        options["enable_async"] = True
        super().__init__(**options)
        #: The application this environment belongs to.
        self.app = app

    # Jinja's getattr, with a direct key look-up for a plain dict.
    getattr = _dict_first_getattr


def _names(template_name_or_list: object) -> TypeGuard[str | list[str | Template]]:
    if type(template_name_or_list) is str:
        return True
    return type(template_name_or_list) is list and all(
        type(name) is str for name in template_name_or_list
    )


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


async def update_context(app: Quart, context: dict[str, object]) -> None:
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


async def _default_template_ctx_processor() -> dict[str, object]:
    """Put ``g``, ``request`` (or ``websocket``) and ``session`` in the context."""
    # A coroutine function, though it never waits: ``ensure_async`` would
    # run a sync one in a worker thread, at a cost of ~100 us per render
    # (bench: template endpoint, `make bench`).
    context: dict[str, object] = {}
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


async def _prepare(app: Quart, template: Template, context: dict[str, object]) -> None:
    await app.update_template_context(context)
    # Receivers get the very dict the template renders with, so what they
    # add (as the signals documentation's examples do) reaches the template.
    if before_render_template.receivers and before_render_template.has_receivers_for(app):
        await before_render_template.send_async(
            app, _sync_wrapper=app.ensure_async, template=template, context=context
        )


async def _rendered(app: Quart, template: Template, context: dict[str, object]) -> None:
    if template_rendered.receivers and template_rendered.has_receivers_for(app):
        await template_rendered.send_async(
            app, _sync_wrapper=app.ensure_async, template=template, context=context
        )


async def _render(app: Quart, template: Template, context: dict[str, object]) -> str:
    await _prepare(app, template, context)
    rendered = await _render_async(template, context)
    await _rendered(app, template, context)
    return rendered


async def _render_named(
    app: Quart, env: BaseEnvironment, names: str | list[str | Template], context: dict[str, object]
) -> str:
    # bench: template endpoint, `make bench-instr`: 1,001k -> 728k instructions
    # per request (sync render, checked; with the dict getattr and the flat
    # globals).
    twin = _sync_twin(env)
    template = twin.get_or_select_template(names)
    if getattr(template, "_quart_needs_async", False):
        return await _render(app, env.get_or_select_template(names), context)
    await app.update_template_context(context)
    # The signals get the async environment's template, as they always did.
    signalled: Template | None = None
    if before_render_template.receivers and before_render_template.has_receivers_for(app):
        signalled = env.get_or_select_template(names)
        await before_render_template.send_async(
            app, _sync_wrapper=app.ensure_async, template=signalled, context=context
        )
    rendered: str | None = None
    if _context_is_sync(context):
        try:
            rendered = _render_sync(twin, template, context)
        except _NeedsAsync:
            template._quart_needs_async = True  # type: ignore[attr-defined]
    if rendered is None:
        if signalled is None:
            signalled = env.get_or_select_template(names)
        rendered = await _render_async(signalled, context)
    if template_rendered.receivers and template_rendered.has_receivers_for(app):
        if signalled is None:
            signalled = env.get_or_select_template(names)
        await template_rendered.send_async(
            app, _sync_wrapper=app.ensure_async, template=signalled, context=context
        )
    return rendered


async def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: object
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
    env = app.jinja_env
    if env.is_async and _names(template_name_or_list):
        return await _render_named(app, env, template_name_or_list, context)
    template = env.get_or_select_template(template_name_or_list)
    return await _render(app, template, context)


#: How many compiled template strings each environment keeps (least
#: recently used first out).
_STRING_CACHE_SIZE = 64


def _from_string(env: BaseEnvironment, source: str) -> Template:
    """``env.from_string(source)``, compiled once per source while it is
    among the environment's last :data:`_STRING_CACHE_SIZE`."""
    # Compiling is most of the cost of a string template: 830 µs per call
    # compiled each time against 27 µs kept, for a 90-character loop over
    # ten items (render_template_string in an app context). The cache lives in
    # the environment's own __dict__ (it goes when the environment goes); the
    # source is the whole key, and the environment's globals are read at
    # render time, so a cached template renders what a fresh one would.
    cache: LRUCache | None = env.__dict__.get("_quart_string_templates")
    if cache is None:
        cache = env.__dict__["_quart_string_templates"] = LRUCache(_STRING_CACHE_SIZE)
    template: Template | None = cache.get(source)
    if template is None:
        template = env.from_string(source)
        cache[source] = template
    return template


async def render_template_string(source: str, **context: object) -> str:
    """Render a template given as a string (autoescaped, as ``.html`` files are).

    The compiled template is kept: the app's 64 most recently rendered
    sources are not compiled again.

    :param source: The template source.
    :param context: Variables for the template.
    """
    app = _app()
    template = _from_string(app.jinja_env, source)
    return await _render(app, template, context)


async def _stream(app: Quart, template: Template, context: dict[str, object]) -> AsyncIterator[str]:
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
    template_name_or_list: str | Template | list[str | Template], **context: object
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


async def stream_template_string(source: str, **context: object) -> AsyncIterator[str]:
    """Like :func:`stream_template`, from template source.

    :param source: The template source.
    :param context: Variables for the template.
    """
    app = _app()
    template = _from_string(app.jinja_env, source)
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


def _run_without_loop(coro: Coroutine[object, None, T]) -> T:
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
