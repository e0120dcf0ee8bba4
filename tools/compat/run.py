"""Differential check: run the same cases on this package and on real Quart 0.22.

``make compat`` runs this. Stdlib only. It creates ``.venvs/compat-quart``
(real Quart, pinned in ``tools/compat/requirements-quart.txt``; never the
project's venv) on first use, then runs every case of ``tools/compat/cases.py``
in its own subprocess under each interpreter:

* ours:  ``.venv/bin/python tools/compat/child.py CASE``
* quart: ``.venvs/compat-quart/bin/python tools/compat/child.py CASE``

and prints, per case, the fields whose observations differ, side by side, then
one summary line. A case that does not finish within ``--timeout`` is observed
as ``"timeout"``.

Examples::

    python3 tools/compat/run.py                    # every case
    python3 tools/compat/run.py -k i09 -k ws       # cases whose name contains i09 or ws
    python3 tools/compat/run.py --show i15_ws_close_from_other_task
    python3 tools/compat/run.py --repeat 2         # also flag cases unstable on one side
    python3 tools/compat/run.py --strict           # exit 1 when any case differs

Exit status: 0 (differences are the output, not a failure) unless the tool
itself breaks (2), or ``--strict`` and a case differs (1).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import zip_longest
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHILD = HERE / "child.py"
OURS_PYTHON = ROOT / ".venv" / "bin" / "python"
QUART_VENV = ROOT / ".venvs" / "compat-quart"
QUART_PYTHON = QUART_VENV / "bin" / "python"
QUART_REQUIREMENTS = HERE / "requirements-quart.txt"
QUART_STAMP = QUART_VENV / ".compat-requirements.sha256"
MARKER = "COMPAT-RESULT "
SIDES = ("ours", "quart")


class ToolError(Exception):
    """The tool itself cannot go on (a venv cannot be made, no case list)."""


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def ensure_quart_venv(python: str) -> None:
    """Create ``.venvs/compat-quart`` and install the pinned real Quart if needed."""
    wanted = hashlib.sha256(QUART_REQUIREMENTS.read_bytes()).hexdigest()
    if QUART_PYTHON.exists() and QUART_STAMP.exists():
        if QUART_STAMP.read_text().strip() == wanted:
            return
    if not QUART_PYTHON.exists():
        log(f"creating {QUART_VENV.relative_to(ROOT)} ...")
        subprocess.run([python, "-m", "venv", str(QUART_VENV)], check=True)
    log(
        f"installing {QUART_REQUIREMENTS.relative_to(ROOT)} into {QUART_VENV.relative_to(ROOT)} ..."
    )
    subprocess.run(
        [
            str(QUART_PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(QUART_REQUIREMENTS),
        ],
        check=True,
    )
    QUART_STAMP.write_text(wanted + "\n")


def child_env() -> dict[str, str]:
    """The environment of a case's process: its own venv's imports only."""
    env = dict(os.environ)
    for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(var, None)
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def package_location(python: str) -> str:
    """Where ``quart`` is imported from, and its version, under ``python``."""
    code = "import importlib.metadata as m, quart\nprint(m.version('quart'), quart.__file__)"
    proc = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, env=child_env(), check=False
    )
    return proc.stdout.strip() or f"(cannot import quart: {proc.stderr.strip()[-200:]})"


def list_cases(python: str) -> list[str]:
    """The case names, as the cases module lists them under ``python``."""
    proc = subprocess.run(
        [python, str(CHILD), "--list"],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=HERE,
        check=False,
    )
    if proc.returncode != 0:
        raise ToolError(f"cannot list the cases under {python}:\n{proc.stderr}")
    return [line for line in proc.stdout.splitlines() if line]


def run_case(python: str, name: str, timeout: float) -> dict[str, Any]:
    """One case's observation under ``python`` (its process killed on a hang)."""
    command = [python, str(CHILD), name, "--timeout", str(timeout)]
    try:
        proc = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=child_env(),
            cwd=HERE,
            timeout=timeout + 10,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            result: dict[str, Any] = json.loads(line[len(MARKER) :])
            return result
    # The case crashed its interpreter: that is an observation too.
    tail = proc.stderr.strip().splitlines()[-1:] or [""]
    return {"outcome": {"crashed": proc.returncode, "stderr": tail[0]}}


class _Missing:
    """Marks a field one side does not have."""

    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


def render(value: Any) -> str:
    """A value as compact JSON (``(absent)`` for a field one side lacks)."""
    if value is MISSING:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _is_pairs_or_names(value: list[Any]) -> bool:
    """Whether ``value`` is a list of names or of ``[name, value]`` pairs."""
    return all(
        isinstance(item, str)
        or (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item))
        for item in value
    )


