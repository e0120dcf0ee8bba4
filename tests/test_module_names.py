"""Names third-party code imports (or patches) from Quart 0.22's modules."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import click
import pytest
from click.testing import CliRunner
from werkzeug.exceptions import RequestedRangeNotSatisfiable

import quart.cli
from quart import Quart

NAMES = {
    "quart.app": [
        "AppGroup", "Authorization", "ASGIHTTPProtocol", "ASGILifespanProtocol",
        "ASGIWebsocketProtocol", "Event", "Flask", "Headers", "HyperConfig", "MustReloadError",
        "StatusCode", "T_shell_context_processor", "T_template_filter", "T_template_global",
        "T_template_test", "_cancel_all_tasks", "_make_timedelta", "cancel_tasks",
        "file_path_to_path", "get_flashed_messages", "has_request_context",
        "has_websocket_context", "make_test_body_with_headers",
        "make_test_headers_path_and_query_string", "make_test_scope", "no_op_push",
        "observe_changes", "restart", "send_from_directory", "serve",
    ],
    "quart.asgi": [
        "ASGIHTTPConnection", "ASGILifespan", "ASGIWebsocketConnection", "Headers",
        "HTTPResponseBodyEvent", "HTTPResponseStartEvent", "HTTPScope", "LifespanScope",
        "LifespanShutdownCompleteEvent", "LifespanShutdownFailedEvent",
        "LifespanStartupCompleteEvent", "LifespanStartupFailedEvent", "Request", "Response",
        "Websocket", "WebsocketAcceptEvent", "WebsocketCloseEvent", "WebsocketResponseBodyEvent",
        "WebsocketResponseStartEvent", "WebsocketScope", "WerkzeugResponse", "_convert_version",
        "_handle_exception", "_normalise_path", "cancel_tasks", "encode_headers",
        "raise_task_exceptions", "traceback_response",
    ],
    "quart.blueprints": ["SansioBlueprint", "send_from_directory"],
    "quart.cli": [
        "_called_with_wrong_args", "_env_file_callback", "entry_points", "import_module",
        "locate_app", "version",
    ],
    "quart.config": ["FlaskConfig"],
    "quart.ctx": ["BaseRequestWebsocket", "Request", "SessionMixin", "Websocket"],
    "quart.datastructures": ["Headers"],
    "quart.debug": ["Response"],
    "quart.globals": ["_session_lookup"],
    "quart.helpers": [
        "UTC", "Response", "ResponseBody", "WerkzeugResponse", "_split_blueprint_path",
        "file_path_to_path", "get_root_path", "werkzeug_abort", "werkzeug_redirect",
    ],
    "quart.logging": ["_setup_logging_queue"],
    "quart.routing": ["BaseRequestWebsocket", "_normalise_host"],
    "quart.sessions": ["BaseRequestWebsocket", "Response", "WerkzeugResponse"],
    "quart.templating": ["has_app_context", "has_request_context", "stream_with_context"],
    "quart.typing": ["CookieJar", "FileStorage"],
    "quart.wrappers.request": ["FileStorage"],
    "quart.wrappers.response": [
        "ContentRange", "_DataBodyGen", "_clean_accept_ranges", "_raise_if_invalid_range",
        "file_path_to_path", "is_resource_modified", "parse_etags",
    ],
}  # fmt: skip


@pytest.mark.parametrize("module", sorted(NAMES))
def test_quart_module_names_can_be_imported(module: str) -> None:
    imported = importlib.import_module(module)
    for name in NAMES[module]:
        # As `from <module> import <name>` does.
        assert getattr(imported, name) is not None, f"{module}.{name}"


def test_asgi_helpers_behave_as_quarts() -> None:
    from quart.asgi import _convert_version
    from quart.asgi import _normalise_path

    assert _convert_version("2.3") == [2, 3]
    assert _normalise_path("/app/page", "/app") == "/page"
    assert _normalise_path("/app", "/app") == " "
    assert _normalise_path("/other", "/app") == " "


async def test_asgi_handle_exception(app: Quart) -> None:
    from quart.asgi import _handle_exception

    error = ValueError("boom")
    with pytest.raises(ValueError, match="boom"):
        await _handle_exception(app, error)
    app.testing = True
    response = await _handle_exception(app, error)
    assert response.status_code == 500


async def test_response_helpers_behave_as_quarts() -> None:
    from quart.wrappers.response import _clean_accept_ranges
    from quart.wrappers.response import _DataBodyGen
    from quart.wrappers.response import _raise_if_invalid_range
    from quart.wrappers.response import DataBody

    assert [_clean_accept_ranges(v) for v in (True, False, "items")] == ["bytes", "none", "items"]
    _raise_if_invalid_range(0, 4, 10)
    for begin, end in ((4, 4), (11, 12)):
        with pytest.raises(RequestedRangeNotSatisfiable):
            _raise_if_invalid_range(begin, end, 10)
    body = DataBody(b"0123456789")
    await body.make_conditional(2, 5)
    assert [chunk async for chunk in _DataBodyGen(body)] == [b"234"]


async def test_other_helpers(app: Quart) -> None:
    from datetime import timedelta

    from quart.app import _make_timedelta
    from quart.globals import _session_lookup
    from quart.helpers import _split_blueprint_path
    from quart.routing import _normalise_host

    assert _make_timedelta(5) == timedelta(seconds=5)
    assert _make_timedelta(None) is None
    assert _split_blueprint_path("a.b.c") == ["a.b.c", "a.b", "a"]
    assert _normalise_host("https", "example.com:443") == "example.com"
    with pytest.raises(RuntimeError):
        _session_lookup()
    async with app.test_request_context("/") as ctx:
        assert _session_lookup() is ctx


def test_setup_logging_queue_passes_records_on() -> None:
    import logging

    from quart.logging import _setup_logging_queue

    records: list[logging.LogRecord] = []
    done = __import__("threading").Event()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)
            done.set()

    handler = _setup_logging_queue(Collect())
    logger = logging.getLogger("quart.test_module_names")
    logger.addHandler(handler)
    try:
        logger.warning("queued")
        assert done.wait(5)
    finally:
        logger.removeHandler(handler)
    assert records[0].getMessage() == "queued"


def test_cancel_all_tasks() -> None:
    from quart.app import _cancel_all_tasks

    loop = asyncio.new_event_loop()
    try:
        task = loop.create_task(asyncio.sleep(60))
        _cancel_all_tasks(loop)
        assert task.cancelled()
    finally:
        loop.close()


# -- patching quart.cli --------------------------------------------------------------


def _fake_module() -> ModuleType:
    module = ModuleType("not_on_disk")
    app = Quart("not_on_disk")

    @app.cli.command("hello")
    def hello() -> None:
        click.echo("hello from a patched import")

    module.app = app  # type: ignore[attr-defined]
    return module


def test_patching_cli_import_module_loads_the_app_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    module = _fake_module()
    with mock.patch("quart.cli.import_module", return_value=module) as patched:
        result = CliRunner().invoke(quart.cli.cli, ["--app", "not_on_disk", "hello"])
    assert result.output == "hello from a patched import\n", result.output
    patched.assert_called_with("not_on_disk")


def test_locate_app_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "broken_import_mod.py").write_text("import does_not_exist_anywhere\n")
    with pytest.raises(quart.cli.NoAppException, match="Could not import"):
        quart.cli.locate_app("no_such_module_here", None)
    assert quart.cli.locate_app("no_such_module_here", None, raise_if_not_found=False) is None
    with pytest.raises(quart.cli.NoAppException, match="an ImportError was raised"):
        quart.cli.locate_app("broken_import_mod", None)
    sys.modules.pop("broken_import_mod", None)


def test_patching_cli_entry_points_and_version(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command()
    def plugged() -> None:
        click.echo("plugin ran")

    class EntryPoint:
        name = "plugged"

        def load(self) -> click.Command:
            return plugged

    def entry_points(**params: Any) -> list[EntryPoint]:
        return [EntryPoint()] if params.get("group") == "quart.commands" else []

    monkeypatch.setattr(quart.cli, "entry_points", entry_points)
    monkeypatch.setattr(quart.cli, "version", lambda name: f"{name}-9.9")
    group = quart.cli.QuartGroup(create_app=lambda: Quart("x"))
    assert CliRunner().invoke(group, ["plugged"]).output == "plugin ran\n"
    assert "Quart quart-9.9" in CliRunner().invoke(group, ["--version"]).output
