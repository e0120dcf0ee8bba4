"""Quart's signals: blinker signals the framework sends as things happen.

Connect a receiver with ``signal.connect(func)`` (every app) or
``signal.connect_via(app)`` (only that app's sends). A receiver is called
with the sender as its one positional argument and the signal's data as
keyword arguments; accept ``**extra`` so new arguments do not break it.

How sending works: the framework awaits :meth:`QuartSignal.send_async`.
Async receivers are awaited; sync receivers are called directly on the
event loop, as Flask calls them, so they may use ``asyncio.create_task``,
``g`` and ``request`` and see the same objects the view sees. Keep sync
receivers quick: anything that blocks belongs in an ``async def`` receiver
(or in a thread it starts). Quart runs sync receivers in a thread instead;
calling them inline is cheaper, and receivers written for Flask, or ones
that schedule work with ``asyncio.create_task``, work unchanged. A receiver
that raises propagates, as in blinker.

Before sending, the framework checks ``signal.receivers``, so a signal
nobody listens to costs one attribute lookup per request (bench: plaintext
endpoint with and without receivers, ``make bench-signals``).

These are Quart's own signal objects (a separate namespace from
``flask.signals``): receivers connected to Flask's signals are not called.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

from blinker import NamedSignal
from blinker import Namespace

__all__ = [
    "QuartSignal",
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


class QuartSignal(NamedSignal):
    """A blinker signal whose :meth:`send_async` calls sync receivers directly.

    :param name: The name of the signal.
    :param doc: What the signal means.
    """

    async def send_async(
        self,
        sender: object = None,
        /,
        *,
        _sync_wrapper: Callable[[Callable[..., object]], Callable[..., Awaitable[object]]]
        | None = None,
        **kwargs: object,
    ) -> list[tuple[Callable[..., Any], Any]]:
        """Call every receiver connected to ``sender`` (or to any sender),
        awaiting async ones, and return ``(receiver, result)`` pairs.

        :param sender: The object sending; the framework sends the app.
        :param _sync_wrapper: Turns a sync receiver into an async callable;
            by default it is called on the event loop.
        :param kwargs: The signal's data, passed to each receiver.
        """
        # As blinker's send_async, without its per-call wrapper of each sync
        # receiver, and returning at once when no receiver is for ``sender``
        # (a receiver connected for another app makes ``receivers`` true).
        if self.is_muted or not self.has_receivers_for(sender):
            return []
        results = []
        for receiver in self.receivers_for(sender):
            if inspect.iscoroutinefunction(receiver):
                result = await receiver(sender, **kwargs)
            elif _sync_wrapper is None:
                result = receiver(sender, **kwargs)
                if inspect.isawaitable(result):
                    result = await result
            else:
                result = await _sync_wrapper(receiver)(sender, **kwargs)
            results.append((receiver, result))
        return results


class _QuartNamespace(Namespace):
    """A namespace whose signals are :class:`QuartSignal` instances."""

    def signal(self, name: str, doc: str | None = None) -> NamedSignal:
        """Return the signal called ``name``, creating it on first use."""
        if name not in self:
            self[name] = QuartSignal(name, doc)
        return self[name]


_signals = _QuartNamespace()


def _signal(name: str, doc: str) -> QuartSignal:
    return _signals.signal(name, doc)  # type: ignore[return-value]


#: Sent by the app with ``template`` and ``context`` after a template rendered.
template_rendered = _signal(
    "template-rendered", "Sent by the app with template and context after rendering."
)
#: Sent by the app with ``template`` and ``context`` before a template renders;
#: a receiver may add to ``context``.
before_render_template = _signal(
    "before-render-template", "Sent by the app with template and context before rendering."
)
#: Sent by the app when a request starts, before the ``before_request`` hooks.
request_started = _signal("request-started", "Sent by the app when a request starts.")
#: Sent by the app with ``response`` once the ``after_request`` hooks ran and
#: the session was saved, just before the response is sent.
request_finished = _signal(
    "request-finished", "Sent by the app with the response when a request finishes."
)
#: Sent by the app with ``exc`` (``None`` when the request succeeded) after
#: the ``teardown_request`` functions ran.
request_tearing_down = _signal(
    "request-tearing-down", "Sent by the app with exc when a request context tears down."
)
#: Sent by the app with ``exception`` for an error no error handler dealt with,
#: before it is logged (or propagated); the request context is still active.
got_request_exception = _signal(
    "got-request-exception", "Sent by the app with an exception no handler dealt with."
)
#: Sent by the app when a websocket starts, before the ``before_websocket`` hooks.
websocket_started = _signal("websocket-started", "Sent by the app when a websocket starts.")
#: Sent by the app with ``response`` (``None`` unless the websocket was refused
#: with a response) when a websocket handler ends.
websocket_finished = _signal(
    "websocket-finished", "Sent by the app with the response (or None) when a websocket ends."
)
#: Sent by the app with ``exc`` after the ``teardown_websocket`` functions ran.
websocket_tearing_down = _signal(
    "websocket-tearing-down", "Sent by the app with exc when a websocket context tears down."
)
#: Sent by the app with ``exception`` for a websocket error no handler dealt with.
got_websocket_exception = _signal(
    "got-websocket-exception", "Sent by the app with an unhandled websocket exception."
)
#: Sent with the received message (``str`` or ``bytes``) as the sender.
websocket_received = _signal(
    "websocket-received", "Sent with each received websocket message as the sender."
)
#: Sent with the sent message (``str`` or ``bytes``) as the sender.
websocket_sent = _signal("websocket-sent", "Sent with each sent websocket message as the sender.")
#: Sent by the app with ``exc`` after the ``teardown_appcontext`` functions ran.
appcontext_tearing_down = _signal(
    "appcontext-tearing-down", "Sent by the app with exc when an app context tears down."
)
#: Sent by the app once an app context is pushed (``g`` is usable).
appcontext_pushed = _signal("appcontext-pushed", "Sent by the app when an app context is pushed.")
#: Sent by the app once an app context is popped.
appcontext_popped = _signal("appcontext-popped", "Sent by the app when an app context is popped.")
#: Sent by the app with ``message`` and ``category`` when a message is flashed.
message_flashed = _signal(
    "message-flashed", "Sent by the app with message and category when a message is flashed."
)
#: Sent by the app with ``exception`` when a background task raises.
got_background_exception = _signal(
    "got-background-exception", "Sent by the app with the exception a background task raised."
)
#: Sent by the app with ``exception`` when startup or shutdown code raises.
got_serving_exception = _signal(
    "got-serving-exception", "Sent by the app with an exception raised at startup or shutdown."
)
