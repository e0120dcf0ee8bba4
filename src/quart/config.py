"""Configuration: Flask's :class:`~flask.config.Config` with Quart's env prefix."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.config import Config as _FlaskConfig
from flask.config import ConfigAttribute as ConfigAttribute

__all__ = ["Config", "ConfigAttribute"]


class Config(_FlaskConfig):
    """A dict of configuration values with helpers to load them.

    Identical to Flask's config (``from_object``, ``from_pyfile``,
    ``from_file``, ``from_envvar``, ``from_mapping``, ``get_namespace``)
    except that :meth:`from_prefixed_env` reads ``QUART_*`` variables.
    """

    def from_prefixed_env(
        self, prefix: str = "QUART", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Load every environment variable starting with ``{prefix}_``.

        Values are decoded with ``loads`` (JSON by default, falling back to
        the raw string) and ``__`` in a name sets a nested key, so
        ``QUART_TESTING=true`` sets ``TESTING`` to ``True``.

        :param prefix: The variable prefix, without the trailing underscore.
        :param loads: Decodes each value.
        """
        return super().from_prefixed_env(prefix, loads=loads)
