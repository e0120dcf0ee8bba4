"""Werkzeug's cached request properties, kept as plain instance attributes
(quart.wrappers.base._CachedAttribute): computed once, assignable, deletable."""

from __future__ import annotations

from quart import Quart
from quart import request
from quart.wrappers.base import _CachedAttribute
from quart.wrappers.base import BaseRequestWebsocket


async def test_cached_request_properties_compute_once_and_can_be_replaced() -> None:
    app = Quart(__name__)
    async with app.test_request_context("/?a=1", headers={"Cookie": "k=v"}):
        args = request.args
        assert args["a"] == "1"
        assert request.args is args  # computed once
        assert request.cookies["k"] == "v"
        request.args = {"b": "2"}  # type: ignore[assignment,misc]
        assert request.args == {"b": "2"}
        del request.args
        assert request.args["a"] == "1"  # computed again


def test_every_werkzeug_cached_property_is_kept_as_an_attribute() -> None:
    for name in ("args", "host", "url", "cookies", "content_length", "accept_mimetypes"):
        attribute = BaseRequestWebsocket.__dict__[name]
        assert isinstance(attribute, _CachedAttribute)
        assert attribute.__doc__
