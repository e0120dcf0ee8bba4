"""URL routing: converters, methods, hosts, subdomains, slashes, HEAD/OPTIONS, 404/405."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import uuid
import warnings
from typing import Any

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter
from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.routing import ValidationError

from quart import Quart
from quart import request
from quart import routing
from quart import url_for
from quart import websocket
from quart.routing import QuartMap
from quart.routing import QuartRule
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError


async def _text(client: QuartClient, path: str, **kwargs: Any) -> tuple[int, str]:
    response = await client.get(path, **kwargs)
    return response.status_code, await response.get_data(as_text=True)


def test_url_map_classes(app: Quart) -> None:
    assert isinstance(app.url_map, QuartMap)
    assert all(isinstance(rule, QuartRule) for rule in app.url_map.iter_rules())


async def test_default_and_string_converter(app: Quart, client: QuartClient) -> None:
    @app.route("/default/<value>")
    async def default(value: str) -> str:
        return f"default:{value}"

    @app.route("/short/<string(length=3):value>")
    async def short(value: str) -> str:
        return f"short:{value}"

    assert await _text(client, "/default/hello") == (200, "default:hello")
    assert await _text(client, "/default/h%C3%A9llo") == (200, "default:héllo")
    assert (await client.get("/default/a/b")).status_code == 404
    assert await _text(client, "/short/abc") == (200, "short:abc")
    assert (await client.get("/short/abcd")).status_code == 404


async def test_path_converter(app: Quart, client: QuartClient) -> None:
    @app.route("/files/<path:name>")
    async def files(name: str) -> str:
        return name

    assert await _text(client, "/files/a/b/c.txt") == (200, "a/b/c.txt")


async def test_any_converter(app: Quart, client: QuartClient) -> None:
    @app.route("/<any(about, help):page>")
    async def page(page: str) -> str:
        return page

    assert await _text(client, "/about") == (200, "about")
    assert await _text(client, "/help") == (200, "help")
    assert (await client.get("/other")).status_code == 404


async def test_int_and_float_converters(app: Quart, client: QuartClient) -> None:
    @app.route("/int/<int:value>")
    async def int_view(value: int) -> str:
        return f"{type(value).__name__}:{value}"

    @app.route("/bounded/<int(min=1, max=9):value>")
    async def bounded(value: int) -> str:
        return str(value)

    @app.route("/signed/<int(signed=True):value>")
    async def signed(value: int) -> str:
        return str(value)

    @app.route("/float/<float:value>")
    async def float_view(value: float) -> str:
        return f"{type(value).__name__}:{value}"

    assert await _text(client, "/int/42") == (200, "int:42")
    assert (await client.get("/int/abc")).status_code == 404
    assert (await client.get("/int/-1")).status_code == 404
    assert await _text(client, "/signed/-3") == (200, "-3")
    assert await _text(client, "/bounded/5") == (200, "5")
    assert (await client.get("/bounded/10")).status_code == 404
    assert await _text(client, "/float/1.5") == (200, "float:1.5")
    assert (await client.get("/float/1")).status_code == 404


async def test_uuid_converter(app: Quart, client: QuartClient) -> None:
    @app.route("/u/<uuid:value>")
    async def view(value: uuid.UUID) -> str:
        return f"{type(value).__name__}:{value}"

    value = uuid.uuid4()
    assert await _text(client, f"/u/{value}") == (200, f"UUID:{value}")
    assert (await client.get("/u/not-a-uuid")).status_code == 404


class ListConverter(BaseConverter):
    def to_python(self, value: str) -> list[str]:
        if "!" in value:
            raise ValidationError()
        return value.split("+")

    def to_url(self, value: Any) -> str:
        return "+".join(value)


async def test_custom_converter(app: Quart, client: QuartClient) -> None:
    app.url_map.converters["list"] = ListConverter

    @app.route("/tags/<list:tags>")
    async def tags(tags: list[str]) -> str:
        return ",".join(tags) + " " + url_for("tags", tags=["x", "y"])

    assert await _text(client, "/tags/a+b+c") == (200, "a,b,c /tags/x+y")
    assert (await client.get("/tags/bad!")).status_code == 404


async def test_host_matching() -> None:
    app = Quart(__name__, host_matching=True, static_host="static.test")

    @app.route("/", host="a.test")
    async def a() -> str:
        return "a"

    @app.route("/", host="<tenant>.b.test")
    async def b(tenant: str) -> str:
        return f"b:{tenant}"

    client = app.test_client()
    assert await _text(client, "/", headers={"Host": "a.test"}) == (200, "a")
    assert await _text(client, "/", headers={"Host": "acme.b.test"}) == (200, "b:acme")
    assert (await client.get("/", headers={"Host": "c.test"})).status_code == 404


async def test_subdomain_matching() -> None:
    app = Quart(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    async def root() -> str:
        return "root"

    @app.route("/", subdomain="api")
    async def api() -> str:
        return "api"

    @app.route("/user", subdomain="<user>")
    async def user(user: str) -> str:
        return f"user:{user}"

    client = app.test_client()
    assert await _text(client, "/") == (200, "root")
    assert await _text(client, "/", subdomain="api") == (200, "api")
    assert await _text(client, "/user", subdomain="alice") == (200, "user:alice")
    # A Host outside SERVER_NAME matches nothing (and Quart warns).
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        assert (await client.get("/", headers={"Host": "other.test"})).status_code == 404


async def test_host_outside_server_name_warns(app: Quart, client: QuartClient) -> None:
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    async def index() -> str:
        return "index"

    message = "Current server name 'other.test:8080' doesn't match configured server name"
    for _ in range(2):  # on every request, as on Quart
        with pytest.warns(UserWarning, match=message):
            await client.get("/", headers={"Host": "other.test:8080"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for host in ("example.test", "EXAMPLE.test:80", "api.example.test"):
            await client.get("/", headers={"Host": host})
        app.config["SERVER_NAME"] = None
        await client.get("/", headers={"Host": "other.test"})


async def test_host_outside_server_name_warns_for_websockets(
    app: Quart, client: QuartClient
) -> None:
    app.config["SERVER_NAME"] = "example.test"

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send("hi")

    with pytest.warns(UserWarning, match="'other.test' doesn't match configured server name"):
        # Served here (Flask's rule); refused with 404 on Quart. Either way it warns.
        with contextlib.suppress(WebsocketResponseError):
            async with client.websocket("/ws", headers={"Host": "other.test"}) as connection:
                await connection.receive()


async def test_subdomain_routes_match_with_server_name_alone() -> None:
    # As in Quart: subdomain routes match when SERVER_NAME is set, even
    # without subdomain_matching=True (Flask needs it).
    from quart import Blueprint

    app = Quart(__name__)
    app.config["SERVER_NAME"] = "example.test"
    api = Blueprint("api", __name__, subdomain="api")

    @api.route("/")
    async def api_index() -> str:
        return "api"

    @app.route("/")
    async def root() -> str:
        return "root"

    app.register_blueprint(api)
    client = app.test_client()
    assert await _text(client, "/") == (200, "root")
    assert await _text(client, "/", subdomain="api") == (200, "api")


async def test_without_subdomain_routes_any_subdomain_is_served() -> None:
    # Flask's rule, kept for apps with no subdomain routes: www.example.test
    # reaches the same views as example.test.
    app = Quart(__name__)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    async def root() -> str:
        return "root"

    assert await _text(app.test_client(), "/", subdomain="www") == (200, "root")


async def test_strict_slashes_redirect(app: Quart, client: QuartClient) -> None:
    @app.route("/folder/", methods=["GET", "POST"])
    async def folder() -> str:
        return "folder"

    @app.route("/file")
    async def file() -> str:
        return "file"

    @app.route("/loose/", strict_slashes=False)
    async def loose() -> str:
        return "loose"

    response = await client.get("/folder", query_string={"q": "1"})
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/folder/?q=1")
    response = await client.post("/folder")
    assert response.status_code == 308  # method and body are kept
    assert (await client.get("/file/")).status_code == 404
    assert await _text(client, "/loose") == (200, "loose")
    assert (await client.get("/folder", follow_redirects=True)).status_code == 200


async def test_merge_slashes_redirect(app: Quart, client: QuartClient) -> None:
    @app.route("/a/b")
    async def view() -> str:
        return "ab"

    response = await client.get("/a//b")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/a/b")


async def test_redirect_to_rule(app: Quart, client: QuartClient) -> None:
    @app.route("/new/<int:number>")
    async def new(number: int) -> str:
        return str(number)

    app.add_url_rule("/old/<int:number>", redirect_to="/new/<number>", endpoint="old")
    response = await client.get("/old/5")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/new/5")


async def test_automatic_head(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        return f"method={request.method}"

    response = await client.head("/")
    assert response.status_code == 200
    # As Quart's test client: the body the view produced (a server drops it).
    assert await response.get_data() == b"method=HEAD"
    assert response.headers["Content-Length"] == str(len("method=HEAD"))


async def test_automatic_options(app: Quart, client: QuartClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        return "index"

    response = await client.options("/")
    assert response.status_code == 200
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "POST", "OPTIONS"}
    assert await response.get_data() == b""


async def test_options_lists_methods_of_all_rules_for_the_path(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/thing")
    async def read() -> str:
        return "read"

    @app.delete("/thing")
    async def remove() -> str:
        return "removed"

    response = await client.options("/thing")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "DELETE", "OPTIONS"} <= allowed
    assert await _text(client, "/thing") == (200, "read")
    assert (await client.delete("/thing")).status_code == 200


async def test_provide_automatic_options_false(app: Quart, client: QuartClient) -> None:
    @app.route("/", methods=["GET", "OPTIONS"], provide_automatic_options=False)
    async def index() -> str:
        return f"manual {request.method}"

    response = await client.options("/")
    assert await response.get_data(as_text=True) == "manual OPTIONS"


async def test_provide_automatic_options_config(app: Quart, client: QuartClient) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.route("/")
    async def index() -> str:
        return "index"

    assert (await client.options("/")).status_code == 405


async def test_not_found_and_method_not_allowed(app: Quart, client: QuartClient) -> None:
    @app.route("/only-post", methods=["POST"])
    async def only_post() -> str:
        return "posted"

    response = await client.get("/nothing-here")
    assert response.status_code == 404
    assert "Not Found" in await response.get_data(as_text=True)

    response = await client.get("/only-post")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed == {"POST", "OPTIONS"}
    assert (await client.post("/only-post")).status_code == 200


async def test_request_routing_attributes(app: Quart, client: QuartClient) -> None:
    @app.route("/item/<int:item_id>", endpoint="item")
    async def view(item_id: int) -> dict[str, Any]:
        assert request.url_rule is not None
        return {
            "endpoint": request.endpoint,
            "rule": request.url_rule.rule,
            "view_args": request.view_args,
            "blueprint": request.blueprint,
        }

    response = await client.get("/item/3")
    assert await response.get_json() == {
        "endpoint": "item",
        "rule": "/item/<int:item_id>",
        "view_args": {"item_id": 3},
        "blueprint": None,
    }


async def test_routes_may_be_added_after_requests_were_served(
    app: Quart, client: QuartClient
) -> None:
    # As in Quart (Flask raises instead).
    @app.route("/")
    async def index() -> str:
        return "index"

    assert (await client.get("/")).status_code == 200

    @app.route("/later")
    async def later() -> str:
        return "later"

    response = await client.get("/later")
    assert await response.get_data() == b"later"

    # A route matched before is matched afresh once the map changes.
    @app.route("/", endpoint="replaced", methods=["POST"])
    async def replaced() -> str:
        return "replaced"

    assert await (await client.post("/")).get_data() == b"replaced"


# -- root_path: the ASGI path includes it ------------------------------------------


async def test_root_path_is_stripped_from_the_path(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/page")
    async def page() -> dict[str, str]:
        return {
            "path": request.path,
            "script_root": request.script_root,
            "url": request.url,
            "url_for": url_for("page"),
            "external": url_for("page", _external=True),
        }

    expected = {
        "path": "/page",
        "script_root": "/app",
        "url": "http://localhost/app/page",
        "url_for": "/app/page",
        "external": "http://localhost/app/page",
    }
    for root_path in ("/app", "/app/"):
        result = await asgi_call(app, http_scope("/app/page", root_path=root_path))
        assert result.status == 200
        assert json.loads(result.body) == expected


async def test_path_outside_the_root_path_is_not_found(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    @app.route("/")
    async def index() -> str:
        return "index"

    @app.route("/x")
    async def x() -> str:
        return "x"

    @app.errorhandler(404)
    async def not_found(error: Exception) -> tuple[str, int]:
        return f"missing, home is {url_for('index')}", 404

    assert (await asgi_call(app, http_scope("/app/x", root_path="/app"))).body == b"x"
    assert (await asgi_call(app, http_scope("/app/", root_path="/app"))).body == b"index"
    for path in ("/x", "/app", "/APP/x"):
        result = await asgi_call(app, http_scope(path, root_path="/app"))
        assert result.status == 404, path
        assert result.body == b"missing, home is /app/"


async def test_path_outside_the_root_path_never_reaches_a_route(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    # Quart 0.22 routes these to a catch-all route (as the path " ", or with
    # the root path cut mid-segment); here they are always 404.
    @app.route("/<path:anything>")
    async def catch_all(anything: str) -> str:
        return anything

    assert (await asgi_call(app, http_scope("/app/x/y", root_path="/app"))).body == b"x/y"
    for path in ("/x", "/app", "/appx/y"):
        result = await asgi_call(app, http_scope(path, root_path="/app"))
        assert result.status == 404, path


async def test_websocket_outside_the_root_path_is_not_found(
    app: Quart, websocket_scope: Any
) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send(websocket.path)

    async def connect(path: str) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        incoming = [{"type": "websocket.connect"}]
        done = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if incoming:
                return incoming.pop(0)
            await done.wait()
            return {"type": "websocket.disconnect", "code": 1000}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] in {"websocket.send", "websocket.close"} or (
                message["type"] == "websocket.http.response.body"
            ):
                done.set()

        scope = websocket_scope(path, root_path="/app")
        async with asyncio.timeout(5):
            await app(scope, receive, send)
        return sent

    accepted = await connect("/app/ws")
    assert [m["type"] for m in accepted[:2]] == ["websocket.accept", "websocket.send"]
    assert accepted[1]["text"] == "/ws"
    refused = await connect("/ws")
    assert refused[0]["type"] == "websocket.http.response.start"
    assert refused[0]["status"] == 404


async def test_a_route_whose_arguments_vary_leaves_nothing_for_the_garbage_collector() -> None:
    # A user id never seen before in every request: the framework must not
    # keep an object per request (which the collector would move up its
    # generations and scan in every full collection: pauses).
    app = Quart(__name__)

    @app.route("/users/<int:user_id>")
    async def user(user_id: int) -> str:
        return str(user_id)

    client = app.test_client()

    async def serve(first: int) -> int:
        for user_id in range(first, first + 300):
            response = await client.get(f"/users/{user_id}")
            assert await response.get_data(as_text=True) == str(user_id)
        gc.collect()
        return len(gc.get_objects())

    # The first run fills what is bounded anyway (the standard library's URL
    # parsing cache, say); the second must add nothing per request.
    filled = await serve(0)
    assert await serve(300) - filled < 30


async def test_a_path_that_comes_again_is_answered_from_the_cache() -> None:
    # Werkzeug's converters run while the path is new, not once it is remembered.
    app = Quart(__name__)
    conversions: list[str] = []

    class Counting(BaseConverter):
        def to_python(self, value: str) -> str:
            conversions.append(value)
            return value

    Counting.__module__ = "werkzeug.routing.counting"  # Counts as Werkzeug's own: cacheable.
    app.url_map.converters["counting"] = Counting

    @app.route("/items/<counting:name>")
    async def item(name: str) -> str:
        return name

    client = app.test_client()
    for _ in range(5):
        assert await (await client.get("/items/a")).get_data(as_text=True) == "a"
    assert conversions == ["a", "a"]


@pytest.fixture
def matched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the URL map's matcher is asked for (not those a cache answers)."""
    paths: list[str] = []
    direct = routing._match_directly

    def counted(adapter: Any, path: str, method: str, websocket: bool) -> Any:
        paths.append(path)
        return direct(adapter, path, method, websocket)

    monkeypatch.setattr(routing, "_match_directly", counted)
    return paths


