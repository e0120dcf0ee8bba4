"""What requests and websockets share: Werkzeug's sans-IO request plus routing info.

Rule: nothing in ``wrappers/`` reads or writes ASGI messages; the ASGI
adapter hands these objects plain values and callables.
"""

from __future__ import annotations

import inspect
from typing import Any
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.sansio.request import Request as SansIORequest
from werkzeug.utils import cached_property

from .. import _lazy
from .. import json
from ..formparser import _plain_multidict
from ..formparser import _plain_text

if TYPE_CHECKING:
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import Rule

    from ..typing import WWWScope as WWWScope

__all__ = ["BaseRequestWebsocket", "ClientDisconnectedError"]

# Werkzeug's own parser, for query strings that need unescaping.
_werkzeug_args = SansIORequest.__dict__["args"].fget


class ClientDisconnectedError(Exception):
    """The client went away: raised where the app reads from or sends to a
    connection that no longer exists.

    The ASGI adapter swallows it when it escapes a view, since there is no
    one left to send an error response to.

    .. versionadded:: 0.23 (Quart)
    """


class BaseRequestWebsocket(SansIORequest):
    """The parts of a request that an HTTP request and a websocket share.

    :param method: The HTTP method (always ``GET`` for websockets).
    :param scheme: ``http``, ``https``, ``ws`` or ``wss``.
    :param path: The path after the root path, percent-decoded.
    :param query_string: The raw query string.
    :param headers: The request headers.
    :param root_path: The prefix the app is mounted under.
    :param http_version: ``1.0``, ``1.1``, ``2`` or ``3``.
    :param scope: The ASGI scope this came from.
    """

    json_module: Any = json
    #: The :class:`~werkzeug.routing.Rule` that matched, if any.
    url_rule: Rule | None = None
    #: The arguments the URL rule matched, if any.
    view_args: dict[str, Any] | None = None
    #: The routing error (404, 405, redirect) if matching failed.
    routing_exception: HTTPException | None = None
    # Whether ``endpoint``, ``blueprint`` and ``blueprints`` are the ones
    # below, so the pipeline may skip them for an endpoint outside any
    # blueprint (decided per class; bench: plaintext, make bench-instr).
    _plain_blueprints = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = BaseRequestWebsocket.__dict__
        cls._plain_blueprints = all(
            getattr(cls, name) is own[name] for name in ("endpoint", "blueprint", "blueprints")
        )

    def __init__(
        self,
        method: str,
        scheme: str,
        path: str,
        query_string: bytes,
        headers: Headers,
        root_path: str,
        http_version: str,
        scope: WWWScope,
    ) -> None:
        # Request.__init__ and Websocket.__init__ have a copy of these
        # lines: keep the three in step.
        client = scope.get("client")
        # Werkzeug's sans-IO __init__, inlined (a call per request; bench:
        # plaintext, make bench-instr): the same attributes, the same values.
        self.method = method.upper()
        self.scheme = scheme
        self.server = scope.get("server")
        self.root_path = root_path.rstrip("/")
        self.path = "/" + path.lstrip("/")
        self.query_string = query_string
        self.headers = headers
        # Without a client address (a unix socket, Quart's test client)
        # Quart reports "<local>"; so do we.
        self.remote_addr = client[0] if client else "<local>"
        #: The HTTP version of the connection.
        self.http_version = http_version
        #: The ASGI scope of the connection.
        self.scope = scope

    @cached_property
    def args(self) -> MultiDict[str, str]:
        """The parsed query string (as Werkzeug parses it)."""
        query = self.query_string
        if not query:
            return self.parameter_storage_class()
        text = _plain_text(query)
        if text is not None:
            # Nothing to unescape: split directly, as parse_qsl would.
            return _plain_multidict(self.parameter_storage_class, text)
        return _werkzeug_args(self)  # type: ignore[no-any-return]

    def _parse_content_type(self) -> None:
        # A plain "type/subtype" (the usual JSON or form request) needs no
        # option parsing; anything with parameters goes to Werkzeug.
        if not hasattr(self, "_parsed_content_type"):
            value = self.headers.get("Content-Type", "")
            if ";" in value or '"' in value:
                super()._parse_content_type()
            else:
                self._parsed_content_type = (value.strip(), {})

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or ``None``."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The full dotted name of the blueprint the endpoint belongs to."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    @property
    def script_root(self) -> str:
        """Alias of :attr:`root_path`."""
        return self.root_path

    @property
    def url_root(self) -> str:
        """Alias of :attr:`root_url`."""
        return self.root_url


class _CachedAttribute:
    """Werkzeug's ``cached_property`` (computed on first read, then kept), kept
    as a plain instance attribute: later reads find it without a call, and
    the instance's compact attribute storage stays as it is. Werkzeug's
    writes through ``obj.__dict__``, which turns that storage into a dict
    that every later look-up on the request pays for (bench: query_header,
    make bench-instr; a request whose dict is asked for costs ~6k
    instructions more on plaintext). Assigning or deleting the attribute
    behaves as with Werkzeug's (the next read computes it again)."""

    def __init__(self, fget: Any, name: str, doc: str | None) -> None:
        self.fget = fget
        self.__name__ = name
        self.__doc__ = doc

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self.fget(instance)
        setattr(instance, self.__name__, value)
        return value


def _keep_as_attributes(cls: type) -> None:
    # Every Werkzeug cached_property that ``cls`` has (its own, or its base
    # classes'): a _CachedAttribute on ``cls`` instead.
    for name in dir(cls):
        attribute = inspect.getattr_static(cls, name)
        if isinstance(attribute, cached_property):
            setattr(cls, name, _CachedAttribute(attribute.fget, name, attribute.__doc__))


_keep_as_attributes(BaseRequestWebsocket)


# Quart 0.22's module has WWWScope (Hypercorn's TypedDict): imported on use.
_LAZY_NAMES: _lazy.LazyNames = {"WWWScope": ("quart.typing", "WWWScope")}


def __getattr__(name: str) -> Any:
    return _lazy.load(__name__, name, _LAZY_NAMES)


def __dir__() -> list[str]:
    return _lazy.names(__name__, _LAZY_NAMES)
