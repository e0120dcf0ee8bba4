"""The documentation's own checks that need no Sphinx (docs/, `make docs`).

The code samples under docs/samples/ are collected by pytest directly (see
testpaths in pyproject.toml); these tests keep the generated parts honest.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from quart import Quart

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DOCS / "_ext" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_config_key_has_a_description() -> None:
    descriptions = _load("config_descriptions").DESCRIPTIONS
    missing = sorted(set(Quart.default_config) - set(descriptions))
    assert not missing, f"describe these keys in docs/_ext/config_descriptions.py: {missing}"


def test_no_description_for_a_key_that_is_gone() -> None:
    descriptions = _load("config_descriptions").DESCRIPTIONS
    stale = sorted(set(descriptions) - set(Quart.default_config))
    assert not stale, f"remove these from docs/_ext/config_descriptions.py: {stale}"


def test_every_page_is_in_the_toctree() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    pages = {path.stem for path in DOCS.glob("*.md")} | {path.stem for path in DOCS.glob("*.rst")}
    listed = set(re.findall(r"^([a-z_]+)$", index, re.M))
    assert pages - {"index"} <= listed


def test_every_sample_file_is_shown() -> None:
    """A sample nobody includes is dead weight: each file under docs/samples is
    included by some page (test files may be, and mostly are)."""
    pages = "\n".join(
        path.read_text(encoding="utf-8")
        for path in DOCS.glob("*.*")
        if path.suffix in {".md", ".rst"}
    )
    unused = [
        str(path.relative_to(DOCS))
        for path in sorted((DOCS / "samples").rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.name != "conftest.py"
        and str(path.relative_to(DOCS)) not in pages
    ]
    assert not unused, f"samples no page includes: {unused}"


def test_readme_links_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make docs" in readme and "docs/_build/html/index.html" in readme


def test_readme_sections_the_docs_include_exist() -> None:
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        quartdocs = _load("quartdocs")
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    for page in DOCS.glob("*.md"):
        for title in re.findall(r"<!-- quartdocs: readme-section (.+?) -->", page.read_text()):
            assert quartdocs.readme_section(title).strip()


def test_every_limit_is_a_config_key() -> None:
    limits = _load("config_descriptions").LIMITS
    assert set(limits) <= set(Quart.default_config)
