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
consumed).
"""

from __future__ import annotations

import inspect
from collections import ChainMap
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import MutableMapping
from types import CoroutineType
from types import FunctionType
from types import GeneratorType
from types import MethodType
from typing import Any
from typing import cast
from typing import NoReturn
from typing import TYPE_CHECKING
from typing import TypeGuard
from typing import TypeVar

import markupsafe
from flask.templating import DispatchingJinjaLoader as DispatchingJinjaLoader
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from jinja2.runtime import Context
from jinja2.runtime import new_context
from jinja2.runtime import Undefined
from jinja2.tests import TESTS as DEFAULT_TESTS
from jinja2.utils import internalcode
from jinja2.utils import LRUCache
from markupsafe import escape
from markupsafe import Markup
from werkzeug.local import LocalProxy

from .globals import _current_app
from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .globals import _PROXY_TYPES
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

#: Names an exact ``dict`` has as attributes: ``{{ d.name }}`` on a dict looks
#: the key up directly unless ``name`` is one of these (Jinja tries the
#: attribute first, which for a key costs a raised and caught AttributeError
#: with its formatted message; bench: template endpoint, ``make bench-instr``).
_DICT_ATTRS = frozenset(dir(dict))

#: Types no check needs to look at: never awaitable, never async iterable.
_PLAIN = frozenset({str, Markup, int, float, bool, list, dict, tuple, type(None)})


#: MarkupSafe 3's C escaping of a str (its ``escape`` is Python around it);
#: MarkupSafe 2's ``escape`` is all C already.
_escape_inner: Callable[[str], str] = getattr(markupsafe, "_escape_inner", escape)


def _escape_output(value: object) -> str:
    # What an autoescaped {{ value }} outputs: the escaped text. Jinja calls
    # escape() only there, and joins the pieces into a str (Markup(...) is
    # applied to the joined buffer where it matters: macros, {% set %}
    # blocks), so a plain str serves as well as a Markup for it.
    if type(value) is str:
        return _escape_inner(value)
    if type(value) is Markup:
        return value
    return escape(value)


class _Template(Template):
    """The app's compiled templates: Jinja's :class:`~jinja2.Template`, whose
    autoescaped output skips MarkupSafe 3's Python-level wrapper of the
    escaping (one ``Markup`` built per ``{{ value }}``, then joined away)."""

    @classmethod
    def _from_namespace(
        cls,
        environment: BaseEnvironment,
        namespace: MutableMapping[str, object],
        globals: MutableMapping[str, object],
    ) -> Template:
        # bench: template endpoint, `make bench-instr`: 33 escapes per render,
        # 728k -> 604k instructions per request.
        if namespace.get("escape") is escape:
            namespace["escape"] = _escape_output
        return super()._from_namespace(environment, namespace, globals)


def _plain_method(obj: object) -> bool:
    """Is ``obj`` a bound method Jinja's ``Context.call`` passes nothing to
    (no ``pass_context`` or its like on the function)?"""
    return type(obj) is MethodType and getattr(obj.__func__, "jinja_pass_arg", None) is None


def _call_plain_method(
    context: Context, method: Callable[..., object], kwargs: Any, args: Any
) -> object:
    """Call ``method`` as Jinja's ``Context.call`` would, without its checks.

    A plain bound method ({{ loop.cycle(...) }}, {{ obj.method() }}) gets
    nothing from the context, and Jinja's checks cost a formatted
    AttributeError per call (``hasattr`` through the bound method reaches
    the function) and, on 3.11, up to five attribute reads of an Enum class,
    each through the slow path of a class whose metaclass defines
    ``__getattr__`` (bench: template endpoint, make bench-instr).
    """
    kwargs.pop("_block_vars", None)
    kwargs.pop("_loop_vars", None)
    try:
        return method(*args, **kwargs)
    except StopIteration:
        return _stopped(context)


def _stopped(context: Context) -> object:
    """What Jinja's ``Context.call`` answers for a callable that raised
    ``StopIteration``."""
    return context.environment.undefined(
        "value was undefined because a callable raised a StopIteration exception"
    )


class _Context(Context):
    """The app's template context: Jinja's, calling a plain bound method
    directly."""

    @internalcode
    def call(self, obj: Callable[..., object], /, *args: object, **kwargs: object) -> object:
        """Call ``obj`` from the template, as Jinja's context does."""
        if _plain_method(obj):
            return _call_plain_method(self, obj, kwargs, args)
        return super().call(obj, *args, **kwargs)


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

    def getattr(self, obj: object, attribute: str) -> object:
        """Jinja's ``getattr`` (the attribute, else the item), with a direct
        key look-up for a plain ``dict`` whose key is not a dict attribute."""
        # bench: template endpoint, `make bench-instr`: {{ item.name }} on the
        # dict items, 20 per render: 566k -> 474k instructions per sync render
        # (no AttributeError raised).
        if type(obj) is dict and attribute not in _DICT_ATTRS:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


