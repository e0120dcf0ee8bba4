"""Turning what a view returns into a response (:meth:`Quart.make_response`)."""

from __future__ import annotations

from typing import cast
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from ..wrappers import Response

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import HeadersValue
    from ..typing import ResponseReturnValue
    from ..typing import ResponseTypes
    from ..typing import ResponseValue
    from ..typing import StatusCode


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
            if isinstance(extra, Headers | dict | tuple | list):
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
    response: ResponseTypes
    if isinstance(value, Response | WerkzeugResponse):
        # A Werkzeug response is passed on as it is (Quart does the same);
        # the servers and the test client send either kind.
        response = value
    elif isinstance(value, str | bytes | bytearray):
        response = app.response_class(value)
    elif isinstance(value, dict | list):
        # (Flask types the provider's response as its sans-IO base class.)
        response = cast("ResponseTypes", app.json.response(value))
    elif isinstance(value, HTTPException):
        # Werkzeug builds the error page (or the redirect, or the response
        # the exception carries), as on Quart.
        response = cast("ResponseTypes", value.get_response())
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
    return response
