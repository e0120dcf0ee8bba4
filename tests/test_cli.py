"""The ``quart`` command driven through click's runner: app discovery, dotenv,
``run`` (server start mocked; real servers are in e2e/test_cli_server.py),
``routes``, ``shell``, custom and plugin commands, ``app.test_cli_runner()``."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from click.testing import Result

import quart._devserver.serving
import quart.cli
from quart import Blueprint
from quart import current_app
from quart import g
from quart import Quart
from quart.cli import AppGroup
from quart.cli import cli
from quart.cli import find_app_by_string
from quart.cli import find_best_app
from quart.cli import load_dotenv
from quart.cli import locate_app
from quart.cli import NoAppException
from quart.cli import prepare_import
from quart.cli import QuartGroup
from quart.cli import ScriptInfo
from quart.cli import with_appcontext


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in tmp_path; undo what app loading and dotenv do to the process."""
    monkeypatch.chdir(tmp_path)
    environ = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("QUART_") or name in {"FOO", "BAR", "PYTHONSTARTUP"}:
            del os.environ[name]
    path = list(sys.path)
    modules = set(sys.modules)
    yield
    assert not quart.cli._running_from_cli()
    os.environ.clear()
    os.environ.update(environ)
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        del sys.modules[name]


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def invoke(*args: str, input: str | None = None, group: click.Group = cli) -> Result:
    return CliRunner().invoke(group, list(args), input=input, catch_exceptions=False)


