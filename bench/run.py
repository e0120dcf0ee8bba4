"""Run the in-process benchmark on ours, real Quart and Starlette; print a table.

Stdlib only. Creates ``bench/.venv-ref`` (real Quart + Starlette, pinned in
``bench/requirements-ref.txt``) on first use, then runs ``bench/inproc.py`` once
per framework, each in its own process and interpreter:

* ours:      ``.venv/bin/python bench/inproc.py --framework ours``
* quart:     ``bench/.venv-ref/bin/python bench/inproc.py --framework quart``
* starlette: ``bench/.venv-ref/bin/python bench/inproc.py --framework starlette``

Examples::

    python3 bench/run.py                   # full comparison
    python3 bench/run.py --quick           # smoke run
    python3 bench/run.py --only ours       # just this package
    python3 bench/run.py --json out.json --check-ratio 3
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
INPROC = BENCH_DIR / "inproc.py"
REF_VENV = BENCH_DIR / ".venv-ref"
REF_PYTHON = REF_VENV / "bin" / "python"
REF_REQUIREMENTS = BENCH_DIR / "requirements-ref.txt"
REF_STAMP = REF_VENV / ".bench-requirements.sha256"
OURS_PYTHON = ROOT / ".venv" / "bin" / "python"

FRAMEWORKS = ("ours", "quart", "starlette")
LABELS = {"ours": "ours", "quart": "Quart", "starlette": "Starlette"}
DIST_NAMES = {"ours": "quart", "quart": "quart", "starlette": "starlette"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_ref_venv(python: str) -> None:
    """Create bench/.venv-ref and install the pinned reference frameworks if needed."""
    wanted = hashlib.sha256(REF_REQUIREMENTS.read_bytes()).hexdigest()
    if REF_PYTHON.exists() and REF_STAMP.exists() and REF_STAMP.read_text().strip() == wanted:
        return
    if not REF_PYTHON.exists():
        log(f"creating {REF_VENV.relative_to(ROOT)} ...")
        subprocess.run([python, "-m", "venv", str(REF_VENV)], check=True)
    log(f"installing {REF_REQUIREMENTS.relative_to(ROOT)} into {REF_VENV.relative_to(ROOT)} ...")
    subprocess.run(
        [
            str(REF_PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(REF_REQUIREMENTS),
        ],
        check=True,
    )
    REF_STAMP.write_text(wanted + "\n")


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Keep each interpreter's imports to its own venv (never ours in the ref venv).
    for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(var, None)
    env["PYTHONHASHSEED"] = "0"
    return env


def dist_version(python: str, dist: str) -> str:
    code = (
        "import importlib.metadata as m\n"
        f"try: print(m.version({dist!r}))\n"
        "except Exception: print('?')"
    )
    proc = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, env=child_env(), check=False
    )
    return proc.stdout.strip() or "?"


def run_child(framework: str, python: str, passthrough: list[str]) -> dict[str, float] | None:
    cmd = [python, str(INPROC), "--framework", framework, *passthrough]
    log(f"$ {' '.join(cmd)}")
    start = time.monotonic()
    # stderr (progress, diagnostics) goes straight to the terminal.
    proc = subprocess.run(
        cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=child_env(), check=False
    )
    log(f"  ({framework}: {time.monotonic() - start:.1f}s, exit {proc.returncode})")
    if proc.returncode != 0:
        log(f"!! {framework} FAILED (exit {proc.returncode})")
        return None
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        log(f"!! {framework} printed no JSON result: {proc.stdout[-500:]!r}")
        return None
    return {str(k): float(v) for k, v in data.items()}


def best_of(
    earlier: dict[str, float] | None, latest: dict[str, float] | None
) -> dict[str, float] | None:
    """Each endpoint's lower figure of two passes (``None`` if the latest failed)."""
    if latest is None or earlier is None:
        return latest
    return {ep: min(us, earlier.get(ep, us)) for ep, us in latest.items()}


