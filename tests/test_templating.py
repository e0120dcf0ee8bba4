"""Templates: rendering, streaming, context, autoescape, reloading and signals."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from jinja2 import TemplateNotFound
from jinja2 import TemplateSyntaxError

from quart import Blueprint
from quart import flash
from quart import g
from quart import get_template_attribute
from quart import Quart
from quart import redirect
from quart import render_template
from quart import render_template_string
from quart import stream_template
from quart import stream_template_string
from quart.signals import before_render_template
from quart.signals import template_rendered
from quart.templating import Environment


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def app(tmp_path: Path) -> Quart:
    return Quart(__name__, root_path=str(tmp_path))


async def asgi_get(app: Quart, path: str) -> list[dict[str, Any]]:
    """Call the app over raw ASGI; return the messages it sent."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
        "extensions": {},
    }
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    return sent


# -- rendering -------------------------------------------------------------------


async def test_render_template_from_the_app_folder(app: Quart, tmp_path: Path) -> None:
    write(
        tmp_path / "templates" / "page.html",
        "<h1>{{ title }}</h1>{% for i in items %}{{ i }};{% endfor %}",
    )

    @app.route("/")
    async def index() -> str:
        return await render_template("page.html", title="Hi", items=[1, 2, 3])

    response = await app.test_client().get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert await response.get_data(as_text=True) == "<h1>Hi</h1>1;2;3;"


async def test_render_first_existing_of_a_list(app: Quart, tmp_path: Path) -> None:
    write(tmp_path / "templates" / "fallback.html", "fallback")
    async with app.app_context():
        assert await render_template(["missing.html", "fallback.html"]) == "fallback"
        with pytest.raises(TemplateNotFound):
            await render_template("missing.html")


async def test_templates_may_call_async_functions(app: Quart) -> None:
    async def load_user(user_id: int) -> str:
        return f"user{user_id}"

    app.add_template_global(load_user)
    async with app.app_context():
        assert await render_template_string("{{ load_user(7) }}") == "user7"


async def test_environment_is_async_and_uses_jinja_options(tmp_path: Path) -> None:
    class App(Quart):
        jinja_options = {"trim_blocks": True}

    app = App(__name__, root_path=str(tmp_path))
    assert isinstance(app.jinja_env, Environment)
    assert app.jinja_env.is_async
    assert app.jinja_env.trim_blocks
    async with app.app_context():
        assert await render_template_string("{% if true %}\nx{% endif %}") == "x"


async def test_template_strings_are_compiled_once_per_source(tmp_path: Path) -> None:
    compiled: list[str] = []

    class CountingEnvironment(Environment):
        def compile(self, source: Any, *args: Any, **kwargs: Any) -> Any:
            compiled.append(source)
            return super().compile(source, *args, **kwargs)

    class App(Quart):
        jinja_environment = CountingEnvironment

    app = App(__name__, root_path=str(tmp_path))
    source = "{{ greeting }}, {{ name }}"
    async with app.app_context():
        app.add_template_global("Hello", "greeting")
        assert await render_template_string(source, name="<a>") == "Hello, &lt;a&gt;"
        # Kept: new values and a global changed since are rendered all the same.
        app.add_template_global("Hi", "greeting")
        assert await render_template_string(source, name="b") == "Hi, b"
        chunks = await stream_template_string(source, name="c")
        assert "".join([chunk async for chunk in chunks]) == "Hi, c"
        assert compiled == [source]
        # Bounded: once 64 other sources came after it, it is compiled again.
        for i in range(64):
            assert await render_template_string(f"{i}") == str(i)
        assert await render_template_string(source, name="d") == "Hi, d"
    assert compiled.count(source) == 2
    # A source that fails to compile is not kept.
    async with app.app_context():
        for _ in range(2):
            with pytest.raises(TemplateSyntaxError):
                await render_template_string("{% if %}")
    assert compiled.count("{% if %}") == 2


async def test_explain_template_loading_still_renders(app: Quart, tmp_path: Path) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    write(tmp_path / "templates" / "a.html", "A")
    async with app.app_context():
        assert await render_template("a.html") == "A"


# -- autoescape and tojson ---------------------------------------------------------


