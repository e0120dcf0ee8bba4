"""The README's speed summary, made from ``bench/results/results.json``.

Stdlib only. ``run.py`` calls :func:`write_readme` after every run that
updates the results, and ``make bench-readme`` does it on its own; the
README block sits between two marker lines and is never edited by hand, so
the README always shows the run that is committed (``tests/test_bench_report.py``
checks that they agree). The block holds, from one run:

* issue #14's targets, each marked met or not, with the figure that decides it
  (the thresholds live here, in the bench, never in tests);
* over the wire: req/s and p99 per server and endpoint, ours/Starlette;
* over the wire, counted: the server's instructions per request (callgrind),
  ours/Starlette whole and minus the raw ASGI row;
* in-process: instructions per request (callgrind) and µs per request;
* large bodies and ``import`` time;
* the chart (``bench/results/ratios.png``, drawn by ``chart.py``).

Usage::

    python bench/report.py              # print the block
    python bench/report.py --readme     # rewrite README.md's block
    python bench/report.py --check      # exit 1 when README.md's block is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_JSON = BENCH_DIR / "results" / "results.json"
README = ROOT / "README.md"

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from endpoints import LABELS  # noqa: E402
from endpoints import SERVER_LABELS  # noqa: E402

BEGIN = (
    "<!-- bench-results: begin (made by `make bench-readme` from bench/results/results.json) -->"
)
END = "<!-- bench-results: end -->"

#: Columns of the wire table, in order (those present in the run are shown).
WIRE_COLUMNS = ("raw", "quart", "starlette", "blacksheep", "falcon", "litestar", "ours")
#: Columns of the in-process tables.
INPROC_COLUMNS = ("quart", "starlette", "blacksheep", "falcon", "litestar", "ours")

# Issue #14's targets. Over the wire: ours/Starlette req/s at least this, on
# these servers and endpoints, with p99 no worse than Starlette's.
WIRE_TARGET = 1.1
WIRE_TARGET_SERVERS = ("uvicorn", "granian")
WIRE_TARGET_ENDPOINTS = ("plaintext", "json", "json_echo", "template")
# In-process: ours' cost at most this fraction of Starlette's, every endpoint.
INPROC_TARGET = 0.8
# Plaintext within this multiple of BlackSheep's cost.
BLACKSHEEP_TARGET = 2.0
# ``import quart``, milliseconds.
IMPORT_TARGET_MS = 150.0

Results = Mapping[str, Mapping[str, float]]


def _label(name: str) -> str:
    return LABELS.get(name, name)


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _head(cells: list[str], text_columns: int = 1) -> list[str]:
    rule = "|---" * text_columns + "|---:" * (len(cells) - text_columns) + "|"
    return [_row(cells), rule]


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def wire_table(wire: Mapping[str, object]) -> list[str]:
    """req/s (p99 ms) per server and endpoint, and ours/Starlette."""
    results = wire["results"]
    assert isinstance(results, dict)
    shown = [fw for fw in WIRE_COLUMNS if any(fw in by_fw for by_fw in results.values())]
    lines = _head(["server", "endpoint", *(_label(fw) for fw in shown), "ours/Starlette"], 2)
    for server, by_fw in results.items():
        endpoints: list[str] = []
        for figures in by_fw.values():
            endpoints += [e for e in figures if e not in endpoints]
        for endpoint in endpoints:
            cells = [SERVER_LABELS.get(str(server), str(server)), endpoint]
            for fw in shown:
                fig = by_fw.get(fw, {}).get(endpoint)
                cells.append("—" if not fig else f"{fig['rps']:,.0f} ({fig['p99_ms']:.0f})")
            ours = by_fw.get("ours", {}).get(endpoint)
            base = by_fw.get("starlette", {}).get(endpoint)
            ratio = ours["rps"] / base["rps"] if ours and base and base["rps"] else None
            cells.append("—" if ratio is None else f"{ratio:.2f}x")
            lines.append(_row(cells))
    return lines


def wire_instr_table(section: Mapping[str, object]) -> list[str]:
    """Thousands of instructions per request per server and endpoint, ours/Starlette,
    and the same ratio with the raw ASGI row (the server's share) taken off both."""
    results = section["results"]
    assert isinstance(results, dict)
    shown = [fw for fw in WIRE_COLUMNS if any(fw in by_fw for by_fw in results.values())]
    head = ["server", "endpoint", *(f"{_label(fw)} k" for fw in shown)]
    lines = _head([*head, "ours/Starlette", "minus raw"], 2)
    for server, by_fw in results.items():
        endpoints: list[str] = []
        for figures in by_fw.values():
            endpoints += [e for e in figures if e not in endpoints]
        for endpoint in endpoints:
            cells = [SERVER_LABELS.get(str(server), str(server)), endpoint]
            for fw in shown:
                value = by_fw.get(fw, {}).get(endpoint)
                cells.append(_num(None if value is None else value / 1000))
            ours = by_fw.get("ours", {}).get(endpoint)
            base = by_fw.get("starlette", {}).get(endpoint)
            raw = by_fw.get("raw", {}).get(endpoint)
            cells.append("—" if not ours or not base else f"{ours / base:.2f}x")
            if ours and base and raw is not None and base > raw:
                cells.append(f"{(ours - raw) / (base - raw):.2f}x")
            else:
                cells.append("—")
            lines.append(_row(cells))
    return lines


def cost_table(results: Results, unit: str, scale: float, digits: int) -> list[str]:
    """A figure per framework and endpoint, then ours' cost over Starlette's
    and over BlackSheep's (below 1: ours costs less)."""
    shown = [fw for fw in INPROC_COLUMNS if results.get(fw)]
    ours = results["ours"]
    endpoints = [e for e in ours if not e.startswith("_")]
    lines = _head(
        ["endpoint", *(f"{_label(fw)} {unit}" for fw in shown), "ours/Starlette", "ours/BlackSheep"]
    )
    for endpoint in endpoints:
        cells = [endpoint]
        for fw in shown:
            value = results[fw].get(endpoint)
            cells.append(_num(None if value is None else value / scale, digits))
        for peer in ("starlette", "blacksheep"):
            other = results.get(peer, {}).get(endpoint)
            cells.append("—" if not other else f"{ours[endpoint] / other:.2f}x")
        lines.append(_row(cells))
    return lines


def targets(data: Mapping[str, Mapping[str, object]]) -> list[str]:
    """Issue #14's targets, each met or not, with the deciding figures."""
    lines: list[str] = []
    wire = data.get("wire")
    if wire:
        results = wire["results"]
        assert isinstance(results, dict)
        for server in WIRE_TARGET_SERVERS:
            by_fw = results.get(server)
            if not by_fw or "ours" not in by_fw or "starlette" not in by_fw:
                continue
            ratios, p99s = [], []
            for endpoint in WIRE_TARGET_ENDPOINTS:
                ours, base = by_fw["ours"].get(endpoint), by_fw["starlette"].get(endpoint)
                if ours and base:
                    ratios.append((endpoint, ours["rps"] / base["rps"]))
                    p99s.append((endpoint, ours["p99_ms"], base["p99_ms"]))
            worst = min(ratios, key=lambda item: item[1])
            lines.append(
                f"- {SERVER_LABELS[server]}, req/s at least {WIRE_TARGET}x Starlette's: "
                f"{_mark(worst[1] >= WIRE_TARGET)} (lowest: {worst[0]} {worst[1]:.2f}x; "
                + ", ".join(f"{e} {r:.2f}x" for e, r in ratios)
                + ")"
            )
            worse = [f"{e} {o:.0f} vs {s:.0f} ms" for e, o, s in p99s if o > s]
            lines.append(
                f"- {SERVER_LABELS[server]}, p99 no worse than Starlette's: {_mark(not worse)}"
                + (f" ({', '.join(worse)})" if worse else "")
            )
    for key, what in (("callgrind", "instructions"), ("inproc", "µs")):
        block = data.get(key)
        if not block:
            continue
        results = block["results"]
        assert isinstance(results, dict)
        ours, base = results.get("ours", {}), results.get("starlette", {})
        over = [
            f"{e} {ours[e] / base[e]:.2f}x"
            for e in ours
            if not e.startswith("_") and base.get(e) and ours[e] / base[e] > INPROC_TARGET
        ]
        lines.append(
            f"- in-process ({what}), at most {INPROC_TARGET}x Starlette's cost on every endpoint: "
            f"{_mark(not over)}" + (f" (over: {', '.join(over)})" if over else "")
        )
        sheep = results.get("blacksheep", {}).get("plaintext")
        if sheep and "plaintext" in ours:
            ratio = ours["plaintext"] / sheep
            lines.append(
                f"- in-process ({what}), plaintext within {BLACKSHEEP_TARGET:.0f}x BlackSheep's: "
                f"{_mark(ratio <= BLACKSHEEP_TARGET)} ({ratio:.2f}x)"
            )
    large = data.get("large")
    if large:
        results = large["results"]
        assert isinstance(results, dict)
        ours, base = results.get("ours", {}), results.get("starlette", {})
        for kind, what in (("file", "10 MB send_file"), ("stream", "10 MB generator")):
            if ours.get(kind) and base.get(kind):
                o, s = ours[kind]["mb_per_s"], base[kind]["mb_per_s"]
                lines.append(
                    f"- {what} on uvicorn at least as fast as Starlette's: {_mark(o >= s)} "
                    f"({o:,.0f} vs {s:,.0f} MB/s)"
                )
    imports = data.get("import_time")
    if imports:
        results = imports["results"]
        assert isinstance(results, dict)
        wall = results.get("ours", {}).get("wall_ms")
        if wall is not None:
            lines.append(
                f"- `import quart` at most {IMPORT_TARGET_MS:.0f} ms: "
                f"{_mark(wall <= IMPORT_TARGET_MS)} ({wall:.0f} ms)"
            )
    return lines


def readme_block(data: Mapping[str, Mapping[str, object]]) -> str:
    """The whole README block, markers included."""
    out = [BEGIN, ""]
    machine = data.get("machine", {})
    out.append(
        "Figures from `make bench-all` (each table says when it was taken: re-running"
        " one mode, `make bench-instr` say, replaces that table only)"
        f" on {machine.get('cpus', '?')} cores, Python "
        f"{machine.get('python', '?')}, `{machine.get('platform', '?')}`"
        + (
            f"; versions: {', '.join(f'{_label(k)} {v}' for k, v in versions.items())}"
            if (versions := _versions(data))
            else ""
        )
        + "."
    )
    out += ["", "Issue #14's targets in this run:", "", *targets(data), ""]
    out.append("![Ratios of this run](bench/results/ratios.png)")
    out.append("")
    wire = data.get("wire")
    if wire:
        out.append(
            f"**Over the wire** (taken {wire.get('taken', '?')}): requests per second with the "
            f"99th percentile latency in ms in brackets; one worker per server, wrk with "
            f"{wire.get('connections', '?')} connections for {wire.get('duration', '?')} s after a "
            f"{wire.get('warmup', '?')} s warm-up, best of {wire.get('rounds', 1)} round(s) "
            "with the frameworks taking turns, server and wrk pinned to different cores. "
            "`raw ASGI` is a bare ASGI app: the server's own ceiling."
        )
        out += ["", *wire_table(wire), ""]
        if wire.get("note"):
            out += [str(wire["note"]), ""]
    wire_instr = data.get("wire_instr")
    if wire_instr:
        out.append(
            "**Server instructions per request over the wire** (callgrind, taken "
            f"{wire_instr.get('taken', '?')}; thousands; the whole server process, one worker, "
            f"{wire_instr.get('connections', '?')} keep-alive connections x "
            f"{wire_instr.get('requests_per_connection', '?')} requests; the same count on a busy "
            "or idle machine). `raw ASGI` is the server's own share; *minus raw* is "
            "ours/Starlette with it taken off both (the frameworks' own cost):"
        )
        out += ["", *wire_instr_table(wire_instr), ""]
    callgrind = data.get("callgrind")
    if callgrind:
        out.append(
            "**Instructions per request** (callgrind, in-process, "
            f"taken {callgrind.get('taken', '?')}; thousands; the same count on a busy or "
            "idle machine; each row includes the "
            "harness's ~13k):"
        )
        results = callgrind["results"]
        assert isinstance(results, dict)
        out += ["", *cost_table(results, "k", 1000.0, 0), ""]
    inproc = data.get("inproc")
    if inproc:
        out.append(
            f"**Time per request** (in-process, µs, best of {inproc.get('passes', '?')} passes, "
            f"taken {inproc.get('taken', '?')}):"
        )
        results = inproc["results"]
        assert isinstance(results, dict)
        out += ["", *cost_table(results, "µs", 1.0, 1), ""]
    large = data.get("large")
    if large:
        out.append(f"**Large bodies on uvicorn** (taken {large.get('taken', '?')}):")
        out += [
            "",
            *_head(["framework", "10 MB send_file MB/s", "10 MB generator MB/s", "peak RSS MB"]),
        ]
        results = large["results"]
        assert isinstance(results, dict)
        for fw, kinds in results.items():
            file, stream = kinds.get("file") or {}, kinds.get("stream") or {}
            out.append(
                _row(
                    [
                        _label(fw),
                        _num(file.get("mb_per_s")),
                        _num(stream.get("mb_per_s")),
                        _num(
                            max(file.get("rss_peak_mb", 0), stream.get("rss_peak_mb", 0)) or None, 1
                        ),
                    ]
                )
            )
        out.append("")
    imports = data.get("import_time")
    if imports:
        out.append(
            f"**`import`** (wall ms, median of {imports.get('runs', '?')} fresh interpreters):"
        )
        results = imports["results"]
        assert isinstance(results, dict)
        out += ["", *_head([_label(fw) for fw in results])]
        out.append(_row([_num(figures.get("wall_ms")) for figures in results.values()]))
        out.append("")
    out.append(END)
    return "\n".join(out)


def _versions(data: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    versions = data.get("inproc", {}).get("versions")
    return dict(versions) if isinstance(versions, dict) else {}


def load(path: Path = RESULTS_JSON) -> dict[str, dict[str, object]]:
    """The results file."""
    data: dict[str, dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def replace_block(readme: str, block: str) -> str:
    """``readme`` with its block (between the markers) replaced by ``block``."""
    start = readme.index(BEGIN)
    end = readme.index(END, start) + len(END)
    return readme[:start] + block + readme[end:]


def current_block(readme: str) -> str:
    """The block README.md holds now."""
    start = readme.index(BEGIN)
    return readme[start : readme.index(END, start) + len(END)]


def write_readme(results: Path = RESULTS_JSON, readme: Path = README) -> bool:
    """Rewrite README's block from ``results``; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    new = replace_block(text, readme_block(load(results)))
    if new == text:
        return False
    readme.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Print the block, rewrite README's, or check it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's block")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when README.md's block is stale"
    )
    args = parser.parse_args(argv)
    if args.readme:
        print("README.md updated" if write_readme() else "README.md already current")
        return 0
    block = readme_block(load())
    if args.check:
        if current_block(README.read_text(encoding="utf-8")) != block:
            print("README.md's bench block is stale: run `make bench-readme`", file=sys.stderr)
            return 1
        return 0
    print(block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
