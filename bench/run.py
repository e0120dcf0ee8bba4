"""The bench's entry point: in-process table (default) and every other mode.

Stdlib only (runs in the project's ``.venv``). Modes:

* default / ``--inproc``: the in-process ASGI benchmark of ours against real
  Quart, Starlette, BlackSheep, Falcon and Litestar (``inproc.py``, one child
  process per framework, frameworks taking turns over ``--passes``).
* ``--wire``: over the wire with wrk on uvicorn, granian and Hypercorn (``wire.py``).
* ``--large``: 10 MB ``send_file`` and a streamed response on uvicorn (``wire.py``).
* ``--callgrind``: instructions per request under callgrind (``instr.py``).
* ``--wire-instr``: the server's instructions per request over the wire, under
  callgrind (``wire_instr.py``).
* ``--import-time``: wall time of ``import <framework>`` (``importtime.py``).
* ``--all``: all of the above, in that order.

Every mode prints its Markdown table, merges its figures into
``bench/results/results.json`` and redraws ``bench/results/ratios.png``
(``chart.py``, in ``bench/.venv-ours``, which has matplotlib).

The venvs: ours in-process runs from the project's ``.venv`` (``src/`` first
on ``sys.path``); the peers run from ``bench/.venv-ref`` and the servers for
ours from ``bench/.venv-ours`` (see ``venvs.py``); both are created on first use.

Examples::

    python3 bench/run.py                   # in-process comparison
    python3 bench/run.py --quick           # smoke run
    python3 bench/run.py --only ours       # just this package
    python3 bench/run.py --json out.json --check-ratio 3
    python3 bench/run.py --all             # everything (~18 min)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
INPROC = BENCH_DIR / "inproc.py"
RESULTS_DIR = BENCH_DIR / "results"
RESULTS_JSON = RESULTS_DIR / "results.json"
CHART_PNG = RESULTS_DIR / "ratios.png"

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from endpoints import LABELS  # noqa: E402
from venvs import ensure_ours_venv  # noqa: E402
from venvs import ensure_ref_venv  # noqa: E402
from venvs import ours_inproc_python  # noqa: E402
from venvs import python_version  # noqa: E402

FRAMEWORKS = ("ours", "quart", "starlette", "blacksheep", "falcon", "litestar")
PEERS = FRAMEWORKS[1:]
DIST_NAMES = {fw: ("quart" if fw == "ours" else fw) for fw in FRAMEWORKS}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


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
    """The in-process table: µs per framework, then other/ours ratios, then a geomean row."""
    endpoints: list[str] = []
    for data in results.values():
        for name in data or {}:
            if name not in endpoints:
                endpoints.append(name)
    shown = [fw for fw in FRAMEWORKS if fw in results]
    peers = [fw for fw in shown if fw != "ours"]

    def get(fw: str, ep: str) -> float | None:
        data = results.get(fw)
        return None if data is None else data.get(ep)

    head = ["endpoint", *(f"{LABELS[fw]} µs" for fw in shown)]
    head += [f"{LABELS[fw]}/ours" for fw in peers]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    ratios: dict[str, list[float]] = {fw: [] for fw in peers}
    for ep in endpoints:
        ours = get("ours", ep)
        cells = [ep, *(fmt_us(get(fw, ep)) for fw in shown)]
        for fw in peers:
            r = ratio(get(fw, ep), ours)
            if r is not None:
                ratios[fw].append(r)
            cells.append(fmt_ratio(r))
        lines.append("| " + " | ".join(cells) + " |")
    if any(ratios.values()):
        cells = ["*geomean*", *("" for _ in shown)]
        cells += [fmt_ratio(geomean(ratios[fw])) for fw in peers]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def websocket_endpoints() -> set[str]:
    """Names of the endpoints measured per websocket message (see endpoints.py)."""
    sys.path.insert(0, str(BENCH_DIR))
    try:
        from endpoints import ENDPOINTS
    finally:
        sys.path.remove(str(BENCH_DIR))
    return {name for name, ep in ENDPOINTS.items() if ep.kind.startswith("websocket")}


def render_messages_per_second(results: dict[str, dict[str, float] | None]) -> str:
    """The websocket rows again, as messages per second (higher is better)."""
    lines = []
    for name in sorted(websocket_endpoints()):
        unit = "connections/s" if name == "ws_connect" else "messages/s"
        cells = []
        for fw in FRAMEWORKS:
            data = results.get(fw)
            value = None if data is None else data.get(name)
            if fw in results:
                cells.append(f"{LABELS[fw]} {1e6 / value:,.0f}" if value else f"{LABELS[fw]} —")
        if any(not cell.endswith("—") for cell in cells):
            lines.append(f"{name}, {unit} (higher is better): " + ", ".join(cells))
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
        help="run only this framework (ours, quart, starlette, blacksheep, falcon, litestar);"
        " repeatable or comma-separated",
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
        default=None,
        help="interpreter for 'ours' in-process (default: the project's .venv, or for"
        " another --venv-python version bench/.venv-ours-X.Y)",
    )
    parser.add_argument(
        "--venv-python",
        default=sys.executable,
        help="interpreter the bench's venvs are made with, so the Python every figure is"
        " taken on (default: this one; another version gets venvs of its own, venvs.py)",
    )
    modes = parser.add_argument_group("modes (default: --inproc)")
    modes.add_argument("--inproc", action="store_true", help="the in-process table")
    modes.add_argument("--wire", action="store_true", help="over the wire (wrk; wire.py)")
    modes.add_argument(
        "--large", action="store_true", help="10 MB file and stream on uvicorn (wire.py)"
    )
    modes.add_argument(
        "--callgrind", action="store_true", help="instructions per request (instr.py)"
    )
    modes.add_argument(
        "--wire-instr",
        action="store_true",
        help="server instructions per request over the wire (wire_instr.py)",
    )
    modes.add_argument(
        "--import-time", action="store_true", help="import time per framework (importtime.py)"
    )
    modes.add_argument("--all", action="store_true", help="every mode, in the order above")
    parser.add_argument(
        "--no-save",
        action="store_true",
        help="do not update bench/results/results.json and ratios.png",
    )
    wire_opts = parser.add_argument_group("wire / large options")
    wire_opts.add_argument(
        "--duration", type=float, default=5.0, help="wrk seconds per measurement (default 5)"
    )
    wire_opts.add_argument(
        "--warmup", type=float, default=1.0, help="wrk warm-up seconds before each (default 1)"
    )
    wire_opts.add_argument(
        "--connections", type=int, default=64, help="wrk connections (default 64)"
    )
    wire_opts.add_argument(
        "--wire-rounds",
        type=int,
        default=1,
        help="over the wire: best of N rounds, the frameworks taking turns (default 1)",
    )
    wire_opts.add_argument(
        "--servers", default="uvicorn,granian,hypercorn", help="comma list of servers"
    )
    wire_opts.add_argument(
        "--wire-endpoints",
        default="plaintext,json,json_echo,template",
        help="comma list of endpoints for --wire and --wire-instr",
    )
    cg_opts = parser.add_argument_group("callgrind options")
    cg_opts.add_argument(
        "--callgrind-n", type=int, default=100, help="requests counted per endpoint (default 100)"
    )
    import wire_instr

    wire_instr.add_options(parser)
    imp_opts = parser.add_argument_group("import-time options")
    imp_opts.add_argument(
        "--import-runs", type=int, default=9, help="runs per framework, median kept (default 9)"
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
    if args.ours_python is None:
        args.ours_python = str(ours_inproc_python(args.venv_python))
    if args.check_ratio is not None and not {"ours", "quart"} <= set(args.frameworks):
        parser.error("--check-ratio needs both 'ours' and 'quart' to run")
    return args


def run_inproc(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """The in-process comparison: print its table; return (exit status, JSON section)."""
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

    ref = str(ensure_ref_venv(args.venv_python)) if set(PEERS) & set(args.frameworks) else ""
    pythons = {fw: ref for fw in PEERS}
    pythons["ours"] = args.ours_python
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
        "## In-process ASGI\n\nµs per request (best round mean over"
        f" {passes} pass{'es' if passes > 1 else ''}; lower is better; for"
        " ws_echo µs per echoed message on one open connection, for ws_connect µs per"
        " connection opened, accepted and closed). "
        "Ratios are other/ours: >1 means ours is faster; — = not supported or failed."
    )
    print(
        "Versions: "
        + ", ".join(f"{LABELS[fw]} {versions[fw]}" for fw in args.frameworks)
        + f"; Python {python_version(args.venv_python)}"
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

    payload: dict[str, Any] = {
        "unit": "microseconds_per_request",
        "quick": args.quick,
        "passes": passes,
        "python": python_version(args.venv_python),
        "versions": versions,
        "results": results,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
        log(f"saved {args.json}")

    if args.check_ratio is not None:
        ours, quart = results.get("ours"), results.get("quart")
        if ours is None or quart is None:
            print(f"\n--check-ratio {args.check_ratio}: cannot check, a run failed")
            return 1, payload
        below = [
            (ep, r)
            for ep in ours
            if (r := ratio(quart.get(ep), ours[ep])) is None or r < args.check_ratio
        ]
        if below:
            detail = ", ".join(f"{ep} {fmt_ratio(r)}" for ep, r in below)
            print(f"\n--check-ratio {args.check_ratio}: FAIL ({detail})")
            return 1, payload
        print(f"\n--check-ratio {args.check_ratio}: ok")
    return status, payload


def save_section(name: str, section: dict[str, Any], python: str) -> None:
    """Merge one mode's figures, taken on Python ``python`` (a version),
    into bench/results/results.json (other modes kept)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    data: dict[str, Any] = {}
    if RESULTS_JSON.exists():
        try:
            data = json.loads(RESULTS_JSON.read_text())
        except ValueError:
            data = {}
    data[name] = {**section, "taken": time.strftime("%Y-%m-%d %H:%M:%S")}
    data["machine"] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": python,
    }
    RESULTS_JSON.write_text(json.dumps(data, indent=2) + "\n")
    log(f"saved {RESULTS_JSON.relative_to(ROOT)}")