@pytest.mark.parametrize("extension", [".html", ".htm", ".xml", ".xhtml", ".svg"])
async def test_markup_templates_are_autoescaped(app: Quart, tmp_path: Path, extension: str) -> None:
    write(tmp_path / "templates" / f"t{extension}", "{{ value }}")
    async with app.app_context():
        rendered = await render_template(f"t{extension}", value="<b>&'\"")
    assert rendered == "&lt;b&gt;&amp;&#39;&#34;"


async def test_text_templates_are_not_escaped(app: Quart, tmp_path: Path) -> None:
    write(tmp_path / "templates" / "mail.txt", "{{ value }}")
    async with app.app_context():
        assert await render_template("mail.txt", value="<b>") == "<b>"


async def test_string_templates_are_autoescaped(app: Quart) -> None:
    async with app.app_context():
        assert await render_template_string("{{ v }}", v="<script>") == "&lt;script&gt;"


async def test_tojson_cannot_close_a_script_tag(app: Quart) -> None:
    payload = "</script><script>alert('x')</script>&"
    async with app.app_context():
        rendered = await render_template_string(
            "<script>const data = {{ data|tojson }};</script>", data={"text": payload}
        )
    inner = rendered.removeprefix("<script>const data = ").removesuffix(";</script>")
    assert "<" not in inner and ">" not in inner and "&" not in inner and "'" not in inner
    assert json.loads(inner) == {"text": payload}


# -- context -----------------------------------------------------------------------


async def test_default_context(app: Quart) -> None:
    app.secret_key = "secret"
    app.config["GREETING"] = "hello"

    @app.before_request
    async def set_user() -> None:
        g.user = "ada"

    @app.route("/flash")
    async def flash_view() -> Any:
        await flash("saved")
        return redirect("/page")

    @app.route("/page")
    async def page() -> str:
        return await render_template_string(
            "{{ config.GREETING }}|{{ g.user }}|{{ request.path }}"
            "|{{ session.get('_flashes')|length }}|{{ url_for('page', x=1) }}"
            "|{{ get_flashed_messages()|join(',') }}"
        )

    client = app.test_client()
    response = await client.get("/flash", follow_redirects=True)
    assert await response.get_data(as_text=True) == "hello|ada|/page|1|/page?x=1|saved"


async def test_session_is_loaded_only_by_templates_that_use_it(app: Quart) -> None:
    app.secret_key = "secret"

    @app.route("/plain")
    async def plain() -> str:
        return await render_template_string("{{ request.path }}")

    @app.route("/uses-session")
    async def uses_session() -> str:
        return await render_template_string("{{ session.get('user', 'anon') }}")

    client = app.test_client()
    plain_response = await client.get("/plain")
    assert "Vary" not in plain_response.headers
    session_response = await client.get("/uses-session")
    assert await session_response.get_data(as_text=True) == "anon"
    assert "Cookie" in session_response.headers["Vary"]


async def test_context_processors_and_explicit_values(app: Quart) -> None:
    @app.context_processor
    def sync_processor() -> dict[str, Any]:
        return {"a": "sync", "shadowed": "processor"}

    @app.context_processor
    async def async_processor() -> dict[str, Any]:
        return {"b": "async"}

    @app.route("/")
    async def index() -> str:
        return await render_template_string("{{ a }} {{ b }} {{ shadowed }}", shadowed="view")

    response = await app.test_client().get("/")
    assert await response.get_data(as_text=True) == "sync async view"


