"""The private halves of :mod:`quart.app`.

``quart.app`` is the public surface: the ``Quart`` class with its
registration API and Quart 0.22's override points, each a thin call into a
module here. This folder holds what those calls run:

* ``pipeline``: the dispatch steps for HTTP requests and websockets, and the
  per-class decision of which public steps a subclass overrides;
* ``urls``: binding the URL map to a request and building URLs;
* ``errors``: finding the handler for an exception, and the 500 fallback;
* ``responses``: turning a view's return value into a ``Response``;
* ``lifecycle``: startup and shutdown (the serving hooks) and background tasks;
* ``scaffold``: what ``Quart`` and ``Blueprint`` share beyond Flask's
  sans-IO scaffold (websocket hooks, async static files);
* ``names``: Quart 0.22's module-level names of ``quart.app``.

Rules: nothing here reads or writes ASGI messages (that is ``quart.asgi``
and its ``_messages`` builders), creates tasks (``lifecycle`` asks
:mod:`quart._concurrency`), imports the development
server, the CLI or the test harness, or is imported by user code; the
private steps take the context explicitly. ``tests/test_layers.py`` checks.
"""
