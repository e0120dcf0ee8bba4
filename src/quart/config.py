"""Configuration: Flask's :class:`~flask.config.Config` with Quart's env prefix."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.config import Config as _FlaskConfig
from flask.config import ConfigAttribute as ConfigAttribute

__all__ = ["DEFAULT_CONFIG", "Config", "ConfigAttribute"]

#: The defaults of :attr:`Quart.default_config <quart.Quart.default_config>`:
#: Flask's keys (with Quart's values for ``MAX_CONTENT_LENGTH``, 16 MiB, and
#: ``SEND_FILE_MAX_AGE_DEFAULT``, 12 hours) plus Quart's own timeouts and limits.
DEFAULT_CONFIG: dict[str, Any] = {
    # Flask 3.1's defaults (Flask.default_config), written out: reading them
    # from Flask would import its WSGI app, CLI and development server with
    # ``import quart`` (issue #14, start-up). tests/test_config.py checks
    # them against the installed Flask's; a key a newer Flask adds (and its
    # sans-IO core reads) is answered by Config.__missing__ (Quart crashed
    # on one, #371).
    "DEBUG": None,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # Quart's (Flask: None).
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1000,
    "SEND_FILE_MAX_AGE_DEFAULT": timedelta(hours=12),  # Quart's (Flask: None).
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
    # Quart's own.
    "BODY_TIMEOUT": 60,
    "RESPONSE_TIMEOUT": 60,
    "BACKGROUND_TASK_SHUTDOWN_TIMEOUT": 5,
    "PREFER_SECURE_URLS": False,
    "PRESERVE_CONTEXT_ON_EXCEPTION": None,
    "ENV": None,
    "WEBSOCKET_MAX_MESSAGE_SIZE": 16 * 1024 * 1024,
    "WEBSOCKET_DISCONNECT_EXCEPTION": False,
    # quart.channels
    "CHANNELS_URL": "memory://",
    "CHANNELS_SUBSCRIBER_QUEUE": 1000,
    "CHANNELS_OVERFLOW": "drop_oldest",
    "CHANNELS_MAX_MESSAGE_SIZE": 1024 * 1024,
    "CHANNELS_HISTORY_SIZE": 100,
    "CHANNELS_KEY_PREFIX": "quart:",
    # Server-side sessions (quart.sessions_redis), with Flask-Session's names.
    "SESSION_TYPE": None,
    "SESSION_REDIS": None,
    "SESSION_KEY_PREFIX": "session:",
    "SESSION_PERMANENT": True,
    # Response compression (quart.compression).
    "COMPRESS_ENABLED": False,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_LEVEL": None,
    # Tuples, not lists: every app's config starts as a shallow copy of these.
    "COMPRESS_MIMETYPES": (
        "text/*",
        "application/json",
        "application/ld+json",
        "application/manifest+json",
        "application/geo+json",
        "application/problem+json",
        "application/javascript",
        "application/xml",
        "application/atom+xml",
        "application/rss+xml",
        "application/xhtml+xml",
        "application/wasm",
        "image/svg+xml",
    ),
    "COMPRESS_ALGORITHMS": ("zstd", "br", "gzip"),
}


class Config(_FlaskConfig):
    """A dict of configuration values with helpers to load them.

    Identical to Flask's config (``from_object``, ``from_pyfile``,
    ``from_file``, ``from_envvar``, ``from_mapping``, ``get_namespace``)
    except that :meth:`from_prefixed_env` reads ``QUART_*`` variables.
    """

    def __missing__(self, key: object) -> Any:
        # config[key] for a key not set: Flask's default if the installed
        # Flask has one that DEFAULT_CONFIG (written from Flask 3.1) lacks,
        # as its sans-IO core may read it (#371); else KeyError. Reading
        # Flask's defaults imports flask.app: only here, not with quart.
        if isinstance(key, str) and key.isupper():
            from flask.app import Flask

            if key in Flask.default_config:
                return Flask.default_config[key]
        raise KeyError(key)

    def from_prefixed_env(
        self, prefix: str = "QUART", *, loads: Callable[[str], object] = json.loads
    ) -> bool:
        """Load every environment variable starting with ``{prefix}_``.

        Values are decoded with ``loads`` (JSON by default, falling back to
        the raw string) and ``__`` in a name sets a nested key, so
        ``QUART_TESTING=true`` sets ``TESTING`` to ``True``.

        :param prefix: The variable prefix, without the trailing underscore.
        :param loads: Decodes each value.
        """
        return super().from_prefixed_env(prefix, loads=loads)


# -- names Quart 0.22's module has, for code that imports them from here --------

from flask.config import Config as FlaskConfig  # noqa: E402, F401
