"""Werkzeug responses (returned by views, or made from HTTP exceptions) on real servers."""

from __future__ import annotations

import asyncio
import http.client
from typing import Any

import e2e_servers
import pytest
from werkzeug.wrappers import Response as WerkzeugResponse

from quart import abort
from quart import Quart

TIMEOUT = 10

servers = e2e_servers.server_params(e2e_servers.hypercorn_server, e2e_servers.uvicorn_server)


@pytest.fixture(params=servers)
def server(request: pytest.FixtureRequest) -> Any:
    return request.param


def _get(port: int, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        headers = {key.lower(): value for key, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        connection.close()


async def test_werkzeug_responses_are_served(server: Any) -> None:
    app = Quart(__name__)

    @app.route("/plain")
    async def plain() -> Any:
        return WerkzeugResponse("hello", status=201, headers={"X-A": "1"})

    @app.route("/tuple")
    async def in_a_tuple() -> Any:
        return WerkzeugResponse(iter([b"a", "b"]), mimetype="text/plain"), 202, {"X-B": "2"}

    @app.route("/abort")
    async def aborts() -> Any:
        abort(404)

    async with server(app) as port:
        status, headers, body = await asyncio.to_thread(_get, port, "GET", "/plain")
        assert (status, headers["x-a"], body) == (201, "1", b"hello")
        status, headers, body = await asyncio.to_thread(_get, port, "HEAD", "/plain")
        assert (status, headers["content-length"], body) == (201, "5", b"")
        status, headers, body = await asyncio.to_thread(_get, port, "GET", "/tuple")
        assert (status, headers["x-b"], body) == (202, "2", b"ab")
        status, _, body = await asyncio.to_thread(_get, port, "GET", "/abort")
        assert status == 404 and b"Not Found" in body
