"""Run every fuzz target (or those named in FUZZ_TARGETS) for FUZZ_SECONDS each.

New inputs go to .fuzz-work/<target>/ (not in git); the seed corpus in
fuzz/corpus/<target>/ is read only. A crash is saved as
.fuzz-work/<target>/crash-<sha1> and makes this script exit non-zero:
minimise it (`python fuzz/fuzz_<target>.py -minimize_crash=1 <file>`), add a
regression test under tests/, fix it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE.parent / ".fuzz-work"
TARGETS = sorted(path.stem.removeprefix("fuzz_") for path in HERE.glob("fuzz_*.py"))


def main() -> int:
    seconds = int(os.environ.get("FUZZ_SECONDS", "60"))
    chosen = os.environ.get("FUZZ_TARGETS", "").split() or TARGETS
    failed = []
    for target in chosen:
        work = WORK / target
        work.mkdir(parents=True, exist_ok=True)
        seeds = HERE / "corpus" / target
        command = [
            sys.executable,
            str(HERE / f"fuzz_{target}.py"),
            f"-max_total_time={seconds}",
            "-timeout=20",
            "-print_final_stats=1",
            f"-artifact_prefix={work}/crash-",
            str(work),
            str(seeds),
        ]
        print(f"== {target}: {seconds} s", flush=True)
        result = subprocess.run(command, cwd=HERE, capture_output=True, text=True)
        runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", result.stderr)
        print(f"   {runs.group(1) if runs else '?'} inputs, exit {result.returncode}")
        if result.returncode != 0:
            failed.append(target)
            print(result.stderr[-4000:])
    if failed:
        print(f"findings in: {', '.join(failed)} (inputs in {WORK})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
