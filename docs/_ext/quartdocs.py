"""Generated parts of the documentation, made fresh on every build.

A page asks for one with a marker line of its own, for example::

    <!-- quartdocs: config-table -->

and the marker is replaced by Markdown before the page is parsed:

``config-table``
    every key of ``Quart.default_config`` with its default and the
    description from ``config_descriptions.py`` (a key without one fails
    the build).
``limits-table``
    the keys in ``LIMITS`` (``config_descriptions.py``) with their defaults.
``readme-section NAME``
    the ``## NAME`` section of the repository's README.md, so the page and
    the README never disagree.
``bench-tables``
    the tables of ``bench/results/results.json``, the latest bench run.
``cli-help ARGS``
    the output of ``quart ARGS --help``.

Everything here runs offline and uses only Sphinx, the standard library
and the package itself.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from typing import TYPE_CHECKING

try:
    from sphinx.errors import ExtensionError
except ImportError:  # The test suite reads the helpers without Sphinx installed.

    class ExtensionError(Exception):  # type: ignore[no-redef]
        """Stands in for Sphinx's error when Sphinx is not installed."""


if TYPE_CHECKING:
    from sphinx.application import Sphinx

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent
ROOT = DOCS.parent
README = ROOT / "README.md"
BENCH_RESULTS = ROOT / "bench" / "results" / "results.json"

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from endpoints import LABELS  # noqa: E402  (bench/endpoints.py: stdlib only)

MARKER = re.compile(r"^<!-- quartdocs: ([a-z-]+)(?: (.*?))? -->$", re.MULTILINE)


# -- configuration reference ---------------------------------------------------


