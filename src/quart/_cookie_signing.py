"""The session cookie, read and written the way itsdangerous does it, cheaper.

A session cookie is itsdangerous's ``URLSafeTimedSerializer`` format:
``payload.timestamp.signature``, each part URL-safe base64 without padding,
the payload optionally zlib-compressed (a leading ``.``), the signature an
HMAC of ``payload.timestamp`` with a key derived from the secret key.

``serializer.loads(value, max_age=...)`` costs about 15 µs per cookie,
mostly Python around the work (a signer built per call, a generator of
signers, bytes conversions and base64 helpers at each step, Flask's scan of
the JSON for tags); every request that carries a session cookie and reads
its session pays it. ``serializer.dumps`` costs about 18 µs per session
written. :func:`read` and :func:`write` do the same steps for the serializer
:class:`quart.sessions.SecureCookieSessionInterface` builds:

* :func:`read` answers only when the cookie is valid (a signature one of
  the keys made, in its one base64 spelling, a timestamp within
  ``max_age``, a payload that decodes); for anything else it answers "ask
  itsdangerous", so every refusal, and its exception, is itsdangerous's own;
* :func:`write` makes the cookie itsdangerous would make, byte for byte,
  for data of plain JSON values (and lists and tuples of them), and leaves
  anything else to it;
* :func:`vary_on_cookie` adds ``Cookie`` to a response's ``Vary`` header,
  as saving a session does.
"""

from __future__ import annotations

import binascii
import functools
import hmac
import json
import time
import zlib
from collections.abc import Callable
from typing import Any

from flask.json.tag import TaggedJSONSerializer
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from itsdangerous import want_bytes
from itsdangerous.encoding import base64_encode
from itsdangerous.encoding import bytes_to_int
from itsdangerous.encoding import int_to_bytes
from itsdangerous.signer import HMACAlgorithm
from werkzeug.datastructures import Headers
from werkzeug.sansio.response import Response as SansIOResponse

from ._headers import FastHeaders

#: Derived signing keys, kept (see SessionSigner); cleared at the bound.
_DERIVED_KEYS: dict[tuple[object, ...], bytes] = {}
_DERIVED_KEYS_MAX = 32
# base64.urlsafe_b64decode's translation, applied before binascii decodes.
_URLSAFE = bytes.maketrans(b"-_", b"+/")
#: :func:`read`'s answer when only itsdangerous can tell.
UNKNOWN: Any = object()
# Flask's tags, in their order: values of the plain types match none of them.
_DEFAULT_TAGS = list(TaggedJSONSerializer.default_tags)
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_compact_json = json.JSONEncoder(separators=(",", ":")).encode
_PLAIN_HEADERS = (Headers, FastHeaders)


class SessionSigner(TimestampSigner):
    """itsdangerous's timestamp signer, deriving each signing key once."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The signing key for ``secret_key`` (the last of the signer's keys
        by default), as itsdangerous derives it, remembered."""
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        cache_key = (secret, self.salt, self.key_derivation, self.digest_method)
        derived = _DERIVED_KEYS.get(cache_key)
        if derived is None:
            derived = super().derive_key(secret)
            if len(_DERIVED_KEYS) >= _DERIVED_KEYS_MAX:
                _DERIVED_KEYS.clear()
            _DERIVED_KEYS[cache_key] = derived
        return derived


class _Reader:
    """What reading and writing need of one serializer, worked out once."""

    __slots__ = ("dumps", "loads", "macs", "text")

    def __init__(
        self,
        macs: list[Any],
        loads: Callable[[Any], Any],
        dumps: Callable[[Any], str | None] | None,
        text: bool,
    ) -> None:
        #: An HMAC object per signing key (newest first, the order
        #: itsdangerous tries them; the first signs), fed nothing yet: each
        #: use copies one.
        self.macs = macs
        self.loads = loads
        #: The data serializer's dumps for what needs no more than JSON, or
        #: None: its own dumps, through itsdangerous (see _plain_dumps).
        self.dumps = dumps
        self.text = text


def _reader(serializer: URLSafeTimedSerializer) -> _Reader | None:
    if type(serializer) is not URLSafeTimedSerializer:
        # A get_signing_serializer of the app's own: itsdangerous's, or not.
        return None
    reader: _Reader | None = serializer.__dict__.get("_quart_reader", UNKNOWN)
    if reader is not UNKNOWN:
        return reader
    reader = None
    if (
        serializer.signer is SessionSigner
        and serializer.signer is SessionSigner
        and not serializer.fallback_signers
        and not serializer.serializer_kwargs
    ):
        signer = serializer.make_signer()
        algorithm = signer.algorithm
        if signer.sep == b"." and type(algorithm) is HMACAlgorithm:
            data_serializer = serializer.serializer
            loads: Callable[[Any], Any] = data_serializer.loads
            dumps: Callable[[Any], str | None] | None = None
            if type(data_serializer) is TaggedJSONSerializer:
                loads = functools.partial(_tagged_loads, data_serializer)
                if [type(tag) for tag in data_serializer.order] == _DEFAULT_TAGS:
                    dumps = functools.partial(_plain_dumps, data_serializer)
            reader = _Reader(
                [
                    # HMACAlgorithm.get_signature's hmac.new(key, digestmod=...).
                    hmac.new(signer.derive_key(key), digestmod=algorithm.digest_method)
                    for key in reversed(signer.secret_keys)
                ],
                loads,
                dumps,
                serializer.is_text_serializer,
            )
    serializer._quart_reader = reader  # type: ignore[attr-defined]
    return reader


