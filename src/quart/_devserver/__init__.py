"""The development server wing: ``app.run()`` and ``quart run``.

* :mod:`.serving` runs an app on Hypercorn for development (signals,
  graceful stop, the startup banner);
* :mod:`.reloader` restarts the serving process when a source file changes;
* :mod:`.discovery` finds the app that ``quart --app`` names.

Nothing on a request's path imports this package: :mod:`quart.app` and
:mod:`quart.cli` import it lazily, when a server is actually started.
"""
