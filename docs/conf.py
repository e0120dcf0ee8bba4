"""Sphinx configuration for the documentation (`make docs`).

The build is offline (no intersphinx) and strict: `make docs` passes -W, so a
warning fails it. Generated parts (the config table, the bench tables, the
README's differences section, the CLI help) come from docs/_ext/quartdocs.py.
"""

from __future__ import annotations

import sys
from importlib.metadata import version as _version
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "quart"
author = "the quart contributors"
copyright = "the quart contributors"
release = _version("quart")
version = release

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",
    "quartdocs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "samples", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- autodoc: the public API, from the docstrings ------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
# Unresolvable cross-references (Flask's, Werkzeug's and the standard library's
# names, with no intersphinx) render as plain text; only real markup errors warn.
nitpicky = False

# -- HTML ------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"quart {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
pygments_style = "friendly"
pygments_dark_style = "monokai"