def module(name: str, **attrs: Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


APP_SOURCE = """
from quart import Quart, websocket

app = Quart("hello")

@app.route("/")
async def index():
    return "hello"

@app.post("/items")
async def add_item():
    return "added"

@app.websocket("/ws")
async def ws():
    await websocket.send("hi")

@app.cli.command()
def greet():
    print("greetings from", app.name)
"""


# -- finding the app -----------------------------------------------------------


def test_find_best_app_prefers_app_then_application() -> None:
    first, second = Quart("first"), Quart("second")
    assert find_best_app(module("m", application=second, app=first)) is first
    assert find_best_app(module("m", application=second, other=first)) is second


def test_find_best_app_takes_the_only_instance() -> None:
    only = Quart("only")
    assert find_best_app(module("m", my_app=only, number=3)) is only


def test_find_best_app_refuses_to_guess_between_several() -> None:
    with pytest.raises(NoAppException) as info:
        find_best_app(module("m", one=Quart("a"), two=Quart("b")))
    message = info.value.format_message()
    assert "one, two" in message
    assert "--app m:NAME" in message


@pytest.mark.parametrize("factory_name", ["create_app", "make_app"])
def test_find_best_app_calls_a_factory(factory_name: str) -> None:
    made = Quart("made")

    def factory() -> Quart:
        return made

    assert find_best_app(module("m", **{factory_name: factory})) is made


def test_factory_needing_arguments_says_how_to_pass_them() -> None:
    def create_app(config: str) -> Quart:
        return Quart(config)

    with pytest.raises(NoAppException, match=r"quart --app m:create_app\(\.\.\.\)"):
        find_best_app(module("m", create_app=create_app))


def test_type_error_inside_a_factory_is_not_hidden() -> None:
    def create_app() -> Quart:
        raise TypeError("a bug in the factory")

    with pytest.raises(TypeError, match="a bug in the factory"):
        find_best_app(module("m", create_app=create_app))


def test_factory_returning_something_else_is_an_error() -> None:
    with pytest.raises(NoAppException, match="not a Quart app"):
        find_best_app(module("m", create_app=lambda: None))


def test_async_factory_is_explained() -> None:
    async def create_app() -> Quart:
        return Quart("x")

    with pytest.raises(NoAppException, match="coroutine function"):
        find_best_app(module("m", create_app=create_app))


def test_nothing_found_says_what_to_do() -> None:
    with pytest.raises(NoAppException, match="--app m:NAME"):
        find_best_app(module("m", value=1))


def test_find_app_by_string_attribute_and_factory_call() -> None:
    named = Quart("named")

    def create_app(name: str, *, debug: bool = False) -> Quart:
        made = Quart(name)
        made.debug = debug
        return made

    mod = module("m", named=named, create_app=create_app)
    assert find_app_by_string(mod, "named") is named
    made = find_app_by_string(mod, "create_app('dev', debug=True)")
    assert made.name == "dev" and made.debug


@pytest.mark.parametrize(
    ("app_name", "message"),
    [
        ("missing", "has no attribute 'missing'"),
        ("create_app(os.environ)", "must be Python literals"),
        ("named()", "is not a function"),
        ("number", "not a Quart app"),
        ("a.b", "Could not parse"),
        ("1 +", "Could not parse"),
    ],
)
def test_find_app_by_string_errors(app_name: str, message: str) -> None:
    mod = module("m", named=Quart("named"), number=3, create_app=lambda env: Quart("x"))
    with pytest.raises(NoAppException, match=message):
        find_app_by_string(mod, app_name)


def test_prepare_import_finds_the_package_root(tmp_path: Path) -> None:
    write(tmp_path / "project" / "__init__.py", "")
    write(tmp_path / "project" / "web" / "__init__.py", "")
    write(tmp_path / "project" / "web" / "main.py", "")
    assert prepare_import(str(tmp_path / "project" / "web" / "main.py")) == "project.web.main"
    assert sys.path[0] == str(tmp_path.resolve())
    assert prepare_import(str(tmp_path / "project" / "web" / "__init__.py")) == "project.web"


def test_locate_app_reports_missing_modules_and_broken_imports(tmp_path: Path) -> None:
    prepare_import("broken.py")
    write(tmp_path / "broken.py", "import not_a_real_module_abc\n")
    with pytest.raises(NoAppException, match="Could not import 'nowhere_xyz'"):
        locate_app("nowhere_xyz", None)
    assert locate_app("nowhere_xyz", None, raise_if_not_found=False) is None
    with pytest.raises(NoAppException, match="While importing 'broken'") as info:
        locate_app("broken", None)
    assert "not_a_real_module_abc" in info.value.format_message()


@pytest.mark.parametrize("filename", ["app.py", "wsgi.py"])
def test_script_info_finds_app_or_wsgi_module(tmp_path: Path, filename: str) -> None:
    write(tmp_path / filename, "from quart import Quart\napplication = Quart('found')\n")
    assert ScriptInfo().load_app().name == "found"


def test_script_info_import_path_forms(tmp_path: Path) -> None:
    write(
        tmp_path / "src" / "factory.py",
        """
        from quart import Quart

        def create_app(name="default"):
            return Quart(name)
        """,
    )
    assert ScriptInfo("src/factory.py").load_app().name == "default"
    assert ScriptInfo("src/factory.py:create_app('custom')").load_app().name == "custom"


def test_script_info_without_an_app_explains(tmp_path: Path) -> None:
    with pytest.raises(NoAppException, match="QUART_APP"):
        ScriptInfo().load_app()


def test_script_info_applies_quart_debug_and_caches() -> None:
    app = Quart("x")
    info = ScriptInfo(create_app=lambda: app)
    os.environ["QUART_DEBUG"] = "1"
    assert info.load_app() is app
    assert app.debug is True
    assert info.load_app() is app


# -- the group: options, help, errors ---------------------------------------------


def test_version_option() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert "Quart " in result.output and "Werkzeug " in result.output


def test_help_lists_builtin_commands_without_an_app() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("routes", "run", "shell"):
        assert name in result.stdout
    assert "Could not locate a Quart app" in result.stderr


def test_help_lists_the_apps_commands_from_quart_app_env(tmp_path: Path) -> None:
    write(tmp_path / "hello.py", APP_SOURCE)
    os.environ["QUART_APP"] = "hello"
    result = invoke("--help")
    assert "greet" in result.stdout


def test_unknown_command_without_app_shows_the_discovery_error() -> None:
    result = invoke("nope")
    assert result.exit_code == 2
    assert "Could not locate a Quart app" in result.stderr
    assert "No such command 'nope'" in result.stderr


def test_app_command_from_app_py_in_cwd(tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP_SOURCE)
    result = invoke("greet")
    assert result.exit_code == 0
    assert result.stdout == "greetings from hello\n"


def test_app_option_and_env_var(tmp_path: Path) -> None:
    write(tmp_path / "hello.py", APP_SOURCE)
    assert invoke("--app", "hello", "greet").stdout == "greetings from hello\n"
    assert invoke("-A", "hello:app", "greet").stdout == "greetings from hello\n"
    os.environ["QUART_APP"] = "hello.py"
    assert invoke("greet").stdout == "greetings from hello\n"


def test_debug_flag_sets_quart_debug_before_the_app_loads(tmp_path: Path) -> None:
    write(
        tmp_path / "app.py",
        """
        import os
        from quart import Quart

        def create_app():
            app = Quart("factory")
            app.config["SEEN_DEBUG"] = os.environ.get("QUART_DEBUG")

            @app.cli.command()
            def show():
                print(app.config["SEEN_DEBUG"], app.debug)

            return app
        """,
    )
    assert invoke("--debug", "show").stdout == "1 True\n"
    assert invoke("--no-debug", "show").stdout == "0 False\n"


def test_calling_app_run_while_the_command_loads_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP_SOURCE + "\napp.run()\n")
    result = invoke("routes")
    assert result.exit_code == 0
    assert "Ignoring a call to 'app.run()'" in result.stderr
    assert "index" in result.stdout


