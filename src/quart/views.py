"""Class-based views: :class:`View` and :class:`MethodView`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import ClassVar

from .globals import current_app
from .globals import request
from .typing import ResponseReturnValue
from .typing import RouteCallable

__all__ = ["MethodView", "View", "http_method_funcs"]

#: The method names :class:`MethodView` looks for.
http_method_funcs = frozenset(["get", "post", "head", "options", "delete", "put", "trace", "patch"])


class View:
    """Subclass and implement :meth:`dispatch_request`; register with
    ``app.add_url_rule("/", view_func=MyView.as_view("name"))``."""

    #: The methods the view accepts (``GET`` when ``None``).
    methods: ClassVar[set[str] | None] = None
    #: Whether to answer ``OPTIONS`` automatically (app setting when ``None``).
    provide_automatic_options: ClassVar[bool | None] = None
    #: Decorators applied to the generated view function, in order.
    decorators: ClassVar[list[Callable[..., Any]]] = []
    #: Create a new instance for each request (else one instance for all).
    init_every_request: ClassVar[bool] = True

    async def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        """Handle a request; ``kwargs`` are the URL variables."""
        raise NotImplementedError()

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> RouteCallable:
        """Turn the class into a view function named ``name``.

        :param class_args: Passed to the constructor.
        :param class_kwargs: Passed to the constructor.
        """
        if cls.init_every_request:

            async def view(**kwargs: Any) -> ResponseReturnValue:
                self = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return await current_app.ensure_async(self.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        else:
            instance = cls(*class_args, **class_kwargs)

            async def view(**kwargs: Any) -> ResponseReturnValue:
                return await current_app.ensure_async(instance.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view


class MethodView(View):
    """Dispatch to the method named after the HTTP method (``get``, ``post``...);
    ``HEAD`` falls back to ``get``. Handlers may be sync or async."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
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

    async def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        """Call the handler for the request's method."""
        handler = getattr(self, request.method.lower(), None)
        if handler is None and request.method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            raise RuntimeError(f"Unimplemented method {request.method!r}")
        return await current_app.ensure_async(handler)(**kwargs)  # type: ignore[no-any-return]
