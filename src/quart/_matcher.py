"""Werkzeug's state-machine URL matching, without its per-call costs.

Werkzeug's ``StateMachineMatcher.match`` defines a recursive closure on every
call (a function whose cell holds itself: a reference cycle per match, left
to the garbage collector), looks each dynamic part's pattern up in the ``re``
module's cache, sorts the converter groups of every match and slices the
path's parts at each step. ``match`` is called for every request whose path
is not in the adapter's cache of answers (``routing.match``): every 404, and
every request to a route with arguments whose values vary (``/users/<id>``).

:class:`Matcher` keeps Werkzeug's states, transitions and ordering (``add``
and ``update`` are Werkzeug's own), and walks them the same way, depth first:
static transitions before dynamic ones, dynamic ones by weight, a trailing
slash redirect when only the slash is missing; the walk's first path is
followed in a loop first (``Matcher._descend``), which is the answer for
most requests, and only a path that fails there takes the whole recursive
walk. It answers exactly as
Werkzeug's does (the same rule, values and exceptions; ``tests/test_matcher.py``
compares the two on generated maps and paths), with each pattern compiled
once and its group names sorted once.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.routing.converters import BaseConverter
from werkzeug.routing.converters import IntegerConverter
from werkzeug.routing.converters import ValidationError
from werkzeug.routing.exceptions import NoMatch
from werkzeug.routing.exceptions import RequestAliasRedirect
from werkzeug.routing.exceptions import RequestPath
from werkzeug.routing.matcher import SlashRequired
from werkzeug.routing.matcher import State
from werkzeug.routing.matcher import StateMachineMatcher
from werkzeug.routing.rules import Rule

_MERGE = re.compile("/{2,}")
_GROUP_PREFIX = "__werkzeug_"


# A part that is one converter with one of Werkzeug's two most common
# patterns, the default's (``<name>``, ``<string:name>``) and ``<int:name>``'s:
# _descend tests the part itself instead of running the pattern.
_WHOLE_PART = "whole part"
_DIGITS = "digits"
_SIMPLE = {
    f"(?P<{_GROUP_PREFIX}0>[^/]{{1,}})\\Z": _WHOLE_PART,
    f"(?P<{_GROUP_PREFIX}0>\\d+)\\Z": _DIGITS,
}
# A dynamic part's pattern compiled, its converter groups in order, and
# _WHOLE_PART or _DIGITS where no pattern need run.
_Pattern = tuple[Any, tuple[str, ...], str | None]
_GROUP_START = f"(?P<{_GROUP_PREFIX}"
#: Matcher.shape's answer: the rule, the arguments that do not vary, and
#: (argument, which part of digits, whether int() converts it, the values a
#: static part takes there) for the others.
Shape = tuple[Rule, dict[str, Any], tuple[tuple[str, int, bool, frozenset[str]], ...]]


def _compile(patterns: dict[str, _Pattern], content: str) -> _Pattern:
    """A dynamic part's pattern compiled, with its converter groups in order."""
    pattern = re.compile(content)
    names = sorted(
        (name for name in pattern.groupindex if name.startswith(_GROUP_PREFIX)),
        key=lambda name: int(name[len(_GROUP_PREFIX) :]),
    )
    compiled = patterns[content] = (pattern, tuple(names), _SIMPLE.get(content))
    return compiled


# How a rule's argument is converted: as it is (BaseConverter.to_python, the
# default, path and any converters), by int() (a plain IntegerConverter), or
# by the converter's own to_python.
_AS_IS = "as is"
_INT = "int"
_CALL = "call"
_Conversions = tuple[tuple[str, str, BaseConverter], ...]


def _conversions(rule: Rule) -> _Conversions:
    """``rule``'s converters as (argument name, kind, converter), in order:
    Werkzeug's own that need no call are not called (bench:
    path_params_varied, make bench-instr). Remembered on the rule while its
    converters are the same."""
    converters = rule._converters
    cached: tuple[object, _Conversions] | None = getattr(rule, "_quart_conversions", None)
    if cached is not None and cached[0] is converters:
        return cached[1]
    plan = []
    for name, converter in converters.items():
        kind = _CALL
        if type(converter).to_python is BaseConverter.to_python:
            kind = _AS_IS
        elif (
            type(converter) is IntegerConverter
            and not converter.fixed_digits
            and converter.min is None
            and converter.max is None
        ):
            kind = _INT
        plan.append((str(name), kind, converter))
    conversions = tuple(plan)
    rule._quart_conversions = (converters, conversions)  # type: ignore[attr-defined]
    return conversions


