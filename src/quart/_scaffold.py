"""Websocket registration shared by :class:`~quart.Quart` and :class:`~quart.Blueprint`.

Flask's sans-IO ``Scaffold`` knows routes and request hooks; this mixin adds
the websocket equivalents once for both. The class using it provides the
``before_websocket_funcs``, ``after_websocket_funcs`` and
``teardown_websocket_funcs`` dicts (``defaultdict(list)`` keyed by blueprint
name, ``None`` for the object itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TYPE_CHECKING
from typing import TypeVar

from flask.sansio.scaffold import Scaffold
from flask.sansio.scaffold import setupmethod

if TYPE_CHECKING:
    from .typing import AfterWebsocketCallable
    from .typing import BeforeWebsocketCallable
    from .typing import TeardownCallable
    from .typing import WebsocketCallable

T_after_websocket = TypeVar("T_after_websocket", bound="AfterWebsocketCallable")
T_before_websocket = TypeVar("T_before_websocket", bound="BeforeWebsocketCallable")
T_teardown = TypeVar("T_teardown", bound="TeardownCallable")
T_websocket = TypeVar("T_websocket", bound="WebsocketCallable")


class WebsocketScaffold(Scaffold):
    """Websocket routes and hooks, for an app or a blueprint."""

    before_websocket_funcs: dict[str | None, list[BeforeWebsocketCallable]]
    after_websocket_funcs: dict[str | None, list[AfterWebsocketCallable]]
    teardown_websocket_funcs: dict[str | None, list[TeardownCallable]]

    @setupmethod
    def websocket(self, rule: str, **options: Any) -> Callable[[T_websocket], T_websocket]:
        """Register a websocket view for ``rule`` (a decorator).

        :param rule: The URL rule, as for ``route`` (relative to a blueprint's
            URL prefix).
        :param options: Rule options (``endpoint``, ``defaults``, ``host``...).
        """

        def decorator(func: T_websocket) -> T_websocket:
            endpoint = options.pop("endpoint", None)
            self.add_websocket(rule, endpoint, func, **options)
            return func

        return decorator

    @setupmethod
    def add_websocket(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: WebsocketCallable | None = None,
        **options: Any,
    ) -> None:
        """Register a websocket view for ``rule``.

        :param rule: The URL rule.
        :param endpoint: The endpoint (the function's name by default).
        :param view_func: The websocket view.
        :param options: Rule options.
        """
        self.add_url_rule(
            rule,
            endpoint,
            view_func,  # type: ignore[arg-type]
            provide_automatic_options=False,
            websocket=True,
            methods={"GET"},
            **options,
        )

    @setupmethod
    def before_websocket(self, func: T_before_websocket) -> T_before_websocket:
        """Run ``func`` before each websocket (of this blueprint, on a
        blueprint); a return value refuses the websocket with that response."""
        self.before_websocket_funcs[None].append(func)
        return func

    @setupmethod
    def after_websocket(self, func: T_after_websocket) -> T_after_websocket:
        """Run ``func(response)`` after each websocket (``response`` may be ``None``)."""
        self.after_websocket_funcs[None].append(func)
        return func

    @setupmethod
    def teardown_websocket(self, func: T_teardown) -> T_teardown:
        """Run ``func(exc)`` when each websocket context ends, even after errors."""
        self.teardown_websocket_funcs[None].append(func)
        return func