def fmt_us(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def geomean(values: list[float]) -> float | None:
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def render_table(results: dict[str, dict[str, float] | None]) -> str:
    endpoints: list[str] = []
    for data in results.values():
        for name in data or {}:
            if name not in endpoints:
                endpoints.append(name)

    def get(fw: str, ep: str) -> float | None:
        data = results.get(fw)
        return None if data is None else data.get(ep)

    lines = [
        "| endpoint | ours µs | Quart µs | Starlette µs | Quart/ours | Starlette/ours |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    q_ratios: list[float] = []
    s_ratios: list[float] = []
    for ep in endpoints:
        ours, quart, star = get("ours", ep), get("quart", ep), get("starlette", ep)
        rq, rs = ratio(quart, ours), ratio(star, ours)
        if rq is not None:
            q_ratios.append(rq)
        if rs is not None:
            s_ratios.append(rs)
        lines.append(
            f"| {ep} | {fmt_us(ours)} | {fmt_us(quart)} | {fmt_us(star)} "
            f"| {fmt_ratio(rq)} | {fmt_ratio(rs)} |"
        )
    if q_ratios or s_ratios:
        lines.append(
            f"| *geomean* | | | | {fmt_ratio(geomean(q_ratios))} | {fmt_ratio(geomean(s_ratios))} |"
        )
    return "\n".join(lines)


def websocket_endpoints() -> set[str]:
    """Names of the endpoints measured per websocket message (see endpoints.py)."""
    sys.path.insert(0, str(BENCH_DIR))
    try:
        from endpoints import ENDPOINTS
    finally:
        sys.path.remove(str(BENCH_DIR))
    return {name for name, ep in ENDPOINTS.items() if ep.kind == "websocket"}


def render_messages_per_second(results: dict[str, dict[str, float] | None]) -> str:
    """The websocket rows again, as messages per second (higher is better)."""
    lines = []
    for name in sorted(websocket_endpoints()):
        cells = []
        for fw in FRAMEWORKS:
            data = results.get(fw)
            value = None if data is None else data.get(name)
            if fw in results:
                cells.append(f"{LABELS[fw]} {1e6 / value:,.0f}" if value else f"{LABELS[fw]} —")
        if any(not cell.endswith("—") for cell in cells):
            lines.append(f"{name}, messages/s (higher is better): " + ", ".join(cells))
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Ratios are other/ours: above 1.0 means ours is faster.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (smoke run)")
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="FRAMEWORK",
        help="run only this framework (ours, quart, starlette); repeatable or comma-separated",
    )
    parser.add_argument("--json", metavar="FILE", help="also save results as JSON to FILE")
    parser.add_argument(
        "--check-ratio",
        type=float,
        metavar="X",
        help="exit 1 if any endpoint's Quart/ours ratio is below X",
    )
    parser.add_argument("--endpoints", default="", help="comma-separated subset of endpoints")
    parser.add_argument("--rounds", type=int, help="timed rounds per endpoint (best wins)")
    parser.add_argument("--round-time", type=float, help="target seconds per timed round")
    parser.add_argument("--iterations", type=int, help="fixed requests per round (0 = auto)")
    parser.add_argument(
        "--passes",
        type=int,
        default=3,
        help="run every framework this many times, taking turns; each endpoint keeps its"
        " best pass, so a noisy spell on the machine does not land on one framework alone"
        " (default 3; --quick uses 1)",
    )
    parser.add_argument(
        "--ours-python",
        default=str(OURS_PYTHON) if OURS_PYTHON.exists() else sys.executable,
        help="interpreter for 'ours' (default: the project's .venv)",
    )
    parser.add_argument(
        "--venv-python",
        default=sys.executable,
        help="interpreter used to create bench/.venv-ref (default: this one)",
    )
    args = parser.parse_args(argv)

    selected: list[str] = []
    for item in args.only or [",".join(FRAMEWORKS)]:
        for name in item.split(","):
            name = name.strip()
            if not name:
                continue
            if name not in FRAMEWORKS:
                parser.error(f"--only: unknown framework {name!r} (choose from {FRAMEWORKS})")
            if name not in selected:
                selected.append(name)
    args.frameworks = [fw for fw in FRAMEWORKS if fw in selected]
    if args.check_ratio is not None and not {"ours", "quart"} <= set(args.frameworks):
        parser.error("--check-ratio needs both 'ours' and 'quart' to run")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    passthrough: list[str] = []
    if args.quick:
        passthrough.append("--quick")
    if args.endpoints:
        passthrough += ["--endpoints", args.endpoints]
    if args.rounds is not None:
        passthrough += ["--rounds", str(args.rounds)]
    if args.round_time is not None:
        passthrough += ["--round-time", str(args.round_time)]
    if args.iterations is not None:
        passthrough += ["--iterations", str(args.iterations)]

    if {"quart", "starlette"} & set(args.frameworks):
        ensure_ref_venv(args.venv_python)

    pythons = {"ours": args.ours_python, "quart": str(REF_PYTHON), "starlette": str(REF_PYTHON)}
    versions = {fw: dist_version(pythons[fw], DIST_NAMES[fw]) for fw in args.frameworks}
    passes = 1 if args.quick else max(1, args.passes)
    results: dict[str, dict[str, float] | None] = {}
    # Sequential on purpose: parallel children would compete for the same cores.
    # The frameworks take turns, pass after pass.
    for number in range(1, passes + 1):
        if passes > 1:
            log(f"== pass {number} of {passes}")
        for fw in args.frameworks:
            if fw in results and results[fw] is None:
                continue  # failed once: reported as failed
            results[fw] = best_of(results.get(fw), run_child(fw, pythons[fw], passthrough))

    print()
    print(
        "In-process ASGI, µs per request (best round mean over"
        f" {passes} pass{'es' if passes > 1 else ''}; lower is better; for"
        " websocket endpoints, µs per echoed message on one open connection). "
        "Ratios are other/ours: >1 means ours is faster."
    )
    print(
        "Versions: "
        + ", ".join(f"{LABELS[fw]} {versions[fw]}" for fw in args.frameworks)
        + f"; Python {platform.python_version()}"
        + (" (--quick)" if args.quick else "")
    )
    print()
    print(render_table(results))
    messages = render_messages_per_second(results)
    if messages:
        print()
        print(messages)

    failed = [fw for fw, data in results.items() if data is None]
    status = 1 if failed else 0
    if failed:
        print(f"\nFAILED: {', '.join(failed)} (see stderr above)")

    if args.json:
        payload = {
            "unit": "microseconds_per_request",
            "quick": args.quick,
            "python": platform.python_version(),
            "versions": versions,
            "results": results,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
        log(f"saved {args.json}")

    if args.check_ratio is not None:
        ours, quart = results.get("ours"), results.get("quart")
        if ours is None or quart is None:
            print(f"\n--check-ratio {args.check_ratio}: cannot check, a run failed")
            return 1
        below = [
            (ep, r)
            for ep in ours
            if (r := ratio(quart.get(ep), ours[ep])) is None or r < args.check_ratio
        ]
        if below:
            detail = ", ".join(f"{ep} {fmt_ratio(r)}" for ep, r in below)
            print(f"\n--check-ratio {args.check_ratio}: FAIL ({detail})")
            return 1
        print(f"\n--check-ratio {args.check_ratio}: ok")
    return status


if __name__ == "__main__":
    sys.exit(main())
