"""What the framework's signals cost per request, with and without receivers.

One ``GET /plaintext`` on this package (in-process, the ``inproc.py``
harness), in four set-ups:

- ``none``: nobody listens to any signal (the default);
- ``other-app``: no-op receivers for *another* app's request signals (so
  each send happens, and finds no receiver for this app);
- ``started``: one no-op receiver on this app's ``request_started``;
- ``all``: no-op receivers on every signal a request sends
  (``appcontext_pushed``/``_popped``/``_tearing_down``, ``request_started``,
  ``request_finished``, ``request_tearing_down``).

``guards``: what ``none`` pays for signals at all, measured directly: the
``if signal.receivers:`` checks a request makes, timed alone.

Timing (default): µs per request, best of ``--rounds`` rounds, set-ups
interleaved. ``--callgrind``: instructions per request under valgrind's
callgrind (``inproc.py``'s marker), noise-free::

    .venv/bin/python bench/signals.py                 # ~20 s
    .venv/bin/python bench/signals.py --callgrind     # ~1 min, needs valgrind
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH_DIR))

from endpoints import ENDPOINTS  # noqa: E402
from inproc import build_scope  # noqa: E402
from inproc import Exchange  # noqa: E402
from inproc import run_marked  # noqa: E402

SETUPS = ("none", "other-app", "started", "all")
#: The signals one plain request sends (each guarded by ``if signal.receivers``).
REQUEST_SIGNALS = (
    "appcontext_pushed",
    "request_started",
    "request_finished",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_popped",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_app(setup: str) -> tuple[Any, Callable[[], None]]:
    """The bench app with ``setup``'s receivers; and a function disconnecting them."""
    from quart import Quart
    from quart import signals

    app = Quart("signals_bench")

    @app.get("/plaintext")
    async def plaintext() -> tuple[str, int, dict[str, str]]:
        return "Hello, World!", 200, {"Content-Type": "text/plain"}

    def receiver(sender: Any, **extra: Any) -> None:
        return None

    names: tuple[str, ...] = ()
    sender: Any = app
    if setup == "other-app":
        names, sender = REQUEST_SIGNALS, Quart("someone_else")
    elif setup == "started":
        names = ("request_started",)
    elif setup == "all":
        names = REQUEST_SIGNALS
    connected = [getattr(signals, name) for name in names]
    for signal in connected:
        signal.connect(receiver, sender=sender, weak=False)

    def disconnect() -> None:
        for signal in connected:
            signal.disconnect(receiver)  # From every sender: see the README.

    app._bench_keep = (sender, receiver)  # type: ignore[attr-defined]
    return app, disconnect


def batch_for(app: Any) -> Callable[[int], Any]:
    endpoint = ENDPOINTS["plaintext"]
    scope = build_scope(endpoint)
    request = {"type": "http.request", "body": b"", "more_body": False}

    async def batch(n: int) -> None:
        for _ in range(n):
            exchange = Exchange(request)
            await app(dict(scope), exchange.receive, exchange.send)
            if exchange.status != 200:
                raise RuntimeError(f"status {exchange.status}")

    return batch


def guard_seconds(n: int) -> float:
    """Seconds for ``n`` requests' worth of ``if signal.receivers:`` checks
    (written out as the framework writes them, plus this loop's own cost)."""
    from quart import signals

    start = time.perf_counter()
    for _ in range(n):
        if signals.appcontext_pushed.receivers:
            raise RuntimeError("a receiver is connected")
        if signals.request_started.receivers:
            raise RuntimeError("a receiver is connected")
        if signals.request_finished.receivers:
            raise RuntimeError("a receiver is connected")
        if signals.request_tearing_down.receivers:
            raise RuntimeError("a receiver is connected")
        if signals.appcontext_tearing_down.receivers:
            raise RuntimeError("a receiver is connected")
        if signals.appcontext_popped.receivers:
            raise RuntimeError("a receiver is connected")
    return time.perf_counter() - start


def timing(rounds: int, n: int) -> dict[str, float]:
    loop = asyncio.new_event_loop()
    best = dict.fromkeys([*SETUPS, "guards"], float("inf"))
    for _ in range(rounds):
        for setup in SETUPS:  # Interleaved, so drift spreads over all of them.
            app, disconnect = make_app(setup)
            batch = batch_for(app)
            loop.run_until_complete(batch(200))
            gc.collect()
            start = time.perf_counter()
            loop.run_until_complete(batch(n))
            best[setup] = min(best[setup], (time.perf_counter() - start) / n * 1e6)
            disconnect()
        best["guards"] = min(best["guards"], guard_seconds(n) / n * 1e6)
    loop.close()
    return best


def callgrind_worker(n: int) -> None:
    """Under callgrind: one marked run of ``n`` requests per set-up (one dump each)."""
    loop = asyncio.new_event_loop()
    for setup in SETUPS:
        app, disconnect = make_app(setup)
        batch = batch_for(app)
        loop.run_until_complete(batch(200))
        gc.collect()
        run_marked(lambda batch=batch: loop.run_until_complete(batch(n)))  # type: ignore[misc]
        disconnect()
    run_marked(lambda: guard_seconds(n))
    loop.close()
    print(json.dumps({"order": [*SETUPS, "guards"], "n": n}))


def callgrind(n: int) -> dict[str, float]:
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as out:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=ffi_call",
            "--dump-after=ffi_call",
            f"--callgrind-out-file={out}/signals.%p",
            sys.executable,
            str(Path(__file__).resolve()),
            "--callgrind-worker",
            str(n),
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        meta = json.loads(done.stdout.strip().splitlines()[-1])
        dumps = sorted(Path(out).glob("signals.*.*"), key=lambda path: int(path.suffix[1:]))
        totals = []
        for dump in dumps:
            found = re.search(r"^(?:summary|totals):\s+(\d+)", dump.read_text(), re.M)
            assert found is not None, dump
            totals.append(int(found.group(1)))
    return {name: total / meta["n"] for name, total in zip(meta["order"], totals, strict=True)}


def render(figures: dict[str, float], unit: str, digits: int) -> str:
    base = figures["none"]
    lines = [f"| set-up | {unit} per request | vs none |", "|---|---:|---:|"]
    for name, value in figures.items():
        extra = "" if name in ("none", "guards") else f"{value - base:+.{digits}f}"
        if name == "guards":
            extra = f"{value / base:.2%} of none"
        lines.append(f"| {name} | {value:,.{digits}f} | {extra} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callgrind", action="store_true", help="instructions, not time")
    parser.add_argument("-n", type=int, default=0, help="requests per round / marked run")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (best kept)")
    parser.add_argument("--callgrind-worker", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.callgrind_worker:
        callgrind_worker(args.callgrind_worker)
    elif args.callgrind:
        print(render(callgrind(args.n or 500), "instructions", 0))
    else:
        print(render(timing(args.rounds, args.n or 3000), "µs", 2))


if __name__ == "__main__":
    main()
