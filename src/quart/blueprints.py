"""Blueprints: Flask's sans-IO blueprint plus websocket and serving hooks."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from flask.sansio.app import App
from flask.sansio.blueprints import Blueprint as SansIOBlueprint
from flask.sansio.blueprints import BlueprintSetupState as BlueprintSetupState
from flask.sansio.scaffold import setupmethod

from .cli import AppGroup

if TYPE_CHECKING:
    from .typing import AfterServingCallable
    from .typing import AfterWebsocketCallable
    from .typing import BeforeServingCallable
    from .typing import BeforeWebsocketCallable
    from .typing import FilePath
    from .typing import TeardownCallable
    from .typing import WebsocketCallable
    from .typing import WhileServingCallable
    from .wrappers import Response

__all__ = ["Blueprint", "BlueprintSetupState"]

T_after_serving = TypeVar("T_after_serving", bound="AfterServingCallable")
T_after_websocket = TypeVar("T_after_websocket", bound="AfterWebsocketCallable")
T_before_serving = TypeVar("T_before_serving", bound="BeforeServingCallable")
T_before_websocket = TypeVar("T_before_websocket", bound="BeforeWebsocketCallable")
T_teardown = TypeVar("T_teardown", bound="TeardownCallable")
T_websocket = TypeVar("T_websocket", bound="WebsocketCallable")
T_while_serving = TypeVar("T_while_serving", bound="WhileServingCallable")


class Blueprint(SansIOBlueprint):
    """A group of routes, hooks, templates and static files registered on an
    app (possibly several times, under several names and prefixes).

    Takes Flask's arguments: ``name``, ``import_name``, ``static_folder``,
    ``static_url_path``, ``template_folder``, ``url_prefix``, ``subdomain``,
    ``url_defaults``, ``root_path``, ``cli_group``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cli: AppGroup = AppGroup()
        self.cli.name = self.name
        #: Websocket hooks of this blueprint, keyed like ``before_request_funcs``.
        self.before_websocket_funcs: dict[str | None, list[Any]] = defaultdict(list)
        self.after_websocket_funcs: dict[str | None, list[Any]] = defaultdict(list)
        self.teardown_websocket_funcs: dict[str | None, list[Any]] = defaultdict(list)

    # -- websockets -------------------------------------------------------

    @setupmethod
    def websocket(self, rule: str, **options: Any) -> Callable[[T_websocket], T_websocket]:
        """Register a websocket view on this blueprint (a decorator)."""

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
        """Register a websocket view on this blueprint."""
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
        """Run ``func`` before each websocket of this blueprint."""
        self.before_websocket_funcs[None].append(func)
        return func

    @setupmethod
    def after_websocket(self, func: T_after_websocket) -> T_after_websocket:
        """Run ``func(response)`` after each websocket of this blueprint."""
        self.after_websocket_funcs[None].append(func)
        return func

    @setupmethod
    def teardown_websocket(self, func: T_teardown) -> T_teardown:
        """Run ``func(exc)`` when each websocket of this blueprint ends."""
        self.teardown_websocket_funcs[None].append(func)
        return func

    @setupmethod
    def before_app_websocket(self, func: T_before_websocket) -> T_before_websocket:
        """Run ``func`` before every websocket of the app."""
        self.record_once(lambda s: s.app.before_websocket_funcs[None].append(func))  # type: ignore[attr-defined]
        return func

    @setupmethod
    def after_app_websocket(self, func: T_after_websocket) -> T_after_websocket:
        """Run ``func(response)`` after every websocket of the app."""
        self.record_once(lambda s: s.app.after_websocket_funcs[None].append(func))  # type: ignore[attr-defined]
        return func

    @setupmethod
    def teardown_app_websocket(self, func: T_teardown) -> T_teardown:
        """Run ``func(exc)`` when every websocket of the app ends."""
        self.record_once(lambda s: s.app.teardown_websocket_funcs[None].append(func))  # type: ignore[attr-defined]
        return func

    # -- serving ------------------------------------------------------------

    @setupmethod
    def before_app_serving(self, func: T_before_serving) -> T_before_serving:
        """Run ``func`` when the app starts serving."""
        self.record_once(lambda s: s.app.before_serving(func))  # type: ignore[attr-defined]
        return func

    @setupmethod
    def after_app_serving(self, func: T_after_serving) -> T_after_serving:
        """Run ``func`` when the app stops serving."""
        self.record_once(lambda s: s.app.after_serving(func))  # type: ignore[attr-defined]
        return func

    @setupmethod
    def while_app_serving(self, func: T_while_serving) -> T_while_serving:
        """Run an async generator function around the app's serving."""
        self.record_once(lambda s: s.app.while_serving(func))  # type: ignore[attr-defined]
        return func

    def _merge_blueprint_funcs(self, app: App, name: str) -> None:
        super()._merge_blueprint_funcs(app, name)
        for attr in ("before_websocket_funcs", "after_websocket_funcs", "teardown_websocket_funcs"):
            target = getattr(app, attr)
            for key, values in getattr(self, attr).items():
                full = name if key is None else f"{name}.{key}"
                target[full].extend(values)

    # -- files ----------------------------------------------------------------

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """``SEND_FILE_MAX_AGE_DEFAULT`` of the current app, in seconds."""
        from .globals import current_app

        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return int(value)

    async def send_static_file(self, filename: str) -> Response:
        """The view of the blueprint's static route."""
        from .helpers import send_from_directory

        if not self.has_static_folder:
            raise RuntimeError("No static folder for this blueprint")
        return await send_from_directory(
            self.static_folder,  # type: ignore[arg-type]
            filename,
            cache_timeout=self.get_send_file_max_age(filename),
        )

    async def open_resource(self, path: FilePath, mode: str = "rb") -> Any:
        """Open a file relative to the blueprint's root path for reading."""
        from .utils import open_async

        if mode not in {"r", "rb", "rt"}:
            raise ValueError("Resources can only be opened for reading.")
        return open_async(os.path.join(self.root_path, os.fsdecode(path)), mode)
