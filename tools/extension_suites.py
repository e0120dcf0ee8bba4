"""Run the Quart extensions' own test suites against this package.

``make test-extensions`` runs this. It creates ``.venvs/extensions`` (this
package installed editable, the extensions, and what their tests import),
downloads each extension's source distribution from PyPI (their tests ship
in it), and runs its ``tests/`` with pytest, one extension after another.
Nothing of the extensions is kept in this repository; the downloads go to a
temporary folder. Needs PyPI. Stdlib only.

Exit status: 0 if every suite passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venvs" / "extensions"
PYTHON = VENV / "bin" / "python"

#: The extensions (pinned: a new release may change its tests) and their
#: import name.
EXTENSIONS = {
    "quart-cors==0.8.0": "quart_cors",
    "quart-auth==0.12.0": "quart_auth",
    "quart-rate-limiter==0.12.1": "quart_rate_limiter",
    "quart-schema==0.25.0": "quart_schema",
}
#: What the suites import besides pytest (schema libraries, store clients).
TEST_DEPENDENCIES = [
    "pytest>=8",
    "pytest-asyncio>=0.24",
    "hypothesis",
    "pydantic>=2",
    "attrs",
    "msgspec",
    "redis",
    "valkey",
]


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def run(*command: str | Path, cwd: Path | None = None) -> int:
    """Run ``command``; return its exit status."""
    return subprocess.run([str(part) for part in command], cwd=cwd, check=False).returncode


def ensure_venv() -> None:
    """Create (or update) the extensions' venv, with this package editable."""
    if not PYTHON.exists():
        log(f"creating {VENV.relative_to(ROOT)} ...")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    log("installing this package, the extensions and their test dependencies ...")
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            str(ROOT),
            *EXTENSIONS,
            *TEST_DEPENDENCIES,
        ],
        check=True,
    )
    # pip must not have replaced this package with the real Quart.
    where = subprocess.run(
        [str(PYTHON), "-c", "import quart; print(quart.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(ROOT / "src"):
        raise SystemExit(f"quart resolves to {where}, not to this repository's src/")


def fetch_sources(requirement: str, into: Path) -> Path:
    """Download and unpack ``requirement``'s source distribution; return its folder."""
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            str(into),
            requirement,
        ],
        check=True,
    )
    name, version = requirement.split("==")
    prefix = f"{name.replace('-', '_')}-{version}"
    archive = next(into.glob(f"{prefix}.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / prefix


def run_suite(source: Path) -> int:
    """Run the ``tests/`` of an unpacked extension; return pytest's status."""
    # The suites' own pytest settings add coverage options; use only what
    # the tests need.
    return run(
        PYTHON,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-o",
        "asyncio_mode=auto",
        "tests",
        cwd=source,
    )


def main(argv: list[str] | None = None) -> int:
    """Run every suite (or ``--only`` one); 0 if all passed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="one extension's import name (e.g. quart_auth)")
    args = parser.parse_args(argv)
    ensure_venv()
    results: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="quart-extension-suites-") as tmp:
        for requirement, module in EXTENSIONS.items():
            if args.only and args.only != module:
                continue
            log(f"== {requirement}")
            start = time.monotonic()
            results[requirement] = run_suite(fetch_sources(requirement, Path(tmp)))
            log(f"   ({time.monotonic() - start:.1f}s, exit {results[requirement]})")
    print()
    for requirement, code in results.items():
        print(f"{requirement:32} {'passed' if code == 0 else 'FAILED'}")
    return 0 if results and all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
