"""Draw ``bench/results/ratios.png`` from ``bench/results/results.json``.

Runs in ``bench/.venv-ours`` (the only venv with matplotlib; ``run.py`` calls
it after every mode). One panel per mode found in the JSON:

* in-process: other/ours time ratio per endpoint (>1 = ours is faster);
* over the wire: framework/Starlette req/s per endpoint, one panel per server;
* instructions: other/ours instructions per request (>1 = ours runs fewer).

Usage: ``bench/.venv-ours/bin/python bench/chart.py RESULTS_JSON OUT_PNG``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from endpoints import LABELS

#: One colour per framework in every panel.
COLOURS = {
    fw: f"C{i}"
    for i, fw in enumerate(("ours", "quart", "starlette", "blacksheep", "falcon", "litestar"))
}


def ratio_panel(
    ax: Any,
    title: str,
    endpoints: list[str],
    series: dict[str, list[float | None]],
    ylabel: str,
) -> None:
    """Grouped bars: one group per endpoint, one bar per framework; a line at 1."""
    count = max(1, len(series))
    width = 0.8 / count
    for i, (name, values) in enumerate(series.items()):
        xs = [j + (i - (count - 1) / 2) * width for j in range(len(endpoints))]
        heights = [v if v is not None else 0.0 for v in values]
        ax.bar(xs, heights, width, label=LABELS.get(name, name), color=COLOURS.get(name))
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(endpoints)))
    ax.set_xticklabels(endpoints, rotation=30, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%gx"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=3)
    ax.grid(axis="y", which="both", alpha=0.3)


def _endpoints(results: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for data in results.values():
        for name in data or {}:
            if name not in names and not name.startswith("_"):
                names.append(name)
    return names


def panels(data: dict[str, Any]) -> list[tuple[str, list[str], dict[str, list[float | None]], str]]:
    """(title, endpoints, {framework: ratios}, y label) for every panel to draw."""
    out: list[tuple[str, list[str], dict[str, list[float | None]], str]] = []

    def over_ours(results: dict[str, Any], title: str, ylabel: str) -> None:
        ours = results.get("ours") or {}
        names = _endpoints(results)
        series: dict[str, list[float | None]] = {}
        for fw, values in results.items():
            if fw == "ours" or not values:
                continue
            series[fw] = [
                values[n] / ours[n] if n in values and ours.get(n) else None for n in names
            ]
        out.append((title, names, series, ylabel))

    if "inproc" in data:
        over_ours(
            data["inproc"]["results"], "In-process: time other/ours", "other/ours (>1: ours faster)"
        )
    for server, by_fw in data.get("wire", {}).get("results", {}).items():
        base = by_fw.get("starlette") or {}
        names = _endpoints(by_fw)
        series = {}
        for fw, cells in by_fw.items():
            if fw in ("starlette", "raw") or not cells:
                continue
            series[fw] = [
                cells[n]["rps"] / base[n]["rps"] if cells.get(n) and base.get(n) else None
                for n in names
            ]
        out.append((f"Over the wire, {server}: req/s vs Starlette", names, series, "x Starlette"))
    if "callgrind" in data:
        over_ours(
            data["callgrind"]["results"],
            "Instructions per request other/ours (callgrind)",
            "other/ours (>1: ours fewer)",
        )
    return out


def main(argv: list[str]) -> int:
    """Read the JSON, draw every panel, save the PNG."""
    source, target = Path(argv[0]), Path(argv[1])
    data = json.loads(source.read_text())
    todo = panels(data)
    if not todo:
        print("nothing to draw", file=sys.stderr)
        return 0
    fig, axes = plt.subplots(len(todo), 1, figsize=(10, 3.6 * len(todo)), squeeze=False)
    for ax, (title, names, series, ylabel) in zip(axes[:, 0], todo, strict=True):
        ratio_panel(ax, title, names, series, ylabel)
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=90)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
