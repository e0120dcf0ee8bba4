from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import click
import pytest

from quart import abort
from quart import Blueprint
from quart import g
from quart import Quart
from quart import render_template
from quart import render_template_string
from quart import request
from quart import url_for
from quart import websocket
from quart.blueprints import BlueprintSetupState
from quart.wrappers import Response


async def _text(response: Response) -> str:
    return await response.get_data(as_text=True)  # type: ignore[return-value]


# -- routing ------------------------------------------------------------------


async def test_url_prefix_and_endpoint_names(app: Quart) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/")
    async def index() -> str:
        return url_for(".users", id=3) + " " + url_for("admin.index") + " " + request.endpoint

    @bp.route("/users/<int:id>")
    async def users(id: int) -> str:
        return str(id)

    app.register_blueprint(bp)
    client = app.test_client()
    assert await _text(await client.get("/admin/")) == "/admin/users/3 /admin/ admin.index"
    assert await _text(await client.get("/admin/users/5")) == "5"
    assert (await client.get("/users/5")).status_code == 404


async def test_registration_prefix_overrides_blueprint_prefix(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/old")

    @bp.get("/x")
    async def x() -> str:
        return "x"

    app.register_blueprint(bp, url_prefix="/new")
    client = app.test_client()
    assert (await client.get("/new/x")).status_code == 200
    assert (await client.get("/old/x")).status_code == 404


async def test_register_twice_with_name(app: Quart) -> None:
    bp = Blueprint("api", __name__)

    @bp.route("/where")
    async def where() -> str:
        return f"{request.blueprint} {url_for('.where')}"

    app.register_blueprint(bp, url_prefix="/v1")
    app.register_blueprint(bp, url_prefix="/v2", name="api2")
    client = app.test_client()
    assert await _text(await client.get("/v1/where")) == "api /v1/where"
    assert await _text(await client.get("/v2/where")) == "api2 /v2/where"


async def test_registering_a_name_twice_is_an_error(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="name="):
        app.register_blueprint(bp)
    with pytest.raises(ValueError, match="already registered"):
        app.register_blueprint(Blueprint("bp", __name__))


async def test_url_defaults(app: Quart) -> None:
    bp = Blueprint("pages", __name__, url_prefix="/pages", url_defaults={"kind": "page"})

    @bp.route("/<name>")
    async def show(name: str, kind: str) -> str:
        return f"{kind}:{name}"

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="posts", url_prefix="/posts", url_defaults={"kind": "post"})

    @app.route("/links")
    async def links() -> str:
        return url_for("pages.show", name="a") + " " + url_for("posts.show", name="b")

    client = app.test_client()
    assert await _text(await client.get("/pages/a")) == "page:a"
    assert await _text(await client.get("/posts/b")) == "post:b"
    assert await _text(await client.get("/links")) == "/pages/a /posts/b"


