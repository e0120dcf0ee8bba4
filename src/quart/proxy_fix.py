"""Trust the ``X-Forwarded-*`` headers set by reverse proxies in front of the app.

Behind nginx, Caddy, a load balancer..., the server sees the proxy as the
client, plain HTTP as the scheme, and the proxy's upstream name as the host.
:class:`ProxyFix` rewrites the ASGI scope of each HTTP and websocket
connection from the headers the proxies add, so ``request.remote_addr``,
``request.scheme``, ``request.host``, ``request.url`` and ``url_for(...,
_external=True)`` describe what the client used::

    from quart.proxy_fix import ProxyFix

    app.asgi_app = ProxyFix(app.asgi_app, x_for=1, x_proto=1, x_host=1)

Wrapping ``app.asgi_app`` (rather than ``app``) keeps ``app`` the object the
server is given and lets the test client go through the middleware too.

Only trust as many values of each header as there are proxies that set it:
each proxy appends to ``X-Forwarded-For``, so with ``x_for=1`` the last
value (written by your proxy) is used, and anything a client sent itself
ahead of it is ignored. A header with fewer values than trusted is ignored
entirely. Setting a count higher than the number of proxies lets clients
forge their address.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .typing import ASGIReceiveCallable
from .typing import ASGISendCallable

if TYPE_CHECKING:
    from .typing import Scope
    from .typing import WWWScope

__all__ = ["ProxyFix"]

ASGIApp = Callable[["Scope", ASGIReceiveCallable, ASGISendCallable], Awaitable[None]]

# A host, optionally with a port: what may replace the Host header.
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::[0-9]{1,5})?$")
_PORT = re.compile(r"^[0-9]{1,5}$")
_PREFIX = re.compile(r"^/[\x21-\x7e]*$")  # A path of printable ASCII, no spaces.
_SCHEMES = {
    "http": {"http": "http", "https": "https"},
    "websocket": {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"},
}


class ProxyFix:
    """ASGI middleware that applies ``X-Forwarded-For``, ``-Proto``, ``-Host``,
    ``-Port`` and ``-Prefix`` from trusted proxies to the scope.

    Each argument is the number of proxies that set that header (``0``: do
    not trust it). The defaults (one proxy setting ``For`` and ``Proto``)
    match Werkzeug's ``ProxyFix``.

    :param app: The ASGI app to wrap (``app.asgi_app``).
    :param x_for: Proxies setting ``X-Forwarded-For``: the client address.
    :param x_proto: Proxies setting ``X-Forwarded-Proto``: ``http`` or
        ``https`` (``ws``/``wss`` for websockets).
    :param x_host: Proxies setting ``X-Forwarded-Host``: the ``Host``.
    :param x_port: Proxies setting ``X-Forwarded-Port``: the port of the host.
    :param x_prefix: Proxies setting ``X-Forwarded-Prefix``: the path the app
        is mounted at (the ASGI ``root_path``).
    """

    def __init__(
        self,
        app: ASGIApp,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        for name, value in (
            ("x_for", x_for),
            ("x_proto", x_proto),
            ("x_host", x_host),
            ("x_port", x_port),
            ("x_prefix", x_prefix),
        ):
            _check_count(name, value)
        #: The wrapped ASGI app.
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve one ASGI connection, with the scope fixed for HTTP and websockets."""
        if scope["type"] == "http" or scope["type"] == "websocket":  # the keys of _SCHEMES
            scope = self.fix_scope(scope)
        await self.app(scope, receive, send)

    def fix_scope(self, scope: WWWScope) -> WWWScope:
        """A copy of the ``http`` or ``websocket`` ``scope`` with the trusted
        forwarded values applied (the original is not changed)."""
        forwarded = _forwarded_headers(scope.get("headers", ()))
        scope = scope.copy()
        address = _trusted(forwarded.get(b"x-forwarded-for"), self.x_for)
        if address:
            scope["client"] = (address, 0)
        proto = _trusted(forwarded.get(b"x-forwarded-proto"), self.x_proto)
        if proto:
            scheme = _SCHEMES[scope["type"]].get(proto.lower())
            if scheme is not None:
                scope["scheme"] = scheme
        host = _trusted(forwarded.get(b"x-forwarded-host"), self.x_host)
        if host and _HOST.match(host):
            _set_host(scope, host)
        port = _trusted(forwarded.get(b"x-forwarded-port"), self.x_port)
        if port and _PORT.match(port) and int(port) <= 65535:
            _set_host(scope, f"{_host_without_port(_current_host(scope))}:{port}")
        prefix = _trusted(forwarded.get(b"x-forwarded-prefix"), self.x_prefix)
        if prefix and _PREFIX.match(prefix):
            _set_prefix(scope, prefix.rstrip("/"))
        return scope


def _check_count(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a number of proxies (0 or more), not {value!r}.")


def _forwarded_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[bytes, str]:
    """The X-Forwarded-* headers, repeated lines joined as one list."""
    found: dict[bytes, list[str]] = {}
    for name, value in headers:
        name = name.lower()
        if name.startswith(b"x-forwarded-"):
            found.setdefault(name, []).append(value.decode("latin-1"))
    return {name: ",".join(values) for name, values in found.items()}


def _trusted(value: str | None, trusted: int) -> str | None:
    """The value the ``trusted``-th proxy from us wrote, if there are enough."""
    if value is None or trusted == 0:
        return None
    values = [item.strip() for item in value.split(",")]
    if len(values) < trusted:
        return None
    return values[-trusted] or None


def _current_host(scope: WWWScope) -> str:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"host":
            return str(value.decode("latin-1"))
    server = scope.get("server")
    if server and server[1] is not None:
        return f"{server[0]}:{server[1]}"
    return str(server[0]) if server else ""


def _host_without_port(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.partition(":")[0]


def _set_host(scope: WWWScope, host: str) -> None:
    headers = [(name, value) for name, value in scope.get("headers", ()) if name.lower() != b"host"]
    headers.append((b"host", host.encode("latin-1")))
    scope["headers"] = headers
    name = _host_without_port(host)
    port_text = host[len(name) + 1 :]
    if port_text:
        port = int(port_text)
    else:
        port = 443 if scope.get("scheme") in ("https", "wss") else 80
    scope["server"] = (name.strip("[]"), port)


def _set_prefix(scope: WWWScope, prefix: str) -> None:
    # ASGI paths include root_path; the app strips it again when routing.
    scope["root_path"] = prefix
    scope["path"] = prefix + scope["path"]
    raw_path = scope.get("raw_path")
    if raw_path is not None:
        scope["raw_path"] = prefix.encode("latin-1") + raw_path
