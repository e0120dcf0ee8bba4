"""JSON providers: Flask's, so custom providers written for Flask work here.

:class:`DefaultJSONProvider` is Flask's default provider (a subclass, so
``isinstance`` checks against Flask's class still hold) with one change:
JSON *responses* reuse one encoder configured from the provider's settings
instead of building a new one for every response. The output is identical;
a subclass that overrides :meth:`dumps` gets Flask's path, through its own
``dumps``.
"""

from __future__ import annotations

import json
from typing import Any
from typing import TYPE_CHECKING

from flask.json.provider import DefaultJSONProvider as _FlaskDefaultJSONProvider
from flask.json.provider import JSONProvider as JSONProvider

if TYPE_CHECKING:
    from werkzeug.sansio.response import Response

__all__ = ["DefaultJSONProvider", "JSONProvider"]


class DefaultJSONProvider(_FlaskDefaultJSONProvider):
    """Flask's default JSON provider (``default``, ``ensure_ascii``,
    ``sort_keys``, ``compact``, ``mimetype`` behave exactly as in Flask)."""

    _encoder: tuple[tuple[Any, ...], json.JSONEncoder] | None = None

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response of the arguments (see :func:`quart.json.jsonify`)."""
        if type(self).dumps is not _FlaskDefaultJSONProvider.dumps or (
            self.compact is False or (self.compact is None and self._app.debug)
        ):
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        text = self._compact_encoder().encode(obj)
        return self._app.response_class(f"{text}\n", mimetype=self.mimetype)

    def _compact_encoder(self) -> json.JSONEncoder:
        # Settings may change at any time (they are plain attributes), so the
        # cached encoder is keyed by them.
        key = (self.default, self.ensure_ascii, self.sort_keys)
        cached = self._encoder
        if cached is None or cached[0] != key:
            encoder = json.JSONEncoder(
                default=self.default,
                ensure_ascii=self.ensure_ascii,
                sort_keys=self.sort_keys,
                separators=(",", ":"),
            )
            cached = self._encoder = (key, encoder)
        return cached[1]
