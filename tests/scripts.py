"""Importing the repository's scripts (``bench/``, ``tools/``) in tests:
they are files, not packages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_script(relative: str, name: str) -> ModuleType:
    """A fresh module of the script at ``relative`` (from the repository's
    root), imported under ``name`` (registered in ``sys.modules``, where its
    dataclasses look their module up), with its folder on ``sys.path``
    while it runs (its sibling scripts import each other)."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module
