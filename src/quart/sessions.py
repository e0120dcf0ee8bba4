"""Sessions: the interface the app uses, and the default signed-cookie one.

The default :class:`SecureCookieSessionInterface` is opened lazily (on the
first access to ``session``) since decoding a cookie needs no I/O. A
subclass that overrides :meth:`SessionInterface.open_session` is opened
when the request context is pushed, as Quart does; sync overrides work.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from datetime import timezone
from typing import TYPE_CHECKING

from flask.sessions import NullSession as NullSession
from flask.sessions import SecureCookieSession as SecureCookieSession
from flask.sessions import SessionMixin as SessionMixin
from flask.sessions import session_json_serializer as session_json_serializer
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer


if TYPE_CHECKING:
    from .app import Quart
    from .wrappers import BaseRequestWebsocket
    from .wrappers import Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "session_json_serializer",
]


class SessionInterface:
    """How the app opens and saves sessions. Subclass it and set
    ``app.session_interface`` to store sessions elsewhere.

    ``open_session``, ``save_session`` and ``make_null_session`` are async;
    sync overrides are accepted too (they run in a thread).
    """

    #: The class of the session returned when none can be opened.
    null_session_class = NullSession
    #: Whether the session uses pickle (informational, as in Flask).
    pickle_based = False

    async def make_null_session(self, app: Quart) -> NullSession:
        """Return an empty session that refuses writes (no secret key)."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Quart) -> str:
        """``SESSION_COOKIE_NAME``."""
        return app.config["SESSION_COOKIE_NAME"]  # type: ignore[no-any-return]

    def get_cookie_domain(self, app: Quart) -> str | None:
        """``SESSION_COOKIE_DOMAIN`` (``None`` leaves the cookie host-only)."""
        return app.config["SESSION_COOKIE_DOMAIN"]  # type: ignore[no-any-return]

    def get_cookie_path(self, app: Quart) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]  # type: ignore[no-any-return]

    def get_cookie_httponly(self, app: Quart) -> bool:
        """``SESSION_COOKIE_HTTPONLY``."""
        return app.config["SESSION_COOKIE_HTTPONLY"]  # type: ignore[no-any-return]

    def get_cookie_secure(self, app: Quart) -> bool:
        """``SESSION_COOKIE_SECURE``."""
        return app.config["SESSION_COOKIE_SECURE"]  # type: ignore[no-any-return]

    def get_cookie_samesite(self, app: Quart) -> str | None:
        """``SESSION_COOKIE_SAMESITE``."""
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: Quart) -> bool:
        """``SESSION_COOKIE_PARTITIONED``."""
        return app.config["SESSION_COOKIE_PARTITIONED"]  # type: ignore[no-any-return]

    def get_expiration_time(self, app: Quart, session: SessionMixin) -> datetime | None:
        """When a permanent session's cookie expires (``None`` for browser sessions)."""
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Quart, session: SessionMixin) -> bool:
        """Whether to send the cookie: modified, or permanent and refreshed each request."""
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    async def open_session(self, app: Quart, request: BaseRequestWebsocket) -> SessionMixin | None:
        """Load the session for ``request``; ``None`` means use a null session."""
        raise NotImplementedError()

    async def save_session(self, app: Quart, session: SessionMixin, response: Response) -> None:
        """Persist ``session`` and set whatever ``response`` needs (a cookie)."""
        raise NotImplementedError()

    # -- how the app drives the interface (private) ----------------------

    def _lazy_open(self) -> bool:
        return False

    def _open_session_now(self, app: Quart, request: BaseRequestWebsocket) -> SessionMixin | None:
        raise RuntimeError("This session interface is opened when the context is pushed.")

    def _null_session_now(self, app: Quart) -> SessionMixin:
        return self.null_session_class()

    async def _open_session_async(
        self, app: Quart, request: BaseRequestWebsocket
    ) -> SessionMixin | None:
        result = await app.ensure_async(self.open_session)(app, request)
        if hasattr(result, "__await__"):
            result = await result
        return result  # type: ignore[no-any-return]

    async def _save_session_async(
        self, app: Quart, session: SessionMixin, response: Response
    ) -> None:
        result = await app.ensure_async(self.save_session)(app, session, response)
        if hasattr(result, "__await__"):
            await result


class SecureCookieSessionInterface(SessionInterface):
    """Sessions stored in a cookie signed with ``SECRET_KEY`` (itsdangerous).

    Keys in ``SECRET_KEY_FALLBACKS`` are accepted when reading but never
    used to sign. A tampered, truncated or expired cookie gives an empty
    session.
    """

    #: Salt mixed into the signing key.
    salt = "cookie-session"
    #: Hash used for the signature.
    digest_method = staticmethod(hashlib.sha1)
    #: How the signing key is derived from the secret key.
    key_derivation = "hmac"
    #: Serializer for the session data (Flask's tagged JSON).
    serializer = session_json_serializer
    #: The class of opened sessions.
    session_class = SecureCookieSession

    def get_signing_serializer(self, app: Quart) -> URLSafeTimedSerializer | None:
        """The itsdangerous serializer, or ``None`` without a secret key."""
        if not app.secret_key:
            return None
        keys: list[str | bytes] = []
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        if fallbacks:
            keys.extend(fallbacks)
        keys.append(app.secret_key)  # the last key signs
        return URLSafeTimedSerializer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def _lazy_open(self) -> bool:
        cls = type(self)
        return (
            cls.open_session is SecureCookieSessionInterface.open_session
            and cls.make_null_session is SessionInterface.make_null_session
        )

    def _open_session_now(
        self, app: Quart, request: BaseRequestWebsocket
    ) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(value, max_age=max_age)
        except (BadSignature, ValueError, TypeError, KeyError):
            return self.session_class()
        if not isinstance(data, dict):
            return self.session_class()
        return self.session_class(data)

    async def open_session(
        self, app: Quart, request: BaseRequestWebsocket
    ) -> SecureCookieSession | None:
        """Decode and verify the session cookie."""
        return self._open_session_now(app, request)

    async def save_session(self, app: Quart, session: SessionMixin, response: Response) -> None:
        """Set, refresh or delete the session cookie on ``response``."""
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)

        if session.accessed:
            response.vary.add("Cookie")

        if not session:
            if session.modified:
                response.delete_cookie(
                    name,
                    path=path,
                    domain=domain,
                    secure=secure,
                    partitioned=partitioned,
                    samesite=samesite,
                    httponly=httponly,
                )
                response.vary.add("Cookie")
            return

        if not self.should_set_cookie(app, session):
            return
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return
        value = serializer.dumps(dict(session))
        response.set_cookie(
            name,
            value,  # type: ignore[arg-type]
            expires=self.get_expiration_time(app, session),
            httponly=httponly,
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
        )
        response.vary.add("Cookie")
