"""Werkzeug routing with websocket rules and a per-host adapter cache.

Binding a :class:`~werkzeug.routing.MapAdapter` costs several microseconds
(bench: plaintext and path_params endpoints, ``make bench``), and every
request to the same host, root path and scheme would build an identical one.
:meth:`QuartMap.bind_to_request` keeps a small, bounded cache of adapters;
``match`` is always given the path explicitly, so a shared adapter carries no
per-request state.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import cast
from typing import NoReturn
from typing import TYPE_CHECKING
from urllib.parse import quote
from urllib.parse import urlsplit

from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.routing import Rule
from werkzeug.routing import RuleFactory
from werkzeug.routing.exceptions import NoMatch
from werkzeug.routing.exceptions import RequestAliasRedirect
from werkzeug.routing.exceptions import RequestPath
from werkzeug.routing.exceptions import WebsocketMismatch

from ._matcher import Matcher
from ._matcher import Shape

if TYPE_CHECKING:
    from .wrappers.base import BaseRequestWebsocket

__all__ = ["QuartMap", "QuartRule", "split_root_path"]

# Host headers are client controlled; bound the cache so it cannot grow.
_ADAPTER_CACHE_SIZE = 256
# Paths are client controlled too.
_MATCH_CACHE_SIZE = 1024
# The parts of a path that are decimal digits only (as \d+ matches them),
# with the slash before each: split() keeps the digits between the rest.
_NUMBER_PARTS = re.compile(r"/(\d+)(?![^/])")
# The longest path remembered (or looked for by its shape), and the most
# numbers a shape has: a cached key holds the path (or its pieces), and
# clients choose paths; a longer one is matched every time.
_CACHED_PATH_MAX = 1024
_SHAPE_MAX_PIECES = 2 * 8 + 1


class QuartRule(Rule):
    """A URL rule that knows whether it serves websockets.

    :param websocket: The rule matches websocket connections only.
    :param provide_automatic_options: Answer ``OPTIONS`` automatically.
    """

    def __init__(
        self,
        string: str,
        defaults: Mapping[str, object] | None = None,
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

    def __init__(
        self, rules: Iterable[RuleFactory] | None = None, *args: Any, **kwargs: Any
    ) -> None:
        self._adapters: dict[tuple[str, str, str, str | None, str | None, bool], MapAdapter] = {}
        self._subdomain_rules: bool | None = None
        # quart._app.urls._build's choices of rule (emptied as rules are added).
        self._build_choices: dict[tuple[object, ...], Any] = {}
        super().__init__(None, *args, **kwargs)
        # Werkzeug's states and ordering, walked without its per-call costs
        # (quart._matcher); installed before any rule is added, so rules
        # reach it through add() in their order (build-only ones not at all).
        self._matcher = Matcher(self._matcher.merge_slashes)
        for rulefactory in rules or ():
            self.add(rulefactory)

    def add(self, rulefactory: RuleFactory) -> None:
        """Add a rule (or rule factory) and forget cached adapters."""
        super().add(rulefactory)
        self._adapters.clear()
        self._build_choices.clear()
        self._subdomain_rules = None

    @property
    def has_subdomain_rules(self) -> bool:
        """Whether any rule is bound to a subdomain (``subdomain=`` on a route
        or blueprint)."""
        if self._subdomain_rules is None:
            self._subdomain_rules = any(rule.subdomain for rule in self.iter_rules())
        return self._subdomain_rules

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
        inside = True
        if request.root_path:
            inside = _inside_root(request)
        # adapter_for_request reads this cache in place: keep the key in step.
        key = (
            request.headers.get("Host", ""),
            request.scheme,
            request.root_path,
            subdomain,
            server_name,
            inside,
        )
        adapter = self._adapters.get(key)
        if adapter is None:
            adapter = self._bind(request, subdomain, server_name)
            if not inside:
                adapter.__class__ = _OutsideRootAdapter
            if len(self._adapters) >= _ADAPTER_CACHE_SIZE:
                self._adapters.clear()
            self._adapters[key] = adapter
        if server_name is not None and not subdomain and not self.host_matching:
            # Quart warns, on every request, when the host is not SERVER_NAME
            # or one of its subdomains. Nothing to check without SERVER_NAME.
            configured = getattr(adapter, "_quart_foreign_host", None)
            if configured is not None:
                warnings.warn(
                    f"Current server name '{request.host}' doesn't match configured"
                    f" server name '{configured}'",
                    UserWarning,
                    stacklevel=3,
                )
        return adapter

    def _bind(
        self, request: BaseRequestWebsocket, subdomain: str | None, server_name: str | None
    ) -> MapAdapter:
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
        adapter = self.bind(
            server_name,
            script_name=request.root_path or "/",
            subdomain=subdomain,
            url_scheme=scheme,
        )
        adapter._quart_matches = {}  # type: ignore[attr-defined]
        # The configured server name, if the request's host lies outside it.
        bare_host = _strip_default_port(host, scheme)
        adapter._quart_foreign_host = (  # type: ignore[attr-defined]
            server_name
            if bare_host != server_name and not bare_host.endswith("." + server_name)
            else None
        )
        return adapter


_BIND_TO_REQUEST = QuartMap.bind_to_request


class _OutsideRootAdapter(MapAdapter):
    """The adapter for a request whose ASGI path lies outside its root path:
    nothing matches (404), but URLs are built as usual."""

    def match(self, *args: object, **kwargs: object) -> NoReturn:
        raise NotFound()


def split_root_path(path: str, root_path: str) -> tuple[str, bool]:
    """Split an ASGI ``path`` (which includes ``root_path``) into the path
    within the app and whether it lies under ``root_path`` at all.

    The root path must end at a segment boundary: under ``/app``, ``/app/x``
    is ``/x``, while ``/app`` itself and ``/appx`` lie outside it (kept whole;
    Quart answers both with 404).
    """
    root = root_path.rstrip("/")
    if not root:
        return path, True
    if path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :], True
    return path, False


def _inside_root(request: BaseRequestWebsocket) -> bool:
    scope: object = getattr(request, "scope", None)
    if not isinstance(scope, dict):
        return True  # not built from an ASGI scope: nothing to check
    raw = scope.get("path")
    if not isinstance(raw, str) or not scope.get("root_path"):
        return True
    if raw[:1] != "/" and "://" in raw:
        raw = urlsplit(raw).path or "/"
    return split_root_path(raw, scope["root_path"])[1]


def match(
    adapter: MapAdapter, path: str, method: str, query_string: bytes, websocket: bool
) -> tuple[Rule, dict[str, object]]:
    """Match ``path``, remembering results that cannot differ between requests.

    Raises the routing exception (404, 405, redirect) when nothing matches.
    A rule is remembered only if its converters are Werkzeug's own, so a
    custom converter that loads objects still runs on every request; and
    only once a path comes a second time. The first time only the path is
    noted (its key, with ``False``): a route whose arguments vary (a user id
    never seen before in every request) would otherwise leave a remembered
    answer per request, objects the garbage collector must move up its
    generations and scan in full collections until the cache is cleared
    (bench: path_params_varied). Such a route is answered by the path's
    shape instead where its arguments are numbers: the path around its
    parts of digits (``/users/1042/posts/hello`` is ``/users`` + a number +
    ``/posts/hello``), once two paths of that shape have been matched and
    :meth:`quart._matcher.Matcher.shape` has found which numbers cannot
    change the answer.
    """
    # (path, method, websocket) -> (rule, args), or False: seen once; and
    # (shape, method, websocket) -> a Shape, 0: seen once, or False: unusable.
    cache: dict[Any, Any] | None = getattr(adapter, "_quart_matches", None)
    if type(cache) is not dict:
        cache = None  # an adapter of another kind (a test's Mock): no cache
    # ctx.match_request reads this cache in place: keep the key in step.
    key = (path, method, websocket)
    hit: tuple[Rule, dict[str, object]] | bool | None = None
    shape_key: tuple[tuple[str, ...], str, bool] | None = None
    if cache is not None:
        hit = cache.get(key)
        if hit:
            rule, args = hit
            return rule, dict(args)
        if path[:1] == "/" and path[1:2] != "/" and len(path) <= _CACHED_PATH_MAX:
            # A path with parts of digits (/users/1042/posts): answered by
            # its shape, the path around them, once two paths of that shape
            # have been matched and Matcher.shape found the digits cannot
            # change the answer (bench: path_params_varied). In the same
            # dict: a tuple, not a str, comes first in its key.
            pieces = _NUMBER_PARTS.split(path)
            if 1 < len(pieces) <= _SHAPE_MAX_PIECES:
                shape_key = (tuple(pieces[0::2]), method, websocket)
                shaped: Shape | None = cache.get(shape_key) or None  # (or 0, False)
                if shaped is not None:
                    rule, constants, slots = shaped
                    args = dict(constants)
                    try:
                        for name, number, as_int, taken in slots:
                            value = pieces[2 * number + 1]
                            if taken and value in taken:
                                raise LookupError  # A static part's (/users/7).
                            args[name] = int(value) if as_int else value
                    except (ValueError, LookupError):
                        pass  # Matched below (past int()'s digit limit: a 404).
                    else:
                        return rule, args
    found = _match_directly(adapter, path, method, websocket)
    if found is None:
        # Werkzeug copies query_args into slash-redirect URLs and needs a str:
        # percent-encode so raw bytes (0xFF, CR, LF) cannot reach the Location header.
        query_args = quote(query_string, safe=_QUERY_SAFE) if query_string else None
        rule, matched = adapter.match(
            path, method, return_rule=True, query_args=query_args, websocket=websocket
        )
        args = dict(matched)
    else:
        rule, args = found
    if cache is not None and len(path) <= _CACHED_PATH_MAX and _cacheable(rule):
        if shape_key is not None and found is not None:
            # A shape is judged the second time it comes (0: seen once);
            # False: its digits may change the answer, it is not used.
            seen = cache.get(shape_key)
            if seen is None:
                if len(cache) >= _MATCH_CACHE_SIZE:
                    cache.clear()
                cache[shape_key] = 0
            elif type(seen) is int:
                matcher = cast(Matcher, adapter.map._matcher)  # (_match_directly's kind)
                cache[shape_key] = (
                    matcher.shape(_domain(adapter), path, method, websocket, rule, args) or False
                )
        if hit is None:  # Seen for the first time: noted, not remembered.
            if len(cache) >= _MATCH_CACHE_SIZE:
                cache.clear()
            cache[key] = False
        else:
            cache[key] = (rule, dict(args))
    return rule, args


def _match_directly(
    adapter: MapAdapter, path: str, method: str, websocket: bool
) -> tuple[Rule, dict[str, object]] | None:
    """``adapter.match``'s answer straight from the map's matcher, without
    the adapter's own layer (a request to a route whose arguments vary
    matches anew every time: bench: path_params_varied, make bench-instr).
    ``None`` when Werkzeug must answer: a redirect to build (a missing
    slash, a rule's ``redirect_to``, an alias), or an adapter or matcher of
    another kind. Routing errors are raised as ``adapter.match`` raises them."""
    url_map = adapter.map
    matcher = url_map._matcher
    if type(matcher) is not Matcher or type(adapter) is not MapAdapter:
        return None
    if url_map._remap:
        url_map.update()
    domain = _domain(adapter)
    if path[1:2] == "/" or path[:1] != "/":
        path = f"/{path.lstrip('/')}" if path else ""  # as the adapter does
    try:
        rule, args = matcher.match(domain, path, method.upper(), websocket)
    except NoMatch as error:
        if error.have_match_for:
            raise MethodNotAllowed(valid_methods=list(error.have_match_for)) from None
        if error.websocket_mismatch:
            raise WebsocketMismatch() from None
        raise NotFound() from None
    except (RequestPath, RequestAliasRedirect):
        return None
    if rule.redirect_to is not None or (
        url_map.redirect_defaults and url_map._rules_by_endpoint[rule.endpoint][0] is not rule
    ):
        return None
    return rule, args


def _domain(adapter: MapAdapter) -> str:
    """The first part the matcher walks, as ``adapter.match`` gives it: the
    host under host matching, else the subdomain."""
    if not adapter.map.host_matching and adapter.subdomain is not None:
        return adapter.subdomain
    return adapter.server_name


_QUERY_SAFE = "/?:@!$&'()*+,;=%"


def _cacheable(rule: Rule) -> bool:
    cached: bool | None = getattr(rule, "_quart_cacheable", None)
    if cached is None:
        cached = all(
            type(converter).__module__.startswith("werkzeug.")
            for converter in rule._converters.values()
        )
        rule._quart_cacheable = cached  # type: ignore[attr-defined]
    return cached


def adapter_for_request(app: Any, request: BaseRequestWebsocket) -> MapAdapter:
    """``Quart.create_url_adapter(request)``: the app's URL map bound to
    ``request`` (the body of the method for a request; the context calls it
    directly while the app keeps Quart's method: bench: plaintext, make
    bench-instr)."""
    config = app.config
    trusted = config["TRUSTED_HOSTS"]
    if trusted is not None:
        request.trusted_hosts = trusted
        # Validates the Host header now (SecurityError is a 400): the
        # adapter cache of QuartMap is keyed by the raw header.
        request.__dict__.pop("host", None)
        _ = request.host
    subdomain = None
    server_name = config["SERVER_NAME"]
    url_map = app.url_map
    if url_map.host_matching:
        server_name = None
    elif not app.subdomain_matching and not (server_name and url_map.has_subdomain_rules):
        # Flask's rule: without subdomain_matching every request is on
        # the default subdomain. Quart matches subdomain routes whenever
        # SERVER_NAME is set, and apps with such routes rely on it: they
        # get Quart's behaviour.
        subdomain = url_map.default_subdomain or ""
    if server_name is None and type(url_map).bind_to_request is _BIND_TO_REQUEST:
        # bind_to_request's cache hit, read in place (a call less per
        # request: bench: plaintext, make bench-instr); keep the key in step.
        root_path = request.root_path
        adapter = url_map._adapters.get(
            (
                request.headers.get("Host", ""),
                request.scheme,
                root_path,
                subdomain,
                None,
                _inside_root(request) if root_path else True,
            )
        )
        if adapter is not None:
            return adapter  # type: ignore[no-any-return]
    return url_map.bind_to_request(request, subdomain, server_name)  # type: ignore[no-any-return]


def _strip_default_port(server_name: str, scheme: str) -> str:
    if scheme in {"http", "ws"} and server_name.endswith(":80"):
        return server_name[:-3]
    if scheme in {"https", "wss"} and server_name.endswith(":443"):
        return server_name[:-4]
    return server_name


# -- names Quart 0.22's module has, for code that imports them from here --------

from .wrappers.base import BaseRequestWebsocket as BaseRequestWebsocket  # noqa: E402


def _normalise_host(scheme: str, host: str) -> str:
    """``host`` without the scheme's default port (``:80``, ``:443``)."""
    return _strip_default_port(host, scheme)
