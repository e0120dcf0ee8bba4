"""Import time of each framework: median wall time of ``import <package>``.

Stdlib only (runs in the project's ``.venv``; normally driven by ``run.py
--import-time``). Each run is a fresh interpreter that imports the package
once; two figures per framework, medians over the runs:

* wall: ``time.perf_counter()`` around the ``import`` statement, in the child
  (a plain interpreter);
* cumulative: the package's own line of ``python -X importtime`` (µs,
  cumulative; a separate interpreter, since ``-X importtime`` slows imports
  down), for the breakdown see that output.

Ours is imported from the work tree (the project's ``.venv``, ``src/`` first
on ``sys.path``), the others from ``bench/.venv-ref`` (for another Python
version, ``--venv-python``: ``.venv-ours-X.Y`` and ``.venv-ref-X.Y``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from endpoints import LABELS  # noqa: E402
from venvs import ensure_ref_venv  # noqa: E402
from venvs import ours_inproc_python  # noqa: E402

#: framework -> package imported.
PACKAGES = {
    "ours": "quart",
    "quart": "quart",
    "starlette": "starlette.applications",
    "blacksheep": "blacksheep",
    "falcon": "falcon.asgi",
    "litestar": "litestar",
}


def log(msg: str) -> None:
    """Progress to stderr."""
    print(msg, file=sys.stderr, flush=True)


def one_run(python: str, package: str, src: Path | None, importtime: bool) -> float:
    """Wall ms of one fresh ``import package``, or with ``importtime`` the
    cumulative ms of the package's ``-X importtime`` line."""
    prefix = f"import sys; sys.path.insert(0, {str(src)!r}); " if src is not None else ""
    code = (
        prefix + "import time; t = time.perf_counter(); "
        f"import {package}; print((time.perf_counter() - t) * 1000)"
    )
    env = dict(os.environ)
    # PYTHONDONTWRITEBYTECODE too: with it the warm run writes no .pyc files,
    # so ours (a source tree) was compiled on every run while the peers
    # (installed by pip, which compiles) were not.
    for var in (
        "PYTHONPATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        "PYTHONSTARTUP",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(var, None)
    flags = ["-X", "importtime"] if importtime else []
    proc = subprocess.run(
        [python, *flags, "-c", code],
        capture_output=True,
        text=True,
        cwd="/",
        env=env,
        check=True,
    )
    if not importtime:
        return float(proc.stdout.strip().splitlines()[-1])
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)$", line)
        if match and match.group(2) == package:
            return int(match.group(1)) / 1000
    return 0.0


def measure(frameworks: list[str], runs: int, venv_python: str) -> dict[str, dict[str, float]]:
    """``{framework: {"wall_ms": median, "cumulative_ms": median}}``."""
    pythons = {"ours": str(ours_inproc_python(venv_python))}
    if any(fw != "ours" for fw in frameworks):
        ref = str(ensure_ref_venv(venv_python))
        pythons.update({fw: ref for fw in frameworks if fw != "ours"})
    walls: dict[str, list[float]] = {fw: [] for fw in frameworks}
    cumulative: dict[str, list[float]] = {fw: [] for fw in frameworks}
    srcs = {fw: ROOT / "src" if fw == "ours" else None for fw in frameworks}
    for fw in frameworks:  # one warm run each (disk cache, .pyc files)
        one_run(pythons[fw], PACKAGES[fw], srcs[fw], False)
    for i in range(runs):  # frameworks take turns, like the in-process passes
        for fw in frameworks:
            walls[fw].append(one_run(pythons[fw], PACKAGES[fw], srcs[fw], False))
            if i < max(1, runs // 3):
                cumulative[fw].append(one_run(pythons[fw], PACKAGES[fw], srcs[fw], True))
    return {
        fw: {
            "wall_ms": statistics.median(walls[fw]),
            "cumulative_ms": statistics.median(cumulative[fw]),
        }
        for fw in frameworks
    }


def render(results: dict[str, dict[str, float]]) -> str:
    """Import times with the ratio to ours."""
    ours = results.get("ours", {}).get("wall_ms")
    lines = [
        "| framework | import | wall ms (median) | -X importtime cumulative ms | wall vs ours |",
        "|---|---|---:|---:|---:|",
    ]
    for fw, fig in results.items():
        rel = f"{fig['wall_ms'] / ours:.2f}x" if ours else "—"
        lines.append(
            f"| {LABELS[fw]} | `import {PACKAGES[fw]}` | {fig['wall_ms']:.0f}"
            f" | {fig['cumulative_ms']:.0f} | {rel} |"
        )
    return "\n".join(lines)


def run_mode(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """``run.py --import-time``: print the table, return (status, JSON section)."""
    frameworks = [fw for fw in PACKAGES if fw in getattr(args, "frameworks", PACKAGES)]
    results = measure(frameworks, args.import_runs, args.venv_python)
    print()
    print(
        f"## Import time\n\nMedian of {args.import_runs} fresh interpreters each"
        " (after one untimed run); wall = perf_counter around the import statement;"
        f" -X importtime: median of {max(1, args.import_runs // 3)} separate runs."
    )
    print()
    print(render(results))
    return 0, {"unit": "milliseconds", "runs": args.import_runs, "results": results}


def main(argv: list[str] | None = None) -> int:
    """Standalone: ``importtime.py [--runs 9] [--only ours,starlette]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", dest="import_runs", type=int, default=9)
    parser.add_argument("--only", default=",".join(PACKAGES))
    parser.add_argument("--venv-python", default=sys.executable)
    args = parser.parse_args(argv)
    args.frameworks = [fw.strip() for fw in args.only.split(",") if fw.strip()]
    status, _ = run_mode(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
