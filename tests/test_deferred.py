"""``quart._deferred``: after ``import quart``, Flask and Werkzeug work as if
imported normally; their package ``__init__`` only runs later (issue #14,
start-up). Flask and Werkzeug are checked in a fresh interpreter (this test
session imported them long ago); the mechanism on a package of its own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from quart._deferred import defer_init
from quart._deferred import is_deferred


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_flask_and_werkzeug_work_as_ever_after_import_quart() -> None:
    out = _run(
        """
        import sys
        import quart
        from quart._deferred import is_deferred

        assert is_deferred(sys.modules["flask"]) and is_deferred(sys.modules["werkzeug"])
        import flask
        from flask import Flask, jsonify, request
        import werkzeug
        from werkzeug import Client, Request, Response, run_simple

        assert not is_deferred(flask) and not is_deferred(werkzeug)
        assert "Flask" in dir(flask) and "run_simple" in dir(werkzeug)
        assert flask.Flask is Flask and werkzeug.Client is Client

        app = Flask(__name__)

        @app.route("/")
        def index():
            return jsonify(path=request.path)

        response = app.test_client().get("/")
        assert response.status_code == 200 and response.json == {"path": "/"}
        for module, name in ((flask, "nope"), (werkzeug, "nope")):
            try:
                getattr(module, name)
            except AttributeError as error:
                assert "nope" in str(error)
            else:
                raise AssertionError(f"{module.__name__}.nope")
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_a_flask_imported_before_quart_is_left_as_it_is() -> None:
    out = _run(
        """
        import sys
        import flask
        import werkzeug
        before = sys.modules["flask"], sys.modules["werkzeug"]
        import quart
        from quart._deferred import is_deferred

        assert (sys.modules["flask"], sys.modules["werkzeug"]) == before
        assert not is_deferred(flask) and not is_deferred(werkzeug)
        print("ok")
        """
    )
    assert out.strip() == "ok"


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    """A package ``deferred_pkg`` whose ``__init__`` records each run in
    ``RUNS`` of its submodule ``log`` (and fails while ``log.FAIL`` is set),
    and defines ``NAME`` and a ``__getattr__`` of its own."""
    root = tmp_path / "deferred_pkg"
    root.mkdir()
    (root / "log.py").write_text("RUNS = []\nFAIL = False\n")
    (root / "sub.py").write_text("from . import log\nVALUE = 'sub'\n")
    (root / "__init__.py").write_text(
        textwrap.dedent(
            """
            from . import log
            if log.FAIL:
                raise RuntimeError("init failed")
            log.RUNS.append(1)
            NAME = "name"

            def __getattr__(name):
                if name == "DYNAMIC":
                    return "dynamic"
                raise AttributeError(name)
            """
        )
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield "deferred_pkg"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.partition(".")[0] == "deferred_pkg"]:
            del sys.modules[name]


def test_submodules_import_without_the_init_which_runs_once_on_first_use(
    package: str,
) -> None:
    defer_init(package)
    from deferred_pkg import log  # type: ignore[import-not-found]
    from deferred_pkg.sub import VALUE  # type: ignore[import-not-found]

    module = sys.modules[package]
    assert VALUE == "sub" and log.RUNS == [] and is_deferred(module)
    assert module.sub.VALUE == "sub"  # A submodule by attribute: still deferred.
    assert log.RUNS == []
    assert module.NAME == "name"
    assert log.RUNS == [1] and not is_deferred(module)
    assert module.DYNAMIC == "dynamic"  # The package's own __getattr__.
    with pytest.raises(AttributeError):
        module.nope  # noqa: B018
    assert log.RUNS == [1]


def test_an_init_that_fails_is_tried_again_on_the_next_use(package: str) -> None:
    defer_init(package)
    from deferred_pkg import log

    log.FAIL = True
    module = sys.modules[package]
    with pytest.raises(RuntimeError, match="init failed"):
        module.NAME  # noqa: B018
    log.FAIL = False
    assert module.NAME == "name"
    assert log.RUNS == [1]


def test_threads_asking_at_once_see_the_init_run_once(package: str) -> None:
    defer_init(package)
    module = sys.modules[package]
    seen: list[str] = []
    start = threading.Barrier(8)

    def use() -> None:
        start.wait()
        seen.append(module.NAME)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen == ["name"] * 8
    assert sys.modules[f"{package}.log"].RUNS == [1]


def test_what_is_not_a_package_or_is_imported_is_left_alone(package: str) -> None:
    import json

    defer_init("json")
    assert sys.modules["json"] is json
    defer_init("tabnanny")  # A module, not a package.
    assert "tabnanny" not in sys.modules
    defer_init("no_such_package_here")
    assert "no_such_package_here" not in sys.modules