def describe(ours: Any, quart: Any) -> tuple[str, str]:
    """Both sides of one differing field.

    Lists of names or of header pairs that differ in content (not only in
    order) show just the items each side has that the other lacks.
    """
    if (
        isinstance(ours, list)
        and isinstance(quart, list)
        and _is_pairs_or_names(ours)
        and _is_pairs_or_names(quart)
        and sorted(map(render, ours)) != sorted(map(render, quart))
    ):
        only_ours = [item for item in ours if item not in quart]
        only_quart = [item for item in quart if item not in ours]
        return (f"only here: {render(only_ours)}", f"only here: {render(only_quart)}")
    return render(ours), render(quart)


def differences(ours: Any, quart: Any, path: str = "") -> list[tuple[str, str, str]]:
    """``(field, ours, quart)`` for every leaf whose observation differs.

    Dicts are compared key by key, lists of dicts of the same length item by
    item (``field[0]``); anything else is one leaf.
    """
    if ours == quart:
        return []
    if isinstance(ours, dict) and isinstance(quart, dict):
        rows = []
        for key in sorted(set(ours) | set(quart)):
            rows += differences(
                ours.get(key, MISSING), quart.get(key, MISSING), f"{path}.{key}" if path else key
            )
        return rows
    if (
        isinstance(ours, list)
        and isinstance(quart, list)
        and len(ours) == len(quart)
        and any(isinstance(item, dict) for item in ours + quart)
    ):
        rows = []
        for index, (a, b) in enumerate(zip(ours, quart, strict=True)):
            rows += differences(a, b, f"{path}[{index}]")
        return rows
    return [(path or "(value)", *describe(ours, quart))]


def print_table(rows: list[tuple[str, str, str]], width: int) -> None:
    """``field | ours | quart`` rows, long values wrapped in their column."""
    field_width = min(max(5, *(len(row[0]) for row in rows)), 36)
    column = max((width - field_width - 7) // 2, 20)
    header = ("field", "ours", "quart 0.22")
    for field, ours, quart in [header, *rows]:
        cells = [
            textwrap.wrap(field, field_width) or [""],
            textwrap.wrap(ours, column, break_on_hyphens=False) or [""],
            textwrap.wrap(quart, column, break_on_hyphens=False) or [""],
        ]
        for a, b, c in zip_longest(*cells, fillvalue=""):
            print(f"  {a:<{field_width}} | {b:<{column}} | {c}")


def main() -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", action="append", default=[], help="only cases containing this")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per case")
    parser.add_argument("--jobs", type=int, default=6, help="cases run at once")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side (flags noise)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any case differs")
    parser.add_argument("--show", metavar="CASE", help="print both full observations of CASE")
    parser.add_argument("--json", metavar="FILE", help="write every observation to FILE")
    parser.add_argument("--ours", default=str(OURS_PYTHON), help="this package's python")
    parser.add_argument("--quart", default=str(QUART_PYTHON), help="real Quart's python")
    parser.add_argument("--python", default=sys.executable, help="python that makes the venv")
    args = parser.parse_args()

    if Path(args.quart) == QUART_PYTHON:
        ensure_quart_venv(args.python)
    pythons = {"ours": args.ours, "quart": args.quart}
    for side, python in pythons.items():
        log(f"{side:>5}: quart {package_location(python)}")
    names = list_cases(args.ours)
    if args.show:
        names = [args.show]
    elif args.k:
        names = [name for name in names if any(part in name for part in args.k)]
    if not names:
        raise ToolError("no case matched")

    start = time.monotonic()
    jobs = [(name, side) for name in names for side in SIDES for _ in range(args.repeat)]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda job: run_case(pythons[job[1]], job[0], args.timeout), jobs))
    observed: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for (name, side), result in zip(jobs, results, strict=True):
        observed.setdefault(name, {}).setdefault(side, []).append(result)
    log(f"ran {len(jobs)} case processes in {time.monotonic() - start:.1f}s")

    if args.json:
        Path(args.json).write_text(json.dumps(observed, indent=2, sort_keys=True) + "\n")
    if args.show:
        for side in SIDES:
            print(f"== {side}")
            print(json.dumps(observed[args.show][side][0], indent=2, sort_keys=True))

    width = max(shutil.get_terminal_size((160, 40)).columns, 100)
    differing, unstable = [], []
    for name in names:
        runs = observed[name]
        for side in SIDES:
            for other in runs[side][1:]:
                rows = differences(runs[side][0], other)
                if rows:
                    unstable.append(name)
                    print(f"\n!! {name}: UNSTABLE on {side} (two runs differ; tool noise?)")
                    print_table(rows, width)
        rows = differences(runs["ours"][0], runs["quart"][0])
        if rows:
            differing.append(name)
            print(f"\n== {name}")
            print_table(rows, width)
    print(
        f"\n{len(names)} cases, {len(differing)} differ"
        + (f", {len(set(unstable))} unstable" if args.repeat > 1 else "")
        + (f": {' '.join(differing)}" if differing else "")
    )
    return 1 if args.strict and differing else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ToolError, subprocess.CalledProcessError, OSError) as exc:
        log(f"compat: {exc}")
        sys.exit(2)
