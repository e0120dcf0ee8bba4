"""Type-checker escapes and module sizes under ``src/quart`` (``make metrics``).

Prints, overall and per module: lines, ``type: ignore`` comments and ``Any``
tokens, each also per 1,000 lines; then the modules over the size budget.

Counting rules (stdlib ``tokenize``, so strings and comments are told apart
from code exactly):

- *lines*: physical lines of the file, as ``wc -l`` counts them.
- *type: ignore*: comments that contain ``type: ignore`` (one per comment).
- *Any*: ``NAME`` tokens spelled exactly ``Any`` -- the word in code, whether
  an annotation, an import or a ``cast``; never inside a comment, a docstring
  or any other string literal (``"dict[str, Any]"`` in a string is not
  counted), and never part of a longer name (``AnyStr`` is not counted).

Stdlib only. ``--root DIR`` measures another package folder; ``--budget N``
changes the size budget (700); ``--top N`` limits the per-module table to the
N modules with the most escapes (all by default).
"""

from __future__ import annotations

import argparse
import io
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

_EXEMPT_FROM_BUDGET = frozenset({"cli.py"})


@dataclass(frozen=True, slots=True)
class ModuleMetrics:
    """The counts for one module."""

    path: str
    lines: int
    ignores: int
    anys: int


def measure(path: Path, root: Path) -> ModuleMetrics:
    """Count lines, ``type: ignore`` comments and ``Any`` tokens in *path*."""
    source = path.read_text(encoding="utf-8")
    ignores = anys = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and "type: ignore" in token.string:
            ignores += 1
        elif token.type == tokenize.NAME and token.string == "Any":
            anys += 1
    return ModuleMetrics(
        path=path.relative_to(root).as_posix(),
        lines=source.count("\n"),
        ignores=ignores,
        anys=anys,
    )


def _per_k(count: int, lines: int) -> float:
    return 1000 * count / lines if lines else 0.0


def report(root: Path, *, budget: int, top: int | None) -> str:
    """The printed report for every ``*.py`` under *root*."""
    modules = sorted(
        (measure(path, root.parent) for path in root.rglob("*.py")),
        key=lambda m: (-(m.ignores + m.anys), m.path),
    )
    lines = sum(m.lines for m in modules)
    ignores = sum(m.ignores for m in modules)
    anys = sum(m.anys for m in modules)
    out = [
        f"{root.name}: {len(modules)} modules, {lines} lines",
        f"  type: ignore  {ignores:5d}  {_per_k(ignores, lines):5.1f} per 1,000 lines",
        f"  Any           {anys:5d}  {_per_k(anys, lines):5.1f} per 1,000 lines",
        "",
        f"{'module':44} {'lines':>6} {'ignore':>7} {'/k':>5} {'Any':>5} {'/k':>5}",
    ]
    shown = [m for m in modules if m.ignores or m.anys][:top]
    for m in shown:
        out.append(
            f"{m.path:44} {m.lines:6d} {m.ignores:7d} {_per_k(m.ignores, m.lines):5.1f}"
            f" {m.anys:5d} {_per_k(m.anys, m.lines):5.1f}"
        )
    big = [
        m
        for m in sorted(modules, key=lambda m: -m.lines)
        if m.lines > budget and Path(m.path).name not in _EXEMPT_FROM_BUDGET
    ]
    out.append("")
    out.append(
        f"modules over {budget} lines (cli.py exempt): "
        + (", ".join(f"{m.path} ({m.lines})" for m in big) or "none")
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the report; the exit status is always 0 (a measure, not a gate)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--root", type=Path, default=Path(__file__).resolve().parent.parent / "src" / "quart"
    )
    parser.add_argument("--budget", type=int, default=700)
    parser.add_argument("--top", type=int, default=None)
    args = parser.parse_args(argv)
    print(report(args.root, budget=args.budget, top=args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
