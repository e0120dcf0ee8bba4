"""The layer rules, as each layer states them at its top, kept true.

The rules (see ``quart.asgi``, ``quart._app``, ``quart.ctx``,
``quart.wrappers`` and ``quart._concurrency``):

1. ASGI messages: only ``asgi/`` builds the dicts handed to an ASGI ``send``
   (or fed to an app's ``receive``). Exceptions, which are ASGI code of
   their own: ``testing/`` (the test client plays the server) and
   ``middleware.py`` (ASGI middleware). The app and the pipeline never
   import the message builders.
2. Contexts read no config: ``ctx.py`` never touches ``.config``.
3. Tasks: only ``asgi/`` and ``_concurrency.py`` call ``create_task``,
   ``ensure_future``, ``TaskGroup``, ``run_in_executor`` or ``to_thread``;
   everyone else asks ``quart._concurrency`` (``create_task``,
   ``run_in_thread``, ...), so concurrency starts in places one can list.
4. Imports point down: ``wrappers/`` (sans-IO) imports neither the app,
   the pipeline, the contexts nor ``asgi/``; ``asgi/`` never imports the
   pipeline (it calls ``app.handle_request``); ``_app/`` never imports the
   development server, the CLI or the test harness (except ``_app/names.py``,
   which only re-exports Quart 0.22's module-level names of ``quart.app``).

The checks read each module's syntax tree (deterministic, and every import,
also those inside functions); one fresh interpreter then imports every
module, so a rule cannot be kept by a module that no longer imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "quart"

_MESSAGE_PREFIXES = ("http.", "websocket.", "lifespan.")
_MESSAGE_BUILDERS_ALLOWED = ("asgi/", "testing/", "middleware.py")
_TASK_CALLS = {"create_task", "ensure_future", "TaskGroup", "run_in_executor", "to_thread"}
_TASKS_ALLOWED = ("asgi/", "_concurrency.py")
_IMPORTS_EXEMPT = ("_app/names.py",)
_FORBIDDEN_IMPORTS: dict[str, tuple[str, ...]] = {
    "wrappers/": ("quart.app", "quart._app", "quart.ctx", "quart.asgi"),
    "asgi/": ("quart._app",),
    "_app/": ("quart._devserver", "quart.cli", "quart.testing", "quart.asgi._messages"),
    "app.py": ("quart.asgi._messages",),
    "ctx.py": ("quart.asgi", "quart._app"),
}


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _module_name(path: Path) -> str:
    parts = ["quart", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _under(rel: str, places: tuple[str, ...]) -> bool:
    return any(rel == place or (place.endswith("/") and rel.startswith(place)) for place in places)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports (absolute names), with its line."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # ``from . import app`` imports quart.app
                yield node.lineno, f"{module}.{alias.name}"


def _message_literals(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "type"
                    and isinstance(value, ast.Constant | ast.JoinedStr)
                    and _is_message_type(value)
                ):
                    yield node.lineno


def _is_message_type(value: ast.Constant | ast.JoinedStr) -> bool:
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str) and value.value.startswith(_MESSAGE_PREFIXES)
    first = value.values[0] if value.values else None
    return isinstance(first, ast.Constant) and str(first.value).startswith(_MESSAGE_PREFIXES)


def _task_calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _TASK_CALLS:
                yield node.lineno, func.attr
        elif isinstance(node, ast.ImportFrom) and node.module == "asyncio":
            for alias in node.names:
                if alias.name in _TASK_CALLS:
                    yield node.lineno, f"from asyncio import {alias.name}"


def test_only_asgi_builds_asgi_messages() -> None:
    found = [
        f"{_rel(path)}:{line}"
        for path in _modules()
        if not _under(_rel(path), _MESSAGE_BUILDERS_ALLOWED)
        for line in _message_literals(_tree(path))
    ]
    assert found == [], "ASGI message dicts built outside asgi/ (use quart.asgi._messages)"


def test_contexts_read_no_config() -> None:
    found = [
        f"ctx.py:{node.lineno}"
        for node in ast.walk(_tree(SRC / "ctx.py"))
        if isinstance(node, ast.Attribute) and node.attr == "config"
    ]
    assert found == [], "ctx.py reads config: read it at the edge and pass the value in"


def test_only_asgi_and_concurrency_create_tasks() -> None:
    found = [
        f"{_rel(path)}:{line} {what}"
        for path in _modules()
        if not _under(_rel(path), _TASKS_ALLOWED)
        for line, what in _task_calls(_tree(path))
    ]
    assert found == [], "tasks created outside asgi/ and _concurrency.py"


@pytest.mark.parametrize("layer", sorted(_FORBIDDEN_IMPORTS))
def test_imports_point_down(layer: str) -> None:
    forbidden = _FORBIDDEN_IMPORTS[layer]
    found = [
        f"{_rel(path)}:{line} imports {module}"
        for path in _modules()
        if _under(_rel(path), (layer,)) and _rel(path) not in _IMPORTS_EXEMPT
        for line, module in _imports(path)
        if any(module == name or module.startswith(f"{name}.") for name in forbidden)
    ]
    assert found == []


def test_rules_are_stated_where_the_code_lives() -> None:
    heads = {
        "asgi/__init__.py": "only package that reads or writes ASGI messages",
        "asgi/_messages.py": "Rule: every dict handed to an ASGI ``send`` is built here",
        "_app/__init__.py": "Rules:",
        "ctx.py": "Rule:",
        "wrappers/__init__.py": "Rule:",
        "_concurrency.py": "Rule:",
    }
    for rel, words in heads.items():
        doc = ast.get_docstring(_tree(SRC / rel)) or ""
        assert words in doc, f"{rel} does not state its rules"


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    names = [_module_name(path) for path in _modules() if path.name != "__main__.py"]
    names = [name for name in names if name != "quart._redis.channels"]  # needs redis
    script = f"import importlib, sys\nfor name in {names!r}:\n    importlib.import_module(name)\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