async def test_paths_that_differ_in_their_numbers_are_answered_by_their_shape(
    matched: list[str],
) -> None:
    # /users/1/posts/hello, /users/2/posts/hello, ...: once two of them were
    # matched, the others are answered without the matcher, and alike.
    app = Quart(__name__)

    @app.route("/users/<int:user_id>/posts/<slug>")
    async def post(user_id: int, slug: str) -> str:
        return f"{user_id} {slug}"

    @app.route("/users/<int:user_id>/posts/<slug>/<int:page>")
    async def page(user_id: int, slug: str, page: int) -> str:
        return f"{user_id} {slug} {page}"

    @app.route("/users/7/posts/<slug>")
    async def seven(slug: str) -> str:
        return f"seven {slug}"

    @app.route("/years/<year>")
    async def year(year: str) -> str:
        return f"year {year!r}"

    client = app.test_client()

    async def get(path: str) -> str:
        return await (await client.get(path)).get_data(as_text=True)

    assert await get("/users/1/posts/hello") == "1 hello"
    assert await get("/users/2/posts/hello") == "2 hello"
    assert await get("/years/1999") == "year '1999'"
    assert await get("/years/2000") == "year '2000'"
    assert await get("/users/3/posts/x/1") == "3 x 1"
    assert await get("/users/4/posts/x/2") == "4 x 2"
    matched.clear()
    assert await get("/users/42/posts/hello") == "42 hello"
    assert await get("/users/0042/posts/hello") == "42 hello"
    assert await get("/users/\u0663/posts/hello") == "3 hello"  # a decimal digit
    assert await get("/years/0") == "year '0'"  # a str argument stays a str
    assert await get("/users/5/posts/x/6") == "5 x 6"
    assert matched == []
    # A static part of digits is not a number of the shape: its own answer.
    assert await get("/users/7/posts/hello") == "seven hello"
    assert await get("/users/7/posts/a") == "seven a"
    assert await get("/users/8/posts/a") == "8 a"
    assert await get("/users/7/posts/b") == "seven b"
    # Past int()'s digit limit Werkzeug's converter refuses: a 404, as ever
    # (a path too long for a shape: test_matcher has one within).
    response = await client.get("/users/" + "9" * 5000 + "/posts/hello")
    assert response.status_code == 404
    # Another method, another answer.
    response = await client.post("/users/9/posts/hello")
    assert response.status_code == 405