async def test_subdomain() -> None:
    app = Quart(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    bp = Blueprint("api", __name__, subdomain="api")

    @bp.route("/")
    async def index() -> str:
        return "api " + url_for(".index", _external=True)

    app.register_blueprint(bp)
    client = app.test_client()
    response = await client.get("/", headers={"Host": "api.example.com"})
    assert await _text(response) == "api http://api.example.com/"
    assert (await client.get("/", headers={"Host": "example.com"})).status_code == 404


# -- nesting ------------------------------------------------------------------


@pytest.fixture
def nested_app(app: Quart) -> Quart:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @parent.before_request
    async def parent_before() -> None:
        g.trail = ["parent"]

    @child.before_request
    async def child_before() -> None:
        g.trail.append("child")

    @child.route("/create")
    async def create() -> str:
        return ",".join(g.trail) + " " + url_for("parent.child.create") + " " + request.endpoint

    @child.route("/fail")
    async def fail() -> str:
        raise KeyError("x")

    @parent.errorhandler(KeyError)
    async def parent_key_error(error: KeyError) -> tuple[str, int]:
        return "handled by parent", 409

    @child.route("/blueprints")
    async def blueprints() -> str:
        return ",".join(request.blueprints)

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    return app


async def test_nested_prefixes_names_and_hooks(nested_app: Quart) -> None:
    response = await nested_app.test_client().get("/parent/child/create")
    assert await _text(response) == "parent,child /parent/child/create parent.child.create"


async def test_nested_error_falls_back_to_parent_handler(nested_app: Quart) -> None:
    response = await nested_app.test_client().get("/parent/child/fail")
    assert response.status_code == 409
    assert await _text(response) == "handled by parent"


async def test_nested_blueprints_innermost_first(nested_app: Quart) -> None:
    response = await nested_app.test_client().get("/parent/child/blueprints")
    assert await _text(response) == "parent.child,parent"


async def test_nested_registration_prefix_and_subdomain() -> None:
    app = Quart(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    parent = Blueprint("parent", __name__, subdomain="api")
    child = Blueprint("child", __name__, subdomain="v1")

    @child.route("/x")
    async def x() -> str:
        return "x"

    parent.register_blueprint(child, url_prefix="/kid")
    app.register_blueprint(parent, url_prefix="/p")
    response = await app.test_client().get("/p/kid/x", headers={"Host": "v1.api.example.com"})
    assert await _text(response) == "x"


# -- scoped hooks -------------------------------------------------------------


async def test_blueprint_hooks_apply_only_to_its_routes(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    calls: list[str] = []

    @bp.before_request
    async def before() -> None:
        calls.append("before")

    @bp.after_request
    async def after(response: Response) -> Response:
        response.headers["X-BP"] = "1"
        return response

    @bp.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @bp.route("/")
    async def inside() -> str:
        return "in"

    @app.route("/")
    async def outside() -> str:
        return "out"

    app.register_blueprint(bp)
    client = app.test_client()
    response = await client.get("/")
    assert "X-BP" not in response.headers
    assert calls == []
    response = await client.get("/bp/")
    assert response.headers["X-BP"] == "1"
    assert calls == ["before", "teardown"]


async def test_blueprint_error_handler_is_scoped(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(404)
    async def bp_not_found(error: Exception) -> tuple[str, int]:
        return "bp 404", 404

    @bp.route("/missing")
    async def missing() -> str:
        abort(404)

    @app.route("/missing")
    async def app_missing() -> str:
        abort(404)

    app.register_blueprint(bp)
    client = app.test_client()
    assert await _text(await client.get("/bp/missing")) == "bp 404"
    assert await _text(await client.get("/missing")) != "bp 404"


async def test_blueprint_url_value_preprocessor_and_url_defaults(app: Quart) -> None:
    bp = Blueprint("lang", __name__, url_prefix="/<lang_code>")

    @bp.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.lang_code = values.pop("lang_code") if values else None

    @bp.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang_code", g.lang_code)

    @bp.route("/about")
    async def about() -> str:
        return f"{g.lang_code} {url_for('.about')}"

    app.register_blueprint(bp)
    assert await _text(await app.test_client().get("/fr/about")) == "fr /fr/about"


async def test_blueprint_context_processor_is_scoped(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.context_processor
    def inject() -> dict[str, str]:
        return {"where": "bp"}

    template = "{{ where | default('app') }}"

    @bp.route("/")
    async def inside() -> str:
        return await render_template_string(template)

    @app.route("/")
    async def outside() -> str:
        return await render_template_string(template)

    app.register_blueprint(bp)
    client = app.test_client()
    assert await _text(await client.get("/bp/")) == "bp"
    assert await _text(await client.get("/")) == "app"


# -- app-wide hooks from a blueprint ------------------------------------------


async def test_app_wide_request_hooks(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    calls: list[str] = []

    @bp.before_app_request
    def before() -> None:
        calls.append("before")

    @bp.after_app_request
    async def after(response: Response) -> Response:
        response.headers["X-App"] = "1"
        return response

    @bp.teardown_app_request
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @bp.app_errorhandler(404)
    async def not_found(error: Exception) -> tuple[str, int]:
        return "app-wide 404", 404

    @bp.app_context_processor
    def inject() -> dict[str, str]:
        return {"greeting": "hi"}

    @bp.app_template_filter("shout")
    def shout(value: str) -> str:
        return value.upper() + "!"

    @bp.app_template_global("answer")
    def answer() -> int:
        return 42

    @bp.app_template_test("even")
    def even(value: int) -> bool:
        return value % 2 == 0

    bp.add_app_template_filter(lambda v: v[::-1], "backwards")
    bp.add_app_template_global(lambda: "global", "other_global")
    bp.add_app_template_test(lambda v: v == 0, "zero")

    @app.route("/")
    async def index() -> str:
        return await render_template_string(
            "{{ greeting | shout }} {{ answer() }} {{ 4 is even }} {{ 'ab' | backwards }}"
            " {{ other_global() }} {{ 0 is zero }}"
        )

    app.register_blueprint(bp)
    client = app.test_client()
    response = await client.get("/")
    assert await _text(response) == "HI! 42 True ba global True"
    assert response.headers["X-App"] == "1"
    assert calls == ["before", "teardown"]
    assert await _text(await client.get("/nowhere")) == "app-wide 404"


async def test_app_url_defaults_and_value_preprocessor(app: Quart) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_url_value_preprocessor
    def pull(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.tenant = (values or {}).pop("tenant", None)

    @bp.app_url_defaults
    def push(endpoint: str, values: dict[str, Any]) -> None:
        if "tenant" in app.url_map._rules_by_endpoint[endpoint][0].arguments:
            values.setdefault("tenant", g.tenant)

    @app.route("/<tenant>/home")
    async def home() -> str:
        return f"{g.tenant} {url_for('home')}"

    app.register_blueprint(bp)
    assert await _text(await app.test_client().get("/acme/home")) == "acme /acme/home"


async def test_app_websocket_hooks_registered_on_app(app: Quart) -> None:
    bp = Blueprint("bp", __name__)

    @bp.before_app_websocket
    async def before() -> None:
        pass

    @bp.after_app_websocket
    async def after(response: Response | None) -> Response | None:
        return response

    @bp.teardown_app_websocket
    async def teardown(exc: BaseException | None) -> None:
        pass

    @bp.before_websocket
    async def scoped_before() -> None:
        pass

    app.register_blueprint(bp)
    assert app.before_websocket_funcs[None] == [before]
    assert app.after_websocket_funcs[None] == [after]
    assert app.teardown_websocket_funcs[None] == [teardown]
    assert app.before_websocket_funcs["bp"] == [scoped_before]


async def test_serving_hooks_from_blueprint(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    events: list[str] = []

    @bp.before_app_serving
    async def start() -> None:
        events.append("before")

    @bp.while_app_serving
    async def lifespan() -> AsyncGenerator[None, None]:
        events.append("while-start")
        yield
        events.append("while-stop")

    @bp.after_app_serving
    def stop() -> None:
        events.append("after")

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")  # record_once: not added twice
    async with app.test_app():
        assert events == ["before", "while-start"]
    assert events == ["before", "while-start", "while-stop", "after"]


# -- record ------------------------------------------------------------------


async def test_record_and_record_once(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    every: list[tuple[str, bool]] = []
    once: list[str] = []

    @bp.record
    def on_register(state: BlueprintSetupState) -> None:
        every.append((state.name, state.first_registration))

    @bp.record_once
    def on_first(state: BlueprintSetupState) -> None:
        once.append(state.name)
        assert state.app is app

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="second", url_prefix="/2")
    assert every == [("bp", True), ("second", False)]
    assert once == ["bp"]


async def test_setup_after_registration_is_an_error(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="already been registered"):

        @bp.route("/late")
        async def late() -> str:
            return "late"


# -- files ---------------------------------------------------------------------


async def test_static_and_template_folders(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body {}")
    (tmp_path / "templates" / "bp").mkdir(parents=True)
    (tmp_path / "templates" / "bp" / "page.html").write_text("bp page {{ value }}")

    app = Quart(__name__, root_path=str(tmp_path / "app"))
    bp = Blueprint(
        "bp",
        __name__,
        root_path=str(tmp_path),
        static_folder="static",
        static_url_path="/assets",
        template_folder="templates",
        url_prefix="/bp",
    )

    @bp.route("/page")
    async def page() -> str:
        return await render_template("bp/page.html", value=url_for(".static", filename="style.css"))

    app.register_blueprint(bp)
    client = app.test_client()
    response = await client.get("/bp/assets/style.css")
    assert response.status_code == 200
    assert await response.get_data() == b"body {}"
    assert (await client.get("/bp/assets/missing.css")).status_code == 404
    assert await _text(await client.get("/bp/page")) == "bp page /bp/assets/style.css"


async def test_open_resource(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE x;")
    bp = Blueprint("bp", __name__, root_path=str(tmp_path))
    async with await bp.open_resource("schema.sql") as file:
        assert await file.read() == b"CREATE TABLE x;"
    with pytest.raises(ValueError, match="reading"):
        await bp.open_resource("schema.sql", "w")


# -- cli ------------------------------------------------------------------------


def _cli_app(**options: Any) -> Quart:
    app = Quart(__name__)
    bp = Blueprint("tools", __name__, **options)

    @bp.cli.command("hello")
    def hello() -> None:
        click.echo("hello from the blueprint")

    app.register_blueprint(bp)
    return app


def test_cli_group_defaults_to_blueprint_name() -> None:
    result = _cli_app().test_cli_runner().invoke(args=["tools", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello from the blueprint\n"


def test_cli_group_none_adds_to_top_level() -> None:
    result = _cli_app(cli_group=None).test_cli_runner().invoke(args=["hello"])
    assert result.output == "hello from the blueprint\n"


def test_cli_group_custom_name() -> None:
    result = _cli_app(cli_group="extra").test_cli_runner().invoke(args=["extra", "hello"])
    assert result.output == "hello from the blueprint\n"


def test_cli_group_ellipsis_means_the_blueprint_name() -> None:
    # ``...`` stands for Flask's "use the blueprint's name" default.
    app = _cli_app(cli_group=...)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tools", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello from the blueprint\n"
    assert "tools" in runner.invoke(args=["--help"]).output

    other = Quart(__name__)
    bp = Blueprint("tools", __name__, cli_group="extra")

    @bp.cli.command("hello")
    def hello() -> None:
        click.echo("hello again")

    other.register_blueprint(bp, name="renamed", cli_group=...)
    result = other.test_cli_runner().invoke(args=["renamed", "hello"])
    assert result.output == "hello again\n"


# -- websockets -------------------------------------------------------------------


async def test_blueprint_websocket_route_and_scoped_hooks(app: Quart) -> None:
    bp = Blueprint("live", __name__, url_prefix="/live")
    events: list[str] = []
    done = asyncio.Event()

    @bp.before_websocket
    async def before() -> None:
        events.append("before")

    @bp.after_websocket
    async def after(response: Response | None) -> Response | None:
        events.append("after")
        return response

    @bp.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append("teardown")
        done.set()

    @bp.websocket("/ws")
    async def ws() -> None:
        await websocket.send(f"{websocket.blueprint} {url_for('.ws')}")
        await websocket.receive()

    @app.websocket("/plain")
    async def plain() -> None:
        await websocket.send("plain")
        await websocket.receive()

    app.register_blueprint(bp)
    client = app.test_client()
    async with client.websocket("/plain") as connection:
        assert await connection.receive() == "plain"
    assert events == []
    async with client.websocket("/live/ws") as connection:
        # Werkzeug always builds websocket URLs absolute, with a ws scheme.
        assert await connection.receive() == "live ws://localhost/live/ws"
        await connection.send("bye")
        await asyncio.wait_for(done.wait(), 5)
    assert events == ["before", "after", "teardown"]