class _Search:
    """One match's walk: what it is looking for, and what it saw on the way
    (the methods other rules accept, a rule only for the other kind of
    connection), which Werkzeug reports when nothing matches."""

    __slots__ = ("allowed", "method", "patterns", "websocket", "websocket_mismatch")

    def __init__(self, method: str, websocket: bool, patterns: dict[str, _Pattern]) -> None:
        self.method = method
        self.websocket = websocket
        self.patterns = patterns
        self.allowed: set[str] = set()
        self.websocket_mismatch = False

    def accepts(self, rule: Rule) -> bool:
        """Whether ``rule`` serves this method and kind (noting why not)."""
        if rule.methods is not None and self.method not in rule.methods:
            self.allowed.update(rule.methods)
            return False
        if rule.websocket != self.websocket:
            self.websocket_mismatch = True
            return False
        return True

    def walk(
        self, state: State, parts: list[str], index: int, values: list[str]
    ) -> tuple[Rule, list[str]] | None:
        """The first rule reachable from ``state`` for ``parts[index:]``."""
        if index == len(parts):
            for rule in state.rules:
                if self.accepts(rule):
                    return rule, values
            # Only the trailing slash is missing: redirect to it (or match
            # a rule that does not insist on it).
            slashed = state.static.get("")
            if slashed is not None:
                for rule in slashed.rules:
                    if rule.websocket == self.websocket and (
                        rule.methods is None or self.method in rule.methods
                    ):
                        if rule.strict_slashes:
                            raise SlashRequired()
                        return rule, values
            return None
        part = parts[index]
        following = state.static.get(part)
        if following is not None:
            found = self.walk(following, parts, index + 1, values)
            if found is not None:
                return found
        for test, following in state.dynamic:
            if test.final:
                # Consumes every remaining part.
                target = "/".join(parts[index:])
                rest: list[str] = []
                start = 0
            else:
                target = part
                rest = parts
                start = index + 1
            compiled = self.patterns.get(test.content) or _compile(self.patterns, test.content)
            matched = compiled[0].match(target)
            if matched is None:
                continue
            if test.suffixed and matched.groups()[-1] == "/":
                # The part ends in a slash: what is left is that slash.
                rest = [""]
                start = 0
            found = self.walk(
                following, rest, start, values + [matched.group(name) for name in compiled[1]]
            )
            if found is not None:
                return found
        if index == len(parts) - 1 and part == "":
            # A trailing slash a rule does not insist on.
            for rule in state.rules:
                if not rule.strict_slashes and self.accepts(rule):
                    return rule, values
        return None


