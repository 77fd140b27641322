"""What travels on a live socket: JSON text frames, and the codes a socket is closed with.

Close codes tell the client what to do next:

- ``SESSION_ENDED`` (1008): the token expired or was revoked, or access was withdrawn:
  refresh the token, then reconnect (a second refusal is final).
- ``TOO_SLOW`` (4008): the client fell too far behind the frames sent to it: reconnect
  with ``?after=<last id seen>`` and receive what was missed.
- ``GOING_AWAY`` (1001): the server is restarting: reconnect with ``?after=``.
- ``TRY_AGAIN`` (1013): a service this socket depends on is unavailable: reconnect with
  ``?after=`` after a pause.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from common.json_input import BadJSON, parse

SESSION_ENDED = 1008
TOO_SLOW = 4008
GOING_AWAY = 1001
TRY_AGAIN = 1013
NORMAL = 1000


class Outgoing(NamedTuple):
    """A frame encoded once for every subscriber; ``seq`` is the id of the row it carries
    (a message, a notification), so a reconnect's backlog and live frames never repeat."""

    text: str
    seq: int | None = None


def encode(frame: dict, seq: int | None = None) -> Outgoing:
    return Outgoing(json.dumps(frame, default=str, separators=(",", ":")), seq)


def error_frame(title: str, detail: str) -> Outgoing:
    return encode({"type": "error", "title": title, "detail": detail})


class BadFrame(ValueError):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def parse_frame(raw: str | bytes) -> dict:
    """A client frame as a dict with a string ``type``, or ``BadFrame`` saying why not."""
    try:
        frame = parse(raw)
    except BadJSON as error:
        raise BadFrame(error.detail) from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise BadFrame('Frames are JSON objects with a "type".')
    return frame
