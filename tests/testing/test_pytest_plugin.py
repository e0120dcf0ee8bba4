"""The pytest plugin, as a project using it sees it: small test files run by pytester."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from quart import Quart
from quart.testing.pytest_plugin import LiveServer
from quart.testing.pytest_plugin import LiveServerError

pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
addopts = --strict-markers -p no:cacheprovider
filterwarnings = error
"""

# A user's conftest: the `app` fixture is all the plugin asks for.
CONFTEST = """
import click
import pytest

from quart import Quart, current_app

EVENTS = []


@pytest.fixture
def app():
    EVENTS.clear()
    app = Quart("demo")
    app.config["GREETING"] = "hello"

    @app.before_serving
    async def started():
        EVENTS.append("startup")

    @app.after_serving
    async def stopped():
        EVENTS.append("shutdown")

    @app.get("/")
    async def index():
        return current_app.config["GREETING"]

    @app.cli.command("greet", with_appcontext=True)
    def greet():
        click.echo(current_app.config["GREETING"])

    return app
"""

# Marked for strict mode, so the same file passes in both modes.
TESTS = """
import asyncio
from urllib.request import urlopen

import pytest
from conftest import EVENTS

from quart import current_app

pytestmark = pytest.mark.quart_config(GREETING="from the module")


@pytest.mark.asyncio
async def test_client(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == "from the module"
    assert EVENTS == []  # the client alone does not run the lifespan


@pytest.mark.quart_config(GREETING="from the test")
@pytest.mark.asyncio
async def test_nearest_marker_wins(client, app):
    assert app.config["GREETING"] == "from the test"
    assert await (await client.get("/")).get_data(as_text=True) == "from the test"


@pytest.mark.asyncio
async def test_lifespan(test_app):
    assert EVENTS == ["startup"]
    response = await test_app.test_client().get("/")
    assert response.status_code == 200


def test_after_serving_ran_after_the_test():
    assert EVENTS == ["startup", "shutdown"]


def test_runner_in_a_sync_test(runner):
    result = runner.invoke(args=["greet"])
    assert result.exit_code == 0, result.output
    assert result.output == "from the module\\n"


@pytest.mark.asyncio
async def test_app_ctx(app_ctx, app):
    assert app_ctx.app is app
    assert current_app.config["GREETING"] == "from the module"


def test_live_server_in_a_sync_test(live_server):
    assert live_server.url.startswith("http://127.0.0.1:")
    assert EVENTS == ["startup"]
    with urlopen(live_server.url + "/", timeout=5) as response:
        assert response.read() == b"from the module"


@pytest.mark.asyncio
async def test_live_server_in_an_async_test(live_server):
    reader, writer = await asyncio.open_connection("127.0.0.1", live_server.port)
    writer.write(b"GET / HTTP/1.1\\r\\nHost: test\\r\\nConnection: close\\r\\n\\r\\n")
    reply = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    await writer.wait_closed()
    assert reply.startswith(b"HTTP/1.1 200")
    assert reply.endswith(b"from the module")
"""

PASSING = 8


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_fixtures=TESTS)
    return pytester


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_fixtures_in_both_asyncio_modes(project: pytest.Pytester, mode: str) -> None:
    result = project.runpytest("-o", f"asyncio_mode={mode}")
    result.assert_outcomes(passed=PASSING)


def test_fixtures_are_listed(project: pytest.Pytester) -> None:
    result = project.runpytest("--fixtures")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*fixtures defined from quart.testing.pytest_plugin*"])
    for name, words in [
        ("client", "app.test_client()"),
        ("runner", "app.test_cli_runner()"),
        ("test_app", "lifespan"),
        ("app_ctx", "app context"),
        ("live_server", "Hypercorn"),
    ]:
        result.stdout.fnmatch_lines([f"{name} -- *pytest_plugin.py*", f"*{words}*"])


def test_disabled_with_p_no_quart(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:quart", "--fixtures")
    assert "quart/testing/pytest_plugin" not in result.stdout.str()
    assert "live_server" not in result.stdout.str()

    project.makepyfile(test_plain="def test_plain(client):\n    pass\n")
    result = project.runpytest("-p", "no:quart", "test_plain.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'client' not found*"])
    # The marker is the plugin's too: unknown under --strict-markers. (In a
    # subprocess: in-process runs share pytest.mark's cache of known markers.)
    result = project.runpytest_subprocess("-p", "no:quart", "test_fixtures.py")
    result.stdout.fnmatch_lines(["*'quart_config' not found in `markers`*"])


