"""The class of ``g``: Flask's namespace object, storing attributes as any
object does."""

from __future__ import annotations

from flask.ctx import _AppCtxGlobals as _FlaskGlobals


class _AppCtxGlobals(_FlaskGlobals):
    """Flask's ``g`` namespace (``get``, ``pop``, ``setdefault``, ``in``,
    iteration), whose attributes are set by ``object.__setattr__`` (C).

    Flask's ``__setattr__`` is a Python call per ``g.x = ...`` that writes
    through ``self.__dict__``, which on Python 3.11 turns the instance's
    compact attribute storage into a real dict (bench: g_hook and every
    endpoint of the bench app, whose before_request hook sets ``g.user``).
    The effect is the same: the value lands in the instance's ``__dict__``.
    """

    __setattr__ = object.__setattr__  # type: ignore[assignment]
