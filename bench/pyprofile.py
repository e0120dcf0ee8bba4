"""Profile one framework's in-process requests with cProfile (where the time goes).

Stdlib only. Uses the same driver as ``inproc.py``: checks the endpoint, warms
it up, then runs N requests under ``cProfile`` and prints the functions by
own time (``tottime``) and by cumulative time, plus the request path's
functions grouped by module (file), as a share of the profiled total.
cProfile's own overhead inflates small, often-called functions; read the
shares, not the absolute times, and compare with ``instr.py`` figures.

Usage::

    .venv/bin/python bench/pyprofile.py --endpoint plaintext -n 20000
    .venv/bin/python bench/pyprofile.py --endpoint json --top 40 --save /tmp/json.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
from collections import defaultdict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import inproc  # noqa: E402
from endpoints import ENDPOINTS  # noqa: E402


def by_module(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time summed per source file (shortened), largest first."""
    totals: dict[str, float] = defaultdict(float)
    raw = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        path = str(filename)
        for marker in ("/src/", "/site-packages/", "/lib/python3"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        totals[path] += tottime
    return sorted(totals.items(), key=lambda kv: -kv[1])


def main(argv: list[str] | None = None) -> int:
    """Profile N requests of one endpoint and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="ours", choices=inproc.FRAMEWORKS)
    parser.add_argument("--endpoint", default="plaintext", choices=list(ENDPOINTS))
    parser.add_argument("-n", type=int, default=20000, help="profiled requests")
    parser.add_argument("--top", type=int, default=30, help="rows per table")
    parser.add_argument("--save", type=Path, help="also dump the raw profile here")
    args = parser.parse_args(argv)

    app, description, _ = inproc.load_app(args.framework)
    ep = ENDPOINTS[args.endpoint]
    loop = asyncio.new_event_loop()
    lifespan = inproc.Lifespan(app)
    loop.run_until_complete(lifespan.startup())
    loop.run_until_complete(inproc.verify_any(app, args.endpoint, ep, lifespan.state))
    ctx = inproc.open_batch(app, ep, lifespan.state)
    batch = loop.run_until_complete(ctx.__aenter__())
    loop.run_until_complete(batch(2000))

    profiler = cProfile.Profile()
    profiler.enable()
    loop.run_until_complete(batch(args.n))
    profiler.disable()
    loop.run_until_complete(ctx.__aexit__(None, None, None))
    loop.run_until_complete(lifespan.shutdown())
    loop.close()

    if args.save:
        profiler.dump_stats(str(args.save))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"# {description}: {args.endpoint}, {args.n} requests, profiled total {total:.2f}s")
    print(f"# = {total / args.n * 1e6:.1f} µs/request under cProfile\n")
    print("## own time by file\n")
    for path, seconds in by_module(stats)[: args.top]:
        print(f"{seconds / total * 100:5.1f}%  {path}")
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out.seek(0)
        out.truncate()
        stats.sort_stats(key).print_stats(args.top)
        print(f"\n## functions by {title}\n")
        print(out.getvalue().split("\n\n", 1)[-1].strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
