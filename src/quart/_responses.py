"""Turning what a view returns into a response (:meth:`Quart.make_response`)."""

from __future__ import annotations

from typing import Any
from typing import cast
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response as WerkzeugResponse

from ._headers import FastHeaders
from .wrappers import Response

if TYPE_CHECKING:
    from .app import Quart
    from .typing import ResponseReturnValue
    from .typing import ResponseTypes
    from .typing import ResponseValue


def make_response(app: Quart, result: ResponseReturnValue | HTTPException) -> ResponseTypes:
    """Turn a view's return value into a :class:`~quart.wrappers.Response`.

    Accepts ``str``, ``bytes``, ``dict``/``list`` (JSON), a response, an
    ``HTTPException``, sync or async generators and iterables, and the
    tuples ``(body, status)``, ``(body, headers)``, ``(body, status, headers)``.
    """
    status: Any = None
    headers: Any = None
    value: ResponseValue | HTTPException
    if isinstance(result, tuple):
        if len(result) == 3:
            value, status, headers = result
        elif len(result) == 2:
            value, extra = result
            if isinstance(extra, Headers | dict | tuple | list):
                headers = extra
            else:
                status = extra
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
    if isinstance(value, Response):
        response = value
    elif isinstance(value, str | bytes | bytearray):
        response = app.response_class(value)
    elif isinstance(value, dict | list):
        response = app.json.response(value)
    elif isinstance(value, HTTPException):
        response = http_exception_response(app, value)
    elif isinstance(value, WerkzeugResponse):
        response = app.response_class(
            value.response, status=value.status_code, headers=value.headers
        )
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
        response.headers.update(headers)
    return cast("ResponseTypes", response)


def http_exception_response(app: Quart, error: HTTPException) -> Response:
    """The response an ``HTTPException`` stands for (its own, a redirect, or its page)."""
    if error.response is not None:
        wz = error.response
        if isinstance(wz, Response):
            return wz
        if isinstance(wz, WerkzeugResponse):
            return app.response_class(wz.response, status=wz.status_code, headers=wz.headers)
        raise TypeError(
            f"The HTTPException's response must be a Quart or Werkzeug response, not a"
            f" {type(wz).__name__}."
        )
    if isinstance(error, RequestRedirect):
        return cast(Response, app.redirect(error.new_url, error.code))
    response = app.response_class(
        error.get_body(), status=error.code, headers=FastHeaders(error.get_headers())
    )
    return response
