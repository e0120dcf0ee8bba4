"""The one place that imports redis-py, shared by channels and sessions.

redis-py is an optional dependency (``pip install quart[redis]``): it is
imported only when a Redis URL is actually used, so ``import quart`` never
needs it. Clients made here fail fast instead of hanging: bounded connect
and read timeouts, and no retries inside redis-py (the callers decide what
an outage means: a 503 for a session, a reconnect loop for channels).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

if TYPE_CHECKING:
    from redis.asyncio import Redis

#: URL schemes redis-py understands.
REDIS_SCHEMES = ("redis", "rediss", "unix")

#: Seconds allowed to connect to Redis, and for one command's reply, unless
#: the URL says otherwise (``?socket_timeout=...&socket_connect_timeout=...``).
DEFAULT_TIMEOUT = 3.0


def import_redis() -> ModuleType:
    """Import ``redis.asyncio``, or say how to install it."""
    try:
        import redis.asyncio as redis_asyncio
    except ImportError as error:  # pragma: no cover - redis is a test dependency
        raise RuntimeError(
            "A redis:// URL needs redis-py: install it with `pip install quart[redis]`."
        ) from error
    return redis_asyncio


def client_from_url(url: str, **options: object) -> Redis:
    """A ``redis.asyncio.Redis`` for ``url`` with this package's defaults:
    bounded timeouts, no retries, bytes in and out."""
    redis_asyncio = import_redis()
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    query = urlsplit(url).query
    if "socket_timeout" not in query:
        options.setdefault("socket_timeout", DEFAULT_TIMEOUT)
    if "socket_connect_timeout" not in query:
        options.setdefault("socket_connect_timeout", DEFAULT_TIMEOUT)
    options.setdefault("retry", Retry(NoBackoff(), 0))
    client: Redis = redis_asyncio.Redis.from_url(url, **options)
    return client


def connection_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "Redis cannot be reached or did not answer"."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def describe(client: Redis) -> str:
    """Where a redis-py client connects, for messages (password redacted)."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    secure = client.connection_pool.connection_class.__name__.startswith("SSL")
    host = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
    return f"{'rediss' if secure else 'redis'}://{host}/{kwargs.get('db', 0)}"
