"""Run one case under this interpreter and print its observation as JSON.

``python tools/compat/child.py CASE [--timeout SECONDS]`` imports
``cases`` (this folder is ``sys.path[0]``, so ``quart`` is whichever package
this interpreter has), runs the case on a fresh event loop and prints one line
``COMPAT-RESULT {json}``. ``--list`` prints the case names instead.

Besides what the case records, the observation has ``outcome`` (``"ok"``,
``"timeout"`` or the exception the case raised), the warnings issued during the
case and the log records of level WARNING and up (first line of each message).
The process ends with ``os._exit`` right after printing (from inside the loop), so a task the case
left behind cannot hang the interpreter's shutdown.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import warnings
from typing import Any

MARKER = "COMPAT-RESULT "


class _Records(logging.Handler):
    """Keeps ``[logger, level, first line]`` of every record it handles."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[list[str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        first = record.getMessage().splitlines()[0] if record.getMessage() else ""
        self.records.append([record.name, record.levelname, first])


async def _run(name: str, timeout: float) -> None:
    """Run case ``name``, print its observation and end the process."""
    import cases
    from harness import exc_obs
    from harness import jsonable

    obs: dict[str, Any] = {}
    handler = _Records()
    logging.getLogger().addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            await asyncio.wait_for(cases.CASES[name](obs), timeout)
        except TimeoutError:
            obs["outcome"] = "timeout"
        except (Exception, asyncio.CancelledError) as exc:
            obs["outcome"] = exc_obs(exc)
        else:
            obs["outcome"] = "ok"
    logging.getLogger().removeHandler(handler)
    # Tasks the case left running (a test client that does not clean up).
    await asyncio.sleep(0.05)
    obs["leftover_tasks"] = len(asyncio.all_tasks()) - 1
    obs["warnings"] = [
        [w.category.__name__, str(w.message)]
        for w in caught
        if not issubclass(w.category, ResourceWarning)
    ]
    obs["logs"] = handler.records
    result = {str(key): jsonable(value) for key, value in obs.items()}
    print(MARKER + json.dumps(result, sort_keys=True))
    sys.stdout.flush()
    sys.stderr.flush()
    # Not a return: the loop's shutdown would wait for leftover tasks.
    os._exit(0)


def main() -> None:
    """Entry point: run one case, or list the cases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--list", action="store_true", help="print the case names")
    args = parser.parse_args()
    if args.list:
        import cases

        print("\n".join(cases.CASES))
        sys.stdout.flush()
        os._exit(0)
    if args.case is None:
        parser.error("a case name is required")
    asyncio.run(_run(args.case, args.timeout))


if __name__ == "__main__":
    main()
