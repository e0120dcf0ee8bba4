"""Turning what a view returns into a response (:meth:`Quart.make_response`)."""

from __future__ import annotations

from typing import Any
from typing import cast
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from .._headers import FastHeaders
from ..wrappers import Response

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import HeadersValue
    from ..typing import ResponseReturnValue
    from ..typing import ResponseTypes
    from ..typing import ResponseValue
    from ..typing import StatusCode

# Tuples, not ``A | B`` unions: a union in an isinstance() call is built on
# every call (bench: plaintext, json, make bench-instr: ~1k instructions).
_HEADER_TYPES = (Headers, dict, tuple, list)
_RESPONSE_TYPES = (Response, WerkzeugResponse)
_TEXT_TYPES = (str, bytes, bytearray)
_JSON_TYPES = (dict, list)
_RESPONSE_INIT: object = Response.__init__

#: Werkzeug's error pages, per exception class, code and description, as
#: (status, status code, header list, body list): the state of the
#: Response Werkzeug builds (see _error_page; bounded).
_ERROR_PAGES: dict[tuple[object, ...], tuple[str, int, list[tuple[str, str]], list[bytes]]] = {}
_ERROR_PAGES_MAX = 256
# The attributes a Werkzeug Response's __init__ sets, in its order: a page is
# kept only when the one Werkzeug built has exactly these.
_RESPONSE_STATE = (
    "headers",
    "_status",
    "_status_code",
    "direct_passthrough",
    "_on_close",
    "response",
)
_OBJECT_NEW = object.__new__
_WERKZEUG_PAGE = (
    HTTPException.get_response,
    HTTPException.get_body,
    HTTPException.get_headers,
    HTTPException.get_description,
    HTTPException.name,
)


def _error_page(error: HTTPException) -> ResponseTypes:
    """``error.get_response()``: Werkzeug's error page for ``error``, made
    once per class, code and description when the class keeps Werkzeug's
    way of making it, then built again from what was kept."""
    # Werkzeug imports inside get_response and the name property (``from
    # .http import ...``), and each such import of a module that is not a
    # package looks up its __path__ and makes and drops a formatted
    # AttributeError: 76k instructions less per 404, a fifth of the request
    # (abort(404) in a view 339k -> 263k, a path no rule matches 370k ->
    # 293k, in-process under callgrind). Werkzeug's Response.__init__ (its
    # Headers built and checked, the status parsed, set_data) was a third
    # of what was left.
    cls = type(error)
    if (
        error.response is not None
        or (
            cls.get_response,
            cls.get_body,
            cls.get_headers,
            cls.get_description,
            cls.name,  # the property itself, unless a class replaced it
        )
        != _WERKZEUG_PAGE
    ):
        return cast("ResponseTypes", error.get_response())
    try:
        key = (cls, error.code, error.description)
        page = _ERROR_PAGES.get(key)
    except TypeError:  # an unhashable description
        return cast("ResponseTypes", error.get_response())
    if page is None:
        response = WerkzeugResponse(error.get_body(), error.code, error.get_headers())
        state = vars(response)
        if (
            tuple(state) == _RESPONSE_STATE
            and type(response.headers) is Headers
            and not response.direct_passthrough
            and not response._on_close
        ):
            if len(_ERROR_PAGES) >= _ERROR_PAGES_MAX:
                _ERROR_PAGES.clear()
            _ERROR_PAGES[key] = (
                response._status,
                response._status_code,
                list(response.headers._list),
                list(response.response),  # type: ignore[arg-type]
            )
        return response
    # The same Response, its state set as its __init__ sets it (the Headers
    # and lists its own: hooks may change them), without Werkzeug's header
    # checks and status parsing, already done for this page.
    status, status_code, header_list, body = page
    response = _OBJECT_NEW(WerkzeugResponse)
    headers = _OBJECT_NEW(Headers)
    headers._list = header_list.copy()
    response.headers = headers
    response._status = status
    response._status_code = status_code
    response.direct_passthrough = False
    response._on_close = []
    response.response = body.copy()
    return response


