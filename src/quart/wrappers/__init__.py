"""Request, response and websocket wrappers.

Rule: sans-IO. Nothing here reads or writes ASGI messages, creates tasks or
imports the app, the pipeline, the contexts or ``quart.asgi``; the ASGI
adapter hands these objects plain values and callables (``tests/test_layers.py``
checks). Response bodies are in ``_bodies``.
"""

from __future__ import annotations

from .base import BaseRequestWebsocket as BaseRequestWebsocket
from .base import ClientDisconnectedError as ClientDisconnectedError
from .request import Body as Body
from .request import Request as Request
from .response import Response as Response
from .websocket import Websocket as Websocket
from .websocket import WebsocketDisconnect as WebsocketDisconnect

__all__ = (
    "BaseRequestWebsocket",
    "Body",
    "ClientDisconnectedError",
    "Request",
    "Response",
    "Websocket",
    "WebsocketDisconnect",
)