async def test_a_shape_whose_numbers_may_change_the_answer_is_not_used() -> None:
    # int(max=20) refuses 21 (a 404: Werkzeug does not try the next rule),
    # any(1, 22) takes two numbers only, string(length=2) two digits: the same
    # shape, other answers. Every answer stays Werkzeug's.
    app = Quart(__name__)
    rules = {
        "/n/<int(max=20):small>": "small",
        "/n/<path:rest>": "rest",
        "/a/<any('1', '22'):choice>": "choice",
        "/a/<name>": "name",
        "/s/<string(length=2):two>": "two",
        "/s/<int:other>": "other",
    }
    for rule, endpoint in rules.items():
        app.add_url_rule(rule, endpoint, lambda **kwargs: repr(sorted(kwargs.items())))
    reference = Map([Rule(rule, endpoint=endpoint) for rule, endpoint in rules.items()])
    client = app.test_client()
    for prefix in ("/n/", "/a/", "/s/"):
        for number in ("1", "2", "21", "3", "22", "12", "123", "4"):
            path = prefix + number
            response = await client.get(path)
            try:
                endpoint, kwargs = reference.bind("localhost").match(path)
            except NotFound:
                assert response.status_code == 404, path
            else:
                assert response.status_code == 200, path
                assert await response.get_data(as_text=True) == repr(sorted(kwargs.items()))