def _tagged_loads(tagged: TaggedJSONSerializer, text: str) -> Any:
    """``tagged.loads(text)``: Flask's tagged JSON, whose scan for tags is
    left out for what cannot hold one (a dict of plain values, the usual
    session, tagged only if it is a one-key dict named like a tag)."""
    # flask.json.loads is json.loads here: no Flask app is ever current.
    value = json.loads(text)
    if type(value) is not dict:
        return tagged._untag_scan(value)
    for item in value.values():
        if type(item) is dict or type(item) is list:
            return tagged._untag_scan(value)
    return tagged.untag(value) if len(value) == 1 else value


def _plain_dumps(tagged: TaggedJSONSerializer, data: Any) -> str | None:
    """``tagged.dumps(data)`` for a dict of plain JSON values (text,
    numbers, booleans, None under text keys) and lists and tuples of them
    (flashed messages are a list of tuples); ``None`` for anything else, or
    once tags were registered."""
    if (
        type(data) is not dict
        or len(tagged.order) != len(_DEFAULT_TAGS)
        # A one-key dict named like a tag is tagged itself (TagDict).
        or (len(data) == 1 and next(iter(data)) in tagged.tags)
    ):
        return None
    tagged_data = data
    for key, value in data.items():
        if type(key) is not str:
            return None
        if type(value) not in _PLAIN_TYPES:
            if type(value) is not list and type(value) is not tuple:
                return None
            if tagged_data is data:
                tagged_data = dict(data)
            try:
                tagged_data[key] = _tag_sequence(value)
            except _NotPlain:
                return None
    # flask.json.dumps(value, separators=(",", ":")): no Flask app is ever
    # current, so the standard library's, with Flask's default for the rest
    # (which plain values never reach).
    return _compact_json(tagged_data)


class _NotPlain(Exception):
    """A value that Flask's tags would turn into something else."""


def _tag_sequence(value: list[Any] | tuple[Any, ...]) -> Any:
    # What Flask's tags make of a list (PassList: its items tagged) and of a
    # tuple (TagTuple: {" t": its items tagged}), for plain items.
    items = []
    for item in value:
        kind = type(item)
        if kind in _PLAIN_TYPES:
            items.append(item)
        elif kind is list or kind is tuple:
            items.append(_tag_sequence(item))
        else:
            raise _NotPlain
    return items if type(value) is list else {" t": items}


def _b64decode(data: bytes) -> bytes:
    # itsdangerous.encoding.base64_decode, for bytes: padded, then
    # base64.urlsafe_b64decode (raises binascii.Error, a ValueError).
    return binascii.a2b_base64((data + b"=" * (-len(data) % 4)).translate(_URLSAFE))


def read(serializer: URLSafeTimedSerializer, value: str, max_age: int) -> Any:
    """``serializer.loads(value, max_age=max_age)`` for a valid cookie, or
    :data:`UNKNOWN`: call ``serializer.loads`` to learn why it is not (or
    for a serializer this does not know).

    The signature must also be in the one base64 form that signing makes
    (see ``quart.sessions._canonical_signature``), else :data:`UNKNOWN` too.
    """
    reader = _reader(serializer)
    if reader is None:
        return UNKNOWN
    try:
        signed = value.encode("utf-8")
        if signed.count(b".") < 2:
            return UNKNOWN
        signed_part, _, signature = signed.rpartition(b".")
        expected = _b64decode(signature)
        if base64_encode(expected) != signature:
            return UNKNOWN
        for unfed in reader.macs:
            mac = unfed.copy()
            mac.update(signed_part)
            # HMACAlgorithm.verify_signature's comparison, in constant time.
            if hmac.compare_digest(expected, mac.digest()):
                break
        else:
            return UNKNOWN
        payload, _, stamp = signed_part.rpartition(b".")
        age = int(time.time()) - bytes_to_int(_b64decode(stamp))
        if age > max_age or age < 0:
            return UNKNOWN
        if payload[:1] == b".":
            data = zlib.decompress(_b64decode(payload[1:]))
        else:
            data = _b64decode(payload)
        return reader.loads(data.decode("utf-8") if reader.text else data)
    except Exception:  # whatever it is, itsdangerous says what it means
        return UNKNOWN


def write(serializer: URLSafeTimedSerializer, data: Any) -> str | None:
    """``serializer.dumps(data)``, the same cookie, for the serializer
    :class:`quart.sessions.SecureCookieSessionInterface` builds and data of
    plain JSON values; ``None``: call ``serializer.dumps``."""
    reader = _reader(serializer)
    if reader is None or reader.dumps is None or not reader.text:
        return None
    text = reader.dumps(data)
    if text is None:
        return None
    # URLSafeSerializerMixin.dump_payload: compressed when that is shorter.
    encoded = text.encode("utf-8")
    compressed = zlib.compress(encoded)
    if len(compressed) < len(encoded) - 1:
        payload = b"." + base64_encode(compressed)
    else:
        payload = base64_encode(encoded)
    # TimestampSigner.sign, then Signer.sign with the newest key.
    signed_part = payload + b"." + base64_encode(int_to_bytes(int(time.time())))
    mac = reader.macs[0].copy()
    mac.update(signed_part)
    return (signed_part + b"." + base64_encode(mac.digest())).decode("utf-8")


_WERKZEUG_VARY = SansIOResponse.vary


def vary_on_cookie(response: SansIOResponse) -> None:
    """``response.vary.add("Cookie")``, as Werkzeug does it, without building
    the header's set twice per session saved where the answer is plain: no
    ``Vary`` header yet (it becomes ``Cookie``), or just ``Cookie``."""
    headers = response.headers
    if type(response).vary is _WERKZEUG_VARY and type(headers) in _PLAIN_HEADERS:
        current = headers.get("Vary")
        if current is None:
            headers["Vary"] = "Cookie"
            return
        if current == "Cookie":
            return
    response.vary.add("Cookie")
