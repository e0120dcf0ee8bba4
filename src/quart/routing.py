"""Werkzeug routing with websocket rules and a per-host adapter cache.

Binding a :class:`~werkzeug.routing.MapAdapter` costs several microseconds,
and every request to the same host, root path and scheme would build an
identical one. :meth:`QuartMap.bind_to_request` keeps a small, bounded cache
of adapters; ``match`` is always given the path explicitly, so a shared
adapter carries no per-request state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.routing import Rule

if TYPE_CHECKING:
    from .wrappers.base import BaseRequestWebsocket

__all__ = ["QuartMap", "QuartRule"]

# Host headers are client controlled; bound the cache so it cannot grow.
_ADAPTER_CACHE_SIZE = 256


class QuartRule(Rule):
    """A URL rule that knows whether it serves websockets.

    :param websocket: The rule matches websocket connections only.
    :param provide_automatic_options: Answer ``OPTIONS`` automatically.
    """

    def __init__(
        self,
        string: str,
        defaults: dict[str, Any] | None = None,
        subdomain: str | None = None,
        methods: Iterable[str] | None = None,
        endpoint: str | None = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        host: str | None = None,
        websocket: bool = False,
        provide_automatic_options: bool = False,
        **kwargs: Any,
    ) -> None:
        if websocket:
            methods = {"GET"}
            provide_automatic_options = False
        super().__init__(
            string,
            defaults=defaults,
            subdomain=subdomain,
            methods=methods,
            endpoint=endpoint,
            strict_slashes=strict_slashes,
            merge_slashes=merge_slashes,
            host=host,
            websocket=websocket,
            **kwargs,
        )
        self.provide_automatic_options = provide_automatic_options


class QuartMap(Map):
    """A :class:`~werkzeug.routing.Map` that binds to Quart requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._adapters: dict[tuple[str, str, str | None, str], MapAdapter] = {}
        super().__init__(*args, **kwargs)

    def add(self, rulefactory: Any) -> None:
        """Add a rule (or rule factory) and forget cached adapters."""
        super().add(rulefactory)
        self._adapters.clear()

    def bind_to_request(
        self,
        request: BaseRequestWebsocket,
        subdomain: str | None,
        server_name: str | None,
    ) -> MapAdapter:
        """Return an adapter for the request's host, scheme and root path.

        :param request: The request or websocket being routed.
        :param subdomain: Force this subdomain, or ``None`` to work it out
            from ``server_name``.
        :param server_name: The configured ``SERVER_NAME``, if any.
        """
        host = request.host.lower()
        scheme = request.scheme
        if server_name is None:
            server_name = host
        else:
            server_name = _strip_default_port(server_name.lower(), scheme)
        if subdomain is None and not self.host_matching:
            if host == server_name or host.endswith("." + server_name):
                subdomain = host[: -len(server_name)].rstrip(".")
            else:
                # A host outside SERVER_NAME matches no subdomain rule.
                subdomain = "<invalid>"
        key = (server_name, request.root_path, subdomain, scheme)
        adapter = self._adapters.get(key)
        if adapter is None:
            if len(self._adapters) >= _ADAPTER_CACHE_SIZE:
                self._adapters.clear()
            adapter = self.bind(
                server_name,
                script_name=request.root_path or "/",
                subdomain=subdomain,
                url_scheme=scheme,
            )
            self._adapters[key] = adapter
        return adapter


def _strip_default_port(server_name: str, scheme: str) -> str:
    if scheme in {"http", "ws"} and server_name.endswith(":80"):
        return server_name[:-3]
    if scheme in {"https", "wss"} and server_name.endswith(":443"):
        return server_name[:-4]
    return server_name