@pytest.mark.parametrize(("numbers", "shaped"), [(8, True), (9, False)])
async def test_a_path_of_many_numbers_is_not_answered_by_its_shape(
    matched: list[str], numbers: int, shaped: bool
) -> None:
    # A shape's key holds the path's pieces while it is cached, and clients
    # choose paths: past eight numbers (or 1,024 characters) the path is
    # matched as any other.
    app = Quart(__name__)
    names = [f"n{index}" for index in range(numbers)]

    @app.route("".join(f"/<int:{name}>" for name in names))
    async def many(**kwargs: int) -> str:
        return str(sum(kwargs.values()))

    client = app.test_client()
    for first in range(1, 5):
        response = await client.get("".join(f"/{first}" for _ in names))
        assert await response.get_data(as_text=True) == str(first * numbers)
    assert len(matched) == (2 if shaped else 4)


@pytest.mark.parametrize("length", [1000, 1100])
@pytest.mark.parametrize("varied", [True, False], ids=["shape", "path"])
async def test_a_long_path_is_matched_every_time(
    matched: list[str], length: int, varied: bool
) -> None:
    # A cached key holds the path (or a shape's pieces), and clients choose
    # paths: past 1,024 characters a path is matched every time, whether it
    # comes again (varied=False) or only its number changes.
    app = Quart(__name__)

    @app.route("/n/<name>")
    async def last(name: str) -> str:
        return name[-1]

    client = app.test_client()
    for number in range(1, 5):
        digit = number if varied else 1
        response = await client.get(f"/n/{'1' * (length - 4)}{digit}")
        assert await response.get_data(as_text=True) == str(digit)
    assert len(matched) == (2 if length <= 1024 else 4)
