"""Instructions per request under valgrind's callgrind: the noise-free figure.

Stdlib only (runs in the project's ``.venv``; normally driven by ``run.py
--callgrind``). For each framework it runs ``inproc.py --callgrind N`` under::

    valgrind --tool=callgrind --collect-atstart=no \\
        --toggle-collect=ffi_call --dump-after=ffi_call ...

``inproc.py`` checks every endpoint, warms it up (100 requests), then runs N
more inside one ctypes callback call, so collection is on exactly while those
N requests run (libffi's ``ffi_call`` is on the C stack then and never
otherwise) and callgrind writes one dump per endpoint. Instructions (``Ir``)
of a dump divided by N is the figure. The first dump, ``_harness``, is a bare
ASGI app driven the same way: the harness's own share of every HTTP row.

Instruction counts do not depend on the machine's load, so two frameworks run
at once (one per core) and a change of a few percent shows. They are not
time: cache misses and branch mispredictions are not in them.

Standalone::

    .venv/bin/python bench/instr.py --only ours -n 100
    .venv/bin/python bench/instr.py --keep /tmp/cg     # keep the dumps for callgrind_annotate
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
INPROC = BENCH_DIR / "inproc.py"

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from endpoints import LABELS  # noqa: E402
from venvs import ensure_ref_venv  # noqa: E402
from venvs import ours_inproc_python  # noqa: E402

FRAMEWORKS = ("ours", "quart", "starlette", "blacksheep", "falcon", "litestar")
MARKER = "ffi_call"
#: Requests per endpoint before the counted ones.
WARMUP = 100


def log(msg: str) -> None:
    """Progress to stderr."""
    print(msg, file=sys.stderr, flush=True)


def valgrind_command(
    python: str, framework: str, n: int, out_dir: Path, endpoints: str
) -> list[str]:
    """The valgrind command line for one framework."""
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--collect-atstart=no",
        f"--toggle-collect={MARKER}",
        f"--dump-after={MARKER}",
        f"--callgrind-out-file={out_dir / framework}.%p",
        python,
        str(INPROC),
        "--framework",
        framework,
        "--callgrind",
        str(n),
        "--callgrind-warmup",
        str(WARMUP),
    ]
    if endpoints:
        cmd += ["--endpoints", endpoints]
    return cmd


def read_total(path: Path) -> int:
    """The ``summary:``/``totals:`` instruction count of one callgrind dump."""
    text = path.read_text(errors="replace")
    match = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
    if match is None:
        raise RuntimeError(f"no totals in {path}")
    return int(match.group(1))


def count_framework(
    framework: str, python: str, n: int, out_dir: Path, endpoints: str
) -> dict[str, float] | None:
    """Run one framework under callgrind; return ``{endpoint: instructions per request}``."""
    env = dict(os.environ)
    for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(var, None)
    env["PYTHONHASHSEED"] = "0"
    cmd = valgrind_command(python, framework, n, out_dir, endpoints)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        log(f"!! callgrind {framework} failed ({proc.returncode}): {proc.stderr[-1500:]}")
        return None
    try:
        meta = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        log(f"!! callgrind {framework}: no JSON on stdout: {proc.stdout[-300:]!r}")
        return None
    dumps = sorted(
        (p for p in out_dir.glob(f"{framework}.*.*") if p.suffix[1:].isdigit()),
        key=lambda p: int(p.suffix[1:]),
    )
    order: list[str] = meta["order"]
    if len(dumps) < len(order):
        log(f"!! callgrind {framework}: {len(dumps)} dumps for {len(order)} endpoints")
        return None
    result = {name: read_total(dump) / meta["n"] for name, dump in zip(order, dumps, strict=False)}
    log(f"  callgrind {framework}: " + ", ".join(f"{k} {v / 1000:.0f}k" for k, v in result.items()))
    return result


def count_all(
    frameworks: list[str], n: int, venv_python: str, endpoints: str = "", keep: Path | None = None
) -> dict[str, dict[str, float] | None]:
    """All frameworks, two at a time (instruction counts do not mind sharing the machine)."""
    if shutil.which("valgrind") is None:
        raise RuntimeError("valgrind is not installed (apt-get install valgrind)")
    pythons = {"ours": str(ours_inproc_python(venv_python))}
    if any(fw != "ours" for fw in frameworks):
        ref = str(ensure_ref_venv(venv_python))
        pythons.update({fw: ref for fw in frameworks if fw != "ours"})
    with tempfile.TemporaryDirectory(prefix="bench-cg-") as tmp:
        out_dir = keep or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        workers = max(1, min(2, os.cpu_count() or 1))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = {
                fw: pool.submit(count_framework, fw, pythons[fw], n, out_dir, endpoints)
                for fw in frameworks
            }
            return {fw: fut.result() for fw, fut in futures.items()}


def render(results: dict[str, dict[str, float] | None]) -> str:
    """Thousands of instructions per request per framework, and other/ours ratios."""
    shown = [fw for fw in FRAMEWORKS if fw in results]
    peers = [fw for fw in shown if fw != "ours"]
    names: list[str] = []
    for data in results.values():
        for name in data or {}:
            if name not in names:
                names.append(name)
    head = ["endpoint", *(f"{LABELS[fw]} kIr" for fw in shown)]
    head += [f"{LABELS[fw]}/ours" for fw in peers]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for name in names:

        def get(fw: str, name: str = name) -> float | None:
            data = results.get(fw)
            return None if data is None else data.get(name)

        values = {fw: get(fw) for fw in shown}
        cells = [name, *("—" if v is None else f"{v / 1000:,.1f}" for v in values.values())]
        ours = get("ours")
        for fw in peers:
            value = get(fw)
            cells.append("—" if value is None or not ours else f"{value / ours:.2f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_mode(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """``run.py --callgrind``: print the table, return (status, JSON section)."""
    frameworks = list(getattr(args, "frameworks", FRAMEWORKS))
    n = args.callgrind_n
    results = count_all(frameworks, n, args.venv_python, getattr(args, "endpoints", ""))
    print()
    print(
        f"## Instructions per request (callgrind)\n\nThousands of instructions (Ir) per request,"
        f" in-process, mean of {n} requests after {WARMUP} warm-up ones; the same harness as the"
        " in-process table (for ws_echo per message, for ws_connect per connection)."
        " `_harness` is a bare ASGI app driven the same way: the driver's share of every HTTP"
        " row. Ratios are other/ours (>1 = ours runs fewer instructions)."
    )
    print()
    print(render(results))
    failed = [fw for fw, data in results.items() if data is None]
    return (1 if failed else 0), {"unit": "instructions_per_request", "n": n, "results": results}


def main(argv: list[str] | None = None) -> int:
    """Standalone: ``instr.py [--only ours] [-n 300] [--keep DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(FRAMEWORKS))
    parser.add_argument("-n", type=int, default=100, help="requests counted per endpoint")
    parser.add_argument("--endpoints", default="", help="comma-separated subset")
    parser.add_argument("--keep", type=Path, help="write the callgrind dumps here")
    parser.add_argument("--venv-python", default=sys.executable)
    args = parser.parse_args(argv)
    frameworks = [fw.strip() for fw in args.only.split(",") if fw.strip()]
    results = count_all(frameworks, args.n, args.venv_python, args.endpoints, args.keep)
    print(render(results))
    return 1 if any(data is None for data in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
