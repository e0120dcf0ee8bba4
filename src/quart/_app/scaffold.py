"""What Quart adds to Flask's sans-IO ``Scaffold``, for apps and blueprints alike.

Flask's ``Scaffold`` knows routes and request hooks; :class:`QuartScaffold`
adds, once for both :class:`~quart.Quart` and :class:`~quart.Blueprint`, the
websocket routes and hooks and the async file methods (static files and
resources). The class using it provides the ``before_websocket_funcs``,
``after_websocket_funcs`` and ``teardown_websocket_funcs`` dicts
(``defaultdict(list)`` keyed by blueprint name, ``None`` for itself).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from typing import TYPE_CHECKING
from typing import TypeVar

from flask.sansio.scaffold import Scaffold
from flask.sansio.scaffold import setupmethod

from ..globals import current_app
from ..helpers import send_from_directory
from ..utils import AsyncFile
from ..utils import open_async

if TYPE_CHECKING:
    from ..typing import AfterWebsocketCallable
    from ..typing import BeforeWebsocketCallable
    from ..typing import FilePath
    from ..typing import TeardownCallable
    from ..typing import WebsocketCallable
    from ..wrappers import Response

T_after_websocket = TypeVar("T_after_websocket", bound="AfterWebsocketCallable")
T_before_websocket = TypeVar("T_before_websocket", bound="BeforeWebsocketCallable")
T_teardown = TypeVar("T_teardown", bound="TeardownCallable")
T_websocket = TypeVar("T_websocket", bound="WebsocketCallable")


class QuartScaffold(Scaffold):
    """Websocket routes and hooks, static files and resources, for an app or a blueprint."""

    #: Functions run before a websocket, keyed by blueprint name (``None``: itself).
    before_websocket_funcs: dict[str | None, list[BeforeWebsocketCallable]]
    #: Functions run after a websocket, keyed by blueprint name.
    after_websocket_funcs: dict[str | None, list[AfterWebsocketCallable]]
    #: Functions run when a websocket context tears down, keyed by blueprint name.
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

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """How long browsers may cache files from :func:`~quart.send_file` and
        the static route: ``SEND_FILE_MAX_AGE_DEFAULT`` in seconds (12 hours
        by default; ``None`` sends ``Cache-Control: no-cache``, so browsers
        revalidate with a conditional request). Override to vary it by file.

        :param filename: The file being sent (``None`` for a stream).
        """
        config = getattr(self, "config", None)  # an app has one; a blueprint uses its app's
        if config is None:
            config = current_app.config
        value = config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return int(value)

    async def send_static_file(self, filename: str) -> Response:
        """Send a file from the :attr:`static_folder`: the view of the
        automatic ``static`` route (404 for anything outside the folder).

        :param filename: The file, relative to the static folder.
        """
        if not self.has_static_folder:
            raise RuntimeError(f"{self!r} has no static folder: pass static_folder= to it.")
        return await send_from_directory(
            self.static_folder,  # type: ignore[arg-type]
            filename,
            cache_timeout=self.get_send_file_max_age(filename),
        )

    async def open_resource(
        self, path: FilePath, mode: str = "rb", encoding: str | None = None
    ) -> AsyncFile:
        """Open a file relative to the :attr:`root_path` for reading; reads
        run in a worker thread::

            async with await app.open_resource("schema.sql", "r") as file:
                schema = await file.read()

        :param path: The file, relative to the root path.
        :param mode: ``"rb"`` (default), ``"r"`` or ``"rt"``.
        :param encoding: The text encoding, for text mode.
        """
        if mode not in {"r", "rb", "rt"}:
            raise ValueError(
                f"open_resource opens files for reading only, not mode {mode!r}:"
                " use 'r' or 'rb' (or an app's open_instance_resource to write)."
            )
        return open_async(os.path.join(self.root_path, os.fsdecode(path)), mode, encoding)
