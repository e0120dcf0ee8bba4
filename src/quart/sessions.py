"""Sessions: the interface the app uses, and the default signed-cookie one.

How sessions are driven: the default :class:`SecureCookieSessionInterface`
is opened lazily, on the first access to ``session``, since decoding a
cookie needs no I/O; a request that never touches the session (and carries
no permanent session cookie to refresh) does no session work at all. A
subclass that overrides :meth:`SessionInterface.open_session` or
:meth:`SessionInterface.make_null_session` may need I/O, so it is opened,
awaited, when the request context is pushed, as Quart does. Overrides may
be ``async def`` (the documented form) or plain ``def`` (run in a thread).

Reading the session through ``session`` marks it accessed, and the
response then carries ``Vary: Cookie`` once, so caches do not serve one
user's page to another.

The lifecycle is :mod:`quart._session_lifecycle`'s, in two entry points
that the contexts and the pipeline call and never decide for: opening a
context's session and saving it for a response. The ``SESSION_*`` keys are
read through one typed reader, :class:`quart._session_config._SessionConfig`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable
from collections.abc import Callable
from datetime import datetime
from datetime import UTC
from typing import cast
from typing import TYPE_CHECKING

from flask.sessions import NullSession as NullSession
from flask.sessions import SecureCookieSession as SecureCookieSession
from flask.sessions import session_json_serializer as session_json_serializer
from flask.sessions import SessionMixin as SessionMixin
from itsdangerous import BadData
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode
from itsdangerous.encoding import base64_encode

from ._cookie_signing import read as read_signed
from ._cookie_signing import SessionSigner
from ._cookie_signing import UNKNOWN
from ._cookie_signing import vary_on_cookie
from ._cookie_signing import write as write_signed
from ._session_config import _SessionConfig

if TYPE_CHECKING:
    from .app import Quart
    from .typing import ResponseTypes
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
    ``app.session_interface`` to keep sessions somewhere else (a database,
    a cache); implement :meth:`open_session` and :meth:`save_session`.

    ``open_session``, ``save_session`` and ``make_null_session`` are
    coroutines here (Flask's are sync); sync overrides are accepted and run
    in a thread. Requests sharing a session may run concurrently: guard the
    backing store if that matters.
    """

    #: The class :meth:`make_null_session` creates.
    null_session_class = NullSession
    #: Whether the session uses pickle (informational, as in Flask).
    pickle_based = False

    async def make_null_session(self, app: Quart) -> NullSession:
        """Return the session used when :meth:`open_session` returns ``None``:
        empty, and raising an error that names the fix on any write.

        :param app: The application.
        """
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session (which is never saved).

        :param obj: The session to check.
        """
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Quart) -> str:
        """The cookie's name: ``SESSION_COOKIE_NAME``."""
        return _SessionConfig(app).cookie_name

    def get_cookie_domain(self, app: Quart) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; ``None`` keeps the cookie to the exact host."""
        return _SessionConfig(app).cookie_domain

    def get_cookie_path(self, app: Quart) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return _SessionConfig(app).cookie_path

    def get_cookie_httponly(self, app: Quart) -> bool:
        """``SESSION_COOKIE_HTTPONLY``: hide the cookie from JavaScript."""
        return _SessionConfig(app).cookie_httponly

    def get_cookie_secure(self, app: Quart) -> bool:
        """``SESSION_COOKIE_SECURE``: send the cookie over HTTPS only."""
        return _SessionConfig(app).cookie_secure

    def get_cookie_samesite(self, app: Quart) -> str | None:
        """``SESSION_COOKIE_SAMESITE``: ``"Strict"``, ``"Lax"`` or ``None``."""
        return _SessionConfig(app).cookie_samesite

    def get_cookie_partitioned(self, app: Quart) -> bool:
        """``SESSION_COOKIE_PARTITIONED``: a CHIPS partitioned cookie (implies secure)."""
        return _SessionConfig(app).cookie_partitioned

    def get_expiration_time(self, app: Quart, session: SessionMixin) -> datetime | None:
        """When the cookie of a permanent session expires (now plus
        ``PERMANENT_SESSION_LIFETIME``); ``None`` makes a browser-session
        cookie.

        :param app: The application.
        :param session: The session being saved.
        """
        if session.permanent:
            return datetime.now(UTC) + _SessionConfig(app).lifetime
        return None

    def should_set_cookie(self, app: Quart, session: SessionMixin) -> bool:
        """Whether to send the cookie: the session was modified, or it is
        permanent and ``SESSION_REFRESH_EACH_REQUEST`` is on.

        :param app: The application.
        :param session: The session being saved.
        """
        return session.modified or (session.permanent and _SessionConfig(app).refresh_each_request)

    async def open_session(self, app: Quart, request: BaseRequestWebsocket) -> SessionMixin | None:
        """Load the session for ``request``; return ``None`` to fall back to
        :meth:`make_null_session`.

        :param app: The application.
        :param request: The request or websocket.
        """
        raise NotImplementedError()

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response | None
    ) -> None:
        """Persist ``session`` and set on ``response`` what the client needs
        (usually a cookie). Not called for null sessions.

        :param app: The application.
        :param session: The session to save.
        :param response: The response about to be sent; ``None`` after an
            accepted websocket (there is no response to carry a cookie, but
            a server-side store can still save the session).
        """
        raise NotImplementedError()

    # -- how the app drives the interface (private) ----------------------

    #: Whether sessions can be opened synchronously on first access (only
    #: Quart's cookie interface, unless a subclass changes how it opens):
    #: decided once per class.
    _lazy_open: bool = False

    def _open_session_now(self, app: Quart, request: BaseRequestWebsocket) -> SessionMixin | None:
        raise RuntimeError(
            "This session interface opens sessions when the context is pushed;"
            " push the request context before using the session."
        )

    def _null_session_now(self, app: Quart) -> SessionMixin:
        return self.null_session_class()


# How the app drives an interface. Module functions, not methods, and the
# private hook looked up on the interface's type: a test double such as
# ``AsyncMock(spec=SessionInterface)`` then sees its public methods called,
# as in Quart, instead of answering the private ones itself.


def _is_lazy(interface: SessionInterface) -> bool:
    """Whether ``interface`` opens sessions synchronously on first access."""
    return getattr(type(interface), "_lazy_open", False) is True


async def _open_session(
    interface: SessionInterface, app: Quart, request: BaseRequestWebsocket
) -> SessionMixin | None:
    session = await _call(app, interface.open_session, app, request)
    return cast("SessionMixin | None", session)


async def _open_or_null_session(
    interface: SessionInterface, app: Quart, request: BaseRequestWebsocket
) -> SessionMixin:
    session = await _open_session(interface, app, request)
    if session is None:
        session = cast("SessionMixin", await _call(app, interface.make_null_session, app))
    return session


async def _save_session(
    interface: SessionInterface,
    app: Quart,
    session: SessionMixin,
    response: ResponseTypes | None,
) -> None:
    await _call(app, interface.save_session, app, session, response)


async def _call(app: Quart, method: Callable[..., object], *args: object) -> object:
    """Call an interface method whether it was overridden sync or async."""
    result: object = await app.ensure_async(method)(*args)
    # A sync function returning an awaitable (a hand-made wrapper) is fine too.
    if hasattr(result, "__await__"):
        result = await cast("Awaitable[object]", result)
    return result


def _canonical_signature(value: str) -> bool:
    """Whether the signature ending ``value`` is in the one base64 form that
    signing produces (no other spelling of the same bytes)."""
    signature = value.rpartition(".")[2]
    try:
        return base64_encode(base64_decode(signature)).decode("ascii") == signature
    except BadData:
        return False


#: Serializers (per keys and options), kept by SecureCookieSessionInterface;
#: cleared when it reaches the bound (a process serves a few apps and keys,
#: rotated now and then). Their signers keep derived keys the same way.
_SERIALIZERS: dict[tuple[object, ...], URLSafeTimedSerializer] = {}
_SERIALIZERS_MAX = 32


class SecureCookieSessionInterface(SessionInterface):
    """Sessions stored in the client's cookie, signed (not encrypted) with
    ``SECRET_KEY`` through itsdangerous, using Flask's tagged JSON, so
    cookies are interchangeable with a Flask app's.

    Keys in ``SECRET_KEY_FALLBACKS`` are accepted when reading, so keys can
    be rotated, but only ``SECRET_KEY`` signs. Every cookie, permanent or
    not, is refused once older than ``PERMANENT_SESSION_LIFETIME``. A
    tampered, truncated or expired cookie gives an empty session. Without
    a secret key the session is a read-only empty null session.
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
        """The itsdangerous serializer for the app's keys, or ``None`` when
        ``SECRET_KEY`` is not set.

        :param app: The application.
        """
        if not app.secret_key:
            return None
        keys = _SessionConfig(app).secret_key_fallbacks
        # itsdangerous verifies with every key but signs with the last one.
        keys.append(app.secret_key)
        # One serializer per set of keys and options, kept, and its signer
        # derives each key once: building them on every request with a
        # session cookie cost 7 µs of the 57 µs that opening the session
        # adds to it (a request whose session is opened only to see whether
        # it is permanent: 74.5 -> 67.9 µs in-process).
        cache_key: tuple[object, ...] | None
        try:
            cache_key = (
                tuple(keys),
                self.salt,
                self.serializer,
                self.key_derivation,
                self.digest_method,
            )
            cached = _SERIALIZERS.get(cache_key)
        except TypeError:  # an unhashable key or option: built every time
            cache_key = cached = None
        if cached is not None:
            return cached
        serializer = URLSafeTimedSerializer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            serializer=self.serializer,
            signer=SessionSigner,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        if cache_key is not None:
            if len(_SERIALIZERS) >= _SERIALIZERS_MAX:
                _SERIALIZERS.clear()
            _SERIALIZERS[cache_key] = serializer
        return serializer

    _lazy_open = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._lazy_open = (
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
        max_age = int(_SessionConfig(app).lifetime.total_seconds())
        # A valid cookie, read without itsdangerous's per-call machinery (the
        # same checks: quart._cookie_signing); anything else is its to judge.
        data = read_signed(serializer, value, max_age)
        if data is not UNKNOWN:
            return self.session_class(data) if isinstance(data, dict) else self.session_class()
        try:
            data = serializer.loads(value, max_age=max_age)
        except (BadSignature, ValueError, TypeError, KeyError):
            # Tampered, truncated, expired or signed by an unknown key: the
            # client starts over rather than seeing an error.
            return self.session_class()
        if not _canonical_signature(value):
            # The signature's last base64 character has unused bits, so a few
            # altered cookies decode to the same signature; only the exact
            # cookie this app signed is accepted.
            return self.session_class()
        if not isinstance(data, dict):
            return self.session_class()
        return self.session_class(data)

    async def open_session(
        self, app: Quart, request: BaseRequestWebsocket
    ) -> SecureCookieSession | None:
        """Verify and decode the session cookie of ``request``.

        :param app: The application.
        :param request: The request or websocket.
        """
        return self._open_session_now(app, request)

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response | None
    ) -> None:
        """Set, refresh or delete the session cookie on ``response``, and add
        ``Vary: Cookie`` when the session was read or written.

        After an accepted websocket (``response`` is ``None``) no cookie can
        be set: changes made to the session are lost, and a warning is logged.

        :param app: The application.
        :param session: The session to save.
        :param response: The response about to be sent (``None`` after an
            accepted websocket).
        """
        if response is None:
            if session.modified:
                app.logger.warning(
                    "The session was changed during an accepted websocket; the changes"
                    " are lost, since a websocket has no response to carry the session"
                    " cookie. Change the session in an HTTP request to keep them."
                )
            return
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)

        if session.accessed:
            vary_on_cookie(response)

        if not session:
            # Emptied during the request: remove the cookie. Never had
            # anything: nothing to send.
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
                vary_on_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return
        data = dict(session)
        value = write_signed(serializer, data) or serializer.dumps(data)
        response.set_cookie(
            name,
            value,
            expires=self.get_expiration_time(app, session),
            httponly=httponly,
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
        )
        vary_on_cookie(response)


# -- names Quart 0.22's module has, for code that imports them from here --------

from werkzeug.wrappers import Response as WerkzeugResponse  # noqa: E402, F401

from .wrappers import BaseRequestWebsocket as BaseRequestWebsocket  # noqa: E402
from .wrappers import Response as Response  # noqa: E402
