"""The private halves of :mod:`quart.app`.

``quart.app`` is the public surface: the ``Quart`` class with its
registration API and Quart 0.22's override points, each a thin call into a
module here. This folder holds what those calls run:

* ``pipeline``: the dispatch steps for HTTP requests and websockets, and the
  per-class decision of which public steps a subclass overrides;
* ``urls``: binding the URL map to a request and building URLs.

Rules: nothing here reads or writes ASGI messages (that is ``quart.asgi``
and its ``_messages`` builders), creates tasks, imports the development
server, the CLI or the test harness, or is imported by user code; the
private steps take the context explicitly. ``tests/test_layers.py`` checks.
"""
