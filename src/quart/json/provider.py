"""JSON providers: Flask's, so custom providers written for Flask work here.

:class:`DefaultJSONProvider` is Flask's default provider (a subclass, so
``isinstance`` checks against Flask's class still hold) with two shortcuts
that give the same results as Flask's path, only cheaper (bench: the json
endpoint for responses, json_echo for :meth:`loads`; ``make bench-instr``):

* JSON *responses* reuse one encoder built from the provider's settings
  instead of a new one per response. It skips the standard library's
  circular-reference bookkeeping (a dict of ids per container); a value
  that recurses too deep for it (a circular one, or a very deep one) is
  encoded again the standard way, so the error is Flask's too
  (``ValueError: Circular reference detected`` or ``RecursionError``).
  A subclass that overrides :meth:`dumps` gets Flask's path, through its own
  ``dumps``.
* :meth:`loads` of a UTF-8 object or array (every request body
  ``get_json`` parses) goes straight to the standard library's scanner,
  skipping its encoding detection; anything else, and every error, takes
  :func:`json.loads`, so results and error messages are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _stdlib_encoder
from typing import Any
from typing import TYPE_CHECKING

from flask.json.provider import DefaultJSONProvider as _FlaskDefaultJSONProvider
from flask.json.provider import JSONProvider as JSONProvider

from ..wrappers.response import Response as _Response

if TYPE_CHECKING:
    from werkzeug.sansio.response import Response

__all__ = ["DefaultJSONProvider", "JSONProvider"]

# The standard library's scanner with its default hooks, as json.loads uses.
# (An instance attribute the type stubs do not declare.)
_scan_once: Callable[[str, int], tuple[object, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_JSON_WHITESPACE = " \t\n\r"
_RESPONSE_INIT: object = _Response.__init__


def _compact_encode_function(
    default: Callable[[object], object], ensure_ascii: bool, sort_keys: bool
) -> Callable[[object], str]:
    """``json.dumps(obj, separators=(",", ":"), ...)`` without the circular check."""
    std = _stdlib_encoder
    quote = std.encode_basestring_ascii if ensure_ascii else std.encode_basestring
    make_encoder = getattr(std, "c_make_encoder", None)
    if make_encoder is not None:
        try:
            # What JSONEncoder.iterencode builds for each call, built once:
            # (markers, default, quote, indent, key sep, item sep, sort_keys,
            # skipkeys, allow_nan). Without markers it holds no state.
            chunks = make_encoder(None, default, quote, None, ":", ",", sort_keys, False, True)
        except TypeError:  # a Python whose C encoder takes other arguments
            pass
        else:
            join = "".join

            def encode(obj: object) -> str:
                return join(chunks(obj, 0))

            return encode
    return json.JSONEncoder(
        default=default,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
        check_circular=False,
        separators=(",", ":"),
    ).encode


class DefaultJSONProvider(_FlaskDefaultJSONProvider):
    """Flask's default JSON provider (``default``, ``ensure_ascii``,
    ``sort_keys``, ``compact``, ``mimetype`` behave exactly as in Flask)."""

    _encoder: tuple[tuple[object, ...], Callable[[object], str]] | None = None

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialize JSON from text or UTF-8 bytes (as :func:`json.loads`).

        :param s: The JSON document.
        :param kwargs: Passed to :func:`json.loads`.
        """
        if kwargs:
            return json.loads(s, **kwargs)
        if type(s) is bytes:
            # An object or array whose second byte is not NUL is UTF-8 (no BOM,
            # not UTF-16/32): json.loads would decode it exactly so.
            if len(s) < 2 or s[0] not in b"{[" or not s[1]:
                return json.loads(s)
            try:
                text = s.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                return json.loads(s)  # raises the standard library's error
        elif type(s) is str and s[:1] in ("{", "["):
            text = s
        else:
            return json.loads(s)
        try:
            value, end = _scan_once(text, 0)
        except StopIteration:
            return json.loads(s)  # raises the standard library's error
        if end != len(text) and text[end:].strip(_JSON_WHITESPACE):
            return json.loads(s)  # raises "Extra data"
        return value

    def response(self, *args: object, **kwargs: object) -> Response:
        """A JSON response of the arguments (see :func:`quart.json.jsonify`)."""
        if type(self).dumps is not _FlaskDefaultJSONProvider.dumps or (
            self.compact is False or (self.compact is None and self._app.debug)
        ):
            return super().response(*args, **kwargs)
        # The one-value call (make_response's) without _prepare_response_obj,
        # and the cached encoder read in place (bench: json, json_echo, make
        # bench-instr: two calls per JSON response).
        obj = args[0] if len(args) == 1 and not kwargs else self._prepare_response_obj(args, kwargs)
        cached = self._encoder
        if cached is not None and cached[0] == (self.default, self.ensure_ascii, self.sort_keys):
            encode = cached[1]
        else:
            encode = self._compact_encoder()
        try:
            text = encode(obj)
        except RecursionError:
            # Circular, or deeper than the interpreter allows: Flask's own
            # path, whose circular check raises the error Flask users expect.
            text = self.dumps(obj, separators=(",", ":"))
        response_class = self._app.response_class
        if response_class.__init__ is _RESPONSE_INIT:
            # Positional: a class call with a keyword builds a dict for it
            # (bench: json, make bench-instr).
            return response_class(f"{text}\n", None, None, self.mimetype)
        return response_class(f"{text}\n", mimetype=self.mimetype)

    def _compact_encoder(self) -> Callable[[object], str]:
        # Settings may change at any time (they are plain attributes), so the
        # cached encoder is keyed by them.
        key = (self.default, self.ensure_ascii, self.sort_keys)
        cached = self._encoder
        if cached is None or cached[0] != key:
            encode = _compact_encode_function(self.default, self.ensure_ascii, self.sort_keys)
            cached = self._encoder = (key, encode)
        return cached[1]
