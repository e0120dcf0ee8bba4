"""The bench's own virtualenvs, created on first use (stdlib only).

* ``bench/.venv-ref``: the peers (real Quart, Starlette, BlackSheep, Falcon,
  Litestar) and the servers, pinned in ``requirements-ref.txt``.
* ``bench/.venv-ours``: this package installed editable from the work tree
  (so it serves ``src/quart``) plus the servers and matplotlib, pinned in
  ``requirements-ours.txt``. Used by the over-the-wire mode and the chart; the
  in-process and callgrind modes run ours from the project's ``.venv``.

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
REF_PYTHON = REF_VENV / "bin" / "python"
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


def ensure_ref_venv(python: str = sys.executable) -> Path:
    """Create/refresh ``bench/.venv-ref``; return its interpreter."""
    return _ensure(REF_VENV, REF_REQUIREMENTS, python, None)


def ensure_ours_venv(python: str = sys.executable) -> Path:
    """Create/refresh ``bench/.venv-ours`` (the work tree, editable); return its interpreter."""
    return _ensure(OURS_VENV, OURS_REQUIREMENTS, python, ROOT)


if __name__ == "__main__":
    ensure_ref_venv()
    ensure_ours_venv()
