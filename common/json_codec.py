"""JSON on the hot paths, by orjson: what is written to JSON columns (event payloads in the
outbox among them) and the bodies of Dramatiq messages.

The standard library's encoder was a visible share of each event's trip (every event is
encoded for its outbox row, again for each message, and decoded by every consumer);
orjson does the same work several times faster and produces the same JSON for the values
events hold (strings, numbers, booleans, lists and dicts). Columns are still read by
psycopg2's own json: orjson would read an integer beyond 64 bits (a stored draft may hold
one) as a float, silently; message bodies hold only what our schemas let through.
"""

from __future__ import annotations

import json

import orjson
from dramatiq.encoder import DecodeError, Encoder, MessageData

# Integer keys (a few JSON columns hold maps by id) are written as strings, as json does.
_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value) -> bytes:
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        # orjson refuses integers beyond 64 bits, which a stored draft may hold; json
        # writes them (and fails the same way on anything truly not JSON).
        return json.dumps(value, separators=(",", ":")).encode()


def dumps_text(value) -> str:
    """For SQLAlchemy's ``json_serializer``, which wants text."""
    return dumps(value).decode()


class OrjsonEncoder(Encoder):
    """Dramatiq's message encoder: compact JSON, as its own JSONEncoder writes it."""

    def encode(self, data: MessageData) -> bytes:
        return dumps(data)

    def decode(self, data: bytes) -> MessageData:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise DecodeError(f"failed to decode message {data!r}", data, error) from None