def _size(value: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if value >= factor and value % factor == 0:
            return f"{value // factor} {unit}"
    return f"{value:,}"


def format_default(key: str, value: Any) -> str:
    """A default as a reader wants to see it (``16 MiB``, ``31 days``)."""
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        if seconds % 86400 == 0:
            days = seconds // 86400
            text = f"{days} day" + ("s" if days != 1 else "")
        elif seconds % 3600 == 0:
            text = f"{seconds // 3600} hours"
        else:
            text = f"{seconds} s"
        return f"`{value!r}` ({text})"
    if isinstance(value, bool) or value is None:
        return f"`{value!r}`"
    if isinstance(value, int) and ("SIZE" in key or "LENGTH" in key) and value >= 1024:
        return f"`{value}` ({_size(value)})"
    if isinstance(value, int) and key.endswith("TIMEOUT"):
        return f"`{value}` (seconds)"
    return f"`{value!r}`"


def _group(key: str, flask_keys: set[str]) -> str:
    if key.startswith("CHANNELS_"):
        return "Channels (quart.channels)"
    if key in {"SESSION_TYPE", "SESSION_REDIS", "SESSION_KEY_PREFIX", "SESSION_PERMANENT"}:
        return "Server-side sessions (quart.sessions_redis)"
    if key in flask_keys:
        return "Flask's keys"
    return "Quart's own keys"


def config_table() -> str:
    """Every config key, its default, and what it does, grouped."""
    from config_descriptions import DESCRIPTIONS
    from flask.app import Flask

    from quart import Quart

    missing = [key for key in Quart.default_config if key not in DESCRIPTIONS]
    if missing:
        raise ExtensionError(
            "config keys without a description in docs/_ext/config_descriptions.py: "
            + ", ".join(missing)
        )
    flask_keys = set(Flask.default_config)
    groups: dict[str, list[str]] = {}
    for key in Quart.default_config:
        groups.setdefault(_group(key, flask_keys), []).append(key)
    lines: list[str] = []
    for title, keys in groups.items():
        lines += [f"### {title}", ""]
        for key in keys:
            value = Quart.default_config[key]
            description = " ".join(DESCRIPTIONS[key].split())
            lines += [
                f"`{key}`",
                f": Default: {format_default(key, value)}. {description}",
                "",
            ]
    return "\n".join(lines)


def limits_table() -> str:
    """The keys that limit clients: default and what happens past it."""
    from config_descriptions import LIMITS

    from quart import Quart

    lines = ["| key | default | when exceeded |", "|---|---|---|"]
    for key, text in LIMITS.items():
        if key not in Quart.default_config:
            raise ExtensionError(f"LIMITS names {key}, which is not a config key")
        default = format_default(key, Quart.default_config[key])
        lines.append(f"| `{key}` | {default} | {' '.join(text.split())} |")
    return "\n".join(lines)


# -- README sections -------------------------------------------------------------

#: README anchors and where the same topic lives in these pages.
README_ANCHORS = {
    "limits-and-security": "configuration.md#limits",
    "differences-from-quart": "migrating.md#every-deliberate-difference",
    "testing-with-pytest": "testing.md",
    "channels": "scaling.md#channels",
    "deploying": "deployment.md",
    "websockets": "websockets.md",
    "templates": "templates.md",
    "speed": "benchmarks.md",
}


def readme_section(title: str) -> str:
    """The body of README's ``## title`` section (without its heading)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        raise ExtensionError(f"README.md has no '## {title}' section")
    body = match.group(1)
    # Deeper headings become bold lines: the section sits inside a page's own heading.
    body = re.sub(r"^#{3,} (.+)$", r"**\1**", body, flags=re.M)

    def relink(found: re.Match[str]) -> str:
        label, anchor = found.group(1), found.group(2)
        target = README_ANCHORS.get(anchor)
        return f"[{label}]({target})" if target else label

    return re.sub(r"\[([^\]]+)\]\(#([a-z0-9-]+)\)", relink, body)


# -- benchmarks ------------------------------------------------------------------


def _label(name: str) -> str:
    return LABELS.get(name, name)


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(other: float | None, ours: float | None) -> float | None:
    if other is None or ours is None or ours == 0:
        return None
    return other / ours


def _geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def _per_endpoint_table(results: dict[str, dict[str, float]], unit: str, digits: int) -> list[str]:
    """Two tables: the figures (a column per framework), then other/ours ratios."""
    frameworks = [name for name in results if results[name]]
    endpoints = [e for e in results.get("ours", {}) if not e.startswith("_")]
    peers = [name for name in frameworks if name != "ours"]
    head = ["endpoint"] + [f"{_label(f)} {unit}" for f in frameworks]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for endpoint in endpoints:
        row = [endpoint] + [_num(results[f].get(endpoint), digits) for f in frameworks]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    head = ["endpoint"] + [f"{_label(p)}/ours" for p in peers]
    lines += ["| " + " | ".join(head) + " |", "|---" + "|---:" * len(peers) + "|"]
    ratios: dict[str, list[float]] = {p: [] for p in peers}
    for endpoint in endpoints:
        ours = results["ours"].get(endpoint)
        row = [endpoint]
        for peer in peers:
            r = _ratio(results[peer].get(endpoint), ours)
            if r is not None:
                ratios[peer].append(r)
            row.append("—" if r is None else f"{r:.2f}x")
        lines.append("| " + " | ".join(row) + " |")
    geo = [_geomean(ratios[p]) for p in peers]
    lines.append(
        "| *geomean* | " + " | ".join("—" if g is None else f"**{g:.2f}x**" for g in geo) + " |"
    )
    return lines


def _wire_instr_tables(section: dict[str, Any]) -> list[str]:
    """Server instructions per request over the wire: per server, a column per
    framework (thousands), ours/Starlette, and that ratio with the raw row off both."""
    out = ["### Over the wire, counted: server instructions per request (lower is better)", ""]
    out.append(
        f"Taken {section.get('taken', '?')} under callgrind: the whole server process (one "
        f"worker), {section.get('connections', '?')} keep-alive connections x "
        f"{section.get('requests_per_connection', '?')} requests, in thousands. Unlike req/s "
        "this does not depend on the machine's load. `raw ASGI` is a bare ASGI app, the "
        "server's own share; *minus raw* is ours/Starlette with it taken off both."
    )
    out.append("")
    for server, by_framework in section["results"].items():
        frameworks = list(by_framework)
        endpoints: list[str] = []
        for results in by_framework.values():
            endpoints += [e for e in results if e not in endpoints]
        out.append(f"**{server}**")
        out.append("")
        head = ["endpoint", *(f"{_label(f)} k" for f in frameworks), "ours/Starlette", "minus raw"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|---" + "|---:" * (len(head) - 1) + "|")
        for endpoint in endpoints:
            values = {f: by_framework[f].get(endpoint) for f in frameworks}
            row = [endpoint, *(_num(None if v is None else v / 1000, 0) for v in values.values())]
            ours, base, raw = values.get("ours"), values.get("starlette"), values.get("raw")
            row.append("—" if not ours or not base else f"{ours / base:.2f}x")
            if ours and base and raw is not None and base > raw:
                row.append(f"{(ours - raw) / (base - raw):.2f}x")
            else:
                row.append("—")
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    return out


def bench_tables() -> str:
    """Markdown for every section of the latest results.json."""
    data = json.loads(BENCH_RESULTS.read_text(encoding="utf-8"))
    out: list[str] = []
    machine = data.get("machine")
    if machine:
        out.append(
            f"Machine of the latest run: {machine.get('cpus', '?')} cores, Python "
            f"{machine.get('python', '?')}, `{machine.get('platform', '?')}`."
        )
        out.append("")
    inproc = data.get("inproc")
    if inproc:
        versions = inproc.get("versions", {})
        out.append("### In-process: µs per request (lower is better)")
        out.append("")
        out.append(
            f"Taken {inproc.get('taken', '?')}, best of {inproc.get('passes', '?')} passes. "
            "Versions: "
            + ", ".join(f"{_label(k)} {v}" for k, v in versions.items())
            + ". Ratios are other/ours: above 1 means this package is faster."
        )
        out.append("")
        out += _per_endpoint_table(inproc["results"], "µs", 1)
        out.append("")
    wire = data.get("wire")
    if wire:
        out.append("### Over the wire: requests per second (higher is better)")
        out.append("")
        out.append(
            f"Taken {wire.get('taken', '?')}: one worker per server, wrk with "
            f"{wire.get('connections', '?')} connections for {wire.get('duration', '?')} s "
            "after a warm-up. Each cell is req/s (p99 latency in ms)."
        )
        out.append("")
        for server, by_framework in wire["results"].items():
            frameworks = list(by_framework)
            endpoints: list[str] = []
            for results in by_framework.values():
                endpoints += [e for e in results if e not in endpoints]
            out.append(f"**{server}**")
            out.append("")
            head = ["endpoint"] + [_label(f) for f in frameworks]
            out.append("| " + " | ".join(head) + " |")
            out.append("|---" + "|---:" * len(frameworks) + "|")
            for endpoint in endpoints:
                row = [endpoint]
                for framework in frameworks:
                    cell = by_framework[framework].get(endpoint)
                    row.append(
                        "—" if not cell else f"{cell['rps']:,.0f} ({_num(cell.get('p99_ms'), 0)})"
                    )
                out.append("| " + " | ".join(row) + " |")
            out.append("")
        if wire.get("note"):
            out.append(wire["note"])
            out.append("")
    wire_instr = data.get("wire_instr")
    if wire_instr:
        out += _wire_instr_tables(wire_instr)
    large = data.get("large")
    if large:
        out.append("### Large bodies on uvicorn (10 MB)")
        out.append("")
        out.append("| framework | file MB/s | stream MB/s | peak RSS MB (file) |")
        out.append("|---|---:|---:|---:|")
        for framework, results in large["results"].items():
            file, stream = results.get("file", {}), results.get("stream", {})
            out.append(
                f"| {_label(framework)} | {_num(file.get('mb_per_s'), 0)} | "
                f"{_num(stream.get('mb_per_s'), 0)} | {_num(file.get('rss_peak_mb'), 1)} |"
            )
        out.append("")
    callgrind = data.get("callgrind")
    if callgrind:
        out.append("### Instructions per request (callgrind; lower is better)")
        out.append("")
        thousands = {
            name: {k: v / 1000 for k, v in results.items()}
            for name, results in callgrind["results"].items()
            if results
        }
        out += _per_endpoint_table(thousands, "k instr", 0)
        out.append("")
    import_time = data.get("import_time")
    if import_time:
        out.append("### Import time (ms, median of fresh interpreters)")
        out.append("")
        out.append("| framework | wall ms |")
        out.append("|---|---:|")
        for framework, results in import_time["results"].items():
            out.append(f"| {_label(framework)} | {_num(results.get('wall_ms'), 0)} |")
        out.append("")
    return "\n".join(out)


# -- the CLI ----------------------------------------------------------------------


def cli_help(args: str) -> str:
    """``quart ARGS --help`` as a console block (no app loaded, no .env read)."""
    from click.testing import CliRunner

    from quart.cli import cli

    saved = {k: os.environ.pop(k) for k in ("QUART_APP", "QUART_ENV_FILE") if k in os.environ}
    os.environ["QUART_SKIP_DOTENV"] = "1"
    try:
        result = CliRunner().invoke(cli, [*args.split(), "--help"], prog_name="quart")
    finally:
        os.environ.pop("QUART_SKIP_DOTENV", None)
        os.environ.update(saved)
    if result.exit_code != 0:
        raise ExtensionError(f"quart {args} --help failed: {result.output}")
    command = " ".join(["quart", *args.split(), "--help"])
    return f"```console\n$ {command}\n{result.stdout.rstrip()}\n```"


# -- wiring -------------------------------------------------------------------------


def expand(text: str, note_dependency: Any = None) -> str:
    """Replace every marker in ``text`` with what it asks for."""

    def replace(found: re.Match[str]) -> str:
        kind, argument = found.group(1), (found.group(2) or "").strip()
        if kind == "config-table":
            return config_table()
        if kind == "limits-table":
            return limits_table()
        if kind == "readme-section":
            if note_dependency:
                note_dependency(str(README))
            return readme_section(argument)
        if kind == "bench-tables":
            if note_dependency:
                note_dependency(str(BENCH_RESULTS))
            return bench_tables()
        if kind == "cli-help":
            return cli_help(argument)
        raise ExtensionError(f"unknown quartdocs marker: {found.group(0)}")

    return MARKER.sub(replace, text)


def _source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    source[0] = expand(source[0], app.env.note_dependency)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the marker expansion."""
    app.connect("source-read", _source_read)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