# -- run -----------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_serve(app: Quart, **kwargs: Any) -> None:
        calls.append({"app": app, "debug": app.debug, **kwargs})

    monkeypatch.setattr(quart._devserver.serving, "_serve", fake_serve)
    return calls


def test_run_defaults(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    write(tmp_path / "app.py", APP_SOURCE)
    assert invoke("run").exit_code == 0
    (call,) = served
    assert call["app"].name == "hello"
    assert (call["host"], call["port"], call["use_reloader"]) == ("127.0.0.1", 5000, False)
    assert call["certfile"] is None and call["keyfile"] is None


def test_run_options_and_environment(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    write(tmp_path / "app.py", APP_SOURCE)
    write(tmp_path / "cert.pem", "cert")
    write(tmp_path / "key.pem", "key")
    invoke("run", "-h", "0.0.0.0", "-p", "8080", "--cert", "cert.pem", "--key", "key.pem")
    os.environ.update(QUART_RUN_HOST="::1", QUART_RUN_PORT="9000")
    invoke("run")
    first, second = served
    assert (first["host"], first["port"]) == ("0.0.0.0", 8080)
    assert (first["certfile"], first["keyfile"]) == ("cert.pem", "key.pem")
    assert (second["host"], second["port"]) == ("::1", 9000)


def test_run_reload_follows_debug(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    write(tmp_path / "app.py", APP_SOURCE)
    for args in (["run", "--debug"], ["--debug", "run", "--no-reload"], ["run", "--reload"]):
        invoke(*args)
        # A fresh process each time: forget the imported app and QUART_DEBUG.
        del sys.modules["app"]
        os.environ.pop("QUART_DEBUG", None)
    assert [(call["debug"], call["use_reloader"]) for call in served] == [
        (True, True),
        (True, False),
        (False, True),
    ]


def test_run_goes_through_an_overridden_app_run(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    write(
        tmp_path / "app.py",
        """
        from quart import Quart

        class MyQuart(Quart):
            def run(self, **kwargs):
                print("custom run", sorted(kwargs.items()))
                super().run(**kwargs)  # serves (the command does not skip it)

        app = MyQuart("custom")
        """,
    )
    result = invoke("run", "-p", "8001")
    assert result.exit_code == 0
    assert "custom run [('certfile', None), ('debug', False), ('host', '127.0.0.1')" in (
        result.stdout
    )
    (call,) = served
    assert (call["app"].name, call["port"], call["use_reloader"]) == ("custom", 8001, False)


def test_run_needs_cert_and_key_together(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    write(tmp_path / "app.py", APP_SOURCE)
    write(tmp_path / "cert.pem", "cert")
    result = invoke("run", "--certfile", "cert.pem")
    assert result.exit_code == 2
    assert "must be given together" in result.stderr
    assert served == []


def test_run_without_an_app_is_a_usage_error(served: list[dict[str, Any]]) -> None:
    result = invoke("run")
    assert result.exit_code == 2
    assert "Could not locate a Quart app" in result.stderr


# -- routes -----------------------------------------------------------------------


def test_routes_table_marks_websockets(tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP_SOURCE)
    result = invoke("routes")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Rule"]
    rows = [line.split(None, 1)[0] for line in lines[2:]]
    assert rows == ["add_item", "index", "static", "ws"]
    assert "WEBSOCKET" in lines[-1] and "/ws" in lines[-1]
    assert "HEAD" not in result.stdout
    assert "GET, HEAD, OPTIONS" in invoke("routes", "--all-methods").stdout


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("endpoint", ["add_item", "index", "static", "ws"]),
        ("methods", ["index", "static", "add_item", "ws"]),
        ("rule", ["index", "add_item", "static", "ws"]),
        ("match", ["static", "index", "add_item", "ws"]),
        ("domain", ["index", "add_item", "static", "ws"]),
    ],
)
def test_every_routes_sort_works(tmp_path: Path, sort: str, order: list[str]) -> None:
    write(tmp_path / "app.py", APP_SOURCE)
    result = invoke("routes", "--sort", sort)
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()[2:]] == order


def test_routes_domain_column_with_subdomains(tmp_path: Path) -> None:
    write(
        tmp_path / "app.py",
        """
        from quart import Quart

        app = Quart("sub", subdomain_matching=True)
        app.config["SERVER_NAME"] = "example.com"

        @app.route("/", subdomain="api")
        async def api():
            return ""

        @app.route("/")
        async def home():
            return ""
        """,
    )
    result = invoke("routes", "-s", "domain")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert lines[-1].split() == ["api", "GET", "api", "/"]


def test_routes_host_column_with_host_matching(tmp_path: Path) -> None:
    write(
        tmp_path / "app.py",
        """
        from quart import Quart

        app = Quart("hosts", host_matching=True, static_host="static.example.com")

        @app.route("/", host="b.example.com")
        async def b():
            return ""

        @app.route("/", host="a.example.com")
        async def a():
            return ""
        """,
    )
    result = invoke("routes", "--sort", "domain")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["Endpoint", "Methods", "Host", "Rule"]
    assert [line.split()[2] for line in result.stdout.splitlines()[2:]] == [
        "a.example.com",
        "b.example.com",
        "static.example.com",
    ]


def test_routes_with_no_routes() -> None:
    app = Quart("empty", static_folder=None)
    result = invoke("routes", group=QuartGroup(create_app=lambda: app))
    assert result.stdout == "No routes were registered.\n"


# -- shell ---------------------------------------------------------------------------


def test_shell_has_app_g_and_shell_context(tmp_path: Path) -> None:
    write(
        tmp_path / "app.py",
        """
        from quart import Quart, g

        app = Quart("shelled")

        @app.shell_context_processor
        def extra():
            return {"answer": 42}
        """,
    )
    write(tmp_path / "startup.py", "started = 'yes'\n")
    os.environ["PYTHONSTARTUP"] = str(tmp_path / "startup.py")
    code = "print(app.name, answer, started, g is not None, current.name)\n"
    result = invoke("shell", input="from quart import current_app as current\n" + code)
    assert result.exit_code == 0, result.output
    assert "shelled 42 yes True shelled" in result.output
    assert "App: shelled" in result.output


# -- custom commands, app context ---------------------------------------------------------


def make_app_with_commands() -> Quart:
    app = Quart("custom")
    torn_down: list[object] = []
    app.config["TORN_DOWN"] = torn_down

    @app.teardown_appcontext
    async def record(exc: BaseException | None) -> None:
        torn_down.append(exc)

    @app.cli.command("plain")
    def plain() -> None:
        click.echo(f"in context: {bool(current_app)}" if _has_app() else "no context")

    @app.cli.command("ctx", with_appcontext=True)
    @click.argument("name")
    def ctx(name: str) -> None:
        g.name = name
        click.echo(f"{current_app.name} {g.name}")

    @app.cli.command("uses-asyncio", with_appcontext=True)
    def uses_asyncio() -> None:
        async def inner() -> str:
            return str(current_app.name)

        click.echo(asyncio.run(inner()))

    @app.cli.command("async-cmd", with_appcontext=True)
    async def async_cmd() -> None:
        await asyncio.sleep(0)
        click.echo(f"async {current_app.name}")

    @app.cli.command("async-no-ctx")
    async def async_no_ctx() -> None:
        click.echo("async without context")

    @app.cli.command("fails", with_appcontext=True)
    def fails() -> None:
        raise click.ClickException("it failed")

    group = app.cli.group("db")(lambda: None)

    @group.command("init")
    @with_appcontext
    def init() -> None:
        click.echo(f"init {current_app.name}")

    bp = Blueprint("users", __name__)

    @bp.cli.command("list")
    def list_users() -> None:
        click.echo("alice")

    top = Blueprint("top", __name__, cli_group=None)

    @top.cli.command("flat")
    def flat() -> None:
        click.echo("flat")

    app.register_blueprint(bp)
    app.register_blueprint(top)
    return app


def _has_app() -> bool:
    from quart import has_app_context

    return has_app_context()


def test_custom_commands_through_the_quart_group() -> None:
    app = make_app_with_commands()
    group = QuartGroup(create_app=lambda: app)
    assert invoke("plain", group=group).stdout == "no context\n"
    assert invoke("ctx", "bob", group=group).stdout == "custom bob\n"
    assert invoke("uses-asyncio", group=group).stdout == "custom\n"
    assert invoke("async-cmd", group=group).stdout == "async custom\n"
    assert invoke("async-no-ctx", group=group).stdout == "async without context\n"
    assert invoke("db", "init", group=group).stdout == "init custom\n"
    assert invoke("users", "list", group=group).stdout == "alice\n"
    assert invoke("flat", group=group).stdout == "flat\n"
    # Each app-context command tore its context down once, without an error.
    assert app.config["TORN_DOWN"] == [None, None, None, None]


def test_app_context_teardown_sees_the_commands_error() -> None:
    app = make_app_with_commands()
    result = CliRunner().invoke(QuartGroup(create_app=lambda: app), ["fails"])
    assert result.exit_code == 1
    assert "it failed" in result.output
    (error,) = app.config["TORN_DOWN"]
    assert isinstance(error, click.ClickException)


def test_test_cli_runner_invokes_app_commands() -> None:
    app = make_app_with_commands()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ctx", "ann"])
    assert result.exit_code == 0
    assert result.output == "custom ann\n"
    assert runner.invoke(cli, ["routes"]).exit_code == 0


def test_bare_command_decorator() -> None:
    app = Quart("bare")

    @app.cli.command
    def hello() -> None:
        """Say hello."""
        print("hello")

    assert isinstance(hello, click.Command)
    result = app.test_cli_runner().invoke(args=["hello"])
    assert (result.exit_code, result.output) == (0, "hello\n")


async def test_test_cli_runner_from_an_async_test() -> None:
    # An event loop is running here; app-context commands still work.
    app = make_app_with_commands()
    result = app.test_cli_runner().invoke(args=["async-cmd"])
    assert result.output == "async custom\n"
    assert app.test_cli_runner().invoke(args=["ctx", "x"]).output == "custom x\n"


def test_with_appcontext_reuses_an_active_context() -> None:
    app = Quart("outer")
    seen: list[str] = []

    @click.command()
    @with_appcontext()
    def cmd() -> None:
        seen.append(current_app.name)

    async def main() -> None:
        async with app.app_context():
            await asyncio.to_thread(lambda: None)
            CliRunner().invoke(cmd, obj=ScriptInfo(create_app=lambda: app))

    asyncio.run(main())
    assert seen == ["outer"]


def test_app_group_subgroups_are_app_groups() -> None:
    group = AppGroup("top")
    sub = group.group("sub")(lambda: None)
    assert isinstance(sub, AppGroup)


def test_plugin_commands_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command()
    def plugged() -> None:
        click.echo("plugin ran")

    class EntryPoint:
        name = "plugged"

        def load(self) -> click.Command:
            return plugged

    def entry_points(group: str) -> list[EntryPoint]:
        return [EntryPoint()] if group == "quart.commands" else []

    monkeypatch.setattr(quart.cli.importlib.metadata, "entry_points", entry_points)
    group = QuartGroup(create_app=lambda: Quart("x"))
    assert invoke("plugged", group=group).stdout == "plugin ran\n"
    assert "plugged" in invoke("--help", group=group).stdout


# -- dotenv ----------------------------------------------------------------------------


needs_dotenv = pytest.mark.skipif(
    quart.cli.importlib.util.find_spec("dotenv") is None, reason="python-dotenv not installed"
)


@needs_dotenv
def test_dotenv_files_are_loaded_and_env_wins(tmp_path: Path) -> None:
    write(tmp_path / ".env", "FOO=env\nBAR=env\nQUART_APP=hello\n")
    write(tmp_path / ".quartenv", "FOO=quartenv\nBAR=quartenv\n")
    write(tmp_path / "hello.py", APP_SOURCE)
    os.environ["BAR"] = "process"
    assert load_dotenv() is True
    assert (os.environ["FOO"], os.environ["BAR"]) == ("env", "process")


@needs_dotenv
def test_dotenv_is_searched_upward_and_read_by_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / ".quartenv", "QUART_APP=hello\n")
    write(tmp_path / "hello.py", APP_SOURCE)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    sys.path.insert(0, str(tmp_path))
    assert invoke("greet").stdout == "greetings from hello\n"


@needs_dotenv
def test_quart_skip_dotenv(tmp_path: Path) -> None:
    write(tmp_path / ".env", "FOO=loaded\n")
    os.environ["QUART_SKIP_DOTENV"] = "1"
    invoke("--help")
    assert "FOO" not in os.environ


@needs_dotenv
def test_env_file_option_beats_default_files_but_not_the_environment(tmp_path: Path) -> None:
    write(tmp_path / ".env", "FOO=default\n")
    write(tmp_path / "custom.env", "FOO=custom\nBAR=custom\n")
    write(
        tmp_path / "app.py",
        """
        import os
        from quart import Quart
        app = Quart("x")

        @app.cli.command()
        def show():
            print(os.environ["FOO"], os.environ["BAR"])
        """,
    )
    os.environ["BAR"] = "process"
    assert invoke("-e", "custom.env", "show").stdout == "custom process\n"


def test_missing_python_dotenv_prints_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_dotenv() -> None:
        raise ImportError("no dotenv")

    monkeypatch.setattr(quart.cli, "_import_dotenv", no_dotenv)
    assert load_dotenv() is False
    assert capsys.readouterr().err == ""
    write(tmp_path / ".env", "FOO=1\n")
    assert load_dotenv() is False
    assert "pip install 'quart[dotenv]'" in capsys.readouterr().err
    result = invoke("-e", ".env", "--help")
    assert result.exit_code == 2
    assert "python-dotenv must be installed" in result.stderr
