"""Helpers: url_for, redirect, abort, make_response, jsonify and quart.json."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import io
import uuid
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound
from werkzeug.routing import BuildError

from quart import abort
from quart import Blueprint
from quart import json
from quart import jsonify
from quart import Quart
from quart import redirect
from quart import request
from quart import Response
from quart import url_for
from quart.json.provider import DefaultJSONProvider
from quart.json.provider import JSONProvider
from quart.testing import QuartClient


@pytest.fixture
def url_app(app: Quart) -> Quart:
    @app.route("/")
    async def index() -> str:
        return "index"

    @app.route("/item/<int:item_id>", methods=["GET"])
    async def item(item_id: int) -> str:
        return str(item_id)

    @app.route("/item/<int:item_id>", methods=["POST"], endpoint="item_post")
    async def item_post(item_id: int) -> str:
        return str(item_id)

    @app.route("/both", methods=["GET"], endpoint="both")
    @app.route("/both-post", methods=["POST"], endpoint="both")
    async def both() -> str:
        return "both"

    return app


# -- url_for ------------------------------------------------------------------------


async def test_url_for_in_a_request(url_app: Quart) -> None:
    async with url_app.test_request_context("/"):
        assert url_for("index") == "/"
        assert url_for("item", item_id=3) == "/item/3"
        assert url_for("item", item_id=3, q="a b", n=[1, 2]) == "/item/3?q=a+b&n=1&n=2"
        assert url_for("item", item_id=3, _external=True) == "http://localhost/item/3"
        assert url_for("index", _anchor="top section") == "/#top%20section"
        assert url_for("both", _method="POST") == "/both-post"
        assert url_for("both", _method="GET") == "/both"
        assert url_for("item", item_id=1, _scheme="https", _external=True) == (
            "https://localhost/item/1"
        )
        # _scheme implies an external URL.
        assert url_for("item", item_id=1, _scheme="https") == "https://localhost/item/1"
        with pytest.raises(ValueError):
            url_for("index", _scheme="https", _external=False)


async def test_url_for_uses_request_host_and_root_path(url_app: Quart) -> None:
    async with url_app.test_request_context(
        "/", headers={"Host": "example.test:8080"}, root_path="/mount", scheme="https"
    ):
        assert url_for("item", item_id=2) == "/mount/item/2"
        assert (
            url_for("item", item_id=2, _external=True) == "https://example.test:8080/mount/item/2"
        )


async def test_url_for_build_error(url_app: Quart) -> None:
    async with url_app.test_request_context("/"):
        with pytest.raises(BuildError):
            url_for("missing")
        with pytest.raises(BuildError):
            url_for("item")  # missing item_id


async def test_url_for_outside_a_request_with_server_name(url_app: Quart) -> None:
    url_app.config["SERVER_NAME"] = "example.test"
    async with url_app.app_context():
        assert url_for("item", item_id=5) == "http://example.test/item/5"
        assert url_for("index", _external=False) == "/"
    url_app.config["PREFER_SECURE_URLS"] = True
    url_app.config["APPLICATION_ROOT"] = "/app"
    async with url_app.app_context():
        assert url_for("index") == "https://example.test/app/"


async def test_url_for_outside_a_request_without_server_name(url_app: Quart) -> None:
    async with url_app.app_context():
        with pytest.raises(RuntimeError, match="SERVER_NAME"):
            url_for("index")
    with pytest.raises(RuntimeError, match="Not within an app context"):
        url_for("index")


async def test_url_for_blueprint_relative(app: Quart, client: QuartClient) -> None:
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.route("/")
    async def index() -> dict[str, str]:
        return {
            "relative": url_for(".cart"),
            "absolute": url_for("shop.cart"),
            "app_level": url_for("home"),
        }

    @bp.route("/cart")
    async def cart() -> str:
        return "cart"

    @app.route("/")
    async def home() -> str:
        return url_for(".home")

    app.register_blueprint(bp)
    response = await client.get("/shop/")
    assert await response.get_json() == {
        "relative": "/shop/cart",
        "absolute": "/shop/cart",
        "app_level": "/",
    }
    assert await (await client.get("/")).get_data(as_text=True) == "/"


async def test_url_for_with_url_defaults(app: Quart) -> None:
    @app.route("/<lang>/about")
    async def about(lang: str) -> str:
        return lang

    @app.url_defaults
    def default_lang(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", "en")

    async with app.test_request_context("/"):
        assert url_for("about") == "/en/about"
        assert url_for("about", lang="de") == "/de/about"


async def test_url_build_error_handler(app: Quart) -> None:
    def fallback(error: BuildError, endpoint: str, values: dict[str, Any]) -> str:
        return f"/fallback/{endpoint}"

    app.url_build_error_handlers.append(fallback)
    async with app.test_request_context("/"):
        assert url_for("unknown") == "/fallback/unknown"


# -- redirect and abort ---------------------------------------------------------------


async def test_redirect(app: Quart, client: QuartClient) -> None:
    @app.route("/go")
    async def go() -> Any:
        return redirect(request.args["to"], code=int(request.args.get("code", 302)))

    response = await client.get("/go", query_string={"to": "/target"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/target"
    response = await client.get("/go", query_string={"to": "https://example.test/x", "code": 307})
    assert response.status_code == 307
    assert response.headers["Location"] == "https://example.test/x"
    body = await response.get_data(as_text=True)
    assert "https://example.test/x" in body


async def test_redirect_escapes_location_in_body(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> Any:
        return redirect('/x?"><script>alert(1)</script>')

    response = await client.get("/")
    assert "<script>" not in await response.get_data(as_text=True)


async def test_redirect_outside_a_context() -> None:
    response = redirect("/elsewhere", 301)
    assert response.status_code == 301
    assert response.headers["Location"] == "/elsewhere"


async def test_redirect_percent_encodes_unsafe_characters(app: Quart) -> None:
    target = "/a b\r\nSet-Cookie: x=1/é"
    expected = "/a%20b%0D%0ASet-Cookie:%20x=1/%C3%A9"
    assert redirect(target).headers["Location"] == expected
    assert app.redirect(target).headers["Location"] == expected
    async with app.app_context():
        assert redirect(target).headers["Location"] == expected
    # Already-encoded targets are left alone.
    assert redirect(expected).headers["Location"] == expected


async def test_app_redirect_is_used(app: Quart, client: QuartClient) -> None:
    class MyQuart(Quart):
        def redirect(self, location: str, code: int = 302) -> Any:
            response = super().redirect(location, code)
            response.headers["X-Custom-Redirect"] = "1"
            return response

    custom = MyQuart(__name__)

    @custom.route("/")
    async def index() -> Any:
        return redirect("/x")

    response = await custom.test_client().get("/")
    assert response.headers["X-Custom-Redirect"] == "1"


def test_abort_outside_a_context() -> None:
    with pytest.raises(NotFound):
        abort(404)
    with pytest.raises(HTTPException) as info:
        abort(Response("custom", status=418))
    assert info.value.response is not None
    assert info.value.response.status_code == 418
    with pytest.raises(LookupError):
        abort(299)


async def test_abort_uses_app_aborter(app: Quart) -> None:
    class Gone(HTTPException):
        code = 499
        description = "custom"

    app.aborter.mapping[499] = Gone
    async with app.app_context():
        with pytest.raises(Gone):
            abort(499)


# -- jsonify and quart.json -------------------------------------------------------------


async def test_jsonify(app: Quart) -> None:
    async with app.app_context():
        response = jsonify({"a": 1})
        assert response.mimetype == "application/json"
        assert await response.get_json() == {"a": 1}
        assert await jsonify(1, 2).get_json() == [1, 2]
        assert await jsonify(a=1, b=2).get_json() == {"a": 1, "b": 2}
        assert await jsonify().get_json() is None
        assert await jsonify([1]).get_json() == [1]
        with pytest.raises(TypeError):
            jsonify(1, a=2)


async def test_jsonify_in_a_view(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> Any:
        return jsonify(ok=True), 201

    response = await client.get("/")
    assert response.status_code == 201
    assert await response.get_json() == {"ok": True}


async def test_jsonify_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="Not within an app context"):
        jsonify(a=1)


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_json_dumps_loads_without_an_app() -> None:
    value = {
        "date": datetime.date(2024, 1, 2),
        "uuid": uuid.UUID(int=1),
        "decimal": decimal.Decimal("1.5"),
        "point": Point(1, 2),
    }
    text = json.dumps(value)
    assert json.loads(text) == {
        "date": "Tue, 02 Jan 2024 00:00:00 GMT",
        "uuid": "00000000-0000-0000-0000-000000000001",
        "decimal": "1.5",
        "point": {"x": 1, "y": 2},
    }
    assert json.loads(b'{"b": 1}') == {"b": 1}
    buffer = io.StringIO()
    json.dump([1], buffer)
    buffer.seek(0)
    assert json.load(buffer) == [1]
    with pytest.raises(TypeError):
        json.dumps(object())


async def test_json_follows_the_app_provider(app: Quart) -> None:
    class UpperProvider(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    app.json = UpperProvider(app)
    async with app.app_context():
        assert json.dumps({"a": "b"}) == '{"A": "B"}'
        response = jsonify({"a": "b"})
        assert await response.get_data(as_text=True) == '{"A":"B"}\n'
    assert json.dumps({"a": "b"}) == '{"a": "b"}'


async def test_json_provider_settings(app: Quart, client: QuartClient) -> None:
    assert isinstance(app.json, JSONProvider)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    @app.route("/")
    async def index() -> dict[str, str]:
        return {"z": "é", "a": "1"}

    response = await client.get("/")
    assert await response.get_data(as_text=True) == '{"z":"é","a":"1"}\n'


async def test_json_provider_class(client: QuartClient) -> None:
    class CustomProvider(DefaultJSONProvider):
        mimetype = "application/vnd.custom+json"

    class CustomApp(Quart):
        json_provider_class = CustomProvider

    custom = CustomApp(__name__)

    @custom.route("/")
    async def index() -> list[int]:
        return [1]

    response = await custom.test_client().get("/")
    assert response.mimetype == "application/vnd.custom+json"
    assert await response.get_json() == [1]
