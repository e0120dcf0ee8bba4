"""Blueprints: Flask's sans-IO blueprint plus websocket and serving hooks."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from types import EllipsisType
from typing import Any
from typing import cast
from typing import TYPE_CHECKING
from typing import TypeVar

from flask.sansio.app import App
from flask.sansio.blueprints import Blueprint as SansIOBlueprint
from flask.sansio.blueprints import BlueprintSetupState as BlueprintSetupState
from flask.sansio.scaffold import _sentinel
from flask.sansio.scaffold import setupmethod

from ._app.scaffold import QuartScaffold
from ._appgroup import AppGroup
from .globals import current_app as current_app
from .typing import AfterServingCallable as AfterServingCallable
from .typing import AfterWebsocketCallable as AfterWebsocketCallable
from .typing import AppOrBlueprintKey as AppOrBlueprintKey
from .typing import BeforeServingCallable as BeforeServingCallable
from .typing import BeforeWebsocketCallable as BeforeWebsocketCallable
from .typing import FilePath as FilePath
from .typing import TeardownCallable as TeardownCallable
from .typing import WebsocketCallable as WebsocketCallable
from .typing import WhileServingCallable as WhileServingCallable

if TYPE_CHECKING:
    from flask.typing import RouteCallable as FlaskRouteCallable

    from .app import Quart
    from .typing import AfterServingCallable
    from .typing import AfterWebsocketCallable
    from .typing import BeforeServingCallable
    from .typing import BeforeWebsocketCallable
    from .typing import TeardownCallable
    from .typing import WebsocketCallable
    from .typing import WhileServingCallable

__all__ = ["Blueprint", "BlueprintSetupState"]

T_after_serving = TypeVar("T_after_serving", bound="AfterServingCallable")
T_after_websocket = TypeVar("T_after_websocket", bound="AfterWebsocketCallable")
T_before_serving = TypeVar("T_before_serving", bound="BeforeServingCallable")
T_before_websocket = TypeVar("T_before_websocket", bound="BeforeWebsocketCallable")
T_teardown = TypeVar("T_teardown", bound="TeardownCallable")
T_websocket = TypeVar("T_websocket", bound="WebsocketCallable")
T_while_serving = TypeVar("T_while_serving", bound="WhileServingCallable")


class Blueprint(QuartScaffold, SansIOBlueprint):
    """A group of routes, hooks, error handlers, templates, static files and
    CLI commands, recorded now and applied when registered on an app (with
    ``app.register_blueprint``, possibly several times under different
    ``name=``/``url_prefix=``) or nested in another blueprint.

    Hooks registered with the plain names (``before_request``,
    ``errorhandler``, ``before_websocket``...) apply to this blueprint's
    routes only; the ``*_app_*`` names (``before_app_request``,
    ``app_errorhandler``, ``before_app_serving``...) apply to the whole app.

    :param name: The blueprint's name, prefixed to its endpoints
        (``"admin.index"``).
    :param import_name: The blueprint's package (``__name__``), used to find
        its folders.
    :param static_folder: A folder of static files served at
        ``static_url_path``.
    :param static_url_path: The URL of the static route (defaults to
        ``/<static_folder name>`` under the blueprint's prefix).
    :param template_folder: A folder of templates, searched after the app's.
    :param url_prefix: Prepended to every route of the blueprint.
    :param subdomain: The subdomain its routes match (with ``SERVER_NAME``).
    :param url_defaults: Default values for the routes' URL variables.
    :param root_path: The blueprint's folder, if ``import_name`` cannot give it.
    :param cli_group: The ``quart`` command group for ``bp.cli`` commands
        (the blueprint's name by default, also given as ``...``; ``None``
        adds them to the top level).
    """

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | EllipsisType | None = _sentinel,  # type: ignore[assignment]
    ) -> None:
        group: Any = _sentinel if cli_group is Ellipsis else cli_group
        super().__init__(
            name,
            import_name,
            static_folder,
            static_url_path,
            template_folder,
            url_prefix,
            subdomain,
            url_defaults,
            root_path,
            group,
        )
        #: Click commands, added to the ``quart`` command on registration.
        self.cli: AppGroup = AppGroup()
        self.cli.name = self.name
        #: Functions run before each websocket of this blueprint.
        self.before_websocket_funcs: dict[str | None, list[BeforeWebsocketCallable]] = defaultdict(
            list
        )
        #: Functions run after each websocket of this blueprint.
        self.after_websocket_funcs: dict[str | None, list[AfterWebsocketCallable]] = defaultdict(
            list
        )
        #: Functions run when a websocket of this blueprint ends.
        self.teardown_websocket_funcs: dict[str | None, list[TeardownCallable]] = defaultdict(list)

    def _record_on_app(self, action: Callable[[Quart], object]) -> None:
        # Flask's setup state types its app as Flask's sansio App; it is ours.
        def record(state: BlueprintSetupState) -> None:
            action(cast("Quart", state.app))

        self.record_once(record)

    # -- websockets -------------------------------------------------------

    @setupmethod
    def before_app_websocket(self, func: T_before_websocket) -> T_before_websocket:
        """Run ``func`` before every websocket of the app, not only this
        blueprint's."""
        self._record_on_app(
            lambda app: app.before_websocket_funcs.setdefault(None, []).append(func)
        )
        return func

    @setupmethod
    def after_app_websocket(self, func: T_after_websocket) -> T_after_websocket:
        """Run ``func(response)`` after every websocket of the app."""
        self._record_on_app(lambda app: app.after_websocket_funcs.setdefault(None, []).append(func))
        return func

    @setupmethod
    def teardown_app_websocket(self, func: T_teardown) -> T_teardown:
        """Run ``func(exc)`` when every websocket of the app ends."""
        self._record_on_app(
            lambda app: app.teardown_websocket_funcs.setdefault(None, []).append(func)
        )
        return func

    # -- serving ------------------------------------------------------------

    @setupmethod
    def before_app_serving(self, func: T_before_serving) -> T_before_serving:
        """Run ``func`` (in an app context) when the app starts serving, as
        ``app.before_serving`` does."""
        self._record_on_app(lambda app: app.before_serving(func))
        return func

    @setupmethod
    def after_app_serving(self, func: T_after_serving) -> T_after_serving:
        """Run ``func`` (in an app context) when the app stops serving, as
        ``app.after_serving`` does."""
        self._record_on_app(lambda app: app.after_serving(func))
        return func

    @setupmethod
    def while_app_serving(self, func: T_while_serving) -> T_while_serving:
        """Run an async generator function around the app's serving: the code
        before its ``yield`` at startup, after it at shutdown."""
        self._record_on_app(lambda app: app.while_serving(func))
        return func

    def register(self, app: App, options: dict[str, Any]) -> None:
        """Register the blueprint on ``app`` (see Flask's); a ``cli_group``
        option of ``...`` means the name it is registered under."""
        if options.get("cli_group") is Ellipsis:
            options = {**options, "cli_group": _sentinel}
        super().register(app, options)

    def make_setup_state(
        self, app: App, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The state handed to the recorded setup functions on registration."""
        return _SetupState(self, app, options, first_registration)

    def _merge_blueprint_funcs(self, app: App, name: str) -> None:
        super()._merge_blueprint_funcs(app, name)
        for attr in ("before_websocket_funcs", "after_websocket_funcs", "teardown_websocket_funcs"):
            target = getattr(app, attr)
            for key, values in getattr(self, attr).items():
                full = name if key is None else f"{name}.{key}"
                target[full].extend(values)


class _SetupState(BlueprintSetupState):
    """Flask's setup state, except that the blueprint's static route (which
    Flask's ``register`` adds) keeps doubled slashes, as the app's does:
    ``/static//etc/passwd`` is a 404, not a redirect to a merged path."""

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: FlaskRouteCallable | None = None,
        **options: object,
    ) -> None:
        """Add a rule of the blueprint to the app (see Flask's)."""
        if endpoint == "static" and view_func == getattr(self.blueprint, "send_static_file", None):
            options.setdefault("merge_slashes", False)
        super().add_url_rule(rule, endpoint, view_func, **options)


# -- names Quart 0.22's module has, for code that imports them from here --------

from flask.sansio.blueprints import Blueprint as SansioBlueprint  # noqa: E402, F401

from .helpers import send_from_directory as send_from_directory  # noqa: E402