def make_response(app: Quart, result: ResponseReturnValue | HTTPException) -> ResponseTypes:
    """Turn a view's return value into a response.

    A :class:`~quart.wrappers.Response` or a Werkzeug response is returned
    as it is (with the tuple's status and headers applied); an
    ``HTTPException`` gives Werkzeug's response for it. Also accepts
    ``str``, ``bytes``, ``dict``/``list`` (JSON), sync or async generators
    and iterables, and the tuples ``(body, status)``, ``(body, headers)``,
    ``(body, status, headers)``.
    """
    status: StatusCode | None = None
    headers: HeadersValue | None = None
    value: ResponseValue | HTTPException
    if isinstance(result, tuple):
        if len(result) == 3:
            value, status, headers = result
        elif len(result) == 2:
            value, extra = result
            if isinstance(extra, _HEADER_TYPES):
                headers = extra
            else:
                status = cast("StatusCode", extra)
        else:
            raise TypeError(
                "The view function did not return a valid response tuple. The tuple"
                " must have the form (body, status, headers), (body, status), or"
                " (body, headers)."
            )
    else:
        value = result
    if value is None:
        raise TypeError(
            "The view function did not return a valid response. The function either"
            " returned None or ended without a return statement."
        )
    response: Any
    if type(value) is str or type(value) is bytes:
        # The most common answers first (bench: plaintext, make bench-instr).
        content_type = (
            headers.get("Content-Type")
            if headers is not None and type(headers) is dict and len(headers) == 1
            else None
        )
        if type(content_type) is str and app.response_class.__init__ is _RESPONSE_INIT:
            # (body, {"Content-Type": ...}): the response built with it, not
            # built and then updated (bench: plaintext, make bench-instr). The
            # same headers: Werkzeug's update replaces the default in place.
            # (Response.__init__ checks the value as FastHeaders would.)
            response = app.response_class(value, None, None, None, content_type)
            headers = None
        else:
            response = app.response_class(value)
    elif type(value) is dict:
        response = app.json.response(value)
    elif isinstance(value, _RESPONSE_TYPES):
        # A Werkzeug response is passed on as it is (Quart does the same);
        # the servers and the test client send either kind.
        response = value
    elif isinstance(value, _TEXT_TYPES):
        response = app.response_class(value)
    elif isinstance(value, _JSON_TYPES):
        response = app.json.response(value)
    elif isinstance(value, HTTPException):
        # Werkzeug builds the error page (or the redirect, or the response
        # the exception carries), as on Quart.
        response = _error_page(value)
    elif hasattr(value, "__aiter__") or hasattr(value, "__iter__"):
        response = app.response_class(value)
    else:
        raise TypeError(
            "The view function did not return a valid response. The return type"
            f" must be a string, bytes, dict, list, tuple with headers or status,"
            f" Response instance, or generator, but it was a {type(value).__name__}."
        )
    if status is not None:
        response.status = status if isinstance(status, str) else int(status)
    if headers:
        target = response.headers
        if type(headers) is dict and type(target) is FastHeaders:
            # FastHeaders.update(headers), inlined for the plain dict views
            # return in (body, headers): a call less (bench: plaintext, make
            # bench-instr). Keep the two in step.
            items = target._list
            for key, item in headers.items():
                if type(key) is not str or type(item) is not str or "\n" in item or "\r" in item:
                    target.update({key: item})
                    items = target._list
                    continue
                ikey = key.lower()
                for index, (name, _) in enumerate(items):
                    if name.lower() == ikey:
                        # Werkzeug's set(): replace the first, drop the others.
                        items[index] = (key, item)
                        later = index + 1
                        if later < len(items):
                            kept = []
                            for pair in items[later:]:
                                if pair[0].lower() != ikey:
                                    kept.append(pair)
                            items[later:] = kept
                        break
                else:
                    items.append((key, item))
        else:
            target.update(headers)
    # Typed through the annotation, not cast() (a Python call per request).
    answer: ResponseTypes = response
    return answer