# -- the sync twin ------------------------------------------------------------------


class _NeedsAsync(Exception):
    """A synchronous render met a value that only the async render handles."""


#: Per type, what its instances may need of a render (bounded): awaiting or
#: async iteration (_ASYNC), or being a one-shot iterator (_ITERATOR).
_TYPE_TRAITS: dict[type, int] = {}
_ASYNC = 1
_ITERATOR = 2
_ITERABLE_COROUTINE = inspect.CO_ITERABLE_COROUTINE


def _traits(cls: type) -> int:
    # Cached: ``hasattr`` on a class that lacks the name makes and drops a
    # formatted AttributeError (bench: template endpoint, the app's Config
    # is in every context).
    try:
        return _TYPE_TRAITS[cls]
    except KeyError:
        pass
    if len(_TYPE_TRAITS) > 1024:
        _TYPE_TRAITS.clear()
    traits = _ASYNC if hasattr(cls, "__await__") or hasattr(cls, "__aiter__") else 0
    if hasattr(cls, "__next__"):
        traits |= _ITERATOR
    _TYPE_TRAITS[cls] = traits
    return traits


def _checked(value: T) -> T:
    """``value``, unless the async render would await or async-iterate it."""
    cls = type(value)
    if cls in _PLAIN or isinstance(value, Undefined):
        # An undefined value has __aiter__, but iterates (or fails to) the
        # same way in both renders.
        return value
    if _traits(cls) & _ASYNC or (
        isinstance(value, GeneratorType) and value.gi_code.co_flags & _ITERABLE_COROUTINE
    ):
        if isinstance(value, CoroutineType):
            value.close()  # never awaited: the async render makes its own
        raise _NeedsAsync
    return value


def _is_async_function(value: object) -> bool:
    return inspect.iscoroutinefunction(value) or inspect.isasyncgenfunction(value)


def _context_is_sync(context: Mapping[str, object]) -> bool:
    """Can a synchronous render of ``context`` be abandoned safely?

    Not when a value is an async function, an awaitable, an async iterable
    (the template would need async on its first use) or a one-shot iterator
    (an abandoned render may have consumed part of it).
    """
    for value in context.values():
        cls = type(value)
        # The framework's proxies (g, request, session... each its own
        # LocalProxy subclass) are the app's own; so is a plain LocalProxy.
        if cls in _PLAIN or cls is LocalProxy or cls in _PROXY_TYPES:
            continue
        if cls is FunctionType or cls is MethodType:
            if _is_async_function(value):
                return False
        elif _traits(cls):
            return False
    return True


class _SyncCallables(Mapping[str, Callable[..., object]]):
    """The sync twin's ``filters`` or ``tests``: a live view of the async
    environment's, where an async one raises :class:`_NeedsAsync` and a user
    one has its result checked (a sync function may return an awaitable)."""

    def __init__(
        self, base: Mapping[str, Callable[..., object]], builtin: Mapping[str, object]
    ) -> None:
        self._base = base
        self._builtin = builtin
        self._wrapped: dict[str, tuple[object, Callable[..., object]]] = {}

    def __getitem__(self, name: str) -> Callable[..., object]:
        func = self._base[name]
        if func is self._builtin.get(name):
            return func
        try:
            original, wrapped = self._wrapped[name]
        except KeyError:
            pass
        else:
            if original is func:
                return wrapped
        wrapped = self._wrap(func)
        self._wrapped[name] = (func, wrapped)
        return wrapped

    @staticmethod
    def _wrap(func: Callable[..., object]) -> Callable[..., object]:
        if _is_async_function(func):

            def needs_async(*args: object, **kwargs: object) -> NoReturn:
                raise _NeedsAsync

            return needs_async

        def checked(*args: object, **kwargs: object) -> object:
            return _checked(func(*args, **kwargs))

        pass_arg = getattr(func, "jinja_pass_arg", None)
        if pass_arg is not None:  # pass_context and friends, as Jinja reads them
            checked.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
        return checked

    def __iter__(self) -> Iterator[str]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


