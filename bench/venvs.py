"""The bench's own virtualenvs, created on first use (stdlib only).

* ``bench/.venv-ref``: the peers (real Quart, Starlette, BlackSheep, Falcon,
  Litestar) and the servers, pinned in ``requirements-ref.txt``.
* ``bench/.venv-ours``: this package installed editable from the work tree
  (so it serves ``src/quart``) plus the servers and matplotlib, pinned in
  ``requirements-ours.txt``. Used by the over-the-wire mode and the chart; the
  in-process and callgrind modes run ours from the project's ``.venv``.

Both are made with the interpreter given (``--venv-python``, ``make bench
BENCH_PYTHON=python3.13``). One of another Python version than the project's
``.venv`` gets venvs of its own, ``.venv-ref-3.13`` and ``.venv-ours-3.13``
(which then also runs ours in-process), so the figures of one run all come
from one Python version.

A venv is (re)installed whenever its requirements file changes (for
``.venv-ours`` also ``pyproject.toml``; a SHA-256 stamp is kept inside the
venv). Both are git-ignored.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

REF_VENV = BENCH_DIR / ".venv-ref"
REF_REQUIREMENTS = BENCH_DIR / "requirements-ref.txt"

OURS_VENV = BENCH_DIR / ".venv-ours"
OURS_VENV_PYTHON = OURS_VENV / "bin" / "python"
OURS_REQUIREMENTS = BENCH_DIR / "requirements-ours.txt"

#: The project's own venv (``make .venv/.installed``): ours in-process.
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"


def log(msg: str) -> None:
    """Progress to stderr."""
    print(msg, file=sys.stderr, flush=True)


def _ensure(venv: Path, requirements: Path, python: str, editable: Path | None) -> Path:
    stamp = venv / ".bench-requirements.sha256"
    digest = hashlib.sha256(requirements.read_bytes())
    if editable is not None:  # the package's own dependencies may change too
        digest.update((editable / "pyproject.toml").read_bytes())
    wanted = digest.hexdigest()
    venv_python = venv / "bin" / "python"
    if venv_python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return venv_python
    if not venv_python.exists():
        log(f"creating {venv.relative_to(ROOT)} ...")
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    log(f"installing {requirements.relative_to(ROOT)} into {venv.relative_to(ROOT)} ...")
    cmd = [str(venv_python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    cmd += ["-r", str(requirements)]
    if editable is not None:
        cmd += ["-e", str(editable)]
    subprocess.run(cmd, check=True)
    stamp.write_text(wanted + "\n")
    return venv_python


_VERSIONS: dict[str, str] = {}


def python_version(python: str | Path) -> str:
    """The full version of the interpreter ``python`` ("3.13.0")."""
    key = str(python)
    if key not in _VERSIONS:
        out = subprocess.run(
            [key, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        _VERSIONS[key] = out
    return _VERSIONS[key]


def _minor(python: str | Path) -> str:
    return ".".join(python_version(python).split(".")[:2])


def _own_venv(python: str | Path) -> bool:
    """Whether ``python`` is the project's ``.venv``'s Python version (the
    venvs keep their plain names then)."""
    project = PROJECT_PYTHON if PROJECT_PYTHON.exists() else Path(sys.executable)
    return _minor(python) == _minor(project)


def _venv_for(base: Path, python: str | Path) -> Path:
    return base if _own_venv(python) else base.with_name(f"{base.name}-{_minor(python)}")


def ensure_ref_venv(python: str = sys.executable) -> Path:
    """Create/refresh ``bench/.venv-ref`` (``-X.Y`` for another Python
    version than the project's); return its interpreter."""
    return _ensure(_venv_for(REF_VENV, python), REF_REQUIREMENTS, python, None)


def ensure_ours_venv(python: str = sys.executable) -> Path:
    """Create/refresh ``bench/.venv-ours`` (the work tree, editable; ``-X.Y``
    for another Python version than the project's); return its interpreter."""
    return _ensure(_venv_for(OURS_VENV, python), OURS_REQUIREMENTS, python, ROOT)


def ours_inproc_python(python: str = sys.executable) -> Path:
    """The interpreter that runs ours in-process: the project's ``.venv``, or
    for another Python version ``bench/.venv-ours-X.Y``."""
    if PROJECT_PYTHON.exists() and _own_venv(python):
        return PROJECT_PYTHON
    return ensure_ours_venv(python)


if __name__ == "__main__":
    ensure_ref_venv()
    ensure_ours_venv()
