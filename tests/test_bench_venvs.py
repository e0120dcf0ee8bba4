"""``bench/venvs.py``: every figure of a bench run comes from the Python it
was asked for (``make bench-all BENCH_PYTHON=python3.13``)."""

from __future__ import annotations

import functools
import sys
from types import ModuleType

import pytest
from scripts import load_script


@functools.cache
def _venvs() -> ModuleType:
    return load_script("bench/venvs.py", "bench_venvs")


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Interpreter path -> its version, as ``python_version`` will answer
    (the project's ``.venv`` is 3.11.7 here); no venv is made."""
    venvs = _venvs()
    table = {str(venvs.PROJECT_PYTHON): "3.11.7", sys.executable: "3.11.7"}
    monkeypatch.setattr(venvs, "python_version", lambda python: table[str(python)])
    monkeypatch.setattr(venvs, "_ensure", lambda venv, *rest: venv / "bin/py")
    return table


def test_the_projects_python_keeps_the_plain_venvs(versions: dict[str, str]) -> None:
    venvs = _venvs()
    versions["/usr/bin/python3.11"] = "3.11.2"
    assert venvs.ensure_ref_venv("/usr/bin/python3.11") == venvs.REF_VENV / "bin/py"
    assert venvs.ensure_ours_venv("/usr/bin/python3.11") == venvs.OURS_VENV / "bin/py"
    if venvs.PROJECT_PYTHON.exists():  # (make test made it)
        assert venvs.ours_inproc_python("/usr/bin/python3.11") == venvs.PROJECT_PYTHON


def test_another_version_gets_venvs_of_its_own_and_runs_ours_there(
    versions: dict[str, str],
) -> None:
    venvs = _venvs()
    versions["/opt/python3.13"] = "3.13.0"
    ref = venvs.ensure_ref_venv("/opt/python3.13")
    assert ref.parent.parent.name == ".venv-ref-3.13"
    # Ours in-process: not the project's 3.11 .venv, but the 3.13 one.
    ours = venvs.ours_inproc_python("/opt/python3.13")
    assert ours.parent.parent.name == ".venv-ours-3.13"
