"""``bench/cold_steps.py``: its markers stay on today's request path, one per
step, crossed once each and in order, so each row of its table is the step
it names."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from scripts import load_script
from scripts import ROOT


@functools.cache
def _cold() -> ModuleType:
    return load_script("bench/cold_steps.py", "bench_cold_steps")


_REQUEST = textwrap.dedent(
    """
    import asyncio, json, sys
    sys.path.insert(0, sys.argv[1])
    from quart import Quart, g
    import quart._bench_steps as steps

    crossed = []

    def record():
        caller = sys._getframe(2)
        path = caller.f_code.co_filename.split("/src/", 1)[1]
        crossed.append([path, caller.f_lineno])

    app = Quart(__name__)

    @app.before_request
    async def set_user():
        g.user = "bench"

    @app.get("/plaintext")
    async def plaintext():
        return "Hello, World!", {"Content-Type": "text/plain; charset=utf-8"}

    async def main():
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": "/plaintext", "raw_path": b"/plaintext", "query_string": b"",
            "root_path": "", "headers": [(b"host", b"bench.local")],
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        }
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)  # Warm: first-request work is not the path.
        steps.ON[0] = True
        steps._getppid = record
        await app(scope, receive, send)
        print(json.dumps({"crossed": crossed, "status": sent[-2]["status"]}))

    asyncio.run(main())
    """
)


def test_every_marker_is_crossed_once_in_the_order_of_its_steps(tmp_path: Path) -> None:
    cold = _cold()
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    placed = cold.patch_source(tmp_path / "src")
    assert len(placed) == len(cold.STEPS)
    result = subprocess.run(
        [sys.executable, "-c", _REQUEST, str(tmp_path / "src")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(result.stdout)
    assert answer["status"] == 200
    assert [tuple(where) for where in answer["crossed"]] == placed


def test_a_line_that_moved_away_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _cold()
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    gone = cold.Step("nowhere", "quart/asgi/_http.py", "this line is not in the source")
    monkeypatch.setattr(cold, "STEPS", (*cold.STEPS, gone))
    with pytest.raises(LookupError, match="nowhere"):
        cold.patch_source(tmp_path / "src")


def test_dumps_are_added_up_by_step_per_request() -> None:
    cold = _cold()

    def dump(ir: int) -> dict[str, int]:
        return {"Ir": ir, "DLmr": ir // 10}

    # Two requests of three steps; the first is skipped.
    dumps = [dump(1000), dump(2000), dump(3000), dump(10), dump(20), dump(30)]
    steps = cold.by_step(dumps, 3, skip=1)
    assert [row["Ir"] for row in steps] == [10, 20, 30]
    assert [row["DLmr"] for row in steps] == [1, 2, 3]
    assert cold.total(steps)["Ir"] == 60
    with pytest.raises(SystemExit, match="whole number"):
        cold.by_step(dumps[:5], 3, skip=0)
