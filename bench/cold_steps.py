"""Cache misses per step of a cold request, under callgrind's cache simulator.

Instructions per request (``instr.py``) are counted with every cache warm:
back to back, a request finds what the previous one touched. Between two
requests of a real server the server's own work and the kernel's evict much
of it, and then what a request costs is mostly how much memory it touches
(bench/NOTES.md, "Session 7" and "Session 8"). This script shows where, step
by step of the request path:

* it copies ``src/`` and ``bench/`` to a temporary directory and, in the copy,
  puts a marker call after each step listed in ``STEPS`` (``os.getppid()``,
  a system call nothing on the request path makes; the anchors are lines of
  today's source, and a missing one is an error, not a silent gap);
* it runs N requests to one endpoint under::

      valgrind --tool=callgrind --cache-sim=yes --collect-atstart=no \\
          --toggle-collect=ffi_call --dump-before=getppid ...

  each request run inside ``inproc.run_marked`` (collection on) after 24 MB
  were written outside it (so nothing of the previous request is cached),
  so callgrind writes one dump per step per request;
* it adds the dumps up by step, and runs Starlette and a bare ASGI app the
  same way (whole requests) for comparison.

The cache is callgrind's model (I1 32 KB, D1 48 KB, a 2 MB last level), not
this machine's; the figures do not move with the machine's load. Each marker
adds a Python call (about 0.2k instructions) to its step.

Usage::

    .venv/bin/python bench/cold_steps.py              # plaintext, 60 requests
    .venv/bin/python bench/cold_steps.py --endpoint json -n 100
    .venv/bin/python bench/cold_steps.py --keep /tmp/cold   # keep the dumps (callgrind_annotate)
    .venv/bin/python bench/cold_steps.py --venv-python python3.13   # on another Python
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

#: The last-level cache simulated: big enough that only what the flush evicted misses.
CACHES = ("--I1=32768,8,64", "--D1=49152,12,64", "--LL=2097152,16,64")
#: Bytes written between two requests (outside the counted region).
FLUSH_BYTES = 24 * 1024 * 1024
#: Requests before the counted ones (markers off).
WARMUP = 500
EVENTS = ("Ir", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")
MARKER_MODULE = "_bench_steps"


@dataclass(frozen=True)
class Step:
    """A marker: ``label`` is the step that ends at it; it goes just before
    or after the ``nth`` line of ``path`` whose text (stripped) is ``line``."""

    label: str
    path: str
    line: str
    where: str = "after"
    nth: int = 0


#: The HTTP request path, in the order a request crosses the markers. The
#: last step runs from the last marker to the end of the request.
STEPS = (
    Step(
        "Quart.__call__, asgi_app, request_from_scope",
        "quart/asgi/_http.py",
        "request, no_body = request_from_scope(app, scope, push)",
    ),
    Step("body source, watchdog", "quart/asgi/_http.py", "request._body_deadline = dog"),
    Step(
        "RequestContext, push, URL match",
        "quart/_app/pipeline.py",
        "error: BaseException | None = None",
    ),
    Step(
        "request_started, before_request hooks",
        "quart/_app/pipeline.py",
        "if self.dispatch is dispatch_request:",
        where="before",
    ),
    Step(
        "view",
        "quart/_app/pipeline.py",
        "result = await (call(**view_args) if view_args else call())",
    ),
    Step(
        "make_response",
        "quart/_app/pipeline.py",
        "after_funcs = ctx._after_funcs",
        where="before",
    ),
    Step(
        "after_request, session save",
        "quart/_app/pipeline.py",
        "result = await self.full_dispatch(app, ctx)",
    ),
    Step(
        "teardown, pop",
        "quart/asgi/_http.py",
        "await send_response(app, request, response, send)",
        where="before",
    ),
    Step("headers encoded, response start sent", "quart/asgi/_http.py", "await send(start)", nth=1),
)
LAST_STEP = "body sent, watchdog done, return"


def log(msg: str) -> None:
    """Progress to stderr."""
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the patched copy


def patch_source(src: Path) -> list[tuple[str, int]]:
    """Put the markers of ``STEPS`` into the copy of ``src/`` at ``src``;
    return where each went (path, 1-based line), in the order of ``STEPS``.
    Raises ``LookupError`` for an anchor that is not there."""
    (src / "quart" / f"{MARKER_MODULE}.py").write_text(
        "import os\n\nON = [False]\n_getppid = os.getppid\n\n\n"
        "def step() -> None:\n    if ON[0]:\n        _getppid()\n"
    )
    by_file: dict[str, list[Step]] = {}
    for step in STEPS:
        by_file.setdefault(step.path, []).append(step)
    placed: dict[Step, tuple[str, int]] = {}
    for relative, steps in by_file.items():
        path = src / relative
        lines = path.read_text().split("\n")
        inserts: list[tuple[int, Step, str]] = []
        for step in steps:
            found = [i for i, text in enumerate(lines) if text.strip() == step.line]
            if len(found) <= step.nth:
                raise LookupError(
                    f"{relative}: no line {step.nth + 1} reading {step.line!r}"
                    f" (the marker for {step.label!r}): update bench/cold_steps.py STEPS"
                )
            index = found[step.nth]
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            at = index + 1 if step.where == "after" else index
            inserts.append((at, step, f"{indent}_bench_step()"))
        # The import goes after ``from __future__``; the markers, bottom up,
        # so that the indexes found stay right.
        future = next(i for i, text in enumerate(lines) if text.startswith("from __future__"))
        for at, _, text in sorted(inserts, key=lambda insert: -insert[0]):
            lines.insert(at, text)
        lines.insert(future + 1, f"from quart.{MARKER_MODULE} import step as _bench_step")
        # Each marker's final line: one for the import, one per marker above it.
        for at, step, _ in inserts:
            above = sum(1 for other, _, _ in inserts if other < at)
            placed[step] = (relative, at + 1 + above + 1)
        path.write_text("\n".join(lines))
    return [placed[step] for step in STEPS]


def make_copy(where: Path) -> Path:
    """Copy ``src/`` and ``bench/`` (without venvs and results) under
    ``where``, patch the markers in; return the copy's bench directory."""
    shutil.copytree(ROOT / "src", where / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(
        BENCH_DIR,
        where / "bench",
        ignore=shutil.ignore_patterns(".venv*", "results", "__pycache__"),
    )
    patch_source(where / "src")
    return where / "bench"


# --------------------------------------------------------------------------- the driver


def driver(framework: str, endpoint: str, n: int) -> None:
    """Run in valgrind: N cold requests, each inside ``run_marked``, each
    followed by an end marker (collection is off there: it only dumps)."""
    sys.path.insert(0, str(BENCH_DIR))
    import inproc
    from endpoints import ENDPOINTS

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    state: dict[str, Any] = {}
    markers: Any = None
    if framework == "raw":
        app: Any = inproc._null_app
    else:
        app, _, _ = inproc.load_app(framework)
        lifespan = inproc.Lifespan(app)
        loop.run_until_complete(lifespan.startup())
        state = lifespan.state
        if framework == "ours":
            import importlib

            markers = importlib.import_module(f"quart.{MARKER_MODULE}")
    ep = ENDPOINTS[endpoint]
    scope = inproc.build_scope(ep)
    request = {"type": "http.request", "body": ep.body, "more_body": False}
    flush = bytearray(FLUSH_BYTES)
    ones = b"\x01" * (FLUSH_BYTES // 64)

    async def one() -> int | None:
        exchange = inproc.Exchange(request)
        await app({**scope, "state": state.copy()}, exchange.receive, exchange.send)
        return exchange.status

    for _ in range(WARMUP):
        status = loop.run_until_complete(one())
    if framework != "raw" and status != ep.status:
        raise SystemExit(f"{framework} answered {endpoint} with {status}, not {ep.status}")

    async def measure() -> None:
        # In the loop's task, as a server's request would run: each request
        # runs in one step of its own, inside run_marked.
        if markers is not None:
            markers.ON[0] = True
        end = os.getppid
        for _ in range(n):
            flush[::64] = ones
            coro = one()

            def step(coro: Any = coro) -> None:
                try:
                    coro.send(None)
                except StopIteration:
                    return
                raise SystemExit("the request suspended: it must run in one step")

            inproc.run_marked(step)
            end()
        if markers is not None:
            markers.ON[0] = False

    loop.run_until_complete(measure())
    loop.close()


# --------------------------------------------------------------------------- running and reading


def run_valgrind(
    python: str, script: Path, framework: str, endpoint: str, n: int, out: Path
) -> None:
    """Run the driver under callgrind, dumps to ``out.N``."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--cache-sim=yes",
        *CACHES,
        "--collect-atstart=no",
        "--toggle-collect=ffi_call",
        "--dump-before=getppid",
        f"--callgrind-out-file={out}",
        python,
        str(script),
        "--driver",
        framework,
        "--endpoint",
        endpoint,
        "-n",
        str(n),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{framework}: valgrind failed:\n{result.stderr[-3000:]}")


def read_dumps(out: Path) -> list[dict[str, int]]:
    """The event totals of each numbered dump ``out.N``, in order."""
    from wire_instr import read_events

    numbered = []
    for path in out.parent.glob(f"{out.name}.*"):
        suffix = path.name.rsplit(".", 1)[1]
        if suffix.isdigit():
            numbered.append((int(suffix), path))
    return [read_events(path) for _, path in sorted(numbered)]


def by_step(dumps: list[dict[str, int]], steps: int, skip: int) -> list[dict[str, float]]:
    """Per-request mean of each event for each of ``steps`` steps (dumps
    come ``steps`` per request, in order); the first ``skip`` requests are
    left out (their code paths may still be specializing)."""
    if len(dumps) % steps:
        raise SystemExit(f"{len(dumps)} dumps is not a whole number of requests of {steps} steps")
    requests = len(dumps) // steps - skip
    if requests <= 0:
        raise SystemExit("no request left to count: raise -n")
    sums = [dict.fromkeys(EVENTS, 0.0) for _ in range(steps)]
    for r in range(skip, skip + requests):
        for s in range(steps):
            for event in EVENTS:
                sums[s][event] += dumps[r * steps + s].get(event, 0)
    return [{event: value / requests for event, value in step.items()} for step in sums]


def cycles(row: dict[str, float]) -> float:
    """Callgrind's cycle estimate without branch simulation: an L1 miss 10
    cycles, a last-level miss 100."""
    l1 = row["I1mr"] + row["D1mr"] + row["D1mw"]
    ll = row["ILmr"] + row["DLmr"] + row["DLmw"]
    return row["Ir"] + 10 * l1 + 100 * ll


def table(rows: list[tuple[str, dict[str, float]]]) -> str:
    """A Markdown table of ``rows`` (label, events), in thousands for Ir and cycles."""
    head = (
        "| step | Ir (k) | I1 misses | D1 read misses | LL instr misses"
        " | LL data read misses | est. cycles (k) |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|"]
    for label, row in rows:
        lines.append(
            f"| {label} | {row['Ir'] / 1000:.1f} | {row['I1mr']:.0f} | {row['D1mr']:.0f}"
            f" | {row['ILmr']:.0f} | {row['DLmr']:.0f} | {cycles(row) / 1000:.0f} |"
        )
    return "\n".join(lines)


def total(rows: list[dict[str, float]]) -> dict[str, float]:
    """The events of ``rows`` added up."""
    return {event: sum(row[event] for row in rows) for event in EVENTS}


def main(argv: list[str] | None = None) -> int:
    """Measure and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="plaintext")
    parser.add_argument("-n", type=int, default=60, help="requests counted (the first 5 skipped)")
    parser.add_argument("--driver", choices=("ours", "starlette", "raw"), help=argparse.SUPPRESS)
    parser.add_argument("--no-peers", action="store_true", help="ours only")
    parser.add_argument("--keep", type=Path, help="copy the callgrind dumps here")
    parser.add_argument(
        "--venv-python",
        default=sys.executable,
        help="another Python version (its own venvs, as instr.py's)",
    )
    args = parser.parse_args(argv)
    if args.driver:
        driver(args.driver, args.endpoint, args.n)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    sys.path.insert(0, str(BENCH_DIR))
    from endpoints import ENDPOINTS
    from venvs import ensure_ref_venv
    from venvs import ours_inproc_python

    ep = ENDPOINTS[args.endpoint]
    if ep.kind != "http" or ep.vary_path:
        raise SystemExit(f"{args.endpoint}: only HTTP endpoints at a fixed path")
    skip = 5
    with tempfile.TemporaryDirectory(prefix="cold-steps-") as tmp:
        where = Path(tmp)
        copy = make_copy(where)
        ours_python = str(ours_inproc_python(args.venv_python))
        log(f"ours: {args.n} cold {args.endpoint} requests under callgrind (about a minute)")
        script = copy / "cold_steps.py"
        run_valgrind(ours_python, script, "ours", args.endpoint, args.n, where / "ours")
        steps = by_step(read_dumps(where / "ours"), len(STEPS) + 1, skip)
        rows = [(step.label, row) for step, row in zip(STEPS, steps, strict=False)]
        rows.append((LAST_STEP, steps[-1]))
        rows.append(("**whole request**", total(steps)))
        print(f"ours, {args.endpoint}, per cold request ({args.n - skip} counted):\n")
        print(table(rows))
        if args.no_peers:
            _keep(where, args.keep)
            return 0
        peers: list[tuple[str, dict[str, float]]] = []
        others = [("starlette", str(ensure_ref_venv(args.venv_python)))]
        if args.endpoint == "plaintext":  # What the bare app answers.
            others.append(("raw", ours_python))
        for framework, python in others:
            log(f"{framework}: the same, whole requests")
            script = BENCH_DIR / "cold_steps.py"
            run_valgrind(python, script, framework, args.endpoint, args.n, where / framework)
            peers.append((framework, total(by_step(read_dumps(where / framework), 1, skip))))
        peers.append(("ours", total(steps)))
        _keep(where, args.keep)
        print(f"\nwhole requests, {args.endpoint} (raw: a bare ASGI app, the harness's share):\n")
        print(table(peers).replace("| step |", "| framework |", 1))
    return 0


def _keep(where: Path, keep: Path | None) -> None:
    """Copy the dumps (``ours.N``, ``starlette.N``...) to ``keep``."""
    if keep is None:
        return
    keep.mkdir(parents=True, exist_ok=True)
    for path in where.iterdir():
        if path.is_file():
            shutil.copy2(path, keep / path.name)


if __name__ == "__main__":
    sys.exit(main())
