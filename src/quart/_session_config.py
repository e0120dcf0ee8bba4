"""The ``SESSION_*`` configuration keys, typed, as the session code reads them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Quart


class _SessionConfig:
    """The config keys of the session code, typed, read from the app's config
    when asked (so a change between requests counts)::

        config = _SessionConfig(app)
        config.cookie_name, config.refresh_each_request

    :param app: The application.
    """

    __slots__ = ("_app", "_config")

    def __init__(self, app: Quart) -> None:
        self._app = app
        self._config = app.config

    @property
    def cookie_name(self) -> str:
        """``SESSION_COOKIE_NAME``."""
        value: str = self._config["SESSION_COOKIE_NAME"]
        return value

    @property
    def cookie_domain(self) -> str | None:
        """``SESSION_COOKIE_DOMAIN``."""
        value: str | None = self._config["SESSION_COOKIE_DOMAIN"]
        return value

    @property
    def cookie_path(self) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        config = self._config
        value: str = config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"]
        return value

    @property
    def cookie_httponly(self) -> bool:
        """``SESSION_COOKIE_HTTPONLY``."""
        value: bool = self._config["SESSION_COOKIE_HTTPONLY"]
        return value

    @property
    def cookie_secure(self) -> bool:
        """``SESSION_COOKIE_SECURE``."""
        value: bool = self._config["SESSION_COOKIE_SECURE"]
        return value

    @property
    def cookie_samesite(self) -> str | None:
        """``SESSION_COOKIE_SAMESITE``."""
        value: str | None = self._config["SESSION_COOKIE_SAMESITE"]
        return value

    @property
    def cookie_partitioned(self) -> bool:
        """``SESSION_COOKIE_PARTITIONED``."""
        value: bool = self._config["SESSION_COOKIE_PARTITIONED"]
        return value

    @property
    def refresh_each_request(self) -> bool:
        """``SESSION_REFRESH_EACH_REQUEST``: resend a permanent session's cookie
        on every request."""
        return bool(self._config["SESSION_REFRESH_EACH_REQUEST"])

    @property
    def lifetime(self) -> timedelta:
        """``PERMANENT_SESSION_LIFETIME`` (as ``app.permanent_session_lifetime``)."""
        return self._app.permanent_session_lifetime

    @property
    def secret_key_fallbacks(self) -> list[str | bytes]:
        """``SECRET_KEY_FALLBACKS``: older keys accepted when reading."""
        return list(self._config["SECRET_KEY_FALLBACKS"] or ())

    @property
    def store(self) -> str | None:
        """``SESSION_TYPE``: where sessions live (``None``, ``""`` or
        ``"cookie"``: the signed cookie)."""
        value: str | None = self._config.get("SESSION_TYPE")
        return value

    @property
    def redis(self) -> object:
        """``SESSION_REDIS``: a Redis URL or a ``redis.asyncio`` client."""
        return self._config.get("SESSION_REDIS")

    @property
    def key_prefix(self) -> str:
        """``SESSION_KEY_PREFIX``: prepended to a server-side session's id."""
        value: str = self._config["SESSION_KEY_PREFIX"]
        return value

    @property
    def permanent(self) -> bool:
        """``SESSION_PERMANENT``: whether new server-side sessions are permanent."""
        return bool(self._config["SESSION_PERMANENT"])