def draw_chart(venv_python: str) -> None:
    """Redraw bench/results/ratios.png from results.json (matplotlib, in .venv-ours)."""
    try:
        python = ensure_ours_venv(venv_python)
    except subprocess.CalledProcessError as exc:
        log(f"chart skipped: could not set up bench/.venv-ours ({exc})")
        return
    proc = subprocess.run(
        [str(python), str(BENCH_DIR / "chart.py"), str(RESULTS_JSON), str(CHART_PNG)],
        env=child_env(),
        check=False,
    )
    if proc.returncode == 0:
        log(f"saved {CHART_PNG.relative_to(ROOT)}")
    else:
        log(f"chart failed (exit {proc.returncode})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    every = ["inproc", "wire", "large", "callgrind", "wire_instr", "import_time"]
    modes = list(every) if args.all else []
    for mode in every:
        if getattr(args, mode) and mode not in modes:
            modes.append(mode)
    if not modes:
        modes = ["inproc"]
    status = 0
    started = time.monotonic()
    for mode in modes:
        mode_started = time.monotonic()
        if mode == "inproc":
            code, section = run_inproc(args)
        elif mode in ("wire", "large"):
            import wire

            code, section = wire.run_mode(mode, args)
        elif mode == "callgrind":
            import instr

            code, section = instr.run_mode(args)
        elif mode == "wire_instr":
            import wire_instr

            code, section = wire_instr.run_mode(args)
        else:
            import importtime

            code, section = importtime.run_mode(args)
        status = status or code
        log(f"({mode}: {time.monotonic() - mode_started:.0f}s)")
        if not args.no_save:
            save_section(mode, section, python_version(args.venv_python))
    if not args.no_save:
        draw_chart(args.venv_python)
        import report

        if report.write_readme():
            log("rewrote README.md's bench block (bench/report.py)")
    log(f"(total {time.monotonic() - started:.0f}s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
