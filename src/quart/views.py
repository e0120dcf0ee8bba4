"""Class-based views: :class:`View` and :class:`MethodView`.

Whether a handler is sync or async is decided once per class (when the
view function is made, or when a :class:`MethodView` subclass is created),
never per request. Sync handlers run in a thread, like sync view functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from collections.abc import Collection
from typing import Any
from typing import ClassVar

from ._concurrency import is_async_callable
from .globals import current_app
from .globals import request
from .typing import ResponseReturnValue
from .typing import RouteCallable

__all__ = ["MethodView", "View", "http_method_funcs"]

#: The method names :class:`MethodView` looks for.
http_method_funcs = frozenset(["get", "post", "head", "options", "delete", "put", "trace", "patch"])


async def _call(func: Callable[..., Any], is_async: bool, kwargs: dict[str, object]) -> Any:
    if is_async:
        return await func(**kwargs)
    # Not ensure_async: that caches per callable, and a bound method of a
    # per-request instance is a new callable each time (the cache would grow).
    result = await current_app.sync_to_async(func)(**kwargs)
    if inspect.isawaitable(result):  # an async handler set on the instance
        result = await result
    return result


class View:
    """A view as a class: subclass it, implement :meth:`dispatch_request`
    (``async def`` or ``def``) and register the result of :meth:`as_view`::

        class Hello(View):
            async def dispatch_request(self, name):
                return f"Hello {name}"

        app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))
    """

    #: The methods the view accepts; ``None`` means the rule's default (``GET``).
    methods: ClassVar[Collection[str] | None] = None
    #: Whether to answer ``OPTIONS`` automatically (the app's setting when ``None``).
    provide_automatic_options: ClassVar[bool | None] = None
    #: Decorators applied, in order, to the view function :meth:`as_view` makes.
    #: They wrap the function, not the class, so they run on every request.
    decorators: ClassVar[list[Callable[..., object]]] = []
    #: Create an instance for every request (the default). Set to ``False``
    #: to create one instance in :meth:`as_view` and share it, which is
    #: faster but means ``self`` must not hold request data.
    init_every_request: ClassVar[bool] = True

    async def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        """Handle a request and return what a view function would.

        :param kwargs: The URL variables.
        """
        raise NotImplementedError()

    @classmethod
    def as_view(cls, name: str, *class_args: object, **class_kwargs: object) -> RouteCallable:
        """Turn the class into a view function for ``add_url_rule``.

        :param name: The view's name, used as its endpoint by default.
        :param class_args: Passed to the constructor.
        :param class_kwargs: Passed to the constructor.
        """
        is_async = is_async_callable(cls.dispatch_request)
        view: Any
        if cls.init_every_request:

            async def view(**kwargs: object) -> ResponseReturnValue:
                self = view.view_class(*class_args, **class_kwargs)
                return await _call(self.dispatch_request, is_async, kwargs)  # type: ignore[no-any-return]

        else:
            instance = cls(*class_args, **class_kwargs)

            async def view(**kwargs: object) -> ResponseReturnValue:
                return await _call(instance.dispatch_request, is_async, kwargs)  # type: ignore[no-any-return]

        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        # Set after decorating: the attributes describe the final function.
        view.view_class = cls
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods
        view.provide_automatic_options = cls.provide_automatic_options
        return view  # type: ignore[no-any-return]


class MethodView(View):
    """A view that calls the method named after the request's HTTP method
    (``get``, ``post``...). :attr:`methods` is worked out from the methods
    the class defines; ``HEAD`` falls back to ``get``. Handlers may be sync
    or async::

        class Counter(MethodView):
            async def get(self):
                return str(count)

            async def post(self):
                ...

        app.add_url_rule("/counter", view_func=Counter.as_view("counter"))
    """

    #: Which handler names of this class are coroutine functions.
    _async_handlers: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" not in cls.__dict__:
            methods: set[str] = set()
            for base in cls.__bases__:
                if getattr(base, "methods", None):
                    methods.update(base.methods)  # type: ignore[attr-defined]
            for key in http_method_funcs:
                if hasattr(cls, key):
                    methods.add(key.upper())
            if methods:
                cls.methods = methods
        cls._async_handlers = frozenset(
            key for key in http_method_funcs if is_async_callable(getattr(cls, key, None))
        )

    async def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        """Call the handler for the request's method with the URL variables.

        :param kwargs: The URL variables.
        """
        name = request.method.lower()
        handler = getattr(self, name, None)
        if handler is None and name == "head":
            name = "get"
            handler = getattr(self, name, None)
        if handler is None:
            # Only reachable when ``methods`` lists a method with no handler.
            raise RuntimeError(
                f"{type(self).__name__} has no {name!r} method for a {request.method}"
                " request; define it or remove the method from 'methods'."
            )
        return await _call(handler, name in self._async_handlers, kwargs)  # type: ignore[no-any-return]
