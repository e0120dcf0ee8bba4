"""The reloader's supervising loop, with the child process and the clock faked."""

from __future__ import annotations

from typing import Any

import pytest

from quart._devserver import reloader as _reloader


class FakeChild:
    """A child process that exits with the next scripted code."""

    def __init__(self, codes: list[int], on_start: Any) -> None:
        self._codes = codes
        on_start()

    def wait(self) -> int:
        return self._codes.pop(0)

    def poll(self) -> int | None:
        return None

    def send_signal(self, signum: int) -> None:
        pass


def test_a_fix_saved_while_the_restarted_child_fails_is_noticed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Child 1 asks for a reload (a broken edit); child 2 fails on it, and the
    # fix is saved before the reloader starts waiting: child 3 must start.
    codes = [_reloader.RELOAD_EXIT_CODE, 1, 0]
    files = {"app.py": 1.0}
    starts: list[dict[str, float]] = []

    def start() -> None:
        starts.append(dict(files))
        if len(starts) == 2:
            files["app.py"] = 2.0  # the fix lands while child 2 fails

    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) > 20:
            raise AssertionError("the reloader never noticed the fix")

    monkeypatch.setattr(_reloader, "reloader_argv", lambda: ["app"])
    monkeypatch.setattr(_reloader, "module_mtimes", lambda: dict(files))
    monkeypatch.setattr(_reloader.subprocess, "Popen", lambda argv, env: FakeChild(codes, start))
    monkeypatch.setattr(_reloader.time, "sleep", sleep)
    assert _reloader.run_reloader() == 0
    assert len(starts) == 3
