"""An ASGI web framework with Quart's (and so Flask's) API."""

from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING

from markupsafe import escape as escape
from markupsafe import Markup as Markup

# First of this package's modules: it defers Flask's and Werkzeug's package
# __init__ before anything imports their submodules (see its docstring).
from . import _deferred as _deferred
from . import _lazy
from . import app as app
from . import asgi as asgi
from . import blueprints as blueprints
from . import config as config
from . import ctx as ctx
from . import datastructures as datastructures
from . import formparser as formparser
from . import globals as globals
from . import helpers as helpers
from . import json as json
from . import routing as routing
from . import sessions as sessions
from . import signals as signals
from . import templating as templating
from . import typing as typing
from . import utils as utils
from . import wrappers as wrappers
from .app import Quart as Quart
from .blueprints import Blueprint as Blueprint
from .config import Config as Config
from .ctx import after_this_request as after_this_request
from .ctx import after_this_websocket as after_this_websocket
from .ctx import copy_current_app_context as copy_current_app_context
from .ctx import copy_current_request_context as copy_current_request_context
from .ctx import copy_current_websocket_context as copy_current_websocket_context
from .ctx import has_app_context as has_app_context
from .ctx import has_request_context as has_request_context
from .ctx import has_websocket_context as has_websocket_context
from .globals import current_app as current_app
from .globals import g as g
from .globals import request as request
from .globals import session as session
from .globals import websocket as websocket
from .helpers import abort as abort
from .helpers import flash as flash
from .helpers import get_flashed_messages as get_flashed_messages
from .helpers import get_template_attribute as get_template_attribute
from .helpers import make_push_promise as make_push_promise
from .helpers import make_response as make_response
from .helpers import redirect as redirect
from .helpers import send_file as send_file
from .helpers import send_from_directory as send_from_directory
from .helpers import stream_with_context as stream_with_context
from .helpers import url_for as url_for
from .json import jsonify as jsonify
from .signals import appcontext_popped as appcontext_popped
from .signals import appcontext_pushed as appcontext_pushed
from .signals import appcontext_tearing_down as appcontext_tearing_down
from .signals import before_render_template as before_render_template
from .signals import got_background_exception as got_background_exception
from .signals import got_request_exception as got_request_exception
from .signals import got_serving_exception as got_serving_exception
from .signals import got_websocket_exception as got_websocket_exception
from .signals import message_flashed as message_flashed
from .signals import request_finished as request_finished
from .signals import request_started as request_started
from .signals import request_tearing_down as request_tearing_down
from .signals import signals_available as signals_available
from .signals import template_rendered as template_rendered
from .signals import websocket_finished as websocket_finished
from .signals import websocket_received as websocket_received
from .signals import websocket_sent as websocket_sent
from .signals import websocket_started as websocket_started
from .signals import websocket_tearing_down as websocket_tearing_down
from .templating import render_template as render_template
from .templating import render_template_string as render_template_string
from .templating import stream_template as stream_template
from .templating import stream_template_string as stream_template_string
from .typing import ResponseReturnValue as ResponseReturnValue
from .wrappers import Request as Request
from .wrappers import Response as Response
from .wrappers import Websocket as Websocket

if TYPE_CHECKING:
    from . import cli as cli
    from . import debug as debug
    from . import testing as testing

__all__ = [
    "Blueprint",
    "Config",
    "Markup",
    "Quart",
    "Request",
    "Response",
    "ResponseReturnValue",
    "Websocket",
    "abort",
    "after_this_request",
    "after_this_websocket",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_app_context",
    "copy_current_request_context",
    "copy_current_websocket_context",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_background_exception",
    "got_request_exception",
    "got_serving_exception",
    "got_websocket_exception",
    "has_app_context",
    "has_request_context",
    "has_websocket_context",
    "jsonify",
    "make_push_promise",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "signals_available",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
    "websocket",
    "websocket_finished",
    "websocket_received",
    "websocket_sent",
    "websocket_started",
    "websocket_tearing_down",
]

#: Submodules imported on first use (PEP 562): serving a request needs neither
#: the CLI (click), the debug page nor the test client, so ``import quart``
#: does not load them; ``quart.cli`` and the like still work as attributes.
_LAZY_NAMES: _lazy.LazyNames = {
    "cli": ("quart.cli", None),
    "debug": ("quart.debug", None),
    "testing": ("quart.testing", None),
}


def __getattr__(name: str) -> Any:
    return _lazy.load(__name__, name, _LAZY_NAMES)


def __dir__() -> list[str]:
    return _lazy.names(__name__, _LAZY_NAMES)
