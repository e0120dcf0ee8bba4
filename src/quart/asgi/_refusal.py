"""Refusing a websocket with an HTTP response (the ASGI Websocket Denial
Response extension): the response's body is collected, bounded by its
``RESPONSE_TIMEOUT``, and sent as ``websocket.http.response.*`` messages.

A refusal is small, so it is collected before anything is sent: a failing
body generator or an unsendable header still gives a clean, logged 500
instead of half a response.
"""

from __future__ import annotations

import asyncio
from typing import Any
from typing import TYPE_CHECKING

from ..wrappers.response import DataBody
from ._common import _encode_headers
from ._common import _UnsendableHeader
from ._messages import plain_500_response
from ._messages import websocket_refusal

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import ASGISendCallable


async def send_refusal(app: Quart, response: Any, send: ASGISendCallable) -> None:
    """Send ``response`` as the refusal of a websocket that was not accepted."""
    body = response.response
    if isinstance(body, DataBody):
        data = body.data[body.begin : body.end]
    else:
        if not hasattr(body, "__aenter__"):
            status, headers = response.status_code, response.headers
            response = app.response_class(body, status=status, headers=headers)
            body = response.response
        timeout = response.timeout
        if timeout is Ellipsis:
            timeout = app.config["RESPONSE_TIMEOUT"]
        try:
            # A refusal is small: collect it, so a failing generator still
            # gets a clean 500 instead of half a response.
            async with asyncio.timeout(timeout), body as chunks:
                data = b"".join([_as_bytes(chunk) async for chunk in chunks])
        except Exception as error:
            app.logger.error(
                "Exception while producing a websocket refusal response",
                exc_info=(type(error), error, error.__traceback__),
            )
            response = plain_500_response(app)
            data = response.response.data
    try:
        headers = _encode_headers(response.headers)
    except _UnsendableHeader as error:
        app.logger.error(f"Cannot send the websocket refusal response: {error}")
        response = plain_500_response(app)
        data = response.response.data
        headers = _encode_headers(response.headers)
    start, end = websocket_refusal(response.status_code, headers, data)
    await send(start)
    await send(end)


def _as_bytes(chunk: str | bytes) -> bytes:
    return chunk.encode() if isinstance(chunk, str) else chunk
