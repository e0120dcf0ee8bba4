"""Tagged JSON used to serialize sessions (Flask's, so cookies stay compatible)."""

from __future__ import annotations

from flask.json.tag import JSONTag as JSONTag
from flask.json.tag import PassDict as PassDict
from flask.json.tag import PassList as PassList
from flask.json.tag import TagBytes as TagBytes
from flask.json.tag import TagDateTime as TagDateTime
from flask.json.tag import TagDict as TagDict
from flask.json.tag import TaggedJSONSerializer as TaggedJSONSerializer
from flask.json.tag import TagMarkup as TagMarkup
from flask.json.tag import TagTuple as TagTuple
from flask.json.tag import TagUUID as TagUUID

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]
