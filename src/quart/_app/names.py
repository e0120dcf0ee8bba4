"""Quart 0.22's module-level names of :mod:`quart.app`.

Extensions and tests import (or patch) these from ``quart.app``, which
takes them all from here (``__all__``), so the public surface stays short.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from typing import TYPE_CHECKING
from typing import TypeVar

from werkzeug.datastructures import Authorization as Authorization
from werkzeug.datastructures import Headers as Headers

from .._appgroup import AppGroup as AppGroup
from .._lazy import LazyNames
from .._lazy import load
from .._lazy import names
from ..ctx import has_request_context as has_request_context
from ..ctx import has_websocket_context as has_websocket_context
from ..globals import request_ctx as request_ctx
from ..globals import websocket_ctx as websocket_ctx
from ..helpers import get_flashed_messages as get_flashed_messages
from ..helpers import send_from_directory as send_from_directory
from ..signals import appcontext_tearing_down as appcontext_tearing_down
from ..signals import got_background_exception as got_background_exception
from ..signals import got_request_exception as got_request_exception
from ..signals import got_serving_exception as got_serving_exception
from ..signals import got_websocket_exception as got_websocket_exception
from ..signals import request_finished as request_finished
from ..signals import request_started as request_started
from ..signals import request_tearing_down as request_tearing_down
from ..signals import websocket_finished as websocket_finished
from ..signals import websocket_started as websocket_started
from ..signals import websocket_tearing_down as websocket_tearing_down
from ..typing import AfterWebsocketCallable as AfterWebsocketCallable
from ..typing import AppOrBlueprintKey as AppOrBlueprintKey
from ..typing import ASGIHTTPProtocol as ASGIHTTPProtocol
from ..typing import ASGILifespanProtocol as ASGILifespanProtocol
from ..typing import ASGIWebsocketProtocol as ASGIWebsocketProtocol
from ..typing import BeforeWebsocketCallable as BeforeWebsocketCallable
from ..typing import Event as Event
from ..typing import HeadersValue as HeadersValue
from ..typing import ShellContextProcessorCallable as ShellContextProcessorCallable
from ..typing import StatusCode as StatusCode
from ..typing import TeardownCallable as TeardownCallable
from ..typing import TemplateFilterCallable as TemplateFilterCallable
from ..typing import TemplateGlobalCallable as TemplateGlobalCallable
from ..typing import TemplateTestCallable as TemplateTestCallable
from ..typing import WebsocketCallable as WebsocketCallable
from ..utils import cancel_tasks as cancel_tasks
from ..utils import file_path_to_path as file_path_to_path
from ..utils import MustReloadError as MustReloadError
from ..utils import observe_changes as observe_changes
from ..utils import restart as restart

if TYPE_CHECKING:
    from flask import Flask as Flask

    from ..testing.utils import sentinel as sentinel
    from ..typing import ASGIReceiveCallable as ASGIReceiveCallable
    from ..typing import ASGISendCallable as ASGISendCallable
    from ..typing import Scope as Scope

__all__ = [
    "appcontext_tearing_down",
    "got_background_exception",
    "got_request_exception",
    "got_serving_exception",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "websocket_finished",
    "websocket_tearing_down",
    "request_ctx",
    "websocket_ctx",
    "T_after_websocket",
    "T_before_websocket",
    "T_teardown",
    "T_websocket",
    "AfterWebsocketCallable",
    "BeforeWebsocketCallable",
    "TeardownCallable",
    "WebsocketCallable",
    "ASGIHTTPProtocol",
    "ASGILifespanProtocol",
    "ASGIWebsocketProtocol",
    "AppGroup",
    "AppOrBlueprintKey",
    "Authorization",
    "Event",
    "Headers",
    "HeadersValue",
    "MustReloadError",
    "ShellContextProcessorCallable",
    "StatusCode",
    "T_shell_context_processor",
    "T_template_filter",
    "T_template_global",
    "T_template_test",
    "TemplateFilterCallable",
    "TemplateGlobalCallable",
    "TemplateTestCallable",
    "_cancel_all_tasks",
    "_make_timedelta",
    "cancel_tasks",
    "file_path_to_path",
    "get_flashed_messages",
    "got_websocket_exception",
    "has_request_context",
    "has_websocket_context",
    "observe_changes",
    "restart",
    "send_from_directory",
    "websocket_started",
]

T_after_websocket = TypeVar("T_after_websocket", bound="AfterWebsocketCallable")
T_before_websocket = TypeVar("T_before_websocket", bound="BeforeWebsocketCallable")
T_teardown = TypeVar("T_teardown", bound="TeardownCallable")
T_websocket = TypeVar("T_websocket", bound="WebsocketCallable")
T_shell_context_processor = TypeVar(
    "T_shell_context_processor", bound="ShellContextProcessorCallable"
)
T_template_filter = TypeVar("T_template_filter", bound="TemplateFilterCallable")
T_template_global = TypeVar("T_template_global", bound="TemplateGlobalCallable")
T_template_test = TypeVar("T_template_test", bound="TemplateTestCallable")


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    """``value`` as a :class:`~datetime.timedelta` (an int is seconds; ``None`` stays)."""
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel every unfinished task of ``loop`` and run it until they end,
    reporting their errors to the loop's exception handler."""
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception during shutdown",
                    "exception": task.exception(),
                    "task": task,
                }
            )


LAZY_NAMES: LazyNames = {
    # Imported on first use: the CLI, quart.testing and Hypercorn are not
    # needed to serve an app, so importing quart.app does not load them.
    "sentinel": ("quart.testing.utils", "sentinel"),
    # Flask's WSGI app: loads its CLI, development server and test client.
    "Flask": ("flask", "Flask"),
    "ASGIReceiveCallable": ("quart.typing", "ASGIReceiveCallable"),
    "ASGISendCallable": ("quart.typing", "ASGISendCallable"),
    "Scope": ("quart.typing", "Scope"),
    "make_test_body_with_headers": ("quart.testing.utils", "make_test_body_with_headers"),
    "make_test_headers_path_and_query_string": (
        "quart.testing.utils",
        "make_test_headers_path_and_query_string",
    ),
    "make_test_scope": ("quart.testing.utils", "make_test_scope"),
    "no_op_push": ("quart.testing.utils", "no_op_push"),
    "serve": ("hypercorn.asyncio", "serve"),
    "HyperConfig": ("hypercorn.config", "Config"),
}


def app_module_getattr(name: str) -> Any:
    """``quart.app.__getattr__``: the names of :data:`LAZY_NAMES`, imported
    when first asked for (typed ``Any``, as they are many and varied)."""
    return load("quart.app", name, LAZY_NAMES)


def app_module_dir() -> list[str]:
    """``quart.app.__dir__``: its namespace plus the names not loaded yet."""
    return names("quart.app", LAZY_NAMES)
