"""README's speed block is the committed bench run (``bench/report.py``).

A run of ``make bench-all`` rewrites both ``bench/results/results.json`` and
the README block; these tests fail when one is committed without the other,
or when the block's figures are not the file's.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

from scripts import load_script

ROOT = Path(__file__).resolve().parent.parent


def _report() -> ModuleType:
    return load_script("bench/report.py", "bench_report")


def test_readme_block_is_the_committed_run() -> None:
    report = _report()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert report.current_block(readme) == report.readme_block(report.load()), (
        "README.md's bench block is stale: run `make bench-readme`"
    )


def _results(ours_rps: float, starlette_rps: float, ours_p99: float = 5.0) -> dict[str, object]:
    wire = {
        "ours": {"plaintext": {"rps": ours_rps, "p99_ms": ours_p99}},
        "starlette": {"plaintext": {"rps": starlette_rps, "p99_ms": 5.0}},
    }
    return {
        "machine": {"cpus": 2, "python": "3.11", "platform": "Linux"},
        "wire": {"results": {"uvicorn": wire}, "connections": 64, "duration": 4, "warmup": 1},
        "callgrind": {
            "results": {
                "ours": {"_harness": 13000.0, "plaintext": 80000.0},
                "starlette": {"plaintext": 200000.0},
                "blacksheep": {"plaintext": 43000.0},
            }
        },
    }


def test_targets_are_marked_from_the_figures() -> None:
    report = _report()
    met = "\n".join(report.targets(_results(ours_rps=1200.0, starlette_rps=1000.0)))
    assert "uvicorn, req/s at least 1.1x Starlette's: met (lowest: plaintext 1.20x" in met
    assert "uvicorn, p99 no worse than Starlette's: met" in met
    assert "plaintext within 2x BlackSheep's: met (1.86x)" in met
    assert "at most 0.8x Starlette's cost on every endpoint: met" in met

    missed = "\n".join(report.targets(_results(1000.0, 1000.0, ours_p99=9.0)))
    assert "req/s at least 1.1x Starlette's: **not met** (lowest: plaintext 1.00x" in missed
    assert "p99 no worse than Starlette's: **not met** (plaintext 9 vs 5 ms)" in missed


def test_write_readme_replaces_only_the_block(tmp_path: Path) -> None:
    report = _report()
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results(1200.0, 1000.0)), encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# Title\n\nbefore\n\n{report.BEGIN}\nold\n{report.END}\n\nafter\n", encoding="utf-8"
    )

    assert report.write_readme(results, readme) is True
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert "old" not in text and "| uvicorn | plaintext |" in text
    assert report.write_readme(results, readme) is False
