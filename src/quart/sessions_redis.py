"""Server-side sessions in Redis, configured with Flask-Session's keys.

::

    app.config["SESSION_TYPE"] = "redis"
    app.config["SESSION_REDIS"] = "redis://127.0.0.1:6379/0"   # or a redis.asyncio client

The cookie holds only a random id, signed with ``SECRET_KEY`` (keys in
``SECRET_KEY_FALLBACKS`` are accepted when reading); the data lives in Redis
under ``SESSION_KEY_PREFIX + id``, as the same tagged JSON the cookie session
uses (never pickle), expiring after ``PERMANENT_SESSION_LIFETIME``. New
sessions are permanent (the cookie outlives the browser) unless
``SESSION_PERMANENT`` is false.

When it is chosen: ``SESSION_TYPE`` is read when the app starts (the ASGI
lifespan; in tests, ``async with app.test_app()``), which connects to Redis
and refuses to start, naming the URL, if Redis does not answer. An app that
sets ``app.session_interface`` itself keeps it. This lives beside
``sessions.py`` rather than in it to keep that module within its size budget
and free of Redis; ``quart._session_lifecycle._start_store`` calls in here.

Faults: a tampered or unknown id gives a new, empty session (never one the
client chose). Redis unreachable while a request opens its session: the
request goes on, and only touching ``session`` raises a 503 (one log line
per failed request); saving fails the same way.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any
from typing import cast
from typing import NoReturn
from typing import TYPE_CHECKING

from flask.sessions import NullSession
from flask.sessions import SecureCookieSession
from flask.sessions import session_json_serializer
from flask.sessions import SessionMixin
from itsdangerous import BadSignature
from itsdangerous import Signer
from werkzeug.exceptions import ServiceUnavailable

from ._cookie_signing import vary_on_cookie
from ._redis.client import client_from_url
from ._redis.client import connection_errors
from ._redis.client import describe
from ._redis.client import redact
from ._session_config import _SessionConfig
from .globals import _get_session
from .sessions import SecureCookieSessionInterface
from .sessions import SessionInterface

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from .app import Quart
    from .wrappers import BaseRequestWebsocket
    from .wrappers import Response

__all__ = [
    "RedisSessionInterface",
    "ServerSideSession",
    "SessionStoreUnavailable",
    "regenerate_session",
]

#: The Redis server used when ``SESSION_REDIS`` is not set.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class SessionStoreUnavailable(RuntimeError):
    """The session store did not answer when the app started."""

    # Logged as one line when it stops the app from starting (_lifecycle).
    _one_line = True


class ServerSideSession(SecureCookieSession):
    """A session whose data lives on the server; ``sid`` is its id (``None``
    until it is first saved)."""

    def __init__(
        self,
        initial: Mapping[str, object] | None = None,
        sid: str | None = None,
    ) -> None:
        super().__init__(initial)
        #: The session id, as stored in the cookie (signed) and in the key.
        self.sid = sid
        self._stale_sids: list[str] = []

    def regenerate(self) -> None:
        """Give this session a new id, keeping its data, and delete the old
        id's data when the session is saved. Call it after logging a user in,
        so an id known before login (session fixation) is worthless."""
        if self.sid is not None:
            self._stale_sids.append(self.sid)
        self.sid = None
        self.modified = True


def regenerate_session() -> None:
    """Rotate the current request's session id (see
    :meth:`ServerSideSession.regenerate`).

    :raises TypeError: The session is not a server-side one.
    """
    current = _get_session()
    if not isinstance(current, ServerSideSession):
        raise TypeError(
            "regenerate_session() needs a server-side session (SESSION_TYPE = 'redis');"
            " the signed-cookie session has no id to rotate."
        )
    current.regenerate()


class _UnavailableSession(NullSession):
    """Stands in when the store could not be read: any use is a 503."""

    def _unavailable(self, *args: object, **kwargs: object) -> NoReturn:
        raise ServiceUnavailable("The session store is unavailable; try again shortly.")

    __getitem__ = __setitem__ = __delitem__ = __contains__ = __iter__ = __len__ = _unavailable
    get = keys = values = items = copy = _unavailable
    clear = pop = popitem = update = setdefault = _unavailable


class RedisSessionInterface(SessionInterface):
    """Sessions stored in Redis, with a signed random id in the cookie.

    Chosen automatically by ``SESSION_TYPE = "redis"`` when the app starts;
    or set it yourself: ``app.session_interface =
    RedisSessionInterface(redis.asyncio.Redis(...))``.

    :param client: A ``redis.asyncio.Redis`` client.
    """

    #: Serializer for the session data (Flask's tagged JSON).
    serializer = session_json_serializer
    #: The class of opened sessions.
    session_class = ServerSideSession
    #: Salt mixed into the key that signs session ids.
    salt = "quart-server-session-id"

    def __init__(self, client: Any) -> None:
        if not hasattr(client, "aclose") or not hasattr(client, "pubsub"):
            raise TypeError(
                "RedisSessionInterface needs a redis.asyncio.Redis client (not the sync"
                f" redis.Redis), got {type(client).__name__}."
            )
        #: The redis-py asyncio client.
        self.client = client
        self._owned = False
        self._errors = connection_errors()

    def get_signer(self, app: Quart) -> Signer | None:
        """The signer of session ids, or ``None`` without ``SECRET_KEY``.

        :param app: The application.
        """
        if not app.secret_key:
            return None
        keys: list[str | bytes] = _SessionConfig(app).secret_key_fallbacks
        keys.append(app.secret_key)  # itsdangerous signs with the last key
        return Signer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            key_derivation="hmac",
            digest_method=hashlib.sha256,
        )

    def _key(self, app: Quart, sid: str) -> str:
        return f"{_SessionConfig(app).key_prefix}{sid}"

    def _new_session(self, app: Quart) -> ServerSideSession:
        session = self.session_class()
        if _SessionConfig(app).permanent:
            # Set quietly: a new session is not saved until it holds data.
            dict.__setitem__(session, "_permanent", True)
        return session

    async def open_session(self, app: Quart, request: BaseRequestWebsocket) -> SessionMixin | None:
        """Load the session named by the request's cookie: a new, empty one
        when there is no cookie, or it is tampered with or unknown.

        :param app: The application.
        :param request: The request or websocket.
        """
        signer = self.get_signer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self._new_session(app)
        try:
            sid = signer.unsign(value).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return self._new_session(app)
        try:
            stored = await self.client.get(self._key(app, sid))
        except self._errors as error:
            app.logger.error(
                "The session store at %s is unreachable (%s): requests that use the session"
                " get 503.",
                describe(self.client),
                error,
            )
            return _UnavailableSession()
        if stored is None:
            return self._new_session(app)
        try:
            data = self.serializer.loads(stored)
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            return self._new_session(app)
        if not isinstance(data, dict):
            return self._new_session(app)
        return self.session_class(data, sid=sid)

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response | None
    ) -> None:
        """Store the session and set its cookie; delete the data and the
        cookie of a session that was cleared.

        :param app: The application.
        :param session: The session to save.
        :param response: The response, or ``None`` after an accepted websocket
            (the data is still stored, but a new session cannot get its cookie).

        When Redis does not answer, ``response`` is turned into a 503 (and
        the error logged): an exception here would become a 500.
        """
        if not isinstance(session, ServerSideSession):
            return
        if response is not None and session.accessed:
            vary_on_cookie(response)
        try:
            await self._store(app, session, response)
        except self._errors as error:
            app.logger.error(
                "Could not save the session to the session store at %s (%s); answering 503.",
                describe(self.client),
                error,
            )
            if response is not None:
                _make_unavailable(response)

    async def _store(
        self, app: Quart, session: ServerSideSession, response: Response | None
    ) -> None:
        stale = [self._key(app, sid) for sid in session._stale_sids]
        if not any(key != "_permanent" for key in session):
            # Empty: a cleared session is deleted on the server too.
            if session.sid is not None and session.modified:
                stale.append(self._key(app, session.sid))
                if response is not None:
                    self._delete_cookie(app, response)
            if stale:
                await self.client.delete(*stale)
            return
        new = session.sid is None
        if new:
            if response is None:
                app.logger.warning(
                    "A new session was filled during an accepted websocket; it is not saved,"
                    " since a websocket has no response to carry the session cookie."
                )
                return
            session.sid = secrets.token_urlsafe(32)
        ttl = max(1, int(app.permanent_session_lifetime.total_seconds()))
        key = self._key(app, session.sid)  # type: ignore[arg-type]
        if new or session.modified:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.set(key, self.serializer.dumps(dict(session)), ex=ttl)
                if stale:
                    pipe.delete(*stale)
                await pipe.execute()
        elif self.should_set_cookie(app, session):
            await self.client.expire(key, ttl)
        else:
            return
        session._stale_sids.clear()
        if response is not None:
            self._set_cookie(app, session, response)

    def _set_cookie(self, app: Quart, session: ServerSideSession, response: Response) -> None:
        signer = self.get_signer(app)
        if signer is None:
            return
        response.set_cookie(
            self.get_cookie_name(app),
            signer.sign(session.sid or "").decode("ascii"),
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
        )
        vary_on_cookie(response)

    def _delete_cookie(self, app: Quart, response: Response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            path=self.get_cookie_path(app),
            domain=self.get_cookie_domain(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app),
        )
        vary_on_cookie(response)


# -- choosing the interface from SESSION_TYPE (called by the lifespan) -------


async def start_session_store(app: Quart) -> None:
    """At startup: install :class:`RedisSessionInterface` when
    ``SESSION_TYPE`` is ``"redis"`` and the app kept the default interface,
    and check that Redis answers.

    :raises SessionStoreUnavailable: Redis did not answer.
    :raises ValueError: ``SESSION_TYPE`` names an unknown store.
    """
    config = _SessionConfig(app)
    kind = config.store
    if kind in (None, "", "cookie"):
        return
    if kind != "redis":
        raise ValueError(
            f"SESSION_TYPE {kind!r} is not supported: use 'redis', or leave it unset for the"
            " signed-cookie session."
        )
    if "session_interface" in vars(app) or (
        type(app.session_interface) is not SecureCookieSessionInterface
    ):
        return  # the app chose its own interface
    source = config.redis or DEFAULT_REDIS_URL
    if isinstance(source, str):
        client, where = client_from_url(source), redact(source)
    else:
        client = cast("Redis", source)  # a redis.asyncio client, as documented
        where = describe(client)
    interface = RedisSessionInterface(client)
    interface._owned = isinstance(source, str)
    try:
        await client.ping()
    except interface._errors as error:
        if interface._owned:
            await client.aclose()
        raise SessionStoreUnavailable(
            f"Cannot reach the session store at {where} (SESSION_REDIS): {error}"
        ) from None
    app.session_interface = interface  # type: ignore[assignment]


async def stop_session_store(app: Quart) -> None:
    """At shutdown: close the client :func:`start_session_store` opened and
    go back to the class's interface."""
    interface = vars(app).get("session_interface")
    if isinstance(interface, RedisSessionInterface) and interface._owned:
        del app.session_interface
        await interface.client.aclose()


def _make_unavailable(response: Response) -> None:
    # Saving happens as the response is finalized, where an exception would
    # become a 500: turn the response itself into the 503 instead. The
    # client must not believe its change was stored.
    error = ServiceUnavailable("The session store is unavailable; try again shortly.")
    response.status_code = error.code or 503
    response.set_data(error.get_body())
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    for name in ("Set-Cookie", "Location", "ETag", "Last-Modified", "Content-Disposition"):
        response.headers.pop(name, None)