def test_own_fixture_replaces_the_plugins(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def app():
            return "not used"

        @pytest.fixture
        def client():
            return "my own client"
        """
    )
    pytester.makepyfile("def test_mine(client):\n    assert client == 'my own client'\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_missing_app_fixture_says_what_to_do(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile("def test_needs_app(client):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*need an `app` fixture: define one in conftest.py*"])


def test_marker_takes_keywords_only(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.quart_config({"TESTING": True})
        def test_positional(app):
            pass
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*quart_config takes keyword arguments only*"])
    assert result.ret != 0


def test_live_server_startup_failure_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import pytest
        from quart import Quart

        @pytest.fixture
        def app():
            app = Quart("broken")

            @app.before_serving
            async def connect():
                raise ConnectionError("database unreachable")

            return app

        def test_served(live_server):
            pass
        """
    )
    started = time.monotonic()
    result = pytester.runpytest()
    assert time.monotonic() - started < 10
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert "LiveServerError: the live server failed to start" in output
    assert "database unreachable" in output
    # With the app's traceback, from the server thread's log.
    result.stdout.fnmatch_lines(["*Captured log setup*", '*raise ConnectionError("database*'])


def test_live_server_view_error_shows_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import pytest
        from urllib.request import urlopen
        from quart import Quart

        @pytest.fixture
        def app():
            app = Quart("broken")

            @app.get("/")
            async def index():
                return {"ratio": 1 / 0}

            return app

        def test_page(live_server):
            with urlopen(live_server.url + "/", timeout=5) as response:
                assert response.status == 200
        """
    )
    # In a subprocess: the failure's HTTPError holds its connection open for
    # as long as the report lives, which in-process would be past this test.
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "HTTP Error 500" in output
    # The server's traceback is in the failure's captured log.
    result.stdout.fnmatch_lines(["*Captured log call*", "*ZeroDivisionError: division by zero*"])


# -- LiveServer directly ----------------------------------------------------


def test_live_server_serves_and_stops(app: Quart) -> None:
    events: list[str] = []

    @app.get("/")
    async def index() -> str:
        return "live"

    @app.while_serving
    async def serving() -> object:
        events.append("up")
        yield
        events.append("down")

    server = LiveServer(app)
    assert repr(server) == "<LiveServer http://127.0.0.1:0>"
    with server:
        assert events == ["up"]
        with urlopen(server.url + "/", timeout=5) as response:
            assert response.read() == b"live"
    assert events == ["up", "down"]
    with pytest.raises(OSError):
        urlopen(server.url + "/", timeout=5)
    with pytest.raises(RuntimeError, match="already started"):
        server.start()


def test_live_server_shutdown_failure_is_raised(app: Quart) -> None:
    @app.after_serving
    async def close() -> None:
        raise RuntimeError("could not flush")

    server = LiveServer(app)
    server.start()
    with pytest.raises(LiveServerError, match="could not flush"):
        server.stop()


def test_live_server_hung_startup_is_bounded(app: Quart) -> None:
    @app.before_serving
    async def hang() -> None:
        import asyncio

        await asyncio.sleep(60)

    started = time.monotonic()
    server = LiveServer(app, timeout=0.5)
    with pytest.raises(LiveServerError, match="start"):
        server.start()
    assert time.monotonic() - started < 5
    # Nothing is left behind the error: the port no longer listens.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


def test_plugin_module_imports_little() -> None:
    source = Path(__file__).parents[2] / "src/quart/testing/pytest_plugin.py"
    top_level = [
        line
        for line in source.read_text().splitlines()
        if line.startswith(("import ", "from ")) and "__future__" not in line
    ]
    allowed = {"asyncio", "logging", "os", "socket", "threading", "pytest", "collections.abc"}
    allowed |= {"types", "typing"}
    modules = {line.split()[1] for line in top_level}
    assert modules <= allowed, modules - allowed
