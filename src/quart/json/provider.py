"""JSON providers, shared with Flask so custom providers work for both."""

from __future__ import annotations

from flask.json.provider import DefaultJSONProvider as DefaultJSONProvider
from flask.json.provider import JSONProvider as JSONProvider

__all__ = ["DefaultJSONProvider", "JSONProvider"]
