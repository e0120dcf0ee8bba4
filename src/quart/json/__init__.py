"""JSON helpers that follow the current app's JSON provider when there is one."""

from __future__ import annotations

import json as _json
from typing import Any
from typing import AnyStr
from typing import IO
from typing import TYPE_CHECKING

from flask.json.provider import _default

from ..globals import _cv_app
from ..globals import current_app as current_app

if TYPE_CHECKING:
    from ..wrappers import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def dumps(obj: object, **kwargs: Any) -> str:
    """Serialize ``obj`` to a JSON string.

    Uses ``current_app.json`` inside an app context; otherwise the standard
    library with support for dates, UUIDs, dataclasses and ``__html__``.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: object, fp: IO[str], **kwargs: Any) -> None:
    """Serialize ``obj`` as JSON into the text file ``fp``."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Deserialize JSON from a string or bytes."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: IO[AnyStr], **kwargs: Any) -> Any:
    """Deserialize JSON read from the file ``fp``."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: object, **kwargs: object) -> Response:
    """Make a JSON :class:`~quart.wrappers.Response` of the arguments.

    One positional argument is serialized as is; several become a list;
    keyword arguments become an object. Needs an app context.
    """
    return current_app.json.response(*args, **kwargs)  # type: ignore[return-value]