class Matcher(StateMachineMatcher):
    """Werkzeug's matcher with a closure-free, pre-compiled walk (see the
    module docstring)."""

    def __init__(self, merge_slashes: bool) -> None:
        super().__init__(merge_slashes)
        # A dynamic part's pattern -> (compiled, its converter groups in order).
        self._patterns: dict[str, _Pattern] = {}

    def _descend(
        self, parts: list[str], method: str, websocket: bool
    ) -> tuple[Rule, list[str]] | None:
        """The walk's first path, in a loop: at each state the static
        transition if there is one, else the first dynamic one that matches.
        That is the path the depth-first walk tries first, so a rule that
        accepts where it ends is the walk's answer too. ``None`` when it ends
        without one: the whole walk decides then (backtracking, the slash
        redirect, what to report)."""
        state = self._root
        values: list[str] = []
        index = 0
        count = len(parts)
        patterns = self._patterns
        while index < count:
            part = parts[index]
            following = state.static.get(part)
            if following is not None:
                state = following
                index += 1
                continue
            for test, target in state.dynamic:
                compiled = patterns.get(test.content) or _compile(patterns, test.content)
                if test.final:
                    matched = compiled[0].match("/".join(parts[index:]))
                    after = count
                else:
                    simple = compiled[2]
                    if simple is not None and index:
                        # What the pattern says, without running it: a part
                        # of the path has no slash (the domain, part 0, may),
                        # and \d is str.isdecimal()'s Unicode Nd (bench:
                        # path_params_varied, make bench-instr).
                        if part and (simple is _WHOLE_PART or part.isdecimal()):
                            matched = None
                            state = target
                            break
                        continue
                    matched = compiled[0].match(part)
                    after = index + 1
                if matched is not None:
                    state = target
                    break
            else:
                return None
            if matched is None:  # A simple part: its value is the part.
                values.append(part)
                index += 1
                continue
            for name in compiled[1]:
                values.append(matched.group(name))
            if test.suffixed and matched.groups()[-1] == "/":
                # What is left is that slash, as in the walk.
                parts = [""]
                index = 0
                count = 1
            else:
                index = after
        for rule in state.rules:
            if rule.websocket == websocket and (rule.methods is None or method in rule.methods):
                return rule, values
        return None

    def shape(
        self,
        domain: str,
        path: str,
        method: str,
        websocket: bool,
        rule: Rule,
        args: dict[str, Any],
    ) -> Shape | None:
        """How to answer every path that differs from ``path`` only in its
        parts of decimal digits, which ``rule`` matched with ``args``:
        ``(rule, the other arguments, (argument, which number, whether
        int() converts it, the numbers a static part takes there) for each
        such part)``; ``None`` unless each of them (but those numbers)
        would be matched exactly as this one was.

        The walk (:meth:`_descend`) takes a static part first, then the first
        dynamic part whose pattern matches. A part of digits leads to the
        same state whatever its value (but a static part's, made of digits)
        when the first dynamic part there takes any digits (the default
        converter's pattern, or ``int``'s: ``_SIMPLE``); the rest of the
        path is the same. Its value is then converted as ``args`` says
        (``int()``, or as it is): only Werkzeug's plain converters."""
        parts = [domain, *path.split("/")]
        rule_parts = rule._parts
        if len(rule_parts) != len(parts) or rule.defaults:
            return None
        names = iter(rule._converters)
        kinds = {name: kind for name, kind, _ in _conversions(rule)}
        constants = dict(args)
        slots: list[tuple[str, int, bool, frozenset[str]]] = []
        state = self._root
        for index, (part, rule_part) in enumerate(zip(parts, rule_parts, strict=True)):
            if rule_part.final or rule_part.suffixed:
                return None
            # The parts routing's _NUMBER_PARTS finds: after a slash, digits only.
            digits = index > 1 and part.isdecimal()
            following = state.static.get(part)
            if rule_part.static:
                if digits or following is None or rule_part.content != part:
                    return None
                state = following
                continue
            part_names = [next(names) for _ in range(rule_part.content.count(_GROUP_START))]
            if not state.dynamic or (following is not None and not digits):
                return None  # The walk takes the static part.
            if digits:
                test, target = state.dynamic[0]
                if test != rule_part or _SIMPLE.get(test.content) is None:
                    return None
                (name,) = part_names
                kind = kinds.get(name)
                if kind is not _INT and kind is not _AS_IS:
                    return None
                # Static parts of digits there take those values (/users/7).
                taken = frozenset(key for key in state.static if key.isdecimal())
                slots.append((name, len(slots), kind is _INT, taken))
                del constants[name]
            else:
                for test, target in state.dynamic:  # noqa: B007 (target: after it)
                    compiled = self._patterns.get(test.content) or _compile(
                        self._patterns, test.content
                    )
                    if compiled[0].match(part) is not None:
                        break
                else:
                    return None
                if test != rule_part:
                    return None
            state = target
        for candidate in state.rules:
            if candidate.websocket == websocket and (
                candidate.methods is None or method in candidate.methods
            ):
                if candidate is not rule or not slots:
                    return None
                return rule, constants, tuple(slots)
        return None

    def match(
        self, domain: str, path: str, method: str, websocket: bool
    ) -> tuple[Rule, dict[str, Any]]:
        """The rule for ``path`` on ``domain`` and its converted arguments;
        raises Werkzeug's ``NoMatch``, ``RequestPath`` (a redirect to the
        path with a slash added or slashes merged) or ``RequestAliasRedirect``."""
        parts = [domain, *path.split("/")]
        found = self._descend(parts, method, websocket)
        search: _Search | None = None
        if found is None:
            search = _Search(method, websocket, self._patterns)
            try:
                found = search.walk(self._root, parts, 0, [])
            except SlashRequired:
                raise RequestPath(f"{path}/") from None
        if found is None and self.merge_slashes:
            assert search is not None
            merged = _MERGE.sub("/", path)
            try:
                found = search.walk(self._root, [domain, *merged.split("/")], 0, [])
            except SlashRequired:
                raise RequestPath(f"{merged}/") from None
            if found is None or found[0].merge_slashes is False:
                raise NoMatch(search.allowed, search.websocket_mismatch)
            raise RequestPath(merged)
        if found is None:
            assert search is not None
            raise NoMatch(search.allowed, search.websocket_mismatch)
        rule, values = found
        result: dict[str, Any] = {}
        plan = _conversions(rule)
        try:
            for (name, kind, converter), value in zip(plan, values, strict=False):
                if kind is _AS_IS:
                    result[name] = value
                elif kind is _INT:
                    try:
                        result[name] = int(value)
                    except ValueError as error:  # as NumberConverter.to_python says
                        raise ValidationError() from error
                else:
                    result[name] = converter.to_python(value)
        except ValidationError as error:
            if search is None:
                # What the walk saw on its way to the same rule (the
                # methods of the rules before it) is what Werkzeug reports.
                search = _Search(method, websocket, self._patterns)
                search.walk(self._root, parts, 0, [])
            raise NoMatch(search.allowed, search.websocket_mismatch) from error
        if rule.defaults:
            result.update(rule.defaults)
        if rule.alias and rule.map.redirect_defaults:
            raise RequestAliasRedirect(result, rule.endpoint)
        return rule, result
