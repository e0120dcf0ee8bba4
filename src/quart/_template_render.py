"""How the app's templates are rendered: the compiled template and context
classes, and the sync twin of an environment.

Jinja's async mode makes every render a coroutine, several times the work
of a sync render. :func:`quart.templating.render_template` renders with a
sync twin of the app's environment (:func:`_sync_twin`: the same options,
loader, globals and filters, without ``enable_async``) whenever the
template and its context need nothing awaited (:func:`_context_is_sync`);
the first awaitable met on the way (:class:`_NeedsAsync`) sends that
template to the async render (:func:`_render_async`) for good. The classes
here (:class:`_Template`, :class:`_Context`) are the environment's own.
"""

from __future__ import annotations

import inspect
from collections import ChainMap
from collections.abc import Callable
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
from typing import TypeVar

import markupsafe
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from jinja2.runtime import Context
from jinja2.runtime import new_context
from jinja2.runtime import Undefined
from jinja2.tests import TESTS as DEFAULT_TESTS
from jinja2.utils import internalcode
from markupsafe import escape
from markupsafe import Markup
from werkzeug.local import LocalProxy

from .globals import _PROXY_TYPES

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


def _dict_first_getattr(env: BaseEnvironment, obj: object, attribute: str) -> object:
    """Jinja's ``getattr`` (the attribute, else the item), with a direct key
    look-up for a plain ``dict`` whose key is not a dict attribute (the app
    environment's ``getattr``)."""
    # bench: template endpoint, `make bench-instr`: {{ item.name }} on the
    # dict items, 20 per render: 566k -> 474k instructions per sync render
    # (no AttributeError raised).
    if type(obj) is dict and attribute not in _DICT_ATTRS:
        try:
            return obj[attribute]
        except KeyError:
            return env.undefined(obj=obj, name=attribute)
    return BaseEnvironment.getattr(env, obj, attribute)


class _Context(Context):
    """The app's template context: Jinja's, calling a plain bound method
    directly."""

    @internalcode
    def call(self, obj: Callable[..., object], /, *args: object, **kwargs: object) -> object:
        """Call ``obj`` from the template, as Jinja's context does."""
        if _plain_method(obj):
            return _call_plain_method(self, obj, kwargs, args)
        return super().call(obj, *args, **kwargs)


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

    if base_getattr is _dict_first_getattr:

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