async def test_blueprint_context_processors(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.context_processor
    def only_bp() -> dict[str, Any]:
        return {"scope": "bp"}

    @bp.app_context_processor
    def everywhere() -> dict[str, Any]:
        return {"site": "site"}

    template = "{{ scope|default('none') }} {{ site }}"

    @bp.route("/")
    async def bp_view() -> str:
        return await render_template_string(template)

    @app.route("/")
    async def app_view() -> str:
        return await render_template_string(template)

    app.register_blueprint(bp)
    client = app.test_client()
    assert await (await client.get("/bp/")).get_data(as_text=True) == "bp site"
    assert await (await client.get("/")).get_data(as_text=True) == "none site"


async def test_filters_tests_and_globals_on_app_and_blueprint(app: Quart) -> None:
    @app.template_filter("shout")
    def shout(value: str) -> str:
        return value.upper() + "!"

    @app.template_test("even")
    def is_even(value: int) -> bool:
        return value % 2 == 0

    @app.template_global("answer")
    def answer() -> int:
        return 42

    app.add_template_filter(lambda value: value[::-1], "reverse_it")
    app.add_template_test(lambda value: value == 0, "zero")
    app.add_template_global("v1", "version")

    bp = Blueprint("bp", __name__)

    @bp.app_template_filter("twice")
    def twice(value: str) -> str:
        return value * 2

    @bp.app_template_test("odd")
    def is_odd(value: int) -> bool:
        return value % 2 == 1

    @bp.app_template_global("origin")
    def origin() -> str:
        return "bp"

    bp.add_app_template_filter(lambda value: value.strip(), "trim_it")
    bp.add_app_template_test(lambda value: value is None, "nothing")
    bp.add_app_template_global("bp-global", "bp_value")
    app.register_blueprint(bp)

    async with app.app_context():
        rendered = await render_template_string(
            "{{ 'hi'|shout }} {{ 2 is even }} {{ answer() }} {{ 'ab'|reverse_it }} {{ 0 is zero }}"
            " {{ version }} {{ 'x'|twice }} {{ 3 is odd }} {{ origin() }} {{ ' y '|trim_it }}"
            " {{ none is nothing }} {{ bp_value }}"
        )
    assert rendered == "HI! True 42 ba True v1 xx True bp y True bp-global"


# -- blueprints' template folders ----------------------------------------------------


async def test_blueprint_template_folder_and_app_override(app: Quart, tmp_path: Path) -> None:
    write(tmp_path / "admin" / "templates" / "admin" / "index.html", "admin index")
    write(tmp_path / "admin" / "templates" / "admin" / "shared.html", "from blueprint")
    write(tmp_path / "templates" / "admin" / "shared.html", "from app")
    bp = Blueprint(
        "admin", __name__, template_folder="templates", root_path=str(tmp_path / "admin")
    )

    @bp.route("/<name>")
    async def show(name: str) -> str:
        return await render_template(f"admin/{name}.html")

    app.register_blueprint(bp, url_prefix="/admin")
    client = app.test_client()
    assert await (await client.get("/admin/index")).get_data(as_text=True) == "admin index"
    # The app's folder is searched first, so an app can override a blueprint's template.
    assert await (await client.get("/admin/shared")).get_data(as_text=True) == "from app"


# -- streaming ------------------------------------------------------------------------


async def test_stream_template_keeps_the_request_context(app: Quart, tmp_path: Path) -> None:
    write(
        tmp_path / "templates" / "feed.html",
        "{% for item in items %}<p>{{ request.path }} {{ g.user }} {{ item }}</p>{% endfor %}",
    )
    rendered: list[str] = []

    @template_rendered.connect_via(app)
    def on_rendered(sender: Quart, template: Any, context: dict[str, Any], **extra: Any) -> None:
        rendered.append(template.name)

    @app.route("/feed")
    async def feed() -> Any:
        g.user = "ada"
        return await stream_template("feed.html", items=["a", "b", "c"])

    messages = await asgi_get(app, "/feed")
    bodies = [m["body"] for m in messages if m["type"] == "http.response.body"]
    assert messages[0]["status"] == 200
    assert b"".join(bodies) == b"<p>/feed ada a</p><p>/feed ada b</p><p>/feed ada c</p>"
    assert len([body for body in bodies if body]) > 1  # sent as it rendered
    assert rendered == ["feed.html"]
    template_rendered.disconnect(on_rendered, sender=app)


async def test_stream_template_string_via_test_client(app: Quart) -> None:
    @app.route("/")
    async def index() -> Any:
        return await stream_template_string(
            "{{ request.args['q'] }}{% for i in range(3) %}{{ i }}{% endfor %}"
        )

    response = await app.test_client().get("/?q=x")
    assert await response.get_data(as_text=True) == "x012"


async def test_stream_template_in_an_app_context_only(app: Quart) -> None:
    async with app.app_context():
        chunks = await stream_template_string("{{ config.TESTING }}-{{ 1 + 1 }}")
        assert "".join([chunk async for chunk in chunks]) == "False-2"


# -- get_template_attribute --------------------------------------------------------------


async def test_get_template_attribute_returns_macros_and_values(app: Quart, tmp_path: Path) -> None:
    write(
        tmp_path / "templates" / "_macros.html",
        "{% macro hello(name) %}Hello {{ name }}!{% endmacro %}{% set version = 3 %}",
    )
    async with app.app_context():
        hello = get_template_attribute("_macros.html", "hello")
        assert await hello("<World>") == "Hello &lt;World&gt;!"
        assert get_template_attribute("_macros.html", "version") == 3


# -- reloading --------------------------------------------------------------------------


def _rewrite(path: Path, text: str) -> None:
    path.write_text(text)
    # Move the modification time forward so the change is seen even on
    # filesystems with coarse timestamps.
    later = time.time() + 10
    os.utime(path, (later, later))


@pytest.mark.parametrize(
    ("auto_reload", "debug", "reloads"),
    [(True, False, True), (False, True, False), (None, True, True), (None, False, False)],
)
async def test_templates_auto_reload(
    app: Quart, tmp_path: Path, auto_reload: bool | None, debug: bool, reloads: bool
) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = auto_reload
    app.debug = debug
    template = write(tmp_path / "templates" / "page.html", "old")
    async with app.app_context():
        assert await render_template("page.html") == "old"
        _rewrite(template, "new")
        assert await render_template("page.html") == ("new" if reloads else "old")


# -- signals -------------------------------------------------------------------------------


async def test_render_signals_get_template_and_context(app: Quart, tmp_path: Path) -> None:
    write(tmp_path / "templates" / "page.html", "{{ added }}")
    seen: list[tuple[str, str | None, dict[str, Any]]] = []

    async def before(sender: Quart, template: Any, context: dict[str, Any], **extra: Any) -> None:
        seen.append(("before", template.name, dict(context)))
        context["added"] = "by receiver"

    def after(sender: Quart, template: Any, context: dict[str, Any], **extra: Any) -> None:
        seen.append(("after", template.name, dict(context)))

    before_render_template.connect(before, app)
    template_rendered.connect(after, app)
    try:

        @app.route("/")
        async def index() -> str:
            return await render_template("page.html", given=1)

        response = await app.test_client().get("/")
    finally:
        before_render_template.disconnect(before, app)
        template_rendered.disconnect(after, app)
    assert await response.get_data(as_text=True) == "by receiver"
    assert [(kind, name) for kind, name, _ in seen] == [
        ("before", "page.html"),
        ("after", "page.html"),
    ]
    assert seen[0][2]["given"] == 1 and "request" in seen[0][2]
    assert seen[1][2]["added"] == "by receiver"


async def test_seed_template_analytics_example(tmp_path: Path) -> None:
    """The template analytics example from the signals documentation, as written."""
    app = Quart(__name__, root_path=str(tmp_path))
    write(tmp_path / "templates" / "home.html", "v{{ app_version }}")
    write(
        tmp_path / "templates" / "template_stats.html",
        "{% for name, s in stats.items() %}{{ name }}={{ s.render_count }};{% endfor %}",
    )

    template_stats: dict[str, Any] = {
        "render_counts": Counter(),
        "render_times": defaultdict(list),
        "context_sizes": defaultdict(list),
    }

    @before_render_template.connect_via(app)
    def on_before_render(sender, template, context, **extra):  # type: ignore[no-untyped-def]
        template_stats["render_counts"][template.name] += 1
        context["_render_start"] = time.time()
        context_size = len(str(context))
        template_stats["context_sizes"][template.name].append(context_size)
        context["app_version"] = app.config.get("VERSION", "1.0.0")
        context["render_timestamp"] = time.time()

    @template_rendered.connect_via(app)
    def on_template_rendered(sender, template, context, **extra):  # type: ignore[no-untyped-def]
        if "_render_start" in context:
            render_time = time.time() - context["_render_start"]
            template_stats["render_times"][template.name].append(render_time)
            if render_time > 0.1:
                app.logger.warning(f"Slow template render: {template.name} took {render_time:.3f}s")

    @app.route("/")
    async def home() -> str:
        return await render_template("home.html")

    @app.route("/template-stats")
    async def template_statistics():  # type: ignore[no-untyped-def]
        stats = {}
        for template_name in template_stats["render_counts"]:
            times = template_stats["render_times"][template_name]
            sizes = template_stats["context_sizes"][template_name]
            stats[template_name] = {
                "render_count": template_stats["render_counts"][template_name],
                "avg_render_time": sum(times) / len(times) if times else 0,
                "max_render_time": max(times) if times else 0,
                "avg_context_size": sum(sizes) / len(sizes) if sizes else 0,
            }
        return await render_template("template_stats.html", stats=stats)

    try:
        client = app.test_client()
        assert await (await client.get("/")).get_data(as_text=True) == "v1.0.0"
        assert await (await client.get("/")).get_data(as_text=True) == "v1.0.0"
        response = await client.get("/template-stats")
        assert await response.get_data(as_text=True) == "home.html=2;"
        assert len(template_stats["render_times"]["home.html"]) == 2
        assert template_stats["render_counts"]["template_stats.html"] == 1
    finally:
        before_render_template.disconnect(on_before_render, app)
        template_rendered.disconnect(on_template_rendered, app)


async def test_request_proxy_in_template_globals_outside_request(app: Quart) -> None:
    # ``request`` is a global too, so a template rendered outside a request
    # only fails if it actually uses it.
    async with app.app_context():
        assert await render_template_string("{{ 1 }}") == "1"


# -- synchronous rendering first, async when needed -------------------------------------
# render_template renders with a sync twin of the environment and switches to the
# async environment when a value needs awaiting; these check that every async
# feature still works from template files.


class Loader:
    """An object whose methods and attributes are async."""

    def __init__(self) -> None:
        self.calls = 0

    async def load(self, name: str) -> str:
        self.calls += 1
        return f"loaded {name}"

    @property
    def lazy(self) -> Any:
        async def value() -> str:
            return "lazy <value>"

        return value()

    async def rows(self) -> Any:
        for i in range(3):
            yield i


async def render_file(app: Quart, tmp_path: Path, source: str, **context: Any) -> str:
    write(tmp_path / "templates" / "t.html", source)
    async with app.app_context():
        return await render_template("t.html", **context)


async def test_plain_template_renders_with_the_sync_twin(app: Quart, tmp_path: Path) -> None:
    rendered = await render_file(
        app, tmp_path, "{% for i in items %}{{ i.name }}{% endfor %}", items=[{"name": "<a>"}]
    )
    assert rendered == "&lt;a&gt;"
    twin = app.jinja_env._quart_sync_twin  # type: ignore[attr-defined]
    assert not twin.is_async
    assert not getattr(twin.get_template("t.html"), "_quart_needs_async", False)


async def test_a_page_using_request_session_and_g_renders_with_the_sync_twin(
    app: Quart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The context processors put the request, session and g proxies in every
    # template's context; they must not send an ordinary page to the async
    # render (several times the work per render).
    import quart.templating

    async_renders: list[str] = []
    render_async = quart.templating._render_async

    async def counting(template: Any, context: dict[str, object]) -> str:
        async_renders.append(template.name)
        return await render_async(template, context)

    monkeypatch.setattr(quart.templating, "_render_async", counting)
    write(
        tmp_path / "templates" / "page.html",
        "{{ request.path }}|{{ session.get('who', '-') }}|{{ g.user }}|{{ request.method }}",
    )

    @app.route("/page")
    async def page() -> str:
        g.user = "<ann>"
        return await render_template("page.html")

    response = await app.test_client().get("/page")
    assert await response.get_data(as_text=True) == "/page|-|&lt;ann&gt;|GET"
    assert async_renders == []


async def test_context_coroutine_function_is_awaited(app: Quart, tmp_path: Path) -> None:
    async def fetch(n: int) -> str:
        return f"<{n}>"

    assert await render_file(app, tmp_path, "{{ fetch(2) }}", fetch=fetch) == "&lt;2&gt;"


async def test_async_method_of_a_context_value_is_awaited(app: Quart, tmp_path: Path) -> None:
    loader = Loader()
    source = "a{{ loader.load('x') }}b{{ loader.lazy }}"
    for _ in range(2):  # the second render knows the template needs async
        rendered = await render_file(app, tmp_path, source, loader=loader)
        assert rendered == "aloaded xblazy &lt;value&gt;"
    assert loader.calls == 2
    twin = app.jinja_env._quart_sync_twin  # type: ignore[attr-defined]
    assert twin.get_template("t.html")._quart_needs_async


async def test_async_property_alone_is_awaited(app: Quart, tmp_path: Path) -> None:
    assert await render_file(app, tmp_path, "{{ loader.lazy }}", loader=Loader()) == (
        "lazy &lt;value&gt;"
    )


async def test_async_generators_iterate_in_for_loops(app: Quart, tmp_path: Path) -> None:
    async def numbers() -> Any:
        for i in range(3):
            yield i

    source = (
        "{% for i in numbers %}{{ i }}{% endfor %}|{% for r in loader.rows() %}{{ r }}{% endfor %}"
    )
    rendered = await render_file(app, tmp_path, source, numbers=numbers(), loader=Loader())
    assert rendered == "012|012"


async def test_iterators_are_not_consumed_twice(app: Quart, tmp_path: Path) -> None:
    # A generator in the context goes straight to the async render: an
    # abandoned sync render would have consumed it before the awaitable.
    source = "{% for i in items %}{{ i }}{% endfor %}{{ loader.load('y') }}"
    items = (i for i in range(3))
    assert await render_file(app, tmp_path, source, items=items, loader=Loader()) == "012loaded y"


async def test_async_filters_tests_and_globals_in_files(app: Quart, tmp_path: Path) -> None:
    @app.template_filter("shout")
    async def shout(value: str) -> str:
        return value.upper()

    @app.template_test("big")
    async def big(value: int) -> bool:
        return value > 10

    @app.template_global("answer")
    async def answer() -> int:
        return 42

    async def later() -> str:
        return "later"

    app.add_template_filter(lambda value: later(), "deferred")  # sync, returns a coroutine
    # Variables, not constants: Jinja folds a filter of a constant at compile time.
    source = "{{ a|shout }} {{ n is big }} {{ answer() }} {{ a|deferred }}"
    for _ in range(2):
        assert await render_file(app, tmp_path, source, a="a", n=11) == "A True 42 later"


async def test_sync_filters_keep_context_passing(app: Quart, tmp_path: Path) -> None:
    from jinja2 import pass_context

    @app.template_filter("with_title")
    @pass_context
    def with_title(context: Any, value: str) -> str:
        return f"{context['title']}:{value}"

    assert await render_file(app, tmp_path, "{{ 'v'|with_title }}", title="T") == "T:v"


async def test_bound_method_calls_in_loops(app: Quart, tmp_path: Path) -> None:
    from jinja2 import pass_context

    class Shelf:
        def label(self, value: int) -> str:
            return f"<{value}>"

        def empty(self) -> str:
            raise StopIteration

        @pass_context
        def titled(self, context: Any, value: int) -> str:
            return f"{context['title']}:{value}"

    source = (
        "{% for i in [1, 2] %}{{ loop.cycle('a', 'b') }}{{ shelf.label(i) }}"
        "{{ shelf.titled(i) }} {% endfor %}[{{ shelf.empty() }}]"
    )
    rendered = await render_file(app, tmp_path, source, shelf=Shelf(), title="T")
    # As Jinja calls them: the loop's own variables are not passed, a
    # pass_context method gets the context, StopIteration gives undefined.
    assert rendered == "a&lt;1&gt;T:1 b&lt;2&gt;T:2 []"
    twin = app.jinja_env._quart_sync_twin  # type: ignore[attr-defined]
    assert not getattr(twin.get_template("t.html"), "_quart_needs_async", False)
    # The same calls in the async render (an awaited method makes it one).
    write(tmp_path / "templates" / "t2.html", source + "{{ loader.load('x') }}")
    async with app.app_context():
        rendered = await render_template("t2.html", shelf=Shelf(), title="T", loader=Loader())
    assert rendered == "a&lt;1&gt;T:1 b&lt;2&gt;T:2 []loaded x"
    assert twin.get_template("t2.html")._quart_needs_async


async def test_undefined_attributes_stay_in_the_sync_render(tmp_path: Path) -> None:
    from jinja2 import StrictUndefined
    from jinja2 import UndefinedError

    class Item:
        name = "n"

    app = Quart(__name__, root_path=str(tmp_path))
    source = "{{ item.name }}[{{ item.missing }}]{% for x in item.missing %}x{% endfor %}"
    assert await render_file(app, tmp_path, source, item=Item()) == "n[]"
    twin = app.jinja_env._quart_sync_twin  # type: ignore[attr-defined]
    assert not getattr(twin.get_template("t.html"), "_quart_needs_async", False)

    class Strict(Quart):
        jinja_options = {"undefined": StrictUndefined}

    strict = Strict(__name__, root_path=str(tmp_path))
    with pytest.raises(UndefinedError):
        await render_file(strict, tmp_path, "{% for x in item.missing %}x{% endfor %}", item=Item())


async def test_includes_extends_and_macros(app: Quart, tmp_path: Path) -> None:
    write(tmp_path / "templates" / "base.html", "<main>{% block body %}{% endblock %}</main>")
    write(tmp_path / "templates" / "part.html", "[{{ loader.load(name) }}]")
    write(
        tmp_path / "templates" / "macros.html",
        "{% macro item(v) %}<i>{{ v }}</i>{% endmacro %}",
    )
    source = (
        "{% extends 'base.html' %}{% import 'macros.html' as m %}"
        "{% block body %}{{ m.item('<x>') }}{% include 'part.html' %}{% endblock %}"
    )
    rendered = await render_file(app, tmp_path, source, loader=Loader(), name="n")
    assert rendered == "<main><i>&lt;x&gt;</i>[loaded n]</main>"
    # The same, with nothing to await: rendered by the sync twin throughout.
    write(tmp_path / "templates" / "part2.html", "[{{ name }}]")
    write(tmp_path / "templates" / "t2.html", source.replace("part.html", "part2.html"))
    async with app.app_context():
        rendered = await render_template("t2.html", name="<n>")
    assert rendered == "<main><i>&lt;x&gt;</i>[&lt;n&gt;]</main>"
    twin = app.jinja_env._quart_sync_twin  # type: ignore[attr-defined]
    assert not getattr(twin.get_template("t2.html"), "_quart_needs_async", False)


async def test_autoescape_of_markup_numbers_and_blocks(app: Quart, tmp_path: Path) -> None:
    from markupsafe import Markup

    source = (
        "{{ s }}|{{ m }}|{{ n }}|{{ none }}|{% set b %}<b>{{ s }}</b>{% endset %}{{ b }}"
        "|{{ s|safe }}|{{ obj }}"
    )

    class Html:
        def __html__(self) -> str:
            return "<em>ok</em>"

    rendered = await render_file(
        app, tmp_path, source, s="<&'\">", m=Markup("<i>"), n=3, obj=Html()
    )
    assert (
        rendered
        == "&lt;&amp;&#39;&#34;&gt;|<i>|3|None|<b>&lt;&amp;&#39;&#34;&gt;</b>|<&'\">|<em>ok</em>"
    )
    write(tmp_path / "templates" / "t.txt", "{{ s }}")
    async with app.app_context():
        assert await render_template("t.txt", s="<b>") == "<b>"


async def test_dict_attributes_and_keys(app: Quart, tmp_path: Path) -> None:
    source = (
        "{{ d.name }}|{{ d.missing }}|{{ d['items'] }}|{{ d.items()|list|length }}"
        "|{{ d.keys is defined }}"
    )
    d = {"name": "n", "items": "key"}
    assert await render_file(app, tmp_path, source, d=d) == "n||key|2|True"


async def test_bytecode_cache_keeps_the_two_compilations_apart(tmp_path: Path) -> None:
    from jinja2 import FileSystemBytecodeCache

    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()

    class App(Quart):
        jinja_options = {"bytecode_cache": FileSystemBytecodeCache(str(cache_dir))}

    for _ in range(2):  # the second app loads the async code from the cache
        app = App(__name__, root_path=str(tmp_path))
        assert await render_file(app, tmp_path, "{{ f() }}|{{ x }}", f=lambda: "s", x=1) == "s|1"
        async with app.app_context():
            template = app.jinja_env.get_template("t.html")
            assert await template.render_async(f=lambda: "a", x=2) == "a|2"


async def test_signals_get_the_async_template(app: Quart, tmp_path: Path) -> None:
    seen: list[Any] = []

    def after(sender: Quart, template: Any, context: dict[str, Any], **extra: Any) -> None:
        seen.append(template)

    template_rendered.connect(after, app)
    try:
        assert await render_file(app, tmp_path, "{{ x }}", x=1) == "1"
    finally:
        template_rendered.disconnect(after, app)
    assert seen[0].environment is app.jinja_env
    assert seen[0].name == "t.html"


async def test_render_a_list_and_a_template_object(app: Quart, tmp_path: Path) -> None:
    write(tmp_path / "templates" / "b.html", "b{{ x }}")
    async with app.app_context():
        assert await render_template(["missing.html", "b.html"], x=1) == "b1"
        template = app.jinja_env.get_template("b.html")
        assert await render_template(template, x=2) == "b2"
        assert await render_template([template], x=3) == "b3"
