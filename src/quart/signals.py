"""Quart's signals (blinker), sent with ``send_async``.

Receivers may be sync or async; ``signal.connect_via(app)`` filters by
sender. The framework checks ``signal.receivers`` before sending, so a
signal nobody listens to costs one attribute lookup.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = [
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_background_exception",
    "got_request_exception",
    "got_serving_exception",
    "got_websocket_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "signals_available",
    "template_rendered",
    "websocket_finished",
    "websocket_received",
    "websocket_sent",
    "websocket_started",
    "websocket_tearing_down",
]

#: Always ``True``: kept for code written when blinker was optional.
signals_available = True

_signals = Namespace()

#: Sent by the app, with ``template`` and ``context``, after a template rendered.
template_rendered = _signals.signal("template-rendered")
#: Sent by the app, with ``template`` and ``context``, before a template renders.
before_render_template = _signals.signal("before-render-template")
#: Sent by the app when a request starts, before the request hooks.
request_started = _signals.signal("request-started")
#: Sent by the app with ``response`` once the response is ready.
request_finished = _signals.signal("request-finished")
#: Sent by the app with ``exc`` when the request context tears down.
request_tearing_down = _signals.signal("request-tearing-down")
#: Sent by the app with ``exception`` for an unhandled request error.
got_request_exception = _signals.signal("got-request-exception")
#: Sent by the app when a websocket starts, before the websocket hooks.
websocket_started = _signals.signal("websocket-started")
#: Sent by the app with ``response`` (possibly ``None``) when a websocket ends.
websocket_finished = _signals.signal("websocket-finished")
#: Sent by the app with ``exc`` when the websocket context tears down.
websocket_tearing_down = _signals.signal("websocket-tearing-down")
#: Sent by the app with ``exception`` for an unhandled websocket error.
got_websocket_exception = _signals.signal("got-websocket-exception")
#: Sent with the received message as the sender.
websocket_received = _signals.signal("websocket-received")
#: Sent with the sent message as the sender.
websocket_sent = _signals.signal("websocket-sent")
#: Sent by the app with ``exc`` when an app context tears down.
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
#: Sent by the app when an app context is pushed.
appcontext_pushed = _signals.signal("appcontext-pushed")
#: Sent by the app when an app context is popped.
appcontext_popped = _signals.signal("appcontext-popped")
#: Sent by the app with ``message`` and ``category`` when a message is flashed.
message_flashed = _signals.signal("message-flashed")
#: Sent by the app with ``exception`` when a background task raises.
got_background_exception = _signals.signal("got-background-exception")
#: Sent by the app with ``exception`` when startup or shutdown code raises.
got_serving_exception = _signals.signal("got-serving-exception")