def _sync_class(cls: type[BaseEnvironment]) -> type[BaseEnvironment]:
    """The sync twin's class: ``cls`` with checked ``getattr``/``getitem``."""
    base_getattr = cls.getattr
    base_getitem = cls.getitem

    if base_getattr is Environment.getattr:

        def getattr(self: BaseEnvironment, obj: object, attribute: str) -> object:
            if type(obj) is dict and attribute not in _DICT_ATTRS:
                try:
                    value = obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
            else:
                value = base_getattr(self, obj, attribute)
            if type(value) in _PLAIN:
                return value
            return _checked(value)

    else:

        def getattr(self: BaseEnvironment, obj: object, attribute: str) -> object:
            return _checked(base_getattr(self, obj, attribute))

    def getitem(self: BaseEnvironment, obj: object, argument: object) -> object:
        return _checked(base_getitem(self, obj, argument))

    return type(f"_Sync{cls.__name__}", (cls,), {"getattr": getattr, "getitem": getitem})


def _sync_context_class(cls: type[Context]) -> type[Context]:
    base_call = cls.call
    plain = base_call is _Context.call or base_call is Context.call

    @internalcode
    def call(
        self: Context, obj: Callable[..., object], /, *args: object, **kwargs: object
    ) -> object:
        if (
            plain
            and type(obj) is MethodType
            and getattr(obj.__func__, "jinja_pass_arg", None) is None
        ):
            # _call_plain_method(self, obj, kwargs, args), inlined: two calls
            # less per {{ obj.method() }} (bench: template endpoint, make
            # bench-instr). Keep the two in step.
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                value = obj(*args, **kwargs)
            except StopIteration:
                return _stopped(self)
        else:
            value = base_call(self, obj, *args, **kwargs)
        if type(value) in _PLAIN:
            return value
        return _checked(value)

    return type(f"_Sync{cls.__name__}", (cls,), {"call": call})


def _make_sync_twin(env: BaseEnvironment) -> BaseEnvironment:
    twin = env.overlay(enable_async=False)  # shares loader, globals, policies
    twin.__class__ = _sync_class(type(env))
    twin.context_class = _sync_context_class(env.context_class)
    twin.filters = _SyncCallables(env.filters, DEFAULT_FILTERS)  # type: ignore[assignment]
    # Jinja leaves ``tests`` unannotated: its inferred value type (the bare
    # ``function``) is not a Callable to the type checker.
    tests = cast("dict[str, Callable[..., object]]", env.tests)
    twin.tests = _SyncCallables(tests, DEFAULT_TESTS)  # type: ignore[assignment]
    # The bytecode cache keys on the template's name and source: the async
    # and the sync code of a template would overwrite each other.
    twin.bytecode_cache = None
    return twin


def _sync_twin(env: BaseEnvironment) -> BaseEnvironment:
    # Kept in the environment's own __dict__: one lookup, and it goes when
    # the environment goes (any Jinja environment, not only ours).
    twin: BaseEnvironment | None = env.__dict__.get("_quart_sync_twin")
    if twin is None:
        twin = env.__dict__["_quart_sync_twin"] = _make_sync_twin(env)
    twin.auto_reload = env.auto_reload  # the debug setter changes the original's
    return twin


def _new_context(env: BaseEnvironment, template: Template, context: dict[str, object]) -> Context:
    # What Template.new_context does, with the globals flattened in C: Jinja
    # builds its context from the ChainMap, one Python-level __getitem__ per
    # global, and iterates it again for the globals' names.
    # bench: template endpoint, `make bench-instr`: 474k -> 426k instructions
    # per sync render.
    globals_ = template.globals
    if type(globals_) is ChainMap and len(globals_.maps) == 2:
        flat = {**globals_.maps[1], **globals_.maps[0]}
    else:
        flat = dict(globals_)
    return new_context(env, template.name, template.blocks, context, False, flat)


def _render_sync(twin: BaseEnvironment, template: Template, context: dict[str, object]) -> str:
    ctx = _new_context(twin, template, context)
    try:
        return twin.concat(template.root_render_func(ctx))
    except _NeedsAsync:
        raise
    except Exception:
        return twin.handle_exception()


async def _render_async(template: Template, context: dict[str, object]) -> str:
    env = template.environment
    ctx = _new_context(env, template, context)
    try:
        return env.concat(
            [chunk async for chunk in template.root_render_func(ctx)]  # type: ignore[attr-defined]
        )
    except Exception:
        return env.handle_exception()


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
